"""A pytest plugin: the ``fake_server`` fixture, an entered `FakeServer` per test.

pytest loads it by itself once trio-realtime is installed (the ``pytest11``
entry point ``trio_realtime``); ``-p no:trio_realtime`` turns it off, and with
plugin autoloading disabled ``-p trio_realtime.testing.pytest_plugin`` turns
it on. The fixture is async, so it needs `pytest-trio
<https://pytest-trio.readthedocs.io>`_ (``trio_mode = true``, or
``@pytest.mark.trio`` on the test)::

    import pytest
    import trio_realtime as rt
    from trio_realtime.testing import FakeServer


    async def test_greeting(fake_server: FakeServer) -> None:
        fake_server.script("Hello!")
        async with (
            rt.open_realtime(fake_server.client(), "gpt-realtime-2.1") as conn,
            rt.open_agent(conn) as agent,
        ):
            assert (await agent.ask("Hi")).transcript == "Hello!"


    @pytest.mark.fake_server(strict=False)
    async def test_a_made_up_model(fake_server: FakeServer) -> None:
        async with rt.open_realtime(fake_server.client(), "my-model") as conn:
            assert conn.url.endswith("model=my-model")

``@pytest.mark.fake_server(**keywords)`` on a test (or a class, or a module's
``pytestmark``) passes ``keywords`` to `open_fake_server`, the nearest marker
winning for each keyword: ``@pytest.mark.fake_server(strict=False)`` for
made-up model names, ``faults=Faults(close_after=3)``, ``delta_size=4``...
The server stops when the test ends; an error inside it (a failing responder,
say) fails the test.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ._server import FakeServer, open_fake_server

__all__ = ["fake_server", "pytest_configure"]

_MARKER = "fake_server"


def pytest_configure(config: pytest.Config) -> None:
    """Register the ``fake_server`` marker (so ``--strict-markers`` knows it)."""
    config.addinivalue_line(
        "markers",
        f"{_MARKER}(**keywords): keywords for open_fake_server() in the fake_server fixture",
    )


def _keywords(request: pytest.FixtureRequest) -> dict[str, Any]:
    keywords: dict[str, Any] = {}
    # iter_markers yields the nearest first; apply the farthest first so it wins.
    for marker in reversed(list(request.node.iter_markers(_MARKER))):
        if marker.args:
            raise TypeError(
                f"@pytest.mark.{_MARKER} takes keywords only (such as strict=False), "
                f"not {marker.args!r}"
            )
        keywords.update(marker.kwargs)
    try:
        inspect.signature(open_fake_server).bind(**keywords)
    except TypeError as exc:
        raise TypeError(
            f"@pytest.mark.{_MARKER}: {exc}; it takes the keywords of open_fake_server()"
        ) from None
    return keywords


@pytest.fixture
async def fake_server(request: pytest.FixtureRequest) -> AsyncIterator[FakeServer]:
    """A running `FakeServer` for this test; ``fake_server.client()`` talks to it."""
    async with open_fake_server(**_keywords(request)) as server:
        yield server
