"""Verified webhook deliveries: Standard Webhooks signatures, and the events they carry.

OpenAI signs each delivery as Standard Webhooks specifies: ``webhook-id``,
``webhook-timestamp`` (Unix seconds) and ``webhook-signature`` headers; the
signature is base64 HMAC-SHA256, keyed with the base64 after ``whsec_`` in
the endpoint's secret, over ``id.timestamp.body``; the header may hold several
space-separated ``v1,<base64>`` entries (while a secret is rotated), and one
match is enough. A timestamp more than the tolerance (5 minutes) in the past
or future is a replay. Pure code, no I/O and no httpx: a web framework hands
over the body bytes and headers, and gets an event or a typed error.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import os
import time
from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias, cast

import msgspec

from .._errors import (
    ConfigurationError,
    WebhookPayloadError,
    WebhookSignatureError,
    WebhookTimestampError,
)
from .._secret import Secret

__all__ = [
    "DEFAULT_WEBHOOK_TOLERANCE",
    "RealtimeCallIncoming",
    "RealtimeCallIncomingData",
    "SipHeader",
    "UnknownWebhookEvent",
    "WebhookEvent",
    "WebhookHeaders",
    "WebhookVerifier",
    "sign_webhook",
]

#: Seconds a delivery's timestamp may be off from now, either way (the SDK's 300).
DEFAULT_WEBHOOK_TOLERANCE = 300

_PREFIX = "whsec_"

WebhookHeaders: TypeAlias = Mapping[str, str] | Iterable[tuple[str | bytes, str | bytes]]
"""Request headers as a mapping or as (name, value) pairs, str or bytes (h11, ASGI)."""


def _no_data() -> dict[str, Any]:
    return {}


class SipHeader(msgspec.Struct, kw_only=True):
    """One header of the SIP INVITE (untrusted caller data)."""

    name: str
    """The header's name, as the caller sent it (``From``, ``To``, ``X-...``)."""
    value: str
    """The header's value."""


def _no_headers() -> list[SipHeader]:
    return []


class RealtimeCallIncomingData(msgspec.Struct, kw_only=True, omit_defaults=True):
    """The call: its id (for accept, reject, refer, hangup and ``open_realtime(call_id=)``),
    the INVITE's headers in order, and ``sip_media_security`` (``"rtp"``, ``"srtp"``, or
    None when unknown)."""

    call_id: str
    """The call's id."""
    sip_headers: list[SipHeader] = msgspec.field(default_factory=_no_headers)
    """The INVITE's headers, in order (`sip_header` finds one)."""
    sip_media_security: str | None = None
    """``"rtp"``, ``"srtp"``, or None when unknown."""

    def sip_header(self, name: str) -> str | None:
        """The first value of a SIP header (case-insensitive), such as ``"From"``."""
        wanted = name.lower()
        return next((h.value for h in self.sip_headers if h.name.lower() == wanted), None)


class RealtimeCallIncoming(
    msgspec.Struct, tag="realtime.call.incoming", tag_field="type", kw_only=True
):
    """``realtime.call.incoming``: a SIP call waits to be accepted or rejected."""

    id: str
    """The event's id."""
    created_at: int
    """When the event was created, in Unix seconds."""
    data: RealtimeCallIncomingData
    """The call."""
    object: str | None = "event"
    """Always ``"event"``."""

    @property
    def type(self) -> str:
        """``"realtime.call.incoming"``."""
        return "realtime.call.incoming"


class UnknownWebhookEvent(msgspec.Struct, kw_only=True):
    """A verified delivery of another type (``batch.completed``, ...): its fields as JSON."""

    type: str
    """The event's type, such as ``batch.completed``."""
    id: str | None = None
    """The event's id, if sent."""
    created_at: int | None = None
    """When the event was created, in Unix seconds, if sent."""
    data: dict[str, Any] = msgspec.field(default_factory=_no_data)
    """The event's ``data`` object, as decoded JSON."""


WebhookEvent: TypeAlias = RealtimeCallIncoming | UnknownWebhookEvent
"""What `WebhookVerifier.unwrap` returns."""


class _Envelope(msgspec.Struct):
    type: str


_envelope = msgspec.json.Decoder(_Envelope)
_incoming = msgspec.json.Decoder(RealtimeCallIncoming)
_unknown = msgspec.json.Decoder(UnknownWebhookEvent)


class WebhookVerifier:
    """Checks deliveries signed with one endpoint's secret (``whsec_...``).

    ``secret`` is the signing secret shown when the webhook endpoint was made
    (a str or `Secret`; kept as a `Secret`). ``tolerance`` is how many seconds
    a timestamp may be off from now. The repr never shows the secret.
    """

    __slots__ = ("_secret", "tolerance")

    def __init__(
        self, secret: str | Secret, *, tolerance: float = DEFAULT_WEBHOOK_TOLERANCE
    ) -> None:
        if isinstance(secret, str):
            secret = Secret(secret)
        if not isinstance(secret, Secret):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ConfigurationError("the webhook secret must be a string or a Secret")
        problem = _secret_problem(secret)
        if problem is not None:
            raise ConfigurationError(problem)
        if (
            not isinstance(tolerance, int | float)  # pyright: ignore[reportUnnecessaryIsInstance]
            or math.isnan(tolerance)
            or tolerance < 0
        ):
            raise ConfigurationError("tolerance must be a non-negative number of seconds")
        self._secret = secret
        self.tolerance: float = tolerance

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, tolerance: float = DEFAULT_WEBHOOK_TOLERANCE
    ) -> WebhookVerifier:
        """A verifier for the secret in ``OPENAI_WEBHOOK_SECRET`` (as the openai SDK reads it)."""
        source: Mapping[str, str] = os.environ if env is None else env
        if not source.get("OPENAI_WEBHOOK_SECRET", "").strip():
            raise ConfigurationError(
                "No webhook secret: set OPENAI_WEBHOOK_SECRET to the endpoint's whsec_... "
                "secret, or pass it to WebhookVerifier(...)"
            )
        return cls(Secret(source["OPENAI_WEBHOOK_SECRET"].strip()), tolerance=tolerance)

    def __repr__(self) -> str:
        # getattr: a traceback of __init__ shows this repr before the slot is set.
        return f"WebhookVerifier(secret=<redacted>, tolerance={getattr(self, 'tolerance', None)})"

    def verify(
        self, body: bytes | str, headers: WebhookHeaders, *, now: float | None = None
    ) -> None:
        """Raise unless ``body`` was signed with this secret within the tolerance of ``now``.

        `WebhookSignatureError`: a header is missing or no ``v1`` signature
        matches; `WebhookTimestampError`: the timestamp is unreadable, too old
        or too new. ``now`` defaults to ``time.time()``. Comparisons take
        constant time.
        """
        raw = body.encode() if isinstance(body, str) else bytes(body)
        found = _find_headers(headers)
        for name in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            if not found.get(name):
                raise WebhookSignatureError(f"the delivery has no {name} header: not a webhook")
        webhook_id = found["webhook-id"]
        stamp = found["webhook-timestamp"]
        try:
            seconds = int(stamp.strip())
        except ValueError:
            raise WebhookTimestampError(
                f"webhook-timestamp {stamp[:40]!r} is not a number of seconds"
            ) from None
        current = time.time() if now is None else now
        if current - seconds > self.tolerance:
            raise WebhookTimestampError(
                f"the delivery was signed {current - seconds:.0f}s ago, more than the "
                f"tolerance of {self.tolerance:g}s: a replay, or a clock far off"
            )
        if seconds - current > self.tolerance:
            raise WebhookTimestampError(
                f"the delivery's timestamp is {seconds - current:.0f}s in the future, more "
                f"than the tolerance of {self.tolerance:g}s: check this machine's clock"
            )
        expected = _signature(self._secret, webhook_id, stamp, raw)
        offered = [
            part[3:].encode()
            for part in found["webhook-signature"].split()
            if part.startswith("v1,")
        ]
        # Every entry is compared, so the time taken says nothing about which one matched.
        matched = False
        for candidate in offered:
            matched |= hmac.compare_digest(expected, candidate)
        if not matched:
            raise WebhookSignatureError(
                "no webhook-signature matches the body: it was not signed with this secret, "
                "or it was changed on the way"
                + ("" if offered else " (the header has no v1 signature)")
            )

    def unwrap(
        self, body: bytes | str, headers: WebhookHeaders, *, now: float | None = None
    ) -> WebhookEvent:
        """`verify`, then the event: a `RealtimeCallIncoming`, or an `UnknownWebhookEvent`.

        `WebhookPayloadError` for a verified body that is not a JSON event, or a
        ``realtime.call.incoming`` without its fields.
        """
        self.verify(body, headers, now=now)
        raw = body.encode() if isinstance(body, str) else bytes(body)
        return _decode(raw)


def sign_webhook(
    secret: str | Secret, body: bytes | str, *, webhook_id: str, timestamp: int
) -> dict[str, str]:
    """The three headers that sign ``body`` as the API does: for tests and fake servers."""
    if isinstance(secret, str):
        secret = Secret(secret)
    problem = _secret_problem(secret)
    if problem is not None:
        raise ConfigurationError(problem)
    raw = body.encode() if isinstance(body, str) else bytes(body)
    stamp = str(int(timestamp))
    signature = _signature(secret, webhook_id, stamp, raw).decode()
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": stamp,
        "webhook-signature": f"v1,{signature}",
    }


def _decode(raw: bytes) -> WebhookEvent:
    try:
        kind = _envelope.decode(raw).type
        if kind == "realtime.call.incoming":
            return _incoming.decode(raw)
        return _unknown.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise WebhookPayloadError(
            f"the delivery is signed but its body is not a webhook event: {exc}", raw
        ) from None


def _find_headers(headers: WebhookHeaders) -> dict[str, str]:
    """The three webhook headers by lower-case name; repeated lines are joined by spaces."""
    wanted = ("webhook-id", "webhook-timestamp", "webhook-signature")
    items: Iterable[tuple[str | bytes, str | bytes]] = (
        cast("Mapping[str, str]", headers).items() if isinstance(headers, Mapping) else headers
    )
    found: dict[str, str] = {}
    for name, value in items:
        key = (name.decode("latin-1") if isinstance(name, bytes) else name).lower()
        if key in wanted:
            text = value.decode("latin-1") if isinstance(value, bytes) else value
            found[key] = f"{found[key]} {text}" if key in found else text
    return found


def _signature(secret: Secret, webhook_id: str, stamp: str, body: bytes) -> bytes:
    # One expression: the key bytes are never a local of this frame.
    return base64.b64encode(
        hmac.new(
            _key(secret),
            webhook_id.encode() + b"." + stamp.encode() + b"." + body,
            hashlib.sha256,
        ).digest()
    )


def _key(secret: Secret) -> bytes:
    value = secret.reveal()
    if value.startswith(_PREFIX):
        return base64.b64decode(value[len(_PREFIX) :])
    # As the SDK does: a secret without the prefix is the key itself.
    return value.encode()


def _secret_problem(secret: Secret) -> str | None:
    """What is wrong with a signing secret, or None (decided here, raised by the caller)."""
    if not secret:
        return "the webhook secret is empty"
    try:
        key = _key(secret)
    except (binascii.Error, ValueError):
        return "the webhook secret after 'whsec_' is not valid base64"
    if not key:
        return "the webhook secret holds no key bytes"
    return None
