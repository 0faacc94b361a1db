"""Bytes to events and back: one reusable msgspec Decoder/Encoder per direction.

The hot path is a single C call into a tagged-union decoder. Only a frame that
fails it takes the slow path, which tells an unknown ``type`` (delivered as
`UnknownEvent`) from a malformed frame (`EventDecodeError`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Generic, TypeVar, Union, cast

import msgspec

from .._errors import EventDecodeError, EventEncodeError
from ._base import InvalidEvent, UnknownEvent

__all__ = ["DECODE_FAILURES", "EventCodec", "Frame", "concrete_subclasses", "encode_unknown"]

#: What msgspec may raise on a bad frame: its own errors (``ValidationError`` is a
#: ``DecodeError``), and ``UnicodeError`` / ``RecursionError`` for invalid UTF-8,
#: lone surrogates and deep nesting.
DECODE_FAILURES = (msgspec.DecodeError, UnicodeError, RecursionError)

#: A received frame's payload: UTF-8 JSON bytes (or a str, for callers that have one).
Frame = bytes | bytearray | memoryview | str

_In = TypeVar("_In", bound=msgspec.Struct)
_Out = TypeVar("_Out", bound=msgspec.Struct)

_PATH = re.compile(r" - at `(\$[^`]*)`$")
_SPECIAL: frozenset[type[msgspec.Struct]] = frozenset({UnknownEvent, InvalidEvent})


def concrete_subclasses(base: type[_In]) -> list[type[_In]]:
    """Every tagged subclass of ``base`` that stands for a real wire event."""
    found: list[type[_In]] = []
    stack: list[type[_In]] = list(base.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls not in _SPECIAL:
            found.append(cls)
    return sorted(found, key=lambda c: str(c.__struct_config__.tag))


def _raw(data: Frame) -> bytes:
    # A text frame may hold lone surrogates; keep them rather than fail here.
    return data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)


def _not_json(data: Frame, exc: BaseException) -> EventDecodeError:
    if isinstance(exc, RecursionError):
        why = "it nests too deeply"
    elif isinstance(exc, UnicodeError):
        why = f"it is not valid UTF-8 ({exc})"
    else:
        why = str(exc)
    return EventDecodeError(f"frame is not valid JSON: {why}", _raw(data))


def _tag(cls: type[msgspec.Struct]) -> str:
    return str(cls.__struct_config__.tag)


class EventCodec(Generic[_In, _Out]):
    """Decodes one family of incoming events and encodes the outgoing family.

    ``incoming`` and ``outgoing`` are the base classes whose tagged subclasses
    form the two unions (server and client events for a client; the reverse for
    the fake server).
    """

    def __init__(
        self,
        incoming: list[type[_In]],
        outgoing: list[type[_Out]],
        *,
        unknown: bool,
    ) -> None:
        self.incoming_types: dict[str, type[_In]] = {_tag(c): c for c in incoming}
        self.outgoing_types: dict[str, type[_Out]] = {_tag(c): c for c in outgoing}
        union: Any = Union[tuple(incoming)]  # noqa: UP007 - a runtime-built union
        self._decoder: msgspec.json.Decoder[Any] = msgspec.json.Decoder(union)
        #: The C decode of the tagged union alone: callers on a hot path wrap it in
        #: ``try: ... except DECODE_FAILURES as exc: codec.recover(data, exc)``,
        #: which saves a Python frame per event over `decode`.
        self.fast_decode: Callable[[Frame], _In] = self._decoder.decode
        self._encoder = msgspec.json.Encoder()
        self._any = msgspec.json.Decoder()
        self._unknown = unknown

    def decode(self, data: Frame) -> _In:
        """Decode one frame; an unknown ``type`` becomes `UnknownEvent` when allowed."""
        try:
            return self.fast_decode(data)
        except DECODE_FAILURES as exc:
            return self.recover(data, exc)

    def recover(self, data: Frame, exc: BaseException) -> _In:
        """After `fast_decode` failed: the `UnknownEvent`, or raise `EventDecodeError`."""
        if isinstance(exc, msgspec.ValidationError):
            return self._slow_path(data, exc)
        raise _not_json(data, exc) from exc

    def _slow_path(self, data: Frame, exc: msgspec.ValidationError) -> _In:
        raw = _raw(data)
        # The typed decoder may stop at the first wrong type, before it has seen
        # the whole frame, so this full parse can still find bad JSON.
        try:
            payload: object = self._any.decode(data)
        except (msgspec.DecodeError, UnicodeError, RecursionError) as inner:
            raise _not_json(data, inner) from exc
        if not isinstance(payload, dict):
            kind = type(payload).__name__
            raise EventDecodeError(f"frame is JSON {kind}, not an object", raw) from exc
        obj = cast(dict[str, Any], payload)
        event_type = obj.get("type")
        if not isinstance(event_type, str):
            raise EventDecodeError("frame has no string `type` field", raw, path="$.type") from exc
        if event_type not in self.incoming_types:
            if self._unknown:
                return cast(_In, UnknownEvent(event_type=event_type, payload=obj, raw=raw))
            raise EventDecodeError(
                f"unknown event type {event_type!r}", raw, path="$.type", event_type=event_type
            ) from exc
        match = _PATH.search(str(exc))
        path = match.group(1) if match else None
        raise EventDecodeError(
            f"invalid {event_type!r} event: {exc}", raw, path=path, event_type=event_type
        ) from exc

    def encode(self, event: _Out) -> bytes:
        """Encode one event to the JSON bytes of a text frame.

        Raises `EventEncodeError` naming the path to the value that failed.
        """
        try:
            return self._encoder.encode(event)
        except _ENCODE_FAILURES as exc:
            failure = exc
        # Outside the handler: the search below re-encodes parts of the event.
        path = _find_unencodable(self._encoder, event, "$")
        name = type(event).__name__
        where = f" at {path}" if path else ""
        raise EventEncodeError(f"cannot encode {name}{where}: {failure}", path=path) from failure


#: RecursionError: a value that contains itself (or nests absurdly deep).
_ENCODE_FAILURES = (TypeError, ValueError, OverflowError, RecursionError)
#: How deep the search for the failing part goes; a cycle ends there too.
_MAX_SEARCH_DEPTH = 40


def _find_unencodable(
    encoder: msgspec.json.Encoder, value: object, path: str, above: tuple[int, ...] = ()
) -> str | None:
    """The JSON path of the innermost part of ``value`` that fails to encode.

    ``above`` holds the ids of the containers on the way down: a value that
    contains itself is reported where the cycle closes.
    """
    if len(above) >= _MAX_SEARCH_DEPTH:
        return None
    above = (*above, id(value))
    children: list[tuple[str, object]] = []
    if isinstance(value, msgspec.Struct):
        for field in msgspec.structs.fields(value):
            children.append((f"{path}.{field.encode_name}", getattr(value, field.name)))
    elif isinstance(value, dict):
        items = cast(dict[object, object], value).items()
        children = [(f"{path}.{key}", item) for key, item in items]
    elif isinstance(value, list | tuple):
        seq = cast("list[object] | tuple[object, ...]", value)
        children = [(f"{path}[{i}]", item) for i, item in enumerate(seq)]
    for child_path, child in children:
        if child is msgspec.UNSET:
            continue  # never written, and not encodable on its own
        if id(child) in above:
            return child_path  # the value contains itself here
        try:
            encoder.encode(child)
        except _ENCODE_FAILURES:
            return _find_unencodable(encoder, child, child_path, above) or child_path
    return None


def encode_unknown(event: UnknownEvent) -> bytes:
    """An `UnknownEvent` re-encodes to its payload (used by fakes and proxies)."""
    return msgspec.json.encode(event.payload)
