"""`RealtimeConnection`: one Realtime session over an open WebSocket.

Shape of the I/O (why it looks like this):

* Receiving costs no channel hop. The consumer's ``receive`` reads the socket
  and parses frames itself (`_transport`) and decodes the event in the same
  task, so a delta reaches the consumer with one wake-up and one C decode.
* Sending goes through a real `trio.MemorySendChannel`, so any number of tasks
  can send (``send_channel.clone()``), and one writer task puts events on the
  socket in order, with every pong, ping and close frame the protocol owes.
  `send` checks and encodes the event in the caller's task, so a bad event
  fails at the call and the session goes on. While the session's input audio
  is PCM16, an ``InputAudioBufferAppend`` whose bytes are base64 text (the
  ``openai`` SDK habit) is refused there with `Base64AudioError`.
* Every client event without an ``event_id`` gets one (``"c1"``, ``"c2"``...,
  unique per connection, spliced into the encoded bytes; the event object is
  left as it was), and the last ``SENT_HISTORY`` (32) sent events are kept, so
  `sent_event` leads from a server ``error`` event to the event it blames.
* Accounting: after any exit, every event queued was either written whole
  (``events_sent``), or is listed as unsent (``ConnectionClosed.unsent``,
  ``CloseTimeout.unsent``), or was rejected with an `EventEncodeError` or
  `TypeError` that carries it. A frame cut off mid-write counts as unsent.
"""

from __future__ import annotations

import contextlib
import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeAlias, TypeVar, cast

import msgspec
import trio

from ._errors import (
    CloseTimeout,
    ConnectionClosed,
    EventDecodeError,
    EventEncodeError,
    KeepaliveTimeout,
)
from ._frames import ABNORMAL, NO_STATUS, NORMAL_CLOSURE, Binary, Message
from ._options import Options
from ._protocol import CloseInfo, Protocol
from ._transport import Closed, WebSocket
from .events import (
    CLIENT_CODEC,
    TRANSLATION_CLIENT_CODEC,
    ClientEvent,
    ErrorEvent,
    InputAudioBufferAppend,
    InvalidEvent,
    ServerEvent,
    Session,
    SessionCreated,
    SessionUpdate,
    SessionUpdated,
    TranslationClientEvent,
    TranslationServerEvent,
    TranslationSession,
    TranslationSessionCreated,
    TranslationSessionUpdated,
    UnknownEvent,
)
from .events._audio_buffer import check_not_base64
from .events._codec import DECODE_FAILURES, EventCodec

__all__ = [
    "SENT_HISTORY",
    "ConnectionStatistics",
    "Dialect",
    "EventReceiveChannel",
    "RealtimeConnection",
    "TranslationConnection",
    "TranslationEvent",
    "rejection",
    "start_connection",
]

log = logging.getLogger("trio_realtime")

#: How many sent client events `sent_event` can still find.
SENT_HISTORY = 32

S = TypeVar("S", bound=msgspec.Struct)
C = TypeVar("C", bound=msgspec.Struct)
T = TypeVar("T")
K = TypeVar("K", bound="_Connection[Any, Any, Any]")

#: What a translation session's receive side yields.
TranslationEvent: TypeAlias = TranslationServerEvent | UnknownEvent | InvalidEvent

_OUR_CLOSE = "the Realtime connection was closed by this client"


@dataclass(frozen=True)
class ConnectionStatistics:
    """Counters for one connection; cheap to take at any time.

    Bytes are counted as they travel in WebSocket payloads (UTF-8 JSON).
    ``events_rejected`` counts events put straight on ``send_channel`` that
    the writer could not encode (each reported by an `EventEncodeError` or
    `TypeError` from the next ``receive``); ``events_unsent`` those queued that
    will never be sent (see ``unsent`` on the connection).
    """

    events_received: int
    """Messages received from the server, one event each, invalid ones included."""
    bytes_received: int
    """Payload bytes of those messages."""
    events_sent: int
    """Client events written to the socket."""
    bytes_sent: int
    """Payload bytes of those events' messages."""
    unknown_events: int
    """Received events of a type this version does not know (`UnknownEvent`)."""
    invalid_events: int
    """Received events that did not decode (`InvalidEvent`)."""
    send_buffer_used: int
    """Client events queued on ``send_channel``, not yet taken by the writer."""
    send_buffer_size: int
    """How many client events ``send_channel`` holds before ``send`` waits."""
    events_rejected: int = 0
    """Events put on ``send_channel`` that the writer could not encode."""
    events_unsent: int = 0
    """Events queued that will never be sent (the connection ended first)."""


@dataclass(frozen=True)
class Dialect(Generic[S, C]):
    """What differs between the realtime and translation endpoints."""

    path: str
    codec: EventCodec[Any, C]
    #: Events the connection looks at as they pass (`_Connection._watch`): by
    #: default those whose ``session`` field is the server's current session.
    watched_events: frozenset[type[Any]]
    #: The client events' base class, named in the error for a wrong object.
    client_base: type[Any]
    #: What to call this kind of connection in an error message.
    label: str = "Realtime"
    #: Whether ``event_id=None`` means "send null, track nothing" (GPT-Live).
    null_event_id: bool = False


REALTIME: Dialect[ServerEvent, ClientEvent] = Dialect(
    "/realtime", CLIENT_CODEC, frozenset({SessionCreated, SessionUpdated}), ClientEvent
)
TRANSLATION: Dialect[TranslationEvent, TranslationClientEvent] = Dialect(
    "/realtime/translations",
    TRANSLATION_CLIENT_CODEC,
    frozenset({TranslationSessionCreated, TranslationSessionUpdated}),
    TranslationClientEvent,
)


class _Prepared(NamedTuple):
    """An event `send` checked and encoded; the writer puts ``data`` on the wire."""

    event: Any
    data: bytes
    event_id: str


class _Life(enum.Enum):
    OPEN = "open"
    #: This client is closing (``aclose`` or leaving the block).
    CLOSING = "closing"
    CLOSED = "closed"


class EventReceiveChannel(trio.abc.ReceiveChannel[S]):
    """The receive side of a connection: decoded server events, in arrival order.

    ``receive`` reads the next message from the socket (or from what the keeper
    task read while nobody received) and decodes it in the calling task.
    Several tasks may receive concurrently; each event goes to exactly one of
    them. At the end of the session ``receive`` raises `trio.EndOfChannel`
    after a normal close by the server (code 1000), `ConnectionClosed` after
    any other close or a dropped socket (`KeepaliveTimeout` when pongs stopped
    coming), and `trio.ClosedResourceError` once we closed the connection
    ourselves; every event that arrived before the close is delivered first.

    ``receive`` is always a cancel point, and a cancelled ``receive`` loses
    nothing: the event stays for the next call, and a ping or close frame the
    server sent meanwhile is still answered (by the writer task, never by the
    receiving task). It is a schedule point whenever it reads the socket, so at
    least once per ``receive_buffer_size`` bytes; events that one read brought
    in are handed over without a trip through the scheduler.
    """

    def __init__(self, conn: _Connection[S, Any, Any]) -> None:
        self._conn = conn

    async def receive(self) -> S:
        """The next server event; the class docs say how the session's end shows."""
        # `_Connection.receive`'s body, not a call to it: one await level (one
        # live object per waiting session) less on the path of every event.
        conn = self._conn
        if conn._rejected:  # pyright: ignore[reportPrivateUsage]
            await trio.lowlevel.checkpoint()
            raise conn._rejected.pop(0)  # pyright: ignore[reportPrivateUsage]
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

    The public attributes are documented on `RealtimeConnection` (and
    `TranslationConnection`), where ``help()`` and the reference show them.
    """

    def __init__(
        self, websocket: WebSocket, dialect: Dialect[S, C], options: Options, url: str
    ) -> None:
        self._websocket = websocket
        self.url: str = url
        self.session: T | None = None
        self._codec = dialect.codec
        self._fast_decode = dialect.codec.fast_decode
        self._watched_events = dialect.watched_events
        self._client_types = frozenset(dialect.codec.outgoing_types.values())
        self._client_base = dialect.client_base
        self._label = dialect.label
        self._null_event_id = dialect.null_event_id
        self._strict = options.strict
        self._close_timeout = options.close_timeout
        self._send_buffer_size = options.send_buffer_size
        self._ping_interval = options.ping_interval
        self._ping_timeout = options.ping_timeout
        tx, rx = trio.open_memory_channel[Any](options.send_buffer_size)
        # The channel also carries `_Prepared` items from `send`; users only
        # ever put client events on it.
        self.send_channel: trio.MemorySendChannel[C] = tx
        self._send_rx: trio.MemoryReceiveChannel[Any] = rx
        self.receive_channel: EventReceiveChannel[S] = EventReceiveChannel(self)
        self._writer_scope = trio.CancelScope()
        self._keeper_scope = trio.CancelScope()
        self._writer_idle: trio.CancelScope | None = None
        self._writer_done = trio.Event()
        self._life = _Life.OPEN
        self._closed_event = trio.Event()
        #: Set by a close that does not flush: the writer stops after its frame.
        self._stop_writing = False
        #: True when this client started the close while the WebSocket was open.
        self._we_closed = False
        #: How many unsent events the last ConnectionClosed the user saw listed
        #: (None: the user has seen no ConnectionClosed yet).
        self._reported_unsent: int | None = None
        self._unsent: list[C] = []
        #: The event the writer is putting on the wire right now.
        self._in_flight: C | None = None
        #: An event from ``send_channel`` the writer could not encode, until a
        #: ``receive`` reports it.
        self._rejected: list[Exception] = []
        self._sent: dict[str, C] = {}
        #: Whether appended input audio is PCM16 (the API's default format).
        self._pcm16_input = True
        self._next_id = 0
        self._events_in = 0
        self._bytes_in = 0
        self._events_out = 0
        self._bytes_out = 0
        self._events_rejected = 0
        self._unknown = 0
        self._invalid = 0
        #: Called (synchronously) once the keeper has ended: the WebSocket is
        #: closed or the connection is being closed. The session layer's hook.
        self._on_closed: Callable[[], None] | None = None
        #: Callables run with every delivered event, in the receiving task
        #: (see `add_observer`).
        self._observers: tuple[Callable[[S], None], ...] = ()
        #: Callables run with the exception ``receive`` raises at the end of
        #: the events (see `add_observer`'s ``on_end``).
        self._end_observers: tuple[Callable[[BaseException], None], ...] = ()
        websocket.on_output = self._wake_writer

    # -- receiving -------------------------------------------------------

    async def receive(self) -> S:
        """The next server event; see `EventReceiveChannel.receive` for how it ends."""
        if self._rejected:
            await trio.lowlevel.checkpoint()
            raise self._rejected.pop(0)
        try:
            data = await self._websocket.get_message()
        except Closed:
            raise self._receive_ended() from None
        return self._deliver(data)

    def _deliver(self, data: Message) -> S:
        """Decode one received message and account for it."""
        self._events_in += 1
        if type(data) is Binary:
            return self._binary(data)
        payload: bytes | bytearray = data  # pyright: ignore[reportAssignmentType] # not Binary
        self._bytes_in += len(payload)
        try:
            event: S = self._fast_decode(payload)
        except DECODE_FAILURES as failure:
            try:
                event = self._codec.recover(payload, failure)
            except EventDecodeError as exc:
                return self._invalid_event(exc)
        cls: type[Any] = type(event)
        if cls is UnknownEvent:
            self._unknown += 1
        elif cls in self._watched_events:
            self._watch(event)
        if log.isEnabledFor(logging.DEBUG):
            log.debug("received %s (%d bytes)", cast(Any, event).type, len(data))
        if self._observers:
            for observe in self._observers:
                observe(event)
        return event

    def _watch(self, event: Any) -> None:
        """A watched event arrived (rare: off the path of deltas); by default a
        session event, whose session becomes ``self.session``."""
        self.session = event.session
        self._follow_input_format(self.session)

    def _binary(self, message: Binary) -> S:
        # The Realtime API sends JSON in text frames only; a binary message is
        # delivered as invalid rather than guessed at (see README, "Frames").
        self._bytes_in += len(message.data)
        error = EventDecodeError(
            "a binary WebSocket message: the Realtime API sends events as text frames",
            bytes(message.data),
        )
        return self._invalid_event(error)

    def _invalid_event(self, exc: EventDecodeError) -> S:
        self._invalid += 1
        log.debug("undecodable frame (%d bytes): %s", len(exc.raw), exc)
        if self._strict:
            raise exc
        event = cast(S, InvalidEvent(raw=exc.raw, error=exc, event_type=exc.event_type))
        for observe in self._observers:
            observe(event)
        return event

    def _receive_ended(self) -> BaseException:
        """The exception `receive` raises once the message queue is drained and closed.

        The end observers (`add_observer`'s ``on_end``) are told it first.
        """
        ended: BaseException
        if self._life is not _Life.OPEN:
            ended = trio.ClosedResourceError(_OUR_CLOSE)
        else:
            info = self._websocket.closed
            if info is not None and info.code == NORMAL_CLOSURE:
                ended = trio.EndOfChannel()
            else:
                ended = self._report()
        for observe_end in self._end_observers:
            observe_end(ended)
        return ended

    def __aiter__(self) -> EventReceiveChannel[S]:
        return self.receive_channel

    def add_observer(
        self,
        observer: Callable[[S], None],
        *,
        on_end: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run ``observer(event)`` with every event, in the receiving task, before it is returned.

        For state that must see every event, such as an agent's `Conversation`,
        without a channel hop: the observer runs inside ``receive``, whichever
        task calls it, so it must be quick, must not block, and must not
        raise (an exception would propagate out of that ``receive``, after the
        event was taken). Observers run in the order they were added.
        ``on_end`` is run likewise with the exception ``receive`` raises once
        the events have ended (`ConnectionClosed`, ``trio.EndOfChannel``...),
        so state waiting for events learns that none will come.
        """
        self._observers = (*self._observers, observer)
        if on_end is not None:
            self._end_observers = (*self._end_observers, on_end)

    def remove_observer(
        self,
        observer: Callable[[S], None],
        *,
        on_end: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Stop running ``observer`` (and ``on_end``); a no-op when it is not attached."""
        self._observers = tuple(o for o in self._observers if o is not observer)
        self._end_observers = tuple(o for o in self._end_observers if o is not on_end)

    # -- sending ---------------------------------------------------------

    async def send(self, event: C) -> None:
        """Check, encode and queue one client event; blocks while the send buffer is full.

        Raises `TypeError` for anything that is not a client event of this
        connection and `EventEncodeError` (naming the bad field's path) for
        one that cannot be encoded; the session goes on after either. Raises
        `ConnectionClosed` once the session has ended, and
        `trio.ClosedResourceError` after this client closed it.
        """
        self._check_open()
        item = self._prepare(event)
        try:
            await self.send_channel.send(item)  # pyright: ignore[reportArgumentType]
        except trio.BrokenResourceError:
            raise self._report() from None

    def send_nowait(self, event: C) -> None:
        """Like `send`, but raise `trio.WouldBlock` when the buffer is full."""
        self._check_open()
        item = self._prepare(event)
        try:
            self.send_channel.send_nowait(item)  # pyright: ignore[reportArgumentType]
        except trio.BrokenResourceError:
            raise self._report() from None

    def sent_event(self, error: ErrorEvent | str) -> C | None:
        """The client event a server ``error`` event (or an ``event_id``) refers to.

        Found among the last 32 events sent; None when the error
        names no event or it is older than that.
        """
        event_id = error if isinstance(error, str) else error.error.event_id
        return self._sent.get(event_id) if event_id else None

    def _check_open(self) -> None:
        if self._life is not _Life.OPEN:
            raise trio.ClosedResourceError(_OUR_CLOSE)
        if self._websocket.closed is not None:
            raise self._report()

    def _prepare(self, event: object) -> _Prepared:
        """Check that ``event`` is one of our client events and encode it, with an id."""
        cls = type(event)
        if cls not in self._client_types:
            raise TypeError(self._not_sendable(event))
        event_id: object = getattr(event, "event_id", msgspec.UNSET)
        if event_id is None and self._null_event_id:
            # GPT-Live commands may say "no id" with null: sent as it is, untracked.
            return _Prepared(event, self._codec.encode(cast(C, event)), "")
        if event_id is not msgspec.UNSET and not isinstance(event_id, str):
            raise TypeError(
                f"{cls.__name__}.event_id must be a str or left unset (the "
                f"connection then gives it one), not {type(event_id).__name__}"
            )
        if cls is InputAudioBufferAppend and self._pcm16_input:
            check_not_base64(cast(InputAudioBufferAppend, event).audio)
        data = self._codec.encode(cast(C, event))
        if cls is SessionUpdate:
            # Only once it is sure to go out: a refused update changes nothing.
            self._follow_input_format(cast(SessionUpdate, event).session)
        if isinstance(event_id, str):
            return _Prepared(event, data, event_id)
        self._next_id += 1
        new_id = f"c{self._next_id}"
        # Encoded Structs start with '{"type":'; the id goes in front of it, so
        # the user's event object is never changed (one copy of the bytes).
        head = b'{"event_id":"' + new_id.encode() + b'",'
        return _Prepared(event, b"".join((head, memoryview(data)[1:])), new_id)

    def _follow_input_format(self, session: object) -> None:
        """Note whether input audio is PCM16, for the base64 guard in `send`.

        The format is known from our ``session.update`` and from the server's
        session events; a session that names none keeps what was known.
        """
        audio = getattr(session, "audio", None)
        given = getattr(getattr(audio, "input", None), "format", None)
        kind = getattr(given, "type", None)
        if isinstance(kind, str):
            self._pcm16_input = kind == "audio/pcm"

    def _not_sendable(self, event: object) -> str:
        kind = type(event)
        name = kind.__name__
        base = self._client_base.__name__
        if isinstance(event, self._client_base):
            return (
                f"{name} is not a command a {self._label} connection takes; "
                f"see the union of its commands in the docs of {base}"
            )
        if isinstance(event, ClientEvent | TranslationClientEvent):
            return (
                f"{name} is a client event of another kind of session: this connection "
                f"takes {base} subclasses"
            )
        if isinstance(event, ServerEvent | TranslationServerEvent):
            return f"{name} is a server event; send() takes client events ({base} subclasses)"
        if isinstance(event, msgspec.Struct) and kind.__module__.startswith("trio_realtime"):
            # An item, a session or a response config: say which event carries it.
            return (
                f"{name} is not an event; wrap it in the client event that carries it, "
                f"such as ConversationItemCreate(item=...) for an item or "
                f"SessionUpdate(session=...) for a session"
            )
        if isinstance(event, dict):
            return (
                "send() takes event Structs from trio_realtime.events, not dicts; "
                "build one, e.g. ev.ResponseCreate(), or decode a dict with "
                "msgspec.convert(data, trio_realtime.events.ClientEventUnion)"
            )
        return f"send() takes a client event ({base} subclass), not {name}"

    def _wake_writer(self) -> None:
        if self._writer_idle is not None:
            self._writer_idle.cancel()

    async def _writer(self) -> None:
        """Move client events from the send channel to the socket, in order, and
        write whatever else the protocol owes (pongs, pings, close frames)."""
        rx = self._send_rx
        ws = self._websocket
        protocol = ws.protocol
        channel_open = True
        try:
            with self._writer_scope:
                while True:
                    if protocol.wants_write:
                        await ws.flush()
                    if protocol.close_sent or protocol.closed is not None:
                        return  # no data may follow a close frame
                    if self._stop_writing:
                        return  # closing without a flush: the rest is unsent
                    item: Any = None
                    # Wait below, outside the handler: no traceback kept alive.
                    with contextlib.suppress(trio.WouldBlock, trio.EndOfChannel):
                        item = rx.receive_nowait() if channel_open else None
                    if item is None:
                        if self._life is not _Life.OPEN:
                            return
                        with trio.CancelScope() as idle:
                            self._writer_idle = idle
                            if channel_open:
                                try:
                                    item = await rx.receive()
                                except trio.EndOfChannel:
                                    channel_open = False
                            else:
                                await trio.sleep_forever()
                        self._writer_idle = None
                        if item is None:  # woken: frames are owed, or aclose
                            continue
                    if not await self._transmit(item):
                        return
        except Closed:
            pass
        finally:
            self._writer_idle = None
            if self._in_flight is not None:  # cut off mid-write: not sent
                self._unsent.append(self._in_flight)
                self._in_flight = None
            self._drain_unsent()
            self._writer_done.set()

    async def _transmit(self, item: Any) -> bool:
        """Write one item; False once the WebSocket takes no more."""
        if type(item) is _Prepared:
            prepared: _Prepared = item
        else:
            try:
                prepared = self._prepare(item)
            except (TypeError, EventEncodeError) as exc:
                self._reject(item, exc)
                return True
        event = prepared.event
        self._in_flight = event
        try:
            await self._websocket.send_message(prepared.data)
        except Closed:
            self._in_flight = None
            self._unsent.append(event)
            return False
        self._in_flight = None
        self._events_out += 1
        self._bytes_out += len(prepared.data)
        if prepared.event_id:
            sent = self._sent
            sent[prepared.event_id] = event
            if len(sent) > SENT_HISTORY:
                del sent[next(iter(sent))]
        if log.isEnabledFor(logging.DEBUG):
            log.debug("sent %s (%d bytes)", event.type, len(prepared.data))
        return True

    def _reject(self, item: object, exc: TypeError | EventEncodeError) -> None:
        # Put straight on send_channel, so no call of the sender's can fail:
        # the next receive reports it, and the session goes on.
        self._events_rejected += 1
        self._rejected.append(rejection(item, exc))

    def _drain_unsent(self) -> None:
        # Whatever is still buffered will never be sent: keep it for the error
        # that reports the close, and make further sends fail loudly.
        while True:
            try:
                item: Any = self._send_rx.receive_nowait()
            except (trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError):
                break
            self._unsent.append(item.event if type(item) is _Prepared else item)
        self._send_rx.close()

    async def _keeper(self) -> None:
        """Pings, pongs, and a close noticed while no consumer is receiving."""
        try:
            with self._keeper_scope:
                await self._websocket.keep_alive(
                    self._ping_interval, self._ping_timeout, self._close_timeout
                )
        finally:
            if self._on_closed is not None:
                self._on_closed()

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
        if self._life is not _Life.OPEN:
            await self._closed_event.wait()  # a close already under way: its end
            return
        self._life = _Life.CLOSING
        ws = self._websocket
        open_before = ws.closed is None
        self._we_closed = open_before
        flush = flush and open_before
        flushed = not flush
        try:
            with trio.move_on_after(self._close_timeout):
                # The writer stops on its own, after the frame it is writing and
                # whatever the protocol owes (a pong, a close echo): cutting it
                # off would cost those. Only the timeout cuts it (finally below).
                self._stop_writing = not flush
                self._wake_writer()
                await self._writer_done.wait()
                flushed = True
                if polite:
                    if open_before:
                        await ws.close_handshake(NORMAL_CLOSURE)
                    else:
                        await ws.flush()  # a close echo or pong still owed
        except Closed:
            pass
        finally:
            self._writer_scope.cancel()
            self._keeper_scope.cancel()
            with trio.CancelScope(shield=True):
                # The writer is cancelled, so this wait is short; it makes the
                # list of unsent events complete before anyone reads it.
                await self._writer_done.wait()
                await ws.abort()
            self._life = _Life.CLOSED
            self._closed_event.set()
        log.debug("closed %s", self.url)
        if not flushed:
            raise CloseTimeout(
                f"close_timeout ({self._close_timeout}s) ran out while flushing; "
                f"{len(self._unsent)} client event(s) were not sent",
                unsent=self._unsent,
            )

    # -- the one place that says how the session ended -------------------

    def _report(self) -> ConnectionClosed:
        """The `ConnectionClosed` for the user, remembering how many unsent it listed.

        Built anew each time, so that its ``unsent`` is what is known now (the
        writer can find more after the receive side saw the close).
        """
        info = self._websocket.closed or CloseInfo(ABNORMAL, None)
        cls = KeepaliveTimeout if self._websocket.keepalive_expired else ConnectionClosed
        error = cls(info.code, info.reason, self._unsent)
        self._reported_unsent = len(error.unsent)
        return error

    def _pending_exit_error(self) -> Exception | None:
        """What leaving the ``async with`` must still tell: a close the user was
        not told about, else an event from ``send_channel`` that no ``receive``
        reported as rejected."""
        error = self._pending_close_error()
        if error is None and self._rejected:
            return self._rejected.pop(0)
        return error

    def _pending_close_error(self) -> ConnectionClosed | None:
        """A close the user has not yet been told about, for the context manager to raise."""
        if self._reported_unsent is not None:
            # Already told; raise again only if more events turned out unsent.
            return self._report() if len(self._unsent) > self._reported_unsent else None
        if self._unsent:
            return self._report()
        info = self._websocket.closed
        if info is None or info.code == NORMAL_CLOSURE:
            return None
        if self._we_closed and not (info.from_peer and info.code != NO_STATUS):
            # Our own close (or its timeout); but a close frame with an error
            # code, even one read only while closing, is the server's own news.
            return None
        return self._report()

    @property
    def unsent(self) -> tuple[C, ...]:
        """The client events that were queued but will never be sent, in order.

        Complete once the writer has stopped (after the close, whichever way
        it came, cancellation included): then ``events_sent`` + ``len(unsent)``
        + ``events_rejected`` is every event queued.
        """
        return tuple(self._unsent)

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
            events_rejected=self._events_rejected,
            events_unsent=len(self._unsent),
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url}>"


class RealtimeConnection(_Connection[ServerEvent, ClientEvent, Session]):
    """A live Realtime session (conversation or transcription). See `open_realtime`.

    Attributes:

    ``send_channel``
        A `trio.MemorySendChannel` of client events (clone it for more sending
        tasks); one writer task puts them on the socket in order. Events put on
        it directly are checked by the writer instead of at the call: one that
        cannot be sent is logged, and reported by the next ``receive`` call to
        start after the writer met it, or else by leaving the ``async with``;
        the session goes on.
    ``receive_channel``
        The `EventReceiveChannel` of decoded server events, in arrival order.
    ``session``
        The latest session the server reported (a `RealtimeSession`
        or `TranscriptionSession` from ``session.created`` /
        ``session.updated``), or None before the first.
    ``url``
        The WebSocket URL (it never holds a credential).

    `send`, `receive` and ``async for event in conn`` are shortcuts over the
    two channels; `sent_event` finds the client event a server error names.
    """


class TranslationConnection(
    _Connection[TranslationEvent, TranslationClientEvent, TranslationSession]
):
    """A live translation session (``/realtime/translations``). See `open_translation`.

    Attributes:

    ``send_channel``
        A `trio.MemorySendChannel` of translation client events, as on
        `RealtimeConnection`.
    ``receive_channel``
        The `EventReceiveChannel` of decoded translation server events.
    ``session``
        The latest `TranslationSession` the server
        reported, or None before the first.
    ``url``
        The WebSocket URL (it never holds a credential).
    """


def rejection(item: object, exc: TypeError | EventEncodeError) -> Exception:
    """The error a ``receive`` reports for ``item``, an event put on ``send_channel``
    that could not be sent (``exc`` says why); logged as it is made."""
    message = f"an event put on send_channel was not sent: {exc}"
    log.error("%s", message)
    if isinstance(exc, EventEncodeError):
        return EventEncodeError(message, path=exc.path, event=item)
    return TypeError(message)


def start_connection(
    nursery: trio.Nursery,
    kind: type[K],
    dialect: Dialect[Any, Any],
    stream: trio.abc.Stream,
    trailing: bytes,
    options: Options,
    url: str,
) -> K:
    """A connection over an upgraded ``stream``, its writer and keeper started in
    ``nursery``; ``trailing`` are bytes that arrived right behind the 101 answer."""
    protocol = Protocol(options.max_message_size)
    websocket = WebSocket(
        stream,
        protocol,
        receive_buffer_size=options.receive_buffer_size,
        queue_size=options.message_queue_size,
    )
    conn = kind(websocket, dialect, options, url)
    if trailing:
        websocket.feed(trailing)
    nursery.start_soon(conn._writer)  # pyright: ignore[reportPrivateUsage]
    nursery.start_soon(conn._keeper)  # pyright: ignore[reportPrivateUsage]
    return conn
