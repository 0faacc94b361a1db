"""Every GPT-Live event, one Struct per wire ``type``, named from it.

``session.output_audio.delta`` is `SessionOutputAudioDelta`, ``error`` is
`ErrorEvent` (``info`` likewise `InfoEvent`). Two wire types are both a client
command and a server event with another shape: the server's copies are
`SessionInputAudioAppendEvent` (input audio reflected to a sideband observer)
and `TransportDtmfSendEvent` (a legacy DTMF notice); a fork's ``session.start``
is `ForkSessionStart`. Audio fields are ``bytes`` (msgspec writes the base64).

Client events' ``event_id`` may be left unset: the connection gives each one an
id. ``decision.create`` needs an id of your own (the server refuses one reused
for the session's lifetime, across its sideband connections too).
"""

from __future__ import annotations

from typing import Any

from msgspec import UNSET, UnsetType, field

from ..events._audio_buffer import refuse_str_audio
from ._base import LiveClientEvent, LiveServerEvent, Model, TaggedModel
from ._config import (
    ContextWindow,
    ForkSessionConfig,
    SessionConfig,
    SessionResource,
    SessionUpdateConfig,
    SessionUsage,
)
from ._decisions import Decision, DecisionItem

__all__ = [
    "CallError",
    "DecisionCompleted",
    "DecisionCreate",
    "DecisionEvent",
    "DecisionItemCreate",
    "DecisionItemCreated",
    "DecisionItemDelete",
    "DecisionItemDeleted",
    "DelegationInfo",
    "ErrorDetail",
    "ErrorEvent",
    "ForkSessionStart",
    "InfoEvent",
    "ResponseCreate",
    "ResponseEvent",
    "ResponseItemCreate",
    "SessionClose",
    "SessionClosed",
    "SessionCommentaryAppend",
    "SessionCommentaryAppended",
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
    "SessionStart",
    "SessionStarted",
    "SessionThinkingAppend",
    "SessionThinkingAppended",
    "SessionUpdate",
    "SessionUpdated",
    "SessionUsageUpdated",
    "TransportAnswered",
    "TransportDtmfReceived",
    "TransportDtmfSend",
    "TransportDtmfSendEvent",
    "TransportDtmfSent",
    "TransportFailed",
    "TransportRinging",
]


# -- client events -------------------------------------------------------------------


class SessionStart(LiveClientEvent, tag="session.start", kw_only=True):
    """The first message of a Live WebSocket: the session's configuration.

    `open_live` sends it for you and waits for ``session.started``.
    """

    session: SessionConfig
    event_id: str | UnsetType | None = UNSET


class ForkSessionStart(LiveClientEvent, tag="session.start", kw_only=True):
    """The first message on a fork's WebSocket: overrides of the stored session."""

    session: ForkSessionConfig = field(default_factory=ForkSessionConfig)
    event_id: str | UnsetType | None = UNSET


class SessionUpdate(LiveClientEvent, tag="session.update", kw_only=True):
    """Change the delegation's settings or the triggers; the rest is fixed."""

    session: SessionUpdateConfig
    event_id: str | UnsetType | None = UNSET


class SessionInputAudioAppend(
    LiveClientEvent, tag="session.input_audio.append", kw_only=True, gc=False
):
    """Send input audio in the session's format (raw bytes, no container header)."""

    audio: bytes
    event_id: str | UnsetType | None = UNSET

    def __post_init__(self) -> None:
        # base64 text is never audio: see trio_realtime.events._audio_buffer.
        refuse_str_audio(self.audio)


class SessionInputAudioMute(LiveClientEvent, tag="session.input_audio.mute", kw_only=True):
    """Stop feeding input audio to the model."""

    event_id: str | UnsetType | None = UNSET


class SessionInputAudioUnmute(LiveClientEvent, tag="session.input_audio.unmute", kw_only=True):
    """Feed input audio to the model again."""

    event_id: str | UnsetType | None = UNSET


class SessionOutputAudioFixturePlay(
    LiveClientEvent, tag="session.output_audio.fixture.play", kw_only=True, gc=False
):
    """Play prerecorded audio to the user as the assistant's output."""

    audio: bytes
    event_id: str | UnsetType | None = UNSET

    def __post_init__(self) -> None:
        refuse_str_audio(self.audio)


class _Append(LiveClientEvent, kw_only=True):
    """Context for the session: ``content``, and the ``delegation_id`` it belongs to."""

    # ``delegation_id`` is required and nullable on the wire: null for general
    # context. Left unset it becomes None, and None (unlike UNSET, the
    # default) is written, so the frame always carries it.
    content: str
    delegation_id: str | UnsetType | None = UNSET
    event_id: str | UnsetType | None = UNSET

    def __post_init__(self) -> None:
        if self.delegation_id is UNSET:
            self.delegation_id = None


class SessionInstructionsAppend(_Append, tag="session.instructions.append", kw_only=True):
    """Add instructions to the session (for a client delegation: its ``delegation_id``)."""


class SessionThinkingAppend(_Append, tag="session.thinking.append", kw_only=True):
    """Add silent context the model may draw on."""


class SessionCommentaryAppend(_Append, tag="session.commentary.append", kw_only=True):
    """Add context the model should tell the user (a delegated task's result)."""


class DecisionCreate(LiveClientEvent, tag="decision.create", kw_only=True):
    """Evaluate the configured questions now; ``event_id`` is required and never reused."""

    event_id: str


class DecisionItemCreate(LiveClientEvent, tag="decision.item.create", kw_only=True):
    """Add an input item for future decisions."""

    item: DecisionItem
    event_id: str | UnsetType | None = UNSET


class DecisionItemDelete(LiveClientEvent, tag="decision.item.delete", kw_only=True):
    """Remove an input item from future decisions."""

    item_id: str
    event_id: str | UnsetType | None = UNSET


class ResponseItemCreate(LiveClientEvent, tag="response.item.create", kw_only=True):
    """Append an item to the Responses backend's conversation.

    ``item`` is a Responses API input item (a message, a function call
    output...) as a JSON object: that is the Responses API's own schema, passed
    through by Live, and not modelled here (see the README, "GPT-Live").
    """

    item: dict[str, Any]
    event_id: str | UnsetType | None = UNSET


class ResponseCreate(LiveClientEvent, tag="response.create", kw_only=True):
    """Ask the Responses backend for a response now."""

    event_id: str | UnsetType | None = UNSET


class SessionClose(LiveClientEvent, tag="session.close", kw_only=True):
    """Ask the server to close the session; ``session.closed`` answers."""

    event_id: str | UnsetType | None = UNSET


class TransportDtmfSend(LiveClientEvent, tag="transport.dtmf.send", kw_only=True):
    """Send one DTMF key (``0``-``9``, ``A``-``D``, ``*``, ``#``) on a SIP call (sideband only)."""

    event: str
    event_id: str | UnsetType | None = UNSET


# -- server events -------------------------------------------------------------------


class SessionStarted(LiveServerEvent, tag="session.started", kw_only=True):
    """The session is running; ``session`` is its configuration."""

    event_id: str
    session: SessionResource
    client_event_id: str | None = None


class SessionUpdated(LiveServerEvent, tag="session.updated", kw_only=True):
    """The session's configuration after a ``session.update``."""

    event_id: str
    session: SessionResource
    client_event_id: str | None = None


class SessionInputAudioMuted(LiveServerEvent, tag="session.input_audio.muted", kw_only=True):
    """Input audio no longer reaches the model."""

    event_id: str
    client_event_id: str | None = None


class SessionInputAudioUnmuted(LiveServerEvent, tag="session.input_audio.unmuted", kw_only=True):
    """Input audio reaches the model again."""

    event_id: str
    client_event_id: str | None = None


class SessionOutputAudioFixturePlaying(
    LiveServerEvent, tag="session.output_audio.fixture.playing", kw_only=True
):
    """A fixture started playing."""

    event_id: str
    client_event_id: str | None = None


class SessionOutputAudioFixturePlayed(
    LiveServerEvent, tag="session.output_audio.fixture.played", kw_only=True
):
    """A fixture finished playing."""

    event_id: str
    client_event_id: str | None = None


class _Appended(LiveServerEvent, kw_only=True, gc=False):
    """Appended context's place on the session timeline."""

    event_id: str
    start_ms: int
    end_ms: int
    client_event_id: str | None = None


class SessionInstructionsAppended(_Appended, tag="session.instructions.appended", kw_only=True):
    """Instructions were placed on the session timeline (``start_ms``..``end_ms``)."""


class SessionThinkingAppended(_Appended, tag="session.thinking.appended", kw_only=True):
    """Thinking was placed on the session timeline."""


class SessionCommentaryAppended(_Appended, tag="session.commentary.appended", kw_only=True):
    """Commentary was placed on the session timeline."""


class SessionInputAudioAppendEvent(
    LiveServerEvent, tag="session.input_audio.append", kw_only=True, gc=False
):
    """Input audio of the primary connection, reflected to a sideband observer.

    Mono PCM16 at 24 kHz, before muting; not an acknowledgement of an append.
    """

    audio: bytes


class SessionOutputAudioDelta(
    LiveServerEvent, tag="session.output_audio.delta", kw_only=True, gc=False
):
    """A piece of the assistant's audio (``start_ms``/``end_ms`` on sideband copies)."""

    delta: bytes
    start_ms: int | None = None
    end_ms: int | None = None


class SessionInputTranscriptDelta(
    LiveServerEvent, tag="session.input_transcript.delta", kw_only=True, gc=False
):
    """A piece of the transcript of the user's speech."""

    event_id: str
    delta: str
    start_ms: int
    end_ms: int
    client_event_id: str | None = None


class SessionOutputTranscriptDelta(
    LiveServerEvent, tag="session.output_transcript.delta", kw_only=True, gc=False
):
    """A piece of the transcript of the assistant's speech."""

    event_id: str
    delta: str
    start_ms: int
    end_ms: int
    client_event_id: str | None = None


class DelegationInfo(TaggedModel, tag="delegation", kw_only=True):
    """A delegation's ``id`` and ``target`` (``client``, ``responses``, ``decisions``)."""

    id: str
    target: str
    response_id: str | None = None


class SessionDelegationCreated(LiveServerEvent, tag="session.delegation.created", kw_only=True):
    """The model delegated a task, at ``offset_ms`` on the session timeline."""

    event_id: str
    delegation: DelegationInfo
    offset_ms: int
    client_event_id: str | None = None


class DecisionCompleted(TaggedModel, tag="decision.completed", kw_only=True):
    """A finished evaluation: the Decision API's `Decision`."""

    decision: Decision


class DecisionEvent(LiveServerEvent, tag="decision.event", kw_only=True):
    """An evaluation for a delegation (``delegation_id``) or a trigger (``trigger_id``)."""

    event_id: str
    event: DecisionCompleted
    delegation_id: str | None = None
    source_event_id: str | None = None
    source_event_type: str | None = None
    trigger_id: str | None = None


class DecisionItemCreated(LiveServerEvent, tag="decision.item.created", kw_only=True):
    """An input item was added for future decisions."""

    event_id: str
    item: DecisionItem
    client_event_id: str | None = None


class DecisionItemDeleted(LiveServerEvent, tag="decision.item.deleted", kw_only=True):
    """An input item was removed from future decisions."""

    event_id: str
    item_id: str
    client_event_id: str | None = None


class ResponseEvent(LiveServerEvent, tag="response.event", kw_only=True):
    """A Responses API streaming event of the delegated backend, as a JSON object.

    Dispatch on ``event["type"]``; the Responses API's events are its own schema.
    """

    event_id: str
    event: dict[str, Any]
    client_event_id: str | None = None
    delegation_id: str | None = None


class SessionUsageUpdated(LiveServerEvent, tag="session.usage.updated", kw_only=True):
    """Cumulative audio usage, and how full the context window is."""

    event_id: str
    usage: SessionUsage
    client_event_id: str | None = None
    context_window: ContextWindow | None = None


class SessionClosed(LiveServerEvent, tag="session.closed", kw_only=True):
    """The last event: why the session ended, its final configuration and usage.

    ``reason`` is ``"close_requested"``, ``"expired"``, ``"content"``,
    ``"remote_hangup"`` or ``"connection_lost"``.
    """

    event_id: str
    reason: str
    session: SessionResource
    usage: SessionUsage
    client_event_id: str | None = None


class ErrorDetail(Model, kw_only=True):
    """What went wrong: ``code``, ``message``, the ``param`` and the command blamed."""

    code: str
    message: str
    type: str
    client_event_id: str | None = None
    param: str | None = None


class ErrorEvent(LiveServerEvent, tag="error", kw_only=True):
    """An error, such as an invalid client command (``error.client_event_id``)."""

    event_id: str
    error: ErrorDetail
    client_event_id: str | None = None


class InfoEvent(LiveServerEvent, tag="info", kw_only=True):
    """A notice from the server (``code``, ``message``); ``session_storage_failed`` among them."""

    event_id: str
    code: str
    message: str
    client_event_id: str | None = None


class TransportDtmfReceived(LiveServerEvent, tag="transport.dtmf.received", kw_only=True):
    """The caller pressed a DTMF key (sideband only)."""

    event_id: str
    event: str


class TransportDtmfSendEvent(LiveServerEvent, tag="transport.dtmf.send", kw_only=True):
    """A DTMF key was sent (the legacy notice; servers now send ``transport.dtmf.sent``)."""

    event_id: str
    event: str
    client_event_id: str | None = None


class TransportDtmfSent(LiveServerEvent, tag="transport.dtmf.sent", kw_only=True):
    """A DTMF key reached the SIP trunk (sideband only)."""

    event_id: str
    event: str
    client_event_id: str | None = None


class TransportRinging(LiveServerEvent, tag="transport.ringing", kw_only=True):
    """The outbound SIP call is ringing (sideband only)."""

    event_id: str
    session_id: str


class TransportAnswered(LiveServerEvent, tag="transport.answered", kw_only=True):
    """The outbound SIP call was answered (sideband only)."""

    event_id: str
    session_id: str


class CallError(TaggedModel, tag="call_error", kw_only=True):
    """Why an outbound SIP call failed."""

    code: str
    message: str
    param: str | None = None


class TransportFailed(LiveServerEvent, tag="transport.failed", kw_only=True):
    """An outbound SIP call could not be set up (sideband only)."""

    event_id: str
    session_id: str
    error: CallError
