"""`LiveConnection`: a GPT-Live session over the shared connection machinery.

The socket, writer task, keepalive, accounting and error mapping are the
Realtime ones (`trio_realtime._connection`); Live adds its dialects and the
session's own start and end, which are events rather than WebSocket frames:

* start: `session.start` goes out first and the connection is ready only once
  ``session.started`` came back (see `_open`);
* end: leaving the block sends ``session.close`` and waits, within
  ``close_timeout``, for ``session.closed``, whose ``reason``, final session
  and usage land in `LiveConnection.close_result`. Every event that arrives
  meanwhile (the consumer has stopped receiving) is kept there too.

A ``session_storage_failed`` notice (an ``info`` or ``error`` event with that
code) that only arrived during that wait is raised as `LiveStorageError` when
the block is left: the session's recording and transcript were not stored, and
a program that relies on them (forks, ``download_recording``) must hear of it,
which a log line or a warning would not guarantee. One the consumer received
during the session was delivered like any event; it stays in ``close_result``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, cast

import trio

from .._connection import (
    Dialect,
    _Connection,  # pyright: ignore[reportPrivateUsage]
    _Life,  # pyright: ignore[reportPrivateUsage]
)
from .._errors import CloseTimeout, ConnectionClosed, EventDecodeError, LiveStorageError
from .._transport import Closed
from ._base import LiveClientEvent
from ._codec import CONNECT_CLIENT_CODEC, FORK_CLIENT_CODEC, LIVE_CLIENT_CODEC, LiveEvent
from ._config import SessionResource
from ._events import (
    ErrorEvent,
    InfoEvent,
    SessionClose,
    SessionClosed,
    SessionStarted,
    SessionUpdated,
)

__all__ = [
    "CONNECT",
    "FORK",
    "LIVE",
    "STORAGE_FAILED",
    "LiveCloseResult",
    "LiveConnection",
]

log = logging.getLogger("trio_realtime")

#: The ``code`` of the notice that says the session could not be stored.
STORAGE_FAILED = "session_storage_failed"

#: The events a Live connection watches (see `LiveConnection._watch`).
_WATCHED = frozenset({SessionStarted, SessionUpdated, SessionClosed, InfoEvent, ErrorEvent})

LIVE: Dialect[LiveEvent, LiveClientEvent] = Dialect(
    "/live/sessions", LIVE_CLIENT_CODEC, _WATCHED, LiveClientEvent, "GPT-Live", True
)
#: ``path`` is completed with the session id by the opener.
CONNECT: Dialect[LiveEvent, LiveClientEvent] = Dialect(
    "/live/sessions/{id}/attach",
    CONNECT_CLIENT_CODEC,
    _WATCHED,
    LiveClientEvent,
    "GPT-Live sideband",
    True,
)
FORK: Dialect[LiveEvent, LiveClientEvent] = Dialect(
    "/live/sessions/{id}/fork",
    FORK_CLIENT_CODEC,
    _WATCHED,
    LiveClientEvent,
    "GPT-Live fork",
    True,
)


@dataclass(frozen=True)
class LiveCloseResult:
    """How a Live session ended, as this connection saw it.

    Attributes:

    ``closed``
        The ``session.closed`` event (None if it never came: the server did
        not confirm that the session was finalized).
    ``events``
        The events that arrived after the block stopped receiving, while the
        connection waited for ``session.closed``, in order.
    ``storage_failure``
        The first ``session_storage_failed`` notice seen, during the session
        or the close, or None.
    """

    closed: SessionClosed | None
    events: tuple[LiveEvent, ...] = ()
    storage_failure: InfoEvent | ErrorEvent | None = None

    @property
    def reason(self) -> str | None:
        """``session.closed``'s ``reason`` (``"close_requested"``, ``"expired"``...), or None."""
        return self.closed.reason if self.closed is not None else None


class LiveConnection(_Connection[LiveEvent, LiveClientEvent, SessionResource]):
    """A live GPT-Live session (primary, sideband or fork). See `open_live`.

    Attributes:

    ``send_channel``
        A `trio.MemorySendChannel` of Live client events (clone it for more
        sending tasks); one writer task puts them on the socket in order, and
        one it cannot send is reported by the next ``receive``, as on
        `trio_realtime.RealtimeConnection`.
    ``receive_channel``
        The `trio_realtime.EventReceiveChannel` of decoded Live server events,
        in arrival order.
    ``session``
        The latest `SessionResource` from ``session.started`` /
        ``session.updated``, or None before the first.
    ``close_result``
        A `LiveCloseResult` once the session ended (None before).
    ``url``
        The WebSocket URL (it never holds a credential).

    `send`, `receive` and ``async for event in conn`` are shortcuts over the
    two channels; `sent_event` finds the client event a server error names.
    """

    session: SessionResource | None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.close_result: LiveCloseResult | None = None
        self._session_closed: SessionClosed | None = None
        self._storage_failure: InfoEvent | ErrorEvent | None = None
        #: Whether leaving sends ``session.close`` (not for a sideband observer).
        self._owns_session = True
        self._closing_events: list[LiveEvent] = []
        self._started = False
        #: ``session.closed`` did not come within close_timeout.
        self._unconfirmed = False
        #: The storage failure arrived only while closing: nobody received it.
        self._storage_failure_at_close = False

    def _watch(self, event: Any) -> None:
        # Called by the shared `_deliver` for the watched events only, so a
        # delta costs a Live connection nothing more than a Realtime one.
        watched = cast(
            "SessionStarted | SessionUpdated | SessionClosed | InfoEvent | ErrorEvent", event
        )
        if isinstance(watched, SessionStarted | SessionUpdated):
            self.session = watched.session
            self._started = True
        elif isinstance(watched, SessionClosed):
            self._session_closed = watched
        else:
            self._note_notice(watched)

    def _note_notice(self, event: InfoEvent | ErrorEvent) -> None:
        code = event.code if isinstance(event, InfoEvent) else event.error.code
        if code == STORAGE_FAILED and self._storage_failure is None:
            log.warning("GPT-Live: the server could not store the session (%s)", self.url)
            self._storage_failure = event

    def sent_event(self, error: object) -> LiveClientEvent | None:
        """The command a Live `ErrorEvent` (or a ``client_event_id`` str) refers to.

        Found among the last ``SENT_HISTORY`` commands sent; None when the error
        names none, or it is older than that.
        """
        if isinstance(error, ErrorEvent):
            event_id = error.error.client_event_id or error.client_event_id
        elif isinstance(error, str):
            event_id = error
        else:
            raise TypeError(
                f"sent_event() takes a live.ErrorEvent or an event id, not {type(error).__name__}"
            )
        return self._sent.get(event_id) if event_id else None

    async def _close(self, *, flush: bool, polite: bool) -> None:
        # The Live end comes before the WebSocket's: only on a clean exit (an
        # error in the block closes the socket, and the server ends the session).
        try:
            if flush and polite and self._owns_session and self._can_end():
                await self._end_session()
        finally:
            await self._close_socket(flush=flush, polite=polite)

    async def _close_socket(self, *, flush: bool, polite: bool) -> None:
        try:
            await super()._close(flush=flush, polite=polite)
        finally:
            self.close_result = LiveCloseResult(
                self._session_closed, tuple(self._closing_events), self._storage_failure
            )
            if self._session_closed is not None:
                log.debug("GPT-Live session closed: %s", self._session_closed.reason)

    def _can_end(self) -> bool:
        return (
            self._started
            and self._session_closed is None
            and self._websocket.closed is None
            and self._life is _Life.OPEN
        )

    async def _end_session(self) -> None:
        """Send ``session.close`` and keep what arrives until ``session.closed``."""
        before = self._storage_failure
        with trio.move_on_after(self._close_timeout) as scope:
            try:
                await self.send(SessionClose())
                while self._session_closed is None:
                    data = await self._websocket.get_message()
                    try:
                        self._closing_events.append(self._deliver(data))
                    except EventDecodeError as exc:  # strict=True: keep waiting
                        log.debug("undecodable frame while closing: %s", exc)
            except (Closed, ConnectionClosed, trio.ClosedResourceError) as exc:
                # The socket ended first: the WebSocket close reports how.
                log.debug("GPT-Live close: %r", exc)
        if scope.cancelled_caught:
            self._unconfirmed = True
        if before is None and self._storage_failure is not None:
            self._storage_failure_at_close = True

    def _pending_exit_error(self) -> Exception | None:
        error = super()._pending_exit_error()
        if error is not None:
            return error
        result = self.close_result
        if self._storage_failure_at_close and result is not None:
            return LiveStorageError(
                "the GPT-Live session ended, but the server could not store it "
                f"({STORAGE_FAILED}); its recording and transcript are not available",
                notice=result.storage_failure,
                result=result,
            )
        if self._unconfirmed:
            return CloseTimeout(
                f"session.closed did not arrive within close_timeout ({self._close_timeout}s): "
                "the server has not confirmed that the GPT-Live session was finalized",
                unsent=(),
            )
        return None
