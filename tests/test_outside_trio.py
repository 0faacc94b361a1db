"""Every opener, called under asyncio or with no event loop at all, raises a
`RealtimeError` that says trio is needed and how to start it (not an
``AttributeError`` from inside trio)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
import trio

import trio_realtime as rt
from trio_realtime import rest
from trio_realtime.testing import open_fake_server

CLIENT = rt.Client(api_key="sk-test", base_url="http://127.0.0.1:9/v1")


async def _enter(manager: AbstractAsyncContextManager[Any]) -> None:
    async with manager:
        raise AssertionError("entered outside trio")  # pragma: no cover


OPENERS: dict[str, Callable[[], Awaitable[object]]] = {
    "open_realtime": lambda: _enter(rt.open_realtime(CLIENT, "gpt-realtime-2.1")),
    "open_translation": lambda: _enter(rt.open_translation(CLIENT, "gpt-realtime-2.1")),
    "open_fake_server": lambda: _enter(open_fake_server()),
    "connect_realtime": lambda: rt.connect_realtime(None, CLIENT, "gpt-realtime-2.1"),  # type: ignore[arg-type]
    # Before the fix these entered fine and the first call raised trio's
    # "must be called from async context" (or sniffio's error with no loop).
    "open_rest": lambda: _enter(rest.open_rest(CLIENT)),
    "open_rest_transport": lambda: _enter(rest.open_rest_transport(CLIENT)),
}


def _drive_without_loop(awaitable: Awaitable[object]) -> None:
    """Step a coroutine by hand: no event loop of any kind is running."""
    coro: Any = awaitable
    try:
        coro.send(None)
    finally:
        coro.close()


@pytest.mark.parametrize("opener", sorted(OPENERS))
def test_under_asyncio(opener: str) -> None:
    async def main() -> None:
        await OPENERS[opener]()

    with pytest.raises(
        rt.RealtimeError, match=rf"{opener}\(\S*\) was called under asyncio.*trio\.run"
    ):
        asyncio.run(main())


@pytest.mark.parametrize("opener", sorted(OPENERS))
def test_outside_any_event_loop(opener: str) -> None:
    with pytest.raises(
        rt.RealtimeError, match=rf"{opener}\(\S*\) was called outside any event loop"
    ):
        _drive_without_loop(OPENERS[opener]())


async def test_open_agent_outside_trio() -> None:
    # A connection exists only inside trio, so the agent is entered from a worker
    # thread of a trio run: once under asyncio, once with no loop at all.
    def under_asyncio(conn: rt.RealtimeConnection) -> None:
        with pytest.raises(rt.RealtimeError, match=r"open_agent\(\.\.\.\).* under asyncio"):
            asyncio.run(_enter(rt.open_agent(conn)))

    def without_loop(conn: rt.RealtimeConnection) -> None:
        with pytest.raises(rt.RealtimeError, match=r"open_agent.* outside any event loop"):
            _drive_without_loop(_enter(rt.open_agent(conn)))

    with trio.fail_after(30):
        async with (
            open_fake_server() as server,
            rt.open_realtime(server.client(), "gpt-realtime-2.1") as conn,
        ):
            await trio.to_thread.run_sync(under_asyncio, conn)
            await trio.to_thread.run_sync(without_loop, conn)
            # Nothing was attached or sent: the agent never started.
            assert conn.statistics().events_sent == 0
