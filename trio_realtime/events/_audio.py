"""Audio settings of a session: formats, noise reduction, transcription, turn detection.

These objects travel both ways (a client sends them in ``session.update``, the
server echoes them in ``session.created``/``session.updated``), so optional
fields default to ``UNSET`` (left out of what we send) and also accept ``None``,
which the server writes for a feature that is off and which a client sends to
turn a feature off (``turn_detection=None`` disables voice activity detection).
Enumerated strings the API may extend (voices, models, eagerness...) are ``str``.
"""

from __future__ import annotations

from typing import TypeAlias

from msgspec import UNSET, UnsetType

from ._base import Model, TaggedModel, VariantMeta

__all__ = [
    "AudioConfig",
    "AudioFormat",
    "AudioInput",
    "AudioOutput",
    "AudioPCM",
    "AudioPCMA",
    "AudioPCMU",
    "AudioTranscription",
    "NoiseReduction",
    "SemanticVad",
    "ServerVad",
    "TranscriptionAudioConfig",
    "TurnDetection",
    "VoiceId",
]


class AudioFormat(Model, kw_only=True):
    """An audio format: ``type`` is ``"audio/pcm"`` (with ``rate``), ``"audio/pcmu"``
    or ``"audio/pcma"``; build one with `AudioPCM`, `AudioPCMU` or `AudioPCMA`.

    One flat Struct rather than a tagged union: the published schema makes
    ``type`` optional, and a codec added to the API later must not make
    ``session.created`` undecodable.
    """

    type: str | UnsetType | None = UNSET
    rate: int | UnsetType | None = UNSET


# omit_defaults=False: the builder's default ``type`` must always be written.
class AudioPCM(AudioFormat, metaclass=VariantMeta, kw_only=True, omit_defaults=False):
    """16-bit little-endian PCM, mono; ``rate`` is 24000 today."""

    __variant_field__ = "type"
    __variant_value__ = "audio/pcm"
    type: str | UnsetType | None = "audio/pcm"


class AudioPCMU(AudioFormat, metaclass=VariantMeta, kw_only=True, omit_defaults=False):
    """G.711 mu-law, 8 kHz."""

    __variant_field__ = "type"
    __variant_value__ = "audio/pcmu"
    type: str | UnsetType | None = "audio/pcmu"


class AudioPCMA(AudioFormat, metaclass=VariantMeta, kw_only=True, omit_defaults=False):
    """G.711 A-law, 8 kHz."""

    __variant_field__ = "type"
    __variant_value__ = "audio/pcma"
    type: str | UnsetType | None = "audio/pcma"


class NoiseReduction(Model, kw_only=True):
    """Input noise reduction; ``type`` is ``"near_field"`` or ``"far_field"``."""

    type: str | UnsetType | None = UNSET
    strength: float | UnsetType | None = UNSET


class AudioTranscription(Model, kw_only=True):
    """Asynchronous transcription of the input audio (``model`` such as ``"gpt-transcribe"``)."""

    model: str | UnsetType | None = UNSET
    language: str | UnsetType | None = UNSET
    languages: list[str] | UnsetType | None = UNSET
    prompt: str | UnsetType | None = UNSET
    keywords: list[str] | UnsetType | None = UNSET
    delay: str | UnsetType | None = UNSET


class ServerVad(TaggedModel, tag="server_vad", kw_only=True):
    """Turn detection by silence: speech ends after ``silence_duration_ms`` of quiet."""

    threshold: float | UnsetType | None = UNSET
    prefix_padding_ms: int | UnsetType | None = UNSET
    silence_duration_ms: int | UnsetType | None = UNSET
    idle_timeout_ms: int | UnsetType | None = UNSET
    create_response: bool | UnsetType | None = UNSET
    interrupt_response: bool | UnsetType | None = UNSET


class SemanticVad(TaggedModel, tag="semantic_vad", kw_only=True):
    """Turn detection by a model that judges whether the user has finished."""

    eagerness: str | UnsetType | None = UNSET
    create_response: bool | UnsetType | None = UNSET
    interrupt_response: bool | UnsetType | None = UNSET


TurnDetection: TypeAlias = ServerVad | SemanticVad


class VoiceId(Model, kw_only=True):
    """A custom voice, referred to by its id."""

    id: str


class AudioInput(Model, kw_only=True):
    """How the server reads the client's audio."""

    format: AudioFormat | UnsetType | None = UNSET
    noise_reduction: NoiseReduction | UnsetType | None = UNSET
    transcription: AudioTranscription | UnsetType | None = UNSET
    turn_detection: TurnDetection | UnsetType | None = UNSET


class AudioOutput(Model, kw_only=True):
    """How the server speaks: format, voice (a name or a `VoiceId`), speed."""

    format: AudioFormat | UnsetType | None = UNSET
    voice: str | VoiceId | UnsetType | None = UNSET
    speed: float | UnsetType | None = UNSET


class AudioConfig(Model, kw_only=True):
    """The ``audio`` object of a realtime session."""

    input: AudioInput | UnsetType | None = UNSET
    output: AudioOutput | UnsetType | None = UNSET


class TranscriptionAudioConfig(Model, kw_only=True):
    """The ``audio`` object of a transcription session (input only)."""

    input: AudioInput | UnsetType | None = UNSET
