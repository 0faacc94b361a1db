"""`FakeServer`: a Realtime API look-alike on a real loopback socket.

The server owns a nursery that lives exactly as long as its ``async with``
block: the TCP listener and every connection's tasks run inside it, so nothing
outlives the block. Each accepted WebSocket gets a `FakeConnection` (the
transport: recording, fault injection) driving a `_engine.Engine` (the
protocol behaviour). Settings that shape replies (responder, pacing, faults)
are plain attributes read at the moment they matter, so a test may change
them between turns.
"""

from __future__ import annotations

import collections
import math
import random
import types
import urllib.parse
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

import trio
import trio_websocket

from .. import events as ev
from .._nursery import exit_nursery
from ..events import ClientEvent
from ._connection import FakeConnection
from ._live import LiveFakeConnection, live_rest_route, live_route, live_sessions
from ._rest import DEFAULT_WEBHOOK_SECRET, FakeRest, ReplayStream, error_body, read_head
from ._script import Responder, ToolCall, echo_responder
from ._strict import ModelProblem, api_tail, realtime_model_problem
from ._translation_connection import TranslationFakeConnection, translation_path

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["DEFAULT_API_KEY", "FakeServer", "Faults", "open_fake_server"]

#: The key a fake server accepts unless told otherwise. Not a secret.
DEFAULT_API_KEY = "sk-fake-realtime-key"

_E = TypeVar("_E", bound=ClientEvent)

# The real service sends events of several MiB (conversation.item.retrieved with
# audio) and accepts large audio appends; trio-websocket's 1 MiB default is too small.
_MAX_MESSAGE = 16 * 1024 * 1024
_RECEIVE_BUFFER = 64 * 1024
_HANDSHAKE_TIMEOUT = 10.0


@dataclass(slots=True)
class Faults:
    """Failures to inject, counted per connection in server events sent.

    After ``close_after`` events the server closes with ``close_code`` and
    ``close_reason``; after ``drop_after`` it resets the TCP connection without a
    close frame; after ``stall_after`` it stops sending and stops reading (the
    socket stays open). ``event_delay`` sleeps before every event. The first
    ``reject_handshakes`` upgrades are refused with HTTP ``reject_status``
    (with ``reject_headers``, such as ``Retry-After``).

    ``session_duration`` seconds after it opened, a session ends like the
    service's at its limit: an ``error`` event ``session_expired``, then a
    close with ``expire_close_code``. ``drop_chance`` drops the connection
    after any event sent with that probability, drawn from ``rng``.
    """

    close_after: int | None = None
    close_code: int = 1011
    close_reason: str = "fake server fault"
    drop_after: int | None = None
    stall_after: int | None = None
    event_delay: float = 0.0
    handshake_delay: float = 0.0
    reject_handshakes: int = 0
    reject_status: int = 503
    reject_body: bytes | None = None
    reject_headers: Sequence[tuple[str, str]] = ()
    session_duration: float | None = None
    expire_close_code: int = 1000
    drop_chance: float = 0.0
    rng: random.Random = field(default_factory=random.Random)


class FakeServer:
    """An in-process fake of the OpenAI Realtime WebSocket API.

    Use ``async with open_fake_server() as server:``; ``server.client()`` is a
    `trio_realtime.Client` pointed at it. Replies come from scripted replies
    queued with `script`, else from ``responder`` (by default an echo of the
    last user message). ``delta_size`` characters per text delta and
    ``delta_interval`` seconds between deltas shape the stream
    (``math.inf`` holds a response open until it is cancelled).
    ``received`` lists every client event decoded, over all connections;
    ``record_sent=True`` also timestamps every event sent (see `FakeConnection`);
    ``record_received=False`` keeps nothing (for a long-running standalone server).

    The same port serves the REST endpoints (client secrets, calls; see
    `trio_realtime.testing._rest`): ``rest`` holds their state (``rest.calls``,
    ``rest.secrets``), ``rest.incoming_call(url)`` rings a SIP call by
    delivering a webhook signed with ``webhook_secret``.

    ``strict`` (the default) answers like the service where a mistake would
    otherwise pass: a path outside the API's (``/v1``, or Azure's ``/openai``
    and ``/openai/v1``) gets HTTP 404; a Realtime session with an unknown
    model, or none, gets an ``error`` event and close code 4000; so do an
    unknown transcription or GPT-Live model (an ``error`` event) and an
    unknown model for a call (HTTP 400). The known models are those the
    ``openai`` SDK lists (see `trio_realtime.testing._strict`).
    ``strict=False`` accepts any path that ends like the API's and any model,
    for tests with made-up names; a missing model is then ``model``.

    Requests must carry ``api_key`` (or a client secret the server minted);
    ``accept_any_key=True`` takes any non-empty key as an API key, for clients
    that bring their own (``serve-fake`` without ``--api-key``). A request with
    no key, or an expired client secret, is refused (401) either way.
    """

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        host: str = "127.0.0.1",
        port: int = 0,
        model: str = "gpt-realtime",
        responder: Responder = echo_responder,
        delta_size: int = 8,
        delta_interval: float = 0.0,
        audio_chunk_ms: int = 100,
        faults: Faults | None = None,
        record_sent: bool = False,
        record_received: bool = True,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
        strict: bool = True,
        accept_any_key: bool = False,
    ) -> None:
        if delta_size < 1:
            raise ValueError("delta_size must be at least 1")
        if delta_interval < 0 or math.isnan(delta_interval):
            raise ValueError("delta_interval must be a non-negative number of seconds")
        self.api_key: str = api_key
        self.host: str = host
        self.model: str = model
        self.responder: Responder = responder
        self.delta_size: int = delta_size
        self.delta_interval: float = delta_interval
        self.audio_chunk_ms: int = audio_chunk_ms
        self.faults: Faults = faults if faults is not None else Faults()
        self.record_sent: bool = record_sent
        self.record_received: bool = record_received
        self.strict: bool = strict
        self.accept_any_key: bool = accept_any_key
        self.connections: list[FakeConnection] = []
        self.received: list[ClientEvent] = []
        self.rest: FakeRest = FakeRest(self, webhook_secret)
        self.rest.add_route("live", live_rest_route(self))
        self._requested_port = port
        self._port: int | None = None
        self._scripted: collections.deque[str | ToolCall | Sequence[str | ToolCall]] = (
            collections.deque()
        )
        self._transcripts: collections.deque[str] = collections.deque()
        self._changed = trio.Event()
        self._nursery_cm: AbstractAsyncContextManager[trio.Nursery] | None = None
        self._nursery: trio.Nursery | None = None
        self._connection_count = 0
        #: Item and response ids count over every connection, so that, like the
        #: service's, they never repeat across sessions.
        self.id_counters: dict[str, int] = {}

    # -- addresses ---------------------------------------------------------------

    @property
    def port(self) -> int:
        """The TCP port the OS assigned (valid inside the ``async with`` block)."""
        if self._port is None:
            raise RuntimeError("the fake server is not running; use `async with`")
        return self._port

    @property
    def base_url(self) -> str:
        """The REST-style base URL, ``http://127.0.0.1:PORT/v1``."""
        return f"http://{self.host}:{self.port}/v1"

    @property
    def url(self) -> str:
        """The WebSocket URL, ``ws://127.0.0.1:PORT/v1/realtime``."""
        return f"ws://{self.host}:{self.port}/v1/realtime"

    def client(self) -> Client:
        """A `trio_realtime.Client` with this server's key and address."""
        from .._client import Client

        return Client(api_key=self.api_key, base_url=self.base_url)

    def __repr__(self) -> str:
        where = f"{self.host}:{self._port}" if self._port is not None else "not running"
        return f"<FakeServer {where}, {len(self.connections)} connection(s)>"

    # -- scripting ---------------------------------------------------------------

    def script(self, *replies: str | ToolCall | Sequence[str | ToolCall]) -> None:
        """Queue replies; each answers one response, in order, before ``responder``.

        A reply is the text (or spoken transcript) to stream, a `ToolCall`, or a
        list of those for a response with several output items.
        """
        self._scripted.extend(replies)

    def script_transcripts(self, *transcripts: str) -> None:
        """Queue what the fake transcriber "hears" in the next committed audio turns.

        Used only when the session enables input transcription; without a scripted
        transcript the fake reports ``"[N ms of audio]"``.
        """
        self._transcripts.extend(transcripts)

    def next_transcript(self) -> str | None:
        """Pop the next scripted transcript, or ``None`` when the queue is empty."""
        return self._transcripts.popleft() if self._transcripts else None

    def next_reply(self) -> str | ToolCall | Sequence[str | ToolCall] | None:
        """Pop the next scripted reply, or ``None`` when the queue is empty."""
        return self._scripted.popleft() if self._scripted else None

    # -- observation -------------------------------------------------------------

    def received_of(self, event_type: type[_E]) -> list[_E]:
        """Every received client event of one type, over all connections."""
        return [e for e in self.received if isinstance(e, event_type)]

    async def wait_connection(self, index: int = 0) -> FakeConnection:
        """Wait until connection number ``index`` (0 is the first) is accepted."""
        while len(self.connections) <= index:
            await self._changed.wait()
        return self.connections[index]

    async def wait_received(self, event_type: type[_E], count: int = 1) -> _E:
        """Wait until ``count`` events of ``event_type`` arrived; return the latest."""
        while True:
            found = self.received_of(event_type)
            if len(found) >= count:
                return found[-1]
            await self._changed.wait()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = trio.Event()

    def _record(self, event: ClientEvent) -> None:
        if self.record_received:
            self.received.append(event)
            self._notify()

    # -- lifetime ----------------------------------------------------------------

    async def __aenter__(self) -> FakeServer:
        if self._nursery is not None:
            raise RuntimeError("a FakeServer can be entered only once")
        manager = trio.open_nursery()
        nursery = await manager.__aenter__()
        self._nursery_cm = manager
        self._nursery = nursery
        try:
            listeners = await nursery.start(self._listen)
        except BaseException as exc:
            nursery.cancel_scope.cancel()
            await manager.__aexit__(type(exc), exc, exc.__traceback__)
            raise
        sockname = listeners[0].socket.getsockname()
        self._port = int(sockname[1])
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> bool | None:
        manager = self._nursery_cm
        assert self._nursery is not None
        assert manager is not None
        # Say goodbye to clients still connected (1001, "going away"), briefly,
        # then stop everything.
        if exc_type is None:
            with trio.move_on_after(1.0):
                async with trio.open_nursery() as goodbye:
                    for conn in self.connections:
                        goodbye.start_soon(conn.close, 1001, "fake server shutting down")
        self._nursery.cancel_scope.cancel()
        try:
            return await exit_nursery(manager, exc)
        finally:
            self._port = None

    async def _listen(
        self, task_status: trio.TaskStatus[list[trio.SocketListener]] = trio.TASK_STATUS_IGNORED
    ) -> None:
        listeners = await trio.open_tcp_listeners(self._requested_port, host=self.host)
        async with trio.open_nursery() as nursery:
            for listener in listeners:
                nursery.start_soon(self._accept, listener, nursery)
            task_status.started(listeners)

    async def _accept(self, listener: trio.SocketListener, nursery: trio.Nursery) -> None:
        # Our own accept loop rather than trio.serve_listeners: its handler wrapper
        # closes the stream in a `finally` that raises Cancelled during shutdown,
        # which would hide an error raised inside a connection (a failing responder).
        async with listener:
            while True:
                stream = await listener.accept()
                nursery.start_soon(self._handle_stream, stream)

    async def serve_stream(self, stream: trio.abc.Stream) -> None:
        """Serve one client over ``stream`` (say a `trio.testing.memory_stream_pair`
        end), as if it had connected: for tests under a `trio.testing.MockClock`."""
        await self._handle_stream(stream)

    async def _handle_stream(self, stream: trio.abc.Stream) -> None:
        try:
            # Only the request head and the upgrade are bounded; a session lasts
            # as long as it lasts.
            head = None
            with trio.move_on_after(_HANDSHAKE_TIMEOUT):
                head = await read_head(stream)
            if head is None:
                return
            if not head.is_upgrade:
                await self.rest.serve(stream, head.data)
                return
            async with trio.open_nursery() as nursery:
                request: trio_websocket.WebSocketRequest | None = None
                with trio.move_on_after(_HANDSHAKE_TIMEOUT):
                    request = await trio_websocket.wrap_server_stream(
                        nursery,
                        ReplayStream(stream, head.data),
                        max_message_size=_MAX_MESSAGE,
                        receive_buffer_size=_RECEIVE_BUFFER,
                    )
                if request is not None:
                    await self._handle_request(request, stream)
                nursery.cancel_scope.cancel()
        finally:
            with trio.CancelScope(shield=True):
                await stream.aclose()

    async def _handle_request(
        self, request: trio_websocket.WebSocketRequest, stream: trio.abc.Stream
    ) -> None:
        faults = self.faults
        if faults.handshake_delay:
            await trio.sleep(faults.handshake_delay)
        self._connection_count += 1
        number = self._connection_count
        request_id = f"req_fake{number:04d}"
        headers = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in request.headers]
        target = urllib.parse.urlsplit(request.path)
        query = dict(urllib.parse.parse_qsl(target.query, keep_blank_values=True))
        refusal = self._refusal(target.path, headers) or self.rest.refusal(query)
        if refusal is None and faults.reject_handshakes > 0:
            faults.reject_handshakes -= 1
            body = faults.reject_body
            if body is None:
                body = error_body(
                    "The fake server refused this connection (injected fault).",
                    "server_error",
                    None,
                )
            refusal = (faults.reject_status, body)
        if refusal is not None:
            status, body = refusal
            await request.reject(
                status,
                extra_headers=[
                    (b"content-type", b"application/json"),
                    (b"x-request-id", request_id.encode()),
                    *((k.encode(), v.encode()) for k, v in faults.reject_headers),
                ],
                body=body,
            )
            return
        ws = await request.accept(extra_headers=[(b"x-request-id", request_id.encode())])
        query = dict(urllib.parse.parse_qsl(target.query, keep_blank_values=True))
        # GPT-Live paths get the Live engine (see _live.py); all else is Realtime.
        kind = LiveFakeConnection if live_route(target.path) else FakeConnection
        if translation_path(target.path, strict=self.strict):
            kind = TranslationFakeConnection  # see _translation.py
        conn = kind(
            self,
            ws,
            stream,
            number=number,
            path=target.path,
            query=query,
            headers=headers,
        )
        initial = self.rest.initial_session(_bearer(headers), query)
        if initial is not None:
            conn.engine.session = initial
        problem = None
        if self.strict and kind is FakeConnection:
            problem = _model_problem(target.path, query, initial)
        self.connections.append(conn)
        self._notify()
        if problem is not None:
            await conn.refuse(problem.code, problem.message, param=problem.param)
        else:
            await conn.run()

    def _refusal(self, path: str, headers: list[tuple[str, str]]) -> tuple[int, bytes] | None:
        """An HTTP status and JSON body when the upgrade must be refused, like the API."""
        route = live_route(path)
        if route is not None and route[0] == "attach" and route[1] not in live_sessions(self):
            return 404, error_body(f"No Live session {route[1]!r}", "invalid_request_error", None)
        if self.strict:
            tail = api_tail(path, strict=True, known=("realtime", "live"))
            served = tail == ["realtime"] or (
                tail is not None and tail[0] == "live" and live_route("/".join(tail)) is not None
            )
        else:
            served = route is not None or path.rstrip("/").endswith("/realtime")
        served = served or translation_path(path, strict=self.strict)
        if not served:
            return 404, error_body(f"Invalid URL (GET {path})", "invalid_request_error", None)
        key = _bearer(headers)
        if not key:
            return 401, error_body(
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                "invalid_request_error",
                None,
            )
        if self.rest.key_kind(key) is None:
            # Like the API, show only the key's last four characters.
            return 401, error_body(
                f"Incorrect API key provided: ...{key[-4:]}.",
                "invalid_request_error",
                "invalid_api_key",
            )
        return None


def _model_problem(
    path: str, query: dict[str, str], initial: ev.RealtimeSession | None
) -> ModelProblem | None:
    """Why a strict fake ends a new Realtime session at once (see `_strict`), or None."""
    if "call_id" in query:
        return None  # the call's session was configured, and checked, over REST
    if path.startswith("/openai/"):
        # Azure: the model is the name of one's own deployment; it must be there.
        if query.get("model") or query.get("deployment"):
            return None
        return realtime_model_problem(None)
    model = query.get("model")
    if model is None and initial is not None and isinstance(initial.model, str):
        model = initial.model  # a client secret's session names the model
    if model is None and query.get("intent") == "transcription":
        return None
    return realtime_model_problem(model)


def _bearer(headers: list[tuple[str, str]]) -> str:
    """The key a request carries (``Authorization: Bearer`` or ``api-key``), or ""."""
    values = dict(headers)
    auth = values.get("authorization", "")
    key = auth[len("bearer ") :].strip() if auth.lower().startswith("bearer ") else None
    if key is None:
        key = values.get("api-key")
    return key or ""


def open_fake_server(
    *,
    api_key: str = DEFAULT_API_KEY,
    host: str = "127.0.0.1",
    port: int = 0,
    model: str = "gpt-realtime",
    responder: Responder = echo_responder,
    delta_size: int = 8,
    delta_interval: float = 0.0,
    audio_chunk_ms: int = 100,
    faults: Faults | None = None,
    record_sent: bool = False,
    record_received: bool = True,
    webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
    strict: bool = True,
    accept_any_key: bool = False,
) -> FakeServer:
    """A fake Realtime server to use as ``async with open_fake_server() as server:``.

    It listens on ``host`` (loopback) at ``port`` (0: chosen by the OS) while
    the block runs; see `FakeServer` for the knobs. ``strict=False`` accepts
    made-up model names and paths (see `FakeServer`).
    """
    return FakeServer(
        api_key=api_key,
        host=host,
        port=port,
        model=model,
        responder=responder,
        delta_size=delta_size,
        delta_interval=delta_interval,
        audio_chunk_ms=audio_chunk_ms,
        faults=faults,
        record_sent=record_sent,
        record_received=record_received,
        webhook_secret=webhook_secret,
        strict=strict,
        accept_any_key=accept_any_key,
    )
