"""Transcription of the user's audio: deltas, the final transcript, segments, failure."""

from __future__ import annotations

from typing import TypeAlias

from ._base import Model, ServerEvent, TaggedModel

__all__ = [
    "ConversationItemInputAudioTranscriptionCompleted",
    "ConversationItemInputAudioTranscriptionDelta",
    "ConversationItemInputAudioTranscriptionFailed",
    "ConversationItemInputAudioTranscriptionSegment",
    "LogProb",
    "TranscriptionDurationUsage",
    "TranscriptionError",
    "TranscriptionLanguage",
    "TranscriptionTokenDetails",
    "TranscriptionTokenUsage",
    "TranscriptionUsage",
]


class LogProb(Model, kw_only=True):
    """The log probability of one token (``bytes`` is its UTF-8, as integers)."""

    token: str
    logprob: float
    bytes: list[int]


class TranscriptionLanguage(Model, kw_only=True):
    """A language detected in the audio (``code`` such as ``"en"``)."""

    code: str


class TranscriptionTokenDetails(Model, kw_only=True):
    """Input tokens of a transcription, by modality."""

    text_tokens: int | None = None
    audio_tokens: int | None = None


class TranscriptionTokenUsage(TaggedModel, tag="tokens", kw_only=True):
    """Usage of a token-billed transcription model."""

    input_tokens: int
    output_tokens: int
    total_tokens: int
    input_token_details: TranscriptionTokenDetails | None = None


class TranscriptionDurationUsage(TaggedModel, tag="duration", kw_only=True):
    """Usage of a duration-billed transcription model."""

    seconds: float


TranscriptionUsage: TypeAlias = TranscriptionTokenUsage | TranscriptionDurationUsage


class TranscriptionError(Model, kw_only=True):
    """Why a transcription failed."""

    type: str | None = None
    code: str | None = None
    message: str | None = None
    param: str | None = None


class ConversationItemInputAudioTranscriptionDelta(
    ServerEvent, tag="conversation.item.input_audio_transcription.delta", kw_only=True
):
    """A piece of the transcript of a user audio item."""

    event_id: str
    item_id: str
    content_index: int | None = None
    delta: str | None = None
    logprobs: list[LogProb] | None = None


class ConversationItemInputAudioTranscriptionCompleted(
    ServerEvent, tag="conversation.item.input_audio_transcription.completed", kw_only=True
):
    """The transcript of a committed user audio item, with usage."""

    event_id: str
    item_id: str
    content_index: int
    transcript: str
    usage: TranscriptionUsage
    logprobs: list[LogProb] | None = None
    languages: list[TranscriptionLanguage] | None = None


class ConversationItemInputAudioTranscriptionSegment(
    ServerEvent, tag="conversation.item.input_audio_transcription.segment", kw_only=True, gc=False
):
    """A diarized segment: ``speaker`` said ``text`` from ``start`` to ``end`` seconds."""

    event_id: str
    item_id: str
    content_index: int
    id: str
    text: str
    speaker: str
    start: float
    end: float


class ConversationItemInputAudioTranscriptionFailed(
    ServerEvent, tag="conversation.item.input_audio_transcription.failed", kw_only=True
):
    """Transcribing a user audio item failed; the item itself is kept."""

    event_id: str
    item_id: str
    content_index: int
    error: TranscriptionError
