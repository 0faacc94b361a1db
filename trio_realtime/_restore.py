"""What a new server session is sent before anything else: the restore plan.

Pure: from the last session configuration the server reported and from the
`Conversation`, the client events that rebuild them, within a budget. The I/O
(sending them, reading the acknowledgements) is `_resilient`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from . import events as ev
from ._conversation import Conversation

__all__ = ["RestorePlan", "config_event", "item_chars", "plan_restore"]

#: Prefix of the event ids of restore events: their errors are told apart from
#: the application's, and a test can tell them apart on the server.
RESTORE_ID_PREFIX = "restore_"


@dataclass(slots=True)
class RestorePlan:
    """The events to send, in order, and what they stand for."""

    events: list[Any] = field(default_factory=list[Any])
    #: The old ids of the items re-created, in order.
    item_ids: list[str] = field(default_factory=list[str])
    #: Whether ``events[0]`` is the configuration (a ``session.update``).
    has_config: bool = False
    #: Items of the conversation left out by the budget.
    dropped: int = 0


def config_event(session: object) -> Any | None:
    """The ``session.update`` that sets ``session`` again, or None.

    ``RealtimeSession`` and ``TranscriptionSession`` hold only the fields a
    client may set (the read-only ones, such as ``id`` and ``expires_at``, are
    not decoded); a translation session's settable part is its ``audio``.
    """
    if isinstance(session, ev.RealtimeSession | ev.TranscriptionSession):
        return ev.SessionUpdate(session=session)
    if isinstance(session, ev.TranslationSession):
        return ev.TranslationSessionUpdate(session=ev.TranslationSessionConfig(audio=session.audio))
    return None


def item_chars(item: ev.Item) -> int:
    """The characters of text an item costs in the restore budget."""
    if isinstance(item, ev.Message):
        return sum(len(part.text or "") for part in item.content if isinstance(part.text, str))
    if isinstance(item, ev.FunctionCall):
        return len(item.name) + len(item.arguments)
    if isinstance(item, ev.FunctionCallOutput):
        return len(item.output)
    return 0


def plan_restore(session: object, conversation: Conversation | None, max_chars: int) -> RestorePlan:
    """The restore for a new session: configuration first, then the most recent
    items of ``conversation`` that fit in ``max_chars`` characters, in order.

    A function call output whose call fell outside the budget is left out too
    (the server refuses an output without its call).
    """
    plan = RestorePlan()
    update = config_event(session)
    if update is not None:
        plan.events.append(msgspec.structs.replace(update, event_id=f"{RESTORE_ID_PREFIX}config"))
        plan.has_config = True
    if conversation is None:
        return plan
    history = conversation.history(ids=True)
    kept = 0
    spent = 0
    for item in reversed(history):
        cost = item_chars(item)
        if spent + cost > max_chars:
            break
        spent += cost
        kept += 1
    chosen = history[len(history) - kept :]
    while chosen and isinstance(chosen[0], ev.FunctionCallOutput):
        chosen.pop(0)
    plan.dropped = len(history) - len(chosen)
    for n, item in enumerate(chosen):
        item_id = getattr(item, "id", None)
        assert isinstance(item_id, str)
        plan.item_ids.append(item_id)
        plan.events.append(ev.ConversationItemCreate(item=item, event_id=f"{RESTORE_ID_PREFIX}{n}"))
    return plan
