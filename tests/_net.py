"""A memory-stream network between reconnecting sessions and a fake server.

`Net.connect` is what `open_realtime` calls for each connection, but over
`trio.testing.memory_stream_pair`: the client side does the real HTTP upgrade
(`_upgrade.upgrade`) and the fake server serves the other end
(`FakeServer.serve_stream`), so everything runs under
``MockClock(autojump_threshold=0)``. A test can put raw scripted peers
(`_wire.Server`) in front of the fake server, for faults no WebSocket library
commits (a frame cut in half, a peer that never answers a ping).
"""

from __future__ import annotations

import collections
from collections.abc import Awaitable, Callable
from typing import Any

import trio
import trio.testing
from _wire import Server

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime._client import prepare_handshake
from trio_realtime._connection import REALTIME, RealtimeConnection, start_connection
from trio_realtime._open import _resilient, _Session  # pyright: ignore[reportPrivateUsage]
from trio_realtime._options import Options
from trio_realtime._resilient import RestoreMode
from trio_realtime._upgrade import upgrade
from trio_realtime.testing import FakeServer

RawScript = Callable[[Server], Awaitable[None]]

#: Server events a restore is answered with (never delivered to the consumer).
RESTORE_ACKS = frozenset(
    {
        "session.created",
        "session.updated",
        "conversation.item.added",
        "conversation.item.done",
        "conversation.item.created",
    }
)


class Net:
    """Connects sessions to ``server`` over memory streams, or to raw scripts first."""

    def __init__(self, server: FakeServer, nursery: trio.Nursery, **options: Any) -> None:
        self.server = server
        self.nursery = nursery
        self.options = Options(allow_insecure_transport=True, **options)
        #: Raw scripts for the next connections, in order (then the fake server).
        self.raw: collections.deque[RawScript] = collections.deque()
        #: Wraps the client's end of the next raw connection (to break writes).
        self.wrap: Callable[[trio.abc.Stream], trio.abc.Stream] | None = None
        #: Exceptions the next connection attempts raise instead of connecting.
        self.failures: collections.deque[BaseException] = collections.deque()
        self.attempts = 0
        self.client_streams: list[trio.abc.Stream] = []
        #: What happened, in order: "connected" per connection made.
        self.log: list[str] = []
        #: The client connections made to the fake server, by ``x-soak`` header.
        self.made: dict[str, list[RealtimeConnection]] = {}

    async def connect(self, nursery: trio.Nursery, headers: dict[str, str] | None = None) -> Any:
        self.attempts += 1
        if self.failures:
            await trio.lowlevel.checkpoint()
            raise self.failures.popleft()
        client_end, server_end = trio.testing.memory_stream_pair()
        self.client_streams.append(client_end)
        if self.raw:
            self.nursery.start_soon(_run_raw, self.raw.popleft(), Server(server_end))
            stream: trio.abc.Stream = client_end
            if self.wrap is not None:
                stream, self.wrap = self.wrap(client_end), None
            return start_connection(
                nursery, RealtimeConnection, REALTIME, stream, b"", self.options, "ws://raw"
            )
        self.nursery.start_soon(self.server.serve_stream, server_end)
        handshake = await prepare_handshake(
            self.server.client(),
            model="gpt-realtime",
            extra_headers=headers,
            allow_insecure_transport=True,
        )
        try:
            trailing = await upgrade(
                client_end, handshake, receive_buffer_size=self.options.receive_buffer_size
            )
        except BaseException:
            await trio.aclose_forcefully(client_end)
            raise
        conn = start_connection(
            nursery, RealtimeConnection, REALTIME, client_end, trailing, self.options, handshake.url
        )
        self.made.setdefault((headers or {}).get("x-soak", ""), []).append(conn)
        self.log.append("connected")
        return conn

    def session(
        self,
        policy: rt.Reconnect,
        *,
        restore: RestoreMode = "conversation",
        headers: dict[str, str] | None = None,
    ) -> _Session[rt.ReconnectingConnection[Any, Any, Any]]:
        """What ``open_realtime(..., reconnect=policy)`` returns, over this network."""

        async def connect(nursery: trio.Nursery) -> Any:
            return await self.connect(nursery, headers)

        return _Session(_resilient(connect, policy, self.options, restore))


async def _run_raw(script: RawScript, server: Server) -> None:
    """A raw peer's script; the client hanging up on it is its normal end."""
    try:
        await script(server)
    except (EOFError, trio.BrokenResourceError, trio.ClosedResourceError):
        pass
    finally:
        await trio.aclose_forcefully(server.stream)


def fast(**changes: Any) -> rt.Reconnect:
    """A policy without jitter, quick to retry."""
    settings: dict[str, Any] = {"jitter": 0.0, "backoff_initial": 0.5}
    settings.update(changes)
    return rt.Reconnect(**settings)


async def turn(conn: Any, text: str, *, until: type[Any] = ev.ResponseDone) -> list[Any]:
    """Send a user message and ask for a response; the events up to ``until``."""
    await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text(text)))
    await conn.send(ev.ResponseCreate())
    return await read_until(conn, until)


async def read_until(conn: Any, until: type[Any]) -> list[Any]:
    got: list[Any] = []
    while True:
        event = await conn.receive()
        got.append(event)
        if isinstance(event, until):
            return got


def history(items: list[ev.Item]) -> list[tuple[str, str | None, str]]:
    """A conversation as (kind or role, id, text): what a restore must reproduce."""
    out: list[tuple[str, str | None, str]] = []
    for item in items:
        iid = getattr(item, "id", None)
        if isinstance(item, ev.Message):
            text = "".join(
                (p.text if isinstance(p.text, str) else "")
                or (p.transcript if isinstance(p.transcript, str) else "")
                for p in item.content
            )
            out.append((item.role, iid if isinstance(iid, str) else None, text))
        elif isinstance(item, ev.FunctionCall):
            out.append(("function_call", iid if isinstance(iid, str) else None, item.arguments))
        elif isinstance(item, ev.FunctionCallOutput):
            out.append(("function_call_output", iid if isinstance(iid, str) else None, item.output))
    return out
