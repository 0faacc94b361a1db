"""The agent layer against the fake server's engine: tools, sequencing, errors, interruption.

Sessions run over memory streams (`_memory_fake`) under
``MockClock(autojump_threshold=0)``, so tool timeouts, pacing and the playback
clock are exact and nothing really sleeps.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import trio
import trio.testing
from _memory_fake import TEXT, agent_on, memory_session, seen, until

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime.audio import PCM16, PCMA, PCMU, AudioFormat, PlaybackClock
from trio_realtime.testing import FakeServer, ToolCall, open_fake_server

pytestmark = pytest.mark.trio


@pytest.fixture
def autojump_clock() -> trio.testing.MockClock:
    return trio.testing.MockClock(autojump_threshold=0)


@rt.tool
async def get_weather(city: str, unit: str = "celsius") -> dict[str, Any]:
    """The weather now in a city."""
    return {"city": city, "temperature": 21, "unit": unit}


def outputs(server: FakeServer) -> list[ev.FunctionCallOutput]:
    return [
        e.item
        for e in server.received_of(ev.ConversationItemCreate)
        if isinstance(e.item, ev.FunctionCallOutput)
    ]


# -- tools ---------------------------------------------------------------------


async def test_one_tool_call_turn(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(30):
        async with (
            open_fake_server() as server,
            agent_on(server, tools=[get_weather]) as (
                conn,
                agent,
            ),
        ):
            server.script(ToolCall("get_weather", {"city": "Paris"}))
            reply = await agent.ask("What is the weather in Paris?")
            assert reply.status == "completed"
            assert reply.text == (
                'The tool returned: {"city":"Paris","temperature":21,"unit":"celsius"}'
            )
            (call,) = reply.tool_calls
            assert (call.name, call.arguments, call.error) == (
                "get_weather",
                '{"city":"Paris"}',
                None,
            )
            assert len(reply.response_ids) == 2
            # The tools went into the session; one output, then exactly one follow-up.
            update = server.received_of(ev.SessionUpdate)[-1]
            assert isinstance(update.session, ev.RealtimeSession)
            assert isinstance(update.session.tools, list)
            (definition,) = update.session.tools
            assert isinstance(definition, ev.FunctionTool)
            assert definition.name == "get_weather"
            assert definition.parameters == {
                "type": "object",
                "properties": {
                    "city": {"type": "string"},
                    "unit": {"type": "string", "default": "celsius"},
                },
                "required": ["city"],
            }
            assert [o.output for o in outputs(server)] == [call.output]
            kinds = [type(e) for e in server.received]
            assert kinds.count(ev.ResponseCreate) == 2
            last_output = max(
                i
                for i, e in enumerate(server.received)
                if isinstance(e, ev.ConversationItemCreate)
                and isinstance(e.item, ev.FunctionCallOutput)
            )
            assert kinds[last_output + 1 :] == [ev.ResponseCreate]
            # The conversation followed it all.
            assert [i.type for i in agent.conversation.items] == [
                "message",
                "function_call",
                "function_call_output",
                "message",
            ]
            assert conn.statistics().events_rejected == 0


async def test_tool_choice_required_makes_the_fake_call_with_schema_arguments(
    autojump_clock: trio.testing.MockClock,
) -> None:
    session = ev.RealtimeSession(output_modalities=["text"], tool_choice="required")
    with trio.fail_after(30):
        async with (
            open_fake_server() as server,
            agent_on(server, session, tools=[get_weather], register_tools=False) as (conn, agent),
        ):
            await conn.send(
                ev.SessionUpdate(session=ev.RealtimeSession(tools=[get_weather.definition()]))
            )
            reply = await agent.ask("Weather?")
            (call,) = reply.tool_calls
            assert call.arguments == '{"city":"example"}'
            assert reply.text.startswith('The tool returned: {"city":"example"')


async def test_parallel_calls_run_concurrently_and_answer_once(
    autojump_clock: trio.testing.MockClock,
) -> None:
    arrived: dict[str, trio.Event] = {"a": trio.Event(), "b": trio.Event()}

    async def meet(who: str, other: str) -> str:
        arrived[who].set()
        await arrived[other].wait()  # only returns if both run at once
        return f"{who} done"

    @rt.tool
    async def left() -> str:
        """Left."""
        return await meet("a", "b")

    @rt.tool
    async def right() -> str:
        """Right."""
        return await meet("b", "a")

    with trio.fail_after(30):
        async with (
            open_fake_server() as server,
            agent_on(server, tools=[left, right]) as (
                _,
                agent,
            ),
        ):
            server.script([ToolCall("left"), ToolCall("right")])
            reply = await agent.ask("both")
            assert [c.output for c in reply.tool_calls] == ["a done", "b done"]
            assert [o.output for o in outputs(server)] == ["a done", "b done"]
            assert len(server.received_of(ev.ResponseCreate)) == 2
            assert reply.text == "The tool returned: b done"


async def test_sync_tool_runs_in_a_worker_thread() -> None:
    import threading

    main = threading.get_ident()

    @rt.tool
    def where() -> dict[str, bool]:
        """Which thread."""
        return {"worker": threading.get_ident() != main}

    with trio.fail_after(30):
        async with open_fake_server() as server, agent_on(server, tools=[where]) as (_, agent):
            server.script(ToolCall("where"))
            reply = await agent.ask("?")
            assert reply.tool_calls[0].output == '{"worker":true}'


async def test_a_tool_that_raises_becomes_an_error_output(
    autojump_clock: trio.testing.MockClock, caplog: pytest.LogCaptureFixture
) -> None:
    @rt.tool
    async def lookup(city: str) -> str:
        """Look a city up."""
        raise LookupError(f"no such city: {city}")

    with trio.fail_after(30):
        async with open_fake_server() as server, agent_on(server, tools=[lookup]) as (_, agent):
            server.script(ToolCall("lookup", {"city": "Atlantis"}))
            reply = await agent.ask("Atlantis?")
            (call,) = reply.tool_calls
            assert call.error == "lookup failed: LookupError: no such city: Atlantis"
            assert call.output == ('{"error":"lookup failed: LookupError: no such city: Atlantis"}')
            assert "Traceback" not in outputs(server)[0].output
            assert reply.status == "completed"
    assert any("tool lookup raised" in r.message for r in caplog.records)


async def test_a_tool_that_times_out(autojump_clock: trio.testing.MockClock) -> None:
    cancelled = trio.Event()

    @rt.tool(timeout=2.5)
    async def slow() -> str:
        """Slow."""
        try:
            await trio.sleep(60)
        finally:
            cancelled.set()
        return "never"

    with trio.fail_after(30):
        async with open_fake_server() as server, agent_on(server, tools=[slow]) as (_, agent):
            server.script(ToolCall("slow"))
            start = trio.current_time()
            reply = await agent.ask("go")
            assert cancelled.is_set()
            assert reply.tool_calls[0].error == "slow timed out after 2.5 s"
            assert 2.5 <= trio.current_time() - start < 3


async def test_bad_arguments_go_back_to_the_model(autojump_clock: trio.testing.MockClock) -> None:
    called: list[object] = []

    @rt.tool
    async def add(a: int, b: int) -> int:
        """Add."""
        called.append((a, b))
        return a + b

    with trio.fail_after(30):
        async with open_fake_server() as server, agent_on(server, tools=[add]) as (_, agent):
            server.script(ToolCall("add", {"a": 1, "b": "two"}), ToolCall("add", "{not json"))
            reply = await agent.ask("add")
            assert called == []
            first, second = reply.tool_calls
            assert first.error == "invalid arguments for add: Expected `int`, got `str` - at `$.b`"
            assert second.error is not None
            assert second.error.startswith("invalid arguments for add: JSON is malformed")
            assert len(reply.response_ids) == 3


async def test_an_unknown_tool_is_answered_with_an_error(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with trio.fail_after(30):
        async with (
            open_fake_server() as server,
            agent_on(server, tools=[get_weather]) as (
                _,
                agent,
            ),
        ):
            server.script(ToolCall("get_time"))
            reply = await agent.ask("time?")
            assert reply.tool_calls[0].error == (
                "unknown tool 'get_time' (the tools are: get_weather)"
            )


async def test_tool_rounds_are_bounded(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(30):
        async with (
            open_fake_server() as server,
            agent_on(server, tools=[get_weather], max_tool_rounds=2) as (_, agent),
        ):
            server.script(*[ToolCall("get_weather", {"city": "X"})] * 5)
            reply = await agent.ask("loop")
            assert len(reply.tool_calls) == 3  # three responses called; two were answered
            assert len(server.received_of(ev.ResponseCreate)) == 3


# -- sequencing and errors --------------------------------------------------------


async def test_a_second_request_waits_for_response_done(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with trio.fail_after(30):
        async with (
            open_fake_server(delta_interval=0.25) as server,
            agent_on(server) as (
                conn,
                agent,
            ),
        ):
            events = seen(conn)
            replies: list[rt.Reply] = []

            async def ask(text: str) -> None:
                replies.append(await agent.ask(text))

            async with trio.open_nursery() as nursery:
                nursery.start_soon(ask, "one")
                await until(lambda: agent.active_response is not None)
                nursery.start_soon(ask, "two")  # while "one" is being answered
            assert not [e for e in events if isinstance(e, ev.ErrorEvent)]
            lifecycle = [
                e.type for e in events if isinstance(e, ev.ResponseCreated | ev.ResponseDone)
            ]
            assert lifecycle == ["response.created", "response.done"] * 2
            assert {r.text for r in replies} == {"You said: one", "You said: two"}


async def test_a_request_refused_because_the_server_started_a_response_is_retried(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with trio.fail_after(30):
        async with (
            open_fake_server(delta_interval=0.1) as server,
            agent_on(server) as (
                conn,
                agent,
            ),
        ):
            events = seen(conn)
            await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text("first")))
            # A response the agent did not ask for (as turn detection makes them),
            # sent before the agent can know of it: its own request is refused.
            await conn.send(ev.ResponseCreate())
            reply = await agent.respond()
            errors = [e.error.code for e in events if isinstance(e, ev.ErrorEvent)]
            assert errors == ["conversation_already_has_active_response"]
            assert reply.status == "completed"
            created = [e for e in events if isinstance(e, ev.ResponseCreated)]
            assert len(created) == 2
            assert reply.response_id == created[1].response.id


async def test_a_refused_request_raises_instead_of_hanging(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with trio.fail_after(30):
        async with open_fake_server() as server, agent_on(server) as (_, agent):
            with pytest.raises(rt.RequestRefused) as info:
                await agent.ask(
                    "hi", response=ev.ResponseParams(output_modalities=["text", "audio"])
                )
            assert info.value.error.code == "invalid_value"
            assert isinstance(info.value.event, ev.ResponseCreate)
            assert "refused response.create (invalid_value)" in str(info.value)
            # The session and the agent go on.
            reply = await agent.ask("again")
            assert reply.text == "You said: again"


async def test_cancelling_a_queued_ask_withdraws_its_request(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with trio.fail_after(30):
        async with (
            open_fake_server(delta_interval=math.inf) as server,
            agent_on(server) as (
                conn,
                agent,
            ),
        ):
            events = seen(conn)
            first = trio.Event()

            async def hold() -> None:
                with trio.move_on_after(5):
                    await agent.ask("held open")
                first.set()

            async with trio.open_nursery() as nursery:
                nursery.start_soon(hold)
                await trio.sleep(1)
                assert agent.active_response is not None
                with trio.move_on_after(1):
                    await agent.respond()  # queued behind the open response
                await first.wait()
                agent.cancel()
            await trio.sleep(1)
            assert agent.active_response is None
            assert len(server.received_of(ev.ResponseCreate)) == 1
            assert [e.response.status for e in events if isinstance(e, ev.ResponseDone)] == [
                "cancelled"
            ]


async def test_the_connection_ending_fails_waiting_asks(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with trio.fail_after(30):
        async with (
            open_fake_server(delta_interval=math.inf) as server,
            agent_on(server) as (
                _,
                agent,
            ),
        ):
            async with trio.open_nursery() as nursery:

                async def cut() -> None:
                    fake = await server.wait_connection(0)
                    await trio.sleep(1)
                    await fake.close(1011, "gone")

                nursery.start_soon(cut)
                with pytest.raises(rt.ConnectionClosed) as info:
                    await agent.ask("hello?")
            assert info.value.code == 1011
            with pytest.raises(rt.ConnectionClosed):
                await agent.respond()


async def test_leaving_the_agent_block_cancels_running_tools(
    autojump_clock: trio.testing.MockClock,
) -> None:
    started, stopped = trio.Event(), trio.Event()

    @rt.tool(timeout=None)
    async def forever() -> str:
        """Never ends."""
        started.set()
        try:
            await trio.sleep_forever()
        finally:
            stopped.set()

    with trio.fail_after(30):
        async with open_fake_server() as server, memory_session(server) as conn:
            server.script(ToolCall("forever"))
            async with rt.open_agent(conn, tools=[forever]) as agent, trio.open_nursery() as n:
                n.start_soon(agent.ask, "go")
                await started.wait()
                n.cancel_scope.cancel()
            assert stopped.is_set()
            # The connection is still usable without the agent.
            await conn.send(
                ev.ResponseCreate(response=ev.ResponseParams(output_modalities=["text"]))
            )
            async for event in conn:
                if isinstance(event, ev.ResponseDone):
                    break


async def test_read_false_keeps_the_applications_loop(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with trio.fail_after(30):
        async with open_fake_server() as server, memory_session(server) as conn:
            await conn.send(ev.SessionUpdate(session=TEXT))
            server.script(ToolCall("get_weather", {"city": "Oslo"}))
            mine: list[str] = []

            async def loop() -> None:
                async for event in conn:
                    mine.append(event.type)

            async with (
                rt.open_agent(conn, tools=[get_weather], read=False) as agent,
                trio.open_nursery() as nursery,
            ):
                nursery.start_soon(loop)
                reply = await agent.ask("Oslo?")
                nursery.cancel_scope.cancel()
            assert reply.tool_calls[0].arguments == '{"city":"Oslo"}'
            assert "response.function_call_arguments.done" in mine
            assert mine.count("response.done") == 2


async def test_open_agent_checks_its_arguments() -> None:
    with pytest.raises(TypeError, match="needs a RealtimeConnection"):
        rt.open_agent(object())  # type: ignore[arg-type]
    async with open_fake_server() as server, memory_session(server) as conn:
        with pytest.raises(rt.ConfigurationError, match="max_tool_rounds"):
            rt.open_agent(conn, max_tool_rounds=-1)
        with pytest.raises(rt.ConfigurationError, match="two tools are named"):
            rt.open_agent(conn, tools=[get_weather, get_weather])
        async with rt.open_agent(conn) as agent:
            await until(lambda: conn.session is not None)
            with pytest.raises(TypeError, match="as a str"):
                await agent.ask(b"bytes")  # type: ignore[arg-type]
            with pytest.raises(rt.ConfigurationError, match="turn detection"):
                await agent.ask_audio(b"\0\0" * 2400)  # the fake's default has server VAD


# -- interruption --------------------------------------------------------------------


_FORMATS: dict[str, tuple[AudioFormat, ev.AudioFormat]] = {
    "pcm": (PCM16, ev.AudioPCM(rate=24000)),
    "pcmu": (PCMU, ev.AudioPCMU()),
    "pcma": (PCMA, ev.AudioPCMA()),
}


def voice_session(fmt: ev.AudioFormat) -> ev.RealtimeSession:
    return ev.RealtimeSession(
        output_modalities=["audio"],
        audio=ev.AudioConfig(
            input=ev.AudioInput(turn_detection=None), output=ev.AudioOutput(format=fmt)
        ),
    )


class Player:
    """A stand-in for the application's player: feeds the clock as audio arrives."""

    def __init__(self, clock: PlaybackClock, *, playing: bool = True) -> None:
        self.clock = clock
        self.playing = playing
        self.first_audio = trio.Event()
        self.flushed: list[rt.Interruption] = []

    def observe(self, event: ev.ServerEvent) -> None:
        if isinstance(event, ev.ResponseOutputAudioDelta):
            if self.playing:
                self.clock.enqueue(event.item_id, event.delta)
            self.first_audio.set()

    def flush(self, what: rt.Interruption) -> None:
        self.flushed.append(what)


async def speech_started(server: FakeServer) -> None:
    fake = await server.wait_connection(0)
    await fake.send(
        ev.InputAudioBufferSpeechStarted(event_id="evt_speech", item_id="item_u", audio_start_ms=0)
    )


@pytest.mark.parametrize("fmt", sorted(_FORMATS))
async def test_interruption_mid_item_truncates_at_the_played_time(
    fmt: str, autojump_clock: trio.testing.MockClock
) -> None:
    local, wire = _FORMATS[fmt]
    clock = PlaybackClock(local, clock=trio.current_time)
    player = Player(clock)
    # 50 characters: 1 s of audio, sent as 100 ms chunks every 50 ms.
    async with open_fake_server(delta_interval=0.05, delta_size=2) as server:
        server.script("x" * 50)
        with trio.fail_after(30):
            async with agent_on(
                server, voice_session(wire), playback=clock, on_interrupt=player.flush
            ) as (conn, agent):
                conn.add_observer(player.observe)
                events = seen(conn)
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(agent.ask, "talk")
                    await player.first_audio.wait()
                    await trio.sleep(0.3)
                    await speech_started(server)
                    await until(
                        lambda: any(type(e) is ev.ConversationItemTruncated for e in events)
                    )
                (what,) = player.flushed
                (truncate,) = server.received_of(ev.ConversationItemTruncate)
                assert truncate.audio_end_ms == 300
                assert what.truncated == {truncate.item_id: 300}
                assert what.deleted == ()
                assert server.received_of(ev.ResponseCancel)[0].response_id == what.response_id
                assert not [e for e in events if isinstance(e, ev.ErrorEvent)]
                item = agent.conversation.item(truncate.item_id)
                assert item is not None
                part = item.content[0]
                assert part.truncated
                assert part.audio_bytes == local.bytes_for_ms(300)
                assert len(part.transcript) < 50


@pytest.mark.parametrize("fmt", sorted(_FORMATS))
async def test_interruption_before_any_audio_played_deletes_the_item(
    fmt: str, autojump_clock: trio.testing.MockClock
) -> None:
    local, wire = _FORMATS[fmt]
    clock = PlaybackClock(local, clock=trio.current_time)
    player = Player(clock, playing=False)  # audio arrives, the player has not started
    async with open_fake_server(delta_interval=0.05, delta_size=2) as server:
        server.script("x" * 50)
        with trio.fail_after(30):
            async with agent_on(
                server, voice_session(wire), playback=clock, on_interrupt=player.flush
            ) as (conn, agent):
                conn.add_observer(player.observe)
                events = seen(conn)
                async with trio.open_nursery() as nursery:
                    nursery.start_soon(agent.ask, "talk")
                    await player.first_audio.wait()
                    await speech_started(server)
                    await until(lambda: any(type(e) is ev.ConversationItemDeleted for e in events))
                assert server.received_of(ev.ConversationItemTruncate) == []
                (delete,) = server.received_of(ev.ConversationItemDelete)
                assert player.flushed[0].deleted == (delete.item_id,)
                assert agent.conversation.item(delete.item_id) is None
                assert not [e for e in events if isinstance(e, ev.ErrorEvent)]


@pytest.mark.parametrize("fmt", sorted(_FORMATS))
async def test_speech_after_the_audio_ended_cuts_nothing(
    fmt: str, autojump_clock: trio.testing.MockClock
) -> None:
    local, wire = _FORMATS[fmt]
    clock = PlaybackClock(local, clock=trio.current_time)
    player = Player(clock)
    async with open_fake_server(delta_interval=0.05, delta_size=2) as server:
        server.script("x" * 10)
        with trio.fail_after(30):
            async with agent_on(
                server, voice_session(wire), playback=clock, on_interrupt=player.flush
            ) as (conn, agent):
                conn.add_observer(player.observe)
                reply = await agent.ask("talk")
                assert reply.audio_ms == 200
                await trio.sleep(1)  # the player finished
                await speech_started(server)
                await trio.sleep(1)
                assert player.flushed == []
                assert server.received_of(ev.ConversationItemTruncate) == []
                assert server.received_of(ev.ConversationItemDelete) == []
                assert server.received_of(ev.ResponseCancel) == []


async def test_speech_cancels_running_tools_and_tells_the_model(
    autojump_clock: trio.testing.MockClock,
) -> None:
    @rt.tool(timeout=None)
    async def slow_search(query: str) -> str:
        """Search slowly."""
        await trio.sleep(60)
        return "found"

    async with open_fake_server() as server:
        server.script(ToolCall("slow_search", {"query": "q"}))
        with trio.fail_after(30):
            async with agent_on(server, tools=[slow_search]) as (_, agent):
                async with trio.open_nursery() as nursery:

                    async def ask() -> None:
                        reply = await agent.ask("search")
                        assert reply.tool_calls[0].error == "cancelled"

                    nursery.start_soon(ask)
                    await trio.sleep(1)
                    await speech_started(server)
                assert trio.current_time() < 10
                await server.wait_received(ev.ConversationItemCreate, 2)
                (output,) = outputs(server)
                assert "cancelled" in output.output
                assert len(server.received_of(ev.ResponseCreate)) == 1  # no follow-up


async def test_speech_while_a_finished_response_still_plays_truncates_without_cancel(
    autojump_clock: trio.testing.MockClock,
) -> None:
    clock = PlaybackClock(PCM16, clock=trio.current_time)
    player = Player(clock)
    # 1 s of audio, all of it received within 0.2 s: the response ends long before
    # the player does.
    async with open_fake_server(delta_interval=0.02, delta_size=10) as server:
        server.script("x" * 50)
        with trio.fail_after(30):
            async with agent_on(
                server,
                voice_session(ev.AudioPCM(rate=24000)),
                playback=clock,
                on_interrupt=player.flush,
            ) as (conn, agent):
                conn.add_observer(player.observe)
                events = seen(conn)
                start = trio.current_time()
                reply = await agent.ask("talk")
                assert reply.audio_ms == 1000
                assert agent.active_response is None
                await trio.sleep(0.5 - (trio.current_time() - start))
                await speech_started(server)
                await until(lambda: any(type(e) is ev.ConversationItemTruncated for e in events))
                (truncate,) = server.received_of(ev.ConversationItemTruncate)
                assert truncate.audio_end_ms == 500
                assert server.received_of(ev.ResponseCancel) == []
                assert player.flushed[0].response_id is None
                assert not [e for e in events if isinstance(e, ev.ErrorEvent)]


async def test_out_of_band_function_calls_are_left_to_the_application(
    autojump_clock: trio.testing.MockClock,
) -> None:
    called: list[str] = []

    @rt.tool
    async def note(text: str) -> str:
        """Note."""
        called.append(text)
        return "ok"

    with trio.fail_after(30):
        async with open_fake_server() as server, agent_on(server, tools=[note]) as (_, agent):
            server.script(ToolCall("note", {"text": "x"}))
            reply = await agent.respond(ev.ResponseParams(conversation="none", input=[]))
            assert reply.tool_calls == ()
            assert [i.type for i in reply.items] == ["function_call"]
            await trio.sleep(1)
            assert called == []
            assert outputs(server) == []
            assert len(server.received_of(ev.ResponseCreate)) == 1


async def test_cancel_stops_tools_still_running_after_their_response_ended(
    autojump_clock: trio.testing.MockClock,
) -> None:
    started = trio.Event()

    @rt.tool(timeout=None)
    async def slow() -> str:
        """Slow."""
        started.set()
        await trio.sleep(60)
        return "late"

    with trio.fail_after(30):
        async with open_fake_server() as server, agent_on(server, tools=[slow]) as (_, agent):
            server.script(ToolCall("slow"))
            async with trio.open_nursery() as nursery:
                results: list[rt.Reply] = []

                async def ask() -> None:
                    results.append(await agent.ask("go"))

                nursery.start_soon(ask)
                await started.wait()
                await until(lambda: agent.active_response is None)
                agent.cancel()
            (reply,) = results
            assert reply.tool_calls[0].error == "cancelled"
            assert trio.current_time() < 10
            assert len(server.received_of(ev.ResponseCreate)) == 1
