"""Response events (provisional subset)."""

from __future__ import annotations

from typing import Any

from msgspec import UNSET, UnsetType

from ._base import ClientEvent, ServerEvent

__all__ = ["ResponseCreate", "ResponseDone", "ResponseOutputTextDelta"]


class ResponseCreate(ClientEvent, tag="response.create", kw_only=True):
    event_id: str | UnsetType = UNSET
    response: dict[str, Any] | UnsetType = UNSET


class ResponseOutputTextDelta(ServerEvent, tag="response.output_text.delta", kw_only=True):
    event_id: str
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str


class ResponseDone(ServerEvent, tag="response.done", kw_only=True):
    event_id: str
    response: dict[str, Any]
