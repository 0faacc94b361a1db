"""`ReconnectingConnection`: one logical session over successive connections.

What ``open_realtime(..., reconnect=Reconnect())`` gives. It has the surface
of `RealtimeConnection` (``send_channel``, ``send``, ``receive``, ``async for``,
``session``, ``statistics()``, ``sent_event``, ``unsent``) and adds
``conversation`` and the `Reconnected` marker in the receive stream. It is its
own class, not a mode of `RealtimeConnection`: the plain connection's per-event
path stays exactly as it was, and the user's ``send_channel`` (and its clones
held by other tasks) must outlive every socket.

Shape of the I/O:

* Receiving has no channel hop: ``receive`` reads the current connection in
  the caller's task, then, in the same task, notes turn state (response
  active, user speaking, ``server_error`` events) and feeds the
  `Conversation`. When that connection ends, ``receive`` waits for the new
  session and returns the `Reconnected` marker, so every event of the old
  session is delivered before it, and none twice.
* Sending has one hop: the user's ``send_channel`` is this session's own
  channel, and a pump task moves its events to the current connection's
  channel. While there is none (an outage, a switch) the pump holds them in a
  queue bounded in events and bytes; once full, it stops taking, so ``send``
  blocks (backpressure, never loss).
* A supervisor task opens new connections: after a loss, at a rollover, for a
  poisoned session. It restores the configuration and the conversation on the
  new socket before anything else is sent there, reads the acknowledgements
  itself (they are not delivered), then sends what was held, in order, and
  switches sending over.

Exactly once: an event whose frame was written whole to the old socket counts
as sent there (the transport's ``unsent`` accounting says which were not);
those, and everything held during the outage, go to the new session, in the
order they were queued. A frame cut off mid-write is sent again.

Rollover is make-before-break: at a turn boundary (or at
``max_session_duration``) the new connection is opened while the old one still
serves; then sends are held, the old one is closed with a close handshake (its
last events are still delivered), and once the consumer has read it to the end
the conversation is restored from that final state on the new one and sends
resume there. The restore comes after the old session's end, not before it, so
that nothing the old session acknowledged late is missing from the new one;
the gap in sending is the close round trip plus the restore round trip, and no
audio is lost in it (it waits in the queue).

A switch completes once the consumer has read the old connection to its end
(within ``close_timeout`` after a rollover's close, the old socket is cut and
what it had parsed is still delivered): an application that stops receiving
holds its sends in the queue until it receives again. Events a new session
sends during a restore that then fails are dropped with that session (the
consumer never saw it).
"""

from __future__ import annotations

import collections
import logging
import math
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, cast

import msgspec
import trio

from . import events as ev
from ._connection import (
    ConnectionStatistics,
    _Connection,  # pyright: ignore[reportPrivateUsage]
    _Prepared,  # pyright: ignore[reportPrivateUsage]
    rejection,
)
from ._conversation import Conversation
from ._errors import ConnectionClosed, EventEncodeError, KeepaliveTimeout
from ._frames import NORMAL_CLOSURE
from ._reconnect import Reconnect, Reconnected, ReconnectReason, RestoreError, retry_after
from ._restore import RESTORE_ID_PREFIX, RestorePlan, plan_restore

__all__ = ["ReconnectStatistics", "ReconnectingConnection", "RestoreMode"]

log = logging.getLogger("trio_realtime")

S = TypeVar("S")
C = TypeVar("C")
T = TypeVar("T")

AnyConnection = _Connection[Any, Any, Any]
Connector = Callable[[trio.Nursery], Awaitable[AnyConnection]]

#: What a new session gets back: configuration and conversation, the
#: configuration only (transcription, translation), or nothing (a ``call_id``
#: attach: the call's session lives on at the server).
RestoreMode = Literal["conversation", "config", "none"]

_OUR_CLOSE = "the Realtime session was closed by this client"
#: Seconds before a rollover or recovery that could not open a new session is tried again.
ROLLOVER_RETRY = 60.0
#: Client events that name an item by id: rewritten when the server gave a
#: restored item a new id.
_ITEM_REFS = (ev.ConversationItemTruncate, ev.ConversationItemDelete, ev.ConversationItemRetrieve)


@dataclass(frozen=True)
class ReconnectStatistics(ConnectionStatistics):
    """`ConnectionStatistics` summed over every connection of the session, plus the
    session's own counters. The restore's own events are counted apart
    (``restore_events_sent``, ``restore_events_received``), so ``events_sent``
    + ``events_unsent`` + ``events_rejected`` is still every event queued."""

    reconnects: int = 0
    """How many times the server session was replaced (rollovers included)."""
    rollovers: int = 0
    """How many of those were planned rollovers rather than recoveries."""
    restore_events_sent: int = 0
    """Client events the restores sent (configuration and conversation items)."""
    restore_events_received: int = 0
    """Server events the restores read as acknowledgements (not delivered)."""
    held_events: int = 0
    """Client events held now, waiting for a connection to take them."""
    held_bytes: int = 0
    """Encoded bytes of those held events (bounded by `Reconnect.queue_max_bytes`)."""


class _SessionReceiveChannel(trio.abc.ReceiveChannel[Any]):
    """The receive side of a `ReconnectingConnection`; see its ``receive``."""

    def __init__(self, session: ReconnectingConnection[Any, Any, Any]) -> None:
        self._session = session

    async def receive(self) -> Any:
        return await self._session.receive()

    async def aclose(self) -> None:
        await self._session.aclose()


class ReconnectingConnection(trio.abc.AsyncResource, Generic[S, C, T]):
    """A Realtime session that survives its connections: what
    ``open_realtime(..., reconnect=Reconnect())`` yields.

    It has the surface of `RealtimeConnection` (``send``, ``receive``,
    ``async for``, ``session``, ``statistics()``, ``sent_event``, ``unsent``)
    over successive connections, and puts a `Reconnected` marker in the
    receive stream each time the server session is new: every event of the
    old session comes before it, none twice.

    * Sending: ``send_channel`` outlives every socket. During an outage or a
      switch, client events are held in a queue bounded by
      `Reconnect.queue_max_events` and `Reconnect.queue_max_bytes`; once it
      is full, ``send`` waits (backpressure, never loss).
    * Exactly once: an event written whole to the old socket counts as sent
      there; the rest, and everything held, go to the new session in the order
      they were queued, after its configuration and conversation are restored
      (the restore's acknowledgements are not delivered).
    * Rollover is make-before-break: at a turn boundary near
      `Reconnect.max_session_duration` the new connection is opened while the
      old one serves; the old one is closed with a close handshake and read to
      its end before sends resume on the new one, so no audio is lost (it
      waits in the queue).
    * A switch completes once the consumer has read the old connection to its
      end: an application that stops receiving holds its sends until it
      receives again.

    Attributes:

    ``send_channel``
        A `trio.MemorySendChannel` of client events that lives
        as long as the session (clone it for more sending tasks).
    ``receive_channel``
        The server events, with a `Reconnected` marker each
        time the server session is new.
    ``conversation``
        The `Conversation` kept from the received events and
        restored on every new session (None when only the configuration
        is restored).
    ``reconnects``
        How many times the server session was replaced.
    ``policy``
        The `Reconnect` policy.
    """

    def __init__(
        self,
        nursery: trio.Nursery,
        connect: Connector,
        first: AnyConnection,
        policy: Reconnect,
        *,
        send_buffer_size: int,
        close_timeout: float,
        restore: RestoreMode,
    ) -> None:
        self.policy: Reconnect = policy
        self.conversation: Conversation | None = (
            Conversation() if restore == "conversation" else None
        )
        self.reconnects: int = 0
        self._nursery = nursery
        self._connect = connect
        self._restore_mode: RestoreMode = restore
        self._close_timeout = close_timeout
        self._rng = random.Random()
        #: The connection ``receive`` reads, the one sends go to (None while
        #: held), and the newest (it checks and encodes what ``send`` gets).
        self._rconn: AnyConnection = first
        self._sconn: AnyConnection | None = first
        self._latest: AnyConnection = first
        self._live: list[AnyConnection] = [first]
        self._session_started = trio.current_time()
        #: A connection that fails again before it delivered anything new,
        #: within `Reconnect.backoff_max` of the reconnect that made it, counts
        #: against that reconnect's attempts (a server that accepts and drops
        #: at once would otherwise be reconnected to forever): when that
        #: reconnect finished, its attempts, and the events delivered by then.
        self._recovered_at = -math.inf
        self._streak = 0
        self._delivered = 0
        self._delivered_at_recovery = -1
        tx, rx = trio.open_memory_channel[Any](send_buffer_size)
        self.send_channel: trio.MemorySendChannel[C] = tx
        self._rx: trio.MemoryReceiveChannel[Any] = rx
        self.receive_channel: trio.abc.ReceiveChannel[S | Reconnected] = _SessionReceiveChannel(
            self
        )
        # Held sends, in order; what the old connection did not write goes in front.
        self._held: collections.deque[Any] = collections.deque()
        self._held_bytes = 0
        self._room = trio.Event()
        self._progress = trio.Event()
        self._pump_busy = False
        # The supervisor's triggers.
        self._wake = trio.Event()
        self._lost: AnyConnection | None = None
        self._lost_at = 0.0
        self._poisoned = False
        self._boundary = trio.Event()
        # Handing the consumer over to a new session.
        self._retiring: AnyConnection | None = None
        #: Connections the consumer has read to their end (until retired).
        self._drained: set[AnyConnection] = set()
        self._drained_event = trio.Event()
        self._ready: tuple[AnyConnection, Reconnected] | None = None
        self._ready_event = trio.Event()
        self._stash: collections.deque[Any] = collections.deque()
        self._failure: BaseException | None = None
        self._failure_told = False
        # Turn state, from the received events.
        self._active_response: str | None = None
        self._speaking = False
        self._fatal_code: str | None = None
        self._expired = False
        self._server_errors: collections.deque[float] = collections.deque()
        # Item ids the server changed on restore: old -> new and back.
        self._forward_ids: dict[str, str] = {}
        self._back_ids: dict[str, str] = {}
        self._rejected: list[Exception] = []
        self._events_rejected = 0
        self._observers: tuple[Callable[[Any], None], ...] = ()
        self._end_observers: tuple[Callable[[BaseException], None], ...] = ()
        self._closing = False
        self._closed = trio.Event()
        self._unsent: list[Any] = []
        self._retired_stats: list[ConnectionStatistics] = []
        self._rollovers = 0
        self._rollover_retry_at = -math.inf
        self._resent_pending = 0
        self._send_buffer_size = send_buffer_size
        #: The session configuration to restore: the last ``session.updated``
        #: (None while the application never changed the server's defaults).
        self._config: Any = None
        self._restore_sent = 0
        self._restore_received = 0
        self._supervisor_scope = trio.CancelScope()
        self._watch: dict[type[Any], Callable[[Any], None]] = {
            ev.ResponseCreated: self._on_response_created,
            ev.ResponseDone: self._on_response_done,
            ev.InputAudioBufferSpeechStarted: self._on_speech_started,
            ev.InputAudioBufferSpeechStopped: self._on_speech_stopped,
            ev.InputAudioBufferCleared: self._on_speech_stopped,
            ev.ErrorEvent: self._on_error,
            ev.SessionUpdated: self._on_session_updated,
            ev.TranslationSessionUpdated: self._on_session_updated,
        }
        first._on_closed = self._ender(first)  # pyright: ignore[reportPrivateUsage]

    def start(self) -> None:
        """Start the pump and the supervisor in the session's nursery."""
        self._nursery.start_soon(self._pump)
        self._nursery.start_soon(self._supervise)

    # -- what the consumer sees --------------------------------------------

    @property
    def session(self) -> T | None:
        """The latest session object the server reported (of the current session)."""
        return cast(T | None, self._rconn.session)

    @property
    def url(self) -> str:
        """The WebSocket URL (it never holds a credential)."""
        return self._rconn.url

    def __aiter__(self) -> trio.abc.ReceiveChannel[S | Reconnected]:
        return self.receive_channel

    async def receive(self) -> S | Reconnected:
        """The next server event, or a `Reconnected` marker when the session is new.

        Ends like `RealtimeConnection.receive` once the policy gives up (with
        the last failure's error) or the server ends the session normally.
        Cancelling it loses nothing.
        """
        if self._rejected:
            await trio.lowlevel.checkpoint()
            raise self._rejected.pop(0)
        if self._stash:
            await trio.lowlevel.checkpoint_if_cancelled()
            return self._seen(self._stash.popleft())
        conn = self._rconn
        try:
            event = await conn.receive_channel.receive()
        except (ConnectionClosed, trio.EndOfChannel, trio.ClosedResourceError) as exc:
            if self._closing:
                raise self._end(trio.ClosedResourceError(_OUR_CLOSE)) from None
            return await self._switch(conn, exc)
        return self._seen(event)

    def _seen(self, event: Any) -> Any:
        if event.__class__ is not ev.SessionCreated:  # a new session always says hello
            self._delivered += 1
        back = self._back_ids
        if back:
            event = _rename(event, back)
        kind: type[Any] = event.__class__
        handler = self._watch.get(kind)
        if handler is not None:
            handler(event)
        conversation = self.conversation
        if conversation is not None:
            conversation.feed(event)
        if self._observers:
            for observe in self._observers:
                observe(event)
        return event

    def add_observer(
        self,
        observer: Callable[[S | Reconnected], None],
        *,
        on_end: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run ``observer(event)`` with every event and every `Reconnected` marker,
        in the receiving task, before it is returned, and ``on_end`` with the
        exception ``receive`` raises once the session has ended (see
        `RealtimeConnection.add_observer`). The observer sees the events after
        the session's own `Conversation` took them, and follows the session
        across its connections; ``on_end`` is not told of a connection the
        session replaced, only of the session's own end."""
        self._observers = (*self._observers, observer)
        if on_end is not None:
            self._end_observers = (*self._end_observers, on_end)

    def remove_observer(
        self,
        observer: Callable[[S | Reconnected], None],
        *,
        on_end: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Stop running ``observer`` (and ``on_end``); a no-op when it is not attached."""
        self._observers = tuple(o for o in self._observers if o is not observer)
        self._end_observers = tuple(o for o in self._end_observers if o is not on_end)

    def _end(self, ended: BaseException) -> BaseException:
        """``ended``, once the end observers were told of it."""
        for observe_end in self._end_observers:
            observe_end(ended)
        return ended

    async def _switch(self, old: AnyConnection, exc: BaseException) -> Any:
        """The consumer read ``old`` to its end: wait for the next session."""
        if old not in self._drained:
            self._drained.add(old)
            self._drained_event.set()
            self._drained_event = trio.Event()
            if old is not self._retiring:
                self._lose(old)
        while self._ready is None:
            if self._failure is not None:
                self._failure_told = True
                raise self._end(self._failure)
            await self._ready_event.wait()
        new, marker = self._ready
        self._ready = None
        self._rconn = new
        for observe in self._observers:
            observe(marker)
        return marker

    # -- turn state --------------------------------------------------------

    def _on_response_created(self, event: ev.ResponseCreated) -> None:
        self._active_response = event.response.id

    def _on_session_updated(self, event: Any) -> None:
        self._config = event.session

    def _on_response_done(self, event: ev.ResponseDone) -> None:
        if event.response.id == self._active_response:
            self._active_response = None
            self._turn_changed()

    def _on_speech_started(self, event: Any) -> None:
        self._speaking = True

    def _on_speech_stopped(self, event: Any) -> None:
        self._speaking = False
        self._turn_changed()

    def _turn_changed(self) -> None:
        if self._active_response is None and not self._speaking:
            self._boundary.set()

    def _at_boundary(self) -> bool:
        return self._active_response is None and not self._speaking

    def _on_error(self, event: ev.ErrorEvent) -> None:
        error = event.error
        code = error.code
        if isinstance(code, str):
            if code in self.policy.fatal_error_codes:
                self._fatal_code = code
            elif code == "session_expired":
                self._expired = True
        if error.type == "server_error" and self.policy.poison_errors:
            now = trio.current_time()
            errors = self._server_errors
            errors.append(now)
            while errors and errors[0] < now - self.policy.poison_window:
                errors.popleft()
            if len(errors) >= self.policy.poison_errors and not self._poisoned:
                log.warning(
                    "%d server errors in %ss: recreating the session",
                    len(errors),
                    self.policy.poison_window,
                )
                self._poisoned = True
                self._wake.set()

    # -- sending -----------------------------------------------------------

    async def send(self, event: C) -> None:
        """Check, encode and queue one client event; blocks while the queue is full.

        Raises `TypeError` or `EventEncodeError` at the call for an event that
        cannot be sent, the last failure's error once the policy gave up, and
        `trio.ClosedResourceError` after this client closed the session.
        """
        self._check_open()
        item: Any = self._latest._prepare(event)  # pyright: ignore[reportPrivateUsage]
        try:
            await self.send_channel.send(item)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            self._check_open()
            raise

    def send_nowait(self, event: C) -> None:
        """Like `send`, but raise `trio.WouldBlock` when the queue is full."""
        self._check_open()
        item: Any = self._latest._prepare(event)  # pyright: ignore[reportPrivateUsage]
        try:
            self.send_channel.send_nowait(item)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            self._check_open()
            raise

    def _check_open(self) -> None:
        if self._closing:
            raise trio.ClosedResourceError(_OUR_CLOSE)
        failure = self._failure
        if isinstance(failure, trio.EndOfChannel):
            raise ConnectionClosed(NORMAL_CLOSURE, "the server ended the session")
        if failure is not None:
            raise failure

    def sent_event(self, error: ev.ErrorEvent | str) -> C | None:
        """The client event a server ``error`` event (or an ``event_id``) refers to."""
        for conn in (self._rconn, *self._live):
            found = conn.sent_event(error)
            if found is not None:
                return cast(C, found)
        return None

    async def _pump(self) -> None:
        """Move events from ``send_channel`` to the current connection, or hold them."""
        rx = self._rx
        while True:
            try:
                item = await rx.receive()
            except (trio.EndOfChannel, trio.ClosedResourceError):
                return
            self._pump_busy = True
            try:
                await self._forward(item)
            finally:
                self._pump_busy = False
                self._progress.set()
                self._progress = trio.Event()

    async def _forward(self, item: Any) -> None:
        if type(item) is not _Prepared:
            try:
                item = self._latest._prepare(item)  # pyright: ignore[reportPrivateUsage]
            except (TypeError, EventEncodeError) as exc:
                self._reject(item, exc)
                return
        while True:
            conn = self._sconn
            if conn is None or self._held:
                policy = self.policy
                size = len(item.data)
                # Full in events or bytes; an event larger than the byte bound
                # alone is still taken (else it could never be sent).
                while (
                    self._held
                    and (
                        len(self._held) >= policy.queue_max_events
                        or self._held_bytes + size > policy.queue_max_bytes
                    )
                    and not self._ended()
                ):
                    room = self._room = trio.Event()
                    await room.wait()
                if self._ended():
                    self._unsent.append(item.event)
                    return
                self._held.append(item)
                self._held_bytes += size
                return
            if self._forward_ids:
                item = self._remap(item, conn)
            try:
                await conn.send_channel.send(item)
                return
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                if self._ended():
                    self._unsent.append(item.event)
                    return
                # Its writer stopped: hold this one; the supervisor puts what
                # that writer did not send in front of it.
                self._lose(conn)
                if self._sconn is conn:
                    self._sconn = None

    def _ended(self) -> bool:
        return self._closing or self._failure is not None

    def _remap(self, item: _Prepared, conn: AnyConnection) -> _Prepared:
        event = item.event
        ids = self._forward_ids
        if isinstance(event, _ITEM_REFS) and event.item_id in ids:
            event = msgspec.structs.replace(event, item_id=ids[event.item_id])
        elif isinstance(event, ev.ConversationItemCreate) and event.previous_item_id in ids:
            previous = cast(str, event.previous_item_id)
            event = msgspec.structs.replace(event, previous_item_id=ids[previous])
        else:
            return item
        return conn._prepare(event)  # pyright: ignore[reportPrivateUsage]

    def _reject(self, item: object, exc: TypeError | EventEncodeError) -> None:
        self._events_rejected += 1
        self._rejected.append(rejection(item, exc))

    def _take_held(self) -> Any:
        item = self._held.popleft()
        self._held_bytes -= len(item.data)
        self._room.set()
        return item

    # -- losing and replacing the server session -------------------------

    def _ender(self, conn: AnyConnection) -> Callable[[], None]:
        def ended() -> None:
            self._lose(conn)

        return ended

    def _lose(self, conn: AnyConnection) -> None:
        """Note that ``conn`` is gone (idempotent); the supervisor replaces it."""
        if self._closing or self._failure is not None:
            return
        if conn is self._retiring or conn is self._lost:
            return
        if conn not in self._live:
            return  # a connection already replaced or given up on
        if self._sconn is conn:
            self._sconn = None
        self._lost = conn
        self._lost_at = trio.current_time()
        self._wake.set()

    def _rollover_at(self) -> float:
        limit = self.policy.max_session_duration
        if limit is None:
            return math.inf
        due = self._session_started + max(0.0, limit - self.policy.rollover_window)
        return max(due, self._rollover_retry_at)

    def _later(self, reason: ReconnectReason, failure: BaseException | None) -> bool:
        """A planned switch could not open a new session: the old one serves on."""
        log.warning("could not open a new session for %s: %r", reason, failure)
        self._poisoned = False
        self._server_errors.clear()
        self._rollover_retry_at = trio.current_time() + ROLLOVER_RETRY
        return False

    async def _supervise(self) -> None:
        with self._supervisor_scope:
            while True:
                with trio.move_on_at(self._rollover_at()):
                    while self._lost is None and not self._poisoned:
                        self._wake = trio.Event()
                        if self._lost is not None or self._poisoned:
                            break
                        await self._wake.wait()
                lost = self._lost
                if lost is not None:
                    reason: ReconnectReason = (
                        "session_expired" if self._expired else "connection_lost"
                    )
                    gave_up = await self._replace(lost, reason, self._lost_at)
                else:
                    reason = "poisoned" if self._poisoned else "rollover"
                    current = self._sconn or self._rconn
                    gave_up = await self._replace(current, reason, trio.current_time())
                if gave_up:
                    return

    async def _replace(self, old: AnyConnection, reason: ReconnectReason, since: float) -> bool:
        """Move the session from ``old`` to a new connection; True when it gave up."""
        policy = self.policy
        planned = reason in ("rollover", "poisoned")
        cause: BaseException | None = None
        if not planned:
            # Its writer must stop for its list of unsent events to be complete;
            # what it parsed but nobody read yet is still delivered.
            await old._close(flush=False, polite=False)  # pyright: ignore[reportPrivateUsage]
            # What the old session said last decides (a session_expired before a
            # normal close, a fatal error code before any close), and those
            # events are noted as the consumer reads them: let it read them all
            # first, or an idle consumer would turn an expiry into the end.
            await self._wait_drained(old)
            if self._expired:
                reason = "session_expired"
            cause = _cause_of(old)
            if not self._retry_ok(cause):
                normal = isinstance(cause, ConnectionClosed) and cause.code == NORMAL_CLOSURE
                await self._give_up(old, trio.EndOfChannel() if normal else cause)
                return True
        elif reason == "rollover":
            await self._wait_boundary()
            since = trio.current_time()
        last: BaseException | None = cause
        attempt = 0
        # Attempts of the previous reconnect still count when its connection
        # did not hold (see `_streak`); the marker reports this switch's own.
        carried = 0
        if (
            not planned
            and self._delivered == self._delivered_at_recovery
            and trio.current_time() - self._recovered_at < policy.backoff_max
        ):
            carried = self._streak
        old_done = False
        while True:
            attempt += 1
            now = trio.current_time()
            if attempt + carried > policy.max_attempts or now - since > policy.max_downtime:
                if planned and not old_done:
                    return self._later(reason, last)
                assert last is not None
                await self._give_up(old, last)
                return True
            delay = policy.delay(attempt + carried, self._rng)
            asked = retry_after(last) if last is not None else None
            if asked is not None:
                delay = max(delay, asked)
            if delay:
                await trio.sleep(delay)
            opened = trio.current_time()
            try:
                new = await self._open()
            except Exception as exc:
                log.info("reconnect attempt %d failed: %r", attempt, exc)
                last = exc
                if not policy.retryable(exc):
                    if planned and not old_done:
                        return self._later(reason, exc)
                    await self._give_up(old, exc)
                    return True
                continue
            if not old_done:
                if planned:
                    await self._retire(old, reason)
                await self._wait_drained(old)
                old_done = True
                self._requeue(old)
                if planned:
                    since = trio.current_time() if reason == "rollover" else since
            try:
                marker = await self._restore(new, attempt, reason, since, cause, old)
            except Exception as exc:
                log.info("restore on attempt %d failed: %r", attempt, exc)
                self._retired(new)
                await new._close(flush=False, polite=False)  # pyright: ignore[reportPrivateUsage]
                self._restore_sent -= len(new.unsent)  # only restore events went there
                self._stash.clear()  # the consumer never saw that session
                last = exc
                if not policy.retryable(exc):
                    await self._give_up(old, exc)
                    return True
                continue
            if not planned:
                self._streak = attempt + carried
                self._recovered_at = trio.current_time()
                self._delivered_at_recovery = self._delivered
            await self._resume(new, marker, opened)
            return False

    def _retry_ok(self, cause: BaseException) -> bool:
        if isinstance(cause, ConnectionClosed) and cause.code == NORMAL_CLOSURE:
            return self._expired  # a normal close ends the session, unless it expired
        return self.policy.retryable(cause, self._fatal_code)

    async def _open(self) -> AnyConnection:
        new = await self._connect(self._nursery)
        latest = self._latest
        # One event id counter and one input-format guard for the whole session.
        new._next_id = latest._next_id  # pyright: ignore[reportPrivateUsage]
        new._pcm16_input = latest._pcm16_input  # pyright: ignore[reportPrivateUsage]
        self._latest = new
        self._live.append(new)
        new._on_closed = self._ender(new)  # pyright: ignore[reportPrivateUsage]
        return new

    async def _wait_boundary(self) -> None:
        """Until a turn boundary (or a loss), at most until the session's limit."""
        hard = self._session_started + (self.policy.max_session_duration or 0.0)
        with trio.move_on_at(hard):
            while not self._at_boundary() and self._lost is None:
                self._boundary = trio.Event()
                await self._boundary.wait()

    async def _retire(self, old: AnyConnection, reason: ReconnectReason) -> None:
        """Hold sends at a turn boundary (or at the limit) and close ``old`` gently.

        A rollover opened the new connection at a boundary; if a turn began
        while it connected, it waits for the next one here.
        """
        if reason == "rollover":
            await self._wait_boundary()
        if self._sconn is old:
            self._sconn = None
        self._retiring = old
        # A close frame goes out after whatever the writer is writing; the
        # events still queued for it are not sent there (they move over). The
        # server's last events before its close reply are still read.
        protocol = old._websocket.protocol  # pyright: ignore[reportPrivateUsage]
        protocol.send_close(NORMAL_CLOSURE)
        old._wake_writer()  # pyright: ignore[reportPrivateUsage]

    async def _wait_drained(self, old: AnyConnection) -> None:
        """Until the consumer has read ``old`` to its end; ``old`` is then closed."""
        with trio.move_on_after(self._close_timeout):
            while old not in self._drained:
                await self._drained_event.wait()
        # Closed now (an abort if the server never answered our close): the
        # consumer then finds the end of what it parsed.
        await old._close(flush=False, polite=False)  # pyright: ignore[reportPrivateUsage]
        while old not in self._drained:
            await self._drained_event.wait()

    def _requeue(self, old: AnyConnection) -> None:
        """Put what ``old`` did not write in front of the held sends, in order."""
        unsent = old.unsent
        if unsent:
            old._unsent.clear()  # pyright: ignore[reportPrivateUsage] # they move over
            for event in reversed(unsent):
                item = self._latest._prepare(event)  # pyright: ignore[reportPrivateUsage]
                self._held.appendleft(item)
                self._held_bytes += len(item.data)
        self._resent_pending += len(unsent)

    async def _restore(
        self,
        new: AnyConnection,
        attempt: int,
        reason: ReconnectReason,
        since: float,
        cause: BaseException | None,
        old: AnyConnection,
    ) -> Reconnected:
        """Send the restore on ``new`` and read its acknowledgements."""
        mode = self._restore_mode
        if mode == "none":
            plan = RestorePlan()
        else:
            history = self.conversation if self.policy.restore_conversation else None
            plan = plan_restore(self._config, history, self.policy.restore_max_chars)
        try:
            with trio.fail_after(self.policy.restore_timeout):
                await self._send_restore(new, plan)
        except trio.TooSlowError:
            raise RestoreError(
                f"the new session did not acknowledge the restore within "
                f"{self.policy.restore_timeout}s"
            ) from None
        lost = self._active_response
        if lost is not None and self.conversation is not None:
            _mark_incomplete(self.conversation, lost)
        self._active_response = None
        self._speaking = False
        resent = self._resent_pending
        self._resent_pending = 0
        return Reconnected(
            attempt=attempt,
            downtime=trio.current_time() - since,
            reason=reason,
            cause=cause,
            restored_config=plan.has_config,
            restored_items=len(plan.item_ids),
            dropped_items=plan.dropped,
            lost_response_id=lost,
            resent_events=resent,
        )

    async def _send_restore(self, new: AnyConnection, plan: RestorePlan) -> None:
        if not plan.events:
            return
        for event in plan.events:
            await new.send(event)
            self._restore_sent += 1
        config_pending = plan.has_config
        pending = list(plan.item_ids)  # old ids, in order
        wanted = set(pending)
        acked = 0
        first = True
        while config_pending or acked < len(pending):
            try:
                event = await new.receive()
            except trio.EndOfChannel:
                raise ConnectionClosed(NORMAL_CLOSURE, "closed during the restore") from None
            self._restore_received += 1
            kind: type[Any] = event.__class__
            if first and kind in (ev.SessionCreated, ev.TranslationSessionCreated):
                first = False
                continue
            first = False
            if kind in (ev.SessionUpdated, ev.TranslationSessionUpdated) and config_pending:
                config_pending = False
            elif kind is ev.ConversationItemAdded:
                pass  # its done event follows
            elif kind in (ev.ConversationItemDone, ev.ConversationItemCreated):
                new_id = getattr(event.item, "id", None)
                if acked < len(pending):
                    old_id = new_id if new_id in wanted else pending[acked]
                    if isinstance(new_id, str) and new_id != old_id:
                        self._forward_ids[old_id] = new_id
                        self._back_ids[new_id] = old_id
                    acked += 1
            elif kind is ev.ErrorEvent and str(
                cast(ev.ErrorEvent, event).error.event_id or ""
            ).startswith(RESTORE_ID_PREFIX):
                failed = cast(ev.ErrorEvent, event).error
                log.warning("the new session refused part of the restore: %s", failed.message)
                if failed.event_id == f"{RESTORE_ID_PREFIX}config":
                    config_pending = False
                else:
                    acked += 1
            else:
                self._restore_received -= 1
                self._stash.append(event)

    async def _resume(self, new: AnyConnection, marker: Reconnected, opened: float) -> None:
        """Hand the consumer over, send what was held, then switch sends over."""
        old = self._rconn
        self._retiring = None
        self._lost = None
        self._poisoned = False
        self._expired = False
        self._fatal_code = None
        self._server_errors.clear()
        self._session_started = opened  # the server counts its limit from the connect
        self.reconnects += 1
        if marker.reason == "rollover":
            self._rollovers += 1
        self._ready = (new, marker)
        self._ready_event.set()
        self._ready_event = trio.Event()
        self._retired(old)
        while self._held:
            item = self._held[0]
            if self._forward_ids:
                item = self._remap(item, new)
            try:
                await new.send_channel.send(item)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                self._lose(new)  # it died already; the next turn replaces it
                return
            self._take_held()
        if self._lost is None:
            self._sconn = new
        self._progress.set()
        self._progress = trio.Event()
        log.info("session %s: %s", marker.reason, new.url)

    def _retired(self, old: AnyConnection) -> None:
        self._drained.discard(old)
        if old in self._live:
            self._live.remove(old)
            self._retired_stats.append(old.statistics())

    async def _give_up(self, old: AnyConnection, failure: BaseException) -> None:
        log.warning("giving up on the Realtime session: %r", failure)
        self._failure = failure
        self._sconn = None
        self._requeue(old)
        self._unsent.extend(item.event for item in self._held)
        self._held.clear()
        self._held_bytes = 0
        self._room.set()
        self._rx.close()
        self._ready_event.set()

    # -- closing -----------------------------------------------------------

    async def aclose(self) -> None:
        """Send what is queued, close the current connection with 1000, stop.

        Idempotent; bounded by ``close_timeout`` (an outage in progress may use
        it up). Raises `CloseTimeout` if queued events could not be sent in time.
        """
        await self._close(flush=True, polite=True)

    async def _close(self, *, flush: bool, polite: bool) -> None:
        if self._closing:
            await self._closed.wait()
            return
        self._closing = True
        try:
            if flush and self._failure is None:
                with trio.move_on_after(self._close_timeout):
                    while (
                        self._pump_busy or self._held or self._rx.statistics().current_buffer_used
                    ):
                        await self._progress.wait()
            self._supervisor_scope.cancel()
            conns = list(self._live)
            if self._rconn not in conns:
                conns.append(self._rconn)
            first_error: BaseException | None = None
            cancelled: BaseException | None = None
            for conn in conns:
                # Every connection is closed, even once cancelled (then at once).
                try:
                    if cancelled is None:
                        await conn._close(flush=flush and conn is self._sconn, polite=polite)  # pyright: ignore[reportPrivateUsage]
                    else:
                        with trio.CancelScope(shield=True):
                            await conn._close(flush=False, polite=False)  # pyright: ignore[reportPrivateUsage]
                except trio.Cancelled as exc:
                    cancelled = exc
                except Exception as exc:  # a CloseTimeout: report the first one
                    first_error = first_error or exc
                self._unsent.extend(conn.unsent)
            self._room.set()
            with trio.move_on_after(self._close_timeout) as scope:
                scope.shield = True
                while self._pump_busy:
                    await self._progress.wait()
            self._unsent.extend(item.event for item in self._held)
            self._held.clear()
            self._held_bytes = 0
            while True:
                try:
                    item = self._rx.receive_nowait()
                except (trio.WouldBlock, trio.EndOfChannel, trio.ClosedResourceError):
                    break
                self._unsent.append(item.event if type(item) is _Prepared else item)
            self._rx.close()
            if cancelled is not None:
                raise cancelled
            if first_error is not None:
                raise first_error
        finally:
            self._closed.set()

    def _pending_exit_error(self) -> BaseException | None:
        failure = self._failure
        if (
            failure is not None
            and not self._failure_told
            and not isinstance(failure, trio.EndOfChannel)
        ):
            self._failure_told = True
            return self._failure
        if self._rejected:
            return self._rejected.pop(0)
        return None

    @property
    def unsent(self) -> tuple[C, ...]:
        """The client events queued that will never be sent (complete after the close)."""
        return tuple(cast(list[C], self._unsent))

    def statistics(self) -> ReconnectStatistics:
        """Counters summed over every connection of the session."""
        parts = [*self._retired_stats, *(c.statistics() for c in self._live)]

        def total(name: str) -> int:
            return sum(getattr(p, name) for p in parts)

        return ReconnectStatistics(
            events_received=total("events_received") - self._restore_received,
            bytes_received=total("bytes_received"),
            events_sent=total("events_sent") - self._restore_sent,
            bytes_sent=total("bytes_sent"),
            unknown_events=total("unknown_events"),
            invalid_events=total("invalid_events"),
            send_buffer_used=self.send_channel.statistics().current_buffer_used,
            send_buffer_size=self._send_buffer_size,
            events_rejected=total("events_rejected") + self._events_rejected,
            events_unsent=len(self._unsent),
            reconnects=self.reconnects,
            rollovers=self._rollovers,
            restore_events_sent=self._restore_sent,
            restore_events_received=self._restore_received,
            held_events=len(self._held),
            held_bytes=self._held_bytes,
        )

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url} reconnects={self.reconnects}>"


def _cause_of(conn: AnyConnection) -> BaseException:
    """The error that ended ``conn``, as the plain connection would raise it."""
    info = conn._websocket.closed  # pyright: ignore[reportPrivateUsage]
    if info is None:
        return ConnectionClosed(1006, "the connection's write side failed")
    if conn._websocket.keepalive_expired:  # pyright: ignore[reportPrivateUsage]
        return KeepaliveTimeout(info.code, info.reason)
    return ConnectionClosed(info.code, info.reason)


def _rename(event: Any, back: dict[str, str]) -> Any:
    """``event`` with item ids the new session gave restored items turned back into
    the ids the application knows."""
    changes: dict[str, Any] = {}
    item_id = getattr(event, "item_id", None)
    if isinstance(item_id, str) and item_id in back:
        changes["item_id"] = back[item_id]
    previous = getattr(event, "previous_item_id", None)
    if isinstance(previous, str) and previous in back:
        changes["previous_item_id"] = back[previous]
    item = getattr(event, "item", None)
    if item is not None:
        iid = getattr(item, "id", None)
        if isinstance(iid, str) and iid in back:
            changes["item"] = msgspec.structs.replace(item, id=back[iid])
    return msgspec.structs.replace(event, **changes) if changes else event


def _mark_incomplete(conversation: Conversation, response_id: str) -> None:
    """A response the old session never finished: it and its open items are incomplete."""
    response = conversation.responses.get(response_id)
    if response is None:
        return
    if response.status in (None, "in_progress"):
        response.status = "incomplete"
    for item_id in response.output_item_ids:
        item = conversation.item(item_id)
        if item is not None and item.status in (None, "in_progress"):
            item.status = "incomplete"
