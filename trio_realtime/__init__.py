"""trio-realtime: a trio-native client for the OpenAI Realtime API."""

from __future__ import annotations

from . import events as events
from . import live as live
from ._agent import Agent as Agent
from ._agent import Interruption as Interruption
from ._agent import Reply as Reply
from ._agent import ToolCallResult as ToolCallResult
from ._agent import open_agent as open_agent
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
from ._errors import LiveStartError as LiveStartError
from ._errors import LiveStartTimeout as LiveStartTimeout
from ._errors import LiveStorageError as LiveStorageError
from ._errors import MissingAPIKeyError as MissingAPIKeyError
from ._errors import NotFoundError as NotFoundError
from ._errors import PermissionDeniedError as PermissionDeniedError
from ._errors import ProtocolError as ProtocolError
from ._errors import RateLimitError as RateLimitError
from ._errors import RealtimeError as RealtimeError
from ._errors import RealtimeTimeout as RealtimeTimeout
from ._errors import RequestRefused as RequestRefused
from ._errors import ResponseLost as ResponseLost
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
from ._reconnect import Reconnect as Reconnect
from ._reconnect import Reconnected as Reconnected
from ._reconnect import RestoreError as RestoreError
from ._resilient import ReconnectingConnection as ReconnectingConnection
from ._resilient import ReconnectStatistics as ReconnectStatistics
from ._secret import Secret as Secret
from ._tools import Tool as Tool
from ._tools import ToolOutcome as ToolOutcome
from ._tools import tool as tool

__version__ = "0.1.0"

__all__ = [
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
