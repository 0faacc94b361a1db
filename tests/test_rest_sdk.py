"""Our REST requests and webhook checks side by side with the `openai` SDK's.

Both clients send to an in-memory transport (httpx2 for the SDK, httpx for
us), for the same call; method, URL, headers that matter and the parsed body
must be equal. Webhook deliveries, valid and broken, must get the same
verdict from ``client.webhooks.unwrap`` and from `WebhookVerifier.unwrap`.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import httpx2
import msgspec
import openai
import pytest
import trio

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime import rest

pytestmark = pytest.mark.schema

KEY = "sk-compare-0123456789"
BASE = "https://api.example.test/v1"
COMPARED_HEADERS = ("authorization", "accept", "openai-organization", "openai-project", "x-mine")

SECRET_ANSWER = {
    "value": "ek_minted_abc",
    "expires_at": 1_900_000_000,
    "session": {
        "type": "realtime",
        "object": "realtime.session",
        "id": "sess_1",
        "model": "gpt-realtime",
        "instructions": "Be brief.",
        "output_modalities": ["audio"],
    },
}
TRANSLATION_ANSWER = {
    "value": "ek_translate",
    "expires_at": 1_900_000_000,
    "session": {
        "id": "sess_t",
        "type": "translation",
        "model": "gpt-realtime-translate",
        "expires_at": 1_900_000_000,
        "audio": {"output": {"language": "fr"}},
    },
}


class Recorded(msgspec.Struct):
    method: str
    url: str
    headers: dict[str, str]
    content_type: str
    body: Any


def record(request: httpx.Request | httpx2.Request, into: list[Recorded]) -> None:
    headers = {k.lower(): v for k, v in request.headers.items()}
    content_type = headers.get("content-type", "")
    raw = request.content
    body: Any
    if content_type.startswith("multipart/form-data"):
        body = parts_of(content_type, raw)
    elif raw:
        body = json.loads(raw)
    else:
        body = None
    into.append(
        Recorded(
            method=request.method,
            url=str(request.url),
            headers={k: v for k, v in headers.items() if k in COMPARED_HEADERS},
            content_type=content_type.split(";")[0],
            body=body,
        )
    )


def parts_of(content_type: str, raw: bytes) -> list[tuple[str, str, Any]]:
    """Each part's field name, content type and content (JSON parsed)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + raw
    )
    parts: list[tuple[str, str, Any]] = []
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        kind = part.get_content_type()
        payload = part.get_payload(decode=True)
        parts.append((name, kind, json.loads(payload) if kind == "application/json" else payload))
    return parts


def answer_for(path: str) -> tuple[int, bytes, dict[str, str]]:
    if path.endswith("/translations/client_secrets"):
        return 200, json.dumps(TRANSLATION_ANSWER).encode(), {}
    if path.endswith("/client_secrets"):
        return 200, json.dumps(SECRET_ANSWER).encode(), {}
    if path.endswith("/realtime/calls"):
        return 201, b"v=0\r\no=answer\r\n", {"location": "/v1/realtime/calls/rtc_new1"}
    return 200, b"", {}


async def both(
    ours: Callable[[rest.RestClient], Awaitable[Any]],
    theirs: Callable[[openai.AsyncOpenAI], Awaitable[Any]],
    *,
    azure: bool = False,
) -> tuple[Recorded, Recorded, Any, Any]:
    """Run the same call through our client and the SDK; both requests and both results."""
    mine: list[Recorded] = []
    sdks: list[Recorded] = []

    def our_handler(request: httpx.Request) -> httpx.Response:
        record(request, mine)
        status, body, headers = answer_for(request.url.path)
        return httpx.Response(status, content=body, headers=headers)

    def sdk_handler(request: httpx2.Request) -> httpx2.Response:
        record(request, sdks)
        status, body, headers = answer_for(request.url.path)
        return httpx2.Response(status, content=body, headers=headers)

    sdk_http = httpx2.AsyncClient(transport=httpx2.MockTransport(sdk_handler))
    client: rt.Client
    sdk: openai.AsyncOpenAI
    if azure:
        client = rt.Client.azure(
            api_version="2025-08-28", endpoint="https://res.openai.azure.com", api_key=KEY
        )
        sdk = openai.AsyncAzureOpenAI(
            api_version="2025-08-28",
            azure_endpoint="https://res.openai.azure.com",
            api_key=KEY,
            http_client=sdk_http,
            max_retries=0,
        )
    else:
        client = rt.Client(
            api_key=KEY,
            base_url=BASE,
            organization="org_1",
            project="proj_1",
            default_headers={"X-Mine": "1"},
        )
        sdk = openai.AsyncOpenAI(
            api_key=KEY,
            base_url=BASE,
            organization="org_1",
            project="proj_1",
            default_headers={"X-Mine": "1"},
            http_client=sdk_http,
            max_retries=0,
        )
    with trio.fail_after(10):
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(our_handler)) as http,
            rest.open_rest(client, http_client=http) as api,
        ):
            our_result = await ours(api)
        async with sdk:
            sdk_result = await theirs(sdk)
    (our_request,) = mine
    (sdk_request,) = sdks
    return our_request, sdk_request, our_result, sdk_result


SESSION = ev.RealtimeSession(
    model="gpt-realtime",
    instructions="Be brief.",
    output_modalities=["audio"],
    audio=ev.AudioConfig(
        input=ev.AudioInput(format=ev.AudioPCMU(), turn_detection=ev.ServerVad(threshold=0.6)),
        output=ev.AudioOutput(format=ev.AudioPCMU(), voice="marin"),
    ),
    tool_choice="auto",
    tools=[ev.FunctionTool(name="lookup", description="Look up", parameters={"type": "object"})],
)


def plain(struct: msgspec.Struct) -> dict[str, Any]:
    """A Struct as the dict the SDK takes."""
    return msgspec.to_builtins(struct)  # type: ignore[no-any-return]


@pytest.mark.parametrize("azure", [False, True])
async def test_client_secret_request_equals_the_sdks(azure: bool) -> None:
    session = plain(SESSION)
    ours, theirs, minted, sdk_minted = await both(
        lambda api: api.client_secrets.create(SESSION, expires_after=300),
        lambda sdk: sdk.realtime.client_secrets.create(
            session=session,  # type: ignore[arg-type]
            expires_after={"anchor": "created_at", "seconds": 300},
        ),
        azure=azure,
    )
    assert ours == theirs
    assert ours.body["expires_after"] == {"anchor": "created_at", "seconds": 300}
    assert isinstance(minted, rest.ClientSecret)
    assert minted.value == rt.Secret(sdk_minted.value)
    assert minted.expires_at == sdk_minted.expires_at
    assert isinstance(minted.session, ev.RealtimeSession)
    assert minted.session.instructions == sdk_minted.session.instructions
    assert "ek_minted_abc" not in repr(minted)


async def test_transcription_client_secret_request_equals_the_sdks() -> None:
    session = ev.TranscriptionSession(
        audio=ev.TranscriptionAudioConfig(
            input=ev.AudioInput(transcription=ev.AudioTranscription(model="whisper-1"))
        )
    )
    ours, theirs, _, _ = await both(
        lambda api: api.client_secrets.create(session),
        lambda sdk: sdk.realtime.client_secrets.create(
            session=plain(session),  # type: ignore[arg-type]
            expires_after={"anchor": "created_at", "seconds": 600},
        ),
    )
    assert ours == theirs


async def test_translation_client_secret_request_equals_the_sdks() -> None:
    audio = ev.TranslationAudio(output=ev.TranslationAudioOutput(language="fr"))
    ours, theirs, minted, sdk_minted = await both(
        lambda api: api.translation_client_secrets.create(
            "gpt-realtime-translate", audio=audio, expires_after=120
        ),
        lambda sdk: sdk.realtime.translations.client_secrets.create(
            session={"model": "gpt-realtime-translate", "audio": plain(audio)},  # type: ignore[typeddict-item]
            expires_after={"anchor": "created_at", "seconds": 120},
        ),
    )
    assert ours == theirs
    assert minted.value == rt.Secret(sdk_minted.value)
    assert minted.session.model == sdk_minted.session.model


@pytest.mark.parametrize("azure", [False, True])
async def test_accept_request_equals_the_sdks(azure: bool) -> None:
    fields = {k: v for k, v in plain(SESSION).items() if k != "type"}
    ours, theirs, _, _ = await both(
        lambda api: api.calls.accept("rtc_abc", SESSION),
        lambda sdk: sdk.realtime.calls.accept("rtc_abc", type="realtime", **fields),
        azure=azure,
    )
    assert ours == theirs
    assert ours.body["type"] == "realtime"


async def test_reject_request_equals_the_sdks() -> None:
    ours, theirs, _, _ = await both(
        lambda api: api.calls.reject("rtc_abc", status_code=486),
        lambda sdk: sdk.realtime.calls.reject("rtc_abc", status_code=486),
    )
    assert ours == theirs
    assert ours.body == {"status_code": 486}


async def test_refer_request_equals_the_sdks() -> None:
    ours, theirs, _, _ = await both(
        lambda api: api.calls.refer("rtc_abc", "tel:+14155550123"),
        lambda sdk: sdk.realtime.calls.refer("rtc_abc", target_uri="tel:+14155550123"),
    )
    assert ours == theirs


async def test_hangup_request_equals_the_sdks() -> None:
    ours, theirs, _, _ = await both(
        lambda api: api.calls.hangup("rtc_abc"),
        lambda sdk: sdk.realtime.calls.hangup("rtc_abc"),
    )
    assert ours == theirs
    assert ours.url == f"{BASE}/realtime/calls/rtc_abc/hangup"


async def test_create_call_request_equals_the_sdks() -> None:
    offer = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n"
    ours, theirs, answer, sdk_answer = await both(
        lambda api: api.calls.create(offer, SESSION),
        lambda sdk: sdk.realtime.calls.create(sdp=offer, session=plain(SESSION)),  # type: ignore[arg-type]
    )
    assert ours == theirs
    assert ours.content_type == "multipart/form-data"
    assert [name for name, _, _ in ours.body] == ["sdp", "session"]
    assert answer == rest.CallAnswer(sdp=sdk_answer.text, call_id="rtc_new1")


# -- webhooks ------------------------------------------------------------------

WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
OTHER_SECRET = "whsec_" + base64.b64encode(b"another key, not the endpoint's").decode()
DELIVERY = json.dumps(
    {
        "id": "evt_1",
        "object": "event",
        "created_at": 1_760_000_000,
        "type": "realtime.call.incoming",
        "data": {
            "call_id": "rtc_123",
            "sip_headers": [
                {"name": "From", "value": "<sip:+14155550123@sip.example.com>"},
                {"name": "To", "value": "<sip:+18005550100@sip.example.com>"},
                {"name": "Via", "value": "SIP/2.0/UDP a"},
                {"name": "Via", "value": "SIP/2.0/UDP b"},
            ],
            "sip_media_security": "srtp",
        },
    }
).encode()


def signed(
    body: bytes = DELIVERY, *, secret: str = WEBHOOK_SECRET, age: int = 0, wid: str = "msg_1"
) -> dict[str, str]:
    return rest.sign_webhook(secret, body, webhook_id=wid, timestamp=int(time.time()) - age)


def verdicts(body: bytes, headers: dict[str, str]) -> tuple[object, object]:
    """What the SDK's unwrap and ours make of one delivery: an event or the error class."""
    sdk = openai.OpenAI(api_key="sk-unused", webhook_secret=WEBHOOK_SECRET)
    try:
        theirs: object = sdk.webhooks.unwrap(body, headers)
    except openai.InvalidWebhookSignatureError:
        theirs = openai.InvalidWebhookSignatureError
    try:
        ours: object = rest.WebhookVerifier(WEBHOOK_SECRET).unwrap(body, headers)
    except rt.WebhookVerificationError as exc:
        ours = type(exc)
    return ours, theirs


def test_a_valid_delivery_unwraps_as_the_sdk_does() -> None:
    ours, theirs = verdicts(DELIVERY, signed())
    assert isinstance(ours, rest.RealtimeCallIncoming)
    assert ours.id == theirs.id  # type: ignore[attr-defined]
    assert ours.created_at == theirs.created_at  # type: ignore[attr-defined]
    data = theirs.data  # type: ignore[attr-defined]
    assert ours.data.call_id == data.call_id == "rtc_123"
    assert [(h.name, h.value) for h in ours.data.sip_headers] == [
        (h.name, h.value) for h in data.sip_headers
    ]
    assert ours.data.sip_media_security == data.sip_media_security
    assert ours.data.sip_header("from") == "<sip:+14155550123@sip.example.com>"


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("tampered body", rt.WebhookSignatureError),
        ("tampered id", rt.WebhookSignatureError),
        ("wrong secret", rt.WebhookSignatureError),
        ("expired", rt.WebhookTimestampError),
        ("from the future", rt.WebhookTimestampError),
        ("timestamp not a number", rt.WebhookTimestampError),
    ],
)
def test_a_bad_delivery_is_refused_as_the_sdk_refuses_it(case: str, expected: type) -> None:
    body = DELIVERY
    headers = signed()
    if case == "tampered body":
        body = DELIVERY.replace(b"rtc_123", b"rtc_666")
    elif case == "tampered id":
        headers["webhook-id"] = "msg_2"
    elif case == "wrong secret":
        headers = signed(secret=OTHER_SECRET)
    elif case == "expired":
        headers = signed(age=301 + 5)
    elif case == "from the future":
        headers = signed(age=-(301 + 5))
    else:
        headers["webhook-timestamp"] = "yesterday"
    ours, theirs = verdicts(body, headers)
    assert ours is expected
    assert theirs is openai.InvalidWebhookSignatureError


def test_just_inside_the_tolerance_is_accepted_by_both() -> None:
    ours, theirs = verdicts(DELIVERY, signed(age=290))
    assert isinstance(ours, rest.RealtimeCallIncoming)
    assert not isinstance(theirs, type)


@pytest.mark.parametrize("good_first", [True, False])
def test_several_signatures_one_good_is_accepted_by_both(good_first: bool) -> None:
    headers = signed()
    good = headers["webhook-signature"]
    bad = signed(secret=OTHER_SECRET)["webhook-signature"]
    headers["webhook-signature"] = f"{good} {bad}" if good_first else f"{bad} {good}"
    ours, theirs = verdicts(DELIVERY, headers)
    assert isinstance(ours, rest.RealtimeCallIncoming)
    assert not isinstance(theirs, type)


def test_several_signatures_none_good_is_refused_by_both() -> None:
    headers = signed(secret=OTHER_SECRET)
    other = signed(secret="whsec_" + base64.b64encode(b"third").decode())["webhook-signature"]
    headers["webhook-signature"] += " " + other
    ours, theirs = verdicts(DELIVERY, headers)
    assert ours is rt.WebhookSignatureError
    assert theirs is openai.InvalidWebhookSignatureError


def test_our_signature_verifies_with_the_sdk() -> None:
    sdk = openai.OpenAI(api_key="sk-unused")
    sdk.webhooks.verify_signature(DELIVERY, signed(), secret=WEBHOOK_SECRET)


async def test_an_sdk_client_works_as_the_client() -> None:
    seen: list[Recorded] = []

    def handler(request: httpx.Request) -> httpx.Response:
        record(request, seen)
        return httpx.Response(200)

    sdk = openai.AsyncOpenAI(api_key=KEY, base_url=BASE, project="proj_1")
    with trio.fail_after(10):
        async with (
            httpx.AsyncClient(transport=httpx.MockTransport(handler)) as http,
            rest.open_rest(sdk, http_client=http) as api,
        ):
            await api.calls.hangup("rtc_1")
    (request,) = seen
    assert request.url == f"{BASE}/realtime/calls/rtc_1/hangup"
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["openai-project"] == "proj_1"
