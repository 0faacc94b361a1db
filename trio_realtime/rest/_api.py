"""`RestClient`: the Realtime REST endpoints for one client, over one connection pool."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from .._open import require_trio
from ._calls import Calls
from ._http import DEFAULT_REST_OPTIONS, RestOptions, RestTransport, open_rest_transport
from ._live import LiveSessions
from ._secrets import ClientSecrets, TranslationClientSecrets

if TYPE_CHECKING:
    import httpx

__all__ = ["RestClient", "open_rest"]


class RestClient:
    """The Realtime REST endpoints, grouped as in the openai SDK.

    ``client_secrets`` mints keys for conversation and transcription
    sessions, ``translation_client_secrets`` for translation sessions,
    ``calls`` accepts, rejects, transfers, hangs up and creates calls,
    ``live_sessions`` does the same for GPT-Live sessions (and forks them and
    downloads their recordings); ``transport`` is the `RestTransport` they
    share. Safe to share between tasks; made by `open_rest`.
    """

    __slots__ = (
        "calls",
        "client_secrets",
        "live_sessions",
        "translation_client_secrets",
        "transport",
    )

    def __init__(self, transport: RestTransport) -> None:
        self.transport: RestTransport = transport
        self.client_secrets: ClientSecrets = ClientSecrets(transport)
        self.translation_client_secrets: TranslationClientSecrets = TranslationClientSecrets(
            transport
        )
        self.calls: Calls = Calls(transport)
        self.live_sessions: LiveSessions = LiveSessions(transport)

    def __repr__(self) -> str:
        return f"<RestClient for {self.transport.client!r}>"


@asynccontextmanager
async def open_rest(
    client: object,
    *,
    options: RestOptions = DEFAULT_REST_OPTIONS,
    http_client: httpx.AsyncClient | None = None,
) -> AsyncGenerator[RestClient]:
    """``async with open_rest(client) as api:`` the REST endpoints for ``client``.

    ``client`` is a `trio_realtime.Client` (or an openai SDK client), the same
    one ``open_realtime`` takes. The connection pool lives as long as the
    block; pass ``http_client`` to use (and keep) your own ``httpx.AsyncClient``.
    Raises `RestExtraMissing` when httpx is not installed, and `RealtimeError`
    when entered outside trio (under asyncio, say).
    """
    require_trio("async with open_rest(...)")
    async with open_rest_transport(client, options=options, http_client=http_client) as t:
        yield RestClient(t)
