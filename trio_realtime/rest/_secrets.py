"""Ephemeral client secrets: short-lived keys minted by a server for a browser or phone.

``POST /realtime/client_secrets`` (conversation and transcription sessions)
and ``POST /realtime/translations/client_secrets`` take a session configuration
and an expiry; the answer's ``value`` (``ek_...``) is then the key of one
client's ``open_realtime`` (or ``open_translation``), with the session
configuration already applied.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from .._errors import ConfigurationError
from .._secret import Secret
from ..events import (
    RealtimeSession,
    Session,
    TranscriptionSession,
    TranslationAudio,
    TranslationSession,
)
from ._http import RestTransport

__all__ = [
    "DEFAULT_SECRET_EXPIRY",
    "MAX_SECRET_EXPIRY",
    "MIN_SECRET_EXPIRY",
    "ClientSecret",
    "ClientSecrets",
    "TranslationClientSecret",
    "TranslationClientSecrets",
]

#: The API's limits on ``expires_after.seconds``, and its default.
MIN_SECRET_EXPIRY = 10
MAX_SECRET_EXPIRY = 7200
DEFAULT_SECRET_EXPIRY = 600


@dataclass(frozen=True, slots=True)
class ClientSecret:
    """A minted client secret: ``value`` (a `Secret`: pass it as ``Client(api_key=...)``,
    or ``value.reveal()`` to hand it to a browser), ``expires_at`` (Unix seconds), and
    the effective ``session`` the server will start with."""

    value: Secret
    expires_at: int
    session: Session


@dataclass(frozen=True, slots=True)
class TranslationClientSecret:
    """A minted translation client secret, as `ClientSecret` for a translation session."""

    value: Secret
    """The secret (pass it as ``Client(api_key=...)``, or ``value.reveal()`` it)."""
    expires_at: int
    """When it expires, in Unix seconds."""
    session: TranslationSession
    """The effective translation session the server will start with."""


class _ExpiresAfter(msgspec.Struct, kw_only=True):
    anchor: str = "created_at"
    seconds: int = DEFAULT_SECRET_EXPIRY


class _Request(msgspec.Struct, kw_only=True):
    expires_after: _ExpiresAfter
    session: Session


class _TranslationSessionRequest(msgspec.Struct, kw_only=True, omit_defaults=True):
    model: str
    audio: TranslationAudio | None = None


class _TranslationRequest(msgspec.Struct, kw_only=True):
    session: _TranslationSessionRequest
    expires_after: _ExpiresAfter


class _Answer(msgspec.Struct, kw_only=True):
    value: str
    expires_at: int
    session: Session


class _TranslationAnswer(msgspec.Struct, kw_only=True):
    value: str
    expires_at: int
    session: TranslationSession


class ClientSecrets:
    """``client_secrets``: mint keys for conversation and transcription sessions."""

    __slots__ = ("_transport",)

    def __init__(self, transport: RestTransport) -> None:
        self._transport = transport

    async def create(
        self,
        session: RealtimeSession | TranscriptionSession,
        *,
        expires_after: int = DEFAULT_SECRET_EXPIRY,
        extra_headers: dict[str, str] | None = None,
    ) -> ClientSecret:
        """Mint a secret for ``session``, valid ``expires_after`` seconds (10 to 7200)
        from its creation; it may open several sessions until then."""
        if not isinstance(session, RealtimeSession | TranscriptionSession):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ConfigurationError(
                "session must be an events.RealtimeSession or events.TranscriptionSession, "
                f"got {type(session).__name__}"
            )
        body = _Request(expires_after=_expiry(expires_after), session=session)
        answer = await self._transport.request(
            "POST", "/realtime/client_secrets", json=body, extra_headers=extra_headers
        )
        decoded = answer.decode(_Answer)
        return ClientSecret(
            value=Secret(decoded.value), expires_at=decoded.expires_at, session=decoded.session
        )


class TranslationClientSecrets:
    """``translations.client_secrets``: mint keys for translation sessions."""

    __slots__ = ("_transport",)

    def __init__(self, transport: RestTransport) -> None:
        self._transport = transport

    async def create(
        self,
        model: str,
        *,
        audio: TranslationAudio | None = None,
        expires_after: int = DEFAULT_SECRET_EXPIRY,
        extra_headers: dict[str, str] | None = None,
    ) -> TranslationClientSecret:
        """Mint a secret for a translation session of ``model`` with ``audio`` (the
        output language, transcription, noise reduction), valid ``expires_after``
        seconds (10 to 7200)."""
        if not isinstance(model, str) or not model:  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ConfigurationError("model must be a non-empty string")
        if audio is not None and not isinstance(audio, TranslationAudio):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ConfigurationError(
                f"audio must be an events.TranslationAudio, got {type(audio).__name__}"
            )
        body = _TranslationRequest(
            session=_TranslationSessionRequest(model=model, audio=audio),
            expires_after=_expiry(expires_after),
        )
        answer = await self._transport.request(
            "POST",
            "/realtime/translations/client_secrets",
            json=body,
            extra_headers=extra_headers,
        )
        decoded = answer.decode(_TranslationAnswer)
        return TranslationClientSecret(
            value=Secret(decoded.value), expires_at=decoded.expires_at, session=decoded.session
        )


def _expiry(seconds: int) -> _ExpiresAfter:
    if (
        not isinstance(seconds, int)  # pyright: ignore[reportUnnecessaryIsInstance]
        or isinstance(seconds, bool)
        or not MIN_SECRET_EXPIRY <= seconds <= MAX_SECRET_EXPIRY
    ):
        raise ConfigurationError(
            f"expires_after must be a whole number of seconds from {MIN_SECRET_EXPIRY} "
            f"to {MAX_SECRET_EXPIRY}, got {seconds!r}"
        )
    return _ExpiresAfter(seconds=seconds)
