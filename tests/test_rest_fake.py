"""The REST endpoints against the fake server, on real loopback sockets (httpx under trio).

The whole telephony flow runs offline here: the fake rings a webhook receiver
with a signed ``realtime.call.incoming``, the receiver verifies it, the call is
accepted with a session, a sideband ``open_realtime(call_id=...)`` attaches and
holds a conversation in that session, and the hangup ends it. Minted client
secrets open sessions as keys; the openai SDK is a second client of the same
endpoints.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import h11
import openai
import pytest
import trio

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime import rest
from trio_realtime.testing import FakeCall, FakeServer, MintedSecret, open_fake_server

SESSION = ev.RealtimeSession(
    instructions="You answer the phone for a bakery.",
    output_modalities=["text"],
    audio=ev.AudioConfig(input=ev.AudioInput(format=ev.AudioPCMU())),
)


@pytest.fixture
async def server() -> AsyncIterator[FakeServer]:
    async with open_fake_server() as fake:
        yield fake


async def receive_webhooks(
    verifier: rest.WebhookVerifier,
    deliveries: trio.MemorySendChannel[rest.WebhookEvent],
    *,
    task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
) -> None:
    """A minimal webhook receiver on 127.0.0.1: verify, hand over, answer 200 (or 400)."""
    listeners = await trio.open_tcp_listeners(0, host="127.0.0.1")
    task_status.started(f"http://127.0.0.1:{listeners[0].socket.getsockname()[1]}/hook")

    async def handle(stream: trio.SocketStream) -> None:
        async with stream:
            http = h11.Connection(h11.SERVER)
            request, body = None, b""
            while True:
                event = http.next_event()
                if event is h11.NEED_DATA:
                    http.receive_data(await stream.receive_some(65536))
                elif isinstance(event, h11.Request):
                    request = event
                elif isinstance(event, h11.Data):
                    body += event.data
                else:
                    break
            assert request is not None
            try:
                delivered = verifier.unwrap(body, request.headers)
                status = 200
            except rt.WebhookVerificationError:
                status = 400
            await stream.send_all(
                (
                    http.send(h11.Response(status_code=status, headers=[("content-length", "0")]))
                    or b""
                )
                + (http.send(h11.EndOfMessage()) or b"")
            )
            if status == 200:
                await deliveries.send(delivered)

    await trio.serve_listeners(handle, listeners)


async def test_the_whole_telephony_flow_offline(server: FakeServer, nursery: trio.Nursery) -> None:
    client = server.client()
    send, deliveries = trio.open_memory_channel[rest.WebhookEvent](1)
    url = await nursery.start(
        receive_webhooks, rest.WebhookVerifier(server.rest.webhook_secret), send
    )
    with trio.fail_after(10):
        ringing = await server.rest.incoming_call(url)
        assert ringing.webhook_status == 200
        assert ringing.state == "ringing"
        event = await deliveries.receive()
        assert isinstance(event, rest.RealtimeCallIncoming)
        call_id = event.data.call_id
        assert call_id == ringing.call_id
        assert event.data.sip_header("from") == "<sip:+14155550123@sip.example.com>;tag=fake"

        async with rest.open_rest(client) as api:
            # Not accepted yet: the sideband may not attach.
            with pytest.raises(rt.BadRequestError) as refused:
                async with rt.open_realtime(client, call_id=call_id):
                    pytest.fail("attached to a ringing call")
            assert refused.value.status == 409
            assert isinstance(refused.value, rt.HandshakeRejected)

            await api.calls.accept(call_id, SESSION)
            assert ringing.state == "accepted"
            server.script("Good morning, the bakery.")
            async with rt.open_realtime(client, call_id=call_id) as conn:
                created = await conn.receive()
                assert isinstance(created, ev.SessionCreated)
                assert isinstance(created.session, ev.RealtimeSession)
                assert created.session.instructions == SESSION.instructions
                assert created.session.output_modalities == ["text"]
                await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text("Hello?")))
                await conn.send(ev.ResponseCreate())
                text = ""
                async for received in conn:
                    if isinstance(received, ev.ResponseOutputTextDelta):
                        text += received.delta
                    if isinstance(received, ev.ResponseDone):
                        break
                assert text == "Good morning, the bakery."
                await api.calls.hangup(call_id)
                # The hangup ends the sideband connection from the server's side,
                # with a normal close: the iteration just ends.
                async for _ in conn:
                    pass
        assert ringing.state == "ended"
        sideband = server.connections[-1]
        assert sideband.query["call_id"] == call_id
        assert sideband.closed


async def test_reject_and_refer_are_recorded(server: FakeServer) -> None:
    with trio.fail_after(10):
        async with rest.open_rest(server.client()) as api:
            busy = _ring(server, "rtc_busy")
            await api.calls.reject(busy.call_id, status_code=486)
            assert (busy.state, busy.reject_status) == ("rejected", 486)
            declined = _ring(server, "rtc_declined")
            await api.calls.reject(declined.call_id)
            assert declined.reject_status == 603

            moved = _ring(server, "rtc_moved")
            await api.calls.accept(moved.call_id, SESSION)
            await api.calls.refer(moved.call_id, "tel:+14155550199")
            assert (moved.state, moved.refer_target) == ("referred", "tel:+14155550199")


async def test_call_errors_are_typed(server: FakeServer) -> None:
    with trio.fail_after(10):
        async with rest.open_rest(server.client()) as api:
            with pytest.raises(rt.NotFoundError) as missing:
                await api.calls.accept("rtc_nope", SESSION)
            assert isinstance(missing.value, rt.RestStatusError)
            assert missing.value.request_id is not None
            assert missing.value.message == "Call 'rtc_nope' not found."
            call = _ring(server, "rtc_twice")
            await api.calls.accept(call.call_id, SESSION)
            with pytest.raises(rt.BadRequestError, match="it is accepted") as twice:
                await api.calls.accept(call.call_id, SESSION)
            assert twice.value.status == 409
            with pytest.raises(rt.NotFoundError):
                async with rt.open_realtime(server.client(), call_id="rtc_nope"):
                    pytest.fail("attached to no call")
        wrong = rt.Client(api_key="sk-wrong-0000", base_url=server.base_url)
        async with rest.open_rest(wrong) as api:
            with pytest.raises(rt.AuthenticationError, match=r"\.\.\.0000"):
                await api.calls.hangup(call.call_id)


def _ring(server: FakeServer, call_id: str) -> FakeCall:
    """A ringing SIP call, without a webhook delivery."""
    call = FakeCall(call_id=call_id, kind="sip")
    server.rest.calls[call_id] = call
    return call


async def test_a_minted_secret_is_a_key_for_open_realtime(server: FakeServer) -> None:
    with trio.fail_after(10):
        async with rest.open_rest(server.client()) as api:
            minted = await api.client_secrets.create(SESSION, expires_after=60)
        assert minted.value.reveal().startswith("ek_")
        assert minted.value.reveal() not in repr(minted)
        assert minted.expires_at == pytest.approx(time.time() + 60, abs=5)
        assert isinstance(minted.session, ev.RealtimeSession)
        assert minted.session.instructions == SESSION.instructions
        browser = rt.Client(api_key=minted.value, base_url=server.base_url)
        server.script("Hi browser.")
        async with rt.open_realtime(browser, "gpt-realtime") as conn:
            created = await conn.receive()
            assert isinstance(created, ev.SessionCreated)
            assert isinstance(created.session, ev.RealtimeSession)
            assert created.session.instructions == SESSION.instructions
            await conn.send(ev.ResponseCreate())
            text = ""
            async for event in conn:
                if isinstance(event, ev.ResponseOutputTextDelta):
                    text += event.delta
                if isinstance(event, ev.ResponseDone):
                    break
        assert text == "Hi browser."
        assert server.connections[-1].header("authorization") == f"Bearer {minted.value.reveal()}"

        # A client secret cannot mint more, and an expired one opens nothing.
        async with rest.open_rest(browser) as api:
            with pytest.raises(rt.AuthenticationError):
                await api.client_secrets.create(SESSION)
        value = minted.value.reveal()
        server.rest.secrets[value] = MintedSecret(value, int(time.time()) - 1, SESSION)
        with pytest.raises(rt.AuthenticationError):
            async with rt.open_realtime(browser, "gpt-realtime"):
                pytest.fail("an expired secret opened a session")


async def test_client_secret_expiry_is_checked_locally(server: FakeServer) -> None:
    async with rest.open_rest(server.client()) as api:
        for bad in (9, 7201, 60.5, True):
            with pytest.raises(rt.ConfigurationError, match="expires_after"):
                await api.client_secrets.create(SESSION, expires_after=bad)  # type: ignore[arg-type]
    assert server.rest.requests == []


async def test_translation_client_secret(server: FakeServer) -> None:
    audio = ev.TranslationAudio(output=ev.TranslationAudioOutput(language="de"))
    with trio.fail_after(10):
        async with rest.open_rest(server.client()) as api:
            minted = await api.translation_client_secrets.create(
                "gpt-realtime-translate", audio=audio
            )
    assert minted.session.model == "gpt-realtime-translate"
    assert minted.session.audio.output is not None
    assert server.rest.accepts_key(minted.value.reveal())


async def test_create_a_webrtc_call_and_attach(server: FakeServer) -> None:
    offer = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    with trio.fail_after(10):
        async with rest.open_rest(server.client()) as api:
            answer = await api.calls.create(offer, SESSION)
            assert answer.sdp.startswith("v=0")
            assert answer.call_id is not None
            call = server.rest.calls[answer.call_id]
            assert (call.kind, call.state, call.sdp_offer) == ("webrtc", "accepted", offer)
            async with rt.open_realtime(server.client(), call_id=answer.call_id) as conn:
                created = await conn.receive()
                assert isinstance(created, ev.SessionCreated)
                assert isinstance(created.session, ev.RealtimeSession)
                assert created.session.instructions == SESSION.instructions
            await api.calls.hangup(answer.call_id)
            with pytest.raises(rt.BadRequestError, match="not valid SDP"):
                await api.calls.create("hello", SESSION)


async def test_a_forged_webhook_is_refused(server: FakeServer, nursery: trio.Nursery) -> None:
    send, deliveries = trio.open_memory_channel[rest.WebhookEvent](1)
    other = rest.WebhookVerifier("whsec_" + "b3RoZXIta2V5LW5vdC10aGUtZmFrZXM=")
    url = await nursery.start(receive_webhooks, other, send)
    with trio.fail_after(10):
        call = await server.rest.incoming_call(url)
    assert call.webhook_status == 400
    assert deliveries.statistics().current_buffer_used == 0


@pytest.mark.schema
async def test_the_sdk_drives_the_fake(server: FakeServer) -> None:
    sdk = openai.AsyncOpenAI(api_key=server.api_key, base_url=server.base_url, max_retries=0)
    call = _ring(server, "rtc_sdk")
    with trio.fail_after(10):
        async with sdk:
            minted = await sdk.realtime.client_secrets.create(
                session={"type": "realtime", "instructions": "From the SDK."}
            )
            await sdk.realtime.calls.accept(call.call_id, type="realtime", instructions="SDK call")
            await sdk.realtime.calls.hangup(call.call_id)
            with pytest.raises(openai.NotFoundError):
                await sdk.realtime.calls.hangup("rtc_nope")
    assert minted.value.startswith("ek_")
    assert minted.session.instructions == "From the SDK."  # type: ignore[union-attr]
    assert call.state == "ended"
    assert call.session is not None
    assert call.session.instructions == "SDK call"


async def test_the_fake_refuses_like_the_api(server: FakeServer) -> None:
    import httpx

    auth = {"Authorization": f"Bearer {server.api_key}"}
    with trio.fail_after(10):
        async with httpx.AsyncClient(base_url=server.base_url) as http:
            # A plain GET where the WebSocket lives is not an upgrade: 405.
            assert (await http.get("/realtime", headers=auth)).status_code == 405
            assert (await http.post("/nowhere", headers=auth)).status_code == 404
            assert (await http.post("/realtime/client_secrets")).status_code == 401
            bad_json = await http.post("/realtime/client_secrets", headers=auth, content=b"{")
            assert bad_json.status_code == 400
            assert bad_json.json()["error"]["type"] == "invalid_request_error"
            assert bad_json.headers["x-request-id"].startswith("req_fake")
            far = await http.post(
                "/fake/incoming_calls",
                headers=auth,
                json={"webhook_url": "http://192.0.2.1/hook"},
            )
            assert far.status_code == 400
            assert "loopback" in far.json()["error"]["message"]
            port = await _closed_port()
            nobody = await http.post(
                "/fake/incoming_calls",
                headers=auth,
                json={"webhook_url": f"http://127.0.0.1:{port}/hook"},
            )
            assert nobody.status_code == 502
    assert len(server.rest.requests) == 6, server.rest.requests
    assert server.connections == []


async def _closed_port() -> int:
    sock = trio.socket.socket()
    await sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    sock.close()
    return port


async def test_one_rest_client_serves_many_tasks(server: FakeServer) -> None:
    minted: list[rest.ClientSecret] = []
    with trio.fail_after(10):
        async with rest.open_rest(server.client()) as api:

            async def mint() -> None:
                minted.append(await api.client_secrets.create(SESSION))

            async with trio.open_nursery() as nursery:
                for _ in range(20):
                    nursery.start_soon(mint)
    assert len({m.value for m in minted}) == 20
    assert all(server.rest.accepts_key(m.value.reveal()) for m in minted)


async def test_other_api_families_add_routes(server: FakeServer) -> None:
    from trio_realtime.testing._rest import Refused, RestRequest, json_answer

    async def live(request: RestRequest) -> tuple[int, list[tuple[str, str]], bytes]:
        match request.method, request.tail:
            case "GET", ["live", "sessions", session_id]:
                return json_answer(200, {"id": session_id})
            case _:
                raise Refused(404, f"no {request.path}")

    server.rest.add_route("live", live)
    with pytest.raises(ValueError, match="the fake's own"):
        server.rest.add_route("realtime", live)
    with trio.fail_after(10):
        async with rest.open_rest(server.client()) as api:
            answer = await api.transport.request("GET", "/live/sessions/ls_1")
            assert answer.body == b'{"id":"ls_1"}'
            with pytest.raises(rt.NotFoundError, match="no /v1/live/other"):
                await api.transport.request("POST", "/live/other")
        wrong = rt.Client(api_key="sk-wrong-0000", base_url=server.base_url)
        async with rest.open_rest(wrong) as api:
            with pytest.raises(rt.AuthenticationError):
                await api.transport.request("GET", "/live/sessions/ls_1")
