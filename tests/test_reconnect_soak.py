"""Soak: 200 reconnecting sessions over three simulated hours, with random drops,
session expiry and rollovers, and not one event lost or duplicated.

Everything runs over memory streams under ``MockClock(autojump_threshold=0)``:
the three hours take seconds. Each session talks in turns at random times;
the fake server drops connections at random (``Faults.drop_chance``), ends a
session after an hour (``session_expired``), and the client rolls over
before that. At the end, for every session and every one of its server
connections, the events the consumer got between two markers are exactly the
events that connection wrote (the restore's acknowledgements excepted), in
order; and every event the application sent reached the server exactly once.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from typing import Any

import pytest
import trio
import trio.testing
from _net import RESTORE_ACKS, Net

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime._connection import RealtimeConnection
from trio_realtime.testing import FakeConnection, Faults, open_fake_server

SESSIONS = int(os.environ.get("SOAK_SESSIONS", "200"))
HOURS = 3.0
SEED = 11


class Record:
    """What one session's consumer saw and its application sent."""

    def __init__(self) -> None:
        self.segments: list[list[str]] = [[]]
        self.markers: list[rt.Reconnected] = []
        self.sent: list[str] = []
        self.turn_over = trio.Event()
        self.stats: rt.ReconnectStatistics | None = None


async def one_session(index: int, net: Net, record: Record, rng: random.Random) -> None:
    policy = rt.Reconnect(max_attempts=10, max_downtime=600, restore_max_chars=300)
    end = trio.current_time() + HOURS * 3600

    async def send(event: Any) -> None:
        await conn.send(event)
        record.sent.append(event.event_id)

    async def consume() -> None:
        async for event in conn:
            if isinstance(event, rt.Reconnected):
                record.markers.append(event)
                record.segments.append([])
                record.turn_over.set()
                continue
            record.segments[-1].append(str(event.event_id))
            if isinstance(event, ev.ResponseDone | ev.SessionUpdated):
                record.turn_over.set()

    async with (
        net.session(policy, headers={"x-soak": str(index)}) as conn,
        trio.open_nursery() as nursery,
    ):
        nursery.start_soon(consume)
        record.turn_over = trio.Event()
        text_only = ev.RealtimeSession(output_modalities=["text"])
        await send(ev.SessionUpdate(session=text_only, event_id=f"u{index}-config"))
        await record.turn_over.wait()
        turn = 0
        while trio.current_time() < end:
            await trio.sleep(rng.uniform(400, 1000))
            turn += 1
            record.turn_over = trio.Event()
            message = ev.UserMessage.text(f"session {index} turn {turn}")
            await send(ev.ConversationItemCreate(item=message, event_id=f"u{index}-{turn}a"))
            await send(ev.ResponseCreate(event_id=f"u{index}-{turn}b"))
            with trio.move_on_after(120):
                await record.turn_over.wait()
        nursery.cancel_scope.cancel()
    record.stats = conn.statistics()


def check(
    index: int,
    record: Record,
    connections: list[FakeConnection],
    clients: list[RealtimeConnection],
) -> None:
    # Connection k + 1 of the consumer is the one the k-th marker's last
    # attempt opened; the attempts before it failed during their restore (a
    # random drop), so they wrote only acknowledgements nobody was shown.
    used = [connections[0]]
    position = 0
    for marker in record.markers:
        for failed in connections[position + 1 : position + marker.attempt]:
            assert all(e.type in RESTORE_ACKS for _, e in failed.sent_log[: failed.sent])
        position += marker.attempt
        used.append(connections[position])
    assert position == len(connections) - 1, index
    for k, (conn, delivered) in enumerate(zip(used, record.segments, strict=True)):
        skip = 0
        if k:
            # session.created, session.updated for the configuration, then
            # added and done for each restored item (session.created is
            # delivered when there was nothing to restore).
            marker = record.markers[k - 1]
            restored = marker.restored_config or marker.restored_items
            skip = int(bool(restored)) + int(marker.restored_config) + 2 * marker.restored_items
        written = [str(e.event_id) for _, e in conn.sent_log][skip : conn.sent]
        assert delivered == written, (index, k)
    received = Counter(
        str(e.event_id)
        for c in connections
        for e in c.received
        if str(getattr(e, "event_id", "")).startswith("u")
    )
    stats = record.stats
    assert stats is not None
    # The session's own accounting: every event queued was sent or reported.
    assert stats.events_sent + stats.events_unsent + stats.events_rejected == len(record.sent)
    assert stats.reconnects == len(record.markers)
    expected = Counter(record.sent)
    assert not received - expected, index  # nothing twice
    # Nothing dropped by the library: an event the server never read is one the
    # client wrote whole just before the server cut that connection (the
    # documented rule: it counts as sent; no client can know better).
    assert len(clients) == len(connections)
    for event_id in expected - received:
        [(client, server_side)] = [
            (c, s) for c, s in zip(clients, connections, strict=True) if event_id in c._sent
        ]
        assert client._websocket.closed is not None
        assert client._websocket.closed.code == 1006
        written = list(client._sent)
        seen = {str(getattr(e, "event_id", "")) for e in server_side.received}
        assert all(w not in seen for w in written[written.index(event_id) :]), index


@pytest.fixture
def autojump_clock() -> trio.testing.MockClock:
    return trio.testing.MockClock(autojump_threshold=0)


async def test_200_sessions_for_three_hours_lose_and_repeat_nothing(
    autojump_clock: trio.testing.MockClock,
) -> None:
    rng = random.Random(SEED)
    faults = Faults(session_duration=3600, drop_chance=0.01, rng=random.Random(SEED + 1))
    records = [Record() for _ in range(SESSIONS)]
    async with (
        open_fake_server(record_sent=True, delta_size=64, faults=faults) as server,
        trio.open_nursery() as nursery,
    ):
        net = Net(server, nursery, ping_interval=None)
        with trio.fail_after(HOURS * 3600 * 2):
            async with trio.open_nursery() as sessions:
                for i in range(SESSIONS):
                    sessions.start_soon(
                        one_session, i, net, records[i], random.Random(rng.random())
                    )
        nursery.cancel_scope.cancel()
        by_session: dict[int, list[FakeConnection]] = {}
        for conn in server.connections:
            by_session.setdefault(int(conn.header("x-soak") or -1), []).append(conn)
        for i, record in enumerate(records):
            check(i, record, by_session[i], net.made[str(i)])
        reasons = Counter(m.reason for r in records for m in r.markers)
        # The soak did what it says: drops, expiries and rollovers, many of each.
        assert reasons["connection_lost"] > SESSIONS
        assert reasons["rollover"] > SESSIONS
        assert sum(len(r.sent) for r in records) > SESSIONS * 20
        assert any(m.dropped_items for r in records for m in r.markers)
        print(
            f"soak: {SESSIONS} sessions, {len(server.connections)} connections, "
            f"{dict(reasons)}, {sum(len(r.sent) for r in records)} sends, "
            f"{sum(len(s) for r in records for s in r.segments)} events delivered"
        )
