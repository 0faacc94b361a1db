"""Hostile input into the GPT-Live decoders, as test_events_fuzz does for Realtime:
an event or an `EventDecodeError` carrying the frame, nothing else."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_events_fuzz import FUZZ, HOSTILE, finite_json, json_values, random_type

from trio_realtime import EventDecodeError, live

SERVER_TAGS = sorted(live.LIVE_CLIENT_CODEC.incoming_types)
SERVER_TABLE = dict(live.LIVE_CLIENT_CODEC.incoming_types)

CLIENT_DECODERS: list[tuple[Callable[[bytes | str], Any], frozenset[str]]] = [
    (live.decode_client_event, frozenset(live.LIVE_CLIENT_CODEC.outgoing_types)),
    (live.decode_connect_client_event, frozenset(live.CONNECT_CLIENT_CODEC.outgoing_types)),
    (live.decode_fork_client_event, frozenset(live.FORK_CLIENT_CODEC.outgoing_types)),
]


def _raw(data: bytes | str) -> bytes:
    return data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)


def _decode(decode: Callable[[bytes | str], Any], data: bytes | str) -> Any:
    """The decoded event, or the `EventDecodeError`; any other exception propagates."""
    try:
        return decode(data)
    except EventDecodeError as exc:
        return exc


def _check_server(data: bytes | str) -> Any:
    event = _decode(live.decode_server_event, data)
    if isinstance(event, EventDecodeError):
        assert event.raw == _raw(data)
        assert event.path is None or event.path.startswith("$")
        return event
    if isinstance(event, live.UnknownEvent):
        assert event.event_type not in SERVER_TABLE
        assert event.raw == _raw(data)
    else:
        assert isinstance(event, live.LiveServerEvent)
        assert event.type in SERVER_TABLE
    return event


def _check_clients(data: bytes | str) -> None:
    for decode, tags in CLIENT_DECODERS:
        event = _decode(decode, data)
        if isinstance(event, EventDecodeError):
            assert event.raw == _raw(data)
            continue
        assert isinstance(event, live.LiveClientEvent)
        assert event.type in tags


@st.composite
def known_type_wrong_fields(draw: st.DrawFn) -> dict[str, Any]:
    tag = draw(st.sampled_from(SERVER_TAGS))
    names = [f.encode_name for f in msgspec.structs.fields(SERVER_TABLE[tag])]
    keys = draw(st.lists(st.sampled_from(names), unique=True)) if names else []
    obj: dict[str, Any] = {name: draw(finite_json) for name in keys}
    obj["type"] = tag
    return obj


@FUZZ
@given(st.binary(max_size=512) | st.text(max_size=256))
def test_arbitrary_bytes_and_text(data: bytes | str) -> None:
    _check_server(data)
    _check_clients(data)


@FUZZ
@given(json_values)
def test_arbitrary_json(value: Any) -> None:
    text = json.dumps(value, allow_nan=True)
    result = _check_server(text)
    if not isinstance(value, dict) or not isinstance(value.get("type"), str):
        assert isinstance(result, EventDecodeError)
    _check_clients(text)


@FUZZ
@given(known_type_wrong_fields())
def test_known_type_with_arbitrary_fields(obj: dict[str, Any]) -> None:
    result = _check_server(json.dumps(obj).encode())
    if isinstance(result, EventDecodeError):
        assert result.event_type == obj["type"]
    else:
        assert result.type == obj["type"]


@FUZZ
@given(random_type)
def test_unknown_types_are_delivered(obj: dict[str, Any]) -> None:
    result = _check_server(json.dumps(obj).encode())
    tag = obj["type"]
    if isinstance(tag, str) and tag not in SERVER_TABLE:
        assert isinstance(result, live.UnknownEvent)
        assert result.event_type == tag


@pytest.mark.parametrize("data", HOSTILE)
def test_hostile_frame(data: bytes | str) -> None:
    _check_server(data)
    _check_clients(data)


def test_a_realtime_tag_with_a_live_payload_is_not_confused() -> None:
    # "session.updated" exists in both protocols with other payloads: the Live
    # decoder wants a Live session resource, and says where it is wrong.
    frame = b'{"type": "session.updated", "event_id": "e", "session": {"type": "realtime"}}'
    with pytest.raises(EventDecodeError) as info:
        live.decode_server_event(frame)
    assert info.value.event_type == "session.updated"
    assert info.value.path == "$.session"


def test_sideband_commands_are_told_apart() -> None:
    dtmf = b'{"type": "transport.dtmf.send", "event": "5"}'
    assert isinstance(live.decode_connect_client_event(dtmf), live.TransportDtmfSend)
    with pytest.raises(EventDecodeError, match="unknown event type"):
        live.decode_client_event(dtmf)
    server_copy = b'{"type": "transport.dtmf.send", "event": "5", "event_id": "e1"}'
    assert isinstance(live.decode_server_event(server_copy), live.TransportDtmfSendEvent)
    fork = b'{"type": "session.start", "session": {}}'
    assert isinstance(live.decode_fork_client_event(fork), live.ForkSessionStart)
    with pytest.raises(EventDecodeError) as info:
        live.decode_client_event(fork)
    assert info.value.path == "$.session"
