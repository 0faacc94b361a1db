"""``python -m trio_realtime demo``: an offline conversation with the embedded fake server.

It shows the library's main job end to end without a network or an API key: a
text turn that calls a tool, the tool's answer, and a spoken turn detected by
server-side voice activity detection, each reply streamed as it arrives. It
ends with latency figures this client measured: time from ``response.create``
to the first delta, and per-delta dispatch (the fake server's write to the
moment ``conn.receive()`` returned the decoded event).
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TextIO

from . import events as ev
from ._connection import RealtimeConnection
from ._open import open_realtime
from .testing import FakeServer, ToolCall, open_fake_server

__all__ = ["run_demo"]

_QUESTION = "What's the weather in Paris?"
_SPOKEN = "And tomorrow?"
_REPLIES: list[str | ToolCall | list[str | ToolCall]] = [
    ["Let me check the weather for you.", ToolCall("get_weather", {"city": "Paris"})],
    "It is 18 °C and sunny in Paris: a fine evening for a walk along the Seine.",
    "Tomorrow stays dry, with a high of 21 °C.",
]
_WEATHER_TOOL = ev.FunctionTool(
    name="get_weather",
    description="Current weather for a city.",
    parameters={
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
)


def get_weather(city: str) -> dict[str, Any]:
    """The demo's local tool: a canned forecast."""
    return {"city": city, "temp_c": 18, "sky": "sunny"}


_TOOLS: dict[str, Callable[..., dict[str, Any]]] = {"get_weather": get_weather}


@dataclass
class _Timings:
    """Client-side receive times, matched to the server's send times afterwards."""

    received: dict[str, float] = field(default_factory=dict[str, float])
    first_delta: list[float] = field(default_factory=list[float])


def _tone(ms: int, rate: int = 24000) -> bytes:
    """Stand-in speech: a 220 Hz tone, loud enough for voice activity detection."""
    amplitude = int(32767 * 0.3)
    step = 2 * math.pi * 220 / rate
    return b"".join(
        int(amplitude * math.sin(step * i)).to_bytes(2, "little", signed=True)
        for i in range(rate * ms // 1000)
    )


async def _stream(
    conn: RealtimeConnection, out: TextIO, timings: _Timings, asked_at: float
) -> tuple[list[ev.FunctionCall], int]:
    """Print one response as it streams; return its function calls and audio bytes."""
    calls: list[ev.FunctionCall] = []
    audio_bytes = 0
    first = True
    async for event in conn:
        now = time.perf_counter()
        match event:
            case (
                ev.ResponseOutputTextDelta(delta=text)
                | ev.ResponseOutputAudioTranscriptDelta(delta=text)
            ):
                timings.received[event.event_id] = now
                if first:
                    timings.first_delta.append(now - asked_at)
                    out.write("assistant> ")
                    first = False
                out.write(text)
                out.flush()
            case ev.ResponseOutputAudioDelta(delta=audio):
                timings.received[event.event_id] = now
                audio_bytes += len(audio)
            case ev.ConversationItemInputAudioTranscriptionCompleted(transcript=heard):
                out.write(f"you (spoken)> {heard}\n")
            case ev.ResponseOutputItemDone(item=ev.FunctionCall() as call):
                calls.append(call)
            case ev.ResponseDone():
                if not first:
                    out.write("\n")
                return calls, audio_bytes
            case ev.ErrorEvent(error=error):
                out.write(f"[server error] {error.message}\n")
            case _:
                pass
    raise RuntimeError("the fake server ended the session early")


async def _wait_for(conn: RealtimeConnection, kind: type[ev.ServerEvent]) -> None:
    async for event in conn:
        if isinstance(event, kind):
            return


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p * len(ordered)) - 1)]


def _format_us(seconds: float) -> str:
    micro = seconds * 1e6
    return f"{micro:.0f} µs" if micro < 1000 else f"{micro / 1000:.2f} ms"


def _summary(server: FakeServer, timings: _Timings, out: TextIO) -> None:
    sent = {
        str(getattr(event, "event_id", "")): at
        for conn in server.connections
        for at, event in conn.sent_log
    }
    dispatch = [t - sent[eid] for eid, t in timings.received.items() if eid in sent]
    out.write("\nlatency, measured by this client over loopback:\n")
    if timings.first_delta:
        out.write(
            f"  time to first delta   p50 {_format_us(_percentile(timings.first_delta, 0.5))}"
            f"   ({len(timings.first_delta)} responses: response.create -> first delta)\n"
        )
    if dispatch:
        out.write(
            f"  delta dispatch        p50 {_format_us(_percentile(dispatch, 0.5))}"
            f"   p99 {_format_us(_percentile(dispatch, 0.99))}"
            f"   ({len(dispatch)} deltas: fake server's write -> conn.receive() returned;"
            " both share this event loop)\n"
        )


async def run_demo(out: TextIO, *, delta_size: int = 4, delta_interval: float = 0.02) -> int:
    """Run the scripted offline conversation, writing to ``out``; returns an exit code."""
    timings = _Timings()
    async with open_fake_server(
        delta_size=delta_size, delta_interval=delta_interval, record_sent=True
    ) as server:
        server.script(*_REPLIES)
        server.script_transcripts(_SPOKEN)
        out.write(
            "trio-realtime demo: an offline conversation with the embedded fake Realtime "
            f"server at {server.url}\n\n"
        )
        async with open_realtime(server.client(), "gpt-realtime-2.1") as conn:
            await _wait_for(conn, ev.SessionCreated)
            await conn.send(
                ev.SessionUpdate(
                    session=ev.RealtimeSession(
                        output_modalities=["text"],
                        instructions="You are a concise weather assistant.",
                        tools=[_WEATHER_TOOL],
                    )
                )
            )
            await _wait_for(conn, ev.SessionUpdated)

            # A text turn: the model answers and calls a tool.
            out.write(f"you> {_QUESTION}\n")
            await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text(_QUESTION)))
            await conn.send(ev.ResponseCreate())
            calls, _ = await _stream(conn, out, timings, time.perf_counter())
            for call in calls:
                result = _TOOLS[call.name](**json.loads(call.arguments))
                out.write(f"[tool] {call.name}({call.arguments}) -> {json.dumps(result)}\n")
                await conn.send(
                    ev.ConversationItemCreate(
                        item=ev.FunctionCallOutput.of(str(call.call_id), result)
                    )
                )
            await conn.send(ev.ResponseCreate())
            await _stream(conn, out, timings, time.perf_counter())

            # A spoken turn: audio in, server VAD ends the turn, audio and transcript out.
            await conn.send(
                ev.SessionUpdate(
                    session=ev.RealtimeSession(
                        output_modalities=["audio"],
                        audio=ev.AudioConfig(
                            input=ev.AudioInput(
                                transcription=ev.AudioTranscription(model="gpt-transcribe")
                            )
                        ),
                    )
                )
            )
            await _wait_for(conn, ev.SessionUpdated)
            out.write("you> (speaking: 0.6 s of audio, then silence)\n")
            speech = _tone(600) + bytes(2 * 24000 * 700 // 1000)
            chunk = 2 * 24000 // 10  # 100 ms
            for start in range(0, len(speech), chunk):
                await conn.send(ev.InputAudioBufferAppend(audio=speech[start : start + chunk]))
            asked_at = time.perf_counter()
            _, audio_bytes = await _stream(conn, out, timings, asked_at)
            out.write(
                f"           ({audio_bytes / 48000:.2f} s of 24 kHz PCM16 audio came with it)\n"
            )
        _summary(server, timings, out)
    return 0
