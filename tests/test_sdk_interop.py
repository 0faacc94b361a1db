"""The fake server speaks the real protocol: the openai SDK's own client is the judge.

The SDK's realtime client (asyncio) runs in the test thread; the fake server runs
in a background thread under its own ``trio.run``. One conversation covers a
session update, a text turn, an audio turn with voice activity detection and
transcription, item retrieve/truncate/delete, a function call and its output, an
out-of-band response, a cancelled response and an invalid event. Every frame the
SDK receives must validate against the SDK's ``RealtimeServerEvent`` union, with
no field the schema does not know; every event the SDK sends must decode with our
``decode_client_event`` (the server records any that do not).
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pydantic
import pytest
import trio

openai = pytest.importorskip("openai")
from openai.types.realtime import RealtimeServerEvent  # noqa: E402

from trio_realtime import events as ev  # noqa: E402
from trio_realtime.testing import FakeServer, ToolCall, open_fake_server  # noqa: E402

pytestmark = pytest.mark.schema

TIMEOUT = 10.0
SERVER_EVENT: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(RealtimeServerEvent)


class ServerThread:
    """A fake server running in its own thread and trio loop."""

    def __init__(self) -> None:
        self.server: FakeServer | None = None
        self._token: trio.lowlevel.TrioToken | None = None
        self._stop: trio.Event | None = None
        self._ready: queue.Queue[BaseException | None] = queue.Queue()
        self._thread = threading.Thread(target=self._main, daemon=True)

    def _main(self) -> None:
        try:
            trio.run(self._serve)
        except BaseException as exc:  # surfaced by start()/stop()
            self._ready.put(exc)

    async def _serve(self) -> None:
        async with open_fake_server() as server:
            self.server = server
            self._token = trio.lowlevel.current_trio_token()
            self._stop = trio.Event()
            self._ready.put(None)
            await self._stop.wait()

    def start(self) -> FakeServer:
        self._thread.start()
        problem = self._ready.get(timeout=TIMEOUT)
        if problem is not None:
            raise problem
        assert self.server is not None
        return self.server

    def call(self, fn: Callable[[], object]) -> None:
        """Run ``fn`` in the server's trio thread (for settings changed mid-test)."""
        trio.from_thread.run_sync(fn, trio_token=self._token)

    def stop(self) -> None:
        if self._stop is not None and self._thread.is_alive():
            self.call(self._stop.set)
        self._thread.join(TIMEOUT)
        assert not self._thread.is_alive(), "fake server thread did not stop"
        if not self._ready.empty():
            problem = self._ready.get_nowait()
            if problem is not None:
                raise problem


@contextmanager
def fake_server_thread() -> Iterator[ServerThread]:
    thread = ServerThread()
    thread.start()
    try:
        yield thread
    finally:
        thread.stop()


def tone(ms: int, rate: int = 24000, level: float = 0.3) -> bytes:
    count = rate * ms // 1000
    amp = int(32767 * level)
    return b"".join(
        int(amp * math.sin(2 * math.pi * 300 * i / rate)).to_bytes(2, "little", signed=True)
        for i in range(count)
    )


def silence(ms: int, rate: int = 24000) -> bytes:
    return b"\x00\x00" * (rate * ms // 1000)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def assert_no_extras(model: object, where: str = "$") -> None:
    """Every field we sent is one the SDK's schema declares (no silent extras)."""
    if isinstance(model, pydantic.BaseModel):
        extra = model.model_extra or {}
        assert not extra, f"{where}: fields unknown to the SDK schema: {sorted(extra)}"
        for name in type(model).model_fields:
            assert_no_extras(getattr(model, name), f"{where}.{name}")
    elif isinstance(model, list):
        for i, value in enumerate(model):  # pyright: ignore[reportUnknownVariableType, reportUnknownArgumentType]
            assert_no_extras(value, f"{where}[{i}]")


class Recorder:
    """Receives through the SDK, validating and keeping every raw frame."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.frames: list[bytes] = []

    async def next(self) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.conn.recv_bytes(), TIMEOUT)
        self.frames.append(raw)
        event = SERVER_EVENT.validate_json(raw)
        assert_no_extras(event)
        decoded: dict[str, Any] = json.loads(raw)
        return decoded

    async def until(self, event_type: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Receive up to and including the next ``event_type``; return it and all seen."""
        seen: list[dict[str, Any]] = []
        while True:
            event = await self.next()
            seen.append(event)
            if event["type"] == event_type:
                return event, seen


async def conversation(port: int, thread: ServerThread) -> Recorder:
    client = openai.AsyncOpenAI(
        api_key="sk-fake-realtime-key",
        base_url=f"http://127.0.0.1:{port}/v1",
        websocket_base_url=f"ws://127.0.0.1:{port}/v1",
    )
    async with client.realtime.connect(model="gpt-realtime") as conn:
        rec = Recorder(conn)
        created = await rec.next()
        assert created["type"] == "session.created"
        assert created["session"]["audio"]["input"]["turn_detection"]["type"] == "server_vad"

        # Session update: merged, echoed whole.
        await conn.session.update(
            session={
                "type": "realtime",
                "output_modalities": ["text"],
                "instructions": "Be brief.",
                "tools": [
                    {
                        "type": "function",
                        "name": "get_weather",
                        "description": "Weather for a city",
                        "parameters": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                        },
                    }
                ],
            }
        )
        updated, _ = await rec.until("session.updated")
        assert updated["session"]["instructions"] == "Be brief."
        assert updated["session"]["audio"]["output"]["voice"] == "alloy"  # kept

        # Text turn.
        await conn.conversation.item.create(
            item={
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "Hello there"}],
            }
        )
        await conn.response.create()
        done, seen = await rec.until("response.done")
        text = "".join(e["delta"] for e in seen if e["type"] == "response.output_text.delta")
        assert text == "You said: Hello there"
        assert done["response"]["status"] == "completed"
        assert done["response"]["usage"]["total_tokens"] > 0

        # Audio turn: speech then silence, detected by server VAD, transcribed,
        # answered automatically with audio and a transcript.
        await conn.session.update(
            session={
                "type": "realtime",
                "output_modalities": ["audio"],
                "audio": {"input": {"transcription": {"model": "whisper-1"}}},
            }
        )
        await rec.until("session.updated")
        thread.call(lambda: thread.server and thread.server.script_transcripts("weather please"))
        await conn.input_audio_buffer.append(audio=b64(tone(400)))
        await conn.input_audio_buffer.append(audio=b64(silence(700)))
        done, seen = await rec.until("response.done")
        types = [e["type"] for e in seen]
        for expected in (
            "input_audio_buffer.speech_started",
            "input_audio_buffer.speech_stopped",
            "input_audio_buffer.committed",
            "conversation.item.input_audio_transcription.completed",
            "response.output_audio.delta",
            "response.output_audio_transcript.delta",
            "response.output_audio.done",
            "response.output_audio_transcript.done",
        ):
            assert expected in types, expected
        transcript = "".join(
            e["delta"] for e in seen if e["type"] == "response.output_audio_transcript.delta"
        )
        assert transcript == "You said: weather please"
        audio = b"".join(
            base64.b64decode(e["delta"]) for e in seen if e["type"] == "response.output_audio.delta"
        )
        assert len(audio) > 0
        assistant_id = done["response"]["output"][0]["id"]
        user_audio_id = next(e for e in seen if e["type"] == "input_audio_buffer.committed")[
            "item_id"
        ]

        # Item operations: retrieve (with the input audio), truncate, delete.
        await conn.conversation.item.retrieve(item_id=user_audio_id)
        retrieved, _ = await rec.until("conversation.item.retrieved")
        assert base64.b64decode(retrieved["item"]["content"][0]["audio"]).startswith(tone(10))
        await conn.conversation.item.truncate(
            item_id=assistant_id, content_index=0, audio_end_ms=50
        )
        truncated, _ = await rec.until("conversation.item.truncated")
        assert truncated["audio_end_ms"] == 50
        await conn.conversation.item.delete(item_id=user_audio_id)
        deleted, _ = await rec.until("conversation.item.deleted")
        assert deleted["item_id"] == user_audio_id

        # Function call, then the tool's output, then the answer.
        await conn.session.update(
            session={
                "type": "realtime",
                "output_modalities": ["text"],
                "audio": {"input": {"turn_detection": None}},
            }
        )
        await rec.until("session.updated")
        thread.call(
            lambda: (
                thread.server and thread.server.script(ToolCall("get_weather", {"city": "Paris"}))
            )
        )
        await conn.response.create()
        done, seen = await rec.until("response.done")
        args_done = next(e for e in seen if e["type"] == "response.function_call_arguments.done")
        assert json.loads(args_done["arguments"]) == {"city": "Paris"}
        assert done["response"]["output"][0]["type"] == "function_call"
        await conn.conversation.item.create(
            item={
                "type": "function_call_output",
                "call_id": args_done["call_id"],
                "output": '{"temp_c": 21}',
            }
        )
        await conn.response.create()
        done, seen = await rec.until("response.done")
        text = "".join(e["delta"] for e in seen if e["type"] == "response.output_text.delta")
        assert text == 'The tool returned: {"temp_c": 21}'

        # tool_choice "required": the fake calls every offered tool, in parallel,
        # with arguments made from each tool's schema.
        def function(name: str, **properties: Any) -> dict[str, Any]:
            return {
                "type": "function",
                "name": name,
                "parameters": {
                    "type": "object",
                    "properties": properties,
                    "required": sorted(properties),
                },
            }

        await conn.response.create(
            response={
                "tool_choice": "required",
                "tools": [
                    function("get_weather", city={"type": "string"}),
                    function("get_time", zone={"type": "string"}, hours={"type": "integer"}),
                ],
            }
        )
        done, seen = await rec.until("response.done")
        calls = [o for o in done["response"]["output"] if o["type"] == "function_call"]
        assert [(c["name"], json.loads(c["arguments"])) for c in calls] == [
            ("get_weather", {"city": "example"}),
            ("get_time", {"hours": 1, "zone": "example"}),
        ]
        for call in calls:
            await conn.conversation.item.create(
                item={"type": "function_call_output", "call_id": call["call_id"], "output": "ok"}
            )
        await conn.response.create()
        done, seen = await rec.until("response.done")
        assert done["response"]["output"][0]["type"] == "message"

        # Out-of-band response: answered, never added to the conversation.
        await conn.response.create(
            response={
                "conversation": "none",
                "metadata": {"purpose": "classify"},
                "output_modalities": ["text"],
                "input": [
                    {
                        "type": "message",
                        "role": "user",
                        "content": [{"type": "input_text", "text": "side question"}],
                    }
                ],
            }
        )
        done, seen = await rec.until("response.done")
        assert done["response"]["metadata"] == {"purpose": "classify"}
        assert not any(e["type"].startswith("conversation.item") for e in seen)

        # Cancel mid-stream: hold the stream open, cancel after the first delta.
        thread.call(lambda: thread.server and setattr(thread.server, "delta_interval", math.inf))
        await conn.response.create()
        await rec.until("response.output_text.delta")
        await conn.response.cancel()
        done, _ = await rec.until("response.done")
        assert done["response"]["status"] == "cancelled"
        assert done["response"]["status_details"]["reason"] == "client_cancelled"
        thread.call(lambda: thread.server and setattr(thread.server, "delta_interval", 0.0))

        # An invalid event gets an error naming the event id.
        await conn.send_raw(json.dumps({"type": "conversation.item.create", "event_id": "evt_bad"}))
        error, _ = await rec.until("error")
        assert error["error"]["code"] == "missing_required_parameter"
        assert error["error"]["param"] == "item"
        assert error["error"]["event_id"] == "evt_bad"
    await client.close()
    return rec


def test_sdk_client_accepts_everything_the_fake_server_sends() -> None:
    with fake_server_thread() as thread:
        server = thread.server
        assert server is not None
        rec = asyncio.run(asyncio.wait_for(conversation(server.port, thread), 60))
    # Every frame validated on receipt (Recorder.next); check the coverage.
    kinds = {json.loads(f)["type"] for f in rec.frames}
    assert kinds >= {
        "session.created",
        "session.updated",
        "conversation.item.added",
        "conversation.item.done",
        "conversation.item.retrieved",
        "conversation.item.truncated",
        "conversation.item.deleted",
        "conversation.item.input_audio_transcription.delta",
        "conversation.item.input_audio_transcription.completed",
        "rate_limits.updated",
        "input_audio_buffer.speech_started",
        "input_audio_buffer.speech_stopped",
        "input_audio_buffer.committed",
        "response.created",
        "response.output_item.added",
        "response.content_part.added",
        "response.output_text.delta",
        "response.output_text.done",
        "response.output_audio.delta",
        "response.output_audio.done",
        "response.output_audio_transcript.delta",
        "response.output_audio_transcript.done",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.done",
        "error",
    }, sorted(kinds)
    # What the SDK sent decoded with our decoder, bar the one deliberately bad frame.
    conn = server.connections[0]
    assert len(conn.invalid) == 1
    sent_types = {e.type for e in conn.received}
    assert sent_types >= {
        "session.update",
        "conversation.item.create",
        "conversation.item.retrieve",
        "conversation.item.truncate",
        "conversation.item.delete",
        "input_audio_buffer.append",
        "response.create",
        "response.cancel",
    }
    assert any(isinstance(e, ev.SessionUpdate) for e in server.received)
