"""Session events (provisional: nested session objects are plain dicts until the
full model lands)."""

from __future__ import annotations

from typing import Any

from msgspec import UNSET, UnsetType

from ._base import ClientEvent, ServerEvent

__all__ = ["SessionCreated", "SessionUpdate", "SessionUpdated"]


class SessionUpdate(ClientEvent, tag="session.update", kw_only=True):
    session: dict[str, Any]
    event_id: str | UnsetType = UNSET


class SessionCreated(ServerEvent, tag="session.created", kw_only=True):
    event_id: str
    session: dict[str, Any]


class SessionUpdated(ServerEvent, tag="session.updated", kw_only=True):
    event_id: str
    session: dict[str, Any]
