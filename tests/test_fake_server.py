"""The fake Realtime server over real loopback sockets, driven by our own client.

Protocol shapes are checked against the openai SDK in test_sdk_interop.py; here
we check behaviour: ordering, state, scripting, errors and injected faults.
"""

from __future__ import annotations

import json
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import pytest
import trio
import trio_websocket

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime.testing import (
    DEFAULT_API_KEY,
    FakeServer,
    Faults,
    PeerGone,
    ToolCall,
    Turn,
    open_fake_server,
)

E = TypeVar("E", bound=ev.ServerEvent)


async def until(conn: rt.RealtimeConnection, kind: type[E]) -> tuple[E, list[ev.ServerEvent]]:
    """Receive up to the next event of ``kind``; return it and everything seen."""
    seen: list[ev.ServerEvent] = []
    async for event in conn:
        seen.append(event)
        if isinstance(event, kind):
            return event, seen
    raise AssertionError(f"connection ended before {kind.__name__}")


@asynccontextmanager
async def session(server: FakeServer, *, text: bool = True) -> AsyncIterator[rt.RealtimeConnection]:
    """A connection past ``session.created``, in text mode unless ``text=False``."""
    async with rt.open_realtime(server.client(), "gpt-realtime") as conn:
        created = await conn.receive()
        assert isinstance(created, ev.SessionCreated)
        if text:
            await conn.send(
                ev.SessionUpdate(session=ev.RealtimeSession(output_modalities=["text"]))
            )
            await until(conn, ev.SessionUpdated)
        yield conn


def texts(seen: list[ev.ServerEvent]) -> str:
    return "".join(e.delta for e in seen if isinstance(e, ev.ResponseOutputTextDelta))


def tone(ms: int, level: float = 0.3, rate: int = 24000) -> bytes:
    amp = int(32767 * level)
    return b"".join(
        int(amp * math.sin(2 * math.pi * 300 * i / rate)).to_bytes(2, "little", signed=True)
        for i in range(rate * ms // 1000)
    )


def silence(ms: int, rate: int = 24000) -> bytes:
    return bytes(2 * rate * ms // 1000)


async def test_session_created_and_handshake_record() -> None:
    with trio.fail_after(5):
        async with (
            open_fake_server() as server,
            rt.open_realtime(
                server.client(), "gpt-realtime-mini", extra_headers={"X-Trace": "t1"}
            ) as conn,
        ):
            created = await conn.receive()
            assert isinstance(created, ev.SessionCreated)
            session = created.session
            assert isinstance(session, ev.RealtimeSession)
            assert session.model == "gpt-realtime-mini"
            assert session.output_modalities == ["audio"]
            assert conn.session == session
            fake = await server.wait_connection()
            assert fake.path == "/v1/realtime"
            assert fake.query == {"model": "gpt-realtime-mini"}
            assert fake.header("authorization") == f"Bearer {DEFAULT_API_KEY}"
            assert fake.header("x-trace") == "t1"
            assert server.url == f"ws://127.0.0.1:{server.port}/v1/realtime"


async def test_text_turn_events_in_service_order() -> None:
    with trio.fail_after(5):
        async with open_fake_server(delta_size=4) as server, session(server) as conn:
            await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text("Hi there")))
            await conn.send(ev.ResponseCreate())
            done, seen = await until(conn, ev.ResponseDone)
            kinds = [e.type for e in seen]
            deltas = kinds.count("response.output_text.delta")
            assert kinds == [
                "conversation.item.added",
                "conversation.item.done",
                "response.created",
                "rate_limits.updated",
                "response.output_item.added",
                "conversation.item.added",
                "response.content_part.added",
                *["response.output_text.delta"] * deltas,
                "response.output_text.done",
                "response.content_part.done",
                "response.output_item.done",
                "conversation.item.done",
                "response.done",
            ]
            assert texts(seen) == "You said: Hi there"
            # delta_size=4 cuts 18 characters into 5 deltas.
            assert deltas == 5
            assert done.response.status == "completed"
            assert done.response.usage is not None
            assert done.response.usage.output_tokens == 5
            output = done.response.output
            assert output is not None
            assert isinstance(output[0], ev.AssistantMessage)
            fake = server.connections[0]
            assert [getattr(i, "id", None) for i in fake.engine.conversation] == [
                "item_0001",
                "item_0002",
            ]


async def test_session_update_merges_nested_fields() -> None:
    with trio.fail_after(5):
        async with open_fake_server() as server, session(server) as conn:
            await conn.send(
                ev.SessionUpdate(
                    session=ev.RealtimeSession(
                        audio=ev.AudioConfig(
                            input=ev.AudioInput(turn_detection=None),
                            output=ev.AudioOutput(voice="marin"),
                        )
                    )
                )
            )
            updated, _ = await until(conn, ev.SessionUpdated)
            merged = updated.session
            assert isinstance(merged, ev.RealtimeSession)
            assert merged.output_modalities == ["text"]  # from the earlier update
            assert isinstance(merged.audio, ev.AudioConfig)
            assert isinstance(merged.audio.output, ev.AudioOutput)
            assert merged.audio.output.voice == "marin"
            kept = merged.audio.output.format
            assert kept is not None
            assert (kept.type, kept.rate) == ("audio/pcm", 24000)
            assert isinstance(merged.audio.input, ev.AudioInput)
            assert merged.audio.input.turn_detection is None  # null turns VAD off


async def test_invalid_modalities_are_an_error() -> None:
    with trio.fail_after(5):
        async with open_fake_server() as server, session(server) as conn:
            await conn.send(
                ev.SessionUpdate(
                    event_id="evt_m",
                    session=ev.RealtimeSession(output_modalities=["text", "audio"]),
                )
            )
            error, _ = await until(conn, ev.ErrorEvent)
            assert error.error.code == "invalid_value"
            assert error.error.param == "session.output_modalities"
            assert error.error.event_id == "evt_m"


async def test_item_operations_and_their_errors() -> None:
    with trio.fail_after(5):
        async with open_fake_server() as server, session(server) as conn:
            await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text("one")))
            first, _ = await until(conn, ev.ConversationItemDone)
            first_id = getattr(first.item, "id", None)
            assert isinstance(first_id, str)
            await conn.send(
                ev.ConversationItemCreate(item=ev.UserMessage.text("zero"), previous_item_id="root")
            )
            added, _ = await until(conn, ev.ConversationItemAdded)
            assert added.previous_item_id is None
            await conn.send(ev.ConversationItemRetrieve(item_id=first_id))
            retrieved, _ = await until(conn, ev.ConversationItemRetrieved)
            assert retrieved.item == first.item
            await conn.send(ev.ConversationItemDelete(item_id=first_id))
            deleted, _ = await until(conn, ev.ConversationItemDeleted)
            assert deleted.item_id == first_id
            engine = server.connections[0].engine
            assert len(engine.conversation) == 1
            for bad, code in [
                (ev.ConversationItemDelete(item_id="nope", event_id="e1"), "item_delete"),
                (ev.ConversationItemRetrieve(item_id="nope", event_id="e2"), "item_retrieve"),
                (
                    ev.ConversationItemTruncate(
                        item_id="nope", content_index=0, audio_end_ms=0, event_id="e3"
                    ),
                    "item_truncate",
                ),
                (
                    ev.ConversationItemCreate(
                        item=ev.UserMessage.text("x"), previous_item_id="nope", event_id="e4"
                    ),
                    "item_create",
                ),
            ]:
                await conn.send(bad)
                error, _ = await until(conn, ev.ErrorEvent)
                assert error.error.type == "invalid_request_error"
                assert str(error.error.code).startswith(code)
                assert error.error.event_id == bad.event_id


async def test_manual_audio_commit_clear_and_too_short() -> None:
    with trio.fail_after(5):
        async with open_fake_server() as server, session(server) as conn:
            await conn.send(
                ev.SessionUpdate(
                    session=ev.RealtimeSession(
                        audio=ev.AudioConfig(input=ev.AudioInput(turn_detection=None))
                    )
                )
            )
            await until(conn, ev.SessionUpdated)
            await conn.send(ev.InputAudioBufferAppend(audio=tone(50)))
            await conn.send(ev.InputAudioBufferCommit(event_id="c1"))
            error, _ = await until(conn, ev.ErrorEvent)
            assert error.error.code == "input_audio_buffer_commit_empty"
            await conn.send(ev.InputAudioBufferClear())
            await until(conn, ev.InputAudioBufferCleared)
            await conn.send(ev.InputAudioBufferAppend(audio=tone(200)))
            await conn.send(ev.InputAudioBufferCommit())
            committed, _ = await until(conn, ev.InputAudioBufferCommitted)
            done, seen = await until(conn, ev.ConversationItemDone)
            assert getattr(done.item, "id", None) == committed.item_id
            assert not any(isinstance(e, ev.ResponseCreated) for e in seen)  # no VAD, no reply
            await conn.send(ev.ConversationItemRetrieve(item_id=committed.item_id))
            retrieved, _ = await until(conn, ev.ConversationItemRetrieved)
            assert isinstance(retrieved.item, ev.Message)
            assert retrieved.item.content[0].audio == tone(200)
            await conn.send(ev.ResponseCreate())
            _, seen = await until(conn, ev.ResponseDone)
            assert texts(seen) == "I heard 200 ms of audio."


async def test_server_vad_detects_a_turn_and_answers_with_audio() -> None:
    with trio.fail_after(5):
        async with open_fake_server() as server, session(server, text=False) as conn:
            await conn.send(ev.InputAudioBufferAppend(audio=silence(200) + tone(400)))
            started, _ = await until(conn, ev.InputAudioBufferSpeechStarted)
            assert started.audio_start_ms == 0  # 200 ms in, minus 300 ms of padding
            await conn.send(ev.InputAudioBufferAppend(audio=silence(600)))
            stopped, _ = await until(conn, ev.InputAudioBufferSpeechStopped)
            assert stopped.item_id == started.item_id
            assert 1000 <= stopped.audio_end_ms <= 1200
            done, seen = await until(conn, ev.ResponseDone)
            audio = b"".join(e.delta for e in seen if isinstance(e, ev.ResponseOutputAudioDelta))
            transcript = "".join(
                e.delta for e in seen if isinstance(e, ev.ResponseOutputAudioTranscriptDelta)
            )
            assert transcript.startswith("I heard ")
            # 20 ms of 24 kHz PCM16 per character of the transcript.
            assert len(audio) == 2 * 24000 * 20 * len(transcript) // 1000
            assert done.response.output_modalities == ["audio"]
            kinds = [e.type for e in seen]
            assert kinds.index("input_audio_buffer.committed") < kinds.index("response.created")


async def test_speech_interrupts_the_active_response() -> None:
    with trio.fail_after(5):
        async with open_fake_server(delta_interval=math.inf) as server, session(server) as conn:
            await conn.send(ev.ResponseCreate())
            await until(conn, ev.ResponseOutputTextDelta)
            await conn.send(ev.InputAudioBufferAppend(audio=tone(100)))
            done, seen = await until(conn, ev.ResponseDone)
            assert any(isinstance(e, ev.InputAudioBufferSpeechStarted) for e in seen)
            assert done.response.status == "cancelled"
            assert done.response.status_details is not None
            assert done.response.status_details.reason == "turn_detected"


async def test_cancel_mid_stream_and_cancel_without_response() -> None:
    with trio.fail_after(5):
        async with open_fake_server(delta_interval=math.inf) as server, session(server) as conn:
            await conn.send(ev.ResponseCancel(event_id="x1"))
            error, _ = await until(conn, ev.ErrorEvent)
            assert error.error.code == "response_cancel_not_active"
            server.script("a long answer that will never finish")
            await conn.send(ev.ResponseCreate())
            created, _ = await until(conn, ev.ResponseCreated)
            await until(conn, ev.ResponseOutputTextDelta)
            await conn.send(ev.ResponseCreate(event_id="busy"))
            busy, _ = await until(conn, ev.ErrorEvent)
            assert busy.error.code == "conversation_already_has_active_response"
            await conn.send(ev.ResponseCancel(response_id=str(created.response.id)))
            done, seen = await until(conn, ev.ResponseDone)
            assert done.response.status == "cancelled"
            item_done = next(e for e in seen if isinstance(e, ev.ResponseOutputItemDone))
            assert isinstance(item_done.item, ev.AssistantMessage)
            assert item_done.item.status == "incomplete"
            assert texts(seen) == ""  # the first delta arrived before `seen` began


async def test_max_output_tokens_cuts_the_reply_short() -> None:
    with trio.fail_after(5):
        async with open_fake_server() as server, session(server) as conn:
            server.script("0123456789" * 3, "never streamed")
            await conn.send(ev.ResponseCreate(response=ev.ResponseParams(max_output_tokens=3)))
            done, seen = await until(conn, ev.ResponseDone)
            assert texts(seen) == "012345678901"  # 3 tokens of 4 characters
            assert done.response.status == "incomplete"
            assert done.response.status_details == ev.ResponseStatus(
                type="incomplete", reason="max_output_tokens"
            )


async def test_a_failing_responder_surfaces_from_the_server_block() -> None:
    def broken(turn: Turn) -> str:
        raise LookupError("no reply for this turn")

    codes: list[int] = []
    with trio.fail_after(5), pytest.raises(LookupError, match="no reply"):
        async with open_fake_server(responder=broken) as server:
            try:
                async with session(server) as conn:
                    await conn.send(ev.ResponseCreate())
                    async for _ in conn:
                        pass
            except rt.ConnectionClosed as closed:
                codes.append(closed.code)
                raise
    # The client was told, like a real server's internal error: 1011.
    assert codes == [1011]


async def test_out_of_band_response_leaves_the_conversation_alone() -> None:
    with trio.fail_after(5):
        async with open_fake_server() as server, session(server) as conn:
            await conn.send(
                ev.ResponseCreate(
                    response=ev.ResponseParams(
                        conversation="none",
                        metadata={"topic": "x"},
                        input=[ev.UserMessage.text("classify me")],
                    )
                )
            )
            done, seen = await until(conn, ev.ResponseDone)
            assert texts(seen) == "You said: classify me"
            assert done.response.conversation_id is None
            assert done.response.metadata == {"topic": "x"}
            assert not any(
                isinstance(e, ev.ConversationItemAdded | ev.ConversationItemDone) for e in seen
            )
            assert server.connections[0].engine.conversation == []


async def test_scripted_replies_responder_and_tool_calls() -> None:
    turns: list[Turn] = []

    def responder(turn: Turn) -> str:
        turns.append(turn)
        return f"#{turn.index}: {turn.last_user_text}"

    with trio.fail_after(5):
        async with (
            open_fake_server(responder=responder, delta_size=3) as server,
            session(server) as conn,
        ):
            server.script(
                ["Let me check.", ToolCall("get_weather", {"city": "Paris"}, call_id="call_x")]
            )
            await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text("weather?")))
            await conn.send(ev.ResponseCreate())
            done, seen = await until(conn, ev.ResponseDone)
            assert texts(seen) == "Let me check."
            argument_deltas = "".join(
                e.delta for e in seen if isinstance(e, ev.ResponseFunctionCallArgumentsDelta)
            )
            args_done = next(e for e in seen if isinstance(e, ev.ResponseFunctionCallArgumentsDone))
            assert argument_deltas == args_done.arguments == '{"city":"Paris"}'
            assert args_done.call_id == "call_x"
            assert args_done.name == "get_weather"
            assert args_done.output_index == 1
            assert done.response.output is not None
            assert len(done.response.output) == 2
            assert turns == []  # the scripted reply answered, not the responder
            await conn.send(
                ev.ConversationItemCreate(item=ev.FunctionCallOutput.of("call_x", {"t": 21}))
            )
            await conn.send(ev.ResponseCreate())
            _, seen = await until(conn, ev.ResponseDone)
            assert texts(seen) == "#1: weather?"
            assert turns[0].tool_output == '{"t":21}'
            assert turns[0].output_modalities == ("text",)


async def test_invalid_client_frames_get_service_style_errors() -> None:
    cases: list[tuple[str, str, str | None, str | None]] = [
        ("not json", "invalid_json", None, None),
        ('{"event_id": "e1"}', "missing_required_parameter", "type", "e1"),
        ('{"type": "bogus.event", "event_id": "e2"}', "invalid_value", "type", "e2"),
        (
            '{"type": "conversation.item.create", "event_id": "e3"}',
            "missing_required_parameter",
            "item",
            "e3",
        ),
        (
            '{"type": "conversation.item.delete", "item_id": 5, "event_id": "e4"}',
            "invalid_type",
            "item_id",
            "e4",
        ),
    ]
    with trio.fail_after(5):
        async with (
            open_fake_server() as server,
            trio_websocket.open_websocket_url(
                server.url + "?model=gpt-realtime",
                extra_headers=[("Authorization", f"Bearer {DEFAULT_API_KEY}")],
            ) as ws,
        ):
            assert json.loads(await ws.get_message())["type"] == "session.created"
            for frame, code, param, event_id in cases:
                await ws.send_message(frame)
                error = json.loads(await ws.get_message())
                assert error["type"] == "error"
                assert error["error"]["type"] == "invalid_request_error"
                assert error["error"]["code"] == code, frame
                assert error["error"].get("param") == param, frame
                assert error["error"].get("event_id") == event_id, frame
            fake = server.connections[0]
            assert len(fake.invalid) == len(cases)
            assert fake.received == []


async def raw_upgrade(port: int, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
    """Send a WebSocket upgrade by hand; return the HTTP status and body.

    (trio-websocket's client leaks its socket when an upgrade is refused.)
    """
    stream = await trio.open_tcp_stream("127.0.0.1", port)
    async with stream:
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version: 13",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        await stream.send_all(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while chunk := await stream.receive_some():
            data += chunk
            if data.startswith(b"HTTP/1.1 101 ") and b"\r\n\r\n" in data:
                break  # accepted: the WebSocket stays open, stop here
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


async def test_wrong_key_missing_key_and_wrong_path_are_refused() -> None:
    with trio.fail_after(5):
        async with open_fake_server() as server:
            bad = rt.Client(api_key="sk-wrong-1234", base_url=server.base_url)
            with pytest.raises(rt.AuthenticationError) as caught:
                async with rt.open_realtime(bad, "gpt-realtime"):
                    pass  # pragma: no cover
            assert caught.value.status == 401
            assert caught.value.request_id == "req_fake0001"
            assert caught.value.error is not None
            assert caught.value.error["error"]["code"] == "invalid_api_key"
            assert caught.value.error["error"]["type"] == "invalid_request_error"
            assert "sk-wrong-1234" not in caught.value.body.decode()
            status, body = await raw_upgrade(server.port, "/v1/realtime?model=m", {})
            assert status == 401
            assert "API key" in json.loads(body)["error"]["message"]
            status, body = await raw_upgrade(
                server.port, "/v1/chat", {"Authorization": f"Bearer {DEFAULT_API_KEY}"}
            )
            assert status == 404
            assert json.loads(body)["error"]["message"] == "Invalid URL (GET /v1/chat)"
            status, _ = await raw_upgrade(
                server.port, "/openai/realtime?deployment=d", {"api-key": DEFAULT_API_KEY}
            )
            assert status == 101  # Azure-style key header, accepted
            assert len(server.connections) == 1


@pytest.mark.parametrize(
    ("faults", "code"),
    [
        (Faults(close_after=3, close_code=1011, close_reason="boom"), 1011),
        (Faults(drop_after=3), 1006),
    ],
)
async def test_faults_end_the_session_after_n_events(faults: Faults, code: int) -> None:
    with trio.fail_after(5):
        async with open_fake_server(faults=faults) as server:
            received: list[ev.ServerEvent] = []
            with pytest.raises(rt.ConnectionClosed) as caught:
                async with rt.open_realtime(server.client(), "gpt-realtime") as conn:
                    await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text("hi")))
                    async for event in conn:
                        received.append(event)
            assert caught.value.code == code
            # Everything sent before the fault was delivered first.
            assert [e.type for e in received] == [
                "session.created",
                "conversation.item.added",
                "conversation.item.done",
            ]
            if code == 1011:
                assert caught.value.reason == "boom"


async def test_stall_rejected_handshake_and_raw_frames() -> None:
    with trio.fail_after(5):
        async with open_fake_server(
            faults=Faults(reject_handshakes=1, reject_status=503)
        ) as server:
            with pytest.raises(rt.ServerError) as caught:
                async with rt.open_realtime(server.client(), "gpt-realtime"):
                    pass  # pragma: no cover
            assert caught.value.status == 503
            async with session(server) as conn:
                fake = await server.wait_connection()
                await fake.send_raw("this is not json")
                invalid = await conn.receive()
                assert isinstance(invalid, ev.InvalidEvent)
                assert invalid.raw == b"this is not json"
                fake.stall()
                await conn.send(ev.ResponseCreate())
                with trio.move_on_after(0.2):
                    event = await conn.receive()
                    raise AssertionError(f"a stalled server sent {event!r}")  # pragma: no cover


async def test_send_after_the_connection_ended_raises_peer_gone() -> None:
    # The documented contract of FakeConnection.send: a scripted test that
    # sends after the client left gets PeerGone, not a send that never returns.
    with trio.fail_after(5):
        async with open_fake_server() as server:
            async with session(server):
                fake = await server.wait_connection()
            await fake.wait_closed()
            with trio.move_on_after(1) as hung, pytest.raises(PeerGone):
                await fake.send(ev.InputAudioBufferCleared(event_id="evt_late"))
            assert not hung.cancelled_caught, "send hung on an ended connection"
            assert fake.sent == 2  # session.created, session.updated: nothing more went out


async def test_handshake_delay_trips_the_client_connect_timeout() -> None:
    with trio.fail_after(5):
        async with open_fake_server(faults=Faults(handshake_delay=10.0)) as server:
            with pytest.raises(rt.ConnectTimeout):
                async with rt.open_realtime(server.client(), "gpt-realtime", connect_timeout=0.2):
                    pass  # pragma: no cover


async def test_garbage_on_the_wire_ends_the_session() -> None:
    with trio.fail_after(5):
        async with open_fake_server() as server:
            with pytest.raises(rt.ConnectionClosed) as caught:
                async with session(server) as conn:
                    fake = await server.wait_connection()
                    # A reserved opcode (0x3): no WebSocket peer may accept it.
                    await fake.send_garbage(b"\x83\x00")
                    async for _ in conn:
                        pass
            assert caught.value.code == 1002  # protocol error, found by the client


async def test_event_delay_and_received_across_connections() -> None:
    with trio.fail_after(5):
        async with open_fake_server(faults=Faults(event_delay=0.001)) as server:
            for word in ("one", "two"):
                async with session(server) as conn:
                    await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text(word)))
                    await conn.send(ev.ResponseCreate())
                    _, seen = await until(conn, ev.ResponseDone)
                    assert texts(seen) == f"You said: {word}"
            creates = server.received_of(ev.ConversationItemCreate)
            assert len(creates) == 2
            assert [len(c.received) for c in server.connections] == [3, 3]
            assert all(c.closed for c in server.connections)


async def test_leaving_the_server_block_closes_clients_with_1001() -> None:
    codes: list[int] = []

    async def client(server: FakeServer, connected: trio.Event) -> None:
        with pytest.raises(rt.ConnectionClosed) as caught:
            async with rt.open_realtime(server.client(), "gpt-realtime") as conn:
                connected.set()
                async for _ in conn:
                    pass
        codes.append(caught.value.code)

    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            server = open_fake_server()
            async with server:
                connected = trio.Event()
                nursery.start_soon(client, server, connected)
                await connected.wait()
        assert codes == [1001]
        with pytest.raises(RuntimeError):
            _ = server.port


def test_settings_are_validated() -> None:
    make: Callable[..., FakeServer] = open_fake_server
    with pytest.raises(ValueError, match="delta_size"):
        make(delta_size=0)
    with pytest.raises(ValueError, match="delta_interval"):
        make(delta_interval=-1.0)
