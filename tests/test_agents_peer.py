"""openai-agents runs a realtime tool turn against ``serve-fake --tool-call``.

An outside client judges the fake's tool turn: openai-agents' ``RealtimeRunner``
(asyncio, its own websockets client) connects to the standalone fake server, which
is scripted from the command line to call ``get_weather`` with ``{"city": "Paris"}``.
The agent must run its function tool with those arguments, send the output back,
and then see the answer the fake builds from that output.

Both sides are subprocesses of the test: the fake (``serve-fake``) and the agent
(this file run as a script, which prints what it saw as JSON). Running asyncio and
openai-agents inside the pytest process made a later test's serve-fake child miss
its SIGINT (tests/test_cli.py), so the agent gets a process of its own.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from pathlib import Path
from typing import Any

import pytest
import trio
from _serve_fake import start_serve_fake

pytestmark = pytest.mark.schema

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 10.0
QUESTION = "What is the weather in Paris?"
WEATHER = "sunny and 21 C in Paris"
# The fake's answer after a tool output (trio_realtime.testing's tool rule responder).
ANSWER = f"The tool returned: {WEATHER}"


def _env() -> dict[str, str]:
    """This checkout first on the path, and no OPENAI_ settings from the caller's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _websocket_url(base_url: str) -> str:
    """serve-fake's ``http://HOST:PORT/v1`` as the ``ws://HOST:PORT/v1/realtime`` agents wants."""
    assert base_url.startswith("http://"), base_url
    return "ws://" + base_url.removeprefix("http://") + "/realtime?model=gpt-realtime"


# -- the agent's side (run as a script) ------------------------------------------


async def _tool_turn(url: str, api_key: str) -> dict[str, Any]:
    """One user text turn through openai-agents; what the agent and its session saw."""
    from agents import function_tool
    from agents.realtime import AssistantMessageItem, RealtimeAgent, RealtimeRunner

    calls: list[str] = []

    @function_tool
    async def get_weather(city: str) -> str:
        """The current weather in a city."""
        calls.append(city)
        return f"sunny and 21 C in {city}"

    agent = RealtimeAgent(
        name="weather", instructions="Answer weather questions.", tools=[get_weather]
    )
    runner = RealtimeRunner(
        agent, config={"model_settings": {"model_name": "gpt-realtime", "modalities": ["text"]}}
    )
    seen: list[Any] = []
    session = await runner.run(model_config={"url": url, "api_key": api_key})
    async with session:
        await session.send_message(QUESTION)
        # Until the agent's turn ends with a finished assistant message in the
        # session's history; a turn without the tool call fails the checks below.
        answered = False
        async for event in session:
            seen.append(event)
            if event.type == "history_updated":
                answered = any(
                    isinstance(item, AssistantMessageItem) and item.status == "completed"
                    for item in event.history
                )
            elif event.type == "agent_end" and answered:
                break

    raw = [event.data for event in seen if event.type == "raw_model_event"]
    history = next(event.history for event in reversed(seen) if event.type == "history_updated")
    return {
        "calls": calls,
        "errors": [repr(event) for event in seen if event.type == "error"],
        "tool_starts": [event.arguments for event in seen if event.type == "tool_start"],
        "tool_ends": [event.output for event in seen if event.type == "tool_end"],
        "server_events": [event.data for event in raw if event.type == "raw_server_event"],
        "history": [[type(item).__name__, item.model_dump(mode="json")] for item in history],
    }


class _Complaints(logging.Handler):
    """Keeps what openai-agents logs at WARNING or above (server events it cannot
    validate or convert, for one)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _agent_main(url: str, api_key: str) -> None:
    complaints = _Complaints()
    logging.getLogger("openai.agents").addHandler(complaints)
    result = asyncio.run(asyncio.wait_for(_tool_turn(url, api_key), TIMEOUT))
    result["complaints"] = complaints.messages
    print(json.dumps(result))


# -- the test ----------------------------------------------------------------------


async def test_agents_realtime_runner_runs_a_scripted_tool_turn() -> None:
    pytest.importorskip("agents")
    with trio.fail_after(3 * TIMEOUT):
        async with trio.open_nursery() as nursery:
            env = await start_serve_fake(
                nursery, _env(), "--tool-call", 'get_weather={"city": "Paris"}'
            )
            url = _websocket_url(env["OPENAI_BASE_URL"])
            agent = await trio.run_process(
                [sys.executable, __file__, url, env["OPENAI_API_KEY"]],
                capture_stdout=True,
                capture_stderr=True,
                env=env,
                check=False,
            )
            nursery.cancel_scope.cancel()
    assert agent.returncode == 0, agent.stderr.decode()
    result = json.loads(agent.stdout)

    assert not result["errors"], result["errors"]
    assert not result["complaints"], result["complaints"]

    # The agent ran its tool once, with the arguments serve-fake was told to send.
    assert result["calls"] == ["Paris"]
    assert result["tool_starts"] == ['{"city": "Paris"}']
    assert result["tool_ends"] == [WEATHER]

    # The output went back: the server added it to the conversation, then answered
    # from it in a second response.
    server: list[dict[str, Any]] = result["server_events"]
    calls = [
        event["item"]
        for event in server
        if event["type"] == "response.output_item.done" and event["item"]["type"] == "function_call"
    ]
    outputs = [
        event["item"]
        for event in server
        if event["type"] == "conversation.item.added"
        and event["item"]["type"] == "function_call_output"
    ]
    assert [(item["name"], item["arguments"]) for item in calls] == [
        ("get_weather", '{"city": "Paris"}')
    ]
    assert [(item["call_id"], item["output"]) for item in outputs] == [
        (calls[0]["call_id"], WEATHER)
    ]
    # The session update that offered the tool reached the fake, schema and all.
    offered = [
        event["session"].get("tools") for event in server if event["type"] == "session.updated"
    ]
    assert any(
        tools
        and [(t["type"], t["name"], sorted(t["parameters"]["properties"])) for t in tools]
        == [("function", "get_weather", ["city"])]
        for tools in offered
    ), offered
    done = [event["response"]["status"] for event in server if event["type"] == "response.done"]
    assert done == ["completed", "completed"]

    # The session's history: the user's message, the call with its output, the answer.
    history: list[tuple[str, dict[str, Any]]] = result["history"]
    assert [kind for kind, _ in history] == [
        "UserMessageItem",
        "RealtimeToolCallItem",
        "AssistantMessageItem",
    ]
    question, call, answer = (item for _, item in history)
    assert [(part["type"], part["text"]) for part in question["content"]] == [
        ("input_text", QUESTION)
    ]
    assert (call["name"], call["arguments"], call["output"]) == (
        "get_weather",
        '{"city": "Paris"}',
        WEATHER,
    )
    assert answer["status"] == "completed"
    assert [(part["type"], part["text"]) for part in answer["content"]] == [("text", ANSWER)]


if __name__ == "__main__":
    _agent_main(*sys.argv[1:])
