"""The HTTP upgrade request of a Realtime session: URL, request target and headers.

Pure functions over strings: no sockets, no trio. `trio_realtime._client` resolves
credentials and calls `build_handshake`; `trio_realtime._upgrade` sends the result.

Credential header values travel as `Secret` (see `trio_realtime._secret` for
why); checks on them decide in a frame that returns and raise only afterwards,
so no frame left in a traceback holds the plain value.
"""

from __future__ import annotations

import ipaddress
import platform
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import metadata
from typing import TypeAlias
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from ._errors import ConfigurationError, InsecureTransportError, InvalidHeaderError
from ._secret import Secret

__all__ = [
    "DEFAULT_BASE_URL",
    "USER_AGENT",
    "Handshake",
    "HeaderEdit",
    "HeaderValue",
    "build_handshake",
    "check_base_url",
    "check_header",
    "guard_header",
    "header_problem",
    "is_loopback_host",
    "is_secret_header",
    "merge_headers",
    "redact_headers",
]

DEFAULT_BASE_URL = "https://api.openai.com/v1"

HeaderValue: TypeAlias = str | Secret
"""A header value: a credential header's is a `Secret`, any other a plain string."""

HeaderEdit: TypeAlias = tuple[str, HeaderValue | None]
"""A header to set, or with value ``None`` to remove (any case of the name)."""

_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "api-key", "x-api-key", "cookie"}
)
_REDACTED = "<redacted>"

_WS_SCHEMES = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}
_DEFAULT_PORTS = {"ws": 80, "wss": 443}

# RFC 9110 token characters for header names.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# Controls other than HTAB, DEL, and anything beyond ASCII: CR, LF and NUL split
# or truncate the request, other controls are refused by the HTTP layer, and
# non-ASCII has no agreed encoding (RFC 9110 calls it opaque obs-text).
_BAD_VALUE_CHAR = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\U0010ffff]")
# Characters left as they are when quoting the path: RFC 3986 pchar and "/" and
# "%" so a path the caller already percent-encoded is not encoded twice.
_PATH_SAFE = "/%:@!$&'()*+,;=-._~"


def _version() -> str:
    try:
        return metadata.version("trio-realtime")
    except metadata.PackageNotFoundError:
        return "unknown"


USER_AGENT = f"trio-realtime/{_version()} Python/{platform.python_version()}"


def is_secret_header(name: str) -> bool:
    """Whether a header carries a credential (its value is never shown)."""
    return name.lower() in _SECRET_HEADERS


def redact_headers(headers: Iterable[tuple[str, HeaderValue]]) -> list[tuple[str, str]]:
    """The headers with every credential value replaced by ``<redacted>``."""
    return [
        (name, _REDACTED if is_secret_header(name) or isinstance(value, Secret) else value)
        for name, value in headers
    ]


def guard_header(name: str, value: HeaderValue | None) -> HeaderValue | None:
    """``value``, wrapped in a `Secret` when ``name`` is a credential header."""
    if isinstance(value, str) and is_secret_header(name):
        return Secret(value)
    return value


def is_loopback_host(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 or ::1: traffic that never leaves the machine."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, slots=True, repr=False)
class Handshake:
    """Everything needed to open one Realtime WebSocket.

    ``url`` is the full ``ws://`` or ``wss://`` URL, query percent-encoded; it
    never holds a credential (those travel in headers). ``resource`` is the
    request target (path and query) for the HTTP request line. ``headers`` are
    the extra request headers in order; a credential header's value is a
    `Secret` (``value.reveal()`` gives the string), every other value a plain
    string. The repr redacts credentials. Every header name and value is ASCII.
    """

    url: str
    host: str
    port: int
    resource: str
    use_tls: bool
    headers: tuple[tuple[str, HeaderValue], ...]

    def __repr__(self) -> str:
        return (
            f"Handshake(url={self.url!r}, host={self.host!r}, port={self.port}, "
            f"resource={self.resource!r}, use_tls={self.use_tls}, "
            f"headers={tuple(redact_headers(self.headers))!r})"
        )

    __str__ = __repr__


def build_handshake(
    *,
    base_url: str,
    websocket_base_url: str | None,
    path: str,
    query: dict[str, str],
    header_edits: Iterable[HeaderEdit],
    default_query: Iterable[tuple[str, str]] = (),
    force_secure: bool = False,
    allow_insecure_transport: bool = False,
) -> Handshake:
    """Combine a base URL, path, query and headers into a checked `Handshake`.

    The WebSocket base is ``websocket_base_url`` if given, else ``base_url``;
    ``http``/``https`` become ``ws``/``wss`` (``force_secure`` makes the derived
    one ``wss`` whatever the base URL says, as the SDK does for Azure). ``path``
    is appended to the base path. Query order: ``default_query``, the base
    URL's own query, then ``query``; a key in ``query`` replaces earlier ones.
    """
    source = websocket_base_url if websocket_base_url is not None else base_url
    what = "websocket_base_url" if websocket_base_url is not None else "base_url"
    scheme, netloc, host, port, base_path, base_query = check_base_url(source, what)
    if force_secure and websocket_base_url is None:
        scheme = "wss"
        if urlsplit(source).port is None:
            port = _DEFAULT_PORTS["wss"]

    if not path.startswith("/"):
        path = "/" + path
    full_path = quote(base_path.rstrip("/") + path, safe=_PATH_SAFE)

    base_items = parse_qsl(base_query, keep_blank_values=True)
    base_keys = {k for k, _ in base_items}
    items = [(k, v) for k, v in default_query if k not in query and k not in base_keys]
    items += [(k, v) for k, v in base_items if k not in query]
    items += list(query.items())
    query_string = urlencode(items)
    resource = full_path + ("?" + query_string if query_string else "")
    url = urlunsplit((scheme, netloc, full_path, query_string, ""))

    headers = merge_headers(header_edits)
    if (
        scheme == "ws"
        and not allow_insecure_transport
        and not is_loopback_host(host)
        and any(is_secret_header(name) and value for name, value in headers)
    ):
        secret_names = ", ".join(name for name, _ in headers if is_secret_header(name))
        raise InsecureTransportError(
            f"Refusing to send a credential ({secret_names} header) over plaintext "
            f"ws:// to {host!r}, which is not a loopback address: anyone on the "
            "network path could read it. Use an https:// or wss:// URL; or, for a "
            "trusted network such as a test server, pass allow_insecure_transport=True."
        )
    return Handshake(
        url=url,
        host=host,
        port=port,
        resource=resource,
        use_tls=scheme == "wss",
        headers=headers,
    )


def check_base_url(source: str, what: str) -> tuple[str, str, str, int, str, str]:
    """Split a base URL into WebSocket scheme, netloc, host, port, path and query.

    Raises `ConfigurationError` (naming ``what``) for a URL that cannot be used.
    """
    if not isinstance(source, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ConfigurationError(f"{what} must be a string")
    try:
        parts = urlsplit(source.strip())
        explicit_port = parts.port
    except ValueError as exc:
        raise ConfigurationError(f"{what} is not a valid URL: {exc}") from None
    scheme = _WS_SCHEMES.get(parts.scheme.lower())
    if scheme is None:
        raise ConfigurationError(
            f"{what} must start with https://, http://, wss:// or ws://, not {parts.scheme!r}"
        )
    # Credentials belong in headers; a URL is logged and shown in errors. The
    # URL itself is not echoed here because it holds that credential.
    if "@" in parts.netloc:
        raise ConfigurationError(
            f"{what} must not contain user:password@ credentials; use api_key or headers"
        )
    host = parts.hostname
    if not host:
        raise ConfigurationError(f"{what} has no host: {source!r}")
    port = explicit_port if explicit_port is not None else _DEFAULT_PORTS[scheme]
    return scheme, parts.netloc, host, port, parts.path, parts.query


def merge_headers(edits: Iterable[HeaderEdit]) -> tuple[tuple[str, HeaderValue], ...]:
    """``User-Agent`` then ``edits`` applied in order, each checked, credentials as `Secret`."""
    # Same rule as the openai SDK: a later header replaces an earlier one whose
    # name matches case-insensitively; the later spelling of the name is kept.
    merged: dict[str, tuple[str, HeaderValue | None]] = {"user-agent": ("User-Agent", USER_AGENT)}
    # Callers pass credentials as `Secret` already; plain ones are wrapped here
    # so that every `Handshake` holds its credentials the same way.
    for name, value in edits:
        check_header(name, value)
        kept = None if value is None else guard_header(name, value.strip(" \t"))
        merged[name.lower()] = (name, kept)
    return tuple((name, value) for name, value in merged.values() if value is not None)


def check_header(name: object, value: object) -> None:
    """Raise `InvalidHeaderError` for a name or value that would corrupt the request.

    Pass a credential as a `Secret`: this frame then never holds it in plain.
    """
    problem = header_problem(name, value)
    if problem is not None:
        raise problem


def header_problem(name: object, value: object) -> InvalidHeaderError | None:
    """The error for a name or value that would corrupt the request, not raised.

    Returned rather than raised so that a caller holding a plain credential can
    drop its frame before anything raises. The message names the header and
    describes the bad character, never the value, which may be a credential.
    """
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        shown = repr(name)[:60] if isinstance(name, str) else type(name).__name__
        return InvalidHeaderError(
            f"Invalid header name {shown}: names are ASCII letters, digits and "
            "!#$%&'*+-.^_`|~ only (no spaces, colons, CR, LF or NUL)"
        )
    if value is None:
        return None
    if isinstance(value, Secret):
        label = _bad_char(value.reveal())
    elif isinstance(value, str):
        label = _bad_char(value)
    else:
        return InvalidHeaderError(f"Header {name!r} must have a string value")
    if label is None:
        return None
    hint = (
        " (a key read from a file often ends with a newline: strip it)"
        if is_secret_header(name)
        else ""
    )
    return InvalidHeaderError(
        f"Header {name!r} has a value containing {label}, which is not allowed in an "
        f"HTTP header (CR, LF, NUL and other control characters would corrupt the "
        f"request){hint}"
    )


def _bad_char(text: str) -> str | None:
    """A name for the first character not allowed in a header value, if any."""
    # The match object would hold the whole value: keep it to this frame.
    bad = _BAD_VALUE_CHAR.search(text)
    if bad is None:
        return None
    char = bad.group()
    return {"\r": "CR", "\n": "LF", "\x00": "NUL"}.get(char, f"U+{ord(char):04X}")
