"""Every Realtime event as a msgspec Struct, and the codec between them and bytes.

Struct names follow the wire ``type``: ``response.output_text.delta`` is
`ResponseOutputTextDelta`, ``session.update`` is `SessionUpdate`, ``error`` is
`ErrorEvent`.
"""

from __future__ import annotations

from ._base import ClientEvent as ClientEvent
from ._base import InvalidEvent as InvalidEvent
from ._base import ServerEvent as ServerEvent
from ._base import UnknownEvent as UnknownEvent
from ._codec import EventCodec, concrete_subclasses
from ._error_events import ErrorEvent as ErrorEvent
from ._responses import ResponseCreate as ResponseCreate
from ._responses import ResponseDone as ResponseDone
from ._responses import ResponseOutputTextDelta as ResponseOutputTextDelta
from ._session import SessionCreated as SessionCreated
from ._session import SessionUpdate as SessionUpdate
from ._session import SessionUpdated as SessionUpdated

#: Client side: decodes server events, encodes client events.
CLIENT_CODEC: EventCodec[ServerEvent, ClientEvent] = EventCodec(
    concrete_subclasses(ServerEvent), concrete_subclasses(ClientEvent), unknown=True
)
#: Server side (the fake server): decodes client events, encodes server events.
SERVER_CODEC: EventCodec[ClientEvent, ServerEvent] = EventCodec(
    concrete_subclasses(ClientEvent), concrete_subclasses(ServerEvent), unknown=False
)


def decode_server_event(data: bytes | str) -> ServerEvent:
    """Decode one server frame; unknown types become `UnknownEvent`.

    Raises `EventDecodeError` for a frame that is not a JSON object with a string
    ``type``, or whose known type has fields of the wrong type.
    """
    return CLIENT_CODEC.decode(data)


def encode_client_event(event: ClientEvent) -> bytes:
    """Encode one client event to JSON bytes; raises `EventEncodeError`."""
    return CLIENT_CODEC.encode(event)


def decode_client_event(data: bytes | str) -> ClientEvent:
    """Decode one client frame (for servers and proxies); raises `EventDecodeError`."""
    return SERVER_CODEC.decode(data)


def encode_server_event(event: ServerEvent) -> bytes:
    """Encode one server event to JSON bytes (for servers and proxies)."""
    return SERVER_CODEC.encode(event)


__all__ = [
    "ClientEvent",
    "ErrorEvent",
    "InvalidEvent",
    "ResponseCreate",
    "ResponseDone",
    "ResponseOutputTextDelta",
    "ServerEvent",
    "SessionCreated",
    "SessionUpdate",
    "SessionUpdated",
    "UnknownEvent",
    "decode_client_event",
    "decode_server_event",
    "encode_client_event",
    "encode_server_event",
]
