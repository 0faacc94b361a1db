"""Energy-based voice activity detection for the fake server's ``server_vad`` mode.

The real service runs a neural VAD; tests need something deterministic instead.
Audio is cut into 10 ms frames and a frame counts as speech when its RMS level
(as a fraction of full scale) reaches ``threshold / 50``: 0.01 (about -40 dBFS)
at the default threshold of 0.5. Silence (zeros) never triggers, a tone of any
audible amplitude does. Speech stops after ``silence_duration_ms`` of
consecutive quiet frames. G.711 input (``codec`` ``"audio/pcmu"`` or
``"audio/pcma"``) is decoded to PCM16 first, with the stdlib table lookup of
`trio_realtime.audio`, so the same levels apply. Pure: bytes in, decisions out,
no I/O.
"""

from __future__ import annotations

import math
import sys
from array import array
from collections.abc import Callable
from dataclasses import dataclass

from ..audio import alaw_decode, ulaw_decode

__all__ = ["SpeechStarted", "SpeechStopped", "VoiceActivityDetector", "pcm16_rms"]

_FRAME_MS = 10
_DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "audio/pcmu": ulaw_decode,
    "audio/pcma": alaw_decode,
}


def pcm16_rms(pcm: bytes) -> float:
    """RMS level of little-endian 16-bit PCM as a fraction of full scale (0.0 to 1.0)."""
    usable = len(pcm) - len(pcm) % 2
    if usable == 0:
        return 0.0
    samples = array("h")
    samples.frombytes(pcm[:usable])
    if sys.byteorder == "big":  # pragma: no cover - the wire format is little-endian
        samples.byteswap()
    total = sum(s * s for s in samples)
    return math.sqrt(total / len(samples)) / 32768.0


@dataclass(frozen=True, slots=True)
class SpeechStarted:
    """Speech began ``audio_start_ms`` after the start of the session's input audio."""

    audio_start_ms: int


@dataclass(frozen=True, slots=True)
class SpeechStopped:
    """Speech ended ``audio_end_ms`` after the start of the session's input audio."""

    audio_end_ms: int


class VoiceActivityDetector:
    """Turns a stream of PCM16 chunks into speech start and stop decisions."""

    def __init__(
        self,
        *,
        sample_rate: int = 24000,
        threshold: float = 0.5,
        prefix_padding_ms: int = 300,
        silence_duration_ms: int = 500,
        bytes_per_sample: int = 2,
        codec: str | None = None,
    ) -> None:
        self.sample_rate = sample_rate
        self.level = threshold / 50.0
        self.prefix_padding_ms = prefix_padding_ms
        self.silence_duration_ms = silence_duration_ms
        self.bytes_per_sample = bytes_per_sample
        self._decode = _DECODERS.get(codec or "")
        self.position_ms = 0.0
        self.speaking = False
        self._quiet_ms = 0.0
        self._pending = b""

    @property
    def _frame_bytes(self) -> int:
        return self.sample_rate * _FRAME_MS // 1000 * self.bytes_per_sample

    def duration_ms(self, audio: bytes) -> float:
        """How long ``audio`` plays at this detector's format."""
        return len(audio) / self.bytes_per_sample / self.sample_rate * 1000.0

    def feed(self, audio: bytes) -> list[SpeechStarted | SpeechStopped]:
        """Consume one appended chunk; return the decisions it caused, in order."""
        decisions: list[SpeechStarted | SpeechStopped] = []
        data = self._pending + audio
        step = self._frame_bytes
        offset = 0
        while len(data) - offset >= step:
            frame = data[offset : offset + step]
            offset += step
            if self._decode is not None:
                frame = self._decode(frame)
            # One byte a sample with no codec named is timed but never counted as speech.
            loud = (self.bytes_per_sample == 2 or self._decode is not None) and (
                pcm16_rms(frame) >= self.level
            )
            start = self.position_ms
            self.position_ms += _FRAME_MS
            if loud:
                self._quiet_ms = 0.0
                if not self.speaking:
                    self.speaking = True
                    decisions.append(SpeechStarted(int(start)))
            elif self.speaking:
                self._quiet_ms += _FRAME_MS
                if self._quiet_ms >= self.silence_duration_ms:
                    self.speaking = False
                    self._quiet_ms = 0.0
                    decisions.append(SpeechStopped(int(self.position_ms)))
        self._pending = data[offset:]
        return decisions

    def reset(self) -> None:
        """Forget a half-detected turn (after ``input_audio_buffer.clear``)."""
        self.speaking = False
        self._quiet_ms = 0.0
        self._pending = b""
