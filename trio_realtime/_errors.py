"""The exception tree: everything trio-realtime raises derives from `RealtimeError`.

::

    RealtimeError
    ├── ConfigurationError            bad settings, caught before any I/O
    │   ├── MissingAPIKeyError        no key given and OPENAI_API_KEY unset
    │   ├── InvalidHeaderError        a header name or value with CR, LF or NUL
    │   ├── InsecureTransportError    a bearer secret over plaintext ws:// off loopback
    │   └── RestExtraMissing          REST calls need httpx: the ``rest`` extra (an ImportError)
    ├── APIStatusError                an HTTP error answer: status, body, parsed error, request id
    │   ├── BadRequestError               400 and other 4xx not listed below
    │   ├── AuthenticationError           401
    │   ├── PermissionDeniedError         403
    │   ├── NotFoundError                 404
    │   ├── RateLimitError                429
    │   ├── ServerError                   5xx
    │   ├── HandshakeRejected             ... to the WebSocket upgrade (also a ConnectError)
    │   └── RestStatusError               ... to a REST call (also a RestError)
    ├── ConnectError                  the WebSocket could not be opened
    │   ├── ConnectTimeout            (also a RealtimeTimeout)
    │   ├── HostUnreachableError      DNS or TCP failure
    │   ├── TLSError                  TLS handshake failure
    │   ├── HandshakeRejected         the server answered the upgrade with an HTTP error
    │   └── LiveStartError            GPT-Live: an ``error`` event instead of ``session.started``
    │       └── LiveStartTimeout      no ``session.started`` in time (also a RealtimeTimeout)
    ├── LiveStorageError              GPT-Live: the server could not store the session
    ├── RestError                     a REST call (client secrets, calls) failed
    │   ├── RestConnectError          no answer: DNS, TCP, TLS, or the connection broke
    │   ├── RestTimeout               the call took longer than its timeout (also a RealtimeTimeout)
    │   ├── RestResponseError         an answer that is not what the endpoint returns
    │   └── RestStatusError           the server answered with an HTTP error status
    ├── WebhookVerificationError      a delivery not to be trusted (also a ValueError)
    │   ├── WebhookSignatureError     missing headers, or no signature matches
    │   ├── WebhookTimestampError     signed too long ago (or too far ahead): a replay
    │   └── WebhookPayloadError       signed correctly but not a valid event body
    ├── ConnectionClosed              the peer or the network ended an open session
    │   └── KeepaliveTimeout          no pong came back in time: code 1011 (also a RealtimeTimeout)
    ├── RequestRefused                the server answered an agent's request with an ``error`` event
    ├── ResponseLost                  a reconnect took an agent's turn along with the old session
    ├── ProtocolError                 a frame or event that breaks the wire format
    │   ├── EventDecodeError          a received frame that is not a valid server event
    │   └── EventEncodeError          a client event that cannot be serialised
    │       └── Base64AudioError      audio given as base64 text, not raw bytes (a ValueError)
    └── RealtimeTimeout               a bounded wait ran out
        ├── ConnectTimeout
        ├── RestTimeout
        ├── KeepaliveTimeout
        ├── CloseTimeout              the close handshake did not finish in time
        └── LiveStartTimeout

An HTTP error answer is raised as one class that is both its status's class
and its context's: a 401 refusing the upgrade is an `AuthenticationError` and a
`HandshakeRejected` (so a `ConnectError`); a 401 answering a REST call is an
`AuthenticationError` and a `RestStatusError` (so a `RestError`). Catch by
status, by context, or both.

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
    "APIStatusError",
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
    "ResponseLost",
    "RestConnectError",
    "RestError",
    "RestExtraMissing",
    "RestResponseError",
    "RestStatusError",
    "RestTimeout",
    "ServerError",
    "TLSError",
    "WebhookPayloadError",
    "WebhookSignatureError",
    "WebhookTimestampError",
    "WebhookVerificationError",
    "handshake_error_for_status",
    "rest_error_for_status",
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


class RestExtraMissing(ConfigurationError, ImportError):
    """REST calls need httpx, which only the ``rest`` extra installs."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} need httpx, which is not installed; install the rest extra: "
            "pip install 'trio-realtime[rest]'"
        )


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


class APIStatusError(RealtimeError):
    """The server answered with an HTTP error status (to the upgrade or to a REST call).

    ``status`` is the HTTP status; ``body`` the raw response body (at most the
    bytes that were read: error bodies are capped); ``headers`` the response
    headers as ``(name, value)`` pairs, in order; ``error`` the parsed JSON
    body where the server sent JSON (the OpenAI API sends ``{"error": {...}}``),
    else ``None``; ``request_id`` the ``x-request-id`` header, which OpenAI
    support asks for. Raised as a class that is also `HandshakeRejected` or
    `RestStatusError`, saying where the answer came from.
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

    @property
    def message(self) -> str | None:
        """The ``error.message`` of a JSON error body, if it has one."""
        if self.error is None:
            return None
        inner: object = self.error.get("error", self.error)
        if isinstance(inner, Mapping):
            message: object = cast(Mapping[str, object], inner).get("message")
            if isinstance(message, str):
                return message
        return None

    def _headline(self) -> str:
        return f"HTTP {self.status}"

    def _summary(self) -> str:
        detail = ""
        message = self.message
        if message is not None:
            detail = f": {message}"
        elif self.error is None and self.body:
            detail = f": {self.body[:200].decode('utf-8', 'replace')}"
        rid = f" (request id {self.request_id})" if self.request_id else ""
        return f"{self._headline()}{detail}{rid}"


class BadRequestError(APIStatusError):
    """HTTP 400, or any 4xx without a more specific class."""


class AuthenticationError(APIStatusError):
    """HTTP 401: the API key or client secret was not accepted."""


class PermissionDeniedError(APIStatusError):
    """HTTP 403: the key is valid but may not use this model or project."""


class NotFoundError(APIStatusError):
    """HTTP 404: wrong URL, model, deployment or call id."""


class RateLimitError(APIStatusError):
    """HTTP 429: too many requests or sessions, or quota exhausted."""


class ServerError(APIStatusError):
    """HTTP 5xx: the service failed."""


class HandshakeRejected(ConnectError, APIStatusError):
    """The server refused the WebSocket upgrade with an HTTP error response.

    Raised as the status's class too (`AuthenticationError` for a 401, ...);
    the attributes are `APIStatusError`'s.
    """

    def _headline(self) -> str:
        return f"HTTP {self.status} refused the WebSocket upgrade"


class RestError(RealtimeError):
    """A REST call (client secrets, calls) did not succeed."""


class RestConnectError(RestError):
    """No HTTP answer came: name resolution, TCP or TLS failed, or the connection broke."""


class RestTimeout(RestError, RealtimeTimeout):
    """A REST call took longer than its ``timeout`` (`RestOptions`)."""


class RestResponseError(RestError):
    """A success answer that is not what the endpoint returns (bad JSON, too large)."""


class RestStatusError(RestError, APIStatusError):
    """A REST call answered with an HTTP error status.

    Raised as the status's class too (`NotFoundError` for a 404, ...); ``method``
    and ``url`` name the call (the URL never holds a credential).
    """

    def __init__(
        self,
        status: int,
        *,
        method: str = "",
        url: str = "",
        body: bytes = b"",
        headers: Sequence[tuple[str, str]] = (),
        error: Mapping[str, Any] | None = None,
        request_id: str | None = None,
    ) -> None:
        self.method: str = method
        self.url: str = url
        super().__init__(status, body=body, headers=headers, error=error, request_id=request_id)

    def _headline(self) -> str:
        return f"{self.method} {self.url} answered HTTP {self.status}"


# The classes raised: each is its status's class and its context's.


class _HandshakeBadRequest(HandshakeRejected, BadRequestError):
    pass


class _HandshakeAuthentication(HandshakeRejected, AuthenticationError):
    pass


class _HandshakePermissionDenied(HandshakeRejected, PermissionDeniedError):
    pass


class _HandshakeNotFound(HandshakeRejected, NotFoundError):
    pass


class _HandshakeRateLimit(HandshakeRejected, RateLimitError):
    pass


class _HandshakeServer(HandshakeRejected, ServerError):
    pass


class _RestBadRequest(RestStatusError, BadRequestError):
    pass


class _RestAuthentication(RestStatusError, AuthenticationError):
    pass


class _RestPermissionDenied(RestStatusError, PermissionDeniedError):
    pass


class _RestNotFound(RestStatusError, NotFoundError):
    pass


class _RestRateLimit(RestStatusError, RateLimitError):
    pass


class _RestServer(RestStatusError, ServerError):
    pass


_HANDSHAKE_BY_STATUS: dict[int, type[HandshakeRejected]] = {
    401: _HandshakeAuthentication,
    403: _HandshakePermissionDenied,
    404: _HandshakeNotFound,
    429: _HandshakeRateLimit,
}
_REST_BY_STATUS: dict[int, type[RestStatusError]] = {
    401: _RestAuthentication,
    403: _RestPermissionDenied,
    404: _RestNotFound,
    429: _RestRateLimit,
}


def handshake_error_for_status(status: int) -> type[HandshakeRejected]:
    """The `HandshakeRejected` class to raise for an HTTP status code."""
    if status in _HANDSHAKE_BY_STATUS:
        return _HANDSHAKE_BY_STATUS[status]
    if status >= 500:
        return _HandshakeServer
    if 400 <= status < 500:
        return _HandshakeBadRequest
    return HandshakeRejected


def rest_error_for_status(status: int) -> type[RestStatusError]:
    """The `RestStatusError` class to raise for an HTTP status code."""
    if status in _REST_BY_STATUS:
        return _REST_BY_STATUS[status]
    if status >= 500:
        return _RestServer
    if 400 <= status < 500:
        return _RestBadRequest
    return RestStatusError


class WebhookVerificationError(RealtimeError, ValueError):
    """A webhook delivery failed verification: answer it with HTTP 400 and drop it."""


class WebhookSignatureError(WebhookVerificationError):
    """A signature header is missing, or none of the signatures matches the body:
    the delivery was not signed with this secret, or was changed on the way."""


class WebhookTimestampError(WebhookVerificationError):
    """The ``webhook-timestamp`` is unreadable or outside the tolerance: a replayed
    (or badly clocked) delivery."""


class WebhookPayloadError(WebhookVerificationError):
    """The signature is valid but the body is not a webhook event this library reads.

    ``body`` is the body as received.
    """

    def __init__(self, message: str, body: bytes) -> None:
        self.body: bytes = body
        super().__init__(message)


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


class ResponseLost(RealtimeError):
    """A reconnect replaced the session while a turn of `Agent.ask` was under way.

    The response in progress (or the request not yet answered) went with the
    old session; the conversation was restored on the new one, so asking
    again (`Agent.respond`) continues from there. ``reconnected`` is the
    `Reconnected` marker that reported it.
    """

    def __init__(self, reconnected: Any) -> None:
        super().__init__(
            f"the session was replaced ({reconnected.reason}) before the turn finished; "
            "its response is lost, the conversation was restored: ask again"
        )
        self.reconnected: Any = reconnected
        """The `Reconnected` marker of the new session."""
