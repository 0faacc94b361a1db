"""Transcription-only sessions of the fake server (``intent=transcription``).

The service starts such a session as ``type: "transcription"``, takes
`TranscriptionSession` updates only, transcribes each committed utterance and
never answers with a response; the fake does the same.
"""

from __future__ import annotations

import math
from array import array
from typing import Any

import trio
from _memory_fake import ListPeer

import trio_realtime as rt
from trio_realtime import audio, rest
from trio_realtime import events as ev
from trio_realtime.testing import open_fake_server

SPEECH = array(
    "h", (int(8000 * math.sin(2 * math.pi * 300 * i / 24000)) for i in range(24000))
).tobytes()
SILENCE = bytes(24000)  # 500 ms of PCM16 at 24 kHz


def _update(model: str = "gpt-transcribe", vad: bool = False) -> ev.SessionUpdate:
    return ev.SessionUpdate(
        session=ev.TranscriptionSession(
            audio=ev.TranscriptionAudioConfig(
                input=ev.AudioInput(
                    transcription=ev.AudioTranscription(model=model),
                    turn_detection=ev.ServerVad() if vad else None,
                )
            )
        )
    )


async def _until(conn: Any, kind: type[Any]) -> Any:
    async for event in conn:
        if isinstance(event, kind):
            return event
    raise AssertionError(f"no {kind.__name__}")


async def test_a_transcription_connection_starts_as_a_transcription_session() -> None:
    with trio.fail_after(10):
        async with (
            open_fake_server() as server,
            rt.open_realtime(server.client(), intent="transcription") as conn,
        ):
            created = await conn.receive()
            assert isinstance(created, ev.SessionCreated)
            assert isinstance(created.session, ev.TranscriptionSession)
            assert isinstance(conn.session, ev.TranscriptionSession)
            await conn.send(_update())
            updated = await _until(conn, ev.SessionUpdated)
            assert isinstance(updated.session, ev.TranscriptionSession)
            for frame in audio.split_frames(SPEECH, 100):
                await conn.send(ev.InputAudioBufferAppend.pcm16(frame))
            server.script_transcripts("guten Tag")
            await conn.send(ev.InputAudioBufferCommit())
            done = await _until(conn, ev.ConversationItemInputAudioTranscriptionCompleted)
            assert done.transcript == "guten Tag"


async def test_server_vad_transcribes_each_utterance_and_answers_nothing() -> None:
    peer = ListPeer()
    with trio.fail_after(10):
        async with open_fake_server() as server:
            from trio_realtime.testing._engine import Engine

            engine = Engine(server, peer, model="", transcription=True)
            async with trio.open_nursery() as nursery:
                await engine.start(nursery)
                await engine.handle(_update(vad=True))
                await engine.handle(ev.InputAudioBufferAppend.pcm16(SPEECH))
                await engine.handle(ev.InputAudioBufferAppend.pcm16(SILENCE))
    kinds = peer.types()
    assert "input_audio_buffer.speech_started" in kinds
    assert "input_audio_buffer.speech_stopped" in kinds
    assert kinds[-1] == "conversation.item.input_audio_transcription.completed"
    assert not any(kind.startswith("response.") for kind in kinds)


async def test_a_transcription_session_refuses_responses_and_realtime_updates() -> None:
    peer = ListPeer()
    server = open_fake_server()
    from trio_realtime.testing._engine import Engine

    engine = Engine(server, peer, model="", transcription=True)
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            await engine.start(nursery)
            await engine.handle(ev.ResponseCreate(event_id="r1"))
            await engine.handle(
                ev.SessionUpdate(session=ev.RealtimeSession(instructions="hi"), event_id="u1")
            )
    errors = [e.error for e in peer.sent if isinstance(e, ev.ErrorEvent)]
    assert [(e.event_id, e.param) for e in errors] == [("r1", "type"), ("u1", "session.type")]
    assert "transcription session" in errors[1].message
    assert isinstance(engine.session, ev.TranscriptionSession)


async def test_a_strict_fake_refuses_an_unknown_transcription_model() -> None:
    with trio.fail_after(10):
        async with (
            open_fake_server() as server,
            rt.open_realtime(server.client(), intent="transcription") as conn,
        ):
            await conn.send(_update(model="gpt-made-up-transcribe"))
            error = await _until(conn, ev.ErrorEvent)
            assert error.error.param == "session.audio.input.transcription.model"


async def test_a_transcription_client_secret_opens_its_session() -> None:
    with trio.fail_after(10):
        async with open_fake_server() as server:
            async with rest.open_rest(server.client()) as api:
                minted = await api.client_secrets.create(_update().session)
            client = rt.Client(api_key=minted.value, base_url=server.base_url)
            async with rt.open_realtime(client) as conn:
                created = await conn.receive()
                assert isinstance(created.session, ev.TranscriptionSession)
                assert isinstance(created.session.audio, ev.TranscriptionAudioConfig)


async def test_a_reconnecting_transcription_session_gets_its_configuration_back() -> None:
    with trio.fail_after(20):
        async with open_fake_server() as server:
            policy = rt.Reconnect(backoff_initial=0.01, backoff_max=0.01)
            async with rt.open_realtime(
                server.client(), intent="transcription", reconnect=policy
            ) as conn:
                await conn.send(_update(model="gpt-realtime-whisper"))
                await _until(conn, ev.SessionUpdated)
                first = await server.wait_connection(0)
                await first.drop()
                marker = await _until(conn, rt.Reconnected)
                assert marker.restored_config
                second = await server.wait_connection(1)
                session = second.engine.session
                assert isinstance(session, ev.TranscriptionSession)
                assert isinstance(session.audio, ev.TranscriptionAudioConfig)
                assert isinstance(session.audio.input, ev.AudioInput)
                transcription = session.audio.input.transcription
                assert isinstance(transcription, ev.AudioTranscription)
                assert transcription.model == "gpt-realtime-whisper"
