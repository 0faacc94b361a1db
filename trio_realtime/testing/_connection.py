"""`FakeConnection`: one accepted WebSocket of the fake server.

It moves frames and nothing else: decodes and records what the client sends,
encodes and sends what its endpoint emits, and applies the server's fault plan
on the way out (close with a code, drop the TCP connection, stall, delay).
What the frames mean is the endpoint's business: a Realtime `Engine`, a Live
or a translation endpoint (see `_state.Endpoint`).
"""

from __future__ import annotations

import contextlib
import socket
import struct
import time
from collections.abc import Callable
from typing import Any, TypeVar

import trio
import trio_websocket

from .._errors import EventDecodeError
from ._engine import Engine
from ._lifetime import maybe_drop
from ._state import Endpoint, PeerGone, ServerState

__all__ = ["FakeConnection"]

_E = TypeVar("_E")

#: How long a finished connection's endpoint may take to clean up.
_STOP_TIMEOUT = 1.0


class FakeConnection:
    """The server side of one client's session, for tests to inspect and disturb.

    ``number`` counts the server's connections from 1; ``model`` is the one
    the URL named (or the server's default). ``path``, ``query`` and
    ``headers`` (lower-cased names) are the upgrade request as the server saw
    it; ``received`` the client events decoded on this connection,
    ``invalid`` the frames that were not valid client events;
    ``sent`` counts server events sent, and with the server's ``record_sent``
    on, ``sent_log`` keeps each one with the `time.perf_counter` reading taken
    just before it was written (for latency measurements). ``endpoint`` is
    what the connection serves; for a Realtime session, ``engine`` is that
    endpoint (``engine.session``, ``engine.conversation``).
    """

    def __init__(
        self,
        server: ServerState,
        ws: trio_websocket.WebSocketConnection,
        stream: trio.abc.Stream,
        *,
        number: int,
        path: str,
        query: dict[str, str],
        headers: list[tuple[str, str]],
        endpoint: Callable[[FakeConnection], Endpoint] | None = None,
    ) -> None:
        self.server: ServerState = server
        self.number: int = number
        self.path: str = path
        self.query: dict[str, str] = query
        self.headers: list[tuple[str, str]] = headers
        self.model: str = query.get("model") or server.model
        self.received: list[Any] = []
        self.invalid: list[bytes] = []
        self.sent: int = 0
        self.sent_log: list[tuple[float, Any]] = []
        self._ws = ws
        self._stream = stream
        self._stalled = False
        self._done = trio.Event()
        if endpoint is None:
            transcription = query.get("intent") == "transcription"
            self.endpoint: Endpoint = Engine(
                server, self, model=self.model, transcription=transcription
            )
        else:
            self.endpoint = endpoint(self)

    def __repr__(self) -> str:
        return f"<FakeConnection #{self.number} {self.path} sent={self.sent}>"

    @property
    def engine(self) -> Engine:
        """The Realtime session this connection serves (`TypeError` for another kind)."""
        if not isinstance(self.endpoint, Engine):
            raise TypeError(f"connection #{self.number} serves {self.path}, not a Realtime session")
        return self.endpoint

    @property
    def expired(self) -> bool:
        """True once the session ended at ``Faults.session_duration``."""
        return bool(getattr(self.endpoint, "expired", False))

    @property
    def closed(self) -> bool:
        """Whether this connection has ended."""
        return self._done.is_set()

    def header(self, name: str) -> str | None:
        """The value of one upgrade request header (case-insensitive), if sent."""
        wanted = name.lower()
        for key, value in self.headers:
            if key == wanted:
                return value
        return None

    def received_of(self, event_type: type[_E]) -> list[_E]:
        """The received client events of one type on this connection."""
        return [e for e in self.received if isinstance(e, event_type)]

    async def wait_closed(self) -> None:
        """Wait until this connection has ended."""
        await self._done.wait()

    # -- sending -----------------------------------------------------------------

    async def send(self, event: Any) -> None:
        """Send one server event, subject to the fault plan (for scripted tests).

        Raises `PeerGone` once the client has gone.
        """
        try:
            await self._send_frame(self.endpoint.encode(event), event)
        except trio_websocket.ConnectionClosed:
            raise PeerGone(f"connection #{self.number} has closed") from None

    async def send_raw(self, data: bytes | str) -> None:
        """Send a frame exactly as given: ``str`` as a text frame, ``bytes`` as binary.

        Use it to feed a client broken JSON, a non-object, or an unknown event.
        """
        with contextlib.suppress(trio_websocket.ConnectionClosed):
            await self._ws.send_message(data)

    async def send_garbage(self, data: bytes) -> None:
        """Write ``data`` straight to the TCP stream, outside any WebSocket frame.

        The client sees a WebSocket protocol violation. It waits for any frame
        the server is still writing, so it never lands inside one.
        """
        # trio-websocket's own write lock: a send can still be finishing (its
        # last checkpoint) when a fast client has already read the frame.
        async with self._ws._stream_lock:  # pyright: ignore[reportPrivateUsage]
            await self._stream.send_all(data)

    async def _send_frame(self, frame: bytes, event: Any) -> None:
        faults = self.server.faults
        if self.closed:  # served and ended: nobody will ever read it
            raise PeerGone(f"connection #{self.number} has closed")
        if self._stalled:
            await trio.sleep_forever()
        if faults.event_delay:
            await trio.sleep(faults.event_delay)
        if self.server.record_sent:
            self.sent_log.append((time.perf_counter(), event))
        # The frame is valid UTF-8 JSON: send it as a text frame, as the API does.
        await self._ws.send_message(frame.decode("utf-8"))
        self.sent += 1
        if faults.close_after is not None and self.sent >= faults.close_after:
            await self.close(faults.close_code, faults.close_reason)
        elif faults.drop_after is not None and self.sent >= faults.drop_after:
            await self.drop()
        elif faults.stall_after is not None and self.sent >= faults.stall_after:
            self._stalled = True
        else:
            await maybe_drop(self, faults)

    # -- ending ------------------------------------------------------------------

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the WebSocket with ``code``, waiting briefly for the client's reply."""
        with trio.move_on_after(2.0) as scope:
            await self._ws.aclose(code, reason)
        if scope.cancelled_caught:
            await self.drop()

    async def drop(self) -> None:
        """Reset the TCP connection: no close frame, the client sees an abnormal end."""
        # SO_LINGER with a zero timeout turns close() into an RST.
        setsockopt = getattr(self._stream, "setsockopt", None)  # not on a memory stream
        with contextlib.suppress(OSError):
            if setsockopt is not None:
                setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        await self._stream.aclose()

    def stall(self) -> None:
        """Stop sending and reading from now on; the socket stays open."""
        self._stalled = True

    async def refuse(self, code: str, message: str, *, param: str | None = None) -> None:
        """End this session at once, as the service ends one that may not open (an
        unknown model, say): the endpoint's ``error`` event with ``code``, then
        close code 4000 with the reason ``invalid_request_error.<code>``."""
        try:
            await self.endpoint.refuse(code, message, param=param)
            await self.close(4000, f"invalid_request_error.{code}")
        except (trio_websocket.ConnectionClosed, PeerGone):
            pass
        finally:
            self._done.set()
            self.server._notify()  # pyright: ignore[reportPrivateUsage]

    # -- the receive loop ----------------------------------------------------------

    async def run(self) -> None:
        """Serve this connection until the client, the endpoint or a fault ends it."""
        try:
            async with trio.open_nursery() as nursery:
                try:
                    await self.endpoint.start(nursery)
                    await self._read_loop()
                except (trio_websocket.ConnectionClosed, PeerGone):
                    pass
                nursery.cancel_scope.cancel()
        except Exception:
            # A bug or a failing responder: tell the client like a real server
            # would (1011, internal error), then let the error reach the test.
            with trio.move_on_after(_STOP_TIMEOUT) as scope:
                scope.shield = True
                await self._ws.aclose(1011, "fake server error")
            raise
        finally:
            try:
                with trio.move_on_after(_STOP_TIMEOUT) as scope:
                    scope.shield = True
                    await self.endpoint.stop()
            finally:
                self._done.set()
                self.server._notify()  # pyright: ignore[reportPrivateUsage]

    async def _read_loop(self) -> None:
        while True:
            message = await self._ws.get_message()
            if self._stalled:
                await trio.sleep_forever()
            raw = message.encode("utf-8") if isinstance(message, str) else message
            try:
                event = self.endpoint.decode(raw)
            except EventDecodeError as exc:
                self.invalid.append(raw)
                await self.endpoint.reject(exc, raw)
                continue
            if self.server.record_received:
                self.received.append(event)
            self.server._record(event)  # pyright: ignore[reportPrivateUsage]
            await self.endpoint.handle(event)
