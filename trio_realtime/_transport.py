"""The I/O half of one client WebSocket: read the socket, feed `Protocol`, write what it owes.

Why the consumer reads: trio-websocket runs a reader task that parses every
frame and hands each message over a memory channel; that task switch plus the
channel hop cost more CPU than everything else a Realtime event needs (see
benchmarks/README.rst). Here the consumer's own ``get_message`` reads the
socket, so a delta costs one wake-up.

Who writes: the connection's writer task (data frames, and every pong or
close frame the protocol owes, woken through ``on_output``), the keeper (its
own pings), and, once the writer has stopped, whoever closes; one at a time
(`_hold_stream`). A reader never writes, so cancelling a
``receive`` can never cut a frame in half, and a frame the protocol owes stays
owed until a write of it has begun. A write cancelled once begun may have put
part of a frame on the wire: the stream then carries nothing more (``broken``)
and is dropped.

The keeper task (`keep_alive`) covers what needs a reader when nobody asks for
a message: it reads while no consumer does (answering pings, seeing a close),
sends our keepalive pings and judges their pongs, and once the WebSocket is
closed sees the TCP connection to its end. It stops reading while
``queue_size`` messages wait, so a stalled consumer pushes back on the server
through TCP; that time does not count against a pong (see `keep_alive`).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable

import trio

from ._frames import INTERNAL_ERROR, Message
from ._protocol import CloseInfo, Protocol, SendRefused

__all__ = ["KEEPALIVE_REASON", "Closed", "WebSocket"]

#: The close reason of a connection this client failed for a missing pong.
KEEPALIVE_REASON = "keepalive ping timeout"

#: Seconds without a receiving consumer after which the keeper reads instead;
#: while it finds a consumer reading it checks less and less often, up to the
#: second figure (the longest a server's ping then waits for its pong).
KEEPER_IDLE = 0.5
KEEPER_MAX_IDLE = 4.0


class Closed(Exception):
    """Raised by `WebSocket` operations once no more can be done; ``info`` says how it
    ended (None while our close frame waits for its reply)."""

    def __init__(self, info: CloseInfo | None) -> None:
        super().__init__(info)
        self.info = info


class WebSocket:
    """An open client WebSocket over ``stream``; see the module docstring."""

    def __init__(
        self,
        stream: trio.abc.Stream,
        protocol: Protocol,
        *,
        receive_buffer_size: int,
        queue_size: int,
    ) -> None:
        self._stream = stream
        self.protocol = protocol
        self._messages = protocol.messages
        self._receive_buffer_size = receive_buffer_size
        self._queue_size = queue_size
        #: True while a task reads the socket; others wait in ``_readers``.
        self._reading: bool = False
        self._readers = trio.lowlevel.ParkingLot()
        #: True while a task writes (`_hold_stream`); others wait in ``_writers``.
        self._writing: bool = False
        self._writers = trio.lowlevel.ParkingLot()
        #: Nothing more may be written: a write failed, or was cancelled after it
        #: began (the stream may hold half a frame).
        self.broken: bool = False
        #: True once the keeper failed the connection for a missing pong.
        self.keepalive_expired: bool = False
        #: Called when the protocol owes the socket a frame (the writer's wake-up).
        self.on_output: Callable[[], None] | None = None
        self._keeper_nap: trio.CancelScope | None = None
        #: The keeper sleeps until the read in progress ends (see `keep_alive`).
        self._keeper_waits: bool = False
        #: Reads finished so far, by anyone: the keeper tells a quiet socket
        #: (one read going on the whole time) from a busy one.
        self._reads: int = 0
        #: The server closed its side of TCP (or the link died).
        self.eof: bool = False

    @property
    def closed(self) -> CloseInfo | None:
        """How the WebSocket ended, once it has."""
        return self.protocol.closed

    # -- receiving -----------------------------------------------------------

    async def get_message(self) -> Message:
        """The next message; after a close, the ones that arrived before it, then `Closed`."""
        messages = self._messages
        if messages:
            # A cancel point but not a schedule point: messages already read
            # are handed over without a trip through the scheduler. Every read
            # of the socket below is a full checkpoint, so a consumer yields at
            # least once per ``receive_buffer_size`` bytes.
            await trio.lowlevel.checkpoint_if_cancelled()
            return messages.popleft()
        protocol = self.protocol
        # The read is written out here rather than calling `_read`: this is the
        # path of every event, and each await level is one more live object per
        # waiting session for the garbage collector to walk.
        while True:
            if protocol.closed is not None:
                await trio.lowlevel.checkpoint()
                raise Closed(protocol.closed)
            if self._reading:
                await self._readers.park()
            else:
                self._reading = True
                data: bytes | bytearray | None = None
                try:
                    try:
                        data = await self._stream.receive_some(self._receive_buffer_size)
                    except (trio.BrokenResourceError, trio.ClosedResourceError):
                        data = b""
                    self.feed(data)
                finally:
                    self._reading = False
                    self._reads += 1
                    # A waiting keeper must take over once this task stops
                    # reading: it returns a message, or it was cancelled. A read
                    # that brought no message (a pong) is followed by another.
                    if self._keeper_waits and (messages or data is None):
                        self._wake_keeper()
                    if self._readers:
                        self._readers.unpark_all()
            if messages:
                return messages.popleft()

    def feed(self, data: bytes | bytearray) -> None:
        """Give received bytes to the protocol and wake whoever must act on them."""
        protocol = self.protocol
        if not data:
            self.eof = True
        protocol.receive_data(data if type(data) is bytes else bytes(data))
        if protocol.wants_write and self.on_output is not None:
            self.on_output()
        if protocol.closed is not None:
            self._wake_keeper()

    async def _read(self) -> None:
        """Read once from the socket and feed it; one reader at a time."""
        self._reading = True
        try:
            try:
                data = await self._stream.receive_some(self._receive_buffer_size)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                data = b""
            self.feed(data)
        finally:
            self._reading = False
            self._reads += 1
            if self._keeper_waits:
                self._wake_keeper()
            if self._readers:
                self._readers.unpark_all()

    def _wake_keeper(self) -> None:
        self._keeper_waits = False
        if self._keeper_nap is not None:
            self._keeper_nap.cancel()

    async def _read_turn(self) -> None:
        """Read once, or wait while another task reads."""
        if self._reading:
            await self._readers.park()
        else:
            await self._read()

    # -- the keeper ------------------------------------------------------------

    async def keep_alive(
        self, ping_interval: float | None, ping_timeout: float | None, close_timeout: float
    ) -> None:
        """Read while no consumer does, ping, and judge pongs, until the WebSocket
        closes; then see the TCP connection to its end.

        While a consumer is found reading a busy socket, the keeper checks twice
        as rarely each time, up to `KEEPER_MAX_IDLE`; while it finds one read
        going on for a whole nap (a quiet socket), it sleeps until that read
        ends or a ping is due. A server with hundreds of sessions then wakes
        its keepers rarely (each wake-up costs CPU and allocates, and garbage
        collector pauses grow with what is allocated).

        A pong is late once ``ping_timeout`` passed with the socket being read.
        Time during which nobody reads because messages wait for a consumer
        that is behind (up to ``queue_size`` of them) does not count: the pong
        may be sitting unread in the socket, so the deadline becomes
        ``ping_timeout`` after the last time the keeper found reads held back.
        """
        protocol = self.protocol
        now = trio.current_time()
        next_ping = now + ping_interval if ping_interval is not None else math.inf
        pong_due = math.inf
        #: When the keeper last found reads held back by a consumer behind.
        held_at = -math.inf
        wait = KEEPER_IDLE
        nap_until = now + wait
        reads = self._reads
        while protocol.closed is None:
            # One sleep per turn: until the nap ends or a timer is due, or, when
            # waiting on a quiet read (nap_until is inf), until that read ends.
            with trio.CancelScope(deadline=min(nap_until, next_ping, pong_due)) as nap:
                self._keeper_nap = nap
                self._keeper_waits = nap_until == math.inf
                await trio.sleep_forever()
            self._keeper_nap = None
            self._keeper_waits = False
            if protocol.closed is not None:
                break
            now = trio.current_time()
            if protocol.awaiting_pong is None:
                pong_due = math.inf
            elif now >= pong_due:
                assert ping_timeout is not None
                if self._messages:
                    held_at = now  # the consumer is behind: we are not reading ahead
                if held_at > now - ping_timeout:
                    # Not read for part of the wait: give the pong a full
                    # ping_timeout of reading from the last time it was held back.
                    pong_due = held_at + ping_timeout
                else:
                    self.keepalive_expired = True
                    protocol.fail(INTERNAL_ERROR, KEEPALIVE_REASON)
                    self._wake_writer()
                    break
            if now >= next_ping:
                assert ping_interval is not None
                next_ping = now + ping_interval
                # One ping at a time while its pong is awaited; with no timeout
                # every interval pings (traffic that keeps NATs and proxies open).
                if not protocol.close_sent and (
                    protocol.awaiting_pong is None or ping_timeout is None
                ):
                    protocol.send_ping()
                    if ping_timeout is not None:
                        pong_due = now + ping_timeout
                    # Written here rather than by waking the writer: one task
                    # step (and one Cancelled raised) less per ping. If the
                    # write side is gone, the reader will see why.
                    with contextlib.suppress(Closed):
                        await self.flush()
            if self._reading:
                if self._reads == reads:
                    # One read went on for the whole nap: the socket is quiet
                    # and a consumer waits on it. Sleep until that read ends
                    # (the reader wakes us) or a timer is due: an idle session
                    # then costs no wake-ups but its pings.
                    nap_until = math.inf
                else:
                    # A busy socket: back off. After a quiet read ended, look
                    # again soon, in case that consumer stops reading.
                    quiet = nap_until == math.inf
                    wait = KEEPER_IDLE if quiet else min(wait * 2, KEEPER_MAX_IDLE)
                    nap_until = now + wait
                reads = self._reads
                continue
            wait = KEEPER_IDLE
            while protocol.closed is None and not self._reading:
                if len(self._messages) >= self._queue_size:
                    held_at = trio.current_time()
                    break
                before = len(self._messages)
                with trio.move_on_at(min(next_ping, pong_due)) as timer:
                    await self._read()
                if timer.cancelled_caught:
                    break  # a timer is due
                if len(self._messages) > before:
                    # A consumer will want it; it reads from here on. Until it
                    # does, reading is held back by the consumer, not the peer.
                    held_at = trio.current_time()
                    break
            now = trio.current_time()
            nap_until = now + wait
            reads = self._reads
        await self._see_tcp_closed(close_timeout)

    def _wake_writer(self) -> None:
        if self.on_output is not None:
            self.on_output()

    async def _see_tcp_closed(self, close_timeout: float) -> None:
        """After the WebSocket closed: let owed frames go out, then close TCP.

        A failed connection (protocol violation, keepalive timeout) is dropped
        as soon as its close frame is written. After a close handshake the
        server closes TCP first (RFC 6455 7.1.1); we wait for that, bounded.
        """
        info = self.protocol.closed
        assert info is not None
        with trio.move_on_after(close_timeout):
            try:
                await self.flush()
            except Closed:
                pass  # the link is gone already
            else:
                if not info.failed and info.from_peer:
                    await self._wait_for_eof()
        await self.abort()

    async def _wait_for_eof(self) -> None:
        while not self.eof:
            await self._read_turn()

    # -- sending -------------------------------------------------------------

    async def send_message(self, data: bytes) -> None:
        """Send one text message (UTF-8 bytes); `Closed` once no data may be sent.

        Returns once the whole frame is written. A cancellation before the
        write begins sends nothing (the frame is queued only once this task
        holds the stream); one during it leaves the stream broken.
        """
        await self._hold_stream()
        try:
            try:
                self.protocol.send_text(data)
            except SendRefused:
                raise Closed(self.protocol.closed) from None
            await self._write_locked()
        finally:
            self._release_stream()

    async def flush(self) -> None:
        """Write every frame the protocol owes (pongs, pings, close frames).

        A cancellation before the write begins leaves them owed.
        """
        await self._hold_stream()
        try:
            await self._write_locked()
        finally:
            self._release_stream()

    async def _hold_stream(self) -> None:
        """Become the one task writing. Cheaper than a `trio.Lock`, which is a
        schedule point even when free: a ping or a send then costs one task
        step less. Always a cancel point, before anything is taken."""
        while self._writing:
            await self._writers.park()
        # After any wait, and with no schedule point before the write begins:
        # a cancellation can only come here, where nothing is taken yet.
        await trio.lowlevel.checkpoint_if_cancelled()
        self._writing = True

    def _release_stream(self) -> None:
        self._writing = False
        if self._writers:
            self._writers.unpark()

    async def _write_locked(self) -> None:
        data = self.protocol.data_to_send()
        if not data:
            return
        if self.broken:
            raise Closed(self.protocol.closed)
        try:
            await self._stream.send_all(data)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            # Only the write side is known dead: what the server sent before
            # (events, its close frame) is still to be read, so the protocol
            # is not closed here; the reader finds the close or the EOF.
            self.broken = True
            self._wake_keeper()
            raise Closed(self.protocol.closed) from None
        except BaseException:
            self.broken = True  # cancelled once begun: part of a frame may be out
            raise

    # -- closing -------------------------------------------------------------

    async def close_handshake(self, code: int) -> None:
        """Send a close frame, read until the server's reply, then until it closes
        TCP; the caller bounds the wait. Messages still unread are discarded. The
        stream stays open: `abort` closes it."""
        protocol = self.protocol
        if self.broken:
            return
        protocol.send_close(code)
        try:
            await self.flush()
        except Closed:
            return
        protocol.messages.clear()
        while protocol.closed is None:
            await self._read_turn()
            protocol.messages.clear()
        if protocol.closed.from_peer:
            await self._wait_for_eof()

    async def abort(self) -> None:
        """Close the transport now, without any WebSocket courtesy."""
        self.protocol.connection_lost()
        await trio.aclose_forcefully(self._stream)
