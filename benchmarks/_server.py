"""A minimal, fast Realtime-shaped WebSocket server for the benchmarks (its own process).

Run as ``python benchmarks/_server.py [--cpu N]``: it binds 127.0.0.1 on a free
port, prints ``PORT <n>`` and serves until its stdin closes.

Why hand-rolled instead of a WebSocket library: the server must never be the
bottleneck of a client benchmark, so it writes pre-built unmasked frames
straight to the transport (a stamp is spliced into a byte template, one
``bytes.replace``) and batches them in burst mode. It speaks just enough of
RFC 6455 for any client: the upgrade, text frames out, and close/ping in.

The scenario is chosen by the ``model`` query parameter, so every client under
test (ours, the `openai` SDK's, the bare floor) selects it the same way:

- ``bench.paced.<kind>.<n>.<interval_us>``: ``n`` deltas of ``kind``, one every
  ``interval_us`` (busy-waited for precise pacing), then ``response.done``.
- ``bench.burst.<kind>.<n>``: ``n`` deltas as fast as the socket takes them.
- ``bench.scale.<k>.<ms>.<run>[.<period_ms>]``: waits until ``k`` sessions of
  run ``run`` are connected, then every 20 ms (or ``period_ms``) sends each
  one a 20 ms audio delta and a transcript delta for ``ms`` milliseconds
  (sessions spread over the period), then ``response.done``.
- ``bench.idle``: only ``session.created``; the session then stays open,
  answering pings, until the client closes it.

On ``/v1/live/sessions`` (GPT-Live) the scenario is the ``session.model`` of
the client's first frame, ``session.start``; the server answers
``session.started`` and streams the same scenarios as Live frames, ends them
with a ``session.usage.updated`` whose ``event_id`` is ``ev_done``, and
answers ``session.close`` with ``session.closed`` (paced and burst modes only).

``GET /stats`` (a plain HTTP request, no upgrade) answers with a JSON object of
counters since the server started: ``pings`` (client pings answered) and
``sessions`` (WebSocket sessions open now). ``bench_idle.py`` reads it at both
ends of its measuring window.

Every delta's ``event_id`` is ``ev_<perf_counter_ns at send>``; CLOCK_MONOTONIC
is shared by all processes on Linux, so a client subtracts it from its own
clock to get the dispatch latency.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import json
import os
import struct
import sys
import time
from urllib.parse import parse_qs, urlsplit

import _payloads

_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_TEMPLATES = {k: _payloads.delta_template(k) for k in ("text", "transcript", "args", "audio20")}
_TEMPLATES["audio100"] = _payloads.delta_template("audio100")
#: GPT-Live (``/v1/live/sessions``): the same scenarios, Live frames.
_LIVE_TEMPLATES = {k: _payloads.live_delta_template(k) for k in _TEMPLATES}
_SESSION_STARTED = _payloads.live_session_started()
_LIVE_DONE = b'{"type":"session.usage.updated","event_id":"ev_done","usage":{"seconds":1.0}}'
_LIVE_CLOSED = (
    b'{"type":"session.closed","event_id":"ev_closed","reason":"close_requested",'
    b'"session":{"id":"live_B3nch0000000000001","expires_at":1764130000,'
    b'"model":"gpt-live-1","status":"active"},"usage":{"seconds":1.0}}'
)
_SESSION_CREATED = _payloads.session_created()
_DONE = (
    b'{"type":"response.done","event_id":"ev_done","response":{"object":"realtime.response",'
    b'"id":"resp_B3nch0000000000001","status":"completed","output":[]}}'
)
_TICK_S = 0.020
_SLOTS = 20
_START_DELAY_S = 0.3
#: Served on ``GET /stats``.
_stats = {"pings": 0, "sessions": 0}


def frame(payload: bytes, opcode: int = 0x1) -> bytes:
    """One unmasked, final server frame."""
    n = len(payload)
    if n < 126:
        header = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 65536:
        header = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        header = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return header + payload


def stamped(kind: str, live: bool = False) -> bytes:
    """A delta frame of ``kind`` stamped with the current monotonic time."""
    now = time.perf_counter_ns()
    if live:
        template = _LIVE_TEMPLATES[kind]
        return frame(template.replace(b"@STAMP@", b"ev_%d" % now).replace(b"@NS@", b"%d" % now))
    return frame(_TEMPLATES[kind].replace(b"@STAMP@", b"ev_%d" % now))


class Group:
    """Sessions of one scale run, started together by one ticker."""

    def __init__(self, k: int, duration_ms: int, period_s: float) -> None:
        self.k = k
        self.duration_ms = duration_ms
        self.period_s = period_s
        self.writers: list[asyncio.StreamWriter] = []
        self.done = asyncio.Event()


_groups: dict[str, Group] = {}


async def _ticker(group: Group) -> None:
    """Every period (20 ms) each session gets its pair of deltas, at its own phase.

    Independent sessions are not phase-locked: session ``i`` sends in slot
    ``i % 20`` of each period, so the load is spread evenly instead of
    arriving as one burst of 2K frames per period (which would measure queueing
    behind the burst, not dispatch).
    """
    loop = asyncio.get_running_loop()
    await asyncio.sleep(_START_DELAY_S)
    slots = [group.writers[i::_SLOTS] for i in range(_SLOTS)]
    start = loop.time()
    period = group.period_s
    ticks = round(group.duration_ms / 1000 / period)
    for i in range(ticks):
        for j, writers in enumerate(slots):
            delay = start + i * period + j * period / _SLOTS - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            for w in writers:
                if not w.is_closing():
                    w.write(stamped("audio20") + stamped("transcript"))
    for w in group.writers:
        if not w.is_closing():
            w.write(frame(_DONE))
    group.done.set()


async def _read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One client frame: its opcode and unmasked payload."""
    b0, b1 = await reader.readexactly(2)
    n = b1 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", await reader.readexactly(2))
    elif n == 127:
        (n,) = struct.unpack("!Q", await reader.readexactly(8))
    mask = await reader.readexactly(4) if b1 & 0x80 else b""
    data = await reader.readexactly(n)
    if mask:
        data = bytes(c ^ mask[i % 4] for i, c in enumerate(data))
    return b0 & 0x0F, data


async def _read_client_frames(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, live: bool = False
) -> None:
    """Answer pings and the close handshake (and a Live ``session.close``); ignore
    other data frames."""
    try:
        while True:
            opcode, data = await _read_frame(reader)
            if live and opcode == 0x1 and b'"session.close"' in data:
                writer.write(frame(_LIVE_CLOSED))
            if opcode == 0x8:
                writer.write(frame(data[:2] or struct.pack("!H", 1000), 0x8))
                await writer.drain()
                return
            if opcode == 0x9:
                _stats["pings"] += 1
                writer.write(frame(data, 0xA))
    except (asyncio.IncompleteReadError, ConnectionError):
        return


async def _scenario(model: str, writer: asyncio.StreamWriter, live: bool = False) -> None:
    done = frame(_LIVE_DONE if live else _DONE)
    parts = model.split(".")
    kind = parts[1] if len(parts) > 1 else "idle"
    if kind == "paced":
        delta, n, interval_ns = parts[2], int(parts[3]), int(parts[4]) * 1000
        # Busy-wait between sends: asyncio's timers round to whole milliseconds,
        # too coarse for a 1 ms cadence. The server has a core of its own.
        deadline = time.perf_counter_ns()
        for _ in range(n):
            deadline += interval_ns
            while time.perf_counter_ns() < deadline:
                pass
            writer.write(stamped(delta, live))
            if writer.transport.get_write_buffer_size() > 1 << 20:
                await writer.drain()
        writer.write(done)
    elif kind == "burst":
        delta, n = parts[2], int(parts[3])
        batch = 64
        for start in range(0, n, batch):
            writer.write(b"".join(stamped(delta, live) for _ in range(min(batch, n - start))))
            await writer.drain()
        writer.write(done)
    elif kind == "scale":
        k, duration_ms, run = int(parts[2]), int(parts[3]), parts[4]
        period_s = int(parts[5]) / 1000 if len(parts) > 5 else _TICK_S
        group = _groups.setdefault(run, Group(k, duration_ms, period_s))
        group.writers.append(writer)
        if len(group.writers) == group.k:
            asyncio.get_running_loop().create_task(_ticker(group))
        await group.done.wait()
    await writer.drain()


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        request = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        writer.close()
        return
    lines = request.decode("latin-1").split("\r\n")
    target = lines[0].split(" ")[1]
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:] if line)
    }
    if "sec-websocket-key" not in headers:
        body = json.dumps(_stats).encode() if target == "/stats" else b"{}"
        status = b"200 OK" if target == "/stats" else b"404 Not Found"
        writer.write(
            b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body
        )
        await writer.drain()
        writer.close()
        return
    accept = base64.b64encode(hashlib.sha1(headers["sec-websocket-key"].encode() + _GUID).digest())
    writer.write(
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n"
    )
    live = urlsplit(target).path.rstrip("/").endswith("/live/sessions")
    if live:
        # GPT-Live: the scenario is the model named by session.start.
        try:
            _, start = await _read_frame(reader)
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        model = json.loads(start).get("session", {}).get("model", "bench.idle")
        writer.write(frame(_SESSION_STARTED))
    else:
        writer.write(frame(_SESSION_CREATED))
        model = parse_qs(urlsplit(target).query).get("model", ["bench.idle"])[0]
    closer = asyncio.get_running_loop().create_task(_read_client_frames(reader, writer, live))
    _stats["sessions"] += 1
    try:
        await _scenario(model, writer, live)
        await asyncio.wait_for(closer, timeout=600)
    except (ConnectionError, TimeoutError):
        pass
    finally:
        _stats["sessions"] -= 1
        closer.cancel()
        writer.close()


async def _serve(host: str) -> None:
    server = await asyncio.start_server(_handle, host, 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    loop = asyncio.get_running_loop()
    stdin_closed = loop.create_future()
    loop.add_reader(
        sys.stdin.fileno(), lambda: stdin_closed.done() or stdin_closed.set_result(None)
    )
    async with server:
        await stdin_closed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one core")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    if args.cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {args.cpu})
    asyncio.run(_serve(args.host))


if __name__ == "__main__":
    main()
