"""The input and output audio buffers: appending, committing, clearing, VAD events.

``input_audio_buffer.append`` carries ``bytes``; msgspec writes the base64.
Passing it ``base64.b64encode(pcm)`` (the ``openai`` SDK habit) would send
base64 of base64. Where the guard applies:

* everywhere (construction, and so also decoding): a ``str`` is refused with
  `Base64AudioError`, since text is never audio;
* where the audio is known to be PCM16: in the builder
  `InputAudioBufferAppend.pcm16`, and in a connection's ``send`` while the
  session's input format is ``audio/pcm`` (the API's default; the connection
  follows ``session.update``, ``session.created`` and ``session.updated``),
  bytes that are base64 text of PCM16 are refused (``check_not_base64``). Plain construction
  does not look at the bytes, because quiet G.711 with a small negative DC
  offset is made only of base64-alphabet bytes (A-law -1..-128 is ``P``..``W``,
  mu-law -37..-364 is ``a``..``z``) and no byte test tells it from base64 text.
  Decoding never runs the byte test, so the fake server accepts any audio.
"""

from __future__ import annotations

import binascii

from msgspec import UNSET, UnsetType

from .._errors import Base64AudioError, EventEncodeError
from ._base import ClientEvent, ServerEvent

__all__ = [
    "InputAudioBufferAppend",
    "InputAudioBufferClear",
    "InputAudioBufferCleared",
    "InputAudioBufferCommit",
    "InputAudioBufferCommitted",
    "InputAudioBufferDtmfEventReceived",
    "InputAudioBufferSpeechStarted",
    "InputAudioBufferSpeechStopped",
    "InputAudioBufferTimeoutTriggered",
    "OutputAudioBufferClear",
    "OutputAudioBufferCleared",
    "OutputAudioBufferStarted",
    "OutputAudioBufferStopped",
]


# -- client events ------------------------------------------------------------

_B64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
#: Shorter chunks are not checked: too few bytes to tell text from audio.
_MIN_CHECKED = 16


def refuse_str_audio(audio: object) -> None:
    """Raise `Base64AudioError` when ``audio`` is a ``str``: base64 text is never audio."""
    if isinstance(audio, str):
        raise Base64AudioError(
            f"the audio is a str ({len(audio)} characters), not bytes; pass the raw bytes, "
            "this library does the base64 (drop any base64.b64encode(...).decode() call)"
        )


def check_not_base64(audio: bytes | bytearray | memoryview) -> None:
    """Raise `Base64AudioError` when ``audio``, known to be PCM16, is base64 text instead.

    Only for audio known to be PCM16 (`InputAudioBufferAppend.pcm16` runs it):
    G.711 can be all base64 characters by accident (see the module docstring).
    Base64 text uses 65 of the 256 byte values, so PCM16 that passes is
    impossible in practice: every sample would have to sit between about
    +11,000 and +31,400 for the whole chunk. The check is cheap (the first
    bytes reject real audio at once), and it needs all of: a length that is a
    multiple of 4, only base64 characters, valid padding, and an even decoded
    length (whole PCM16 samples). One exception: a chunk of a single repeated
    byte other than ``A`` is let through, because A-law's idle code 0x55 is
    ``U`` and a silent G.711 chunk is base64 text by accident; base64 of PCM
    is never one repeated character unless the PCM is zeros (``AAAA``).
    """
    refuse_str_audio(audio)
    if type(audio) is not bytes:
        audio = bytes(memoryview(audio).cast("B"))
    size = len(audio)
    if size < _MIN_CHECKED or size % 4 or audio[:8].translate(None, _B64_ALPHABET):
        return
    if audio.translate(None, _B64_ALPHABET):
        return
    if audio[0] != 0x41 and audio.count(audio[:1]) == size:
        return
    try:
        decoded = binascii.a2b_base64(audio, strict_mode=True)
    except binascii.Error:
        return
    if len(decoded) % 2:
        return
    raise Base64AudioError(
        f"the PCM16 audio ({size} bytes) is base64 text; pass the raw bytes instead, "
        "this library does the base64 (drop the base64.b64encode call)"
    )


class InputAudioBufferAppend(ClientEvent, tag="input_audio_buffer.append", kw_only=True, gc=False):
    """Append audio (raw bytes in the session's input format) to the input buffer.

    Any buffer works (``bytes``, ``bytearray``, ``memoryview``); a ``str`` raises
    `Base64AudioError`. The bytes are not inspected: use `pcm16` for PCM16
    audio, which also refuses base64 text given as bytes.
    """

    audio: bytes
    event_id: str | UnsetType = UNSET

    def __post_init__(self) -> None:
        refuse_str_audio(self.audio)

    @classmethod
    def pcm16(cls, pcm: bytes | bytearray | memoryview) -> InputAudioBufferAppend:
        """Append 16-bit PCM from any buffer (bytes, ``array('h')``, an int16 array...).

        Raises `EventEncodeError` for an odd number of bytes: half a sample would
        shift every later sample in the server's buffer; `Base64AudioError` for
        a ``str`` or for bytes that are base64 text (``check_not_base64``).
        """
        refuse_str_audio(pcm)
        data = bytes(memoryview(pcm).cast("B"))
        check_not_base64(data)
        if len(data) % 2:
            raise EventEncodeError(f"PCM16 audio must be whole samples, got {len(data)} bytes")
        return cls(audio=data)


class InputAudioBufferCommit(ClientEvent, tag="input_audio_buffer.commit", kw_only=True, gc=False):
    """Commit the input buffer as a user message (needed when VAD is off)."""

    event_id: str | UnsetType = UNSET


class InputAudioBufferClear(ClientEvent, tag="input_audio_buffer.clear", kw_only=True, gc=False):
    """Drop the uncommitted input audio."""

    event_id: str | UnsetType = UNSET


class OutputAudioBufferClear(ClientEvent, tag="output_audio_buffer.clear", kw_only=True, gc=False):
    """Cut off the audio being played (WebRTC/SIP sessions)."""

    event_id: str | UnsetType = UNSET


# -- server events ------------------------------------------------------------


class InputAudioBufferCommitted(
    ServerEvent, tag="input_audio_buffer.committed", kw_only=True, gc=False
):
    """The input buffer became user item ``item_id`` (by the client or by VAD)."""

    event_id: str
    item_id: str
    previous_item_id: str | None = None


class InputAudioBufferCleared(
    ServerEvent, tag="input_audio_buffer.cleared", kw_only=True, gc=False
):
    """The input buffer was emptied (answer to ``input_audio_buffer.clear``)."""

    event_id: str


class InputAudioBufferSpeechStarted(
    ServerEvent, tag="input_audio_buffer.speech_started", kw_only=True, gc=False
):
    """VAD heard the user start speaking, ``audio_start_ms`` into the buffer."""

    event_id: str
    item_id: str
    audio_start_ms: int


class InputAudioBufferSpeechStopped(
    ServerEvent, tag="input_audio_buffer.speech_stopped", kw_only=True, gc=False
):
    """VAD heard the user stop speaking, ``audio_end_ms`` into the buffer."""

    event_id: str
    item_id: str
    audio_end_ms: int


class InputAudioBufferTimeoutTriggered(
    ServerEvent, tag="input_audio_buffer.timeout_triggered", kw_only=True, gc=False
):
    """VAD's ``idle_timeout_ms`` passed with no speech; the buffer was committed."""

    event_id: str
    item_id: str
    audio_start_ms: int
    audio_end_ms: int


class InputAudioBufferDtmfEventReceived(
    ServerEvent, tag="input_audio_buffer.dtmf_event_received", kw_only=True, gc=False
):
    """A keypad tone on a SIP call; ``event`` is the key, ``received_at`` a Unix time."""

    event: str
    received_at: int


class OutputAudioBufferStarted(
    ServerEvent, tag="output_audio_buffer.started", kw_only=True, gc=False
):
    """The server began playing a response's audio (WebRTC/SIP sessions)."""

    event_id: str
    response_id: str


class OutputAudioBufferStopped(
    ServerEvent, tag="output_audio_buffer.stopped", kw_only=True, gc=False
):
    """The server finished playing a response's audio (WebRTC/SIP sessions)."""

    event_id: str
    response_id: str


class OutputAudioBufferCleared(
    ServerEvent, tag="output_audio_buffer.cleared", kw_only=True, gc=False
):
    """The output audio was cut off (WebRTC/SIP sessions)."""

    event_id: str
    response_id: str
