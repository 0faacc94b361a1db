"""GPT-Live (``/v1/live/sessions``): sessions with the same trio shape as Realtime.

``async with open_live(client, session=SessionConfig(model="gpt-live-1")) as
conn:`` starts a session; send it `SessionInputAudioAppend` events, read
`SessionOutputAudioDelta` and `SessionOutputTranscriptDelta` events from
``async for event in conn``, and after the block ``conn.close_result`` says
how the session ended. The how-to page :doc:`GPT-Live sessions
</howto/gpt-live>` has complete programs (run against the fake server in this project's tests).

Every Live event is a msgspec Struct named from its wire ``type``
(``session.output_audio.delta`` is `SessionOutputAudioDelta`), listed below
as client and server events; the Realtime ``UnknownEvent`` and
``InvalidEvent`` stand for frames this version does not know or cannot decode.
`open_live_sideband` attaches to a running session, `open_live_fork`
continues a stored one; the ``connect_*`` forms take a nursery of yours.
"""

from __future__ import annotations

from ..events._base import InvalidEvent as InvalidEvent
from ..events._base import UnknownEvent as UnknownEvent
from ._base import LiveClientEvent as LiveClientEvent
from ._base import LiveServerEvent as LiveServerEvent
from ._codec import CONNECT_CLIENT_CODEC as CONNECT_CLIENT_CODEC
from ._codec import CONNECT_SERVER_CODEC as CONNECT_SERVER_CODEC
from ._codec import FORK_CLIENT_CODEC as FORK_CLIENT_CODEC
from ._codec import FORK_SERVER_CODEC as FORK_SERVER_CODEC
from ._codec import LIVE_CLIENT_CODEC as LIVE_CLIENT_CODEC
from ._codec import LIVE_SERVER_CODEC as LIVE_SERVER_CODEC
from ._codec import ClientEventUnion as ClientEventUnion
from ._codec import ConnectClientEventUnion as ConnectClientEventUnion
from ._codec import ForkClientEventUnion as ForkClientEventUnion
from ._codec import LiveEvent as LiveEvent
from ._codec import ServerEventUnion as ServerEventUnion
from ._codec import decode_client_event as decode_client_event
from ._codec import decode_connect_client_event as decode_connect_client_event
from ._codec import decode_fork_client_event as decode_fork_client_event
from ._codec import decode_server_event as decode_server_event
from ._codec import encode_client_event as encode_client_event
from ._codec import encode_server_event as encode_server_event
from ._config import Audio as Audio
from ._config import AudioFormat as AudioFormat
from ._config import AudioOutput as AudioOutput
from ._config import AudioPcm as AudioPcm
from ._config import AudioPcma as AudioPcma
from ._config import AudioPcmu as AudioPcmu
from ._config import ClientConfig as ClientConfig
from ._config import ClientDelegation as ClientDelegation
from ._config import ContextWindow as ContextWindow
from ._config import CustomVoice as CustomVoice
from ._config import DataChannelConfig as DataChannelConfig
from ._config import DecisionsConfig as DecisionsConfig
from ._config import DecisionsDelegation as DecisionsDelegation
from ._config import DecisionsDelegationUpdate as DecisionsDelegationUpdate
from ._config import DecisionsUpdateConfig as DecisionsUpdateConfig
from ._config import DecisionTrigger as DecisionTrigger
from ._config import Delegation as Delegation
from ._config import DelegationUpdate as DelegationUpdate
from ._config import ForkAudio as ForkAudio
from ._config import ForkSessionConfig as ForkSessionConfig
from ._config import InitialItem as InitialItem
from ._config import InitialText as InitialText
from ._config import Reasoning as Reasoning
from ._config import ResponsesConfig as ResponsesConfig
from ._config import ResponsesDelegation as ResponsesDelegation
from ._config import ResponsesDelegationUpdate as ResponsesDelegationUpdate
from ._config import ResponsesUpdateConfig as ResponsesUpdateConfig
from ._config import ServerEventSelector as ServerEventSelector
from ._config import SessionConfig as SessionConfig
from ._config import SessionResource as SessionResource
from ._config import SessionUpdateConfig as SessionUpdateConfig
from ._config import SessionUsage as SessionUsage
from ._config import TextConfig as TextConfig
from ._config import TriggerDecisions as TriggerDecisions
from ._config import Voice as Voice
from ._connection import LiveCloseResult as LiveCloseResult
from ._connection import LiveConnection as LiveConnection
from ._decisions import ChoiceAnswer as ChoiceAnswer
from ._decisions import ChoiceOption as ChoiceOption
from ._decisions import ChoiceProbability as ChoiceProbability
from ._decisions import ChoiceQuestion as ChoiceQuestion
from ._decisions import Decision as Decision
from ._decisions import DecisionItem as DecisionItem
from ._decisions import DecisionUsage as DecisionUsage
from ._decisions import InputImage as InputImage
from ._decisions import InputJson as InputJson
from ._decisions import InputPart as InputPart
from ._decisions import InputText as InputText
from ._decisions import InputTokensDetails as InputTokensDetails
from ._decisions import OutputText as OutputText
from ._decisions import OutputTokensDetails as OutputTokensDetails
from ._decisions import PredicateAnswer as PredicateAnswer
from ._decisions import PredicateQuestion as PredicateQuestion
from ._decisions import Question as Question
from ._decisions import RefusalAnswer as RefusalAnswer
from ._decisions import RefusalPart as RefusalPart
from ._decisions import ScoreAnswer as ScoreAnswer
from ._decisions import ScoreLevel as ScoreLevel
from ._decisions import ScoreProbability as ScoreProbability
from ._decisions import ScoreQuestion as ScoreQuestion
from ._events import CallError as CallError
from ._events import DecisionCompleted as DecisionCompleted
from ._events import DecisionCreate as DecisionCreate
from ._events import DecisionEvent as DecisionEvent
from ._events import DecisionItemCreate as DecisionItemCreate
from ._events import DecisionItemCreated as DecisionItemCreated
from ._events import DecisionItemDelete as DecisionItemDelete
from ._events import DecisionItemDeleted as DecisionItemDeleted
from ._events import DelegationInfo as DelegationInfo
from ._events import ErrorDetail as ErrorDetail
from ._events import ErrorEvent as ErrorEvent
from ._events import ForkSessionStart as ForkSessionStart
from ._events import InfoEvent as InfoEvent
from ._events import ResponseCreate as ResponseCreate
from ._events import ResponseEvent as ResponseEvent
from ._events import ResponseItemCreate as ResponseItemCreate
from ._events import SessionClose as SessionClose
from ._events import SessionClosed as SessionClosed
from ._events import SessionCommentaryAppend as SessionCommentaryAppend
from ._events import SessionCommentaryAppended as SessionCommentaryAppended
from ._events import SessionDelegationCreated as SessionDelegationCreated
from ._events import SessionInputAudioAppend as SessionInputAudioAppend
from ._events import SessionInputAudioAppendEvent as SessionInputAudioAppendEvent
from ._events import SessionInputAudioMute as SessionInputAudioMute
from ._events import SessionInputAudioMuted as SessionInputAudioMuted
from ._events import SessionInputAudioUnmute as SessionInputAudioUnmute
from ._events import SessionInputAudioUnmuted as SessionInputAudioUnmuted
from ._events import SessionInputTranscriptDelta as SessionInputTranscriptDelta
from ._events import SessionInstructionsAppend as SessionInstructionsAppend
from ._events import SessionInstructionsAppended as SessionInstructionsAppended
from ._events import SessionOutputAudioDelta as SessionOutputAudioDelta
from ._events import SessionOutputAudioFixturePlay as SessionOutputAudioFixturePlay
from ._events import SessionOutputAudioFixturePlayed as SessionOutputAudioFixturePlayed
from ._events import SessionOutputAudioFixturePlaying as SessionOutputAudioFixturePlaying
from ._events import SessionOutputTranscriptDelta as SessionOutputTranscriptDelta
from ._events import SessionStart as SessionStart
from ._events import SessionStarted as SessionStarted
from ._events import SessionThinkingAppend as SessionThinkingAppend
from ._events import SessionThinkingAppended as SessionThinkingAppended
from ._events import SessionUpdate as SessionUpdate
from ._events import SessionUpdated as SessionUpdated
from ._events import SessionUsageUpdated as SessionUsageUpdated
from ._events import TransportAnswered as TransportAnswered
from ._events import TransportDtmfReceived as TransportDtmfReceived
from ._events import TransportDtmfSend as TransportDtmfSend
from ._events import TransportDtmfSendEvent as TransportDtmfSendEvent
from ._events import TransportDtmfSent as TransportDtmfSent
from ._events import TransportFailed as TransportFailed
from ._events import TransportRinging as TransportRinging
from ._open import connect_live as connect_live
from ._open import connect_live_fork as connect_live_fork
from ._open import connect_live_sideband as connect_live_sideband
from ._open import open_live as open_live
from ._open import open_live_fork as open_live_fork
from ._open import open_live_sideband as open_live_sideband
from ._tools import AllowedToolsChoice as AllowedToolsChoice
from ._tools import ApplyPatchTool as ApplyPatchTool
from ._tools import CodeInterpreterTool as CodeInterpreterTool
from ._tools import ComputerTool as ComputerTool
from ._tools import ContainerAutoEnvironment as ContainerAutoEnvironment
from ._tools import ContainerReferenceEnvironment as ContainerReferenceEnvironment
from ._tools import CustomTool as CustomTool
from ._tools import CustomToolChoice as CustomToolChoice
from ._tools import FileSearchTool as FileSearchTool
from ._tools import FunctionTool as FunctionTool
from ._tools import FunctionToolChoice as FunctionToolChoice
from ._tools import ImageGenerationTool as ImageGenerationTool
from ._tools import InlineSkill as InlineSkill
from ._tools import InlineSkillSource as InlineSkillSource
from ._tools import LocalEnvironment as LocalEnvironment
from ._tools import LocalSkill as LocalSkill
from ._tools import McpTool as McpTool
from ._tools import McpToolChoice as McpToolChoice
from ._tools import NamespaceTool as NamespaceTool
from ._tools import NetworkAllowlist as NetworkAllowlist
from ._tools import NetworkDisabled as NetworkDisabled
from ._tools import ProgrammaticToolCallingTool as ProgrammaticToolCallingTool
from ._tools import ShellEnvironment as ShellEnvironment
from ._tools import ShellTool as ShellTool
from ._tools import ShellToolChoice as ShellToolChoice
from ._tools import SkillReference as SkillReference
from ._tools import Tool as Tool
from ._tools import ToolChoice as ToolChoice
from ._tools import ToolSearchTool as ToolSearchTool
from ._tools import WebSearchPreviewTool as WebSearchPreviewTool
from ._tools import WebSearchTool as WebSearchTool

__all__ = [
    "CONNECT_CLIENT_CODEC",
    "CONNECT_SERVER_CODEC",
    "FORK_CLIENT_CODEC",
    "FORK_SERVER_CODEC",
    "LIVE_CLIENT_CODEC",
    "LIVE_SERVER_CODEC",
    "AllowedToolsChoice",
    "ApplyPatchTool",
    "Audio",
    "AudioFormat",
    "AudioOutput",
    "AudioPcm",
    "AudioPcma",
    "AudioPcmu",
    "CallError",
    "ChoiceAnswer",
    "ChoiceOption",
    "ChoiceProbability",
    "ChoiceQuestion",
    "ClientConfig",
    "ClientDelegation",
    "ClientEventUnion",
    "CodeInterpreterTool",
    "ComputerTool",
    "ConnectClientEventUnion",
    "ContainerAutoEnvironment",
    "ContainerReferenceEnvironment",
    "ContextWindow",
    "CustomTool",
    "CustomToolChoice",
    "CustomVoice",
    "DataChannelConfig",
    "Decision",
    "DecisionCompleted",
    "DecisionCreate",
    "DecisionEvent",
    "DecisionItem",
    "DecisionItemCreate",
    "DecisionItemCreated",
    "DecisionItemDelete",
    "DecisionItemDeleted",
    "DecisionTrigger",
    "DecisionUsage",
    "DecisionsConfig",
    "DecisionsDelegation",
    "DecisionsDelegationUpdate",
    "DecisionsUpdateConfig",
    "Delegation",
    "DelegationInfo",
    "DelegationUpdate",
    "ErrorDetail",
    "ErrorEvent",
    "FileSearchTool",
    "ForkAudio",
    "ForkClientEventUnion",
    "ForkSessionConfig",
    "ForkSessionStart",
    "FunctionTool",
    "FunctionToolChoice",
    "ImageGenerationTool",
    "InfoEvent",
    "InitialItem",
    "InitialText",
    "InlineSkill",
    "InlineSkillSource",
    "InputImage",
    "InputJson",
    "InputPart",
    "InputText",
    "InputTokensDetails",
    "InvalidEvent",
    "LiveClientEvent",
    "LiveCloseResult",
    "LiveConnection",
    "LiveEvent",
    "LiveServerEvent",
    "LocalEnvironment",
    "LocalSkill",
    "McpTool",
    "McpToolChoice",
    "NamespaceTool",
    "NetworkAllowlist",
    "NetworkDisabled",
    "OutputText",
    "OutputTokensDetails",
    "PredicateAnswer",
    "PredicateQuestion",
    "ProgrammaticToolCallingTool",
    "Question",
    "Reasoning",
    "RefusalAnswer",
    "RefusalPart",
    "ResponseCreate",
    "ResponseEvent",
    "ResponseItemCreate",
    "ResponsesConfig",
    "ResponsesDelegation",
    "ResponsesDelegationUpdate",
    "ResponsesUpdateConfig",
    "ScoreAnswer",
    "ScoreLevel",
    "ScoreProbability",
    "ScoreQuestion",
    "ServerEventSelector",
    "ServerEventUnion",
    "SessionClose",
    "SessionClosed",
    "SessionCommentaryAppend",
    "SessionCommentaryAppended",
    "SessionConfig",
    "SessionDelegationCreated",
    "SessionInputAudioAppend",
    "SessionInputAudioAppendEvent",
    "SessionInputAudioMute",
    "SessionInputAudioMuted",
    "SessionInputAudioUnmute",
    "SessionInputAudioUnmuted",
    "SessionInputTranscriptDelta",
    "SessionInstructionsAppend",
    "SessionInstructionsAppended",
    "SessionOutputAudioDelta",
    "SessionOutputAudioFixturePlay",
    "SessionOutputAudioFixturePlayed",
    "SessionOutputAudioFixturePlaying",
    "SessionOutputTranscriptDelta",
    "SessionResource",
    "SessionStart",
    "SessionStarted",
    "SessionThinkingAppend",
    "SessionThinkingAppended",
    "SessionUpdate",
    "SessionUpdateConfig",
    "SessionUpdated",
    "SessionUsage",
    "SessionUsageUpdated",
    "ShellEnvironment",
    "ShellTool",
    "ShellToolChoice",
    "SkillReference",
    "TextConfig",
    "Tool",
    "ToolChoice",
    "ToolSearchTool",
    "TransportAnswered",
    "TransportDtmfReceived",
    "TransportDtmfSend",
    "TransportDtmfSendEvent",
    "TransportDtmfSent",
    "TransportFailed",
    "TransportRinging",
    "TriggerDecisions",
    "UnknownEvent",
    "Voice",
    "WebSearchPreviewTool",
    "WebSearchTool",
    "connect_live",
    "connect_live_fork",
    "connect_live_sideband",
    "decode_client_event",
    "decode_connect_client_event",
    "decode_fork_client_event",
    "decode_server_event",
    "encode_client_event",
    "encode_server_event",
    "open_live",
    "open_live_fork",
    "open_live_sideband",
]
