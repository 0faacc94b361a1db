"""The tuning of one connection as one frozen value, checked once where it is made.

Every opener takes the same keywords; it builds one `Options` from them and
passes that down (the upgrade, the transport, the connection read from it), so
a knob is named, defaulted and checked in this one place.
"""

from __future__ import annotations

import math
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from ._errors import ConfigurationError

__all__ = [
    "DEFAULT_CLOSE_TIMEOUT",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_MESSAGE_SIZE",
    "DEFAULT_MESSAGE_QUEUE_SIZE",
    "DEFAULT_PING_INTERVAL",
    "DEFAULT_PING_TIMEOUT",
    "DEFAULT_RECEIVE_BUFFER_SIZE",
    "DEFAULT_SEND_BUFFER_SIZE",
    "OPTION_NAMES",
    "Options",
    "options_from",
]

#: Client events accepted by ``send_channel`` before ``send`` blocks.
DEFAULT_SEND_BUFFER_SIZE = 64
#: Received messages that may wait unread before the socket is no longer read.
#: While that many wait, the server's pings go unanswered too, so a consumer
#: that stalls longer than the server's ping timeout loses the session.
DEFAULT_MESSAGE_QUEUE_SIZE = 32
#: Largest message accepted. The API sends multi-MiB events (a retrieved item
#: carries its whole audio); a 1 MiB limit, trio-websocket's default, closes those
#: with 1009.
DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024 * 1024
#: Bytes per socket read. 64 KiB reads halve the per-frame cost of audio deltas
#: compared with 4 KiB reads (trio-websocket's default).
DEFAULT_RECEIVE_BUFFER_SIZE = 64 * 1024
#: Seconds for TCP, TLS and the HTTP upgrade together.
DEFAULT_CONNECT_TIMEOUT = 20.0
#: Seconds for flushing queued sends plus the close handshake on exit.
DEFAULT_CLOSE_TIMEOUT = 5.0
#: Seconds between the client's keepalive pings (the ``websockets`` default).
DEFAULT_PING_INTERVAL = 20.0
#: Seconds a ping may wait for its pong, while the socket is read, before the
#: connection is failed with `KeepaliveTimeout`.
DEFAULT_PING_TIMEOUT = 20.0


@dataclass(frozen=True, slots=True)
class Options:
    """The keywords shared by every opener; see `open_realtime` for each one."""

    allow_insecure_transport: bool = False
    ssl_context: ssl.SSLContext | None = None
    strict: bool = False
    send_buffer_size: int = DEFAULT_SEND_BUFFER_SIZE
    message_queue_size: int = DEFAULT_MESSAGE_QUEUE_SIZE
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE
    receive_buffer_size: int = DEFAULT_RECEIVE_BUFFER_SIZE
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    close_timeout: float = DEFAULT_CLOSE_TIMEOUT
    ping_interval: float | None = DEFAULT_PING_INTERVAL
    ping_timeout: float | None = DEFAULT_PING_TIMEOUT

    def __post_init__(self) -> None:
        # Checked here, at the opener's call, rather than failing deep inside
        # trio with a message about something else.
        _check_count("send_buffer_size", self.send_buffer_size, minimum=0)
        for name in ("message_queue_size", "max_message_size", "receive_buffer_size"):
            _check_count(name, getattr(self, name), minimum=1)
        for name in ("connect_timeout", "close_timeout"):
            _check_seconds(name, getattr(self, name), optional=False)
        for name in ("ping_interval", "ping_timeout"):
            _check_seconds(name, getattr(self, name), optional=True)
        if self.ssl_context is not None and not isinstance(self.ssl_context, ssl.SSLContext):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ConfigurationError("ssl_context must be an ssl.SSLContext or None")
        for name in ("allow_insecure_transport", "strict"):
            if not isinstance(getattr(self, name), bool):
                raise ConfigurationError(f"{name} must be True or False")


OPTION_NAMES = frozenset(f.name for f in fields(Options))


def options_from(arguments: Mapping[str, Any]) -> Options:
    """The `Options` among an opener's arguments.

    Openers call it with ``locals()`` as their first statement: their keyword
    list is the public signature, and this is the one place that turns it into
    the value passed down.
    """
    return Options(**{name: arguments[name] for name in OPTION_NAMES})


def _check_count(name: str, value: object, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigurationError(f"{name} must be an int >= {minimum}, got {value!r}")


def _check_seconds(name: str, value: object, *, optional: bool) -> None:
    if value is None and optional:
        return
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or math.isnan(value)
        or value <= 0
    ):
        also = " or None (off)" if optional else ""
        raise ConfigurationError(f"{name} must be a number of seconds > 0{also}, got {value!r}")
