"""``rate_limits.updated``: the remaining request and token budget."""

from __future__ import annotations

from ._base import Model, ServerEvent

__all__ = ["RateLimit", "RateLimitsUpdated"]


class RateLimit(Model, kw_only=True):
    """One limit; ``name`` is ``"requests"`` or ``"tokens"`` today."""

    name: str | None = None
    limit: int | None = None
    remaining: int | None = None
    reset_seconds: float | None = None


class RateLimitsUpdated(ServerEvent, tag="rate_limits.updated", kw_only=True):
    """The current rate limits, sent at the start of each response."""

    event_id: str
    rate_limits: list[RateLimit]
