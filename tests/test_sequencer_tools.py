"""Pure tests of the response sequencer and of tool schemas, argument decoding and outcomes."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

import msgspec
import pytest
import trio
import trio.testing

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime._sequencer import REQUEST_TAG, ResponseSequencer, tagged


def req(tag: str, **params: object) -> ev.ResponseCreate:
    return tagged(ev.ResponseCreate(response=ev.ResponseParams(**params)), tag)  # type: ignore[arg-type]


def response(rid: str, tag: str | None = None, conversation: str | None = "conv_1") -> ev.Response:
    return ev.Response(
        id=rid, conversation_id=conversation, metadata={REQUEST_TAG: tag} if tag else None
    )


def test_requests_go_one_at_a_time_in_order() -> None:
    s = ResponseSequencer()
    a, b, c = req("a"), req("b"), req("c")
    assert s.submit(a) is a
    assert s.submit(b) is None
    assert s.submit(c) is None
    assert s.queued == (b, c)
    s.created(response("r1", "a"))
    assert s.active == "r1"
    assert s.done(response("r1", "a")) is b
    s.created(response("r2", "b"))
    assert s.done(response("r2", "b")) is c


def test_a_response_the_server_started_holds_the_queue() -> None:
    s = ResponseSequencer()
    s.created(response("vad"))  # turn detection answered on its own
    a = req("a")
    assert s.submit(a) is None
    assert s.done(response("vad")) is a


def test_refused_for_an_active_response_goes_again_after_done() -> None:
    s = ResponseSequencer()
    a = req("a")
    assert s.submit(a) is a
    s.created(response("vad"))  # arrived before the refusal of ``a``
    assert s.refused(a, "conversation_already_has_active_response") is True
    assert s.queued == (a,)
    assert s.done(response("vad")) is a


def test_refused_without_seeing_the_active_response_waits_for_a_done() -> None:
    s = ResponseSequencer()
    a = req("a")
    s.submit(a)
    assert s.refused(a, "conversation_already_has_active_response") is True
    assert s.busy  # no resend loop
    assert s.next_request() is None
    assert s.done(response("unseen")) is a


def test_other_refusals_fail_the_request_and_free_the_slot() -> None:
    s = ResponseSequencer()
    a, b = req("a"), req("b")
    s.submit(a)
    s.submit(b)
    assert s.refused(a, "invalid_value") is False
    assert s.next_request() is b
    assert s.refused(req("x"), "invalid_value") is None  # not the one awaited


def test_out_of_band_requests_never_wait() -> None:
    s = ResponseSequencer()
    s.submit(req("a"))
    oob = req("o", conversation="none")
    assert s.submit(oob) is oob
    s.created(response("r_oob", "o", conversation=None))
    assert s.active is None


def test_a_hold_keeps_others_waiting_and_a_first_request_jumps_the_queue() -> None:
    s = ResponseSequencer()
    a, b, follow = req("a"), req("b"), req("a")
    s.submit(a)
    s.created(response("r1", "a"))
    s.submit(b)
    s.hold()
    assert s.done(response("r1", "a")) is None
    assert s.submit(follow, first=True) is None
    assert s.release() is follow
    assert s.queued == (b,)


def test_withdraw() -> None:
    s = ResponseSequencer()
    a, b = req("a"), req("b")
    s.submit(a)
    s.submit(b)
    assert s.withdraw(b) is True
    assert s.withdraw(a) is False  # already sent


def test_tagging_keeps_the_callers_metadata() -> None:
    event = tagged(ev.ResponseCreate(response=ev.ResponseParams(metadata={"mine": "1"})), "t9")
    assert isinstance(event.response, ev.ResponseParams)
    assert event.response.metadata == {"mine": "1", REQUEST_TAG: "t9"}


# -- tools -----------------------------------------------------------------------


class Place(msgspec.Struct):
    city: str
    country: str = "FR"


def test_schema_from_type_hints() -> None:
    @rt.tool(name="plan-trip", description="Plan it.")
    async def plan(
        to: Place,
        when: datetime.date,
        mode: Literal["train", "plane"] = "train",
        people: Annotated[int, msgspec.Meta(ge=1, description="How many")] = 1,
    ) -> str:
        return ""

    assert plan.name == "plan-trip"
    assert plan.definition() == ev.FunctionTool(
        name="plan-trip", description="Plan it.", parameters=plan.parameters
    )
    params = plan.parameters
    assert params["required"] == ["to", "when"]
    assert params["properties"]["to"] == {"$ref": "#/$defs/Place"}
    assert params["$defs"]["Place"]["required"] == ["city"]
    assert params["properties"]["when"] == {"type": "string", "format": "date"}
    assert params["properties"]["people"]["minimum"] == 1


async def test_arguments_are_decoded_into_the_annotated_types() -> None:
    got: list[object] = []

    @rt.tool
    async def plan(to: Place, when: datetime.date, people: int = 1) -> dict[str, str]:
        """Plan."""
        got.extend([to, when, people])
        return {"ok": "yes"}

    outcome = await plan.invoke('{"to": {"city": "Lyon"}, "when": "2026-12-24"}')
    assert outcome == rt.ToolOutcome(output='{"ok":"yes"}')
    assert got == [Place("Lyon"), datetime.date(2026, 12, 24), 1]
    bad = await plan.invoke('{"to": {"city": "Lyon"}, "when": "soon"}')
    assert bad.error is not None
    assert "Invalid RFC3339 encoded date" in bad.error


async def test_results_that_are_not_json_are_an_error() -> None:
    @rt.tool
    async def odd() -> object:
        """Odd."""
        return object()

    outcome = await odd.invoke("{}")
    assert outcome.error is not None
    assert outcome.error.startswith("odd returned a value")


@pytest.mark.parametrize(
    ("function", "message"),
    [
        (lambda x: x, "needs a type hint"),
        (lambda *args: None, "plain or keyword-only"),
    ],
)
def test_bad_tools_fail_at_registration(function: object, message: str) -> None:
    with pytest.raises(rt.ConfigurationError, match=message):
        rt.tool(name="f")(function)  # type: ignore[arg-type]


def test_bad_names_and_timeouts_fail_at_registration() -> None:
    async def f() -> None:
        pass

    with pytest.raises(rt.ConfigurationError, match="not allowed"):
        rt.tool(name="has space")(f)
    with pytest.raises(rt.ConfigurationError, match="timeout"):
        rt.tool(timeout=0)(f)
    with pytest.raises(rt.ConfigurationError, match="no JSON Schema"):

        def g(x: trio.Nursery) -> None:
            pass

        rt.tool(g)


async def test_a_cancelled_call_propagates_cancellation() -> None:
    @rt.tool(timeout=None)
    async def wait() -> str:
        """Wait."""
        await trio.sleep_forever()
        return ""

    with trio.move_on_after(0.01) as scope:
        await wait.invoke("{}")
    assert scope.cancelled_caught
