"""A cancelled ``receive`` loses neither the server's close code nor a reply we owe.

Issue 9, finding 2: with ``move_on_after(0.0005)`` around every ``receive``
while the server sent a burst, a ping and close 4001, the client sent no pong,
no close echo, and reported 1006. The protocol now decides when the bytes are
parsed and only the writer task writes, so no cancellation of the consumer can
get in between.
"""

from __future__ import annotations

from typing import Any

import pytest
import trio
import trio.lowlevel
import trio.testing
import wsproto.events as wse
from _peer import API_KEY, run_raw_peer, text_delta
from _wire import CLOSE, PING, PONG, TEXT, close_payload, delta, frame, pair

import trio_realtime as rt
from trio_realtime import events as ev

BURST = 40


async def _receive_with_cancels(conn: rt.RealtimeConnection, ticks: int) -> tuple[int, Any]:
    """Receive until the end, a canceller hitting every other attempt after
    ``ticks`` turns of the scheduler (the attempts between make progress sure);
    how many events arrived and what ended it."""
    got = 0
    attempt = 0
    while True:
        attempt += 1
        async with trio.open_nursery() as nursery:
            scope = trio.CancelScope()

            async def cancel_soon(scope: trio.CancelScope = scope) -> None:
                for _ in range(ticks):
                    await trio.lowlevel.checkpoint()
                scope.cancel()

            if attempt % 2:
                nursery.start_soon(cancel_soon)
            end: BaseException | None = None
            with scope:
                try:
                    event = await conn.receive()
                except rt.ConnectionClosed as exc:
                    end = exc
                else:
                    assert isinstance(event, ev.ResponseOutputTextDelta)
                    assert event.event_id == f"evt_{got}"
                    got += 1
            nursery.cancel_scope.cancel()
        if end is not None:
            return got, end


@pytest.mark.parametrize("ticks", range(6))
async def test_cancels_at_every_point_keep_close_code_pong_and_echo(ticks: int) -> None:
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            conn, server = pair(nursery, ping_interval=None)
            burst = [frame(TEXT, delta(i)) for i in range(BURST)]
            await server.send(*burst, frame(PING, b"owed"), frame(CLOSE, close_payload(4001, "go")))
            got, end = await _receive_with_cancels(conn, ticks)
            frames = await server.read_through_close()
    assert got == BURST
    assert isinstance(end, rt.ConnectionClosed)
    assert (end.code, end.reason) == (4001, "go")
    assert frames == [(PONG, b"owed"), (CLOSE, close_payload(4001))]


@pytest.mark.parametrize("ticks", range(6))
async def test_our_1002_close_frame_survives_cancels(ticks: int) -> None:
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            conn, server = pair(nursery, ping_interval=None)
            masked = bytes([0x81, 0x81, 1, 2, 3, 4, 5])  # servers must not mask
            await server.send(frame(TEXT, delta(0)), masked)
            got, end = await _receive_with_cancels(conn, ticks)
            frames = await server.read_all()  # after a violation the client drops TCP
    assert got == 1
    assert end.code == 1002
    [(opcode, payload)] = frames
    assert opcode == CLOSE
    assert payload[:2] == (1002).to_bytes(2, "big")


async def test_the_finding_as_reported_over_loopback(nursery: trio.Nursery) -> None:
    # The reproduction of the report, on a real socket and real time: 5 trials.
    for _ in range(5):
        replies: list[Any] = []
        done = trio.Event()

        async def burst_ping_close(
            stream: trio.SocketStream,
            ws: Any,
            replies: list[Any] = replies,
            done: trio.Event = done,
        ) -> None:
            data = b"".join(ws.send(wse.TextMessage(text_delta(i))) for i in range(200))
            data += ws.send(wse.Ping(b"owed"))
            data += ws.send(wse.CloseConnection(4001, "bye"))
            await stream.send_all(data)
            with trio.move_on_after(5):
                while True:
                    chunk = await stream.receive_some(65536)
                    if not chunk:
                        break
                    ws.receive_data(chunk)
                    replies.extend(
                        e for e in ws.events() if isinstance(e, wse.Pong | wse.CloseConnection)
                    )
            done.set()

        port: int = await nursery.start(run_raw_peer, burst_ping_close)
        client = rt.Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v1")
        received = 0
        with trio.fail_after(10):
            with pytest.raises(rt.ConnectionClosed) as info:
                async with rt.open_realtime(client, "gpt-realtime", ping_interval=None) as conn:
                    while True:
                        with trio.move_on_after(0.0005):
                            await conn.receive()
                            received += 1
            await done.wait()
        assert info.value.code == 4001
        assert received == 200
        assert [type(r).__name__ for r in replies] == ["Pong", "CloseConnection"]
        assert replies[1].code == 4001


async def test_a_failed_write_does_not_hide_what_the_server_said() -> None:
    # The server's last words (3 events, close 4001), then it hangs up while we
    # send: our write fails, but what arrived before is still read and delivered.
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            conn, server = pair(nursery)
            last_words = [frame(TEXT, delta(i)) for i in range(3)]
            await server.send(*last_words, frame(CLOSE, close_payload(4001, "bye")))
            await server.stream.aclose()
            await conn.send(ev.ResponseCreate())  # the writer's send_all fails
            await trio.sleep(0.1)
            got = [await conn.receive() for _ in range(3)]
            with pytest.raises(rt.ConnectionClosed) as info:
                await conn.receive()
            nursery.cancel_scope.cancel()
    assert all(isinstance(e, ev.ResponseOutputTextDelta) for e in got)
    assert info.value.code == 4001
