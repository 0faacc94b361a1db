"""Hostile input into the decoders: an event or `EventDecodeError`, nothing else;
and what a user sees for each kind of bad or unknown frame.

Pure (no sockets, no `openai`). Covers arbitrary bytes and text, arbitrary JSON
(NaN and Infinity literals included), known event types with wrong field types,
random type strings, deep nesting, huge strings, invalid UTF-8 and lone
surrogates. Every `EventDecodeError` carries the frame's exact bytes.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import trio_realtime.events as ev
from trio_realtime import EventDecodeError, ProtocolError, RealtimeError

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SERVER_TAGS = sorted(ev.CLIENT_CODEC.incoming_types)
CLIENT_TAGS = sorted(ev.SERVER_CODEC.incoming_types)


def _raw(data: bytes | str) -> bytes:
    """The bytes an error must carry for ``data`` (text frames as UTF-8)."""
    if isinstance(data, str):
        return data.encode("utf-8", "surrogatepass")
    return bytes(data)


def _decode(decode: Callable[[bytes | str], Any], data: bytes | str) -> Any:
    """The decoded event, or the `EventDecodeError`; any other exception propagates."""
    try:
        return decode(data)
    except EventDecodeError as exc:
        return exc


def _check_error(error: EventDecodeError, data: bytes | str) -> None:
    assert error.raw == _raw(data)
    assert error.path is None or error.path.startswith("$")
    assert str(error)


def _check_server(data: bytes | str) -> ev.ServerEvent | EventDecodeError:
    event = _decode(ev.decode_server_event, data)
    if isinstance(event, EventDecodeError):
        _check_error(event, data)
        return event
    assert isinstance(event, ev.ServerEvent)
    if isinstance(event, ev.UnknownEvent):
        assert event.event_type not in ev.CLIENT_CODEC.incoming_types
        assert event.payload.get("type") == event.event_type
        assert event.raw == _raw(data)
    else:
        assert event.type in ev.CLIENT_CODEC.incoming_types
    return event


def _check_client(data: bytes | str) -> ev.ClientEvent | EventDecodeError:
    event = _decode(ev.decode_client_event, data)
    if isinstance(event, EventDecodeError):
        _check_error(event, data)
        return event
    assert isinstance(event, ev.ClientEvent)
    assert event.type in ev.SERVER_CODEC.incoming_types
    return event


# --- strategies ----------------------------------------------------------------


def _json(*, finite: bool) -> st.SearchStrategy[Any]:
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.integers(min_value=2**64, max_value=2**80)
        | st.floats(allow_nan=not finite, allow_infinity=not finite)
        | st.text(max_size=30)
    )
    return st.recursive(
        scalars,
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
        ),
        max_leaves=20,
    )


#: Any JSON value, plus the NaN / Infinity literals that JSON does not allow.
json_values = _json(finite=False)
#: Only values that serialise to valid JSON.
finite_json = _json(finite=True)


def _field_names(tags: list[str], table: dict[str, type[msgspec.Struct]]) -> dict[str, list[str]]:
    return {tag: [f.encode_name for f in msgspec.structs.fields(table[tag])] for tag in tags}


_SERVER_FIELDS = _field_names(SERVER_TAGS, dict(ev.CLIENT_CODEC.incoming_types))


@st.composite
def known_type_wrong_fields(draw: st.DrawFn) -> dict[str, Any]:
    """A known server event type whose fields hold arbitrary values."""
    tag = draw(st.sampled_from(SERVER_TAGS))
    names = _SERVER_FIELDS[tag]
    keys = draw(st.lists(st.sampled_from(names), unique=True)) if names else []
    obj: dict[str, Any] = {name: draw(finite_json) for name in keys}
    obj["type"] = tag
    return obj


random_type = st.fixed_dictionaries(
    {"type": st.text(max_size=40) | finite_json},
    optional={"event_id": finite_json, "payload": finite_json},
)


def _dumps(value: Any) -> str:
    # allow_nan writes the NaN / Infinity literals, which are not JSON.
    return json.dumps(value, allow_nan=True)


# --- property tests --------------------------------------------------------------


@FUZZ
@given(st.binary(max_size=512))
def test_arbitrary_bytes(data: bytes) -> None:
    _check_server(data)
    _check_client(data)


@FUZZ
@given(st.text(max_size=256))
def test_arbitrary_text(data: str) -> None:
    _check_server(data)
    _check_client(data)


@FUZZ
@given(json_values)
def test_arbitrary_json(value: Any) -> None:
    text = _dumps(value)
    result = _check_server(text.encode())
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        assert isinstance(result, EventDecodeError)
    _check_client(text)


@FUZZ
@given(known_type_wrong_fields())
def test_known_type_with_arbitrary_fields(obj: dict[str, Any]) -> None:
    data = _dumps(obj).encode()
    result = _check_server(data)
    if isinstance(result, EventDecodeError):
        assert result.event_type == obj["type"]
    else:
        assert result.type == obj["type"]


@FUZZ
@given(random_type)
def test_random_type_strings(obj: dict[str, Any]) -> None:
    result = _check_server(_dumps(obj).encode())
    tag = obj["type"]
    # An unknown type is delivered, never raised.
    if isinstance(tag, str) and tag not in ev.CLIENT_CODEC.incoming_types:
        assert isinstance(result, ev.UnknownEvent)
        assert result.event_type == tag


@FUZZ
@given(st.binary(min_size=1, max_size=64), st.sampled_from(SERVER_TAGS))
def test_invalid_utf8_inside_a_known_event(junk: bytes, tag: str) -> None:
    data = b'{"type": "' + tag.encode() + b'", "event_id": "' + b"\xff" + junk + b'"}'
    assert isinstance(_check_server(data), EventDecodeError)


# --- fixed hostile frames ----------------------------------------------------------

DEPTH = 100_000


def _deep(prefix: bytes, suffix: bytes) -> bytes:
    return prefix + b"[" * DEPTH + b"]" * DEPTH + suffix


HOSTILE: list[Any] = [
    pytest.param(_deep(b"", b""), id="deep-array"),
    pytest.param(b'{"a":' * DEPTH + b"1" + b"}" * DEPTH, id="deep-object"),
    pytest.param(_deep(b'{"type": "x.unknown", "a": ', b"}"), id="deep-in-unknown"),
    pytest.param(
        _deep(b'{"type": "response.output_text.delta", "delta": ', b"}"), id="deep-in-known"
    ),
    pytest.param(b'{"type": "error", "event_id": "\xff\xfe"}', id="invalid-utf8"),
    pytest.param(b'{"type": "x.unknown", "a": "\xc3"}', id="truncated-utf8-in-unknown"),
    pytest.param('{"type": "x.unknown", "a": "\ud800"}', id="lone-surrogate-text"),
    pytest.param(b'{"type": "x.unknown", "a": "\\ud800"}', id="lone-surrogate-escape"),
    pytest.param(b'{"type": "x.unknown", "a": NaN}', id="nan"),
    pytest.param(b'{"type": "x.unknown", "a": -Infinity}', id="infinity"),
    pytest.param(b'{"type": "x.unknown", "a": 1e400}', id="float-overflow"),
    pytest.param(b'{"type": "x.unknown", "a": ' + b"9" * 5000 + b"}", id="huge-int"),
    pytest.param(b"\xef\xbb\xbf" + b'{"type": "x.unknown"}', id="utf8-bom"),
    pytest.param(b'{"type": "x.unknown"}\x00', id="trailing-nul"),
    pytest.param(b'{"type": "x.unknown"} {"type": "y"}', id="two-documents"),
    pytest.param(b"", id="empty"),
    pytest.param(b" ", id="whitespace"),
    pytest.param(b"\x00" * 1000, id="nuls"),
]


@pytest.mark.parametrize("data", HOSTILE)
def test_hostile_frame(data: bytes | str) -> None:
    _check_server(data)
    _check_client(data)


def test_huge_string_in_a_known_event() -> None:
    text = "é" * 3_000_000
    frame = {
        "type": "response.output_text.delta",
        "event_id": "e",
        "response_id": "r",
        "item_id": "i",
        "output_index": 0,
        "content_index": 0,
        "delta": text,
    }
    event = _check_server(json.dumps(frame, ensure_ascii=False).encode())
    assert not isinstance(event, EventDecodeError)
    assert event.delta == text  # type: ignore[union-attr]


def test_huge_string_in_an_unknown_event() -> None:
    frame = json.dumps({"type": "x.new_thing", "blob": "a" * 5_000_000}).encode()
    event = _check_server(frame)
    assert isinstance(event, ev.UnknownEvent)
    assert len(event.payload["blob"]) == 5_000_000


def test_decode_error_is_in_the_library_tree() -> None:
    assert issubclass(EventDecodeError, ProtocolError)
    assert issubclass(EventDecodeError, RealtimeError)


# --- the translation decoders ----------------------------------------------------------

TRANSLATION_DECODERS = [
    pytest.param(ev.decode_translation_server_event, id="translation-server"),
    pytest.param(ev.decode_translation_client_event, id="translation-client"),
]


def _check_translation(decode: Callable[[bytes | str], Any], data: bytes | str) -> None:
    event = _decode(decode, data)
    if isinstance(event, EventDecodeError):
        _check_error(event, data)
    elif decode is ev.decode_translation_server_event:
        # Unknown types are delivered here too, as on the realtime endpoint.
        assert isinstance(event, ev.TranslationServerEvent | ev.UnknownEvent)
    else:
        assert isinstance(event, ev.TranslationClientEvent)


@pytest.mark.parametrize("decode", TRANSLATION_DECODERS)
@pytest.mark.parametrize("data", HOSTILE)
def test_hostile_frame_translation(decode: Callable[[bytes | str], Any], data: bytes) -> None:
    _check_translation(decode, data)


@FUZZ
@given(
    st.binary(max_size=256)
    | st.text(max_size=128).map(str.encode)
    | json_values.map(_dumps)
    | random_type.map(_dumps)
)
def test_arbitrary_frames_translation(data: bytes | str) -> None:
    _check_translation(ev.decode_translation_server_event, data)
    _check_translation(ev.decode_translation_client_event, data)


def test_translation_unknown_type_is_delivered_not_raised() -> None:
    frame = b'{"type": "session.something_new", "x": 1}'
    event = ev.decode_translation_server_event(frame)
    assert isinstance(event, ev.UnknownEvent)
    assert event.payload == {"type": "session.something_new", "x": 1}
    with pytest.raises(EventDecodeError) as info:
        ev.decode_translation_client_event(frame)
    assert info.value.raw == frame


# --- what the user sees for each kind of bad frame ---------------------------------------

_DELTA = (
    b'{"type": "response.output_text.delta", "event_id": "e", "response_id": "r",'
    b' "item_id": "i", "content_index": 0, "delta": "x", "output_index": '
)

BAD_FRAMES: list[Any] = [
    pytest.param(b"not json", None, None, "not valid JSON", id="not-json"),
    pytest.param(b'{"type": "error"', None, None, "not valid JSON", id="truncated"),
    pytest.param(b"[1, 2]", None, None, "not an object", id="array"),
    pytest.param(b'"session.created"', None, None, "not an object", id="string"),
    pytest.param(b"null", None, None, "not an object", id="null"),
    pytest.param(b"{}", "$.type", None, "type", id="no-type"),
    pytest.param(b'{"type": 5}', "$.type", None, "type", id="type-not-string"),
    pytest.param(
        _DELTA + b'"zero"}', "$.output_index", "response.output_text.delta", "int", id="wrong-type"
    ),
    pytest.param(
        b'{"type": "response.done", "event_id": "e",'
        b' "response": {"usage": {"total_tokens": "many"}}}',
        "$.response.usage.total_tokens",
        "response.done",
        "total_tokens",
        id="wrong-type-nested",
    ),
    pytest.param(
        b'{"type": "response.output_text.delta"}',
        None,
        "response.output_text.delta",
        "missing required field",
        id="missing-field",
    ),
]


@pytest.mark.parametrize(("frame", "path", "event_type", "words"), BAD_FRAMES)
def test_bad_frame_is_one_typed_error(
    frame: bytes, path: str | None, event_type: str | None, words: str
) -> None:
    for data in (frame, frame.decode()):
        with pytest.raises(EventDecodeError) as info:
            ev.decode_server_event(data)
        error = info.value
        assert error.raw == frame
        assert error.path == path
        assert error.event_type == event_type
        assert words in str(error)


def test_unknown_type_keeps_payload_and_raw() -> None:
    frame = b'{"type": "response.hologram.delta", "event_id": "e", "frames": [1, {"x": null}]}'
    for data in (frame, frame.decode()):
        event = ev.decode_server_event(data)
        assert isinstance(event, ev.UnknownEvent)
        assert event.type == event.event_type == "response.hologram.delta"
        assert event.payload == json.loads(frame)
        assert event.raw == frame


def test_unknown_fields_on_a_known_event_are_ignored() -> None:
    frame = _DELTA + b'0, "brand_new": {"deep": [1, 2]}, "another": null}'
    event = ev.decode_server_event(frame)
    assert isinstance(event, ev.ResponseOutputTextDelta)
    assert msgspec.to_builtins(event) == {
        k: v for k, v in json.loads(frame).items() if k not in ("brand_new", "another")
    }


def test_client_decoder_rejects_unknown_types() -> None:
    # The server side (fake server, proxies) has no UnknownEvent: a client event
    # it cannot read is an error, with the type named.
    frame = b'{"type": "session.teleport"}'
    with pytest.raises(EventDecodeError) as info:
        ev.decode_client_event(frame)
    assert info.value.raw == frame
    assert info.value.event_type == "session.teleport"
