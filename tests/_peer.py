"""A scriptable loopback WebSocket peer for connection tests.

Each test supplies the server side of one session as an async function, so it
can stall, misbehave or hang up at exactly the point it wants to test. (The
full protocol fake lives in `trio_realtime.testing`; this one speaks no protocol
at all.)
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import trio
import trio_websocket

import trio_realtime as rt

API_KEY = "sk-test-SECRETSECRETSECRET"

Handler = Callable[[trio_websocket.WebSocketConnection], Awaitable[None]]


@dataclass
class Seen:
    """What the peer saw of one handshake."""

    path: str
    headers: dict[str, str]


@dataclass
class Rejection:
    status: int
    body: bytes = b""
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


@dataclass
class Peer:
    port: int
    seen: list[Seen]
    ended: trio.Event
    sessions_done: list[trio.Event]

    def client(self, **kwargs: Any) -> rt.Client:
        return rt.Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{self.port}/v1", **kwargs)


def event(type_: str, **fields: Any) -> str:
    """A server frame as JSON text."""
    return json.dumps({"type": type_, "event_id": "evt_1", **fields})


def text_delta(i: int, delta: str = "x") -> str:
    return event(
        "response.output_text.delta",
        event_id=f"evt_{i}",
        response_id="resp_1",
        item_id="item_1",
        output_index=0,
        content_index=0,
        delta=delta,
    )


async def run_peer(
    handler: Handler,
    *,
    reject: Rejection | None = None,
    task_status: trio.TaskStatus[Peer] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve on 127.0.0.1:0 until cancelled; report the `Peer` through ``task_status``."""
    seen: list[Seen] = []
    done: list[trio.Event] = []

    async def on_request(request: trio_websocket.WebSocketRequest) -> None:
        headers = {k.decode().lower(): v.decode() for k, v in request.headers}
        seen.append(Seen(request.path, headers))
        if reject is not None:
            await request.reject(reject.status, extra_headers=reject.headers, body=reject.body)
            return
        ws = await request.accept()
        finished = trio.Event()
        done.append(finished)
        try:
            await handler(ws)
        except trio_websocket.ConnectionClosed:
            pass  # the client left first: the normal end of most scripts
        finally:
            finished.set()

    async with trio.open_nursery() as nursery:
        server = await nursery.start(
            trio_websocket.serve_websocket, on_request, "127.0.0.1", 0, None
        )
        task_status.started(Peer(server.port, seen, trio.Event(), done))


@dataclass
class MutePeer:
    port: int
    connected: trio.Event
    disconnected: trio.Event
    opened: int = 0
    closed: int = 0
    changed: trio.Event = field(default_factory=trio.Event)

    async def wait_all_closed(self) -> None:
        """Until every TCP connection this peer accepted has been closed by the client."""
        while self.closed < self.opened:
            await self.changed.wait()

    def count(self, *, opened: int = 0, closed: int = 0) -> None:
        self.opened += opened
        self.closed += closed
        self.changed.set()
        self.changed = trio.Event()

    def client(self, **kwargs: Any) -> rt.Client:
        return rt.Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{self.port}/v1", **kwargs)


async def run_mute_peer(
    *, task_status: trio.TaskStatus[MutePeer] = trio.TASK_STATUS_IGNORED
) -> None:
    """Accept the WebSocket upgrade, then read and ignore everything: it never answers
    a close frame and never closes, like a hung server. ``disconnected`` is set when
    the client's socket goes away."""
    import wsproto
    import wsproto.events as wse

    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    peer = MutePeer(listeners[0].socket.getsockname()[1], trio.Event(), trio.Event())

    async def serve(stream: trio.SocketStream) -> None:
        ws = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
        peer.count(opened=1)
        async with stream:
            while True:
                try:
                    data = await stream.receive_some(65536)
                except trio.BrokenResourceError:
                    data = b""
                if not data:
                    peer.count(closed=1)
                    peer.disconnected.set()
                    return
                ws.receive_data(data)
                for item in ws.events():
                    if isinstance(item, wse.Request):
                        await stream.send_all(ws.send(wse.AcceptConnection()))
                        peer.connected.set()

    task_status.started(peer)
    await trio.serve_listeners(serve, listeners)


RawScript = Callable[[trio.SocketStream, Any], Awaitable[None]]


async def run_raw_peer(
    script: RawScript, *, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED
) -> None:
    """A wsproto server that accepts the upgrade, then hands the stream and the
    ``wsproto.WSConnection`` to ``script``: for frames no WebSocket library sends on
    its own (fragments, oversized messages). Reports the port."""
    import wsproto
    import wsproto.events as wse

    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")

    async def serve(stream: trio.SocketStream) -> None:
        ws = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
        async with stream:
            while True:
                data = await stream.receive_some(65536)
                if not data:
                    return
                ws.receive_data(data)
                if any(isinstance(item, wse.Request) for item in ws.events()):
                    await stream.send_all(ws.send(wse.AcceptConnection()))
                    break
            await script(stream, ws)

    task_status.started(listeners[0].socket.getsockname()[1])
    await trio.serve_listeners(serve, listeners)
