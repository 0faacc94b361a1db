"""Review of the agent layer: sequencing, hangs, encoding and interruption edge cases.

Same harness as ``test_agent.py``: the fake server's engine over memory streams
under ``MockClock(autojump_threshold=0)``; every test is bounded by ``fail_after``.
"""

from __future__ import annotations

from typing import Any

import pytest
import trio
import trio.testing
from _memory_fake import TEXT, agent_on, memory_session, seen, until

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime._sequencer import tag_of
from trio_realtime.audio import PCM16, PlaybackClock
from trio_realtime.testing import ToolCall, open_fake_server

pytestmark = pytest.mark.trio


@pytest.fixture
def autojump_clock() -> trio.testing.MockClock:
    return trio.testing.MockClock(autojump_threshold=0)


@rt.tool
async def get_weather(city: str) -> dict[str, Any]:
    """The weather now in a city."""
    return {"city": city, "temperature": 21}


# -- sequencing ------------------------------------------------------------------


async def test_a_tool_follow_up_goes_before_a_request_queued_during_the_turn(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # "one" calls a tool; "two" is asked while "one"'s first response streams.
    # The follow-up of "one" must go out before "two"'s request (DESIGN: the
    # turn's follow-up goes before any other queued request).
    with trio.fail_after(30):
        async with (
            open_fake_server(delta_interval=0.25) as server,
            agent_on(server, tools=[get_weather]) as (_, agent),
        ):
            server.script(ToolCall("get_weather", {"city": "Paris"}))
            replies: dict[str, rt.Reply] = {}

            async def ask(text: str) -> None:
                replies[text] = await agent.ask(text)

            async with trio.open_nursery() as nursery:
                nursery.start_soon(ask, "one")
                await until(lambda: agent.active_response is not None)
                nursery.start_soon(ask, "two")
            tags = [tag_of(e) for e in server.received_of(ev.ResponseCreate)]
            assert tags == ["t1", "t1", "t2"]
            assert len(replies["one"].response_ids) == 2


# -- hangs -------------------------------------------------------------------------


async def test_read_false_connection_end_fails_a_waiting_ask(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # With read=False the application's loop sees the end; the agent's waiting
    # ask must fail too, not wait forever.
    with trio.fail_after(30):
        async with (
            open_fake_server(delta_interval=float("inf")) as server,
            memory_session(server) as conn,
        ):
            await conn.send(ev.SessionUpdate(session=TEXT))

            async def loop() -> None:
                try:
                    async for _ in conn:
                        pass
                except rt.ConnectionClosed:
                    pass

            async def cut() -> None:
                fake = await server.wait_connection(0)
                await trio.sleep(1)
                await fake.close(1011, "gone")

            async with rt.open_agent(conn, read=False) as agent, trio.open_nursery() as nursery:
                nursery.start_soon(loop)
                nursery.start_soon(cut)
                with pytest.raises(rt.ConnectionClosed):
                    await agent.ask("hello?")


async def test_leaving_the_agent_block_fails_an_ask_waiting_outside_it(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # An ask running in a task outside the agent's block must not wait forever
    # once the block is left (nothing would ever finish its turn).
    with trio.fail_after(30):
        async with (
            open_fake_server(delta_interval=float("inf")) as server,
            memory_session(server) as conn,
            trio.open_nursery() as outer,
        ):
            await conn.send(ev.SessionUpdate(session=TEXT))
            failed: list[BaseException] = []

            async def ask(agent: rt.Agent) -> None:
                try:
                    await agent.ask("hello?")
                except (rt.RealtimeError, trio.ClosedResourceError) as exc:
                    failed.append(exc)

            async with rt.open_agent(conn) as agent:
                outer.start_soon(ask, agent)
                await until(lambda: agent.active_response is not None)
            await until(lambda: failed)


# -- encoding ----------------------------------------------------------------------


async def test_a_tool_output_that_cannot_be_encoded_does_not_kill_the_agent(
    autojump_clock: trio.testing.MockClock,
) -> None:
    @rt.tool
    async def broken() -> str:
        """Returns text with a lone surrogate (e.g. bytes decoded with surrogateescape)."""
        return b"caf\xe9".decode("utf-8", "surrogateescape")

    with trio.fail_after(30):
        async with open_fake_server() as server, agent_on(server, tools=[broken]) as (_, agent):
            server.script(ToolCall("broken"))
            reply = await agent.ask("go")
            (call,) = reply.tool_calls
            assert call.error is not None
            assert "broken" in call.error
            # The agent goes on.
            assert (await agent.ask("again")).text == "You said: again"


async def test_unencodable_response_params_fail_that_ask_only(
    autojump_clock: trio.testing.MockClock,
) -> None:
    bad = ev.ResponseParams(metadata={"note": object()})  # type: ignore[dict-item]
    with trio.fail_after(30):
        async with open_fake_server() as server, agent_on(server) as (_, agent):
            with pytest.raises(rt.EventEncodeError):
                await agent.ask("hi", response=bad)
            assert (await agent.ask("again")).text == "You said: again"


# -- interruption ------------------------------------------------------------------


def voice_session() -> ev.RealtimeSession:
    return ev.RealtimeSession(
        output_modalities=["audio"],
        audio=ev.AudioConfig(
            input=ev.AudioInput(turn_detection=None),
            output=ev.AudioOutput(format=ev.AudioPCM(rate=24000)),
        ),
    )


async def test_interruption_deletes_audio_queued_from_an_ended_response(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # Two answers arrive faster than they play: the first is playing, the second
    # waits in the player. Both responses have ended. Speech now must cut the
    # first and delete the second: the user heard none of it.
    clock = PlaybackClock(PCM16, clock=trio.current_time)
    flushed: list[rt.Interruption] = []

    def feed(event: ev.ServerEvent) -> None:
        if isinstance(event, ev.ResponseOutputAudioDelta):
            clock.enqueue(event.item_id, event.delta)

    async with open_fake_server(delta_interval=0.01, delta_size=2) as server:
        server.script("x" * 50, "y" * 50)  # 1 s of audio each, sent 10x faster
        with trio.fail_after(30):
            async with agent_on(
                server, voice_session(), playback=clock, on_interrupt=flushed.append
            ) as (conn, agent):
                conn.add_observer(feed)
                first = await agent.ask("one")
                second = await agent.ask("two")
                assert clock.playing
                fake = await server.wait_connection(0)
                await fake.send(
                    ev.InputAudioBufferSpeechStarted(
                        event_id="evt_s", item_id="item_u", audio_start_ms=0
                    )
                )
                await until(lambda: flushed)
                await trio.sleep(0.5)
                (what,) = flushed
                assert set(what.truncated) == {first.items[0].id}
                assert what.deleted == (second.items[0].id,)


# -- more ---------------------------------------------------------------------------


async def test_ask_on_a_closed_agent_sends_no_message(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # ask() must refuse before it adds the user's message: otherwise the message
    # goes into the conversation and the call raises, with no response to it.
    with trio.fail_after(30):
        async with open_fake_server() as server, memory_session(server) as conn:
            await conn.send(ev.SessionUpdate(session=TEXT))
            async with rt.open_agent(conn) as agent:
                pass
            with pytest.raises(trio.ClosedResourceError):
                await agent.ask("hello?")
            await trio.sleep(1)
            assert server.received_of(ev.ConversationItemCreate) == []


async def test_a_tool_whose_cleanup_fails_on_timeout_becomes_an_error_output(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # At the timeout the tool's nursery raises ExceptionGroup([ValueError])
    # *after* the move_on_after scope strips its Cancelled: "a call never raises".
    @rt.tool(timeout=1)
    async def fragile() -> str:
        """Fails while cleaning up."""

        async def child() -> None:
            try:
                await trio.sleep(10)
            finally:
                raise ValueError("cleanup failed")

        async with trio.open_nursery() as nursery:
            nursery.start_soon(child)
            await trio.sleep(10)
        return "never"

    with trio.fail_after(30):
        async with open_fake_server() as server, agent_on(server, tools=[fragile]) as (_, agent):
            server.script(ToolCall("fragile"))
            reply = await agent.ask("go")
            (call,) = reply.tool_calls
            assert call.error is not None
            assert (await agent.ask("again")).text == "You said: again"


async def test_a_hung_sync_tool_does_not_hold_trios_default_thread_limiter(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # An abandoned worker thread keeps its limiter token until it really ends;
    # hung tools on the default limiter (40 tokens) would starve every
    # to_thread.run_sync of the program (getaddrinfo included).
    import threading

    release = threading.Event()

    @rt.tool(timeout=1)
    def stuck() -> str:
        """Blocks."""
        release.wait(30)
        return "late"

    default = trio.to_thread.current_default_thread_limiter()
    try:
        with trio.fail_after(30):
            async with (
                open_fake_server() as server,
                agent_on(server, tools=[stuck]) as (_, agent),
            ):
                server.script(ToolCall("stuck"))
                reply = await agent.ask("go")
                assert reply.tool_calls[0].error == "stuck timed out after 1 s"
                assert default.borrowed_tokens == 0
    finally:
        release.set()


async def test_a_tool_whose_cleanup_fails_when_interrupted_does_not_crash_the_agent(
    autojump_clock: trio.testing.MockClock,
) -> None:
    @rt.tool(timeout=None)
    async def fragile() -> str:
        """Fails while cleaning up."""

        async def child() -> None:
            try:
                await trio.sleep(60)
            finally:
                raise ValueError("cleanup failed")

        async with trio.open_nursery() as nursery:
            nursery.start_soon(child)
            await trio.sleep(60)
        return "never"

    with trio.fail_after(30):
        async with open_fake_server() as server, agent_on(server, tools=[fragile]) as (_, agent):
            server.script(ToolCall("fragile"))
            replies: list[rt.Reply] = []

            async def ask() -> None:
                replies.append(await agent.ask("go"))

            async with trio.open_nursery() as nursery:
                nursery.start_soon(ask)
                await trio.sleep(1)
                fake = await server.wait_connection(0)
                await fake.send(
                    ev.InputAudioBufferSpeechStarted(
                        event_id="evt_s", item_id="item_u", audio_start_ms=0
                    )
                )
            assert replies[0].tool_calls[0].error == "cancelled"
            assert (await agent.ask("again")).text == "You said: again"


async def test_a_function_call_the_server_left_incomplete_is_not_run(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # The response is cancelled (here by the application, as server VAD does
    # by itself) after the arguments streamed but before the call item closed:
    # output_item.done says "incomplete". Running it would act on a call the
    # model never finished.
    called: list[str] = []

    @rt.tool
    async def order(item: str) -> str:
        """Order something."""
        called.append(item)
        return "ordered"

    with trio.fail_after(30):
        async with (
            open_fake_server(delta_interval=0.5, delta_size=100) as server,
            agent_on(server, tools=[order]) as (conn, agent),
        ):
            server.script(ToolCall("order", {"item": "piano"}))

            def cancel_after_arguments(event: ev.ServerEvent) -> None:
                if isinstance(event, ev.ResponseFunctionCallArgumentsDelta):
                    conn.send_nowait(ev.ResponseCancel())

            conn.add_observer(cancel_after_arguments)
            reply = await agent.ask("buy a piano")
            assert reply.status == "cancelled"
            assert called == []


async def test_registering_tools_keeps_the_sessions_tool_choice(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # The application asked for "required"; registering the agent's tools must
    # not quietly turn it back to "auto".
    session = ev.RealtimeSession(output_modalities=["text"], tool_choice="required")
    with trio.fail_after(30):
        async with (
            open_fake_server() as server,
            agent_on(server, session, tools=[get_weather]) as (
                _,
                agent,
            ),
        ):
            reply = await agent.ask("Weather?")
            assert [c.name for c in reply.tool_calls] == ["get_weather"]


async def test_registering_tools_keeps_the_sessions_other_tools(
    autojump_clock: trio.testing.MockClock,
) -> None:
    mcp = ev.McpTool(server_label="docs", server_url="https://mcp.example/sse")
    session = ev.RealtimeSession(output_modalities=["text"], tools=[mcp])
    with trio.fail_after(30):
        async with (
            open_fake_server() as server,
            agent_on(server, session, tools=[get_weather]) as (
                conn,
                agent,
            ),
        ):
            await agent.ask("hi")
            assert conn.session is not None
            tools = conn.session.tools
            assert isinstance(tools, list)
            assert {type(t) for t in tools} == {ev.FunctionTool, ev.McpTool}


async def test_a_question_asked_during_a_tool_turn_does_not_land_inside_it(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # "two" is asked while "one"'s tool runs. Its message must not go into the
    # conversation between the call and its output: the follow-up of "one"
    # would then answer "two"'s message (the model sees it as the newest user
    # turn) and "two" gets an answer to the tool output.
    @rt.tool
    async def slow(city: str) -> str:
        """Slow lookup."""
        await trio.sleep(5)
        return f"sunny in {city}"

    with trio.fail_after(30):
        async with open_fake_server() as server, agent_on(server, tools=[slow]) as (_, agent):
            server.script(ToolCall("slow", {"city": "Paris"}))
            replies: dict[str, rt.Reply] = {}

            async def ask(text: str) -> None:
                replies[text] = await agent.ask(text)

            async with trio.open_nursery() as nursery:
                nursery.start_soon(ask, "one")
                await until(
                    lambda: any(i.type == "function_call" for i in agent.conversation.items)
                )
                nursery.start_soon(ask, "two")
            kinds = [(i.type, i.role) for i in agent.conversation.items]
            assert kinds == [
                ("message", "user"),
                ("function_call", None),
                ("function_call_output", None),
                ("message", "assistant"),
                ("message", "user"),
                ("message", "assistant"),
            ]
            assert replies["one"].text == "The tool returned: sunny in Paris"
            assert replies["two"].text == "You said: two"


async def test_a_server_started_tool_turn_is_answered_before_a_queued_ask(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # A response the agent did not ask for (turn detection makes them) calls a
    # tool while an ask waits: its follow-up goes first, then the ask.
    with trio.fail_after(30):
        async with (
            open_fake_server(delta_interval=0.1) as server,
            agent_on(server, tools=[get_weather]) as (conn, agent),
        ):
            server.script(ToolCall("get_weather", {"city": "Rome"}))
            events = seen(conn)
            await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text("weather?")))
            await conn.send(ev.ResponseCreate())
            await until(lambda: agent.active_response is not None)
            reply = await agent.ask("and now?")
            assert reply.text == "You said: and now?"
            requests = server.received_of(ev.ResponseCreate)
            assert [tag_of(r) for r in requests] == [None, "t2", "t1"]
            assert not [e for e in events if isinstance(e, ev.ErrorEvent)]
            assert agent._turns == {}  # pyright: ignore[reportPrivateUsage]


async def test_a_refused_follow_up_of_a_server_started_turn_is_forgotten(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # No ask waits for a server-started turn; when its follow-up is refused the
    # turn must still be dropped, or every such refusal stays in memory.
    with trio.fail_after(30):
        async with (
            open_fake_server(delta_interval=float("inf")) as server,
            memory_session(server) as conn,
            rt.open_agent(conn, tools=[get_weather], read=False) as agent,
        ):
            observe = agent._observe  # pyright: ignore[reportPrivateUsage]
            response = ev.Response(id="resp_v", conversation_id="conv_1", status="in_progress")
            observe(ev.ResponseCreated(event_id="e1", response=response))
            call = ev.FunctionCall(
                name="get_weather", arguments='{"city":"X"}', call_id="call_1", status="completed"
            )
            observe(
                ev.ResponseOutputItemDone(
                    event_id="e2", response_id="resp_v", output_index=0, item=call
                )
            )
            done = ev.Response(id="resp_v", conversation_id="conv_1", status="completed")
            observe(ev.ResponseDone(event_id="e3", response=done))
            follow_up = await server.wait_received(ev.ResponseCreate)
            assert isinstance(follow_up.event_id, str)
            detail = ev.RealtimeErrorDetail(
                type="invalid_request_error",
                code="invalid_value",
                message="refused",
                event_id=follow_up.event_id,
            )
            observe(ev.ErrorEvent(event_id="e4", error=detail))
            assert agent._turns == {}  # pyright: ignore[reportPrivateUsage]
