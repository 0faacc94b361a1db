"""The `openai` SDK's own translation client against our fake ``/v1/realtime/translations``:
every frame it receives must validate as the SDK's ``RealtimeTranslationServerEvent``
(with no key the schema does not know), and what it sends must decode with ours."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

import pydantic
import pytest

openai = pytest.importorskip("openai")
from openai.lib.realtime_translation import AsyncTranslationSession  # noqa: E402
from openai.types.realtime import RealtimeTranslationServerEvent  # noqa: E402
from test_sdk_interop import TIMEOUT, assert_no_extras, fake_server_thread, silence, tone  # noqa: E402

from trio_realtime import events as ev  # noqa: E402

pytestmark = pytest.mark.schema

MODEL = "gpt-realtime-translate"
SERVER_EVENT: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(RealtimeTranslationServerEvent)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


async def received(conn: Any, until: str) -> list[dict[str, Any]]:
    """Frames up to and including the next ``until``, each validated by the SDK."""
    seen: list[dict[str, Any]] = []
    while True:
        raw = await asyncio.wait_for(conn.recv_bytes(), TIMEOUT)
        assert_no_extras(SERVER_EVENT.validate_json(raw))
        event: dict[str, Any] = json.loads(raw)
        seen.append(event)
        if event["type"] == until:
            return seen


def sdk_client(port: int) -> Any:
    return openai.AsyncOpenAI(
        api_key="sk-fake-realtime-key",
        base_url=f"http://127.0.0.1:{port}/v1",
        websocket_base_url=f"ws://127.0.0.1:{port}/v1",
    )


async def translate(port: int) -> list[dict[str, Any]]:
    client = sdk_client(port)
    async with client.realtime.translations.connect(model=MODEL) as conn:
        seen = await received(conn, "session.created")
        await conn.session.update(
            session={
                "audio": {
                    "input": {
                        "transcription": {"model": "gpt-4o-transcribe"},
                        "noise_reduction": {"type": "near_field"},
                    },
                    "output": {"language": "es"},
                }
            }
        )
        seen += await received(conn, "session.updated")
        await conn.session.update(session={"audio": {"output": {"language": ""}}}, event_id="bad")
        seen += await received(conn, "error")
        await conn.send_raw('{"type":"session.unknown","event_id":"x"}')
        seen += await received(conn, "error")
        await conn.session.input_audio_buffer.append(audio=b64(tone(300)))
        await conn.session.input_audio_buffer.append(audio=b64(silence(200)))
        await conn.session.close()
        seen += await received(conn, "session.closed")
    return seen


def test_sdk_translation_client_accepts_everything_the_fake_server_sends() -> None:
    with fake_server_thread() as thread:
        server = thread.server
        assert server is not None
        seen = asyncio.run(asyncio.wait_for(translate(server.port), 60))
    kinds = [e["type"] for e in seen]
    assert set(kinds) == {
        "session.created",
        "session.updated",
        "error",
        "session.input_transcript.delta",
        "session.output_transcript.delta",
        "session.output_audio.delta",
        "session.closed",
    }, kinds
    assert kinds[-1] == "session.closed"
    updated = next(e for e in seen if e["type"] == "session.updated")
    assert updated["session"]["audio"]["input"]["noise_reduction"] == {
        "type": "near_field",
        "strength": 1.0,
    }
    errors = [e["error"] for e in seen if e["type"] == "error"]
    assert [(e["code"], e["event_id"]) for e in errors] == [
        ("invalid_value", "bad"),
        ("invalid_value", "x"),
    ]
    # 300 ms of speech and 200 of silence: frames of 200 and 200, 100 left for the close.
    pcm = b"".join(
        base64.b64decode(e["delta"]) for e in seen if e["type"] == "session.output_audio.delta"
    )
    assert len(pcm) == len(tone(300)) + len(silence(200))
    # What the SDK sent decoded with our decoder.
    conn = server.connections[0]
    assert len(conn.invalid) == 1
    assert [type(e) for e in conn.received] == [
        ev.TranslationSessionUpdate,
        ev.TranslationSessionUpdate,
        ev.TranslationSessionInputAudioBufferAppend,
        ev.TranslationSessionInputAudioBufferAppend,
        ev.TranslationSessionClose,
    ]


async def helper_session(port: int) -> list[str]:
    """The SDK's own session helper: close once, receive through session.closed."""
    session = AsyncTranslationSession(sdk_client(port).realtime.translations, model=MODEL)
    types: list[str] = []
    async with session as conn:
        await conn.send({"type": "session.input_audio_buffer.append", "audio": b64(tone(200))})
        await conn.send({"type": "session.close"})
        while not types or types[-1] != "session.closed":
            event = await asyncio.wait_for(conn.recv(), TIMEOUT)
            types.append(event.type)
    return types


def test_sdk_translation_session_helper_ends_at_session_closed() -> None:
    with fake_server_thread() as thread:
        assert thread.server is not None
        types = asyncio.run(asyncio.wait_for(helper_session(thread.server.port), 60))
    assert types[0] == "session.created"
    assert types[-1] == "session.closed"
    assert "session.output_audio.delta" in types
