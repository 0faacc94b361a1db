"""Translation sessions (``/realtime/translations``): their own events and union.

The translation endpoint reuses tags of the realtime protocol (``session.created``,
``session.update``, ``error``) with different payloads, so these events derive
from `TranslationServerEvent` / `TranslationClientEvent`, are decoded by their
own codec, and carry a ``Translation`` prefix. The ``error`` event has the
realtime shape (`RealtimeErrorDetail`). Audio fields are ``bytes``.
"""

from __future__ import annotations

from msgspec import UNSET, UnsetType

from ._audio_buffer import refuse_str_audio
from ._base import Model, TranslationClientEvent, TranslationServerEvent
from ._error_events import RealtimeErrorDetail

__all__ = [
    "TranslationAudio",
    "TranslationAudioInput",
    "TranslationAudioOutput",
    "TranslationErrorEvent",
    "TranslationNoiseReduction",
    "TranslationSession",
    "TranslationSessionClose",
    "TranslationSessionClosed",
    "TranslationSessionConfig",
    "TranslationSessionCreated",
    "TranslationSessionInputAudioBufferAppend",
    "TranslationSessionInputTranscriptDelta",
    "TranslationSessionOutputAudioDelta",
    "TranslationSessionOutputTranscriptDelta",
    "TranslationSessionUpdate",
    "TranslationSessionUpdated",
    "TranslationTranscription",
]


# -- configuration (both directions: UNSET is left out, None is sent as null) ---


class TranslationNoiseReduction(Model, kw_only=True):
    """Input noise reduction: ``type`` is ``"near_field"`` or ``"far_field"``."""

    type: str
    strength: float | UnsetType | None = UNSET


class TranslationTranscription(Model, kw_only=True):
    """Transcribe the source speech with ``model``."""

    model: str


class TranslationAudioInput(Model, kw_only=True):
    """Source audio settings; ``None`` turns a feature off."""

    noise_reduction: TranslationNoiseReduction | UnsetType | None = UNSET
    transcription: TranslationTranscription | UnsetType | None = UNSET


class TranslationAudioOutput(Model, kw_only=True):
    """Target audio settings: ``language`` such as ``"es"``."""

    language: str | UnsetType | None = UNSET


class TranslationAudio(Model, kw_only=True):
    """The ``audio`` object of a translation session."""

    input: TranslationAudioInput | UnsetType | None = UNSET
    output: TranslationAudioOutput | UnsetType | None = UNSET


class TranslationSessionConfig(Model, kw_only=True):
    """The partial configuration a ``session.update`` sends."""

    audio: TranslationAudio | UnsetType | None = UNSET


class TranslationSession(Model, kw_only=True):
    """A translation session as the server reports it (``type`` is ``"translation"``)."""

    id: str
    type: str
    model: str
    expires_at: int
    audio: TranslationAudio


# -- client events ------------------------------------------------------------


class TranslationSessionUpdate(TranslationClientEvent, tag="session.update", kw_only=True):
    """Change the translation session; only the fields you set are sent."""

    session: TranslationSessionConfig
    event_id: str | UnsetType = UNSET


class TranslationSessionInputAudioBufferAppend(
    TranslationClientEvent, tag="session.input_audio_buffer.append", kw_only=True, gc=False
):
    """Send source audio (raw bytes; msgspec writes the base64)."""

    audio: bytes
    event_id: str | UnsetType = UNSET

    def __post_init__(self) -> None:
        # The same trap as input_audio_buffer.append: a str is refused, bytes are not
        # inspected (G.711 can look like base64 text); see _audio_buffer's docstring.
        refuse_str_audio(self.audio)


class TranslationSessionClose(TranslationClientEvent, tag="session.close", kw_only=True, gc=False):
    """Ask the server to end the translation session."""

    event_id: str | UnsetType = UNSET


# -- server events ------------------------------------------------------------


class TranslationErrorEvent(TranslationServerEvent, tag="error", kw_only=True):
    """An error on a translation session (same shape as `ErrorEvent`)."""

    event_id: str
    error: RealtimeErrorDetail


class TranslationSessionCreated(TranslationServerEvent, tag="session.created", kw_only=True):
    """The first event of a translation session: its configuration."""

    event_id: str
    session: TranslationSession


class TranslationSessionUpdated(TranslationServerEvent, tag="session.updated", kw_only=True):
    """The translation session's configuration after an update."""

    event_id: str
    session: TranslationSession


class TranslationSessionClosed(
    TranslationServerEvent, tag="session.closed", kw_only=True, gc=False
):
    """The translation session ended."""

    event_id: str


class TranslationSessionInputTranscriptDelta(
    TranslationServerEvent, tag="session.input_transcript.delta", kw_only=True, gc=False
):
    """A piece of the transcript of the source speech."""

    event_id: str
    delta: str
    elapsed_ms: int | None = None


class TranslationSessionOutputTranscriptDelta(
    TranslationServerEvent, tag="session.output_transcript.delta", kw_only=True, gc=False
):
    """A piece of the translated text."""

    event_id: str
    delta: str
    elapsed_ms: int | None = None


class TranslationSessionOutputAudioDelta(
    TranslationServerEvent, tag="session.output_audio.delta", kw_only=True, gc=False
):
    """Translated audio; ``format`` is ``"pcm16"`` today."""

    event_id: str
    delta: bytes
    format: str | None = None
    sample_rate: int | None = None
    channels: int | None = None
    elapsed_ms: int | None = None
