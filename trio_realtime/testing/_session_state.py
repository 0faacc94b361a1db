"""One fake Realtime session's state, and how its events leave.

`SessionState` is what the engine's parts share: the session configuration,
the conversation, the audio heard and spoken per item, and `emit`, the one
way a Realtime event goes out (stamped by `EventIds` on the way). The
response lifecycle (`_responses`) and the client-event handling (`_engine`)
both build on it; neither knows what carries the frames.
"""

from __future__ import annotations

from typing import Any, cast

import msgspec
from msgspec import UNSET

from .. import events as ev
from ._state import AUTO_ID, EventIds, Peer, ServerState, next_id

__all__ = [
    "DEFAULT_INSTRUCTIONS",
    "SessionState",
    "deep_merge",
    "default_session",
    "default_transcription_session",
    "duration_ms",
    "message_text",
    "opt",
]

DEFAULT_INSTRUCTIONS = (
    "You are a fake assistant served by trio_realtime.testing; "
    "your replies are scripted and deterministic."
)


def opt(value: Any, default: Any) -> Any:
    """``value``, or ``default`` when it is ``UNSET`` or ``None``."""
    return default if value is UNSET or value is None else value


def duration_ms(audio: bytes, rate: int, pcm16: bool) -> int:
    """How long ``audio`` plays, in whole milliseconds."""
    width = 2 if pcm16 else 1
    return int(len(audio) / width / rate * 1000)


def message_text(item: ev.Message) -> tuple[str | None, bool]:
    """The text of a message (or the transcript of its audio) and whether it had audio."""
    has_audio = False
    for part in item.content:
        if part.type in ("input_audio", "output_audio"):
            has_audio = True
            if isinstance(part.transcript, str):
                return part.transcript, has_audio
        elif isinstance(part.text, str):
            return part.text, has_audio
    return None, has_audio


def _default_input(*, responds: bool) -> ev.AudioInput:
    """24 kHz PCM16 in, server VAD, no transcription; ``responds``: VAD starts
    and interrupts responses (a transcription session makes none)."""
    return ev.AudioInput(
        format=ev.AudioPCM(rate=24000),
        noise_reduction=None,
        transcription=None,
        turn_detection=ev.ServerVad(
            threshold=0.5,
            prefix_padding_ms=300,
            silence_duration_ms=500,
            idle_timeout_ms=None,
            create_response=responds,
            interrupt_response=responds,
        ),
    )


def default_session(model: str) -> ev.RealtimeSession:
    """The session a new connection starts with, as the service reports it."""
    return ev.RealtimeSession(
        model=model,
        instructions=DEFAULT_INSTRUCTIONS,
        output_modalities=["audio"],
        audio=ev.AudioConfig(
            input=_default_input(responds=True),
            output=ev.AudioOutput(format=ev.AudioPCM(rate=24000), voice="alloy", speed=1.0),
        ),
        include=None,
        max_output_tokens="inf",
        prompt=None,
        tool_choice="auto",
        tools=[],
        tracing=None,
        truncation="auto",
    )


def default_transcription_session() -> ev.TranscriptionSession:
    """The session a transcription-only connection (``intent=transcription``) starts
    with: 24 kHz PCM16 in, server VAD, and transcription off until configured."""
    return ev.TranscriptionSession(
        audio=ev.TranscriptionAudioConfig(input=_default_input(responds=False)),
        include=None,
    )


def deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """``patch`` over ``base``: objects merge key by key, anything else replaces.

    A tagged object whose ``type`` changes (``server_vad`` -> ``semantic_vad``)
    is replaced whole, since the old fields mean nothing to the new kind.
    """
    merged = dict(base)
    for key, value in patch.items():
        old = merged.get(key)
        if (
            isinstance(value, dict)
            and isinstance(old, dict)
            and cast(dict[str, Any], value).get("type") == cast(dict[str, Any], old).get("type")
        ):
            merged[key] = deep_merge(cast(dict[str, Any], old), cast(dict[str, Any], value))
        else:
            merged[key] = value
    return merged


class SessionState:
    """The state of one fake Realtime session, and `emit`, the way its events leave.

    ``session`` is the configuration as the server reports it (a
    `TranscriptionSession` for a transcription-only connection, which makes no
    responses), ``conversation`` the items in order, ``audio_ms`` how long each item's
    audio plays (as heard, or as streamed so far).
    """

    def __init__(
        self, server: ServerState, peer: Peer, *, model: str, transcription: bool = False
    ) -> None:
        self.server: ServerState = server
        self.peer: Peer = peer
        self.session: ev.Session = (
            default_transcription_session() if transcription else default_session(model)
        )
        self.conversation: list[ev.Item] = []
        self.conversation_id: str = f"conv_fake{peer.number:04d}"
        self.audio_ms: dict[str, int] = {}
        #: The input audio of each user item (what ``conversation.item.retrieve`` returns).
        self.input_audio: dict[str, bytes] = {}
        #: True once the session ended at ``Faults.session_duration``.
        self.expired: bool = False
        self._event_ids = EventIds()
        self._counters: dict[str, int] = {}

    # -- ids and sending ---------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        """An id for a new object: items and responses count over the whole server."""
        shared = prefix in ("item", "resp")
        return next_id(self.server.id_counters if shared else self._counters, prefix)

    def event_id(self) -> str:
        """The next ``event_id`` of this session (for events a test sends itself)."""
        return self._event_ids.next()

    async def emit(self, event: ev.ServerEvent) -> None:
        """Send ``event``, stamping its ``event_id`` if it was built with `AUTO_ID`."""
        await self.peer.send(self._event_ids.stamp(event))

    async def error(
        self,
        message: str,
        *,
        code: str | None,
        param: str | None = None,
        event_id: str | None = None,
        error_type: str = "invalid_request_error",
    ) -> None:
        """Send an ``error`` event, as the service does for a bad client event."""
        await self.emit(
            ev.ErrorEvent(
                event_id=AUTO_ID,
                error=ev.RealtimeErrorDetail(
                    type=error_type, code=code, message=message, param=param, event_id=event_id
                ),
            )
        )

    # -- audio formats -----------------------------------------------------------

    @property
    def realtime(self) -> ev.RealtimeSession:
        """The session of a Realtime (not transcription-only) connection."""
        session = self.session
        assert isinstance(session, ev.RealtimeSession), "a transcription session makes no responses"
        return session

    def audio_input(self) -> ev.AudioInput | None:
        """How the session reads input audio, whatever the session's type."""
        audio = self.session.audio
        if isinstance(audio, ev.AudioConfig | ev.TranscriptionAudioConfig) and isinstance(
            audio.input, ev.AudioInput
        ):
            return audio.input
        return None

    def audio_output(self) -> ev.AudioOutput | None:
        """How the session speaks (None for a transcription session)."""
        audio = self.session.audio
        if isinstance(audio, ev.AudioConfig) and isinstance(audio.output, ev.AudioOutput):
            return audio.output
        return None

    def _format(self, direction: str) -> object:
        side = self.audio_input() if direction == "input" else self.audio_output()
        return side.format if side is not None else None

    def audio_codec(self, direction: str) -> str:
        """The ``type`` of the ``input`` or ``output`` format: audio/pcm, audio/pcmu, audio/pcma."""
        fmt = self._format(direction)
        if isinstance(fmt, ev.AudioPCMU | ev.AudioPCMA) and isinstance(fmt.type, str):
            return fmt.type
        return "audio/pcm"

    def audio_format(self, direction: str) -> tuple[int, bool]:
        """Sample rate and whether it is PCM16, for ``input`` or ``output`` audio."""
        fmt = self._format(direction)
        if isinstance(fmt, ev.AudioPCMU | ev.AudioPCMA):
            return 8000, False
        if isinstance(fmt, ev.AudioPCM) and isinstance(fmt.rate, int):
            return fmt.rate, True
        return 24000, True

    # -- conversation ------------------------------------------------------------

    def index(self, item_id: str) -> int | None:
        """Where the item with ``item_id`` is in the conversation, if it is there."""
        for i, item in enumerate(self.conversation):
            if getattr(item, "id", None) == item_id:
                return i
        return None

    def last_item_id(self) -> str | None:
        """The id of the conversation's last item (a new item's ``previous_item_id``)."""
        return getattr(self.conversation[-1], "id", None) if self.conversation else None

    def stamp_item(self, item: ev.Item, *, status: str = "completed") -> ev.Item:
        """The item with an id (kept if the client chose one), object and status."""
        fields = type(item).__struct_fields__
        changes: dict[str, Any] = {}
        if "id" in fields and not isinstance(getattr(item, "id", None), str):
            changes["id"] = self.new_id("item")
        if "object" in fields:
            changes["object"] = "realtime.item"
        if "status" in fields:
            changes["status"] = status
        return msgspec.structs.replace(item, **changes)

    async def insert(self, item: ev.Item, previous_item_id: str | None) -> None:
        """Add a finished item to the conversation and announce it (added, then done)."""
        if previous_item_id is None:
            previous = self.last_item_id()
            self.conversation.append(item)
        elif previous_item_id == "root":
            previous = None
            self.conversation.insert(0, item)
        else:
            index = self.index(previous_item_id)
            assert index is not None
            previous = previous_item_id
            self.conversation.insert(index + 1, item)
        await self.emit(
            ev.ConversationItemAdded(event_id=AUTO_ID, item=item, previous_item_id=previous)
        )
        await self.emit(
            ev.ConversationItemDone(event_id=AUTO_ID, item=item, previous_item_id=previous)
        )
