"""The server's ``error`` event (shared by realtime and translation sessions)."""

from __future__ import annotations

from ._base import Model, ServerEvent

__all__ = ["ErrorEvent", "RealtimeErrorDetail"]


class RealtimeErrorDetail(Model, kw_only=True):
    """What went wrong: ``type`` and ``code`` are open-ended strings.

    ``event_id`` names the client event that caused the error, when there is one.
    """

    type: str
    message: str
    code: str | None = None
    param: str | None = None
    event_id: str | None = None


class ErrorEvent(ServerEvent, tag="error", kw_only=True):
    """The server rejected a client event or hit a problem; the session goes on."""

    event_id: str
    error: RealtimeErrorDetail
