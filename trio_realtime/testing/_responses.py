"""The response lifecycle of a fake Realtime session, from create to done.

`Responses` answers ``response.create`` (``response.created`` at once, then
the reply streamed by a task so the client can cancel it, or send anything
else, mid-stream), ``response.cancel``, ``output_audio_buffer.clear`` and an
interruption by speech. Streaming follows the service's order: output items,
content parts, deltas (paced by the server's ``delta_size`` and
``delta_interval``), done events, usage. A cancel is seen between deltas: the
open item and part close as ``incomplete`` and ``response.done`` reports
``cancelled``. Only one in-conversation response runs at a time; out-of-band
ones (``conversation: "none"``) run beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import trio
from msgspec import UNSET, UnsetType

from .. import events as ev
from ._script import ToolCall, Turn, chunk_text, reply_items, synth_audio
from ._session_state import SessionState, duration_ms, message_text, opt
from ._state import AUTO_ID, PeerGone

__all__ = ["ActiveResponse", "Responses"]


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
        """Stop streaming at the next delta; ``reason`` goes into ``response.done``."""
        if not self.cancelled:
            self.cancelled = True
            self.reason = reason
        if self.pacer is not None:
            self.pacer.cancel()


class Responses:
    """The responses of one fake Realtime session: created, streamed, cancelled, done."""

    def __init__(self, state: SessionState) -> None:
        self.state: SessionState = state
        #: How many responses were created so far (a `Turn`'s ``index``).
        self.count: int = 0
        #: Where the streaming tasks run; set when the session starts.
        self.nursery: trio.Nursery | None = None
        self._active: ActiveResponse | None = None
        self._all_active: dict[str, ActiveResponse] = {}

    @property
    def active(self) -> ActiveResponse | None:
        """The in-conversation response under way, if any."""
        return self._active

    # -- what the client asks ------------------------------------------------------

    async def create(self, params_or_unset: ev.ResponseParams | UnsetType, eid: str | None) -> None:
        """Start a response: ``response.created`` now, the rest streamed by a task."""
        state = self.state
        if not isinstance(state.session, ev.RealtimeSession):
            await state.error(
                "Responses are not supported in a transcription session.",
                code="invalid_value",
                param="type",
                event_id=eid,
            )
            return
        params = params_or_unset if isinstance(params_or_unset, ev.ResponseParams) else None
        conversation = opt(params.conversation if params else UNSET, "auto")
        oob = conversation == "none"
        if not oob and self._active is not None:
            await state.error(
                "Conversation already has an active response in progress: "
                f"{self._active.id}. Wait until the response is finished before creating "
                "a new one.",
                code="conversation_already_has_active_response",
                event_id=eid,
            )
            return
        modalities = self._modalities(params)
        if len(modalities) != 1 or modalities[0] not in ("text", "audio"):
            await state.error(
                f"Invalid modalities: {modalities!r}. "
                "Supported combinations are: ['text'] and ['audio'].",
                code="invalid_value",
                param="response.output_modalities",
                event_id=eid,
            )
            return
        custom_input = opt(params.input if params else UNSET, None)
        context: list[ev.Item] = (
            list(custom_input) if custom_input is not None else list(state.conversation)
        )
        turn = self._turn(params, context, oob)
        self.count += 1
        scripted = state.server.next_reply()
        reply = scripted if scripted is not None else state.server.responder(turn)
        active = ActiveResponse(id=state.new_id("resp"), out_of_band=oob)
        response = self.response(active, params, modalities, "in_progress", context)
        if not oob:
            self._active = active
        self._all_active[active.id] = active
        await state.emit(ev.ResponseCreated(event_id=AUTO_ID, response=response))
        await state.emit(
            ev.RateLimitsUpdated(
                event_id=AUTO_ID,
                rate_limits=[
                    ev.RateLimit(name="requests", limit=5000, remaining=4999, reset_seconds=0.012),
                    ev.RateLimit(name="tokens", limit=40000, remaining=36000, reset_seconds=6.0),
                ],
            )
        )
        assert self.nursery is not None, "the session has not started"
        self.nursery.start_soon(self._run, active, params, modalities, reply_items(reply), context)

    async def cancel(self, response_id: str | None, eid: str | None) -> None:
        """``response.cancel``: stop the response (or the active one), or say there is none."""
        target = self._all_active.get(response_id) if response_id else self._active
        if target is None or target.cancelled:
            await self.state.error(
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

    async def clear_output(self, eid: str | None) -> None:
        """``output_audio_buffer.clear``: cut the active response's audio short."""
        active = self._active
        if active is None:
            await self.state.error(
                "There is no response audio to clear.",
                code="response_cancel_not_active",
                event_id=eid,
            )
            return
        active.cancel("client_cancelled")
        await self.state.emit(ev.OutputAudioBufferCleared(event_id=AUTO_ID, response_id=active.id))

    def interrupt(self) -> None:
        """The user started speaking over the active response (``interrupt_response``)."""
        if self._active is not None:
            self._active.cancel("turn_detected")

    def _finish(self, active: ActiveResponse) -> None:
        self._all_active.pop(active.id, None)
        if self._active is active:
            self._active = None

    # -- what a response is made of ------------------------------------------------

    def _turn(
        self, params: ev.ResponseParams | None, context: Sequence[ev.Item], oob: bool
    ) -> Turn:
        session = self.state.realtime
        last_text: str | None = None
        last_audio_ms: int | None = None
        for item in reversed(context):
            if isinstance(item, ev.Message) and item.role == "user":
                last_text, has_audio = message_text(item)
                if has_audio:
                    last_audio_ms = self.state.audio_ms.get(str(getattr(item, "id", "")), 0)
                break
        tool_output = None
        if context and isinstance(context[-1], ev.FunctionCallOutput):
            tool_output = context[-1].output
        tools = opt(params.tools if params else UNSET, None)
        if tools is None:
            tools = opt(session.tools, [])
        instructions = opt(params.instructions if params else UNSET, None)
        if instructions is None:
            instructions = opt(session.instructions, None)
        metadata = opt(params.metadata if params else UNSET, {})
        choice = opt(params.tool_choice if params else UNSET, None)
        if choice is None:
            choice = opt(session.tool_choice, "auto")
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
            index=self.count,
            metadata=dict(metadata),
            tool_choice=choice if isinstance(choice, str) else str(getattr(choice, "name", "auto")),
            tool_parameters={str(t.name): opt(t.parameters, None) for t in functions},
            parallel_tool_calls=bool(parallel),
        )

    def _modalities(self, params: ev.ResponseParams | None) -> list[str]:
        chosen = opt(params.output_modalities if params else UNSET, None)
        if chosen is None:
            chosen = opt(self.state.realtime.output_modalities, ["audio"])
        return list(chosen)

    def response(
        self,
        active: ActiveResponse,
        params: ev.ResponseParams | None,
        modalities: list[str],
        status: str,
        context: Sequence[ev.Item],
        usage: ev.Usage | None = None,
    ) -> ev.Response:
        """The ``response`` object of ``response.created`` or ``response.done``."""
        voice = "alloy"
        output = self.state.audio_output()
        out_format: ev.AudioFormat = ev.AudioPCM(rate=24000)
        if output is not None:
            if isinstance(output.voice, str):
                voice = output.voice
            if isinstance(output.format, ev.AudioPCM | ev.AudioPCMU | ev.AudioPCMA):
                out_format = output.format
        status_details = None
        if status == "cancelled":
            status_details = ev.ResponseStatus(type="cancelled", reason=active.reason)
        elif status == "incomplete":
            status_details = ev.ResponseStatus(type="incomplete", reason="max_output_tokens")
        max_tokens = opt(params.max_output_tokens if params else UNSET, None)
        if max_tokens is None:
            max_tokens = opt(self.state.realtime.max_output_tokens, "inf")
        metadata = opt(params.metadata if params else UNSET, None)
        return ev.Response(
            id=active.id,
            object="realtime.response",
            status=status,
            status_details=status_details,
            output=list(active.output),
            output_modalities=modalities,
            audio=ev.ResponseAudio(output=ev.ResponseAudioOutput(format=out_format, voice=voice)),
            conversation_id=None if active.out_of_band else self.state.conversation_id,
            max_output_tokens=max_tokens,
            metadata=metadata,
            usage=usage,
        )

    async def _run(
        self,
        active: ActiveResponse,
        params: ev.ResponseParams | None,
        modalities: list[str],
        items: list[str | ToolCall],
        context: list[ev.Item],
    ) -> None:
        limit = response_limit = opt(params.max_output_tokens if params else UNSET, None)
        if response_limit is None:
            limit = opt(self.state.realtime.max_output_tokens, "inf")
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
            self._finish(active)
            await self.state.emit(ev.ResponseDone(event_id=AUTO_ID, response=response))
        except PeerGone:
            self._finish(active)
        finally:
            active.ended.set()

    def _usage(self, context: Sequence[ev.Item], output: Sequence[ev.Item]) -> ev.Usage:
        text_in = _tokens(sum(_item_chars(i) for i in context))
        audio_in = sum(self.state.audio_ms.get(str(getattr(i, "id", "")), 0) // 50 for i in context)
        text_out = 0
        audio_out = 0
        for item in output:
            text_out += _tokens(_item_chars(item))
            audio_out += self.state.audio_ms.get(str(getattr(item, "id", "")), 0) // 50
        instructions = self.state.realtime.instructions
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
        interval = self.state.server.delta_interval
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
        await self.state.emit(
            ev.ResponseOutputItemAdded(
                event_id=AUTO_ID,
                response_id=active.id,
                output_index=output_index,
                item=item,
            )
        )
        if not active.out_of_band:
            previous = self.state.last_item_id()
            self.state.conversation.append(item)
            await self.state.emit(
                ev.ConversationItemAdded(event_id=AUTO_ID, item=item, previous_item_id=previous)
            )

    async def _close_item(self, active: ActiveResponse, output_index: int, item: ev.Item) -> None:
        active.output.append(item)
        await self.state.emit(
            ev.ResponseOutputItemDone(
                event_id=AUTO_ID,
                response_id=active.id,
                output_index=output_index,
                item=item,
            )
        )
        if not active.out_of_band:
            item_id = str(getattr(item, "id", ""))
            index = self.state.index(item_id)
            previous: str | None = None
            if index is not None:
                self.state.conversation[index] = item
                if index > 0:
                    previous = getattr(self.state.conversation[index - 1], "id", None)
            await self.state.emit(
                ev.ConversationItemDone(event_id=AUTO_ID, item=item, previous_item_id=previous)
            )

    async def _stream_message(
        self, active: ActiveResponse, output_index: int, text: str, modality: str
    ) -> None:
        item_id = self.state.new_id("item")
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
        await self.state.emit(
            ev.ResponseContentPartAdded(event_id=AUTO_ID, part=first_part, **common)
        )
        text = active.spend(text)
        pieces = chunk_text(text, self.state.server.delta_size)
        sent = ""
        if audio:
            rate, pcm16 = self.state.audio_format("output")
            codec = self.state.audio_codec("output")
            sound = synth_audio(text, sample_rate=rate, pcm16=pcm16, codec=codec)
            step = max(1, rate * self.state.server.audio_chunk_ms // 1000) * (2 if pcm16 else 1)
            chunks = [sound[i : i + step] for i in range(0, len(sound), step)]
            played = 0
            # Interleave audio chunks and transcript deltas, as the service does.
            for n in range(max(len(chunks), len(pieces))):
                if active.cancelled:
                    break
                if n < len(chunks):
                    await self.state.emit(
                        ev.ResponseOutputAudioDelta(event_id=AUTO_ID, delta=chunks[n], **common)
                    )
                    played += len(chunks[n])
                if n < len(pieces):
                    await self.state.emit(
                        ev.ResponseOutputAudioTranscriptDelta(
                            event_id=AUTO_ID, delta=pieces[n], **common
                        )
                    )
                    sent += pieces[n]
                await self._pace(active)
            self.state.audio_ms[item_id] = duration_ms(sound[:played], rate, pcm16)
            await self.state.emit(ev.ResponseOutputAudioDone(event_id=AUTO_ID, **common))
            await self.state.emit(
                ev.ResponseOutputAudioTranscriptDone(event_id=AUTO_ID, transcript=sent, **common)
            )
            final_part: ev.ResponsePart = ev.ResponsePart(type="audio", transcript=sent)
            content: list[ev.ContentPart] = [ev.OutputAudio(transcript=sent)]
        else:
            for piece in pieces:
                if active.cancelled:
                    break
                await self.state.emit(
                    ev.ResponseOutputTextDelta(event_id=AUTO_ID, delta=piece, **common)
                )
                sent += piece
                await self._pace(active)
            await self.state.emit(ev.ResponseOutputTextDone(event_id=AUTO_ID, text=sent, **common))
            final_part = ev.ResponsePart(type="text", text=sent)
            content = [ev.OutputText(text=sent)]
        await self.state.emit(
            ev.ResponseContentPartDone(event_id=AUTO_ID, part=final_part, **common)
        )
        status = "incomplete" if active.stopped else "completed"
        done = ev.AssistantMessage(
            id=item_id, object="realtime.item", status=status, content=content
        )
        await self._close_item(active, output_index, done)

    async def _stream_tool_call(
        self, active: ActiveResponse, output_index: int, call: ToolCall
    ) -> None:
        item_id = self.state.new_id("item")
        call_id = call.call_id or self.state.new_id("call")
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
        for piece in chunk_text(arguments, self.state.server.delta_size):
            if active.cancelled:
                break
            await self.state.emit(
                ev.ResponseFunctionCallArgumentsDelta(
                    event_id=AUTO_ID,
                    response_id=active.id,
                    item_id=item_id,
                    output_index=output_index,
                    call_id=call_id,
                    delta=piece,
                )
            )
            sent += piece
            await self._pace(active)
        await self.state.emit(
            ev.ResponseFunctionCallArgumentsDone(
                event_id=AUTO_ID,
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
