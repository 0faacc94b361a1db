"""A text chat whose one session outlives its connections.

``open_realtime(..., reconnect=rt.Reconnect())`` retries a lost connection,
restores the session's configuration and conversation on the new one, sends
what was held meanwhile exactly once, and rolls over to a new session before
the service's 60-minute limit. The receive stream says so with an
``rt.Reconnected`` marker; when it reports a lost response (the reply that was
streaming when the connection went), this chat asks for it again.

Run it against the real API (``OPENAI_API_KEY``) or against the fake server
told to cut connections: every connection after 40 events, or every session
after 2 seconds (``--pause`` waits between questions, so that one expires)::

    python -m trio_realtime serve-fake --port 8765 --drop-after 40
    python -m trio_realtime serve-fake --port 8765 --session-duration 2
    OPENAI_BASE_URL=... OPENAI_API_KEY=... python examples/reconnecting_chat.py \\
        "Hello!" "How are you?" "Goodbye." [--pause 1.5]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import trio

import trio_realtime as rt
from trio_realtime import events as ev

#: What ``open_realtime(..., reconnect=...)`` yields for a conversation session.
Session = rt.ReconnectingConnection[ev.ServerEvent, ev.ClientEvent, ev.Session]


def describe(marker: rt.Reconnected) -> str:
    """One line about a new server session, for the log."""
    text = (
        f"[new session: {marker.reason}, attempt {marker.attempt}, "
        f"{marker.downtime * 1000:.0f} ms down, {marker.restored_items} item(s) restored"
    )
    if marker.dropped_items:
        text += f", {marker.dropped_items} too old to restore"
    if marker.resent_events:
        text += f", {marker.resent_events} unwritten event(s) moved to it"
    if marker.lost_response_id is not None:
        text += "; the reply was cut off, asking again"
    return text + "]"


async def ask(conn: Session, question: str) -> str:
    """Send one user message, request a reply and return its text, across reconnects."""
    await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text(question)))
    await conn.send(ev.ResponseCreate())
    text: list[str] = []
    async for event in conn:
        match event:
            case rt.Reconnected() as marker:
                print(describe(marker), flush=True)
                if marker.lost_response_id is not None:
                    # The partial reply stays in conn.conversation as incomplete;
                    # the new session has the question, so a new response answers it.
                    text.clear()
                    await conn.send(ev.ResponseCreate())
            case ev.ResponseOutputTextDelta(delta=delta):
                text.append(delta)
            case ev.ErrorEvent(error=error):
                # Most errors are recoverable (session_expired is followed by a
                # new session); a fatal one ends the session with an exception.
                print(f"[server error {error.code}: {error.message}]", file=sys.stderr)
            case ev.ResponseDone(response=response) if response.status == "completed":
                return "".join(text)
            case _:
                pass
    raise rt.RealtimeError("the session ended before the reply")


async def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("questions", nargs="+", help="the user's messages, one turn each")
    parser.add_argument("--model", default="gpt-realtime-2.1")
    parser.add_argument(
        "--pause", type=float, default=0.0, help="seconds to wait between turns (default 0)"
    )
    args = parser.parse_args(argv)
    if args.pause < 0:
        parser.error("--pause must be 0 or more seconds")

    client = rt.Client.from_env()
    try:
        async with rt.open_realtime(client, args.model, reconnect=rt.Reconnect()) as conn:
            text_only = ev.RealtimeSession(output_modalities=["text"])
            await conn.send(ev.SessionUpdate(session=text_only))
            for number, question in enumerate(args.questions):
                if number and args.pause:
                    await trio.sleep(args.pause)
                print(f"you> {question}", flush=True)
                print(f"assistant> {await ask(conn, question)}", flush=True)
    except rt.RealtimeError as exc:
        # The policy gave up (a fatal refusal, or too many failed attempts).
        print(f"session ended: {exc}", file=sys.stderr)
        return 1
    stats = conn.statistics()
    print(f"{stats.reconnects} reconnect(s), {stats.rollovers} rollover(s)")
    return 0


if __name__ == "__main__":
    sys.exit(trio.run(main))
