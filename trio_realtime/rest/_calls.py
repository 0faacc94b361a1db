"""SIP and WebRTC calls: accept, reject, refer, hang up, and create (WebRTC brokering).

A SIP call arrives as a ``realtime.call.incoming`` webhook (see `_webhooks`);
the server accepts it with a session configuration (or rejects or transfers
it), then attaches a sideband WebSocket with ``open_realtime(client,
call_id=...)`` to drive the conversation, and hangs up when done. ``create``
is for servers that broker WebRTC for browsers: the browser's SDP offer goes
in, the SDP answer and the new call's id come out.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, unquote

import msgspec

from .._errors import ConfigurationError, RestResponseError
from ..events import RealtimeSession
from ._http import MultipartField, RestTransport

__all__ = ["DEFAULT_REJECT_STATUS", "CallAnswer", "Calls"]

#: SIP 603 Decline: what the API sends when a reject names no status.
DEFAULT_REJECT_STATUS = 603

_ANY = "*/*"


@dataclass(frozen=True, slots=True)
class CallAnswer:
    """What ``calls.create`` returns: the SDP answer for the browser's peer connection,
    and the call's id (from the ``Location`` header) for a sideband connection, or
    None if the server sent none."""

    sdp: str
    """The SDP answer, for the browser's ``setRemoteDescription``."""
    call_id: str | None
    """The call's id (for ``open_realtime(call_id=...)``), or None if none was sent."""


class _Reject(msgspec.Struct, kw_only=True):
    status_code: int


class _Refer(msgspec.Struct, kw_only=True):
    target_uri: str


class Calls:
    """``calls``: control SIP and WebRTC calls by id."""

    __slots__ = ("_transport",)

    def __init__(self, transport: RestTransport) -> None:
        self._transport = transport

    async def accept(
        self,
        call_id: str,
        session: RealtimeSession,
        *,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        """Accept an incoming SIP call; ``session`` configures the session that answers it."""
        if not isinstance(session, RealtimeSession):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ConfigurationError(
                f"session must be an events.RealtimeSession, got {type(session).__name__}"
            )
        await self._transport.request(
            "POST", _path(call_id, "accept"), json=session, accept=_ANY, extra_headers=extra_headers
        )

    async def reject(
        self,
        call_id: str,
        *,
        status_code: int = DEFAULT_REJECT_STATUS,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        """Decline an incoming SIP call with a SIP status (400 to 699; 486 Busy Here,
        603 Decline by default)."""
        if (
            not isinstance(status_code, int)  # pyright: ignore[reportUnnecessaryIsInstance]
            or isinstance(status_code, bool)
            or not 400 <= status_code <= 699
        ):
            raise ConfigurationError(
                f"status_code must be a SIP error status from 400 to 699, got {status_code!r}"
            )
        await self._transport.request(
            "POST",
            _path(call_id, "reject"),
            json=_Reject(status_code=status_code),
            accept=_ANY,
            extra_headers=extra_headers,
        )

    async def refer(
        self,
        call_id: str,
        target_uri: str,
        *,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        """Transfer an active SIP call: ``target_uri`` (``tel:+14155550123``,
        ``sip:agent@example.com``) becomes the SIP REFER's Refer-To."""
        if not isinstance(target_uri, str) or not target_uri.strip():  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ConfigurationError("target_uri must be a non-empty string such as 'tel:+1...'")
        await self._transport.request(
            "POST",
            _path(call_id, "refer"),
            json=_Refer(target_uri=target_uri),
            accept=_ANY,
            extra_headers=extra_headers,
        )

    async def hangup(self, call_id: str, *, extra_headers: dict[str, str] | None = None) -> None:
        """End an active call, SIP or WebRTC."""
        await self._transport.request(
            "POST", _path(call_id, "hangup"), accept=_ANY, extra_headers=extra_headers
        )

    async def create(
        self,
        sdp: str,
        session: RealtimeSession | None = None,
        *,
        extra_headers: dict[str, str] | None = None,
    ) -> CallAnswer:
        """Start a WebRTC call from a browser's SDP offer, configured by ``session``.

        Sent as ``multipart/form-data`` (an ``sdp`` part, and a ``session``
        JSON part when given), as the API wants; returns the SDP answer and
        the call id.
        """
        if not isinstance(sdp, str) or not sdp.strip():  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ConfigurationError("sdp must be the SDP offer, a non-empty string")
        if session is not None and not isinstance(session, RealtimeSession):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ConfigurationError(
                f"session must be an events.RealtimeSession, got {type(session).__name__}"
            )
        parts = [MultipartField("sdp", "application/sdp", sdp.encode())]
        if session is not None:
            parts.append(
                MultipartField("session", "application/json", msgspec.json.encode(session))
            )
        answer = await self._transport.request(
            "POST",
            "/realtime/calls",
            multipart=parts,
            accept="application/sdp",
            extra_headers=extra_headers,
        )
        try:
            text = answer.body.decode()
        except UnicodeDecodeError:
            raise RestResponseError(
                f"POST {answer.url} answered with an SDP answer that is not UTF-8"
            ) from None
        location = answer.header("location")
        call_id = unquote(location.rstrip("/").rsplit("/", 1)[-1]) if location else None
        return CallAnswer(sdp=text, call_id=call_id or None)


def _path(call_id: str, action: str) -> str:
    if not isinstance(call_id, str) or not call_id:  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ConfigurationError(f"call_id must be a non-empty string, got {call_id!r}")
    # The id is one path segment whatever it holds ("/" and "%" included).
    return f"/realtime/calls/{quote(call_id, safe='')}/{action}"
