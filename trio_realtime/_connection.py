"""`open_realtime` and `RealtimeConnection`: one Realtime session over a WebSocket.

Shape of the I/O (why it looks like this):

* Receiving costs no channel hop. The consumer's ``receive`` reads the socket
  and parses frames itself (`_transport`, `_frames`) and decodes the
  event in the same task, so a delta reaches the consumer with one wake-up and
  one C decode. trio-websocket's reader task plus channel hop cost about a
  third of the CPU per event at scale (see benchmarks/README.rst). A keeper
  task reads only while no consumer does, to answer pings and see a close.
  Backpressure: while ``message_queue_size`` messages wait unread, nobody reads
  the socket and TCP pushes back on the server.
* Sending goes through a real `trio.MemorySendChannel`, so any number of tasks
  can send (``send_channel.clone()``), and one writer task serialises events to
  the socket in order. The writer never abandons a frame half-written except
  under cancellation, and then the socket is closed rather than reused.
* The connection is a context manager that owns a nursery (`open_realtime`), or
  runs in a nursery the caller owns (`connect_realtime`), as trio-websocket does.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, TypeAlias, TypeVar, cast

import msgspec
import trio

from ._client import Handshake, prepare_handshake
from ._errors import (
    CloseTimeout,
    ConnectError,
    ConnectionClosed,
    ConnectTimeout,
    EventDecodeError,
    HostUnreachableError,
    RealtimeError,
    TLSError,
    handshake_error_for_status,
)
from ._frames import ABNORMAL, NO_STATUS, NORMAL_CLOSURE
from ._nursery import exit_nursery
from ._transport import BadUpgrade, Closed, HandshakeEOF, Rejected, WebSocket
from ._transport import handshake as websocket_handshake
from .events import (
    CLIENT_CODEC,
    TRANSLATION_CLIENT_CODEC,
    ClientEvent,
    InvalidEvent,
    ServerEvent,
    Session,
    SessionCreated,
    SessionUpdated,
    TranslationClientEvent,
    TranslationServerEvent,
    TranslationSession,
    TranslationSessionCreated,
    TranslationSessionUpdated,
    UnknownEvent,
)
from .events._codec import DECODE_FAILURES, EventCodec

__all__ = [
    "DEFAULT_CLOSE_TIMEOUT",
    "DEFAULT_CONNECT_TIMEOUT",
    "DEFAULT_MAX_MESSAGE_SIZE",
    "DEFAULT_MESSAGE_QUEUE_SIZE",
    "DEFAULT_RECEIVE_BUFFER_SIZE",
    "DEFAULT_SEND_BUFFER_SIZE",
    "ConnectionStatistics",
    "EventReceiveChannel",
    "RealtimeConnection",
    "TranslationConnection",
    "TranslationEvent",
    "connect_realtime",
    "open_realtime",
    "open_translation",
]

log = logging.getLogger("trio_realtime")

#: Client events accepted by ``send_channel`` before ``send`` blocks.
DEFAULT_SEND_BUFFER_SIZE = 64
#: Received messages that may wait unread before the socket is no longer read.
#: While that many wait, pings go unanswered too, so a consumer that stalls
#: longer than the server's ping timeout loses the session.
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

#: Seconds without a receiving consumer after which the keeper reads instead;
#: while a consumer is found reading it checks less and less often, up to the
#: second figure (the longest a ping then waits for its pong).
_KEEPER_IDLE = 0.5
_KEEPER_MAX_IDLE = 4.0

S = TypeVar("S", bound=msgspec.Struct)
C = TypeVar("C", bound=msgspec.Struct)
T = TypeVar("T")
K = TypeVar("K", bound="_Connection[Any, Any, Any]")

#: What a translation session's receive side yields.
TranslationEvent: TypeAlias = TranslationServerEvent | UnknownEvent | InvalidEvent


@dataclass(frozen=True)
class ConnectionStatistics:
    """Counters for one connection; cheap to take at any time."""

    events_received: int
    bytes_received: int
    events_sent: int
    bytes_sent: int
    unknown_events: int
    invalid_events: int
    send_buffer_used: int
    send_buffer_size: int


@dataclass(frozen=True)
class _Dialect(Generic[S, C]):
    """What differs between the realtime and translation endpoints."""

    path: str
    codec: EventCodec[Any, C]
    #: Events whose ``session`` field is the server's current session object.
    session_events: frozenset[type[Any]]


_REALTIME: _Dialect[ServerEvent, ClientEvent] = _Dialect(
    "/realtime", CLIENT_CODEC, frozenset({SessionCreated, SessionUpdated})
)
_TRANSLATION: _Dialect[TranslationEvent, TranslationClientEvent] = _Dialect(
    "/realtime/translations",
    TRANSLATION_CLIENT_CODEC,
    frozenset({TranslationSessionCreated, TranslationSessionUpdated}),
)


class EventReceiveChannel(trio.abc.ReceiveChannel[S]):
    """The receive side of a connection: decoded server events, in arrival order.

    ``receive`` reads the next message from the socket (or from what the keeper
    task read while nobody received) and decodes it
    in the calling task. Several tasks may receive concurrently; each event goes
    to exactly one of them. At the end of the session ``receive`` raises
    `trio.EndOfChannel` after a normal close by the server (code 1000),
    `ConnectionClosed` after any other close or a dropped socket, and
    `trio.ClosedResourceError` once we closed the connection ourselves; every
    event that arrived before the close is delivered first.

    ``receive`` is always a cancel point. It is a schedule point whenever it
    reads the socket, so at least once per ``receive_buffer_size`` bytes;
    events that one read brought in are handed over without a trip through
    the scheduler (that is what makes bursts cheap).
    """

    def __init__(self, conn: _Connection[S, Any, Any]) -> None:
        self._conn = conn

    async def receive(self) -> S:
        conn = self._conn
        try:
            data = await conn._websocket.get_message()  # pyright: ignore[reportPrivateUsage]
        except Closed:
            raise conn._receive_ended() from None  # pyright: ignore[reportPrivateUsage]
        return conn._deliver(data)  # pyright: ignore[reportPrivateUsage]

    async def aclose(self) -> None:
        """Closing the receive side closes the whole connection."""
        await self._conn.aclose()


class _Connection(trio.abc.AsyncResource, Generic[S, C, T]):
    """A live session: send client events, receive server events.

    ``send_channel`` is a `trio.MemorySendChannel` of client events (clone it for
    more sending tasks); ``receive_channel`` yields decoded server events. `send`,
    `receive` and ``async for event in conn`` are shortcuts over them. `session`
    is the latest session object the server reported.
    """

    def __init__(
        self,
        websocket: WebSocket,
        dialect: _Dialect[S, C],
        *,
        strict: bool,
        close_timeout: float,
        send_buffer_size: int,
        url: str,
    ) -> None:
        self._websocket = websocket
        self.url: str = url
        self.session: T | None = None
        self._codec = dialect.codec
        self._fast_decode = dialect.codec.fast_decode
        self._session_events = dialect.session_events
        self._strict = strict
        self._close_timeout = close_timeout
        self._send_buffer_size = send_buffer_size
        tx, rx = trio.open_memory_channel[C](send_buffer_size)
        self.send_channel: trio.MemorySendChannel[C] = tx
        self._send_rx = rx
        self.receive_channel: EventReceiveChannel[S] = EventReceiveChannel(self)
        self._writer_scope = trio.CancelScope()
        self._keeper_scope = trio.CancelScope()
        self._writer_idle: trio.CancelScope | None = None
        self._writer_done = trio.Event()
        self._mid_frame = False
        self._closing = False
        self._closed = False
        self._we_closed = False
        self._close_error: ConnectionClosed | None = None
        #: How many unsent events the last ConnectionClosed the user saw listed
        #: (None: the user has seen no ConnectionClosed yet).
        self._reported_unsent: int | None = None
        self._unsent: list[C] = []
        self._events_in = 0
        self._bytes_in = 0
        self._events_out = 0
        self._bytes_out = 0
        self._unknown = 0
        self._invalid = 0

    # -- receiving -------------------------------------------------------

    def _deliver(self, data: bytes | str) -> S:
        """Decode one received message and account for it."""
        self._events_in += 1
        self._bytes_in += len(data)
        try:
            event: S = self._fast_decode(data)
        except DECODE_FAILURES as failure:
            try:
                event = self._codec.recover(data, failure)
            except EventDecodeError as exc:
                self._invalid += 1
                log.debug("undecodable frame (%d bytes): %s", len(data), exc)
                if self._strict:
                    raise
                return cast(S, InvalidEvent(raw=exc.raw, error=exc, event_type=exc.event_type))
        cls: type[Any] = type(event)
        if cls is UnknownEvent:
            self._unknown += 1
        elif cls in self._session_events:
            self.session = cast(Any, event).session
        if log.isEnabledFor(logging.DEBUG):
            log.debug("received %s (%d bytes)", cast(Any, event).type, len(data))
        return event

    def _receive_ended(self) -> BaseException:
        """The exception `receive` raises once the message queue is drained and closed."""
        if self._closing:
            return trio.ClosedResourceError("the Realtime connection was closed by this client")
        reason = self._websocket.closed
        code = reason.code if reason is not None else ABNORMAL
        if code == NORMAL_CLOSURE:
            return trio.EndOfChannel()
        return self._report()

    def _closed_error(self) -> ConnectionClosed:
        # Built once the writer has stopped, so that `unsent` is complete.
        if self._close_error is None or not self._writer_done.is_set():
            reason = self._websocket.closed
            code = reason.code if reason is not None else ABNORMAL
            text = reason.reason if reason is not None else None
            self._close_error = ConnectionClosed(code, text, self._unsent)
        return self._close_error

    async def receive(self) -> S:
        """The next server event; see `EventReceiveChannel.receive` for how it ends."""
        # The channel's body, not a call to it: one await level less per event.
        try:
            data = await self._websocket.get_message()
        except Closed:
            raise self._receive_ended() from None
        return self._deliver(data)

    def __aiter__(self) -> EventReceiveChannel[S]:
        return self.receive_channel

    # -- sending ---------------------------------------------------------

    async def send(self, event: C) -> None:
        """Queue one client event for the writer; blocks while the send buffer is full.

        Raises `ConnectionClosed` once the session has ended, and
        `trio.ClosedResourceError` after this client closed it.
        """
        self._check_sendable()
        try:
            await self.send_channel.send(event)
        except trio.BrokenResourceError:
            raise self._send_failure() from None

    def send_nowait(self, event: C) -> None:
        """Queue one client event or raise `trio.WouldBlock` when the buffer is full."""
        self._check_sendable()
        try:
            self.send_channel.send_nowait(event)
        except trio.BrokenResourceError:
            raise self._send_failure() from None

    def _check_sendable(self) -> None:
        if self._closing:
            raise trio.ClosedResourceError("the Realtime connection was closed by this client")
        if self._websocket.closed is not None:
            raise self._send_failure()

    def _send_failure(self) -> ConnectionClosed:
        return self._report()

    def _report(self) -> ConnectionClosed:
        error = self._closed_error()
        self._reported_unsent = len(error.unsent)
        return error

    async def _writer(self) -> None:
        """Move client events from the send channel to the socket, in order."""
        rx = self._send_rx
        try:
            with self._writer_scope:
                while True:
                    event: C | None = None
                    # Wait below, outside the handler: no traceback kept alive.
                    with contextlib.suppress(trio.WouldBlock):
                        event = rx.receive_nowait()
                    if event is None:
                        if self._closing:
                            return
                        with trio.CancelScope() as idle:
                            self._writer_idle = idle
                            event = await rx.receive()
                        self._writer_idle = None
                        if event is None:  # woken by aclose: drain, then stop
                            continue
                    if not await self._transmit(event):
                        return
        except trio.EndOfChannel:
            pass
        finally:
            self._drain_unsent()
            self._writer_done.set()

    async def _keeper(self) -> None:
        """Answer pings and notice a close while no consumer is receiving."""
        with self._keeper_scope:
            await self._websocket.keep_alive(_KEEPER_IDLE, _KEEPER_MAX_IDLE)

    async def _transmit(self, event: C) -> bool:
        data = self._codec.encode(event).decode()
        self._mid_frame = True
        try:
            await self._websocket.send_message(data)
        except Closed:
            self._unsent.append(event)
            return False
        self._mid_frame = False
        self._events_out += 1
        self._bytes_out += len(data)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("sent %s (%d bytes)", cast(Any, event).type, len(data))
        return True

    def _drain_unsent(self) -> None:
        # Whatever is still buffered will never be sent: keep it for the error
        # that reports the close, and make further sends fail loudly.
        while True:
            try:
                self._unsent.append(self._send_rx.receive_nowait())
            except (trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError):
                break
        self._send_rx.close()

    # -- closing ---------------------------------------------------------

    async def aclose(self) -> None:
        """Flush what was already sent, close with code 1000, end the background tasks.

        Idempotent. Bounded by ``close_timeout``; the socket is closed whatever
        happens. Raises `CloseTimeout` if queued events could not be flushed in time.
        """
        await self._close(flush=True, polite=True)

    async def _close(self, *, flush: bool, polite: bool) -> None:
        """Close the session.

        ``flush`` waits for the writer to send what is queued; ``polite`` sends a
        close frame and waits for the reply. Both are bounded by close_timeout and
        cut short by cancellation; the transport is closed in every case.
        """
        if self._closed:
            return
        self._closed = True
        self._closing = True
        open_before = self._websocket.closed is None
        self._we_closed = open_before
        flushed = False
        try:
            with trio.move_on_after(self._close_timeout):
                if flush and open_before:
                    if self._writer_idle is not None:
                        self._writer_idle.cancel()
                    await self._writer_done.wait()
                    flushed = True
                else:
                    flushed = True
                    self._writer_scope.cancel()
                    await self._writer_done.wait()
                # A frame cut off mid-write has corrupted the stream: nothing more
                # may be written to it, not even a close frame.
                if polite and open_before and not self._mid_frame:
                    await self._websocket.aclose(NORMAL_CLOSURE)
        finally:
            self._writer_scope.cancel()
            self._keeper_scope.cancel()
            with trio.CancelScope(shield=True):
                # The writer is cancelled, so this wait is short; it makes the
                # list of unsent events complete before anyone reads it.
                await self._writer_done.wait()
                await self._websocket.abort()
        log.debug("closed %s", self.url)
        if not flushed:
            raise CloseTimeout(
                f"close_timeout ({self._close_timeout}s) ran out while flushing; "
                f"{len(self._unsent)} client event(s) were not sent",
                unsent=self._unsent,
            )

    def _pending_close_error(self) -> ConnectionClosed | None:
        """A close the user has not yet been told about, for the context manager to raise."""
        if self._reported_unsent is not None:
            # Already told; raise again only if more events turned out unsent
            # (the writer can find out after the receive side did).
            return self._closed_error() if len(self._unsent) > self._reported_unsent else None
        if self._unsent:
            return self._closed_error()
        reason = self._websocket.closed
        if reason is None or reason.code == NORMAL_CLOSURE:
            return None
        if self._we_closed and not (reason.from_peer and reason.code != NO_STATUS):
            # Our own close (or its timeout); but a close frame with an error
            # code, even one read only while closing, is the server's own news.
            return None
        return self._closed_error()

    def statistics(self) -> ConnectionStatistics:
        """A snapshot of this connection's counters."""
        return ConnectionStatistics(
            events_received=self._events_in,
            bytes_received=self._bytes_in,
            events_sent=self._events_out,
            bytes_sent=self._bytes_out,
            unknown_events=self._unknown,
            invalid_events=self._invalid,
            send_buffer_used=self.send_channel.statistics().current_buffer_used,
            send_buffer_size=self._send_buffer_size,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"


class RealtimeConnection(_Connection[ServerEvent, ClientEvent, Session]):
    """A live Realtime session (conversation or transcription).

    ``session`` is the latest `RealtimeSession` or `TranscriptionSession` from
    ``session.created`` / ``session.updated``.
    """


class TranslationConnection(
    _Connection[TranslationEvent, TranslationClientEvent, TranslationSession]
):
    """A live translation session (``/realtime/translations``)."""


# -- connecting -----------------------------------------------------------


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


async def _connect(
    nursery: trio.Nursery,
    kind: type[K],
    dialect: _Dialect[Any, Any],
    client: object,
    model: str | None,
    *,
    call_id: str | None,
    intent: str | None,
    extra_query: Mapping[str, str] | None,
    extra_headers: Mapping[str, str] | None,
    allow_insecure_transport: bool,
    ssl_context: ssl.SSLContext | None,
    strict: bool,
    send_buffer_size: int,
    message_queue_size: int,
    max_message_size: int,
    receive_buffer_size: int,
    connect_timeout: float,
    close_timeout: float,
) -> K:
    handshake_info = await prepare_handshake(
        client,
        path=dialect.path,
        model=model,
        call_id=call_id,
        intent=intent,
        extra_query=extra_query,
        extra_headers=extra_headers,
        allow_insecure_transport=allow_insecure_transport,
    )
    log.debug("connecting to %s", handshake_info.url)
    stream: trio.SocketStream | trio.SSLStream[trio.SocketStream] | None = None
    websocket: WebSocket | None = None
    failure: Exception | None = None
    try:
        with trio.move_on_after(connect_timeout):
            stream = await _open_stream(handshake_info, ssl_context)
            try:
                websocket = await websocket_handshake(
                    stream,
                    _host_header(handshake_info),
                    handshake_info.resource,
                    handshake_info.encoded_headers(),
                    max_message_size=max_message_size,
                    receive_buffer_size=receive_buffer_size,
                    queue_size=message_queue_size,
                )
            except (Rejected, HandshakeEOF, BadUpgrade) as exc:
                failure = exc
    finally:
        if websocket is None and stream is not None:
            await trio.aclose_forcefully(stream)
    if websocket is None:
        if isinstance(failure, Rejected):
            error: RealtimeError = _rejection(failure)
        elif isinstance(failure, BadUpgrade):
            error = ConnectError(f"{handshake_info.url}: {failure}")
        elif failure is not None:
            error = ConnectError(f"{handshake_info.url} closed the connection during the handshake")
        else:
            error = ConnectTimeout(
                f"connecting to {handshake_info.url} took longer than {connect_timeout}s"
            )
        raise error from failure
    conn = kind(
        websocket,
        dialect,
        strict=strict,
        close_timeout=close_timeout,
        send_buffer_size=send_buffer_size,
        url=handshake_info.url,
    )
    nursery.start_soon(conn._writer)  # pyright: ignore[reportPrivateUsage]
    nursery.start_soon(conn._keeper)  # pyright: ignore[reportPrivateUsage]
    log.debug("connected to %s", handshake_info.url)
    return conn


async def connect_realtime(
    nursery: trio.Nursery,
    client: object,
    model: str | None = None,
    *,
    call_id: str | None = None,
    intent: str | None = None,
    extra_query: Mapping[str, str] | None = None,
    extra_headers: Mapping[str, str] | None = None,
    allow_insecure_transport: bool = False,
    ssl_context: ssl.SSLContext | None = None,
    strict: bool = False,
    send_buffer_size: int = DEFAULT_SEND_BUFFER_SIZE,
    message_queue_size: int = DEFAULT_MESSAGE_QUEUE_SIZE,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    receive_buffer_size: int = DEFAULT_RECEIVE_BUFFER_SIZE,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
) -> RealtimeConnection:
    """Open a Realtime session whose background tasks run in ``nursery``.

    For callers that own their nursery; the caller must ``await conn.aclose()``.
    Takes the same arguments as `open_realtime`.
    """
    return await _connect(
        nursery,
        RealtimeConnection,
        _REALTIME,
        client,
        model,
        call_id=call_id,
        intent=intent,
        extra_query=extra_query,
        extra_headers=extra_headers,
        allow_insecure_transport=allow_insecure_transport,
        ssl_context=ssl_context,
        strict=strict,
        send_buffer_size=send_buffer_size,
        message_queue_size=message_queue_size,
        max_message_size=max_message_size,
        receive_buffer_size=receive_buffer_size,
        connect_timeout=connect_timeout,
        close_timeout=close_timeout,
    )


class _Session(Generic[K]):
    """The async context manager behind `open_realtime`: a nursery plus a connection."""

    def __init__(self, connect: Callable[[trio.Nursery], Any]) -> None:
        self._connect: Callable[[trio.Nursery], Any] | None = connect
        self._nursery_cm: Any = None
        self._nursery: trio.Nursery | None = None
        self._conn: K | None = None

    async def __aenter__(self) -> K:
        self._nursery_cm = trio.open_nursery()
        nursery: trio.Nursery = await self._nursery_cm.__aenter__()
        self._nursery = nursery
        # Used once: dropping it frees the arguments it captured for as long as
        # the session lives.
        connect, self._connect = self._connect, None
        assert connect is not None, "open_realtime(...) can be entered only once"
        try:
            self._conn = await connect(nursery)
        except BaseException as exc:
            await self._exit_nursery(exc)
            raise
        return self._conn  # pyright: ignore[reportReturnType] # set just above

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        conn = self._conn
        assert conn is not None
        assert self._nursery is not None
        pending: BaseException | None = None
        suppressed = False
        try:
            # Cancellation already hit our tasks too: close forcefully. A plain
            # exception from the block still gets a bounded polite close, minus
            # the flush (the block did not finish its work).
            if isinstance(exc, trio.Cancelled):
                await conn._close(flush=False, polite=False)  # pyright: ignore[reportPrivateUsage]
            else:
                try:
                    await conn._close(flush=exc is None, polite=True)  # pyright: ignore[reportPrivateUsage]
                except CloseTimeout as close_exc:
                    if exc is None:
                        pending = close_exc
                if exc is None and pending is None:
                    pending = conn._pending_close_error()  # pyright: ignore[reportPrivateUsage]
        finally:
            self._nursery.cancel_scope.cancel()
            suppressed = await self._exit_nursery(exc)
        if pending is not None:
            raise pending
        return suppressed

    async def _exit_nursery(self, exc: BaseException | None) -> bool:
        return await exit_nursery(self._nursery_cm, exc)


def open_realtime(
    client: object,
    model: str | None = None,
    *,
    call_id: str | None = None,
    intent: str | None = None,
    extra_query: Mapping[str, str] | None = None,
    extra_headers: Mapping[str, str] | None = None,
    allow_insecure_transport: bool = False,
    ssl_context: ssl.SSLContext | None = None,
    strict: bool = False,
    send_buffer_size: int = DEFAULT_SEND_BUFFER_SIZE,
    message_queue_size: int = DEFAULT_MESSAGE_QUEUE_SIZE,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    receive_buffer_size: int = DEFAULT_RECEIVE_BUFFER_SIZE,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
) -> _Session[RealtimeConnection]:
    """Open a Realtime session: ``async with open_realtime(client, "gpt-realtime") as conn``.

    ``client`` is a `Client` or any object shaped like the ``openai`` SDK's client.
    Give ``model`` to start a session, ``call_id`` to join an existing SIP/WebRTC
    call, ``intent="transcription"`` for a transcription session. With
    ``strict=True`` a frame that fails to decode raises `EventDecodeError` from
    ``receive`` instead of arriving as an `InvalidEvent`; either way the session
    goes on. The buffer and size defaults are the ``DEFAULT_*`` constants of this
    module. Leaving the block flushes queued sends, closes with code 1000 and
    ends every background task.
    """

    async def connect(nursery: trio.Nursery) -> RealtimeConnection:
        return await connect_realtime(
            nursery,
            client,
            model,
            call_id=call_id,
            intent=intent,
            extra_query=extra_query,
            extra_headers=extra_headers,
            allow_insecure_transport=allow_insecure_transport,
            ssl_context=ssl_context,
            strict=strict,
            send_buffer_size=send_buffer_size,
            message_queue_size=message_queue_size,
            max_message_size=max_message_size,
            receive_buffer_size=receive_buffer_size,
            connect_timeout=connect_timeout,
            close_timeout=close_timeout,
        )

    return _Session(connect)


def open_translation(
    client: object,
    model: str,
    *,
    extra_query: Mapping[str, str] | None = None,
    extra_headers: Mapping[str, str] | None = None,
    allow_insecure_transport: bool = False,
    ssl_context: ssl.SSLContext | None = None,
    strict: bool = False,
    send_buffer_size: int = DEFAULT_SEND_BUFFER_SIZE,
    message_queue_size: int = DEFAULT_MESSAGE_QUEUE_SIZE,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    receive_buffer_size: int = DEFAULT_RECEIVE_BUFFER_SIZE,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
) -> _Session[TranslationConnection]:
    """Open a live translation session on ``/realtime/translations``.

    Same semantics as `open_realtime`; the events are the ``Translation*`` ones.
    """

    async def connect(nursery: trio.Nursery) -> TranslationConnection:
        return await _connect(
            nursery,
            TranslationConnection,
            _TRANSLATION,
            client,
            model,
            call_id=None,
            intent=None,
            extra_query=extra_query,
            extra_headers=extra_headers,
            allow_insecure_transport=allow_insecure_transport,
            ssl_context=ssl_context,
            strict=strict,
            send_buffer_size=send_buffer_size,
            message_queue_size=message_queue_size,
            max_message_size=max_message_size,
            receive_buffer_size=receive_buffer_size,
            connect_timeout=connect_timeout,
            close_timeout=close_timeout,
        )

    return _Session(connect)
