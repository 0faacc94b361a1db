"""The restore plan (pure): configuration first, the most recent items within the
budget, audio as transcripts, function calls with their outputs, ids kept."""

from __future__ import annotations

from typing import Any

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime._reconnect import CHARS_PER_TOKEN
from trio_realtime._restore import config_event, item_chars, plan_restore


def added(item: Any, previous: str | None = None) -> ev.ConversationItemAdded:
    return ev.ConversationItemAdded(event_id="e", item=item, previous_item_id=previous)


def conversation_of(*items: Any) -> rt.Conversation:
    conversation = rt.Conversation()
    previous = None
    for item in items:
        conversation.feed(added(item, previous))
        previous = item.id
    return conversation


def user(item_id: str, text: str) -> ev.Message:
    return ev.Message(role="user", id=item_id, content=[ev.InputText(text=text)])


def test_the_plan_sends_the_configuration_then_the_items_in_order_under_their_ids() -> None:
    session = ev.RealtimeSession(instructions="terse", output_modalities=["text"])
    conversation = conversation_of(user("a", "one"), user("b", "two"))
    plan = plan_restore(session, conversation, 1000)
    assert plan.has_config
    first = plan.events[0]
    assert isinstance(first, ev.SessionUpdate)
    assert first.session == session
    creates = plan.events[1:]
    assert [c.item.id for c in creates] == ["a", "b"] == plan.item_ids
    assert all(isinstance(c, ev.ConversationItemCreate) for c in creates)
    # Restore events carry ids of their own: their errors are told apart.
    assert [e.event_id for e in plan.events] == ["restore_config", "restore_0", "restore_1"]


def test_the_budget_keeps_the_most_recent_items() -> None:
    conversation = conversation_of(*(user(f"i{n}", "x" * 10) for n in range(10)))
    plan = plan_restore(None, conversation, 35)
    assert plan.item_ids == ["i7", "i8", "i9"]
    assert plan.dropped == 7
    assert not plan.has_config
    assert CHARS_PER_TOKEN == 4  # the documented estimate behind restore_max_chars


def test_a_function_output_is_never_restored_without_its_call() -> None:
    call = ev.FunctionCall(id="f1", name="lookup", arguments='{"q":"x"}', call_id="call_1")
    output = ev.FunctionCallOutput(id="f2", call_id="call_1", output="result!")
    conversation = conversation_of(user("u1", "look it up"), call, output, user("u2", "thanks"))
    whole = plan_restore(None, conversation, 10_000)
    kinds = [type(e.item).__name__ for e in whole.events]
    assert kinds == ["Message", "FunctionCall", "FunctionCallOutput", "Message"]
    # A budget that reaches the output but not its call leaves both out.
    cut = plan_restore(None, conversation, item_chars(output) + 6)
    assert cut.item_ids == ["u2"]
    assert cut.dropped == 3


def test_audio_items_are_restored_as_their_transcripts() -> None:
    conversation = rt.Conversation()
    spoken = ev.Message(role="user", id="u1", content=[ev.InputAudio(transcript=None)])
    conversation.feed(added(spoken))
    conversation.feed(
        ev.ConversationItemInputAudioTranscriptionCompleted(
            event_id="e",
            item_id="u1",
            content_index=0,
            transcript="hello there",
            usage=ev.TranscriptionDurationUsage(seconds=1.0),
        )
    )
    answer = ev.Message(role="assistant", id="a1", content=[ev.OutputAudio(transcript="hi!")])
    conversation.feed(added(answer, "u1"))
    items = [e.item for e in plan_restore(None, conversation, 1000).events]
    assert items == [
        ev.Message(role="user", id="u1", content=[ev.InputText(text="hello there")]),
        ev.Message(role="assistant", id="a1", content=[ev.OutputText(text="hi!")]),
    ]


def test_only_settable_session_kinds_become_an_update() -> None:
    transcription = ev.TranscriptionSession()
    update = config_event(transcription)
    assert isinstance(update, ev.SessionUpdate)
    assert update.session is transcription
    assert config_event(None) is None
    assert config_event("not a session") is None


def test_history_without_ids_is_unchanged() -> None:
    conversation = conversation_of(user("a", "one"))
    assert conversation.history() == [ev.Message(role="user", content=[ev.InputText(text="one")])]
    assert conversation.history(ids=True)[0] == user("a", "one")
