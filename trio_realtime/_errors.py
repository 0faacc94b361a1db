"""The exception tree: everything trio-realtime raises derives from `RealtimeError`.

::

    RealtimeError
    ├── ConfigurationError            bad settings, caught before any I/O
    │   ├── MissingAPIKeyError        no key given and OPENAI_API_KEY unset
    │   ├── InvalidHeaderError        a header name or value with CR, LF or NUL
    │   └── InsecureTransportError    a bearer secret over plaintext ws:// off loopback
    ├── ConnectError                  the WebSocket could not be opened
    │   ├── ConnectTimeout            (also a RealtimeTimeout)
    │   ├── HostUnreachableError      DNS or TCP failure
    │   ├── TLSError                  TLS handshake failure
    │   ├── HandshakeRejected         the server answered the upgrade with an HTTP error
    │   │   ├── BadRequestError           400 and other 4xx not listed below
    │   │   ├── AuthenticationError       401
    │   │   ├── PermissionDeniedError     403
    │   │   ├── NotFoundError             404
    │   │   ├── RateLimitError            429
    │   │   └── ServerError               5xx
    │   └── LiveStartError            GPT-Live: an ``error`` event instead of ``session.started``
    │       └── LiveStartTimeout      no ``session.started`` in time (also a RealtimeTimeout)
    ├── LiveStorageError              GPT-Live: the server could not store the session
    ├── ConnectionClosed              the peer or the network ended an open session
    │   └── KeepaliveTimeout          no pong came back in time: code 1011 (also a RealtimeTimeout)
    ├── RequestRefused                the server answered an agent's request with an ``error`` event
    ├── ProtocolError                 a frame or event that breaks the wire format
    │   ├── EventDecodeError          a received frame that is not a valid server event
    │   └── EventEncodeError          a client event that cannot be serialised
    │       └── Base64AudioError      audio given as base64 text, not raw bytes (a ValueError)
    └── RealtimeTimeout               a bounded wait ran out
        ├── ConnectTimeout
        ├── KeepaliveTimeout
        ├── CloseTimeout              the close handshake did not finish in time
        └── LiveStartTimeout

Errors raised by trio-websocket, msgspec, the socket or TLS layers are mapped at
the boundary to the most specific class above, with the original as ``__cause__``.
No exception message or attribute ever carries the API key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from .events import ClientEvent, RealtimeErrorDetail

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "Base64AudioError",
    "CloseTimeout",
    "ConfigurationError",
    "ConnectError",
    "ConnectTimeout",
    "ConnectionClosed",
    "EventDecodeError",
    "EventEncodeError",
    "HandshakeRejected",
    "HostUnreachableError",
    "InsecureTransportError",
    "InvalidHeaderError",
    "KeepaliveTimeout",
    "LiveStartError",
    "LiveStartTimeout",
    "LiveStorageError",
    "MissingAPIKeyError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProtocolError",
    "RateLimitError",
    "RealtimeError",
    "RealtimeTimeout",
    "RequestRefused",
    "ServerError",
    "TLSError",
    "handshake_error_for_status",
]


class RealtimeError(Exception):
    """Root of every exception trio-realtime raises."""


class ConfigurationError(RealtimeError, ValueError):
    """A setting is missing or unusable; raised before any network I/O."""


class MissingAPIKeyError(ConfigurationError):
    """No API key was given and the environment variable that supplies it is unset."""


class InvalidHeaderError(ConfigurationError):
    """A header name or value would corrupt the HTTP upgrade request."""


class InsecureTransportError(ConfigurationError):
    """A bearer secret would travel over plaintext ``ws://`` to a non-loopback host."""


class RealtimeTimeout(RealtimeError):
    """A bounded wait (connect, close) ran out of time."""


class ConnectError(RealtimeError):
    """The WebSocket session could not be established."""


class ConnectTimeout(ConnectError, RealtimeTimeout):
    """Connecting (TCP, TLS and the HTTP upgrade) took longer than ``connect_timeout``."""


class HostUnreachableError(ConnectError):
    """Name resolution or the TCP connection failed."""


class TLSError(ConnectError):
    """The TLS handshake failed (bad certificate, protocol mismatch, ...)."""


class HandshakeRejected(ConnectError):
    """The server refused the WebSocket upgrade with an HTTP error response.

    ``body`` is the raw response body; ``error`` is the parsed JSON body where the
    server sent JSON (the OpenAI API sends ``{"error": {...}}``), else ``None``.
    """

    def __init__(
        self,
        status: int,
        *,
        body: bytes = b"",
        headers: Sequence[tuple[str, str]] = (),
        error: Mapping[str, Any] | None = None,
        request_id: str | None = None,
    ) -> None:
        self.status: int = status
        self.body: bytes = body
        self.headers: tuple[tuple[str, str], ...] = tuple(headers)
        self.error: Mapping[str, Any] | None = error
        self.request_id: str | None = request_id
        super().__init__(self._summary())

    def _summary(self) -> str:
        detail = ""
        if self.error is not None:
            inner: object = self.error.get("error", self.error)
            if isinstance(inner, Mapping):
                message: object = cast(Mapping[str, object], inner).get("message")
                if isinstance(message, str):
                    detail = f": {message}"
        elif self.body:
            detail = f": {self.body[:200].decode('utf-8', 'replace')}"
        rid = f" (request id {self.request_id})" if self.request_id else ""
        return f"HTTP {self.status} refused the WebSocket upgrade{detail}{rid}"


class BadRequestError(HandshakeRejected):
    """HTTP 400, or any 4xx without a more specific class."""


class AuthenticationError(HandshakeRejected):
    """HTTP 401: the API key or client secret was not accepted."""


class PermissionDeniedError(HandshakeRejected):
    """HTTP 403: the key is valid but may not use this model or project."""


class NotFoundError(HandshakeRejected):
    """HTTP 404: wrong URL, model, deployment or call id."""


class RateLimitError(HandshakeRejected):
    """HTTP 429: too many requests or sessions, or quota exhausted."""


class ServerError(HandshakeRejected):
    """HTTP 5xx: the service failed to accept the session."""


_BY_STATUS: dict[int, type[HandshakeRejected]] = {
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}


def handshake_error_for_status(status: int) -> type[HandshakeRejected]:
    """The most specific `HandshakeRejected` subclass for an HTTP status code."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    if 400 <= status < 500:
        return BadRequestError
    return HandshakeRejected


class ConnectionClosed(RealtimeError):
    """The session ended other than by our own close: the peer closed it abnormally or the
    network dropped it.

    ``code`` and ``reason`` are the WebSocket close code and reason (1006 when the
    TCP connection vanished without a close frame). ``unsent`` holds the client
    events that were accepted by the send channel but never reached the socket, so
    that nothing sent is silently lost.
    """

    def __init__(self, code: int, reason: str | None = None, unsent: Sequence[object] = ()) -> None:
        self.code: int = code
        self.reason: str | None = reason
        self.unsent: tuple[object, ...] = tuple(unsent)
        text = f"Realtime connection closed with code {code}"
        if reason:
            text += f" ({reason})"
        if self.unsent:
            text += f"; {len(self.unsent)} client event(s) were not sent"
        super().__init__(text)


class KeepaliveTimeout(ConnectionClosed, RealtimeTimeout):
    """A keepalive ping got no pong within ``ping_timeout`` while the socket was read:
    the peer or the path to it is dead. ``code`` is 1011; the client sent that close
    frame (if it could) and dropped the TCP connection."""


class ProtocolError(RealtimeError):
    """Something on the wire does not follow the Realtime protocol."""


class EventDecodeError(ProtocolError):
    """A received frame is not a valid server event.

    ``raw`` is the frame exactly as received; ``path`` is msgspec's location of the
    bad field (such as ``$.response.usage.total_tokens``) when the frame was JSON
    but a field had the wrong type; ``event_type`` is the frame's ``type`` when it
    could be read.
    """

    def __init__(
        self,
        message: str,
        raw: bytes,
        *,
        path: str | None = None,
        event_type: str | None = None,
    ) -> None:
        self.raw: bytes = raw
        self.path: str | None = path
        self.event_type: str | None = event_type
        super().__init__(message)


class EventEncodeError(ProtocolError):
    """A client event holds a value that cannot be serialised to JSON.

    ``path`` locates the bad value (such as ``$.item.content[0].text``) when it
    could be found; ``event`` is the event, when this reports one that was put
    on ``send_channel`` and so could not fail at a call of the sender's.
    """

    def __init__(self, message: str, *, path: str | None = None, event: object = None) -> None:
        self.path: str | None = path
        self.event: object = event
        super().__init__(message)


class Base64AudioError(EventEncodeError, ValueError):
    """Audio given to an append event is base64 text, not raw bytes.

    The library writes the base64 itself, so encoding it first would send
    base64 of base64 and the server would play noise. Raised for a ``str``
    given as audio (anywhere), and for bytes that are base64 text of PCM16 in
    the PCM16 builder ``InputAudioBufferAppend.pcm16`` only: raw G.711 can be
    all base64 characters, so other bytes are never judged. A `ValueError` too.
    """


class CloseTimeout(RealtimeTimeout):
    """Queued client events could not be flushed within ``close_timeout``; the socket
    was closed regardless. ``unsent`` holds the events that never reached it."""

    def __init__(self, message: str, unsent: Sequence[object] = ()) -> None:
        self.unsent: tuple[object, ...] = tuple(unsent)
        super().__init__(message)


class RequestRefused(RealtimeError):
    """The server answered a request of `Agent.ask` (or `Agent.respond`) with an ``error`` event.

    The session goes on; ``error`` is the server's detail, ``event`` the client
    event it refused.
    """

    def __init__(self, error: RealtimeErrorDetail, event: ClientEvent) -> None:
        code = f" ({error.code})" if error.code else ""
        super().__init__(f"the server refused {event.type}{code}: {error.message}")
        self.error: RealtimeErrorDetail = error
        """The server's error detail (``type``, ``code``, ``message``, ``param``)."""
        self.event: ClientEvent = event
        """The client event the server refused."""


class LiveStartError(ConnectError):
    """A GPT-Live session did not start: the server answered ``session.start``
    with an ``error`` event (``event``; None when ``session.started`` never came)."""

    def __init__(self, message: str, event: Any = None) -> None:
        super().__init__(message)
        self.event: Any = event


class LiveStartTimeout(LiveStartError, RealtimeTimeout):
    """``session.started`` did not arrive within ``connect_timeout``."""


class LiveStorageError(RealtimeError):
    """A GPT-Live session ended but the server reported it could not store it.

    ``notice`` is the ``info`` or ``error`` event that said so (its code is
    ``session_storage_failed``); ``result`` the connection's `LiveCloseResult`.
    """

    def __init__(self, message: str, notice: Any, result: Any) -> None:
        super().__init__(message)
        self.notice: Any = notice
        self.result: Any = result
