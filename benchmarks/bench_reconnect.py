"""What reconnecting costs: per event, per reconnect, per restored item.

* ``per_event``: CPU per received text delta in the consumer's task, plain
  `RealtimeConnection` against `ReconnectingConnection` (which also notes turn
  state and feeds its `Conversation`), over an in-memory stream from a raw
  server, so only the client's work is timed.
* ``reconnect``: against the fake server on loopback, with a ten-item
  conversation: from the server cutting TCP to the `Reconnected` marker in the
  consumer's hands (the new session open and restored), and to the first event
  of the new session (the answer to a ``response.create`` sent during the
  outage). Median and max of the rounds; backoff off (``backoff_initial=0``).
* ``restore``: the same cut with 10, 100 and 1,000 items of history: the
  plan's CPU cost (building the events) and the cut-to-marker time.

Not part of run_all.py (it needs no second process).
``python benchmarks/bench_reconnect.py [--quick] [--json FILE]``.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import trio
import trio.testing
from _common import fmt, script_main, table

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime._connection import REALTIME, RealtimeConnection, start_connection
from trio_realtime._options import Options
from trio_realtime._resilient import ReconnectingConnection
from trio_realtime._restore import plan_restore
from trio_realtime.testing import open_fake_server

_DELTA = (
    b'{"type":"response.output_text.delta","event_id":"e","response_id":"r",'
    b'"item_id":"i","output_index":0,"content_index":0,"delta":"hello "}'
)


def _frame(payload: bytes) -> bytes:
    size = len(payload)
    head = bytes([0x81, size]) if size < 126 else bytes([0x81, 126]) + size.to_bytes(2, "big")
    return head + payload


async def _per_event(n: int, resilient: bool) -> float:
    """CPU seconds per delta for one consumer reading ``n`` deltas."""
    client_end, server_end = trio.testing.memory_stream_pair()
    options = Options(ping_interval=None)
    blob = _frame(_DELTA) * 100
    async with trio.open_nursery() as nursery:
        conn: Any = start_connection(
            nursery, RealtimeConnection, REALTIME, client_end, b"", options, "ws://bench"
        )
        if resilient:

            async def connect(_: trio.Nursery) -> Any:
                raise AssertionError("no reconnect in this benchmark")

            conn = ReconnectingConnection(
                nursery,
                connect,
                conn,
                rt.Reconnect(max_session_duration=None),
                send_buffer_size=64,
                close_timeout=1.0,
                restore="conversation",
            )
            conn.start()

        async def feed() -> None:
            for _ in range(n // 100):
                await server_end.send_all(blob)

        nursery.start_soon(feed)
        start = time.process_time()
        receive = conn.receive
        for _ in range(n // 100 * 100):
            await receive()
        spent = time.process_time() - start
        nursery.cancel_scope.cancel()
    return spent / (n // 100 * 100)


async def _history(conn: Any, items: int) -> None:
    for n in range(items):
        text = f"message number {n}: " + "words " * 8
        await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text(text)))
    done = 0
    while done < items:
        if isinstance(await conn.receive(), ev.ConversationItemDone):
            done += 1


async def _reconnects(items: int, rounds: int) -> dict[str, Any]:
    to_marker: list[float] = []
    to_first: list[float] = []
    plan_cpu: list[float] = []
    async with open_fake_server() as server:
        policy = rt.Reconnect(backoff_initial=0.0, restore_max_chars=10**9)
        async with rt.open_realtime(server.client(), "gpt-realtime", reconnect=policy) as conn:
            await conn.send(
                ev.SessionUpdate(session=ev.RealtimeSession(output_modalities=["text"]))
            )
            await _history(conn, items)
            for _ in range(rounds):
                assert conn.conversation is not None
                start = time.process_time()
                plan_restore(conn.session, conn.conversation, policy.restore_max_chars)
                plan_cpu.append(time.process_time() - start)
                cut = time.perf_counter()
                await server.connections[-1].drop()
                await conn.send(ev.ResponseCreate())
                while not isinstance(await conn.receive(), rt.Reconnected):
                    pass
                to_marker.append(time.perf_counter() - cut)
                await conn.receive()
                to_first.append(time.perf_counter() - cut)
                while not isinstance(await conn.receive(), ev.ResponseDone):
                    pass
    return {
        "items": items,
        "rounds": rounds,
        "to_marker_ms": _summary(to_marker),
        "to_first_event_ms": _summary(to_first),
        "plan_us": statistics.median(plan_cpu) * 1e6,
    }


def _summary(values: list[float]) -> dict[str, float]:
    ms = sorted(v * 1000 for v in values)
    return {"median": statistics.median(ms), "max": ms[-1]}


def run(quick: bool = False) -> dict[str, Any]:
    n = 2_000 if quick else 50_000
    rounds = 3 if quick else 20
    per_event = {
        name: trio.run(_per_event, n, resilient) * 1e6
        for name, resilient in (("plain", False), ("reconnecting", True))
    }
    reconnect = trio.run(_reconnects, 10, rounds)
    restore = {
        items: trio.run(_reconnects, items, max(2, rounds // 4)) for items in (10, 100, 1000)
    }
    return {"quick": quick, "per_event_us": per_event, "reconnect": reconnect, "restore": restore}


def report(res: dict[str, Any]) -> str:
    pe = res["per_event_us"]
    lines = [
        table(
            ["receive path", "cpu us/event", "vs plain"],
            [
                ["plain", fmt(pe["plain"], 2), "1.00"],
                [
                    "reconnecting",
                    fmt(pe["reconnecting"], 2),
                    fmt(pe["reconnecting"] / pe["plain"], 2),
                ],
            ],
        ),
        "",
    ]
    rc = res["reconnect"]
    lines.append(
        table(
            ["reconnect (10 items)", "median ms", "max ms"],
            [
                [
                    "cut -> Reconnected",
                    fmt(rc["to_marker_ms"]["median"], 2),
                    fmt(rc["to_marker_ms"]["max"], 2),
                ],
                [
                    "cut -> first new event",
                    fmt(rc["to_first_event_ms"]["median"], 2),
                    fmt(rc["to_first_event_ms"]["max"], 2),
                ],
            ],
        )
    )
    lines.append("")
    rows = [
        [
            items,
            fmt(r["plan_us"], 1),
            fmt(r["to_marker_ms"]["median"], 2),
            fmt(r["to_marker_ms"]["max"], 2),
        ]
        for items, r in res["restore"].items()
    ]
    lines.append(table(["history items", "plan us", "cut -> marker ms", "max ms"], rows))
    return "\n".join(lines)


def main() -> None:
    script_main(__doc__, run, report, clients=False)


if __name__ == "__main__":
    main()
