"""`WebhookVerifier`: each way a delivery can be wrong gets its own error; secrets stay hidden.

(Agreement with the ``openai`` SDK's ``webhooks.unwrap`` is in test_rest_sdk.py.)
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import traceback

import pytest

import trio_realtime as rt
from trio_realtime import rest

KEY_BYTES = b"\x01\x02super secret webhook key bytes\xff"
SECRET = "whsec_" + base64.b64encode(KEY_BYTES).decode()
NOW = 1_760_000_000
BODY = json.dumps(
    {
        "id": "evt_1",
        "object": "event",
        "created_at": NOW,
        "type": "realtime.call.incoming",
        "data": {"call_id": "rtc_9", "sip_headers": [{"name": "From", "value": "a"}]},
    }
).encode()


def headers_for(body: bytes = BODY, at: int = NOW) -> dict[str, str]:
    return rest.sign_webhook(SECRET, body, webhook_id="msg_1", timestamp=at)


def test_a_signed_delivery_unwraps() -> None:
    event = rest.WebhookVerifier(SECRET).unwrap(BODY, headers_for(), now=NOW)
    assert event == rest.RealtimeCallIncoming(
        id="evt_1",
        created_at=NOW,
        data=rest.RealtimeCallIncomingData(
            call_id="rtc_9", sip_headers=[rest.SipHeader(name="From", value="a")]
        ),
    )
    assert event.type == "realtime.call.incoming"


@pytest.mark.parametrize(
    "headers",
    [
        # Header names in any case, as bytes pairs (h11, ASGI), or str pairs.
        lambda h: {k.upper(): v for k, v in h.items()},
        lambda h: [(k.encode(), v.encode()) for k, v in h.items()],
        lambda h: list(h.items()),
    ],
)
def test_headers_in_any_shape(headers: object) -> None:
    shaped = headers(headers_for())  # type: ignore[operator]
    assert isinstance(
        rest.WebhookVerifier(SECRET).unwrap(BODY, shaped, now=NOW), rest.RealtimeCallIncoming
    )


def test_a_str_body_verifies_as_its_utf8() -> None:
    verifier = rest.WebhookVerifier(SECRET)
    assert isinstance(
        verifier.unwrap(BODY.decode(), headers_for(), now=NOW), rest.RealtimeCallIncoming
    )


def test_repeated_signature_header_lines_are_one_list() -> None:
    good = headers_for()
    bad = rest.sign_webhook(
        "whsec_" + base64.b64encode(b"k").decode(), BODY, webhook_id="msg_1", timestamp=NOW
    )
    pairs = [
        ("webhook-id", good["webhook-id"]),
        ("webhook-timestamp", good["webhook-timestamp"]),
        ("webhook-signature", bad["webhook-signature"]),
        ("webhook-signature", good["webhook-signature"]),
    ]
    rest.WebhookVerifier(SECRET).verify(BODY, pairs, now=NOW)


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_named(missing: str) -> None:
    headers = headers_for()
    del headers[missing]
    with pytest.raises(rt.WebhookSignatureError, match=f"no {missing} header"):
        rest.WebhookVerifier(SECRET).verify(BODY, headers, now=NOW)


def test_no_v1_signature_says_so() -> None:
    headers = headers_for()
    headers["webhook-signature"] = "v1a,abc"
    with pytest.raises(rt.WebhookSignatureError, match="no v1 signature"):
        rest.WebhookVerifier(SECRET).verify(BODY, headers, now=NOW)


def test_a_secret_without_the_prefix_is_the_key_itself() -> None:
    headers = rest.sign_webhook("plain-key", BODY, webhook_id="m", timestamp=NOW)
    rest.WebhookVerifier("plain-key").verify(BODY, headers, now=NOW)
    with pytest.raises(rt.WebhookSignatureError):
        rest.WebhookVerifier(SECRET).verify(BODY, headers, now=NOW)


@pytest.mark.parametrize(
    ("offset", "ok"), [(-300, True), (300, True), (-301, False), (301, False), (0, True)]
)
def test_the_tolerance_is_five_minutes_both_ways(offset: int, ok: bool) -> None:
    headers = headers_for(at=NOW + offset)
    verifier = rest.WebhookVerifier(SECRET)
    if ok:
        verifier.verify(BODY, headers, now=NOW)
    else:
        with pytest.raises(rt.WebhookTimestampError, match=r"ago|future"):
            verifier.verify(BODY, headers, now=NOW)


def test_the_tolerance_can_be_set() -> None:
    verifier = rest.WebhookVerifier(SECRET, tolerance=10)
    with pytest.raises(rt.WebhookTimestampError, match="tolerance of 10s"):
        verifier.verify(BODY, headers_for(at=NOW - 11), now=NOW)


def test_the_timestamp_is_checked_before_the_signature() -> None:
    # A replay of a genuine delivery: the signature is good, the time is not.
    with pytest.raises(rt.WebhookTimestampError):
        rest.WebhookVerifier(SECRET).verify(BODY, headers_for(at=NOW - 3600), now=NOW)


@pytest.mark.parametrize(
    ("body", "match"),
    [
        (b"not json", "not a webhook event"),
        (b"[1, 2]", "not a webhook event"),
        (b'{"type": "realtime.call.incoming", "id": "e", "created_at": 1}', "data"),
        (b'{"type": "realtime.call.incoming", "id": "e", "created_at": 1, "data": {}}', "call_id"),
    ],
)
def test_a_signed_but_malformed_body_is_a_payload_error(body: bytes, match: str) -> None:
    with pytest.raises(rt.WebhookPayloadError, match=match) as info:
        rest.WebhookVerifier(SECRET).unwrap(body, headers_for(body), now=NOW)
    assert info.value.body == body
    assert isinstance(info.value, ValueError)


def test_another_event_type_arrives_as_unknown() -> None:
    body = b'{"type": "batch.completed", "id": "evt_2", "created_at": 5, "data": {"id": "b"}}'
    event = rest.WebhookVerifier(SECRET).unwrap(body, headers_for(body), now=NOW)
    assert event == rest.UnknownWebhookEvent(
        type="batch.completed", id="evt_2", created_at=5, data={"id": "b"}
    )


@pytest.mark.parametrize(
    ("secret", "match"),
    [("", "empty"), ("whsec_", "no key bytes"), ("whsec_abc", "not valid base64")],
)
def test_a_bad_secret_is_refused_at_construction(secret: str, match: str) -> None:
    with pytest.raises(rt.ConfigurationError, match=match):
        rest.WebhookVerifier(secret)


def test_bad_tolerance_is_refused() -> None:
    with pytest.raises(rt.ConfigurationError, match="tolerance"):
        rest.WebhookVerifier(SECRET, tolerance=-1)


def render(exc: BaseException) -> str:
    """The traceback with every frame's locals, but this file's (which hold the secret)."""
    rendered = traceback.TracebackException.from_exception(exc, capture_locals=True)
    for frame in rendered.stack:
        if frame.filename == __file__:
            frame.locals = None
    return "".join(rendered.format())


def test_the_secret_never_shows() -> None:
    verifier = rest.WebhookVerifier(SECRET)
    assert SECRET not in repr(verifier)
    assert "<redacted>" in repr(verifier)
    needles = (SECRET, SECRET.removeprefix("whsec_"), repr(KEY_BYTES)[2:-1])
    for headers, body in (
        ({**headers_for(), "webhook-signature": "v1,AAAA"}, BODY),
        (headers_for(at=NOW - 9999), BODY),
        (headers_for(b"{"), b"{"),
    ):
        try:
            verifier.unwrap(body, headers, now=NOW)
        except rt.WebhookVerificationError as exc:
            rendered = render(exc)
        else:
            raise AssertionError("must raise")
        assert " = " in rendered  # locals were captured
        for needle in needles:
            assert needle not in rendered
    for bad in ("whsec_abc", "whsec_"):
        try:
            rest.WebhookVerifier(bad)
        except rt.ConfigurationError as exc:
            rendered = render(exc)
            assert " = " in rendered
            assert bad not in rendered


def test_verification_needs_no_httpx_and_rest_calls_name_the_extra() -> None:
    code = (
        "import sys\n"
        "sys.modules['httpx'] = None\n"  # as if not installed
        "import trio, trio_realtime as rt\n"
        "from trio_realtime import rest\n"
        f"h = rest.sign_webhook({SECRET!r}, b'{{}}', webhook_id='m', timestamp=1)\n"
        f"rest.WebhookVerifier({SECRET!r}).verify(b'{{}}', h, now=1)\n"
        "async def main():\n"
        "    try:\n"
        "        async with rest.open_rest(rt.Client(api_key='k')):\n"
        "            pass\n"
        "    except rt.RestExtraMissing as exc:\n"
        "        assert isinstance(exc, ImportError)\n"
        "        print(exc)\n"
        "trio.run(main)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert out.strip() == (
        "REST calls need httpx, which is not installed; install the rest extra: "
        "pip install 'trio-realtime[rest]'"
    )


def test_from_env_reads_the_sdks_variable() -> None:
    verifier = rest.WebhookVerifier.from_env({"OPENAI_WEBHOOK_SECRET": f" {SECRET}\n"})
    verifier.verify(BODY, headers_for(), now=NOW)
    with pytest.raises(rt.ConfigurationError, match="OPENAI_WEBHOOK_SECRET"):
        rest.WebhookVerifier.from_env({})
