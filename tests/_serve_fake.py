"""``python -m trio_realtime serve-fake`` as a subprocess, for tests that run programs
against it (the README's example, the examples/ scripts)."""

from __future__ import annotations

import re
import subprocess
import sys
from functools import partial

import trio


async def start_serve_fake(
    nursery: trio.Nursery, env: dict[str, str], *extra_args: str
) -> dict[str, str]:
    """Start serve-fake in ``nursery`` with ``env`` (and ``extra_args``); the same env
    plus the ``OPENAI_BASE_URL`` and ``OPENAI_WEBHOOK_SECRET`` that its banner
    announced, and an ``OPENAI_API_KEY`` it takes: a made-up one, since it accepts
    any key, or the ``--api-key`` of ``extra_args``.

    It runs until the nursery is cancelled.
    """
    serve = [sys.executable, "-m", "trio_realtime", "serve-fake", "--port", "0", *extra_args]
    server: trio.Process = await nursery.start(
        partial(trio.run_process, serve, stdout=subprocess.PIPE, env=env, check=False)
    )
    assert server.stdout is not None
    banner = b""
    while b"api key:" not in banner or not banner.endswith(b"\n"):
        chunk = await server.stdout.receive_some(4096)
        assert chunk, "serve-fake exited early"
        banner += chunk
    text = banner.decode()
    base_url = re.search(r"base url:\s+(\S+)", text)
    api_key = re.search(r"api key:\s+(\S+)", text)
    webhook_secret = re.search(r"webhook secret:\s+(\S+)", text)
    assert base_url
    assert api_key
    assert webhook_secret
    if "--api-key" in extra_args:
        assert api_key.group(1) == "only"
        key = extra_args[extra_args.index("--api-key") + 1]
    else:
        assert api_key.group(1) == "any"
        key = "sk-any-key-serve-fake-takes"
    return {
        **env,
        "OPENAI_BASE_URL": base_url.group(1),
        "OPENAI_API_KEY": key,
        "OPENAI_WEBHOOK_SECRET": webhook_secret.group(1),
    }
