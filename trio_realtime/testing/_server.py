"""`FakeServer`: a Realtime API look-alike on a real loopback socket.

The server owns a nursery that lives exactly as long as its ``async with``
block: the TCP listener and every connection's tasks run inside it, so nothing
outlives the block. It tells REST requests (`_rest`) from WebSocket upgrades,
refuses what the API refuses, and gives each accepted WebSocket a
`FakeConnection` (frames, recording, faults) serving the endpoint its path
names: a Realtime `_engine.Engine` or a GPT-Live endpoint (`_live`). The
knobs and records shared with those parts are its base, `_state.ServerState`;
they are plain attributes read at the moment they matter, so a test may
change them between turns.
"""

from __future__ import annotations

import types
import urllib.parse
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

import trio
import trio_websocket

from .. import events as ev
from .._nursery import exit_nursery
from .._open import require_trio
from ._connection import FakeConnection
from ._live import LiveEndpoint, LiveSessions, live_route
from ._live_rest import live_rest_route
from ._rest import DEFAULT_WEBHOOK_SECRET, FakeRest, ReplayStream, error_body, read_head
from ._script import Responder, echo_responder
from ._state import DEFAULT_API_KEY, Endpoint, Faults, ServerState
from ._strict import ModelProblem, api_tail, realtime_model_problem
from ._translation import TranslationEngine, translation_path

if TYPE_CHECKING:
    from .._client import Client

__all__ = ["DEFAULT_API_KEY", "FakeServer", "Faults", "open_fake_server"]

# The real service sends events of several MiB (conversation.item.retrieved with
# audio) and accepts large audio appends; trio-websocket's 1 MiB default is too small.
_MAX_MESSAGE = 16 * 1024 * 1024
_RECEIVE_BUFFER = 64 * 1024
_HANDSHAKE_TIMEOUT = 10.0


class FakeServer(ServerState):
    """An in-process fake of the OpenAI Realtime WebSocket API.

    It serves Realtime sessions (and transcription-only ones, with
    ``intent=transcription``), translation sessions on
    ``/v1/realtime/translations``, GPT-Live sessions on ``/v1/live/sessions``
    with their sidebands and forks, and the REST endpoints.

    Use ``async with open_fake_server() as server:``; ``server.client()`` is a
    `trio_realtime.Client` pointed at it. Replies come from scripted replies
    queued with `script`, else from ``responder`` (by default an echo of the
    last user message). ``delta_size`` characters per text delta and
    ``delta_interval`` seconds between deltas shape the stream
    (``math.inf`` holds a response open until it is cancelled), and spoken
    replies come in ``audio_chunk_ms`` chunks. ``faults`` is the `Faults` plan
    every connection follows; ``host`` the address it listens on.
    ``id_counters`` numbers item and response ids over all connections, so
    that, as on the service, they never repeat across sessions.
    ``received`` lists every client event decoded, over all connections;
    ``record_sent=True`` also timestamps every event sent (see `FakeConnection`);
    ``record_received=False`` keeps nothing (for a long-running standalone server).

    The same port serves the REST endpoints (client secrets, calls; see
    `FakeRest`): ``rest`` holds their state (``rest.calls``,
    ``rest.secrets``), ``rest.incoming_call(url)`` rings a SIP call by
    delivering a webhook signed with ``webhook_secret``.

    ``strict`` (the default) answers like the service where a mistake would
    otherwise pass: a path outside the API's (``/v1``, or Azure's ``/openai``
    and ``/openai/v1``) gets HTTP 404; a Realtime session with an unknown
    model, or none, gets an ``error`` event and close code 4000; so do an
    unknown transcription or GPT-Live model (an ``error`` event) and an
    unknown model for a call (HTTP 400). The known models are those the
    ``openai`` SDK lists (see `trio_realtime.testing`).
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
        model: str = "gpt-realtime-2.1",
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
        super().__init__(
            api_key=api_key,
            model=model,
            responder=responder,
            delta_size=delta_size,
            delta_interval=delta_interval,
            audio_chunk_ms=audio_chunk_ms,
            faults=faults,
            record_sent=record_sent,
            record_received=record_received,
            strict=strict,
            accept_any_key=accept_any_key,
        )
        self.host: str = host
        self.connections: list[FakeConnection] = []
        #: The running and stored GPT-Live sessions, by id.
        self.live_sessions: LiveSessions = {}
        self.rest: FakeRest = FakeRest(self, webhook_secret, end_call=self._end_call)
        self.rest.add_route("live", live_rest_route(self.live_sessions, self.rest))
        self._requested_port = port
        self._port: int | None = None
        self._nursery_cm: AbstractAsyncContextManager[trio.Nursery] | None = None
        self._nursery: trio.Nursery | None = None
        self._connection_count = 0

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

    # -- observation -------------------------------------------------------------

    async def wait_connection(self, index: int = 0) -> FakeConnection:
        """Wait until connection number ``index`` (0 is the first) is accepted."""
        while len(self.connections) <= index:
            await self._changed.wait()
        return self.connections[index]

    # -- lifetime ----------------------------------------------------------------

    async def __aenter__(self) -> FakeServer:
        require_trio("async with open_fake_server()")
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
        endpoint = self._endpoint(target.path)
        conn = FakeConnection(
            self,
            ws,
            stream,
            number=number,
            path=target.path,
            query=query,
            headers=headers,
            endpoint=endpoint,
        )
        problem = None
        if endpoint is None:  # Realtime
            initial = self.rest.initial_session(_bearer(headers), query)
            if initial is not None:
                conn.engine.session = initial
            if self.strict:
                problem = _model_problem(target.path, query, initial)
        self.connections.append(conn)
        self._notify()
        if problem is not None:
            await conn.refuse(problem.code, problem.message, param=problem.param)
        else:
            await conn.run()

    def _endpoint(self, path: str) -> Callable[[FakeConnection], Endpoint] | None:
        """What a path serves: a Live or translation endpoint, or None for a Realtime `Engine`."""
        if live_route(path) is not None:
            return lambda conn: LiveEndpoint(self, self.live_sessions, conn, path)
        if translation_path(path, strict=self.strict):
            return lambda conn: TranslationEngine(
                self,
                conn,
                model=conn.query.get("model", ""),
                initial=self.rest.translation_audio(_bearer(conn.headers)),
            )
        return None

    def _end_call(self, call_id: str, reason: str) -> None:
        # In the background, as the API does: the answer to the hangup must not
        # wait for a close handshake that the client, busy awaiting that very
        # answer, cannot read yet.
        assert self._nursery is not None
        for conn in self.connections:
            if conn.query.get("call_id") == call_id and not conn.closed:
                self._nursery.start_soon(conn.close, 1000, reason)

    def _refusal(self, path: str, headers: list[tuple[str, str]]) -> tuple[int, bytes] | None:
        """An HTTP status and JSON body when the upgrade must be refused, like the API."""
        route = live_route(path)
        if route is not None and route[0] == "attach" and route[1] not in self.live_sessions:
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
    path: str, query: dict[str, str], initial: ev.Session | None
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
    if isinstance(initial, ev.TranscriptionSession):
        return None  # a transcription secret's session names no model
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
    model: str = "gpt-realtime-2.1",
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
    """A fake server to use as ``async with open_fake_server() as server:``.

    It serves Realtime (and transcription-only), translation and GPT-Live
    sessions and the REST endpoints; see `FakeServer`.

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
