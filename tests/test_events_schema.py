"""Schema drift: every event in the `openai` package's unions has a Struct here
with the same tag and the same field names, recursively through nested objects.

When the API grows, these fail with a diff such as::

    server event 'response.done' -> response.usage: missing fields [...]

Each SDK event is its own test case so that one gap does not hide another.
"""

from __future__ import annotations

from typing import Any, Union

import msgspec
import pytest

# The helpers import pydantic and the SDK: only once the SDK is known to be there.
pytest.importorskip("openai")

import _sdk_schema as schema
import openai

pytestmark = pytest.mark.schema

FAMILIES = list(schema.EXPECTED_COUNTS)

CASES = [
    pytest.param(family, tag, id=f"{family.replace(' ', '-')}:{tag}")
    for family in FAMILIES
    for tag in schema.sdk_events(family)
]


@pytest.mark.parametrize("family", FAMILIES)
def test_sdk_union_size(family: str) -> None:
    # Guards the walk itself: an empty or truncated SDK union would make every
    # drift case vacuous.
    found = len(schema.sdk_events(family))
    expected = schema.EXPECTED_COUNTS[family]
    if openai.__version__ == schema.PINNED_OPENAI:
        assert found == expected, f"SDK {family} union has {found} members, expected {expected}"
    else:
        assert found >= expected


@pytest.mark.parametrize(("family", "tag"), CASES)
def test_event_matches_sdk(family: str, tag: str) -> None:
    drift = schema.event_drift(family, tag)
    if drift.problems:
        pytest.fail("schema drift:\n" + drift.report(), pytrace=False)


@pytest.mark.parametrize("family", FAMILIES)
def test_no_events_unknown_to_sdk(family: str) -> None:
    ours = schema.our_events(family)
    assert ours is not None, f"trio_realtime.events models no {family} union"
    extra = sorted(set(ours) - set(schema.sdk_events(family)))
    assert not extra, f"{family} Structs with tags the SDK does not have: {extra}"


def test_walker_sees_nested_objects() -> None:
    # A self-check of the comparison: a response.done event reaches the usage
    # token details, so a nested gap cannot pass unnoticed.
    model = schema.sdk_events("server")["response.done"]
    response = schema.sdk_models_in([schema.sdk_fields(model)["response"]])
    assert [m.__name__ for m in response] == ["RealtimeResponse"]
    usage = schema.sdk_models_in([schema.sdk_fields(response[0])["usage"]])
    details = schema.sdk_fields(usage[0])
    assert {"input_token_details", "output_token_details"} <= set(details)


@pytest.mark.parametrize("family", FAMILIES)
def test_walker_accepts_an_exact_mirror(family: str) -> None:
    # Structs built to mirror the SDK exactly must show no drift; otherwise the
    # walker itself is wrong and the per-event failures above mean nothing.
    problems: list[str] = []
    for tag, model in schema.sdk_events(family).items():
        drift = schema.struct_drift(model, schema.mirror(model), f"{family} {tag!r}")
        problems.extend(drift.problems)
    assert not problems, "\n".join(problems)


def test_walker_reports_a_deep_missing_field() -> None:
    model = schema.sdk_events("server")["response.done"]
    omit = {"RealtimeResponseUsageInputTokenDetails": {"cached_tokens_details"}}
    drift = schema.struct_drift(model, schema.mirror(model, omit), "server 'response.done'")
    assert drift.problems == [
        "server 'response.done' -> response.usage.input_token_details: missing fields "
        "['cached_tokens_details'] (SDK RealtimeResponseUsageInputTokenDetails, "
        "ours MirrorRealtimeResponseUsageInputTokenDetails)"
    ]


def test_walker_reports_an_untyped_nested_object() -> None:
    model = schema.sdk_events("server")["session.created"]
    struct = schema.mirror(model)

    class Loose(msgspec.Struct, tag_field="type", tag="session.created", kw_only=True):
        event_id: str
        session: dict[str, Any]

    assert schema.struct_drift(model, struct, "x").problems == []
    problems = schema.struct_drift(model, Loose, "x").problems
    assert len(problems) == 1
    assert problems[0].startswith("x -> session: SDK has objects [")
    assert "not a Struct" in problems[0]


def _user_message_structs(*, with_image: bool, image_fields: tuple[str, ...]) -> type[Any]:
    """Our spelling of a user message: one tagged Struct per content kind."""
    kw: dict[str, Any] = {"tag_field": "type", "kw_only": True}
    parts: list[Any] = [
        msgspec.defstruct("Text", [("text", str)], tag="input_text", **kw),
        msgspec.defstruct(
            "Audio", [("audio", bytes), ("transcript", str)], tag="input_audio", **kw
        ),
    ]
    if with_image:
        parts.append(
            msgspec.defstruct("Image", [(n, str) for n in image_fields], tag="input_image", **kw)
        )
    content: Any = list[Union[tuple(parts)]]  # type: ignore[misc]  # noqa: UP007
    fields = [("content", content), ("role", str), ("id", str), ("object", str), ("status", str)]
    return msgspec.defstruct("Msg", fields, tag="message", **kw)


def test_walker_splits_a_merged_sdk_object() -> None:
    # The SDK spells a user message's content as one object whose `type` lists
    # three kinds; ours as three tagged Structs. Both spellings must agree, and a
    # missing kind or a missing field of one kind must show.
    from openai.types.realtime.realtime_conversation_item_user_message import (
        RealtimeConversationItemUserMessage as Sdk,
    )

    full = ("image_url", "detail")
    ok = _user_message_structs(with_image=True, image_fields=full)
    assert schema.struct_drift(Sdk, ok, "m").problems == []

    no_image = _user_message_structs(with_image=False, image_fields=full)
    problems = schema.struct_drift(Sdk, no_image, "m").problems
    assert any("no Struct for type 'input_image'" in p for p in problems), problems
    assert any("missing fields ['detail', 'image_url']" in p for p in problems), problems

    no_detail = _user_message_structs(with_image=True, image_fields=("image_url",))
    assert schema.struct_drift(Sdk, no_detail, "m").problems == [
        "m -> content: missing fields ['detail'] (SDK Content, ours Text/Audio/Image)"
    ]
