"""Audio throughput on one core: G.711 encode/decode, 48 kHz -> 24 kHz resampling, frames.

- ``ulaw``/``alaw`` ``encode``/``decode``: MB/s of *input* (PCM16 bytes for
  encode, code bytes for decode) through `trio_realtime.audio`, on 10 s of
  seeded noise; ``encode_stdlib`` is the numpy-free path.
- ``resample_48k_24k``: seconds of audio converted per second of CPU (x real
  time), streaming 20 ms chunks through one `Resampler`.
- ``split_20ms``: MB/s through `FrameSplitter` fed 4,096-byte reads.

Timing is timeit-style: the best of several repeats; the process is pinned to one core.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _common import SEED, fmt, on_client_core, script_main, table


def _best(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def run(quick: bool = False) -> dict[str, Any]:
    from trio_realtime import audio
    from trio_realtime.audio import _g711

    with on_client_core():
        seconds = 1 if quick else 10
        repeats = 2 if quick else 7
        rng = random.Random(SEED)
        pcm = rng.randbytes(2 * 48000 * seconds)
        codes = rng.randbytes(48000 * seconds)
        out: dict[str, Any] = {"seed": SEED, "quick": quick, "cases": {}}
        cases = out["cases"]
        for law in ("ulaw", "alaw"):
            enc = getattr(audio, f"{law}_encode")
            dec = getattr(audio, f"{law}_decode")
            enc(pcm[:2])  # build the tables outside the timing
            cases[f"{law}_encode"] = {
                "mb_per_s": len(pcm) / _best(partial(enc, pcm), repeats) / 1e6
            }
            cases[f"{law}_decode"] = {
                "mb_per_s": len(codes) / _best(partial(dec, codes), repeats) / 1e6
            }
            have = _g711._numpy()
            _g711._np = None
            try:
                t = _best(partial(enc, pcm), max(1, repeats // 3))
            finally:
                _g711._np = have
            cases[f"{law}_encode_stdlib"] = {"mb_per_s": len(pcm) / t / 1e6}

        chunk = 2 * 48000 * 20 // 1000

        def resample() -> None:
            r = audio.Resampler(48000, 24000)
            for i in range(0, len(pcm), chunk):
                r.process(pcm[i : i + chunk])
            r.flush()

        cases["resample_48k_24k"] = {"x_realtime": seconds / _best(resample, repeats)}

        def split() -> None:
            s = audio.FrameSplitter(20)
            for i in range(0, len(pcm), 4096):
                s.feed(pcm[i : i + 4096])

        cases["split_20ms"] = {"mb_per_s": len(pcm) / _best(split, repeats) / 1e6}
        return out


def report(results: dict[str, Any]) -> str:
    rows = [
        [case, fmt(r.get("mb_per_s", float("nan")), 1), fmt(r.get("x_realtime", float("nan")), 0)]
        for case, r in results["cases"].items()
    ]
    return "== audio (one core)\n" + table(["case", "MB/s", "x real time"], rows)


def main() -> None:
    script_main(__doc__, run, report, clients=False)


if __name__ == "__main__":
    main()
