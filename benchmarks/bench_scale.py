"""Sessions per core: K concurrent sessions in one client process on one core.

Every session receives real-time paced output, as a voice agent's would: each
20 ms, a 20 ms audio delta and a transcript delta (100 events/s per session).
The server (its own process, the other core) starts all K streams together
once the K-th session is connected. Per K and client: p99 dispatch latency and
the client's CPU seconds per event (``time.process_time`` from the moment all
sessions are ready to the last ``response.done``).

The headline is the largest K whose p99 stays under 20 ms (one audio frame):
the coarse grid is refined by bisection between the last K that passed and the
first that failed, and a K over budget is measured a second time (the better
run kept, for every client alike) so that one burst of load from elsewhere on a
shared machine does not decide it. CPU per event also gives a smoother estimate, the sessions
one core could carry at 100 % busy (``1 / (cpu_per_event * 100)``). The
table also counts full (generation 2) garbage collections during the stream and
the longest: near the knee one such pause, which stalls every session at once,
can decide a p99 by itself.
"""

from __future__ import annotations

import itertools
from typing import Any

from _common import (
    BUSY_CORES,
    SEED,
    busy_cores,
    fmt,
    latency_summary,
    ratio,
    run_client,
    script_main,
    server,
    table,
)

CLIENTS = ("trio_realtime", "sdk", "floor_64k", "floor_wsproto", "floor_raw")
#: The issue's grid, then 750 and 1000 so that a client still under budget at
#: 500 finds its knee instead of being capped by the grid (a saturated client
#: stops early, so the extra points cost only those that pass).
FULL_KS = (1, 10, 50, 100, 250, 500, 750, 1000)
QUICK_KS = (1, 10)
BUDGET_US = 20_000.0
#: Beyond this p99 a client is saturated: larger K would only take longer to say so.
SATURATED_US = 500_000.0
EVENTS_PER_SESSION_S = 100
WARM_MODEL = "bench.burst.text.200"
#: Latencies from the first ticks are dropped (streams starting together).
WARMUP_NS = 200_000_000

_run_ids = itertools.count()


def measure(client: str, port: int, k: int, duration_ms: int) -> dict[str, Any]:
    run_id = f"r{SEED}x{next(_run_ids)}"
    model = f"bench.scale.{k}.{duration_ms}.{run_id}"
    raw = run_client(
        {
            "client": client,
            "port": port,
            "models": [model] * k,
            "warm_model": WARM_MODEL,
            "limit_s": duration_ms / 1000 * 4 + 15,
        },
        timeout=duration_ms / 1000 * 4 + 60,
    )
    stamps = raw["stamp_ns"]
    start = min(stamps) + WARMUP_NS if stamps else 0
    lat = [lt for lt, s in zip(raw["latency_ns"], stamps, strict=True) if s >= start]
    out = latency_summary(lat)
    del out["cdf_us"]  # the figure plots p99 per K; keep latest.json small
    events = len(raw["latency_ns"])
    expected = k * 2 * (duration_ms // 20)
    out.update(
        k=k,
        events=events,
        expected=expected,
        cpu_s=raw["cpu_s"],
        cpu_us_per_event=raw["cpu_s"] / events * 1e6 if events else float("nan"),
        timed_out=raw["timed_out"] or events < expected,
        full_gcs=len(raw["full_gc_ms"]),
        full_gc_max_ms=max(raw["full_gc_ms"], default=0.0),
    )
    return out


def measure_twice_if_over(
    client: str, port: int, k: int, duration_ms: int, quick: bool
) -> dict[str, Any]:
    """One run; a K over budget (but not saturated) is run again, the better kept.

    On a shared machine a few milliseconds of preemption by another process
    can decide a p99; a second chance, given to every client alike, keeps one
    such burst from deciding the headline. A saturated client is not retried.
    """
    r = measure(client, port, k, duration_ms)
    r["attempts"] = 1
    if quick or _passes(r) or r["timed_out"] or r["p99_us"] > 10 * BUDGET_US:
        return r
    again = measure(client, port, k, duration_ms)
    again["attempts"] = 2
    return again if again["p99_us"] < r["p99_us"] else r


def _passes(r: dict[str, Any]) -> bool:
    return not r["timed_out"] and r["p99_us"] < BUDGET_US


def run(quick: bool = False, clients: tuple[str, ...] | None = None) -> dict[str, Any]:
    # The floors' code paths are exercised by the dispatch smoke run already.
    clients = clients or (CLIENTS[:2] if quick else CLIENTS)
    ks = QUICK_KS if quick else FULL_KS
    duration_ms = 600 if quick else 3000
    results: dict[str, Any] = {
        "seed": SEED,
        "quick": quick,
        "duration_ms": duration_ms,
        "budget_us": BUDGET_US,
        "clients": {},
        "busy_cores_before": busy_cores(),
    }
    with server() as port:
        for client in clients:
            points: dict[int, dict[str, Any]] = {}
            for k in ks:
                try:
                    points[k] = measure_twice_if_over(client, port, k, duration_ms, quick)
                except RuntimeError as exc:
                    points[k] = {"k": k, "error": str(exc)}
                    break
                if points[k]["timed_out"] or points[k]["p99_us"] > SATURATED_US:
                    break
            # Bisect between the last passing and the first failing K.
            ok = [k for k, r in points.items() if "error" not in r and _passes(r)]
            bad = [k for k, r in points.items() if "error" in r or not _passes(r)]
            lo, hi = (max(ok) if ok else 0), (min(bad) if bad else None)
            for _ in range(0 if quick else 3):
                if hi is None or hi - lo <= max(2, lo // 10):
                    break
                mid = (lo + hi) // 2
                try:
                    r = measure_twice_if_over(client, port, mid, duration_ms, quick)
                except RuntimeError as exc:
                    points[mid] = {"k": mid, "error": str(exc)}
                    break
                points[mid] = r
                lo, hi = (mid, hi) if _passes(r) else (lo, mid)
            valid = [r for r in points.values() if "error" not in r]
            busiest = max(valid, key=lambda r: r["events"], default=None)
            results["clients"][client] = {
                "points": [points[k] for k in sorted(points)],
                "max_k_under_budget": lo,
                "first_k_over_budget": hi,
                "cpu_us_per_event": busiest["cpu_us_per_event"] if busiest else float("nan"),
                "sessions_per_core_by_cpu": (
                    1e6 / (busiest["cpu_us_per_event"] * EVENTS_PER_SESSION_S)
                    if busiest
                    else float("nan")
                ),
            }
    return results


def report(results: dict[str, Any]) -> str:
    rows = []
    for client, c in results["clients"].items():
        for r in c["points"]:
            if "error" in r:
                rows.append([client, r["k"], "error", "", "", "", ""])
                continue
            rows.append(
                [
                    client,
                    r["k"],
                    fmt(r["p50_us"]),
                    fmt(r["p99_us"]),
                    fmt(r["cpu_us_per_event"], 2),
                    f"{r['full_gcs']} / {fmt(r['full_gc_max_ms'])}" if r["full_gcs"] else "-",
                    "timed out" if r["timed_out"] else ("yes" if _passes(r) else "no"),
                ]
            )
    lines = [
        table(
            ["client", "K", "p50 us", "p99 us", "cpu us/event", "full GCs / max ms", "p99<20ms"],
            rows,
        ),
        "",
    ]
    sdk = results["clients"].get("sdk")
    for client, c in results["clients"].items():
        rel = ""
        if sdk and client != "sdk":
            by_k = ratio(c["max_k_under_budget"], sdk["max_k_under_budget"])
            by_cpu = ratio(c["sessions_per_core_by_cpu"], sdk["sessions_per_core_by_cpu"])
            rel = f" ({fmt(by_k, 2)}x sdk; by cpu {fmt(by_cpu, 2)}x)"
        lines.append(
            f"{client}: largest K with p99 < 20 ms = {c['max_k_under_budget']}"
            f" (first over: {c['first_k_over_budget']}); one core at 100 % carries"
            f" ~{fmt(c['sessions_per_core_by_cpu'], 0)} sessions{rel}"
        )
    busy = results.get("busy_cores_before", 0.0)
    if busy > BUSY_CORES:
        lines.append(
            f"warning: other processes kept {busy:.1f} cores busy (> {BUSY_CORES}) just before"
            " this run; the largest K under budget is unreliable (compare CPU per event, or"
            " rerun on an idle machine)"
        )
    return "\n".join(lines)


def main() -> None:
    script_main(__doc__, run, report)


if __name__ == "__main__":
    main()
