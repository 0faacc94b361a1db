"""Delta-dispatch latency and throughput over loopback, side by side.

The server (its own process, its own core) stamps every delta with its
``perf_counter_ns`` at send; each client (a fresh process on the other core)
reads its clock when ``receive`` hands over the decoded event. Latency is the
difference (CLOCK_MONOTONIC is shared by all processes on Linux).

Modes: ``paced_text`` (a text delta every 1 ms), ``paced_audio`` (a 20 ms audio
delta every 20 ms), ``burst_text`` and ``burst_audio`` (100 ms audio deltas),
the last two as fast as the socket takes them, reported as events per second
at the consumer. Clients: see ``_clients.py``; the GPT-Live pair
(``trio_realtime_live``, ``sdk_live``) streams the same modes as Live frames,
and its ratio columns compare with ``sdk_live``. Paced modes keep each
client's better of two interleaved rounds (``PACED_ROUNDS``).
"""

from __future__ import annotations

from typing import Any

from _clients import CLIENTS, SDK_OF
from _common import SEED, fmt, latency_summary, ratio, run_client, script_main, server, table

#: mode -> (server scenario with {n}, events in a full run, in a quick run)
MODES: dict[str, tuple[str, int, int]] = {
    "paced_text": ("bench.paced.text.{n}.1000", 6000, 300),
    "paced_audio": ("bench.paced.audio20.{n}.20000", 250, 25),
    "burst_text": ("bench.burst.text.{n}", 40000, 2000),
    "burst_audio": ("bench.burst.audio100.{n}", 8000, 300),
}
WARM_MODEL = "bench.burst.text.500"
#: Paced modes run this many interleaved rounds per client in a full run, and
#: each client keeps its round with the lower p99: on a shared machine one
#: preemption by another process decides a tail, and this filters it for every
#: client alike.
PACED_ROUNDS = 2
#: Deltas dropped from the front of every run: connection warm-up, not steady state.
SKIP = 20


def _summary(raw: dict[str, Any], n: int) -> dict[str, Any]:
    lat = raw["latency_ns"][SKIP:]
    recv = raw["recv_ns"][SKIP:]
    out = latency_summary(lat)
    span = (recv[-1] - recv[0]) / 1e9 if len(recv) > 1 else 0.0
    out["events_per_s"] = (len(recv) - 1) / span if span else float("nan")
    out["received"] = len(raw["latency_ns"])
    # Client CPU (user + system) per delta, from session.created to response.done.
    out["cpu_us_per_event"] = raw["cpu_s"] / out["received"] * 1e6 if out["received"] else 0.0
    out["expected"] = n
    return out


def _job(client: str, port: int) -> dict[str, Any]:
    return {"client": client, "port": port, "warm_model": WARM_MODEL, "limit_s": 120}


def run(quick: bool = False, clients: tuple[str, ...] = CLIENTS) -> dict[str, Any]:
    """Every mode x every client against one server; results keyed mode -> client.

    A full run gives every (mode, client) pair a fresh process, modes outermost
    so that drifting machine load hits every client alike. A quick run gives each
    client one process for all modes (import time dominates a smoke run).
    """
    results: dict[str, Any] = {"seed": SEED, "quick": quick, "modes": {m: {} for m in MODES}}
    runs = {
        mode: (scenario.format(n=quick_n if quick else full_n), quick_n if quick else full_n)
        for mode, (scenario, full_n, quick_n) in MODES.items()
    }
    with server() as port:
        if quick:
            for client in clients:
                job = {**_job(client, port), "runs": [[model] for model, _ in runs.values()]}
                try:
                    raws = run_client(job, timeout=180)
                except RuntimeError as exc:
                    raws = [{"error": str(exc)}] * len(runs)
                for (mode, (_, n)), raw in zip(runs.items(), raws, strict=True):
                    results["modes"][mode][client] = raw if "error" in raw else _summary(raw, n)
            return results
        for mode, (model, n) in runs.items():
            rounds = PACED_ROUNDS if mode.startswith("paced") else 1
            for round_ in range(rounds):
                for client in clients:
                    try:
                        raw = run_client({**_job(client, port), "models": [model]}, timeout=180)
                    except RuntimeError as exc:
                        results["modes"][mode][client] = {"error": str(exc)}
                        continue
                    new = _summary(raw, n)
                    new["rounds"] = rounds
                    old = results["modes"][mode].get(client)
                    if round_ == 0 or "error" in old or new["p99_us"] < old["p99_us"]:
                        results["modes"][mode][client] = new
    return results


def report(results: dict[str, Any]) -> str:
    """Paced modes: compare latencies. Burst modes: compare events/s (their
    latencies are queueing behind the burst, not dispatch)."""
    rows = []
    for mode, per_client in results["modes"].items():
        for client, r in per_client.items():
            # GPT-Live clients are compared with the SDK's live client.
            sdk = per_client.get(SDK_OF.get(client, "sdk"), {})
            if "error" in r:
                rows.append([mode, client, "error"] + [""] * 7)
                continue
            rows.append(
                [
                    mode,
                    client,
                    fmt(r["p50_us"]),
                    fmt(r["p90_us"]),
                    fmt(r["p99_us"]),
                    fmt(r["events_per_s"], 0),
                    fmt(r["cpu_us_per_event"]),
                    fmt(ratio(r["p50_us"], sdk.get("p50_us", 0)), 2),
                    fmt(ratio(r["p99_us"], sdk.get("p99_us", 0)), 2),
                    fmt(ratio(r["events_per_s"], sdk.get("events_per_s", 0)), 2),
                ]
            )
    headers = ["mode", "client", "p50 us", "p90 us", "p99 us", "events/s", "cpu us/ev"]
    return table([*headers, "p50/sdk", "p99/sdk", "ev/s / sdk"], rows)


def main() -> None:
    script_main(__doc__, run, report)


if __name__ == "__main__":
    main()
