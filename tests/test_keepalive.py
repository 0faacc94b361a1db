"""Client keepalive: a dead peer is found; a stalled consumer is no false alarm.

Over memory streams with ``MockClock(autojump_threshold=0)``: the clock jumps
whenever every task waits, so 40 s of silence take no real time.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import trio
import trio.testing
from _wire import CLOSE, PING, PONG, TEXT, Server, delta, frame, pair, session

import trio_realtime as rt
from trio_realtime import events as ev


@pytest.fixture
def autojump_clock() -> trio.testing.MockClock:
    return trio.testing.MockClock(autojump_threshold=0)


async def _answer_pings(server: Server) -> None:
    """A live server: answers every ping, says nothing else."""
    while True:
        opcode, payload = await server.read_frame()
        if opcode == PING:
            await server.send(frame(PONG, payload))


async def test_a_silent_server_fails_receive_with_keepalive_timeout(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery, ping_interval=20, ping_timeout=20)
        start = trio.current_time()
        with trio.fail_after(120), pytest.raises(rt.KeepaliveTimeout) as info:
            await conn.receive()
        waited = trio.current_time() - start
        frames = await server.read_all()  # the client drops TCP after its close frame
    assert 40 <= waited < 41
    assert info.value.code == 1011
    assert "keepalive" in (info.value.reason or "")
    assert isinstance(info.value, rt.ConnectionClosed | rt.RealtimeTimeout)
    opcodes = [op for op, _ in frames]
    assert opcodes == [PING, CLOSE]
    assert frames[1][1][:2] == (1011).to_bytes(2, "big")


async def test_keepalive_timeout_fails_send_too(autojump_clock: trio.testing.MockClock) -> None:
    async with trio.open_nursery() as nursery:
        conn, _server = pair(nursery, ping_interval=5, ping_timeout=5)
        await trio.sleep(11)
        with pytest.raises(rt.KeepaliveTimeout):
            await conn.send(ev.ResponseCreate())
        await conn.aclose()


async def test_keepalive_timeout_raises_from_the_block(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def silent(server: Server) -> None:
        await trio.sleep_forever()

    with trio.fail_after(60), pytest.raises(rt.KeepaliveTimeout) as info:
        async with session(silent, ping_interval=10, ping_timeout=10):
            await trio.sleep(30)  # nobody receives; the keeper pings and gives up
    assert info.value.code == 1011


async def test_a_server_that_answers_pings_stays_connected(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery, ping_interval=20, ping_timeout=20)
        nursery.start_soon(_answer_pings, server)
        with trio.move_on_after(600):
            await conn.receive()
            pytest.fail("the server sent nothing")
        assert conn._websocket.closed is None  # pyright: ignore[reportPrivateUsage]
        await server.text(delta(1))
        assert isinstance(await conn.receive(), ev.ResponseOutputTextDelta)
        nursery.cancel_scope.cancel()


async def test_pings_off(autojump_clock: trio.testing.MockClock) -> None:
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery, ping_interval=None)
        with trio.move_on_after(3600):
            await conn.receive()
        assert conn._websocket.closed is None  # pyright: ignore[reportPrivateUsage]
        await conn.aclose()
        frames = await server.read_all()
    assert [op for op, _ in frames] == [CLOSE]  # no ping in an hour


async def test_a_stalled_consumer_is_no_false_alarm(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # The server is alive: it answers each ping, but behind 100 events the
    # consumer does not read for 5 minutes. The pong sits unread behind them
    # while the queue is full; that is backpressure, not a dead peer.
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery, ping_interval=20, ping_timeout=20, message_queue_size=8)
        await server.send(*(frame(TEXT, delta(i)) for i in range(100)))
        nursery.start_soon(_answer_pings, server)
        await trio.sleep(300)  # the consumer stalls
        got = [await conn.receive() for _ in range(100)]
        assert [e.event_id for e in got if isinstance(e, ev.ResponseOutputTextDelta)] == [
            f"evt_{i}" for i in range(100)
        ]
        with trio.move_on_after(100):
            await conn.receive()  # still alive, still pinging
        assert conn._websocket.closed is None  # pyright: ignore[reportPrivateUsage]
        nursery.cancel_scope.cancel()


async def test_a_dead_peer_behind_a_stalled_consumer_is_found_once_it_reads(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery, ping_interval=20, ping_timeout=20, message_queue_size=4)
        await server.send(*(frame(TEXT, delta(i)) for i in range(10)))
        await trio.sleep(300)  # stalled; the server never answers a ping
        for _ in range(10):
            await conn.receive()  # every event is delivered first
        start = trio.current_time()
        with pytest.raises(rt.KeepaliveTimeout):
            await conn.receive()
        assert trio.current_time() - start <= 21


async def test_server_pings_are_answered_while_the_client_pings_too(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        _conn, server = pair(nursery, ping_interval=1, ping_timeout=1)
        await server.send(frame(PING, b"from the server"))
        seen: list[tuple[int, bytes]] = []
        while len(seen) < 3:
            opcode, payload = await server.read_frame()
            seen.append((opcode, payload))
            if opcode == PING:
                await server.send(frame(PONG, payload))
        assert (PONG, b"from the server") in seen
        nursery.cancel_scope.cancel()


def _big(i: int, size: int) -> bytes:
    return json.dumps(
        {
            "type": "response.output_audio.delta",
            "event_id": f"evt_{i}",
            "response_id": "r",
            "item_id": "i",
            "output_index": 0,
            "content_index": 0,
            "delta": "A" * size,
        }
    ).encode()


@pytest.mark.parametrize(
    ("events", "size", "options"),
    [
        # Defaults; six 1.5 MiB events (a retrieved item with audio is that big):
        # fewer than message_queue_size wait, yet the pong sits behind MiBs.
        (6, 1_500_000, {}),
        (4, 20_000, {"receive_buffer_size": 1024, "ping_interval": 5, "ping_timeout": 10}),
    ],
)
async def test_a_consumer_behind_a_few_large_messages_is_no_false_alarm(
    autojump_clock: trio.testing.MockClock, events: int, size: int, options: dict[str, Any]
) -> None:
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery, **options)
        await server.send(*(frame(TEXT, _big(i, size)) for i in range(events)))
        nursery.start_soon(_answer_pings, server)
        await trio.sleep(120)  # the consumer is busy; the queue is never full
        assert conn._websocket.closed is None  # pyright: ignore[reportPrivateUsage]
        for _ in range(events):
            assert isinstance(await conn.receive(), ev.ResponseOutputAudioDelta)
        nursery.cancel_scope.cancel()


async def test_a_ping_due_during_our_close_handshake_is_skipped(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # The server answers pings but takes 3 s to answer our close frame; a ping
    # falls due meanwhile. No ping may follow our close frame, and nothing breaks.
    seen: list[int] = []

    async def slow_closer(server: Server) -> None:
        while True:
            opcode, payload = await server.read_frame()
            seen.append(opcode)
            if opcode == PING:
                await server.send(frame(PONG, payload))
            elif opcode == CLOSE:
                await trio.sleep(3)
                await server.send(frame(CLOSE, payload))
                await server.stream.aclose()
                return

    with trio.fail_after(60):
        async with session(slow_closer, ping_interval=2, ping_timeout=2, close_timeout=5):
            await trio.sleep(1.5)
    assert seen == [CLOSE]


async def test_without_a_timeout_pings_keep_going(autojump_clock: trio.testing.MockClock) -> None:
    # ping_timeout=None: never give up, but keep the traffic that holds NATs open.
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery, ping_interval=10, ping_timeout=None)
        pings = 0
        with trio.move_on_after(100):
            while True:
                opcode, _ = await server.read_frame()  # never answered
                pings += opcode == PING
        assert pings >= 9
        assert conn._websocket.closed is None  # pyright: ignore[reportPrivateUsage]
        nursery.cancel_scope.cancel()
