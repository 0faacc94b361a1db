"""openai-agents runs a realtime tool turn against ``serve-fake --tool-call``.

An outside client judges the fake's tool turn: openai-agents' ``RealtimeRunner``
(asyncio, its own websockets client) connects to the standalone fake server, which
is scripted from the command line to call ``get_weather`` with ``{"city": "Paris"}``.
The agent must run its function tool with those arguments, send the output back,
and then see the answer the fake builds from that output. The asyncio side runs in
a worker thread under ``asyncio.run``; the fake runs as a subprocess in the test's
trio nursery.
"""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import Any

import pytest
import trio
from _serve_fake import start_serve_fake

pytest.importorskip("agents")
from agents import function_tool
from agents.realtime import (
    AssistantMessageItem,
    RealtimeAgent,
    RealtimeRunner,
    RealtimeSessionEvent,
    RealtimeToolCallItem,
    UserMessageItem,
)

pytestmark = pytest.mark.schema

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 10.0
QUESTION = "What is the weather in Paris?"
# The fake's answer after a tool output (trio_realtime.testing's tool rule responder).
ANSWER = "The tool returned: sunny and 21 C in Paris"


def _env() -> dict[str, str]:
    """This checkout first on the path, and no OPENAI_ settings from the caller's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def _websocket_url(base_url: str) -> str:
    """serve-fake's ``http://HOST:PORT/v1`` as the ``ws://HOST:PORT/v1/realtime`` agents wants."""
    assert base_url.startswith("http://"), base_url
    return "ws://" + base_url.removeprefix("http://") + "/realtime?model=gpt-realtime"


async def _tool_turn(url: str, api_key: str) -> dict[str, Any]:
    """One user text turn through openai-agents; what the agent and its session saw."""
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
    seen: list[RealtimeSessionEvent] = []
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
    return {"calls": calls, "events": seen}


async def test_agents_realtime_runner_runs_a_scripted_tool_turn(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # openai-agents logs the server events it cannot validate or convert.
    caplog.set_level(logging.WARNING, logger="openai.agents")
    with trio.fail_after(3 * TIMEOUT):
        async with trio.open_nursery() as nursery:
            env = await start_serve_fake(
                nursery, _env(), "--tool-call", 'get_weather={"city": "Paris"}'
            )
            url, api_key = _websocket_url(env["OPENAI_BASE_URL"]), env["OPENAI_API_KEY"]
            # Every await of the asyncio side is bounded: a missing event fails, never hangs.
            result = await trio.to_thread.run_sync(
                lambda: asyncio.run(asyncio.wait_for(_tool_turn(url, api_key), TIMEOUT))
            )
            nursery.cancel_scope.cancel()

    events: list[RealtimeSessionEvent] = result["events"]
    errors = [event for event in events if event.type == "error"]
    assert not errors, errors
    complaints = [r.getMessage() for r in caplog.records if r.name.startswith("openai.agents")]
    assert not complaints, complaints

    # The agent ran its tool once, with the arguments serve-fake was told to send.
    assert result["calls"] == ["Paris"]
    starts = [event for event in events if event.type == "tool_start"]
    ends = [event for event in events if event.type == "tool_end"]
    assert [event.arguments for event in starts] == ['{"city": "Paris"}']
    assert [event.output for event in ends] == ["sunny and 21 C in Paris"]

    # The output went back: the server added it to the conversation, then answered
    # from it in a second response.
    raw = [event.data for event in events if event.type == "raw_model_event"]
    server = [event.data for event in raw if event.type == "raw_server_event"]
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
        (calls[0]["call_id"], "sunny and 21 C in Paris")
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
    history = next(event.history for event in reversed(events) if event.type == "history_updated")
    assert [type(item) for item in history] == [
        UserMessageItem,
        RealtimeToolCallItem,
        AssistantMessageItem,
    ]
    question = history[0]
    assert isinstance(question, UserMessageItem)
    assert [(part.type, part.text) for part in question.content] == [("input_text", QUESTION)]
    call = history[1]
    assert isinstance(call, RealtimeToolCallItem)
    assert (call.name, call.arguments, call.output) == (
        "get_weather",
        '{"city": "Paris"}',
        "sunny and 21 C in Paris",
    )
    answer = history[2]
    assert isinstance(answer, AssistantMessageItem)
    assert [(part.type, part.text) for part in answer.content] == [("text", ANSWER)]
