"""Leaving a nursery owned by a class-based async context manager.

`open_realtime` and the fake server each own a nursery for the life of an
``async with`` block (a class with ``__aenter__``/``__aexit__``, not an async
generator that yields inside the nursery). With trio's strict exception groups,
leaving that nursery wraps even a lone error in a group; this turns it back into
the one error the user should see.
"""

from __future__ import annotations

from typing import Any, cast

import trio

__all__ = ["exit_nursery"]


async def exit_nursery(manager: Any, exc: BaseException | None) -> bool:
    """Leave the entered nursery ``manager`` with ``exc`` (the block's error) in flight.

    Returns True when the nursery absorbed ``exc`` (a cancellation of its own).
    Raises the block's own error unchanged when nothing else failed; a single
    failure inside the nursery otherwise (the block's error is then most likely
    its consequence); the whole group only when several things failed.
    """
    try:
        return bool(
            await manager.__aexit__(
                type(exc) if exc is not None else None,
                exc,
                exc.__traceback__ if exc is not None else None,
            )
        )
    except BaseExceptionGroup as group:
        real = [e for e in _leaves(group) if not isinstance(e, trio.Cancelled)]
        inside = [e for e in real if e is not exc]
        if not inside and exc is not None:
            raise exc from exc.__cause__
        if len(inside) == 1:
            raise inside[0] from inside[0].__cause__
        raise


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    found: list[BaseException] = []
    for inner in group.exceptions:
        if isinstance(inner, BaseExceptionGroup):
            found.extend(_leaves(cast(BaseExceptionGroup[BaseException], inner)))
        else:
            found.append(inner)
    return found
