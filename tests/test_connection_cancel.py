"""Cancellation at every await of a session leaves no task, socket or lost event behind."""

from __future__ import annotations

import pytest
import trio
import trio_websocket
from _peer import MutePeer, Peer, run_mute_peer, run_peer, text_delta

import trio_realtime as rt
from trio_realtime import events as ev


async def test_cancel_while_connecting(nursery: trio.Nursery) -> None:
    # Deadlines that land at different points of connecting (TCP, upgrade) or
    # just after it: every attempt must end without leaving a socket open.
    peer: MutePeer = await nursery.start(run_mute_peer)
    with trio.fail_after(5):
        for deadline in (0, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01):
            with trio.move_on_after(deadline) as scope:
                async with rt.open_realtime(peer.client(), "gpt-realtime"):
                    await trio.sleep_forever()
            assert scope.cancelled_caught
        await peer.wait_all_closed()


async def test_cancel_during_upgrade_closes_socket(nursery: trio.Nursery) -> None:
    # TCP connects but the HTTP upgrade never completes: cancel in the middle.
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    port = listeners[0].socket.getsockname()[1]
    accepted = trio.Event()
    gone = trio.Event()

    async def hold(stream: trio.SocketStream) -> None:
        accepted.set()
        async with stream:
            while await stream.receive_some(65536):
                pass
        gone.set()

    nursery.start_soon(trio.serve_listeners, hold, listeners)
    client = rt.Client(api_key="sk-x", base_url=f"http://127.0.0.1:{port}/v1")
    with trio.fail_after(5):
        async with trio.open_nursery() as inner:

            async def connect() -> None:
                async with rt.open_realtime(client, "gpt-realtime"):
                    pytest.fail("the block must not run")

            inner.start_soon(connect)
            await accepted.wait()
            await trio.sleep(0.05)
            inner.cancel_scope.cancel()
        await gone.wait()


async def test_cancelled_receive_loses_nothing(nursery: trio.Nursery) -> None:
    go = trio.Event()

    async def later(ws: trio_websocket.WebSocketConnection) -> None:
        await go.wait()
        for i in range(3):
            await ws.send_message(text_delta(i))
        await ws.get_message()

    peer: Peer = await nursery.start(run_peer, later)
    with trio.fail_after(5):
        async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
            for _ in range(5):
                with trio.move_on_after(0.01):
                    await conn.receive()
                    pytest.fail("nothing was sent yet")
            go.set()
            got = [await conn.receive() for _ in range(3)]
    assert [e.event_id for e in got if isinstance(e, ev.ResponseOutputTextDelta)] == [
        "evt_0",
        "evt_1",
        "evt_2",
    ]


async def test_receive_is_a_cancel_point_with_events_waiting(nursery: trio.Nursery) -> None:
    # Events already read from the socket are handed over without a schedule
    # point, but a cancelled receive still raises and takes none of them.
    async def burst(ws: trio_websocket.WebSocketConnection) -> None:
        for i in range(4):
            await ws.send_message(text_delta(i))
        await ws.get_message()

    peer: Peer = await nursery.start(run_peer, burst)
    with trio.fail_after(5):
        async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
            first = await conn.receive()
            await trio.sleep(0.2)  # the rest arrive; the next read queues them all
            second = await conn.receive()
            with trio.CancelScope() as scope:
                scope.cancel()
                await conn.receive()
            assert scope.cancelled_caught
            rest = [await conn.receive() for _ in range(2)]
    ids = [e.event_id for e in [first, second, *rest] if isinstance(e, ev.ResponseOutputTextDelta)]
    assert ids == ["evt_0", "evt_1", "evt_2", "evt_3"]


async def test_cancel_block_while_receiving(nursery: trio.Nursery) -> None:
    peer: MutePeer = await nursery.start(run_mute_peer)
    with trio.fail_after(5):
        with trio.move_on_after(0.2) as scope:
            async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
                await conn.receive()
        assert scope.cancelled_caught
        await peer.disconnected.wait()


async def test_cancel_block_while_send_blocks(nursery: trio.Nursery) -> None:
    # The mute peer reads but the client keeps sending 1 MB events into a
    # 2-event buffer: sooner or later `send` blocks. Cancel it there.
    peer: MutePeer = await nursery.start(run_mute_peer)
    big = ev.SessionUpdate(session=ev.RealtimeSession(instructions="i" * 1_000_000))
    with trio.fail_after(10):
        with trio.move_on_after(0.5) as scope:
            async with rt.open_realtime(peer.client(), "gpt-realtime", send_buffer_size=2) as conn:
                while True:
                    await conn.send(big)
        assert scope.cancelled_caught
        await peer.disconnected.wait()


async def test_cancel_during_close_handshake(nursery: trio.Nursery) -> None:
    # The mute peer never answers our close frame; a cancellation must cut the
    # wait short (long before close_timeout) and still close the socket.
    peer: MutePeer = await nursery.start(run_mute_peer)
    with trio.fail_after(5):
        start = trio.current_time()
        with trio.move_on_after(0.5) as scope:
            async with rt.open_realtime(peer.client(), "gpt-realtime", close_timeout=60):
                pass  # leaving starts the close handshake, which never completes
        assert scope.cancelled_caught
        assert trio.current_time() - start < 30
        await peer.disconnected.wait()


async def test_close_handshake_unanswered_is_bounded(nursery: trio.Nursery) -> None:
    # Nothing was left unsent, so an unanswered close frame is not an error:
    # the socket is closed after close_timeout.
    peer: MutePeer = await nursery.start(run_mute_peer)
    with trio.fail_after(5):
        async with rt.open_realtime(peer.client(), "gpt-realtime", close_timeout=0.2):
            pass
        await peer.disconnected.wait()


async def test_exception_in_block_propagates_unchanged(nursery: trio.Nursery) -> None:
    closed: list[int | None] = []

    async def watch(ws: trio_websocket.WebSocketConnection) -> None:
        try:
            while True:
                await ws.get_message()
        except trio_websocket.ConnectionClosed as exc:
            closed.append(exc.reason.code if exc.reason else None)

    peer: Peer = await nursery.start(run_peer, watch)
    with trio.fail_after(5):
        with pytest.raises(KeyError, match="boom"):
            async with rt.open_realtime(peer.client(), "gpt-realtime"):
                raise KeyError("boom")
        await peer.sessions_done[0].wait()
    assert closed == [1000]


async def test_unencodable_event_is_a_typed_error(nursery: trio.Nursery) -> None:
    async def idle(ws: trio_websocket.WebSocketConnection) -> None:
        try:
            while True:
                await ws.get_message()
        except trio_websocket.ConnectionClosed:
            pass

    peer: Peer = await nursery.start(run_peer, idle)
    bad = ev.SessionUpdate(session=ev.RealtimeSession(instructions=object()))  # type: ignore[arg-type]
    with trio.fail_after(5), pytest.raises(rt.EventEncodeError, match="SessionUpdate"):
        async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
            await conn.send(bad)
            await trio.sleep_forever()


async def test_send_after_drop_raises(nursery: trio.Nursery) -> None:
    async def drop(ws: trio_websocket.WebSocketConnection) -> None:
        await ws._stream.aclose()  # pyright: ignore[reportPrivateUsage]

    peer: Peer = await nursery.start(run_peer, drop)
    with trio.fail_after(5):
        async with rt.open_realtime(peer.client(), "gpt-realtime") as conn:
            with pytest.raises(rt.ConnectionClosed):
                await conn.receive()
            with pytest.raises(rt.ConnectionClosed) as info:
                conn.send_nowait(ev.ResponseCreate())
    assert info.value.code == 1006


async def test_events_stuck_at_a_drop_are_reported_unsent(nursery: trio.Nursery) -> None:
    # The peer reads nothing, so the client's sends pile up in TCP buffers and
    # then in the send channel; then the peer drops the connection. Whatever never
    # reached the socket comes back in ConnectionClosed.unsent, in order.
    async def stuck_then_drop(ws: trio_websocket.WebSocketConnection) -> None:
        await trio.sleep(0.5)
        await ws._stream.aclose()  # pyright: ignore[reportPrivateUsage]

    peer: Peer = await nursery.start(run_peer, stuck_then_drop)
    instructions = "i" * 1_000_000
    attempted = 0
    with trio.fail_after(10), pytest.raises(rt.ConnectionClosed) as info:
        async with rt.open_realtime(peer.client(), "gpt-realtime", send_buffer_size=4) as conn:
            while True:
                event = ev.SessionUpdate(
                    event_id=str(attempted), session=ev.RealtimeSession(instructions=instructions)
                )
                attempted += 1
                await conn.send(event)
    unsent = [int(e.event_id) for e in info.value.unsent if isinstance(e, ev.SessionUpdate)]
    assert len(info.value.unsent) == len(unsent) > 0
    # The last attempt raised; the unsent ones are the contiguous tail before it.
    assert unsent == list(range(attempted - 1 - len(unsent), attempted - 1))
