"""WAV files in and out with the stdlib ``wave`` module.

``read_wav`` returns mono PCM16 at the rate you ask for (24 kHz by default),
whatever the file holds: 8/16/24/32-bit samples, any channel count, any rate.
A 16-bit mono file at the asked rate needs nothing beyond the stdlib; any
conversion needs the ``audio`` extra (numpy, soxr). A file cut short in the
middle of a frame (a truncated download or recording) is read up to its last
whole frame; the partial frame is dropped.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ._errors import AudioFormatError
from ._extra import require
from ._formats import PCM16, AudioFormat
from ._g711 import alaw_decode, ulaw_decode
from ._pcm import Buffer, check_pcm16
from ._resample import resample

__all__ = ["WavInfo", "read_wav", "wav_info", "write_wav"]

Source = str | Path | IO[bytes]


@dataclass(frozen=True, slots=True)
class WavInfo:
    """A WAV header: ``sample_rate`` Hz, ``channels``, ``sample_width`` bytes, ``frames``."""

    sample_rate: int
    channels: int
    sample_width: int
    frames: int

    @property
    def duration_ms(self) -> float:
        """How long the file plays."""
        return self.frames * 1000 / self.sample_rate


def _open(source: Source) -> wave.Wave_read:
    try:
        return wave.open(str(source) if isinstance(source, Path) else source, "rb")
    except (wave.Error, EOFError) as exc:
        raise AudioFormatError(
            f"not a PCM WAV file ({exc}); convert it to 16-bit PCM WAV first"
        ) from exc


def wav_info(source: Source) -> WavInfo:
    """The header of a WAV file, without reading its audio."""
    with _open(source) as wav:
        return WavInfo(wav.getframerate(), wav.getnchannels(), wav.getsampwidth(), wav.getnframes())


def _to_mono16(raw: bytes, width: int, channels: int) -> bytes:
    np: Any = require("numpy", f"reading a {8 * width}-bit or {channels}-channel WAV")
    if width == 1:  # 8-bit WAV is unsigned
        samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.int32) - 128) << 8
    elif width == 3:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        samples = ((b[:, 0] << 8) | (b[:, 1] << 16) | (b[:, 2] << 24)) >> 16
    elif width == 4:
        samples = np.frombuffer(raw, dtype="<i4") >> 16
    else:
        samples = np.frombuffer(raw, dtype="<i2").astype(np.int32)
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return bytes(np.clip(np.rint(samples), -32768, 32767).astype("<i2").tobytes())


def read_wav(source: Source, *, rate: int = PCM16.sample_rate) -> bytes:
    """Mono little-endian PCM16 at ``rate`` Hz from a WAV file (path or binary file object).

    A truncated file is read up to its last whole frame (all channels of one
    sample); the bytes of a partial last frame are dropped.
    """
    with _open(source) as wav:
        width, channels, file_rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
        raw = wav.readframes(wav.getnframes())
    if width not in (1, 2, 3, 4):
        raise AudioFormatError(f"WAV samples of {width} bytes are not PCM; use 16-bit PCM")
    frame = width * channels
    if len(raw) % frame:
        raw = raw[: len(raw) - len(raw) % frame]
    pcm = raw if (width, channels) == (2, 1) else _to_mono16(raw, width, channels)
    return pcm if file_rate == rate else resample(pcm, file_rate, rate)


def write_wav(
    dest: Source, audio: Buffer, *, audio_format: AudioFormat = PCM16, rate: int | None = None
) -> None:
    """Write ``audio`` as a 16-bit mono WAV file.

    ``audio_format`` says what the bytes are: PCM16 (at ``rate``, default the
    format's 24 kHz), or G.711 ``PCMU``/``PCMA``, decoded to 8 kHz PCM16 so any
    player opens the file.
    """
    if audio_format.type == "audio/pcmu":
        pcm = ulaw_decode(audio)
    elif audio_format.type == "audio/pcma":
        pcm = alaw_decode(audio)
    else:
        pcm = bytes(check_pcm16(audio))
    with wave.open(str(dest) if isinstance(dest, Path) else dest, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate or audio_format.sample_rate)
        wav.writeframes(pcm)
