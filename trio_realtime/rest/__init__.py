"""The Realtime API's REST calls, and verified webhooks.

``async with open_rest(client) as api:`` gives a `RestClient` for a
`trio_realtime.Client`: ``api.client_secrets.create(session)`` mints a
`ClientSecret` for a browser or phone, ``api.calls.accept(call_id, session)``
answers a SIP call that a `WebhookVerifier` checked. The how-to page
:doc:`Client secrets and phone calls </howto/client-secrets-calls>` has
complete programs (run against the fake server
in this project's tests).

REST calls go over httpx, the ``rest`` extra (``pip install
'trio-realtime[rest]'``); it is imported at the first call, and without it
that call raises `RestExtraMissing`. `WebhookVerifier` needs nothing extra.

`RestTransport` is the HTTP core the endpoints share: it addresses and
authenticates a request as the WebSocket handshake does (one
`trio_realtime.Client` for both), bounds it (`RestOptions`), and maps every
failure into the library's error tree (`RestStatusError` as its status's
class, `RestTimeout`, `RestConnectError`).
"""

from __future__ import annotations

from ._api import RestClient as RestClient
from ._api import open_rest as open_rest
from ._calls import DEFAULT_REJECT_STATUS as DEFAULT_REJECT_STATUS
from ._calls import CallAnswer as CallAnswer
from ._calls import Calls as Calls
from ._http import DEFAULT_REST_OPTIONS as DEFAULT_REST_OPTIONS
from ._http import MultipartField as MultipartField
from ._http import RestOptions as RestOptions
from ._http import RestResponse as RestResponse
from ._http import RestTransport as RestTransport
from ._http import open_rest_transport as open_rest_transport
from ._live import LiveForkAnswer as LiveForkAnswer
from ._live import LiveSessions as LiveSessions
from ._secrets import DEFAULT_SECRET_EXPIRY as DEFAULT_SECRET_EXPIRY
from ._secrets import MAX_SECRET_EXPIRY as MAX_SECRET_EXPIRY
from ._secrets import MIN_SECRET_EXPIRY as MIN_SECRET_EXPIRY
from ._secrets import ClientSecret as ClientSecret
from ._secrets import ClientSecrets as ClientSecrets
from ._secrets import TranslationClientSecret as TranslationClientSecret
from ._secrets import TranslationClientSecrets as TranslationClientSecrets
from ._webhooks import DEFAULT_WEBHOOK_TOLERANCE as DEFAULT_WEBHOOK_TOLERANCE
from ._webhooks import RealtimeCallIncoming as RealtimeCallIncoming
from ._webhooks import RealtimeCallIncomingData as RealtimeCallIncomingData
from ._webhooks import SipHeader as SipHeader
from ._webhooks import UnknownWebhookEvent as UnknownWebhookEvent
from ._webhooks import WebhookEvent as WebhookEvent
from ._webhooks import WebhookHeaders as WebhookHeaders
from ._webhooks import WebhookVerifier as WebhookVerifier
from ._webhooks import sign_webhook as sign_webhook

__all__ = [
    "DEFAULT_REJECT_STATUS",
    "DEFAULT_REST_OPTIONS",
    "DEFAULT_SECRET_EXPIRY",
    "DEFAULT_WEBHOOK_TOLERANCE",
    "MAX_SECRET_EXPIRY",
    "MIN_SECRET_EXPIRY",
    "CallAnswer",
    "Calls",
    "ClientSecret",
    "ClientSecrets",
    "LiveForkAnswer",
    "LiveSessions",
    "MultipartField",
    "RealtimeCallIncoming",
    "RealtimeCallIncomingData",
    "RestClient",
    "RestOptions",
    "RestResponse",
    "RestTransport",
    "SipHeader",
    "TranslationClientSecret",
    "TranslationClientSecrets",
    "UnknownWebhookEvent",
    "WebhookEvent",
    "WebhookHeaders",
    "WebhookVerifier",
    "open_rest",
    "open_rest_transport",
    "sign_webhook",
]
