"""A text chat: each line you type is a user message, and the reply streams back.

The smallest complete Realtime program: open a session, set it to text, and
for every message send ``conversation.item.create`` and ``response.create``,
then print ``response.output_text.delta`` as it arrives until
``response.done``. A server ``error`` event is printed, not fatal, and a
refused request ends the wait for its reply (no ``response.done`` would come).

Run it against the real API (``OPENAI_API_KEY``) or against the fake server,
which echoes each message::

    python -m trio_realtime serve-fake --port 8765
    OPENAI_BASE_URL=http://127.0.0.1:8765/v1 OPENAI_API_KEY=any python examples/text_chat.py
    python examples/text_chat.py --once "Hello!"      # one turn, then exit

Lines come from standard input (end of input or ``/quit`` ends the chat),
read in a worker thread so that a blocking read never stalls trio.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import trio

import trio_realtime as rt
from trio_realtime import events as ev


async def reply(conn: rt.RealtimeConnection) -> bool:
    """Print the reply to the response just requested; False if the server refused it."""
    print("assistant> ", end="", flush=True)
    async for event in conn:
        match event:
            case ev.ResponseOutputTextDelta(delta=text):
                print(text, end="", flush=True)
            case ev.ErrorEvent(error=error) as event:
                print(f"\n[error {error.code}: {error.message}]", file=sys.stderr, flush=True)
                if isinstance(conn.sent_event(event), ev.ResponseCreate):
                    # Our request for a response was refused: no response.done
                    # will come for it. (Most other errors leave the turn going.)
                    return False
            case ev.ResponseDone(response=response):
                print()
                if response.status != "completed":
                    print(f"[response {response.status}]", file=sys.stderr, flush=True)
                return response.status == "completed"
            case _:
                pass  # session, item and other response events: nothing to show
    raise rt.RealtimeError("the session ended before the reply")


async def ask(conn: rt.RealtimeConnection, text: str) -> bool:
    """One turn: the user's message, a request for a response, the streamed reply."""
    await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text(text)))
    await conn.send(ev.ResponseCreate())
    return await reply(conn)


async def chat(client: rt.Client, model: str, instructions: str, once: str | None) -> int:
    """Chat until end of input (or one turn with ``once``); the process's exit code."""
    async with rt.open_realtime(client, model) as conn:
        session = ev.RealtimeSession(output_modalities=["text"], instructions=instructions)
        await conn.send(ev.SessionUpdate(session=session))
        if once is not None:
            return 0 if await ask(conn, once) else 1
        interactive = sys.stdin.isatty()
        while True:
            if interactive:
                print("you> ", end="", flush=True)
            # abandon_on_cancel: Ctrl-C must not wait for a line that never comes.
            line = await trio.to_thread.run_sync(sys.stdin.readline, abandon_on_cancel=True)
            text = line.strip()
            if not line or text == "/quit":
                break
            if text:
                await ask(conn, text)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="gpt-realtime-2.1", help="default gpt-realtime-2.1")
    parser.add_argument(
        "--instructions", default="Answer briefly, in plain text.", help="the system prompt"
    )
    parser.add_argument("--once", metavar="TEXT", help="send TEXT, print the reply and exit")
    args = parser.parse_args(argv)
    try:
        client = rt.Client.from_env()  # OPENAI_API_KEY, OPENAI_BASE_URL
        return trio.run(chat, client, args.model, args.instructions, args.once)
    except rt.RealtimeError as exc:
        # A refused upgrade, an unknown model, a dropped connection, a missing key.
        print(f"chat ended: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
