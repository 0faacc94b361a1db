"""The GPT-Live unions and their codecs.

A primary Live WebSocket, a sideband connection (``/live/sessions/{id}/attach``)
and a fork (``/live/sessions/{id}/fork``) receive the same 28 server events;
they differ in the client commands they take: a sideband cannot start a
session or append audio but can send DTMF, and a fork's ``session.start``
carries a `ForkSessionConfig`. Each kind has its codec, so ``send`` refuses a
command that kind of connection does not take.
"""

from __future__ import annotations

from typing import TypeAlias

from ..events._base import InvalidEvent, UnknownEvent
from ..events._codec import DECODE_FAILURES, EventCodec
from ._base import LiveClientEvent, LiveServerEvent
from ._events import (
    DecisionCreate,
    DecisionEvent,
    DecisionItemCreate,
    DecisionItemCreated,
    DecisionItemDelete,
    DecisionItemDeleted,
    ErrorEvent,
    ForkSessionStart,
    InfoEvent,
    ResponseCreate,
    ResponseEvent,
    ResponseItemCreate,
    SessionClose,
    SessionClosed,
    SessionCommentaryAppend,
    SessionCommentaryAppended,
    SessionDelegationCreated,
    SessionInputAudioAppend,
    SessionInputAudioAppendEvent,
    SessionInputAudioMute,
    SessionInputAudioMuted,
    SessionInputAudioUnmute,
    SessionInputAudioUnmuted,
    SessionInputTranscriptDelta,
    SessionInstructionsAppend,
    SessionInstructionsAppended,
    SessionOutputAudioDelta,
    SessionOutputAudioFixturePlay,
    SessionOutputAudioFixturePlayed,
    SessionOutputAudioFixturePlaying,
    SessionOutputTranscriptDelta,
    SessionStart,
    SessionStarted,
    SessionThinkingAppend,
    SessionThinkingAppended,
    SessionUpdate,
    SessionUpdated,
    SessionUsageUpdated,
    TransportAnswered,
    TransportDtmfReceived,
    TransportDtmfSend,
    TransportDtmfSendEvent,
    TransportDtmfSent,
    TransportFailed,
    TransportRinging,
)

__all__ = [
    "CONNECT_CLIENT_CODEC",
    "CONNECT_SERVER_CODEC",
    "FORK_CLIENT_CODEC",
    "FORK_SERVER_CODEC",
    "LIVE_CLIENT_CODEC",
    "LIVE_SERVER_CODEC",
    "ClientEventUnion",
    "ConnectClientEventUnion",
    "ForkClientEventUnion",
    "LiveEvent",
    "ServerEventUnion",
    "decode_client_event",
    "decode_connect_client_event",
    "decode_fork_client_event",
    "decode_server_event",
    "encode_client_event",
    "encode_server_event",
]

#: Every server event of a Live session (primary, sideband and fork alike).
ServerEventUnion: TypeAlias = (
    SessionStarted
    | SessionUpdated
    | SessionInputAudioMuted
    | SessionInputAudioUnmuted
    | SessionOutputAudioFixturePlaying
    | SessionOutputAudioFixturePlayed
    | SessionInstructionsAppended
    | SessionThinkingAppended
    | SessionCommentaryAppended
    | SessionInputAudioAppendEvent
    | SessionOutputAudioDelta
    | SessionInputTranscriptDelta
    | SessionOutputTranscriptDelta
    | SessionDelegationCreated
    | DecisionEvent
    | DecisionItemCreated
    | DecisionItemDeleted
    | ResponseEvent
    | SessionUsageUpdated
    | SessionClosed
    | ErrorEvent
    | InfoEvent
    | TransportDtmfReceived
    | TransportDtmfSendEvent
    | TransportDtmfSent
    | TransportRinging
    | TransportAnswered
    | TransportFailed
)

#: What a Live connection's receive side yields.
LiveEvent: TypeAlias = ServerEventUnion | UnknownEvent | InvalidEvent

_COMMON_COMMANDS: list[type[LiveClientEvent]] = [
    SessionUpdate,
    SessionInputAudioMute,
    SessionInputAudioUnmute,
    SessionOutputAudioFixturePlay,
    SessionInstructionsAppend,
    SessionThinkingAppend,
    SessionCommentaryAppend,
    DecisionCreate,
    DecisionItemCreate,
    DecisionItemDelete,
    ResponseItemCreate,
    ResponseCreate,
    SessionClose,
]

#: The commands of a primary Live WebSocket.
ClientEventUnion: TypeAlias = (
    SessionStart
    | SessionUpdate
    | SessionInputAudioAppend
    | SessionInputAudioMute
    | SessionInputAudioUnmute
    | SessionOutputAudioFixturePlay
    | SessionInstructionsAppend
    | SessionThinkingAppend
    | SessionCommentaryAppend
    | DecisionCreate
    | DecisionItemCreate
    | DecisionItemDelete
    | ResponseItemCreate
    | ResponseCreate
    | SessionClose
)
#: The commands of a sideband connection.
ConnectClientEventUnion: TypeAlias = (
    SessionUpdate
    | SessionInputAudioMute
    | SessionInputAudioUnmute
    | SessionOutputAudioFixturePlay
    | TransportDtmfSend
    | SessionInstructionsAppend
    | SessionThinkingAppend
    | SessionCommentaryAppend
    | DecisionCreate
    | DecisionItemCreate
    | DecisionItemDelete
    | ResponseItemCreate
    | ResponseCreate
    | SessionClose
)
#: The commands of a fork's WebSocket.
ForkClientEventUnion: TypeAlias = (
    ForkSessionStart
    | SessionUpdate
    | SessionInputAudioAppend
    | SessionInputAudioMute
    | SessionInputAudioUnmute
    | SessionOutputAudioFixturePlay
    | SessionInstructionsAppend
    | SessionThinkingAppend
    | SessionCommentaryAppend
    | DecisionCreate
    | DecisionItemCreate
    | DecisionItemDelete
    | ResponseItemCreate
    | ResponseCreate
    | SessionClose
)

_SERVER: list[type[LiveServerEvent]] = [
    SessionStarted,
    SessionUpdated,
    SessionInputAudioMuted,
    SessionInputAudioUnmuted,
    SessionOutputAudioFixturePlaying,
    SessionOutputAudioFixturePlayed,
    SessionInstructionsAppended,
    SessionThinkingAppended,
    SessionCommentaryAppended,
    SessionInputAudioAppendEvent,
    SessionOutputAudioDelta,
    SessionInputTranscriptDelta,
    SessionOutputTranscriptDelta,
    SessionDelegationCreated,
    DecisionEvent,
    DecisionItemCreated,
    DecisionItemDeleted,
    ResponseEvent,
    SessionUsageUpdated,
    SessionClosed,
    ErrorEvent,
    InfoEvent,
    TransportDtmfReceived,
    TransportDtmfSendEvent,
    TransportDtmfSent,
    TransportRinging,
    TransportAnswered,
    TransportFailed,
]
_PRIMARY: list[type[LiveClientEvent]] = [SessionStart, SessionInputAudioAppend, *_COMMON_COMMANDS]
_CONNECT: list[type[LiveClientEvent]] = [TransportDtmfSend, *_COMMON_COMMANDS]
_FORK: list[type[LiveClientEvent]] = [ForkSessionStart, SessionInputAudioAppend, *_COMMON_COMMANDS]


def _pair(
    commands: list[type[LiveClientEvent]],
) -> tuple[
    EventCodec[LiveServerEvent, LiveClientEvent], EventCodec[LiveClientEvent, LiveServerEvent]
]:
    client = EventCodec[LiveServerEvent, LiveClientEvent](_SERVER, commands, unknown=True)
    server = EventCodec[LiveClientEvent, LiveServerEvent](commands, _SERVER, unknown=False)
    return client, server


#: A primary Live WebSocket, client side (decodes server events) and server side.
LIVE_CLIENT_CODEC, LIVE_SERVER_CODEC = _pair(_PRIMARY)
#: A sideband connection.
CONNECT_CLIENT_CODEC, CONNECT_SERVER_CODEC = _pair(_CONNECT)
#: A fork's WebSocket.
FORK_CLIENT_CODEC, FORK_SERVER_CODEC = _pair(_FORK)

_fast_decode = LIVE_CLIENT_CODEC.fast_decode


def decode_server_event(data: bytes | str) -> LiveServerEvent | UnknownEvent:
    """Decode one Live server frame; unknown types become `UnknownEvent`.

    Raises `EventDecodeError` for a frame that is not a JSON object with a
    string ``type``, or whose known type has fields of the wrong type.
    """
    try:
        return _fast_decode(data)
    except DECODE_FAILURES as exc:
        return LIVE_CLIENT_CODEC.recover(data, exc)


def encode_client_event(event: LiveClientEvent) -> bytes:
    """Encode one command of a primary Live WebSocket; raises `EventEncodeError`."""
    return LIVE_CLIENT_CODEC.encode(event)


def decode_client_event(data: bytes | str) -> LiveClientEvent:
    """Decode one command of a primary Live WebSocket (for servers); raises `EventDecodeError`."""
    return LIVE_SERVER_CODEC.decode(data)


def decode_connect_client_event(data: bytes | str) -> LiveClientEvent:
    """Decode one sideband command (for servers); raises `EventDecodeError`."""
    return CONNECT_SERVER_CODEC.decode(data)


def decode_fork_client_event(data: bytes | str) -> LiveClientEvent:
    """Decode one command of a fork's WebSocket (for servers); raises `EventDecodeError`."""
    return FORK_SERVER_CODEC.decode(data)


def encode_server_event(event: LiveServerEvent) -> bytes:
    """Encode one Live server event (for servers and proxies)."""
    return LIVE_SERVER_CODEC.encode(event)
