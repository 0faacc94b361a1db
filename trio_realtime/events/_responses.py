"""Responses: asking for one, the response object, usage, and the streaming events.

`ResponseParams` travels from client to server, so its fields default to
``UNSET``. `Response`, `ResponseStatus` and `Usage` only come from the server:
their optional fields default to ``None`` (absent or ``null`` alike), and their
enumerations (status, reason, modalities) are plain ``str`` so a value added to
the API later still decodes.
"""

from __future__ import annotations

from typing import Literal

from msgspec import UNSET, UnsetType

from ._audio import AudioFormat, VoiceId
from ._base import ClientEvent, Model, ServerEvent
from ._items import Item, ResponsePart
from ._session import Prompt, Reasoning
from ._tools import Tool, ToolChoice

__all__ = [
    "CachedTokensDetails",
    "InputTokenDetails",
    "OutputTokenDetails",
    "Response",
    "ResponseAudio",
    "ResponseAudioOutput",
    "ResponseCancel",
    "ResponseContentPartAdded",
    "ResponseContentPartDone",
    "ResponseCreate",
    "ResponseCreated",
    "ResponseDone",
    "ResponseFunctionCallArgumentsDelta",
    "ResponseFunctionCallArgumentsDone",
    "ResponseOutputAudioDelta",
    "ResponseOutputAudioDone",
    "ResponseOutputAudioTranscriptDelta",
    "ResponseOutputAudioTranscriptDone",
    "ResponseOutputItemAdded",
    "ResponseOutputItemDone",
    "ResponseOutputTextDelta",
    "ResponseOutputTextDone",
    "ResponseParams",
    "ResponseStatus",
    "ResponseStatusError",
    "Usage",
]


class ResponseAudioOutput(Model, kw_only=True):
    """Output audio of one response: format and voice (a name or a `VoiceId`)."""

    format: AudioFormat | UnsetType | None = UNSET
    voice: str | VoiceId | UnsetType | None = UNSET


class ResponseAudio(Model, kw_only=True):
    """The ``audio`` object of a response or of `ResponseParams`."""

    output: ResponseAudioOutput | UnsetType | None = UNSET


class ResponseParams(Model, kw_only=True):
    """What ``response.create`` may override for one response.

    ``conversation`` is ``"auto"`` (the default conversation) or ``"none"`` (an
    out-of-band response); ``input`` replaces the conversation as context.
    """

    audio: ResponseAudio | UnsetType | None = UNSET
    conversation: str | UnsetType | None = UNSET
    input: list[Item] | UnsetType | None = UNSET
    instructions: str | UnsetType | None = UNSET
    max_output_tokens: int | Literal["inf"] | UnsetType | None = UNSET
    metadata: dict[str, str] | UnsetType | None = UNSET
    output_modalities: list[str] | UnsetType | None = UNSET
    parallel_tool_calls: bool | UnsetType | None = UNSET
    prompt: Prompt | UnsetType | None = UNSET
    reasoning: Reasoning | UnsetType | None = UNSET
    tool_choice: ToolChoice | UnsetType | None = UNSET
    tools: list[Tool] | UnsetType | None = UNSET


# -- the response object (server side) ----------------------------------------


class ResponseStatusError(Model, kw_only=True):
    """Why a response failed."""

    type: str | None = None
    code: str | None = None
    message: str | None = None


class ResponseStatus(Model, kw_only=True):
    """Details of a response's final status (``type``, ``reason``, ``error``)."""

    type: str | None = None
    reason: str | None = None
    error: ResponseStatusError | None = None


class CachedTokensDetails(Model, kw_only=True):
    """Cached input tokens by modality."""

    text_tokens: int | None = None
    audio_tokens: int | None = None
    image_tokens: int | None = None


class InputTokenDetails(Model, kw_only=True):
    """Input tokens by modality, and how many came from the cache."""

    text_tokens: int | None = None
    audio_tokens: int | None = None
    image_tokens: int | None = None
    cached_tokens: int | None = None
    cached_tokens_details: CachedTokensDetails | None = None


class OutputTokenDetails(Model, kw_only=True):
    """Output tokens by modality."""

    text_tokens: int | None = None
    audio_tokens: int | None = None


class Usage(Model, kw_only=True):
    """Token counts of one response (billing)."""

    total_tokens: int | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    input_token_details: InputTokenDetails | None = None
    output_token_details: OutputTokenDetails | None = None


class Response(Model, kw_only=True):
    """A response as the server reports it in ``response.created`` and ``response.done``."""

    id: str | None = None
    object: str | None = None
    status: str | None = None
    status_details: ResponseStatus | None = None
    output: list[Item] | None = None
    output_modalities: list[str] | None = None
    audio: ResponseAudio | None = None
    conversation_id: str | None = None
    max_output_tokens: int | Literal["inf"] | None = None
    metadata: dict[str, str] | None = None
    usage: Usage | None = None


# -- client events ------------------------------------------------------------


class ResponseCreate(ClientEvent, tag="response.create", kw_only=True):
    """Ask the model to respond (``ResponseCreate()`` uses the session's settings)."""

    response: ResponseParams | UnsetType = UNSET
    event_id: str | UnsetType = UNSET


class ResponseCancel(ClientEvent, tag="response.cancel", kw_only=True, gc=False):
    """Cancel the in-progress response (or ``response_id``)."""

    response_id: str | UnsetType = UNSET
    event_id: str | UnsetType = UNSET


# -- server events ------------------------------------------------------------


class ResponseCreated(ServerEvent, tag="response.created", kw_only=True):
    """A response started; ``response.status`` is ``in_progress``."""

    event_id: str
    response: Response


class ResponseDone(ServerEvent, tag="response.done", kw_only=True):
    """A response ended (completed, cancelled, incomplete or failed), with its usage."""

    event_id: str
    response: Response


class ResponseOutputItemAdded(ServerEvent, tag="response.output_item.added", kw_only=True):
    """A new output item starts in the response."""

    event_id: str
    response_id: str
    output_index: int
    item: Item


class ResponseOutputItemDone(ServerEvent, tag="response.output_item.done", kw_only=True):
    """An output item is complete."""

    event_id: str
    response_id: str
    output_index: int
    item: Item


class ResponseContentPartAdded(ServerEvent, tag="response.content_part.added", kw_only=True):
    """A new content part starts in an output item."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    part: ResponsePart


class ResponseContentPartDone(ServerEvent, tag="response.content_part.done", kw_only=True):
    """A content part of an output item is complete."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    part: ResponsePart


class ResponseOutputTextDelta(
    ServerEvent, tag="response.output_text.delta", kw_only=True, gc=False
):
    """A piece of the model's text output."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str


class ResponseOutputTextDone(ServerEvent, tag="response.output_text.done", kw_only=True, gc=False):
    """The full text of one content part."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    text: str


class ResponseOutputAudioDelta(
    ServerEvent, tag="response.output_audio.delta", kw_only=True, gc=False
):
    """A chunk of output audio; ``delta`` is the raw bytes (base64 decoded in C)."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: bytes


class ResponseOutputAudioDone(
    ServerEvent, tag="response.output_audio.done", kw_only=True, gc=False
):
    """The audio of a content part is complete."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    content_index: int


class ResponseOutputAudioTranscriptDelta(
    ServerEvent, tag="response.output_audio_transcript.delta", kw_only=True, gc=False
):
    """A piece of the transcript of the model's audio."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str


class ResponseOutputAudioTranscriptDone(
    ServerEvent, tag="response.output_audio_transcript.done", kw_only=True, gc=False
):
    """The full transcript of the model's audio for one content part."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    transcript: str


class ResponseFunctionCallArgumentsDelta(
    ServerEvent, tag="response.function_call_arguments.delta", kw_only=True, gc=False
):
    """A piece of the JSON arguments of a function call."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    call_id: str
    delta: str


class ResponseFunctionCallArgumentsDone(
    ServerEvent, tag="response.function_call_arguments.done", kw_only=True, gc=False
):
    """The complete JSON arguments of function call ``call_id``."""

    event_id: str
    response_id: str
    item_id: str
    output_index: int
    call_id: str
    name: str
    arguments: str
