"""The REST calls on GPT-Live sessions: ``/live/sessions/{id}/...``.

A SIP call to a Live number arrives as a webhook; the server accepts it with a
`SessionConfig` (or rejects or transfers it), watches and steers it with
`open_live_sideband`, and hangs up. A stored session can be forked onto a new
WebRTC connection (``fork``; a WebSocket fork is `open_live_fork`) and its
recording fetched. `RestClient.live_sessions` is one of these (the ``rest``
extra, like every REST call).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import msgspec

from .._errors import ConfigurationError
from ..live._config import Audio, ForkSessionConfig, SessionConfig
from ._http import RestTransport

__all__ = ["LiveForkAnswer", "LiveSessions"]

_ANY = "*/*"


class LiveForkAnswer(msgspec.Struct, frozen=True, kw_only=True):
    """What a WebRTC ``fork`` returns: the new session's id and the SDP answer."""

    session_id: str
    """The id of the new (forked) session."""
    sdp: str
    """The SDP answer, for the peer connection's ``setRemoteDescription``."""


class _Id(msgspec.Struct):
    id: str


class _Transport(msgspec.Struct):
    sdp: str
    type: str = "webrtc"


class _ForkAnswer(msgspec.Struct):
    session: _Id
    transport: _Transport


class _Reject(msgspec.Struct):
    status_code: int


class _Refer(msgspec.Struct):
    target_uri: str


class LiveSessions:
    """``live_sessions``: accept, reject, refer, hang up, fork, and download by session id."""

    __slots__ = ("_transport",)

    def __init__(self, transport: RestTransport) -> None:
        self._transport = transport

    async def accept(
        self,
        session_id: str,
        session: SessionConfig,
        *,
        safety_identifier: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        """Accept an incoming SIP call with ``session`` (its model and startup configuration).

        SIP negotiates the media format: a ``session.audio.format`` is refused
        here (`ConfigurationError`), as the API would refuse it.
        """
        if not isinstance(session, SessionConfig):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ConfigurationError(
                f"session must be a live.SessionConfig, got {type(session).__name__}"
            )
        audio = session.audio
        if isinstance(audio, Audio) and audio.format not in (None, msgspec.UNSET):
            raise ConfigurationError(
                "a SIP call negotiates its audio format: leave session.audio.format unset"
            )
        body: dict[str, Any] = {"type": "live", **msgspec.to_builtins(session)}
        if safety_identifier is not None:
            body["safety_identifier"] = _text(safety_identifier, "safety_identifier")
        await self._post(session_id, "accept", {"session": body}, extra_headers)

    async def reject(
        self, session_id: str, *, status_code: int, extra_headers: dict[str, str] | None = None
    ) -> None:
        """Decline an incoming SIP call with a SIP status (400 to 699, such as 486 or 603)."""
        if (
            not isinstance(status_code, int)  # pyright: ignore[reportUnnecessaryIsInstance]
            or isinstance(status_code, bool)
            or not 400 <= status_code <= 699
        ):
            raise ConfigurationError(
                f"status_code must be a SIP error status from 400 to 699, got {status_code!r}"
            )
        await self._post(session_id, "reject", _Reject(status_code), extra_headers)

    async def refer(
        self, session_id: str, target_uri: str, *, extra_headers: dict[str, str] | None = None
    ) -> None:
        """Transfer the SIP call to ``target_uri`` (``tel:+1...``, ``sip:agent@example.com``)."""
        if not isinstance(target_uri, str) or not target_uri.strip():  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ConfigurationError("target_uri must be a non-empty string such as 'tel:+1...'")
        await self._post(session_id, "refer", _Refer(target_uri), extra_headers)

    async def hangup(self, session_id: str, *, extra_headers: dict[str, str] | None = None) -> None:
        """End the SIP call."""
        await self._post(session_id, "hangup", None, extra_headers)

    async def fork(
        self,
        session_id: str,
        sdp: str,
        session: ForkSessionConfig | None = None,
        *,
        extra_headers: dict[str, str] | None = None,
    ) -> LiveForkAnswer:
        """Fork a stored session onto a new WebRTC connection from the browser's SDP offer.

        ``session`` overrides the stored configuration (none inherits it); a
        WebRTC fork negotiates its audio, so ``session.audio`` is refused here.
        """
        if not isinstance(sdp, str) or not sdp.strip():  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ConfigurationError("sdp must be the SDP offer, a non-empty string")
        body: dict[str, Any] = {"transport": _Transport(sdp)}
        if session is not None:
            if not isinstance(session, ForkSessionConfig):  # pyright: ignore[reportUnnecessaryIsInstance]
                raise ConfigurationError(
                    f"session must be a live.ForkSessionConfig, got {type(session).__name__}"
                )
            if session.audio not in (None, msgspec.UNSET):
                raise ConfigurationError(
                    "a WebRTC fork negotiates its audio: leave session.audio unset"
                )
            body["session"] = session
        answer = await self._transport.request(
            "POST",
            _path(session_id, "fork"),
            json=body,
            extra_headers=extra_headers,
            live=True,
        )
        fork = answer.decode(_ForkAnswer)
        return LiveForkAnswer(session_id=fork.session.id, sdp=fork.transport.sdp)

    async def download_recording(
        self, session_id: str, *, extra_headers: dict[str, str] | None = None
    ) -> bytes:
        """The recording of a session that was stored (``store=True``), as its bytes.

        The answer is read whole, up to ``RestOptions.max_response_body`` (16 MiB
        by default: raise it for long calls).
        """
        answer = await self._transport.request(
            "GET",
            _path(session_id, "content"),
            accept="application/binary",
            extra_headers=extra_headers,
            live=True,
        )
        return answer.body

    async def _post(
        self, session_id: str, action: str, body: object, extra_headers: dict[str, str] | None
    ) -> None:
        await self._transport.request(
            "POST",
            _path(session_id, action),
            json=body,
            accept=_ANY,
            extra_headers=extra_headers,
            live=True,
        )


def _text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{what} must be a non-empty string")
    return value


def _path(session_id: str, action: str) -> str:
    if not isinstance(session_id, str) or not session_id:  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ConfigurationError(f"session_id must be a non-empty string, got {session_id!r}")
    # The id is one path segment whatever it holds ("/" and "%" included).
    return f"/live/sessions/{quote(session_id, safe='')}/{action}"
