"""The consumer-driven WebSocket transport: pings while idle, fragments, size limit."""

from __future__ import annotations

from typing import Any

import pytest
import trio
import trio_websocket
import wsproto.events as wse
from _peer import API_KEY, Peer, run_peer, run_raw_peer, text_delta

import trio_realtime as rt
from trio_realtime import events as ev


def _client(port: int) -> rt.Client:
    return rt.Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v1")


async def test_pings_are_answered_while_nobody_receives(nursery: trio.Nursery) -> None:
    pongs: list[str] = []
    all_answered = trio.Event()

    async def pinger(ws: trio_websocket.WebSocketConnection) -> None:
        for i in range(3):
            with trio.fail_after(3):  # trio-websocket's ping waits for the pong
                await ws.ping(f"p{i}".encode())
            pongs.append(f"p{i}")
        all_answered.set()
        await ws.send_message(text_delta(0))
        await ws.get_message()

    peer: Peer = await nursery.start(run_peer, pinger)
    with trio.fail_after(10):
        async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
            await all_answered.wait()  # meanwhile nobody calls receive()
            assert isinstance(await conn.receive(), ev.ResponseOutputTextDelta)
    assert pongs == ["p0", "p1", "p2"]


async def test_server_close_is_noticed_while_nobody_receives(nursery: trio.Nursery) -> None:
    async def close_4001(ws: trio_websocket.WebSocketConnection) -> None:
        await ws.aclose(4001, "bye")

    peer: Peer = await nursery.start(run_peer, close_4001)
    with trio.fail_after(10), pytest.raises(rt.ConnectionClosed) as info:
        async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
            await trio.sleep(1.5)
            conn.send_nowait(ev.ResponseCreate())
    assert info.value.code == 4001


async def test_fragmented_messages_are_reassembled(nursery: trio.Nursery) -> None:
    whole = text_delta(7, "fragmented " * 50)
    pieces = [whole[i : i + 100] for i in range(0, len(whole), 100)]

    async def fragments(stream: trio.SocketStream, ws: Any) -> None:
        for i, piece in enumerate(pieces):
            # A ping between fragments is legal and must not disturb reassembly.
            if i == 1:
                await stream.send_all(ws.send(wse.Ping(b"mid")))
            last = i == len(pieces) - 1
            await stream.send_all(ws.send(wse.TextMessage(piece, message_finished=last)))
        await trio.sleep_forever()

    port: int = await nursery.start(run_raw_peer, fragments)
    with trio.fail_after(5):
        async with rt.open_realtime(_client(port), "gpt-realtime", close_timeout=0.2) as conn:
            item = await conn.receive()
    assert isinstance(item, ev.ResponseOutputTextDelta)
    assert item.delta == "fragmented " * 50


@pytest.mark.parametrize("fragmented", [False, True])
async def test_oversized_message_closes_with_1009(nursery: trio.Nursery, fragmented: bool) -> None:
    big = text_delta(1, "b" * 5000)

    async def oversized(stream: trio.SocketStream, ws: Any) -> None:
        await stream.send_all(ws.send(wse.TextMessage(text_delta(0))))
        if fragmented:
            await stream.send_all(ws.send(wse.TextMessage(big[:3000], message_finished=False)))
            await stream.send_all(ws.send(wse.TextMessage(big[3000:])))
        else:
            await stream.send_all(ws.send(wse.TextMessage(big)))
        await trio.sleep_forever()

    port: int = await nursery.start(run_raw_peer, oversized)
    with trio.fail_after(5):
        async with rt.open_realtime(_client(port), "gpt-realtime", max_message_size=4096) as conn:
            first = await conn.receive()
            with pytest.raises(rt.ConnectionClosed) as info:
                await conn.receive()
    assert isinstance(first, ev.ResponseOutputTextDelta)
    assert info.value.code == 1009
