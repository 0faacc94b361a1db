"""The fake server fails a user's mistake as the service does, unless told to be lenient.

A wrong base URL, an unknown model or a forgotten one must not pass in tests and
fail in production. The model lists are checked against the ``openai`` SDK's.
"""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator

import pytest
import trio

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime import live, rest
from trio_realtime.testing import FakeCall, FakeServer, open_fake_server
from trio_realtime.testing._strict import (
    LIVE_MODELS,
    REALTIME_MODELS,
    TRANSCRIPTION_MODELS,
    api_tail,
)

TIMEOUT = 10


@pytest.fixture
async def server() -> AsyncIterator[FakeServer]:
    async with open_fake_server() as fake:
        yield fake


async def refused_session(
    client: rt.Client, model: str | None, **keywords: typing.Any
) -> tuple[ev.ErrorEvent, rt.ConnectionClosed]:
    """Open a session the server ends at once: its error event and the close."""
    with trio.fail_after(TIMEOUT):
        async with rt.open_realtime(client, model, **keywords) as conn:
            error = await conn.receive()
            assert isinstance(error, ev.ErrorEvent)
            with pytest.raises(rt.ConnectionClosed) as closed:
                await conn.receive()
    return error, closed.value


@pytest.mark.parametrize(
    ("model", "code", "message"),
    [
        (
            "gpt-realtime-2.2",
            "model_not_found",
            "The model `gpt-realtime-2.2` does not exist or you do not have access to it.",
        ),
        (
            "gpt-4o-transcribe",
            "invalid_model",
            'Model "gpt-4o-transcribe" is not supported in realtime mode.',
        ),
        ("gpt-live-1", "invalid_model", 'Model "gpt-live-1" is not supported in realtime mode.'),
        (None, "missing_required_parameter", "Missing required parameter: 'model'."),
    ],
)
async def test_a_session_with_a_wrong_model_ends_like_the_services(
    server: FakeServer, model: str | None, code: str, message: str
) -> None:
    error, closed = await refused_session(server.client(), model)
    assert (error.error.type, error.error.code, error.error.param) == (
        "invalid_request_error",
        code,
        "model",
    )
    assert error.error.message == message
    assert error.event_id  # stamped like every other server event
    assert (closed.code, closed.reason) == (4000, f"invalid_request_error.{code}")
    assert server.connections[-1].closed
    assert server.connections[-1].received == []


async def test_every_model_the_sdk_lists_opens_a_session(server: FakeServer) -> None:
    with trio.fail_after(TIMEOUT):
        for model in sorted(REALTIME_MODELS):
            async with rt.open_realtime(server.client(), model) as conn:
                created = await conn.receive()
                assert isinstance(created, ev.SessionCreated)
                assert created.session.model == model  # type: ignore[union-attr]


async def test_transcription_intent_needs_no_model(server: FakeServer) -> None:
    with trio.fail_after(TIMEOUT):
        async with rt.open_realtime(server.client(), intent="transcription") as conn:
            assert isinstance(await conn.receive(), ev.SessionCreated)


async def test_a_client_secrets_model_is_checked_when_it_opens_a_session(
    server: FakeServer,
) -> None:
    # The service mints a secret for any model; the session it opens fails.
    with trio.fail_after(TIMEOUT):
        async with rest.open_rest(server.client()) as api:
            minted = await api.client_secrets.create(ev.RealtimeSession(model="gpt-realtim"))
    browser = rt.Client(api_key=minted.value, base_url=server.base_url)
    error, closed = await refused_session(browser, None)
    assert error.error.code == "model_not_found"
    assert closed.code == 4000


async def test_a_call_with_an_unknown_model_is_refused(server: FakeServer) -> None:
    offer = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    with trio.fail_after(TIMEOUT):
        async with rest.open_rest(server.client()) as api:
            with pytest.raises(rt.BadRequestError) as caught:
                await api.calls.create(offer, ev.RealtimeSession(model="gpt-realtime-x"))
            assert caught.value.error is not None
            detail = caught.value.error["error"]
            assert (detail["code"], detail["param"]) == ("model_not_found", "session.model")
            assert server.rest.calls == {}
            call = FakeCall(call_id="rtc_strict", kind="sip")
            server.rest.calls[call.call_id] = call
            with pytest.raises(rt.BadRequestError, match="does not exist"):
                await api.calls.accept(call.call_id, ev.RealtimeSession(model="my-model"))
            assert call.state == "ringing"
            await api.calls.accept(call.call_id, ev.RealtimeSession(model="gpt-realtime-2.1"))
            assert call.state == "accepted"


async def test_an_unknown_transcription_model_is_refused_at_session_update(
    server: FakeServer,
) -> None:
    def update(model: str) -> ev.SessionUpdate:
        transcription = ev.AudioTranscription(model=model)
        return ev.SessionUpdate(
            event_id="evt_t",
            session=ev.RealtimeSession(
                audio=ev.AudioConfig(input=ev.AudioInput(transcription=transcription))
            ),
        )

    with trio.fail_after(TIMEOUT):
        async with rt.open_realtime(server.client(), "gpt-realtime-2.1") as conn:
            assert isinstance(await conn.receive(), ev.SessionCreated)
            await conn.send(update("whisper-2"))
            error = await conn.receive()
            assert isinstance(error, ev.ErrorEvent)
            assert error.error.code == "invalid_model"
            assert error.error.param == "session.audio.input.transcription.model"
            assert error.error.event_id == "evt_t"
            assert error.error.message == (
                'Model "whisper-2" is not supported in transcription mode.'
            )
            await conn.send(update("gpt-4o-transcribe"))
            assert isinstance(await conn.receive(), ev.SessionUpdated)


async def test_an_unknown_live_model_is_refused_at_session_start(server: FakeServer) -> None:
    with trio.fail_after(TIMEOUT):
        with pytest.raises(rt.LiveStartError, match="not supported in live mode"):
            async with live.open_live(server.client(), "gpt-live-2"):
                pytest.fail("an unknown Live model started a session")  # pragma: no cover
        async with live.open_live(server.client(), "gpt-live-1") as conn:
            assert conn.session.model == "gpt-live-1"


@pytest.mark.parametrize("base", ["/v2", "/api/v1", "/v1/openai", ""])
async def test_a_wrong_base_url_is_refused_with_404(server: FakeServer, base: str) -> None:
    client = rt.Client(api_key=server.api_key, base_url=f"http://127.0.0.1:{server.port}{base}")
    with trio.fail_after(TIMEOUT):
        with pytest.raises(rt.NotFoundError) as upgrade:
            async with rt.open_realtime(client, "gpt-realtime-2.1"):
                pytest.fail("a wrong path opened a session")  # pragma: no cover
        assert isinstance(upgrade.value, rt.HandshakeRejected)
        assert upgrade.value.error is not None
        assert upgrade.value.error["error"]["message"] == f"Invalid URL (GET {base}/realtime)"
        async with rest.open_rest(client) as api:
            with pytest.raises(rt.NotFoundError) as call:
                await api.client_secrets.create(ev.RealtimeSession())
        assert isinstance(call.value, rt.RestStatusError)
        with pytest.raises(rt.NotFoundError):
            async with live.open_live(client, "gpt-live-1"):
                pytest.fail("a wrong path opened a Live session")  # pragma: no cover
    assert server.connections == []


async def test_azure_paths_and_deployment_names_are_served(server: FakeServer) -> None:
    endpoint = f"http://127.0.0.1:{server.port}"
    azure = rt.Client.azure(
        endpoint=endpoint, api_key=server.api_key, api_version="2025-08-28", deployment="my-rt"
    )
    with trio.fail_after(TIMEOUT):
        async with rt.open_realtime(azure, "gpt-realtime-2.1") as conn:
            assert isinstance(await conn.receive(), ev.SessionCreated)
        assert server.connections[-1].path == "/openai/realtime"
        v1 = rt.Client(api_key=server.api_key, base_url=f"{endpoint}/openai/v1")
        async with rt.open_realtime(v1, "my-own-deployment") as conn:
            assert isinstance(await conn.receive(), ev.SessionCreated)
        async with live.open_live(azure, "gpt-live-1") as conn:
            assert conn.session.model == "gpt-live-1"
        assert server.connections[-1].path == "/openai/v1/live/sessions"


async def test_lenient_accepts_made_up_models_and_paths() -> None:
    with trio.fail_after(TIMEOUT):
        async with open_fake_server(strict=False, model="house-model") as server:
            assert not server.strict
            odd = rt.Client(api_key=server.api_key, base_url=f"{server.base_url[:-3]}/gateway/v7")
            for client, model, expected in [
                (server.client(), "bench.burst.text.9", "bench.burst.text.9"),
                (server.client(), None, "house-model"),
                (odd, "gpt-realtime-2.1", "gpt-realtime-2.1"),
            ]:
                async with rt.open_realtime(client, model) as conn:
                    created = await conn.receive()
                    assert isinstance(created, ev.SessionCreated)
                    assert created.session.model == expected  # type: ignore[union-attr]
            async with live.open_live(server.client(), "gpt-live-made-up") as conn:
                assert conn.session.model == "gpt-live-made-up"


def test_api_tail() -> None:
    known = ("realtime", "live")
    assert api_tail("/v1/realtime", strict=True, known=known) == ["realtime"]
    assert api_tail("/openai/v1/live/sessions", strict=True, known=known) == ["live", "sessions"]
    assert api_tail("/openai/realtime", strict=True, known=known) == ["realtime"]
    assert api_tail("/openai/deployments/d/realtime", strict=True, known=known) == ["realtime"]
    assert api_tail("/v2/realtime", strict=True, known=known) is None
    assert api_tail("/v1/chat", strict=True, known=known) is None
    assert api_tail("/v1", strict=True, known=known) is None
    assert api_tail("/x/y/realtime", strict=False, known=known) == ["realtime"]
    assert api_tail("/x/y", strict=False, known=known) is None


# -- the lists are the SDK's -----------------------------------------------------------


def _literals(annotation: object) -> set[str]:
    """Every string Literal inside a (nested) Union annotation."""
    found: set[str] = set()
    for arg in typing.get_args(annotation):
        if isinstance(arg, str):
            found.add(arg)
        else:
            found |= _literals(arg)
    return found


@pytest.mark.schema
def test_the_model_lists_are_the_sdks() -> None:
    from openai.types.live.session_config import SessionConfig
    from openai.types.realtime.audio_transcription import AudioTranscription
    from openai.types.realtime.realtime_session_create_request_param import (
        RealtimeSessionCreateRequestParam,
    )

    realtime = typing.get_type_hints(RealtimeSessionCreateRequestParam)["model"]
    assert _literals(realtime) == REALTIME_MODELS
    assert _literals(AudioTranscription.model_fields["model"].annotation) == TRANSCRIPTION_MODELS
    assert _literals(SessionConfig.model_fields["model"].annotation) == LIVE_MODELS
