"""PLACEHOLDER (replaced by the upgrade branch): from a `Handshake` to an upgraded stream."""

from __future__ import annotations

import base64
import hashlib
import os
import ssl
from collections.abc import Iterable, Mapping
from typing import Any, cast

import h11
import msgspec
import trio

from ._client import Handshake
from ._errors import (
    ConnectError,
    ConnectTimeout,
    HostUnreachableError,
    RealtimeError,
    TLSError,
    handshake_error_for_status,
)

__all__ = ["open_upgraded_stream", "upgrade"]

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class Rejected(Exception):
    """The server answered the upgrade request with an HTTP error."""

    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        super().__init__(status)
        self.status = status
        self.headers = headers
        self.body = body


class HandshakeEOF(Exception):
    """The server closed the connection before answering the upgrade request."""


class BadUpgrade(Exception):
    """The server's answer to the upgrade request is not a valid WebSocket upgrade."""


async def handshake(
    stream: trio.abc.Stream,
    host: str,
    resource: str,
    headers: list[tuple[bytes, bytes]],
    *,
    receive_buffer_size: int,
) -> bytes:
    """Send the HTTP upgrade request and read the answer.

    Raises `Rejected` for an HTTP error answer, `HandshakeEOF` when the server
    hangs up first and `BadUpgrade` for a 101 answer that is not a valid
    WebSocket upgrade. Frames that arrive right behind the 101 answer are kept.
    """
    key = base64.b64encode(os.urandom(16))
    http = h11.Connection(h11.CLIENT)
    request = h11.Request(
        method="GET",
        target=resource.encode(),
        headers=[
            (b"Host", host.encode()),
            (b"Upgrade", b"websocket"),
            (b"Connection", b"Upgrade"),
            (b"Sec-WebSocket-Key", key),
            (b"Sec-WebSocket-Version", b"13"),
            *headers,
        ],
    )
    await stream.send_all((http.send(request) or b"") + (http.send(h11.EndOfMessage()) or b""))
    rejected: tuple[int, list[tuple[bytes, bytes]]] | None = None
    body = bytearray()
    while True:
        try:
            event = http.next_event()
        except h11.RemoteProtocolError as exc:
            if rejected is not None:  # a body cut short: report what came
                raise Rejected(rejected[0], rejected[1], bytes(body)) from None
            if _eof(http):
                raise HandshakeEOF from None
            raise BadUpgrade(f"malformed HTTP answer to the upgrade request: {exc}") from None
        if event is h11.NEED_DATA:
            try:
                data = await stream.receive_some(receive_buffer_size)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                data = b""
            http.receive_data(bytes(data))
        elif isinstance(event, h11.InformationalResponse):
            if event.status_code == 101:
                _check_upgrade(event.headers, key)
                trailing, _ = http.trailing_data
                return bytes(trailing)
        elif isinstance(event, h11.Response):
            rejected = (event.status_code, list(event.headers))
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage | h11.ConnectionClosed):
            if rejected is None:
                raise HandshakeEOF
            raise Rejected(rejected[0], rejected[1], bytes(body))
        else:  # pragma: no cover - h11 has no other event for a client
            raise BadUpgrade(f"unexpected HTTP event {event!r}")


def _eof(http: h11.Connection) -> bool:
    _, closed = http.trailing_data
    return closed


def _check_upgrade(headers: Iterable[tuple[bytes, bytes]], key: bytes) -> None:
    """RFC 6455 section 4.1: what a 101 answer must say for the client to go on."""
    fields: dict[bytes, list[bytes]] = {}
    for name, value in headers:
        fields.setdefault(name.lower(), []).append(value)

    def tokens(name: bytes) -> set[bytes]:
        return {t.strip().lower() for v in fields.get(name, []) for t in v.split(b",")}

    if b"websocket" not in tokens(b"upgrade"):
        raise BadUpgrade("the 101 answer lacks 'Upgrade: websocket'")
    if b"upgrade" not in tokens(b"connection"):
        raise BadUpgrade("the 101 answer lacks 'Connection: Upgrade'")
    expected = base64.b64encode(hashlib.sha1(key + _GUID).digest())
    if fields.get(b"sec-websocket-accept") != [expected]:
        raise BadUpgrade("the 101 answer has a wrong Sec-WebSocket-Accept")
    if fields.get(b"sec-websocket-extensions"):
        raise BadUpgrade("the server chose a WebSocket extension although none was offered")
    if fields.get(b"sec-websocket-protocol"):
        raise BadUpgrade("the server chose a subprotocol although none was offered")


async def _open_stream(
    handshake: Handshake, ssl_context: ssl.SSLContext | None
) -> trio.SocketStream | trio.SSLStream[trio.SocketStream]:
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
    host = f"[{handshake.host}]" if ":" in handshake.host else handshake.host
    default = 443 if handshake.use_tls else 80
    return host if handshake.port == default else f"{host}:{handshake.port}"


def _rejection(exc: Rejected) -> ConnectError:
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in exc.headers]
    error: Mapping[str, Any] | None = None
    try:
        parsed: object = msgspec.json.decode(exc.body) if exc.body else None
    except msgspec.DecodeError:
        parsed = None
    if isinstance(parsed, dict):
        error = cast(dict[str, Any], parsed)
    request_id = next((v for k, v in headers if k.lower() == "x-request-id"), None)
    cls = handshake_error_for_status(exc.status)
    return cls(exc.status, body=exc.body, headers=headers, error=error, request_id=request_id)


async def upgrade(
    stream: trio.abc.Stream, handshake_info: Handshake, *, receive_buffer_size: int
) -> bytes:
    try:
        return await handshake(
            stream,
            _host_header(handshake_info),
            handshake_info.resource,
            handshake_info.encoded_headers(),
            receive_buffer_size=receive_buffer_size,
        )
    except Rejected as exc:
        raise _rejection(exc) from exc
    except BadUpgrade as exc:
        raise ConnectError(f"{handshake_info.url}: {exc}") from exc
    except HandshakeEOF as exc:
        raise ConnectError(
            f"{handshake_info.url} closed the connection during the handshake"
        ) from exc


async def open_upgraded_stream(
    handshake_info: Handshake,
    *,
    ssl_context: ssl.SSLContext | None,
    connect_timeout: float,
    receive_buffer_size: int,
) -> tuple[trio.SocketStream | trio.SSLStream[trio.SocketStream], bytes]:
    stream: trio.SocketStream | trio.SSLStream[trio.SocketStream] | None = None
    done = False
    try:
        with trio.move_on_after(connect_timeout):
            stream = await _open_stream(handshake_info, ssl_context)
            trailing = await upgrade(
                stream, handshake_info, receive_buffer_size=receive_buffer_size
            )
            done = True
            return stream, trailing
    finally:
        if not done and stream is not None:
            await trio.aclose_forcefully(stream)
    error: RealtimeError = ConnectTimeout(
        f"connecting to {handshake_info.url} took longer than {connect_timeout}s"
    )
    raise error
