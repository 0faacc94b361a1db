"""The fake server's REST side: client secrets, SIP and WebRTC calls, webhook deliveries.

The server's port speaks both: `read_head` reads a request's head, and a
WebSocket upgrade goes on (through `ReplayStream`) to trio-websocket while a
plain request is answered here, with h11, by `FakeRest`. Requests are
authenticated as the API does (``Authorization: Bearer`` or ``api-key``) and
refused with its JSON error bodies.

Calls move ``ringing`` -> ``accepted`` -> ``ended`` (or ``rejected``,
``referred``); `FakeRest.incoming_call` plays the SIP side: it registers a
ringing call and delivers a signed ``realtime.call.incoming`` webhook to the
application. A sideband ``open_realtime(call_id=...)`` is let in only for an
accepted call, starts with the session the accept configured, and is closed
when the call is hung up. One extra endpoint, not in the API,
``POST /v1/fake/incoming_calls``, does the same from another process (the
standalone ``serve-fake``).
"""

from __future__ import annotations

import email.parser
import email.policy
import secrets
import time
import urllib.parse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeAlias, TypeVar, cast

import h11
import msgspec
import trio

from .. import events as ev
from ..rest._webhooks import sign_webhook
from ._session_state import deep_merge, default_session
from ._state import ServerState
from ._strict import api_tail, realtime_model_problem

__all__ = [
    "DEFAULT_WEBHOOK_SECRET",
    "FakeCall",
    "FakeRest",
    "HTTPAnswer",
    "MintedSecret",
    "Refused",
    "ReplayStream",
    "RequestHead",
    "RestRequest",
    "RestRoute",
    "decode_body",
    "error_body",
    "json_answer",
    "read_head",
]

_T = TypeVar("_T")

#: The signing secret of the fake's webhook deliveries. Not a secret.
DEFAULT_WEBHOOK_SECRET = "whsec_ZmFrZS13ZWJob29rLXNpZ25pbmcta2V5LTEyMzQ1Njc4OQ=="

_MAX_HEAD = 64 * 1024
_MAX_BODY = 4 * 1024 * 1024
_RECEIVE = 64 * 1024
_IO_TIMEOUT = 10.0
_KEEPALIVE = 60.0
_FAKE_SDP_ANSWER = (
    "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=trio-realtime fake\r\n"
    "t=0 0\r\na=group:BUNDLE 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
    "c=IN IP4 0.0.0.0\r\na=mid:0\r\na=rtpmap:111 opus/48000/2\r\n"
)


def error_body(message: str, type_: str, code: str | None, param: str | None = None) -> bytes:
    """The API's JSON error body."""
    return msgspec.json.encode(
        {"error": {"message": message, "type": type_, "param": param, "code": code}}
    )


# -- telling upgrades from plain requests ----------------------------------------


@dataclass(frozen=True, slots=True)
class RequestHead:
    """The bytes read up to the end of a request's head, and whether it asks to upgrade."""

    data: bytes
    is_upgrade: bool


async def read_head(stream: trio.abc.ReceiveStream) -> RequestHead | None:
    """Read until a request head has arrived; None if the client left or sent too much."""
    data = bytearray()
    while b"\r\n\r\n" not in data:
        if len(data) > _MAX_HEAD:
            return None
        try:
            chunk = await stream.receive_some(_RECEIVE)
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            return None
        if not chunk:
            return None
        data += chunk
    head = bytes(data[: data.index(b"\r\n\r\n")])
    upgrade = any(
        name.strip().lower() == b"upgrade" and b"websocket" in value.lower()
        for name, _, value in (line.partition(b":") for line in head.split(b"\r\n")[1:])
    )
    return RequestHead(bytes(data), upgrade)


class ReplayStream(trio.abc.Stream):
    """A stream that first gives back bytes already read from it (the request head)."""

    def __init__(self, stream: trio.abc.Stream, replay: bytes) -> None:
        self.stream: trio.abc.Stream = stream
        self._replay = replay

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        await self.stream.send_all(data)

    async def wait_send_all_might_not_block(self) -> None:
        await self.stream.wait_send_all_might_not_block()

    async def receive_some(self, max_bytes: int | None = None) -> bytes | bytearray:
        if self._replay:
            size = len(self._replay) if max_bytes is None else max_bytes
            chunk, self._replay = self._replay[:size], self._replay[size:]
            await trio.lowlevel.checkpoint()
            return chunk
        return await self.stream.receive_some(max_bytes)

    async def aclose(self) -> None:
        await self.stream.aclose()


# -- state -----------------------------------------------------------------------


def _no_headers() -> list[dict[str, str]]:
    return []


@dataclass
class FakeCall:
    """One call as the fake sees it.

    ``kind`` is ``"sip"`` (from `FakeRest.incoming_call`) or ``"webrtc"``
    (``POST /realtime/calls``); ``state`` is ``ringing``, ``accepted``,
    ``rejected``, ``referred`` or ``ended``. ``session`` is what the accept
    (or the create) configured; ``reject_status`` and ``refer_target`` what a
    reject or refer said; ``webhook_status`` the application's answer to the
    incoming-call webhook; ``sdp_offer`` a WebRTC call's offer.
    ``call_id`` is the call's id; ``sip_headers`` a SIP call's INVITE headers,
    in order, as ``{"name": ..., "value": ...}`` dicts.
    """

    call_id: str
    kind: str
    state: str = "ringing"
    sip_headers: list[dict[str, str]] = field(default_factory=_no_headers)
    session: ev.RealtimeSession | None = None
    reject_status: int | None = None
    refer_target: str | None = None
    webhook_status: int | None = None
    sdp_offer: str | None = None
    _changed: trio.Event = field(default_factory=trio.Event, init=False, repr=False)

    async def wait_state(self, *states: str) -> str:
        """Wait until the call is in one of ``states``; return it."""
        while self.state not in states:
            await self._changed.wait()
        return self.state

    def _move(self, state: str) -> None:
        self.state = state
        self._changed.set()
        self._changed = trio.Event()


@dataclass(frozen=True, slots=True)
class MintedSecret:
    """A client secret the fake minted: its key, expiry and the session it configures."""

    value: str
    """The secret (``ek_...``), as the mint answered it."""
    expires_at: int
    """When it expires, in Unix seconds."""
    session: ev.Session | ev.TranslationSession | None
    """The session configuration the mint asked for (a translation session's for a
    translation secret), if any."""


class _ExpiresAfter(msgspec.Struct, kw_only=True):
    anchor: str = "created_at"
    seconds: int = 600


class _MintRequest(msgspec.Struct, kw_only=True):
    session: ev.Session | None = None
    expires_after: _ExpiresAfter | None = None


class _TranslationSessionRequest(msgspec.Struct, kw_only=True):
    model: str
    audio: dict[str, Any] | None = None


class _TranslationMintRequest(msgspec.Struct, kw_only=True):
    session: _TranslationSessionRequest
    expires_after: _ExpiresAfter | None = None


class _Reject(msgspec.Struct, kw_only=True):
    status_code: int = 603


class _Refer(msgspec.Struct, kw_only=True):
    target_uri: str


class _Dial(msgspec.Struct, kw_only=True):
    webhook_url: str
    sip_headers: list[dict[str, str]] | None = None
    call_id: str | None = None


HTTPAnswer: TypeAlias = tuple[int, list[tuple[str, str]], bytes]
"""A status, headers and body: what a route answers."""


@dataclass(frozen=True, slots=True)
class RestRequest:
    """One authenticated request, as a route added with `FakeRest.add_route` gets it:
    ``tail`` is the path from the route's segment on (``["live", "sessions", ...]``),
    ``headers`` have lower-case names, ``key`` is the credential it carried."""

    method: str
    path: str
    tail: list[str]
    headers: dict[str, str]
    body: bytes
    key: str


RestRoute: TypeAlias = Callable[[RestRequest], Awaitable[HTTPAnswer]]
"""A handler for every path under one segment (such as ``live``)."""


class Refused(Exception):
    """An HTTP error answer with the API's JSON error body; raise it inside a route."""

    def __init__(
        self, status: int, message: str, code: str | None = None, param: str | None = None
    ):
        self.status = status
        self.body = error_body(message, "invalid_request_error", code, param)
        super().__init__(message)


class FakeRest:
    """The REST endpoints of one `FakeServer`, and the state they share with it.

    ``calls`` maps call ids to `FakeCall`; ``secrets`` maps minted client
    secret values to `MintedSecret`; ``requests`` lists ``(method, path)`` of
    every REST request served. ``webhook_secret`` signs webhook deliveries.
    ``end_call(call_id, reason)`` closes the WebSockets joined to a call that
    ended (the server's connections are not the REST side's business).
    ``server`` is the `FakeServer` it belongs to (its shared settings and records).
    """

    def __init__(
        self,
        server: ServerState,
        webhook_secret: str = DEFAULT_WEBHOOK_SECRET,
        *,
        end_call: Callable[[str, str], None] | None = None,
    ) -> None:
        self.server: ServerState = server
        self._end_call = end_call
        self.webhook_secret: str = webhook_secret
        self.calls: dict[str, FakeCall] = {}
        self.secrets: dict[str, MintedSecret] = {}
        self.requests: list[tuple[str, str]] = []
        self._routes: dict[str, RestRoute] = {}
        self._count = 0

    def add_route(self, segment: str, route: RestRoute) -> None:
        """Serve every path whose part after the base URL starts with ``segment``
        (``"live"`` for ``/v1/live/...``) with ``route``, once authenticated.

        For other API families built on this fake: its own GPT-Live endpoints
        are served so. The request a route takes, the answer it returns and the
        error it raises are not public types yet, so a route written outside
        trio-realtime may need changes between versions.
        """
        if segment in ("realtime", "fake"):
            raise ValueError(f"the {segment!r} routes are the fake's own")
        self._routes[segment] = route

    def _new_id(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}_fake{self._count:04d}{secrets.token_hex(4)}"

    # -- what the WebSocket side asks --------------------------------------------

    def accepts_key(self, key: str) -> bool:
        """Whether ``key`` is an unexpired client secret this server minted."""
        minted = self.secrets.get(key)
        return minted is not None and minted.expires_at > time.time()

    def key_kind(self, key: str) -> str | None:
        """``"api"`` for an API key, ``"secret"`` for a live client secret, None to refuse.

        With the server's ``accept_any_key`` every other non-empty key is an API
        key; a minted secret stays a secret, and an expired one is still refused.
        """
        if key == self.server.api_key:
            return "api"
        if key in self.secrets:
            return "secret" if self.accepts_key(key) else None
        return "api" if key and self.server.accept_any_key else None

    def refusal(self, query: dict[str, str]) -> tuple[int, bytes] | None:
        """Why a WebSocket with ``call_id`` in ``query`` may not attach, or None."""
        call_id = query.get("call_id")
        if call_id is None:
            return None
        call = self.calls.get(call_id)
        if call is None:
            return 404, error_body(f"Call '{call_id}' not found.", "invalid_request_error", None)
        if call.state != "accepted":
            return 409, error_body(
                f"Call '{call_id}' is {call.state}; only an accepted call can be joined.",
                "invalid_request_error",
                "call_not_active",
            )
        return None

    def translation_audio(self, key: str) -> ev.TranslationAudio | None:
        """The audio configuration a translation client secret's session starts with."""
        minted = self.secrets.get(key)
        if minted is not None and isinstance(minted.session, ev.TranslationSession):
            return minted.session.audio
        return None

    def initial_session(self, key: str, query: dict[str, str]) -> ev.Session | None:
        """The configuration a new WebSocket starts with: its call's, or its secret's."""
        call = self.calls.get(query.get("call_id", ""))
        if call is not None:
            return call.session
        minted = self.secrets.get(key)
        if minted is not None and isinstance(
            minted.session, ev.RealtimeSession | ev.TranscriptionSession
        ):
            return minted.session
        return None

    # -- serving -----------------------------------------------------------------

    async def serve(self, stream: trio.abc.Stream, initial: bytes) -> None:
        """Answer plain HTTP requests on ``stream`` (``initial`` already read) until it ends."""
        http = h11.Connection(h11.SERVER, max_incomplete_event_size=_MAX_HEAD)
        http.receive_data(initial)
        while True:
            request: tuple[h11.Request, bytes] | None = None
            # Also how long an idle keep-alive connection may wait for its next request.
            with trio.move_on_after(_KEEPALIVE):
                request = await _read_request(stream, http)
            if request is None:
                return
            status, headers, body = await self._answer(*request)
            try:
                await stream.send_all(
                    (
                        http.send(
                            h11.Response(
                                status_code=status,
                                headers=[*headers, ("content-length", str(len(body)))],
                            )
                        )
                        or b""
                    )
                    + (http.send(h11.Data(data=body)) or b"")
                    + (http.send(h11.EndOfMessage()) or b"")
                )
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                return
            if http.our_state is not h11.DONE or http.their_state is not h11.DONE:
                return
            http.start_next_cycle()

    async def _answer(self, request: h11.Request, body: bytes) -> HTTPAnswer:
        target = urllib.parse.urlsplit(request.target.decode("latin-1"))
        method = request.method.decode("latin-1")
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in request.headers}
        self.requests.append((method, target.path))
        request_id = f"req_fake_rest{len(self.requests):04d}"
        common = [("x-request-id", request_id)]
        try:
            status, extra, payload = await self._route(method, target.path, headers, body)
        except Refused as refused:
            return refused.status, [*common, ("content-type", "application/json")], refused.body
        return status, [*common, *extra], payload

    async def _route(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> HTTPAnswer:
        # Everything lives under the base path (/v1); match on what follows it.
        known = ("realtime", "fake", *self._routes)
        tail = api_tail(path, strict=self.server.strict, known=known)
        if tail is None:
            raise Refused(404, f"Invalid URL ({method} {path})")
        route = self._routes.get(tail[0])
        if route is not None:
            key = self._authorize(headers)
            return await route(RestRequest(method, path, tail, headers, body, key))
        if method != "POST":
            raise Refused(405, f"Invalid method for URL ({method} {path})")
        key = self._authorize(headers)
        match tail:
            case ["realtime", "client_secrets"]:
                self.require_api_key(key)
                return self._mint(body)
            case ["realtime", "translations", "client_secrets"]:
                self.require_api_key(key)
                return self._mint_translation(body)
            case ["realtime", "calls"]:
                return self._create_call(headers, body)
            case ["realtime", "calls", call_id, action]:
                self.require_api_key(key)
                return await self._call_action(urllib.parse.unquote(call_id), action, body)
            case ["fake", "incoming_calls"]:
                self.require_api_key(key)
                return await self._dial(body)
            case _:
                raise Refused(404, f"Invalid URL ({method} {path})")

    def _authorize(self, headers: dict[str, str]) -> str:
        auth = headers.get("authorization", "")
        key = auth[len("bearer ") :].strip() if auth.lower().startswith("bearer ") else None
        if key is None:
            key = headers.get("api-key")
        if not key:
            raise Refused(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        if self.key_kind(key) is None:
            raise Refused(401, f"Incorrect API key provided: ...{key[-4:]}.", "invalid_api_key")
        return key

    def require_api_key(self, key: str) -> None:
        """Refuse (401) a request that carried a client secret where only the key may go."""
        if self.key_kind(key) != "api":
            raise Refused(
                401, "This endpoint needs an API key; a client secret cannot call it.", None
            )

    # -- client secrets ------------------------------------------------------------

    def _expiry(self, expires_after: _ExpiresAfter | None) -> int:
        seconds = 600 if expires_after is None else expires_after.seconds
        if expires_after is not None and expires_after.anchor != "created_at":
            raise Refused(400, "expires_after.anchor must be 'created_at'.", None, "anchor")
        if not 10 <= seconds <= 7200:
            raise Refused(
                400,
                f"Invalid 'expires_after.seconds': {seconds}. Expected a value between 10 "
                "and 7200.",
                "integer_out_of_range",
                "expires_after.seconds",
            )
        return int(time.time()) + seconds

    def _mint(self, body: bytes) -> HTTPAnswer:
        request = decode_body(body, _MintRequest)
        expires_at = self._expiry(request.expires_after)
        value = f"ek_{secrets.token_hex(16)}"
        session = request.session
        effective: dict[str, Any]
        if isinstance(session, ev.TranscriptionSession):
            effective = cast(dict[str, Any], msgspec.to_builtins(session))
        else:
            model = session.model if session is not None else None
            base = default_session(model if isinstance(model, str) else self.server.model)
            merged = _merge(base, session)
            session = merged
            effective = cast(dict[str, Any], msgspec.to_builtins(merged))
        effective.update(id=self._new_id("sess"), object="realtime.session")
        self.secrets[value] = MintedSecret(value, expires_at, session)
        return json_answer(200, {"value": value, "expires_at": expires_at, "session": effective})

    def _mint_translation(self, body: bytes) -> HTTPAnswer:
        request = decode_body(body, _TranslationMintRequest)
        expires_at = self._expiry(request.expires_after)
        value = f"ek_{secrets.token_hex(16)}"
        session = {
            "id": self._new_id("sess"),
            "type": "translation",
            "model": request.session.model,
            "expires_at": expires_at,
            "audio": request.session.audio or {},
        }
        minted = msgspec.convert(session, ev.TranslationSession)
        self.secrets[value] = MintedSecret(value, expires_at, minted)
        return json_answer(200, {"value": value, "expires_at": expires_at, "session": session})

    # -- calls ---------------------------------------------------------------------

    def _call(self, call_id: str) -> FakeCall:
        call = self.calls.get(call_id)
        if call is None:
            raise Refused(404, f"Call '{call_id}' not found.", "call_not_found", "call_id")
        return call

    async def _call_action(self, call_id: str, action: str, body: bytes) -> HTTPAnswer:
        call = self._call(call_id)
        match action:
            case "accept":
                self._in_state(call, action, "ringing")
                session = decode_body(body, ev.RealtimeSession)
                model = self._call_model(session)
                call.session = _merge(default_session(model), session)
                call._move("accepted")  # pyright: ignore[reportPrivateUsage]
            case "reject":
                self._in_state(call, action, "ringing")
                call.reject_status = decode_body(body or b"{}", _Reject).status_code
                call._move("rejected")  # pyright: ignore[reportPrivateUsage]
            case "refer":
                self._in_state(call, action, "accepted")
                call.refer_target = decode_body(body, _Refer).target_uri
                call._move("referred")  # pyright: ignore[reportPrivateUsage]
                self._ended(call_id, "call transferred")
            case "hangup":
                self._in_state(call, action, "accepted", "ringing")
                call._move("ended")  # pyright: ignore[reportPrivateUsage]
                self._ended(call_id, "call ended")
            case _:
                raise Refused(404, f"Invalid URL (POST /v1/realtime/calls/{call_id}/{action})")
        return 200, [], b""

    def _call_model(self, session: ev.RealtimeSession | None) -> str:
        """The model a call's session names; a strict fake refuses (400) an unknown one."""
        model = session.model if session is not None else None
        if not isinstance(model, str):
            return self.server.model
        problem = realtime_model_problem(model) if self.server.strict else None
        if problem is not None:
            raise Refused(400, problem.message, problem.code, "session.model")
        return model

    def _in_state(self, call: FakeCall, action: str, *states: str) -> None:
        if call.state not in states:
            raise Refused(
                409,
                f"Cannot {action} call '{call.call_id}': it is {call.state}.",
                "call_state_invalid",
            )

    def _ended(self, call_id: str, reason: str) -> None:
        if self._end_call is not None:
            self._end_call(call_id, reason)

    def _create_call(self, headers: dict[str, str], body: bytes) -> HTTPAnswer:
        content_type = headers.get("content-type", "")
        if content_type.split(";")[0].strip() == "application/sdp":
            offer, session = body.decode("utf-8", "replace"), None
        elif content_type.startswith("multipart/form-data"):
            fields = _multipart(content_type, body)
            if "sdp" not in fields:
                raise Refused(400, "Missing required parameter: 'sdp'.", None, "sdp")
            offer = fields["sdp"].decode("utf-8", "replace")
            session = (
                decode_body(fields["session"], ev.RealtimeSession) if "session" in fields else None
            )
        else:
            raise Refused(400, "Send the SDP offer as multipart/form-data or application/sdp.")
        if not offer.startswith("v=0"):
            raise Refused(400, "The SDP offer is not valid SDP.", "invalid_offer", "sdp")
        model = self._call_model(session)
        call_id = self._new_id("rtc")
        call = FakeCall(
            call_id=call_id,
            kind="webrtc",
            state="accepted",
            session=_merge(default_session(model), session),
            sdp_offer=offer,
        )
        self.calls[call_id] = call
        return (
            201,
            [("content-type", "application/sdp"), ("location", f"/v1/realtime/calls/{call_id}")],
            _FAKE_SDP_ANSWER.encode(),
        )

    # -- the SIP side ----------------------------------------------------------------

    async def incoming_call(
        self,
        webhook_url: str,
        *,
        sip_headers: list[dict[str, str]] | None = None,
        call_id: str | None = None,
    ) -> FakeCall:
        """A SIP call rings: register it and deliver a signed ``realtime.call.incoming``
        webhook to ``webhook_url`` (``http://`` on loopback). Returns the call, with the
        application's answer in ``webhook_status``; accept it over REST to talk."""
        call_id = call_id or self._new_id("rtc")
        headers = sip_headers or [
            {"name": "From", "value": "<sip:+14155550123@sip.example.com>;tag=fake"},
            {"name": "To", "value": "<sip:+18005550100@sip.api.openai.com>"},
            {"name": "Call-ID", "value": f"{call_id}@fake"},
        ]
        call = FakeCall(call_id=call_id, kind="sip", sip_headers=headers)
        self.calls[call_id] = call
        event = msgspec.json.encode(
            {
                "id": self._new_id("evt"),
                "object": "event",
                "created_at": int(time.time()),
                "type": "realtime.call.incoming",
                "data": {"call_id": call_id, "sip_headers": headers, "sip_media_security": "srtp"},
            }
        )
        signed = sign_webhook(
            self.webhook_secret, event, webhook_id=self._new_id("wh"), timestamp=int(time.time())
        )
        call.webhook_status = await _post(webhook_url, event, signed)
        return call

    async def _dial(self, body: bytes) -> HTTPAnswer:
        dial = decode_body(body, _Dial)
        try:
            call = await self.incoming_call(
                dial.webhook_url, sip_headers=dial.sip_headers, call_id=dial.call_id
            )
        except ValueError as exc:
            raise Refused(400, str(exc), None, "webhook_url") from None
        except (OSError, trio.TooSlowError, h11.ProtocolError) as exc:
            raise Refused(
                502, f"Could not deliver the webhook: {exc!r}", None, "webhook_url"
            ) from None
        return json_answer(200, {"call_id": call.call_id, "webhook_status": call.webhook_status})


def _merge(base: ev.RealtimeSession, update: ev.RealtimeSession | None) -> ev.RealtimeSession:
    if update is None:
        return base
    merged = deep_merge(
        cast(dict[str, Any], msgspec.to_builtins(base)),
        cast(dict[str, Any], msgspec.to_builtins(update)),
    )
    return msgspec.convert(merged, ev.RealtimeSession)


def decode_body(body: bytes, type_: type[_T]) -> _T:
    """The JSON body as ``type_``, or `Refused` (400) as the API words it."""
    try:
        return msgspec.json.decode(body, type=type_)
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise Refused(400, f"We could not parse the JSON body of your request: {exc}") from None


def json_answer(status: int, payload: object) -> HTTPAnswer:
    """A JSON answer."""
    return status, [("content-type", "application/json")], msgspec.json.encode(payload)


def _multipart(content_type: str, body: bytes) -> dict[str, bytes]:
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, bytes] = {}
    if not message.is_multipart():
        raise Refused(400, "The multipart/form-data body could not be parsed.")
    for part in message.iter_parts():  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
        name = part.get_param("name", header="content-disposition")  # pyright: ignore[reportUnknownMemberType]
        payload = part.get_payload(decode=True)  # pyright: ignore[reportUnknownMemberType]
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = payload
    return fields


async def _read_request(
    stream: trio.abc.Stream, http: h11.Connection
) -> tuple[h11.Request, bytes] | None:
    """The next request and its body (capped), or None when the client is done."""
    request: h11.Request | None = None
    body = bytearray()
    while True:
        try:
            event = http.next_event()
        except h11.RemoteProtocolError:
            return None
        if event is h11.NEED_DATA:
            try:
                data = await stream.receive_some(_RECEIVE)
            except (trio.BrokenResourceError, trio.ClosedResourceError):
                return None
            http.receive_data(bytes(data))
        elif isinstance(event, h11.Request):
            request = event
        elif isinstance(event, h11.Data):
            if len(body) + len(event.data) > _MAX_BODY:
                return None
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            return (request, bytes(body)) if request is not None else None
        else:  # ConnectionClosed, PAUSED
            return None


async def _post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST ``body`` to an ``http://`` loopback URL with h11; the answer's status."""
    from .._handshake import is_loopback_host

    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme != "http" or not is_loopback_host(host):
        raise ValueError(
            f"the fake server delivers webhooks to http:// loopback URLs only: {url!r}"
        )
    http = h11.Connection(h11.CLIENT)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    with trio.fail_after(_IO_TIMEOUT):
        stream = await trio.open_tcp_stream(host, parts.port or 80)
        async with stream:
            await stream.send_all(
                (
                    http.send(
                        h11.Request(
                            method="POST",
                            target=target,
                            headers=[
                                ("host", parts.netloc),
                                ("content-type", "application/json"),
                                ("content-length", str(len(body))),
                                (
                                    "user-agent",
                                    "OpenAI/1.0 (+https://platform.openai.com/docs/webhooks)",
                                ),
                                *headers.items(),
                            ],
                        )
                    )
                    or b""
                )
                + (http.send(h11.Data(data=body)) or b"")
                + (http.send(h11.EndOfMessage()) or b"")
            )
            while True:
                event = http.next_event()
                if event is h11.NEED_DATA:
                    http.receive_data(await stream.receive_some(_RECEIVE))
                elif isinstance(event, h11.Response):
                    return event.status_code
                elif isinstance(event, h11.ConnectionClosed):
                    raise OSError("the webhook receiver closed the connection without answering")
