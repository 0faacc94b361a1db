"""Run every benchmark in one go: one table with ratios, JSON and a PNG figure.

``python benchmarks/run_all.py [--quick] [--out DIR]`` (what ``nox -s bench``
runs). The full run takes several minutes on a 2-core machine, about four of
them the idle benchmark's (1,000 idle sessions watched for 60 s per
configuration); ``--quick`` is a smoke run for CI that keeps the scripts
working (its figures mean nothing).
Results go to ``DIR/latest.json`` and ``DIR/latest.png`` (default
``benchmarks/results/``), overwritten on every run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_audio
import bench_decode
import bench_dispatch
import bench_idle
import bench_memory
import bench_scale
from _common import RESULTS, SEED, fmt, ratio, table

BENCHES = {
    "decode": bench_decode,
    "dispatch": bench_dispatch,
    "scale": bench_scale,
    "memory": bench_memory,
    "idle": bench_idle,
    "audio": bench_audio,
}


def _get(d: dict[str, Any], *keys: str) -> float:
    for key in keys:
        if not isinstance(d, dict) or key not in d:
            return float("nan")
        d = d[key]
    return float(d) if isinstance(d, int | float) else float("nan")


def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    """The issue's targets, each with the measured value and whether it is met."""
    dec = res.get("decode", {}).get("cases", {})
    disp = res.get("dispatch", {}).get("modes", {})
    scale = res.get("scale", {}).get("clients", {})
    idle = res.get("idle", {}).get("configs", {})

    def row(name: str, value: float, goal: str, ok: bool) -> dict[str, Any]:
        return {
            "target": name,
            "measured": value,
            "goal": goal,
            "met": bool(ok) if not math.isnan(value) else None,
        }

    t = dec.get("text_delta", {})
    a = dec.get("audio_delta_100ms", {})
    pt = disp.get("paced_text", {})
    bt = disp.get("burst_text", {})
    sdk_speedup_text = ratio(_get(t, "sdk_ns"), _get(t, "trio_realtime_ns"))
    floor_text = ratio(_get(t, "trio_realtime_ns"), _get(t, "msgspec_floor_ns"))
    sdk_speedup_audio = ratio(_get(a, "sdk_ns"), _get(a, "trio_realtime_ns"))
    burst = ratio(_get(bt, "trio_realtime", "events_per_s"), _get(bt, "sdk", "events_per_s"))
    p99_sdk = ratio(_get(pt, "trio_realtime", "p99_us"), _get(pt, "sdk", "p99_us"))
    floor_p99 = ratio(_get(pt, "trio_realtime", "p99_us"), _get(pt, "floor_64k", "p99_us"))
    sessions = ratio(
        _get(scale, "trio_realtime", "max_k_under_budget"), _get(scale, "sdk", "max_k_under_budget")
    )
    # Issue 9, as a ratio: the SDK does the same keepalive work (a ping per
    # session every 20 s), and an absolute share of a core mostly measures what
    # the machine charges for waking a process (see benchmarks/README.rst).
    idle_sdk = ratio(
        _get(idle, "trio_realtime", "cpu_pct_of_core"), _get(idle, "sdk", "cpu_pct_of_core")
    )
    idle_n = res.get("idle", {}).get("n", bench_idle.FULL["n"])
    return [
        row("decode text delta: sdk / ours", sdk_speedup_text, ">= 100x", sdk_speedup_text >= 100),
        row("decode text delta: ours / msgspec floor", floor_text, "<= 1.3x", floor_text <= 1.3),
        row(
            "decode 100 ms audio delta: sdk / ours",
            sdk_speedup_audio,
            ">= 8x",
            sdk_speedup_audio >= 8,
        ),
        row("burst text deltas: ours / sdk events/s", burst, ">= 2x", burst >= 2),
        row("paced text p99: ours / sdk", p99_sdk, "<= 0.8x", p99_sdk <= 0.8),
        row("paced text p99: ours / floor (64 KiB reads)", floor_p99, "<= 1.3x", floor_p99 <= 1.3),
        row("sessions per core, p99 < 20 ms: ours / sdk", sessions, ">= 3x", sessions >= 3),
        row(
            f"idle keepalive CPU at {idle_n:,} connections: ours / sdk",
            idle_sdk,
            "<= 1x",
            idle_sdk <= 1,
        ),
        *audio_targets(res.get("audio", {}).get("cases", {}), row),
    ]


def audio_targets(cases: dict[str, Any], row: Any) -> list[dict[str, Any]]:
    """Issue 12's targets: G.711 at >= 100 MB/s, 48 kHz -> 24 kHz at >= 500x real time."""
    rows = []
    for case in ("ulaw_encode", "ulaw_decode", "alaw_encode", "alaw_decode"):
        mbs = _get(cases, case, "mb_per_s")
        rows.append(row(f"G.711 {case.replace('_', ' ')} MB/s", mbs, ">= 100", mbs >= 100))
    x = _get(cases, "resample_48k_24k", "x_realtime")
    rows.append(row("resample 48 kHz -> 24 kHz, x real time", x, ">= 500", x >= 500))
    return rows


def summary(res: dict[str, Any]) -> str:
    out = []
    for name, mod in BENCHES.items():
        if name in res:
            out += [f"== {name}", mod.report(res[name]), ""]
    rows = []
    for t in res["targets"]:
        met = {True: "yes", False: "NO", None: "n/a"}[t["met"]]
        rows.append([t["target"], fmt(t["measured"], 2), t["goal"], met])
    out += ["== targets (issues 5 and 9)", table(["target", "measured", "goal", "met"], rows)]
    return "\n".join(out)


_COLORS = {
    "trio_realtime": "#1f77b4",
    "sdk": "#d62728",
    "floor_4k": "#bcbd22",
    "floor_64k": "#2ca02c",
    "floor_wsproto": "#9467bd",
    "floor_raw": "#7f7f7f",
    "trio_realtime_live": "#17becf",
    "sdk_live": "#ff7f0e",
}
_LABELS = {
    "trio_realtime": "trio-realtime",
    "sdk": "openai SDK",
    "floor_4k": "floor: trio-websocket, 4 KiB reads",
    "floor_64k": "floor: trio-websocket, 64 KiB reads",
    "floor_wsproto": "floor: wsproto in the consumer task",
    "floor_raw": "floor: raw trio socket",
    "trio_realtime_live": "trio-realtime, GPT-Live",
    "sdk_live": "openai SDK, GPT-Live",
}
_MAIN = ("trio_realtime", "sdk")


def _style(client: str) -> dict[str, Any]:
    main = client in _MAIN
    return {"color": _COLORS.get(client), "lw": 2.2 if main else 1.1, "ls": "-" if main else "--"}


def _plain_log_ticks(axis: Any) -> None:
    """Label a log axis 50, 100, 200, 500, ... instead of 5x10^1 and friends."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


_IDLE_LABELS = {
    "trio_realtime": "trio-realtime",
    "trio_realtime_no_ping": "trio-realtime, no ping",
    "sdk": "openai SDK",
}


def _idle_panel(ax: Any, res: dict[str, Any], configs: dict[str, Any]) -> None:
    """Horizontal bars: CPU % of a core per idle configuration."""
    names = list(configs)
    values = [configs[n]["cpu_pct_of_core"] for n in names]
    colors = [_COLORS.get(configs[n]["client"]) for n in names]
    bars = ax.barh(range(len(names)), values, color=colors)
    for bar, name in zip(bars, names, strict=True):
        r = configs[name]
        interval = r["ping_interval_s"]
        ping = "no ping" if interval is None else f"a ping every {interval:g} s"
        ax.annotate(
            f" {fmt(r['cpu_pct_of_core'], 3)} % ({fmt(r['cpu_us_per_conn_s'], 2)} us per"
            f" connection-second; {ping})",
            (bar.get_width(), bar.get_y() + bar.get_height() / 2),
            va="center",
            fontsize=8,
        )
    ax.set_yticks(range(len(names)), [_IDLE_LABELS.get(n, n) for n in names])
    ax.invert_yaxis()
    ax.set_xlim(0, max(values, default=0) * 1.6 or 1)
    ax.set_xlabel("client CPU, % of one core")
    ax.set_title(
        f"Idle: {res['n']:,} sessions, each consumer in receive(), over {fmt(res['window_s'])} s"
    )
    ax.grid(True, axis="x", alpha=0.3)


def figure(res: dict[str, Any], path: Path) -> bool:
    """Latency CDFs, burst throughput, the scale curve and the idle cost; False
    without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    modes = res.get("dispatch", {}).get("modes", {})
    idle = {k: v for k, v in res.get("idle", {}).get("configs", {}).items() if "error" not in v}
    # The four panels, and below them a strip for the idle cost when it was run.
    fig = plt.figure(figsize=(14, 12.5 if idle else 10))
    grid = fig.add_gridspec(3 if idle else 2, 2, height_ratios=[1, 1, 0.45] if idle else None)
    axes = [[fig.add_subplot(grid[i, j]) for j in range(2)] for i in range(2)]
    for ax, mode, title in (
        (axes[0][0], "paced_text", "a text delta every 1 ms"),
        (axes[0][1], "paced_audio", "a 20 ms audio delta every 20 ms"),
    ):
        for client, r in modes.get(mode, {}).items():
            cdf = r.get("cdf_us") or []
            if not cdf:
                continue
            ys = [(i + 0.5) / len(cdf) for i in range(len(cdf))]
            p50, p99 = fmt(r["p50_us"], 0), fmt(r["p99_us"], 0)
            label = f"{_LABELS.get(client, client)} (p50 {p50}, p99 {p99} us)"
            ax.plot(cdf, ys, label=label, **_style(client))
        ax.set_xscale("log")
        _plain_log_ticks(ax.xaxis)
        ax.set_xlabel("delta-dispatch latency, server send to consumer receive (us, log)")
        ax.set_ylabel("fraction of deltas")
        ax.set_title(f"Paced: {title}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7.5, loc="lower right")

    ax = axes[1][0]
    burst = [("burst_text", "text deltas"), ("burst_audio", "100 ms audio deltas")]
    clients = list(modes.get("burst_text", {}))
    width = 0.8 / max(1, len(clients))
    for n, client in enumerate(clients):
        values = [modes.get(m, {}).get(client, {}).get("events_per_s", 0) / 1000 for m, _ in burst]
        xs = [i + (n - (len(clients) - 1) / 2) * width for i in range(len(burst))]
        bars = ax.bar(
            xs, values, width, color=_COLORS.get(client), label=_LABELS.get(client, client)
        )
        for bar, v in zip(bars, values, strict=True):
            ax.annotate(
                f"{v:.0f}",
                (bar.get_x() + bar.get_width() / 2, v),
                ha="center",
                va="bottom",
                fontsize=7,
            )
    ax.set_xticks(range(len(burst)), [label for _, label in burst])
    ax.set_yscale("log")
    _plain_log_ticks(ax.yaxis)
    ax.set_ylabel("thousand events per second at the consumer (log)")
    ax.set_title("Burst: as fast as the socket delivers")
    ax.grid(True, axis="y", which="both", alpha=0.3)
    ax.legend(fontsize=7.5)

    ax = axes[1][1]
    for client, c in res.get("scale", {}).get("clients", {}).items():
        pts = [p for p in c.get("points", []) if "error" not in p]
        if not pts:
            continue
        label = f"{_LABELS.get(client, client)} (max K {c['max_k_under_budget']})"
        ax.plot(
            [p["k"] for p in pts],
            [p["p99_us"] / 1000 for p in pts],
            marker="o",
            ms=4,
            label=label,
            **_style(client),
        )
    ax.axhline(20, color="k", ls=":", lw=1, label="20 ms budget")
    ax.set_xscale("log")
    ax.set_yscale("log")
    _plain_log_ticks(ax.xaxis)
    _plain_log_ticks(ax.yaxis)
    ax.set_xlabel("concurrent sessions in one process on one core (100 events/s each)")
    ax.set_ylabel("p99 dispatch latency (ms, log)")
    ax.set_title("Sessions per core")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7.5)
    if idle:
        _idle_panel(fig.add_subplot(grid[2, :]), res["idle"], idle)
    kind = "quick smoke run: figures meaningless" if res["quick"] else "full run"
    fig.suptitle(
        f"trio-realtime vs the openai SDK over loopback ({kind}; {res['started_utc']}, "
        f"{res['machine']['cpus']} cores, Python {res['machine']['python']})",
        fontsize=11,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI smoke run (seconds)")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where latest.json/png go")
    parser.add_argument("--only", default=",".join(BENCHES), help="comma-separated subset")
    args = parser.parse_args()
    started = time.perf_counter()
    res: dict[str, Any] = {
        "seed": SEED,
        "quick": args.quick,
        "started_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "loadavg_at_start": os.getloadavg() if hasattr(os, "getloadavg") else None,
        },
    }
    for name in args.only.split(","):
        t0 = time.perf_counter()
        print(f"running {name} ...", file=sys.stderr, flush=True)
        res[name] = BENCHES[name].run(args.quick)
        res[name]["seconds"] = time.perf_counter() - t0
    res["targets"] = targets(res)
    res["seconds"] = time.perf_counter() - started
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "latest.json").write_text(json.dumps(res, indent=1))
    drew = figure(res, args.out / "latest.png")
    print(summary(res))
    print(
        f"\n{res['seconds']:.0f} s; wrote {args.out / 'latest.json'}"
        + (f" and {args.out / 'latest.png'}" if drew else " (no matplotlib: no figure)")
    )


if __name__ == "__main__":
    main()
