"""RFC 6455 rules of the connection as a whole, the binary-frame policy, and bad setup.

Issue 9, finding 7 (the connection's part; the frame rules are in
test_frames.py) and finding 9 (not under trio).
"""

from __future__ import annotations

import asyncio

import pytest
import trio
import trio.testing
from _wire import BINARY, CLOSE, TEXT, close_payload, delta, frame, pair

import trio_realtime as rt
from trio_realtime import events as ev


@pytest.fixture
def autojump_clock() -> trio.testing.MockClock:
    return trio.testing.MockClock(autojump_threshold=0)


async def _eof_after(stream: trio.abc.ReceiveStream) -> float:
    """Read until EOF; when it came."""
    while await stream.receive_some(65536):
        pass
    return trio.current_time()


async def test_after_the_close_handshake_the_server_closes_tcp_first(
    autojump_clock: trio.testing.MockClock,
) -> None:
    # RFC 6455 7.1.1: the client waits for the server to close TCP (bounded by
    # close_timeout) instead of dropping it the moment the handshake is done.
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery, close_timeout=5)
        await server.send(frame(CLOSE, close_payload(1000)))
        with pytest.raises(trio.EndOfChannel):
            await conn.receive()
        assert await server.read_frame() == (CLOSE, close_payload(1000))
        start = trio.current_time()
        with trio.move_on_after(3) as waited:
            await _eof_after(server.stream)
        assert waited.cancelled_caught, "the client closed TCP before the server did"
        await server.stream.aclose()  # now the client closes too
        await conn.aclose()
        assert trio.current_time() - start < 5


async def test_a_server_that_never_closes_tcp_is_dropped_after_close_timeout(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery, close_timeout=5)
        await server.send(frame(CLOSE, close_payload(1000)))
        start = trio.current_time()
        with pytest.raises(trio.EndOfChannel):
            await conn.receive()
        await server.read_frame()
        eof = await _eof_after(server.stream)
        assert 5 <= eof - start < 6
        await conn.aclose()


async def test_our_close_waits_for_the_servers_tcp_close(
    autojump_clock: trio.testing.MockClock,
) -> None:
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery, close_timeout=5)

        async def answer_then_close_late() -> None:
            assert await server.read_until(CLOSE) == close_payload(1000)
            await server.send(frame(CLOSE, close_payload(1000)))
            await trio.sleep(2)
            await server.stream.aclose()

        nursery.start_soon(answer_then_close_late)
        start = trio.current_time()
        await conn.aclose()
        assert 2 <= trio.current_time() - start < 3  # waited for the server, no longer


async def test_a_binary_message_arrives_as_an_invalid_event_and_the_session_goes_on() -> None:
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery)
        await server.send(frame(BINARY, b"\x00\x01 not json"), frame(TEXT, delta(1)))
        odd = await conn.receive()
        assert isinstance(odd, ev.InvalidEvent)
        assert odd.raw == b"\x00\x01 not json"
        assert "binary" in str(odd.error)
        assert isinstance(await conn.receive(), ev.ResponseOutputTextDelta)
        assert conn.statistics().invalid_events == 1
        nursery.cancel_scope.cancel()


async def test_a_binary_message_raises_in_strict_mode() -> None:
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery, strict=True)
        await server.send(frame(BINARY, b"{}"), frame(TEXT, delta(1)))
        with pytest.raises(rt.EventDecodeError, match="binary"):
            await conn.receive()
        assert isinstance(await conn.receive(), ev.ResponseOutputTextDelta)
        nursery.cancel_scope.cancel()


def test_under_asyncio_the_error_names_the_problem() -> None:
    client = rt.Client(api_key="sk-test", base_url="http://127.0.0.1:9/v1")

    async def main() -> None:
        async with rt.open_realtime(client, "gpt-realtime"):
            pass  # pragma: no cover

    with pytest.raises(rt.RealtimeError, match=r"under asyncio.*trio\.run"):
        asyncio.run(main())


def test_outside_any_event_loop_the_error_names_the_problem() -> None:
    client = rt.Client(api_key="sk-test", base_url="http://127.0.0.1:9/v1")
    coro = rt.connect_realtime(None, client, "gpt-realtime")  # type: ignore[arg-type]
    with pytest.raises(rt.RealtimeError, match="outside any event loop"):
        coro.send(None)
    coro.close()


@pytest.mark.parametrize(
    ("keyword", "value", "words"),
    [
        ("ping_interval", 0, "ping_interval must be a number of seconds > 0 or None"),
        ("ping_timeout", -1, "ping_timeout"),
        ("close_timeout", None, "close_timeout must be a number of seconds > 0"),
        ("connect_timeout", float("nan"), "connect_timeout"),
        ("send_buffer_size", -1, "send_buffer_size must be an int >= 0"),
        ("message_queue_size", 0, "message_queue_size must be an int >= 1"),
        ("max_message_size", 1.5, "max_message_size"),
        ("strict", "yes", "strict must be True or False"),
    ],
)
def test_bad_keywords_fail_at_the_call(keyword: str, value: object, words: str) -> None:
    client = rt.Client(api_key="sk-test")
    with pytest.raises(rt.ConfigurationError, match=words.replace("(", r"\(")):
        rt.open_realtime(client, "gpt-realtime", **{keyword: value})  # type: ignore[arg-type]
    with pytest.raises(rt.ConfigurationError):
        rt.open_translation(client, "gpt-realtime-translate", **{keyword: value})  # type: ignore[arg-type]
