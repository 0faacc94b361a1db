"""The GPT-Live REST session calls side by side with the `openai` SDK's
``client.live.sessions``: same method, URL, headers that matter and body."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import test_rest_sdk as harness
import trio

import trio_realtime as rt
from trio_realtime import live, rest

pytestmark = pytest.mark.schema

RECORDING = bytes(range(256)) * 4
FORK_ANSWER = {"session": {"id": "live_fork1"}, "transport": {"sdp": "v=0\r\n", "type": "webrtc"}}

SESSION = live.SessionConfig(
    model="gpt-live-1",
    instructions="Answer the phone politely.",
    audio=live.Audio(output=live.AudioOutput(voice="marin")),
    delegation=live.ClientDelegation(acknowledgement_delay_ms=200),
    input=[live.InitialItem.text("developer", "The caller is a customer.")],
    store=True,
)


@pytest.fixture(autouse=True)
def live_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    realtime = harness.answer_for

    def answer_for(path: str) -> tuple[int, bytes, dict[str, str]]:
        if path.endswith("/fork"):
            return 200, json.dumps(FORK_ANSWER).encode(), {}
        if path.endswith("/content"):
            return 200, RECORDING, {"content-type": "application/octet-stream"}
        return realtime(path)

    monkeypatch.setattr(harness, "answer_for", answer_for)


async def test_accept_equals_the_sdks() -> None:
    body = {"type": "live", **harness.plain(SESSION), "safety_identifier": "user-42"}
    ours, theirs, _, _ = await harness.both(
        lambda api: api.live_sessions.accept("live_abc", SESSION, safety_identifier="user-42"),
        lambda sdk: sdk.live.sessions.accept("live_abc", session=body),  # type: ignore[arg-type]
    )
    assert ours == theirs
    assert ours.url == f"{harness.BASE}/live/sessions/live_abc/accept"
    assert ours.body["session"]["type"] == "live"


async def test_reject_refer_hangup_equal_the_sdks() -> None:
    pairs: list[tuple[Any, Any]] = [
        (
            lambda api: api.live_sessions.reject("live_abc", status_code=486),
            lambda sdk: sdk.live.sessions.reject("live_abc", status_code=486),
        ),
        (
            lambda api: api.live_sessions.refer("live_abc", "sip:agent@example.com"),
            lambda sdk: sdk.live.sessions.refer("live_abc", target_uri="sip:agent@example.com"),
        ),
        (
            lambda api: api.live_sessions.hangup("live/odd id"),
            lambda sdk: sdk.live.sessions.hangup("live/odd id"),
        ),
    ]
    for ours_call, sdk_call in pairs:
        ours, theirs, _, _ = await harness.both(ours_call, sdk_call)
        assert ours == theirs


async def test_fork_equals_the_sdks() -> None:
    overrides = live.ForkSessionConfig(store=False)
    ours, theirs, answer, sdk_answer = await harness.both(
        lambda api: api.live_sessions.fork("live_abc", "v=0\r\n", overrides),
        lambda sdk: sdk.live.sessions.fork(
            "live_abc", transport={"sdp": "v=0\r\n", "type": "webrtc"}, session={"store": False}
        ),
    )
    assert ours == theirs
    assert answer == rest.LiveForkAnswer(session_id="live_fork1", sdp="v=0\r\n")
    assert answer.session_id == sdk_answer.session.id


async def test_download_recording_equals_the_sdks() -> None:
    ours, theirs, recording, sdk_recording = await harness.both(
        lambda api: api.live_sessions.download_recording("live_abc"),
        lambda sdk: sdk.live.sessions.download_recording("live_abc"),
    )
    assert ours == theirs
    assert ours.headers["accept"] == "application/binary"
    assert recording == RECORDING == sdk_recording.content


async def test_bad_arguments_are_refused_before_sending() -> None:
    client = rt.Client(api_key="sk-x", base_url=harness.BASE)

    def never(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"sent {request.url}")

    with trio.fail_after(5):
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(never)) as http,
            rest.open_rest(client, http_client=http) as api,
        ):
            sessions = api.live_sessions
            g711 = live.SessionConfig(
                model="gpt-live-1", audio=live.Audio(format=live.AudioPcmu(rate=8000))
            )
            with pytest.raises(rt.ConfigurationError, match="negotiates its audio format"):
                await sessions.accept("s", g711)
            with pytest.raises(rt.ConfigurationError, match="400 to 699"):
                await sessions.reject("s", status_code=200)
            with pytest.raises(rt.ConfigurationError, match="target_uri"):
                await sessions.refer("s", " ")
            with pytest.raises(rt.ConfigurationError, match="session_id"):
                await sessions.hangup("")
            audio = live.ForkSessionConfig(audio=live.ForkAudio(format=live.AudioPcm(rate=24000)))
            with pytest.raises(rt.ConfigurationError, match="negotiates its audio"):
                await sessions.fork("s", "v=0", audio)
            with pytest.raises(rt.ConfigurationError, match="SDP offer"):
                await sessions.fork("s", "")


async def test_azure_live_rest_is_the_v1_endpoint() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200)

    client = rt.Client.azure(
        endpoint="https://res.openai.azure.com", api_version="2025-08-28", api_key="azure-key"
    )
    with trio.fail_after(5):
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http,
            rest.open_rest(client, http_client=http) as api,
        ):
            await api.live_sessions.hangup("live_abc")
            await api.calls.hangup("rtc_abc")
    live_call, realtime_call = seen
    assert (
        str(live_call.url) == "https://res.openai.azure.com/openai/v1/live/sessions/live_abc/hangup"
    )
    assert live_call.headers["api-key"] == "azure-key"
    assert "api-version" in str(realtime_call.url)  # the Realtime calls are unchanged
