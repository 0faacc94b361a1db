"""The benchmark scripts still run: ``benchmarks/run_all.py --quick`` end to end.

One subprocess runs every benchmark in its smoke mode (a server process and a
client process per peer, over loopback); the assertions check that every peer
produced figures of the right shape. Nothing here asserts on timings: the
machine is shared and noisy, and the numbers of a quick run mean nothing.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUN_ALL = ROOT / "benchmarks" / "run_all.py"
#: The quick run takes well under a minute on 2 cores; this bounds a hang.
TIMEOUT_S = 240

pytest.importorskip("openai", reason="the benchmarks compare against the openai SDK")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("bench")
    proc = subprocess.run(
        [sys.executable, str(RUN_ALL), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    assert "== targets" in proc.stdout
    data = json.loads((out / "latest.json").read_text())
    data["_png"] = (out / "latest.png").exists()
    return data


def _finite(x: object) -> bool:
    return isinstance(x, int | float) and math.isfinite(x)


def test_decode_covers_every_event_kind_and_method(results: dict[str, Any]) -> None:
    cases = results["decode"]["cases"]
    assert set(cases) == {
        "text_delta",
        "audio_delta_20ms",
        "audio_delta_100ms",
        "transcript_delta",
        "function_args_delta",
        "response_done_large",
        "session_created",
        "live_transcript_delta",
        "live_audio_delta_20ms",
        "live_audio_delta_100ms",
        "live_session_started",
    }
    for case, row in cases.items():
        for method in ("trio_realtime", "sdk", "json_loads", "msgspec_floor"):
            assert _finite(row[f"{method}_ns"]), (case, method)
            assert row[f"{method}_ns"] > 0, (case, method)
        # Every frame the benchmark streams is a modelled event, not UnknownEvent.
        assert row["modelled"], case


def test_dispatch_every_client_received_every_delta(results: dict[str, Any]) -> None:
    modes = results["dispatch"]["modes"]
    assert set(modes) == {"paced_text", "paced_audio", "burst_text", "burst_audio"}
    for mode, per_client in modes.items():
        assert set(per_client) == {
            "trio_realtime",
            "sdk",
            "floor_4k",
            "floor_64k",
            "floor_wsproto",
            "floor_raw",
            "trio_realtime_live",
            "sdk_live",
        }
        for client, r in per_client.items():
            assert "error" not in r, (mode, client, r.get("error"))
            assert r["received"] == r["expected"], (mode, client)
            assert r["p50_us"] <= r["p90_us"] <= r["p99_us"] <= r["max_us"]
            assert r["p50_us"] > 0  # stamps come from the server's clock, before ours
            assert len(r["cdf_us"]) == 200


def test_scale_and_memory_measured_both_clients(results: dict[str, Any]) -> None:
    for client in ("trio_realtime", "sdk"):
        c = results["scale"]["clients"][client]
        assert c["points"], client
        for p in c["points"]:
            assert "error" not in p, (client, p.get("error"))
            assert p["events"] == p["expected"], (client, p["k"])
            assert _finite(p["cpu_us_per_event"])
            assert p["cpu_us_per_event"] > 0
        m = results["memory"]["clients"][client]
        assert "error" not in m, (client, m.get("error"))
        assert m["rss_base_mib"] > 0
        assert m["samples"] > 0


def test_idle_measured_every_configuration(results: dict[str, Any]) -> None:
    idle = results["idle"]
    configs = idle["configs"]
    assert set(configs) == {"trio_realtime", "trio_realtime_no_ping", "sdk"}
    for name, r in configs.items():
        assert "error" not in r, (name, r.get("error"))
        # Every session was connected and idle while the CPU was read.
        assert r["server_sessions"] == r["n"] == idle["n"], name
        assert _finite(r["cpu_pct_of_core"]), name
        assert r["cpu_pct_of_core"] >= 0, name
        assert _finite(r["cpu_us_per_conn_s"]), name
        assert r["window_s"] > 0.9 * idle["window_s"], name
    # The quick run pings every 0.25 s, so a 1 s window sees pings answered,
    # and none from the configuration with the keepalive off.
    assert configs["trio_realtime"]["server_pings"] > 0
    assert configs["sdk"]["server_pings"] > 0
    assert configs["trio_realtime_no_ping"]["server_pings"] == 0
    assert configs["trio_realtime_no_ping"]["ping_interval_s"] is None
    assert configs["trio_realtime"]["task_steps"]
    assert configs["sdk"]["task_steps"] is None


def test_targets_table_and_figure_written(results: dict[str, Any]) -> None:
    # Issue 5's seven, issue 9's idle keepalive row, issue 12's five audio rows.
    assert len(results["targets"]) == 7 + 1 + 5
    for t in results["targets"]:
        assert _finite(t["measured"]), t["target"]
        assert t["met"] in (True, False)
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return
    assert results["_png"]


def test_audio_bench_reports_every_case(results: dict[str, Any]) -> None:
    cases = results["audio"]["cases"]
    for law in ("ulaw", "alaw"):
        for op in ("encode", "decode", "encode_stdlib"):
            assert cases[f"{law}_{op}"]["mb_per_s"] > 0
    assert cases["resample_48k_24k"]["x_realtime"] > 0
    assert cases["split_20ms"]["mb_per_s"] > 0
