"""Cost of `trio_realtime.Conversation.feed` per delta, and of an `Agent`'s observer, in ns.

Decoded events (``response.output_text.delta``, ``response.output_audio.delta``
and ``response.function_call_arguments.delta``) are fed to a conversation that
already holds their item, as in a live turn; decode is not included (see
bench_decode.py). The agent rows run the observer `open_agent` attaches to the
connection (its conversation plus its own dispatch) on the same events.
Timing is timeit: loops sized by ``Timer.autorange`` (>= 0.2 s), the best
of many repeats. Not part of run_all.py.
"""

from __future__ import annotations

import timeit
from typing import Any, cast

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime._agent import Agent

REPEATS = 30


def _conversation() -> rt.Conversation:
    conv = rt.Conversation()
    conv.feed(
        ev.ResponseOutputItemAdded(
            event_id="e",
            response_id="r1",
            output_index=0,
            item=ev.AssistantMessage(id="item_1", content=[], status="in_progress"),
        )
    )
    return conv


def _best_ns(stmt: str, namespace: dict[str, object]) -> float:
    timer = timeit.Timer(stmt, globals=namespace)
    loops, _ = timer.autorange()
    loops = max(loops, 1)
    return min(timer.repeat(REPEATS, loops)) / loops * 1e9


def main() -> None:
    conv = _conversation()
    text = ev.ResponseOutputTextDelta(
        event_id="e",
        response_id="r1",
        item_id="item_1",
        output_index=0,
        content_index=0,
        delta="Hello ",
    )
    audio = ev.ResponseOutputAudioDelta(
        event_id="e",
        response_id="r1",
        item_id="item_1",
        output_index=0,
        content_index=1,
        delta=bytes(2400),
    )
    args = ev.ResponseFunctionCallArgumentsDelta(
        event_id="e",
        response_id="r1",
        item_id="item_1",
        output_index=0,
        call_id="c",
        delta='{"a":',
    )
    item = conv.item("item_1")
    assert item is not None
    agent = Agent(
        cast(Any, None),
        cast(Any, None),
        tools={},
        conversation=_conversation(),
        playback=None,
        on_interrupt=None,
        max_tool_rounds=8,
    )
    ns = {
        "feed": conv.feed,
        "observe": agent._observe,  # pyright: ignore[reportPrivateUsage]
        "text": text,
        "audio": audio,
        "args": args,
        "item": item,
        "ignored": ev.InputAudioBufferSpeechStarted(event_id="e", audio_start_ms=0, item_id="i"),
    }
    rows = [
        ("text delta", _best_ns("feed(text)", ns)),
        ("audio delta (duration only)", _best_ns("feed(audio)", ns)),
        ("function-call arguments delta", _best_ns("feed(args)", ns)),
        ("ignored event (dict miss)", _best_ns("feed(ignored)", ns)),
        ("agent observer: text delta", _best_ns("observe(text)", ns)),
        ("agent observer: audio delta", _best_ns("observe(audio)", ns)),
    ]
    for name, value in rows:
        print(f"{name:32} {value:8.1f} ns")


if __name__ == "__main__":
    main()
