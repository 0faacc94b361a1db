"""Pure pieces of the fake server: voice activity detection, scripting, error wording.

No sockets here; the server over loopback is tested in test_fake_server.py.
"""

from __future__ import annotations

import math

import pytest

from trio_realtime import events as ev
from trio_realtime._errors import EventDecodeError
from trio_realtime.events import decode_client_event
from trio_realtime.testing import ToolCall, Turn, echo_responder
from trio_realtime.testing._invalid import decode_error_detail
from trio_realtime.testing._script import chunk_text, reply_items, synth_audio
from trio_realtime.testing._session_state import deep_merge, default_session
from trio_realtime.testing._vad import (
    SpeechStarted,
    SpeechStopped,
    VoiceActivityDetector,
    pcm16_rms,
)


def tone(ms: int, level: float, rate: int = 24000) -> bytes:
    amp = int(32767 * level)
    return b"".join(
        int(amp * math.sin(2 * math.pi * 300 * i / rate)).to_bytes(2, "little", signed=True)
        for i in range(rate * ms // 1000)
    )


def test_pcm16_rms_of_silence_full_scale_and_odd_bytes() -> None:
    assert pcm16_rms(b"") == 0.0
    assert pcm16_rms(bytes(480)) == 0.0
    full = (32767).to_bytes(2, "little", signed=True) + (-32768).to_bytes(2, "little", signed=True)
    assert pcm16_rms(full) == pytest.approx(1.0, abs=1e-4)
    assert pcm16_rms(full + b"\x01") == pcm16_rms(full)  # a trailing half-sample is ignored
    assert pcm16_rms(tone(100, 0.5)) == pytest.approx(0.5 / math.sqrt(2), rel=0.02)


def test_vad_start_and_stop_positions_across_chunk_boundaries() -> None:
    vad = VoiceActivityDetector(silence_duration_ms=200)
    audio = bytes(2 * 24000 * 100 // 1000) + tone(300, 0.3) + bytes(2 * 24000 * 300 // 1000)
    decisions: list[SpeechStarted | SpeechStopped] = []
    # Awkward chunk sizes: frames straddle chunks, odd byte counts included.
    for start in range(0, len(audio), 777):
        decisions += vad.feed(audio[start : start + 777])
    assert decisions == [SpeechStarted(100), SpeechStopped(600)]
    assert not vad.speaking
    assert vad.position_ms == pytest.approx(700)


def test_vad_threshold_and_quiet_audio() -> None:
    assert VoiceActivityDetector(threshold=0.5).feed(tone(200, 0.005)) == []
    assert VoiceActivityDetector(threshold=0.1).feed(tone(200, 0.005)) == [SpeechStarted(0)]
    g711 = VoiceActivityDetector(sample_rate=8000, bytes_per_sample=1)
    assert g711.feed(b"\x00" * 8000) == []
    assert g711.position_ms == pytest.approx(1000)


def test_vad_reset_forgets_a_half_turn() -> None:
    vad = VoiceActivityDetector()
    assert vad.feed(tone(50, 0.3)) == [SpeechStarted(0)]
    vad.reset()
    assert not vad.speaking
    assert vad.feed(bytes(2 * 24000)) == []


def test_chunk_text_and_reply_items() -> None:
    assert chunk_text("abcdefg", 3) == ["abc", "def", "g"]
    assert chunk_text("", 3) == []
    with pytest.raises(ValueError, match="at least 1"):
        chunk_text("x", 0)
    call = ToolCall("f", {"b": 1, "a": [2]})
    assert reply_items("hi") == ["hi"]
    assert reply_items(call) == [call]
    assert reply_items(["a", call]) == ["a", call]
    assert call.arguments_json() == '{"a":[2],"b":1}'
    assert ToolCall("f", '{"raw": true}').arguments_json() == '{"raw": true}'


def test_synth_audio_is_deterministic_and_sized_by_text() -> None:
    first = synth_audio("hello", sample_rate=24000, pcm16=True)
    assert first == synth_audio("hello", sample_rate=24000, pcm16=True)
    assert len(first) == 2 * 24000 * 100 // 1000  # 5 chars x 20 ms
    assert pcm16_rms(first) > 0.1
    assert synth_audio("", sample_rate=8000, pcm16=False) == b"\xff" * 800  # 100 ms minimum


def test_echo_responder_prefers_tool_output_then_text_then_audio() -> None:
    base = Turn(conversation=(), instructions=None, output_modalities=("text",))
    assert echo_responder(base) == "Hello from the fake Realtime server."
    assert echo_responder(Turn((), None, ("text",), last_user_text="hi")) == "You said: hi"
    assert echo_responder(Turn((), None, ("audio",), last_user_audio_ms=300)) == (
        "I heard 300 ms of audio."
    )
    assert echo_responder(Turn((), None, ("text",), last_user_text="hi", tool_output="42")) == (
        "The tool returned: 42"
    )


def test_deep_merge_keeps_siblings_and_replaces_changed_kinds() -> None:
    base = {"audio": {"input": {"turn_detection": {"type": "server_vad", "threshold": 0.5}}}}
    assert deep_merge(base, {"audio": {"input": {"turn_detection": {"threshold": 0.9}}}}) == {
        "audio": {"input": {"turn_detection": {"threshold": 0.9}}}
    }  # no "type" in the patch: a different kind, replaced whole
    assert deep_merge(
        base, {"audio": {"input": {"turn_detection": {"type": "server_vad", "threshold": 0.9}}}}
    ) == {"audio": {"input": {"turn_detection": {"type": "server_vad", "threshold": 0.9}}}}
    assert deep_merge(base, {"audio": {"input": {"turn_detection": None}}}) == {
        "audio": {"input": {"turn_detection": None}}
    }
    assert deep_merge({"a": 1, "b": 2}, {"b": 3}) == {"a": 1, "b": 3}


def test_default_session_is_a_full_realtime_session() -> None:
    session = default_session("gpt-realtime")
    assert session.model == "gpt-realtime"
    assert session.output_modalities == ["audio"]
    assert isinstance(session.audio, ev.AudioConfig)
    assert isinstance(session.audio.input, ev.AudioInput)
    assert isinstance(session.audio.input.turn_detection, ev.ServerVad)


def _detail(frame: bytes) -> tuple[str, str | None, str | None]:
    with pytest.raises(EventDecodeError) as caught:
        decode_client_event(frame)
    detail = decode_error_detail(caught.value, frame)
    return detail.code, detail.param, detail.event_id


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        (b"{", ("invalid_json", None, None)),
        (b"[1, 2]", ("invalid_type", None, None)),
        (b'{"event_id": "e"}', ("missing_required_parameter", "type", "e")),
        (b'{"type": 7}', ("missing_required_parameter", "type", None)),
        (b'{"type": "nope", "event_id": "e"}', ("invalid_value", "type", "e")),
        (
            b'{"type": "conversation.item.truncate", "item_id": "i", "content_index": 0}',
            ("missing_required_parameter", "audio_end_ms", None),
        ),
        (
            b'{"type": "session.update", "session": {"type": "realtime", "instructions": 1}}',
            ("invalid_type", "session.instructions", None),
        ),
    ],
)
def test_decode_errors_are_worded_like_the_service(
    frame: bytes, expected: tuple[str, str | None, str | None]
) -> None:
    assert _detail(frame) == expected


def test_public_names() -> None:
    import trio_realtime.testing as testing

    assert sorted(testing.__all__) == [
        "DEFAULT_API_KEY",
        "DEFAULT_INSTRUCTIONS",
        "DEFAULT_WEBHOOK_SECRET",
        "FakeCall",
        "FakeConnection",
        "FakeRest",
        "FakeServer",
        "Faults",
        "MintedSecret",
        "PeerGone",
        "Reply",
        "Responder",
        "ToolCall",
        "Turn",
        "echo_responder",
        "open_fake_server",
        "tool_rule_responder",
    ]
    for name in testing.__all__:
        assert hasattr(testing, name), name


def test_example_arguments_follow_the_schema() -> None:
    from trio_realtime.testing._script import example_arguments

    schema = {
        "type": "object",
        "properties": {
            "city": {"type": "string"},
            "days": {"type": "integer"},
            "unit": {"enum": ["c", "f"]},
            "where": {"$ref": "#/$defs/Place"},
            "tags": {"type": "array"},
            "optional": {"type": "string"},
            "fast": {"type": ["boolean", "null"]},
            "n": {"anyOf": [{"type": "number"}, {"type": "null"}]},
            "when": {"type": "string", "default": "now"},
        },
        "required": ["city", "days", "unit", "where", "tags", "fast", "n", "when"],
        "$defs": {
            "Place": {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}
        },
    }
    assert example_arguments(schema) == {
        "city": "example",
        "days": 1,
        "unit": "c",
        "where": {"x": 1},
        "tags": [],
        "fast": True,
        "n": 1.0,
        "when": "now",
    }
    assert example_arguments(None) == {}


def test_tool_rule_responder_calls_offered_tools_on_user_turns() -> None:
    from trio_realtime.testing import Turn, tool_rule_responder

    respond = tool_rule_responder([ToolCall("a", {"x": 1}), ToolCall("b")])
    user = Turn(conversation=(), instructions=None, output_modalities=("text",), tools=("a", "c"))
    assert respond(user) == [ToolCall("a", {"x": 1})]
    after = Turn(
        conversation=(),
        instructions=None,
        output_modalities=("text",),
        tools=("a",),
        tool_output="1",
    )
    assert respond(after) == "The tool returned: 1"
    none = Turn(
        conversation=(), instructions=None, output_modalities=("text",), last_user_text="hi"
    )
    assert respond(none) == "You said: hi"
