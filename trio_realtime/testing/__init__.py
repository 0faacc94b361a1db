"""Test helpers: an in-process fake of the OpenAI Realtime API.

``async with open_fake_server() as server:`` listens on a loopback port for the
duration of the block and speaks the Realtime protocol with deterministic,
scriptable replies, so applications can be tested offline::

    import trio
    import trio_realtime as rt
    from trio_realtime.testing import open_fake_server


    async def main() -> None:
        async with open_fake_server() as server:
            server.script("Hi there!")  # the next reply, instead of the echo
            async with (
                rt.open_realtime(server.client(), "gpt-realtime-2.1") as conn,
                rt.open_agent(conn) as agent,
            ):
                reply = await agent.ask("Hello?")
        assert reply.transcript == "Hi there!"  # it spoke (audio is the default)


    trio.run(main)

A strict server (the default) knows the model names the ``openai`` SDK lists
and refuses others as the service does: Realtime sessions such as
``gpt-realtime-2.1`` and ``gpt-realtime-2.1-mini``, input transcription such
as ``gpt-transcribe`` and ``gpt-live-transcribe``, GPT-Live's ``gpt-live-1``,
and translation's ``gpt-realtime-translate`` (older names the SDK still lists
are known too); ``open_fake_server(strict=False)`` takes made-up ones. The
tutorial page :doc:`Testing your application </tutorial/testing>` shows more.

The same port serves the REST endpoints (client secrets, calls) and rings a
webhook URL with a signed incoming call (``server.rest.incoming_call(url)``).
It needs only the library's own dependencies. Under pytest with pytest-trio,
the ``fake_server`` fixture of ``trio_realtime.testing.pytest_plugin`` (loaded
by itself once trio-realtime is installed) is such a server, one per test.
"""

from __future__ import annotations

from ._connection import FakeConnection as FakeConnection
from ._rest import DEFAULT_WEBHOOK_SECRET as DEFAULT_WEBHOOK_SECRET
from ._rest import FakeCall as FakeCall
from ._rest import FakeRest as FakeRest
from ._rest import MintedSecret as MintedSecret
from ._script import Reply as Reply
from ._script import Responder as Responder
from ._script import ToolCall as ToolCall
from ._script import Turn as Turn
from ._script import echo_responder as echo_responder
from ._script import tool_rule_responder as tool_rule_responder
from ._server import FakeServer as FakeServer
from ._server import open_fake_server as open_fake_server
from ._session_state import DEFAULT_INSTRUCTIONS as DEFAULT_INSTRUCTIONS
from ._state import DEFAULT_API_KEY as DEFAULT_API_KEY
from ._state import Faults as Faults
from ._state import PeerGone as PeerGone

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_INSTRUCTIONS",
    "DEFAULT_WEBHOOK_SECRET",
    "FakeCall",
    "FakeConnection",
    "FakeRest",
    "FakeServer",
    "Faults",
    "MintedSecret",
    "PeerGone",
    "Reply",
    "Responder",
    "ToolCall",
    "Turn",
    "echo_responder",
    "open_fake_server",
    "tool_rule_responder",
]
