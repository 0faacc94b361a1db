"""Exact accounting: after any exit, events sent + events listed unsent == events queued,
and the server received exactly the events counted as sent.

Issue 9, finding 5: the event being written when the writer was stopped was in
neither count (``CloseTimeout`` listed 64 of 65). Over a lockstep stream a
write finishes only once the server has read it, so the server decides exactly
how far the writer gets.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

import pytest
import trio
import trio.testing
from _wire import CLOSE, TEXT, Server, close_payload, frame, session

import trio_realtime as rt
from trio_realtime import events as ev

QUEUED = 65


@pytest.fixture
def autojump_clock() -> trio.testing.MockClock:
    return trio.testing.MockClock(autojump_threshold=0)


def _events() -> list[ev.InputAudioBufferAppend]:
    return [ev.InputAudioBufferAppend(audio=bytes([i]) * 4800) for i in range(QUEUED)]


async def _read_events(server: Server, n: int, got: list[int]) -> None:
    for _ in range(n):
        opcode, payload = await server.read_frame()
        assert opcode == TEXT
        got.append(int(json.loads(payload)["event_id"][1:]))


def _check(conn: rt.RealtimeConnection, unsent: tuple[object, ...], got: list[int]) -> None:
    queued: list[object] = conn._queued  # type: ignore[attr-defined]
    events_sent = conn.statistics().events_sent
    assert events_sent + len(unsent) == len(queued)
    # The server got exactly the first events_sent events, once each, in order ...
    assert got == list(range(1, events_sent + 1))
    # ... and the rest are listed, in order, as the very objects queued.
    assert list(unsent) == queued[events_sent:]
    assert conn.unsent == unsent
    assert conn.statistics().events_unsent == len(unsent)


async def _queue_all(conn: rt.RealtimeConnection) -> None:
    """Send until all are queued or a send is refused; the test records what was."""
    queued: list[object] = []
    conn._queued = queued  # type: ignore[attr-defined] # the test's own record
    for event in _events():
        await conn.send(event)
        queued.append(event)


Script = Callable[[Server, list[int]], Awaitable[None]]


async def _run(script: Script) -> tuple[rt.RealtimeConnection, BaseException | None, list[int]]:
    got: list[int] = []
    holder: list[rt.RealtimeConnection] = []
    error: BaseException | None = None

    async def serve(server: Server) -> None:
        await script(server, got)

    try:
        async with session(serve, lockstep=True, send_buffer_size=64, close_timeout=5) as conn:
            holder.append(conn)
            with trio.move_on_after(1):
                await _queue_all(conn)
            await trio.sleep(1)
    except (rt.ConnectionClosed, rt.CloseTimeout) as exc:
        error = exc
    return holder[0], error, got


async def test_normal_exit_sends_everything(autojump_clock: trio.testing.MockClock) -> None:
    async def reads_all(server: Server, got: list[int]) -> None:
        await _read_events(server, QUEUED, got)
        assert await server.read_until(CLOSE) == close_payload(1000)
        await server.send(frame(CLOSE, close_payload(1000)))
        await server.stream.aclose()

    conn, error, got = await _run(reads_all)
    assert error is None
    _check(conn, (), got)


@pytest.mark.parametrize("reads", [0, 1, 30])
async def test_close_timeout_lists_the_event_being_written(
    autojump_clock: trio.testing.MockClock, reads: int
) -> None:
    async def stops_reading(server: Server, got: list[int]) -> None:
        await _read_events(server, reads, got)
        await trio.sleep_forever()

    conn, error, got = await _run(stops_reading)
    assert isinstance(error, rt.CloseTimeout)
    assert len(error.unsent) == QUEUED - reads  # every event was queued
    _check(conn, error.unsent, got)


@pytest.mark.parametrize("reads", [0, 3, 40])
async def test_server_close_lists_what_never_went(
    autojump_clock: trio.testing.MockClock, reads: int
) -> None:
    async def closes(server: Server, got: list[int]) -> None:
        await _read_events(server, reads, got)
        await server.send(frame(CLOSE, close_payload(4001, "enough")))
        await trio.sleep_forever()  # reads nothing more: the writer stays stuck

    conn, error, got = await _run(closes)
    assert isinstance(error, rt.ConnectionClosed | rt.CloseTimeout)
    _check(conn, error.unsent, got)


@pytest.mark.parametrize("reads", [0, 5])
async def test_tcp_cut_lists_what_never_went(
    autojump_clock: trio.testing.MockClock, reads: int
) -> None:
    async def cuts(server: Server, got: list[int]) -> None:
        await _read_events(server, reads, got)
        await server.stream.aclose()

    conn, error, got = await _run(cuts)
    assert isinstance(error, rt.ConnectionClosed)
    assert error.code == 1006
    _check(conn, error.unsent, got)


@pytest.mark.parametrize("reads", [0, 7])
async def test_cancellation_lists_what_never_went(
    autojump_clock: trio.testing.MockClock, reads: int
) -> None:
    got: list[int] = []
    holder: list[rt.RealtimeConnection] = []

    async def slow(server: Server) -> None:
        await _read_events(server, reads, got)
        await trio.sleep_forever()

    with trio.move_on_after(10) as scope:
        async with session(slow, lockstep=True, send_buffer_size=64) as conn:
            holder.append(conn)
            await _queue_all(conn)
            await trio.sleep_forever()
    assert scope.cancelled_caught
    conn = holder[0]
    _check(conn, conn.unsent, got)
