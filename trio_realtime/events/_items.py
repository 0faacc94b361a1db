"""Conversation items and their content parts.

An item is tagged by ``type``: ``message``, ``function_call``,
``function_call_output`` and the MCP kinds. A content part is tagged by its own
``type``: ``input_text``, ``input_audio``, ``input_image``, ``output_text``,
``output_audio`` (and ``text`` / ``audio`` in ``response.content_part.*``).

Messages: the API gives system, user and assistant messages the same
``type: "message"`` and tells them apart by ``role``. msgspec dispatches a
union on one tag only, so the wire decodes to one `Message` Struct whose
``role`` is a plain string (a future role still decodes). `UserMessage`,
`SystemMessage` and `AssistantMessage` are subclasses that fill in ``role``
for you when you build a message, and their ``isinstance`` (hence ``match``)
checks the role, so ``case UserMessage(content=parts)`` matches a decoded
``Message`` whose role is ``"user"``.

Audio in content parts is ``bytes``: msgspec does the base64 in C.
"""

from __future__ import annotations

from typing import Any, ClassVar, TypeAlias

import msgspec
from msgspec import UNSET, UnsetType

from ._base import TaggedModel
from ._mcp import McpApprovalRequest, McpApprovalResponse, McpCall, McpListTools

__all__ = [
    "AssistantMessage",
    "AudioPart",
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
    "SystemMessage",
    "TextPart",
    "UserMessage",
]


# -- content parts ------------------------------------------------------------


class InputText(TaggedModel, tag="input_text", kw_only=True):
    """Text from the user or the system prompt."""

    text: str | UnsetType | None = UNSET


class InputAudio(TaggedModel, tag="input_audio", kw_only=True):
    """Audio from the user (raw bytes in the session's input format)."""

    audio: bytes | UnsetType | None = UNSET
    transcript: str | UnsetType | None = UNSET


class InputImage(TaggedModel, tag="input_image", kw_only=True):
    """An image from the user, as a URL or a ``data:`` URL."""

    image_url: str | UnsetType | None = UNSET
    detail: str | UnsetType | None = UNSET


class OutputText(TaggedModel, tag="output_text", kw_only=True):
    """Text the model produced."""

    text: str | UnsetType | None = UNSET


class OutputAudio(TaggedModel, tag="output_audio", kw_only=True):
    """Audio the model produced, with its transcript."""

    audio: bytes | UnsetType | None = UNSET
    transcript: str | UnsetType | None = UNSET


class TextPart(TaggedModel, tag="text", kw_only=True):
    """A text part as announced by ``response.content_part.added``/``done``."""

    text: str | UnsetType | None = UNSET


class AudioPart(TaggedModel, tag="audio", kw_only=True):
    """An audio part as announced by ``response.content_part.added``/``done``."""

    audio: bytes | UnsetType | None = UNSET
    transcript: str | UnsetType | None = UNSET


ContentPart: TypeAlias = (
    InputText | InputAudio | InputImage | OutputText | OutputAudio | TextPart | AudioPart
)


# -- messages -----------------------------------------------------------------


class Message(TaggedModel, tag="message", kw_only=True):
    """A system, user or assistant message; see the module docstring on ``role``."""

    role: str
    content: list[ContentPart]
    id: str | UnsetType | None = UNSET
    object: str | UnsetType | None = UNSET
    status: str | UnsetType | None = UNSET


class _RoleCheck(msgspec.StructMeta):
    # isinstance(m, UserMessage) is true for any Message whose role is "user",
    # so a decoded Message matches `case UserMessage(...)` like a built one does.
    def __instancecheck__(cls, instance: object) -> bool:
        role: str | None = getattr(cls, "_role", None)
        if role is None:  # pragma: no cover - only the role classes use this metaclass
            return super().__instancecheck__(instance)
        return isinstance(instance, Message) and instance.role == role


# omit_defaults=False: ``role`` has a default here but must always be written.
class UserMessage(Message, metaclass=_RoleCheck, tag="message", kw_only=True, omit_defaults=False):
    """A message from the user; ``UserMessage.text("Hello")`` is the common case."""

    _role: ClassVar[str] = "user"
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
    Message, metaclass=_RoleCheck, tag="message", kw_only=True, omit_defaults=False
):
    """A system message (extra instructions placed in the conversation)."""

    _role: ClassVar[str] = "system"
    role: str = "system"

    @classmethod
    def text(cls, text: str) -> SystemMessage:
        """A system message holding one text part."""
        return cls(content=[InputText(text=text)])


class AssistantMessage(
    Message, metaclass=_RoleCheck, tag="message", kw_only=True, omit_defaults=False
):
    """A message from the model (or one you insert as if the model had said it)."""

    _role: ClassVar[str] = "assistant"
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
        """The result of call ``call_id``; anything but a ``str`` is encoded as JSON."""
        if not isinstance(output, str):
            output = msgspec.json.encode(output).decode()
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
