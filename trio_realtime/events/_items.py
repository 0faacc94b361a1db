"""Conversation items and their content parts.

An item is tagged by ``type``: ``message``, ``function_call``,
``function_call_output`` and the MCP kinds; these decode as a msgspec tagged
union.

Messages and content parts are different. The API gives system, user and
assistant messages the same ``type: "message"`` and tells them apart by
``role``, and it marks a content part's ``type`` optional (the published schema
accepts a part without one). So the wire decodes to one `Message` Struct with a
``role`` string and to flat `ContentPart` Structs with a ``type`` string: a new
role or a new part kind still decodes. The builder subclasses (`UserMessage`,
`SystemMessage`, `AssistantMessage`; `InputText`, `InputAudio`, `InputImage`,
`OutputText`, `OutputAudio`) fill in ``role`` or ``type`` when you build one,
and ``isinstance``/``match`` against them checks that field, so
``case UserMessage(content=[InputText(text=t)])`` matches a decoded message.

Audio in content parts is ``bytes``: msgspec does the base64 in C.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import msgspec
from msgspec import UNSET, UnsetType

from .._errors import EventEncodeError
from ._base import Model, TaggedModel, VariantMeta
from ._mcp import McpApprovalRequest, McpApprovalResponse, McpCall, McpListTools

__all__ = [
    "AssistantMessage",
    "ContentPart",
    "FunctionCall",
    "FunctionCallOutput",
    "InputAudio",
    "InputImage",
    "InputText",
    "Item",
    "Message",
    "OutputAudio",
    "OutputText",
    "ResponsePart",
    "SystemMessage",
    "UserMessage",
]


# -- content parts ------------------------------------------------------------


class ContentPart(Model, kw_only=True):
    """One part of a message: text, audio (raw bytes), or an image.

    ``type`` is ``"input_text"``, ``"input_audio"``, ``"input_image"``,
    ``"output_text"`` or ``"output_audio"``; build one with the subclass of that
    name (``InputText(text="Hi")``).
    """

    type: str | UnsetType | None = UNSET
    text: str | UnsetType | None = UNSET
    audio: bytes | UnsetType | None = UNSET
    transcript: str | UnsetType | None = UNSET
    image_url: str | UnsetType | None = UNSET
    detail: str | UnsetType | None = UNSET


# omit_defaults=False on every builder: its default ``type`` (or ``role``) must
# always be written.
class InputText(ContentPart, metaclass=VariantMeta, kw_only=True, omit_defaults=False):
    """Text from the user or in a system message."""

    __variant_field__ = "type"
    __variant_value__ = "input_text"
    type: str | UnsetType | None = "input_text"


class InputAudio(ContentPart, metaclass=VariantMeta, kw_only=True, omit_defaults=False):
    """Audio from the user (raw bytes in the session's input format)."""

    __variant_field__ = "type"
    __variant_value__ = "input_audio"
    type: str | UnsetType | None = "input_audio"


class InputImage(ContentPart, metaclass=VariantMeta, kw_only=True, omit_defaults=False):
    """An image from the user, by URL or ``data:`` URL; ``detail`` low/high/auto."""

    __variant_field__ = "type"
    __variant_value__ = "input_image"
    type: str | UnsetType | None = "input_image"


class OutputText(ContentPart, metaclass=VariantMeta, kw_only=True, omit_defaults=False):
    """Text the model produced."""

    __variant_field__ = "type"
    __variant_value__ = "output_text"
    type: str | UnsetType | None = "output_text"


class OutputAudio(ContentPart, metaclass=VariantMeta, kw_only=True, omit_defaults=False):
    """Audio the model produced (raw bytes) and its transcript."""

    __variant_field__ = "type"
    __variant_value__ = "output_audio"
    type: str | UnsetType | None = "output_audio"


class ResponsePart(Model, kw_only=True):
    """The part announced by ``response.content_part.added``/``done``.

    ``type`` is ``"text"`` or ``"audio"`` (open-ended); ``audio`` is raw bytes.
    """

    type: str | UnsetType | None = UNSET
    text: str | UnsetType | None = UNSET
    audio: bytes | UnsetType | None = UNSET
    transcript: str | UnsetType | None = UNSET


# -- messages -----------------------------------------------------------------


class Message(TaggedModel, tag="message", kw_only=True):
    """A system, user or assistant message.

    The API gives all three the same ``type: "message"`` and tells them apart
    by ``role``, so the wire decodes to this one Struct with a ``role`` string
    (a new role still decodes). The builders `UserMessage`, `SystemMessage`
    and `AssistantMessage` fill ``role`` in, and ``isinstance``/``match``
    against them checks it: ``case UserMessage(content=[InputText(text=t)])``
    matches a decoded user message.
    """

    role: str
    content: list[ContentPart]
    id: str | UnsetType | None = UNSET
    object: str | UnsetType | None = UNSET
    status: str | UnsetType | None = UNSET


class UserMessage(Message, metaclass=VariantMeta, tag="message", kw_only=True, omit_defaults=False):
    """A message from the user; ``UserMessage.text("Hello")`` is the common case."""

    __variant_field__ = "role"
    __variant_value__ = "user"
    role: str = "user"

    @classmethod
    def text(cls, text: str) -> UserMessage:
        """A user message holding one text part."""
        return cls(content=[InputText(text=text)])

    @classmethod
    def audio(cls, audio: bytes) -> UserMessage:
        """A user message holding one audio part (bytes in the session's input format)."""
        return cls(content=[InputAudio(audio=audio)])

    @classmethod
    def image(cls, image_url: str, *, detail: str | UnsetType = UNSET) -> UserMessage:
        """A user message holding one image, by URL or ``data:`` URL."""
        return cls(content=[InputImage(image_url=image_url, detail=detail)])


class SystemMessage(
    Message, metaclass=VariantMeta, tag="message", kw_only=True, omit_defaults=False
):
    """A system message (extra instructions placed in the conversation)."""

    __variant_field__ = "role"
    __variant_value__ = "system"
    role: str = "system"

    @classmethod
    def text(cls, text: str) -> SystemMessage:
        """A system message holding one text part."""
        return cls(content=[InputText(text=text)])


class AssistantMessage(
    Message, metaclass=VariantMeta, tag="message", kw_only=True, omit_defaults=False
):
    """A message from the model (or one you insert as if the model had said it)."""

    __variant_field__ = "role"
    __variant_value__ = "assistant"
    role: str = "assistant"

    @classmethod
    def text(cls, text: str) -> AssistantMessage:
        """An assistant message holding one text part."""
        return cls(content=[OutputText(text=text)])


# -- function calls -----------------------------------------------------------


class FunctionCall(TaggedModel, tag="function_call", kw_only=True):
    """The model calls one of the session's function tools; ``arguments`` is JSON."""

    name: str
    arguments: str
    call_id: str | UnsetType | None = UNSET
    id: str | UnsetType | None = UNSET
    object: str | UnsetType | None = UNSET
    status: str | UnsetType | None = UNSET


class FunctionCallOutput(TaggedModel, tag="function_call_output", kw_only=True):
    """The client's result for a `FunctionCall`, matched by ``call_id``."""

    call_id: str
    output: str
    id: str | UnsetType | None = UNSET
    object: str | UnsetType | None = UNSET
    status: str | UnsetType | None = UNSET

    @classmethod
    def of(cls, call_id: str, output: Any) -> FunctionCallOutput:
        """The result of call ``call_id``; anything but a ``str`` is encoded as JSON.

        Raises `EventEncodeError` for a value msgspec cannot encode.
        """
        if not isinstance(output, str):
            try:
                output = msgspec.json.encode(output).decode()
            except (TypeError, ValueError, OverflowError) as exc:
                raise EventEncodeError(f"function call output is not JSON: {exc}") from exc
        return cls(call_id=call_id, output=output)


Item: TypeAlias = (
    Message
    | FunctionCall
    | FunctionCallOutput
    | McpApprovalResponse
    | McpListTools
    | McpCall
    | McpApprovalRequest
)
