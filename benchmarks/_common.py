"""Shared plumbing: the server process, client subprocesses, percentiles, pinning."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
SEED = 20251126
#: The client gets core 0, the server core 1 (when the machine has two).
CLIENT_CPU = 0
SERVER_CPU = 1


def cpus() -> set[int]:
    if hasattr(os, "sched_getaffinity"):
        return set(os.sched_getaffinity(0))
    return set(range(os.cpu_count() or 1))


def pin(cpu: int | None) -> int | None:
    """The core to pin to, or None when the machine cannot honour it."""
    return cpu if cpu is not None and cpu in cpus() and len(cpus()) > 1 else None


@contextlib.contextmanager
def on_client_core() -> Iterator[None]:
    """Run the block pinned to the client's core (when the machine has one to
    spare), restoring the process's affinity afterwards."""
    core = pin(CLIENT_CPU)
    if core is None:
        yield
        return
    saved = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {core})
    try:
        yield
    finally:
        os.sched_setaffinity(0, saved)


@contextlib.contextmanager
def server() -> Iterator[int]:
    """Run the benchmark server in its own process; yields its port."""
    cmd = [sys.executable, str(HERE / "_server.py")]
    core = pin(SERVER_CPU)
    if core is not None:
        cmd += ["--cpu", str(core)]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"benchmark server failed to start: {line!r}")
        yield int(line.split()[1])
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_client(job: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run one client job (see ``_clients.py``) in a fresh, pinned subprocess."""
    job = {"cpu": pin(CLIENT_CPU), **job}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(job, f)
    try:
        out = subprocess.run(
            [sys.executable, str(HERE / "_clients.py"), f.name],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    finally:
        os.unlink(f.name)
    if out.returncode != 0:
        tail = "\n".join(out.stderr.strip().splitlines()[-8:])
        raise RuntimeError(f"client {job['client']} failed:\n{tail}")
    return json.loads(out.stdout)


#: When other processes keep more than this many cores busy just before a run,
#: a knee found by p99 latency says more about the neighbours than about the
#: client: the report says so.
BUSY_CORES = 0.5


def _cpu_times() -> tuple[int, int] | None:
    """(idle, total) jiffies over all cores, from Linux's /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    return fields[3] + fields[4], sum(fields)  # idle + iowait


def busy_cores(seconds: float = 1.0) -> float:
    """How many cores the machine's processes keep busy, sampled over ``seconds``
    (NaN where /proc/stat is missing). Unlike the load average, it does not
    remember the previous run."""
    first = _cpu_times()
    time.sleep(seconds)
    second = _cpu_times()
    if first is None or second is None or second[1] == first[1]:
        return float("nan")
    idle, total = second[0] - first[0], second[1] - first[1]
    return (1 - idle / total) * (os.cpu_count() or 1)


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted sequence (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(q / 100 * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def latency_summary(latency_ns: Sequence[int], points: int = 200) -> dict[str, Any]:
    """p50/p90/p99/max in microseconds, plus a down-sampled CDF for the figure."""
    values = sorted(latency_ns)
    us = [v / 1000 for v in values]
    cdf = [percentile(us, 100 * (i + 0.5) / points) for i in range(points)] if us else []
    return {
        "n": len(us),
        "p50_us": percentile(us, 50),
        "p90_us": percentile(us, 90),
        "p99_us": percentile(us, 99),
        "max_us": us[-1] if us else float("nan"),
        "cdf_us": cdf,
    }


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def fmt(x: float, digits: int = 1) -> str:
    if x != x:  # NaN
        return "-"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain fixed-width table (no dependency)."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append(
            "  ".join(
                c.rjust(w) if i else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def script_main(
    doc: str | None,
    run: Callable[..., dict[str, Any]],
    report: Callable[[dict[str, Any]], str],
    *,
    clients: bool = True,
) -> None:
    """The command line every bench_*.py script shares: --quick, --clients, --json."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run, seconds not minutes")
    if clients:
        parser.add_argument("--clients", default=None, help="comma-separated subset")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    if clients and args.clients:
        results = run(args.quick, tuple(args.clients.split(",")))
    else:
        results = run(args.quick)
    print(report(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
