"""``python -m trio_realtime chat``: an interactive text chat that streams each reply.

Against the real API when ``OPENAI_API_KEY`` is set, or against the embedded
fake server with ``--fake``. Lines are read from stdin in a worker thread (a
blocking read must not stall the event loop); end of input ends the chat.
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

import trio

from . import events as ev
from ._client import Client
from ._connection import RealtimeConnection
from ._errors import RealtimeError
from ._open import open_realtime
from .testing import open_fake_server

__all__ = ["NO_CREDENTIALS", "run_chat"]

NO_CREDENTIALS = (
    "chat needs either an API key or the fake server:\n"
    "  set OPENAI_API_KEY to talk to the OpenAI Realtime API, or\n"
    "  run `python -m trio_realtime chat --fake` to chat with the offline fake server."
)
_INSTRUCTIONS = "You are a helpful assistant. Answer briefly, in plain text."


async def _reply(conn: RealtimeConnection, out: TextIO) -> None:
    """Stream the reply to the response just requested, until it is done."""
    response_id: str | None = None
    started = False
    async for event in conn:
        match event:
            case ev.ResponseCreated(response=response):
                response_id = response.id
            case ev.ResponseOutputTextDelta(delta=text, response_id=rid) if rid == response_id:
                if not started:
                    out.write("assistant> ")
                    started = True
                out.write(text)
                out.flush()
            case ev.ResponseDone(response=response) if response.id == response_id:
                if started:
                    out.write("\n")
                if response.status not in ("completed", None):
                    out.write(f"[response {response.status}]\n")
                out.flush()
                return
            case ev.ErrorEvent(error=error):
                out.write(f"[error] {error.message}\n")
                out.flush()
                if response_id is None:
                    return  # the request itself was refused: no response will come
            case _:
                pass


async def _chat(client: object, model: str, inp: TextIO, out: TextIO) -> int:
    interactive = inp.isatty()
    async with open_realtime(client, model) as conn:
        await conn.send(
            ev.SessionUpdate(
                session=ev.RealtimeSession(output_modalities=["text"], instructions=_INSTRUCTIONS)
            )
        )
        if interactive:
            out.write("Type a message and press Enter; Ctrl-D or /quit ends the chat.\n")
        while True:
            if interactive:
                out.write("you> ")
                out.flush()
            # abandon_on_cancel: Ctrl-C must not wait for a line that never comes.
            line = await trio.to_thread.run_sync(inp.readline, abandon_on_cancel=True)
            if not line:
                break
            text = line.strip()
            if not text:
                continue
            if text in ("/quit", "/exit"):
                break
            await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text(text)))
            await conn.send(ev.ResponseCreate())
            await _reply(conn, out)
    if interactive:
        out.write("\n")
    return 0


async def run_chat(
    *, fake: bool, model: str, inp: TextIO = sys.stdin, out: TextIO = sys.stdout
) -> int:
    """Chat until end of input; returns the process exit code."""
    if fake:
        async with open_fake_server(delta_size=6, delta_interval=0.01) as server:
            return await _chat(server.client(), model, inp, out)
    if not os.environ.get("OPENAI_API_KEY", "").strip():
        print(NO_CREDENTIALS, file=sys.stderr)
        return 2
    try:
        return await _chat(Client.from_env(), model, inp, out)
    except RealtimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
