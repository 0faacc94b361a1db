"""Idle keepalive cost: the CPU that N idle sessions cost their client process.

N sessions (1,000 in the full run) from one client process, pinned to one
core, to the bench server (its own process, the other core), which sends each
session its ``session.created`` and then nothing but pongs. Every consumer
waits in ``await conn.receive()``, the common idle case. The sessions connect
evenly over one ping interval (20 s), as sessions that arrive over time would:
their timers then fire at even phases, where a burst of connects would keep
them in step and let one wake of the process serve many. After a settle period
(within 3.5 s of finding its consumer reading, the keeper task backs off to
one wake every 4 s), the client's CPU time (``time.process_time``: user plus
system, all threads) is read over a window of wall time, and reported as % of
one core and as us of CPU per connection per second. The window is a multiple
of the 20 s ping interval, so each session's pings fall in it the same number
of times (three in 60 s), whatever its phase.

Three configurations in one run, each in a fresh process: ``trio_realtime``
with its default keepalive (a ping every 20 s), ``trio_realtime`` with
``ping_interval=None`` (what is left is the keeper's back-off wakes), and the
openai SDK's client (websockets' keepalive, also a ping every 20 s), for
context. The server counts the pings it answered during the window; the trio
runs count task steps by task name (who wakes, and how often).

The quick run uses 20 sessions connected over 0.25 s, a 1 s window and a
ping every 0.25 s for every peer that pings, so that pings happen at all; its
figures mean nothing.
"""

from __future__ import annotations

from typing import Any

from _common import SEED, fmt, ratio, run_client, script_main, server, table

#: configuration -> (client, keywords for its connect call)
CONFIGS: dict[str, tuple[str, dict[str, Any]]] = {
    "trio_realtime": ("trio_realtime", {}),
    "trio_realtime_no_ping": ("trio_realtime", {"ping_interval": None}),
    "sdk": ("sdk", {}),
}
FULL = {"n": 1000, "spread_s": 20.0, "settle_s": 10.0, "window_s": 60.0}
QUICK = {"n": 20, "spread_s": 0.25, "settle_s": 0.2, "window_s": 1.0}
#: The quick run's ping interval, for every configuration that pings.
QUICK_PING_INTERVAL_S = 0.25
#: Time allowed for all N sessions to connect.
CONNECT_LIMIT_S = 120.0


def _spec(options: dict[str, Any], quick: bool) -> dict[str, Any]:
    spec: dict[str, Any] = {**(QUICK if quick else FULL), "limit_s": CONNECT_LIMIT_S}
    if quick and options.get("ping_interval", 0) is not None:
        options = {**options, "ping_interval": QUICK_PING_INTERVAL_S}
    return {**spec, "options": options}


def _summary(raw: dict[str, Any]) -> dict[str, Any]:
    n, cpu_s, window_s = raw["n"], raw["cpu_s"], raw["window_s"]
    conn_s = n * window_s
    steps = raw.get("task_steps")
    return {
        **raw,
        "cpu_pct_of_core": 100 * cpu_s / window_s,
        "cpu_us_per_conn_s": cpu_s / conn_s * 1e6,
        "pings_per_conn_s": raw["server_pings"] / conn_s,
        "task_steps_per_conn_s": sum(steps.values()) / conn_s if steps is not None else None,
    }


def run(quick: bool = False, clients: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Every configuration against one server. ``clients`` picks configurations
    by name (see `CONFIGS`). A full run gives each configuration its own
    process; a quick run runs the configurations of one client in one process
    (imports dominate a smoke run)."""
    names = clients or tuple(CONFIGS)
    shape = QUICK if quick else FULL
    results: dict[str, Any] = {"seed": SEED, "quick": quick, **shape, "configs": {}}
    groups: list[list[str]] = []
    for name in names:
        if quick and groups and CONFIGS[groups[-1][0]][0] == CONFIGS[name][0]:
            groups[-1].append(name)
        else:
            groups.append([name])
    timeout = CONNECT_LIMIT_S + shape["spread_s"] + shape["settle_s"] + shape["window_s"] + 60
    with server() as port:
        for group in groups:
            client = CONFIGS[group[0]][0]
            job = {
                "client": client,
                "port": port,
                "idle": [_spec(CONFIGS[name][1], quick) for name in group],
            }
            try:
                raws = run_client(job, timeout=timeout * len(group))
            except RuntimeError as exc:
                raws = [{"error": str(exc)}] * len(group)
            for name, raw in zip(group, raws, strict=True):
                results["configs"][name] = raw if "error" in raw else _summary(raw)
    on = results["configs"].get("trio_realtime", {})
    off = results["configs"].get("trio_realtime_no_ping", {})
    # What a ping costs: the CPU the keepalive adds, per ping answered.
    results["trio_realtime_us_per_ping"] = (
        ratio(on["cpu_s"] - off["cpu_s"], on["server_pings"]) * 1e6
        if "cpu_s" in on and "cpu_s" in off
        else float("nan")
    )
    return results


def _ping_label(r: dict[str, Any]) -> str:
    interval = r["ping_interval_s"]
    return "off" if interval is None else f"{interval:g} s"


def report(results: dict[str, Any]) -> str:
    rows = []
    for name, r in results["configs"].items():
        if "error" in r:
            rows.append([name, "error", "", "", "", "", "", "", ""])
            continue
        steps = r["task_steps_per_conn_s"]
        rows.append(
            [
                name,
                _ping_label(r),
                f"{r['server_sessions']}/{r['n']}",
                fmt(r["connect_s"]),
                fmt(r["cpu_pct_of_core"], 3),
                fmt(r["cpu_us_per_conn_s"], 2),
                r["server_pings"],
                "-" if steps is None else fmt(steps, 3),
                "/".join(str(c) for c in r["gc_collections"]),
            ]
        )
    lines = [
        table(
            [
                "config",
                "ping every",
                "sessions",
                "connected s",
                "CPU % of core",
                "us CPU/conn/s",
                "pings seen",
                "task steps/conn/s",
                "GCs gen 0/1/2",
            ],
            rows,
        ),
        "",
        f"{results['n']} idle sessions connected over {results['spread_s']:g} s, each"
        f" consumer in receive(); CPU over {results['window_s']:g} s from"
        f" {results['settle_s']:g} s after the last connected.",
        f"trio_realtime keepalive: {fmt(results['trio_realtime_us_per_ping'], 1)} us of"
        " CPU per ping (CPU with pings minus without, per ping the server answered)",
    ]
    configs = results["configs"]
    ours = configs.get("trio_realtime", {}).get("cpu_s", float("nan"))
    for other in ("trio_realtime_no_ping", "sdk"):
        if "cpu_s" in configs.get(other, {}):
            times = fmt(ratio(ours, configs[other]["cpu_s"]), 2)
            lines.append(f"trio_realtime CPU / {other} CPU: {times}x")
    for name, r in results["configs"].items():
        steps = r.get("task_steps")
        if steps:
            conn_s = r["n"] * r["window_s"]
            per = ", ".join(
                f"{task} {fmt(count / conn_s, 3)}"
                for task, count in sorted(steps.items(), key=lambda kv: -kv[1])
            )
            lines.append(f"{name} task steps per connection-second: {per}")
    return "\n".join(lines)


def main() -> None:
    script_main(__doc__, run, report)


if __name__ == "__main__":
    main()
