"""The ``fake_server`` pytest fixture, used as a user would: a test suite of theirs,
run by pytest in a subprocess with pytest-trio and our plugin."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import trio

ROOT = Path(__file__).resolve().parent.parent

USER_TESTS = """
import pytest
import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime.testing import FakeServer, Faults

servers = []


async def test_a_running_strict_server(fake_server: FakeServer) -> None:
    servers.append(fake_server)
    assert fake_server.strict
    fake_server.script("Hello!")
    async with rt.open_realtime(fake_server.client(), "gpt-realtime-2.1") as conn:
        await conn.send(ev.SessionUpdate(session=ev.RealtimeSession(output_modalities=["text"])))
        await conn.send(ev.ResponseCreate())
        reply = ""
        async for event in conn:
            if isinstance(event, ev.ResponseOutputTextDelta):
                reply += event.delta
            if isinstance(event, ev.ResponseDone):
                break
    assert reply == "Hello!"


def test_it_stopped_after_its_test() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        servers[0].port


pytestmark = pytest.mark.fake_server(delta_size=3, strict=True)


@pytest.mark.fake_server(strict=False)
async def test_markers_pass_keywords_nearest_first(fake_server: FakeServer) -> None:
    assert (fake_server.strict, fake_server.delta_size) == (False, 3)
    async with rt.open_realtime(fake_server.client(), "my-made-up-model") as conn:
        created = await conn.receive()
        assert isinstance(created, ev.SessionCreated)


@pytest.mark.fake_server(faults=Faults(reject_handshakes=1, reject_status=503))
async def test_faults_through_the_marker(fake_server: FakeServer) -> None:
    with pytest.raises(rt.ServerError):
        async with rt.open_realtime(fake_server.client(), "gpt-realtime-2.1"):
            pass


@pytest.mark.fake_server(stricter=True)
async def test_a_wrong_keyword(fake_server: FakeServer) -> None:
    pass
"""


async def test_the_fixture_in_a_users_suite(tmp_path: Path) -> None:
    (tmp_path / "test_app.py").write_text(USER_TESTS, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\ntrio_mode = true\naddopts = --strict-markers -p no:cacheprovider\n",
        encoding="utf-8",
    )
    env = dict(os.environ)
    # Whether or not this checkout's entry point is installed: load exactly the
    # two plugins, by the names the docs give.
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "pytest", "-p", "pytest_trio.plugin"]
    command += ["-p", "trio_realtime.testing.pytest_plugin", "-q", "test_app.py"]
    with trio.fail_after(60):
        result = await trio.run_process(
            command,
            cwd=tmp_path,
            env=env,
            capture_stdout=True,
            stderr=subprocess.STDOUT,
            check=False,
        )
    out = result.stdout.decode()
    # pytest-trio sets fixtures up inside the test's run: a bad marker fails the test.
    assert "1 failed, 4 passed" in out, out
    assert "_ test_a_wrong_keyword _" in out
    assert (
        "TypeError: @pytest.mark.fake_server: got an unexpected keyword argument 'stricter'; "
        "it takes the keywords of open_fake_server()"
    ) in out


def test_the_entry_point_names_the_plugin_module() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    target = project["entry-points"]["pytest11"]["trio_realtime"]
    assert target == "trio_realtime.testing.pytest_plugin"
    plugin = importlib.import_module(target)
    assert callable(plugin.pytest_configure)
    assert "fake_server" in plugin.__all__
