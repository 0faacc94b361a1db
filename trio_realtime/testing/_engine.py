"""The fake server's Realtime behaviour: how a session answers each client event.

One `Engine` per Realtime connection, built on `SessionState` (configuration,
conversation, emission) with its responses in `Responses`. It reacts to each
decoded client event with the server events the real service sends, in the
same order and with the same shapes; everything but a response's stream is
answered inline, so replies keep the order of the requests. The engine talks
to a `Peer`, never to a socket: drive it with any object that can ``send``
and ``close`` (a list, in a unit test).

Turn detection: ``server_vad`` uses the energy detector of `_vad`;
``semantic_vad`` is treated the same way (there is no model to judge meaning),
and ``idle_timeout_ms`` is not simulated.

Ids are deterministic counters (``item_0001``, ``resp_0001``...) so tests can
predict them. Error codes and messages are modelled on the service's.
"""

from __future__ import annotations

from typing import Any, cast

import msgspec
import trio
from msgspec import UNSET

from .. import events as ev
from .._errors import EventDecodeError
from ._invalid import decode_error_detail
from ._lifetime import expire_after
from ._responses import Responses
from ._script import chunk_text
from ._session_state import SessionState, deep_merge, duration_ms, opt
from ._state import AUTO_ID, Peer, ServerState
from ._strict import ModelProblem, transcription_model_problem
from ._vad import SpeechStarted, VoiceActivityDetector

__all__ = ["Engine"]

_MIN_COMMIT_MS = 100


def _transcription_problem(session: ev.Session) -> ModelProblem | None:
    audio = session.audio
    if not isinstance(audio, ev.AudioConfig | ev.TranscriptionAudioConfig) or not isinstance(
        audio.input, ev.AudioInput
    ):
        return None
    transcription = audio.input.transcription
    if not isinstance(transcription, ev.AudioTranscription) or not isinstance(
        transcription.model, str
    ):
        return None
    return transcription_model_problem(
        transcription.model, "session.audio.input.transcription.model"
    )


class Engine(SessionState):
    """The Realtime behaviour of one fake session (see the module docstring)."""

    def __init__(
        self, server: ServerState, peer: Peer, *, model: str, transcription: bool = False
    ) -> None:
        super().__init__(server, peer, model=model, transcription=transcription)
        self.responses: Responses = Responses(self)
        self.audio_buffer: bytearray = bytearray()
        self._vad: VoiceActivityDetector | None = None
        self._vad_key: object = None
        self._speech_item: str | None = None

    # -- what the connection calls -----------------------------------------------

    def decode(self, raw: bytes) -> ev.ClientEvent:
        """One received frame as a Realtime client event; raises `EventDecodeError`."""
        return ev.decode_client_event(raw)

    def encode(self, event: ev.ServerEvent) -> bytes:
        """One Realtime server event as JSON."""
        return ev.encode_server_event(event)

    async def start(self, nursery: trio.Nursery) -> None:
        """Greet a new connection with ``session.created``; responses stream in ``nursery``."""
        self.responses.nursery = nursery
        duration = self.server.faults.session_duration
        if duration is not None:
            nursery.start_soon(expire_after, self, duration)
        await self.emit(ev.SessionCreated(event_id=AUTO_ID, session=self.session))

    async def stop(self) -> None:
        """Nothing outlives a Realtime connection but what tests read afterwards."""

    async def refuse(self, code: str, message: str, *, param: str | None = None) -> None:
        """The ``error`` event that ends a session that may not open (an unknown model)."""
        await self.error(message, code=code, param=param)

    # -- entry points ------------------------------------------------------------

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
                await self.emit(ev.InputAudioBufferCleared(event_id=AUTO_ID))
            case ev.OutputAudioBufferClear():
                await self.responses.clear_output(eid)
            case ev.ResponseCreate(response=params):
                await self.responses.create(params, eid)
            case ev.ResponseCancel(response_id=response_id):
                await self.responses.cancel(opt(response_id, None), eid)
            case _:  # pragma: no cover - every client event type is handled above
                await self.error(
                    f"The fake server does not support '{event.type}'.",
                    code="unsupported_event",
                    param="type",
                    event_id=eid,
                )

    # -- session -----------------------------------------------------------------

    async def _session_update(self, update: ev.Session, eid: str | None) -> None:
        if type(update) is not type(self.session):
            await self.error(
                f"Cannot change the session type: this is a {self.session.type} session.",
                code="invalid_value",
                param="session.type",
                event_id=eid,
            )
            return
        merged_raw = deep_merge(
            cast(dict[str, Any], msgspec.to_builtins(self.session)),
            cast(dict[str, Any], msgspec.to_builtins(update)),
        )
        merged = msgspec.convert(merged_raw, ev.Session)
        modalities = merged.output_modalities if isinstance(merged, ev.RealtimeSession) else None
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
        await self.emit(ev.SessionUpdated(event_id=AUTO_ID, session=merged))

    def _turn_detection(self) -> ev.ServerVad | ev.SemanticVad | None:
        audio_input = self.audio_input()
        if audio_input is None:
            return None
        detection = audio_input.turn_detection
        return detection if isinstance(detection, ev.ServerVad | ev.SemanticVad) else None

    # -- conversation ------------------------------------------------------------

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
        stamped = self.stamp_item(item)
        if isinstance(stamped, ev.Message):
            for part in stamped.content:
                if isinstance(part, ev.InputAudio) and isinstance(part.audio, bytes):
                    rate, pcm16 = self.audio_format("input")
                    self.input_audio[str(stamped.id)] = part.audio
                    self.audio_ms[str(stamped.id)] = duration_ms(part.audio, rate, pcm16)
        await self.insert(stamped, previous)

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
        await self.emit(ev.ConversationItemDeleted(event_id=AUTO_ID, item_id=item_id))

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
        audio = self.input_audio.get(item_id)
        if audio is not None and isinstance(item, ev.Message):
            parts: list[ev.ContentPart] = [
                msgspec.structs.replace(p, audio=audio) if isinstance(p, ev.InputAudio) else p
                for p in item.content
            ]
            item = msgspec.structs.replace(item, content=parts)
        await self.emit(ev.ConversationItemRetrieved(event_id=AUTO_ID, item=item))

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
                event_id=AUTO_ID,
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
                if opt(detection.interrupt_response, True):
                    self.responses.interrupt()
                await self.emit(
                    ev.InputAudioBufferSpeechStarted(
                        event_id=AUTO_ID, item_id=self._speech_item, audio_start_ms=start
                    )
                )
            else:
                item_id = self._speech_item or self.new_id("item")
                self._speech_item = None
                await self.emit(
                    ev.InputAudioBufferSpeechStopped(
                        event_id=AUTO_ID,
                        item_id=item_id,
                        audio_end_ms=decision.audio_end_ms,
                    )
                )
                await self._commit(item_id)
                if isinstance(self.session, ev.RealtimeSession) and opt(
                    detection.create_response, True
                ):
                    await self.responses.create(UNSET, None)

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
        previous = self.last_item_id()
        await self.emit(
            ev.InputAudioBufferCommitted(
                event_id=AUTO_ID, item_id=item_id, previous_item_id=previous
            )
        )
        transcript = self._transcript_for(ms)
        item = ev.UserMessage(
            id=item_id,
            object="realtime.item",
            status="completed",
            content=[ev.InputAudio(transcript=None)],
        )
        self.input_audio[item_id] = audio
        self.audio_ms[item_id] = ms
        await self.insert(item, None)
        if transcript is not None:
            index = self.index(item_id)
            assert index is not None
            self.conversation[index] = msgspec.structs.replace(
                item, content=[ev.InputAudio(transcript=transcript)]
            )
            for piece in chunk_text(transcript, self.server.delta_size):
                await self.emit(
                    ev.ConversationItemInputAudioTranscriptionDelta(
                        event_id=AUTO_ID, item_id=item_id, content_index=0, delta=piece
                    )
                )
            await self.emit(
                ev.ConversationItemInputAudioTranscriptionCompleted(
                    event_id=AUTO_ID,
                    item_id=item_id,
                    content_index=0,
                    transcript=transcript,
                    usage=ev.TranscriptionDurationUsage(seconds=ms / 1000),
                )
            )

    def _transcript_for(self, ms: int) -> str | None:
        """The scripted transcript of committed audio when transcription is on."""
        audio_input = self.audio_input()
        if audio_input is None or not isinstance(audio_input.transcription, ev.AudioTranscription):
            return None
        scripted = self.server.next_transcript()
        return scripted if scripted is not None else f"[{ms} ms of audio]"
