"""The README's usage example runs as written, against the standalone fake server."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from functools import partial
from pathlib import Path

import trio

README = Path(__file__).resolve().parent.parent / "README.rst"


def _example(section: str) -> str:
    """The first Python code block after the heading ``section``."""
    text = README.read_text(encoding="utf-8")
    usage = text[text.index(f"\n{section}\n") :]
    block = usage[usage.index(".. code-block:: python") :].split("\n\n", 1)[1]
    lines: list[str] = []
    for line in block.splitlines():
        if line and not line.startswith("   "):
            break
        lines.append(line[3:])
    return "\n".join(lines).strip() + "\n"


def test_examples_are_found() -> None:
    for section, last in (
        ("Usage", "trio.run(main)"),
        ("Testing your application", "trio.run(test_greeting)"),
    ):
        code = _example(section)
        assert "open_realtime" in code
        assert code.rstrip().endswith(last)


def test_testing_example_runs() -> None:
    subprocess.run(
        [sys.executable, "-c", _example("Testing your application")], check=True, timeout=60
    )


async def test_usage_example_runs_against_fake_server() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    serve = [sys.executable, "-m", "trio_realtime", "serve-fake", "--port", "0"]
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
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
            assert base_url
            assert api_key
            env.update(OPENAI_BASE_URL=base_url.group(1), OPENAI_API_KEY=api_key.group(1))
            result = await trio.run_process(
                [sys.executable, "-c", _example("Usage")], capture_stdout=True, env=env
            )
            nursery.cancel_scope.cancel()
    # The fake server's default reply echoes the user's text.
    assert "Hello" in result.stdout.decode()
