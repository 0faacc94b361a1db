"""The curated public surface: names, sorting, and no stray runtime dependencies."""

from __future__ import annotations

import subprocess
import sys

import trio_realtime
from trio_realtime import events, live

EXPECTED = [
    "APIStatusError",
    "Agent",
    "AuthenticationError",
    "AzureOptions",
    "BadRequestError",
    "Base64AudioError",
    "Client",
    "CloseTimeout",
    "ConfigurationError",
    "ConnectError",
    "ConnectTimeout",
    "ConnectionClosed",
    "ConnectionStatistics",
    "Conversation",
    "ConversationContent",
    "ConversationItem",
    "ConversationResponse",
    "EventDecodeError",
    "EventEncodeError",
    "EventReceiveChannel",
    "HandshakeRejected",
    "HostUnreachableError",
    "InsecureTransportError",
    "Interruption",
    "InvalidHeaderError",
    "KeepaliveTimeout",
    "KeyProvider",
    "LiveStartError",
    "LiveStartTimeout",
    "LiveStorageError",
    "MissingAPIKeyError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProtocolError",
    "RateLimitError",
    "RealtimeConnection",
    "RealtimeError",
    "RealtimeTimeout",
    "Reconnect",
    "ReconnectStatistics",
    "Reconnected",
    "ReconnectingConnection",
    "Reply",
    "RequestRefused",
    "ResponseLost",
    "RestConnectError",
    "RestError",
    "RestExtraMissing",
    "RestResponseError",
    "RestStatusError",
    "RestTimeout",
    "RestoreError",
    "Secret",
    "ServerError",
    "TLSError",
    "Tool",
    "ToolCallResult",
    "ToolOutcome",
    "TranslationConnection",
    "TranslationEvent",
    "WebhookPayloadError",
    "WebhookSignatureError",
    "WebhookTimestampError",
    "WebhookVerificationError",
    "connect_realtime",
    "events",
    "live",
    "open_agent",
    "open_realtime",
    "open_translation",
    "tool",
]


def test_public_names() -> None:
    assert trio_realtime.__all__ == EXPECTED


REST_EXPECTED = [
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


def test_rest_public_names() -> None:
    from trio_realtime import rest

    assert rest.__all__ == REST_EXPECTED
    for name in rest.__all__:
        assert hasattr(rest, name), name


def test_all_lists_resolve() -> None:
    # (Their order is ruff's RUF022 rule.)
    for module in (trio_realtime, events, live):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_every_exception_derives_from_realtime_error() -> None:
    for name in EXPECTED:
        obj = getattr(trio_realtime, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert issubclass(obj, trio_realtime.RealtimeError), name


def test_runtime_imports_only_declared_dependencies() -> None:
    code = (
        "import sys, trio_realtime, trio_realtime.testing, trio_realtime.events\n"
        # The rest package imports httpx only when a call is made.
        "import trio_realtime.rest\n"
        "deps = ('openai', 'pydantic', 'httpx', 'websockets')\n"
        "bad = sorted(m for m in deps if m in sys.modules)\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
