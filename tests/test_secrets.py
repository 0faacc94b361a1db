"""Secrets stay secret in tracebacks (issue 9, finding 3).

Error reporters that capture locals (Sentry does by default) record the repr of
every local of every frame of an exception's traceback, through ``__cause__``,
``__context__`` and exception-group members. Each error path here is rendered
that way, and the key must appear nowhere.
"""

from __future__ import annotations

import functools
import re
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import trio
import trio.testing
from _http_peer import (
    API_KEY,
    GOOD,
    Answer,
    free_port,
    json_error,
    raw,
    refusal,
    run_hang_up_peer,
    run_http_peer,
    switching,
)

import trio_realtime as rt
from trio_realtime._client import Client, prepare_handshake, resolve_client
from trio_realtime._handshake import Handshake
from trio_realtime._secret import Secret
from trio_realtime._upgrade import open_upgraded_stream, upgrade

#: What must never show: the key, and the key without its ``sk-`` prefix.
NEEDLES = (API_KEY, API_KEY.removeprefix("sk-"))


def render(exc: BaseException, skip_files: frozenset[str] | set[str] = frozenset()) -> str:
    """Everything a locals-capturing reporter could record about ``exc``'s chain.

    Walks ``__cause__`` and ``__context__`` whatever ``__suppress_context__``
    says, and the members of exception groups.
    """
    parts: list[str] = []
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        rendered = traceback.TracebackException(
            type(current), current, current.__traceback__, capture_locals=True
        )
        for frame in rendered.stack:
            # This file's own frames hold the key on purpose (to hand it over).
            if frame.filename == __file__ or frame.filename in skip_files:
                frame.locals = None
        parts.extend(rendered.format(chain=False))
        parts.extend((repr(current), str(current), repr(vars(current))))
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]
    return "\n".join(parts)


def assert_clean(exc: BaseException, skip_files: frozenset[str] | set[str] = frozenset()) -> None:
    text = render(exc, skip_files)
    # The test itself must see locals, or it would prove nothing.
    assert re.search(r"^ {4,}\w+ = ", text, re.MULTILINE), text[:2000]
    for needle in NEEDLES:
        assert needle not in text, text[max(0, text.find(needle) - 1500) : text.find(needle) + 200]


async def caught(call: Callable[[], Awaitable[object]]) -> BaseException:
    """The exception ``call`` raises (it must raise)."""
    try:
        await call()
    except BaseException as exc:  # Cancelled too: the scrub is tested on it
        return exc
    raise AssertionError("expected an exception")


def client(port: int = 80, **kwargs: Any) -> Client:
    return Client(api_key=API_KEY, base_url=f"http://127.0.0.1:{port}/v1", **kwargs)


async def handshake(port: int = 80, scheme: str = "http") -> Handshake:
    return await prepare_handshake(
        Client(api_key=API_KEY, base_url=f"{scheme}://127.0.0.1:{port}/v1"), model="m"
    )


async def open_against(nursery: trio.Nursery, answer: Answer, **options: Any) -> BaseException:
    port, _ = await nursery.start(run_http_peer, answer)
    hs = await handshake(port)
    return await caught(
        functools.partial(
            open_upgraded_stream,
            hs,
            ssl_context=None,
            connect_timeout=options.get("connect_timeout", 5),
            receive_buffer_size=65536,
        )
    )


# ------------------------------------------------- through open_upgraded_stream


@pytest.mark.parametrize("status", [400, 401, 403, 404, 429, 500])
async def test_refusals(nursery: trio.Nursery, status: int) -> None:
    with trio.fail_after(5):
        exc = await open_against(nursery, refusal(status, json_error(status)))
    assert isinstance(exc, rt.HandshakeRejected)
    assert exc.status == status
    assert_clean(exc)


@pytest.mark.parametrize(
    "answer",
    [
        switching("Upgrade: websocket"),
        switching(*GOOD, accept=False),
        raw(b"HTTP/1.1 101 Switching Protocols\r\nnot a header\r\n\r\n"),
    ],
)
async def test_bad_101(nursery: trio.Nursery, answer: Answer) -> None:
    with trio.fail_after(5):
        exc = await open_against(nursery, answer)
    assert type(exc) is rt.ConnectError
    assert_clean(exc)


async def test_eof_mid_handshake(nursery: trio.Nursery) -> None:
    with trio.fail_after(5):
        exc = await open_against(nursery, raw(b"HTTP/1.1 40", hang_up=True))
    assert type(exc) is rt.ConnectError
    assert_clean(exc)


async def test_connect_timeout(
    nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
) -> None:
    with trio.fail_after(60):
        exc = await open_against(nursery, raw(b""), connect_timeout=1)
    assert isinstance(exc, rt.ConnectTimeout)
    assert_clean(exc)


async def test_unreachable_host() -> None:
    hs = await handshake(await free_port())
    with trio.fail_after(5):
        exc = await caught(
            functools.partial(
                open_upgraded_stream, hs, ssl_context=None, connect_timeout=5, receive_buffer_size=1
            )
        )
    assert isinstance(exc, rt.HostUnreachableError)
    assert_clean(exc)


async def test_tls_failure(nursery: trio.Nursery) -> None:
    port = await nursery.start(run_hang_up_peer)
    hs = await handshake(port, scheme="https")
    with trio.fail_after(5):
        exc = await caught(
            functools.partial(
                open_upgraded_stream, hs, ssl_context=None, connect_timeout=5, receive_buffer_size=1
            )
        )
    assert isinstance(exc, rt.TLSError)
    assert_clean(exc)


class BreakingStream(trio.abc.Stream):
    """A stream whose ``send_all`` keeps the bytes in a local, then fails."""

    def __init__(self, failure: Callable[[], BaseException] | None) -> None:
        self.failure = failure

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        pending = bytes(data)  # the local a traceback would show
        assert API_KEY.encode() in pending
        if self.failure is None:
            await trio.sleep_forever()
        await trio.lowlevel.checkpoint()
        raise self.failure()

    async def wait_send_all_might_not_block(self) -> None:
        await trio.lowlevel.checkpoint()

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        await trio.sleep_forever()
        raise AssertionError  # pragma: no cover

    async def aclose(self) -> None:
        await trio.lowlevel.checkpoint()


@pytest.mark.parametrize(
    "failure",
    [
        lambda: trio.BrokenResourceError("connection reset"),
        trio.ClosedResourceError,
        lambda: OSError(104, "Connection reset by peer"),
    ],
)
async def test_send_all_breaks_while_writing_the_request(
    failure: Callable[[], BaseException],
) -> None:
    hs = await handshake()
    with trio.fail_after(5):
        exc = await caught(
            functools.partial(upgrade, BreakingStream(failure), hs, receive_buffer_size=1)
        )
    assert type(exc) is rt.ConnectError
    assert "sending the upgrade request failed" in str(exc)
    assert_clean(exc)


async def test_cancelled_while_writing_the_request_is_trimmed() -> None:
    # A Cancelled cannot be replaced, only stripped of the frames below the send.
    hs = await handshake()
    seen: list[BaseException] = []
    with trio.fail_after(5), trio.move_on_after(0.1):
        try:
            await upgrade(BreakingStream(None), hs, receive_buffer_size=1)
        except trio.Cancelled as exc:
            seen.append(exc)
            raise
    (exc,) = seen
    assert_clean(exc)


# ------------------------------------------------------ through prepare_handshake


async def test_insecure_transport() -> None:
    remote = Client(api_key=API_KEY, base_url="http://example.com/v1")
    exc = await caught(functools.partial(prepare_handshake, remote, model="m"))
    assert isinstance(exc, rt.InsecureTransportError)
    assert_clean(exc)


@pytest.mark.parametrize("where", ["api_key", "provider", "extra_headers"])
async def test_key_with_a_trailing_newline(where: str) -> None:
    bad = API_KEY + "\n"
    if where == "extra_headers":
        source = Client()
        extra = {"Authorization": f"Bearer {bad}"}
    else:
        source = Client(api_key=(lambda: bad) if where == "provider" else bad)
        extra = None
    exc = await caught(functools.partial(prepare_handshake, source, extra_headers=extra))
    assert isinstance(exc, rt.InvalidHeaderError)
    assert_clean(exc)


async def test_key_with_a_trailing_newline_in_default_headers() -> None:
    async def build() -> Client:
        await trio.lowlevel.checkpoint()
        return Client(default_headers={"Authorization": f"Bearer {API_KEY}\n"})

    exc = await caught(build)
    assert isinstance(exc, rt.InvalidHeaderError)
    # The dataclass-generated __init__ holds the caller's own mapping as its
    # parameter; no frame of ours (``__post_init__``, the checks) may.
    assert_clean(exc, skip_files={"<string>"})


async def test_provider_that_raises() -> None:
    def provider() -> str:
        raise RuntimeError("the vault is sealed")

    exc = await caught(functools.partial(prepare_handshake, Client(api_key=provider), model="m"))
    assert isinstance(exc, RuntimeError)
    assert_clean(exc)


@pytest.mark.parametrize("wrong", [API_KEY.encode(), [API_KEY], {"key": API_KEY}])
async def test_provider_returning_a_wrong_type(wrong: object) -> None:
    async def provider() -> object:
        await trio.lowlevel.checkpoint()
        return wrong

    exc = await caught(
        functools.partial(prepare_handshake, Client(api_key=provider), model="m")  # type: ignore[arg-type]
    )
    assert isinstance(exc, rt.ConfigurationError)
    assert_clean(exc)


async def test_sdk_shaped_client_errors() -> None:
    class SDKLike:  # the SDK's clients have the default object repr
        api_key = API_KEY + "\r\n"
        base_url = "https://example.com"
        default_headers: dict[str, str] = {}

    fake = SDKLike()
    exc = await caught(functools.partial(prepare_handshake, fake, model="m"))
    assert isinstance(exc, rt.InvalidHeaderError)
    assert_clean(exc)


# --------------------------------------------------------------------------- reprs


async def test_reprs() -> None:
    own = Client(api_key=API_KEY, default_headers={"Authorization": f"Bearer {API_KEY}"})
    hs = await prepare_handshake(own, model="m", extra_headers={"Cookie": API_KEY})
    settings = await resolve_client(own)
    secret = Secret(API_KEY)
    for thing in (own, hs, settings, secret, hs.headers, settings.auth_headers):
        for text in (repr(thing), str(thing), f"{thing}", repr([thing])):
            for needle in NEEDLES:
                assert needle not in text
    assert repr(secret) == str(secret) == "<redacted>"
    assert secret == Secret(API_KEY)
    assert secret != API_KEY
    assert secret.reveal() == API_KEY


# ------------------------------------------------------ through rt.open_realtime


class TestThroughOpenRealtime:
    """The same paths through `rt.open_realtime`, the way users meet them.

    (On the code before issue 9 the refusal, bad-101 and EOF cases failed: the
    old handshake kept the request headers in its frame.)
    """

    async def _open(self, port: int, **kwargs: Any) -> BaseException:
        async def enter() -> None:
            async with rt.open_realtime(client(port), "m", **kwargs):
                pass  # pragma: no cover

        return await caught(enter)

    async def test_refusal(self, nursery: trio.Nursery) -> None:
        port, _ = await nursery.start(run_http_peer, refusal(401, json_error(401)))
        with trio.fail_after(5):
            exc = await self._open(port)
        assert isinstance(exc, rt.AuthenticationError)
        assert_clean(exc)

    async def test_bad_101(self, nursery: trio.Nursery) -> None:
        port, _ = await nursery.start(run_http_peer, switching("Upgrade: websocket"))
        with trio.fail_after(5):
            exc = await self._open(port)
        assert type(exc) is rt.ConnectError
        assert_clean(exc)

    async def test_eof_mid_handshake(self, nursery: trio.Nursery) -> None:
        port, _ = await nursery.start(run_http_peer, raw(b"", hang_up=True))
        with trio.fail_after(5):
            exc = await self._open(port)
        assert type(exc) is rt.ConnectError
        assert_clean(exc)

    async def test_connect_timeout(
        self, nursery: trio.Nursery, autojump_clock: trio.testing.MockClock
    ) -> None:
        port, _ = await nursery.start(run_http_peer, raw(b""))
        with trio.fail_after(60):
            exc = await self._open(port, connect_timeout=1)
        assert isinstance(exc, rt.ConnectTimeout)
        assert_clean(exc)

    async def test_unreachable_host(self) -> None:
        with trio.fail_after(5):
            exc = await self._open(await free_port())
        assert isinstance(exc, rt.HostUnreachableError)
        assert_clean(exc)

    async def test_invalid_key(self) -> None:
        bad = Client(api_key=API_KEY + "\n", base_url="http://127.0.0.1:1/v1")

        async def enter() -> None:
            async with rt.open_realtime(bad, "m"):
                pass  # pragma: no cover

        exc = await caught(enter)
        assert isinstance(exc, rt.InvalidHeaderError)
        assert_clean(exc)
