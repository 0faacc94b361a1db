"""Sends are checked at the call; every sent event gets an ``event_id``; errors lead back.

Issue 9, finding 6: ``send()`` put dicts, items and server events on the wire,
and an unencodable value ended the whole session from the writer task.
"""

from __future__ import annotations

import json

import msgspec
import pytest
import trio
import trio.testing
from _wire import TEXT, Server, frame, pair, session

import trio_realtime as rt
from trio_realtime import events as ev


async def _sent(server: Server, n: int) -> list[dict[str, object]]:
    return [json.loads(payload) for _, payload in [await server.read_frame() for _ in range(n)]]


@pytest.mark.parametrize(
    ("bad", "words"),
    [
        ({"type": "response.create"}, "not dicts"),
        (ev.UserMessage.text("hi"), "ConversationItemCreate(item=...)"),
        (
            ev.ResponseOutputTextDelta(
                event_id="e",
                response_id="r",
                item_id="i",
                output_index=0,
                content_index=0,
                delta="x",
            ),
            "server event",
        ),
        (ev.TranslationSessionClose(), "another kind of session"),
        ("response.create", "not str"),
    ],
)
async def test_the_wrong_object_is_a_type_error_at_the_call(bad: object, words: str) -> None:
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery)
        with pytest.raises(TypeError, match=words.replace("(", r"\(").replace(")", r"\)")):
            await conn.send(bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            conn.send_nowait(bad)  # type: ignore[arg-type]
        await conn.send(ev.ResponseCreate())  # the session goes on
        [sent] = await _sent(server, 1)
        assert sent["type"] == "response.create"
        nursery.cancel_scope.cancel()


async def test_an_unencodable_event_fails_at_send_with_its_path() -> None:
    bad = ev.ConversationItemCreate(item=ev.UserMessage.text(object()))  # type: ignore[arg-type]
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery)
        with pytest.raises(rt.EventEncodeError) as info:
            await conn.send(bad)
        assert info.value.path == "$.item.content[0].text"
        assert "$.item.content[0].text" in str(info.value)
        await conn.send(ev.ResponseCreate())
        assert (await _sent(server, 1))[0]["type"] == "response.create"
        assert conn.statistics().events_sent == 1
        nursery.cancel_scope.cancel()


async def test_an_unencodable_event_put_on_the_channel_is_reported_by_receive() -> None:
    bad = ev.ConversationItemCreate(item=ev.UserMessage.text(object()))  # type: ignore[arg-type]
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery)
        await conn.send_channel.send(bad)
        await conn.send_channel.send(ev.ResponseCreate())
        # The good event after it still goes out: the session is not ended.
        assert (await _sent(server, 1))[0]["type"] == "response.create"
        with pytest.raises(rt.EventEncodeError) as info:
            await conn.receive()
        assert info.value.event is bad
        assert info.value.path == "$.item.content[0].text"
        assert conn.statistics().events_rejected == 1
        await server.send(frame(TEXT, b'{"type":"input_audio_buffer.cleared","event_id":"e1"}'))
        assert isinstance(await conn.receive(), ev.InputAudioBufferCleared)
        nursery.cancel_scope.cancel()


async def test_a_wrong_object_put_on_the_channel_is_reported_by_receive() -> None:
    async with trio.open_nursery() as nursery:
        conn, _server = pair(nursery)
        await conn.send_channel.send({"type": "response.create"})  # type: ignore[arg-type]
        await trio.testing.wait_all_tasks_blocked()  # the writer has met it
        with pytest.raises(TypeError, match="was not sent"):
            await conn.receive()
        nursery.cancel_scope.cancel()


async def test_event_ids_are_given_unique_and_the_event_is_left_alone() -> None:
    create = ev.ResponseCreate()
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery)
        await conn.send(create)
        await conn.send(create)
        await conn.send(ev.ResponseCreate(event_id="mine"))
        sent = await _sent(server, 3)
        assert [s["event_id"] for s in sent] == ["c1", "c2", "mine"]
        assert create.event_id is msgspec.UNSET
        nursery.cancel_scope.cancel()


async def test_a_server_error_leads_to_the_event_it_blames() -> None:
    truncate = ev.ConversationItemTruncate(item_id="item_9", content_index=0, audio_end_ms=1500)
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery)
        await conn.send(ev.ResponseCreate())
        await conn.send(truncate)
        sent = await _sent(server, 2)
        error = {
            "type": "error",
            "event_id": "evt_err",
            "error": {
                "type": "invalid_request_error",
                "code": "invalid_value",
                "message": "Audio content of 1500ms is already shorter than 1500ms",
                "event_id": sent[1]["event_id"],
            },
        }
        await server.send(frame(TEXT, json.dumps(error).encode()))
        event = await conn.receive()
        assert isinstance(event, ev.ErrorEvent)
        assert conn.sent_event(event) is truncate
        assert conn.sent_event("c1") is not None
        assert conn.sent_event("nope") is None
        nursery.cancel_scope.cancel()


async def test_the_record_of_sends_is_bounded() -> None:
    from trio_realtime._connection import SENT_HISTORY

    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery)
        for _ in range(SENT_HISTORY + 5):
            await conn.send(ev.InputAudioBufferClear())
        await _sent(server, SENT_HISTORY + 5)
        assert conn.sent_event("c1") is None
        assert conn.sent_event(f"c{SENT_HISTORY + 5}") is not None
        assert len(conn._sent) == SENT_HISTORY  # pyright: ignore[reportPrivateUsage]
        nursery.cancel_scope.cancel()


async def test_statistics_count_bytes_not_characters() -> None:
    text = "héllo wörld ✓"
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery)
        await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text(text)))
        [sent] = [payload for _, payload in [await server.read_frame()]]
        incoming = json.dumps(
            {"type": "error", "event_id": "e", "error": {"type": "x", "message": text}},
            ensure_ascii=False,
        ).encode()
        await server.send(frame(TEXT, incoming))
        await conn.receive()
        stats = conn.statistics()
        nursery.cancel_scope.cancel()
    assert stats.bytes_sent == len(sent)
    assert stats.bytes_received == len(incoming)
    assert len(incoming) > len(incoming.decode())  # the test means something


async def test_a_value_that_contains_itself_is_an_encode_error_not_a_crash() -> None:
    loop: list[object] = []
    loop.append(loop)
    bad = ev.SessionUpdate(session=ev.RealtimeSession(tools=loop))  # type: ignore[arg-type]
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery)
        with pytest.raises(rt.EventEncodeError) as info:
            await conn.send(bad)
        assert info.value.path == "$.session.tools[0]"
        await conn.send_channel.send(bad)
        await trio.testing.wait_all_tasks_blocked()
        with pytest.raises(rt.EventEncodeError):
            await conn.receive()
        await conn.send(ev.ResponseCreate())  # the session goes on
        assert (await _sent(server, 1))[0]["type"] == "response.create"
        nursery.cancel_scope.cancel()


async def test_an_event_id_that_is_not_a_string_is_refused() -> None:
    async with trio.open_nursery() as nursery:
        conn, _server = pair(nursery)
        with pytest.raises(TypeError, match="event_id must be a str"):
            await conn.send(ev.ResponseCreate(event_id=None))  # type: ignore[arg-type]
        nursery.cancel_scope.cancel()


async def test_a_rejection_no_receive_reported_is_raised_by_the_block() -> None:
    async def idle(server: Server) -> None:
        await trio.sleep_forever()

    with trio.fail_after(10), pytest.raises(TypeError, match="was not sent"):
        async with session(idle, close_timeout=0.1) as conn:
            await conn.send_channel.send({"type": "response.create"})  # type: ignore[arg-type]
            await trio.testing.wait_all_tasks_blocked()


async def test_base64_text_as_pcm_audio_is_refused_at_send_while_the_input_is_pcm() -> None:
    import base64

    pcm = bytes(range(256)) * 19  # 4,864 bytes of PCM16
    doubled = ev.InputAudioBufferAppend(audio=base64.b64encode(pcm))  # the SDK habit
    async with trio.open_nursery() as nursery:
        conn, server = pair(nursery)
        with pytest.raises(rt.Base64AudioError, match="this library does the base64"):
            await conn.send(doubled)
        await conn.send(ev.InputAudioBufferAppend(audio=pcm))  # real PCM goes
        # Once the session says G.711, bytes are never inspected: quiet A-law
        # with a negative offset is all base64 characters ("TTTT...").
        g711 = ev.SessionUpdate(
            session=ev.RealtimeSession(
                audio=ev.AudioConfig(input=ev.AudioInput(format=ev.AudioPCMA()))
            )
        )
        await conn.send(g711)
        await conn.send(ev.InputAudioBufferAppend(audio=b"TTTU" * 40))
        sent = await _sent(server, 3)
        assert [s["type"] for s in sent] == [
            "input_audio_buffer.append",
            "session.update",
            "input_audio_buffer.append",
        ]
        # The server's session events are followed too: back to PCM.
        session = {
            "type": "realtime",
            "audio": {"input": {"format": {"type": "audio/pcm", "rate": 24000}}},
        }
        await server.send(
            frame(
                TEXT,
                json.dumps(
                    {"type": "session.updated", "event_id": "e", "session": session}
                ).encode(),
            )
        )
        assert isinstance(await conn.receive(), ev.SessionUpdated)
        with pytest.raises(rt.Base64AudioError):
            conn.send_nowait(doubled)
        nursery.cancel_scope.cancel()
