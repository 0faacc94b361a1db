"""The REST core (`trio_realtime.rest.RestTransport`): addressing, errors, bounds, secrecy.

httpx's `MockTransport` plays the server where bytes on a socket do not
matter; real loopback sockets show httpx runs under trio (through anyio) and
that failures to connect are typed and keep the key out of tracebacks.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import msgspec
import pytest
import trio
import trio.testing
from _http_peer import free_port, head
from test_secrets import API_KEY, assert_clean, caught

import trio_realtime as rt
from trio_realtime.rest import RestOptions, open_rest_transport

Handler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
def autojump_clock() -> trio.testing.MockClock:
    return trio.testing.MockClock(autojump_threshold=0)


def mock(handler: Callable[[httpx.Request], Any]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.MockTransport(handler))


def ok(seen: list[httpx.Request], body: bytes = b"{}") -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=body, headers={"x-request-id": "req_ok"})

    return handler


def client(**kwargs: Any) -> rt.Client:
    return rt.Client(api_key=API_KEY, base_url="https://api.example.test/v1", **kwargs)


async def test_request_is_addressed_and_authenticated_like_the_handshake() -> None:
    seen: list[httpx.Request] = []
    own = client(
        organization="org_1",
        project="proj_1",
        default_headers={"X-Team": "voice", "Accept": "text/plain"},
        default_query={"tag": "a"},
    )
    with trio.fail_after(5):
        async with (
            mock(ok(seen, b'{"x": 1}')) as http,
            open_rest_transport(own, http_client=http) as transport,
        ):
            answer = await transport.request(
                "POST",
                "/realtime/calls/rtc 1/accept",
                json={"type": "realtime"},
                query={"q": "1"},
                extra_headers={"X-Extra": "yes"},
            )
    (request,) = seen
    assert request.method == "POST"
    assert str(request.url) == "https://api.example.test/v1/realtime/calls/rtc%201/accept?tag=a&q=1"
    assert request.headers["authorization"] == f"Bearer {API_KEY}"
    assert request.headers["openai-organization"] == "org_1"
    assert request.headers["openai-project"] == "proj_1"
    assert request.headers["x-team"] == "voice"
    assert request.headers["x-extra"] == "yes"
    # The client's default headers win over ours, as in the handshake.
    assert request.headers["accept"] == "text/plain"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"].startswith("trio-realtime/")
    assert json.loads(request.content) == {"type": "realtime"}
    assert answer.status == 200
    assert answer.request_id == "req_ok"
    assert answer.decode(dict[str, int]) == {"x": 1}


async def test_azure_sends_api_key_and_api_version() -> None:
    seen: list[httpx.Request] = []
    azure = rt.Client.azure(
        api_version="2025-08-28", endpoint="https://res.openai.azure.com", api_key=API_KEY
    )
    with trio.fail_after(5):
        async with mock(ok(seen)) as http, open_rest_transport(azure, http_client=http) as t:
            await t.request("POST", "/realtime/client_secrets", json={})
    (request,) = seen
    assert str(request.url) == (
        "https://res.openai.azure.com/openai/realtime/client_secrets?api-version=2025-08-28"
    )
    assert request.headers["api-key"] == API_KEY
    assert "authorization" not in request.headers


async def test_a_key_provider_is_called_for_each_request() -> None:
    seen: list[httpx.Request] = []
    tokens = iter(["tok-1", "tok-2"])

    async def provider() -> str:
        return next(tokens)

    own = rt.Client(api_key=provider, base_url="https://api.example.test/v1")
    with trio.fail_after(5):
        async with mock(ok(seen)) as http, open_rest_transport(own, http_client=http) as t:
            await t.request("POST", "/a")
            await t.request("POST", "/a")
    assert [r.headers["authorization"] for r in seen] == ["Bearer tok-1", "Bearer tok-2"]
    # No body (the SDK still names the JSON type).
    assert seen[0].content == b""


async def test_a_secret_works_as_the_key() -> None:
    seen: list[httpx.Request] = []
    own = rt.Client(api_key=rt.Secret("ek_minted"), base_url="https://api.example.test/v1")
    assert "ek_minted" not in repr(own)
    with trio.fail_after(5):
        async with mock(ok(seen)) as http, open_rest_transport(own, http_client=http) as t:
            await t.request("GET", "/a")
    assert seen[0].headers["authorization"] == "Bearer ek_minted"


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, rt.BadRequestError),
        (401, rt.AuthenticationError),
        (403, rt.PermissionDeniedError),
        (404, rt.NotFoundError),
        (409, rt.BadRequestError),
        (422, rt.BadRequestError),
        (429, rt.RateLimitError),
        (500, rt.ServerError),
        (502, rt.ServerError),
        (503, rt.ServerError),
    ],
)
async def test_error_status_maps_to_its_class(
    status: int, error_class: type[rt.APIStatusError]
) -> None:
    body = json.dumps({"error": {"message": f"status {status}", "code": "c"}}).encode()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"x-request-id": "req_123"})

    with trio.fail_after(5), pytest.raises(error_class) as info:
        async with mock(handler) as http, open_rest_transport(client(), http_client=http) as t:
            await t.request("POST", "/realtime/calls/c1/hangup")
    exc = info.value
    assert isinstance(exc, rt.RestStatusError)
    assert isinstance(exc, rt.RestError)
    assert not isinstance(exc, rt.ConnectError | rt.HandshakeRejected)
    assert exc.status == status
    assert exc.request_id == "req_123"
    assert exc.error == {"error": {"message": f"status {status}", "code": "c"}}
    assert exc.message == f"status {status}"
    assert exc.body == body
    assert exc.method == "POST"
    assert exc.url == "https://api.example.test/v1/realtime/calls/c1/hangup"
    assert ("x-request-id", "req_123") in exc.headers
    assert str(exc) == (
        f"POST https://api.example.test/v1/realtime/calls/c1/hangup answered HTTP {status}: "
        f"status {status} (request id req_123)"
    )
    assert API_KEY not in str(exc)
    assert API_KEY not in repr(vars(exc))


async def test_error_with_a_plain_body() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, content=b"bad gateway")

    with trio.fail_after(5), pytest.raises(rt.ServerError) as info:
        async with mock(handler) as http, open_rest_transport(client(), http_client=http) as t:
            await t.request("POST", "/a")
    assert info.value.error is None
    assert info.value.body == b"bad gateway"
    assert str(info.value).endswith("answered HTTP 502: bad gateway")


class Dripping(httpx.AsyncByteStream):
    """A body that sends ``chunk`` ``count`` times (forever by default), ``pause`` apart."""

    def __init__(self, chunk: bytes, *, count: int | None = None, pause: float = 0.0) -> None:
        self.chunk = chunk
        self.count = count
        self.pause = pause
        self.sent = 0
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.count is None or self.sent < self.count:
            # A socket read is a checkpoint, even when data is ready.
            await trio.sleep(self.pause)
            if self.closed:
                return
            self.sent += 1
            yield self.chunk

    async def aclose(self) -> None:
        self.closed = True


async def test_a_huge_error_body_is_capped() -> None:
    stream = Dripping(b"x" * 65536)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(500, stream=stream)

    options = RestOptions(max_error_body=100_000)
    with trio.fail_after(5), pytest.raises(rt.ServerError) as info:
        async with (
            mock(handler) as http,
            open_rest_transport(client(), http_client=http, options=options) as t,
        ):
            await t.request("POST", "/a")
    assert len(info.value.body) == 100_000
    assert stream.sent <= 3  # read no further than the cap
    assert stream.closed


async def test_a_slow_error_body_is_cut_by_its_own_deadline(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stream = Dripping(b"partial ", pause=1.0)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, stream=stream, headers={"x-request-id": "req_slow"})

    options = RestOptions(error_body_timeout=2.5, timeout=60)
    start = trio.current_time()
    with trio.fail_after(10), pytest.raises(rt.ServerError) as info:
        async with (
            mock(handler) as http,
            open_rest_transport(client(), http_client=http, options=options) as t,
        ):
            await t.request("POST", "/a")
    assert trio.current_time() - start == pytest.approx(2.5)
    assert info.value.body == b"partial partial "
    assert info.value.request_id == "req_slow"
    assert stream.closed


async def test_the_whole_call_is_bounded_by_timeout(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async def handler(request: httpx.Request) -> httpx.Response:
        await trio.sleep_forever()

    start = trio.current_time()
    with trio.fail_after(100), pytest.raises(rt.RestTimeout) as info:
        async with (
            mock(handler) as http,
            open_rest_transport(client(), http_client=http, options=RestOptions(timeout=7)) as t,
        ):
            await t.request("POST", "/a")
    assert trio.current_time() - start == pytest.approx(7)
    assert isinstance(info.value, rt.RealtimeTimeout)
    assert "took longer than 7s" in str(info.value)


async def test_a_success_body_that_never_ends_times_out(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stream = Dripping(b"{", pause=1.0)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=stream)

    start = trio.current_time()
    with trio.fail_after(100), pytest.raises(rt.RestTimeout):
        async with (
            mock(handler) as http,
            open_rest_transport(client(), http_client=http, options=RestOptions(timeout=5)) as t,
        ):
            await t.request("POST", "/a")
    assert trio.current_time() - start == pytest.approx(5)
    assert stream.closed


async def test_a_success_body_over_the_limit_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * 2000)

    with trio.fail_after(5), pytest.raises(rt.RestResponseError, match="more than 1000 bytes"):
        async with (
            mock(handler) as http,
            open_rest_transport(
                client(), http_client=http, options=RestOptions(max_response_body=1000)
            ) as t,
        ):
            await t.request("POST", "/a")


async def test_a_body_of_the_wrong_shape_names_the_field() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"x": "one"}', headers={"x-request-id": "r9"})

    with trio.fail_after(5):
        async with mock(handler) as http, open_rest_transport(client(), http_client=http) as t:
            answer = await t.request("POST", "/a")
    with pytest.raises(rt.RestResponseError, match=r"not a Shape: .*\$\.x.*request id r9"):
        answer.decode(Shape)


class Shape(msgspec.Struct):
    x: int


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"api_key": None}, rt.MissingAPIKeyError, "No API key"),
        ({"base_url": "http://api.example.test/v1"}, rt.InsecureTransportError, "plaintext"),
        ({"base_url": "ws://127.0.0.1/v1"}, rt.ConfigurationError, "http:// or https://"),
    ],
)
async def test_bad_settings_fail_before_sending(
    kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    seen: list[httpx.Request] = []
    settings = {"api_key": API_KEY, "base_url": "https://api.example.test/v1", **kwargs}
    with trio.fail_after(5), pytest.raises(error, match=match):
        async with (
            mock(ok(seen)) as http,
            open_rest_transport(rt.Client(**settings), http_client=http) as t,
        ):
            await t.request("POST", "/a")
    assert seen == []


async def test_bad_request_arguments_are_named() -> None:
    seen: list[httpx.Request] = []
    with trio.fail_after(5):
        async with mock(ok(seen)) as http, open_rest_transport(client(), http_client=http) as t:
            with pytest.raises(rt.InvalidHeaderError):
                await t.request("POST", "/a", extra_headers={"X-Bad": "a\r\nb"})
            with pytest.raises(rt.ConfigurationError, match="extra_headers must be a mapping"):
                await t.request("POST", "/a", extra_headers={"X": 1})  # type: ignore[dict-item]
            with pytest.raises(rt.ConfigurationError, match="cannot be encoded as JSON"):
                await t.request("POST", "/a", json={"x": object()})
    assert seen == []


def test_rest_options_are_checked() -> None:
    with pytest.raises(rt.ConfigurationError, match="timeout"):
        RestOptions(timeout=0)
    with pytest.raises(rt.ConfigurationError, match="max_error_body"):
        RestOptions(max_error_body=-1)


# -- real sockets: httpx under trio ---------------------------------------------


async def serve_raw(
    answer: bytes, *, task_status: trio.TaskStatus[int] = trio.TASK_STATUS_IGNORED
) -> None:
    """On 127.0.0.1:0, read each request head and send ``answer``; keep the link open."""
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    task_status.started(listeners[0].socket.getsockname()[1])

    async def handle(stream: trio.SocketStream) -> None:
        async with stream:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = await stream.receive_some(65536)
                if not chunk:
                    return
                data += chunk
            await stream.send_all(answer)
            await trio.sleep_forever()

    await trio.serve_listeners(handle, listeners)


async def test_over_a_real_socket_under_trio(nursery: trio.Nursery) -> None:
    body = b'{"ok": true}'
    port = await nursery.start(
        serve_raw, head("HTTP/1.1 200 OK", f"Content-Length: {len(body)}") + body
    )
    own = rt.Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v1")
    with trio.fail_after(5):
        async with open_rest_transport(own) as t:
            answer = await t.request("POST", "/a", json={})
    assert answer.decode(dict[str, bool]) == {"ok": True}


async def test_an_endless_error_body_over_a_real_socket(nursery: trio.Nursery) -> None:
    # Announces a gigabyte, sends a little, and keeps the socket open.
    port = await nursery.start(
        serve_raw,
        head("HTTP/1.1 401 Unauthorized", "Content-Length: 1000000000", "x-request-id: r1")
        + b'{"error": {"message": "no',
    )
    own = rt.Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v1")
    with trio.fail_after(5), pytest.raises(rt.AuthenticationError) as info:
        async with open_rest_transport(own, options=RestOptions(error_body_timeout=0.2)) as t:
            await t.request("POST", "/a")
    assert info.value.body == b'{"error": {"message": "no'
    assert info.value.request_id == "r1"


async def test_nobody_listening_is_a_connect_error_without_the_key() -> None:
    port = await free_port()
    own = rt.Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v1")

    async def call() -> None:
        async with open_rest_transport(own) as t:
            await t.request("POST", "/a", extra_headers={"X-Other": "1"})

    with trio.fail_after(5):
        exc = await caught(call)
    assert type(exc) is rt.RestConnectError, exc
    assert f"127.0.0.1:{port}" in str(exc)
    assert exc.__context__ is None
    assert_clean(exc)


async def test_cancelled_in_flight_keeps_no_key(nursery: trio.Nursery) -> None:
    port = await nursery.start(serve_raw, b"")  # reads the request, never answers
    own = rt.Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v1")
    seen: list[BaseException] = []

    async def call() -> None:
        async with open_rest_transport(own) as t:
            try:
                await t.request("POST", "/a")
            except trio.Cancelled as exc:
                seen.append(exc)
                raise

    with trio.fail_after(5), trio.move_on_after(0.2):
        await call()
    (exc,) = seen
    assert_clean(exc)


# -- cancellation and secrecy on every path ---------------------------------------


@pytest.mark.parametrize("status", [200, 500])
@pytest.mark.parametrize("cancel_at", [0.5, 1.5, 2.5, 3.5])
async def test_cancelled_at_any_await_releases_the_answer(
    autojump_clock: trio.testing.MockClock, status: int, cancel_at: float
) -> None:
    # The head comes after 1 s, then three chunks 1 s apart: each cancel_at
    # falls in another await (connect/head, first, second, third chunk).
    streams: list[Dripping] = []

    async def handler(request: httpx.Request) -> httpx.Response:
        await trio.sleep(1)
        stream = Dripping(b"x", count=3, pause=1.0)
        streams.append(stream)
        return httpx.Response(status, stream=stream)

    seen: list[BaseException] = []
    with trio.fail_after(100):
        async with (
            mock(handler) as http,
            open_rest_transport(
                client(), http_client=http, options=RestOptions(error_body_timeout=60)
            ) as t,
        ):
            with trio.move_on_after(cancel_at) as scope:
                try:
                    await t.request("POST", "/a")
                except trio.Cancelled as exc:
                    seen.append(exc)
                    raise
            assert scope.cancelled_caught
            if cancel_at > 1:
                assert streams[0].closed
            assert_clean(seen[0])
            # The transport goes on working.
            streams.clear()
            if status == 200:
                answer = await t.request("POST", "/a")
                assert answer.body == b"xxx"
            else:
                with pytest.raises(rt.ServerError) as info:
                    await t.request("POST", "/a")
                assert info.value.body == b"xxx"


async def test_error_answers_keep_the_key_out_of_tracebacks(
    autojump_clock: trio.testing.MockClock,
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, content=b'{"error": {"message": "bad key"}}')

    def huge(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"x" * 100)

    async def hang(request: httpx.Request) -> httpx.Response:
        await trio.sleep_forever()

    for handler, options in (
        (refuse, RestOptions()),
        (huge, RestOptions(max_response_body=10)),
        (hang, RestOptions(timeout=1)),
    ):

        async def call(handler: Any = handler, options: RestOptions = options) -> None:
            async with (
                mock(handler) as http,
                open_rest_transport(client(), http_client=http, options=options) as t,
            ):
                await t.request("POST", "/a", extra_headers={"Authorization": f"Bearer {API_KEY}"})

        with trio.fail_after(10):
            exc = await caught(call)
        assert isinstance(exc, rt.RestError), exc
        assert_clean(exc)


class HeaderKeepingTransport(httpx.AsyncBaseTransport):
    """A transport that, like httpcore building its h11 events, holds the raw header
    bytes in a local while it waits or fails: what our boundary must keep out of
    the tracebacks we raise."""

    def __init__(self, fail: bool) -> None:
        self.fail = fail

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raw_headers = list(request.headers.raw)
        if self.fail:
            raise httpx.ConnectError(f"refused after {len(raw_headers)} headers")
        await trio.sleep_forever()
        raise AssertionError(raw_headers)


@pytest.mark.parametrize("fail", [True, False])
async def test_transport_frames_never_reach_our_tracebacks(fail: bool) -> None:
    azure = rt.Client.azure(
        api_version="2025-08-28", endpoint="https://res.openai.azure.com", api_key=API_KEY
    )
    seen: list[BaseException] = []

    async def call() -> None:
        transport = HeaderKeepingTransport(fail)
        async with (
            httpx.AsyncClient(transport=transport) as http,
            open_rest_transport(azure, http_client=http) as t,
        ):
            try:
                await t.request("POST", "/a")
            except BaseException as exc:
                seen.append(exc)
                raise

    with trio.fail_after(5):
        if fail:
            await caught(call)
        else:
            with trio.move_on_after(0.1):
                await call()
    (exc,) = seen
    assert isinstance(exc, rt.RestConnectError if fail else trio.Cancelled)
    assert_clean(exc)


@pytest.mark.parametrize(
    ("bad", "error"),
    [({"X-Bad": "a\r\nb"}, rt.InvalidHeaderError), ({"X-Num": 1}, rt.ConfigurationError)],
)
async def test_bad_extra_headers_beside_a_key_keep_it_out_of_the_traceback(
    bad: dict[str, Any], error: type[Exception]
) -> None:
    async def call() -> None:
        async with mock(ok([])) as http, open_rest_transport(client(), http_client=http) as t:
            await t.request(
                "POST", "/a", extra_headers={"Authorization": f"Bearer {API_KEY}", **bad}
            )

    with trio.fail_after(5):
        exc = await caught(call)
    assert isinstance(exc, error), exc
    assert_clean(exc)


async def test_an_httpx_connect_timeout_is_a_rest_timeout() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out")

    with trio.fail_after(5), pytest.raises(rt.RestTimeout, match=r"connecting took longer than 3"):
        async with (
            mock(handler) as http,
            open_rest_transport(
                client(), http_client=http, options=RestOptions(connect_timeout=3)
            ) as t,
        ):
            await t.request("POST", "/a")


# -- the endpoints' own argument checks ---------------------------------------------


async def test_call_arguments_are_checked_before_sending() -> None:
    from trio_realtime import events as ev
    from trio_realtime import rest

    seen: list[httpx.Request] = []
    session = ev.RealtimeSession(instructions="x")
    with trio.fail_after(5):
        async with mock(ok(seen)) as http, rest.open_rest(client(), http_client=http) as api:
            with pytest.raises(rt.ConfigurationError, match="call_id must be a non-empty string"):
                await api.calls.accept("", session)
            with pytest.raises(rt.ConfigurationError, match=r"events\.RealtimeSession"):
                await api.calls.accept("rtc_1", {"instructions": "x"})  # type: ignore[arg-type]
            with pytest.raises(rt.ConfigurationError, match=r"events\.RealtimeSession"):
                await api.calls.accept("rtc_1", ev.TranscriptionSession())  # type: ignore[arg-type]
            for status in (200, 399, 700, True):
                with pytest.raises(rt.ConfigurationError, match="400 to 699"):
                    await api.calls.reject("rtc_1", status_code=status)
            with pytest.raises(rt.ConfigurationError, match="target_uri"):
                await api.calls.refer("rtc_1", "  ")
            with pytest.raises(rt.ConfigurationError, match="sdp must be"):
                await api.calls.create("")
            with pytest.raises(rt.ConfigurationError, match="session must be"):
                await api.client_secrets.create("gpt-realtime")  # type: ignore[arg-type]
            with pytest.raises(rt.ConfigurationError, match="model must be"):
                await api.translation_client_secrets.create("")
            assert seen == []
            # A call id is one path segment, whatever it holds.
            await api.calls.hangup("rtc/../x?y")
    assert str(seen[0].url).endswith("/realtime/calls/rtc%2F..%2Fx%3Fy/hangup")


async def test_create_without_a_location_has_no_call_id() -> None:
    from trio_realtime import rest

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, content=b"v=0\r\n")

    with trio.fail_after(5):
        async with mock(handler) as http, rest.open_rest(client(), http_client=http) as api:
            answer = await api.calls.create("v=0\r\n")
    assert answer == rest.CallAnswer(sdp="v=0\r\n", call_id=None)
