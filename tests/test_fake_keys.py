"""Which keys the fake server takes: its own, its minted client secrets, or any key."""

from __future__ import annotations

import time

import pytest
import trio

import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime import rest
from trio_realtime.testing import MintedSecret, open_fake_server

TIMEOUT = 10


async def test_accept_any_key_takes_any_key_but_not_none() -> None:
    with trio.fail_after(TIMEOUT):
        async with open_fake_server(accept_any_key=True) as server:
            mine = rt.Client(api_key="sk-whatever-1234", base_url=server.base_url)
            async with rt.open_realtime(mine, "gpt-realtime-2.1") as conn:
                assert isinstance(await conn.receive(), ev.SessionCreated)
            # Any key is an API key: it mints client secrets...
            async with rest.open_rest(mine) as api:
                minted = await api.client_secrets.create(ev.RealtimeSession())
            secret = minted.value.reveal()
            assert server.rest.key_kind(secret) == "secret"
            # ...which stay client secrets: they cannot mint more,
            browser = rt.Client(api_key=minted.value, base_url=server.base_url)
            async with rest.open_rest(browser) as api:
                with pytest.raises(rt.AuthenticationError, match="client secret"):
                    await api.client_secrets.create(ev.RealtimeSession())
            # and once expired they open nothing.
            server.rest.secrets[secret] = MintedSecret(secret, int(time.time()) - 1, None)
            with pytest.raises(rt.AuthenticationError, match="Incorrect API key"):
                async with rt.open_realtime(browser, "gpt-realtime-2.1"):
                    pytest.fail("an expired client secret opened a session")  # pragma: no cover
            assert server.rest.key_kind("") is None


async def test_by_default_only_the_servers_key_is_taken() -> None:
    with trio.fail_after(TIMEOUT):
        async with open_fake_server(api_key="sk-the-one") as server:
            assert not server.accept_any_key
            assert server.rest.key_kind("sk-the-one") == "api"
            assert server.rest.key_kind("sk-another") is None
            other = rt.Client(api_key="sk-another", base_url=server.base_url)
            with pytest.raises(rt.AuthenticationError, match="Incorrect API key"):
                async with rt.open_realtime(other, "gpt-realtime-2.1"):
                    pytest.fail("a wrong key opened a session")  # pragma: no cover
            async with rest.open_rest(other) as api:
                with pytest.raises(rt.AuthenticationError):
                    await api.client_secrets.create(ev.RealtimeSession())
