"""Round trips for every event type, with examples built from the `openai` package.

Server events: ``decode -> to_builtins`` gives back the input, and what we
encode (as the fake server does) validates with the SDK's own models. Client
events: ``decode -> encode`` gives back the input byte for byte in meaning
(absent stays absent, ``null`` stays ``null``), and the SDK's models accept what
we send without unknown keys. Base64 fields are compared as the bytes they hold.
"""

from __future__ import annotations

import array
import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

import msgspec
import pytest

import trio_realtime as rt
import trio_realtime.events as ev
import trio_realtime.live as live

# The helpers import pydantic and the SDK: only once the SDK is known to be there.
pytest.importorskip("openai")

import _sdk_examples as examples
import _sdk_schema as schema
import pydantic

pytestmark = pytest.mark.schema

SERVER_FAMILIES = (
    "server",
    "translation server",
    "live server",
    "live connect server",
    "live fork server",
)
CLIENT_FAMILIES = (
    "client",
    "translation client",
    "live client",
    "live connect client",
    "live fork client",
)

# Function names per family and direction; the first that exists is used.
_FUNCS: dict[tuple[str, str], tuple[str, ...]] = {
    ("server", "decode"): ("decode_server_event",),
    ("server", "encode"): ("encode_server_event",),
    ("client", "decode"): ("decode_client_event",),
    ("client", "encode"): ("encode_client_event",),
    ("translation server", "decode"): ("decode_translation_server_event",),
    ("translation server", "encode"): ("encode_translation_server_event",),
    ("translation client", "decode"): ("decode_translation_client_event",),
    ("translation client", "encode"): ("encode_translation_client_event",),
    ("live server", "decode"): ("live.decode_server_event",),
    ("live server", "encode"): ("live.encode_server_event",),
    ("live client", "decode"): ("live.decode_client_event",),
    ("live client", "encode"): ("live.encode_client_event",),
    ("live connect server", "decode"): ("live.decode_server_event",),
    ("live connect server", "encode"): ("live.encode_server_event",),
    ("live connect client", "decode"): ("live.decode_connect_client_event",),
    ("live connect client", "encode"): ("live.encode_client_event",),
    ("live fork server", "decode"): ("live.decode_server_event",),
    ("live fork server", "encode"): ("live.encode_server_event",),
    ("live fork client", "decode"): ("live.decode_fork_client_event",),
    ("live fork client", "encode"): ("live.encode_client_event",),
}


def _func(family: str, direction: str) -> Callable[..., Any]:
    for name in _FUNCS[family, direction]:
        module: Any = ev
        if name.startswith("live."):
            module, name = live, name.removeprefix("live.")
        found = getattr(module, name, None)
        if found is not None:
            return found  # type: ignore[no-any-return]
    pytest.fail(f"trio_realtime.events has none of {_FUNCS[family, direction]}", pytrace=False)


def _our_class(family: str, tag: str) -> type[msgspec.Struct]:
    ours = schema.our_events(family)
    if ours is None or tag not in ours:
        pytest.fail(f"no {family} Struct with tag {tag!r}", pytrace=False)
    return ours[tag]


def _cases(families: tuple[str, ...], modes: tuple[str, ...]) -> list[Any]:
    cases: list[Any] = []
    for family in families:
        if family in CLIENT_FAMILIES:
            sources = examples.client_params(family)
        else:
            sources = schema.sdk_events(family)
        for tag, cls in sources.items():
            for mode in modes:
                for i, example in enumerate(examples.examples(cls, mode)):
                    ident = f"{family.replace(' ', '-')}:{tag}:{mode}{i}"
                    cases.append(pytest.param(family, tag, example, id=ident))
    return cases


SERVER_CASES = _cases(SERVER_FAMILIES, ("minimal", "full"))
CLIENT_CASES = _cases(CLIENT_FAMILIES, examples.MODES)


def test_every_event_has_examples() -> None:
    # Guards the generator: every SDK event of every family has a minimal and a
    # full example (an empty walk would make the round trips vacuous).
    ids = {p.id.rsplit(":", 1)[0] for p in SERVER_CASES + CLIENT_CASES}
    modes = {p.id for p in SERVER_CASES + CLIENT_CASES}
    for family, count in schema.EXPECTED_COUNTS.items():
        prefix = family.replace(" ", "-") + ":"
        tags = [i for i in ids if i.startswith(prefix)]
        assert len(tags) >= count, family
        for tag in tags:
            assert f"{tag}:minimal0" in modes
            assert f"{tag}:full0" in modes


# --- comparing JSON values ----------------------------------------------------


def _drop_none(value: Any) -> Any:
    """Server events: an optional field sent as ``null`` means the same as absent."""
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


def _b64(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def _diff(got: Any, want: Any, path: str = "$") -> list[str]:
    """Readable differences between two JSON values; base64 strings as bytes."""
    if isinstance(want, dict) and isinstance(got, dict):
        out: list[str] = []
        for key in sorted(set(want) | set(got)):
            if key not in got:
                out.append(f"{path}.{key}: missing (want {want[key]!r})")
            elif key not in want:
                out.append(f"{path}.{key}: unexpected {got[key]!r}")
            else:
                out.extend(_diff(got[key], want[key], f"{path}.{key}"))
        return out
    if isinstance(want, list) and isinstance(got, list):
        if len(want) != len(got):
            return [f"{path}: {len(got)} items, want {len(want)}"]
        return [
            d
            for i, (g, w) in enumerate(zip(got, want, strict=True))
            for d in _diff(g, w, f"{path}[{i}]")
        ]
    if isinstance(want, str) and isinstance(got, str) and want != got:
        a, b = _b64(got), _b64(want)
        if a is not None and a == b:
            return []
    if type(got) is not type(want) and not (
        isinstance(got, int | float) and isinstance(want, int | float) and not isinstance(got, bool)
    ):
        return [f"{path}: got {got!r} ({type(got).__name__}), want {want!r}"]
    if got != want:
        return [f"{path}: got {got!r}, want {want!r}"]
    return []


def _assert_same(got: Any, want: Any, what: str) -> None:
    problems = _diff(got, want)
    if problems:
        pytest.fail(f"{what} differs:\n" + "\n".join(problems), pytrace=False)


def _sdk_extras(value: Any, path: str = "$") -> list[str]:
    """Keys the SDK's models accepted only as unknown extras (a misspelt field)."""
    out: list[str] = []
    if isinstance(value, pydantic.BaseModel):
        for key in value.model_extra or {}:
            out.append(f"{path}.{key}")
        for name in type(value).model_fields:
            out.extend(_sdk_extras(getattr(value, name), f"{path}.{name}"))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            out.extend(_sdk_extras(item, f"{path}[{i}]"))
    return out


_ADAPTERS: dict[str, pydantic.TypeAdapter[Any]] = {}


def _sdk_validate(family: str, tag: str, data: bytes) -> pydantic.BaseModel:
    """Validate our bytes with the SDK's union; check the member and unknown keys."""
    adapter = _ADAPTERS.get(family)
    if adapter is None:
        adapter = _ADAPTERS[family] = pydantic.TypeAdapter(schema.sdk_union(family))
    try:
        model = adapter.validate_json(data)
    except pydantic.ValidationError as exc:
        # Only the errors for the member with our tag; the others just say "wrong type".
        lines = [e for e in exc.errors() if tag in str(e["loc"][:1]) or len(exc.errors()) == 1]
        detail = "\n".join(f"  {e['loc']}: {e['msg']}" for e in (lines or exc.errors())[:20])
        pytest.fail(f"the SDK rejects our {tag!r} bytes {data[:300]!r}:\n{detail}", pytrace=False)
    assert type(model) is schema.sdk_events(family)[tag]
    extras = _sdk_extras(model)
    assert not extras, f"keys the SDK does not know in our {tag!r}: {extras}"
    return model


# --- the round trips ----------------------------------------------------------


@pytest.mark.parametrize(("family", "tag", "example"), SERVER_CASES)
def test_server_event_round_trip(family: str, tag: str, example: dict[str, Any]) -> None:
    raw = json.dumps(example).encode()
    event = _func(family, "decode")(raw)
    assert type(event) is _our_class(family, tag)
    _assert_same(_drop_none(msgspec.to_builtins(event)), _drop_none(example), "to_builtins")


@pytest.mark.parametrize(("family", "tag", "example"), SERVER_CASES)
def test_server_event_we_encode_validates_with_sdk(
    family: str, tag: str, example: dict[str, Any]
) -> None:
    # What the fake server sends must be accepted by the SDK's own client.
    event = _func(family, "decode")(json.dumps(example).encode())
    assert type(event) is _our_class(family, tag)
    data = _func(family, "encode")(event)
    assert isinstance(data, bytes)
    _sdk_validate(family, tag, data)
    _assert_same(_drop_none(json.loads(data)), _drop_none(example), "re-encoded frame")


@pytest.mark.parametrize(("family", "tag", "example"), CLIENT_CASES)
def test_client_event_round_trip(family: str, tag: str, example: dict[str, Any]) -> None:
    # No null-dropping here: for client events absent and null mean different
    # things (keep the current value versus turn it off).
    cls = _our_class(family, tag)
    raw = json.dumps(example).encode()
    event = _func(family, "decode")(raw)
    assert type(event) is cls
    data = _func(family, "encode")(event)
    assert isinstance(data, bytes)
    _assert_same(json.loads(data), example, "encode(decode(frame))")
    _sdk_validate(family, tag, data)


# --- audio is bytes -----------------------------------------------------------

PCM = bytes(range(256)) * 9 + b"\x00\xff\x7f"

AUDIO_FIELDS = [
    ("server", "response.output_audio.delta", "delta"),
    ("client", "input_audio_buffer.append", "audio"),
    ("translation server", "session.output_audio.delta", "delta"),
    ("translation client", "session.input_audio_buffer.append", "audio"),
    ("live server", "session.output_audio.delta", "delta"),
    ("live server", "session.input_audio.append", "audio"),
    ("live client", "session.input_audio.append", "audio"),
    ("live client", "session.output_audio.fixture.play", "audio"),
]


@pytest.mark.parametrize(("family", "tag", "name"), AUDIO_FIELDS)
def test_audio_field_is_exact_bytes(family: str, tag: str, name: str) -> None:
    if family in CLIENT_FAMILIES:
        source = examples.client_params(family)[tag]
    else:
        source = schema.sdk_events(family)[tag]
    example = examples.examples(source, "minimal")[0]
    example[name] = base64.b64encode(PCM).decode()
    event = _func(family, "decode")(json.dumps(example).encode())
    assert getattr(event, name) == PCM
    encoder = _func(family, "encode")
    assert json.loads(encoder(event))[name] == base64.b64encode(PCM).decode()


# --- events built with our constructors ------------------------------------------

HELLO = [{"type": "input_text", "text": "Hello"}]

CONSTRUCTED: list[Any] = [
    pytest.param(
        "client",
        lambda: ev.SessionUpdate(session=ev.RealtimeSession(output_modalities=["text"])),
        {"type": "session.update", "session": {"type": "realtime", "output_modalities": ["text"]}},
        id="session-update-only-what-is-set",
    ),
    pytest.param(
        "client",
        lambda: ev.SessionUpdate(
            session=ev.RealtimeSession(
                audio=ev.AudioConfig(input=ev.AudioInput(turn_detection=None))
            )
        ),
        {
            "type": "session.update",
            "session": {"type": "realtime", "audio": {"input": {"turn_detection": None}}},
        },
        id="session-update-vad-off-is-null",
    ),
    pytest.param(
        "client",
        lambda: ev.SessionUpdate(
            session=ev.RealtimeSession(
                instructions="Be brief.",
                audio=ev.AudioConfig(
                    input=ev.AudioInput(turn_detection=ev.ServerVad(silence_duration_ms=300))
                ),
                tools=[ev.FunctionTool(name="lookup", parameters={"type": "object"})],
                tool_choice=ev.ToolChoiceFunction(name="lookup"),
            )
        ),
        {
            "type": "session.update",
            "session": {
                "type": "realtime",
                "instructions": "Be brief.",
                "audio": {
                    "input": {"turn_detection": {"type": "server_vad", "silence_duration_ms": 300}}
                },
                "tools": [{"type": "function", "name": "lookup", "parameters": {"type": "object"}}],
                "tool_choice": {"type": "function", "name": "lookup"},
            },
        },
        id="session-update-vad-and-tools",
    ),
    pytest.param(
        "client",
        lambda: ev.ConversationItemCreate(item=ev.UserMessage.text("Hello")),
        {
            "type": "conversation.item.create",
            "item": {"type": "message", "role": "user", "content": HELLO},
        },
        id="user-text",
    ),
    pytest.param(
        "client",
        lambda: ev.ConversationItemCreate(item=ev.SystemMessage.text("Hello")),
        {
            "type": "conversation.item.create",
            "item": {"type": "message", "role": "system", "content": HELLO},
        },
        id="system-text",
    ),
    pytest.param(
        "client",
        lambda: ev.ConversationItemCreate(item=ev.AssistantMessage.text("Hi")),
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "Hi"}],
            },
        },
        id="assistant-text",
    ),
    pytest.param(
        "client",
        lambda: ev.ConversationItemCreate(item=ev.UserMessage.audio(b"\x00\x01\xfe\xff")),
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_audio", "audio": "AAH+/w=="}],
            },
        },
        id="user-audio",
    ),
    pytest.param(
        "client",
        lambda: ev.ConversationItemCreate(
            item=ev.UserMessage.image("data:image/png;base64,AAAA", detail="high")
        ),
        {
            "type": "conversation.item.create",
            "item": {
                "type": "message",
                "role": "user",
                "content": [
                    {
                        "type": "input_image",
                        "image_url": "data:image/png;base64,AAAA",
                        "detail": "high",
                    }
                ],
            },
        },
        id="user-image",
    ),
    pytest.param(
        "client",
        lambda: ev.ConversationItemCreate(
            item=ev.FunctionCallOutput.of("call_1", {"ok": True, "n": [1, 2]})
        ),
        {
            "type": "conversation.item.create",
            "item": {
                "type": "function_call_output",
                "call_id": "call_1",
                "output": '{"ok":true,"n":[1,2]}',
            },
        },
        id="function-call-output",
    ),
    pytest.param(
        "client",
        lambda: ev.InputAudioBufferAppend.pcm16(array.array("h", [0, 1, -1, 32767, -32768])),
        {
            "type": "input_audio_buffer.append",
            "audio": base64.b64encode(
                array.array("h", [0, 1, -1, 32767, -32768]).tobytes()
            ).decode(),
        },
        id="append-pcm16",
    ),
    pytest.param(
        "client", lambda: ev.ResponseCreate(), {"type": "response.create"}, id="response-create"
    ),
    pytest.param(
        "client", lambda: ev.ResponseCancel(), {"type": "response.cancel"}, id="response-cancel"
    ),
    pytest.param(
        "client",
        lambda: ev.InputAudioBufferCommit(),
        {"type": "input_audio_buffer.commit"},
        id="commit",
    ),
    pytest.param(
        "client",
        lambda: ev.InputAudioBufferClear(),
        {"type": "input_audio_buffer.clear"},
        id="clear",
    ),
    pytest.param(
        "client",
        lambda: ev.OutputAudioBufferClear(event_id="e1"),
        {"type": "output_audio_buffer.clear", "event_id": "e1"},
        id="output-clear",
    ),
    pytest.param(
        "client",
        lambda: ev.ConversationItemTruncate(item_id="i", content_index=0, audio_end_ms=1500),
        {
            "type": "conversation.item.truncate",
            "item_id": "i",
            "content_index": 0,
            "audio_end_ms": 1500,
        },
        id="truncate",
    ),
    pytest.param(
        "client",
        lambda: ev.ConversationItemDelete(item_id="i"),
        {"type": "conversation.item.delete", "item_id": "i"},
        id="delete",
    ),
    pytest.param(
        "client",
        lambda: ev.ConversationItemRetrieve(item_id="i"),
        {"type": "conversation.item.retrieve", "item_id": "i"},
        id="retrieve",
    ),
    pytest.param(
        "translation client",
        lambda: ev.TranslationSessionUpdate(
            session=ev.TranslationSessionConfig(
                audio=ev.TranslationAudio(output=ev.TranslationAudioOutput(language="fr"))
            )
        ),
        {"type": "session.update", "session": {"audio": {"output": {"language": "fr"}}}},
        id="translation-update",
    ),
    pytest.param(
        "translation client",
        lambda: ev.TranslationSessionInputAudioBufferAppend(audio=b"\x01\x02"),
        {"type": "session.input_audio_buffer.append", "audio": "AQI="},
        id="translation-append",
    ),
    pytest.param(
        "translation client",
        lambda: ev.TranslationSessionClose(),
        {"type": "session.close"},
        id="translation-close",
    ),
]
CONSTRUCTED += [
    pytest.param(
        "live client",
        lambda: live.SessionStart(
            session=live.SessionConfig(
                model="gpt-live-1",
                instructions="Be brief.",
                audio=live.Audio(
                    format=live.AudioPcm(rate=24000), output=live.AudioOutput(voice="marin")
                ),
                delegation=live.ClientDelegation(),
                input=[live.InitialItem.text("user", "Hi")],
            )
        ),
        {
            "type": "session.start",
            "session": {
                "model": "gpt-live-1",
                "instructions": "Be brief.",
                "audio": {
                    "format": {"type": "audio/pcm", "rate": 24000},
                    "output": {"voice": "marin"},
                },
                "delegation": {"type": "client"},
                "input": [{"role": "user", "content": [{"text": "Hi", "type": "input_text"}]}],
            },
        },
        id="live-start",
    ),
    pytest.param(
        "live client",
        lambda: live.SessionUpdate(
            session=live.SessionUpdateConfig(
                delegation=live.ResponsesDelegationUpdate(
                    responses=live.ResponsesUpdateConfig(
                        tools=[live.FunctionTool(name="lookup"), live.WebSearchTool()],
                        tool_choice="auto",
                    )
                ),
                triggers=[],
            )
        ),
        {
            "type": "session.update",
            "session": {
                "delegation": {
                    "type": "responses",
                    "responses": {
                        "tools": [{"type": "function", "name": "lookup"}, {"type": "web_search"}],
                        "tool_choice": "auto",
                    },
                },
                "triggers": [],
            },
        },
        id="live-update",
    ),
    pytest.param(
        "live client",
        lambda: live.SessionInputAudioAppend(audio=b"\x00\x01\xfe\xff"),
        {"type": "session.input_audio.append", "audio": "AAH+/w=="},
        id="live-append",
    ),
    pytest.param(
        "live client",
        lambda: live.SessionInputAudioMute(),
        {"type": "session.input_audio.mute"},
        id="live-mute",
    ),
    pytest.param(
        "live client",
        lambda: live.SessionInputAudioUnmute(event_id="u1"),
        {"type": "session.input_audio.unmute", "event_id": "u1"},
        id="live-unmute",
    ),
    pytest.param(
        "live client",
        lambda: live.SessionOutputAudioFixturePlay(audio=b"\x01\x02"),
        {"type": "session.output_audio.fixture.play", "audio": "AQI="},
        id="live-fixture",
    ),
    pytest.param(
        "live client",
        lambda: live.SessionInstructionsAppend(content="Speak French."),
        {"type": "session.instructions.append", "content": "Speak French.", "delegation_id": None},
        id="live-instructions-null-delegation",
    ),
    pytest.param(
        "live client",
        lambda: live.SessionThinkingAppend(content="The user is in a hurry.", delegation_id="d1"),
        {
            "type": "session.thinking.append",
            "content": "The user is in a hurry.",
            "delegation_id": "d1",
        },
        id="live-thinking",
    ),
    pytest.param(
        "live client",
        lambda: live.SessionCommentaryAppend(content="Your order shipped.", delegation_id="d1"),
        {
            "type": "session.commentary.append",
            "content": "Your order shipped.",
            "delegation_id": "d1",
        },
        id="live-commentary",
    ),
    pytest.param(
        "live client",
        lambda: live.DecisionCreate(event_id="eval-1"),
        {"type": "decision.create", "event_id": "eval-1"},
        id="live-decision-create",
    ),
    pytest.param(
        "live client",
        lambda: live.DecisionItemCreate(item=live.DecisionItem.message("user", "I want a refund")),
        {
            "type": "decision.item.create",
            "item": {"type": "message", "role": "user", "content": "I want a refund"},
        },
        id="live-decision-item",
    ),
    pytest.param(
        "live client",
        lambda: live.DecisionItemDelete(item_id="di_1"),
        {"type": "decision.item.delete", "item_id": "di_1"},
        id="live-decision-delete",
    ),
    pytest.param(
        "live client",
        lambda: live.ResponseItemCreate(
            item={"type": "function_call_output", "call_id": "c1", "output": "42"}
        ),
        {
            "type": "response.item.create",
            "item": {"type": "function_call_output", "call_id": "c1", "output": "42"},
        },
        id="live-response-item",
    ),
    pytest.param(
        "live client",
        lambda: live.ResponseCreate(),
        {"type": "response.create"},
        id="live-response",
    ),
    pytest.param(
        "live client", lambda: live.SessionClose(), {"type": "session.close"}, id="live-close"
    ),
    pytest.param(
        "live connect client",
        lambda: live.TransportDtmfSend(event="5"),
        {"type": "transport.dtmf.send", "event": "5"},
        id="live-dtmf",
    ),
    pytest.param(
        "live fork client",
        lambda: live.ForkSessionStart(),
        {"type": "session.start", "session": {}},
        id="live-fork-start",
    ),
    pytest.param(
        "live fork client",
        lambda: live.ForkSessionStart(
            session=live.ForkSessionConfig(audio=live.ForkAudio(format=live.AudioPcmu(rate=8000)))
        ),
        {
            "type": "session.start",
            "session": {"audio": {"format": {"type": "audio/pcmu", "rate": 8000}}},
        },
        id="live-fork-start-g711",
    ),
]


def _covered_families(family: str) -> set[str]:
    # A Live command that all three kinds of connection take needs one example.
    if family.startswith("live "):
        return {"live client", "live connect client", "live fork client"}
    return {family}


@pytest.mark.parametrize(("family", "build", "expected"), CONSTRUCTED)
def test_constructed_event_is_exact_and_accepted_by_sdk(
    family: str, build: Callable[[], Any], expected: dict[str, Any]
) -> None:
    event = build()
    data = _func(family, "encode")(event)
    assert json.loads(data) == expected
    _sdk_validate(family, expected["type"], data)
    # And it survives the server side: decoded (perhaps as a more general
    # class, e.g. `Message` for a `UserMessage`) and encoded to the same bytes.
    decoded = _func(family, "decode")(data)
    assert type(decoded) is type(event)
    assert _func(family, "encode")(decoded) == data


def test_constructed_events_cover_every_client_type() -> None:
    covered = {(p.values[0], p.values[2]["type"]) for p in CONSTRUCTED}
    for family in CLIENT_FAMILIES:
        done = {t for f, t in covered if f in _covered_families(family)}
        missing = set(schema.sdk_events(family)) - done
        assert not missing, f"no constructed {family} example for {sorted(missing)}"


def test_pcm16_rejects_half_a_sample() -> None:
    with pytest.raises(rt.EventEncodeError):
        ev.InputAudioBufferAppend.pcm16(b"\x00\x01\x02")


# --- forward compatibility, for every event -------------------------------------

ALL_EVENTS = [
    pytest.param(family, tag, id=f"{family.replace(' ', '-')}:{tag}")
    for family in SERVER_FAMILIES + CLIENT_FAMILIES
    for tag in schema.sdk_events(family)
]


def _source(family: str, tag: str) -> Any:
    if family in CLIENT_FAMILIES:
        return examples.client_params(family)[tag]
    return schema.sdk_events(family)[tag]


@pytest.mark.parametrize(("family", "tag"), ALL_EVENTS)
def test_unknown_fields_are_ignored_at_every_level(family: str, tag: str) -> None:
    # A key the library does not know, in the event and in every nested object,
    # changes nothing: the event decodes to what it decodes to without them.
    cls = _our_class(family, tag)
    decode = _func(family, "decode")
    source = _source(family, tag)
    plain = examples.examples(source, "full")
    noisy = examples.examples(source, "full", noise=True)
    assert len(plain) == len(noisy)
    for clean, extra in zip(plain, noisy, strict=True):
        assert examples.NOISE_KEY in json.dumps(extra)
        event = decode(json.dumps(extra).encode())
        assert type(event) is cls
        clean_event = decode(json.dumps(clean).encode())
        for (passed_tag, name), _ in schema.PASSTHROUGH.items():
            if passed_tag == tag:
                # Another API's object, passed through untyped: kept whole.
                assert getattr(event, name) == extra[name]
                event = msgspec.structs.replace(event, **{name: getattr(clean_event, name)})
        assert event == clean_event


def _get(value: Any, path: list[str | int]) -> Any:
    for key in path:
        value = value[key]
    return value


def _set(value: Any, path: list[str | int], new: Any) -> None:
    _get(value, path[:-1])[path[-1]] = new


NEW_VALUE = "zz_new_value_from_a_future_api"
ENUM_COUNT: dict[str, int] = {}


@pytest.mark.parametrize(
    ("family", "tag"), [p for p in ALL_EVENTS if p.values[0] in SERVER_FAMILIES]
)
def test_new_enumeration_values_still_decode(family: str, tag: str) -> None:
    # Statuses, reasons, roles, modalities, formats' names... may grow: a value
    # this version has not seen must neither fail the event nor get lost.
    # (Discriminators - nested `type` tags - are out of scope: a new object kind
    # is a decode error with a path, which the semantics tests cover.)
    cls = _our_class(family, tag)
    decode = _func(family, "decode")
    problems: list[str] = []
    for example, enums in examples.full_examples_with_enums(schema.sdk_events(family)[tag]):
        for dotted in enums:
            path = examples.split_path(dotted)
            frame = json.loads(json.dumps(example))
            _set(frame, path, NEW_VALUE)
            try:
                event = decode(json.dumps(frame).encode())
            except rt.EventDecodeError as exc:
                problems.append(f"{dotted}: {exc}")
                continue
            if type(event) is not cls:
                problems.append(f"{dotted}: decoded as {type(event).__name__}")
            elif _get(msgspec.to_builtins(event), path) != NEW_VALUE:
                problems.append(f"{dotted}: the new value was lost")
    if problems:
        pytest.fail(f"{family} {tag!r}:\n" + "\n".join(problems), pytrace=False)


def test_enumerations_are_found() -> None:
    # Guards the walk above: the SDK's server events hold many enumerations
    # (response status, status reasons, item status, roles, ...).
    paths = {
        (tag, path)
        for family in SERVER_FAMILIES
        for tag, model in schema.sdk_events(family).items()
        for _, enums in examples.full_examples_with_enums(model)
        for path in enums
    }
    assert len(paths) > 80
    assert ("response.done", "response.status") in paths
    assert ("response.done", "response.status_details.reason") in paths
