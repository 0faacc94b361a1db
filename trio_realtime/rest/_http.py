"""The HTTP core of every REST call: one request, its answer, its errors, its secrets.

`RestTransport` turns ``(method, path, body)`` into an httpx request addressed
and authenticated as the handshake is (`trio_realtime._client.resolve_client`:
base URL, key or provider, organization and project, default headers and
query, Azure's ``api-key`` and ``api-version``), sends it, and returns a
`RestResponse` or raises a typed error of `trio_realtime._errors`. The Realtime
endpoints (client secrets, calls) and the GPT-Live ones are thin functions over
`RestTransport.request`.

Three rules shape the code, the same as the handshake's (`_upgrade.py`):

* **Every wait is bounded.** ``RestOptions.timeout`` bounds the whole call,
  connect to last body byte (httpx's own timeouts are per read, so a body that
  drips forever would never time out on them alone).
* **A refusal keeps its status.** Its body is only detail: read under its own
  short deadline and capped, so a slow or endless error body still yields the
  status's error class with what arrived.
* **No credential in a traceback.** The request headers exist in plain only
  as temporaries of the expression that builds the httpx request. Exceptions
  raised inside httpx carry frames whose locals hold those headers (httpcore
  keeps them as h11 events), so a failure is described by type and message and
  raised afresh outside the ``except`` block (no ``__context__``), and one that
  must propagate (`trio.Cancelled`) loses the frames below ours.
"""

from __future__ import annotations

import math
from collections.abc import AsyncGenerator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import msgspec
import trio

from .._client import ClientSettings, live_settings, resolve_client
from .._errors import (
    ConfigurationError,
    InsecureTransportError,
    MissingAPIKeyError,
    RestConnectError,
    RestResponseError,
    RestStatusError,
    RestTimeout,
    rest_error_for_status,
)
from .._handshake import (
    HeaderEdit,
    HeaderValue,
    guard_header,
    is_loopback_host,
    is_secret_header,
    merge_headers,
)
from .._open import require_trio
from .._secret import Secret
from ._extra import require_httpx

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_REST_OPTIONS",
    "MultipartField",
    "RestOptions",
    "RestResponse",
    "RestTransport",
    "open_rest_transport",
]

_T = TypeVar("_T")

_JSON = "application/json"
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"
# One encoder for every request body (msgspec Structs, dicts, lists).
_encoder = msgspec.json.Encoder()


@dataclass(frozen=True, slots=True)
class RestOptions:
    """How long a REST call may take and how much of an answer is read.

    ``timeout`` bounds a whole call (connect, send, the answer's last byte);
    ``connect_timeout`` the TCP and TLS connect within it. A success body
    larger than ``max_response_body`` is refused (the API's answers are a few
    KiB); an error body is kept up to ``max_error_body`` bytes and read for at
    most ``error_body_timeout`` seconds once its status is known, so a slow
    or endless one cannot hide the status. ``allow_insecure_transport``
    permits a credential over plaintext ``http://`` to a host other than
    loopback (never needed for the API or a local fake server).
    """

    timeout: float = 60.0
    connect_timeout: float = 10.0
    max_response_body: int = 16 * 1024 * 1024
    max_error_body: int = 64 * 1024
    error_body_timeout: float = 2.0
    allow_insecure_transport: bool = False

    def __post_init__(self) -> None:
        for what in ("timeout", "connect_timeout", "error_body_timeout"):
            value = getattr(self, what)
            if not isinstance(value, int | float) or math.isnan(value) or value <= 0:
                raise ConfigurationError(f"RestOptions.{what} must be a positive number of seconds")
        for what in ("max_response_body", "max_error_body"):
            value = getattr(self, what)
            if not isinstance(value, int) or value < 0:
                raise ConfigurationError(f"RestOptions.{what} must be a non-negative int of bytes")


DEFAULT_REST_OPTIONS = RestOptions()


@dataclass(frozen=True, slots=True)
class MultipartField:
    """One part of a ``multipart/form-data`` body: a form field without a filename."""

    name: str
    """The form field's name."""
    content_type: str
    """The part's ``Content-Type``."""
    data: bytes
    """The part's content."""


@dataclass(frozen=True, slots=True)
class RestResponse:
    """A success answer, read whole: status, headers (names lower-cased), body, request id."""

    status: int
    """The HTTP status (2xx)."""
    headers: tuple[tuple[str, str], ...]
    """The response headers as ``(name, value)`` pairs, names lower-cased, in order."""
    body: bytes
    """The whole response body."""
    request_id: str | None
    """The ``x-request-id`` header, which OpenAI support asks for, if sent."""
    method: str
    """The request's method (``GET``, ``POST``...)."""
    url: str
    """The URL requested, its query included."""

    def header(self, name: str) -> str | None:
        """The first value of a header (case-insensitive), if sent."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k == wanted), None)

    def decode(self, type: type[_T]) -> _T:
        """The JSON body as ``type``; `RestResponseError` names the field that is wrong."""
        try:
            return msgspec.json.decode(self.body, type=type)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            raise RestResponseError(
                f"{self.method} {self.url} answered with a body that is not "
                f"a {getattr(type, '__name__', type)}: {exc}"
                + (f" (request id {self.request_id})" if self.request_id else "")
            ) from None


class RestTransport:
    """Sends REST requests for one `trio_realtime.Client` (or openai SDK client).

    Built by `open_rest_transport`, which owns the httpx client's lifetime
    (unless you pass your own). Credentials are resolved for every request, so
    a `KeyProvider` gives each call a fresh token. Safe to share between tasks.

    ``client`` is the client it was built for, ``options`` its `RestOptions`.
    """

    def __init__(
        self, client: object, http: httpx.AsyncClient, options: RestOptions = DEFAULT_REST_OPTIONS
    ) -> None:
        self.client: object = client
        self.options: RestOptions = options
        self._http = http

    def __repr__(self) -> str:
        return f"<RestTransport for {self.client!r}>"

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: object = None,
        multipart: Sequence[MultipartField] = (),
        accept: str = _JSON,
        query: Mapping[str, str] | None = None,
        extra_headers: Mapping[str, str] | None = None,
        live: bool = False,
    ) -> RestResponse:
        """Send one request to ``path`` (under the client's base URL) and read the answer.

        ``json`` (a msgspec Struct, dict or list) is sent as a JSON body,
        ``multipart`` as a ``multipart/form-data`` one; without either there is
        no body. ``extra_headers`` go last and win, as in the handshake.
        ``live`` addresses a GPT-Live endpoint (on Azure: the versionless v1
        API, ``.../openai/v1/live/...``, with no ``api-version`` or deployment).
        The call is bounded by ``RestOptions.timeout``; for a shorter bound
        wrap it in ``trio.move_on_after``.

        Raises `RestStatusError` (as its status's class: `NotFoundError`, ...)
        for an HTTP error answer, `RestTimeout`, `RestConnectError` when no
        answer came, `RestResponseError` for an oversized body, and
        `ConfigurationError` (`MissingAPIKeyError`, `InsecureTransportError`,
        `InvalidHeaderError`) before sending anything.
        """
        options = self.options
        limit = options.timeout
        extra = _extra_edits(extra_headers)
        # The caller's mapping may hold a plain credential, and this frame is in
        # the traceback of whatever is raised below: from here on only the
        # guarded copy exists.
        extra_headers = None
        if isinstance(extra, ConfigurationError):
            raise extra
        settings = await resolve_client(self.client)
        if live:  # GPT-Live's own addressing (Azure: the v1 API)
            settings = live_settings(settings)
        url = _url(settings, path, query)
        content = None if json is None else _encode(json)
        # A body-less GET says nothing of a content type (as the SDK sends it).
        json_body = not multipart and (json is not None or method != "GET")
        headers = _headers(settings, accept, json_body, extra)
        _check_transport(url, headers, options.allow_insecure_transport)

        deadline = trio.current_time() + limit
        sent: httpx.Response | _Failure = _Failure(f"took longer than {limit}s", timeout=True)
        with trio.move_on_at(deadline):
            sent = await _send(self._http, method, url, headers, content, multipart, options)
        if isinstance(sent, _Failure):
            cls = RestTimeout if sent.timeout else RestConnectError
            raise cls(f"{method} {url}: {sent.message}")
        try:
            return await _answer(sent, method, url, deadline, options, limit)
        finally:
            with trio.CancelScope(shield=True), trio.move_on_after(1.0):
                await sent.aclose()


@dataclass(frozen=True, slots=True)
class _Failure:
    """Why no answer came: a message naming the cause, and whether it was a timeout."""

    message: str
    timeout: bool = False


@asynccontextmanager
async def open_rest_transport(
    client: object,
    *,
    options: RestOptions = DEFAULT_REST_OPTIONS,
    http_client: httpx.AsyncClient | None = None,
) -> AsyncGenerator[RestTransport]:
    """A `RestTransport` for ``client`` as ``async with open_rest_transport(client) as t:``.

    Without ``http_client`` it makes an ``httpx.AsyncClient`` (connection pool,
    proxies from the environment, no redirects followed) and closes it when the
    block ends; one you pass is used as it is and left open.

    Raises `RestExtraMissing` when httpx is not installed, and `RealtimeError`
    when entered outside trio (under asyncio, say).
    """
    require_trio("async with open_rest_transport(...)")
    if not isinstance(options, RestOptions):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ConfigurationError("options must be a trio_realtime.rest.RestOptions")
    if http_client is not None:
        yield RestTransport(client, http_client, options)
        return
    httpx_module = require_httpx("REST calls")
    timeout = httpx_module.Timeout(options.timeout, connect=options.connect_timeout)
    async with httpx_module.AsyncClient(timeout=timeout, follow_redirects=False) as http:
        yield RestTransport(client, http, options)


# -- building the request ----------------------------------------------------


def _url(settings: ClientSettings, path: str, query: Mapping[str, str] | None) -> str:
    """Base URL + ``path``; query: default, the base URL's own, Azure's, then ``query``."""
    try:
        parts = urlsplit(settings.base_url.strip())
    except ValueError as exc:
        raise ConfigurationError(f"base_url is not a valid URL: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ConfigurationError(
            f"REST calls need an http:// or https:// base_url, not {parts.scheme!r}"
        )
    if "@" in parts.netloc:
        raise ConfigurationError(
            "base_url must not contain user:password@ credentials; use api_key or headers"
        )
    if not path.startswith("/"):
        path = "/" + path
    full_path = quote(parts.path.rstrip("/") + path, safe=_PATH_SAFE)
    wanted: dict[str, str] = {}
    if settings.azure is not None:
        wanted["api-version"] = settings.azure.api_version
    wanted.update(_str_map(query, "query"))
    base_items = parse_qsl(parts.query, keep_blank_values=True)
    base_keys = {k for k, _ in base_items}
    items = [(k, v) for k, v in settings.default_query if k not in wanted and k not in base_keys]
    items += [(k, v) for k, v in base_items if k not in wanted]
    items += list(wanted.items())
    return urlunsplit((scheme, parts.netloc, full_path, urlencode(items), ""))


def _headers(
    settings: ClientSettings,
    accept: str,
    json_type: bool,
    extra: Iterable[HeaderEdit],
) -> tuple[tuple[str, HeaderValue], ...]:
    edits: list[HeaderEdit] = [("Accept", accept)]
    # As the SDK does, also on a request without a body; httpx sets a
    # multipart body's type itself (with its boundary).
    if json_type:
        edits.append(("Content-Type", _JSON))
    edits.extend(settings.auth_headers)
    if settings.organization:
        edits.append(("OpenAI-Organization", settings.organization))
    if settings.project:
        edits.append(("OpenAI-Project", settings.project))
    edits.extend(settings.default_headers)
    edits.extend(extra)
    headers = merge_headers(edits)
    if not any(is_secret_header(name) and value for name, value in headers):
        raise MissingAPIKeyError(
            "No API key: give the client an api_key (Client.from_env() reads OPENAI_API_KEY), "
            "or supply an Authorization header"
        )
    return headers


def _check_transport(
    url: str, headers: Iterable[tuple[str, HeaderValue]], allow_insecure: bool
) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https" or allow_insecure or is_loopback_host(parts.hostname or ""):
        return
    names = ", ".join(name for name, _ in headers if is_secret_header(name))
    raise InsecureTransportError(
        f"Refusing to send a credential ({names} header) over plaintext http:// to "
        f"{parts.hostname!r}, which is not a loopback address: anyone on the network path "
        "could read it. Use an https:// base_url; or, for a trusted network such as a test "
        "server, pass RestOptions(allow_insecure_transport=True)."
    )


def _extra_edits(raw: Mapping[str, str] | None) -> list[HeaderEdit] | ConfigurationError:
    """The caller's extra headers, credentials guarded; or the error, returned, not raised
    (a frame raising it would keep ``raw`` in its traceback)."""
    if raw is None:
        return []
    if isinstance(raw, Mapping):  # pyright: ignore[reportUnnecessaryIsInstance]
        mapping = cast("Mapping[object, object]", raw)
        if all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
            return [(name, guard_header(name, value)) for name, value in raw.items()]
    return ConfigurationError("extra_headers must be a mapping of strings to strings")


def _str_map(raw: Mapping[str, str] | None, what: str) -> Mapping[str, str]:
    if raw is None:
        return {}
    if isinstance(raw, Mapping):  # pyright: ignore[reportUnnecessaryIsInstance]
        mapping = cast("Mapping[object, object]", raw)
        if all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
            return raw
    raise ConfigurationError(f"{what} must be a mapping of strings to strings")


def _encode(body: object) -> bytes:
    try:
        return _encoder.encode(body)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ConfigurationError(f"the request body cannot be encoded as JSON: {exc}") from None


# -- sending and reading -------------------------------------------------------


async def _send(
    http: httpx.AsyncClient,
    method: str,
    url: str,
    headers: tuple[tuple[str, HeaderValue], ...],
    content: bytes | None,
    multipart: Sequence[MultipartField],
    options: RestOptions,
) -> httpx.Response | _Failure:
    """Send the request and wait for the answer's head: the response, or what went wrong."""
    httpx_module = require_httpx("REST calls")
    files = [(f.name, (None, f.data, f.content_type)) for f in multipart] or None
    try:
        # One expression: the revealed headers exist only as temporaries.
        return await http.send(
            http.build_request(
                method,
                url,
                headers=[
                    (name, value.reveal() if isinstance(value, Secret) else value)
                    for name, value in headers
                ],
                content=content,
                files=files,
                timeout=httpx_module.Timeout(options.timeout, connect=options.connect_timeout),
            ),
            stream=True,
        )
    except httpx_module.ConnectTimeout:
        return _Failure(f"connecting took longer than {options.connect_timeout}s", timeout=True)
    except httpx_module.TimeoutException:
        return _Failure(f"took longer than {options.timeout}s", timeout=True)
    except Exception as exc:
        return _Failure(_describe(exc))
    except BaseException as exc:
        # Cannot be replaced (trio matches a Cancelled to its scope), only trimmed.
        exc.__traceback__ = None
        raise


async def _answer(
    response: httpx.Response,
    method: str,
    url: str,
    deadline: float,
    options: RestOptions,
    limit: float,
) -> RestResponse:
    headers = tuple((k.lower(), v) for k, v in response.headers.items())
    request_id = response.headers.get("x-request-id")
    status = response.status_code
    body = bytearray()
    if status >= 400:
        # The status is the news; the body, however it ends, is detail.
        body_deadline = min(deadline, trio.current_time() + options.error_body_timeout)
        with trio.move_on_at(body_deadline):
            await _read(response, options.max_error_body, body)
        raise _status_error(status, method, url, bytes(body), headers, request_id)
    problem: str | None = "timeout"
    with trio.move_on_at(deadline):
        problem = await _read(response, options.max_response_body + 1, body)
    if problem == "timeout":
        raise RestTimeout(f"{method} {url}: reading the answer took longer than {limit}s")
    if problem is not None:
        raise RestConnectError(f"{method} {url}: reading the answer failed: {problem}")
    if len(body) > options.max_response_body:
        raise RestResponseError(
            f"{method} {url} answered with more than {options.max_response_body} bytes "
            "(RestOptions.max_response_body)"
        )
    return RestResponse(
        status=status,
        headers=headers,
        body=bytes(body),
        request_id=request_id,
        method=method,
        url=url,
    )


async def _read(response: httpx.Response, limit: int, body: bytearray) -> str | None:
    """Append the body to ``body`` (the caller's, so it survives a cancel) up to ``limit``.

    Returns None when the body ended or reached ``limit``, else what broke.
    """
    try:
        # At the limit we cancel our own scope rather than leave the loop: the
        # Cancelled raised at httpx's next read unwinds its nested generators,
        # which an early exit would leave suspended for the garbage collector.
        with trio.CancelScope() as enough:
            async for chunk in response.aiter_bytes():
                body += chunk[: limit - len(body)]
                if len(body) >= limit:
                    enough.cancel()
    except Exception as exc:
        return _describe(exc)
    except BaseException as exc:
        exc.__traceback__ = None
        raise
    return None


def _describe(exc: BaseException) -> str:
    # httpx's messages name the host or the socket error, never a header.
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _status_error(
    status: int,
    method: str,
    url: str,
    body: bytes,
    headers: tuple[tuple[str, str], ...],
    request_id: str | None,
) -> RestStatusError:
    error: dict[str, Any] | None = None
    try:
        parsed: object = msgspec.json.decode(body) if body else None
    except msgspec.DecodeError:
        parsed = None
    if isinstance(parsed, dict):
        error = cast(dict[str, Any], parsed)
    cls = rest_error_for_status(status)
    return cls(
        status,
        method=method,
        url=url,
        body=body,
        headers=headers,
        error=error,
        request_id=request_id,
    )
