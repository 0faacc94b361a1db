"""The fake server's session lifetime and random drops: what reconnect tests need.

The service ends every session after a fixed time (60 minutes; Azure's 30):
an ``error`` event with code ``session_expired``, then the close. Here that
time is ``Faults.session_duration``. ``Faults.drop_chance`` drops the TCP
connection after any event sent, with that probability (drawn from
``Faults.rng``, so a seeded run is repeatable): the scripted faults
(``close_after``, ``drop_after``) hit every connection alike, these model a
flaky network over hours.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import trio

from .. import events as ev
from ._state import AUTO_ID, Faults, PeerGone

if TYPE_CHECKING:
    from ._session_state import SessionState

__all__ = ["SESSION_EXPIRED_MESSAGE", "expire_after", "maybe_drop"]

SESSION_EXPIRED_MESSAGE = "Your session hit the maximum duration of {minutes:g} minutes."


class _Droppable(Protocol):
    async def drop(self) -> None: ...


async def expire_after(session: SessionState, seconds: float) -> None:
    """End ``session`` like the service at its limit: ``session_expired``, then close."""
    await trio.sleep(seconds)
    try:
        await session.emit(
            ev.ErrorEvent(
                event_id=AUTO_ID,
                error=ev.RealtimeErrorDetail(
                    type="invalid_request_error",
                    code="session_expired",
                    message=SESSION_EXPIRED_MESSAGE.format(minutes=seconds / 60),
                ),
            )
        )
    except PeerGone:
        return  # the client left first
    session.expired = True
    await session.peer.close(session.server.faults.expire_close_code, "session expired")


async def maybe_drop(conn: _Droppable, faults: Faults) -> bool:
    """Drop ``conn`` with the probability ``Faults.drop_chance``; True if it did."""
    if faults.drop_chance and faults.rng.random() < faults.drop_chance:
        await conn.drop()
        return True
    return False
