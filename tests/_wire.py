"""A connection over trio's in-memory streams, and the server's side of the wire.

`start_connection` runs on any upgraded stream; here that is one end of
`trio.testing.memory_stream_pair` (or a lockstep pair, when the server must be
able to stop reading), and `Server` speaks raw RFC 6455 frames on the other
end, so a test can send exactly the bytes it wants and see every byte the
client wrote. Time-dependent tests run these under
``MockClock(autojump_threshold=0)``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import trio
import trio.testing

from trio_realtime._connection import REALTIME, RealtimeConnection, start_connection
from trio_realtime._open import _Session  # pyright: ignore[reportPrivateUsage]
from trio_realtime._options import Options

TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA


def frame(opcode: int, payload: bytes, *, fin: bool = True) -> bytes:
    """An unmasked server frame."""
    head = bytes([(0x80 if fin else 0) | opcode])
    size = len(payload)
    if size < 126:
        head += bytes([size])
    elif size < 65536:
        head += bytes([126]) + size.to_bytes(2, "big")
    else:
        head += bytes([127]) + size.to_bytes(8, "big")
    return head + payload


def close_payload(code: int, reason: str = "") -> bytes:
    return code.to_bytes(2, "big") + reason.encode()


def delta(i: int, text: str = "x") -> bytes:
    return json.dumps(
        {
            "type": "response.output_text.delta",
            "event_id": f"evt_{i}",
            "response_id": "resp_1",
            "item_id": "item_1",
            "output_index": 0,
            "content_index": 0,
            "delta": text,
        }
    ).encode()


class Server:
    """The server's end: write frames, read the client's (masked) frames."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self._buffer = bytearray()
        self.eof = False

    async def send(self, *frames: bytes) -> None:
        await self.stream.send_all(b"".join(frames))

    async def text(self, payload: bytes) -> None:
        await self.send(frame(TEXT, payload))

    async def read_frame(self) -> tuple[int, bytes]:
        """The client's next frame (opcode, unmasked payload); EOFError at its EOF."""
        while True:
            parsed = self._parse()
            if parsed is not None:
                return parsed
            data = await self.stream.receive_some(65536)
            if not data:
                self.eof = True
                raise EOFError
            self._buffer += data

    async def read_until(self, opcode: int) -> bytes:
        """Read frames until one with ``opcode``; its payload."""
        while True:
            got, payload = await self.read_frame()
            if got == opcode:
                return payload

    async def read_all(self) -> list[tuple[int, bytes]]:
        """Every frame until the client's EOF."""
        frames: list[tuple[int, bytes]] = []
        try:
            while True:
                frames.append(await self.read_frame())
        except EOFError:
            return frames

    async def read_through_close(self) -> list[tuple[int, bytes]]:
        """Frames up to and including the client's close frame, then close TCP
        first, as a server does (RFC 6455 7.1.1)."""
        frames: list[tuple[int, bytes]] = []
        while not frames or frames[-1][0] != CLOSE:
            frames.append(await self.read_frame())
        await self.stream.aclose()
        return frames

    def _parse(self) -> tuple[int, bytes] | None:
        buf = self._buffer
        if len(buf) < 2:
            return None
        assert buf[1] & 0x80, "client frames must be masked"
        size = buf[1] & 0x7F
        pos = 2
        if size == 126:
            if len(buf) < 4:
                return None
            size, pos = int.from_bytes(buf[2:4], "big"), 4
        elif size == 127:
            if len(buf) < 10:
                return None
            size, pos = int.from_bytes(buf[2:10], "big"), 10
        if len(buf) < pos + 4 + size:
            return None
        key = buf[pos : pos + 4]
        body = bytes(b ^ key[i % 4] for i, b in enumerate(buf[pos + 4 : pos + 4 + size]))
        opcode = buf[0] & 0x0F
        del buf[: pos + 4 + size]
        return opcode, body


def pair(
    nursery: trio.Nursery, *, lockstep: bool = False, **options: Any
) -> tuple[RealtimeConnection, Server]:
    """A connection whose writer and keeper run in ``nursery``, and its server."""
    if lockstep:
        client_end, server_end = trio.testing.lockstep_stream_pair()
    else:
        client_end, server_end = trio.testing.memory_stream_pair()
    conn = start_connection(
        nursery, RealtimeConnection, REALTIME, client_end, b"", Options(**options), "ws://test"
    )
    return conn, Server(server_end)


def session(
    server_script: Callable[[Server], Awaitable[None]], **options: Any
) -> _Session[RealtimeConnection]:
    """What ``open_realtime`` returns, over a memory stream whose server runs
    ``server_script`` in the session's own nursery."""

    async def connect(nursery: trio.Nursery) -> RealtimeConnection:
        conn, server = pair(nursery, **options)
        nursery.start_soon(server_script, server)
        return conn

    return _Session(connect)
