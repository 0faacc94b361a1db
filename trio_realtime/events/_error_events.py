"""The server's ``error`` event (provisional)."""

from __future__ import annotations

from typing import Any

from ._base import ServerEvent

__all__ = ["ErrorEvent"]


class ErrorEvent(ServerEvent, tag="error", kw_only=True):
    event_id: str
    error: dict[str, Any]
