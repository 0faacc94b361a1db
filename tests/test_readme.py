"""The README's usage example runs as written, against the standalone fake server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import trio
from _serve_fake import start_serve_fake

README = Path(__file__).resolve().parent.parent / "README.rst"


def _example(section: str, nth: int = 0) -> str:
    """The first (or ``nth``, from 0) Python code block after the heading ``section``."""
    text = README.read_text(encoding="utf-8")
    usage = text[text.index(f"\n{section}\n") :]
    for _ in range(nth):
        usage = usage[usage.index(".. code-block:: python") + 1 :]
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
        ("Tools and the agent layer", "trio.run(main)"),
    ):
        code = _example(section)
        assert "open_realtime" in code, section
        assert code.rstrip().endswith(last)


def test_testing_example_runs() -> None:
    subprocess.run(
        [sys.executable, "-c", _example("Testing your application")], check=True, timeout=60
    )


def test_fixture_example_runs_under_pytest(tmp_path: Path) -> None:
    code = _example("Testing your application", nth=1)
    assert "fake_server: FakeServer" in code
    (tmp_path / "test_readme_fixture.py").write_text(code, encoding="utf-8")
    # pytest-trio and our plugin by name, whether or not the entry point is installed.
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(README.parent), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += ["-p", "pytest_trio.plugin", "-o", "trio_mode=true"]
    command += ["-p", "trio_realtime.testing.pytest_plugin", "test_readme_fixture.py"]
    result = subprocess.run(
        command,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


async def test_usage_example_runs_against_fake_server() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            env = await start_serve_fake(nursery, env)
            result = await trio.run_process(
                [sys.executable, "-c", _example("Usage")], capture_stdout=True, env=env
            )
            nursery.cancel_scope.cancel()
    # The fake server's default reply echoes the user's text.
    assert "Hello" in result.stdout.decode()


async def test_tool_turn_example_runs_against_fake_server() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            env = await start_serve_fake(
                nursery, env, "--tool-call", 'get_weather={"city": "Paris"}'
            )
            result = await trio.run_process(
                [sys.executable, "-c", _example("Tools and the agent layer")],
                capture_stdout=True,
                env=env,
            )
            nursery.cancel_scope.cancel()
    assert result.stdout.decode().splitlines() == [
        '{"city":"Paris","temperature":21}',
        'The tool returned: {"city":"Paris","temperature":21}',
    ]


async def test_client_secret_example_runs_against_fake_server() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    code = _example("REST calls: client secrets and phone calls")
    assert code.rstrip().endswith("trio.run(main)")
    with trio.fail_after(30):
        async with trio.open_nursery() as nursery:
            env = await start_serve_fake(nursery, env)
            result = await trio.run_process(
                [sys.executable, "-c", code], capture_stdout=True, env=env
            )
            nursery.cancel_scope.cancel()
    # The minted secret opened the session, configured as minted.
    assert result.stdout.decode() == "SessionCreated Be brief.\n"


def test_live_example_runs() -> None:
    code = _example("GPT-Live")
    assert "open_live" in code
    env = {**os.environ, "PYTHONPATH": str(README.parent)}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    assert "Hello!" in done.stdout
    assert "close_requested" in done.stdout
