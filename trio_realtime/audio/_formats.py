"""The session's audio formats and the arithmetic between bytes, samples and ms.

Every duration the library computes (played ms for truncation, frame sizes, a
WAV's length) goes through `AudioFormat`, so the math is right for 24 kHz PCM16
(2 bytes a sample) and for 8 kHz G.711 (1 byte a sample) alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import events as ev
from ._errors import AudioFormatError

__all__ = ["PCM16", "PCMA", "PCMU", "AudioFormat", "audio_format"]


@dataclass(frozen=True, slots=True)
class AudioFormat:
    """One wire format: its ``type`` name, ``sample_rate`` (Hz) and ``sample_width`` (bytes).

    All formats are mono, as the API's are.
    """

    type: str
    sample_rate: int
    sample_width: int

    def samples(self, data: bytes | bytearray | memoryview | int) -> int:
        """How many samples ``data`` (or that many bytes) holds; half a sample or a
        negative count is an error."""
        size = data if isinstance(data, int) else memoryview(data).nbytes
        if size < 0:
            raise AudioFormatError(f"a byte count cannot be negative, got {size} bytes")
        if size % self.sample_width:
            raise AudioFormatError(
                f"{self.type} audio must be whole {self.sample_width}-byte samples, "
                f"got {size} bytes; keep the odd byte for the next chunk (see FrameSplitter)"
            )
        return size // self.sample_width

    def duration_ms(self, data: bytes | bytearray | memoryview | int) -> float:
        """How long ``data`` (or that many bytes) plays, in milliseconds."""
        return self.samples(data) * 1000 / self.sample_rate

    def bytes_for_ms(self, ms: float) -> int:
        """Bytes in ``ms`` milliseconds, rounded down to a whole sample."""
        if ms < 0:
            raise AudioFormatError(f"a duration cannot be negative, got {ms} ms")
        return int(ms * self.sample_rate // 1000) * self.sample_width

    def samples_for_ms(self, ms: float) -> int:
        """Samples in ``ms`` milliseconds, rounded down."""
        return self.bytes_for_ms(ms) // self.sample_width

    def silence(self, ms: float) -> bytes:
        """``ms`` milliseconds of digital silence in this format."""
        # G.711 has no zero code: 0xFF is mu-law's +0, 0xD5 A-law's smallest positive step.
        fill = {"audio/pcmu": b"\xff", "audio/pcma": b"\xd5"}.get(self.type, b"\x00")
        return fill * self.bytes_for_ms(ms)

    def to_event(self) -> ev.AudioFormat:
        """The session-config object for this format (``session.audio.input.format``)."""
        if self.type == "audio/pcmu":
            return ev.AudioPCMU()
        if self.type == "audio/pcma":
            return ev.AudioPCMA()
        return ev.AudioPCM(rate=self.sample_rate)


#: ``audio/pcm``: 24 kHz, 16-bit little-endian, mono (the API's default).
PCM16 = AudioFormat("audio/pcm", 24000, 2)
#: ``audio/pcmu``: G.711 mu-law, 8 kHz, one byte a sample.
PCMU = AudioFormat("audio/pcmu", 8000, 1)
#: ``audio/pcma``: G.711 A-law, 8 kHz, one byte a sample.
PCMA = AudioFormat("audio/pcma", 8000, 1)

_BY_TYPE = {f.type: f for f in (PCM16, PCMU, PCMA)}


def audio_format(spec: AudioFormat | ev.AudioFormat | str | None) -> AudioFormat:
    """The `AudioFormat` for a session's format object, a ``type`` name or ``None`` (PCM16).

    Raises `AudioFormatError` for a type this library does not know, or a PCM
    rate other than 24 kHz (the only one the API speaks).
    """
    if isinstance(spec, AudioFormat):
        return spec
    if spec is None:
        return PCM16
    name = spec if isinstance(spec, str) else spec.type
    if not isinstance(name, str):
        return PCM16  # the API's default when ``type`` is left out
    found = _BY_TYPE.get(name)
    if found is None:
        known = ", ".join(sorted(_BY_TYPE))
        raise AudioFormatError(f"unknown audio format {name!r}; use one of {known}")
    rate = None if isinstance(spec, str) else spec.rate
    if isinstance(rate, int) and rate != found.sample_rate:
        raise AudioFormatError(
            f"{name} at {rate} Hz is not a format the API speaks; it takes "
            f"{found.sample_rate} Hz (resample with trio_realtime.audio.Resampler)"
        )
    return found
