"""Session configuration and the session events.

A session is either a realtime (speech-to-speech) or a transcription session,
tagged by ``type``. ``session.update`` sends a partial configuration: every
field defaults to ``UNSET`` and is left out of the frame, so the server keeps
its current value; ``None`` is sent as ``null`` where that clears a setting
(``prompt``, ``tracing``, ``audio.input.turn_detection``...). The server's
``session.created`` / ``session.updated`` decode into the same Structs (it
writes ``null`` for features that are off).
"""

from __future__ import annotations

from typing import Literal, TypeAlias

from msgspec import UNSET, UnsetType

from ._audio import AudioConfig, TranscriptionAudioConfig
from ._base import ClientEvent, Model, ServerEvent, TaggedModel
from ._tools import Tool, ToolChoice

__all__ = [
    "Prompt",
    "PromptCacheBreakpoint",
    "PromptInputFile",
    "PromptInputImage",
    "PromptInputText",
    "PromptVariable",
    "RealtimeSession",
    "Reasoning",
    "Session",
    "SessionCreated",
    "SessionUpdate",
    "SessionUpdated",
    "TokenLimits",
    "TracingConfig",
    "TranscriptionSession",
    "TruncationRetentionRatio",
]


# -- prompt templates ---------------------------------------------------------


class PromptCacheBreakpoint(Model, kw_only=True):
    """Marks a prompt-cache breakpoint (``mode="explicit"``, ``ttl`` like ``"30m"``)."""

    mode: str
    ttl: str | UnsetType | None = UNSET


class PromptInputText(TaggedModel, tag="input_text", kw_only=True):
    """A text value for a prompt template variable."""

    text: str
    prompt_cache_breakpoint: PromptCacheBreakpoint | UnsetType | None = UNSET


class PromptInputImage(TaggedModel, tag="input_image", kw_only=True):
    """An image value for a prompt template variable (``file_id`` or ``image_url``)."""

    detail: str
    file_id: str | UnsetType | None = UNSET
    image_url: str | UnsetType | None = UNSET
    prompt_cache_breakpoint: PromptCacheBreakpoint | UnsetType | None = UNSET


class PromptInputFile(TaggedModel, tag="input_file", kw_only=True):
    """A file value for a prompt template variable."""

    detail: str | UnsetType | None = UNSET
    file_data: str | UnsetType | None = UNSET
    file_id: str | UnsetType | None = UNSET
    file_url: str | UnsetType | None = UNSET
    filename: str | UnsetType | None = UNSET
    prompt_cache_breakpoint: PromptCacheBreakpoint | UnsetType | None = UNSET


PromptVariable: TypeAlias = str | PromptInputText | PromptInputImage | PromptInputFile


class Prompt(Model, kw_only=True):
    """A stored prompt template by ``id``, with optional version and variables."""

    id: str
    version: str | UnsetType | None = UNSET
    variables: dict[str, PromptVariable] | UnsetType | None = UNSET


# -- other session settings ---------------------------------------------------


class Reasoning(Model, kw_only=True):
    """Reasoning effort for reasoning-capable models (``"low"``, ``"high"``...)."""

    effort: str | UnsetType | None = UNSET


class TracingConfig(Model, kw_only=True):
    """Names the traces of this session in the traces dashboard."""

    workflow_name: str | UnsetType | None = UNSET
    group_id: str | UnsetType | None = UNSET
    metadata: object | UnsetType | None = UNSET


class TokenLimits(Model, kw_only=True):
    """Token budget after which older conversation items are truncated."""

    post_instructions: int | UnsetType | None = UNSET


class TruncationRetentionRatio(TaggedModel, tag="retention_ratio", kw_only=True):
    """Truncate to keep ``retention_ratio`` (0..1) of the conversation when over budget."""

    retention_ratio: float
    token_limits: TokenLimits | UnsetType | None = UNSET


# -- sessions -----------------------------------------------------------------


class RealtimeSession(TaggedModel, tag="realtime", kw_only=True):
    """A speech-to-speech (or text) session.

    ``tool_choice`` is ``"auto"``, ``"none"``, ``"required"`` or a specific tool;
    ``tracing`` is ``"auto"`` or a `TracingConfig`; ``truncation`` is ``"auto"``,
    ``"disabled"`` or a `TruncationRetentionRatio`; ``max_output_tokens`` is an int
    or ``"inf"``.
    """

    model: str | UnsetType | None = UNSET
    instructions: str | UnsetType | None = UNSET
    output_modalities: list[str] | UnsetType | None = UNSET
    audio: AudioConfig | UnsetType | None = UNSET
    include: list[str] | UnsetType | None = UNSET
    max_output_tokens: int | Literal["inf"] | UnsetType | None = UNSET
    parallel_tool_calls: bool | UnsetType | None = UNSET
    prompt: Prompt | UnsetType | None = UNSET
    reasoning: Reasoning | UnsetType | None = UNSET
    tool_choice: ToolChoice | UnsetType | None = UNSET
    tools: list[Tool] | UnsetType | None = UNSET
    tracing: str | TracingConfig | UnsetType | None = UNSET
    truncation: str | TruncationRetentionRatio | UnsetType | None = UNSET


class TranscriptionSession(TaggedModel, tag="transcription", kw_only=True):
    """A session that only transcribes the input audio."""

    audio: TranscriptionAudioConfig | UnsetType | None = UNSET
    include: list[str] | UnsetType | None = UNSET


Session: TypeAlias = RealtimeSession | TranscriptionSession


# -- events -------------------------------------------------------------------


class SessionUpdate(ClientEvent, tag="session.update", kw_only=True):
    """Change the session; only the fields you set are sent."""

    session: Session
    event_id: str | UnsetType = UNSET


class SessionCreated(ServerEvent, tag="session.created", kw_only=True):
    """The first event of every session: its configuration."""

    event_id: str
    session: Session


class SessionUpdated(ServerEvent, tag="session.updated", kw_only=True):
    """The configuration after a ``session.update``."""

    event_id: str
    session: Session
