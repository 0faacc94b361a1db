"""A Live session's configuration: what ``session.start`` sends and the server reports.

`SessionConfig` is what the client starts a session with, `SessionResource` the
session as the server reports it (``session.started`` / ``session.updated`` /
``session.closed``), `SessionUpdateConfig` the few settings ``session.update``
may change, `ForkSessionConfig` the overrides of a fork. Optional fields default
to ``UNSET`` and are left out of the frame; ``None`` is sent as ``null`` (for
``delegation``, ``null`` selects your application).
"""

from __future__ import annotations

from typing import TypeAlias

from msgspec import UNSET, UnsetType

from ._base import Model, TaggedModel
from ._decisions import Question
from ._tools import Tool, ToolChoice

__all__ = [
    "Audio",
    "AudioFormat",
    "AudioOutput",
    "AudioPcm",
    "AudioPcma",
    "AudioPcmu",
    "ClientConfig",
    "ClientDelegation",
    "ContextWindow",
    "CustomVoice",
    "DataChannelConfig",
    "DecisionTrigger",
    "DecisionsConfig",
    "DecisionsDelegation",
    "DecisionsDelegationUpdate",
    "DecisionsUpdateConfig",
    "Delegation",
    "DelegationUpdate",
    "ForkAudio",
    "ForkSessionConfig",
    "InitialItem",
    "InitialText",
    "Reasoning",
    "ResponsesConfig",
    "ResponsesDelegation",
    "ResponsesDelegationUpdate",
    "ResponsesUpdateConfig",
    "ServerEventSelector",
    "SessionConfig",
    "SessionResource",
    "SessionUpdateConfig",
    "SessionUsage",
    "TextConfig",
    "TriggerDecisions",
    "Voice",
]

# -- audio ---------------------------------------------------------------------------


class AudioPcm(TaggedModel, tag="audio/pcm", kw_only=True):
    """Mono 16-bit little-endian PCM at ``rate`` 16000 or 24000 Hz."""

    rate: int


class AudioPcmu(TaggedModel, tag="audio/pcmu", kw_only=True):
    """Mono G.711 μ-law (8000 Hz)."""

    rate: int


class AudioPcma(TaggedModel, tag="audio/pcma", kw_only=True):
    """Mono G.711 A-law (8000 Hz)."""

    rate: int


#: The audio encoding of a Live WebSocket (WebRTC and SIP negotiate their own).
AudioFormat: TypeAlias = AudioPcm | AudioPcmu | AudioPcma


class CustomVoice(Model, kw_only=True):
    """A custom voice, by id."""

    id: str


#: A built-in voice name (``"marin"``, ``"cedar"``...) or a `CustomVoice`.
Voice: TypeAlias = str | CustomVoice


class AudioOutput(Model, kw_only=True):
    """The voice of the session (fixed after startup)."""

    voice: Voice | UnsetType | None = UNSET


class Audio(Model, kw_only=True):
    """Audio settings: ``format`` of the WebSocket's audio, ``output`` voice."""

    format: AudioFormat | UnsetType | None = UNSET
    output: AudioOutput | UnsetType | None = UNSET


# -- a WebRTC frontend's permissions --------------------------------------------------


class ServerEventSelector(Model, kw_only=True):
    """A server event type a frontend may receive (``response_event`` for Responses ones)."""

    type: str
    response_event: str | UnsetType | None = UNSET


class DataChannelConfig(Model, kw_only=True):
    """Which events an untrusted WebRTC frontend may send and receive (``"all"`` or a list)."""

    allowed_client_events: str | list[str] | UnsetType | None = UNSET
    allowed_server_events: str | list[ServerEventSelector] | UnsetType | None = UNSET


class ClientConfig(Model, kw_only=True):
    """Startup capabilities of a WebRTC frontend."""

    data_channel: DataChannelConfig


# -- delegation ------------------------------------------------------------------------


class Reasoning(Model, kw_only=True):
    """Reasoning ``effort`` and ``summary`` of the Responses backend."""

    effort: str | UnsetType | None = UNSET
    summary: str | UnsetType | None = UNSET


class TextConfig(Model, kw_only=True):
    """Text ``verbosity`` of the Responses backend."""

    verbosity: str | UnsetType | None = UNSET


class ResponsesConfig(Model, kw_only=True):
    """The Responses backend a session delegates to: ``model``, prompt and tools."""

    model: str
    instructions: str | UnsetType | None = UNSET
    max_output_tokens: int | UnsetType | None = UNSET
    parallel_tool_calls: bool | UnsetType | None = UNSET
    reasoning: Reasoning | UnsetType | None = UNSET
    service_tier: str | UnsetType | None = UNSET
    text: TextConfig | UnsetType | None = UNSET
    tool_choice: ToolChoice | UnsetType | None = UNSET
    tools: list[Tool] | UnsetType | None = UNSET


class ResponsesUpdateConfig(Model, kw_only=True):
    """Changes to the Responses backend; what is left out keeps its value."""

    model: str | UnsetType | None = UNSET
    instructions: str | UnsetType | None = UNSET
    max_output_tokens: int | UnsetType | None = UNSET
    parallel_tool_calls: bool | UnsetType | None = UNSET
    reasoning: Reasoning | UnsetType | None = UNSET
    service_tier: str | UnsetType | None = UNSET
    text: TextConfig | UnsetType | None = UNSET
    tool_choice: ToolChoice | UnsetType | None = UNSET
    tools: list[Tool] | UnsetType | None = UNSET


class DecisionsConfig(Model, kw_only=True):
    """The Decision API ``model`` and the ``questions`` it evaluates, in order."""

    model: str
    questions: list[Question]


class DecisionsUpdateConfig(Model, kw_only=True):
    """Changes to the Decision backend."""

    model: str | UnsetType | None = UNSET
    questions: list[Question] | UnsetType | None = UNSET


class ClientDelegation(TaggedModel, tag="client", kw_only=True):
    """Delegated tasks go to your application (``session.delegation.created``)."""

    acknowledgement_delay_ms: int | UnsetType | None = UNSET


class ResponsesDelegation(TaggedModel, tag="responses", kw_only=True):
    """Delegated tasks go to the Responses API."""

    responses: ResponsesConfig
    acknowledgement_delay_ms: int | UnsetType | None = UNSET


class DecisionsDelegation(TaggedModel, tag="decisions", kw_only=True):
    """Delegated tasks go to the Decision API."""

    decisions: DecisionsConfig
    acknowledgement_delay_ms: int | UnsetType | None = UNSET


class ResponsesDelegationUpdate(TaggedModel, tag="responses", kw_only=True):
    """Changes to a Responses delegation (the delegation type cannot change)."""

    acknowledgement_delay_ms: int | UnsetType | None = UNSET
    responses: ResponsesUpdateConfig | UnsetType | None = UNSET


class DecisionsDelegationUpdate(TaggedModel, tag="decisions", kw_only=True):
    """Changes to a Decisions delegation."""

    acknowledgement_delay_ms: int | UnsetType | None = UNSET
    decisions: DecisionsUpdateConfig | UnsetType | None = UNSET


Delegation: TypeAlias = ClientDelegation | ResponsesDelegation | DecisionsDelegation
DelegationUpdate: TypeAlias = (
    ClientDelegation | ResponsesDelegationUpdate | DecisionsDelegationUpdate
)


class TriggerDecisions(Model, kw_only=True):
    """The questions a trigger evaluates."""

    questions: list[Question]


class DecisionTrigger(TaggedModel, tag="decisions", kw_only=True):
    """Evaluate ``decisions`` on every transcript delta of ``event_type``.

    ``event_type`` is ``"session.input_transcript.delta"`` or
    ``"session.output_transcript.delta"``.
    """

    decisions: TriggerDecisions
    event_type: str


# -- startup input ---------------------------------------------------------------------


class InitialText(Model, kw_only=True):
    """One text part of a startup message (``type`` ``input_text``, or for the
    assistant ``text`` / ``output_text``; it may be left out)."""

    text: str
    type: str | UnsetType = UNSET


class InitialItem(Model, kw_only=True):
    """A startup message from ``role`` ``"developer"``, ``"user"`` or ``"assistant"``."""

    role: str
    content: list[InitialText]
    id: str | UnsetType | None = UNSET
    status: str | UnsetType | None = UNSET
    type: str | UnsetType | None = UNSET

    @classmethod
    def text(cls, role: str, text: str) -> InitialItem:
        """A message of one text part."""
        kind = "output_text" if role == "assistant" else "input_text"
        return cls(role=role, content=[InitialText(text=text, type=kind)])


# -- the session -------------------------------------------------------------------------


class SessionConfig(Model, kw_only=True):
    """How to start a Live session: ``session.start``'s ``session``.

    ``model`` is required (``"gpt-live-1"``); ``instructions``, ``audio`` and
    ``input`` are fixed after startup.
    """

    model: str
    audio: Audio | UnsetType | None = UNSET
    client: ClientConfig | UnsetType | None = UNSET
    delegation: Delegation | UnsetType | None = UNSET
    input: list[InitialItem] | UnsetType | None = UNSET
    instructions: str | UnsetType | None = UNSET
    store: bool | UnsetType | None = UNSET
    triggers: list[DecisionTrigger] | UnsetType | None = UNSET


class SessionResource(Model, kw_only=True):
    """A Live session as the server reports it (``status`` is always ``"active"``)."""

    id: str
    expires_at: int
    model: str
    status: str
    audio: Audio | None = None
    client: ClientConfig | None = None
    delegation: Delegation | None = None
    input: list[InitialItem] | None = None
    instructions: str | None = None
    store: bool | None = None
    triggers: list[DecisionTrigger] | None = None


class SessionUpdateConfig(Model, kw_only=True):
    """What ``session.update`` may change: the delegation's settings and the triggers."""

    delegation: DelegationUpdate | UnsetType | None = UNSET
    triggers: list[DecisionTrigger] | UnsetType | None = UNSET


class ForkAudio(Model, kw_only=True):
    """The audio format of a WebSocket fork."""

    format: AudioFormat | UnsetType | None = UNSET


class ForkSessionConfig(Model, kw_only=True):
    """Overrides for a fork of a stored session; empty inherits everything."""

    audio: ForkAudio | UnsetType | None = UNSET
    client: ClientConfig | UnsetType | None = UNSET
    delegation: ResponsesDelegationUpdate | UnsetType | None = UNSET
    store: bool | UnsetType | None = UNSET


class SessionUsage(Model, kw_only=True):
    """Audio usage so far, in ``seconds``."""

    seconds: float


class ContextWindow(Model, kw_only=True):
    """How full the model's context window is (0 to 1)."""

    usage_ratio: float
