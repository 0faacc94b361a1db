"""The fake server's translation sessions: `TranslationEngine` driven directly with a
recording peer (no sockets), then a few sessions end to end through the real server."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
import trio
import trio.testing

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime.testing import FakeServer, Faults, open_fake_server
from trio_realtime.testing._translation import FRAME_BYTES, TranslationEngine

MODEL = "gpt-realtime-translate"
BYTES_PER_MS = 48  # 24 kHz mono PCM16


class Peer:
    """Records what the engine sends and how it closes."""

    def __init__(self) -> None:
        self.events: list[ev.TranslationServerEvent] = []
        self.closes: list[tuple[int, str | None]] = []

    async def send(self, event: ev.TranslationServerEvent) -> None:
        self.events.append(event)

    async def close(self, code: int, reason: str | None) -> None:
        self.closes.append((code, reason))

    @property
    def closed(self) -> bool:
        return bool(self.closes)

    def take(self) -> list[ev.TranslationServerEvent]:
        got, self.events = self.events, []
        return got


def speech(ms: int) -> bytes:
    """Non-silent PCM16 of ``ms`` milliseconds (the fake only tells silence apart)."""
    return b"\x10\x00" * (ms * BYTES_PER_MS // 2)


def append(pcm: bytes) -> ev.TranslationSessionInputAudioBufferAppend:
    return ev.TranslationSessionInputAudioBufferAppend(audio=pcm)


def update(
    *,
    language: str | None = None,
    transcribe: str | None = None,
    noise: ev.TranslationNoiseReduction | None = None,
    event_id: str = "upd",
) -> ev.TranslationSessionUpdate:
    source = ev.TranslationAudioInput()
    if transcribe is not None:
        source.transcription = ev.TranslationTranscription(model=transcribe)
    if noise is not None:
        source.noise_reduction = noise
    target = ev.TranslationAudioOutput(language=language) if language is not None else None
    audio = ev.TranslationAudio(
        input=source, output=target if target is not None else msgspec.UNSET
    )
    return ev.TranslationSessionUpdate(
        session=ev.TranslationSessionConfig(audio=audio), event_id=event_id
    )


def texts(events: list[Any], kind: type[Any]) -> str:
    return "".join(e.delta for e in events if isinstance(e, kind))


def audio_out(events: list[Any]) -> bytes:
    return b"".join(e.delta for e in events if isinstance(e, ev.TranslationSessionOutputAudioDelta))


async def started(
    server: FakeServer | None = None, model: str = MODEL
) -> tuple[TranslationEngine, Peer]:
    peer = Peer()
    engine = TranslationEngine(server or FakeServer(), peer, model=model)
    async with trio.open_nursery() as nursery:
        await engine.start(nursery)
    return engine, peer


# -- the engine, socket-free -------------------------------------------------------------


async def test_a_session_opens_with_session_created_and_the_default_configuration() -> None:
    with trio.fail_after(5):
        engine, peer = await started()
    (created,) = peer.events
    assert isinstance(created, ev.TranslationSessionCreated)
    session = created.session
    assert (session.type, session.model) == ("translation", MODEL)
    assert session.id.startswith("sess_")
    assert session.expires_at > 0
    wire = json.loads(engine.encode(created))
    assert wire["session"]["audio"] == {
        "input": {"noise_reduction": None, "transcription": None},
        "output": {"language": None},
    }
    assert peer.closes == []


@pytest.mark.parametrize(
    ("model", "code"),
    [
        ("gpt-realtime-translat", "model_not_found"),
        ("gpt-realtime", "invalid_model"),
        ("gpt-4o-transcribe", "invalid_model"),
        ("", "missing_required_parameter"),
    ],
)
async def test_a_strict_server_refuses_a_model_that_does_not_translate(
    model: str, code: str
) -> None:
    with trio.fail_after(5):
        engine, peer = await started(model=model)
    (error,) = peer.events
    assert isinstance(error, ev.TranslationErrorEvent)
    assert (error.error.type, error.error.code, error.error.param) == (
        "invalid_request_error",
        code,
        "model",
    )
    assert peer.closes == [(4000, f"invalid_request_error.{code}")]
    assert engine.closed
    await engine.handle(append(speech(400)))
    assert len(peer.events) == 1  # a refused session answers nothing more


async def test_a_lenient_server_takes_any_model_and_names_one_when_none_is_given() -> None:
    with trio.fail_after(5):
        _, peer = await started(FakeServer(strict=False), model="made-up")
        _, unnamed = await started(FakeServer(strict=False), model="")
    assert [type(e) for e in peer.events] == [ev.TranslationSessionCreated]
    created = unnamed.events[0]
    assert isinstance(created, ev.TranslationSessionCreated)
    assert created.session.model == MODEL


async def test_session_update_merges_and_reports_the_whole_session() -> None:
    with trio.fail_after(5):
        engine, peer = await started()
        peer.take()
        await engine.handle(update(language="es"))
        await engine.handle(
            update(noise=ev.TranslationNoiseReduction(type="near_field", strength=0.25))
        )
        await engine.handle(update(noise=ev.TranslationNoiseReduction(type="far_field")))
        await engine.handle(update(transcribe="gpt-4o-transcribe"))
        sessions = [e.session for e in peer.take() if isinstance(e, ev.TranslationSessionUpdated)]
    assert len(sessions) == 4
    last = json.loads(msgspec_json(sessions[-1]))["audio"]
    assert last == {
        # The language set first stayed; far_field kept the strength set before.
        "input": {
            "noise_reduction": {"type": "far_field", "strength": 0.25},
            "transcription": {"model": "gpt-4o-transcribe"},
        },
        "output": {"language": "es"},
    }
    assert engine.session == sessions[-1]
    with trio.fail_after(5):
        off = update()
        off.session.audio.input.transcription = None  # type: ignore[union-attr]
        off.session.audio.input.noise_reduction = None  # type: ignore[union-attr]
        await engine.handle(off)
    (cleared,) = peer.take()
    assert isinstance(cleared, ev.TranslationSessionUpdated)
    assert json.loads(msgspec_json(cleared.session))["audio"]["input"] == {
        "noise_reduction": None,
        "transcription": None,
    }


async def test_noise_reduction_first_enabled_gets_strength_one() -> None:
    with trio.fail_after(5):
        engine, peer = await started()
        await engine.handle(update(noise=ev.TranslationNoiseReduction(type="near_field")))
    updated = peer.events[-1]
    assert isinstance(updated, ev.TranslationSessionUpdated)
    noise = updated.session.audio.input.noise_reduction  # type: ignore[union-attr]
    assert noise == ev.TranslationNoiseReduction(type="near_field", strength=1.0)


@pytest.mark.parametrize(
    ("bad", "code", "param"),
    [
        (
            update(noise=ev.TranslationNoiseReduction(type="middle_field")),
            "invalid_value",
            "session.audio.input.noise_reduction.type",
        ),
        (
            update(noise=ev.TranslationNoiseReduction(type="near_field", strength=2.0)),
            "decimal_out_of_range",
            "session.audio.input.noise_reduction.strength",
        ),
        (update(language=" "), "invalid_value", "session.audio.output.language"),
        (
            update(transcribe="whisper-9"),
            "invalid_model",
            "session.audio.input.transcription.model",
        ),
    ],
)
async def test_a_bad_update_changes_nothing_and_answers_an_error(
    bad: ev.TranslationSessionUpdate, code: str, param: str
) -> None:
    with trio.fail_after(5):
        engine, peer = await started()
        before = engine.session
        peer.take()
        await engine.handle(bad)
    (error,) = peer.events
    assert isinstance(error, ev.TranslationErrorEvent)
    assert (error.error.code, error.error.param, error.error.event_id) == (code, param, "upd")
    assert engine.session == before


async def test_a_lenient_server_takes_any_transcription_model() -> None:
    with trio.fail_after(5):
        engine, peer = await started(FakeServer(strict=False))
        await engine.handle(update(transcribe="whisper-9"))
    assert isinstance(peer.events[-1], ev.TranslationSessionUpdated)
    assert engine.session.audio.input.transcription.model == "whisper-9"  # type: ignore[union-attr]


async def test_audio_is_translated_in_200_ms_frames_as_they_complete() -> None:
    server = FakeServer(delta_size=1000)
    with trio.fail_after(5):
        engine, peer = await started(server)
        await engine.handle(update(language="es"))
        peer.take()
        await engine.handle(append(speech(150)))
        assert peer.events == []  # less than a frame waits
        await engine.handle(append(speech(450)))  # 600 ms in all: three frames
        got = peer.take()
    assert texts(got, ev.TranslationSessionOutputTranscriptDelta) == (
        "[es] [200 ms of audio] [es] [200 ms of audio] [es] [200 ms of audio]"
    )
    assert not any(isinstance(e, ev.TranslationSessionInputTranscriptDelta) for e in got)
    elapsed = sorted({e.elapsed_ms for e in got if hasattr(e, "elapsed_ms")})  # type: ignore[attr-defined]
    assert elapsed == [200, 400, 600]
    assert len(audio_out(got)) == 3 * FRAME_BYTES  # as long as what went in
    assert engine.elapsed_ms == 600


async def test_each_frame_answers_source_text_translation_then_audio_chunks() -> None:
    server = FakeServer(delta_size=4, audio_chunk_ms=50)
    server.script_transcripts("Hello")
    server.script("Hola")
    with trio.fail_after(5):
        engine, peer = await started(server)
        await engine.handle(update(language="es", transcribe="gpt-4o-transcribe"))
        peer.take()
        await engine.handle(append(speech(400)))
        got = peer.take()
    kinds = [type(e).__name__.removeprefix("TranslationSession") for e in got]
    frame = ["InputTranscriptDelta"] * 2 + ["OutputTranscriptDelta"] + ["OutputAudioDelta"] * 4
    second = ["InputTranscriptDelta"] * 5 + ["OutputTranscriptDelta"] * 6 + frame[-4:]
    assert kinds == frame + second
    # Scripted first (transcript, reply), then the defaults; later frames start with a space.
    assert texts(got, ev.TranslationSessionInputTranscriptDelta) == "Hello [200 ms of audio]"
    assert texts(got, ev.TranslationSessionOutputTranscriptDelta) == ("Hola [es] [200 ms of audio]")
    deltas = [e for e in got if isinstance(e, ev.TranslationSessionOutputAudioDelta)]
    assert {len(d.delta) for d in deltas} == {50 * BYTES_PER_MS}
    assert {(d.format, d.sample_rate, d.channels) for d in deltas} == {("pcm16", 24000, 1)}
    assert min(audio_out(got)) != max(audio_out(got))  # a tone, not silence


async def test_no_language_yet_is_tagged_und() -> None:
    server = FakeServer(delta_size=1000)
    server.script_transcripts("hi")
    with trio.fail_after(5):
        engine, peer = await started(server)
        await engine.handle(append(speech(200)))
    assert texts(peer.events, ev.TranslationSessionOutputTranscriptDelta) == "[und] hi"


async def test_silence_comes_back_as_silence_without_text_or_script() -> None:
    server = FakeServer()
    server.script_transcripts("later")
    with trio.fail_after(5):
        engine, peer = await started(server)
        await engine.handle(update(language="fr", transcribe="gpt-4o-transcribe"))
        peer.take()
        await engine.handle(append(bytes(FRAME_BYTES)))
        quiet = peer.take()
        await engine.handle(append(speech(200)))
        spoken = peer.take()
    assert [type(e) for e in quiet] == [ev.TranslationSessionOutputAudioDelta] * 2
    assert audio_out(quiet) == bytes(FRAME_BYTES)
    assert texts(spoken, ev.TranslationSessionInputTranscriptDelta) == "later"


async def test_session_close_flushes_the_partial_frame_then_closes_with_1000() -> None:
    server = FakeServer(delta_size=1000)
    with trio.fail_after(5):
        engine, peer = await started(server)
        await engine.handle(update(language="de"))
        await engine.handle(append(speech(300)))
        peer.take()
        await engine.handle(ev.TranslationSessionClose())
        got = peer.take()
        await engine.handle(append(speech(400)))
        await engine.handle(ev.TranslationSessionClose())
    assert texts(got, ev.TranslationSessionOutputTranscriptDelta) == " [de] [100 ms of audio]"
    assert len(audio_out(got)) == 100 * BYTES_PER_MS
    assert isinstance(got[-1], ev.TranslationSessionClosed)
    assert peer.closes == [(1000, None)]
    assert peer.events == []  # nothing after session.closed
    assert engine.elapsed_ms == 300


async def test_closing_with_nothing_buffered_answers_only_session_closed() -> None:
    with trio.fail_after(5):
        engine, peer = await started()
        peer.take()
        await engine.handle(ev.TranslationSessionClose())
    assert [type(e) for e in peer.events] == [ev.TranslationSessionClosed]


@pytest.mark.parametrize(
    ("raw", "code", "event_id"),
    [
        (b'{"type":"response.create","event_id":"x1"}', "invalid_value", "x1"),
        (b'{"type":"session.input_audio_buffer.append","event_id":"x2"}',
         "missing_required_parameter", "x2"),
        (b"{not json", "invalid_json", None),
        (b'{"event_id":"x3"}', "missing_required_parameter", "x3"),
    ],
)  # fmt: skip
async def test_an_invalid_frame_answers_an_error_in_the_translation_shape(
    raw: bytes, code: str, event_id: str | None
) -> None:
    with trio.fail_after(5):
        engine, peer = await started()
        peer.take()
        with pytest.raises(rt.EventDecodeError) as info:
            engine.decode(raw)
        await engine.reject(info.value, raw)
    (error,) = peer.events
    assert isinstance(error, ev.TranslationErrorEvent)
    assert (error.error.code, error.error.event_id) == (code, event_id)
    if code == "invalid_value":
        # The supported types named are the translation endpoint's, not Realtime's.
        assert "'session.close'" in error.error.message
        assert "'response.create'" not in error.error.message.split("Supported")[1]


def test_decode_and_encode_are_the_translation_codec() -> None:
    engine = TranslationEngine(FakeServer(), Peer(), model=MODEL)
    event = engine.decode(b'{"type":"session.close","event_id":"c9"}')
    assert event == ev.TranslationSessionClose(event_id="c9")
    closed = ev.TranslationSessionClosed(event_id="e1")
    assert ev.decode_translation_server_event(engine.encode(closed)) == closed


async def test_delta_interval_paces_each_frame(autojump_clock: trio.testing.MockClock) -> None:
    server = FakeServer(delta_interval=0.5)
    with trio.fail_after(5):
        engine, peer = await started(server)
        start = trio.current_time()
        await engine.handle(append(speech(600)))
    assert trio.current_time() - start == pytest.approx(1.5)
    assert len(audio_out(peer.events)) == 3 * FRAME_BYTES


async def test_the_session_expires_at_the_servers_session_duration(
    autojump_clock: trio.testing.MockClock,
) -> None:
    server = FakeServer(faults=Faults(session_duration=90.0, expire_close_code=1001))
    peer = Peer()
    engine = TranslationEngine(server, peer, model=MODEL)
    with trio.fail_after(200):
        async with trio.open_nursery() as nursery:
            await engine.start(nursery)
            await trio.sleep(89)
            assert peer.closes == []
    error = peer.events[-1]
    assert isinstance(error, ev.TranslationErrorEvent)
    assert error.error.code == "session_expired"
    assert "1.5 minutes" in error.error.message
    assert peer.closes == [(1001, "session expired")]
    assert engine.expired
    assert engine.closed


@pytest.fixture
def autojump_clock() -> trio.testing.MockClock:
    return trio.testing.MockClock(autojump_threshold=0)


def msgspec_json(value: object) -> bytes:
    return msgspec.json.encode(value)


# -- end to end through the fake server ------------------------------------------------------


async def run_session(
    conn: Any, pcm: bytes, *, language: str = "es"
) -> tuple[str, bytes, list[Any]]:
    """Set the language, send ``pcm`` in 200 ms appends, close; what came back."""
    await conn.send(update(language=language))
    for start in range(0, len(pcm), FRAME_BYTES):
        await conn.send(append(pcm[start : start + FRAME_BYTES]))
    await conn.send(ev.TranslationSessionClose())
    seen: list[Any] = []
    async for event in conn:
        seen.append(event)
        if isinstance(event, ev.TranslationSessionClosed):
            break
    return texts(seen, ev.TranslationSessionOutputTranscriptDelta), audio_out(seen), seen


async def test_open_translation_runs_end_to_end_against_the_fake_server() -> None:
    with trio.fail_after(20):
        async with open_fake_server() as server:
            server.script_transcripts("uno", "dos")
            async with rt.open_translation(server.client(), MODEL) as conn:
                text, pcm, seen = await run_session(conn, speech(500))
                assert isinstance(conn.session, ev.TranslationSession)
                assert conn.session.audio.output.language == "es"  # type: ignore[union-attr]
                assert isinstance(seen[0], ev.TranslationSessionCreated)
                assert text == "[es] uno [es] dos [es] [100 ms of audio]"
                assert len(pcm) == 500 * BYTES_PER_MS
                await server.connections[0].wait_closed()  # the server closed it
                assert server.connections[0].sent == len(seen)
    fake = server.connections[0]
    assert isinstance(fake.endpoint, TranslationEngine)
    assert fake.path == "/v1/realtime/translations"
    assert fake.query == {"model": MODEL}
    assert [type(e).__name__ for e in server.received] == [
        "TranslationSessionUpdate",
        *["TranslationSessionInputAudioBufferAppend"] * 3,
        "TranslationSessionClose",
    ]


async def test_an_unknown_model_ends_the_session_with_4000() -> None:
    with trio.fail_after(20):
        async with (
            open_fake_server() as server,
            rt.open_translation(server.client(), "gpt-realtime") as conn,
        ):
            event = await conn.receive()
            assert isinstance(event, ev.TranslationErrorEvent)
            assert event.error.code == "invalid_model"
            with pytest.raises(rt.ConnectionClosed) as info:
                await conn.receive()
            assert info.value.code == 4000


async def test_translation_is_served_where_the_api_serves_it() -> None:
    with trio.fail_after(20):
        async with open_fake_server() as server:
            base = f"http://127.0.0.1:{server.port}/openai/v1"
            azure = rt.Client(api_key=server.api_key, base_url=base)
            with pytest.raises(rt.HandshakeRejected) as info:
                async with rt.open_translation(azure, MODEL):
                    pass
            assert info.value.status == 404
        async with open_fake_server(strict=False) as lenient:
            odd = rt.Client(api_key=lenient.api_key, base_url=f"http://127.0.0.1:{lenient.port}/x")
            async with rt.open_translation(odd, "any-model") as conn:
                created = await conn.receive()
                assert isinstance(created, ev.TranslationSessionCreated)
                assert created.session.model == "any-model"


async def test_the_fault_plan_applies_to_translation_connections() -> None:
    faults = Faults(close_after=2, close_code=1011)
    with trio.fail_after(20):
        async with (
            open_fake_server(faults=faults) as server,
            rt.open_translation(server.client(), MODEL) as conn,
        ):
            await conn.send(update(language="es"))
            assert isinstance(await conn.receive(), ev.TranslationSessionCreated)
            assert isinstance(await conn.receive(), ev.TranslationSessionUpdated)
            with pytest.raises(rt.ConnectionClosed) as info:
                await conn.receive()
            assert info.value.code == 1011


async def test_a_reconnecting_translation_session_gets_its_configuration_back() -> None:
    policy = rt.Reconnect(backoff_initial=0.01, jitter=0.0)
    seen: list[Any] = []
    with trio.fail_after(30):
        async with open_fake_server(delta_size=1000) as server:
            async with rt.open_translation(server.client(), MODEL, reconnect=policy) as conn:
                await conn.send(update(language="it", transcribe="gpt-4o-transcribe"))
                while not isinstance(await conn.receive(), ev.TranslationSessionUpdated):
                    pass
                await server.connections[0].drop()
                marker = await conn.receive()
                while not isinstance(marker, rt.Reconnected):
                    marker = await conn.receive()
                assert marker.restored_config
                await conn.send(append(speech(200)))
                await conn.send(ev.TranslationSessionClose())
                async for event in conn:
                    seen.append(event)
                    if isinstance(event, ev.TranslationSessionClosed):
                        break
            first, second = server.connections
    assert isinstance(first.endpoint, TranslationEngine)
    assert isinstance(second.endpoint, TranslationEngine)
    assert isinstance(second.received[0], ev.TranslationSessionUpdate)
    assert second.endpoint.session.audio == first.endpoint.session.audio
    assert texts(seen, ev.TranslationSessionOutputTranscriptDelta) == "[it] [200 ms of audio]"
    assert texts(seen, ev.TranslationSessionInputTranscriptDelta) == "[200 ms of audio]"


def test_the_translation_model_is_of_another_family_on_realtime() -> None:
    from trio_realtime.testing._strict import realtime_model_problem

    problem = realtime_model_problem(MODEL)
    assert problem is not None
    assert (problem.code, problem.message) == (
        "invalid_model",
        f'Model "{MODEL}" is not supported in realtime mode.',
    )


async def test_a_translation_client_secret_starts_the_session_it_configured() -> None:
    from trio_realtime import rest

    wanted = ev.TranslationAudio(output=ev.TranslationAudioOutput(language="fr"))
    with trio.fail_after(10):
        async with open_fake_server() as server:
            async with rest.open_rest(server.client()) as api:
                minted = await api.translation_client_secrets.create(MODEL, audio=wanted)
            browser = rt.Client(api_key=minted.value, base_url=server.base_url)
            async with rt.open_translation(browser, MODEL) as conn:
                created = await conn.receive()
                assert isinstance(created, ev.TranslationSessionCreated)
                assert created.session.audio.output is not None
                assert created.session.audio.output.language == "fr"
