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

from typing import TYPE_CHECKING

import trio

from .. import events as ev

if TYPE_CHECKING:
    from ._connection import FakeConnection

__all__ = ["SESSION_EXPIRED_MESSAGE", "expire_after", "maybe_drop"]

SESSION_EXPIRED_MESSAGE = "Your session hit the maximum duration of {minutes:g} minutes."


async def expire_after(conn: FakeConnection, seconds: float) -> None:
    """End ``conn`` like the service at its session limit: ``session_expired``, then close."""
    await trio.sleep(seconds)
    faults = conn.server.faults
    error = ev.ErrorEvent(
        event_id=conn.engine.event_id(),
        error=ev.RealtimeErrorDetail(
            type="invalid_request_error",
            code="session_expired",
            message=SESSION_EXPIRED_MESSAGE.format(minutes=seconds / 60),
        ),
    )
    await conn.send(error)
    conn.expired = True
    await conn.close(faults.expire_close_code, "session expired")


async def maybe_drop(conn: FakeConnection) -> bool:
    """Drop ``conn`` with the probability ``Faults.drop_chance``; True if it did."""
    faults = conn.server.faults
    if faults.drop_chance and faults.rng.random() < faults.drop_chance:
        await conn.drop()
        return True
    return False
