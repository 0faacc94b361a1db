"""The `openai` SDK's own ``client.live.connect()`` against our fake GPT-Live
server: every frame it receives must validate as the SDK's ``ServerEvent``
(with no key the SDK does not know), and what it sends must decode with ours."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import pydantic
import pytest

openai = pytest.importorskip("openai")
from openai.types.live import ConnectServerEvent, ForkServerEvent, ServerEvent  # noqa: E402
from test_sdk_interop import TIMEOUT, assert_no_extras, fake_server_thread  # noqa: E402

from trio_realtime import live  # noqa: E402

pytestmark = pytest.mark.schema

SERVER_EVENT: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(ServerEvent)
SIDEBAND_EVENT: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(ConnectServerEvent)
FORK_EVENT: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(ForkServerEvent)


class Frames:
    """Receives through the SDK connection, validating every raw frame."""

    def __init__(self, conn: Any, adapter: pydantic.TypeAdapter[Any]) -> None:
        self.conn = conn
        self.adapter = adapter
        self.types: list[str] = []

    async def until(self, event_type: str) -> list[dict[str, Any]]:
        seen: list[dict[str, Any]] = []
        while True:
            raw = await asyncio.wait_for(self.conn.recv_bytes(), TIMEOUT)
            assert_no_extras(self.adapter.validate_json(raw))
            event: dict[str, Any] = json.loads(raw)
            self.types.append(event["type"])
            seen.append(event)
            if event["type"] == event_type:
                return seen


async def session(port: int) -> tuple[Frames, Frames]:
    client = openai.AsyncOpenAI(
        api_key="sk-fake-realtime-key",
        base_url=f"http://127.0.0.1:{port}/v1",
        websocket_base_url=f"ws://127.0.0.1:{port}/v1",
    )
    async with client.live.connect() as conn:
        rec = Frames(conn, SERVER_EVENT)
        await conn.session.start(
            session={
                "model": "gpt-live-1",
                "instructions": "Be brief.",
                "store": True,
                "audio": {"format": {"type": "audio/pcm", "rate": 24000}},
            }
        )
        (started,) = await rec.until("session.started")
        session_id = started["session"]["id"]
        async with client.live.sideband.connect(session_id=session_id) as side:
            watcher = Frames(side, SIDEBAND_EVENT)
            speech = base64.b64encode(b"\x01\x00" * 4800).decode()
            await conn.session.input_audio.append(audio=speech)
            await watcher.until("session.input_audio.append")
            await conn.session.input_audio.append(audio=base64.b64encode(bytes(480)).decode())
            await rec.until("session.usage.updated")
            await conn.session.commentary.append(content="Your order shipped.", delegation_id=None)
            await rec.until("session.commentary.appended")
            await conn.session.thinking.append(content="quiet", delegation_id=None)
            await conn.session.instructions.append(content="Speak slowly.", delegation_id=None)
            await rec.until("session.instructions.appended")
            await conn.session.input_audio.mute()
            await conn.session.input_audio.unmute()
            await rec.until("session.input_audio.unmuted")
            await conn.session.output_audio.fixture.play(
                audio=base64.b64encode(bytes(9600)).decode()
            )
            await rec.until("session.output_audio.fixture.played")
            await conn.response.create()
            await rec.until("error")
            await side.send({"type": "transport.dtmf.send", "event": "7"})
            await watcher.until("transport.dtmf.sent")
        await conn.session.close()
        await rec.until("session.closed")
    # Decisions: items, an evaluation, a trigger on the transcript, a delegated turn.
    question = {"type": "predicate", "instructions": "Is the caller upset?", "name": "upset"}
    async with client.live.connect() as conn:
        rec2 = Frames(conn, SERVER_EVENT)
        await conn.session.start(
            session={
                "model": "gpt-live-1",
                "delegation": {
                    "type": "decisions",
                    "decisions": {"model": "gpt-decide", "questions": [question]},
                },
                "triggers": [
                    {
                        "type": "decisions",
                        "event_type": "session.input_transcript.delta",
                        "decisions": {"questions": [question]},
                    }
                ],
            }
        )
        await rec2.until("session.started")
        await conn.decision.item.create(
            item={"type": "message", "role": "user", "content": "I want a refund"}
        )
        (item_created,) = await rec2.until("decision.item.created")
        await conn.decision.create(event_id="eval-1")
        await rec2.until("decision.event")
        await conn.decision.item.delete(item_id=item_created["item"]["id"])
        await rec2.until("decision.item.deleted")
        await conn.session.update(session={"triggers": []})
        await rec2.until("session.updated")
        await conn.session.update(
            session={
                "triggers": [
                    {
                        "type": "decisions",
                        "event_type": "session.input_transcript.delta",
                        "decisions": {"questions": [question]},
                    }
                ]
            }
        )
        await rec2.until("session.updated")
        await conn.session.input_audio.append(audio=base64.b64encode(b"\x01\x00" * 2400).decode())
        await conn.session.input_audio.mute()
        await rec2.until("session.delegation.created")
        await rec2.until("decision.event")
        await conn.session.close()
        await rec2.until("session.closed")
    rec.types.extend(rec2.types)
    # The stored session, continued by the SDK's fork client.
    async with client.live.forks.connect(session_id=session_id) as fork:
        forked = Frames(fork, FORK_EVENT)
        await fork.send({"type": "session.start", "session": {}})
        (restarted,) = await forked.until("session.started")
        assert restarted["session"]["id"] != session_id
        assert restarted["session"]["instructions"] == "Be brief."
        await fork.send({"type": "session.close"})
        await forked.until("session.closed")
    await client.close()
    return rec, watcher


def test_sdk_live_client_accepts_everything_the_fake_server_sends() -> None:
    with fake_server_thread() as thread:
        server = thread.server
        assert server is not None
        rec, watcher = asyncio.run(asyncio.wait_for(session(server.port), 60))
    assert set(rec.types) >= {
        "session.started",
        "session.input_transcript.delta",
        "session.output_transcript.delta",
        "session.output_audio.delta",
        "session.usage.updated",
        "session.commentary.appended",
        "session.thinking.appended",
        "session.instructions.appended",
        "session.input_audio.muted",
        "session.input_audio.unmuted",
        "session.output_audio.fixture.playing",
        "session.output_audio.fixture.played",
        "error",
        "session.closed",
        "session.updated",
        "session.delegation.created",
        "decision.item.created",
        "decision.item.deleted",
        "decision.event",
    }, sorted(set(rec.types))
    assert {"session.input_audio.append", "transport.dtmf.sent"} <= set(watcher.types)
    assert server.connections[-1].path.endswith("/fork")
    primary = server.connections[0]
    assert primary.path == "/v1/live/sessions"
    assert primary.query == {}
    assert not primary.invalid
    assert isinstance(primary.received[0], live.SessionStart)
    assert {e.type for e in primary.received} >= {
        "session.start",
        "session.input_audio.append",
        "session.commentary.append",
        "session.thinking.append",
        "session.instructions.append",
        "session.input_audio.mute",
        "session.input_audio.unmute",
        "session.output_audio.fixture.play",
        "response.create",
        "session.close",
    }
