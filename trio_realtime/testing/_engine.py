"""The fake server's Realtime behaviour: session, conversation, audio buffer, responses.

One `Engine` per connection. It reacts to each decoded client event with the
server events the real service sends, in the same order and with the same
shapes, built from our event Structs. Responses stream in their own task
(`_stream.Streamer`) so a client can cancel them, or send anything else,
mid-stream; everything else is answered inline, so replies keep the order of
the requests.

Turn detection: ``server_vad`` uses the energy detector of `_vad`;
``semantic_vad`` is treated the same way (there is no model to judge meaning),
and ``idle_timeout_ms`` is not simulated.

Ids are deterministic counters (``item_0001``, ``resp_0001``...) so tests can
predict them. Error codes and messages are modelled on the service's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import msgspec
import trio
from msgspec import UNSET, UnsetType

from .. import events as ev
from .._errors import EventDecodeError
from ._invalid import decode_error_detail
from ._script import Turn, chunk_text, reply_items
from ._stream import ActiveResponse, Streamer, duration_ms, message_text, opt
from ._strict import ModelProblem, transcription_model_problem
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


def _transcription_problem(session: ev.RealtimeSession) -> ModelProblem | None:
    audio = session.audio
    if not isinstance(audio, ev.AudioConfig) or not isinstance(audio.input, ev.AudioInput):
        return None
    transcription = audio.input.transcription
    if not isinstance(transcription, ev.AudioTranscription) or not isinstance(
        transcription.model, str
    ):
        return None
    return transcription_model_problem(
        transcription.model, "session.audio.input.transcription.model"
    )


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
        self.streamer: Streamer = Streamer(self)
        self._counters: dict[str, int] = {}
        self._active: ActiveResponse | None = None
        self._all_active: dict[str, ActiveResponse] = {}
        self._audio: dict[str, bytes] = {}
        self.audio_ms: dict[str, int] = {}
        self._vad: VoiceActivityDetector | None = None
        self._vad_key: object = None
        self._speech_item: str | None = None

    # -- plumbing ----------------------------------------------------------------

    def new_id(self, prefix: str) -> str:
        counters = self.server.id_counters if prefix in ("item", "resp") else self._counters
        n = counters.get(prefix, 0) + 1
        counters[prefix] = n
        return f"{prefix}_{n:04d}"

    def event_id(self) -> str:
        return self.new_id("event")

    async def emit(self, event: ev.ServerEvent) -> None:
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
        await self.emit(
            ev.ErrorEvent(
                event_id=self.event_id(),
                error=ev.RealtimeErrorDetail(
                    type=error_type, code=code, message=message, param=param, event_id=event_id
                ),
            )
        )

    # -- entry points ------------------------------------------------------------

    async def start(self) -> None:
        """Greet a new connection with ``session.created``."""
        await self.emit(ev.SessionCreated(event_id=self.event_id(), session=self.session))

    async def reject(self, exc: EventDecodeError, raw: bytes) -> None:
        """Answer a frame that is not a valid client event with an ``error`` event."""
        detail = decode_error_detail(exc, raw)
        await self.error(
            detail.message, code=detail.code, param=detail.param, event_id=detail.event_id
        )

    async def handle(self, event: ev.ClientEvent) -> None:
        """React to one client event."""
        eid = opt(getattr(event, "event_id", UNSET), None)
        match event:
            case ev.SessionUpdate(session=update):
                await self._session_update(update, eid)
            case ev.ConversationItemCreate(item=item, previous_item_id=previous):
                await self._item_create(item, opt(previous, None), eid)
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
                await self.emit(ev.InputAudioBufferCleared(event_id=self.event_id()))
            case ev.OutputAudioBufferClear():
                await self._output_clear(eid)
            case ev.ResponseCreate(response=params):
                await self.create_response(params, eid)
            case ev.ResponseCancel(response_id=response_id):
                await self._response_cancel(opt(response_id, None), eid)
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
        problem = _transcription_problem(merged) if self.server.strict else None
        if problem is not None:
            await self.error(problem.message, code=problem.code, param=problem.param, event_id=eid)
            return
        self.session = merged
        await self.emit(ev.SessionUpdated(event_id=self.event_id(), session=merged))

    def _turn_detection(self) -> ev.ServerVad | ev.SemanticVad | None:
        audio = self.session.audio
        if not isinstance(audio, ev.AudioConfig) or not isinstance(audio.input, ev.AudioInput):
            return None
        detection = audio.input.turn_detection
        return detection if isinstance(detection, ev.ServerVad | ev.SemanticVad) else None

    def audio_codec(self, direction: str) -> str:
        """The ``type`` of the ``input`` or ``output`` format: audio/pcm, audio/pcmu, audio/pcma."""
        audio = self.session.audio
        if isinstance(audio, ev.AudioConfig):
            side = audio.input if direction == "input" else audio.output
            if isinstance(side, ev.AudioInput | ev.AudioOutput):
                fmt = side.format
                if isinstance(fmt, ev.AudioPCMU | ev.AudioPCMA) and isinstance(fmt.type, str):
                    return fmt.type
        return "audio/pcm"

    def audio_format(self, direction: str) -> tuple[int, bool]:
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

    def index(self, item_id: str) -> int | None:
        for i, item in enumerate(self.conversation):
            if getattr(item, "id", None) == item_id:
                return i
        return None

    def _stamp(self, item: ev.Item, *, status: str = "completed") -> ev.Item:
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

    async def _insert(self, item: ev.Item, previous_item_id: str | None) -> None:
        """Add a finished item to the conversation and announce it (added, then done)."""
        if previous_item_id is None:
            previous = getattr(self.conversation[-1], "id", None) if self.conversation else None
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
            ev.ConversationItemAdded(event_id=self.event_id(), item=item, previous_item_id=previous)
        )
        await self.emit(
            ev.ConversationItemDone(event_id=self.event_id(), item=item, previous_item_id=previous)
        )

    async def _item_create(self, item: ev.Item, previous: str | None, eid: str | None) -> None:
        if previous not in (None, "root") and self.index(previous) is None:
            await self.error(
                f"Error adding item: the previous item with id '{previous}' does not exist.",
                code="item_create_invalid_previous_item_id",
                param="previous_item_id",
                event_id=eid,
            )
            return
        item_id = getattr(item, "id", None)
        if isinstance(item_id, str) and self.index(item_id) is not None:
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
                    rate, pcm16 = self.audio_format("input")
                    self._audio[str(stamped.id)] = part.audio
                    self.audio_ms[str(stamped.id)] = duration_ms(part.audio, rate, pcm16)
        await self._insert(stamped, previous)

    async def _item_delete(self, item_id: str, eid: str | None) -> None:
        index = self.index(item_id)
        if index is None:
            await self.error(
                f"Error deleting item: the item with id '{item_id}' does not exist.",
                code="item_delete_invalid_item_id",
                param="item_id",
                event_id=eid,
            )
            return
        del self.conversation[index]
        await self.emit(ev.ConversationItemDeleted(event_id=self.event_id(), item_id=item_id))

    async def _item_retrieve(self, item_id: str, eid: str | None) -> None:
        index = self.index(item_id)
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
        await self.emit(ev.ConversationItemRetrieved(event_id=self.event_id(), item=item))

    async def _item_truncate(self, event: ev.ConversationItemTruncate, eid: str | None) -> None:
        index = self.index(event.item_id)
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
                "Only model output audio messages can be truncated",
                code="invalid_value",
                param="content_index",
                event_id=eid,
            )
            return
        duration = self.audio_ms.get(event.item_id, 0)
        if event.audio_end_ms <= 0:
            # The service refuses a cut at 0 ms (delete the item instead), in the
            # words it uses for a non-audio item.
            await self.error(
                "Only model output audio messages can be truncated",
                code="invalid_value",
                param="audio_end_ms",
                event_id=eid,
            )
            return
        if event.audio_end_ms > duration:
            await self.error(
                f"Audio content of {duration}ms is already shorter than {event.audio_end_ms}ms",
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
        self.audio_ms[event.item_id] = event.audio_end_ms
        await self.emit(
            ev.ConversationItemTruncated(
                event_id=self.event_id(),
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
        rate, pcm16 = self.audio_format("input")
        threshold = opt(getattr(detection, "threshold", UNSET), 0.5)
        padding = opt(getattr(detection, "prefix_padding_ms", UNSET), 300)
        silence = opt(getattr(detection, "silence_duration_ms", UNSET), 500)
        codec = self.audio_codec("input")
        key = (rate, pcm16, codec, threshold, padding, silence)
        if self._vad is None or self._vad_key != key:
            position = self._vad.position_ms if self._vad is not None else 0.0
            self._vad = VoiceActivityDetector(
                sample_rate=rate,
                threshold=float(threshold),
                prefix_padding_ms=int(padding),
                silence_duration_ms=int(silence),
                bytes_per_sample=2 if pcm16 else 1,
                codec=codec,
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
                self._speech_item = self.new_id("item")
                start = max(0, decision.audio_start_ms - vad.prefix_padding_ms)
                if self._active is not None and opt(detection.interrupt_response, True):
                    self._active.cancel("turn_detected")
                await self.emit(
                    ev.InputAudioBufferSpeechStarted(
                        event_id=self.event_id(), item_id=self._speech_item, audio_start_ms=start
                    )
                )
            else:
                item_id = self._speech_item or self.new_id("item")
                self._speech_item = None
                await self.emit(
                    ev.InputAudioBufferSpeechStopped(
                        event_id=self.event_id(),
                        item_id=item_id,
                        audio_end_ms=decision.audio_end_ms,
                    )
                )
                await self._commit(item_id)
                if opt(detection.create_response, True):
                    await self.create_response(UNSET, None)

    def _buffer_ms(self) -> int:
        rate, pcm16 = self.audio_format("input")
        return duration_ms(bytes(self.audio_buffer), rate, pcm16)

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
        item_id = self._speech_item or self.new_id("item")
        self._speech_item = None
        await self._commit(item_id)

    async def _commit(self, item_id: str) -> None:
        """Turn the buffered audio into a user message (committed, added, done)."""
        audio = bytes(self.audio_buffer)
        ms = self._buffer_ms()
        self.audio_buffer.clear()
        previous = getattr(self.conversation[-1], "id", None) if self.conversation else None
        await self.emit(
            ev.InputAudioBufferCommitted(
                event_id=self.event_id(), item_id=item_id, previous_item_id=previous
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
        self.audio_ms[item_id] = ms
        await self._insert(item, None)
        if transcript is not None:
            index = self.index(item_id)
            assert index is not None
            self.conversation[index] = msgspec.structs.replace(
                item, content=[ev.InputAudio(transcript=transcript)]
            )
            for piece in chunk_text(transcript, self.server.delta_size):
                await self.emit(
                    ev.ConversationItemInputAudioTranscriptionDelta(
                        event_id=self.event_id(), item_id=item_id, content_index=0, delta=piece
                    )
                )
            await self.emit(
                ev.ConversationItemInputAudioTranscriptionCompleted(
                    event_id=self.event_id(),
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
        await self.emit(
            ev.OutputAudioBufferCleared(event_id=self.event_id(), response_id=active.id)
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
        # The service finishes the cancelled response (its items done, then
        # response.done) before it reads the next client event, so a truncate
        # sent right after the cancel finds the item complete.
        await target.ended.wait()

    def _turn(
        self, params: ev.ResponseParams | None, context: Sequence[ev.Item], oob: bool
    ) -> Turn:
        last_text: str | None = None
        last_audio_ms: int | None = None
        for item in reversed(context):
            if isinstance(item, ev.Message) and item.role == "user":
                last_text, has_audio = message_text(item)
                if has_audio:
                    last_audio_ms = self.audio_ms.get(str(getattr(item, "id", "")), 0)
                break
        tool_output = None
        if context and isinstance(context[-1], ev.FunctionCallOutput):
            tool_output = context[-1].output
        tools = opt(params.tools if params else UNSET, None)
        if tools is None:
            tools = opt(self.session.tools, [])
        instructions = opt(params.instructions if params else UNSET, None)
        if instructions is None:
            instructions = opt(self.session.instructions, None)
        metadata = opt(params.metadata if params else UNSET, {})
        choice = opt(params.tool_choice if params else UNSET, None)
        if choice is None:
            choice = opt(self.session.tool_choice, "auto")
        parallel = opt(params.parallel_tool_calls if params else UNSET, True)
        functions = [t for t in tools if isinstance(t, ev.FunctionTool)]
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
            tool_choice=choice if isinstance(choice, str) else str(getattr(choice, "name", "auto")),
            tool_parameters={str(t.name): opt(t.parameters, None) for t in functions},
            parallel_tool_calls=bool(parallel),
        )

    def _modalities(self, params: ev.ResponseParams | None) -> list[str]:
        chosen = opt(params.output_modalities if params else UNSET, None)
        if chosen is None:
            chosen = opt(self.session.output_modalities, ["audio"])
        return list(chosen)

    async def create_response(
        self, params_or_unset: ev.ResponseParams | UnsetType, eid: str | None
    ) -> None:
        """Start a response: ``response.created`` now, the rest streamed by a task."""
        params = params_or_unset if isinstance(params_or_unset, ev.ResponseParams) else None
        conversation = opt(params.conversation if params else UNSET, "auto")
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
        custom_input = opt(params.input if params else UNSET, None)
        context: list[ev.Item] = (
            list(custom_input) if custom_input is not None else list(self.conversation)
        )
        turn = self._turn(params, context, oob)
        self.responses += 1
        scripted = self.server.next_reply()
        reply = scripted if scripted is not None else self.server.responder(turn)
        active = ActiveResponse(id=self.new_id("resp"), out_of_band=oob)
        response = self.streamer.response(active, params, modalities, "in_progress", context)
        if not oob:
            self._active = active
        self._all_active[active.id] = active
        await self.emit(ev.ResponseCreated(event_id=self.event_id(), response=response))
        await self.emit(
            ev.RateLimitsUpdated(
                event_id=self.event_id(),
                rate_limits=[
                    ev.RateLimit(name="requests", limit=5000, remaining=4999, reset_seconds=0.012),
                    ev.RateLimit(name="tokens", limit=40000, remaining=36000, reset_seconds=6.0),
                ],
            )
        )
        assert self.nursery is not None
        self.nursery.start_soon(
            self.streamer.run, active, params, modalities, reply_items(reply), context
        )

    def finish(self, active: ActiveResponse) -> None:
        self._all_active.pop(active.id, None)
        if self._active is active:
            self._active = None
