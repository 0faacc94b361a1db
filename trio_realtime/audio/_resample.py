"""Streaming sample-rate conversion of PCM16 with libsoxr (the ``audio`` extra).

Why soxr: it is the resampler livekit and pipecat ship, a small wheel for
every platform, band-limited (no aliasing when 48 kHz goes to 24 kHz or 8
kHz), and it has a streaming API whose filter state survives between chunks,
so chunk boundaries add no clicks. scipy's ``resample_poly`` would pull in
all of scipy and has no stream state; ``audioop.ratecv`` is linear
interpolation and is gone from Python 3.13.
"""

from __future__ import annotations

from typing import Any

from ._errors import AudioFormatError
from ._extra import require
from ._pcm import Buffer, check_pcm16

__all__ = ["COMMON_RATES", "Resampler", "resample"]

#: Rates a microphone, a WAV file or a phone line usually has.
COMMON_RATES = (8000, 16000, 22050, 24000, 44100, 48000)


def _check_rate(name: str, rate: object) -> int:
    if isinstance(rate, bool) or not isinstance(rate, int) or not 1000 <= rate <= 384000:
        raise AudioFormatError(
            f"{name} must be a sample rate in Hz between 1000 and 384000, got {rate!r} "
            f"(common rates: {', '.join(map(str, COMMON_RATES))})"
        )
    return rate


class Resampler:
    """Converts a stream of mono PCM16 chunks from ``from_rate`` to ``to_rate`` (24 kHz).

    ``process`` takes chunks of any size (a trailing half sample waits for the
    next chunk) and returns what is ready; ``flush`` returns the filter's tail
    at the end of the stream. Equal rates pass the audio through untouched.
    """

    def __init__(self, from_rate: int, to_rate: int = 24000, *, quality: str = "HQ") -> None:
        self.from_rate = _check_rate("from_rate", from_rate)
        self.to_rate = _check_rate("to_rate", to_rate)
        self._odd = b""
        self._stream: Any = None
        if from_rate != to_rate:
            soxr = require("soxr", "resampling")
            self._np: Any = require("numpy", "resampling")
            self._stream = soxr.ResampleStream(
                from_rate, to_rate, 1, dtype="int16", quality=quality
            )

    def process(self, pcm: Buffer) -> bytes:
        """The resampled audio that ``pcm`` (little-endian PCM16) makes ready."""
        data = self._odd + bytes(memoryview(pcm).cast("B"))
        cut = len(data) - len(data) % 2
        self._odd = data[cut:]
        if self._stream is None:
            return data[:cut]
        samples = self._np.frombuffer(data, dtype="<i2", count=cut // 2)
        return bytes(self._stream.resample_chunk(samples, last=False).astype("<i2").tobytes())

    def flush(self) -> bytes:
        """The audio still inside the filter; call once, at the end of the stream."""
        self._odd = b""
        if self._stream is None:
            return b""
        empty = self._np.zeros(0, dtype="<i2")
        return bytes(self._stream.resample_chunk(empty, last=True).astype("<i2").tobytes())


def resample(pcm: Buffer, from_rate: int, to_rate: int = 24000, *, quality: str = "HQ") -> bytes:
    """All of ``pcm`` (little-endian PCM16, whole samples) from ``from_rate`` to ``to_rate``."""
    check_pcm16(pcm)
    resampler = Resampler(from_rate, to_rate, quality=quality)
    return resampler.process(pcm) + resampler.flush()
