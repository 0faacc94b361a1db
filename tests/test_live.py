"""GPT-Live sessions: the start and end handshakes over memory streams (mock
clock), and whole sessions, sidebands and forks against the fake server."""

from __future__ import annotations

import json
from typing import Any

import pytest
import trio
import trio.testing
from _wire import CLOSE, TEXT, Server, close_payload, frame

import trio_realtime as rt
from trio_realtime import live
from trio_realtime._client import prepare_handshake
from trio_realtime._connection import start_connection
from trio_realtime._open import _Session  # pyright: ignore[reportPrivateUsage]
from trio_realtime._options import Options
from trio_realtime.live._connection import LIVE
from trio_realtime.live._open import _await_started  # pyright: ignore[reportPrivateUsage]
from trio_realtime.testing import open_fake_server


@pytest.fixture
def autojump_clock() -> trio.testing.MockClock:
    # pytest-trio runs a test that asks for it on this clock: timeouts are
    # reached at once, without real sleeps.
    return trio.testing.MockClock(autojump_threshold=0)


START = live.SessionStart(session=live.SessionConfig(model="gpt-live-1"))
RESOURCE = {"id": "live_1", "expires_at": 1, "model": "gpt-live-1", "status": "active"}


def started(cid: str = "c1") -> bytes:
    event = {"type": "session.started", "event_id": "e1", "session": RESOURCE}
    return json.dumps({**event, "client_event_id": cid}).encode()


def closed(reason: str = "close_requested") -> bytes:
    event = {
        "type": "session.closed",
        "event_id": "e9",
        "reason": reason,
        "session": RESOURCE,
        "usage": {"seconds": 1.5},
    }
    return json.dumps(event).encode()


def info(code: str) -> bytes:
    return json.dumps({"type": "info", "event_id": "e5", "code": code, "message": "m"}).encode()


def live_session(
    script: Any, server_nursery: trio.Nursery | None = None, **options: Any
) -> _Session[live.LiveConnection]:
    """`open_live` over a memory stream whose server end runs ``script`` (in the
    session's nursery, or in ``server_nursery`` to outlive the session)."""

    async def connect(nursery: trio.Nursery) -> live.LiveConnection:
        client_end, server_end = trio.testing.memory_stream_pair()
        opts = Options(**options)
        conn = start_connection(nursery, live.LiveConnection, LIVE, client_end, b"", opts, "ws://t")
        (server_nursery or nursery).start_soon(script, Server(server_end))
        try:
            await _await_started(
                conn, START, trio.current_time() + opts.connect_timeout, opts.connect_timeout
            )
        except BaseException:
            await conn._close(flush=False, polite=False)  # pyright: ignore[reportPrivateUsage]
            raise
        return conn

    return _Session(connect)


async def first_command(server: Server) -> dict[str, Any]:
    opcode, payload = await server.read_frame()
    assert opcode == TEXT
    return json.loads(payload)


async def answer_close(server: Server, *before: bytes, reason: str = "close_requested") -> None:
    """Wait for session.close, send ``before`` and session.closed, then the close frame."""
    while (await first_command(server))["type"] != "session.close":
        pass
    for payload in before:
        await server.text(payload)
    await server.text(closed(reason))
    await server.read_until(CLOSE)
    await server.send(frame(CLOSE, close_payload(1000)))
    await server.stream.aclose()


# -- the start ---------------------------------------------------------------------


async def test_ready_only_after_started_and_early_events_come_first() -> None:
    async def script(server: Server) -> None:
        command = await first_command(server)
        assert command["type"] == "session.start"
        assert command["session"] == {"model": "gpt-live-1"}
        await server.text(info("warming_up"))
        await server.text(started(command["event_id"]))
        await answer_close(server)

    with trio.fail_after(5):
        async with live_session(script) as conn:
            assert conn.session is not None
            assert conn.session.id == "live_1"
            # Nothing received is lost: what came before session.started, then it.
            early = await conn.receive()
            assert isinstance(early, live.InfoEvent)
            assert early.code == "warming_up"
            assert isinstance(await conn.receive(), live.SessionStarted)
            assert conn.statistics().events_received == 2
    assert conn.close_result is not None
    assert conn.close_result.reason == "close_requested"
    assert conn.close_result.closed is not None
    assert conn.close_result.closed.usage.seconds == 1.5


async def test_error_before_started_is_a_live_start_error() -> None:
    async def script(server: Server) -> None:
        command = await first_command(server)
        error = {"code": "invalid_value", "message": "no such voice"}
        error |= {"type": "invalid_request_error", "param": "session.audio.output.voice"}
        payload = {"type": "error", "event_id": "e1", "error": error}
        payload["client_event_id"] = command["event_id"]
        await server.text(json.dumps(payload).encode())
        await server.read_all()

    with trio.fail_after(5), pytest.raises(rt.LiveStartError) as caught:
        async with live_session(script):
            pytest.fail("entered the block without session.started")
    assert "invalid_value: no such voice (param session.audio.output.voice)" in str(caught.value)
    assert isinstance(caught.value.event, live.ErrorEvent)
    assert isinstance(caught.value, rt.ConnectError)


async def test_no_started_within_connect_timeout(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def script(server: Server) -> None:
        await server.read_all()  # reads, never answers

    with trio.fail_after(5), pytest.raises(rt.LiveStartTimeout) as caught:
        async with live_session(script, connect_timeout=0.2):
            pytest.fail("entered the block without session.started")
    assert "0.2s" in str(caught.value)
    assert isinstance(caught.value, rt.RealtimeTimeout)


async def test_server_closing_before_started_is_a_live_start_error() -> None:
    async def script(server: Server) -> None:
        await first_command(server)
        await server.send(frame(CLOSE, close_payload(1000)))
        await server.read_all()

    with trio.fail_after(5), pytest.raises(rt.LiveStartError, match=r"before session\.started"):
        async with live_session(script):
            pass


# -- the end -------------------------------------------------------------------------


async def test_storage_failure_during_the_close_is_raised() -> None:
    async def script(server: Server) -> None:
        command = await first_command(server)
        await server.text(started(command["event_id"]))
        await answer_close(server, info("session_storage_failed"))

    with trio.fail_after(5), pytest.raises(rt.LiveStorageError) as caught:
        async with live_session(script) as conn:
            pass
    result = caught.value.result
    assert result is conn.close_result
    assert result.reason == "close_requested"
    assert isinstance(caught.value.notice, live.InfoEvent)
    # Nothing unreceived is lost: the started event the block never took, too.
    kinds = [type(e) for e in result.events]
    assert kinds == [live.SessionStarted, live.InfoEvent, live.SessionClosed]


async def test_storage_failure_the_consumer_received_is_not_raised_again() -> None:
    async def script(server: Server) -> None:
        command = await first_command(server)
        await server.text(started(command["event_id"]))
        await server.text(info("session_storage_failed"))
        await answer_close(server)

    with trio.fail_after(5):
        async with live_session(script) as conn:
            assert isinstance(await conn.receive(), live.SessionStarted)
            notice = await conn.receive()
            assert isinstance(notice, live.InfoEvent)
    assert conn.close_result is not None
    assert conn.close_result.storage_failure is notice


async def test_closed_that_never_comes_is_a_close_timeout(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def script(server: Server) -> None:
        command = await first_command(server)
        await server.text(started(command["event_id"]))
        while (await first_command(server))["type"] != "session.close":
            pass
        await server.read_until(CLOSE)
        await server.send(frame(CLOSE, close_payload(1000)))
        await server.stream.aclose()

    with (
        trio.fail_after(5),
        pytest.raises(rt.CloseTimeout, match=r"session\.closed did not arrive"),
    ):
        async with live_session(script, close_timeout=0.2) as conn:
            pass
    assert conn.close_result is not None
    assert conn.close_result.closed is None


async def test_session_closed_by_the_server_is_not_closed_again() -> None:
    async def script(server: Server) -> None:
        command = await first_command(server)
        await server.text(started(command["event_id"]))
        await server.text(closed("expired"))
        await server.send(frame(CLOSE, close_payload(1000)))
        frames = await server.read_all()
        assert all(opcode != TEXT for opcode, _ in frames), "sent a command after session.closed"

    with trio.fail_after(5):
        async with live_session(script) as conn:
            events = [event async for event in conn]
    assert [type(e) for e in events] == [live.SessionStarted, live.SessionClosed]
    assert conn.close_result is not None
    assert conn.close_result.reason == "expired"


async def test_cancelled_while_waiting_for_closed_still_closes_the_socket(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def script(server: Server) -> None:
        command = await first_command(server)
        await server.text(started(command["event_id"]))
        await server.read_all()

    with trio.fail_after(5):
        with trio.move_on_after(0.3):
            async with live_session(script, close_timeout=100) as conn:
                pass
    assert conn.close_result is not None
    assert conn.statistics().events_unsent == 0


# -- the commands a connection takes --------------------------------------------------


async def test_wrong_commands_are_refused_at_send() -> None:
    async with (
        open_fake_server() as server,
        live.open_live(server.client(), "gpt-live-1") as conn,
    ):
        with pytest.raises(TypeError, match="not a command a GPT-Live connection takes"):
            await conn.send(live.TransportDtmfSend(event="5"))
        with pytest.raises(TypeError, match="client event"):
            await conn.send(rt.events.ResponseCreate())  # type: ignore[arg-type]
        with pytest.raises(rt.Base64AudioError):
            live.SessionInputAudioAppend(audio="AAAA")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="sent_event"):
            conn.sent_event(5)
        assert conn.sent_event("c-unknown") is None


def test_model_and_session_must_agree() -> None:
    with pytest.raises(rt.ConfigurationError, match="needs a model"):
        live.open_live(rt.Client(api_key="k"))
    with pytest.raises(rt.ConfigurationError, match="disagree"):
        live.open_live(rt.Client(api_key="k"), "a", session=live.SessionConfig(model="b"))
    with pytest.raises(rt.ConfigurationError, match="session_id"):
        live.open_live_sideband(rt.Client(api_key="k"), "")


# -- URLs -------------------------------------------------------------------------------


async def test_live_url_has_no_query_parameters() -> None:
    client = rt.Client(api_key="sk-test", base_url="https://api.openai.com/v1")
    handshake = await prepare_handshake(client, path="/live/sessions", live=True)
    assert handshake.url == "wss://api.openai.com/v1/live/sessions"


@pytest.mark.parametrize(
    ("credential", "header"),
    [({"api_key": "azure-key"}, "api-key"), ({"azure_ad_token": "entra"}, "authorization")],
)
async def test_azure_live_is_the_v1_endpoint(credential: dict[str, str], header: str) -> None:
    client = rt.Client.azure(
        endpoint="https://res.openai.azure.com", api_version="2025-08-28", **credential
    )
    handshake = await prepare_handshake(client, path="/live/sessions", live=True)
    assert handshake.url == "wss://res.openai.azure.com/openai/v1/live/sessions"
    names = {name.lower() for name, _ in handshake.headers}
    assert header in names
    deployed = rt.Client.azure(
        base_url="https://res.openai.azure.com/openai/deployments/live1",
        api_version="2025-08-28",
        api_key="k",
    )
    attach = await prepare_handshake(deployed, path="/live/sessions/s1/attach", live=True)
    assert attach.url == "wss://res.openai.azure.com/openai/v1/live/sessions/s1/attach"


# -- against the fake server -------------------------------------------------------------


async def _until(conn: live.LiveConnection, cls: type[Any]) -> list[Any]:
    seen: list[Any] = []
    async for event in conn:
        seen.append(event)
        if isinstance(event, cls):
            return seen
    raise AssertionError(f"no {cls.__name__}")


async def test_a_spoken_turn_against_the_fake_server() -> None:
    with trio.fail_after(10):
        async with open_fake_server() as server:
            config = live.SessionConfig(model="gpt-live-1", instructions="Be brief.")
            async with live.open_live(server.client(), session=config) as conn:
                assert conn.session is not None
                assert conn.session.instructions == "Be brief."
                await conn.send(live.SessionInputAudioAppend(audio=b"\x01\x00" * 4800))
                await conn.send(live.SessionInputAudioAppend(audio=bytes(480)))
                seen = await _until(conn, live.SessionUsageUpdated)
            fake = server.connections[0]
            assert fake.path == "/v1/live/sessions"
            assert fake.query == {}
            assert isinstance(fake.received[0], live.SessionStart)
            assert isinstance(fake.received[-1], live.SessionClose)
    heard = [e.delta for e in seen if isinstance(e, live.SessionInputTranscriptDelta)]
    assert heard == ["(200 ms of speech)"]
    said = "".join(e.delta for e in seen if isinstance(e, live.SessionOutputTranscriptDelta))
    assert said == "I heard 200 ms of audio."
    audio = b"".join(e.delta for e in seen if isinstance(e, live.SessionOutputAudioDelta))
    assert audio
    assert audio.count(0) == len(audio)
    assert conn.close_result is not None
    assert conn.close_result.reason == "close_requested"


async def test_fake_refuses_a_start_without_model() -> None:
    with trio.fail_after(10):
        async with open_fake_server() as server:
            with pytest.raises(rt.LiveStartError, match="missing_required_parameter"):
                async with live.open_live(server.client(), session=live.SessionConfig(model="")):
                    pass


async def test_sideband_sees_the_call_and_sends_dtmf() -> None:
    with trio.fail_after(10):
        async with open_fake_server() as server:
            client = server.client()
            async with live.open_live(client, "gpt-live-1") as conn:
                assert conn.session is not None
                session_id = conn.session.id
                async with live.open_live_sideband(client, session_id, graceful_close=True) as side:
                    with pytest.raises(TypeError, match="sideband"):
                        await side.send(live.SessionInputAudioAppend(audio=b"\x01\x00"))
                    await side.send(live.TransportDtmfSend(event="5", event_id="key5"))
                    sent = await _until(side, live.TransportDtmfSent)
                    assert sent[-1].client_event_id == "key5"
                    # Answered, so the server has the sideband connection by now.
                    attach = server.connections[-1]
                    assert attach.path == f"/v1/live/sessions/{session_id}/attach"
                    assert attach.query == {"graceful_close": "true"}
                    await conn.send(live.SessionInputAudioAppend(audio=b"\x01\x00" * 480))
                    reflected = await _until(side, live.SessionInputAudioAppendEvent)
                    assert reflected[-1].audio == b"\x01\x00" * 480
                    await conn.send(live.SessionCommentaryAppend(content="Your order shipped."))
                    copies = await _until(side, live.SessionOutputAudioDelta)
                    assert copies[-1].start_ms is not None
                    assert copies[-1].end_ms is not None
                # Leaving the sideband detached it; the session goes on.
                await conn.send(live.SessionInputAudioMute())
                await _until(conn, live.SessionInputAudioMuted)
            with pytest.raises(rt.NotFoundError):
                async with live.open_live_sideband(client, "live_nope"):
                    pass


async def test_fork_of_a_stored_session() -> None:
    with trio.fail_after(10):
        async with open_fake_server() as server:
            client = server.client()
            config = live.SessionConfig(model="gpt-live-1", store=True, instructions="Hi")
            async with live.open_live(client, session=config) as first:
                assert first.session is not None
                stored = first.session.id
            fork = live.ForkSessionConfig(audio=live.ForkAudio(format=live.AudioPcmu(rate=8000)))
            async with live.open_live_fork(client, stored, session=fork) as conn:
                assert conn.session is not None
                assert conn.session.id != stored
                assert conn.session.instructions == "Hi"
                assert conn.session.audio is not None
                assert conn.session.audio.format == live.AudioPcmu(rate=8000)
            assert server.connections[-1].path == f"/v1/live/sessions/{stored}/fork"


async def test_connect_live_in_a_nursery_of_ones_own() -> None:
    with trio.fail_after(10):
        async with open_fake_server() as server, trio.open_nursery() as nursery:
            conn = await live.connect_live(nursery, server.client(), "gpt-live-1")
            await conn.send(live.SessionThinkingAppend(content="quiet"))
            seen = await _until(conn, live.SessionThinkingAppended)
            assert seen[-1].client_event_id is not None
            await conn.aclose()
            assert conn.close_result is not None
            assert conn.close_result.reason == "close_requested"


@pytest.mark.parametrize("cut", [0.5, 1.5, 2.5, 3.5])
async def test_cancel_at_every_stage_closes_the_socket(
    cut: float, autojump_clock: trio.testing.MockClock
) -> None:
    # The server answers each step a second late; the cancel lands while the
    # start is awaited (0.5), in the block (1.5), while session.closed is
    # awaited (2.5) and after the end (3.5). Every time the client's transport
    # ends (the server sees its end of the stream go) and nothing hangs.
    seen_eof = trio.Event()

    async def script(server: Server) -> None:
        try:
            command = await first_command(server)
            await trio.sleep(1)
            await server.text(started(command["event_id"]))
            while (await first_command(server))["type"] != "session.close":
                pass
            await trio.sleep(1)
            await server.text(closed())
            await server.read_until(CLOSE)
            await server.send(frame(CLOSE, close_payload(1000)))
            await server.stream.aclose()  # the server closes TCP first (RFC 6455)
        except (EOFError, trio.BrokenResourceError):
            pass  # the client's end of the stream is gone
        seen_eof.set()

    with trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            with trio.move_on_after(cut) as scope:
                async with live_session(script, nursery, close_timeout=10) as conn:
                    await trio.sleep(1)
            await seen_eof.wait()
    assert scope.cancelled_caught == (cut < 3)
    if cut > 1:
        assert conn.close_result is not None
        assert conn.close_result.reason == ("close_requested" if cut > 3 else None)
        with pytest.raises(trio.ClosedResourceError):
            await conn.send(live.ResponseCreate())


async def test_rest_hangup_and_recording_against_the_fake_server() -> None:
    from trio_realtime import rest

    speech = b"\x01\x00" * 2400
    with trio.fail_after(10):
        async with open_fake_server() as server, rest.open_rest(server.client()) as api:
            client = server.client()
            config = live.SessionConfig(model="gpt-live-1", store=True)
            async with live.open_live(client, session=config) as conn:
                assert conn.session is not None
                session_id = conn.session.id
                await conn.send(live.SessionInputAudioAppend(audio=speech))
                await conn.send(live.SessionInputAudioMute())
                await _until(conn, live.SessionInputAudioMuted)
                await api.live_sessions.hangup(session_id)
                events = [event async for event in conn]  # ends: the server closed
            assert [type(e) for e in events][-1:] == [live.SessionClosed], [type(e) for e in events]
            assert conn.close_result is not None
            assert conn.close_result.reason == "close_requested"
            assert await api.live_sessions.download_recording(session_id) == speech
            with pytest.raises(rt.BadRequestError, match="does not simulate"):
                await api.live_sessions.refer(session_id, "tel:+14155550123")
            with pytest.raises(rt.NotFoundError):
                await api.live_sessions.hangup("live_nope")


def test_open_live_outside_trio_names_itself() -> None:
    import asyncio

    async def under_asyncio() -> None:
        async with live.open_live(rt.Client(api_key="sk-x"), "gpt-live-1"):
            pass

    with pytest.raises(
        rt.RealtimeError, match=r"async with open_live\(\.\.\.\) was called under asyncio"
    ):
        asyncio.run(under_asyncio())


@pytest.mark.parametrize("strict", [False, True])
async def test_unknown_and_invalid_frames_as_on_the_realtime_path(strict: bool) -> None:
    async def script(server: Server) -> None:
        command = await first_command(server)
        await server.text(started(command["event_id"]))
        await server.text(b'{"type": "session.hologram.delta", "event_id": "e2"}')
        await server.text(b'{"type": "session.output_transcript.delta", "delta": 5}')
        await server.send(frame(0x2, b"\x00\x01"))
        await answer_close(server)

    with trio.fail_after(5):
        async with live_session(script, strict=strict) as conn:
            assert isinstance(await conn.receive(), live.SessionStarted)
            unknown = await conn.receive()
            assert isinstance(unknown, live.UnknownEvent)
            assert unknown.type == "session.hologram.delta"
            for _ in range(2):
                if strict:
                    with pytest.raises(rt.EventDecodeError):
                        await conn.receive()
                else:
                    assert isinstance(await conn.receive(), live.InvalidEvent)
            stats = conn.statistics()
    assert (stats.unknown_events, stats.invalid_events) == (1, 2)


async def test_primary_lost_ends_the_session_for_its_sideband() -> None:
    with trio.fail_after(10):
        async with open_fake_server() as server:
            client = server.client()
            async with trio.open_nursery() as nursery:
                conn = await live.connect_live(nursery, client, "gpt-live-1")
                assert conn.session is not None
                async with live.open_live_sideband(client, conn.session.id) as side:
                    await side.send(live.TransportDtmfSend(event="1"))
                    await _until(side, live.TransportDtmfSent)
                    fake = server.connections[0]
                    await fake.drop()  # the caller's connection breaks
                    seen = [event async for event in side]
                assert isinstance(seen[-1], live.SessionClosed)
                assert seen[-1].reason == "connection_lost"
                assert side.close_result is not None
                assert side.close_result.reason == "connection_lost"
                with pytest.raises(rt.ConnectionClosed):  # the drop, as on Realtime
                    async for _ in conn:
                        pass
                await conn.aclose()


async def test_decisions_triggers_and_delegation_against_the_fake_server() -> None:
    questions: list[live.Question] = [
        live.PredicateQuestion(instructions="Is the caller upset?", name="upset"),
        live.ChoiceQuestion(
            instructions="Which department?",
            choices=[live.ChoiceOption(value="billing"), live.ChoiceOption(value="support")],
        ),
        live.ScoreQuestion(
            instructions="How urgent?", levels=[live.ScoreLevel(label="low")], name="urgency"
        ),
    ]
    trigger = live.DecisionTrigger(
        decisions=live.TriggerDecisions(questions=questions[:1]),
        event_type="session.input_transcript.delta",
    )
    config = live.SessionConfig(
        model="gpt-live-1",
        delegation=live.DecisionsDelegation(
            decisions=live.DecisionsConfig(model="gpt-decide", questions=questions)
        ),
        triggers=[trigger],
    )
    with trio.fail_after(10):
        async with (
            open_fake_server() as server,
            live.open_live(server.client(), session=config) as conn,
        ):
            await conn.send(live.DecisionItemCreate(item=live.DecisionItem.message("user", "Hi")))
            created = (await _until(conn, live.DecisionItemCreated))[-1]
            assert isinstance(created.item.id, str)
            await conn.send(live.DecisionCreate(event_id="eval-1"))
            asked = (await _until(conn, live.DecisionEvent))[-1]
            answers = asked.event.decision.answers
            assert [type(a) for a in answers] == [
                live.PredicateAnswer,
                live.ChoiceAnswer,
                live.ScoreAnswer,
            ]
            assert answers[1].choice == "billing"  # type: ignore[union-attr]
            await conn.send(live.DecisionCreate(event_id="eval-1"))
            reused = (await _until(conn, live.ErrorEvent))[-1]
            assert reused.error.code == "duplicate_event_id"
            assert conn.sent_event(reused) == live.DecisionCreate(event_id="eval-1")
            # A spoken turn: the trigger fires on its transcript, then the turn
            # is delegated to the Decision API, which answers it.
            await conn.send(live.SessionInputAudioAppend(audio=b"\x01\x00" * 2400))
            await conn.send(live.SessionInputAudioMute())
            seen = await _until(conn, live.SessionDelegationCreated)
            heard = next(e for e in seen if isinstance(e, live.SessionInputTranscriptDelta))
            fired = [e for e in seen if isinstance(e, live.DecisionEvent)]
            assert len(fired) == 1
            assert fired[0].trigger_id is not None
            assert fired[0].source_event_id == heard.event_id
            assert fired[0].source_event_type == "session.input_transcript.delta"
            delegated = seen[-1].delegation
            assert delegated.target == "decisions"
            answer = (await _until(conn, live.DecisionEvent))[-1]
            assert answer.delegation_id == delegated.id
            assert answer.event.decision.model == "gpt-decide"
