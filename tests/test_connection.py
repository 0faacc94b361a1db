"""The I/O layer over real loopback sockets: handshake, delivery, close, errors."""

from __future__ import annotations

import json
import logging

import pytest
import trio
import trio_websocket
from _peer import API_KEY, Peer, Rejection, event, run_peer, text_delta

import trio_realtime as rt
from trio_realtime import events as ev

SESSION_CREATED = event("session.created", session={"type": "realtime", "id": "sess_1"})


async def idle(ws: trio_websocket.WebSocketConnection) -> None:
    """Send session.created, then answer nothing until the client leaves."""
    await ws.send_message(SESSION_CREATED)
    try:
        while True:
            await ws.get_message()
    except trio_websocket.ConnectionClosed:
        pass


async def test_handshake_path_query_and_headers(nursery: trio.Nursery) -> None:
    peer: Peer = await nursery.start(run_peer, idle)
    client = peer.client(organization="org-1", project="proj 1")
    with trio.fail_after(5):
        async with rt.open_realtime(
            client, "gpt-realtime", extra_query={"x": "a&b"}, extra_headers={"X-Extra": "1"}
        ) as conn:
            first = await conn.receive()
            assert isinstance(first, ev.SessionCreated)
    (seen,) = peer.seen
    assert seen.path == "/v1/realtime?model=gpt-realtime&x=a%26b"
    assert seen.headers["authorization"] == f"Bearer {API_KEY}"
    assert seen.headers["openai-organization"] == "org-1"
    assert seen.headers["openai-project"] == "proj 1"
    assert seen.headers["x-extra"] == "1"


async def test_round_trip_and_session_tracking(nursery: trio.Nursery) -> None:
    received: list[dict[str, object]] = []

    async def echo(ws: trio_websocket.WebSocketConnection) -> None:
        await ws.send_message(SESSION_CREATED)
        message = json.loads(await ws.get_message())
        received.append(message)
        await ws.send_message(
            event("session.updated", session={"type": "realtime", "id": "sess_1", "x": 1})
        )
        await ws.get_message()  # until the client closes

    peer: Peer = await nursery.start(run_peer, echo)
    with trio.fail_after(5):
        async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
            await conn.receive()
            assert conn.session is not None
            await conn.send(ev.ResponseCreate())
            updated = await conn.receive()
            assert isinstance(updated, ev.SessionUpdated)
            assert conn.session is updated.session
            stats = conn.statistics()
    assert received == [{"event_id": "c1", "type": "response.create"}]
    assert stats.events_received == 2
    assert stats.events_sent == 1


async def test_ten_thousand_events_in_order(nursery: trio.Nursery) -> None:
    count = 10_000

    async def stream(ws: trio_websocket.WebSocketConnection) -> None:
        for i in range(count):
            await ws.send_message(text_delta(i, str(i)))
        await ws.aclose(1000)

    peer: Peer = await nursery.start(run_peer, stream)
    got: list[str] = []
    with trio.fail_after(30):
        async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
            async for item in conn:
                assert isinstance(item, ev.ResponseOutputTextDelta)
                got.append(item.delta)
    assert got == [str(i) for i in range(count)]


async def test_slow_consumer_backpressure_loses_nothing(nursery: trio.Nursery) -> None:
    # 400 events of 64 KiB (25 MiB) cannot all fit in the client's queue and the
    # kernel's socket buffers: while the consumer sleeps the server must block.
    count, size = 400, 64 * 1024
    sent = 0

    async def flood(ws: trio_websocket.WebSocketConnection) -> None:
        nonlocal sent
        for i in range(count):
            await ws.send_message(text_delta(i, chr(ord("a") + i % 26) * size))
            sent += 1
        await ws.aclose(1000)

    peer: Peer = await nursery.start(run_peer, flood)
    with trio.fail_after(30):
        async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
            await trio.sleep(0.5)
            sent_while_stalled = sent
            got = [item async for item in conn]
    assert sent_while_stalled < count
    assert len(got) == count
    for i, item in enumerate(got):
        assert isinstance(item, ev.ResponseOutputTextDelta)
        assert item.event_id == f"evt_{i}"
        assert len(item.delta) == size


async def test_large_message_beyond_websocket_default(nursery: trio.Nursery) -> None:
    big = "z" * (3 * 1024 * 1024)

    async def send_big(ws: trio_websocket.WebSocketConnection) -> None:
        await ws.send_message(text_delta(0, big))
        await ws.get_message()

    peer: Peer = await nursery.start(run_peer, send_big)
    with trio.fail_after(10):
        async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
            item = await conn.receive()
    assert isinstance(item, ev.ResponseOutputTextDelta)
    assert item.delta == big


async def test_abrupt_drop_delivers_then_raises(nursery: trio.Nursery) -> None:
    async def drop(ws: trio_websocket.WebSocketConnection) -> None:
        for i in range(100):
            await ws.send_message(text_delta(i))
        await ws._stream.aclose()  # pyright: ignore[reportPrivateUsage] # no close frame

    peer: Peer = await nursery.start(run_peer, drop)
    got = 0
    with trio.fail_after(5):
        async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
            with pytest.raises(rt.ConnectionClosed) as info:
                async for _ in conn:
                    got += 1
        # Leaving the block raises nothing more: the close was already reported.
    assert got == 100
    assert info.value.code == 1006


async def test_close_code_and_reason_after_events(nursery: trio.Nursery) -> None:
    async def close_4000(ws: trio_websocket.WebSocketConnection) -> None:
        for i in range(3):
            await ws.send_message(text_delta(i))
        await ws.aclose(4000, "session expired")

    peer: Peer = await nursery.start(run_peer, close_4000)
    with trio.fail_after(5):
        async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
            got = [await conn.receive() for _ in range(3)]
            with pytest.raises(rt.ConnectionClosed) as info:
                await conn.receive()
            with pytest.raises(rt.ConnectionClosed):
                await conn.send(ev.ResponseCreate())
    assert len(got) == 3
    assert (info.value.code, info.value.reason) == (4000, "session expired")


async def test_unobserved_abnormal_close_raises_from_block(nursery: trio.Nursery) -> None:
    async def close_1011(ws: trio_websocket.WebSocketConnection) -> None:
        await ws.aclose(1011, "internal error")

    peer: Peer = await nursery.start(run_peer, close_1011)
    with trio.fail_after(5), pytest.raises(rt.ConnectionClosed) as info:
        async with rt.open_realtime(peer.client(), "gpt-realtime"):
            await trio.sleep(0.2)
    assert info.value.code == 1011


async def test_normal_close_ends_iteration(nursery: trio.Nursery) -> None:
    async def bye(ws: trio_websocket.WebSocketConnection) -> None:
        await ws.send_message(text_delta(0))
        await ws.aclose(1000)

    peer: Peer = await nursery.start(run_peer, bye)
    with trio.fail_after(5):
        async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
            got = [item async for item in conn]
            with pytest.raises(trio.EndOfChannel):
                await conn.receive()
    assert len(got) == 1


async def test_server_error_event_is_delivered_not_raised(nursery: trio.Nursery) -> None:
    async def complain(ws: trio_websocket.WebSocketConnection) -> None:
        await ws.send_message(
            event(
                "error",
                error={"type": "invalid_request_error", "code": "bad", "message": "nope"},
            )
        )
        await ws.send_message(text_delta(1))
        await ws.get_message()

    peer: Peer = await nursery.start(run_peer, complain)
    with trio.fail_after(5):
        async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
            first = await conn.receive()
            second = await conn.receive()
    assert isinstance(first, ev.ErrorEvent)
    assert isinstance(second, ev.ResponseOutputTextDelta)


async def test_unknown_and_invalid_frames_lenient(nursery: trio.Nursery) -> None:
    async def odd(ws: trio_websocket.WebSocketConnection) -> None:
        await ws.send_message(json.dumps({"type": "brand.new.event", "x": 1}))
        await ws.send_message("not json")
        await ws.send_message(event("response.output_text.delta", delta=5))
        await ws.send_message(text_delta(3))
        await ws.get_message()

    peer: Peer = await nursery.start(run_peer, odd)
    with trio.fail_after(5):
        async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
            got = [await conn.receive() for _ in range(4)]
            stats = conn.statistics()
    unknown, not_json, bad_field, fine = got
    assert isinstance(unknown, ev.UnknownEvent)
    assert unknown.type == "brand.new.event"
    assert unknown.payload == {"type": "brand.new.event", "x": 1}
    assert isinstance(not_json, ev.InvalidEvent)
    assert not_json.raw == b"not json"
    assert isinstance(bad_field, ev.InvalidEvent)
    assert bad_field.type == "response.output_text.delta"
    assert bad_field.error.path is not None
    assert isinstance(fine, ev.ResponseOutputTextDelta)
    assert (stats.unknown_events, stats.invalid_events) == (1, 2)


async def test_invalid_frame_strict_raises_and_session_goes_on(nursery: trio.Nursery) -> None:
    async def odd(ws: trio_websocket.WebSocketConnection) -> None:
        await ws.send_message("[1, 2]")
        await ws.send_message(text_delta(1))
        await ws.get_message()

    peer: Peer = await nursery.start(run_peer, odd)
    with trio.fail_after(5):
        async with rt.open_realtime(peer.client(), "gpt-realtime", strict=True) as conn:
            with pytest.raises(rt.EventDecodeError) as info:
                await conn.receive()
            assert info.value.raw == b"[1, 2]"
            assert isinstance(await conn.receive(), ev.ResponseOutputTextDelta)


async def test_leaving_flushes_sends_then_closes_1000(nursery: trio.Nursery) -> None:
    got: list[str] = []
    close_code: list[int | None] = []

    async def collect(ws: trio_websocket.WebSocketConnection) -> None:
        try:
            while True:
                got.append(json.loads(await ws.get_message())["event_id"])
        except trio_websocket.ConnectionClosed as exc:
            close_code.append(exc.reason.code if exc.reason else None)

    peer: Peer = await nursery.start(run_peer, collect)
    with trio.fail_after(5):
        async with rt.open_realtime(peer.client(), "gpt-realtime", send_buffer_size=1000) as conn:
            for i in range(500):
                conn.send_nowait(ev.ResponseCreate(event_id=f"c{i}"))
        await peer.sessions_done[0].wait()
    assert got == [f"c{i}" for i in range(500)]
    assert close_code == [1000]


async def test_several_senders_share_the_channel(nursery: trio.Nursery) -> None:
    got: list[str] = []

    async def collect(ws: trio_websocket.WebSocketConnection) -> None:
        try:
            while True:
                got.append(json.loads(await ws.get_message())["event_id"])
        except trio_websocket.ConnectionClosed:
            pass

    async def sender(tx: trio.MemorySendChannel[ev.ClientEvent], name: str) -> None:
        async with tx:
            for i in range(50):
                await tx.send(ev.ResponseCreate(event_id=f"{name}{i}"))

    peer: Peer = await nursery.start(run_peer, collect)
    with trio.fail_after(5):
        async with (
            rt.open_realtime(peer.client(), "gpt-realtime") as conn,
            trio.open_nursery() as senders,
        ):
            senders.start_soon(sender, conn.send_channel.clone(), "a")
            senders.start_soon(sender, conn.send_channel.clone(), "b")
        await peer.sessions_done[0].wait()
    assert sorted(got) == sorted([f"a{i}" for i in range(50)] + [f"b{i}" for i in range(50)])
    assert [g for g in got if g.startswith("a")] == [f"a{i}" for i in range(50)]


async def test_sends_after_block_are_refused(nursery: trio.Nursery) -> None:
    peer: Peer = await nursery.start(run_peer, idle)
    with trio.fail_after(5):
        async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
            pass
        with pytest.raises(trio.ClosedResourceError):
            await conn.send(ev.ResponseCreate())
        with pytest.raises(trio.ClosedResourceError):
            await conn.receive()
        await conn.aclose()  # idempotent


async def test_close_timeout_when_peer_stops_reading(nursery: trio.Nursery) -> None:
    async def stall(ws: trio_websocket.WebSocketConnection) -> None:
        await trio.sleep_forever()

    peer: Peer = await nursery.start(run_peer, stall)
    payload = "p" * 100_000
    with trio.fail_after(10), pytest.raises(rt.CloseTimeout):
        async with rt.open_realtime(
            peer.client(), "gpt-realtime", close_timeout=0.5, send_buffer_size=500
        ) as conn:
            for i in range(500):
                conn.send_nowait(
                    ev.SessionUpdate(event_id=f"{i}", session={"instructions": payload})
                )


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, rt.BadRequestError),
        (401, rt.AuthenticationError),
        (403, rt.PermissionDeniedError),
        (404, rt.NotFoundError),
        (409, rt.BadRequestError),
        (429, rt.RateLimitError),
        (500, rt.ServerError),
        (503, rt.ServerError),
    ],
)
async def test_refused_handshake_by_status(
    nursery: trio.Nursery, status: int, error_class: type[rt.HandshakeRejected]
) -> None:
    body = json.dumps({"error": {"message": f"status {status}", "code": "c"}}).encode()
    rejection = Rejection(status, body, [(b"x-request-id", b"req_123")])
    peer: Peer = await nursery.start(
        lambda task_status: run_peer(idle, reject=rejection, task_status=task_status)
    )
    with trio.fail_after(5), pytest.raises(error_class) as info:
        async with rt.open_realtime(peer.client(), "gpt-realtime"):
            pytest.fail("the block must not run")
    assert info.value.status == status
    assert info.value.request_id == "req_123"
    assert info.value.error == {"error": {"message": f"status {status}", "code": "c"}}
    assert f"status {status}" in str(info.value)
    assert API_KEY not in str(info.value)
    assert API_KEY not in repr(info.value.__dict__)


async def test_refused_handshake_with_plain_body(nursery: trio.Nursery) -> None:
    rejection = Rejection(502, b"bad gateway")
    peer: Peer = await nursery.start(
        lambda task_status: run_peer(idle, reject=rejection, task_status=task_status)
    )
    with trio.fail_after(5), pytest.raises(rt.ServerError) as info:
        async with rt.open_realtime(peer.client(), "gpt-realtime"):
            pass
    assert info.value.error is None
    assert info.value.body == b"bad gateway"


async def test_unreachable_host() -> None:
    # Bind a port, then close it: nothing listens there.
    sock = trio.socket.socket()
    await sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    client = rt.Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v1")
    with trio.fail_after(5), pytest.raises(rt.HostUnreachableError) as info:
        async with rt.open_realtime(client, "gpt-realtime"):
            pass
    assert isinstance(info.value.__cause__, OSError)


async def _silent_tcp(task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED) -> None:
    """Accept TCP connections and never answer (a hung server)."""

    async def hold(stream: trio.SocketStream) -> None:
        async with stream:
            await trio.sleep_forever()

    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    task_status.started(listeners[0].socket.getsockname()[1])
    await trio.serve_listeners(hold, listeners)


async def _hang_up_tcp(task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED) -> None:
    """Accept TCP connections, read the request, close without answering."""

    async def hang_up(stream: trio.SocketStream) -> None:
        async with stream:
            await stream.receive_some(65536)

    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    task_status.started(listeners[0].socket.getsockname()[1])
    await trio.serve_listeners(hang_up, listeners)


async def test_connect_timeout(nursery: trio.Nursery) -> None:
    port: int = await nursery.start(_silent_tcp)
    client = rt.Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v1")
    with trio.fail_after(5), pytest.raises(rt.ConnectTimeout):
        async with rt.open_realtime(client, "gpt-realtime", connect_timeout=0.3):
            pass


async def test_peer_hangs_up_during_handshake(nursery: trio.Nursery) -> None:
    port: int = await nursery.start(_hang_up_tcp)
    client = rt.Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v1")
    with trio.fail_after(5), pytest.raises(rt.ConnectError) as info:
        async with rt.open_realtime(client, "gpt-realtime"):
            pass
    assert not isinstance(info.value, rt.ConnectTimeout)


async def test_tls_failure(nursery: trio.Nursery) -> None:
    # A plaintext peer answers the TLS ClientHello with HTTP: the handshake fails.
    port: int = await nursery.start(_hang_up_tcp)
    client = rt.Client(api_key=API_KEY, base_url=f"https://127.0.0.1:{port}/v1")
    with trio.fail_after(5), pytest.raises(rt.TLSError):
        async with rt.open_realtime(client, "gpt-realtime"):
            pass


async def test_plaintext_guard_refuses_before_any_io() -> None:
    client = rt.Client(api_key=API_KEY, base_url="http://realtime.example.invalid/v1")
    with trio.fail_after(5), pytest.raises(rt.InsecureTransportError):
        async with rt.open_realtime(client, "gpt-realtime"):
            pass


async def test_secret_absent_from_debug_logs(
    nursery: trio.Nursery, caplog: pytest.LogCaptureFixture
) -> None:
    peer: Peer = await nursery.start(run_peer, idle)
    caplog.set_level(logging.DEBUG)
    with trio.fail_after(5):
        async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
            await conn.receive()
            await conn.send(ev.ResponseCreate())
            assert API_KEY not in repr(conn)
    assert any(r.name == "trio_realtime" for r in caplog.records)
    for record in caplog.records:
        assert API_KEY not in record.getMessage()


async def test_openai_sdk_client_is_accepted(nursery: trio.Nursery) -> None:
    openai = pytest.importorskip("openai")
    peer: Peer = await nursery.start(run_peer, idle)
    sdk = openai.AsyncOpenAI(api_key=API_KEY, base_url=f"http://127.0.0.1:{peer.port}/v1")
    with trio.fail_after(5):
        async with rt.open_realtime(sdk, "gpt-realtime") as conn:
            assert isinstance(await conn.receive(), ev.SessionCreated)
    (seen,) = peer.seen
    assert seen.path == "/v1/realtime?model=gpt-realtime"
    assert seen.headers["authorization"] == f"Bearer {API_KEY}"


async def test_connect_realtime_in_callers_nursery(nursery: trio.Nursery) -> None:
    peer: Peer = await nursery.start(run_peer, idle)
    with trio.fail_after(5):
        async with trio.open_nursery() as own:
            conn = await rt.connect_realtime(own, peer.client(), "gpt-realtime")
            assert isinstance(await conn.receive(), ev.SessionCreated)
            await conn.aclose()
        # The nursery exited on its own: no background task outlived aclose().
