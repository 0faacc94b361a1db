"""Streaming one response: output items, content parts, deltas, done events, usage.

`Streamer` turns a reply (texts and tool calls) into the server events the
service sends for a response, in the service's order, paced by the server's
``delta_size`` and ``delta_interval``. A cancel (``response.cancel``, or speech
with ``interrupt_response``) is seen between deltas: the open item and part are
closed as ``incomplete`` and ``response.done`` reports ``cancelled``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import trio
import trio_websocket
from msgspec import UNSET

from .. import events as ev
from ._script import ToolCall, chunk_text, synth_audio

if TYPE_CHECKING:
    from ._engine import Engine

__all__ = ["ActiveResponse", "Streamer", "duration_ms", "message_text", "opt"]


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


def _tokens(chars: int) -> int:
    # Roughly four characters per token, like English text.
    return math.ceil(chars / 4)


def _item_chars(item: Any) -> int:
    if isinstance(item, ev.Message):
        text, _ = message_text(item)
        return len(text or "")
    if isinstance(item, ev.FunctionCall):
        return len(item.arguments)
    if isinstance(item, ev.FunctionCallOutput):
        return len(item.output)
    return 0


@dataclass(eq=False)
class ActiveResponse:
    """A response between ``response.created`` and ``response.done``."""

    id: str
    out_of_band: bool
    cancelled: bool = False
    reason: str = "client_cancelled"
    pacer: trio.CancelScope | None = None
    output: list[ev.Item] = field(default_factory=list[ev.Item])
    # Characters of text left under max_output_tokens (4 per token), None: no limit.
    budget: int | None = None
    incomplete: bool = False
    #: Set once ``response.done`` is out (or the connection is gone).
    ended: trio.Event = field(default_factory=trio.Event)

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


class Streamer:
    """Streams the responses of one connection's engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine: Engine = engine

    def response(
        self,
        active: ActiveResponse,
        params: ev.ResponseParams | None,
        modalities: list[str],
        status: str,
        context: Sequence[ev.Item],
        usage: ev.Usage | None = None,
    ) -> ev.Response:
        voice = "alloy"
        audio = self.engine.session.audio
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
        max_tokens = opt(params.max_output_tokens if params else UNSET, None)
        if max_tokens is None:
            max_tokens = opt(self.engine.session.max_output_tokens, "inf")
        metadata = opt(params.metadata if params else UNSET, None)
        return ev.Response(
            id=active.id,
            object="realtime.response",
            status=status,
            status_details=status_details,
            output=list(active.output),
            output_modalities=modalities,
            audio=ev.ResponseAudio(output=ev.ResponseAudioOutput(format=out_format, voice=voice)),
            conversation_id=None if active.out_of_band else self.engine.conversation_id,
            max_output_tokens=max_tokens,
            metadata=metadata,
            usage=usage,
        )

    async def run(
        self,
        active: ActiveResponse,
        params: ev.ResponseParams | None,
        modalities: list[str],
        items: list[str | ToolCall],
        context: list[ev.Item],
    ) -> None:
        limit = response_limit = opt(params.max_output_tokens if params else UNSET, None)
        if response_limit is None:
            limit = opt(self.engine.session.max_output_tokens, "inf")
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
            response = self.response(active, params, modalities, status, context, usage)
            self.engine.finish(active)
            await self.engine.emit(
                ev.ResponseDone(event_id=self.engine.event_id(), response=response)
            )
        except trio_websocket.ConnectionClosed:
            self.engine.finish(active)
        finally:
            active.ended.set()

    def _usage(self, context: Sequence[ev.Item], output: Sequence[ev.Item]) -> ev.Usage:
        text_in = _tokens(sum(_item_chars(i) for i in context))
        audio_in = sum(
            self.engine.audio_ms.get(str(getattr(i, "id", "")), 0) // 50 for i in context
        )
        text_out = 0
        audio_out = 0
        for item in output:
            text_out += _tokens(_item_chars(item))
            audio_out += self.engine.audio_ms.get(str(getattr(item, "id", "")), 0) // 50
        instructions = self.engine.session.instructions
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

    async def _pace(self, active: ActiveResponse) -> None:
        """Wait ``delta_interval`` between deltas; a cancel cuts the wait short."""
        interval = self.engine.server.delta_interval
        if active.cancelled:
            return
        if interval <= 0:
            await trio.lowlevel.checkpoint()
            return
        with trio.CancelScope() as scope:
            active.pacer = scope
            await trio.sleep(interval)
        active.pacer = None

    async def _open_item(self, active: ActiveResponse, output_index: int, item: ev.Item) -> None:
        await self.engine.emit(
            ev.ResponseOutputItemAdded(
                event_id=self.engine.event_id(),
                response_id=active.id,
                output_index=output_index,
                item=item,
            )
        )
        if not active.out_of_band:
            previous = (
                getattr(self.engine.conversation[-1], "id", None)
                if self.engine.conversation
                else None
            )
            self.engine.conversation.append(item)
            await self.engine.emit(
                ev.ConversationItemAdded(
                    event_id=self.engine.event_id(), item=item, previous_item_id=previous
                )
            )

    async def _close_item(self, active: ActiveResponse, output_index: int, item: ev.Item) -> None:
        active.output.append(item)
        await self.engine.emit(
            ev.ResponseOutputItemDone(
                event_id=self.engine.event_id(),
                response_id=active.id,
                output_index=output_index,
                item=item,
            )
        )
        if not active.out_of_band:
            item_id = str(getattr(item, "id", ""))
            index = self.engine.index(item_id)
            previous: str | None = None
            if index is not None:
                self.engine.conversation[index] = item
                if index > 0:
                    previous = getattr(self.engine.conversation[index - 1], "id", None)
            await self.engine.emit(
                ev.ConversationItemDone(
                    event_id=self.engine.event_id(), item=item, previous_item_id=previous
                )
            )

    async def _stream_message(
        self, active: ActiveResponse, output_index: int, text: str, modality: str
    ) -> None:
        item_id = self.engine.new_id("item")
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
        await self.engine.emit(
            ev.ResponseContentPartAdded(event_id=self.engine.event_id(), part=first_part, **common)
        )
        text = active.spend(text)
        pieces = chunk_text(text, self.engine.server.delta_size)
        sent = ""
        if audio:
            rate, pcm16 = self.engine.audio_format("output")
            codec = self.engine.audio_codec("output")
            sound = synth_audio(text, sample_rate=rate, pcm16=pcm16, codec=codec)
            step = max(1, rate * self.engine.server.audio_chunk_ms // 1000) * (2 if pcm16 else 1)
            chunks = [sound[i : i + step] for i in range(0, len(sound), step)]
            played = 0
            # Interleave audio chunks and transcript deltas, as the service does.
            for n in range(max(len(chunks), len(pieces))):
                if active.cancelled:
                    break
                if n < len(chunks):
                    await self.engine.emit(
                        ev.ResponseOutputAudioDelta(
                            event_id=self.engine.event_id(), delta=chunks[n], **common
                        )
                    )
                    played += len(chunks[n])
                if n < len(pieces):
                    await self.engine.emit(
                        ev.ResponseOutputAudioTranscriptDelta(
                            event_id=self.engine.event_id(), delta=pieces[n], **common
                        )
                    )
                    sent += pieces[n]
                await self._pace(active)
            self.engine.audio_ms[item_id] = duration_ms(sound[:played], rate, pcm16)
            await self.engine.emit(
                ev.ResponseOutputAudioDone(event_id=self.engine.event_id(), **common)
            )
            await self.engine.emit(
                ev.ResponseOutputAudioTranscriptDone(
                    event_id=self.engine.event_id(), transcript=sent, **common
                )
            )
            final_part: ev.ResponsePart = ev.ResponsePart(type="audio", transcript=sent)
            content: list[ev.ContentPart] = [ev.OutputAudio(transcript=sent)]
        else:
            for piece in pieces:
                if active.cancelled:
                    break
                await self.engine.emit(
                    ev.ResponseOutputTextDelta(
                        event_id=self.engine.event_id(), delta=piece, **common
                    )
                )
                sent += piece
                await self._pace(active)
            await self.engine.emit(
                ev.ResponseOutputTextDone(event_id=self.engine.event_id(), text=sent, **common)
            )
            final_part = ev.ResponsePart(type="text", text=sent)
            content = [ev.OutputText(text=sent)]
        await self.engine.emit(
            ev.ResponseContentPartDone(event_id=self.engine.event_id(), part=final_part, **common)
        )
        status = "incomplete" if active.stopped else "completed"
        done = ev.AssistantMessage(
            id=item_id, object="realtime.item", status=status, content=content
        )
        await self._close_item(active, output_index, done)

    async def _stream_tool_call(
        self, active: ActiveResponse, output_index: int, call: ToolCall
    ) -> None:
        item_id = self.engine.new_id("item")
        call_id = call.call_id or self.engine.new_id("call")
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
        for piece in chunk_text(arguments, self.engine.server.delta_size):
            if active.cancelled:
                break
            await self.engine.emit(
                ev.ResponseFunctionCallArgumentsDelta(
                    event_id=self.engine.event_id(),
                    response_id=active.id,
                    item_id=item_id,
                    output_index=output_index,
                    call_id=call_id,
                    delta=piece,
                )
            )
            sent += piece
            await self._pace(active)
        await self.engine.emit(
            ev.ResponseFunctionCallArgumentsDone(
                event_id=self.engine.event_id(),
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
