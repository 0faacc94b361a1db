"""A text agent with two tools: the agent layer runs the tool turns.

``rt.tool`` turns plain typed functions into tools (their JSON Schema comes
from the type hints); ``rt.open_agent`` registers them in the session, runs
the model's calls (the async one in the session's task tree, the blocking one
in a worker thread), sends the outputs and exactly one follow-up
``response.create``, and ``agent.ask`` returns the finished turn.

Run it against the real API (``OPENAI_API_KEY``) or the fake server, told
which call to make::

    python -m trio_realtime serve-fake --port 8765 --tool-call 'get_weather={"city": "Paris"}'
    OPENAI_BASE_URL=... OPENAI_API_KEY=... python examples/tool_agent.py "Weather in Paris?"
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from typing import Literal

import trio

import trio_realtime as rt
from trio_realtime import events as ev


@rt.tool
async def get_weather(
    city: str, unit: Literal["celsius", "fahrenheit"] = "celsius"
) -> dict[str, object]:
    """The current weather in a city."""
    await trio.sleep(0.1)  # stands in for an HTTP call
    return {"city": city, "temperature": 21 if unit == "celsius" else 70, "unit": unit}


@rt.tool
def local_time(timezone: str) -> str:
    """The local time in an IANA time zone, e.g. Europe/Paris."""
    time.sleep(0.05)  # a blocking call: it runs in a worker thread
    return f"12:00 in {timezone}"


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("question")
    parser.add_argument("--model", default="gpt-realtime-2.1")
    args = parser.parse_args(argv)

    client = rt.Client.from_env()
    async with rt.open_realtime(client, args.model) as conn:
        await conn.send(ev.SessionUpdate(session=ev.RealtimeSession(output_modalities=["text"])))
        async with rt.open_agent(conn, tools=[get_weather, local_time]) as agent:
            try:
                reply = await agent.ask(args.question)
            except rt.RequestRefused as exc:
                print(f"refused: {exc}", file=sys.stderr)
                return 1
            for call in reply.tool_calls:
                print(f"[{call.name}({call.arguments}) -> {call.output}]")
            print(reply.text)
    return 0


if __name__ == "__main__":
    sys.exit(trio.run(main))
