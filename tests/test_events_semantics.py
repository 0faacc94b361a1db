"""What the event model means, beyond its shape (pure: no sockets, no `openai`).

Absent versus null in client events, audio as exact bytes, forward compatibility
(new enumeration values, unknown fields, unknown types), the builders, the
mechanical names, the public surface, and typed errors for malformed frames.
"""

from __future__ import annotations

import array
import base64
import inspect
import json
import sys
import types
from typing import Any, get_args

import msgspec
import pytest

import trio_realtime.events as ev
from trio_realtime import EventDecodeError, EventEncodeError

PCM = bytes(range(256)) * 4 + b"\x00\xff"  # every byte value, even length


def _json(data: bytes) -> Any:
    return json.loads(data)


def _frame(**fields: Any) -> bytes:
    return json.dumps(fields).encode()


# --- absent is not null -----------------------------------------------------------


def test_unset_fields_are_not_sent() -> None:
    assert ev.encode_client_event(ev.ResponseCreate()) == b'{"type":"response.create"}'
    assert _json(ev.encode_client_event(ev.InputAudioBufferCommit())) == {
        "type": "input_audio_buffer.commit"
    }
    session = ev.RealtimeSession(instructions="Be brief.")
    assert _json(ev.encode_client_event(ev.SessionUpdate(session=session))) == {
        "type": "session.update",
        "session": {"type": "realtime", "instructions": "Be brief."},
    }


def test_design_example_encodes_as_documented() -> None:
    update = ev.SessionUpdate(session=ev.RealtimeSession(output_modalities=["text"]))
    assert _json(ev.encode_client_event(update)) == {
        "type": "session.update",
        "session": {"type": "realtime", "output_modalities": ["text"]},
    }
    create = ev.ConversationItemCreate(item=ev.UserMessage.text("Hello"))
    assert _json(ev.encode_client_event(create)) == {
        "type": "conversation.item.create",
        "item": {
            "type": "message",
            "role": "user",
            "content": [{"type": "input_text", "text": "Hello"}],
        },
    }


def _turn_detection_update(value: Any) -> dict[str, Any]:
    audio = ev.AudioConfig(input=ev.AudioInput(turn_detection=value))
    return _json(ev.encode_client_event(ev.SessionUpdate(session=ev.RealtimeSession(audio=audio))))


def test_turn_detection_absent_keeps_the_current_setting() -> None:
    sent = _turn_detection_update(msgspec.UNSET)
    assert sent["session"]["audio"] == {"input": {}}


def test_turn_detection_null_turns_vad_off() -> None:
    sent = _turn_detection_update(None)
    assert sent["session"]["audio"] == {"input": {"turn_detection": None}}


def test_turn_detection_value_is_tagged() -> None:
    sent = _turn_detection_update(ev.SemanticVad(eagerness="low"))
    assert sent["session"]["audio"]["input"]["turn_detection"] == {
        "type": "semantic_vad",
        "eagerness": "low",
    }


def test_null_and_absent_survive_a_client_round_trip() -> None:
    # What a proxy or the fake server decodes, it re-encodes without turning
    # absent into null or null into absent.
    frame = {
        "type": "session.update",
        "session": {
            "type": "realtime",
            "tracing": None,
            "prompt": None,
            "audio": {"input": {"turn_detection": None, "noise_reduction": None}},
        },
    }
    event = ev.decode_client_event(json.dumps(frame))
    assert isinstance(event, ev.SessionUpdate)
    assert isinstance(event.session, ev.RealtimeSession)
    assert event.session.instructions is msgspec.UNSET
    assert event.session.tracing is None
    assert _json(ev.encode_client_event(event)) == frame


def test_server_optional_fields_default_to_none() -> None:
    event = ev.decode_server_event(
        _frame(type="input_audio_buffer.committed", event_id="e", item_id="i")
    )
    assert isinstance(event, ev.InputAudioBufferCommitted)
    assert event.previous_item_id is None
    event = ev.decode_server_event(
        _frame(type="response.done", event_id="e", response={"id": "r", "usage": None})
    )
    assert isinstance(event, ev.ResponseDone)
    assert event.response.usage is None
    assert event.response.status is None


# --- audio is bytes ---------------------------------------------------------------


def test_input_audio_append_sends_exact_bytes() -> None:
    data = ev.encode_client_event(ev.InputAudioBufferAppend(audio=PCM))
    assert base64.b64decode(_json(data)["audio"]) == PCM
    back = ev.decode_client_event(data)
    assert isinstance(back, ev.InputAudioBufferAppend)
    assert back.audio == PCM


def test_output_audio_delta_decodes_to_exact_bytes() -> None:
    frame = _frame(
        type="response.output_audio.delta",
        event_id="e",
        response_id="r",
        item_id="i",
        output_index=0,
        content_index=0,
        delta=base64.b64encode(PCM).decode(),
    )
    event = ev.decode_server_event(frame)
    assert isinstance(event, ev.ResponseOutputAudioDelta)
    assert event.delta == PCM
    assert _json(ev.encode_server_event(event))["delta"] == base64.b64encode(PCM).decode()


def test_audio_content_parts_are_exact_bytes() -> None:
    create = ev.ConversationItemCreate(item=ev.UserMessage.audio(PCM))
    back = ev.decode_client_event(ev.encode_client_event(create))
    assert isinstance(back, ev.ConversationItemCreate)
    assert isinstance(back.item, ev.UserMessage)
    assert back.item.content[0].audio == PCM
    frame = _frame(
        type="conversation.item.retrieved",
        event_id="e",
        item={
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_audio", "audio": base64.b64encode(PCM).decode()}],
        },
    )
    event = ev.decode_server_event(frame)
    assert isinstance(event, ev.ConversationItemRetrieved)
    assert isinstance(event.item, ev.Message)
    assert event.item.content[0].audio == PCM


def test_translation_audio_is_exact_bytes() -> None:
    append = ev.TranslationSessionInputAudioBufferAppend(audio=PCM)
    back = ev.decode_translation_client_event(ev.encode_translation_client_event(append))
    assert isinstance(back, ev.TranslationSessionInputAudioBufferAppend)
    assert back.audio == PCM
    frame = _frame(
        type="session.output_audio.delta", event_id="e", delta=base64.b64encode(PCM).decode()
    )
    event = ev.decode_translation_server_event(frame)
    assert isinstance(event, ev.TranslationSessionOutputAudioDelta)
    assert event.delta == PCM


def test_malformed_base64_is_a_decode_error() -> None:
    frame = _frame(
        type="response.output_audio.delta",
        event_id="e",
        response_id="r",
        item_id="i",
        output_index=0,
        content_index=0,
        delta="not base64!",
    )
    with pytest.raises(EventDecodeError) as info:
        ev.decode_server_event(frame)
    assert info.value.path == "$.delta"
    assert info.value.raw == frame


@pytest.mark.parametrize(
    "pcm",
    [PCM, bytearray(PCM), memoryview(PCM), array.array("h", PCM)],
    ids=["bytes", "bytearray", "memoryview", "array-h"],
)
def test_pcm16_append_accepts_any_buffer(pcm: Any) -> None:
    event = ev.InputAudioBufferAppend.pcm16(pcm)
    assert type(event.audio) is bytes
    assert event.audio == PCM


def test_pcm16_append_rejects_half_a_sample() -> None:
    with pytest.raises(EventEncodeError, match="whole samples"):
        ev.InputAudioBufferAppend.pcm16(b"\x00\x01\x02")


# --- forward compatibility ------------------------------------------------------


def _response_done(**response: Any) -> ev.Response:
    event = ev.decode_server_event(_frame(type="response.done", event_id="e", response=response))
    assert isinstance(event, ev.ResponseDone)
    return event.response


def test_new_enumeration_values_still_decode() -> None:
    response = _response_done(
        id="r",
        status="deferred",
        status_details={"type": "deferred", "reason": "a_new_reason", "error": {"code": "x9"}},
        output_modalities=["text", "video"],
        audio={"output": {"voice": "a-voice-from-2030", "format": {"type": "audio/opus"}}},
        max_output_tokens="inf",
        output=[
            {
                "type": "message",
                "role": "developer",
                "status": "archived",
                "content": [{"type": "output_video", "text": "?"}],
            }
        ],
    )
    assert response.status == "deferred"
    assert response.status_details is not None
    assert response.status_details.reason == "a_new_reason"
    assert response.output_modalities == ["text", "video"]
    assert response.audio is not None
    assert isinstance(response.audio.output, ev.ResponseAudioOutput)
    assert response.audio.output.voice == "a-voice-from-2030"
    assert isinstance(response.audio.output.format, ev.AudioFormat)
    assert response.audio.output.format.type == "audio/opus"
    assert response.output is not None
    message = response.output[0]
    assert isinstance(message, ev.Message)
    assert message.role == "developer"
    assert message.content[0].type == "output_video"


def test_new_session_values_still_decode() -> None:
    frame = _frame(
        type="session.created",
        event_id="e",
        session={
            "type": "realtime",
            "model": "gpt-realtime-9",
            "include": ["something.new"],
            "tool_choice": "sometimes",
            "truncation": "aggressive",
            "tracing": "auto",
            "reasoning": {"effort": "extreme"},
            "audio": {
                "input": {
                    "noise_reduction": {"type": "very_far_field"},
                    "transcription": {"model": "whisper-9", "delay": "instant"},
                    "turn_detection": {"type": "semantic_vad", "eagerness": "eager"},
                },
                "output": {"voice": {"id": "voice_123"}},
            },
        },
    )
    event = ev.decode_server_event(frame)
    assert isinstance(event, ev.SessionCreated)
    session = event.session
    assert isinstance(session, ev.RealtimeSession)
    assert session.model == "gpt-realtime-9"
    assert session.tool_choice == "sometimes"
    assert isinstance(session.audio, ev.AudioConfig)
    assert isinstance(session.audio.input, ev.AudioInput)
    assert isinstance(session.audio.input.turn_detection, ev.SemanticVad)
    assert session.audio.input.turn_detection.eagerness == "eager"
    assert isinstance(session.audio.output, ev.AudioOutput)
    assert session.audio.output.voice == ev.VoiceId(id="voice_123")


def test_new_error_codes_and_rate_limit_names_decode() -> None:
    error = ev.decode_server_event(
        _frame(
            type="error",
            event_id="e",
            error={"type": "brand_new_error", "code": "quota_vibes", "message": "m"},
        )
    )
    assert isinstance(error, ev.ErrorEvent)
    assert error.error.code == "quota_vibes"
    limits = ev.decode_server_event(
        _frame(type="rate_limits.updated", event_id="e", rate_limits=[{"name": "images"}])
    )
    assert isinstance(limits, ev.RateLimitsUpdated)
    assert limits.rate_limits[0].name == "images"


def test_unknown_fields_are_ignored_at_every_level() -> None:
    frame = _frame(
        type="response.done",
        event_id="e",
        brand_new_top_level=1,
        response={
            "id": "r",
            "new_response_field": {"deep": True},
            "usage": {"total_tokens": 3, "new_counter": 7},
            "output": [
                {
                    "type": "function_call",
                    "name": "f",
                    "arguments": "{}",
                    "new_item_field": [1],
                }
            ],
        },
    )
    event = ev.decode_server_event(frame)
    assert isinstance(event, ev.ResponseDone)
    assert event.response.usage == ev.Usage(total_tokens=3)
    assert event.response.output == [ev.FunctionCall(name="f", arguments="{}")]


def test_unknown_event_type_is_delivered_with_its_payload() -> None:
    frame = b'{"type":"conversation.item.teleported","event_id":"e","where":{"x":1}}'
    event = ev.decode_server_event(frame)
    assert isinstance(event, ev.UnknownEvent)
    assert event.type == "conversation.item.teleported"
    assert event.payload == {
        "type": "conversation.item.teleported",
        "event_id": "e",
        "where": {"x": 1},
    }
    assert event.raw == frame


def test_unknown_item_type_is_a_decode_error_with_a_path() -> None:
    # Items are a tagged union: a new item kind fails the one event that carries
    # it (the connection delivers it as InvalidEvent by default), not the session.
    frame = _frame(type="conversation.item.done", event_id="e", item={"type": "hologram"})
    with pytest.raises(EventDecodeError) as info:
        ev.decode_server_event(frame)
    assert info.value.event_type == "conversation.item.done"
    assert info.value.path == "$.item.type"


# --- malformed frames -------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "path"),
    [
        (b"{not json", None),
        (b"[1, 2]", None),
        (b'{"event_id": "e"}', "$.type"),
        (b'{"type": 7}', "$.type"),
    ],
    ids=["not-json", "not-an-object", "no-type", "non-string-type"],
)
def test_malformed_frame_is_one_typed_error(data: bytes, path: str | None) -> None:
    with pytest.raises(EventDecodeError) as info:
        ev.decode_server_event(data)
    assert info.value.raw == data
    assert info.value.path == path


def test_wrong_field_type_names_the_path() -> None:
    frame = _frame(type="response.done", event_id="e", response={"usage": {"total_tokens": "x"}})
    with pytest.raises(EventDecodeError) as info:
        ev.decode_server_event(frame)
    assert info.value.path == "$.response.usage.total_tokens"
    assert info.value.event_type == "response.done"
    assert info.value.raw == frame


def test_text_frames_decode_like_bytes() -> None:
    frame = '{"type":"input_audio_buffer.cleared","event_id":"é"}'
    assert ev.decode_server_event(frame) == ev.decode_server_event(frame.encode())


# --- builders and matching --------------------------------------------------------


def test_message_builders_set_role_and_part_type() -> None:
    cases = [
        (ev.UserMessage.text("u"), "user", "input_text"),
        (ev.SystemMessage.text("s"), "system", "input_text"),
        (ev.AssistantMessage.text("a"), "assistant", "output_text"),
    ]
    for message, role, part in cases:
        sent = _json(ev.encode_client_event(ev.ConversationItemCreate(item=message)))
        assert sent["item"]["role"] == role
        assert sent["item"]["content"][0]["type"] == part
    image = ev.UserMessage.image("https://example.com/cat.png", detail="low")
    assert msgspec.to_builtins(image)["content"] == [
        {"type": "input_image", "image_url": "https://example.com/cat.png", "detail": "low"}
    ]


def test_decoded_messages_match_the_role_builders() -> None:
    frame = _frame(
        type="conversation.item.added",
        event_id="e",
        item={"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
    )
    event = ev.decode_server_event(frame)
    assert isinstance(event, ev.ConversationItemAdded)
    item = event.item
    assert type(item) is ev.Message
    assert isinstance(item, ev.UserMessage)
    assert not isinstance(item, ev.AssistantMessage | ev.SystemMessage)
    match item:
        case ev.UserMessage(content=[ev.InputText(text=text)]):
            assert text == "hi"
        case _:
            pytest.fail("a decoded user message did not match UserMessage(...)")
    assert not isinstance(ev.FunctionCall(name="f", arguments=""), ev.UserMessage)


def test_built_events_equal_their_decoded_copies() -> None:
    built: list[ev.ClientEvent] = [
        ev.ConversationItemCreate(item=ev.UserMessage.text("hi")),
        ev.ConversationItemCreate(item=ev.AssistantMessage.text("yo")),
        ev.ConversationItemCreate(item=ev.UserMessage(content=[ev.InputAudio(audio=PCM)])),
        ev.SessionUpdate(
            session=ev.RealtimeSession(
                audio=ev.AudioConfig(output=ev.AudioOutput(format=ev.AudioPCM(rate=24000)))
            )
        ),
    ]
    for event in built:
        decoded = ev.decode_client_event(ev.encode_client_event(event))
        assert decoded == event
        assert event == decoded
        assert (decoded != event) is False
    assert ev.UserMessage.text("hi") != ev.UserMessage.text("ho")
    assert ev.UserMessage.text("hi") != ev.SystemMessage.text("hi")
    assert ev.InputText(text="hi") != ev.OutputText(text="hi")


def test_format_builders_match_decoded_formats() -> None:
    assert msgspec.to_builtins(ev.AudioPCM(rate=24000)) == {"type": "audio/pcm", "rate": 24000}
    assert msgspec.to_builtins(ev.AudioPCMU()) == {"type": "audio/pcmu"}
    decoded = msgspec.json.decode(b'{"type":"audio/pcma"}', type=ev.AudioFormat)
    assert isinstance(decoded, ev.AudioPCMA)
    assert not isinstance(decoded, ev.AudioPCM)


def test_function_call_output_builder() -> None:
    assert ev.FunctionCallOutput.of("c1", "done") == ev.FunctionCallOutput(
        call_id="c1", output="done"
    )
    out = ev.FunctionCallOutput.of("c2", {"temp_c": 21, "ok": True})
    assert json.loads(out.output) == {"temp_c": 21, "ok": True}
    sent = _json(ev.encode_client_event(ev.ConversationItemCreate(item=out)))
    assert sent["item"] == {
        "type": "function_call_output",
        "call_id": "c2",
        "output": out.output,
    }


def test_function_call_output_that_is_not_json() -> None:
    with pytest.raises(EventEncodeError, match="not JSON"):
        ev.FunctionCallOutput.of("c", object())


def test_nested_tagged_unions_decode_to_their_structs() -> None:
    frame = {
        "type": "session.update",
        "session": {
            "type": "realtime",
            "tools": [
                {"type": "function", "name": "f", "parameters": {"type": "object"}},
                {"type": "mcp", "server_label": "s", "require_approval": {"never": {}}},
            ],
            "tool_choice": {"type": "mcp", "server_label": "s"},
            "truncation": {"type": "retention_ratio", "retention_ratio": 0.5},
            "tracing": {"workflow_name": "w"},
            "prompt": {
                "id": "p",
                "variables": {"a": "x", "b": {"type": "input_text", "text": "t"}},
            },
        },
    }
    event = ev.decode_client_event(json.dumps(frame))
    assert isinstance(event, ev.SessionUpdate)
    session = event.session
    assert isinstance(session, ev.RealtimeSession)
    assert isinstance(session.tools, list)
    assert [type(t) for t in session.tools] == [ev.FunctionTool, ev.McpTool]
    assert isinstance(session.tool_choice, ev.ToolChoiceMcp)
    assert isinstance(session.truncation, ev.TruncationRetentionRatio)
    assert isinstance(session.tracing, ev.TracingConfig)
    assert isinstance(session.prompt, ev.Prompt)
    assert isinstance(session.prompt.variables, dict)
    assert session.prompt.variables["b"] == ev.PromptInputText(text="t")
    assert _json(ev.encode_client_event(event)) == frame


def test_transcription_session_is_its_own_tag() -> None:
    update = ev.SessionUpdate(
        session=ev.TranscriptionSession(
            audio=ev.TranscriptionAudioConfig(
                input=ev.AudioInput(transcription=ev.AudioTranscription(model="whisper-1"))
            )
        )
    )
    back = ev.decode_client_event(ev.encode_client_event(update))
    assert isinstance(back, ev.SessionUpdate)
    assert isinstance(back.session, ev.TranscriptionSession)


def test_mcp_call_error_and_transcription_usage_unions() -> None:
    done = ev.decode_server_event(
        _frame(
            type="response.output_item.done",
            event_id="e",
            response_id="r",
            output_index=0,
            item={
                "type": "mcp_call",
                "id": "m",
                "server_label": "s",
                "name": "n",
                "arguments": "{}",
                "error": {"type": "http_error", "code": 502, "message": "bad gateway"},
            },
        )
    )
    assert isinstance(done, ev.ResponseOutputItemDone)
    assert isinstance(done.item, ev.McpCall)
    assert done.item.error == ev.McpHttpError(code=502, message="bad gateway")
    completed = ev.decode_server_event(
        _frame(
            type="conversation.item.input_audio_transcription.completed",
            event_id="e",
            item_id="i",
            content_index=0,
            transcript="hi",
            usage={"type": "duration", "seconds": 1.5},
        )
    )
    assert isinstance(completed, ev.ConversationItemInputAudioTranscriptionCompleted)
    assert completed.usage == ev.TranscriptionDurationUsage(seconds=1.5)


# --- translation sessions ---------------------------------------------------------


def test_translation_tags_decode_in_their_own_family() -> None:
    session = {
        "id": "s",
        "type": "translation",
        "model": "m",
        "expires_at": 1,
        "audio": {"output": {"language": "es"}},
    }
    frame = _frame(type="session.created", event_id="e", session=session)
    event = ev.decode_translation_server_event(frame)
    assert isinstance(event, ev.TranslationSessionCreated)
    assert event.session.audio.output == ev.TranslationAudioOutput(language="es")
    # The same tag on the realtime endpoint means a realtime session.
    with pytest.raises(EventDecodeError):
        ev.decode_server_event(frame)


def test_translation_error_has_the_realtime_shape() -> None:
    frame = _frame(type="error", event_id="e", error={"type": "invalid_request", "message": "m"})
    translated = ev.decode_translation_server_event(frame)
    realtime = ev.decode_server_event(frame)
    assert isinstance(translated, ev.TranslationErrorEvent)
    assert isinstance(realtime, ev.ErrorEvent)
    assert translated.error == realtime.error


def test_translation_unknown_type_is_delivered() -> None:
    event = ev.decode_translation_server_event(b'{"type":"session.new_thing"}')
    assert isinstance(event, ev.UnknownEvent)
    assert event.type == "session.new_thing"


def test_translation_update_sends_only_what_was_set() -> None:
    update = ev.TranslationSessionUpdate(
        session=ev.TranslationSessionConfig(
            audio=ev.TranslationAudio(input=ev.TranslationAudioInput(noise_reduction=None))
        )
    )
    assert _json(ev.encode_translation_client_event(update)) == {
        "type": "session.update",
        "session": {"audio": {"input": {"noise_reduction": None}}},
    }


# --- names and the public surface ---------------------------------------------------

FAMILIES: dict[str, tuple[type[msgspec.Struct], str]] = {
    "server": (ev.ServerEvent, ""),
    "client": (ev.ClientEvent, ""),
    "translation server": (ev.TranslationServerEvent, "Translation"),
    "translation client": (ev.TranslationClientEvent, "Translation"),
}


def _mechanical(tag: str, prefix: str) -> str:
    if tag == "error":
        return prefix + "ErrorEvent"
    words = tag.replace(".", "_").split("_")
    return prefix + "".join(w[:1].upper() + w[1:] for w in words)


def _family(base: type[msgspec.Struct]) -> list[type[msgspec.Struct]]:
    return ev.concrete_subclasses(base)  # type: ignore[attr-defined]


@pytest.mark.parametrize("family", FAMILIES)
def test_event_names_are_mechanical(family: str) -> None:
    base, prefix = FAMILIES[family]
    wrong = {
        cls.__struct_config__.tag: cls.__name__
        for cls in _family(base)
        if cls.__name__ != _mechanical(str(cls.__struct_config__.tag), prefix)
    }
    assert not wrong


def test_union_aliases_agree_with_the_codecs() -> None:
    pairs = [
        (ev.RealtimeServerEventUnion, ev.CLIENT_CODEC.incoming_types),
        (ev.RealtimeClientEventUnion, ev.CLIENT_CODEC.outgoing_types),
        (ev.TranslationServerEventUnion, ev.TRANSLATION_CLIENT_CODEC.incoming_types),
        (ev.TranslationClientEventUnion, ev.TRANSLATION_CLIENT_CODEC.outgoing_types),
    ]
    for union, table in pairs:
        assert set(get_args(union)) == set(table.values())
    assert len(ev.CLIENT_CODEC.incoming_types) == 46
    assert len(ev.CLIENT_CODEC.outgoing_types) == 11


def test_type_property_is_the_wire_tag() -> None:
    for base, _ in FAMILIES.values():
        for cls in _family(base):
            assert cls.__struct_config__.tag_field == "type"
            assert isinstance(inspect.getattr_static(cls, "type"), property)
    assert ev.ResponseCreate().type == "response.create"
    assert ev.TranslationSessionClose().type == "session.close"
    assert ev.ServerVad().type == "server_vad"


_SCALARS = (
    msgspec.inspect.StrType,
    msgspec.inspect.IntType,
    msgspec.inspect.FloatType,
    msgspec.inspect.BoolType,
    msgspec.inspect.NoneType,
    msgspec.inspect.BytesType,
)


def _scalar_only(cls: type[msgspec.Struct]) -> bool:
    info = msgspec.inspect.type_info(cls)
    assert isinstance(info, msgspec.inspect.StructType)
    for field in info.fields:
        kinds = (
            field.type.types if isinstance(field.type, msgspec.inspect.UnionType) else [field.type]
        )
        if not all(isinstance(kind, _SCALARS) for kind in kinds):
            return False
    return True


def test_gc_false_only_where_no_cycle_is_possible() -> None:
    # gc=False is safe only for Structs that hold no containers and no objects:
    # then no reference cycle can run through them. Every such event uses it.
    for base, _ in FAMILIES.values():
        for cls in _family(base):
            assert cls.__struct_config__.gc is not _scalar_only(cls), cls.__name__
    assert not ev.ResponseOutputTextDelta.__struct_config__.gc
    assert not ev.ResponseOutputAudioDelta.__struct_config__.gc
    assert ev.ResponseDone.__struct_config__.gc


def _event_modules() -> list[types.ModuleType]:
    return [
        module
        for name, module in sorted(sys.modules.items())
        if name.startswith("trio_realtime.events._") and module is not None
    ]


def _public_structs() -> set[str]:
    found: set[str] = set()
    for module in _event_modules():
        for name, obj in vars(module).items():
            if (
                isinstance(obj, type)
                and issubclass(obj, msgspec.Struct)
                and obj.__module__ == module.__name__
                and not name.startswith("_")
                and name not in {"Model", "TaggedModel"}
            ):
                found.add(name)
    return found


def _isort_key(name: str) -> tuple[int, str]:
    # ruff's RUF022 order: CONSTANTS, then Classes, then functions.
    return (0 if name.isupper() else 1 if name[:1].isupper() else 2, name)


def test_public_surface() -> None:
    assert ev.__all__ == sorted(ev.__all__, key=_isort_key)
    assert len(set(ev.__all__)) == len(ev.__all__)
    for name in ev.__all__:
        assert getattr(ev, name) is not None, name
    missing = _public_structs() - set(ev.__all__)
    assert not missing, f"Structs not exported from trio_realtime.events: {sorted(missing)}"


def test_every_struct_is_keyword_only() -> None:
    for module in _event_modules():
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, msgspec.Struct)
                and obj.__module__ == (module.__name__)
            ):
                params = inspect.signature(obj).parameters.values()
                positional = [p.name for p in params if p.kind is not p.KEYWORD_ONLY]
                assert not positional, f"{obj.__name__} takes {positional} positionally"
