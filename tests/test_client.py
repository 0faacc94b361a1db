"""`Client` and `prepare_handshake`: URLs, headers, credentials, Azure, duck-typed SDK
clients and secret hygiene. Pure: no sockets (the connection tests check the same
headers as a real server sees them).

The ``openai`` SDK serves as the oracle for SDK-shaped clients: its own realtime
``connect()`` runs with the WebSocket ``connect`` function replaced by one that
records the URL and headers it was given, so the comparison is against what the
SDK would really send.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import re
import types
from collections.abc import Awaitable, Callable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import trio

from trio_realtime._client import AzureOptions, Client, Handshake, prepare_handshake
from trio_realtime._errors import (
    ConfigurationError,
    InsecureTransportError,
    InvalidHeaderError,
    MissingAPIKeyError,
    RealtimeError,
)
from trio_realtime._handshake import is_secret_header
from trio_realtime._secret import Secret

SECRET = "sk-proj-SECRET0123456789abcdef"
EPHEMERAL = "ek_68af296e8e408191a1120ab6383263c2"

_ENV_VARS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "OPENAI_ORG_ID",
    "OPENAI_PROJECT_ID",
    "OPENAI_WEBHOOK_SECRET",
    "OPENAI_ADMIN_KEY",
    "OPENAI_API_VERSION",
    "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_AD_TOKEN",
    "AZURE_OPENAI_ENDPOINT",
)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # The SDK and from_env() read these; a developer's shell must not leak in.
    for name in _ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def prep(client: object, **kwargs: Any) -> Handshake:
    """Run `prepare_handshake` in a fresh trio run (the tests here are sync)."""
    return trio.run(functools.partial(prepare_handshake, client, **kwargs))


def headers_of(handshake: Handshake) -> dict[str, str]:
    """Headers keyed by lower-case name, credentials revealed (asserting there are
    no duplicates, and that every credential header holds a `Secret`)."""
    lowered = [name.lower() for name, _ in handshake.headers]
    assert len(lowered) == len(set(lowered)), handshake.headers
    plain: dict[str, str] = {}
    for name, value in handshake.headers:
        assert isinstance(value, Secret) == is_secret_header(name), name
        plain[name.lower()] = value.reveal() if isinstance(value, Secret) else value
    return plain


def revealed(handshake: Handshake) -> list[tuple[str, str]]:
    """The headers as a server receives them: credentials in plain."""
    return [
        (name, value.reveal() if isinstance(value, Secret) else value)
        for name, value in handshake.headers
    ]


# --------------------------------------------------------------------------- URL


def test_default_endpoint() -> None:
    hs = prep(Client(api_key=SECRET), model="gpt-realtime")
    assert hs.url == "wss://api.openai.com/v1/realtime?model=gpt-realtime"
    assert (hs.host, hs.port, hs.use_tls) == ("api.openai.com", 443, True)
    assert hs.resource == "/v1/realtime?model=gpt-realtime"


@pytest.mark.parametrize(
    ("base_url", "url", "port", "tls"),
    [
        ("https://example.com/v1", "wss://example.com/v1/realtime?model=m", 443, True),
        ("https://example.com/v1/", "wss://example.com/v1/realtime?model=m", 443, True),
        ("http://localhost/v1", "ws://localhost/v1/realtime?model=m", 80, False),
        ("http://127.0.0.1:8123/v1", "ws://127.0.0.1:8123/v1/realtime?model=m", 8123, False),
        ("https://example.com:8443", "wss://example.com:8443/realtime?model=m", 8443, True),
        ("http://[::1]:9000/", "ws://[::1]:9000/realtime?model=m", 9000, False),
        ("HTTPS://Example.COM/v1", "wss://Example.COM/v1/realtime?model=m", 443, True),
    ],
)
def test_scheme_and_port_follow_base_url(base_url: str, url: str, port: int, tls: bool) -> None:
    hs = prep(Client(api_key=SECRET, base_url=base_url), model="m")
    assert (hs.url, hs.port, hs.use_tls) == (url, port, tls)
    assert hs.resource == url[url.index("/", len("wss://")) :]
    assert "[" not in hs.host  # a bare address, ready for a socket call


def test_websocket_base_url_overrides_base_url() -> None:
    client = Client(
        api_key=SECRET,
        base_url="https://rest.example.com/v1",
        websocket_base_url="wss://ws.example.com/proxy/",
    )
    hs = prep(client, model="m")
    assert hs.url == "wss://ws.example.com/proxy/realtime?model=m"
    assert hs.host == "ws.example.com"
    # http(s) in the override still maps to ws(s), as in the SDK.
    hs = prep(dataclasses.replace(client, websocket_base_url="http://127.0.0.1:1/x"), model="m")
    assert hs.url == "ws://127.0.0.1:1/x/realtime?model=m"


def test_base_url_query_is_kept_and_replaced_keys_move_last() -> None:
    client = Client(api_key=SECRET, base_url="https://example.com/v1?tenant=a%20b&model=old&flag=")
    hs = prep(client, model="new")
    assert hs.resource == "/v1/realtime?tenant=a+b&flag=&model=new"


def test_query_is_percent_encoded() -> None:
    hs = prep(
        Client(api_key=SECRET),
        model="gpt realtime/ü&x=1#frag",
        extra_query={"k:@ y": "v;,$?"},
    )
    query = urlsplit(hs.url).query
    assert query == ("model=gpt+realtime%2F%C3%BC%26x%3D1%23frag&k%3A%40+y=v%3B%2C%24%3F")
    assert parse_qsl(query) == [("model", "gpt realtime/ü&x=1#frag"), ("k:@ y", "v;,$?")]
    assert hs.resource.endswith(query)
    assert " " not in hs.resource


def test_path_with_spaces_is_encoded_once() -> None:
    hs = prep(Client(api_key=SECRET, base_url="https://example.com/my api/%7Euser"), model="m")
    assert hs.resource == "/my%20api/%7Euser/realtime?model=m"


def test_call_id_joins_a_call_without_model() -> None:
    hs = prep(Client(api_key=SECRET), call_id="rtc_u1_9c6574da8b8a41a18da9308f4ad974ce")
    assert hs.resource == "/v1/realtime?call_id=rtc_u1_9c6574da8b8a41a18da9308f4ad974ce"


def test_intent_transcription() -> None:
    hs = prep(Client(api_key=SECRET), intent="transcription")
    assert hs.resource == "/v1/realtime?intent=transcription"


def test_model_is_optional() -> None:
    # Documented choice: the server, not the client, says a model is missing.
    hs = prep(Client(api_key=SECRET))
    assert hs.resource == "/v1/realtime"


def test_query_order_and_explicit_arguments_win() -> None:
    hs = prep(
        Client(api_key=SECRET, default_query={"d": "1", "model": "dq"}),
        model="m",
        call_id="c",
        intent="transcription",
        extra_query={"call_id": "ignored", "model": "ignored", "intent": "ignored", "x": "y"},
    )
    assert parse_qsl(urlsplit(hs.url).query) == [
        ("d", "1"),
        ("model", "m"),
        ("call_id", "c"),
        ("intent", "transcription"),
        ("x", "y"),
    ]


def test_translation_path() -> None:
    hs = prep(Client(api_key=SECRET), path="/realtime/translations", model="gpt-realtime-translate")
    assert hs.resource == "/v1/realtime/translations?model=gpt-realtime-translate"


@pytest.mark.parametrize(
    "base_url",
    ["ftp://example.com", "example.com/v1", "https://", "https://example.com:99999/", ""],
)
def test_unusable_base_url(base_url: str) -> None:
    # Caught when the Client is built, and again for duck-typed clients.
    with pytest.raises(ConfigurationError, match="base_url"):
        Client(api_key=SECRET, base_url=base_url)
    with pytest.raises(ConfigurationError, match="websocket_base_url"):
        Client(api_key=SECRET, websocket_base_url=base_url)
    fake = types.SimpleNamespace(api_key=SECRET, base_url=base_url)
    with pytest.raises(ConfigurationError, match="base_url"):
        prep(fake, model="m")


def test_credentials_in_url_are_refused_without_echoing_them() -> None:
    with pytest.raises(ConfigurationError) as info:
        Client(api_key=SECRET, base_url="https://user:hunter2@example.com/v1")
    assert "hunter2" not in str(info.value)
    assert "user:password@" in str(info.value)


def test_bad_argument_types() -> None:
    with pytest.raises(ConfigurationError, match="model"):
        prep(Client(api_key=SECRET), model=42)
    with pytest.raises(ConfigurationError, match="extra_query"):
        prep(Client(api_key=SECRET), extra_query={"a": 1})
    with pytest.raises(ConfigurationError, match="openai client"):
        prep(object())
    with pytest.raises(ConfigurationError, match="default_headers"):
        Client(api_key=SECRET, default_headers={"a": 1})  # type: ignore[dict-item]
    with pytest.raises(ConfigurationError, match="api_key"):
        Client(api_key=123)  # type: ignore[arg-type]


# ------------------------------------------------------------------------ headers


def test_headers_for_a_plain_client() -> None:
    hs = prep(Client(api_key=SECRET), model="m")
    assert [name for name, _ in hs.headers] == ["User-Agent", "Authorization"]
    headers = headers_of(hs)
    assert headers["authorization"] == f"Bearer {SECRET}"
    assert headers["user-agent"].startswith("trio-realtime/")


def test_organization_project_default_and_extra_headers() -> None:
    client = Client(
        api_key=SECRET,
        organization="org-1",
        project="proj_1",
        default_headers={"X-Team": "voice", "x-override": "default"},
    )
    hs = prep(client, model="m", extra_headers={"X-Override": "extra", "X-Call": "1"})
    assert hs.headers[1:] == (
        ("Authorization", Secret(f"Bearer {SECRET}")),
        ("OpenAI-Organization", "org-1"),
        ("OpenAI-Project", "proj_1"),
        ("X-Team", "voice"),
        # A later header replaces an earlier one, names compared case-insensitively.
        ("X-Override", "extra"),
        ("X-Call", "1"),
    )


def test_caller_headers_can_replace_user_agent_and_authorization() -> None:
    client = Client(api_key=SECRET, default_headers={"user-agent": "my-agent/1"})
    hs = prep(client, model="m", extra_headers={"authorization": "Bearer other"})
    headers = headers_of(hs)
    assert headers["user-agent"] == "my-agent/1"
    assert headers["authorization"] == "Bearer other"


def test_ephemeral_client_secret_is_a_bearer_key() -> None:
    hs = prep(Client(api_key=EPHEMERAL), model="gpt-realtime")
    assert headers_of(hs)["authorization"] == f"Bearer {EPHEMERAL}"


def test_credential_from_headers_only() -> None:
    client = Client(default_headers={"Authorization": f"Bearer {SECRET}"})
    assert headers_of(prep(client, model="m"))["authorization"] == f"Bearer {SECRET}"


def test_no_credential_at_all() -> None:
    with pytest.raises(MissingAPIKeyError, match="OPENAI_API_KEY"):
        prep(Client(), model="m")
    # An SDK-style header set to a non-string removes the credential again.
    fake = types.SimpleNamespace(
        api_key=SECRET, base_url="https://example.com", default_headers={"Authorization": None}
    )
    with pytest.raises(MissingAPIKeyError):
        prep(fake, model="m")


@pytest.mark.parametrize("char", ["\r", "\n", "\x00", "\x7f"])
@pytest.mark.parametrize("where", ["default", "extra", "key"])
def test_control_characters_in_header_values(char: str, where: str) -> None:
    secret = f"{SECRET}{char}X-Injected: 1"
    name = "Authorization" if where == "key" else "X-Trace"
    with pytest.raises(InvalidHeaderError) as info:
        if where == "key":
            prep(Client(api_key=secret), model="m")
        elif where == "default":
            Client(api_key=SECRET, default_headers={"X-Trace": secret})
        else:
            prep(Client(api_key=SECRET), model="m", extra_headers={"X-Trace": secret})
    message = str(info.value)
    assert repr(name) in message
    assert SECRET not in message
    assert "Injected" not in message
    assert_no_secret_in_exception(info.value, SECRET)


@pytest.mark.parametrize("name", ["X-Bad\r\nInjected", "X-Bad\x00", "Bad Name", "a:b", ""])
def test_invalid_header_names(name: str) -> None:
    with pytest.raises(InvalidHeaderError, match="header name"):
        prep(Client(api_key=SECRET), model="m", extra_headers={name: "v"})
    with pytest.raises(InvalidHeaderError, match="header name"):
        Client(api_key=SECRET, default_headers={name: "v"})


def test_default_headers_are_checked_when_the_client_is_built() -> None:
    with pytest.raises(InvalidHeaderError, match="'X-A'"):
        Client(api_key=SECRET, default_headers={"X-A": "v\r\nX-B: w"})


def test_header_value_whitespace_is_trimmed() -> None:
    hs = prep(Client(api_key=SECRET), model="m", extra_headers={"X-A": "  v \t"})
    assert headers_of(hs)["x-a"] == "v"


@pytest.mark.parametrize(("value", "code"), [("snow \u2603", "U+2603"), ("caf\u00e9", "U+00E9")])
def test_non_ascii_header_value_is_refused(value: str, code: str) -> None:
    with pytest.raises(InvalidHeaderError, match=re.escape(code)):
        prep(Client(api_key=SECRET), model="m", extra_headers={"X-A": value})


# --------------------------------------------------------------- plaintext guard


@pytest.mark.parametrize(
    "base_url",
    [
        "http://example.com/v1",
        "http://10.0.0.5:8000/v1",
        "http://[2001:db8::1]/",
        "http://localhost.evil.com/",
    ],
)
def test_plaintext_to_remote_host_is_refused(base_url: str) -> None:
    client = Client(api_key=SECRET, base_url=base_url)
    with pytest.raises(InsecureTransportError) as info:
        prep(client, model="m")
    message = str(info.value)
    assert "ws://" in message
    assert "allow_insecure_transport=True" in message
    assert "Authorization" in message
    assert_no_secret_in_exception(info.value, SECRET)
    hs = prep(client, model="m", allow_insecure_transport=True)
    assert not hs.use_tls


def test_plaintext_guard_covers_headers_and_websocket_base_url() -> None:
    client = Client(
        base_url="https://example.com/v1",
        websocket_base_url="ws://example.com/v1",
        default_headers={"api-key": SECRET},
    )
    with pytest.raises(InsecureTransportError, match="api-key"):
        prep(client, model="m")


@pytest.mark.parametrize(
    "base_url",
    [
        "http://127.0.0.1:1/v1",
        "http://127.9.8.7/",
        "http://localhost:80/",
        "http://LOCALHOST./",
        "http://[::1]:5/",
    ],
)
def test_plaintext_to_loopback_is_allowed(base_url: str) -> None:
    hs = prep(Client(api_key=SECRET, base_url=base_url), model="m")
    assert not hs.use_tls


# ----------------------------------------------------------------- environment


def test_from_env_reads_all_variables() -> None:
    client = Client.from_env(
        {
            "OPENAI_API_KEY": f"  {SECRET}\n",
            "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
            "OPENAI_ORG_ID": "org-9",
            "OPENAI_PROJECT_ID": "proj_9",
        }
    )
    assert client.api_key == SECRET
    assert (client.base_url, client.organization, client.project) == (
        "http://127.0.0.1:9/v1",
        "org-9",
        "proj_9",
    )
    headers = headers_of(prep(client, model="m"))
    assert headers["openai-organization"] == "org-9"
    assert headers["authorization"] == f"Bearer {SECRET}"


def test_from_env_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    client = Client.from_env()
    assert client.api_key == SECRET
    assert client.base_url == "https://api.openai.com/v1"
    assert client.organization is None
    assert client.project is None


@pytest.mark.parametrize("env", [{}, {"OPENAI_API_KEY": ""}, {"OPENAI_API_KEY": " \n"}])
def test_from_env_without_key_names_the_variable(env: dict[str, str]) -> None:
    with pytest.raises(MissingAPIKeyError, match="OPENAI_API_KEY"):
        Client.from_env(env)


# --------------------------------------------------------------------- providers


def test_key_providers_are_called_for_every_handshake() -> None:
    calls: list[str] = []

    def sync_key() -> str:
        calls.append("sync")
        return f"{EPHEMERAL}{len(calls)}"

    async def async_key() -> str:
        await trio.lowlevel.checkpoint()
        calls.append("async")
        return f"{EPHEMERAL}{len(calls)}"

    for provider in (sync_key, async_key):
        client = Client(api_key=provider)
        first = headers_of(prep(client, model="m"))["authorization"]
        second = headers_of(prep(client, model="m"))["authorization"]
        assert first != second
        assert second.startswith(f"Bearer {EPHEMERAL}")
    assert calls == ["sync", "sync", "async", "async"]


@pytest.mark.parametrize("result", ["", None, b"sk-bytes", 42])
def test_provider_returning_garbage(result: object) -> None:
    client = Client(api_key=lambda: result)  # type: ignore[arg-type,return-value]
    with pytest.raises(ConfigurationError, match="non-empty string") as info:
        prep(client, model="m")
    assert "sk-bytes" not in str(info.value)


async def test_prepare_handshake_runs_inside_trio() -> None:
    async def provider() -> str:
        await trio.lowlevel.checkpoint()
        return SECRET

    with trio.fail_after(5):
        hs = await prepare_handshake(Client(api_key=provider), model="m")
    assert headers_of(hs)["authorization"] == f"Bearer {SECRET}"


# ------------------------------------------------------------------ value object


def test_client_is_immutable_and_copies_its_mappings() -> None:
    headers = {"X-A": "1"}
    client = Client(api_key=SECRET, default_headers=headers)
    headers["X-A"] = "2"
    assert client.default_headers["X-A"] == "1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        client.api_key = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        client.default_headers["X-A"] = "3"  # type: ignore[index]
    same = Client(api_key=SECRET, default_headers={"X-A": "1"})
    assert client == same
    assert hash(client) == hash(same)
    assert dataclasses.replace(client, project="p").project == "p"


# ------------------------------------------------------------------------- Azure

AZURE_ENDPOINT = "https://my-resource.openai.azure.com/"
API_VERSION = "2025-04-01-preview"


def test_azure_api_key() -> None:
    client = Client.azure(endpoint=AZURE_ENDPOINT, api_version=API_VERSION, api_key=SECRET)
    hs = prep(client, model="gpt-realtime")
    assert hs.url == (
        "wss://my-resource.openai.azure.com/openai/realtime"
        "?api-version=2025-04-01-preview&deployment=gpt-realtime"
    )
    headers = headers_of(hs)
    assert headers["api-key"] == SECRET
    assert "authorization" not in headers


def test_azure_deployment_wins_over_model_and_call_id_is_kept() -> None:
    client = Client.azure(
        endpoint=AZURE_ENDPOINT, deployment="my-dep", api_version=API_VERSION, api_key=SECRET
    )
    hs = prep(client, model="ignored", call_id="rtc_1", extra_query={"x": "1"})
    assert parse_qsl(urlsplit(hs.url).query) == [
        ("x", "1"),
        ("call_id", "rtc_1"),
        ("api-version", API_VERSION),
        ("deployment", "my-dep"),
    ]


def test_azure_entra_token_and_providers() -> None:
    def sync_token() -> str:
        return "entra-sync"

    async def async_token() -> str:
        await trio.lowlevel.checkpoint()
        return "entra-async"

    cases: list[tuple[dict[str, Any], str]] = [
        ({"azure_ad_token": "entra-static"}, "entra-static"),
        ({"azure_ad_token_provider": sync_token}, "entra-sync"),
        ({"azure_ad_token_provider": async_token}, "entra-async"),
    ]
    for credential, token in cases:
        client = Client.azure(endpoint=AZURE_ENDPOINT, api_version=API_VERSION, **credential)
        assert client.azure_options == AzureOptions(API_VERSION, None, "bearer")
        headers = headers_of(prep(client, model="m"))
        assert headers["authorization"] == f"Bearer {token}"
        assert "api-key" not in headers


def test_azure_configuration_errors() -> None:
    with pytest.raises(ConfigurationError, match="only one"):
        Client.azure(
            endpoint=AZURE_ENDPOINT, api_version=API_VERSION, api_key="a", azure_ad_token="b"
        )
    with pytest.raises(MissingAPIKeyError, match="azure_ad_token"):
        Client.azure(endpoint=AZURE_ENDPOINT, api_version=API_VERSION)
    with pytest.raises(ConfigurationError, match="endpoint"):
        Client.azure(api_version=API_VERSION, api_key="a")
    with pytest.raises(ConfigurationError, match="endpoint"):
        Client.azure(
            endpoint=AZURE_ENDPOINT, base_url="https://x/", api_version=API_VERSION, api_key="a"
        )
    with pytest.raises(ConfigurationError, match="api_version"):
        Client.azure(endpoint=AZURE_ENDPOINT, api_version="", api_key="a")
    client = Client.azure(endpoint=AZURE_ENDPOINT, api_version=API_VERSION, api_key=SECRET)
    with pytest.raises(ConfigurationError, match="deployment"):
        prep(client, call_id="rtc_1")


def test_azure_base_url_and_local_http_endpoint() -> None:
    client = Client.azure(
        base_url="https://gw.example.com/openai/deployments/dep/", api_version="v", api_key=SECRET
    )
    assert prep(client, model="m").url == (
        "wss://gw.example.com/openai/deployments/dep/realtime?api-version=v&deployment=m"
    )
    local = Client.azure(endpoint="http://127.0.0.1:8080", api_version="v", api_key=SECRET)
    assert (
        prep(local, model="m").url
        == "ws://127.0.0.1:8080/openai/realtime?api-version=v&deployment=m"
    )


# ------------------------------------------------------------- secret hygiene


def assert_no_secret_in_exception(exc: BaseException, secret: str) -> None:
    seen: BaseException | None = exc
    while seen is not None:
        assert secret not in str(seen)
        assert secret not in repr(seen)
        assert all(secret not in repr(arg) for arg in seen.args)
        assert all(secret not in repr(value) for value in vars(seen).values())
        seen = seen.__cause__ or seen.__context__


def test_reprs_never_show_secrets() -> None:
    def provider() -> str:
        return SECRET

    clients = [
        Client(api_key=SECRET, default_headers={"Authorization": f"Bearer {SECRET}", "X-A": "b"}),
        Client(api_key=provider),
        Client.azure(endpoint=AZURE_ENDPOINT, api_version=API_VERSION, api_key=SECRET),
        Client.azure(endpoint=AZURE_ENDPOINT, api_version=API_VERSION, azure_ad_token=SECRET),
    ]
    for client in clients:
        for text in (repr(client), str(client), f"{client}", repr([client])):
            assert SECRET not in text
        assert "Client(" in repr(client)
        hs = prep(
            client, model="m", extra_headers={"Cookie": SECRET, "Proxy-Authorization": SECRET}
        )
        for text in (repr(hs), str(hs), hs.url, hs.resource):
            assert SECRET not in text
        assert "<redacted>" in repr(hs)
    assert "'X-A': 'b'" in repr(clients[0])


def test_no_secret_in_debug_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="trio_realtime")
    prep(Client(api_key=SECRET, organization="org-1"), model="m", extra_headers={"api-key": SECRET})
    with pytest.raises(InsecureTransportError):
        prep(Client(api_key=SECRET, base_url="http://example.com"), model="m")
    with pytest.raises(InvalidHeaderError):
        prep(Client(api_key=SECRET + "\n"), model="m")
    records = [r for r in caplog.records if r.name.startswith("trio_realtime")]
    assert any("realtime handshake prepared" in r.getMessage() for r in records)
    for record in records:
        assert SECRET not in record.getMessage()
        assert SECRET not in repr(record.args)


def test_every_error_is_a_realtime_error() -> None:
    for exc_type in (
        ConfigurationError,
        InsecureTransportError,
        InvalidHeaderError,
        MissingAPIKeyError,
    ):
        assert issubclass(exc_type, RealtimeError)


# ------------------------------------------------- duck-typed and real openai clients


def test_duck_typed_object() -> None:
    fake = types.SimpleNamespace(
        api_key=SECRET,
        base_url="http://127.0.0.1:9000/v1/",
        websocket_base_url=None,
        organization="org-1",
        project=None,
        default_headers={"X-A": "1", "User-Agent": object()},  # a non-str value removes
    )
    hs = prep(fake, model="m")
    assert hs.url == "ws://127.0.0.1:9000/v1/realtime?model=m"
    with_provider = types.SimpleNamespace(api_key=lambda: EPHEMERAL, base_url="https://x")
    assert headers_of(prep(with_provider, model="m"))["authorization"] == f"Bearer {EPHEMERAL}"
    assert hs.headers == (
        ("Authorization", Secret(f"Bearer {SECRET}")),
        ("OpenAI-Organization", "org-1"),
        ("X-A", "1"),
    )


openai = pytest.importorskip("openai")
# Imported before patching: the Azure class subclasses the one patched below.
pytest.importorskip("openai.lib._azure_websocket")


class _Captured(Exception):
    def __init__(self, url: str, headers: Mapping[str, str]) -> None:
        super().__init__("captured")
        self.url = url
        self.headers = dict(headers)


def _record_sync(url: str, *, additional_headers: Mapping[str, str], **_: object) -> None:
    raise _Captured(url, additional_headers)


async def _record_async(url: str, *, additional_headers: Mapping[str, str], **_: object) -> None:
    raise _Captured(url, additional_headers)


def sdk_sends(sdk_client: Any, **connect_kwargs: Any) -> tuple[str, dict[str, str]]:
    """The URL and headers the SDK's own `realtime.connect()` would open."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("openai.lib._websocket._WebSocketConnect", _record_async)
        mp.setattr("openai.lib._azure_websocket._AzureWebSocketConnect", _record_async)
        mp.setattr("websockets.sync.client.connect", _record_sync)
        manager = sdk_client.realtime.connect(**connect_kwargs)
        if isinstance(sdk_client, openai.AsyncOpenAI):
            with pytest.raises(_Captured) as info:
                asyncio.run(manager.__aenter__())
        else:
            with pytest.raises(_Captured) as info:
                manager.__enter__()
    return info.value.url, info.value.headers


# Headers the SDK adds to describe its own HTTP stack; deliberately not copied.
_SDK_STACK_HEADERS = {"accept", "content-type", "user-agent", "x-stainless-async"}


def assert_same_as_sdk(sdk_client: Any, **kwargs: Any) -> Handshake:
    sdk_url, sdk_headers = sdk_sends(sdk_client, **kwargs)
    ours = prep(sdk_client, **kwargs)
    assert ours.url == sdk_url
    theirs = {
        name.lower(): value
        for name, value in sdk_headers.items()
        if name.lower() not in _SDK_STACK_HEADERS and not name.lower().startswith("x-stainless-")
    }
    mine = headers_of(ours)
    assert mine.pop("user-agent").startswith("trio-realtime/")
    assert mine == theirs
    return ours


def _sync_key() -> str:
    return EPHEMERAL


async def _async_key() -> str:
    return EPHEMERAL


SDK_OPENAI_CASES = [
    pytest.param({}, {"model": "gpt-realtime"}, id="defaults"),
    pytest.param(
        {
            "base_url": "https://proxy.example.com/v1?tenant=t1",
            "organization": "org-1",
            "project": "proj_1",
            "default_headers": {"X-Team": "voice", "x-other": "a"},
            "default_query": {"region": "eu"},
        },
        {
            "model": "gpt realtime&1",
            "extra_query": {"intent": "transcription", "k y": "ü"},
            "extra_headers": {"X-Other": "b"},
        },
        id="everything",
    ),
    pytest.param(
        {"websocket_base_url": "wss://ws.example.com/base/"},
        {"call_id": "rtc_abc"},
        id="websocket-base-url-call-id",
    ),
    pytest.param(
        {"base_url": "http://127.0.0.1:8000/v1"}, {"model": "m"}, id="plain-http-loopback"
    ),
]


@pytest.mark.parametrize("sdk_class", ["OpenAI", "AsyncOpenAI"])
@pytest.mark.parametrize(("client_kwargs", "connect_kwargs"), SDK_OPENAI_CASES)
def test_matches_openai_sdk(
    sdk_class: str, client_kwargs: dict[str, Any], connect_kwargs: dict[str, Any]
) -> None:
    sdk_client = getattr(openai, sdk_class)(api_key=SECRET, **client_kwargs)
    hs = assert_same_as_sdk(sdk_client, **connect_kwargs)
    assert headers_of(hs)["authorization"] == f"Bearer {SECRET}"
    assert SECRET not in repr(hs)


@pytest.mark.parametrize(
    ("sdk_class", "provider"), [("OpenAI", _sync_key), ("AsyncOpenAI", _async_key)]
)
def test_matches_openai_sdk_with_key_provider(sdk_class: str, provider: Callable[[], Any]) -> None:
    sdk_client = getattr(openai, sdk_class)(api_key=provider)
    hs = assert_same_as_sdk(sdk_client, model="gpt-realtime")
    assert headers_of(hs)["authorization"] == f"Bearer {EPHEMERAL}"


def _sync_token() -> str:
    return "entra-token"


async def _async_token() -> str:
    return "entra-token"


def _azure_cases(is_async: bool) -> Iterator[Any]:
    provider: Callable[[], str | Awaitable[str]] = _async_token if is_async else _sync_token
    endpoint = {"azure_endpoint": AZURE_ENDPOINT}
    for cred_id, cred in [
        ("key", {"api_key": SECRET}),
        ("token", {"azure_ad_token": "entra-token"}),
        ("provider", {"azure_ad_token_provider": provider}),
    ]:
        yield pytest.param({**endpoint, **cred}, {"model": "gpt-rt"}, id=f"{cred_id}-endpoint")
    yield pytest.param(
        {**endpoint, "azure_deployment": "dep", "api_key": SECRET, "organization": "org-1"},
        {"model": "ignored", "call_id": "rtc_1", "extra_query": {"x": "1"}},
        id="deployment-call-id",
    )
    yield pytest.param(
        {"azure_endpoint": "http://127.0.0.1:8080", "api_key": SECRET},
        {"model": "gpt-rt"},
        id="http-endpoint-becomes-wss",
    )
    yield pytest.param(
        {"base_url": "https://gw.example.com/openai/deployments/dep", "api_key": SECRET},
        {"model": "gpt-rt"},
        id="base-url",
    )
    yield pytest.param(
        {
            **endpoint,
            "websocket_base_url": "wss://ws.example.com/openai",
            "azure_ad_token": "entra-token",
        },
        {"model": "gpt-rt", "extra_headers": {"X-A": "1"}},
        id="websocket-base-url",
    )


def _sdk_extra_query(connect_kwargs: Mapping[str, Any]) -> dict[str, str]:
    # What the SDK's connect() hands to `_configure_realtime`: call_id joins the query.
    query = dict(connect_kwargs.get("extra_query", {}))
    if "call_id" in connect_kwargs:
        query["call_id"] = connect_kwargs["call_id"]
    return query


@pytest.mark.parametrize(("client_kwargs", "connect_kwargs"), list(_azure_cases(is_async=False)))
def test_matches_sync_azure_sdk(
    client_kwargs: dict[str, Any], connect_kwargs: dict[str, Any]
) -> None:
    sdk_client = openai.AzureOpenAI(api_version=API_VERSION, **client_kwargs)
    hs = assert_same_as_sdk(sdk_client, **connect_kwargs)
    url, auth = sdk_client._configure_realtime(
        connect_kwargs["model"], _sdk_extra_query(connect_kwargs)
    )
    assert hs.url == str(url)
    assert set(auth.items()) <= set(revealed(hs))


@pytest.mark.parametrize(("client_kwargs", "connect_kwargs"), list(_azure_cases(is_async=True)))
def test_matches_async_azure_sdk(
    client_kwargs: dict[str, Any], connect_kwargs: dict[str, Any]
) -> None:
    sdk_client = openai.AsyncAzureOpenAI(api_version=API_VERSION, **client_kwargs)
    hs = assert_same_as_sdk(sdk_client, **connect_kwargs)
    url, auth = asyncio.run(
        sdk_client._configure_realtime(connect_kwargs["model"], _sdk_extra_query(connect_kwargs))
    )
    assert hs.url == str(url)
    assert set(auth.items()) <= set(revealed(hs))


def test_own_azure_client_matches_sdk() -> None:
    sdk_client = openai.AzureOpenAI(
        azure_endpoint=AZURE_ENDPOINT,
        api_version=API_VERSION,
        api_key=SECRET,
        azure_deployment="dep",
    )
    ours = Client.azure(
        endpoint=AZURE_ENDPOINT, api_version=API_VERSION, api_key=SECRET, deployment="dep"
    )
    sdk_url, sdk_headers = sdk_sends(sdk_client, model="m", extra_query={"intent": "transcription"})
    hs = prep(ours, model="m", intent="transcription")
    assert hs.url == sdk_url
    assert headers_of(hs)["api-key"] == sdk_headers["api-key"]


def test_sdk_client_headers_describing_the_sdk_are_not_sent() -> None:
    sdk_client = openai.AsyncOpenAI(api_key=SECRET, default_headers={"X-Mine": "1"})
    headers = headers_of(prep(sdk_client, model="m"))
    assert headers["x-mine"] == "1"
    assert headers["user-agent"].startswith("trio-realtime/")
    assert not any(name.startswith("x-stainless") for name in headers)
    assert "content-type" not in headers


def test_sdk_auth_without_a_key_is_refused() -> None:
    # Workload identity and provider auth: the SDK refuses WebSockets for both.
    for attr in ("workload_identity", "_provider_runtime"):
        fake = types.SimpleNamespace(
            api_key="workload-identity-auth",
            base_url="https://api.openai.com/v1",
            **{attr: object()},
        )
        with pytest.raises(ConfigurationError, match="workload identity"):
            prep(fake, model="m")
    empty = openai.OpenAI(api_key="placeholder")
    empty.api_key = ""
    with pytest.raises(MissingAPIKeyError):
        prep(empty, model="m")
