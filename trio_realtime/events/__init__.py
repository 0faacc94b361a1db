"""Every Realtime event as a msgspec Struct, and the codecs between them and bytes.

Struct names follow the wire ``type``: ``response.output_text.delta`` is
`ResponseOutputTextDelta`, ``session.update`` is `SessionUpdate`, ``error`` is
`ErrorEvent`. Translation sessions (``/realtime/translations``) reuse some tags
with other payloads, so their events carry a ``Translation`` prefix and have
codecs of their own.

Conventions, everywhere in this package:

- Client events leave out every field you did not set (``UNSET``); ``None`` is
  sent as an explicit ``null`` where the API gives null a meaning
  (``turn_detection=None`` turns voice activity detection off).
- Objects that travel both ways (session, items, tools) default to ``UNSET`` and
  also accept ``None``, which the server writes for a feature that is off.
  Objects only the server sends (`Response`, `Usage`...) default to ``None``.
- Enumerations the API may grow (statuses, reasons, codes, voices, models,
  modalities) are ``str``; unknown fields are ignored; an unknown event type
  decodes to `UnknownEvent`.
- Nested objects the API tags with a required ``type`` (items, turn detection,
  tools, tool choice, session kind...) are msgspec tagged unions. Where the
  published schema leaves ``type`` optional (content parts, audio formats) or
  tells shapes apart by another field (a message's ``role``), one flat Struct
  decodes every kind, and builder subclasses (`UserMessage`, `InputText`,
  `AudioPCM`...) fill the field in and ``match`` by its value. A nested tag the
  library does not know yet fails only the event carrying it, with
  `EventDecodeError` (the connection's policy decides what happens next).
- Audio is ``bytes``; msgspec converts base64 in C.
- Events whose fields are all scalars (the deltas and most notifications) are
  ``gc=False``: they cannot be part of a reference cycle, so the garbage
  collector need not track them (16 bytes less each, and measurably less
  collector work on a stream of deltas). Events holding lists or objects keep
  the default.
"""

from __future__ import annotations

from ._audio import AudioConfig as AudioConfig
from ._audio import AudioFormat as AudioFormat
from ._audio import AudioInput as AudioInput
from ._audio import AudioOutput as AudioOutput
from ._audio import AudioPCM as AudioPCM
from ._audio import AudioPCMA as AudioPCMA
from ._audio import AudioPCMU as AudioPCMU
from ._audio import AudioTranscription as AudioTranscription
from ._audio import NoiseReduction as NoiseReduction
from ._audio import SemanticVad as SemanticVad
from ._audio import ServerVad as ServerVad
from ._audio import TranscriptionAudioConfig as TranscriptionAudioConfig
from ._audio import TurnDetection as TurnDetection
from ._audio import VoiceId as VoiceId
from ._audio_buffer import InputAudioBufferAppend as InputAudioBufferAppend
from ._audio_buffer import InputAudioBufferClear as InputAudioBufferClear
from ._audio_buffer import InputAudioBufferCleared as InputAudioBufferCleared
from ._audio_buffer import InputAudioBufferCommit as InputAudioBufferCommit
from ._audio_buffer import InputAudioBufferCommitted as InputAudioBufferCommitted
from ._audio_buffer import InputAudioBufferDtmfEventReceived as InputAudioBufferDtmfEventReceived
from ._audio_buffer import InputAudioBufferSpeechStarted as InputAudioBufferSpeechStarted
from ._audio_buffer import InputAudioBufferSpeechStopped as InputAudioBufferSpeechStopped
from ._audio_buffer import InputAudioBufferTimeoutTriggered as InputAudioBufferTimeoutTriggered
from ._audio_buffer import OutputAudioBufferClear as OutputAudioBufferClear
from ._audio_buffer import OutputAudioBufferCleared as OutputAudioBufferCleared
from ._audio_buffer import OutputAudioBufferStarted as OutputAudioBufferStarted
from ._audio_buffer import OutputAudioBufferStopped as OutputAudioBufferStopped
from ._base import ClientEvent as ClientEvent
from ._base import InvalidEvent as InvalidEvent
from ._base import ServerEvent as ServerEvent
from ._base import TranslationClientEvent as TranslationClientEvent
from ._base import TranslationServerEvent as TranslationServerEvent
from ._base import UnknownEvent as UnknownEvent
from ._codec import DECODE_FAILURES, concrete_subclasses
from ._codec import EventCodec as EventCodec
from ._conversation import Conversation as Conversation
from ._conversation import ConversationCreated as ConversationCreated
from ._conversation import ConversationItemAdded as ConversationItemAdded
from ._conversation import ConversationItemCreate as ConversationItemCreate
from ._conversation import ConversationItemCreated as ConversationItemCreated
from ._conversation import ConversationItemDelete as ConversationItemDelete
from ._conversation import ConversationItemDeleted as ConversationItemDeleted
from ._conversation import ConversationItemDone as ConversationItemDone
from ._conversation import ConversationItemRetrieve as ConversationItemRetrieve
from ._conversation import ConversationItemRetrieved as ConversationItemRetrieved
from ._conversation import ConversationItemTruncate as ConversationItemTruncate
from ._conversation import ConversationItemTruncated as ConversationItemTruncated
from ._error_events import ErrorEvent as ErrorEvent
from ._error_events import RealtimeErrorDetail as RealtimeErrorDetail
from ._items import AssistantMessage as AssistantMessage
from ._items import ContentPart as ContentPart
from ._items import FunctionCall as FunctionCall
from ._items import FunctionCallOutput as FunctionCallOutput
from ._items import InputAudio as InputAudio
from ._items import InputImage as InputImage
from ._items import InputText as InputText
from ._items import Item as Item
from ._items import Message as Message
from ._items import OutputAudio as OutputAudio
from ._items import OutputText as OutputText
from ._items import ResponsePart as ResponsePart
from ._items import SystemMessage as SystemMessage
from ._items import UserMessage as UserMessage
from ._mcp import McpApprovalRequest as McpApprovalRequest
from ._mcp import McpApprovalResponse as McpApprovalResponse
from ._mcp import McpCall as McpCall
from ._mcp import McpCallError as McpCallError
from ._mcp import McpHttpError as McpHttpError
from ._mcp import McpListTools as McpListTools
from ._mcp import McpListToolsCompleted as McpListToolsCompleted
from ._mcp import McpListToolsFailed as McpListToolsFailed
from ._mcp import McpListToolsInProgress as McpListToolsInProgress
from ._mcp import McpProtocolError as McpProtocolError
from ._mcp import McpToolExecutionError as McpToolExecutionError
from ._mcp import McpToolInfo as McpToolInfo
from ._mcp import ResponseMcpCallArgumentsDelta as ResponseMcpCallArgumentsDelta
from ._mcp import ResponseMcpCallArgumentsDone as ResponseMcpCallArgumentsDone
from ._mcp import ResponseMcpCallCompleted as ResponseMcpCallCompleted
from ._mcp import ResponseMcpCallFailed as ResponseMcpCallFailed
from ._mcp import ResponseMcpCallInProgress as ResponseMcpCallInProgress
from ._rate_limits import RateLimit as RateLimit
from ._rate_limits import RateLimitsUpdated as RateLimitsUpdated
from ._responses import CachedTokensDetails as CachedTokensDetails
from ._responses import InputTokenDetails as InputTokenDetails
from ._responses import OutputTokenDetails as OutputTokenDetails
from ._responses import Response as Response
from ._responses import ResponseAudio as ResponseAudio
from ._responses import ResponseAudioOutput as ResponseAudioOutput
from ._responses import ResponseCancel as ResponseCancel
from ._responses import ResponseContentPartAdded as ResponseContentPartAdded
from ._responses import ResponseContentPartDone as ResponseContentPartDone
from ._responses import ResponseCreate as ResponseCreate
from ._responses import ResponseCreated as ResponseCreated
from ._responses import ResponseDone as ResponseDone
from ._responses import ResponseFunctionCallArgumentsDelta as ResponseFunctionCallArgumentsDelta
from ._responses import ResponseFunctionCallArgumentsDone as ResponseFunctionCallArgumentsDone
from ._responses import ResponseOutputAudioDelta as ResponseOutputAudioDelta
from ._responses import ResponseOutputAudioDone as ResponseOutputAudioDone
from ._responses import ResponseOutputAudioTranscriptDelta as ResponseOutputAudioTranscriptDelta
from ._responses import ResponseOutputAudioTranscriptDone as ResponseOutputAudioTranscriptDone
from ._responses import ResponseOutputItemAdded as ResponseOutputItemAdded
from ._responses import ResponseOutputItemDone as ResponseOutputItemDone
from ._responses import ResponseOutputTextDelta as ResponseOutputTextDelta
from ._responses import ResponseOutputTextDone as ResponseOutputTextDone
from ._responses import ResponseParams as ResponseParams
from ._responses import ResponseStatus as ResponseStatus
from ._responses import ResponseStatusError as ResponseStatusError
from ._responses import Usage as Usage
from ._session import Prompt as Prompt
from ._session import PromptCacheBreakpoint as PromptCacheBreakpoint
from ._session import PromptInputFile as PromptInputFile
from ._session import PromptInputImage as PromptInputImage
from ._session import PromptInputText as PromptInputText
from ._session import PromptVariable as PromptVariable
from ._session import RealtimeSession as RealtimeSession
from ._session import Reasoning as Reasoning
from ._session import Session as Session
from ._session import SessionCreated as SessionCreated
from ._session import SessionUpdate as SessionUpdate
from ._session import SessionUpdated as SessionUpdated
from ._session import TokenLimits as TokenLimits
from ._session import TracingConfig as TracingConfig
from ._session import TranscriptionSession as TranscriptionSession
from ._session import TruncationRetentionRatio as TruncationRetentionRatio
from ._tools import FunctionTool as FunctionTool
from ._tools import McpApprovalFilter as McpApprovalFilter
from ._tools import McpTool as McpTool
from ._tools import McpToolFilter as McpToolFilter
from ._tools import Tool as Tool
from ._tools import ToolChoice as ToolChoice
from ._tools import ToolChoiceFunction as ToolChoiceFunction
from ._tools import ToolChoiceMcp as ToolChoiceMcp
from ._transcription import (
    ConversationItemInputAudioTranscriptionCompleted as ConversationItemInputAudioTranscriptionCompleted,  # noqa: E501
)
from ._transcription import (
    ConversationItemInputAudioTranscriptionDelta as ConversationItemInputAudioTranscriptionDelta,
)
from ._transcription import (
    ConversationItemInputAudioTranscriptionFailed as ConversationItemInputAudioTranscriptionFailed,
)
from ._transcription import (
    ConversationItemInputAudioTranscriptionSegment as ConversationItemInputAudioTranscriptionSegment,  # noqa: E501
)
from ._transcription import LogProb as LogProb
from ._transcription import TranscriptionDurationUsage as TranscriptionDurationUsage
from ._transcription import TranscriptionError as TranscriptionError
from ._transcription import TranscriptionLanguage as TranscriptionLanguage
from ._transcription import TranscriptionTokenDetails as TranscriptionTokenDetails
from ._transcription import TranscriptionTokenUsage as TranscriptionTokenUsage
from ._transcription import TranscriptionUsage as TranscriptionUsage
from ._translation import TranslationAudio as TranslationAudio
from ._translation import TranslationAudioInput as TranslationAudioInput
from ._translation import TranslationAudioOutput as TranslationAudioOutput
from ._translation import TranslationErrorEvent as TranslationErrorEvent
from ._translation import TranslationNoiseReduction as TranslationNoiseReduction
from ._translation import TranslationSession as TranslationSession
from ._translation import TranslationSessionClose as TranslationSessionClose
from ._translation import TranslationSessionClosed as TranslationSessionClosed
from ._translation import TranslationSessionConfig as TranslationSessionConfig
from ._translation import TranslationSessionCreated as TranslationSessionCreated
from ._translation import (
    TranslationSessionInputAudioBufferAppend as TranslationSessionInputAudioBufferAppend,
)
from ._translation import (
    TranslationSessionInputTranscriptDelta as TranslationSessionInputTranscriptDelta,
)
from ._translation import TranslationSessionOutputAudioDelta as TranslationSessionOutputAudioDelta
from ._translation import (
    TranslationSessionOutputTranscriptDelta as TranslationSessionOutputTranscriptDelta,
)
from ._translation import TranslationSessionUpdate as TranslationSessionUpdate
from ._translation import TranslationSessionUpdated as TranslationSessionUpdated
from ._translation import TranslationTranscription as TranslationTranscription
from ._unions import RealtimeClientEventUnion as RealtimeClientEventUnion
from ._unions import RealtimeServerEventUnion as RealtimeServerEventUnion
from ._unions import TranslationClientEventUnion as TranslationClientEventUnion
from ._unions import TranslationServerEventUnion as TranslationServerEventUnion

#: Client side: decodes server events, encodes client events.
CLIENT_CODEC: EventCodec[ServerEvent, ClientEvent] = EventCodec(
    concrete_subclasses(ServerEvent), concrete_subclasses(ClientEvent), unknown=True
)
#: Server side (the fake server): decodes client events, encodes server events.
SERVER_CODEC: EventCodec[ClientEvent, ServerEvent] = EventCodec(
    concrete_subclasses(ClientEvent), concrete_subclasses(ServerEvent), unknown=False
)
#: Client side of a translation session.
TRANSLATION_CLIENT_CODEC: EventCodec[TranslationServerEvent, TranslationClientEvent] = EventCodec(
    concrete_subclasses(TranslationServerEvent),
    concrete_subclasses(TranslationClientEvent),
    unknown=True,
)
#: Server side of a translation session.
TRANSLATION_SERVER_CODEC: EventCodec[TranslationClientEvent, TranslationServerEvent] = EventCodec(
    concrete_subclasses(TranslationClientEvent),
    concrete_subclasses(TranslationServerEvent),
    unknown=False,
)


# The per-event hot path: one Python frame around one C call.
_fast_server_decode = CLIENT_CODEC.fast_decode
_fast_translation_decode = TRANSLATION_CLIENT_CODEC.fast_decode


def decode_server_event(data: bytes | str) -> ServerEvent:
    """Decode one server frame; unknown types become `UnknownEvent`.

    Raises `EventDecodeError` for a frame that is not a JSON object with a string
    ``type``, or whose known type has fields of the wrong type.
    """
    try:
        return _fast_server_decode(data)
    except DECODE_FAILURES as exc:
        return CLIENT_CODEC.recover(data, exc)


def encode_client_event(event: ClientEvent) -> bytes:
    """Encode one client event to JSON bytes; raises `EventEncodeError`."""
    return CLIENT_CODEC.encode(event)


def decode_client_event(data: bytes | str) -> ClientEvent:
    """Decode one client frame (for servers and proxies); raises `EventDecodeError`."""
    return SERVER_CODEC.decode(data)


def encode_server_event(event: ServerEvent) -> bytes:
    """Encode one server event to JSON bytes (for servers and proxies)."""
    return SERVER_CODEC.encode(event)


def decode_translation_server_event(data: bytes | str) -> TranslationServerEvent | UnknownEvent:
    """Decode one frame of a translation session; unknown types become `UnknownEvent`.

    Raises `EventDecodeError` like `decode_server_event`.
    """
    try:
        return _fast_translation_decode(data)
    except DECODE_FAILURES as exc:
        return TRANSLATION_CLIENT_CODEC.recover(data, exc)


def encode_translation_client_event(event: TranslationClientEvent) -> bytes:
    """Encode one translation client event to JSON bytes; raises `EventEncodeError`."""
    return TRANSLATION_CLIENT_CODEC.encode(event)


def decode_translation_client_event(data: bytes | str) -> TranslationClientEvent:
    """Decode one translation client frame (for servers); raises `EventDecodeError`."""
    return TRANSLATION_SERVER_CODEC.decode(data)


def encode_translation_server_event(event: TranslationServerEvent) -> bytes:
    """Encode one translation server event to JSON bytes (for servers)."""
    return TRANSLATION_SERVER_CODEC.encode(event)


__all__ = [
    "CLIENT_CODEC",
    "SERVER_CODEC",
    "TRANSLATION_CLIENT_CODEC",
    "TRANSLATION_SERVER_CODEC",
    "AssistantMessage",
    "AudioConfig",
    "AudioFormat",
    "AudioInput",
    "AudioOutput",
    "AudioPCM",
    "AudioPCMA",
    "AudioPCMU",
    "AudioTranscription",
    "CachedTokensDetails",
    "ClientEvent",
    "ContentPart",
    "Conversation",
    "ConversationCreated",
    "ConversationItemAdded",
    "ConversationItemCreate",
    "ConversationItemCreated",
    "ConversationItemDelete",
    "ConversationItemDeleted",
    "ConversationItemDone",
    "ConversationItemInputAudioTranscriptionCompleted",
    "ConversationItemInputAudioTranscriptionDelta",
    "ConversationItemInputAudioTranscriptionFailed",
    "ConversationItemInputAudioTranscriptionSegment",
    "ConversationItemRetrieve",
    "ConversationItemRetrieved",
    "ConversationItemTruncate",
    "ConversationItemTruncated",
    "ErrorEvent",
    "EventCodec",
    "FunctionCall",
    "FunctionCallOutput",
    "FunctionTool",
    "InputAudio",
    "InputAudioBufferAppend",
    "InputAudioBufferClear",
    "InputAudioBufferCleared",
    "InputAudioBufferCommit",
    "InputAudioBufferCommitted",
    "InputAudioBufferDtmfEventReceived",
    "InputAudioBufferSpeechStarted",
    "InputAudioBufferSpeechStopped",
    "InputAudioBufferTimeoutTriggered",
    "InputImage",
    "InputText",
    "InputTokenDetails",
    "InvalidEvent",
    "Item",
    "LogProb",
    "McpApprovalFilter",
    "McpApprovalRequest",
    "McpApprovalResponse",
    "McpCall",
    "McpCallError",
    "McpHttpError",
    "McpListTools",
    "McpListToolsCompleted",
    "McpListToolsFailed",
    "McpListToolsInProgress",
    "McpProtocolError",
    "McpTool",
    "McpToolExecutionError",
    "McpToolFilter",
    "McpToolInfo",
    "Message",
    "NoiseReduction",
    "OutputAudio",
    "OutputAudioBufferClear",
    "OutputAudioBufferCleared",
    "OutputAudioBufferStarted",
    "OutputAudioBufferStopped",
    "OutputText",
    "OutputTokenDetails",
    "Prompt",
    "PromptCacheBreakpoint",
    "PromptInputFile",
    "PromptInputImage",
    "PromptInputText",
    "PromptVariable",
    "RateLimit",
    "RateLimitsUpdated",
    "RealtimeClientEventUnion",
    "RealtimeErrorDetail",
    "RealtimeServerEventUnion",
    "RealtimeSession",
    "Reasoning",
    "Response",
    "ResponseAudio",
    "ResponseAudioOutput",
    "ResponseCancel",
    "ResponseContentPartAdded",
    "ResponseContentPartDone",
    "ResponseCreate",
    "ResponseCreated",
    "ResponseDone",
    "ResponseFunctionCallArgumentsDelta",
    "ResponseFunctionCallArgumentsDone",
    "ResponseMcpCallArgumentsDelta",
    "ResponseMcpCallArgumentsDone",
    "ResponseMcpCallCompleted",
    "ResponseMcpCallFailed",
    "ResponseMcpCallInProgress",
    "ResponseOutputAudioDelta",
    "ResponseOutputAudioDone",
    "ResponseOutputAudioTranscriptDelta",
    "ResponseOutputAudioTranscriptDone",
    "ResponseOutputItemAdded",
    "ResponseOutputItemDone",
    "ResponseOutputTextDelta",
    "ResponseOutputTextDone",
    "ResponseParams",
    "ResponsePart",
    "ResponseStatus",
    "ResponseStatusError",
    "SemanticVad",
    "ServerEvent",
    "ServerVad",
    "Session",
    "SessionCreated",
    "SessionUpdate",
    "SessionUpdated",
    "SystemMessage",
    "TokenLimits",
    "Tool",
    "ToolChoice",
    "ToolChoiceFunction",
    "ToolChoiceMcp",
    "TracingConfig",
    "TranscriptionAudioConfig",
    "TranscriptionDurationUsage",
    "TranscriptionError",
    "TranscriptionLanguage",
    "TranscriptionSession",
    "TranscriptionTokenDetails",
    "TranscriptionTokenUsage",
    "TranscriptionUsage",
    "TranslationAudio",
    "TranslationAudioInput",
    "TranslationAudioOutput",
    "TranslationClientEvent",
    "TranslationClientEventUnion",
    "TranslationErrorEvent",
    "TranslationNoiseReduction",
    "TranslationServerEvent",
    "TranslationServerEventUnion",
    "TranslationSession",
    "TranslationSessionClose",
    "TranslationSessionClosed",
    "TranslationSessionConfig",
    "TranslationSessionCreated",
    "TranslationSessionInputAudioBufferAppend",
    "TranslationSessionInputTranscriptDelta",
    "TranslationSessionOutputAudioDelta",
    "TranslationSessionOutputTranscriptDelta",
    "TranslationSessionUpdate",
    "TranslationSessionUpdated",
    "TranslationTranscription",
    "TruncationRetentionRatio",
    "TurnDetection",
    "UnknownEvent",
    "Usage",
    "UserMessage",
    "VoiceId",
    "decode_client_event",
    "decode_server_event",
    "decode_translation_client_event",
    "decode_translation_server_event",
    "encode_client_event",
    "encode_server_event",
    "encode_translation_client_event",
    "encode_translation_server_event",
]
