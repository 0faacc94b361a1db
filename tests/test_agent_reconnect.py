"""The agent over a reconnecting session: a turn cut by a reconnect fails with
`ResponseLost`, the rest goes on in the new session (memory streams, MockClock)."""

from __future__ import annotations

import pytest
import trio
import trio.testing
from _net import Net

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime.testing import ToolCall, open_fake_server

pytestmark = pytest.mark.trio

TEXT = ev.SessionUpdate(session=ev.RealtimeSession(output_modalities=["text"]))


@pytest.fixture
def autojump_clock() -> trio.testing.MockClock:
    return trio.testing.MockClock(autojump_threshold=0)


def fast() -> rt.Reconnect:
    return rt.Reconnect(backoff_initial=0.1, jitter=0.0)


@rt.tool
async def get_weather(city: str) -> str:
    """Weather."""
    return f"sunny in {city}"


async def test_a_turn_cut_by_a_reconnect_raises_response_lost_and_the_agent_goes_on(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with (
        open_fake_server(delta_size=1, delta_interval=1.0) as server,
        trio.open_nursery() as nursery,
    ):
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            async with (
                net.session(fast()) as conn,
                rt.open_agent(conn, tools=[get_weather]) as agent,
            ):
                assert agent.conversation is conn.conversation
                await conn.send(TEXT)
                markers: list[rt.Reconnected] = []
                conn.add_observer(
                    lambda e: markers.append(e) if isinstance(e, rt.Reconnected) else None
                )

                async def cut() -> None:
                    await trio.sleep(3)  # mid-reply: one delta a second
                    await server.connections[0].drop()

                nursery.start_soon(cut)
                with pytest.raises(rt.ResponseLost) as info:
                    await agent.ask("tell me a long story")
                (marker,) = markers
                assert info.value.reconnected is marker
                assert marker.lost_response_id is not None
                assert agent.active_response is None
                # The conversation came along: the same agent answers on the new session.
                server.delta_interval = 0.0
                server.script(ToolCall("get_weather", {"city": "Rome"}))
                reply = await agent.ask("and the weather in Rome?")
                assert reply.text == "The tool returned: sunny in Rome"
                assert len(server.connections) == 2
        nursery.cancel_scope.cancel()


async def test_a_request_queued_during_the_outage_goes_to_the_new_session(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with (
        open_fake_server(delta_size=4, delta_interval=0.5) as server,
        trio.open_nursery() as nursery,
    ):
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            async with net.session(fast()) as conn, rt.open_agent(conn) as agent:
                await conn.send(TEXT)
                results: dict[str, object] = {}

                async def ask(text: str) -> None:
                    try:
                        results[text] = (await agent.ask(text)).text
                    except rt.ResponseLost as exc:
                        results[text] = exc

                async with trio.open_nursery() as asks:
                    asks.start_soon(ask, "first question here")
                    await trio.sleep(1)
                    asks.start_soon(ask, "second")  # queued behind the first
                    await trio.sleep(0.1)
                    await server.connections[0].drop()
                assert isinstance(results["first question here"], rt.ResponseLost)
                assert results["second"] == "You said: second"
        nursery.cancel_scope.cancel()
