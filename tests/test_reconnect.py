"""The fault matrix of reconnecting sessions, over memory streams with a mock clock.

For each fault: every event that arrived before it is delivered once, before
the `Reconnected` marker; the new server session holds the same history as
the old one; sends queued across the fault reach the server exactly once; and
leaving the block leaves no task and no open stream behind.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import trio
import trio.testing
from _net import RESTORE_ACKS, Net, fast, history, read_until, turn
from _wire import CLOSE, TEXT, Server, close_payload, frame

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime.testing import FakeConnection, FakeServer, Faults, open_fake_server


@pytest.fixture
def autojump_clock() -> trio.testing.MockClock:
    return trio.testing.MockClock(autojump_threshold=0)


def sent_ids(conn: FakeConnection) -> list[str]:
    return [str(e.event_id) for _, e in conn.sent_log]


def after_restore(conn: FakeConnection, marker: rt.Reconnected) -> list[str]:
    """The ids of what ``conn`` sent after the restore's acknowledgements:
    ``session.created``, ``session.updated`` for a configuration, then added
    and done for each item."""
    n = 1 + int(marker.restored_config) + 2 * marker.restored_items
    log = conn.sent_log
    assert all(e.type in RESTORE_ACKS for _, e in log[:n])
    return [str(e.event_id) for _, e in log[n:]]


def ids(events: list[Any]) -> list[str]:
    return [str(e.event_id) for e in events if not isinstance(e, rt.Reconnected)]


async def user_items(server: FakeServer, index: int) -> list[tuple[str, str | None, str]]:
    conn = await server.wait_connection(index)
    return history(conn.engine.conversation)


async def check_streams_closed(net: Net) -> None:
    """Every client stream the session opened is closed."""
    for stream in net.client_streams:
        with pytest.raises(trio.ClosedResourceError):
            await stream.send_all(b"x")


async def two_turns_then(
    fault: Any, policy: rt.Reconnect | None = None, **server_options: Any
) -> tuple[FakeServer, Net, list[Any], list[Any], rt.Reconnected]:
    """Two turns, ``fault(server_conn)``, one send during the outage, one more turn.

    Returns the server, the network, the events delivered before the marker,
    after it, and the marker.
    """
    async with (
        open_fake_server(record_sent=True, delta_size=4, **server_options) as server,
        trio.open_nursery() as nursery,
    ):
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            async with net.session(policy or fast()) as conn:
                before = await turn(conn, "first question")
                before += await turn(conn, "second question")
                first = await server.wait_connection(0)
                await fault(first)
                # Sent during the outage: held, then sent once on the new session.
                await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text("held")))
                while True:
                    event = await conn.receive()
                    if isinstance(event, rt.Reconnected):
                        marker = event
                        break
                    before.append(event)
                after = await read_until(conn, ev.ConversationItemDone)
                after += await turn(conn, "third question")
                assert conn.statistics().reconnects == 1
            await check_streams_closed(net)
        nursery.cancel_scope.cancel()
    return server, net, before, after, marker


def check_matrix(
    server: FakeServer, before: list[Any], after: list[Any], marker: rt.Reconnected
) -> None:
    old, new = server.connections[0], server.connections[1]
    # Nothing received lost, nothing twice: the consumer saw exactly what each
    # server session sent (the restore's acknowledgements excepted).
    assert ids(before) == sent_ids(old)
    assert ids(after) == after_restore(new, marker)[: len(ids(after))]
    # The new session holds the old one's history, then the held send.
    old_history = history(old.engine.conversation)
    new_history = history(new.engine.conversation)
    assert new_history[: len(old_history)] == old_history
    assert new_history[len(old_history)][2] == "held"
    # The held send went out once, on the new session only.
    held = [
        e
        for c in server.connections
        for e in c.received_of(ev.ConversationItemCreate)
        if history([e.item])[0][2] == "held"
    ]
    assert len(held) == 1
    assert held[0] in new.received


async def drop(conn: FakeConnection) -> None:
    await conn.drop()


@pytest.mark.parametrize("code", [1001, 1011, 1012, 1013])
async def test_a_retried_close_code_reconnects_and_restores(
    autojump_clock: trio.testing.MockClock, code: int
) -> None:
    async def close(conn: FakeConnection) -> None:
        await conn.close(code, "going")

    server, _, before, after, marker = await two_turns_then(close)
    check_matrix(server, before, after, marker)
    assert marker.reason == "connection_lost"
    assert isinstance(marker.cause, rt.ConnectionClosed)
    assert marker.cause.code == code
    assert marker.restored_items == 4
    assert marker.attempt == 1


async def test_a_dropped_tcp_connection_reconnects(autojump_clock: trio.testing.MockClock) -> None:
    server, _, before, after, marker = await two_turns_then(drop)
    check_matrix(server, before, after, marker)
    assert isinstance(marker.cause, rt.ConnectionClosed)
    assert marker.cause.code == 1006


async def test_a_close_without_status_reconnects(autojump_clock: trio.testing.MockClock) -> None:
    async def no_status(server: Server) -> None:
        await server.text(
            b'{"type":"session.created","event_id":"e1","session":{"type":"realtime"}}'
        )
        await server.send(frame(CLOSE, b""))  # a close frame with no code: 1005
        await server.read_all()

    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        net.raw.append(no_status)
        with trio.fail_after(300):
            async with net.session(fast()) as conn:
                got = await read_until(conn, rt.Reconnected)
                assert ids(got) == ["e1"]
                assert got[-1].cause.code == 1005
                await turn(conn, "hello")
        nursery.cancel_scope.cancel()


def test_every_close_code_of_the_sdk_is_retried_and_others_are_not() -> None:
    policy = rt.Reconnect()
    for code in (1001, 1005, 1006, 1011, 1012, 1013, 1015):
        assert policy.retryable(rt.ConnectionClosed(code))
    for code in (1000, 1002, 1003, 1007, 1008, 1009, 4000):
        assert not policy.retryable(rt.ConnectionClosed(code))
    assert policy.retryable(rt.KeepaliveTimeout(1011))
    assert not policy.retryable(rt.ConnectionClosed(1011), "invalid_api_key")


async def test_a_session_that_expires_is_replaced(autojump_clock: trio.testing.MockClock) -> None:
    async with (
        open_fake_server(record_sent=True, faults=Faults(session_duration=600)) as server,
        trio.open_nursery() as nursery,
    ):
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(3000):
            async with net.session(fast(max_session_duration=None)) as conn:
                await turn(conn, "hello")
                await read_until(conn, rt.Reconnected)
                assert server.connections[0].expired
                await turn(conn, "again")
                assert history(server.connections[1].engine.conversation)[:2] == history(
                    server.connections[0].engine.conversation
                )
        nursery.cancel_scope.cancel()


async def test_a_session_that_expires_while_nobody_reads_is_replaced_too(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # The session_expired error and the close arrive while the application is
    # not receiving: the decision to go on waits for it to read them.
    async with (
        open_fake_server(faults=Faults(session_duration=600)) as server,
        trio.open_nursery() as nursery,
    ):
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(3000):
            async with net.session(fast(max_session_duration=None)) as conn:
                await turn(conn, "hello")
                await server.connections[0].wait_closed()
                await trio.sleep(60)  # long after the close
                events = await read_until(conn, rt.Reconnected)
                errors = [e for e in events if isinstance(e, ev.ErrorEvent)]
                assert [e.error.code for e in errors] == ["session_expired"]
                marker = events[-1]
                assert isinstance(marker, rt.Reconnected)
                assert marker.reason == "session_expired"
                await turn(conn, "again")
                assert len(server.connections) == 2
        nursery.cancel_scope.cancel()


async def test_the_marker_reports_the_lost_response_and_the_conversation_marks_it(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with (
        open_fake_server(delta_size=1, delta_interval=1.0) as server,
        trio.open_nursery() as nursery,
    ):
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            async with net.session(fast()) as conn:
                await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text("tell me")))
                await conn.send(ev.ResponseCreate())
                deltas = await read_until(conn, ev.ResponseOutputAudioTranscriptDelta)
                created = next(e for e in deltas if isinstance(e, ev.ResponseCreated))
                await server.connections[0].drop()
                marker = (await read_until(conn, rt.Reconnected))[-1]
                assert marker.lost_response_id == created.response.id
                assert conn.conversation is not None
                response = conn.conversation.responses[created.response.id]
                assert response.status == "incomplete"
                partial = conn.conversation.item(response.output_item_ids[0])
                assert partial is not None
                assert partial.status == "incomplete"
                # The partial answer is restored as what the user heard.
                restored = history(server.connections[1].engine.conversation)
                assert restored[-1][0] == "assistant"
                assert restored[-1][2] == partial.text
        nursery.cancel_scope.cancel()


async def test_a_frame_cut_in_half_reconnects_and_keeps_what_came_before(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def half_a_frame(server: Server) -> None:
        await server.text(
            b'{"type":"session.created","event_id":"e1","session":{"type":"realtime"}}'
        )
        whole = frame(TEXT, b'{"type":"rate_limits.updated","event_id":"e2","rate_limits":[]}')
        await server.send(whole, frame(TEXT, b'{"type":"rate_limits.updated","event_id":"e3"')[:20])
        await server.stream.aclose()

    async with open_fake_server(record_sent=True) as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        net.raw.append(half_a_frame)
        with trio.fail_after(300):
            async with net.session(fast()) as conn:
                got = await read_until(conn, rt.Reconnected)
                assert ids(got) == ["e1", "e2"]
                assert got[-1].cause.code == 1006
                await turn(conn, "still there?")
            await check_streams_closed(net)
        nursery.cancel_scope.cancel()


async def test_a_stalled_peer_is_found_by_keepalive_and_replaced(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def never_answers(server: Server) -> None:
        await server.text(
            b'{"type":"session.created","event_id":"e1","session":{"type":"realtime"}}'
        )
        while True:  # reads pings, never answers
            await server.read_frame()

    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=20, ping_timeout=20)
        net.raw.append(never_answers)
        with trio.fail_after(300):
            async with net.session(fast()) as conn:
                start = trio.current_time()
                got = await read_until(conn, rt.Reconnected)
                assert isinstance(got[-1].cause, rt.KeepaliveTimeout)
                assert 40 <= trio.current_time() - start < 45
                await turn(conn, "hello")
        nursery.cancel_scope.cancel()


async def test_a_retried_refusal_honours_retry_after(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            async with net.session(fast()) as conn:
                await turn(conn, "hello")
                server.faults.reject_handshakes = 2
                server.faults.reject_status = 429
                server.faults.reject_headers = [("retry-after", "7")]
                cut = trio.current_time()
                await server.connections[0].drop()
                marker = (await read_until(conn, rt.Reconnected))[-1]
                assert marker.attempt == 3
                # Two refusals, each asking for 7 s (more than the backoff).
                assert 14 <= trio.current_time() - cut < 15
                assert marker.downtime >= 14
                await turn(conn, "back")
        nursery.cancel_scope.cancel()


@pytest.mark.parametrize(
    ("status", "error"), [(401, rt.AuthenticationError), (403, rt.PermissionDeniedError)]
)
async def test_a_fatal_refusal_during_reconnect_ends_the_session_with_its_error(
    autojump_clock: trio.testing.MockClock, status: int, error: type[Exception]
) -> None:
    async with open_fake_server(record_sent=True) as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            async with net.session(fast()) as conn:
                got = await turn(conn, "hello")
                server.faults.reject_handshakes = 5
                server.faults.reject_status = status
                await server.connections[0].drop()
                with pytest.raises(error):
                    while True:
                        got.append(await conn.receive())
                assert ids(got) == sent_ids(server.connections[0])
                assert net.attempts == 2  # the first one and one refused
                with pytest.raises(error):
                    await conn.send(ev.ResponseCreate())
            await check_streams_closed(net)
        nursery.cancel_scope.cancel()


async def test_giving_up_after_max_attempts_raises_the_last_failure(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            async with net.session(fast(max_attempts=3)) as conn:
                await turn(conn, "hello")
                server.faults.reject_handshakes = 10
                server.faults.reject_status = 503
                start = trio.current_time()
                await server.connections[0].drop()
                await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text("lost?")))
                with pytest.raises(rt.ServerError):
                    while True:
                        await conn.receive()
                # Backoff 0, 0.5, 1: three attempts.
                assert net.attempts == 4
                assert 1.5 <= trio.current_time() - start < 2
            # What could not be sent is reported, not dropped.
            assert [type(e) for e in conn.unsent] == [ev.ConversationItemCreate]
        nursery.cancel_scope.cancel()


async def test_a_fatal_error_code_before_the_close_is_not_retried(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def quota(server: Server) -> None:
        await server.text(
            b'{"type":"error","event_id":"e1","error":{"type":"insufficient_quota",'
            b'"code":"insufficient_quota","message":"You exceeded your quota."}}'
        )
        await server.send(frame(CLOSE, close_payload(1011, "quota")))
        await server.read_all()

    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        net.raw.append(quota)
        with trio.fail_after(300):
            async with net.session(fast()) as conn:
                first = await conn.receive()
                assert isinstance(first, ev.ErrorEvent)
                with pytest.raises(rt.ConnectionClosed) as info:
                    await conn.receive()
                assert info.value.code == 1011
                assert net.attempts == 1
        nursery.cancel_scope.cancel()


async def test_cancelling_receive_while_reconnecting_loses_nothing(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_fake_server(record_sent=True) as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            async with net.session(fast()) as conn:
                got = await turn(conn, "hello")
                server.faults.handshake_delay = 5.0
                await server.connections[0].drop()
                for _ in range(3):
                    with trio.move_on_after(1.0):
                        while True:
                            got.append(await conn.receive())
                assert ids(got) == sent_ids(server.connections[0])
                marker = await conn.receive()
                assert isinstance(marker, rt.Reconnected)
                await turn(conn, "after")
        nursery.cancel_scope.cancel()


async def test_cancelling_the_block_while_reconnecting_leaves_nothing_behind(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            with trio.move_on_after(20) as scope:
                async with net.session(fast(max_attempts=100, max_downtime=1e4)) as conn:
                    await turn(conn, "hello")
                    server.faults.reject_handshakes = 100
                    await server.connections[0].drop()
                    await conn.send(ev.ResponseCreate())
                    await read_until(conn, rt.Reconnected)
            assert scope.cancelled_caught
            await check_streams_closed(net)
        nursery.cancel_scope.cancel()


async def test_cancelling_the_block_while_restoring_leaves_nothing_behind(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def acks_nothing(server: Server) -> None:
        await server.text(
            b'{"type":"session.created","event_id":"e1","session":{"type":"realtime"}}'
        )
        while True:
            await server.read_frame()

    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            with trio.move_on_after(10) as scope:
                async with net.session(fast()) as conn:
                    await turn(conn, "hello")
                    net.raw.append(acks_nothing)
                    await server.connections[0].drop()
                    await read_until(conn, rt.Reconnected)
            assert scope.cancelled_caught
            assert net.attempts == 2
            await check_streams_closed(net)
        nursery.cancel_scope.cancel()


async def test_a_restore_that_is_never_acknowledged_counts_as_a_failed_attempt(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def acks_nothing(server: Server) -> None:
        while True:
            await server.read_frame()

    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            async with net.session(fast(restore_timeout=5)) as conn:
                await turn(conn, "hello")
                net.raw.append(acks_nothing)
                await server.connections[0].drop()
                marker = (await read_until(conn, rt.Reconnected))[-1]
                assert marker.attempt == 2
                assert marker.restored_items == 2
                await turn(conn, "hello again")
        nursery.cancel_scope.cancel()


async def test_sends_during_an_outage_are_held_in_order_and_sent_once(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None, send_buffer_size=2)
        with trio.fail_after(300):
            async with net.session(fast(queue_max_events=5)) as conn:
                await turn(conn, "hello")
                server.faults.handshake_delay = 3.0
                await server.connections[0].drop()
                await trio.sleep(1.0)  # the outage is noticed; the reconnect waits
                sent: list[str] = []

                async def sender() -> None:
                    for n in range(20):
                        event_id = f"u{n}"
                        await conn.send(ev.InputAudioBufferClear(event_id=event_id))
                        sent.append(event_id)

                async with trio.open_nursery() as senders:
                    senders.start_soon(sender)
                    await trio.sleep(0.5)
                    # Backpressure: the held queue is full, the channel too.
                    held = conn.statistics().held_events
                    assert held == 5
                    assert len(sent) < 20
                    await read_until(conn, rt.Reconnected)
                while len(server.connections[1].received_of(ev.InputAudioBufferClear)) < 20:
                    await conn.receive()
            got = [e.event_id for e in server.connections[1].received_of(ev.InputAudioBufferClear)]
            assert got == [f"u{n}" for n in range(20)]
            assert not server.connections[0].received_of(ev.InputAudioBufferClear)
        nursery.cancel_scope.cancel()


async def test_the_restore_resends_the_session_configuration(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            async with net.session(fast()) as conn:
                update = ev.SessionUpdate(
                    session=ev.RealtimeSession(output_modalities=["text"], instructions="terse")
                )
                await conn.send(update)
                await read_until(conn, ev.SessionUpdated)
                await server.connections[0].drop()
                await read_until(conn, rt.Reconnected)
                engine = server.connections[1].engine
                assert engine.session.instructions == "terse"
                assert engine.session.output_modalities == ["text"]
                assert conn.session is not None
        nursery.cancel_scope.cancel()


async def test_a_call_id_session_reattaches_without_restore(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            async with net.session(fast(), restore="none") as conn:
                await turn(conn, "hello")
                await server.connections[0].drop()
                marker = (await read_until(conn, rt.Reconnected))[-1]
                assert marker.restored_items == 0
                assert server.connections[1].received == []
                assert conn.conversation is None
        nursery.cancel_scope.cancel()


async def test_a_transcription_session_restores_its_configuration_only(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            async with net.session(fast(), restore="config") as conn:
                await conn.send(
                    ev.SessionUpdate(session=ev.RealtimeSession(instructions="transcribe"))
                )
                await read_until(conn, ev.SessionUpdated)
                await turn(conn, "hello")
                await server.connections[0].drop()
                marker = (await read_until(conn, rt.Reconnected))[-1]
                assert marker.restored_items == 0
                assert [type(e) for e in server.connections[1].received] == [ev.SessionUpdate]
        nursery.cancel_scope.cancel()


async def test_old_item_ids_keep_working_after_a_reconnect(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            async with net.session(fast()) as conn:
                got = await turn(conn, "delete me later")
                added = next(e for e in got if isinstance(e, ev.ConversationItemAdded))
                await server.connections[0].drop()
                await read_until(conn, rt.Reconnected)
                await conn.send(ev.ConversationItemDelete(item_id=str(added.item.id)))
                deleted = (await read_until(conn, ev.ConversationItemDeleted))[-1]
                assert deleted.item_id == added.item.id
        nursery.cancel_scope.cancel()


async def test_a_poisoned_session_is_recreated(autojump_clock: trio.testing.MockClock) -> None:
    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            async with net.session(fast(poison_errors=3, poison_window=10)) as conn:
                await turn(conn, "hello")
                old = server.connections[0]
                for n in range(3):
                    await old.send(
                        ev.ErrorEvent(
                            event_id=f"err{n}",
                            error=ev.RealtimeErrorDetail(
                                type="server_error", message="The server had an error"
                            ),
                        )
                    )
                got = await read_until(conn, rt.Reconnected)
                assert [type(e) for e in got[:-1]] == [ev.ErrorEvent] * 3
                assert got[-1].reason == "poisoned"
                assert got[-1].restored_items == 2
                await old.wait_closed()
                await turn(conn, "still here")
        nursery.cancel_scope.cancel()


async def test_rollover_waits_for_a_turn_boundary_and_makes_before_break(
    autojump_clock: trio.testing.MockClock,
) -> None:
    policy = fast(max_session_duration=600, rollover_window=100)
    async with (
        open_fake_server(record_sent=True, delta_size=1, delta_interval=1.0) as server,
        trio.open_nursery() as nursery,
    ):
        net = Net(server, nursery, ping_interval=None)

        async def watch_the_first_connection() -> None:
            await (await server.wait_connection(0)).wait_closed()
            net.log.append("first closed")

        nursery.start_soon(watch_the_first_connection)
        with trio.fail_after(3000):
            async with net.session(policy) as conn:
                await trio.sleep(499)
                # A response from 499 s to ~530 s: the rollover (due at 500 s) waits.
                await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text("x" * 30)))
                await conn.send(ev.ResponseCreate())
                got = await read_until(conn, ev.ResponseDone)
                done_at = trio.current_time()
                assert done_at > 520
                assert len(server.connections) == 1
                got += await read_until(conn, rt.Reconnected)
                marker = got[-1]
                assert marker.reason == "rollover"
                assert marker.lost_response_id is None
                assert trio.current_time() - done_at < 1
                assert ids(got) == sent_ids(server.connections[0])
                # Make before break: the new connection was open before the old one closed.
                await server.connections[0].wait_closed()
                assert net.log == ["connected", "connected", "first closed"]
                await turn(conn, "next")
                assert conn.statistics().rollovers == 1
        nursery.cancel_scope.cancel()


async def test_rollover_happens_at_the_limit_without_a_boundary(
    autojump_clock: trio.testing.MockClock,
) -> None:
    policy = fast(max_session_duration=600, rollover_window=100)
    async with (
        open_fake_server(record_sent=True, delta_size=1, delta_interval=1.0) as server,
        trio.open_nursery() as nursery,
    ):
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(3000):
            async with net.session(policy) as conn:
                await trio.sleep(450)
                await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text("x" * 500)))
                await conn.send(ev.ResponseCreate())
                got = await read_until(conn, rt.Reconnected)
                assert 600 <= trio.current_time() < 602
                marker = got[-1]
                assert marker.reason == "rollover"
                assert marker.lost_response_id is not None
                assert ids(got) == sent_ids(server.connections[0])
        nursery.cancel_scope.cancel()


async def test_audio_appended_during_a_rollover_goes_to_the_new_session(
    autojump_clock: trio.testing.MockClock,
) -> None:
    policy = fast(max_session_duration=600, rollover_window=100)
    silence = bytes(4800)
    async with (
        open_fake_server(faults=Faults(event_delay=0.001)) as server,
        trio.open_nursery() as nursery,
    ):
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(3000):
            async with net.session(policy) as conn:
                await conn.send(
                    ev.SessionUpdate(
                        session=ev.RealtimeSession(
                            audio=ev.AudioConfig(input=ev.AudioInput(turn_detection=None))
                        )
                    )
                )
                appended = 0

                async def microphone() -> None:
                    nonlocal appended
                    while True:
                        await conn.send(ev.InputAudioBufferAppend(audio=silence))
                        appended += 1
                        await trio.sleep(0.1)

                async with trio.open_nursery() as mic:
                    mic.start_soon(microphone)
                    await read_until(conn, rt.Reconnected)
                    await trio.sleep(1)
                    mic.cancel_scope.cancel()
                await conn.send(ev.InputAudioBufferClear(event_id="end"))
                await read_until(conn, ev.InputAudioBufferCleared)
            total = sum(len(c.received_of(ev.InputAudioBufferAppend)) for c in server.connections)
            assert total == appended
            assert server.connections[1].received_of(ev.InputAudioBufferAppend)
        nursery.cancel_scope.cancel()


async def test_leaving_the_block_flushes_sends_and_closes_every_connection(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            async with net.session(fast()) as conn:
                await turn(conn, "hello")
                await server.connections[0].drop()
                await read_until(conn, rt.Reconnected)
                for n in range(10):
                    await conn.send(ev.InputAudioBufferClear(event_id=f"u{n}"))
                for _ in range(10):
                    await read_until(conn, ev.InputAudioBufferCleared)
            stats = conn.statistics()
            assert stats.events_sent + stats.events_unsent + stats.events_rejected == 2 + 10
            await server.connections[1].wait_closed()
            assert len(server.connections[1].received_of(ev.InputAudioBufferClear)) == 10
            await check_streams_closed(net)
            with pytest.raises(trio.ClosedResourceError):
                await conn.send(ev.ResponseCreate())
        nursery.cancel_scope.cancel()


def test_a_bad_policy_fails_at_the_call() -> None:
    with pytest.raises(rt.ConfigurationError, match="max_attempts"):
        rt.Reconnect(max_attempts=0)
    with pytest.raises(rt.ConfigurationError, match="jitter"):
        rt.Reconnect(jitter=2)
    with pytest.raises(rt.ConfigurationError, match="reconnect must be"):
        rt.open_realtime(rt.Client(api_key="sk-x"), "m", reconnect=True)  # type: ignore[call-overload]


def test_the_first_attempt_is_at_once_then_backoff_doubles_to_its_cap() -> None:
    policy = rt.Reconnect(backoff_initial=0.5, backoff_max=8, jitter=0.0)
    assert [policy.delay(n) for n in range(1, 8)] == [0, 0.5, 1, 2, 4, 8, 8]
    jittered = rt.Reconnect(jitter=0.2)
    for _ in range(100):
        assert 0 <= jittered.delay(1) <= 0.1
        assert 0.4 <= jittered.delay(2) <= 0.6


async def test_open_realtime_with_reconnect_survives_a_drop_on_a_real_socket() -> None:
    async with open_fake_server(record_sent=True) as server:
        policy = rt.Reconnect(backoff_initial=0.01)
        with trio.fail_after(20):
            async with rt.open_realtime(server.client(), "gpt-realtime", reconnect=policy) as conn:
                assert isinstance(conn, rt.ReconnectingConnection)
                assert isinstance(conn.send_channel, trio.MemorySendChannel)
                before = await turn(conn, "over a real socket")
                await server.connections[0].drop()
                await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text("held")))
                got: list[Any] = []
                async for event in conn:
                    if isinstance(event, rt.Reconnected):
                        break
                    got.append(event)
                assert ids(before + got) == sent_ids(server.connections[0])
                after = await turn(conn, "and again")
                assert isinstance(after[-1], ev.ResponseDone)
            await server.connections[1].wait_closed()
        assert history(server.connections[1].engine.conversation)[:2] == history(
            server.connections[0].engine.conversation
        )
        assert conn.statistics().reconnects == 1


def test_open_translation_takes_a_reconnect_policy() -> None:
    client = rt.Client(api_key="sk-x")
    assert rt.open_translation(client, "gpt-translate", reconnect=rt.Reconnect()) is not None
    with pytest.raises(rt.ConfigurationError, match="reconnect must be"):
        rt.open_translation(client, "m", reconnect=rt.Reconnected)  # type: ignore[call-overload]


async def test_a_refusal_while_reconnecting_keeps_the_key_out_of_the_traceback() -> None:
    from test_secrets import API_KEY, assert_clean

    async with open_fake_server(api_key=API_KEY) as server:
        policy = rt.Reconnect(backoff_initial=0.01)
        with trio.fail_after(20):
            async with rt.open_realtime(server.client(), "gpt-realtime", reconnect=policy) as conn:
                await turn(conn, "hello")
                server.faults.reject_handshakes = 5
                server.faults.reject_status = 401
                await server.connections[0].drop()
                with pytest.raises(rt.AuthenticationError) as info:
                    while True:
                        await conn.receive()
    assert_clean(info.value, {__file__})


async def test_ids_a_new_server_changes_are_mapped_both_ways(
    autojump_clock: trio.testing.MockClock,
) -> None:
    seen_deletes: list[str] = []

    async def renaming_server(server: Server) -> None:
        """Acknowledges restored items under ids of its own, as a server may."""
        await server.text(
            b'{"type":"session.created","event_id":"s1","session":{"type":"realtime"}}'
        )
        n = 0
        while True:
            opcode, payload = await server.read_frame()
            if opcode != TEXT:
                continue
            event = json.loads(payload)
            n += 1
            if event["type"] == "conversation.item.create":
                item = dict(event["item"], id="srv_" + event["item"]["id"])
                for kind in ("added", "done"):
                    reply = {
                        "type": f"conversation.item.{kind}",
                        "event_id": f"s{n}{kind}",
                        "item": item,
                    }
                    await server.text(json.dumps(reply).encode())
            elif event["type"] == "conversation.item.delete":
                seen_deletes.append(event["item_id"])
                reply = {
                    "type": "conversation.item.deleted",
                    "event_id": f"s{n}",
                    "item_id": event["item_id"],
                }
                await server.text(json.dumps(reply).encode())

    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            async with net.session(fast()) as conn:
                got = await turn(conn, "remember me")
                first = next(e for e in got if isinstance(e, ev.ConversationItemAdded))
                old_id = str(first.item.id)
                net.raw.append(renaming_server)
                await server.connections[0].drop()
                marker = (await read_until(conn, rt.Reconnected))[-1]
                assert marker.restored_items == 2
                # The application keeps using the id it knows ...
                await conn.send(ev.ConversationItemDelete(item_id=old_id))
                deleted = (await read_until(conn, ev.ConversationItemDeleted))[-1]
                # ... the server is told its own, and the answer comes back in ours.
                assert seen_deletes == ["srv_" + old_id]
                assert deleted.item_id == old_id
                assert conn.conversation is not None
                assert conn.conversation.item(old_id) is None  # deleted, under its old id
        nursery.cancel_scope.cancel()


async def test_observers_see_every_event_and_the_marker_across_connections(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            async with net.session(fast()) as conn:
                observed: list[Any] = []
                watch = observed.append
                conn.add_observer(watch)
                got = await turn(conn, "hello")
                await server.connections[0].drop()
                got += await read_until(conn, rt.Reconnected)
                got += await turn(conn, "again")
                assert observed == got
                conn.remove_observer(watch)
                await turn(conn, "unobserved")
                assert len(observed) == len(got)
        nursery.cancel_scope.cancel()


async def test_the_held_queue_is_bounded_in_bytes(autojump_clock: trio.testing.MockClock) -> None:
    chunk = bytes(4800)  # 100 ms of PCM16 at 24 kHz; 6,400 bytes once in base64 JSON
    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None, send_buffer_size=1)
        with trio.fail_after(300):
            async with net.session(fast(queue_max_bytes=20_000)) as conn:
                await turn(conn, "hello")
                server.faults.handshake_delay = 3.0
                await server.connections[0].drop()
                await trio.sleep(1.0)
                sent = 0

                async def microphone() -> None:
                    nonlocal sent
                    for _ in range(10):
                        await conn.send(ev.InputAudioBufferAppend(audio=chunk))
                        sent += 1

                async with trio.open_nursery() as mic:
                    mic.start_soon(microphone)
                    await trio.sleep(0.5)
                    stats = conn.statistics()
                    assert stats.held_events == 3
                    assert stats.held_bytes <= 20_000
                    # Three held, one in the pump's hands, one in the channel.
                    assert sent == 5
                    await read_until(conn, rt.Reconnected)
                await conn.send(ev.InputAudioBufferClear(event_id="end"))
                await read_until(conn, ev.InputAudioBufferCleared)
            assert len(server.connections[1].received_of(ev.InputAudioBufferAppend)) == 10
        nursery.cancel_scope.cancel()


async def test_end_observers_hear_of_the_session_end_not_of_a_replaced_connection(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(300):
            async with net.session(fast()) as conn:
                ends: list[BaseException] = []
                conn.add_observer(lambda event: None, on_end=ends.append)
                await turn(conn, "hello")
                await server.connections[0].drop()
                await read_until(conn, rt.Reconnected)
                assert ends == []
                server.faults.reject_handshakes = 5
                server.faults.reject_status = 404
                await server.connections[1].drop()
                with pytest.raises(rt.NotFoundError):
                    await read_until(conn, ev.ResponseDone)
                (end,) = ends
                assert isinstance(end, rt.NotFoundError)
        nursery.cancel_scope.cancel()


class CutMidWrite(trio.abc.Stream):
    """A client stream whose first write of ``size`` bytes (one frame; its payload
    is masked, so it is known by its size) puts half of it on the wire, then
    finds the connection broken."""

    def __init__(self, inner: trio.abc.Stream, size: int) -> None:
        self.inner = inner
        self.size = size
        self.cut = False

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        if not self.cut and len(data) == self.size:
            self.cut = True
            await self.inner.send_all(bytes(data)[: len(data) // 2])
            await self.inner.aclose()
            raise trio.BrokenResourceError("cut mid-frame")
        await self.inner.send_all(data)

    async def wait_send_all_might_not_block(self) -> None:
        await self.inner.wait_send_all_might_not_block()

    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        return await self.inner.receive_some(max_bytes)

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_frame_cut_mid_write_is_sent_again_on_the_new_session(
    autojump_clock: trio.testing.MockClock,
) -> None:
    event = ev.ConversationItemCreate(
        item=ev.UserMessage.text("cut in half " * 4), event_id="the-one"
    )
    payload = rt.events.encode_client_event(event)
    frames: list[tuple[int, bytes]] = []

    async def reads(server: Server) -> None:
        await server.text(
            b'{"type":"session.created","event_id":"e1","session":{"type":"realtime"}}'
        )
        while True:
            frames.append(await server.read_frame())

    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        net.raw.append(reads)
        cutter: list[CutMidWrite] = []

        def wrap(stream: trio.abc.Stream) -> trio.abc.Stream:
            # Header, 16-bit length and mask, then the payload.
            cutter.append(CutMidWrite(stream, 2 + 2 + 4 + len(payload)))
            return cutter[-1]

        net.wrap = wrap
        with trio.fail_after(300):
            async with net.session(fast()) as conn:
                assert isinstance(await conn.receive(), ev.SessionCreated)
                await conn.send(event)
                marker = (await read_until(conn, rt.Reconnected))[-1]
                assert cutter[0].cut
                assert marker.resent_events == 1
                await read_until(conn, ev.ConversationItemDone)
        # Half a frame reached the old peer (never a whole event); the new
        # session got the event once.
        assert frames == []
        got = server.connections[0].received_of(ev.ConversationItemCreate)
        assert [e.event_id for e in got] == ["the-one"]
        nursery.cancel_scope.cancel()


async def test_a_server_that_accepts_and_drops_at_once_is_not_reconnected_to_forever(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # Every connection opens fine and fails at once: each reconnect "succeeds",
    # so only a budget carried across them ends the storm.
    async def flaps(server: Server) -> None:
        await server.text(
            b'{"type":"session.created","event_id":"e1","session":{"type":"realtime"}}'
        )
        await server.send(frame(CLOSE, (1011).to_bytes(2, "big")))
        await server.read_all()

    async with open_fake_server() as server, trio.open_nursery() as nursery:
        net = Net(server, nursery, ping_interval=None)
        net.raw.extend([flaps] * 30)
        policy = fast()
        with trio.fail_after(300):
            with pytest.raises(rt.ConnectionClosed) as info:
                async with net.session(policy) as conn:
                    async for _ in conn:
                        pass
            assert info.value.code == 1011
            assert net.attempts <= policy.max_attempts + 1
        nursery.cancel_scope.cancel()
