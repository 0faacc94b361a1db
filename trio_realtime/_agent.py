"""`Agent`: conversation state, tools, response sequencing and interruption on one connection.

Shape (why it looks like this):

* The agent is an *observer* of the connection (`RealtimeConnection.add_observer`):
  its decisions run synchronously inside ``receive``, in whichever task reads
  the connection, so it adds no channel hop and sees every event exactly when
  the consumer does. With ``read=True`` (the default) the agent reads the
  connection itself in a task of its own; with ``read=False`` the
  application keeps its own ``async for event in conn`` loop and sees every
  event, and the agent acts from inside it.
* Decisions are pure (`Conversation`, `ResponseSequencer`, the interruption
  rule below); what they decide to send goes through one outbox, sent in
  order by one task, so a tool output always precedes the ``response.create``
  that follows it. Tool calls run in tasks of the agent's nursery, which the
  ``async with open_agent(...)`` block owns.
* `ask` sends a user message and requests a response through the sequencer,
  then waits for the whole turn: when the model calls tools, their outputs
  are sent and exactly one follow-up ``response.create`` is requested (with
  the same tag), until a response ends without calls. The finished turn is a
  `Reply`.

Interruption (with a `PlaybackClock` the application's player feeds): when
``input_audio_buffer.speech_started`` arrives while assistant audio plays, the
agent cancels the active response (``response.cancel``), cancels its tool
calls (the model is told each was cancelled), and cuts each assistant audio
item that was not heard to its end: ``conversation.item.truncate`` at the
played time, clamped to the audio actually received (milliseconds from the
session's output format: 48 bytes per ms for 24 kHz PCM16, 8 for G.711), or
``conversation.item.delete`` when none of it was played (the API refuses a
truncation at 0 ms). ``on_interrupt`` is then called with an `Interruption`,
in the receiving task, so the application flushes its player at once.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, cast

import msgspec
import trio

from . import events as ev
from ._connection import RealtimeConnection
from ._conversation import Conversation, ConversationItem
from ._errors import (
    ConfigurationError,
    EventEncodeError,
    RealtimeError,
    RequestRefused,
    ResponseLost,
)
from ._nursery import exit_nursery
from ._open import require_trio
from ._reconnect import Reconnected
from ._resilient import ReconnectingConnection
from ._sequencer import REQUEST_TAG, ResponseSequencer, request_tag, tag_of, tagged
from ._tools import Tool, ToolOutcome, error_output, tools_by_name
from .audio import PlaybackClock

#: What an agent acts on: a plain connection, or a session that reconnects.
AgentConnection = RealtimeConnection | ReconnectingConnection[Any, Any, Any]

__all__ = [
    "Agent",
    "Interruption",
    "Reply",
    "ToolCallResult",
    "open_agent",
]

log = logging.getLogger("trio_realtime")

#: Follow-up responses one request may trigger through tool calls before the
#: agent stops answering calls (a model that calls tools forever).
DEFAULT_MAX_TOOL_ROUNDS = 8
#: Bytes of audio per ``input_audio_buffer.append`` sent by `Agent.send_audio`.
AUDIO_CHUNK = 256 * 1024

_CANCELLED_OUTPUT = error_output("cancelled: the response was interrupted before the call finished")


@dataclass(frozen=True, slots=True)
class ToolCallResult:
    """One function call the model made during a turn, and how it ended."""

    name: str
    """The tool's name."""
    call_id: str
    """The call id the output was sent for."""
    arguments: str
    """The arguments, JSON text as the model wrote them."""
    output: str
    """The output sent back to the model."""
    error: str | None
    """Why the call failed, or None."""


@dataclass(frozen=True, slots=True)
class Reply:
    """A finished turn: the last response's output, and the tool calls made on the way."""

    response_id: str
    """The id of the last response of the turn."""
    status: str | None
    """``completed``, ``cancelled``, ``incomplete`` or ``failed``."""
    text: str
    """The text output of the last response."""
    transcript: str
    """The transcript of the audio output of the last response."""
    audio_ms: float
    """Milliseconds of audio the last response produced."""
    tool_calls: tuple[ToolCallResult, ...]
    """Every tool call of the turn, in the order they were made."""
    items: tuple[ConversationItem, ...]
    """The last response's output items."""
    response_ids: tuple[str, ...]
    """Every response of the turn, in order (one per tool round, plus the last)."""
    status_details: ev.ResponseStatus | None = None
    """Why the last response ended so, from ``response.done``."""
    usage: ev.Usage | None = None
    """The last response's token usage."""


@dataclass(frozen=True, slots=True)
class Interruption:
    """What the agent did when the user spoke over the assistant.

    ``truncated`` maps each cut item id to the ``audio_end_ms`` it was truncated at;
    ``deleted`` lists items removed because none of their audio was played.
    """

    response_id: str | None
    """The response cancelled, or None when none was active."""
    truncated: dict[str, int]
    """Item id → milliseconds kept."""
    deleted: tuple[str, ...]
    """Items deleted because nothing of them was played."""
    audio_start_ms: int
    """Where in the input audio buffer the user's speech started."""


class _Turn:
    """The state of one tagged request: its responses, tool calls and outcome."""

    __slots__ = ("calls", "done", "error", "orphan", "params", "reply", "response_ids", "rounds")

    def __init__(self, params: ev.ResponseParams | None, *, orphan: bool = False) -> None:
        self.params = params
        #: No `ask` waits for it: a turn the server started (turn detection).
        self.orphan = orphan
        self.response_ids: list[str] = []
        self.calls: list[ToolCallResult] = []
        self.rounds = 0
        self.done = trio.Event()
        self.reply: Reply | None = None
        self.error: BaseException | None = None


class _Run:
    """One tool call in flight (or finished) for one response."""

    __slots__ = ("arguments", "call_id", "finished", "name", "outcome", "scope")

    def __init__(self, name: str, call_id: str, arguments: str) -> None:
        self.name = name
        self.call_id = call_id
        self.arguments = arguments
        self.scope = trio.CancelScope()
        self.outcome: ToolOutcome | None = None
        self.finished = False


class Agent:
    """Tools, response sequencing and interruption over one `RealtimeConnection`.

    Made by `open_agent`, which owns its tasks.

    Attributes:

    ``connection``
        The connection it acts on.
    ``conversation``
        The `Conversation` it keeps from every event.
    ``tools``
        The registered tools by name.
    ``playback``
        The `PlaybackClock` the application's player feeds, or None (then the
        agent does not interrupt).
    """

    def __init__(
        self,
        conn: AgentConnection,
        nursery: trio.Nursery,
        *,
        tools: dict[str, Tool],
        conversation: Conversation,
        playback: PlaybackClock | None,
        on_interrupt: Callable[[Interruption], None] | None,
        max_tool_rounds: int,
        register_tools: bool = False,
    ) -> None:
        self.connection: AgentConnection = conn
        self.conversation: Conversation = conversation
        self.tools: dict[str, Tool] = tools
        self.playback: PlaybackClock | None = playback
        self._on_interrupt = on_interrupt
        self._max_rounds = max_tool_rounds
        self._nursery = nursery
        self._sequencer = ResponseSequencer()
        self._outbox: deque[ev.ClientEvent] = deque()
        self._outbox_wake = trio.Event()
        self._tags = (f"t{n}" for n in itertools.count(1))
        self._turns: dict[str, _Turn] = {}
        #: The user message of an `ask`, by tag, until its request is sent.
        self._messages: dict[str, ev.ConversationItemCreate] = {}
        #: Tool calls by response id, until that response's outputs are sent.
        self._runs: dict[str, list[_Run]] = {}
        #: Responses whose ``response.done`` came while their calls still ran,
        #: and whether the sequencer is held for their follow-up.
        self._ended: dict[str, tuple[ev.Response, bool]] = {}
        #: The last ``response.cancel`` events this agent sent: their refusals
        #: are expected (the server had cancelled on speech by itself).
        self._own_cancels: deque[ev.ResponseCancel] = deque(maxlen=16)
        self._interrupted: set[str] = set()
        #: Out-of-band responses in progress (their function calls are not run).
        self._out_of_band: set[str] = set()
        self._failure: BaseException | None = None
        #: Whether the agent keeps its tools in the session (see `_keep_tools`).
        self._register = register_tools
        #: The session's tool list the agent last answered with an update (a
        #: server that drops the tools again is not asked twice).
        self._answered: tuple[tuple[str, str], ...] | None = None
        #: Set once turns may start: the tools are registered (or need not be).
        self._ready = trio.Event()
        if not register_tools:
            self._ready.set()
        #: Response id → request tag, for responses in progress.
        self._response_tags: dict[str, str] = {}
        #: False when the conversation is the reconnecting session's own (it
        #: feeds it already, and keeps its ids across sessions).
        self._feeds = conversation is not getattr(conn, "conversation", None)
        h: dict[type[Any], Callable[[Any], None]] = {
            Reconnected: self._reconnected,
            ev.SessionCreated: self._session_seen,
            ev.SessionUpdated: self._session_seen,
            ev.ResponseCreated: self._response_created,
            ev.ResponseOutputItemDone: self._output_item_done,
            ev.ResponseDone: self._response_done,
            ev.InputAudioBufferSpeechStarted: self._speech_started,
            ev.ErrorEvent: self._error,
        }
        self._handlers = h

    def __repr__(self) -> str:
        return f"Agent(tools={sorted(self.tools)!r}, items={len(self.conversation)})"

    # -- the application's calls --------------------------------------------

    async def ask(self, text: str, *, response: ev.ResponseParams | None = None) -> Reply:
        """Add a user text message, request a response and wait for the whole turn.

        Tool calls of the turn are answered on the way; the `Reply` is the last
        response's output. ``response`` holds parameters for each response of
        the turn (instructions, output modalities...). Raises `RequestRefused`
        if the server refuses the message or the request, and the
        connection's error if it ends first. The message goes out with its
        request, once no other response is under way, so it never lands
        inside another turn. Cancelling ``ask`` takes back the message and the
        request if they have not been sent yet; a response already under way
        goes on (cancel it with `cancel`).
        """
        given = cast(object, text)
        if not isinstance(given, str):
            raise TypeError(f"ask() takes the user's text as a str, got {type(text).__name__}")
        try:
            text.encode()
        except UnicodeEncodeError as exc:
            raise ValueError(
                f"ask() text is not valid Unicode (a lone surrogate?): {exc}"
            ) from None
        message = ev.ConversationItemCreate(item=ev.UserMessage.text(text))
        return await self._turn(response, message)

    async def respond(self, response: ev.ResponseParams | None = None) -> Reply:
        """Request a response to the conversation as it is, and wait for the whole turn."""
        return await self._turn(response, None)

    async def _turn(
        self, response: ev.ResponseParams | None, message: ev.ConversationItemCreate | None
    ) -> Reply:
        if not self._ready.is_set():
            await self._ready.wait()  # the tools go into the session first
        self._check_running()
        tag = next(self._tags)
        turn = self._turns[tag] = _Turn(response)
        request = tagged(ev.ResponseCreate(response=response or msgspec.UNSET), tag)
        if message is not None:
            # The message waits with its request: sent while another turn is
            # under way it would land inside that turn (between a tool call
            # and its output, say) and be answered there.
            self._messages[tag] = message
        self._request(request)
        try:
            await turn.done.wait()
        except BaseException:
            if not turn.done.is_set():
                if self._sequencer.withdraw(request):
                    self._messages.pop(tag, None)  # the whole ask is taken back
                self._turns.pop(tag, None)
            raise
        self._turns.pop(tag, None)
        if turn.error is not None:
            raise turn.error
        assert turn.reply is not None
        return turn.reply

    async def send_audio(self, audio: bytes | bytearray | memoryview) -> None:
        """Append input audio, in chunks of at most 256 KiB."""
        data = memoryview(audio).cast("B")
        for start in range(0, len(data), AUDIO_CHUNK):
            chunk = bytes(data[start : start + AUDIO_CHUNK])
            await self.connection.send(ev.InputAudioBufferAppend(audio=chunk))

    async def commit_audio(self) -> None:
        """Commit the input audio buffer as a user message."""
        await self.connection.send(ev.InputAudioBufferCommit())

    async def ask_audio(
        self, audio: bytes | bytearray | memoryview, *, response: ev.ResponseParams | None = None
    ) -> Reply:
        """Send a spoken turn (append, commit), request a response and wait for the turn.

        For sessions without turn detection; with turn detection the server
        commits and responds by itself (use `send_audio` and read the events).
        """
        if _turn_detection(self.connection.session):
            raise ConfigurationError(
                "ask_audio() is for sessions without turn detection: the server commits "
                "and answers by itself here. Use send_audio(), or set "
                "audio.input.turn_detection to None in the session"
            )
        await self.send_audio(audio)
        await self.commit_audio()
        return await self.respond(response)

    def cancel(self) -> None:
        """Cancel the active response, if any, and every tool call still running.

        Cancelled calls are answered as cancelled and get no follow-up response.
        """
        self._cancel_tool_turns()
        active = self._sequencer.active
        if active is not None:
            self._cancel_response(active)

    @property
    def active_response(self) -> str | None:
        """The id of the in-conversation response in progress, or None."""
        return self._sequencer.active

    @property
    def unsent(self) -> tuple[ev.ClientEvent, ...]:
        """Events the agent decided to send but had not handed to the connection."""
        return tuple(self._outbox)

    # -- observing (in the receiving task) ------------------------------------

    def _observe(self, event: ev.ServerEvent | Reconnected) -> None:
        if self._feeds and type(event) is not Reconnected:
            self.conversation.feed(cast(ev.ServerEvent, event))
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)

    def _ended_events(self, exc: BaseException) -> None:
        # Whoever reads (this agent or, with read=False, the application):
        # no event will come, so no turn can finish.
        if isinstance(exc, trio.EndOfChannel):
            exc = RealtimeError("the server closed the session before the turn finished")
        self._fail_all(exc)

    def _reconnected(self, marker: Reconnected) -> None:
        """The session was replaced: fail the turns it took along, go on with the rest.

        The turn whose response was lost, and the one whose request had no
        answer yet (it may have reached the old server only), raise
        `ResponseLost`; the lost response's tool calls are cancelled and
        answered as cancelled. Requests still queued go out on the new session.
        """
        awaiting = self._sequencer.reset()
        lost = marker.lost_response_id
        tags = [tag_of(awaiting)] if awaiting is not None else []
        if lost is not None:
            tags.append(self._response_tags.get(lost))
        for tag in tags:
            turn = self._turns.get(tag) if tag is not None else None
            if turn is not None and not turn.done.is_set():
                turn.error = ResponseLost(marker)
                turn.done.set()
        if lost is not None:
            self._interrupted.add(lost)
            self._out_of_band.discard(lost)
            tag = self._response_tags.get(lost)
            gone = ev.Response(
                id=lost,
                status="incomplete",
                metadata={REQUEST_TAG: tag} if tag is not None else None,
            )
            if lost not in self._ended:
                self._response_done(ev.ResponseDone(event_id="", response=gone))
        following = self._sequencer.next_request()
        if following is not None:
            self._send_soon(following)

    def _session_seen(self, event: ev.SessionCreated | ev.SessionUpdated) -> None:
        if self._register:
            self._keep_tools(event.session)

    def _keep_tools(self, session: object) -> None:
        """Put the agent's tools in the session beside the tools it already has.

        Run on entry when the session is known, and on every session event:
        a ``session.update`` replaces the whole ``tools`` list, so whenever
        the session shows the agent's tools missing (the server's first
        session, or an update that replaced the list) they are added back to
        what it has, MCP tools and the application's own functions kept.
        """
        listed: object = getattr(session, "tools", None)
        current: list[ev.Tool] = (
            list(cast(list[ev.Tool], listed)) if isinstance(listed, list) else []
        )
        have = {t.name for t in current if isinstance(t, ev.FunctionTool)}
        key = tuple(
            (type(t).__name__, str(getattr(t, "name", getattr(t, "server_label", ""))))
            for t in current
        )
        if not set(self.tools) <= have and key != self._answered:
            self._answered = key
            mine = [t.definition() for t in self.tools.values()]
            others = [
                t for t in current if not (isinstance(t, ev.FunctionTool) and t.name in self.tools)
            ]
            self._send_soon(ev.SessionUpdate(session=ev.RealtimeSession(tools=[*others, *mine])))
        self._ready.set()

    def _response_created(self, event: ev.ResponseCreated) -> None:
        self._sequencer.created(event.response)
        tag = request_tag(event.response)
        if tag is not None and event.response.id is not None:
            self._response_tags[event.response.id] = tag
        if event.response.conversation_id is None and event.response.id is not None:
            # Out of band: its calls' outputs would land in the default
            # conversation, where its follow-up cannot see them.
            self._out_of_band.add(event.response.id)
        tag = request_tag(event.response)
        turn = self._turns.get(tag) if tag is not None else None
        if turn is not None and event.response.id is not None:
            turn.response_ids.append(event.response.id)

    def _output_item_done(self, event: ev.ResponseOutputItemDone) -> None:
        item = event.item
        if not isinstance(item, ev.FunctionCall) or not self.tools:
            return
        if event.response_id in self._out_of_band:
            return  # left to the application (see _response_created)
        if event.response_id in self._interrupted or item.status == "incomplete":
            return  # cancelled before the model finished the call: nothing to run
        call_id = item.call_id if isinstance(item.call_id, str) else ""
        run = _Run(item.name, call_id, item.arguments)
        self._runs.setdefault(event.response_id, []).append(run)
        self._nursery.start_soon(self._run_tool, event.response_id, run)

    def _response_done(self, event: ev.ResponseDone) -> None:
        response = event.response
        rid = response.id
        self._response_tags.pop(rid or "", None)
        self._out_of_band.discard(rid or "")
        runs = self._runs.get(rid) if rid is not None else None
        follows = bool(runs) and response.status == "completed" and rid not in self._interrupted
        if follows:
            # The turn's follow-up goes before any other queued request.
            self._sequencer.hold()
        following = self._sequencer.done(response)
        if following is not None:
            self._send_soon(following)
        if rid is None:
            return
        if response.status != "completed":
            for run in runs or ():
                run.scope.cancel()
        if runs and not all(run.finished for run in runs):
            self._ended[rid] = (response, follows)  # finished when the last call ends
            return
        self._finish(response, follows)

    def _cancel_tool_turns(self) -> None:
        for response_id, runs in self._runs.items():
            if not all(run.finished for run in runs):
                self._interrupted.add(response_id)
                for run in runs:
                    run.scope.cancel()

    def _speech_started(self, event: ev.InputAudioBufferSpeechStarted) -> None:
        # The user speaks: answers to tool calls still running are no longer wanted.
        self._cancel_tool_turns()
        clock = self.playback
        if clock is None:
            return
        active = self._sequencer.active
        cut = clock.interrupt()
        heard: dict[str, int] = {}
        if cut is not None:
            heard[cut.item_id] = cut.audio_end_ms
            # The player is one queue: assistant audio after the item cut (of
            # responses that may have ended already) was queued, not heard.
            later = False
            for item in self.conversation.items:
                if item.id == cut.item_id:
                    later = True
                elif later and item.role == "assistant" and self.conversation.audio_ms(item.id):
                    heard[item.id] = clock.played_ms(item.id)
        if active is not None:
            record = self.conversation.responses.get(active)
            for item_id in record.output_item_ids if record else ():
                if item_id not in heard and self.conversation.audio_ms(item_id) > 0:
                    heard[item_id] = clock.played_ms(item_id)
        if cut is None and active is None:
            return  # nothing was playing: the user is simply taking a turn
        if active is not None:
            self._cancel_response(active)
        truncated: dict[str, int] = {}
        deleted: list[str] = []
        for item_id, played in heard.items():
            item = self.conversation.item(item_id)
            if item is None:
                continue
            received = math.floor(self.conversation.audio_ms(item_id) + 1e-6)
            end = min(played, received)
            if end >= received and item.status == "completed":
                continue  # heard to its end
            if end <= 0:
                self._send_soon(ev.ConversationItemDelete(item_id=item_id))
                deleted.append(item_id)
            else:
                index = _audio_part(item)
                self._send_soon(
                    ev.ConversationItemTruncate(
                        item_id=item_id, content_index=index, audio_end_ms=end
                    )
                )
                truncated[item_id] = end
        if self._on_interrupt is not None:
            self._on_interrupt(
                Interruption(
                    response_id=active,
                    truncated=truncated,
                    deleted=tuple(deleted),
                    audio_start_ms=event.audio_start_ms,
                )
            )

    def _error(self, event: ev.ErrorEvent) -> None:
        refused = self.connection.sent_event(event)
        if refused is None:
            return
        if isinstance(refused, ev.ResponseCancel) and any(c is refused for c in self._own_cancels):
            return  # the response had ended (the server cancels on speech itself)
        if isinstance(refused, ev.ResponseCreate):
            again = self._sequencer.refused(refused, event.error.code)
            if again is None:
                return
            if not again:
                self._fail_turn(tag_of(refused), RequestRefused(event.error, refused))
                following = self._sequencer.next_request()
                if following is not None:
                    self._send_soon(following)

    # -- decisions carried out --------------------------------------------------

    def _cancel_response(self, response_id: str) -> None:
        if response_id in self._interrupted:
            return
        self._interrupted.add(response_id)
        cancel = ev.ResponseCancel(response_id=response_id)
        self._own_cancels.append(cancel)
        self._send_soon(cancel)
        for run in self._runs.get(response_id, ()):
            run.scope.cancel()

    async def _run_tool(self, response_id: str, run: _Run) -> None:
        tool = self.tools.get(run.name)
        try:
            with run.scope:
                if tool is None:
                    known = ", ".join(sorted(self.tools)) or "none"
                    message = f"unknown tool {run.name!r} (the tools are: {known})"
                    run.outcome = ToolOutcome(output=error_output(message), error=message)
                else:
                    run.outcome = await tool.invoke(run.arguments)
        except Exception:
            # Cancelled here, the tool's cleanup failed: what is left once the
            # scope took its Cancelled. The call counts as cancelled.
            log.warning("tool %s failed while it was cancelled", run.name, exc_info=True)
        run.finished = True
        ended = self._ended.get(response_id)
        if ended is not None and all(r.finished for r in self._runs.get(response_id, ())):
            del self._ended[response_id]
            self._finish(*ended)

    def _finish(self, response: ev.Response, follows: bool) -> None:
        """All of ``response``'s calls are done: send their outputs, then follow up or reply.

        ``follows``: the sequencer was held for this response's follow-up.
        """
        assert response.id is not None
        runs = self._runs.pop(response.id, [])
        interrupted = response.id in self._interrupted or response.status != "completed"
        self._interrupted.discard(response.id)
        tag = request_tag(response)
        turn = self._turns.get(tag) if tag is not None else None
        if turn is None and runs:
            # Calls in a response the server started: count its rounds too.
            tag = next(self._tags)
            turn = self._turns[tag] = _Turn(None, orphan=True)
        for run in runs:
            outcome = run.outcome
            if outcome is None:  # cancelled before it finished
                outcome = ToolOutcome(output=_CANCELLED_OUTPUT, error="cancelled")
            self._send_soon(
                ev.ConversationItemCreate(
                    item=ev.FunctionCallOutput(call_id=run.call_id, output=outcome.output)
                )
            )
            if turn is not None:
                turn.calls.append(
                    ToolCallResult(
                        run.name, run.call_id, run.arguments, outcome.output, outcome.error
                    )
                )
        following = False
        if runs and not interrupted and turn is not None and tag is not None:
            if turn.rounds < self._max_rounds:
                turn.rounds += 1
                follow_up = tagged(ev.ResponseCreate(response=turn.params or msgspec.UNSET), tag)
                # Queued while the hold stands, so it is at the head when the hold goes.
                self._request(follow_up, first=True)
                following = True
            else:
                log.warning("a turn made %d rounds of tool calls; not answering more", turn.rounds)
        if follows:
            now = self._sequencer.release()
            if now is not None:
                self._send_soon(now)
        if following:
            return
        if turn is not None and tag is not None:
            if turn.orphan:
                del self._turns[tag]
            elif not turn.done.is_set():
                turn.reply = self._reply(response, turn)
                turn.done.set()

    def _reply(self, response: ev.Response, turn: _Turn) -> Reply:
        assert response.id is not None
        record = self.conversation.responses.get(response.id)
        items = tuple(
            item
            for item_id in (record.output_item_ids if record else ())
            if (item := self.conversation.item(item_id)) is not None
        )
        parts = [part for item in items if item.type == "message" for part in item.content]
        return Reply(
            response_id=response.id,
            status=response.status,
            text="".join(part.text for part in parts),
            transcript="".join(part.transcript for part in parts),
            audio_ms=sum(self.conversation.audio_ms(item.id) for item in items),
            tool_calls=tuple(turn.calls),
            items=items,
            response_ids=tuple(turn.response_ids) or (response.id,),
            status_details=response.status_details,
            usage=response.usage,
        )

    def _request(self, request: ev.ResponseCreate, *, first: bool = False) -> None:
        now = self._sequencer.submit(request, first=first)
        if now is not None:
            self._send_soon(now)

    def _send_soon(self, event: ev.ClientEvent) -> None:
        if self._messages and isinstance(event, ev.ResponseCreate):
            tag = tag_of(event)
            message = self._messages.pop(tag, None) if tag is not None else None
            if message is not None:
                self._outbox.append(message)
        self._outbox.append(event)
        self._outbox_wake.set()

    def _fail_turn(self, tag: str | None, exc: BaseException) -> None:
        """The request tagged ``tag`` failed: its `ask` raises ``exc``."""
        turn = self._turns.get(tag) if tag is not None else None
        if turn is None or tag is None:
            return
        if turn.orphan:
            del self._turns[tag]  # no ask waits for it, none would pop it
            log.warning("a follow-up of a server-started tool turn failed: %s", exc)
        elif not turn.done.is_set():
            turn.error = exc
            turn.done.set()

    def _unsendable(self, event: ev.ClientEvent, exc: Exception) -> None:
        """``event`` failed to encode: fail the turn it belongs to, as a refusal would."""
        log.error("the agent could not send %s: %s", event.type, exc)
        if not isinstance(event, ev.ResponseCreate):
            return
        self._sequencer.refused(event, None)
        self._fail_turn(tag_of(event), exc)
        following = self._sequencer.next_request()
        if following is not None:
            self._send_soon(following)

    def _check_running(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _fail_all(self, exc: BaseException) -> None:
        self._failure = exc
        self._ready.set()
        for turn in self._turns.values():
            if not turn.done.is_set():
                turn.error = exc
                turn.done.set()

    # -- tasks ----------------------------------------------------------------

    async def _sender(self) -> None:
        """Hand the outbox to the connection in order; an event leaves it once queued."""
        try:
            while True:
                while self._outbox:
                    event = self._outbox[0]
                    try:
                        await self.connection.send(event)
                    except (TypeError, EventEncodeError) as exc:
                        # This event can never go; the next ones still can.
                        self._outbox.popleft()
                        self._unsendable(event, exc)
                        continue
                    self._outbox.popleft()
                self._outbox_wake = trio.Event()
                await self._outbox_wake.wait()
        except (RealtimeError, trio.ClosedResourceError, trio.BrokenResourceError) as exc:
            self._fail_all(exc)

    async def _reader(self) -> None:
        """Read the connection so the agent sees its events (``read=True``)."""
        try:
            async for _ in self.connection:
                pass
        except (RealtimeError, trio.ClosedResourceError) as exc:
            self._fail_all(exc)
            return
        self._fail_all(RealtimeError("the server closed the session before the turn finished"))


def open_agent(
    conn: AgentConnection,
    *,
    tools: Iterable[Tool | Callable[..., Any]] = (),
    register_tools: bool = True,
    playback: PlaybackClock | None = None,
    on_interrupt: Callable[[Interruption], None] | None = None,
    conversation: Conversation | None = None,
    read: bool = True,
    max_tool_rounds: int = DEFAULT_MAX_TOOL_ROUNDS,
) -> _AgentBlock:
    """Attach an `Agent` to ``conn`` for an ``async with`` block that owns its tasks.

    ``tools``: `Tool` objects (see `tool`) or plain functions with type hints.
    ``register_tools`` keeps their definitions in the session: a
    ``session.update`` adds them to the tools the session has (MCP tools and
    other functions are kept; ``tool_choice`` is left as it is) once the
    session is known, and again whenever a session event shows them missing;
    turns wait until that update is queued. ``playback`` turns on interruption (see
    the module docs); ``on_interrupt`` is then told what was cut.
    ``conversation`` lets the application keep its own `Conversation`. With
    ``read=True`` the agent reads ``conn`` (do not read it elsewhere: each
    event goes to one reader; watch events with `RealtimeConnection.add_observer`);
    with ``read=False`` the application's own loop must read it.

    Leaving the block cancels the agent's tool calls and detaches it; the
    connection stays open. Bad arguments raise at this call.
    """
    given = cast(object, conn)
    if not isinstance(given, RealtimeConnection | ReconnectingConnection):
        raise TypeError(
            "open_agent() needs a RealtimeConnection (from open_realtime), "
            f"got {type(conn).__name__}"
        )
    rounds = cast(object, max_tool_rounds)
    if not isinstance(rounds, int) or max_tool_rounds < 0:
        raise ConfigurationError(f"max_tool_rounds must be 0 or more, got {max_tool_rounds!r}")
    clock = cast(object, playback)
    if clock is not None and not isinstance(clock, PlaybackClock):
        raise TypeError(f"playback must be a PlaybackClock, got {type(playback).__name__}")
    registry = tools_by_name(tools)

    def make(nursery: trio.Nursery) -> Agent:
        return Agent(
            conn,
            nursery,
            tools=registry,
            conversation=conversation if conversation is not None else _conversation_of(conn),
            playback=playback,
            on_interrupt=on_interrupt,
            max_tool_rounds=max_tool_rounds,
            register_tools=register_tools and bool(registry),
        )

    return _AgentBlock(make, read=read)


class _AgentBlock:
    """The async context manager behind `open_agent`: a nursery plus an attached agent."""

    def __init__(self, make: Callable[[trio.Nursery], Agent], *, read: bool) -> None:
        self._make = make
        self._read = read
        self._nursery_cm: Any = None
        self._agent: Agent | None = None

    async def __aenter__(self) -> Agent:
        require_trio("async with open_agent(...)")
        self._nursery_cm = trio.open_nursery()
        nursery: trio.Nursery = await self._nursery_cm.__aenter__()
        agent = self._agent = self._make(nursery)
        conn = agent.connection
        conn.add_observer(agent._observe, on_end=agent._ended_events)  # pyright: ignore[reportPrivateUsage]
        if agent._register and conn.session is not None:  # pyright: ignore[reportPrivateUsage]
            agent._keep_tools(conn.session)  # pyright: ignore[reportPrivateUsage]
        nursery.start_soon(agent._sender)  # pyright: ignore[reportPrivateUsage]
        if self._read:
            nursery.start_soon(agent._reader)  # pyright: ignore[reportPrivateUsage]
        return agent

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        self._detach()
        return await exit_nursery(self._nursery_cm, exc)

    def _detach(self) -> None:
        agent = self._agent
        assert agent is not None
        agent.connection.remove_observer(
            agent._observe,  # pyright: ignore[reportPrivateUsage]
            on_end=agent._ended_events,  # pyright: ignore[reportPrivateUsage]
        )
        agent._nursery.cancel_scope.cancel()  # pyright: ignore[reportPrivateUsage]
        # Nothing will finish a turn now: an ask waiting outside the block must not hang.
        agent._fail_all(  # pyright: ignore[reportPrivateUsage]
            trio.ClosedResourceError("the agent's async with block ended before the turn finished")
        )
        if agent.unsent:
            log.warning(
                "the agent closed with %d event(s) not sent (see Agent.unsent)", len(agent.unsent)
            )


def _conversation_of(conn: AgentConnection) -> Conversation:
    """A reconnecting session's own `Conversation` (its ids survive a reconnect), else a new one."""
    own = getattr(conn, "conversation", None)
    return own if isinstance(own, Conversation) else Conversation()


def _audio_part(item: ConversationItem) -> int:
    for index, part in enumerate(item.content):
        if part.audio_bytes or part.type == "output_audio":
            return index
    return 0


def _turn_detection(session: object) -> bool:
    audio = getattr(session, "audio", None)
    audio_input = getattr(audio, "input", None)
    detection = getattr(audio_input, "turn_detection", None)
    return detection is not None and detection is not msgspec.UNSET
