"""``benchmarks/bench_reconnect.py --quick`` still runs and reports every figure."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_bench_reconnect_quick_run(tmp_path: Path) -> None:
    out = tmp_path / "reconnect.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "bench_reconnect.py"),
            "--quick",
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    data = json.loads(out.read_text())
    assert set(data["per_event_us"]) == {"plain", "reconnecting"}
    assert all(math.isfinite(v) and v > 0 for v in data["per_event_us"].values())
    assert (
        data["reconnect"]["to_first_event_ms"]["median"]
        >= data["reconnect"]["to_marker_ms"]["median"]
    )
    assert set(data["restore"]) == {"10", "100", "1000"}
    for row in data["restore"].values():
        assert row["plan_us"] > 0
        assert row["to_marker_ms"]["median"] > 0
