"""Raw HTTP answers to the WebSocket upgrade request, over memory streams or loopback.

The upgrade tests need servers that misbehave at the byte level (a 101 that
lies, a body that never ends), which no WebSocket library will play; so the
answers here are written by hand.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import trio

from trio_realtime._handshake import Handshake, build_handshake
from trio_realtime._secret import Secret

API_KEY = "sk-test-SECRETSECRETSECRET"

#: Writes the answer to one request; gets the stream and the request's key.
Answer = Callable[[trio.abc.Stream, bytes], Awaitable[None]]


def handshake_for(port: int = 80, *, scheme: str = "http") -> Handshake:
    return build_handshake(
        base_url=f"{scheme}://127.0.0.1:{port}/v1",
        websocket_base_url=None,
        path="/realtime",
        query={"model": "m"},
        header_edits=[("Authorization", Secret(f"Bearer {API_KEY}"))],
    )


def accept_for(key: bytes) -> bytes:
    guid = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
    return base64.b64encode(hashlib.sha1(key + guid).digest())


def head(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def switching(*lines: str, accept: bool = True, then: bytes = b"") -> Answer:
    """A 101 answer with ``lines`` (plus a right Sec-WebSocket-Accept unless not
    ``accept``), then ``then``; the link stays open."""

    async def answer(stream: trio.abc.Stream, key: bytes) -> None:
        extra = [f"Sec-WebSocket-Accept: {accept_for(key).decode()}"] if accept else []
        await stream.send_all(head("HTTP/1.1 101 Switching Protocols", *lines, *extra) + then)
        await trio.sleep_forever()

    return answer


GOOD = ("Upgrade: websocket", "Connection: Upgrade")


def raw(data: bytes, *, hang_up: bool = False) -> Answer:
    """Send ``data``, then hang up or keep the link open."""

    async def answer(stream: trio.abc.Stream, key: bytes) -> None:
        await stream.send_all(data)
        if hang_up:
            await stream.aclose()
            return
        await trio.sleep_forever()

    return answer


def refusal(status: int, body: bytes, *, request_id: str = "req_123") -> Answer:
    reason = {401: "Unauthorized", 404: "Not Found"}.get(status, "Error")
    return raw(
        head(
            f"HTTP/1.1 {status} {reason}",
            f"x-request-id: {request_id}",
            f"Content-Length: {len(body)}",
        )
        + body
    )


def json_error(status: int) -> bytes:
    return json.dumps({"error": {"message": f"status {status}", "code": "c"}}).encode()


@dataclass
class Served:
    """What a peer saw: each request's head, and whether the client hung up."""

    requests: list[bytes] = field(default_factory=list)
    client_gone: trio.Event = field(default_factory=trio.Event)


async def read_request(stream: trio.abc.Stream, served: Served) -> bytes | None:
    """Read one request head; its Sec-WebSocket-Key, or None if the client left."""
    request = b""
    while b"\r\n\r\n" not in request:
        data = await stream.receive_some(65536)
        if not data:
            return None
        request += data
    served.requests.append(request)
    return next(
        line.split(b":", 1)[1].strip()
        for line in request.split(b"\r\n")
        if line.lower().startswith(b"sec-websocket-key:")
    )


async def serve_one(stream: trio.abc.Stream, answer: Answer, served: Served) -> None:
    """Answer one request on ``stream``; note when the client goes away."""
    key = await read_request(stream, served)
    if key is None:
        served.client_gone.set()
        return
    async with trio.open_nursery() as nursery:

        async def watch() -> None:
            try:
                while await stream.receive_some(65536):
                    pass
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                pass
            served.client_gone.set()
            nursery.cancel_scope.cancel()

        nursery.start_soon(watch)
        with contextlib.suppress(trio.BrokenResourceError, trio.ClosedResourceError):
            await answer(stream, key)
        await trio.sleep_forever()


async def run_http_peer(
    answer: Answer, *, task_status: trio.TaskStatus[tuple[int, Served]] = trio.TASK_STATUS_IGNORED
) -> None:
    """Serve ``answer`` on 127.0.0.1:0; report the port and the `Served` record."""
    served = Served()
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    task_status.started((listeners[0].socket.getsockname()[1], served))

    async def handle(stream: trio.SocketStream) -> None:
        async with stream:
            await serve_one(stream, answer, served)

    await trio.serve_listeners(handle, listeners)


async def free_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    sock = trio.socket.socket()
    await sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port


async def run_hang_up_peer(*, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED) -> None:
    """Accept, read once (a TLS ClientHello, say), answer in plain HTTP and hang up."""

    async def handle(stream: trio.SocketStream) -> None:
        async with stream:
            await stream.receive_some(65536)
            await stream.send_all(b"HTTP/1.1 400 Bad Request\r\n\r\n")

    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    task_status.started(listeners[0].socket.getsockname()[1])
    await trio.serve_listeners(handle, listeners)
