"""The client side of one WebSocket, read by the task that wants the next message.

Why not trio-websocket's connection: it runs a reader task that parses every
frame and hands each message to the consumer through a memory channel. That
task switch plus channel hop per message costs more CPU than everything else a
Realtime event needs (see benchmarks/README.rst). Here the consumer's own
``get_message`` reads the socket and parses the frames (`_frames`), so a delta
costs one wake-up. The upgrade request and answer are HTTP/1.1, parsed by h11.

Two duties need a reader even when nobody asks for a message: answering pings
and noticing the server's close. `keep_alive` covers them: it reads only while
no consumer does, and stops while ``queue_size`` messages are waiting, so a
stalled consumer still pushes back on the server through TCP.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass

import h11
import trio

from ._frames import (
    ABNORMAL,
    NORMAL_CLOSURE,
    Close,
    Control,
    FrameParser,
    Ping,
    ProtocolError,
    close_frame,
    pong_frame,
    text_frame,
)

__all__ = [
    "BadUpgrade",
    "CloseInfo",
    "Closed",
    "HandshakeEOF",
    "Rejected",
    "WebSocket",
    "handshake",
]

#: What reading left to do: control frames to answer, or a violation to close on.
_Actions = tuple[Control | ProtocolError, ...]
_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


@dataclass(frozen=True)
class CloseInfo:
    """How the WebSocket ended: close code and reason (1006 when the TCP link died)."""

    code: int
    reason: str | None
    #: True when the code came in a close frame from the server (its own close or
    #: its reply to ours); False when the link died or we cut it.
    from_peer: bool = False


class Closed(Exception):
    """Raised by `WebSocket` operations once the WebSocket is closed."""

    def __init__(self, info: CloseInfo) -> None:
        super().__init__(info)
        self.info = info


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


class WebSocket:
    """An open client WebSocket over ``stream``; see the module docstring."""

    def __init__(
        self,
        stream: trio.abc.Stream,
        *,
        max_message_size: int,
        receive_buffer_size: int,
        queue_size: int,
    ) -> None:
        self._stream = stream
        self._parser = FrameParser(max_message_size)
        self._receive_buffer_size = receive_buffer_size
        self._queue_size = queue_size
        self._messages: collections.deque[str | bytes] = collections.deque()
        #: True while a task reads the socket; others wait in ``_readers``.
        self._reading = False
        self._readers = trio.lowlevel.ParkingLot()
        self._send_lock = trio.Lock()
        self._close_sent = False
        self.closed: CloseInfo | None = None

    # -- receiving -----------------------------------------------------------

    async def get_message(self) -> str | bytes:
        """The next message; after a close, the ones that arrived before it, then `Closed`."""
        messages = self._messages
        if messages:
            # A cancel point but not a schedule point: messages already read
            # are handed over without a trip through the scheduler. Every read
            # of the socket below is a full checkpoint, so a consumer yields at
            # least once per ``receive_buffer_size`` bytes.
            await trio.lowlevel.checkpoint_if_cancelled()
            return messages.popleft()
        # The read is written out here rather than calling `_read`: this is the
        # path of every event, and each await level is one more live object per
        # waiting session for the garbage collector to walk.
        while True:
            if self.closed is not None:
                await trio.lowlevel.checkpoint()
                raise Closed(self.closed)
            if self._reading:
                await self._readers.park()
            else:
                self._reading = True
                try:
                    try:
                        data = await self._stream.receive_some(self._receive_buffer_size)
                    except (trio.BrokenResourceError, trio.ClosedResourceError):
                        data = b""
                    controls = self._take(data)
                    if controls:
                        await self._act(controls)
                finally:
                    self._reading = False
                    if self._readers:
                        self._readers.unpark_all()
            if messages:
                return messages.popleft()

    async def keep_alive(self, idle: float, max_idle: float) -> None:
        """Read while no consumer does, until the WebSocket closes.

        Checks every ``idle`` seconds; each time it finds a consumer reading it
        waits twice as long, up to ``max_idle``. A server with hundreds of
        sessions then wakes its keepers rarely: each wake-up allocates, and the
        garbage collector's pauses grow with what is allocated.
        """
        wait = idle
        while self.closed is None:
            await trio.sleep(wait)
            if self._reading:
                wait = min(wait * 2, max_idle)
                continue
            wait = idle
            while (
                self.closed is None and not self._reading and len(self._messages) < self._queue_size
            ):
                await self._read()
                if self._messages:
                    break  # a consumer will want them; let it read from here on

    async def _read(self) -> None:
        """Read once from the socket and act on every frame in it; one reader at a time."""
        self._reading = True
        try:
            try:
                data = await self._stream.receive_some(self._receive_buffer_size)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                data = b""
            await self._act(self._take(data))
        finally:
            self._reading = False
            if self._readers:
                self._readers.unpark_all()

    def _take(self, data: bytes | bytearray) -> _Actions:
        """Parse received bytes into queued messages; what is left to do is returned."""
        if not data:
            self._end(CloseInfo(ABNORMAL, None))
            return ()
        try:
            return self._parser.feed(data if type(data) is bytes else bytes(data), self._messages)
        except ProtocolError as exc:
            return (exc,)

    async def _act(self, actions: _Actions) -> None:
        """Answer pings and closes; close after a protocol violation."""
        for action in actions:
            if type(action) is Ping:
                await self._send_quietly(pong_frame(action.payload))
            elif type(action) is Close:  # the server's close, or its reply to ours
                await self._finish(CloseInfo(action.code, action.reason or None, from_peer=True))
            elif type(action) is ProtocolError:  # a violation, or an oversized message
                await self._finish(CloseInfo(action.code, action.reason))

    async def _finish(self, info: CloseInfo) -> None:
        """End the WebSocket with ``info``: send (or echo) a close frame unless one
        went out already, then close the stream."""
        if not self._close_sent:
            self._close_sent = True
            await self._send_quietly(close_frame(info.code, info.reason or ""))
        self._end(info)
        await trio.aclose_forcefully(self._stream)

    def _end(self, info: CloseInfo) -> None:
        if self.closed is None:
            self.closed = info

    # -- sending -------------------------------------------------------------

    async def send_message(self, message: str) -> None:
        """Send one text message; `Closed` once the WebSocket is closed."""
        if self.closed is not None or self._close_sent:
            raise Closed(self.closed or CloseInfo(ABNORMAL, None))
        await self._send(text_frame(message))

    async def _send(self, data: bytes) -> None:
        async with self._send_lock:
            try:
                await self._stream.send_all(data)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                self._end(CloseInfo(ABNORMAL, None))
                raise Closed(self.closed or CloseInfo(ABNORMAL, None)) from None

    async def _send_quietly(self, data: bytes) -> None:
        # Control replies (pong, close) to a peer that may already be gone.
        with contextlib.suppress(Closed):
            await self._send(data)

    # -- closing -------------------------------------------------------------

    async def aclose(self, code: int = NORMAL_CLOSURE) -> None:
        """Send a close frame and read until the server's reply; the caller bounds the
        wait. Messages still unread are discarded. The stream stays open: `abort`
        closes it."""
        if self.closed is not None or self._close_sent:
            return
        self._close_sent = True
        await self._send_quietly(close_frame(code))
        self._messages.clear()
        while self.closed is None:
            if self._reading:
                await self._readers.park()
            else:
                await self._read()
            self._messages.clear()

    async def abort(self) -> None:
        """Close the transport now, without any WebSocket courtesy."""
        self._end(CloseInfo(ABNORMAL, None))
        await trio.aclose_forcefully(self._stream)


async def handshake(
    stream: trio.abc.Stream,
    host: str,
    resource: str,
    headers: list[tuple[bytes, bytes]],
    *,
    max_message_size: int,
    receive_buffer_size: int,
    queue_size: int,
) -> WebSocket:
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
                sock = WebSocket(
                    stream,
                    max_message_size=max_message_size,
                    receive_buffer_size=receive_buffer_size,
                    queue_size=queue_size,
                )
                if trailing:  # frames that came in the same read as the 101 answer
                    await sock._act(sock._take(trailing))  # pyright: ignore[reportPrivateUsage]
                return sock
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
