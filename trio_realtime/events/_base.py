"""Base classes shared by every event Struct.

Every client event subclasses `ClientEvent`, every server event `ServerEvent`.
msgspec writes and reads the ``type`` key as the Struct's tag, so a subclass only
names its tag; the ``type`` property reads it back for logging and dispatch.
"""

from __future__ import annotations

from typing import Any, ClassVar, cast

import msgspec

from .._errors import EventDecodeError

__all__ = [
    "ClientEvent",
    "InvalidEvent",
    "Model",
    "ServerEvent",
    "TaggedModel",
    "TranslationClientEvent",
    "TranslationServerEvent",
    "UnknownEvent",
    "VariantMeta",
]


class Model(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A nested object (session, item, usage...) that has no ``type`` tag of its own.

    Optional fields default to ``UNSET`` (never written) or ``None`` (written as
    nothing either, thanks to ``omit_defaults``), so encoding sends only what was set.
    """


class TaggedModel(msgspec.Struct, tag_field="type", kw_only=True, omit_defaults=True):
    """A nested object that the API tells apart by its ``type`` key.

    Subclasses name their tag; msgspec then decodes a union of them in one C pass.
    """

    @property
    def type(self) -> str:
        """The wire ``type`` string, e.g. ``"server_vad"``."""
        return self.__struct_config__.tag  # type: ignore[return-value]


class ClientEvent(msgspec.Struct, tag_field="type", kw_only=True, omit_defaults=True):
    """An event this client sends to the server."""

    @property
    def type(self) -> str:
        """The wire ``type`` string, e.g. ``"session.update"``."""
        return self.__struct_config__.tag  # type: ignore[return-value]


class ServerEvent(msgspec.Struct, tag_field="type", kw_only=True, omit_defaults=True):
    """An event the server sends to this client."""

    @property
    def type(self) -> str:
        """The wire ``type`` string, e.g. ``"response.output_text.delta"``."""
        return self.__struct_config__.tag  # type: ignore[return-value]


def _variant_eq(self: msgspec.Struct, other: object) -> bool:
    # A builder adds no fields, so it equals any instance of its base with the
    # same field values: UserMessage.text("Hi") == the Message decoded from it.
    base = type(self).__mro__[1]
    if not isinstance(other, base):
        return NotImplemented
    return msgspec.structs.astuple(self) == msgspec.structs.astuple(cast(msgspec.Struct, other))


def _variant_ne(self: msgspec.Struct, other: object) -> bool:
    equal = _variant_eq(self, other)
    return equal if equal is NotImplemented else not equal


class VariantMeta(msgspec.StructMeta):
    """Metaclass of builder subclasses such as `UserMessage` or `InputText`.

    Some objects share one wire shape and differ by one string field (a message's
    ``role``, a content part's ``type``). They decode to one Struct, so a new
    value still decodes; the builder subclasses fill that field in, and
    ``isinstance`` (hence ``match``) checks the field instead of the class, so a
    decoded `Message` with ``role="user"`` is an instance of `UserMessage`, and
    ``==`` compares field values, so a built message equals its decoded copy.
    """

    __variant_field__: ClassVar[str]
    __variant_value__: ClassVar[str]

    def __new__(
        mcls, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any
    ) -> VariantMeta:
        # Python tries a subclass's reflected __eq__/__ne__ first, so these also
        # decide ``decoded == built``.
        namespace.setdefault("__eq__", _variant_eq)
        namespace.setdefault("__ne__", _variant_ne)
        return super().__new__(mcls, name, bases, namespace, **kwargs)

    def __instancecheck__(cls, instance: object) -> bool:
        base = cls.__mro__[1]
        return (
            isinstance(instance, base)
            and getattr(instance, cls.__variant_field__, None) == cls.__variant_value__
        )


# The translation endpoint (/realtime/translations) reuses tags such as
# "session.created" with different payloads, so its events get bases of their own
# and a codec of their own; they never join the realtime unions.
class TranslationClientEvent(msgspec.Struct, tag_field="type", kw_only=True, omit_defaults=True):
    """An event a client sends on a translation session."""

    @property
    def type(self) -> str:
        """The wire ``type`` string, e.g. ``"session.input_audio_buffer.append"``."""
        return self.__struct_config__.tag  # type: ignore[return-value]


class TranslationServerEvent(msgspec.Struct, tag_field="type", kw_only=True, omit_defaults=True):
    """An event the server sends on a translation session."""

    @property
    def type(self) -> str:
        """The wire ``type`` string, e.g. ``"session.output_audio.delta"``."""
        return self.__struct_config__.tag  # type: ignore[return-value]


class UnknownEvent(ServerEvent, tag="trio_realtime.unknown", kw_only=True):
    """A server event whose ``type`` this version of the library does not know.

    Delivered, never dropped: ``payload`` is the decoded JSON object and ``raw``
    the frame as received, so newer API features stay usable before the library
    models them.
    """

    event_type: str
    payload: dict[str, Any]
    raw: bytes = b""

    @property
    def type(self) -> str:
        return self.event_type


class InvalidEvent(ServerEvent, tag="trio_realtime.invalid", kw_only=True):
    """A frame that failed to decode, delivered in place of an event.

    The default, lenient connection policy hands these to the consumer instead of
    dropping them or ending the session; ``strict=True`` raises ``error`` instead.
    """

    raw: bytes
    error: EventDecodeError
    event_type: str | None = None

    @property
    def type(self) -> str:
        return self.event_type or "trio_realtime.invalid"
