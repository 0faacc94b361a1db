"""trio-realtime: a trio-native client for the OpenAI Realtime API."""

from __future__ import annotations

from . import events as events
from ._client import AzureOptions as AzureOptions
from ._client import Client as Client
from ._client import KeyProvider as KeyProvider
from ._connection import ConnectionStatistics as ConnectionStatistics
from ._connection import EventReceiveChannel as EventReceiveChannel
from ._connection import RealtimeConnection as RealtimeConnection
from ._connection import TranslationConnection as TranslationConnection
from ._connection import TranslationEvent as TranslationEvent
from ._conversation import Conversation as Conversation
from ._conversation import ConversationContent as ConversationContent
from ._conversation import ConversationItem as ConversationItem
from ._conversation import ConversationResponse as ConversationResponse
from ._errors import APIStatusError as APIStatusError
from ._errors import AuthenticationError as AuthenticationError
from ._errors import BadRequestError as BadRequestError
from ._errors import Base64AudioError as Base64AudioError
from ._errors import CloseTimeout as CloseTimeout
from ._errors import ConfigurationError as ConfigurationError
from ._errors import ConnectError as ConnectError
from ._errors import ConnectionClosed as ConnectionClosed
from ._errors import ConnectTimeout as ConnectTimeout
from ._errors import EventDecodeError as EventDecodeError
from ._errors import EventEncodeError as EventEncodeError
from ._errors import HandshakeRejected as HandshakeRejected
from ._errors import HostUnreachableError as HostUnreachableError
from ._errors import InsecureTransportError as InsecureTransportError
from ._errors import InvalidHeaderError as InvalidHeaderError
from ._errors import KeepaliveTimeout as KeepaliveTimeout
from ._errors import MissingAPIKeyError as MissingAPIKeyError
from ._errors import NotFoundError as NotFoundError
from ._errors import PermissionDeniedError as PermissionDeniedError
from ._errors import ProtocolError as ProtocolError
from ._errors import RateLimitError as RateLimitError
from ._errors import RealtimeError as RealtimeError
from ._errors import RealtimeTimeout as RealtimeTimeout
from ._errors import RestConnectError as RestConnectError
from ._errors import RestError as RestError
from ._errors import RestExtraMissing as RestExtraMissing
from ._errors import RestResponseError as RestResponseError
from ._errors import RestStatusError as RestStatusError
from ._errors import RestTimeout as RestTimeout
from ._errors import ServerError as ServerError
from ._errors import TLSError as TLSError
from ._errors import WebhookPayloadError as WebhookPayloadError
from ._errors import WebhookSignatureError as WebhookSignatureError
from ._errors import WebhookTimestampError as WebhookTimestampError
from ._errors import WebhookVerificationError as WebhookVerificationError
from ._open import connect_realtime as connect_realtime
from ._open import open_realtime as open_realtime
from ._open import open_translation as open_translation
from ._secret import Secret as Secret

__version__ = "0.1.0"

__all__ = [
    "APIStatusError",
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
    "InvalidHeaderError",
    "KeepaliveTimeout",
    "KeyProvider",
    "MissingAPIKeyError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProtocolError",
    "RateLimitError",
    "RealtimeConnection",
    "RealtimeError",
    "RealtimeTimeout",
    "RestConnectError",
    "RestError",
    "RestExtraMissing",
    "RestResponseError",
    "RestStatusError",
    "RestTimeout",
    "Secret",
    "ServerError",
    "TLSError",
    "TranslationConnection",
    "TranslationEvent",
    "WebhookPayloadError",
    "WebhookSignatureError",
    "WebhookTimestampError",
    "WebhookVerificationError",
    "connect_realtime",
    "events",
    "open_realtime",
    "open_translation",
]
