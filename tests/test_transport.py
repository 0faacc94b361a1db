"""The consumer-driven WebSocket transport: pings while idle, fragments, size limit."""

from __future__ import annotations

from typing import Any

import pytest
import trio
import trio_websocket
import wsproto.events as wse
from _peer import API_KEY, MutePeer, Peer, run_mute_peer, run_peer, run_raw_peer, text_delta

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


async def test_pings_are_answered_after_the_consumer_stops_receiving(
    nursery: trio.Nursery, monkeypatch: pytest.MonkeyPatch
) -> None:
    # While the consumer reads, the keeper backs off (here to 0.2 s); once the
    # consumer stops, a ping must still get its pong within that bound.
    from trio_realtime import _transport as _connection

    monkeypatch.setattr(_connection, "KEEPER_IDLE", 0.05)
    monkeypatch.setattr(_connection, "KEEPER_MAX_IDLE", 0.2)
    answered = trio.Event()

    async def stream_then_ping(ws: trio_websocket.WebSocketConnection) -> None:
        for i in range(60):  # 0.6 s of deltas: the keeper finds a reader and backs off
            await ws.send_message(text_delta(i))
            await trio.sleep(0.01)
        await ws.send_message(text_delta(999))
        with trio.fail_after(1):  # the keeper's longest wait is 0.2 s here
            await ws.ping(b"still there?")
        answered.set()
        await ws.get_message()

    peer: Peer = await nursery.start(run_peer, stream_then_ping)
    with trio.fail_after(5):
        async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
            while True:
                item = await conn.receive()
                assert isinstance(item, ev.ResponseOutputTextDelta)
                if item.event_id == "evt_999":
                    break
            await answered.wait()  # meanwhile nobody calls receive()


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


def _accept(key: bytes) -> bytes:
    import base64
    import hashlib

    guid = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
    return base64.b64encode(hashlib.sha1(key + guid).digest())


async def _upgrade_server(
    answer: Any, *, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED
) -> None:
    """Read the upgrade request; write ``answer(key)`` (bytes) and keep the link open."""

    async def serve(stream: trio.SocketStream) -> None:
        request = b""
        async with stream:
            while b"\r\n\r\n" not in request:
                request += await stream.receive_some(65536)
            key = next(
                line.split(b":", 1)[1].strip()
                for line in request.split(b"\r\n")
                if line.lower().startswith(b"sec-websocket-key:")
            )
            await stream.send_all(answer(key))
            with trio.move_on_after(5):
                while await stream.receive_some(65536):
                    pass

    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    task_status.started(listeners[0].socket.getsockname()[1])
    await trio.serve_listeners(serve, listeners)


def _answer(*lines: str, accept: bool = True, then: bytes = b"") -> Any:
    def answer(key: bytes) -> bytes:
        head = ["HTTP/1.1 101 Switching Protocols", *lines]
        if accept:
            head.append("Sec-WebSocket-Accept: " + _accept(key).decode())
        return ("\r\n".join(head) + "\r\n\r\n").encode() + then

    return answer


_GOOD = ("Upgrade: websocket", "Connection: Upgrade")


async def test_frames_in_the_same_packet_as_the_101_answer(nursery: trio.Nursery) -> None:
    payload = text_delta(3).encode()
    assert 125 < len(payload) < 65536
    frame = b"\x81\x7e" + len(payload).to_bytes(2, "big") + payload
    port: int = await nursery.start(_upgrade_server, _answer(*_GOOD, then=frame))
    with trio.fail_after(5):
        async with rt.open_realtime(_client(port), "gpt-realtime", close_timeout=0.2) as conn:
            item = await conn.receive()
    assert isinstance(item, ev.ResponseOutputTextDelta)
    assert item.event_id == "evt_3"


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (_answer(*_GOOD, accept=False), "Sec-WebSocket-Accept"),
        (
            _answer(*_GOOD, "Sec-WebSocket-Accept: dGhpcyBpcyBub3QgaXQ="),
            "Sec-WebSocket-Accept",
        ),
        (_answer("Connection: Upgrade"), "Upgrade: websocket"),
        (_answer("Upgrade: websocket"), "Connection: Upgrade"),
        (_answer(*_GOOD, "Sec-WebSocket-Extensions: permessage-deflate"), "extension"),
        (_answer(*_GOOD, "Sec-WebSocket-Protocol: chat"), "subprotocol"),
        (lambda key: b"HTTP/1.1 101 Switching Protocols\r\nnot a header\r\n\r\n", "malformed"),
    ],
)
async def test_invalid_upgrade_answers_are_refused(
    nursery: trio.Nursery, answer: Any, words: str
) -> None:
    port: int = await nursery.start(_upgrade_server, answer)
    with trio.fail_after(5), pytest.raises(rt.ConnectError) as info:
        async with rt.open_realtime(_client(port), "gpt-realtime"):
            pass  # pragma: no cover
    assert words in str(info.value)
    assert not isinstance(info.value, rt.ConnectTimeout | rt.HandshakeRejected)


async def test_a_mute_server_is_found_dead_over_a_real_socket(nursery: trio.Nursery) -> None:
    # End to end, real time, short timers: the peer accepted the upgrade and
    # then never answers anything (issue 9, finding 1: receive() blocked for good).
    peer: MutePeer = await nursery.start(run_mute_peer)
    with trio.fail_after(5), pytest.raises(rt.KeepaliveTimeout) as info:
        async with rt.open_realtime(
            peer.client(), "gpt-realtime", ping_interval=0.2, ping_timeout=0.3
        ) as conn:
            await conn.receive()
    assert info.value.code == 1011
    with trio.fail_after(5):
        await peer.disconnected.wait()  # and the client dropped the TCP connection
