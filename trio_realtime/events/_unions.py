"""The event unions as type aliases, for exhaustive ``match`` statements and annotations.

Each lists every concrete event of one direction; a test checks that they agree
with the codecs (which collect the subclasses of each base).
"""

from __future__ import annotations

from typing import TypeAlias

from ._audio_buffer import (
    InputAudioBufferAppend,
    InputAudioBufferClear,
    InputAudioBufferCleared,
    InputAudioBufferCommit,
    InputAudioBufferCommitted,
    InputAudioBufferDtmfEventReceived,
    InputAudioBufferSpeechStarted,
    InputAudioBufferSpeechStopped,
    InputAudioBufferTimeoutTriggered,
    OutputAudioBufferClear,
    OutputAudioBufferCleared,
    OutputAudioBufferStarted,
    OutputAudioBufferStopped,
)
from ._conversation import (
    ConversationCreated,
    ConversationItemAdded,
    ConversationItemCreate,
    ConversationItemCreated,
    ConversationItemDelete,
    ConversationItemDeleted,
    ConversationItemDone,
    ConversationItemRetrieve,
    ConversationItemRetrieved,
    ConversationItemTruncate,
    ConversationItemTruncated,
)
from ._error_events import (
    ErrorEvent,
)
from ._mcp import (
    McpListToolsCompleted,
    McpListToolsFailed,
    McpListToolsInProgress,
    ResponseMcpCallArgumentsDelta,
    ResponseMcpCallArgumentsDone,
    ResponseMcpCallCompleted,
    ResponseMcpCallFailed,
    ResponseMcpCallInProgress,
)
from ._rate_limits import (
    RateLimitsUpdated,
)
from ._responses import (
    ResponseCancel,
    ResponseContentPartAdded,
    ResponseContentPartDone,
    ResponseCreate,
    ResponseCreated,
    ResponseDone,
    ResponseFunctionCallArgumentsDelta,
    ResponseFunctionCallArgumentsDone,
    ResponseOutputAudioDelta,
    ResponseOutputAudioDone,
    ResponseOutputAudioTranscriptDelta,
    ResponseOutputAudioTranscriptDone,
    ResponseOutputItemAdded,
    ResponseOutputItemDone,
    ResponseOutputTextDelta,
    ResponseOutputTextDone,
)
from ._session import (
    SessionCreated,
    SessionUpdate,
    SessionUpdated,
)
from ._transcription import (
    ConversationItemInputAudioTranscriptionCompleted,
    ConversationItemInputAudioTranscriptionDelta,
    ConversationItemInputAudioTranscriptionFailed,
    ConversationItemInputAudioTranscriptionSegment,
)
from ._translation import (
    TranslationErrorEvent,
    TranslationSessionClose,
    TranslationSessionClosed,
    TranslationSessionCreated,
    TranslationSessionInputAudioBufferAppend,
    TranslationSessionInputTranscriptDelta,
    TranslationSessionOutputAudioDelta,
    TranslationSessionOutputTranscriptDelta,
    TranslationSessionUpdate,
    TranslationSessionUpdated,
)

__all__ = [
    "RealtimeClientEventUnion",
    "RealtimeServerEventUnion",
    "TranslationClientEventUnion",
    "TranslationServerEventUnion",
]

RealtimeServerEventUnion: TypeAlias = (
    ConversationCreated
    | ConversationItemAdded
    | ConversationItemCreated
    | ConversationItemDeleted
    | ConversationItemDone
    | ConversationItemInputAudioTranscriptionCompleted
    | ConversationItemInputAudioTranscriptionDelta
    | ConversationItemInputAudioTranscriptionFailed
    | ConversationItemInputAudioTranscriptionSegment
    | ConversationItemRetrieved
    | ConversationItemTruncated
    | ErrorEvent
    | InputAudioBufferCleared
    | InputAudioBufferCommitted
    | InputAudioBufferDtmfEventReceived
    | InputAudioBufferSpeechStarted
    | InputAudioBufferSpeechStopped
    | InputAudioBufferTimeoutTriggered
    | McpListToolsCompleted
    | McpListToolsFailed
    | McpListToolsInProgress
    | OutputAudioBufferCleared
    | OutputAudioBufferStarted
    | OutputAudioBufferStopped
    | RateLimitsUpdated
    | ResponseContentPartAdded
    | ResponseContentPartDone
    | ResponseCreated
    | ResponseDone
    | ResponseFunctionCallArgumentsDelta
    | ResponseFunctionCallArgumentsDone
    | ResponseMcpCallArgumentsDelta
    | ResponseMcpCallArgumentsDone
    | ResponseMcpCallCompleted
    | ResponseMcpCallFailed
    | ResponseMcpCallInProgress
    | ResponseOutputAudioDelta
    | ResponseOutputAudioDone
    | ResponseOutputAudioTranscriptDelta
    | ResponseOutputAudioTranscriptDone
    | ResponseOutputItemAdded
    | ResponseOutputItemDone
    | ResponseOutputTextDelta
    | ResponseOutputTextDone
    | SessionCreated
    | SessionUpdated
)

RealtimeClientEventUnion: TypeAlias = (
    ConversationItemCreate
    | ConversationItemDelete
    | ConversationItemRetrieve
    | ConversationItemTruncate
    | InputAudioBufferAppend
    | InputAudioBufferClear
    | InputAudioBufferCommit
    | OutputAudioBufferClear
    | ResponseCancel
    | ResponseCreate
    | SessionUpdate
)

TranslationServerEventUnion: TypeAlias = (
    TranslationErrorEvent
    | TranslationSessionClosed
    | TranslationSessionCreated
    | TranslationSessionInputTranscriptDelta
    | TranslationSessionOutputAudioDelta
    | TranslationSessionOutputTranscriptDelta
    | TranslationSessionUpdated
)

TranslationClientEventUnion: TypeAlias = (
    TranslationSessionClose | TranslationSessionInputAudioBufferAppend | TranslationSessionUpdate
)
