"""Resident memory per connection, idle and active, each client in its own process.

One fresh, pinned process per client: after imports and one warm-up session,
its resident set (VmRSS) is the baseline. It then opens N sessions; once all N
have their ``session.created`` (idle: nothing in flight) RSS is read again; the
server then streams paced audio and transcript deltas to all N and RSS is
sampled every 50 ms (active: buffers, queues and decoded events in flight; the
rate stays below every client's capacity, see ``PERIOD_MS``). Per connection is
(RSS - baseline) / N; the active figure uses the peak sample. The floors (bare
trio-websocket; wsproto in the consumer task; a raw trio socket) show which
layer the bytes belong to.
"""

from __future__ import annotations

import itertools
from typing import Any

from _common import SEED, fmt, ratio, run_client, script_main, server, table

CLIENTS = ("trio_realtime", "sdk", "floor_64k", "floor_wsproto", "floor_raw")
WARM_MODEL = "bench.burst.text.200"
#: Each session gets a 20 ms audio delta and a transcript delta every PERIOD_MS:
#: N * 2 / PERIOD_MS events/s stays within every client's capacity, so "active"
#: measures data in flight, not a backlog of a client that fell behind.
PERIOD_MS = 200
_run_ids = itertools.count()


def measure(client: str, port: int, n: int, duration_ms: int) -> dict[str, Any]:
    model = f"bench.scale.{n}.{duration_ms}.m{SEED}x{next(_run_ids)}.{PERIOD_MS}"
    raw = run_client(
        {
            "client": client,
            "port": port,
            "models": [model] * n,
            "warm_model": WARM_MODEL,
            "sample_rss": True,
            "limit_s": duration_ms / 1000 * 4 + 15,
        },
        timeout=duration_ms / 1000 * 4 + 60,
    )
    base, ready = raw["rss_base"], raw["rss_ready"]
    peak = max(raw["rss_samples"], default=ready)
    return {
        "n": n,
        "rss_base_mib": base / 2**20,
        "idle_kib_per_conn": (ready - base) / n / 1024,
        "active_kib_per_conn": (peak - base) / n / 1024,
        "samples": len(raw["rss_samples"]),
        "events": len(raw["latency_ns"]),
    }


def run(quick: bool = False, clients: tuple[str, ...] | None = None) -> dict[str, Any]:
    clients = clients or (CLIENTS[:2] if quick else CLIENTS)
    n, duration_ms = (20, 500) if quick else (200, 3000)
    results: dict[str, Any] = {"seed": SEED, "quick": quick, "n": n, "clients": {}}
    with server() as port:
        for client in clients:
            try:
                results["clients"][client] = measure(client, port, n, duration_ms)
            except RuntimeError as exc:
                results["clients"][client] = {"error": str(exc)}
    return results


def report(results: dict[str, Any]) -> str:
    sdk = results["clients"].get("sdk", {})
    rows = []
    for client, r in results["clients"].items():
        if "error" in r:
            rows.append([client, "error", "", "", "", ""])
            continue
        rows.append(
            [
                client,
                fmt(r["rss_base_mib"]),
                fmt(r["idle_kib_per_conn"]),
                fmt(r["active_kib_per_conn"]),
                fmt(ratio(r["idle_kib_per_conn"], sdk.get("idle_kib_per_conn", 0)), 2),
                fmt(ratio(r["active_kib_per_conn"], sdk.get("active_kib_per_conn", 0)), 2),
            ]
        )
    return table(
        ["client", "base MiB", "idle KiB/conn", "active KiB/conn", "idle/sdk", "active/sdk"],
        rows,
    )


def main() -> None:
    script_main(__doc__, run, report)


if __name__ == "__main__":
    main()
