"""The fake server's REST side for GPT-Live: ``/v1/live/sessions/{id}/{action}``.

Kept apart from `_live` (the sessions themselves), so the Live engine needs no
HTTP: this route is what `FakeRest.add_route` serves under ``live``.
"""

from __future__ import annotations

import urllib.parse

from ._live import LiveSessions
from ._rest import FakeRest, HTTPAnswer, Refused, RestRequest, RestRoute

__all__ = ["live_rest", "live_rest_route"]


def live_rest_route(sessions: LiveSessions, rest: FakeRest) -> RestRoute:
    """The fake REST side's route for ``/v1/live/...`` (see `FakeRest.add_route`)."""

    async def route(request: RestRequest) -> HTTPAnswer:
        rest.require_api_key(request.key)
        return await live_rest(sessions, request.method, request.tail)

    return route


async def live_rest(sessions: LiveSessions, method: str, tail: list[str]) -> HTTPAnswer:
    """``/live/sessions/{id}/{action}``: hang up a running session, download a
    stored one's recording. The SIP actions (accept, reject, refer) and the
    WebRTC fork are refused: the fake has no SIP or WebRTC side for Live."""
    if len(tail) != 4:
        raise Refused(404, f"Invalid URL ({method} /v1/{'/'.join(tail)})")
    session_id, action = urllib.parse.unquote(tail[2]), tail[3]
    engine = sessions.get(session_id)
    if engine is None:
        raise Refused(404, f"No Live session {session_id!r}")
    wanted = "GET" if action == "content" else "POST"
    if method != wanted:
        raise Refused(405, f"Invalid method for URL ({method} .../{action})")
    if action == "hangup":
        await engine.close("close_requested")
        return 200, [], b""
    if action == "content":
        if engine.session is None or not engine.session.store:
            raise Refused(404, f"Live session {session_id!r} was not stored")
        return 200, [("content-type", "application/octet-stream")], bytes(engine.recording)
    if action in ("accept", "reject", "refer", "fork"):
        raise Refused(
            400, f"{action} needs a SIP or WebRTC session, which the fake server does not simulate"
        )
    raise Refused(404, f"Invalid URL ({method} .../{action})")
