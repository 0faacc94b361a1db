"""The fake server's GPT-Live side: ``/v1/live/sessions``, sideband attach, forks.

`LiveEngine` is one Live session's behaviour, deterministic so tests can
predict every event:

* ``session.start`` must come first; it answers ``session.started`` with a
  `SessionResource` (id ``live_fakeNNNN``). Anything else before it is an
  ``error`` (code ``session_not_started``).
* Speech: a user turn is the input audio appended while unmuted, ended by an
  append of silence (all zero bytes) or by ``session.input_audio.mute``. It is
  "transcribed" as ``"(N ms of speech)"``; the assistant answers with the
  server's ``responder`` (by default an echo), as output transcript deltas of
  ``delta_size`` characters and PCM16 silence in ``audio_chunk_ms`` chunks.
  With an explicit ``client`` delegation, the turn is delegated instead
  (``session.delegation.created``) and the assistant speaks the
  ``session.commentary.append`` that names that delegation.
* Transcript triggers (``session.triggers``) answer every transcript delta
  of their kind with a ``decision.event`` (``trigger_id``, ``source_event_id``);
  a ``decisions`` delegation answers its delegated turn with one.
* ``session.commentary.append`` is spoken; instructions and thinking are
  acknowledged on the timeline. Fixtures play as audio deltas. Mute, unmute,
  decision items and ``decision.create`` (a fixed answer per question) answer
  as the API does; ``response.create`` / ``response.item.create`` need a
  Responses delegation and answer with ``response.event`` lifecycle events.
* ``session.close`` answers ``session.closed`` (``close_requested``) and
  closes the WebSocket with 1000; a primary connection that breaks first ends
  the session as ``connection_lost``.

Sideband connections (``/live/sessions/{id}/attach``) see every event of the
session plus the caller's audio reflected, and send commands into it; forks
(``/live/sessions/{id}/fork``) start a new session from a stored one. See the
README's GPT-Live section for what is not simulated.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import msgspec
import trio

from .._errors import EventDecodeError
from ..live import (
    CONNECT_SERVER_CODEC,
    FORK_SERVER_CODEC,
    LIVE_SERVER_CODEC,
    Audio,
    AudioPcm,
    ChoiceAnswer,
    ChoiceProbability,
    ChoiceQuestion,
    ClientDelegation,
    Decision,
    DecisionCompleted,
    DecisionCreate,
    DecisionEvent,
    DecisionItemCreate,
    DecisionItemCreated,
    DecisionItemDelete,
    DecisionItemDeleted,
    DecisionsDelegation,
    DecisionUsage,
    DelegationInfo,
    ErrorDetail,
    ErrorEvent,
    ForkSessionStart,
    InputTokensDetails,
    LiveClientEvent,
    LiveServerEvent,
    OutputTokensDetails,
    PredicateAnswer,
    PredicateQuestion,
    Question,
    ResponseCreate,
    ResponseEvent,
    ResponseItemCreate,
    ResponsesDelegation,
    ScoreAnswer,
    ScoreProbability,
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
    SessionResource,
    SessionStart,
    SessionStarted,
    SessionThinkingAppend,
    SessionThinkingAppended,
    SessionUpdate,
    SessionUpdated,
    SessionUsage,
    SessionUsageUpdated,
    TransportDtmfSend,
    TransportDtmfSent,
)
from ._script import Turn, reply_items
from ._state import AUTO_ID, EventIds, Peer, PeerGone, ServerState
from ._strict import live_model_problem

__all__ = [
    "LiveEndpoint",
    "LiveEngine",
    "LiveSessions",
    "live_route",
]

#: How long a fake session's ``expires_at`` lies ahead.
_SESSION_SECONDS = 3600
#: The model a fake trigger's decisions name (triggers configure none of their own).
_TRIGGER_MODEL = "gpt-decision-fake"
#: The most caller audio a stored fake session keeps as its "recording".
_MAX_RECORDING = 16 * 1024 * 1024


def live_route(path: str) -> tuple[str, str | None] | None:
    """``("primary", None)``, ``("attach", id)``, ``("fork", id)`` for a Live path, else None."""
    parts = path.rstrip("/").split("/")
    if len(parts) >= 2 and parts[-2:] == ["live", "sessions"]:
        return "primary", None
    if len(parts) >= 4 and parts[-4:-2] == ["live", "sessions"] and parts[-1] in ("attach", "fork"):
        return parts[-1], parts[-2]
    return None


#: The server's running and stored Live sessions, by session id.
LiveSessions = dict[str, "LiveEngine"]


class LiveEndpoint:
    """What one Live WebSocket serves: a primary, a sideband (attach) or a fork.

    A primary or a fork owns a new `LiveEngine`; a sideband joins the stored
    session's engine as an observer for as long as it is connected.
    """

    def __init__(self, server: ServerState, sessions: LiveSessions, peer: Peer, path: str) -> None:
        route = live_route(path)
        assert route is not None, "not a Live path"
        self.peer: Peer = peer
        self.kind, session_id = route
        self.codec = {"primary": LIVE_SERVER_CODEC, "attach": CONNECT_SERVER_CODEC}.get(
            self.kind, FORK_SERVER_CODEC
        )
        if self.kind == "attach":
            engine = sessions.get(session_id or "")
            assert engine is not None  # the server refused unknown ids
            self.live: LiveEngine = engine
        else:
            self.live = LiveEngine(server, sessions, peer, stored_from=session_id)

    async def start(self, nursery: trio.Nursery) -> None:
        """A sideband starts hearing the session's events."""
        if self.kind == "attach":
            self.live.observers.append(self.peer)

    def decode(self, raw: bytes) -> LiveClientEvent:
        """One received frame as a Live client event; raises `EventDecodeError`."""
        return self.codec.decode(raw)

    def encode(self, event: LiveServerEvent) -> bytes:
        """One Live server event as JSON."""
        return self.codec.encode(event)

    async def reject(self, exc: EventDecodeError, raw: bytes) -> None:
        """An invalid frame: an ``invalid_event`` error to everyone on the session."""
        await self.live.emit(_error("invalid_request_error", "invalid_event", str(exc)))

    async def handle(self, event: LiveClientEvent) -> None:
        """One command for the session."""
        await self.live.handle(event, self.kind)

    async def refuse(self, code: str, message: str, *, param: str | None = None) -> None:
        """An ``error`` event for a session that may not open."""
        await self.live.emit(_error("invalid_request_error", code, message))

    async def stop(self) -> None:
        """A sideband leaves the session; a primary that left without
        ``session.close`` ends it as ``connection_lost``."""
        if self.peer in self.live.observers:
            self.live.observers.remove(self.peer)
        elif self.kind != "attach" and not self.live.closed:
            await self.live.close("connection_lost")


def _error(kind: str, code: str, message: str, client_event_id: str | None = None) -> ErrorEvent:
    return ErrorEvent(
        event_id=AUTO_ID,
        error=ErrorDetail(code=code, message=message, type=kind, client_event_id=client_event_id),
        client_event_id=client_event_id,
    )


class LiveEngine:
    """One fake Live session: its state and its answers (see the module docstring)."""

    def __init__(
        self,
        server: ServerState,
        sessions: LiveSessions,
        primary: Peer,
        *,
        stored_from: str | None,
    ) -> None:
        self.server: ServerState = server
        self.sessions: LiveSessions = sessions
        self.primary: Peer = primary
        self.observers: list[Peer] = []
        self.stored_from = stored_from
        self.session: SessionResource | None = None
        self.muted = False
        self.closed = False
        self.timeline_ms = 0
        self.audio_ms = 0
        self._turn_bytes = 0
        self._turns = 0
        self._delegations: dict[str, str] = {}
        self._decision_items: dict[str, Any] = {}
        self._used_decision_ids: set[str] = set()
        self._event_ids = EventIds("ev_live")
        self._trigger_firings = 0
        #: The caller's audio of a stored session (what download_recording returns).
        self.recording = bytearray()

    # -- sending ---------------------------------------------------------------------

    async def emit(self, event: LiveServerEvent, *, observers_only: bool = False) -> None:
        """Send ``event`` to the primary connection and every sideband observer.

        Nothing follows ``session.closed`` (a reply still streaming when a
        hangup ends the session stops there).
        """
        if self.closed and type(event) is not SessionClosed:
            return
        self._event_ids.stamp(event)
        targets = [] if observers_only else [self.primary]
        targets += self.observers
        for conn in targets:
            if conn.closed:
                continue
            if conn is not self.primary and type(event) is SessionOutputAudioDelta:
                # Sideband copies carry their place on the timeline.
                ms = self._ms(len(event.delta))
                event = SessionOutputAudioDelta(
                    delta=event.delta, start_ms=self.timeline_ms - ms, end_ms=self.timeline_ms
                )
            with contextlib.suppress(PeerGone):
                await conn.send(event)

    def _rate(self) -> int:
        audio = self.session.audio if self.session is not None else None
        fmt = audio.format if audio is not None else None
        return fmt.rate if isinstance(fmt, AudioPcm) else 24000

    def _ms(self, size: int) -> int:
        return size * 1000 // (self._rate() * 2)

    # -- commands ----------------------------------------------------------------------

    async def handle(self, event: LiveClientEvent, source: str) -> None:
        """React to one command from a connection of kind ``source`` (primary, attach, fork)."""
        cid = getattr(event, "event_id", None)
        cid = cid if isinstance(cid, str) else None
        if self.session is None and not isinstance(event, SessionStart | ForkSessionStart):
            await self.emit(
                _error(
                    "invalid_request_error",
                    "session_not_started",
                    f"send session.start before {event.type}",
                    cid,
                )
            )
            return
        match event:
            case SessionStart() | ForkSessionStart():
                await self._start(event, cid)
            case SessionUpdate(session=update):
                assert self.session is not None
                changes: dict[str, Any] = {}
                if not _unset(update.triggers):
                    changes["triggers"] = update.triggers
                current = self.session.delegation
                wanted: Any = update.delegation
                if not _unset(wanted) and wanted is not None:
                    if (current.type if current is not None else "client") != wanted.type:
                        await self.emit(
                            _error(
                                "invalid_request_error",
                                "invalid_value",
                                "the delegation type cannot change",
                                cid,
                            )
                        )
                        return
                    delay = wanted.acknowledgement_delay_ms
                    if current is not None and not _unset(delay):
                        changes["delegation"] = _replace(current, acknowledgement_delay_ms=delay)
                self.session = session = _replace(self.session, **changes)
                await self.emit(
                    SessionUpdated(event_id=AUTO_ID, session=session, client_event_id=cid)
                )
            case SessionInputAudioAppend(audio=audio):
                await self._append(audio)
            case SessionInputAudioMute():
                self.muted = True
                await self.emit(SessionInputAudioMuted(event_id=AUTO_ID, client_event_id=cid))
                await self._end_turn()
            case SessionInputAudioUnmute():
                self.muted = False
                await self.emit(SessionInputAudioUnmuted(event_id=AUTO_ID, client_event_id=cid))
            case SessionOutputAudioFixturePlay(audio=audio):
                await self.emit(
                    SessionOutputAudioFixturePlaying(event_id=AUTO_ID, client_event_id=cid)
                )
                await self._speak_audio(audio)
                await self.emit(
                    SessionOutputAudioFixturePlayed(event_id=AUTO_ID, client_event_id=cid)
                )
            case SessionInstructionsAppend():
                await self.emit(self._appended(SessionInstructionsAppended, cid))
            case SessionThinkingAppend():
                await self.emit(self._appended(SessionThinkingAppended, cid))
            case SessionCommentaryAppend(content=content):
                await self.emit(self._appended(SessionCommentaryAppended, cid))
                await self._speak(content)
            case DecisionCreate(event_id=eid):
                await self._decide(eid)
            case DecisionItemCreate(item=item):
                item_id = (
                    item.id
                    if isinstance(item.id, str)
                    else f"ditem_{len(self._decision_items) + 1}"
                )
                stored = _replace(item, id=item_id)
                self._decision_items[item_id] = stored
                await self.emit(
                    DecisionItemCreated(event_id=AUTO_ID, item=stored, client_event_id=cid)
                )
            case DecisionItemDelete(item_id=item_id):
                if self._decision_items.pop(item_id, None) is None:
                    await self.emit(
                        _error(
                            "invalid_request_error",
                            "item_not_found",
                            f"no decision item {item_id!r}",
                            cid,
                        )
                    )
                else:
                    await self.emit(
                        DecisionItemDeleted(event_id=AUTO_ID, item_id=item_id, client_event_id=cid)
                    )
            case ResponseCreate() | ResponseItemCreate():
                await self._respond(event, cid)
            case TransportDtmfSend(event=key):
                if source != "attach":
                    await self.emit(
                        _error(
                            "invalid_request_error",
                            "unknown_event",
                            "transport.dtmf.send is a sideband command",
                            cid,
                        )
                    )
                else:
                    await self.emit(
                        TransportDtmfSent(event_id=AUTO_ID, event=key, client_event_id=cid),
                        observers_only=True,
                    )
            case SessionClose():
                await self.close("close_requested", cid)
            case _:
                await self.emit(
                    _error(
                        "invalid_request_error",
                        "unknown_event",
                        f"{event.type} is not simulated",
                        cid,
                    )
                )

    async def _start(self, event: SessionStart | ForkSessionStart, cid: str | None) -> None:
        if self.session is not None:
            await self.emit(
                _error(
                    "invalid_request_error",
                    "session_already_started",
                    "the session has already started",
                    cid,
                )
            )
            return
        number = self.primary.number
        if isinstance(event, ForkSessionStart):
            stored = self.sessions.get(self.stored_from or "")
            if stored is None or stored.session is None or not stored.session.store:
                await self.emit(
                    _error(
                        "invalid_request_error",
                        "session_not_found",
                        f"no stored session {self.stored_from!r}",
                        cid,
                    )
                )
                return
            base = stored.session
            overrides: Any = event.session
            audio = base.audio
            if (
                not _unset(overrides.audio)
                and overrides.audio is not None
                and not _unset(overrides.audio.format)
            ):
                audio = Audio(
                    format=overrides.audio.format, output=base.audio.output if base.audio else None
                )  # type: ignore[arg-type]
            self.session = _replace(
                base,
                id=f"live_fake{number:04d}",
                expires_at=int(time.time()) + _SESSION_SECONDS,
                audio=audio,
                store=base.store if _unset(overrides.store) else overrides.store,
            )
        else:
            config = event.session
            if not config.model:
                await self.emit(
                    ErrorEvent(
                        event_id=AUTO_ID,
                        error=ErrorDetail(
                            code="missing_required_parameter",
                            message="session.model is required",
                            type="invalid_request_error",
                            param="session.model",
                            client_event_id=cid,
                        ),
                        client_event_id=cid,
                    )
                )
                return
            problem = live_model_problem(config.model) if self.server.strict else None
            if problem is not None:
                await self.emit(
                    ErrorEvent(
                        event_id=AUTO_ID,
                        error=ErrorDetail(
                            code=problem.code,
                            message=problem.message,
                            type="invalid_request_error",
                            param=problem.param,
                            client_event_id=cid,
                        ),
                        client_event_id=cid,
                    )
                )
                return
            self.session = SessionResource(
                id=f"live_fake{number:04d}",
                expires_at=int(time.time()) + _SESSION_SECONDS,
                model=config.model,
                status="active",
                audio=_opt(config.audio) or Audio(format=AudioPcm(rate=24000)),
                client=_opt(config.client),
                delegation=_opt(config.delegation),
                input=_opt(config.input),
                instructions=_opt(config.instructions),
                store=_opt(config.store),
                triggers=_opt(config.triggers),
            )
        session: SessionResource = self.session  # pyright: ignore[reportAssignmentType] # set above
        self.sessions[session.id] = self
        await self.emit(SessionStarted(event_id=AUTO_ID, session=session, client_event_id=cid))

    def _appended(self, cls: Any, cid: str | None) -> Any:
        return cls(
            event_id=AUTO_ID,
            start_ms=self.timeline_ms,
            end_ms=self.timeline_ms,
            client_event_id=cid,
        )

    # -- speech ----------------------------------------------------------------------------

    async def _append(self, audio: bytes) -> None:
        if self.observers:
            await self.emit(SessionInputAudioAppendEvent(audio=audio), observers_only=True)
        if self.session is not None and self.session.store:
            self.recording += audio[: max(0, _MAX_RECORDING - len(self.recording))]
        ms = self._ms(len(audio))
        self.timeline_ms += ms
        self.audio_ms += ms
        if self.muted:
            return
        if audio.count(0) == len(audio):
            await self._end_turn()
        else:
            self._turn_bytes += len(audio)

    async def _end_turn(self) -> None:
        if not self._turn_bytes:
            return
        speech_ms = self._ms(self._turn_bytes)
        self._turn_bytes = 0
        self._turns += 1
        transcript = f"({speech_ms} ms of speech)"
        await self._transcribed(
            SessionInputTranscriptDelta(
                event_id=AUTO_ID,
                delta=transcript,
                start_ms=self.timeline_ms - speech_ms,
                end_ms=self.timeline_ms,
            )
        )
        delegation = self.session.delegation if self.session is not None else None
        if isinstance(delegation, ClientDelegation | ResponsesDelegation | DecisionsDelegation):
            target = {
                ClientDelegation: "client",
                ResponsesDelegation: "responses",
                DecisionsDelegation: "decisions",
            }[type(delegation)]
            delegation_id = f"deleg_{self._turns}"
            self._delegations[delegation_id] = target
            await self.emit(
                SessionDelegationCreated(
                    event_id=AUTO_ID,
                    delegation=DelegationInfo(
                        id=delegation_id,
                        target=target,
                        response_id=f"resp_{self._turns}" if target == "responses" else None,
                    ),
                    offset_ms=self.timeline_ms,
                )
            )
            if isinstance(delegation, DecisionsDelegation):
                # The Decision API answers the delegated task at once.
                config = delegation.decisions
                await self.emit(
                    DecisionEvent(
                        event_id=AUTO_ID,
                        event=DecisionCompleted(decision=_decision(config.questions, config.model)),
                        delegation_id=delegation_id,
                    )
                )
            return
        instructions = self.session.instructions if self.session is not None else None
        turn = Turn(
            conversation=(),
            instructions=instructions,
            output_modalities=("audio",),
            last_user_audio_ms=speech_ms,
            index=self._turns - 1,
        )
        # A Live session has no tool calls of its own: only the text is spoken.
        spoken = [
            part for part in reply_items(self.server.responder(turn)) if isinstance(part, str)
        ]
        await self._speak(" ".join(spoken))

    async def _transcribed(
        self, delta: SessionInputTranscriptDelta | SessionOutputTranscriptDelta
    ) -> None:
        """Send a transcript delta, then evaluate the triggers that watch its kind."""
        await self.emit(delta)
        triggers = self.session.triggers if self.session is not None else None
        for trigger in triggers or ():
            if trigger.event_type != delta.type:
                continue
            self._trigger_firings += 1
            decision = _decision(trigger.decisions.questions, _TRIGGER_MODEL)
            await self.emit(
                DecisionEvent(
                    event_id=AUTO_ID,
                    event=DecisionCompleted(decision=decision),
                    source_event_id=delta.event_id,
                    source_event_type=delta.type,
                    trigger_id=f"trig_{self._trigger_firings}",
                )
            )

    async def _speak(self, text: str) -> None:
        size = max(1, self.server.delta_size)
        for i in range(0, len(text), size):
            piece = text[i : i + size]
            ms = max(1, len(piece) * 40)
            await self._transcribed(
                SessionOutputTranscriptDelta(
                    event_id=AUTO_ID,
                    delta=piece,
                    start_ms=self.timeline_ms,
                    end_ms=self.timeline_ms + ms,
                )
            )
            await self._speak_audio(bytes(self._rate() * 2 * ms // 1000))
            if self.server.delta_interval:
                await trio.sleep(self.server.delta_interval)
        # The end of every spoken reply: the usage so far.
        await self.emit(
            SessionUsageUpdated(event_id=AUTO_ID, usage=SessionUsage(seconds=self.audio_ms / 1000))
        )

    async def _speak_audio(self, audio: bytes) -> None:
        chunk = max(2, self._rate() * 2 * self.server.audio_chunk_ms // 1000)
        for i in range(0, len(audio), chunk):
            piece = audio[i : i + chunk]
            self.timeline_ms += self._ms(len(piece))
            await self.emit(SessionOutputAudioDelta(delta=piece))

    # -- delegated work ------------------------------------------------------------------------

    async def _decide(self, event_id: str) -> None:
        if event_id in self._used_decision_ids:
            await self.emit(
                _error(
                    "invalid_request_error",
                    "duplicate_event_id",
                    f"event_id {event_id!r} was used before",
                    event_id,
                )
            )
            return
        self._used_decision_ids.add(event_id)
        delegation = self.session.delegation if self.session is not None else None
        if not isinstance(delegation, DecisionsDelegation):
            await self.emit(
                _error(
                    "invalid_request_error",
                    "decisions_not_configured",
                    "decision.create needs a decisions delegation",
                    event_id,
                )
            )
            return
        decision = _decision(delegation.decisions.questions, delegation.decisions.model)
        await self.emit(DecisionEvent(event_id=AUTO_ID, event=DecisionCompleted(decision=decision)))

    async def _respond(self, event: LiveClientEvent, cid: str | None) -> None:
        delegation = self.session.delegation if self.session is not None else None
        if not isinstance(delegation, ResponsesDelegation):
            await self.emit(
                _error(
                    "invalid_request_error",
                    "responses_not_configured",
                    f"{event.type} needs a responses delegation",
                    cid,
                )
            )
            return
        if isinstance(event, ResponseItemCreate):
            await self.emit(
                ResponseEvent(
                    event_id=AUTO_ID,
                    event={"type": "conversation.item.added", "item": event.item},
                    client_event_id=cid,
                )
            )
            return
        self._turns += 1
        response = {
            "id": f"resp_fake{self._turns}",
            "object": "response",
            "model": delegation.responses.model,
        }
        for status in ("created", "completed"):
            body = {**response, "status": "in_progress" if status == "created" else "completed"}
            await self.emit(
                ResponseEvent(
                    event_id=AUTO_ID,
                    event={"type": f"response.{status}", "response": body},
                    client_event_id=cid,
                )
            )

    # -- the end ------------------------------------------------------------------------------

    async def close(self, reason: str, cid: str | None = None) -> None:
        """End the session: ``session.closed`` with ``reason``, then close every WebSocket."""
        if self.closed or self.session is None:
            return
        self.closed = True
        await self.emit(
            SessionClosed(
                event_id=AUTO_ID,
                reason=reason,
                session=self.session,
                usage=SessionUsage(seconds=self.audio_ms / 1000),
                client_event_id=cid,
            )
        )
        if not self.session.store:
            self.sessions.pop(self.session.id, None)
        for conn in [self.primary, *self.observers]:
            if not conn.closed:
                await conn.close(1000)


def _unset(value: object) -> bool:
    return value is msgspec.UNSET


def _opt(value: Any) -> Any:
    return None if _unset(value) else value


def _replace(struct: Any, **changes: Any) -> Any:
    return msgspec.structs.replace(struct, **changes)


def _decision(questions: list[Question], model: str) -> Decision:
    """The fake's fixed answers: a predicate at 0.5, a choice's first option, a
    score's first level, each at full confidence."""
    answers: list[Any] = []
    for question in questions:
        name: str | None = _opt(question.name)
        if isinstance(question, PredicateQuestion):
            answers.append(PredicateAnswer(probability=0.5, name=name))
        elif isinstance(question, ChoiceQuestion):
            first = question.choices[0].value
            answers.append(
                ChoiceAnswer(
                    choice=first,
                    confidence=1.0,
                    name=name,
                    probabilities=[ChoiceProbability(probability=1.0, value=first)],
                )
            )
        else:
            level = question.levels[0].label
            answers.append(
                ScoreAnswer(
                    confidence=1.0,
                    score=0.0,
                    name=name,
                    probabilities=[ScoreProbability(label=level, probability=1.0, value=0)],
                )
            )
    usage = DecisionUsage(
        input_tokens=10,
        input_tokens_details=InputTokensDetails(cache_write_tokens=0, cached_tokens=0),
        output_tokens=len(answers),
        output_tokens_details=OutputTokensDetails(reasoning_tokens=0),
        total_tokens=10 + len(answers),
    )
    return Decision(answers=answers, model=model, usage=usage)
