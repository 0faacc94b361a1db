"""The client side of one WebSocket, read by the task that wants the next message.

Why not trio-websocket's connection: it runs a reader task that parses every
frame and hands each message to the consumer through a memory channel. That
task switch plus channel hop per message costs more CPU than everything else a
Realtime event needs (see benchmarks/README.rst, "Open: sessions per core").
Here the consumer's own ``get_message`` reads the socket and runs wsproto (the
protocol engine trio-websocket itself uses), so a delta costs one wake-up.

Two duties need a reader even when nobody asks for a message: answering pings
and noticing the server's close. `keep_alive` covers them: it reads only while
no consumer does, and stops while ``queue_size`` messages are waiting, so a
stalled consumer still pushes back on the server through TCP.
"""

from __future__ import annotations

import collections
import contextlib
from dataclasses import dataclass

import trio
import wsproto
import wsproto.events as wse
from wsproto.connection import ConnectionState
from wsproto.utilities import RemoteProtocolError

__all__ = ["CloseInfo", "Closed", "HandshakeEOF", "Rejected", "WebSocket", "handshake"]

_ABNORMAL = 1006
_TOO_BIG = 1009


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


class WebSocket:
    """An open client WebSocket over ``stream``; see the module docstring."""

    def __init__(
        self,
        stream: trio.abc.Stream,
        ws: wsproto.WSConnection,
        *,
        max_message_size: int,
        receive_buffer_size: int,
        queue_size: int,
    ) -> None:
        self._stream = stream
        self._ws = ws
        self._max_message_size = max_message_size
        self._receive_buffer_size = receive_buffer_size
        self._queue_size = queue_size
        self._messages: collections.deque[str | bytes] = collections.deque()
        self._parts: list[str | bytes] = []
        self._part_size = 0
        self._read_lock = trio.Lock()
        self._send_lock = trio.Lock()
        self.closed: CloseInfo | None = None

    # -- receiving -----------------------------------------------------------

    async def get_message(self) -> str | bytes:
        """The next message; after a close, the ones that arrived before it, then `Closed`."""
        while not self._messages:
            if self.closed is not None:
                raise Closed(self.closed)
            async with self._read_lock:
                if not self._messages and self.closed is None:
                    await self._pump()
        await trio.lowlevel.checkpoint()
        return self._messages.popleft()

    async def keep_alive(self, idle: float) -> None:
        """Read while no consumer does (every ``idle`` seconds), until the WebSocket closes."""
        while self.closed is None:
            await trio.sleep(idle)
            while (
                self.closed is None
                and not self._read_lock.locked()
                and len(self._messages) < self._queue_size
            ):
                async with self._read_lock:
                    await self._pump()
                if self._messages:
                    break  # a consumer will want them; let it read from here on

    async def _pump(self) -> None:
        """Read once from the socket and act on every frame in it. Holds the read lock."""
        try:
            data = await self._stream.receive_some(self._receive_buffer_size)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            data = b""
        if not data:
            self._end(CloseInfo(_ABNORMAL, None))
            return
        try:
            self._ws.receive_data(bytes(data))
            await self._handle_events()
        except RemoteProtocolError as exc:
            if exc.event_hint is not None:
                await self._send_quietly(self._ws.send(exc.event_hint))
            self._end(CloseInfo(1002, str(exc)))
            await trio.aclose_forcefully(self._stream)

    async def _handle_events(self) -> None:
        for event in self._ws.events():
            await self._handle(event)

    async def _handle(self, event: wse.Event) -> None:
        kind = type(event)
        if kind is wse.TextMessage:
            text: wse.TextMessage = event  # type: ignore[assignment]
            await self._message_part(text.data, text.message_finished, "")
        elif kind is wse.BytesMessage:
            blob: wse.BytesMessage = event  # type: ignore[assignment]
            await self._message_part(bytes(blob.data), blob.message_finished, b"")
        elif kind is wse.Ping:
            await self._send_quietly(self._ws.send(event.response()))  # type: ignore[attr-defined]
        elif kind is wse.CloseConnection:
            close: wse.CloseConnection = event  # type: ignore[assignment]
            if self._ws.state is ConnectionState.REMOTE_CLOSING:
                await self._send_quietly(self._ws.send(close.response()))
            self._end(CloseInfo(close.code, close.reason or None, from_peer=True))
            await trio.aclose_forcefully(self._stream)

    async def _message_part(self, data: str | bytes, finished: bool, empty: str | bytes) -> None:
        # The common case, a whole message in one frame, touches no list.
        if finished and not self._parts:
            if len(data) > self._max_message_size:
                await self._too_big()
            else:
                self._messages.append(data)
            return
        self._parts.append(data)
        self._part_size += len(data)
        if self._part_size > self._max_message_size:
            await self._too_big()
        elif finished:
            parts, self._parts, self._part_size = self._parts, [], 0
            self._messages.append(empty.join(parts))  # type: ignore[arg-type]

    async def _too_big(self) -> None:
        self._parts, self._part_size = [], 0
        reason = f"message larger than {self._max_message_size} bytes"
        if self._ws.state is ConnectionState.OPEN:
            await self._send_quietly(self._ws.send(wse.CloseConnection(_TOO_BIG, reason)))
        self._end(CloseInfo(_TOO_BIG, reason))
        await trio.aclose_forcefully(self._stream)

    def _end(self, info: CloseInfo) -> None:
        if self.closed is None:
            self.closed = info

    # -- sending -------------------------------------------------------------

    async def send_message(self, message: str) -> None:
        """Send one text message; `Closed` once the WebSocket is closed."""
        if self.closed is not None or self._ws.state is not ConnectionState.OPEN:
            raise Closed(self.closed or CloseInfo(_ABNORMAL, None))
        await self._send(self._ws.send(wse.TextMessage(data=message)))

    async def _send(self, data: bytes) -> None:
        async with self._send_lock:
            try:
                await self._stream.send_all(data)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                self._end(CloseInfo(_ABNORMAL, None))
                raise Closed(self.closed or CloseInfo(_ABNORMAL, None)) from None

    async def _send_quietly(self, data: bytes) -> None:
        # Control replies (pong, close) to a peer that may already be gone.
        with contextlib.suppress(Closed):
            await self._send(data)

    # -- closing -------------------------------------------------------------

    async def aclose(self, code: int = 1000) -> None:
        """Send a close frame and read until the server's reply; the caller bounds the
        wait. Messages still unread are discarded. The stream stays open: `abort`
        closes it."""
        if self.closed is not None or self._ws.state is not ConnectionState.OPEN:
            return
        await self._send_quietly(self._ws.send(wse.CloseConnection(code)))
        self._messages.clear()
        while self.closed is None:
            async with self._read_lock:
                if self.closed is None:
                    await self._pump()
            self._messages.clear()

    async def abort(self) -> None:
        """Close the transport now, without any WebSocket courtesy."""
        self._end(CloseInfo(_ABNORMAL, None))
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

    Raises `Rejected` for an HTTP error answer and `HandshakeEOF` when the server
    hangs up first. Frames that arrive right behind the 101 answer are kept.
    """
    ws = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
    await stream.send_all(ws.send(wse.Request(host=host, target=resource, extra_headers=headers)))
    rejected: tuple[int, list[tuple[bytes, bytes]]] | None = None
    body = bytearray()
    while True:
        try:
            data = await stream.receive_some(receive_buffer_size)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            data = b""
        if not data:
            if rejected is not None:
                raise Rejected(rejected[0], rejected[1], bytes(body))
            raise HandshakeEOF
        ws.receive_data(bytes(data))
        for event in ws.events():
            if isinstance(event, wse.AcceptConnection):
                sock = WebSocket(
                    stream,
                    ws,
                    max_message_size=max_message_size,
                    receive_buffer_size=receive_buffer_size,
                    queue_size=queue_size,
                )
                # Frames that came in the same read as the 101 answer.
                await sock._handle_events()  # pyright: ignore[reportPrivateUsage]
                return sock
            if isinstance(event, wse.RejectConnection):
                rejected = (event.status_code, list(event.headers))
                if not event.has_body:
                    raise Rejected(event.status_code, list(event.headers), b"")
            elif isinstance(event, wse.RejectData):
                body += event.data
                if event.body_finished and rejected is not None:
                    raise Rejected(rejected[0], rejected[1], bytes(body))
