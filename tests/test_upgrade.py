"""`_upgrade`: the HTTP upgrade over memory streams and loopback sockets, and the
bounds on a refusal's body (issue 9, finding 4)."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable

import pytest
import trio
import trio.testing
from _http_peer import (
    API_KEY,
    GOOD,
    Answer,
    Served,
    free_port,
    handshake_for,
    head,
    json_error,
    raw,
    refusal,
    run_hang_up_peer,
    run_http_peer,
    serve_one,
    switching,
)

import trio_realtime as rt
from trio_realtime._upgrade import (
    DEFAULT_MAX_REJECTION_BODY,
    DEFAULT_REJECTION_BODY_TIMEOUT,
    open_upgraded_stream,
    upgrade,
)

BUFFER = 65536
StreamPair = Callable[[], tuple[trio.abc.Stream, trio.abc.Stream]]


async def upgrade_against(
    answer: Answer, pair: StreamPair = trio.testing.memory_stream_pair, **options: float
) -> bytes:
    """Run `upgrade` against ``answer`` on the other end of a stream pair."""
    client, server = pair()
    error: Exception | None = None
    trailing = b""
    async with trio.open_nursery() as nursery:
        nursery.start_soon(serve_one, server, answer, Served())
        try:
            trailing = await upgrade(client, handshake_for(), receive_buffer_size=BUFFER, **options)  # type: ignore[arg-type]
        except Exception as exc:  # raised below, outside the nursery's exception group
            error = exc
        nursery.cancel_scope.cancel()
    if error is not None:
        raise error
    return trailing


# ---------------------------------------------------------------- the 101 answer


async def test_good_101_returns_the_frames_behind_it() -> None:
    frame = b"\x81\x05hello"
    with trio.fail_after(5):
        trailing = await upgrade_against(switching(*GOOD, then=frame))
    assert trailing == frame


async def test_request_on_the_wire() -> None:
    client, server = trio.testing.memory_stream_pair()
    served = Served()
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(serve_one, server, switching(*GOOD), served)
            assert await upgrade(client, handshake_for(8000), receive_buffer_size=BUFFER) == b""
            nursery.cancel_scope.cancel()
    (request,) = served.requests
    lines = request.decode().split("\r\n")
    assert lines[0] == "GET /v1/realtime?model=m HTTP/1.1"
    assert "Host: 127.0.0.1:8000" in lines
    assert f"Authorization: Bearer {API_KEY}" in lines
    assert "Sec-WebSocket-Version: 13" in lines


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (switching(*GOOD, accept=False), "wrong Sec-WebSocket-Accept"),
        (switching(*GOOD, "Sec-WebSocket-Accept: dGhpcyBpcyBub3QgaXQ="), "Sec-WebSocket-Accept"),
        (switching("Connection: Upgrade"), "lacks 'Upgrade: websocket'"),
        (switching("Upgrade: websocket"), "lacks 'Connection: Upgrade'"),
        (switching(*GOOD, "Sec-WebSocket-Extensions: permessage-deflate"), "extension"),
        (switching(*GOOD, "Sec-WebSocket-Protocol: chat"), "subprotocol"),
        (raw(b"HTTP/1.1 101 Switching Protocols\r\nnot a header\r\n\r\n"), "malformed"),
    ],
)
async def test_invalid_101_answers_are_refused_by_name(answer: Answer, words: str) -> None:
    with trio.fail_after(5), pytest.raises(rt.ConnectError) as info:
        await upgrade_against(answer)
    assert words in str(info.value)
    assert "ws://127.0.0.1:80/v1/realtime" in str(info.value)
    assert not isinstance(info.value, rt.ConnectTimeout | rt.HandshakeRejected)


async def test_interim_answers_are_skipped() -> None:
    continue_ = head("HTTP/1.1 100 Continue")

    async def answer(stream: trio.abc.Stream, key: bytes) -> None:
        await stream.send_all(continue_)
        await switching(*GOOD, then=b"x")(stream, key)

    with trio.fail_after(5):
        assert await upgrade_against(answer) == b"x"


@pytest.mark.parametrize("data", [b"", b"HTTP/1.1 10"])
async def test_hang_up_before_an_answer(data: bytes) -> None:
    with trio.fail_after(5), pytest.raises(rt.ConnectError) as info:
        await upgrade_against(raw(data, hang_up=True))
    assert "closed the connection during the handshake" in str(info.value)
    assert not isinstance(info.value, rt.ConnectTimeout | rt.HandshakeRejected)


async def test_upgrade_does_not_close_the_stream() -> None:
    client, server = trio.testing.memory_stream_pair()
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(serve_one, server, refusal(401, b""), Served())
            with pytest.raises(rt.AuthenticationError):
                await upgrade(client, handshake_for(), receive_buffer_size=BUFFER)
            await client.send_all(b"still open")
            nursery.cancel_scope.cancel()


# -------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, rt.BadRequestError),
        (401, rt.AuthenticationError),
        (403, rt.PermissionDeniedError),
        (404, rt.NotFoundError),
        (409, rt.BadRequestError),
        (429, rt.RateLimitError),
        (500, rt.ServerError),
        (502, rt.ServerError),
        (503, rt.ServerError),
    ],
)
async def test_refusal_by_status(status: int, error_class: type[rt.HandshakeRejected]) -> None:
    with trio.fail_after(5), pytest.raises(error_class) as info:
        await upgrade_against(refusal(status, json_error(status)))
    assert info.value.status == status
    assert info.value.request_id == "req_123"
    assert info.value.error == {"error": {"message": f"status {status}", "code": "c"}}
    assert info.value.body == json_error(status)
    assert ("x-request-id", "req_123") in info.value.headers
    assert f"status {status}" in str(info.value)


async def test_refusal_with_a_plain_body() -> None:
    with trio.fail_after(5), pytest.raises(rt.ServerError) as info:
        await upgrade_against(refusal(502, b"bad gateway"))
    assert info.value.error is None
    assert info.value.body == b"bad gateway"


async def test_refusal_cut_short_reports_what_came() -> None:
    answer = raw(
        head("HTTP/1.1 401 Unauthorized", "Content-Length: 100") + b"partial", hang_up=True
    )
    with trio.fail_after(5), pytest.raises(rt.AuthenticationError) as info:
        await upgrade_against(answer)
    assert info.value.body == b"partial"


# ------------------------------------------------- finding 4: bounded refusal body


def endless(head_bytes: bytes, chunk: bytes, *, pause: float = 0) -> Answer:
    """The head, then ``chunk`` forever (every ``pause`` seconds)."""

    async def answer(stream: trio.abc.Stream, key: bytes) -> None:
        await stream.send_all(head_bytes)
        while True:
            await stream.send_all(chunk)
            if pause:
                await trio.sleep(pause)

    return answer


async def test_huge_announced_body_is_capped(autojump_clock: trio.testing.MockClock) -> None:
    # The old client read all of an 8 GiB body into memory; here it stops at the
    # cap, before the body timeout, with memory bounded. Lockstep: the server's
    # writes wait for our reads, as TCP's window would make them.
    answer = endless(
        head("HTTP/1.1 401 Unauthorized", f"Content-Length: {8 * 1024**3}"), b"x" * 65536
    )
    tracemalloc.start()
    try:
        with trio.fail_after(30), pytest.raises(rt.AuthenticationError) as info:
            await upgrade_against(answer, trio.testing.lockstep_stream_pair)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert trio.current_time() < DEFAULT_REJECTION_BODY_TIMEOUT  # the cap ended it
    assert len(info.value.body) == DEFAULT_MAX_REJECTION_BODY
    assert info.value.status == 401
    assert peak < 8 * 1024 * 1024


async def test_smaller_cap_is_honoured() -> None:
    answer = endless(head("HTTP/1.1 401 Unauthorized", "Content-Length: 100000"), b"y" * 10)
    with trio.fail_after(5), pytest.raises(rt.AuthenticationError) as info:
        await upgrade_against(answer, max_rejection_body=25)
    assert info.value.body == b"y" * 25


async def test_body_without_length_on_an_open_socket(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # No Content-Length, no chunking: the body ends only when the server closes,
    # which it never does. The status must survive the body timeout.
    answer = raw(head("HTTP/1.1 401 Unauthorized") + b'{"error": {"mess')
    with trio.fail_after(30), pytest.raises(rt.AuthenticationError) as info:
        await upgrade_against(answer)
    assert trio.current_time() == pytest.approx(DEFAULT_REJECTION_BODY_TIMEOUT)
    assert info.value.body == b'{"error": {"mess'
    assert info.value.error is None


async def test_chunked_body_that_never_ends(autojump_clock: trio.testing.MockClock) -> None:
    answer = endless(
        head("HTTP/1.1 401 Unauthorized", "Transfer-Encoding: chunked"), b"2\r\nab\r\n", pause=0.5
    )
    with trio.fail_after(30), pytest.raises(rt.AuthenticationError) as info:
        await upgrade_against(answer, rejection_body_timeout=1.9)
    assert trio.current_time() == pytest.approx(1.9)
    assert info.value.body == b"ab" * 4  # at 0, 0.5, 1.0 and 1.5 s


async def test_normal_json_401_is_parsed() -> None:
    body = b'{"error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}}'
    with trio.fail_after(5), pytest.raises(rt.AuthenticationError) as info:
        await upgrade_against(refusal(401, body))
    assert info.value.error == {
        "error": {"message": "Incorrect API key provided", "code": "invalid_api_key"}
    }
    assert "Incorrect API key provided" in str(info.value)


async def test_connect_timeout_during_the_body_keeps_the_status(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    async def late(stream: trio.abc.Stream, key: bytes) -> None:
        await trio.sleep(0.5)
        await stream.send_all(head("HTTP/1.1 429 Too Many Requests") + b"slow")
        await trio.sleep_forever()

    port, served = await nursery.start(run_http_peer, late)
    with trio.fail_after(30), pytest.raises(rt.RateLimitError) as info:
        await open_upgraded_stream(
            handshake_for(port), ssl_context=None, connect_timeout=1.0, receive_buffer_size=BUFFER
        )
    # The body got what was left of connect_timeout, not its own two seconds.
    assert trio.current_time() == pytest.approx(1.0, abs=0.01)
    assert info.value.body == b"slow"
    with trio.fail_after(5):
        await served.client_gone.wait()


# ------------------------------------------------------ open_upgraded_stream, loopback


async def test_open_upgraded_stream_over_loopback(nursery: trio.Nursery) -> None:
    frame = b"\x81\x02hi"
    port, served = await nursery.start(run_http_peer, switching(*GOOD, then=frame))
    with trio.fail_after(5):
        stream, trailing = await open_upgraded_stream(
            handshake_for(port), ssl_context=None, connect_timeout=5, receive_buffer_size=BUFFER
        )
        assert trailing == frame
        assert isinstance(stream, trio.SocketStream)
        await stream.aclose()
        await served.client_gone.wait()
    assert f"Bearer {API_KEY}".encode() in served.requests[0]


@pytest.mark.parametrize(
    ("answer", "error_class"),
    [
        (refusal(401, json_error(401)), rt.AuthenticationError),
        (switching("Upgrade: websocket"), rt.ConnectError),
        (raw(b"", hang_up=True), rt.ConnectError),
    ],
)
async def test_open_upgraded_stream_closes_the_stream_on_failure(
    nursery: trio.Nursery, answer: Answer, error_class: type[rt.ConnectError]
) -> None:
    port, served = await nursery.start(run_http_peer, answer)
    with trio.fail_after(5):
        with pytest.raises(error_class) as info:
            await open_upgraded_stream(
                handshake_for(port), ssl_context=None, connect_timeout=5, receive_buffer_size=BUFFER
            )
        await served.client_gone.wait()
    assert not isinstance(info.value, rt.ConnectTimeout)


async def test_connect_timeout(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    async def silent(stream: trio.abc.Stream, key: bytes) -> None:
        await trio.sleep_forever()

    port, served = await nursery.start(run_http_peer, silent)
    with trio.fail_after(60), pytest.raises(rt.ConnectTimeout) as info:
        await open_upgraded_stream(
            handshake_for(port), ssl_context=None, connect_timeout=20, receive_buffer_size=BUFFER
        )
    assert trio.current_time() == pytest.approx(20, abs=0.01)
    assert "took longer than 20s" in str(info.value)
    with trio.fail_after(5):
        await served.client_gone.wait()


async def test_cancellation_closes_the_stream(nursery: trio.Nursery) -> None:
    async def silent(stream: trio.abc.Stream, key: bytes) -> None:
        await trio.sleep_forever()

    port, served = await nursery.start(run_http_peer, silent)
    with trio.fail_after(5):
        with trio.move_on_after(0.2):
            await open_upgraded_stream(
                handshake_for(port),
                ssl_context=None,
                connect_timeout=20,
                receive_buffer_size=BUFFER,
            )
        await served.client_gone.wait()


async def test_unreachable_host() -> None:
    port = await free_port()
    with trio.fail_after(5), pytest.raises(rt.HostUnreachableError) as info:
        await open_upgraded_stream(
            handshake_for(port), ssl_context=None, connect_timeout=5, receive_buffer_size=BUFFER
        )
    assert isinstance(info.value.__cause__, OSError)
    assert f"127.0.0.1:{port}" in str(info.value)


async def test_tls_failure(nursery: trio.Nursery) -> None:
    # A plaintext peer answers the ClientHello with HTTP: the TLS handshake fails.
    port = await nursery.start(run_hang_up_peer)
    with trio.fail_after(5), pytest.raises(rt.TLSError) as info:
        await open_upgraded_stream(
            handshake_for(port, scheme="https"),
            ssl_context=None,
            connect_timeout=5,
            receive_buffer_size=BUFFER,
        )
    assert "TLS handshake with 127.0.0.1 failed" in str(info.value)
