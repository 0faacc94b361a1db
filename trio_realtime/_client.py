"""Credentials and endpoint: the `Client` value object and the handshake it turns into.

`Client` says *where* and *as whom* to connect; `prepare_handshake` turns it (or
an ``openai`` SDK client, duck-typed) into a `Handshake`: the WebSocket URL, the
host, port and request target, and the HTTP headers of the upgrade request.
Nothing here does network I/O, so every rule about URLs, headers and secrets is
tested without a socket. `prepare_handshake` is async only because a key or
token may come from a provider callable that is itself async.

From the moment a credential is read (a string, a provider's result, a
credential header) it is a `Secret`; see `trio_realtime._secret` for why.
Checks that may raise decide in a helper frame that returns, so the frame
that raises holds no plain credential.
"""

from __future__ import annotations

import inspect
import logging
import os
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Literal, TypeAlias, cast
from urllib.parse import urlsplit, urlunsplit

from ._errors import ConfigurationError, InvalidHeaderError, MissingAPIKeyError
from ._handshake import (
    DEFAULT_BASE_URL,
    Handshake,
    HeaderEdit,
    build_handshake,
    check_base_url,
    guard_header,
    header_problem,
    is_secret_header,
    redact_headers,
)
from ._secret import Secret

__all__ = [
    "DEFAULT_BASE_URL",
    "AzureOptions",
    "Client",
    "ClientSettings",
    "Handshake",
    "KeyProvider",
    "live_settings",
    "prepare_handshake",
    "resolve_client",
]

log = logging.getLogger("trio_realtime")

KeyProvider: TypeAlias = Callable[[], str | Awaitable[str]]
"""A zero-argument callable returning a key or token, or an awaitable of one.

Called once per handshake, so short-lived credentials (Entra ID tokens,
ephemeral client secrets) are fresh for every connection."""

# The openai SDK stores this placeholder as the api key of an Azure client that
# authenticates with an Entra ID token instead.
_SDK_AZURE_KEY_PLACEHOLDER = "<missing API key>"


#: One shared empty mapping: clients without extra headers or query cost no
#: objects of their own (servers hold hundreds of connections).
_EMPTY: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class AzureOptions:
    """What makes a `Client` an Azure OpenAI client.

    ``api_version`` and ``deployment`` go into the query string (``api-version``,
    ``deployment``; without a deployment the model name is used, as the openai SDK
    does). ``auth`` says how the credential travels: ``"api-key"`` as an
    ``api-key`` header, ``"bearer"`` (an Entra ID token) as
    ``Authorization: Bearer``.
    """

    api_version: str
    deployment: str | None = None
    auth: Literal["api-key", "bearer"] = "api-key"


@dataclass(frozen=True, slots=True, repr=False)
class Client:
    """Where to connect and with which credentials; immutable and safe to share.

    ``api_key`` is a key, an ephemeral client secret (``ek_...``; a minted
    `trio_realtime.rest.ClientSecret`'s ``value`` is a `Secret` and goes here as
    it is), or a `KeyProvider` called for each connection. With ``api_key=None`` the
    credential must come from an ``Authorization`` (or ``api-key``) entry in
    ``default_headers`` or in the connection's extra headers.

    ``base_url`` is the REST base URL; the WebSocket URL is derived from it
    (``https`` -> ``wss``, ``http`` -> ``ws``, ``/realtime`` appended, its query
    kept). ``websocket_base_url`` replaces it for the WebSocket only, as in the
    openai SDK. ``default_headers`` and ``default_query`` go on every handshake.
    ``organization`` and ``project`` (``OPENAI_ORG_ID``, ``OPENAI_PROJECT_ID``
    in `from_env`) are sent as the ``OpenAI-Organization`` and
    ``OpenAI-Project`` headers when set. ``azure_options`` holds the Azure
    deployment and API version of a client `Client.azure` built (None for
    OpenAI).

    Build Azure OpenAI clients with `Client.azure`. The repr never shows the key.
    """

    api_key: str | Secret | KeyProvider | None = None
    base_url: str = DEFAULT_BASE_URL
    websocket_base_url: str | None = None
    organization: str | None = None
    project: str | None = None
    default_headers: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    default_query: Mapping[str, str] = field(default_factory=lambda: _EMPTY)
    azure_options: AzureOptions | None = None

    def __post_init__(self) -> None:
        # Copy the mappings so a caller mutating its dict later cannot change a
        # frozen client, and fail on wrong types now rather than at connect time.
        # No local here holds a header value: it may be a credential, and this
        # frame is in the traceback of whatever it raises.
        for what in ("default_headers", "default_query"):
            problem = _str_map_problem(getattr(self, what), what)
            if problem is not None:
                raise problem
            object.__setattr__(self, what, _frozen_str_map(getattr(self, what)))
        check_base_url(self.base_url, "base_url")
        if self.websocket_base_url is not None:
            check_base_url(self.websocket_base_url, "websocket_base_url")
        problem = _first_header_problem(self.default_headers.items())
        if problem is not None:
            raise problem
        if (
            self.api_key is not None
            and not isinstance(self.api_key, str | Secret)
            and not callable(self.api_key)
        ):
            raise ConfigurationError(
                "api_key must be a string, a Secret, a callable returning a string, or None"
            )

    def __repr__(self) -> str:
        parts = [
            f"api_key={_describe_secret(self.api_key)}",
            f"base_url={self.base_url!r}",
        ]
        if self.websocket_base_url is not None:
            parts.append(f"websocket_base_url={self.websocket_base_url!r}")
        if self.organization is not None:
            parts.append(f"organization={self.organization!r}")
        if self.project is not None:
            parts.append(f"project={self.project!r}")
        if self.default_headers:
            parts.append(f"default_headers={dict(redact_headers(self.default_headers.items()))!r}")
        if self.default_query:
            parts.append(f"default_query={dict(self.default_query)!r}")
        if self.azure_options is not None:
            parts.append(f"azure_options={self.azure_options!r}")
        return f"Client({', '.join(parts)})"

    __str__ = __repr__

    def __hash__(self) -> int:
        return hash(
            (
                self.api_key,
                self.base_url,
                self.websocket_base_url,
                self.organization,
                self.project,
                tuple(self.default_headers.items()),
                tuple(self.default_query.items()),
                self.azure_options,
            )
        )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Client:
        """A client configured from environment variables (``os.environ`` by default).

        Reads ``OPENAI_API_KEY`` (required), ``OPENAI_BASE_URL``, ``OPENAI_ORG_ID``
        and ``OPENAI_PROJECT_ID``. Surrounding whitespace is stripped, so a key
        read from a file with a trailing newline still works; empty counts as unset.
        """
        source: Mapping[str, str] = os.environ if env is None else env

        def get(name: str) -> str | None:
            value = source.get(name)
            if value is None:
                return None
            return value.strip() or None

        api_key = get("OPENAI_API_KEY")
        if api_key is None:
            raise MissingAPIKeyError(
                "No API key: set the OPENAI_API_KEY environment variable, "
                "or pass api_key=... to trio_realtime.Client(...)"
            )
        return cls(
            api_key=api_key,
            base_url=get("OPENAI_BASE_URL") or DEFAULT_BASE_URL,
            organization=get("OPENAI_ORG_ID"),
            project=get("OPENAI_PROJECT_ID"),
        )

    @classmethod
    def azure(
        cls,
        *,
        api_version: str,
        endpoint: str | None = None,
        deployment: str | None = None,
        api_key: str | KeyProvider | None = None,
        azure_ad_token: str | None = None,
        azure_ad_token_provider: KeyProvider | None = None,
        base_url: str | None = None,
        websocket_base_url: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, str] | None = None,
    ) -> Client:
        """An Azure OpenAI client, addressed as the openai SDK addresses Azure realtime.

        ``endpoint`` is the resource URL (``https://NAME.openai.azure.com``); the
        WebSocket URL is ``wss://NAME.openai.azure.com/openai/realtime`` with
        ``api-version`` and ``deployment`` in the query (``deployment`` defaults
        to the model passed when connecting). Alternatively pass ``base_url``
        (the URL that ``/realtime`` is appended to) instead of ``endpoint``.

        Pass exactly one credential: ``api_key`` (sent as the ``api-key`` header),
        or an Entra ID ``azure_ad_token`` / ``azure_ad_token_provider`` (sent as
        ``Authorization: Bearer``; a provider is called for every connection and
        may be async).

        One difference from the SDK: an ``http://`` endpoint (a local test
        server) yields ``ws://``; the SDK always uses ``wss://``.
        """
        credentials = [
            c for c in (api_key, azure_ad_token, azure_ad_token_provider) if c is not None
        ]
        if len(credentials) > 1:
            raise ConfigurationError(
                "Pass only one of api_key, azure_ad_token and azure_ad_token_provider"
            )
        if not credentials:
            raise MissingAPIKeyError(
                "No Azure credential: pass api_key=..., azure_ad_token=... "
                "or azure_ad_token_provider=... to Client.azure(...)"
            )
        if (endpoint is None) == (base_url is None):
            raise ConfigurationError(
                "Pass exactly one of endpoint and base_url to Client.azure(...)"
            )
        if not api_version:
            raise ConfigurationError("Client.azure(...) needs an api_version")
        if endpoint is not None:
            base_url = f"{endpoint.rstrip('/')}/openai"
        assert base_url is not None
        return cls(
            api_key=credentials[0],
            base_url=base_url,
            websocket_base_url=websocket_base_url,
            organization=organization,
            project=project,
            default_headers=default_headers or {},
            default_query=default_query or {},
            azure_options=AzureOptions(
                api_version=api_version,
                deployment=deployment,
                auth="api-key" if api_key is not None else "bearer",
            ),
        )


async def prepare_handshake(
    client: object,
    *,
    path: str = "/realtime",
    model: str | None = None,
    call_id: str | None = None,
    intent: str | None = None,
    extra_query: Mapping[str, str] | None = None,
    extra_headers: Mapping[str, str] | None = None,
    allow_insecure_transport: bool = False,
    live: bool = False,
) -> Handshake:
    """The URL and headers for opening a Realtime WebSocket with ``client``.

    ``client`` is a `Client` or an object shaped like an ``openai`` SDK client
    (``OpenAI``, ``AsyncOpenAI``, ``AzureOpenAI``, ``AsyncAzureOpenAI``), read
    through its attributes; ``openai`` is never imported.

    ``path`` is appended to the base URL's path: ``/realtime`` for conversation
    and transcription sessions, ``/realtime/translations`` for translation,
    ``/live/sessions`` (with ``live=True``) for GPT-Live, which on Azure lives
    under ``/openai/v1`` of the resource, without ``api-version``.

    Query: ``model``, then ``extra_query``, then ``call_id`` (join an existing
    SIP or WebRTC call) and ``intent`` (``"transcription"`` for a transcription
    session); the explicit arguments win over a same-named ``extra_query`` key,
    and parameters already in the base URL are kept unless replaced. For Azure
    the model is sent as ``deployment`` (unless the client names one) with
    ``api-version``, as the SDK does, and there a model or deployment is required.

    ``model`` is not required otherwise, deliberately, as in the SDK: joining a
    call or starting a transcription session needs none, and a server that
    wants one answers with an error naming it (a `HandshakeRejected` or an
    ``error`` event), which is more accurate than a local guess.

    Headers, later ones replacing earlier ones with the same name (compared
    case-insensitively): ``User-Agent``, the credential (``Authorization:
    Bearer ...``, or ``api-key`` for Azure keys), ``OpenAI-Organization``,
    ``OpenAI-Project``, the client's default headers, ``extra_headers``.

    Raises `MissingAPIKeyError` when no credential is configured at all,
    `InvalidHeaderError` for a header that would corrupt the request,
    `InsecureTransportError` when a credential would travel over plaintext
    ``ws://`` to a host other than loopback (pass
    ``allow_insecure_transport=True`` to permit it), and `ConfigurationError`
    for an unusable URL or client object.
    """
    settings = await resolve_client(client)
    if live:
        settings = live_settings(settings)
    query: dict[str, str] = {}
    if settings.azure is None and model is not None:
        query["model"] = _require_str(model, "model")
    query.update(_str_items(extra_query, "extra_query"))
    if settings.azure is None and model is not None:
        query["model"] = model
    if call_id is not None:
        query["call_id"] = _require_str(call_id, "call_id")
    if intent is not None:
        query["intent"] = _require_str(intent, "intent")
    if settings.azure is not None:
        deployment = settings.azure.deployment or model
        if not deployment:
            raise ConfigurationError(
                "Azure OpenAI needs a deployment: pass the model (deployment name) "
                "when connecting, or deployment=... to Client.azure(...)"
            )
        query["api-version"] = settings.azure.api_version
        query["deployment"] = deployment

    header_edits: list[HeaderEdit] = list(settings.auth_headers)
    if settings.organization:
        header_edits.append(("OpenAI-Organization", settings.organization))
    if settings.project:
        header_edits.append(("OpenAI-Project", settings.project))
    header_edits.extend(settings.default_headers)
    header_edits.extend(_guarded(_str_items(extra_headers, "extra_headers")))
    # The caller's mapping may hold a plain credential; this frame is in the
    # traceback of whatever `build_handshake` raises.
    extra_headers = None

    handshake = build_handshake(
        base_url=settings.base_url,
        websocket_base_url=settings.websocket_base_url,
        force_secure=settings.force_secure,
        path=path,
        default_query=settings.default_query,
        query=query,
        header_edits=header_edits,
        allow_insecure_transport=allow_insecure_transport,
    )
    if not any(is_secret_header(name) and value for name, value in handshake.headers):
        raise MissingAPIKeyError(
            "No API key: give the client an api_key (Client.from_env() reads OPENAI_API_KEY), "
            "or supply an Authorization header"
        )
    log.debug(
        "realtime handshake prepared: %s (headers: %s)",
        handshake.url,
        ", ".join(name for name, _ in handshake.headers),
    )
    return handshake


def live_settings(settings: ClientSettings) -> ClientSettings:
    """``settings`` as GPT-Live addresses them, for the WebSocket and REST alike.

    On Azure, Live is the versionless v1 API: ``.../openai/v1/live/...`` with no
    ``api-version`` or ``deployment`` (the model is in the session's
    configuration); the credential stays as it was (``api-key`` or Entra).
    """
    if settings.azure is None:
        return settings
    return replace(settings, base_url=_azure_v1_base(settings.base_url), azure=None)


def _azure_v1_base(base_url: str) -> str:
    """An Azure base URL (``.../openai`` or ``.../openai/deployments/NAME``) as
    the v1 API's (``.../openai/v1``)."""
    scheme, netloc, path, query, fragment = urlsplit(base_url)
    path = re.sub(r"/deployments/[^/]+$", "", path.rstrip("/"))
    if not path.endswith("/v1"):
        path += "/v1"
    return urlunsplit((scheme, netloc, path, query, fragment))


@dataclass(frozen=True, slots=True)
class ClientSettings:
    """A client's settings with every credential resolved to a `Secret`.

    Credential headers in ``auth_headers`` and ``default_headers`` hold `Secret`
    values, so the dataclass repr shows them as ``<redacted>``.
    """

    base_url: str
    websocket_base_url: str | None
    organization: str | None
    project: str | None
    auth_headers: tuple[HeaderEdit, ...]
    default_headers: tuple[HeaderEdit, ...]
    default_query: tuple[tuple[str, str], ...]
    azure: AzureOptions | None
    # The SDK always uses wss:// for Azure unless a websocket_base_url is set.
    force_secure: bool = False


async def resolve_client(client: object) -> ClientSettings:
    """A `Client` or an openai SDK client as `ClientSettings`, providers called.

    Shared by the handshake and the REST calls, so both address and
    authenticate the same way.
    """
    if isinstance(client, Client):
        return await _resolve_own(client)
    if hasattr(client, "api_key") and hasattr(client, "base_url"):
        return await _resolve_sdk(client)
    raise ConfigurationError(
        f"Expected a trio_realtime.Client or an openai client, got {type(client).__name__}"
    )


async def _resolve_own(client: Client) -> ClientSettings:
    secret = await _call_provider(client.api_key, "api_key")
    auth: tuple[HeaderEdit, ...] = ()
    if secret is not None:
        if client.azure_options is not None and client.azure_options.auth == "api-key":
            auth = (("api-key", secret),)
        else:
            auth = (("Authorization", secret.prefixed("Bearer ")),)
    return ClientSettings(
        base_url=client.base_url,
        websocket_base_url=client.websocket_base_url,
        organization=client.organization,
        project=client.project,
        auth_headers=auth,
        default_headers=tuple(_guarded(client.default_headers.items())),
        default_query=tuple(client.default_query.items()),
        azure=client.azure_options,
    )


async def _resolve_sdk(client: object) -> ClientSettings:
    # What the openai SDK keeps where (checked against openai 3.51): `api_key` is
    # a str ("" when a callable provider is set, which lives in
    # `_api_key_provider`); `base_url` is an httpx URL; Azure clients add
    # `_api_version`, `_azure_endpoint`, `_azure_deployment`, `_azure_ad_token`
    # and `_azure_ad_token_provider`.
    #
    # The SDK refuses WebSockets for workload identity and provider (Bedrock and
    # similar) authentication, whose placeholder key is no key; so do we.
    if (
        getattr(client, "workload_identity", None) is not None
        or getattr(client, "_provider_runtime", None) is not None
    ):
        raise ConfigurationError(
            "This openai client authenticates with workload identity or a cloud provider, "
            "which Realtime WebSocket connections do not support; use an API key"
        )
    # The key source goes straight into `_call_provider` (no local here holds a
    # plain key), which wraps a string before anything can raise.
    key = await _call_provider(_sdk_key_source(client), "api_key")
    if key == Secret(_SDK_AZURE_KEY_PLACEHOLDER):
        key = None
    default_headers = _sdk_header_edits(_sdk_raw_headers(client))
    default_query = tuple(
        (k, v)
        for k, v in _mapping_items(getattr(client, "default_query", None))
        if isinstance(v, str)
    )

    base_url = str(getattr(client, "base_url"))  # noqa: B009 (duck-typed attribute)
    websocket_base_url = _optional_str(getattr(client, "websocket_base_url", None))
    organization = _optional_str(getattr(client, "organization", None))
    project = _optional_str(getattr(client, "project", None))

    api_version = getattr(client, "_api_version", None)
    if not isinstance(api_version, str):
        auth = () if key is None else (("Authorization", key.prefixed("Bearer ")),)
        return ClientSettings(
            base_url=base_url,
            websocket_base_url=websocket_base_url,
            organization=organization,
            project=project,
            auth_headers=auth,
            default_headers=default_headers,
            default_query=default_query,
            azure=None,
        )

    # Azure: the SDK prefers an api key, then a static Entra token, then a token
    # provider; it sends no model parameter, only `deployment`.
    deployment = _optional_str(getattr(client, "_azure_deployment", None))
    endpoint = getattr(client, "_azure_endpoint", None)
    if deployment and endpoint is not None:
        base_url = f"{str(endpoint).rstrip('/')}/openai"
    auth_style: Literal["api-key", "bearer"] = "api-key"
    auth: tuple[HeaderEdit, ...] = ()
    if key is not None:
        auth = (("api-key", key),)
    else:
        token = _optional_secret(getattr(client, "_azure_ad_token", None))
        if token is None:
            token = await _call_provider(
                getattr(client, "_azure_ad_token_provider", None), "azure_ad_token_provider"
            )
        if token:
            auth_style = "bearer"
            auth = (("Authorization", token.prefixed("Bearer ")),)
    return ClientSettings(
        base_url=base_url,
        websocket_base_url=websocket_base_url,
        organization=organization,
        project=project,
        auth_headers=auth,
        default_headers=default_headers,
        # The SDK keeps `api-version` in its default query too; ours comes last.
        default_query=tuple((k, v) for k, v in default_query if k != "api-version"),
        azure=AzureOptions(api_version=api_version, deployment=deployment, auth=auth_style),
        force_secure=True,
    )


def _sdk_key_source(client: object) -> object:
    provider: object = getattr(client, "_api_key_provider", None)
    return provider if callable(provider) else getattr(client, "api_key", None)


def _sdk_raw_headers(client: object) -> object:
    # The SDK's `default_headers` property adds headers that describe its own
    # HTTP stack (User-Agent "AsyncOpenAI/Python", Content-Type, X-Stainless-*),
    # wrong for this client; the caller's own ones are in `_custom_headers`.
    raw: object = getattr(client, "_custom_headers", None)
    if isinstance(raw, Mapping):
        return cast(object, raw)
    return getattr(client, "default_headers", None)


async def _call_provider(source: object, what: str) -> Secret | None:
    """A credential from a string or a (sync or async) provider callable."""
    if source is None or isinstance(source, str):
        return Secret(str.__str__(source)) if source else None
    if isinstance(source, Secret):
        return source or None
    if not callable(source):
        raise ConfigurationError(f"{what} must be a string or a callable returning one")
    provided = await _provided(source)
    if isinstance(provided, str):
        # Name the type only: the value may be a credential in the wrong shape.
        raise ConfigurationError(
            f"The {what} provider must return a non-empty string, got {provided}"
        )
    return provided


async def _provided(provider: Callable[[], object]) -> Secret | str:
    """The provider's credential as a `Secret`, or the name of the wrong type it gave.

    Returns instead of raising so that its frame, whose ``result`` may be a
    credential in the wrong shape, is gone before the error is raised.
    """
    result: object = provider()
    if inspect.isawaitable(result):
        result = await result
    if isinstance(result, str) and result:
        return Secret(str.__str__(result))
    return type(result).__name__


def _optional_secret(value: object) -> Secret | None:
    text = _optional_str(value)
    return None if text is None else Secret(text)


def _guarded(items: Iterable[tuple[str, str | None]]) -> list[HeaderEdit]:
    """Header edits with every credential value wrapped in a `Secret`."""
    return [(name, guard_header(name, value)) for name, value in items]


def _first_header_problem(items: Iterable[tuple[str, str]]) -> InvalidHeaderError | None:
    for name, value in items:
        problem = header_problem(name, value)
        if problem is not None:
            return problem
    return None


def _sdk_header_edits(raw: object) -> tuple[HeaderEdit, ...]:
    # In the SDK a non-string value (its `Omit` marker) removes a header.
    return tuple(
        _guarded(
            (name, value if isinstance(value, str) else None) for name, value in _mapping_items(raw)
        )
    )


def _mapping_items(raw: object) -> Iterable[tuple[str, object]]:
    if not isinstance(raw, Mapping):
        return ()
    items: list[tuple[str, object]] = []
    mapping = cast("Mapping[object, object]", raw)
    for name, value in mapping.items():
        if isinstance(name, str):
            items.append((name, value))
    return items


def _str_map_problem(raw: object, what: str) -> ConfigurationError | None:
    """The error for anything but a mapping of strings to strings, not raised."""
    if isinstance(raw, Mapping):
        mapping = cast("Mapping[object, object]", raw)
        if all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
            return None
    return ConfigurationError(f"{what} must be a mapping of strings to strings")


def _frozen_str_map(raw: object) -> Mapping[str, str]:
    """A read-only copy of a mapping `_str_map_problem` accepted."""
    result = dict(cast("Mapping[str, str]", raw))
    return MappingProxyType(result) if result else _EMPTY


def _str_items(raw: Mapping[str, str] | None, what: str) -> list[tuple[str, str]]:
    if raw is None:
        return []
    problem = _str_map_problem(raw, what)
    if problem is not None:
        raise problem
    return list(raw.items())


def _require_str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise ConfigurationError(f"{what} must be a string, got {type(value).__name__}")
    return value


def _optional_str(value: object) -> str | None:
    if value is None:
        return None
    # httpx URL objects and similar become their string form.
    text = value if isinstance(value, str) else str(value)
    return text or None


def _describe_secret(value: object) -> str:
    if value is None:
        return "None"
    if isinstance(value, str | Secret):
        return "'<redacted>'"
    return "<provider>"
