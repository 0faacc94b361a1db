"""The clients under test, each run in a fresh subprocess: ``python _clients.py JOB.json``.

A job names a client, a server port and what to do (``dispatch``, ``scale``,
``memory`` or ``idle``); the result is one JSON object on stdout. A fresh
process per run keeps peers from sharing imports, heaps or warm caches, and
lets the runner pin the client to one core and the server to the other.

Every client runs the same loop: take the event the client hands over, read
the clock, keep the clock and the send stamp from the ``event_id`` in two int
arrays (`Recorder`), and nothing else.

- ``trio_realtime``: this library, ``await conn.receive()``.
- ``sdk``: the `openai` SDK's ``AsyncOpenAI(...).realtime.connect(...)``,
  ``async for event in conn`` (its own parse path), on asyncio.
- ``floor_4k`` / ``floor_64k``: bare trio-websocket ``get_message`` plus one
  msgspec decode into a minimal Struct, no channels, no library; with
  trio-websocket's default 4 KiB reads and with 64 KiB reads.
- ``floor_wsproto``: wsproto driven in the consumer's task, 64 KiB reads: what
  trio-websocket costs beyond its parser (its reader task and queue).
- ``floor_raw``: no WebSocket library at all, a trio socket and a minimal frame
  parser: what trio itself costs (a reference, not a usable client).
- ``trio_realtime_live`` / ``sdk_live``: the same over GPT-Live
  (``/v1/live/sessions``): ``trio_realtime.live.open_live`` and the SDK's
  ``client.live.connect()`` (``session.start`` first, then ``async for``).
  A Live audio delta has no ``event_id``: its send stamp is its ``start_ms``.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
from array import array
from collections.abc import Callable
from typing import Any

import msgspec

API_KEY = "sk-bench-not-a-real-key"
CLIENTS = (
    "trio_realtime",
    "sdk",
    "floor_4k",
    "floor_64k",
    "floor_wsproto",
    "floor_raw",
    "trio_realtime_live",
    "sdk_live",
)
#: The GPT-Live clients, and the SDK client each is compared with.
LIVE_CLIENTS = ("trio_realtime_live", "sdk_live")
SDK_OF = {"trio_realtime_live": "sdk_live", "sdk_live": "sdk_live"}
perf_counter_ns = time.perf_counter_ns


# --- the floor: the fewest fields, one small tagged union -------------------------


class _FloorEvent(msgspec.Struct, tag_field="type"):
    event_id: str


class _FloorTextDelta(_FloorEvent, tag="response.output_text.delta"):
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str


class _FloorTranscriptDelta(_FloorEvent, tag="response.output_audio_transcript.delta"):
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: str


class _FloorAudioDelta(_FloorEvent, tag="response.output_audio.delta"):
    response_id: str
    item_id: str
    output_index: int
    content_index: int
    delta: bytes


class _FloorSessionCreated(_FloorEvent, tag="session.created"):
    session: dict[str, Any]


class _FloorDone(_FloorEvent, tag="response.done"):
    response: dict[str, Any]


FLOOR_DECODER: msgspec.json.Decoder[Any] = msgspec.json.Decoder(
    _FloorTextDelta | _FloorTranscriptDelta | _FloorAudioDelta | _FloorSessionCreated | _FloorDone
)


# --- one session per client: receive session.created, then record until done -------

DONE_ID = "ev_done"


class Marks:
    """What a session reports: its ``session.created`` and its ``response.done``."""

    def ready(self) -> None: ...

    def finished(self) -> None: ...


class Recorder:
    """Receive clocks and send stamps of every delta, across all sessions of a run.

    Machine-int arrays, not lists: a list of a few hundred thousand fresh int and
    str objects made every full garbage collection walk them, so the harness's
    own records lengthened the very GC pauses the scale benchmark counts.
    """

    def __init__(self) -> None:
        self.times = array("q")
        self.stamps = array("q")


def _event_id(event: Any) -> str:
    # An event type the library does not model yet arrives as UnknownEvent.
    try:
        return event.event_id
    except AttributeError:
        return event.payload["event_id"]


async def session_trio_realtime(port: int, model: str, rec: Recorder, marks: Marks) -> None:
    from trio_realtime import Client, open_realtime

    client = Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v1")
    times, stamps = rec.times, rec.stamps
    async with open_realtime(client, model, allow_insecure_transport=True) as conn:
        await conn.receive()
        marks.ready()
        while True:
            event = await conn.receive()
            t = perf_counter_ns()
            eid = _event_id(event)
            if eid == DONE_ID:
                marks.finished()
                break
            times.append(t)
            stamps.append(int(eid[3:]))


def _live_stamp(event: Any) -> int:
    """The send stamp of a Live delta (see the module docstring)."""
    eid = getattr(event, "event_id", None)
    return int(eid[3:]) if eid is not None else event.start_ms


async def session_trio_realtime_live(port: int, model: str, rec: Recorder, marks: Marks) -> None:
    from trio_realtime import Client, live

    client = Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v1")
    times, stamps = rec.times, rec.stamps
    async with live.open_live(client, model, allow_insecure_transport=True) as conn:
        await conn.receive()  # session.started (open_live returned once it came)
        marks.ready()
        while True:
            event = await conn.receive()
            t = perf_counter_ns()
            if getattr(event, "event_id", None) == DONE_ID:
                marks.finished()
                break
            times.append(t)
            stamps.append(_live_stamp(event))


def _floor_session(buffer: int) -> Callable[..., Any]:
    async def session(port: int, model: str, rec: Recorder, marks: Marks) -> None:
        from trio_websocket import open_websocket_url

        url = f"ws://127.0.0.1:{port}/v1/realtime?model={model}"
        decode = FLOOR_DECODER.decode
        times, stamps = rec.times, rec.stamps
        async with open_websocket_url(url, receive_buffer_size=buffer) as ws:
            decode(await ws.get_message())
            marks.ready()
            while True:
                event = decode(await ws.get_message())
                t = perf_counter_ns()
                eid = event.event_id
                if eid == DONE_ID:
                    marks.finished()
                    break
                times.append(t)
                stamps.append(int(eid[3:]))

    return session


async def session_floor_raw(port: int, model: str, rec: Recorder, marks: Marks) -> None:
    """The floor under any trio WebSocket library: a trio socket, 64 KiB reads,
    a ten-line frame parser (server frames are unmasked and whole), one msgspec
    decode. Not a usable client (no close handshake, no control frames); it
    shows what trio itself costs, so the gap to it is the WebSocket layer's."""
    import base64
    import os as _os

    import trio

    stream = await trio.open_tcp_stream("127.0.0.1", port)
    key = base64.b64encode(_os.urandom(16)).decode()
    await stream.send_all(
        f"GET /v1/realtime?model={model} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
        "Sec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    buf = bytearray()
    while b"\r\n\r\n" not in buf:
        buf += await stream.receive_some(65536)
    del buf[: buf.index(b"\r\n\r\n") + 4]
    decode = FLOOR_DECODER.decode
    times, stamps = rec.times, rec.stamps
    first = True
    pos = 0
    while True:
        # Parse every whole frame in the buffer, then read more.
        while True:
            avail = len(buf) - pos
            if avail < 2:
                break
            n = buf[pos + 1] & 0x7F
            head = 2
            if n == 126:
                if avail < 4:
                    break
                n = int.from_bytes(buf[pos + 2 : pos + 4], "big")
                head = 4
            elif n == 127:
                if avail < 10:
                    break
                n = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                head = 10
            if avail < head + n:
                break
            event = decode(memoryview(buf)[pos + head : pos + head + n])
            t = perf_counter_ns()
            pos += head + n
            if first:
                first = False
                marks.ready()
                continue
            eid = event.event_id
            if eid == DONE_ID:
                marks.finished()
                await stream.aclose()
                return
            times.append(t)
            stamps.append(int(eid[3:]))
        if pos:
            del buf[:pos]
            pos = 0
        data = await stream.receive_some(65536)
        if not data:
            raise ConnectionError("server closed the socket")
        buf += data


async def session_floor_wsproto(port: int, model: str, rec: Recorder, marks: Marks) -> None:
    """wsproto driven directly in the consumer's task, 64 KiB reads, no reader
    task and no channel: trio-websocket minus its task and queue. A reference
    for where trio-websocket's time goes, not a usable client."""
    import trio
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, Request, TextMessage

    stream = await trio.open_tcp_stream("127.0.0.1", port)
    ws = WSConnection(ConnectionType.CLIENT)
    await stream.send_all(ws.send(Request(host="127.0.0.1", target=f"/v1/realtime?model={model}")))
    decode = FLOOR_DECODER.decode
    times, stamps = rec.times, rec.stamps
    accepted = first = False
    parts: list[str] = []
    while True:
        data = await stream.receive_some(65536)
        if not data:
            raise ConnectionError("server closed the socket")
        ws.receive_data(data)
        for ev in ws.events():
            if type(ev) is TextMessage:
                if not ev.message_finished:
                    parts.append(ev.data)
                    continue
                if parts:
                    parts.append(ev.data)
                    text, parts = "".join(parts), []
                else:
                    text = ev.data
                event = decode(text)
                t = perf_counter_ns()
                if not first:
                    first = True
                    marks.ready()
                    continue
                eid = event.event_id
                if eid == DONE_ID:
                    marks.finished()
                    await stream.aclose()
                    return
                times.append(t)
                stamps.append(int(eid[3:]))
            elif isinstance(ev, AcceptConnection):
                accepted = True
        assert accepted


def _sdk_client(port: int) -> Any:
    from openai import AsyncOpenAI

    return AsyncOpenAI(
        api_key=API_KEY,
        base_url=f"http://127.0.0.1:{port}/v1",
        websocket_base_url=f"ws://127.0.0.1:{port}/v1",
        max_retries=0,
    )


async def session_sdk(client: Any, model: str, rec: Recorder, marks: Marks) -> None:
    times, stamps = rec.times, rec.stamps
    first = True
    async with client.realtime.connect(model=model) as conn:
        async for event in conn:
            t = perf_counter_ns()
            if first:
                first = False
                marks.ready()
                continue
            eid = event.event_id
            if eid == DONE_ID:
                marks.finished()
                break
            times.append(t)
            stamps.append(int(eid[3:]))


async def session_sdk_live(client: Any, model: str, rec: Recorder, marks: Marks) -> None:
    times, stamps = rec.times, rec.stamps
    async with client.live.connect() as conn:
        await conn.session.start(session={"model": model})
        first = True
        async for event in conn:
            t = perf_counter_ns()
            if first:  # session.started
                first = False
                marks.ready()
                continue
            if getattr(event, "event_id", None) == DONE_ID:
                marks.finished()
                break
            times.append(t)
            stamps.append(_live_stamp(event))
        await conn.session.close()


TRIO_SESSIONS: dict[str, Callable[..., Any]] = {
    "trio_realtime": session_trio_realtime,
    "trio_realtime_live": session_trio_realtime_live,
    "floor_4k": _floor_session(4096),
    "floor_64k": _floor_session(65536),
    "floor_wsproto": session_floor_wsproto,
    "floor_raw": session_floor_raw,
}


# --- K concurrent sessions under one event loop -----------------------------------


def rss_bytes() -> int:
    """Resident set size of this process (``/proc`` on Linux, psutil elsewhere)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import psutil

    return int(psutil.Process().memory_info().rss)


class Run(Marks):
    """Timing marks of one run of K sessions: CPU and wall clock from the moment
    all K are ready to the moment the last one has its ``response.done``, so
    connecting and closing are not counted."""

    def __init__(self, k: int, sample_rss: bool) -> None:
        self.k = k
        self.n_ready = 0
        self.n_finished = 0
        self.all_ready: Callable[[], None] = lambda: None
        self.sample_rss = sample_rss
        self.rss_samples: list[int] = []
        self.cpu_ready = self.cpu_end = 0.0
        self.wall_ready = self.wall_end = 0.0
        self.rss_ready = 0
        self.timed_out = False
        #: Full (generation 2) garbage collections while the sessions streamed,
        #: in ms: one long pause delays every session at once, so it can decide
        #: a p99 on its own; recorded for every client alike, never prevented.
        self.full_gc_ms: list[float] = []
        self._gc_started = 0.0

    def _gc_callback(self, phase: str, info: dict[str, int]) -> None:
        if info["generation"] != 2 or not self.cpu_ready or self.cpu_end:
            return
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            self.full_gc_ms.append((time.perf_counter() - self._gc_started) * 1000)

    def mark_ready(self) -> None:
        self.cpu_ready = time.process_time()
        self.wall_ready = time.perf_counter()
        if self.sample_rss:
            gc.collect()
            self.rss_ready = rss_bytes()

    def mark_end(self) -> None:
        self.cpu_end = time.process_time()
        self.wall_end = time.perf_counter()

    def ready(self) -> None:
        self.n_ready += 1
        if self.n_ready == self.k:
            self.mark_ready()
            self.all_ready()

    def finished(self) -> None:
        self.n_finished += 1
        if self.n_finished == self.k:
            self.mark_end()


def run_trio(
    client: str, port: int, models: list[str], rec: Recorder, run: Run, limit_s: float
) -> None:
    import trio

    session = TRIO_SESSIONS[client]

    async def main() -> None:
        all_ready = trio.Event()
        run.all_ready = all_ready.set

        async def sampler() -> None:
            await all_ready.wait()
            while run.n_finished < run.k:
                await trio.sleep(0.05)
                run.rss_samples.append(rss_bytes())

        with trio.move_on_after(limit_s) as scope:
            async with trio.open_nursery() as outer:
                if run.sample_rss:
                    outer.start_soon(sampler)
                async with trio.open_nursery() as nursery:
                    for model in models:
                        nursery.start_soon(session, port, model, rec, run)
                outer.cancel_scope.cancel()
        run.timed_out = scope.cancelled_caught
        if run.timed_out:
            run.mark_end()

    trio.run(main)


def run_sdk(
    port: int,
    models: list[str],
    rec: Recorder,
    run: Run,
    limit_s: float,
    session: Callable[..., Any] = session_sdk,
) -> None:
    import asyncio

    async def main() -> None:
        client = _sdk_client(port)
        all_ready = asyncio.Event()
        run.all_ready = all_ready.set

        async def sampler() -> None:
            await all_ready.wait()
            while run.n_finished < run.k:
                await asyncio.sleep(0.05)
                run.rss_samples.append(rss_bytes())

        sampling = asyncio.create_task(sampler()) if run.sample_rss else None
        try:
            async with asyncio.timeout(limit_s):
                async with asyncio.TaskGroup() as tg:
                    for model in models:
                        tg.create_task(session(client, model, rec, run))
        except TimeoutError:
            run.timed_out = True
            run.mark_end()
        finally:
            if sampling is not None:
                sampling.cancel()
        await client.close()

    asyncio.run(main())


def execute(client: str, port: int, models: list[str], sample_rss: bool, limit_s: float) -> dict:
    """Run ``len(models)`` concurrent sessions; raw clocks and marks for the parent."""
    rec = Recorder()
    run = Run(len(models), sample_rss)
    gc.callbacks.append(run._gc_callback)
    if client == "sdk":
        run_sdk(port, models, rec, run, limit_s)
    elif client == "sdk_live":
        run_sdk(port, models, rec, run, limit_s, session_sdk_live)
    else:
        run_trio(client, port, models, rec, run, limit_s)
    stamps = rec.stamps.tolist()
    gc.callbacks.remove(run._gc_callback)
    return {
        "client": client,
        "k": run.k,
        "latency_ns": [t - s for t, s in zip(rec.times, stamps, strict=True)],
        "stamp_ns": stamps,
        "recv_ns": rec.times.tolist(),
        "cpu_s": run.cpu_end - run.cpu_ready,
        "wall_s": run.wall_end - run.wall_ready,
        "rss_ready": run.rss_ready,
        "rss_samples": run.rss_samples,
        "timed_out": run.timed_out,
        "full_gc_ms": run.full_gc_ms,
    }


# --- N idle sessions: the CPU a process spends while nothing is sent (bench_idle) ---

IDLE_MODEL = "bench.idle"


def server_stats(port: int) -> dict[str, int]:
    """The bench server's counters (``GET /stats``) over a blocking socket.

    Called only outside the measuring window, where blocking the event loop
    for the millisecond it takes costs nothing that is counted.
    """
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return json.loads(data.partition(b"\r\n\r\n")[2])


class IdleRun:
    """One idle run: N sessions connect, evenly spread over ``spread_s``, and each
    consumer then waits in its receive; ``settle_s`` after the last one connected,
    the process's CPU time (``time.process_time``, all threads, user + system)
    and the server's ping count are read over ``window_s`` of wall time.

    The spread gives the sessions' timers (pings, the keeper's wakes) the even
    phases of sessions that arrived over time; sessions connected in one burst
    keep their timers in step, and one wake of the process then serves many.
    """

    def __init__(self, spec: dict[str, Any], port: int) -> None:
        self.n: int = spec["n"]
        self.settle_s: float = spec["settle_s"]
        self.window_s: float = spec["window_s"]
        self.spread_s: float = spec.get("spread_s", 0.0)
        self.limit_s: float = spec["limit_s"]
        self.options: dict[str, Any] = spec.get("options", {})
        self.port = port
        self.n_ready = 0
        self.all_ready: Callable[[], None] = lambda: None
        self.stopping = False
        self.started = time.perf_counter()
        self.out: dict[str, Any] = {
            "n": self.n,
            "spread_s": self.spread_s,
            "settle_s": self.settle_s,
        }

    def delay(self, i: int) -> float:
        """When session ``i`` connects, in seconds from the start."""
        return self.spread_s * i / self.n

    def ready(self) -> None:
        self.n_ready += 1
        if self.n_ready == self.n:
            self.all_ready()

    def connected(self) -> None:
        self.out["connect_s"] = time.perf_counter() - self.started

    def window_start(self) -> None:
        self._stats = server_stats(self.port)
        self._gc = [g["collections"] for g in gc.get_stats()]
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def window_end(self) -> None:
        cpu = time.process_time()
        wall = time.perf_counter()
        stats = server_stats(self.port)
        self.out.update(
            cpu_s=cpu - self._cpu,
            window_s=wall - self._wall,
            server_pings=stats["pings"] - self._stats["pings"],
            server_sessions=self._stats["sessions"],
            gc_collections=[
                g["collections"] - before
                for g, before in zip(gc.get_stats(), self._gc, strict=True)
            ],
        )


async def idle_trio_realtime(run: IdleRun, delay: float, stops: list[Any]) -> None:
    import trio

    from trio_realtime import Client, open_realtime

    await trio.sleep(delay)
    client = Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{run.port}/v1")
    async with open_realtime(
        client, IDLE_MODEL, allow_insecure_transport=True, **run.options
    ) as conn:
        await conn.receive()
        with trio.CancelScope() as stop:
            stops.append(stop)
            run.ready()
            # The common idle case: the consumer waits for the next event.
            await conn.receive()
    # Leaving the block closes the session politely, outside the window.


def execute_idle_trio(run: IdleRun) -> None:
    import inspect

    import trio

    from trio_realtime import open_realtime

    class Steps(trio.abc.Instrument):
        """Task steps in the window, by task name: who wakes, and how often.
        About 0.1 us per step, far below what it counts."""

        def __init__(self) -> None:
            self.counting = False
            self.by_name: dict[str, int] = {}

        def before_task_step(self, task: trio.lowlevel.Task) -> None:
            if self.counting:
                name = task.name.rpartition(".")[2]
                self.by_name[name] = self.by_name.get(name, 0) + 1

    steps = Steps()

    async def main() -> None:
        stops: list[trio.CancelScope] = []
        all_ready = trio.Event()
        run.all_ready = all_ready.set
        async with trio.open_nursery() as nursery:
            for i in range(run.n):
                nursery.start_soon(idle_trio_realtime, run, run.delay(i), stops)
            with trio.fail_after(run.spread_s + run.limit_s):
                await all_ready.wait()
            run.connected()
            await trio.sleep(run.settle_s)
            run.window_start()
            steps.counting = True
            await trio.sleep(run.window_s)
            steps.counting = False
            run.window_end()
            for stop in stops:
                stop.cancel()

    default = inspect.signature(open_realtime).parameters["ping_interval"].default
    run.out["ping_interval_s"] = run.options.get("ping_interval", default)
    trio.run(main, instruments=[steps])
    run.out["task_steps"] = steps.by_name


async def idle_sdk(client: Any, run: IdleRun, delay: float) -> None:
    import asyncio

    await asyncio.sleep(delay)
    options = run.options
    async with client.realtime.connect(
        model=IDLE_MODEL, websocket_connection_options=options
    ) as conn:
        await conn.recv()
        run.ready()
        try:
            await conn.recv()
        except asyncio.CancelledError:
            if not run.stopping:
                raise
            # Our own stop: close the session politely, outside the window.
            asyncio.current_task().uncancel()  # type: ignore[union-attr]


def execute_idle_sdk(run: IdleRun) -> None:
    import asyncio
    import inspect

    from websockets.asyncio.client import connect

    async def main() -> None:
        client = _sdk_client(run.port)
        all_ready = asyncio.Event()
        run.all_ready = all_ready.set
        tasks = [asyncio.create_task(idle_sdk(client, run, run.delay(i))) for i in range(run.n)]
        waiter = asyncio.create_task(all_ready.wait())
        done, _ = await asyncio.wait(
            [waiter, *tasks],
            timeout=run.spread_s + run.limit_s,
            return_when=asyncio.FIRST_COMPLETED,
        )
        if waiter not in done:
            for task in done:
                task.result()  # a session that ended early: its error
            raise TimeoutError(f"{run.n - run.n_ready} of {run.n} sessions did not connect")
        run.connected()
        await asyncio.sleep(run.settle_s)
        run.window_start()
        await asyncio.sleep(run.window_s)
        run.window_end()
        run.stopping = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks)
        await client.close()

    # The SDK passes no keepalive option of its own: websockets' defaults apply.
    default = inspect.signature(connect).parameters["ping_interval"].default
    run.out["ping_interval_s"] = run.options.get("ping_interval", default)
    asyncio.run(main())
    run.out["task_steps"] = None


def execute_idle(client: str, port: int, spec: dict[str, Any]) -> dict[str, Any]:
    """One idle run of ``trio_realtime`` or ``sdk``; see `IdleRun`."""
    run = IdleRun(spec, port)
    if client == "sdk":
        execute_idle_sdk(run)
    elif client == "trio_realtime":
        execute_idle_trio(run)
    else:
        raise ValueError(f"no idle session for client {client!r}")
    return {"client": client, "options": run.options, **run.out}


def warm_imports(client: str) -> None:
    """Import what each client needs before any clock starts."""
    if client == "sdk":
        import openai.resources.realtime.realtime
        import openai.types.realtime
        import websockets.asyncio.client
    elif client == "sdk_live":
        import openai.resources.live.live
        import openai.types.live  # noqa: F401
        import websockets.asyncio.client  # noqa: F401
    else:
        import trio  # noqa: F401
        import trio_websocket  # noqa: F401

        if client.startswith("trio_realtime"):
            import trio_realtime  # noqa: F401


def main() -> None:
    if len(sys.argv) > 1:
        with open(sys.argv[1]) as f:
            job = json.load(f)
    else:
        job = json.load(sys.stdin)
    if job.get("cpu") is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {job["cpu"]})
    client, port = job["client"], job["port"]
    warm_imports(client)
    if "idle" in job:
        # Several idle runs in sequence, each under its own event loop.
        json.dump([execute_idle(client, port, spec) for spec in job["idle"]], sys.stdout)
        return
    if job.get("warm_model"):
        # One throwaway session first: lazy imports, first-use caches, the codec.
        execute(client, port, [job["warm_model"]], False, 30)
    base_rss = 0
    if job.get("sample_rss"):
        gc.collect()
        base_rss = rss_bytes()
    # ``runs``: several runs in sequence in this one process (the quick mode
    # uses it to pay each client's import time once); else the single ``models``.
    results = []
    for models in job.get("runs") or [job["models"]]:
        result = execute(client, port, models, bool(job.get("sample_rss")), job["limit_s"])
        result["rss_base"] = base_rss
        results.append(result)
    json.dump(results if "runs" in job else results[0], sys.stdout)


if __name__ == "__main__":
    main()
