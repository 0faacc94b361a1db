"""From a `Handshake` to an upgraded stream: TCP, TLS, the HTTP/1.1 upgrade, its answer.

`upgrade` works over any `trio.abc.Stream` and returns the bytes that came right
behind the ``101`` answer (the first WebSocket frames, for the caller's parser);
`open_upgraded_stream` adds TCP and TLS and bounds it all by ``connect_timeout``.
Every failure is one of the typed errors of `trio_realtime._errors`.

Two rules shape the code:

* A refusal keeps its status. Its body is only detail, so it is read under its
  own short deadline and capped; a server that announces gigabytes, sends no
  length and keeps the socket open, or chunks forever still yields the
  status's error class with whatever body arrived.
* The request holds the credential in plain, so no frame that can end up in a
  traceback keeps it: it is built in one expression and handed to
  ``send_all``; when sending fails, the exception (whose traceback holds
  ``send_all``'s frames and so the bytes) is dropped and only its type named.
"""

from __future__ import annotations

import base64
import hashlib
import math
import os
import ssl
from collections.abc import Iterable, Iterator
from typing import Any, cast

import h11
import msgspec
import trio

from ._errors import (
    ConnectError,
    ConnectTimeout,
    HandshakeRejected,
    HostUnreachableError,
    TLSError,
    handshake_error_for_status,
)
from ._handshake import Handshake, HeaderValue
from ._secret import Secret

__all__ = [
    "DEFAULT_MAX_REJECTION_BODY",
    "DEFAULT_REJECTION_BODY_TIMEOUT",
    "open_upgraded_stream",
    "upgrade",
]

#: Bytes of a refusal's body kept; the rest is not read. The API's error bodies
#: are a few hundred bytes of JSON.
DEFAULT_MAX_REJECTION_BODY = 1024 * 1024
#: Seconds for reading a refusal's body once its status is known (never past
#: what is left of ``connect_timeout``). A server writes its error body with the
#: head, so this only ever waits on a slow link or on a body that does not end;
#: two seconds covers several round trips on the former and bounds the latter.
DEFAULT_REJECTION_BODY_TIMEOUT = 2.0

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

_Head = h11.InformationalResponse | h11.Response


async def upgrade(
    stream: trio.abc.Stream,
    handshake: Handshake,
    *,
    receive_buffer_size: int,
    max_rejection_body: int = DEFAULT_MAX_REJECTION_BODY,
    rejection_body_timeout: float = DEFAULT_REJECTION_BODY_TIMEOUT,
) -> bytes:
    """Send the upgrade request over ``stream``, read and check the answer.

    Returns the bytes that arrived right after the ``101`` answer: WebSocket
    frames the caller must feed to its parser. Raises the `HandshakeRejected`
    subclass for the status of an HTTP refusal (with at most
    ``max_rejection_body`` bytes of its body, read for at most
    ``rejection_body_timeout`` seconds), and `ConnectError` naming the problem
    for a bad ``101`` answer, a malformed answer or a hang-up. Does not close
    the stream; the caller bounds the time.
    """
    trailing = await _upgrade(
        stream,
        handshake,
        receive_buffer_size=receive_buffer_size,
        max_rejection_body=max_rejection_body,
        rejection_body_timeout=rejection_body_timeout,
        deadline=math.inf,
    )
    assert trailing is not None  # only a deadline makes it None
    return trailing


async def open_upgraded_stream(
    handshake: Handshake,
    *,
    ssl_context: ssl.SSLContext | None,
    connect_timeout: float,
    receive_buffer_size: int,
    max_rejection_body: int = DEFAULT_MAX_REJECTION_BODY,
    rejection_body_timeout: float = DEFAULT_REJECTION_BODY_TIMEOUT,
) -> tuple[trio.SocketStream | trio.SSLStream[trio.SocketStream], bytes]:
    """TCP, TLS (for ``wss://``) and `upgrade`, all within ``connect_timeout``.

    Returns the stream and the bytes that came behind the ``101`` answer.
    Raises `ConnectTimeout` when the time runs out before any answer (a
    refusal whose body is still arriving is raised as the refusal),
    `HostUnreachableError`, `TLSError`, and whatever `upgrade` raises. On any
    failure or cancellation the stream is closed before raising.
    """
    deadline = trio.current_time() + connect_timeout
    stream: trio.SocketStream | trio.SSLStream[trio.SocketStream] | None = None
    try:
        with trio.CancelScope(deadline=deadline):
            stream = await _open_stream(handshake, ssl_context)
        if stream is not None:
            trailing = await _upgrade(
                stream,
                handshake,
                receive_buffer_size=receive_buffer_size,
                max_rejection_body=max_rejection_body,
                rejection_body_timeout=rejection_body_timeout,
                deadline=deadline,
            )
            if trailing is not None:
                opened, stream = stream, None
                return opened, trailing
    finally:
        if stream is not None:
            await trio.aclose_forcefully(stream)
    raise ConnectTimeout(f"connecting to {handshake.url} took longer than {connect_timeout}s")


async def _upgrade(
    stream: trio.abc.Stream,
    handshake: Handshake,
    *,
    receive_buffer_size: int,
    max_rejection_body: int,
    rejection_body_timeout: float,
    deadline: float,
) -> bytes | None:
    """`upgrade`, or None when ``deadline`` passes before the answer's head."""
    key = base64.b64encode(os.urandom(16))
    http = h11.Connection(h11.CLIENT)
    problem: str | None = None
    head: _Head | None = None
    with trio.CancelScope(deadline=deadline):
        problem = await _send_request(stream, http, handshake, key)
        if problem is None:
            head = await _read_head(stream, http, receive_buffer_size, handshake.url)
    if problem is not None:
        raise ConnectError(f"{handshake.url}: {problem}")
    if head is None:
        return None
    if isinstance(head, h11.InformationalResponse):  # a 101: `_read_head` skips others
        problem = _upgrade_problem(head.headers, key)
        if problem is not None:
            raise ConnectError(f"{handshake.url}: {problem}")
        trailing, _ = http.trailing_data
        return bytes(trailing)
    # A refusal: the status is the news; the body, however it ends, is detail.
    body = bytearray()
    body_deadline = min(deadline, trio.current_time() + rejection_body_timeout)
    with trio.CancelScope(deadline=body_deadline):
        await _read_body(stream, http, receive_buffer_size, max_rejection_body, body)
    raise _rejection(head, bytes(body))


async def _send_request(
    stream: trio.abc.Stream, http: h11.Connection, handshake: Handshake, key: bytes
) -> str | None:
    """Send the upgrade request; what went wrong, or None.

    The bytes are an argument temporary, never a local here. A failure's
    traceback holds the frames of ``send_all`` (and of h11, had building
    failed), whose locals hold the bytes: so a failure is reported by its type
    only, and anything that must propagate (`trio.Cancelled`) loses the frames
    below this one.
    """
    try:
        await stream.send_all(_request_bytes(http, handshake, key))
    except Exception as exc:
        return f"sending the upgrade request failed ({type(exc).__name__})"
    except BaseException as exc:
        # Cannot be replaced (trio matches a Cancelled to its scope), only trimmed.
        # Its __context__, if any, is left alone: it may be the caller's own.
        exc.__traceback__ = None
        raise
    return None


def _request_bytes(http: h11.Connection, handshake: Handshake, key: bytes) -> bytes:
    # One expression: the revealed headers exist only as temporaries.
    return (
        http.send(
            h11.Request(
                method="GET",
                target=handshake.resource.encode(),
                headers=[
                    (b"Host", _host_header(handshake).encode()),
                    (b"Upgrade", b"websocket"),
                    (b"Connection", b"Upgrade"),
                    (b"Sec-WebSocket-Key", key),
                    (b"Sec-WebSocket-Version", b"13"),
                    *_wire_headers(handshake.headers),
                ],
            )
        )
        or b""
    ) + (http.send(h11.EndOfMessage()) or b"")


def _wire_headers(headers: Iterable[tuple[str, HeaderValue]]) -> Iterator[tuple[bytes, bytes]]:
    for name, value in headers:
        yield (
            name.encode("ascii"),
            (value.reveal() if isinstance(value, Secret) else value).encode("ascii"),
        )


async def _read_head(
    stream: trio.abc.Stream, http: h11.Connection, receive_buffer_size: int, url: str
) -> _Head:
    """Read up to the final answer's head: a 101, or the refusal's status line."""
    while True:
        try:
            event = http.next_event()
        except h11.RemoteProtocolError as exc:
            if _eof(http):
                raise ConnectError(f"{url} closed the connection during the handshake") from exc
            raise ConnectError(
                f"{url}: malformed HTTP answer to the upgrade request: {exc}"
            ) from exc
        if event is h11.NEED_DATA:
            http.receive_data(await _receive(stream, receive_buffer_size))
        elif isinstance(event, h11.InformationalResponse):
            if event.status_code == 101:
                return event
            # 100 Continue and other interim answers: the final one follows.
        elif isinstance(event, h11.Response):
            return event
        else:  # ConnectionClosed, or an EndOfMessage without a response
            raise ConnectError(f"{url} closed the connection during the handshake")


async def _read_body(
    stream: trio.abc.Stream,
    http: h11.Connection,
    receive_buffer_size: int,
    limit: int,
    body: bytearray,
) -> None:
    """Append the refusal's body to ``body`` until it ends, breaks or reaches ``limit``.

    ``body`` belongs to the caller so that what came survives a cancellation.
    """
    while len(body) < limit:
        try:
            event = http.next_event()
        except h11.RemoteProtocolError:
            return  # a body cut short: report what came
        if event is h11.NEED_DATA:
            http.receive_data(await _receive(stream, min(receive_buffer_size, limit)))
        elif isinstance(event, h11.Data):
            body += event.data[: limit - len(body)]
        else:  # EndOfMessage, ConnectionClosed, PAUSED
            return


async def _receive(stream: trio.abc.Stream, size: int) -> bytes:
    try:
        return bytes(await stream.receive_some(size))
    except (trio.BrokenResourceError, trio.ClosedResourceError):
        return b""  # h11 reads b"" as the end of the stream


def _eof(http: h11.Connection) -> bool:
    _, closed = http.trailing_data
    return closed


def _upgrade_problem(headers: Iterable[tuple[bytes, bytes]], key: bytes) -> str | None:
    """RFC 6455 section 4.1: what is wrong with a 101 answer, or None if the client may go on."""
    fields: dict[bytes, list[bytes]] = {}
    for name, value in headers:
        fields.setdefault(name.lower(), []).append(value)

    def tokens(name: bytes) -> set[bytes]:
        return {t.strip().lower() for v in fields.get(name, []) for t in v.split(b",")}

    if b"websocket" not in tokens(b"upgrade"):
        return "the 101 answer lacks 'Upgrade: websocket'"
    if b"upgrade" not in tokens(b"connection"):
        return "the 101 answer lacks 'Connection: Upgrade'"
    expected = base64.b64encode(hashlib.sha1(key + _GUID).digest())
    if fields.get(b"sec-websocket-accept") != [expected]:
        return "the 101 answer has a wrong Sec-WebSocket-Accept"
    if fields.get(b"sec-websocket-extensions"):
        return "the server chose a WebSocket extension although none was offered"
    if fields.get(b"sec-websocket-protocol"):
        return "the server chose a subprotocol although none was offered"
    return None


def _rejection(head: h11.Response, body: bytes) -> HandshakeRejected:
    """The error for a refusal: its status's class, with the body parsed where it is JSON."""
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in head.headers]
    error: dict[str, Any] | None = None
    try:
        parsed: object = msgspec.json.decode(body) if body else None
    except msgspec.DecodeError:
        parsed = None
    if isinstance(parsed, dict):
        error = cast(dict[str, Any], parsed)
    request_id = next((v for k, v in headers if k.lower() == "x-request-id"), None)
    cls = handshake_error_for_status(head.status_code)
    return cls(head.status_code, body=body, headers=headers, error=error, request_id=request_id)


async def _open_stream(
    handshake: Handshake, ssl_context: ssl.SSLContext | None
) -> trio.SocketStream | trio.SSLStream[trio.SocketStream]:
    """TCP to the handshake's host and port, then TLS when it says so."""
    try:
        tcp = await trio.open_tcp_stream(handshake.host, handshake.port)
    except OSError as exc:
        raise HostUnreachableError(
            f"cannot reach {handshake.host}:{handshake.port}: {exc.strerror or exc}"
        ) from exc
    if not handshake.use_tls:
        return tcp
    context = ssl_context or ssl.create_default_context()
    stream = trio.SSLStream(tcp, context, server_hostname=handshake.host, https_compatible=True)
    try:
        await stream.do_handshake()
    except trio.BrokenResourceError as exc:
        await trio.aclose_forcefully(tcp)
        cause = exc.__cause__ or exc
        raise TLSError(f"TLS handshake with {handshake.host} failed: {cause}") from cause
    except BaseException:
        await trio.aclose_forcefully(tcp)
        raise
    return stream


def _host_header(handshake: Handshake) -> str:
    """The Host header: brackets around an IPv6 address, the port unless default."""
    host = f"[{handshake.host}]" if ":" in handshake.host else handshake.host
    default = 443 if handshake.use_tls else 80
    return host if handshake.port == default else f"{host}:{handshake.port}"
