"""`Conversation` fed from recorded event streams of every item kind."""

from __future__ import annotations

import msgspec
import trio

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime.events import decode_server_event
from trio_realtime.testing import ToolCall, open_fake_server


def feed_json(conv: rt.Conversation, *events: dict[str, object]) -> None:
    for event in events:
        conv.feed(decode_server_event(msgspec.json.encode(event)))


def added(item: dict[str, object], previous: str | None = None) -> dict[str, object]:
    return {
        "type": "conversation.item.added",
        "event_id": "e",
        "item": item,
        "previous_item_id": previous,
    }


def user(item_id: str, text: str) -> dict[str, object]:
    return {
        "type": "message",
        "id": item_id,
        "role": "user",
        "status": "completed",
        "content": [{"type": "input_text", "text": text}],
    }


def delta(kind: str, item_id: str, value: str, **extra: object) -> dict[str, object]:
    return {
        "type": kind,
        "event_id": "e",
        "response_id": "r1",
        "item_id": item_id,
        "output_index": 0,
        "content_index": 0,
        "delta": value,
        **extra,
    }


def out_item(kind: str, item: dict[str, object]) -> dict[str, object]:
    return {"type": kind, "event_id": "e", "response_id": "r1", "output_index": 0, "item": item}


def response(kind: str, status: str, output: list[object] | None = None) -> dict[str, object]:
    body: dict[str, object] = {"id": "r1", "object": "realtime.response", "status": status}
    if output is not None:
        body["output"] = output
        body["usage"] = {"total_tokens": 7, "input_tokens": 3, "output_tokens": 4}
    return {"type": kind, "event_id": "e", "response": body}


def assistant(
    item_id: str, status: str, part: dict[str, object] | None = None
) -> dict[str, object]:
    return {
        "type": "message",
        "id": item_id,
        "role": "assistant",
        "status": status,
        "content": [part] if part else [],
    }


def test_text_turn() -> None:
    conv = rt.Conversation()
    feed_json(
        conv,
        added(user("u1", "Hi")),
        response("response.created", "in_progress"),
        out_item("response.output_item.added", assistant("a1", "in_progress")),
        *[delta("response.output_text.delta", "a1", d) for d in ("Hel", "lo ", "there")],
        out_item(
            "response.output_item.done",
            assistant("a1", "completed", {"type": "output_text", "text": "Hello there"}),
        ),
        response(
            "response.done",
            "completed",
            [assistant("a1", "completed", {"type": "output_text", "text": "Hello there"})],
        ),
    )
    assert [i.id for i in conv.items] == ["u1", "a1"]
    a1 = conv.item("a1")
    assert a1 is not None
    assert a1.role == "assistant"
    assert a1.status == "completed"
    assert a1.text == "Hello there"
    r = conv.responses["r1"]
    assert r.status == "completed"
    assert r.output_item_ids == ["a1"]
    assert r.usage is not None
    assert r.usage.output_tokens == 4


def test_deltas_join_lazily_and_keep_appending() -> None:
    conv = rt.Conversation()
    feed_json(conv, out_item("response.output_item.added", assistant("a1", "in_progress")))
    feed_json(conv, delta("response.output_text.delta", "a1", "ab"))
    a1 = conv.item("a1")
    assert a1 is not None
    assert a1.content[0].text == "ab"
    feed_json(conv, delta("response.output_text.delta", "a1", "c"))
    assert a1.content[0].text == "abc"


def test_audio_turn_with_transcript_and_durations() -> None:
    conv = rt.Conversation()
    feed_json(
        conv,
        out_item("response.output_item.added", assistant("a1", "in_progress")),
        {
            "type": "response.content_part.added",
            "event_id": "e",
            "response_id": "r1",
            "item_id": "a1",
            "output_index": 0,
            "content_index": 0,
            "part": {"type": "audio"},
        },
    )
    audio = ev.ResponseOutputAudioDelta(
        event_id="e",
        response_id="r1",
        item_id="a1",
        output_index=0,
        content_index=0,
        delta=bytes(4800),
    )
    conv.feed(audio)
    conv.feed(audio)
    feed_json(
        conv, *[delta("response.output_audio_transcript.delta", "a1", d) for d in ("Good ", "day")]
    )
    a1 = conv.item("a1")
    assert a1 is not None
    assert a1.content[0].type == "output_audio"
    assert a1.content[0].transcript == "Good day"
    assert a1.content[0].audio is None  # not kept by default
    assert conv.audio_ms("a1") == 200.0
    assert a1.text == "Good day"


def test_g711_format_from_session() -> None:
    conv = rt.Conversation()
    conv.feed(
        ev.SessionUpdated(
            event_id="e",
            session=ev.RealtimeSession(
                audio=ev.AudioConfig(output=ev.AudioOutput(format=ev.AudioPCMU()))
            ),
        )
    )
    assert conv.bytes_per_ms == 8
    conv.feed(
        ev.ResponseOutputAudioDelta(
            event_id="e",
            response_id="r1",
            item_id="a1",
            output_index=0,
            content_index=0,
            delta=bytes(800),
        )
    )
    assert conv.audio_ms("a1") == 100.0


def test_function_call_arguments_and_output() -> None:
    conv = rt.Conversation()
    call = {
        "type": "function_call",
        "id": "f1",
        "name": "get_weather",
        "call_id": "c1",
        "arguments": "",
        "status": "in_progress",
    }
    feed_json(
        conv,
        out_item("response.output_item.added", call),
        *[
            {
                "type": "response.function_call_arguments.delta",
                "event_id": "e",
                "response_id": "r1",
                "item_id": "f1",
                "output_index": 0,
                "call_id": "c1",
                "delta": d,
            }
            for d in ('{"city"', ':"Paris"}')
        ],
        added(
            {"type": "function_call_output", "id": "o1", "call_id": "c1", "output": '{"t":21}'},
            previous="f1",
        ),
    )
    f1 = conv.item("f1")
    assert f1 is not None
    assert f1.type == "function_call"
    assert f1.name == "get_weather"
    assert f1.call_id == "c1"
    assert f1.arguments == '{"city":"Paris"}'
    o1 = conv.item("o1")
    assert o1 is not None
    assert o1.output == '{"t":21}'
    assert o1.call_id == "c1"
    assert [i.id for i in conv.items] == ["f1", "o1"]


def test_input_audio_transcription() -> None:
    conv = rt.Conversation()
    item = {
        "type": "message",
        "id": "u1",
        "role": "user",
        "status": "completed",
        "content": [{"type": "input_audio", "transcript": None}],
    }
    feed_json(
        conv,
        added(item),
        {
            "type": "conversation.item.input_audio_transcription.delta",
            "event_id": "e",
            "item_id": "u1",
            "content_index": 0,
            "delta": "hel",
        },
        {
            "type": "conversation.item.input_audio_transcription.completed",
            "event_id": "e",
            "item_id": "u1",
            "content_index": 0,
            "transcript": "hello",
            "usage": {"type": "duration", "seconds": 1.0},
        },
    )
    u1 = conv.item("u1")
    assert u1 is not None
    assert u1.content[0].transcript == "hello"
    assert conv.history() == [ev.UserMessage.text("hello")]


def test_transcription_failure_recorded() -> None:
    conv = rt.Conversation()
    feed_json(
        conv,
        added(user("u1", "")),
        {
            "type": "conversation.item.input_audio_transcription.failed",
            "event_id": "e",
            "item_id": "u1",
            "content_index": 0,
            "error": {"message": "bad audio"},
        },
    )
    u1 = conv.item("u1")
    assert u1 is not None
    assert u1.content[0].transcription_error == "bad audio"


def test_previous_item_id_inserts_in_the_middle_and_root() -> None:
    conv = rt.Conversation()
    feed_json(
        conv,
        added(user("a", "1")),
        added(user("c", "3"), "a"),
        added(user("b", "2"), "a"),
        added(user("z", "0"), None),
    )
    assert [i.id for i in conv.items] == ["z", "a", "b", "c"]
    assert len(conv) == 4


def test_deletion() -> None:
    conv = rt.Conversation()
    feed_json(
        conv,
        added(user("a", "1")),
        added(user("b", "2"), "a"),
        {"type": "conversation.item.deleted", "event_id": "e", "item_id": "a"},
    )
    assert [i.id for i in conv.items] == ["b"]
    assert conv.item("a") is None


def test_truncation_drops_audio_and_trims_transcript() -> None:
    conv = rt.Conversation(keep_audio=True, max_audio_bytes=10_000)
    conv.feed(
        ev.ResponseOutputAudioDelta(
            event_id="e",
            response_id="r1",
            item_id="a1",
            output_index=0,
            content_index=0,
            delta=bytes(4800),
        )
    )  # 100 ms
    feed_json(conv, delta("response.output_audio_transcript.delta", "a1", "abcdefghij"))
    conv.feed(
        ev.ConversationItemTruncated(event_id="e", item_id="a1", content_index=0, audio_end_ms=30)
    )
    part = conv.item("a1").content[0]  # type: ignore[union-attr]
    assert part.truncated
    assert part.audio_bytes == 30 * 48
    assert part.audio is not None
    assert len(part.audio) == 30 * 48
    assert part.transcript == "abc"
    assert conv.kept_audio_bytes == 30 * 48
    # A late transcript.done does not undo the truncation.
    feed_json(
        conv,
        {
            "type": "response.output_audio_transcript.done",
            "event_id": "e",
            "response_id": "r1",
            "item_id": "a1",
            "output_index": 0,
            "content_index": 0,
            "transcript": "abcdefghij",
        },
    )
    assert part.transcript == "abc"


def test_bounded_audio_bytes() -> None:
    conv = rt.Conversation(keep_audio=True, max_audio_bytes=1000)
    for _ in range(3):
        conv.feed(
            ev.ResponseOutputAudioDelta(
                event_id="e",
                response_id="r1",
                item_id="a1",
                output_index=0,
                content_index=0,
                delta=bytes(480),
            )
        )
    part = conv.item("a1").content[0]  # type: ignore[union-attr]
    assert part.audio_bytes == 1440
    assert part.audio is not None
    assert len(part.audio) == 1000
    assert conv.kept_audio_bytes == 1000
    conv.feed(ev.ConversationItemDeleted(event_id="e", item_id="a1"))
    assert conv.kept_audio_bytes == 0


def test_cancelled_response() -> None:
    conv = rt.Conversation()
    feed_json(
        conv,
        response("response.created", "in_progress"),
        out_item("response.output_item.added", assistant("a1", "in_progress")),
        delta("response.output_text.delta", "a1", "Hal"),
        response("response.done", "cancelled", [assistant("a1", "incomplete")]),
    )
    assert conv.responses["r1"].status == "cancelled"
    a1 = conv.item("a1")
    assert a1 is not None
    assert a1.status == "incomplete"
    assert a1.text == "Hal"


def test_unknown_item_type_kept_raw() -> None:
    conv = rt.Conversation()
    frame = msgspec.json.encode(added({"type": "weird_thing", "id": "w1", "x": 1}))
    conv.feed(
        ev.InvalidEvent(
            raw=frame, error=rt.EventDecodeError("bad", frame), event_type="conversation.item.added"
        )
    )
    w1 = conv.item("w1")
    assert w1 is not None
    assert w1.type == "weird_thing"
    assert w1.raw == {"type": "weird_thing", "id": "w1", "x": 1}
    conv.feed(
        ev.UnknownEvent(
            event_type="response.output_item.added",
            payload={"response_id": "r1", "item": {"type": "other", "id": "w2"}},
        )
    )
    assert [i.id for i in conv.items] == ["w1", "w2"]
    assert conv.history() == []


def test_mcp_items() -> None:
    conv = rt.Conversation()
    feed_json(
        conv,
        added(
            {
                "type": "mcp_list_tools",
                "id": "l1",
                "server_label": "srv",
                "tools": [{"name": "t", "input_schema": {}}],
            }
        ),
        out_item(
            "response.output_item.added",
            {"type": "mcp_call", "id": "m1", "server_label": "srv", "name": "t", "arguments": ""},
        ),
        {
            "type": "response.mcp_call_arguments.delta",
            "event_id": "e",
            "response_id": "r1",
            "item_id": "m1",
            "output_index": 0,
            "delta": "{}",
        },
        out_item(
            "response.output_item.done",
            {
                "type": "mcp_call",
                "id": "m1",
                "server_label": "srv",
                "name": "t",
                "arguments": "{}",
                "output": "ok",
            },
        ),
    )
    l1, m1 = conv.items
    assert l1.type == "mcp_list_tools"
    assert l1.tools is not None
    assert l1.tools[0].name == "t"
    assert m1.type == "mcp_call"
    assert m1.arguments == "{}"
    assert m1.output == "ok"


def test_text_snapshot() -> None:
    conv = rt.Conversation()
    feed_json(
        conv,
        added(
            {
                "type": "message",
                "id": "s1",
                "role": "system",
                "content": [{"type": "input_text", "text": "Be brief."}],
            }
        ),
        added(user("u1", "weather?"), "s1"),
        out_item(
            "response.output_item.done",
            assistant("a1", "completed", {"type": "output_audio", "transcript": "Sun."}),
        ),
        out_item(
            "response.output_item.done",
            {"type": "function_call", "id": "f1", "name": "w", "call_id": "c1", "arguments": "{}"},
        ),
        added({"type": "function_call_output", "id": "o1", "call_id": "c1", "output": "1"}, "f1"),
    )
    assert conv.history() == [
        ev.SystemMessage.text("Be brief."),
        ev.UserMessage.text("weather?"),
        ev.AssistantMessage.text("Sun."),
        ev.FunctionCall(name="w", arguments="{}", call_id="c1"),
        ev.FunctionCallOutput(call_id="c1", output="1"),
    ]


async def test_fake_server_conversation() -> None:
    conv = rt.Conversation()
    with trio.fail_after(5):
        async with (
            open_fake_server(delta_size=3) as server,
            rt.open_realtime(server.client(), "gpt-realtime") as conn,
        ):

            async def turn() -> None:
                await conn.send(ev.ResponseCreate())
                async for event in conn:
                    conv.feed(event)
                    if isinstance(event, ev.ResponseDone):
                        return

            await conn.send(
                ev.SessionUpdate(session=ev.RealtimeSession(output_modalities=["text"]))
            )
            await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text("Hi there")))
            await turn()
            server.script([ToolCall("get_weather", {"city": "Paris"}, call_id="call_x")])
            await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text("weather?")))
            await turn()
            await conn.send(
                ev.ConversationItemCreate(item=ev.FunctionCallOutput.of("call_x", {"t": 21}))
            )
            await turn()
    kinds = [(i.type, i.role) for i in conv.items]
    assert kinds == [
        ("message", "user"),
        ("message", "assistant"),
        ("message", "user"),
        ("function_call", None),
        ("function_call_output", None),
        ("message", "assistant"),
    ]
    items = conv.items
    assert items[1].text == "You said: Hi there"
    assert items[3].arguments == '{"city":"Paris"}'
    assert items[3].name == "get_weather"
    assert items[4].output == '{"t":21}'
    assert all(r.status == "completed" for r in conv.responses.values())
    assert len(conv.responses) == 3
    assert conv.history()[0] == ev.UserMessage.text("Hi there")
