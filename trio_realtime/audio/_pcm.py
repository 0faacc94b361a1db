"""PCM16 helpers: frames of N ms from a byte stream, levels, and the whole-sample check.

Pure stdlib: levels run on ``array('h')`` with C-level reductions, so meters
and a local speech gate need no numpy and no per-sample Python loop.
"""

from __future__ import annotations

import math
import operator
import sys
from array import array

from ._errors import AudioFormatError
from ._formats import PCM16, AudioFormat

__all__ = ["FrameSplitter", "check_pcm16", "peak_dbfs", "rms_dbfs", "split_frames"]

Buffer = bytes | bytearray | memoryview

_FULL_SCALE = 32768.0


def check_pcm16(pcm: Buffer, what: str = "PCM16 audio") -> memoryview:
    """``pcm`` as a byte view; `AudioFormatError` when it holds half a sample."""
    view = memoryview(pcm).cast("B")
    if view.nbytes % 2:
        raise AudioFormatError(
            f"{what} must be whole 2-byte samples, got {view.nbytes} bytes; "
            "keep the odd byte for the next chunk (FrameSplitter does)"
        )
    return view


def _samples(pcm: Buffer) -> array[int]:
    samples = array("h")
    samples.frombytes(check_pcm16(pcm))
    if sys.byteorder == "big":  # pragma: no cover - the wire format is little-endian
        samples.byteswap()
    return samples


def _dbfs(level: float) -> float:
    return 20.0 * math.log10(level / _FULL_SCALE) if level > 0 else -math.inf


def rms_dbfs(pcm: Buffer) -> float:
    """RMS level of little-endian PCM16 in dBFS (full-scale square wave = 0; silence = -inf).

    A full-scale sine reads about -3 dBFS. Cheap enough for a meter or a local
    speech gate on every 10-20 ms frame.
    """
    samples = _samples(pcm)
    if not samples:
        return -math.inf
    # sum(map(mul)) runs in C; math.sumprod (3.12+) is the same reduction, faster.
    sumprod = getattr(math, "sumprod", None)
    total = sumprod(samples, samples) if sumprod else sum(map(operator.mul, samples, samples))
    return _dbfs(math.sqrt(total / len(samples)))


def peak_dbfs(pcm: Buffer) -> float:
    """Peak level of little-endian PCM16 in dBFS (-32768 or 32767 is about 0; silence -inf)."""
    samples = _samples(pcm)
    if not samples:
        return -math.inf
    return _dbfs(float(max(max(samples), -min(samples))))


class FrameSplitter:
    """Cuts a byte stream into frames of ``frame_ms`` each, carrying the remainder.

    Chunks of any size go in (odd byte counts included: half a sample waits for
    its other half); whole frames come out, each copied once from the input.
    ``flush()`` returns what is left, padded with silence to a frame if asked.
    ``format`` is the `AudioFormat` of the stream, ``frame_bytes`` the size of
    one frame in bytes.
    """

    def __init__(self, frame_ms: float = 20, audio_format: AudioFormat = PCM16) -> None:
        self.format = audio_format
        self.frame_bytes: int = audio_format.bytes_for_ms(frame_ms)
        if self.frame_bytes <= 0:
            raise AudioFormatError(
                f"a {frame_ms} ms frame holds no whole sample at "
                f"{audio_format.sample_rate} Hz; ask for a longer frame"
            )
        self._pending = bytearray()

    @property
    def pending(self) -> int:
        """Bytes waiting for the rest of their frame."""
        return len(self._pending)

    def feed(self, data: Buffer) -> list[bytes]:
        """The whole frames completed by ``data``, in order."""
        view = memoryview(data).cast("B")
        size = self.frame_bytes
        frames: list[bytes] = []
        start = 0
        if self._pending:
            start = min(size - len(self._pending), len(view))
            self._pending += view[:start]
            if len(self._pending) < size:
                return frames
            frames.append(bytes(self._pending))
            self._pending.clear()
        end = start + (len(view) - start) // size * size
        frames.extend(bytes(view[i : i + size]) for i in range(start, end, size))
        self._pending += view[end:]
        return frames

    def flush(self, *, pad: bool = False) -> bytes:
        """The leftover bytes (a partial frame), padded to a full frame with silence if ``pad``."""
        rest = bytes(self._pending)
        self._pending.clear()
        if pad and rest:
            width = self.format.sample_width
            rest = rest[: len(rest) // width * width]
            silence = self.format.silence(self.frame_bytes * 1000 / width / self.format.sample_rate)
            rest += silence[len(rest) :]
        return rest


def split_frames(
    data: Buffer, frame_ms: float = 20, audio_format: AudioFormat = PCM16, *, pad: bool = True
) -> list[bytes]:
    """All of ``data`` as ``frame_ms`` frames; the last one padded with silence when ``pad``.

    Without ``pad`` a short tail comes out as a shorter last frame.
    """
    splitter = FrameSplitter(frame_ms, audio_format)
    audio_format.samples(data)  # a half sample here is an error, not a remainder
    frames = splitter.feed(data)
    tail = splitter.flush(pad=pad)
    if tail:
        frames.append(tail)
    return frames
