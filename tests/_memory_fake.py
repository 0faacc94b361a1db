"""The fake server's engine over a memory stream, so `MockClock` can drive a whole session.

`open_fake_server` listens on a loopback port, and real sockets keep trio's
autojumping clock from jumping while they wait. Here the client's end of a
`trio.testing.memory_stream_pair` does the real HTTP upgrade (our `_upgrade`)
and the server's end is handed to the fake server's own stream handler, so the
engine, its VAD, its pacing and its errors are exactly those of the loopback
server, with no socket in between.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import trio
import trio.testing

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime._client import prepare_handshake
from trio_realtime._connection import REALTIME, start_connection
from trio_realtime._open import _Session  # pyright: ignore[reportPrivateUsage]
from trio_realtime._options import Options
from trio_realtime._upgrade import upgrade
from trio_realtime.testing import FakeServer, PeerGone


def memory_session(
    server: FakeServer, model: str = "gpt-realtime", **options: Any
) -> _Session[rt.RealtimeConnection]:
    """What ``open_realtime(server.client(), model)`` returns, over a memory stream.

    ``server`` must be entered (``async with open_fake_server() as server``).
    """
    opts = Options(**options)

    async def connect(nursery: trio.Nursery) -> rt.RealtimeConnection:
        client_end, server_end = trio.testing.memory_stream_pair()
        server_nursery = server._nursery  # pyright: ignore[reportPrivateUsage]
        assert server_nursery is not None, "enter the FakeServer first"
        server_nursery.start_soon(server.serve_stream, server_end)
        handshake = await prepare_handshake(
            server.client(),
            path="/realtime",
            model=model,
            call_id=None,
            intent=None,
            extra_query=None,
            extra_headers=None,
            allow_insecure_transport=False,
        )
        trailing = await upgrade(
            client_end, handshake, receive_buffer_size=opts.receive_buffer_size
        )
        return start_connection(
            nursery, rt.RealtimeConnection, REALTIME, client_end, trailing, opts, handshake.url
        )

    return _Session(connect)


#: A text-only session, for agent tests that read replies as text.
TEXT = ev.RealtimeSession(output_modalities=["text"])


@asynccontextmanager
async def agent_on(
    server: FakeServer, session: ev.RealtimeSession | None = TEXT, **agent: Any
) -> AsyncIterator[tuple[rt.RealtimeConnection, rt.Agent]]:
    """A memory session (updated to ``session``) with an agent attached."""
    async with memory_session(server) as conn:
        if session is not None:
            await conn.send(ev.SessionUpdate(session=session))
        async with rt.open_agent(conn, **agent) as a:
            yield conn, a


async def until(predicate: Callable[[], object]) -> None:
    """Wait until ``predicate()`` holds (state kept in plain lists; MockClock makes it exact)."""
    while not predicate():  # noqa: ASYNC110
        await trio.sleep(0.01)


def seen(conn: rt.RealtimeConnection) -> list[ev.ServerEvent]:
    """Every event the connection delivers from now on (an observer)."""
    events: list[ev.ServerEvent] = []
    conn.add_observer(events.append)
    return events


class ListPeer:
    """A peer that keeps what the engine sends."""

    def __init__(self, number: int = 1) -> None:
        self.number = number
        self.sent: list[Any] = []
        self.closed = False
        self.close_codes: list[int] = []
        self.gone = trio.Event()

    async def send(self, event: Any) -> None:
        if self.closed:
            raise PeerGone("closed")
        await trio.lowlevel.checkpoint()
        self.sent.append(event)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        self.closed = True
        self.close_codes.append(code)
        self.gone.set()

    def types(self) -> list[str]:
        return [e.type for e in self.sent]
