"""The fake server's layout: engines that need no socket, and no import cycles.

The Realtime `Engine` (and the Live one) talk to a `Peer`; here a list stands
in for the WebSocket, so the protocol behaviour is tested without a
connection. A static check keeps ``trio_realtime.testing``'s modules in a
strict order (no module imports one that imports it back, not even for type
checking) and keeps socket libraries out of the engines.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
import trio
import trio.testing
from _memory_fake import ListPeer

from trio_realtime import events as ev
from trio_realtime.live import SessionStart, SessionStarted
from trio_realtime.live._config import SessionConfig
from trio_realtime.testing import FakeServer
from trio_realtime.testing._engine import Engine
from trio_realtime.testing._live import LiveEndpoint, LiveSessions
from trio_realtime.testing._state import AUTO_ID, EventIds, ServerState

TESTING = Path(__file__).parent.parent / "trio_realtime" / "testing"

#: Modules that hold protocol behaviour: they must not touch sockets or HTTP.
SOCKET_FREE = (
    "_state",
    "_session_state",
    "_responses",
    "_engine",
    "_lifetime",
    "_live",
    "_translation",
    "_script",
    "_vad",
    "_strict",
    "_invalid",
)
SOCKET_MODULES = {"trio_websocket", "h11", "socket", "ssl"}


def _imports(module: str) -> set[str]:
    """The modules of ``trio_realtime.testing`` and the outside ones ``module`` imports."""
    tree = ast.parse((TESTING / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                found.add(node.module or "")
            elif node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
    return found


def test_the_testing_package_has_no_import_cycle() -> None:
    modules = {p.stem for p in TESTING.glob("*.py") if p.stem != "__init__"}
    graph = {m: {i for i in _imports(m) if i in modules} for m in modules}
    # Depth-first search for a back edge; report the cycle found.
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*path[path.index(nxt) :], nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for module in sorted(modules):
        if module not in state:
            visit(module)


@pytest.mark.parametrize("module", SOCKET_FREE)
def test_engine_modules_do_not_import_sockets(module: str) -> None:
    """Not directly, and not through another module of the package."""
    modules = {p.stem for p in TESTING.glob("*.py") if p.stem != "__init__"}
    seen: set[str] = set()
    todo = [module]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        found = _imports(current)
        assert found & SOCKET_MODULES == set(), f"{module} reaches sockets through {current}"
        todo.extend(found & modules)


def test_event_ids_stamp_only_unstamped_events() -> None:
    ids = EventIds()
    first = ids.stamp(ev.InputAudioBufferCleared(event_id=AUTO_ID))
    chosen = ids.stamp(ev.InputAudioBufferCleared(event_id="mine"))
    second = ids.stamp(ev.InputAudioBufferCleared(event_id=AUTO_ID))
    assert (first.event_id, chosen.event_id, second.event_id) == (
        "event_0001",
        "mine",
        "event_0002",
    )


async def test_the_realtime_engine_answers_a_text_turn_without_a_socket() -> None:
    server = ServerState(delta_size=4)
    peer = ListPeer()
    engine = Engine(server, peer, model="gpt-realtime")
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            await engine.start(nursery)
            await engine.handle(
                ev.ConversationItemCreate(item=ev.UserMessage.text("hello"), event_id="c1")
            )
            await engine.handle(
                ev.ResponseCreate(response=ev.ResponseParams(output_modalities=["text"]))
            )
    assert peer.types() == [
        "session.created",
        "conversation.item.added",
        "conversation.item.done",
        "response.created",
        "rate_limits.updated",
        "response.output_item.added",
        "conversation.item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * 4,  # "You said: hello" in pieces of 4
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "conversation.item.done",
        "response.done",
    ]
    # One sequence of ids, stamped on the way out.
    assert [e.event_id for e in peer.sent] == [f"event_{n:04d}" for n in range(1, 18)]
    text = "".join(e.delta for e in peer.sent if isinstance(e, ev.ResponseOutputTextDelta))
    done = peer.sent[-1]
    assert isinstance(done, ev.ResponseDone)
    assert done.response.status == "completed"
    assert text == "You said: hello"
    assert [getattr(i, "role", None) for i in engine.conversation] == ["user", "assistant"]


async def test_a_response_stops_quietly_when_the_peer_goes(autojump_clock: Any) -> None:
    server = ServerState(delta_size=1, delta_interval=0.1)
    server.script("abcdefgh")
    peer = ListPeer()
    engine = Engine(server, peer, model="gpt-realtime")

    async def leave() -> None:
        await trio.sleep(0.35)
        peer.closed = True

    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            await engine.start(nursery)
            await engine.handle(
                ev.ResponseCreate(response=ev.ResponseParams(output_modalities=["text"]))
            )
            nursery.start_soon(leave)
    assert engine.responses.active is None
    assert "response.done" not in peer.types()
    # Deltas at 0, 0.1, 0.2 and 0.3 s; the fifth finds the client gone.
    assert peer.types().count("response.output_text.delta") == 4


async def test_session_duration_expires_through_the_peer(autojump_clock: Any) -> None:
    server = ServerState()
    server.faults.session_duration = 30.0
    peer = ListPeer()
    engine = Engine(server, peer, model="gpt-realtime")
    with trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            await engine.start(nursery)
            await peer.gone.wait()
            nursery.cancel_scope.cancel()
    assert trio.current_time() == 30.0
    assert peer.types() == ["session.created", "error"]
    assert peer.sent[-1].error.code == "session_expired"
    assert peer.close_codes == [1000]
    assert engine.expired


async def test_the_live_engine_starts_a_session_without_a_socket() -> None:
    server = ServerState()
    sessions: LiveSessions = {}
    peer = ListPeer(number=7)
    endpoint = LiveEndpoint(server, sessions, peer, "/v1/live/sessions")
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            await endpoint.start(nursery)
            await endpoint.handle(SessionStart(session=SessionConfig(model="gpt-live-1")))
            await endpoint.stop()
    started = peer.sent[0]
    assert isinstance(started, SessionStarted)
    assert started.session.id == "live_fake0007"
    assert started.event_id == "ev_live0001"
    assert peer.types()[-1] == "session.closed"
    assert sessions == {}  # not stored: gone with its connection


def test_a_fake_server_is_the_state_its_engines_see() -> None:
    server = FakeServer(delta_size=3)
    assert isinstance(server, ServerState)
    server.script("Hi")
    assert server.next_reply() == "Hi"
    assert server.new_id("item") == "item_0001"
