"""The fake server's Realtime behaviour: session, conversation, audio buffer, responses.

One `Engine` per connection. It reacts to each decoded client event with the
server events the real service sends, in the same order and with the same
shapes, built from our event Structs. Responses stream in their own task so a
client can cancel them (or send anything else) mid-stream; everything else is
answered inline, so replies keep the order of the requests.

Ids are deterministic counters (``item_0001``, ``resp_0001``...) so tests can
predict them. Error codes and messages are modelled on the service's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import msgspec
import trio
import trio_websocket
from msgspec import UNSET, UnsetType

from .. import events as ev
from .._errors import EventDecodeError
from ._invalid import decode_error_detail
from ._script import ToolCall, Turn, chunk_text, reply_items, synth_audio
from ._vad import SpeechStarted, VoiceActivityDetector

if TYPE_CHECKING:
    from ._connection import FakeConnection
    from ._server import FakeServer

__all__ = ["DEFAULT_INSTRUCTIONS", "Engine", "default_session"]

DEFAULT_INSTRUCTIONS = (
    "You are a fake assistant served by trio_realtime.testing; "
    "your replies are scripted and deterministic."
)

_MIN_COMMIT_MS = 100


def default_session(model: str) -> ev.RealtimeSession:
    """The session a new connection starts with, as the service reports it."""
    return ev.RealtimeSession(
        model=model,
        instructions=DEFAULT_INSTRUCTIONS,
        output_modalities=["audio"],
        audio=ev.AudioConfig(
            input=ev.AudioInput(
                format=ev.AudioPCM(rate=24000),
                noise_reduction=None,
                transcription=None,
                turn_detection=ev.ServerVad(
                    threshold=0.5,
                    prefix_padding_ms=300,
                    silence_duration_ms=500,
                    idle_timeout_ms=None,
                    create_response=True,
                    interrupt_response=True,
                ),
            ),
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


def _deep_merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
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
            merged[key] = _deep_merge(cast(dict[str, Any], old), cast(dict[str, Any], value))
        else:
            merged[key] = value
    return merged


def _set(value: Any, default: Any) -> Any:
    return default if value is UNSET or value is None else value


def _tokens(chars: int) -> int:
    return math.ceil(chars / 4)


def _message_text(item: ev.Message) -> tuple[str | None, bool]:
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


def _item_chars(item: Any) -> int:
    if isinstance(item, ev.Message):
        text, _ = _message_text(item)
        return len(text or "")
    if isinstance(item, ev.FunctionCall):
        return len(item.arguments)
    if isinstance(item, ev.FunctionCallOutput):
        return len(item.output)
    return 0


@dataclass(eq=False)
class _Active:
    """A response being streamed."""

    id: str
    out_of_band: bool
    cancelled: bool = False
    reason: str = "client_cancelled"
    pacer: trio.CancelScope | None = None
    output: list[ev.Item] = field(default_factory=list[ev.Item])
    # Characters of text left under max_output_tokens (4 per token), None: no limit.
    budget: int | None = None
    incomplete: bool = False

    @property
    def stopped(self) -> bool:
        return self.cancelled or self.incomplete

    def spend(self, text: str) -> str:
        """``text`` cut to what the token budget still allows."""
        if self.budget is None:
            return text
        if len(text) > self.budget:
            text = text[: self.budget]
            self.incomplete = True
        self.budget -= len(text)
        return text

    def cancel(self, reason: str) -> None:
        if not self.cancelled:
            self.cancelled = True
            self.reason = reason
        if self.pacer is not None:
            self.pacer.cancel()


class Engine:
    """Session state and Realtime behaviour of one fake connection."""

    def __init__(self, conn: FakeConnection) -> None:
        self.conn: FakeConnection = conn
        self.server: FakeServer = conn.server
        self.session: ev.RealtimeSession = default_session(conn.model)
        self.conversation: list[ev.Item] = []
        self.conversation_id: str = f"conv_fake{conn.number:04d}"
        self.audio_buffer: bytearray = bytearray()
        self.responses: int = 0
        self.nursery: trio.Nursery | None = None
        self._counters: dict[str, int] = {}
        self._active: _Active | None = None
        self._all_active: dict[str, _Active] = {}
        self._audio: dict[str, bytes] = {}
        self._audio_ms: dict[str, int] = {}
        self._vad: VoiceActivityDetector | None = None
        self._vad_key: object = None
        self._speech_item: str | None = None

    # -- plumbing ----------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        n = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = n
        return f"{prefix}_{n:04d}"

    def _event_id(self) -> str:
        return self._id("event")

    async def _emit(self, event: ev.ServerEvent) -> None:
        await self.conn.send(event)

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
        await self._emit(
            ev.ErrorEvent(
                event_id=self._event_id(),
                error=ev.RealtimeErrorDetail(
                    type=error_type, code=code, message=message, param=param, event_id=event_id
                ),
            )
        )

    # -- entry points ------------------------------------------------------------

    async def start(self) -> None:
        """Greet a new connection with ``session.created``."""
        await self._emit(ev.SessionCreated(event_id=self._event_id(), session=self.session))

    async def reject(self, exc: EventDecodeError, raw: bytes) -> None:
        """Answer a frame that is not a valid client event with an ``error`` event."""
        detail = decode_error_detail(exc, raw)
        await self.error(
            detail.message, code=detail.code, param=detail.param, event_id=detail.event_id
        )

    async def handle(self, event: ev.ClientEvent) -> None:
        """React to one client event."""
        eid = _set(getattr(event, "event_id", UNSET), None)
        match event:
            case ev.SessionUpdate(session=update):
                await self._session_update(update, eid)
            case ev.ConversationItemCreate(item=item, previous_item_id=previous):
                await self._item_create(item, _set(previous, None), eid)
            case ev.ConversationItemDelete(item_id=item_id):
                await self._item_delete(item_id, eid)
            case ev.ConversationItemRetrieve(item_id=item_id):
                await self._item_retrieve(item_id, eid)
            case ev.ConversationItemTruncate():
                await self._item_truncate(event, eid)
            case ev.InputAudioBufferAppend(audio=audio):
                await self._audio_append(audio)
            case ev.InputAudioBufferCommit():
                await self._audio_commit(eid)
            case ev.InputAudioBufferClear():
                self._clear_buffer()
                await self._emit(ev.InputAudioBufferCleared(event_id=self._event_id()))
            case ev.OutputAudioBufferClear():
                await self._output_clear(eid)
            case ev.ResponseCreate(response=params):
                await self.create_response(params, eid)
            case ev.ResponseCancel(response_id=response_id):
                await self._response_cancel(_set(response_id, None), eid)
            case _:  # pragma: no cover - every client event type is handled above
                await self.error(
                    f"The fake server does not support '{event.type}'.",
                    code="unsupported_event",
                    param="type",
                    event_id=eid,
                )

    # -- session -----------------------------------------------------------------

    async def _session_update(self, update: ev.Session, eid: str | None) -> None:
        if not isinstance(update, ev.RealtimeSession):
            await self.error(
                "Cannot change the session type: this is a realtime session.",
                code="invalid_value",
                param="session.type",
                event_id=eid,
            )
            return
        merged_raw = _deep_merge(
            cast(dict[str, Any], msgspec.to_builtins(self.session)),
            cast(dict[str, Any], msgspec.to_builtins(update)),
        )
        merged = msgspec.convert(merged_raw, ev.RealtimeSession)
        modalities = merged.output_modalities
        if isinstance(modalities, list) and (
            len(modalities) != 1 or modalities[0] not in ("text", "audio")
        ):
            await self.error(
                "Invalid modalities: "
                f"{modalities!r}. Supported combinations are: ['text'] and ['audio'].",
                code="invalid_value",
                param="session.output_modalities",
                event_id=eid,
            )
            return
        self.session = merged
        await self._emit(ev.SessionUpdated(event_id=self._event_id(), session=merged))

    def _turn_detection(self) -> ev.ServerVad | ev.SemanticVad | None:
        audio = self.session.audio
        if not isinstance(audio, ev.AudioConfig) or not isinstance(audio.input, ev.AudioInput):
            return None
        detection = audio.input.turn_detection
        return detection if isinstance(detection, ev.ServerVad | ev.SemanticVad) else None

    def _format(self, direction: str) -> tuple[int, bool]:
        """Sample rate and whether it is PCM16, for ``input`` or ``output`` audio."""
        audio = self.session.audio
        fmt: object = None
        if isinstance(audio, ev.AudioConfig):
            side = audio.input if direction == "input" else audio.output
            if isinstance(side, ev.AudioInput | ev.AudioOutput):
                fmt = side.format
        if isinstance(fmt, ev.AudioPCMU | ev.AudioPCMA):
            return 8000, False
        if isinstance(fmt, ev.AudioPCM) and isinstance(fmt.rate, int):
            return fmt.rate, True
        return 24000, True

    # -- conversation ------------------------------------------------------------

    def _index(self, item_id: str) -> int | None:
        for i, item in enumerate(self.conversation):
            if getattr(item, "id", None) == item_id:
                return i
        return None

    def _stamp(self, item: ev.Item, *, status: str = "completed") -> ev.Item:
        """The item with an id (kept if the client chose one), object and status."""
        fields = type(item).__struct_fields__
        changes: dict[str, Any] = {}
        if "id" in fields and not isinstance(getattr(item, "id", None), str):
            changes["id"] = self._id("item")
        if "object" in fields:
            changes["object"] = "realtime.item"
        if "status" in fields:
            changes["status"] = status
        return msgspec.structs.replace(item, **changes)

    async def _insert(self, item: ev.Item, previous_item_id: str | None) -> None:
        """Add a finished item to the conversation and announce it (added, then done)."""
        if previous_item_id is None:
            previous = getattr(self.conversation[-1], "id", None) if self.conversation else None
            self.conversation.append(item)
        elif previous_item_id == "root":
            previous = None
            self.conversation.insert(0, item)
        else:
            index = self._index(previous_item_id)
            assert index is not None
            previous = previous_item_id
            self.conversation.insert(index + 1, item)
        await self._emit(
            ev.ConversationItemAdded(
                event_id=self._event_id(), item=item, previous_item_id=previous
            )
        )
        await self._emit(
            ev.ConversationItemDone(event_id=self._event_id(), item=item, previous_item_id=previous)
        )

    async def _item_create(self, item: ev.Item, previous: str | None, eid: str | None) -> None:
        if previous not in (None, "root") and self._index(previous) is None:
            await self.error(
                f"Error adding item: the previous item with id '{previous}' does not exist.",
                code="item_create_invalid_previous_item_id",
                param="previous_item_id",
                event_id=eid,
            )
            return
        item_id = getattr(item, "id", None)
        if isinstance(item_id, str) and self._index(item_id) is not None:
            await self.error(
                f"Error adding item: an item with id '{item_id}' already exists.",
                code="item_create_duplicate_item_id",
                param="item.id",
                event_id=eid,
            )
            return
        stamped = self._stamp(item)
        if isinstance(stamped, ev.Message):
            for part in stamped.content:
                if isinstance(part, ev.InputAudio) and isinstance(part.audio, bytes):
                    rate, pcm16 = self._format("input")
                    self._audio[str(stamped.id)] = part.audio
                    self._audio_ms[str(stamped.id)] = _duration_ms(part.audio, rate, pcm16)
        await self._insert(stamped, previous)

    async def _item_delete(self, item_id: str, eid: str | None) -> None:
        index = self._index(item_id)
        if index is None:
            await self.error(
                f"Error deleting item: the item with id '{item_id}' does not exist.",
                code="item_delete_invalid_item_id",
                param="item_id",
                event_id=eid,
            )
            return
        del self.conversation[index]
        await self._emit(ev.ConversationItemDeleted(event_id=self._event_id(), item_id=item_id))

    async def _item_retrieve(self, item_id: str, eid: str | None) -> None:
        index = self._index(item_id)
        if index is None:
            await self.error(
                f"Error retrieving item: the item with id '{item_id}' does not exist.",
                code="item_retrieve_invalid_item_id",
                param="item_id",
                event_id=eid,
            )
            return
        item = self.conversation[index]
        # Like the service, the retrieved copy carries the input audio itself.
        audio = self._audio.get(item_id)
        if audio is not None and isinstance(item, ev.Message):
            parts: list[ev.ContentPart] = [
                msgspec.structs.replace(p, audio=audio) if isinstance(p, ev.InputAudio) else p
                for p in item.content
            ]
            item = msgspec.structs.replace(item, content=parts)
        await self._emit(ev.ConversationItemRetrieved(event_id=self._event_id(), item=item))

    async def _item_truncate(self, event: ev.ConversationItemTruncate, eid: str | None) -> None:
        index = self._index(event.item_id)
        if index is None:
            await self.error(
                f"Error truncating item: the item with id '{event.item_id}' does not exist.",
                code="item_truncate_invalid_item_id",
                param="item_id",
                event_id=eid,
            )
            return
        item = self.conversation[index]
        if not (
            isinstance(item, ev.Message)
            and item.role == "assistant"
            and 0 <= event.content_index < len(item.content)
            and isinstance(item.content[event.content_index], ev.OutputAudio)
        ):
            await self.error(
                "Only the audio content of an assistant message can be truncated.",
                code="invalid_value",
                param="content_index",
                event_id=eid,
            )
            return
        duration = self._audio_ms.get(event.item_id, 0)
        if not 0 <= event.audio_end_ms <= duration:
            await self.error(
                f"Audio content of {duration}ms is shorter than {event.audio_end_ms}ms.",
                code="invalid_value",
                param="audio_end_ms",
                event_id=eid,
            )
            return
        # The service drops the transcript of truncated audio, so the model's
        # context holds nothing the user did not hear.
        parts = list(item.content)
        parts[event.content_index] = ev.OutputAudio(transcript=None)
        self.conversation[index] = msgspec.structs.replace(item, content=parts)
        self._audio_ms[event.item_id] = event.audio_end_ms
        await self._emit(
            ev.ConversationItemTruncated(
                event_id=self._event_id(),
                item_id=event.item_id,
                content_index=event.content_index,
                audio_end_ms=event.audio_end_ms,
            )
        )

    # -- input audio -------------------------------------------------------------

    def _detector(self) -> VoiceActivityDetector | None:
        detection = self._turn_detection()
        if detection is None:
            self._vad = None
            return None
        rate, pcm16 = self._format("input")
        threshold = _set(getattr(detection, "threshold", UNSET), 0.5)
        padding = _set(getattr(detection, "prefix_padding_ms", UNSET), 300)
        silence = _set(getattr(detection, "silence_duration_ms", UNSET), 500)
        key = (rate, pcm16, threshold, padding, silence)
        if self._vad is None or self._vad_key != key:
            position = self._vad.position_ms if self._vad is not None else 0.0
            self._vad = VoiceActivityDetector(
                sample_rate=rate,
                threshold=float(threshold),
                prefix_padding_ms=int(padding),
                silence_duration_ms=int(silence),
                bytes_per_sample=2 if pcm16 else 1,
            )
            self._vad.position_ms = position
            self._vad_key = key
        return self._vad

    async def _audio_append(self, audio: bytes) -> None:
        self.audio_buffer += audio
        vad = self._detector()
        if vad is None:
            return
        detection = self._turn_detection()
        assert detection is not None
        for decision in vad.feed(audio):
            if isinstance(decision, SpeechStarted):
                self._speech_item = self._id("item")
                start = max(0, decision.audio_start_ms - vad.prefix_padding_ms)
                if self._active is not None and _set(detection.interrupt_response, True):
                    self._active.cancel("turn_detected")
                await self._emit(
                    ev.InputAudioBufferSpeechStarted(
                        event_id=self._event_id(), item_id=self._speech_item, audio_start_ms=start
                    )
                )
            else:
                item_id = self._speech_item or self._id("item")
                self._speech_item = None
                await self._emit(
                    ev.InputAudioBufferSpeechStopped(
                        event_id=self._event_id(),
                        item_id=item_id,
                        audio_end_ms=decision.audio_end_ms,
                    )
                )
                await self._commit(item_id)
                if _set(detection.create_response, True):
                    await self.create_response(UNSET, None)

    def _buffer_ms(self) -> int:
        rate, pcm16 = self._format("input")
        return _duration_ms(bytes(self.audio_buffer), rate, pcm16)

    def _clear_buffer(self) -> None:
        self.audio_buffer.clear()
        if self._vad is not None:
            self._vad.reset()
        self._speech_item = None

    async def _audio_commit(self, eid: str | None) -> None:
        buffered = self._buffer_ms()
        if buffered < _MIN_COMMIT_MS:
            await self.error(
                "Error committing input audio buffer: buffer too small. Expected at least "
                f"{_MIN_COMMIT_MS}ms of audio, but buffer only has {buffered:.2f}ms of audio.",
                code="input_audio_buffer_commit_empty",
                event_id=eid,
            )
            return
        item_id = self._speech_item or self._id("item")
        self._speech_item = None
        await self._commit(item_id)

    async def _commit(self, item_id: str) -> None:
        """Turn the buffered audio into a user message (committed, added, done)."""
        audio = bytes(self.audio_buffer)
        ms = self._buffer_ms()
        self.audio_buffer.clear()
        previous = getattr(self.conversation[-1], "id", None) if self.conversation else None
        await self._emit(
            ev.InputAudioBufferCommitted(
                event_id=self._event_id(), item_id=item_id, previous_item_id=previous
            )
        )
        transcript = self._transcript_for(ms)
        item = ev.UserMessage(
            id=item_id,
            object="realtime.item",
            status="completed",
            content=[ev.InputAudio(transcript=None)],
        )
        self._audio[item_id] = audio
        self._audio_ms[item_id] = ms
        await self._insert(item, None)
        if transcript is not None:
            index = self._index(item_id)
            assert index is not None
            self.conversation[index] = msgspec.structs.replace(
                item, content=[ev.InputAudio(transcript=transcript)]
            )
            for piece in chunk_text(transcript, self.server.delta_size):
                await self._emit(
                    ev.ConversationItemInputAudioTranscriptionDelta(
                        event_id=self._event_id(), item_id=item_id, content_index=0, delta=piece
                    )
                )
            await self._emit(
                ev.ConversationItemInputAudioTranscriptionCompleted(
                    event_id=self._event_id(),
                    item_id=item_id,
                    content_index=0,
                    transcript=transcript,
                    usage=ev.TranscriptionDurationUsage(seconds=ms / 1000),
                )
            )

    def _transcript_for(self, ms: int) -> str | None:
        """The scripted transcript of committed audio when transcription is on."""
        audio = self.session.audio
        if not (
            isinstance(audio, ev.AudioConfig)
            and isinstance(audio.input, ev.AudioInput)
            and isinstance(audio.input.transcription, ev.AudioTranscription)
        ):
            return None
        scripted = self.server.next_transcript()
        return scripted if scripted is not None else f"[{ms} ms of audio]"

    async def _output_clear(self, eid: str | None) -> None:
        active = self._active
        if active is None:
            await self.error(
                "There is no response audio to clear.",
                code="response_cancel_not_active",
                event_id=eid,
            )
            return
        active.cancel("client_cancelled")
        await self._emit(
            ev.OutputAudioBufferCleared(event_id=self._event_id(), response_id=active.id)
        )

    # -- responses ---------------------------------------------------------------

    async def _response_cancel(self, response_id: str | None, eid: str | None) -> None:
        target = self._all_active.get(response_id) if response_id else self._active
        if target is None or target.cancelled:
            await self.error(
                "Cancellation failed: no active response found",
                code="response_cancel_not_active",
                event_id=eid,
            )
            return
        target.cancel("client_cancelled")

    def _turn(
        self, params: ev.ResponseParams | None, context: Sequence[ev.Item], oob: bool
    ) -> Turn:
        last_text: str | None = None
        last_audio_ms: int | None = None
        for item in reversed(context):
            if isinstance(item, ev.Message) and item.role == "user":
                last_text, has_audio = _message_text(item)
                if has_audio:
                    last_audio_ms = self._audio_ms.get(str(getattr(item, "id", "")), 0)
                break
        tool_output = None
        if context and isinstance(context[-1], ev.FunctionCallOutput):
            tool_output = context[-1].output
        tools = _set(params.tools if params else UNSET, None)
        if tools is None:
            tools = _set(self.session.tools, [])
        instructions = _set(params.instructions if params else UNSET, None)
        if instructions is None:
            instructions = _set(self.session.instructions, None)
        metadata = _set(params.metadata if params else UNSET, {})
        return Turn(
            conversation=tuple(context),
            instructions=instructions,
            output_modalities=tuple(self._modalities(params)),
            last_user_text=last_text,
            last_user_audio_ms=last_audio_ms,
            tool_output=tool_output,
            tools=tuple(str(getattr(t, "name", "")) for t in tools),
            out_of_band=oob,
            index=self.responses,
            metadata=dict(metadata),
        )

    def _modalities(self, params: ev.ResponseParams | None) -> list[str]:
        chosen = _set(params.output_modalities if params else UNSET, None)
        if chosen is None:
            chosen = _set(self.session.output_modalities, ["audio"])
        return list(chosen)

    async def create_response(
        self, params_or_unset: ev.ResponseParams | UnsetType, eid: str | None
    ) -> None:
        """Start a response: ``response.created`` now, the rest streamed by a task."""
        params = params_or_unset if isinstance(params_or_unset, ev.ResponseParams) else None
        conversation = _set(params.conversation if params else UNSET, "auto")
        oob = conversation == "none"
        if not oob and self._active is not None:
            await self.error(
                "Conversation already has an active response in progress: "
                f"{self._active.id}. Wait until the response is finished before creating "
                "a new one.",
                code="conversation_already_has_active_response",
                event_id=eid,
            )
            return
        modalities = self._modalities(params)
        if len(modalities) != 1 or modalities[0] not in ("text", "audio"):
            await self.error(
                f"Invalid modalities: {modalities!r}. "
                "Supported combinations are: ['text'] and ['audio'].",
                code="invalid_value",
                param="response.output_modalities",
                event_id=eid,
            )
            return
        custom_input = _set(params.input if params else UNSET, None)
        context: list[ev.Item] = (
            list(custom_input) if custom_input is not None else list(self.conversation)
        )
        turn = self._turn(params, context, oob)
        self.responses += 1
        scripted = self.server.next_reply()
        reply = scripted if scripted is not None else self.server.responder(turn)
        active = _Active(id=self._id("resp"), out_of_band=oob)
        response = self._response(active, params, modalities, "in_progress", context)
        if not oob:
            self._active = active
        self._all_active[active.id] = active
        await self._emit(ev.ResponseCreated(event_id=self._event_id(), response=response))
        await self._emit(
            ev.RateLimitsUpdated(
                event_id=self._event_id(),
                rate_limits=[
                    ev.RateLimit(name="requests", limit=5000, remaining=4999, reset_seconds=0.012),
                    ev.RateLimit(name="tokens", limit=40000, remaining=36000, reset_seconds=6.0),
                ],
            )
        )
        assert self.nursery is not None
        self.nursery.start_soon(
            self._run_response, active, params, modalities, reply_items(reply), context
        )

    def _response(
        self,
        active: _Active,
        params: ev.ResponseParams | None,
        modalities: list[str],
        status: str,
        context: Sequence[ev.Item],
        usage: ev.Usage | None = None,
    ) -> ev.Response:
        voice = "alloy"
        audio = self.session.audio
        out_format: ev.AudioFormat = ev.AudioPCM(rate=24000)
        if isinstance(audio, ev.AudioConfig) and isinstance(audio.output, ev.AudioOutput):
            if isinstance(audio.output.voice, str):
                voice = audio.output.voice
            if isinstance(audio.output.format, ev.AudioPCM | ev.AudioPCMU | ev.AudioPCMA):
                out_format = audio.output.format
        status_details = None
        if status == "cancelled":
            status_details = ev.ResponseStatus(type="cancelled", reason=active.reason)
        elif status == "incomplete":
            status_details = ev.ResponseStatus(type="incomplete", reason="max_output_tokens")
        max_tokens = _set(params.max_output_tokens if params else UNSET, None)
        if max_tokens is None:
            max_tokens = _set(self.session.max_output_tokens, "inf")
        metadata = _set(params.metadata if params else UNSET, None)
        return ev.Response(
            id=active.id,
            object="realtime.response",
            status=status,
            status_details=status_details,
            output=list(active.output),
            output_modalities=modalities,
            audio=ev.ResponseAudio(output=ev.ResponseAudioOutput(format=out_format, voice=voice)),
            conversation_id=None if active.out_of_band else self.conversation_id,
            max_output_tokens=max_tokens,
            metadata=metadata,
            usage=usage,
        )

    async def _run_response(
        self,
        active: _Active,
        params: ev.ResponseParams | None,
        modalities: list[str],
        items: list[str | ToolCall],
        context: list[ev.Item],
    ) -> None:
        limit = response_limit = _set(params.max_output_tokens if params else UNSET, None)
        if response_limit is None:
            limit = _set(self.session.max_output_tokens, "inf")
        if isinstance(limit, int):
            active.budget = 4 * limit
        try:
            for output_index, part in enumerate(items):
                if active.stopped:
                    break
                if isinstance(part, ToolCall):
                    await self._stream_tool_call(active, output_index, part)
                else:
                    await self._stream_message(active, output_index, part, modalities[0])
            status = (
                "cancelled"
                if active.cancelled
                else "incomplete"
                if active.incomplete
                else "completed"
            )
            usage = self._usage(context, active.output)
            response = self._response(active, params, modalities, status, context, usage)
            self._finish(active)
            await self._emit(ev.ResponseDone(event_id=self._event_id(), response=response))
        except trio_websocket.ConnectionClosed:
            self._finish(active)

    def _finish(self, active: _Active) -> None:
        self._all_active.pop(active.id, None)
        if self._active is active:
            self._active = None

    def _usage(self, context: Sequence[ev.Item], output: Sequence[ev.Item]) -> ev.Usage:
        text_in = _tokens(sum(_item_chars(i) for i in context))
        audio_in = sum(self._audio_ms.get(str(getattr(i, "id", "")), 0) // 50 for i in context)
        text_out = 0
        audio_out = 0
        for item in output:
            text_out += _tokens(_item_chars(item))
            audio_out += self._audio_ms.get(str(getattr(item, "id", "")), 0) // 50
        instructions = self.session.instructions
        text_in += _tokens(len(instructions)) if isinstance(instructions, str) else 0
        return ev.Usage(
            total_tokens=text_in + audio_in + text_out + audio_out,
            input_tokens=text_in + audio_in,
            output_tokens=text_out + audio_out,
            input_token_details=ev.InputTokenDetails(
                text_tokens=text_in,
                audio_tokens=audio_in,
                image_tokens=0,
                cached_tokens=0,
                cached_tokens_details=ev.CachedTokensDetails(
                    text_tokens=0, audio_tokens=0, image_tokens=0
                ),
            ),
            output_token_details=ev.OutputTokenDetails(
                text_tokens=text_out, audio_tokens=audio_out
            ),
        )

    async def _pace(self, active: _Active) -> None:
        """Wait ``delta_interval`` between deltas; a cancel cuts the wait short."""
        interval = self.server.delta_interval
        if active.cancelled:
            return
        if interval <= 0:
            await trio.lowlevel.checkpoint()
            return
        with trio.CancelScope() as scope:
            active.pacer = scope
            await trio.sleep(interval)
        active.pacer = None

    async def _open_item(self, active: _Active, output_index: int, item: ev.Item) -> None:
        await self._emit(
            ev.ResponseOutputItemAdded(
                event_id=self._event_id(),
                response_id=active.id,
                output_index=output_index,
                item=item,
            )
        )
        if not active.out_of_band:
            previous = getattr(self.conversation[-1], "id", None) if self.conversation else None
            self.conversation.append(item)
            await self._emit(
                ev.ConversationItemAdded(
                    event_id=self._event_id(), item=item, previous_item_id=previous
                )
            )

    async def _close_item(self, active: _Active, output_index: int, item: ev.Item) -> None:
        active.output.append(item)
        await self._emit(
            ev.ResponseOutputItemDone(
                event_id=self._event_id(),
                response_id=active.id,
                output_index=output_index,
                item=item,
            )
        )
        if not active.out_of_band:
            item_id = str(getattr(item, "id", ""))
            index = self._index(item_id)
            previous: str | None = None
            if index is not None:
                self.conversation[index] = item
                if index > 0:
                    previous = getattr(self.conversation[index - 1], "id", None)
            await self._emit(
                ev.ConversationItemDone(
                    event_id=self._event_id(), item=item, previous_item_id=previous
                )
            )

    async def _stream_message(
        self, active: _Active, output_index: int, text: str, modality: str
    ) -> None:
        item_id = self._id("item")
        opened = ev.AssistantMessage(
            id=item_id, object="realtime.item", status="in_progress", content=[]
        )
        await self._open_item(active, output_index, opened)
        common: dict[str, Any] = {
            "response_id": active.id,
            "item_id": item_id,
            "output_index": output_index,
            "content_index": 0,
        }
        audio = modality == "audio"
        first_part: ev.ResponsePart = (
            ev.ResponsePart(type="audio", transcript="")
            if audio
            else ev.ResponsePart(type="text", text="")
        )
        await self._emit(
            ev.ResponseContentPartAdded(event_id=self._event_id(), part=first_part, **common)
        )
        text = active.spend(text)
        pieces = chunk_text(text, self.server.delta_size)
        sent = ""
        if audio:
            rate, pcm16 = self._format("output")
            sound = synth_audio(text, sample_rate=rate, pcm16=pcm16)
            step = max(1, rate * self.server.audio_chunk_ms // 1000) * (2 if pcm16 else 1)
            chunks = [sound[i : i + step] for i in range(0, len(sound), step)]
            played = 0
            # Interleave audio chunks and transcript deltas, as the service does.
            for n in range(max(len(chunks), len(pieces))):
                if active.cancelled:
                    break
                if n < len(chunks):
                    await self._emit(
                        ev.ResponseOutputAudioDelta(
                            event_id=self._event_id(), delta=chunks[n], **common
                        )
                    )
                    played += len(chunks[n])
                if n < len(pieces):
                    await self._emit(
                        ev.ResponseOutputAudioTranscriptDelta(
                            event_id=self._event_id(), delta=pieces[n], **common
                        )
                    )
                    sent += pieces[n]
                await self._pace(active)
            self._audio_ms[item_id] = _duration_ms(sound[:played], rate, pcm16)
            await self._emit(ev.ResponseOutputAudioDone(event_id=self._event_id(), **common))
            await self._emit(
                ev.ResponseOutputAudioTranscriptDone(
                    event_id=self._event_id(), transcript=sent, **common
                )
            )
            final_part: ev.ResponsePart = ev.ResponsePart(type="audio", transcript=sent)
            content: list[ev.ContentPart] = [ev.OutputAudio(transcript=sent)]
        else:
            for piece in pieces:
                if active.cancelled:
                    break
                await self._emit(
                    ev.ResponseOutputTextDelta(event_id=self._event_id(), delta=piece, **common)
                )
                sent += piece
                await self._pace(active)
            await self._emit(
                ev.ResponseOutputTextDone(event_id=self._event_id(), text=sent, **common)
            )
            final_part = ev.ResponsePart(type="text", text=sent)
            content = [ev.OutputText(text=sent)]
        await self._emit(
            ev.ResponseContentPartDone(event_id=self._event_id(), part=final_part, **common)
        )
        status = "incomplete" if active.stopped else "completed"
        done = ev.AssistantMessage(
            id=item_id, object="realtime.item", status=status, content=content
        )
        await self._close_item(active, output_index, done)

    async def _stream_tool_call(self, active: _Active, output_index: int, call: ToolCall) -> None:
        item_id = self._id("item")
        call_id = call.call_id or self._id("call")
        arguments = call.arguments_json()
        opened = ev.FunctionCall(
            id=item_id,
            object="realtime.item",
            status="in_progress",
            name=call.name,
            call_id=call_id,
            arguments="",
        )
        await self._open_item(active, output_index, opened)
        sent = ""
        for piece in chunk_text(arguments, self.server.delta_size):
            if active.cancelled:
                break
            await self._emit(
                ev.ResponseFunctionCallArgumentsDelta(
                    event_id=self._event_id(),
                    response_id=active.id,
                    item_id=item_id,
                    output_index=output_index,
                    call_id=call_id,
                    delta=piece,
                )
            )
            sent += piece
            await self._pace(active)
        await self._emit(
            ev.ResponseFunctionCallArgumentsDone(
                event_id=self._event_id(),
                response_id=active.id,
                item_id=item_id,
                output_index=output_index,
                call_id=call_id,
                name=call.name,
                arguments=sent,
            )
        )
        done = ev.FunctionCall(
            id=item_id,
            object="realtime.item",
            status="incomplete" if active.cancelled else "completed",
            name=call.name,
            call_id=call_id,
            arguments=sent,
        )
        await self._close_item(active, output_index, done)


def _duration_ms(audio: bytes, rate: int, pcm16: bool) -> int:
    width = 2 if pcm16 else 1
    return int(len(audio) / width / rate * 1000)
