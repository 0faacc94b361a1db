"""What every part of the fake server shares, with no sockets in sight.

`ServerState` holds the knobs a test turns (responder, pacing, faults,
strictness) and what it reads back (the client events received, scripted
replies still queued). `FakeServer` is a `ServerState` that also listens on a
socket; the engines (`_engine.Engine`, the Live and translation ones) see only
this class and a `Peer`, the narrow view of the connection they talk over, so
they run as happily over a list in a unit test as over a WebSocket.

`EventIds` is the one place a server event gets its ``event_id``: events are
built with ``event_id=AUTO_ID`` and the engine's ``emit`` stamps the next id
of that session's sequence in place just before sending.
"""

from __future__ import annotations

import collections
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Protocol, TypeVar

import trio

from .._errors import EventDecodeError
from ._script import Responder, ToolCall, echo_responder

__all__ = [
    "AUTO_ID",
    "DEFAULT_API_KEY",
    "Endpoint",
    "EventIds",
    "Faults",
    "Peer",
    "PeerGone",
    "ServerState",
    "next_id",
]

#: The key a fake server accepts unless told otherwise. Not a secret.
DEFAULT_API_KEY = "sk-fake-realtime-key"

#: The ``event_id`` of an event not yet sent: ``emit`` replaces it (see `EventIds`).
AUTO_ID: Final = "auto:event_id"

_T = TypeVar("_T")
_E = TypeVar("_E")


def next_id(counters: dict[str, int], prefix: str) -> str:
    """The next id with ``prefix`` counted in ``counters``: ``item_0001``, ``item_0002``..."""
    n = counters.get(prefix, 0) + 1
    counters[prefix] = n
    return f"{prefix}_{n:04d}"


class EventIds:
    """Numbers one session's server events: ``event_0001``, ``event_0002``...

    Deterministic, so a test can predict them; `stamp` gives an event built
    with ``event_id=AUTO_ID`` the next one, in place (events are mutable
    Structs, so nothing is copied on the way out).
    """

    __slots__ = ("_count", "_prefix")

    def __init__(self, prefix: str = "event_") -> None:
        self._prefix = prefix
        self._count = 0

    def next(self) -> str:
        """The next id of the sequence."""
        self._count += 1
        return f"{self._prefix}{self._count:04d}"

    def stamp(self, event: _T) -> _T:
        """``event``, its ``event_id`` set if it was `AUTO_ID`."""
        if getattr(event, "event_id", None) == AUTO_ID:
            event.event_id = self.next()  # type: ignore[attr-defined]
        return event


class PeerGone(Exception):
    """The client of a fake connection has gone: nothing more can be sent to it.

    `FakeConnection.send` raises it; an engine streaming a response stops there.
    """


class Peer(Protocol):
    """What an engine needs of the connection it serves: send, close, a number."""

    @property
    def number(self) -> int:
        """The connection's number on its server, from 1."""
        ...

    @property
    def closed(self) -> bool:
        """Whether the connection has ended."""
        ...

    async def send(self, event: Any) -> None:
        """Send one server event; raises `PeerGone` when the client has gone."""
        ...

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        """Close the connection with ``code``."""
        ...


class Endpoint(Protocol):
    """What a connection serves: a Realtime engine, a Live or a translation endpoint.

    The connection calls `start` once, then `decode` and `handle` (or
    `reject`) for every frame received, and `stop` once it has ended.
    """

    async def start(self, nursery: trio.Nursery) -> None:
        """Begin the session (a greeting, say); ``nursery`` is for background tasks."""
        ...

    def decode(self, raw: bytes) -> object:
        """One received frame as a client event; raises `EventDecodeError`."""
        ...

    def encode(self, event: Any) -> bytes:
        """One server event as a JSON frame."""
        ...

    async def reject(self, exc: EventDecodeError, raw: bytes) -> None:
        """Answer a frame that is not a valid client event."""
        ...

    async def handle(self, event: Any) -> None:
        """React to one client event."""
        ...

    async def refuse(self, code: str, message: str, *, param: str | None = None) -> None:
        """Send the ``error`` event that ends a session that may not open."""
        ...

    async def stop(self) -> None:
        """The connection has ended: clean up (shielded, and bounded by the caller)."""
        ...


@dataclass(slots=True)
class Faults:
    """Failures to inject, counted per connection in server events sent.

    After ``close_after`` events the server closes with ``close_code`` and
    ``close_reason``; after ``drop_after`` it resets the TCP connection without a
    close frame; after ``stall_after`` it stops sending and stops reading (the
    socket stays open). ``event_delay`` sleeps before every event, and
    ``handshake_delay`` before answering each upgrade. The first
    ``reject_handshakes`` upgrades are refused with HTTP ``reject_status``
    (with ``reject_headers``, such as ``Retry-After``, and ``reject_body``, or
    else an API-style JSON error).

    ``session_duration`` seconds after it opened, a session ends like the
    service's at its limit: an ``error`` event ``session_expired``, then a
    close with ``expire_close_code``. ``drop_chance`` drops the connection
    after any event sent with that probability, drawn from ``rng``.
    """

    close_after: int | None = None
    close_code: int = 1011
    close_reason: str = "fake server fault"
    drop_after: int | None = None
    stall_after: int | None = None
    event_delay: float = 0.0
    handshake_delay: float = 0.0
    reject_handshakes: int = 0
    reject_status: int = 503
    reject_body: bytes | None = None
    reject_headers: Sequence[tuple[str, str]] = ()
    session_duration: float | None = None
    expire_close_code: int = 1000
    drop_chance: float = 0.0
    rng: random.Random = field(default_factory=random.Random)


class ServerState:
    """The fake server's knobs, scripts and records (see `FakeServer` for each one)."""

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        model: str = "gpt-realtime-2.1",
        responder: Responder = echo_responder,
        delta_size: int = 8,
        delta_interval: float = 0.0,
        audio_chunk_ms: int = 100,
        faults: Faults | None = None,
        record_sent: bool = False,
        record_received: bool = True,
        strict: bool = True,
        accept_any_key: bool = False,
    ) -> None:
        if delta_size < 1:
            raise ValueError("delta_size must be at least 1")
        if delta_interval < 0 or math.isnan(delta_interval):
            raise ValueError("delta_interval must be a non-negative number of seconds")
        self.api_key: str = api_key
        self.model: str = model
        self.responder: Responder = responder
        self.delta_size: int = delta_size
        self.delta_interval: float = delta_interval
        self.audio_chunk_ms: int = audio_chunk_ms
        self.faults: Faults = faults if faults is not None else Faults()
        self.record_sent: bool = record_sent
        self.record_received: bool = record_received
        self.strict: bool = strict
        self.accept_any_key: bool = accept_any_key
        self.received: list[Any] = []
        #: Item and response ids count over every connection, so that, like the
        #: service's, they never repeat across sessions.
        self.id_counters: dict[str, int] = {}
        self._scripted: collections.deque[str | ToolCall | Sequence[str | ToolCall]] = (
            collections.deque()
        )
        self._transcripts: collections.deque[str] = collections.deque()
        self._changed = trio.Event()

    # -- scripting ---------------------------------------------------------------

    def script(self, *replies: str | ToolCall | Sequence[str | ToolCall]) -> None:
        """Queue replies; each answers one response, in order, before ``responder``.

        A reply is the text (or spoken transcript) to stream, a `ToolCall`, or a
        list of those for a response with several output items.
        """
        self._scripted.extend(replies)

    def script_transcripts(self, *transcripts: str) -> None:
        """Queue what the fake transcriber "hears" in the next committed audio turns.

        Used only when the session enables input transcription; without a scripted
        transcript the fake reports ``"[N ms of audio]"``.
        """
        self._transcripts.extend(transcripts)

    def next_transcript(self) -> str | None:
        """Pop the next scripted transcript, or ``None`` when the queue is empty."""
        return self._transcripts.popleft() if self._transcripts else None

    def next_reply(self) -> str | ToolCall | Sequence[str | ToolCall] | None:
        """Pop the next scripted reply, or ``None`` when the queue is empty."""
        return self._scripted.popleft() if self._scripted else None

    def new_id(self, prefix: str) -> str:
        """The next server-wide id with ``prefix``: ``item_0001``, ``resp_0001``..."""
        return next_id(self.id_counters, prefix)

    # -- observation -------------------------------------------------------------

    def received_of(self, event_type: type[_E]) -> list[_E]:
        """Every received client event of one type, over all connections."""
        return [e for e in self.received if isinstance(e, event_type)]

    async def wait_received(self, event_type: type[_E], count: int = 1) -> _E:
        """Wait until ``count`` events of ``event_type`` arrived; return the latest."""
        while True:
            found = self.received_of(event_type)
            if len(found) >= count:
                return found[-1]
            await self._changed.wait()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = trio.Event()

    def _record(self, event: object) -> None:
        if self.record_received:
            self.received.append(event)
            self._notify()
