"""The command line, run as a user would: ``python -m trio_realtime ...`` in a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
import trio

import trio_realtime as rt
from trio_realtime import events as ev

# Generous: a cold interpreter start on a busy 2-core machine.
TIMEOUT = 60


def _env(**changes: str | None) -> dict[str, str]:
    env = dict(os.environ)
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    env["PYTHONIOENCODING"] = "utf-8"
    return env


async def run_cli(
    *args: str, stdin: bytes = b"", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    with trio.fail_after(TIMEOUT):
        return await trio.run_process(
            [sys.executable, "-m", "trio_realtime", *args],
            stdin=stdin,
            capture_stdout=True,
            capture_stderr=True,
            check=False,
            env=env or _env(),
        )


async def test_chat_fake_streams_answers_until_end_of_input() -> None:
    done = await run_cli("chat", "--fake", stdin=b"hello there\n\nhow are you?\n")
    assert done.returncode == 0, done.stderr.decode()
    lines = done.stdout.decode().splitlines()
    assert lines == ["assistant> You said: hello there", "assistant> You said: how are you?"]


async def test_chat_quit_command_ends_early() -> None:
    done = await run_cli("chat", "--fake", stdin=b"first\n/quit\nnever sent\n")
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().splitlines() == ["assistant> You said: first"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery differs on Windows")
async def test_chat_ends_on_ctrl_c_with_130() -> None:
    with trio.fail_after(TIMEOUT):
        process = await trio.lowlevel.open_process(
            [sys.executable, "-m", "trio_realtime", "chat", "--fake"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(),
        )
        assert process.stdin is not None
        assert process.stdout is not None
        try:
            await process.stdin.send_all(b"hello\n")
            out = b""
            while b"hello\n" not in out:
                chunk = await process.stdout.receive_some()
                assert chunk, f"chat exited early: {out!r}"
                out += chunk
            # Waiting for the next line, stdin still open: only Ctrl-C ends it.
            process.send_signal(signal.SIGINT)
            code, err = await _exited(process)
        finally:
            with trio.CancelScope(shield=True):
                if process.returncode is None:
                    process.kill()
                    await process.wait()
                for stream in (process.stdin, process.stdout, process.stderr):
                    if stream is not None:
                        await stream.aclose()
    assert code == 130, err.decode()
    assert err.strip() == b"stopped"


async def test_chat_without_key_or_fake_explains_and_exits_2() -> None:
    done = await run_cli("chat", env=_env(OPENAI_API_KEY=None))
    assert done.returncode == 2
    message = done.stderr.decode()
    assert "OPENAI_API_KEY" in message
    assert "--fake" in message
    assert done.stdout == b""


async def test_demo_runs_offline_without_openai_and_prints_latency() -> None:
    # Block `import openai` in the child: the demo must need only runtime deps.
    code = (
        "import sys; sys.modules['openai'] = None; sys.modules['pydantic'] = None; "
        "from trio_realtime.__main__ import main; sys.exit(main(['demo', '--interval', '0']))"
    )
    with trio.fail_after(TIMEOUT):
        done = await trio.run_process(
            [sys.executable, "-c", code],
            capture_stdout=True,
            capture_stderr=True,
            check=False,
            env=_env(OPENAI_API_KEY=None),
        )
    assert done.returncode == 0, done.stderr.decode()
    out = done.stdout.decode()
    assert "you> What's the weather in Paris?" in out
    assert "assistant> Let me check the weather for you." in out
    assert '[tool] get_weather({"city":"Paris"})' in out
    assert "assistant> It is 18 °C and sunny in Paris" in out
    assert "you (spoken)> And tomorrow?" in out
    assert "assistant> Tomorrow stays dry" in out
    assert "time to first delta" in out
    assert "delta dispatch" in out
    assert "p99" in out


async def test_no_command_prints_usage() -> None:
    done = await run_cli()
    assert done.returncode == 2
    assert b"usage:" in done.stderr


@asynccontextmanager
async def serve_fake_process(*args: str) -> AsyncIterator[tuple[trio.Process, dict[str, str]]]:
    """serve-fake in a subprocess and the fields of its banner; it is killed and
    reaped on the way out whatever happened, even when a deadline expired."""
    process = await trio.lowlevel.open_process(
        [sys.executable, "-m", "trio_realtime", "serve-fake", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    assert process.stdout is not None
    assert process.stderr is not None
    try:
        banner = b""
        while b"press Ctrl-C" not in banner:
            chunk = await process.stdout.receive_some()
            assert chunk, f"serve-fake exited early: {banner!r}"
            banner += chunk
        fields = dict(
            line.strip().split(": ", 1) for line in banner.decode().splitlines() if ": " in line
        )
        yield process, fields
    finally:
        # Shielded: under an expired fail_after an unshielded wait() raises
        # Cancelled at once and leaves the child unreaped.
        with trio.CancelScope(shield=True):
            if process.returncode is None:
                process.kill()
                await process.wait()
            await process.stdout.aclose()
            await process.stderr.aclose()


async def _exited(process: trio.Process) -> tuple[int, bytes]:
    """Once ``process`` ends: its exit code and what it wrote to stderr."""
    assert process.stderr is not None
    err = b""
    while chunk := await process.stderr.receive_some():
        err += chunk
    return await process.wait(), err


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery differs on Windows")
async def test_serve_fake_serves_until_interrupted() -> None:
    with trio.fail_after(TIMEOUT):
        async with serve_fake_process() as (process, fields):
            # Without --api-key any key goes, and the banner says so.
            assert fields["api key"].strip().startswith("any")
            client = rt.Client(api_key="sk-a-key-of-my-own", base_url=fields["base url"])
            async with rt.open_realtime(client, "gpt-realtime") as conn:
                await conn.send(
                    ev.SessionUpdate(session=ev.RealtimeSession(output_modalities=["text"]))
                )
                await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text("ping")))
                await conn.send(ev.ResponseCreate())
                text = ""
                async for event in conn:
                    if isinstance(event, ev.ResponseOutputTextDelta):
                        text += event.delta
                    if isinstance(event, ev.ResponseDone):
                        break
            assert text == "You said: ping"
            # Right after a client left: the moment a Ctrl-C used to be lost in
            # the closing connection's task, leaving the server running.
            process.send_signal(signal.SIGINT)
            code, err = await _exited(process)
    assert code == 0, err.decode()
    assert err.strip() == b"stopped"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery differs on Windows")
async def test_serve_fake_interrupted_closes_connected_clients_with_1001() -> None:
    with trio.fail_after(TIMEOUT):
        async with serve_fake_process() as (process, fields):
            client = rt.Client(api_key="sk-a-key-of-my-own", base_url=fields["base url"])
            with pytest.raises(rt.ConnectionClosed) as closed:
                async with rt.open_realtime(client, "gpt-realtime") as conn:
                    assert isinstance(await conn.receive(), ev.SessionCreated)
                    process.send_signal(signal.SIGINT)
                    async for _ in conn:
                        pass
            code, err = await _exited(process)
    # Ctrl-C ends the server the way leaving its block does: "going away".
    assert closed.value.code == 1001
    assert code == 0, err.decode()


def test_serve_fake_tool_call_arguments_are_checked() -> None:
    from trio_realtime._cli import _parser  # pyright: ignore[reportPrivateUsage]
    from trio_realtime.testing import ToolCall

    args = _parser().parse_args(
        ["serve-fake", "--tool-call", "ping", "--tool-call", 'get_weather={"city": "Paris"}']
    )
    assert args.tool_call == [ToolCall("ping"), ToolCall("get_weather", '{"city": "Paris"}')]
    for bad in ("=1", "f={not json", "f=[1]"):
        with pytest.raises(SystemExit):
            _parser().parse_args(["serve-fake", "--tool-call", bad])


def test_serve_fake_fault_flags_are_checked() -> None:
    from trio_realtime._cli import _parser  # pyright: ignore[reportPrivateUsage]

    args = _parser().parse_args(["serve-fake"])
    assert (args.session_duration, args.drop_after, args.drop_chance) == (None, None, 0.0)
    args = _parser().parse_args(
        ["serve-fake", "--session-duration", "1.5", "--drop-after", "40", "--drop-chance", "0.1"]
    )
    assert (args.session_duration, args.drop_after, args.drop_chance) == (1.5, 40, 0.1)
    for bad in (
        ["--session-duration", "0"],
        ["--session-duration", "inf"],
        ["--session-duration", "soon"],
        ["--drop-after", "0"],
        ["--drop-after", "2.5"],
        ["--drop-chance", "1.5"],
        ["--drop-chance", "nan"],
    ):
        with pytest.raises(SystemExit):
            _parser().parse_args(["serve-fake", *bad])


async def _first_events(env: dict[str, str]) -> tuple[list[str], BaseException | None]:
    """Event types of one text turn until the connection ends, and how it ended."""
    client = rt.Client(api_key=env["OPENAI_API_KEY"], base_url=env["OPENAI_BASE_URL"])
    seen: list[str] = []
    try:
        async with rt.open_realtime(client, "gpt-realtime-2.1") as conn:
            text = ev.RealtimeSession(output_modalities=["text"])
            await conn.send(ev.SessionUpdate(session=text))
            async for event in conn:
                seen.append(event.type)
                if isinstance(event, ev.ResponseDone):
                    break
                if isinstance(event, ev.SessionUpdated):
                    await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text("hi")))
                    await conn.send(ev.ResponseCreate())
    except rt.ConnectionClosed as exc:
        return seen, exc
    return seen, None


async def test_serve_fake_drops_connections_and_expires_sessions_when_told() -> None:
    from _serve_fake import start_serve_fake

    with trio.fail_after(TIMEOUT):
        async with trio.open_nursery() as nursery:
            env = await start_serve_fake(nursery, _env(), "--drop-after", "3")
            seen, ended = await _first_events(env)
            nursery.cancel_scope.cancel()
    assert len(seen) == 3, seen
    assert isinstance(ended, rt.ConnectionClosed)
    assert ended.code == 1006  # a TCP reset, no close frame

    with trio.fail_after(TIMEOUT):
        async with trio.open_nursery() as nursery:
            env = await start_serve_fake(nursery, _env(), "--session-duration", "0.5")
            client = rt.Client(api_key=env["OPENAI_API_KEY"], base_url=env["OPENAI_BASE_URL"])
            async with rt.open_realtime(client, "gpt-realtime-2.1") as conn:
                codes = [e.error.code async for e in conn if isinstance(e, ev.ErrorEvent)]
            nursery.cancel_scope.cancel()
    # The service's end: session_expired, then a normal close that ends iteration.
    assert codes == ["session_expired"]


async def test_serve_fake_is_strict_unless_lenient() -> None:
    from _serve_fake import start_serve_fake

    async def created_model(env: dict[str, str], model: str) -> str:
        client = rt.Client(api_key=env["OPENAI_API_KEY"], base_url=env["OPENAI_BASE_URL"])
        async with rt.open_realtime(client, model) as conn:
            event = await conn.receive()
            if isinstance(event, ev.ErrorEvent):
                with pytest.raises(rt.ConnectionClosed, match="4000"):
                    await conn.receive()
                return str(event.error.code)
            assert isinstance(event, ev.SessionCreated)
            return str(event.session.model)

    with trio.fail_after(TIMEOUT):
        async with trio.open_nursery() as nursery:
            strict = await start_serve_fake(nursery, _env())
            lenient = await start_serve_fake(nursery, _env(), "--lenient")
            assert await created_model(strict, "my-model") == "model_not_found"
            assert await created_model(strict, "gpt-realtime-2.1") == "gpt-realtime-2.1"
            assert await created_model(lenient, "my-model") == "my-model"
            nursery.cancel_scope.cancel()


async def test_serve_fake_with_api_key_takes_only_that_key() -> None:
    from _serve_fake import start_serve_fake

    with trio.fail_after(TIMEOUT):
        async with trio.open_nursery() as nursery:
            env = await start_serve_fake(nursery, _env(), "--api-key", "sk-only-this-one")
            base_url = env["OPENAI_BASE_URL"]
            with pytest.raises(rt.AuthenticationError):
                async with rt.open_realtime(rt.Client(api_key="sk-other", base_url=base_url)):
                    pytest.fail("serve-fake took a key it was told not to")  # pragma: no cover
            client = rt.Client(api_key="sk-only-this-one", base_url=base_url)
            async with rt.open_realtime(client, "gpt-realtime-2.1") as conn:
                assert isinstance(await conn.receive(), ev.SessionCreated)
            nursery.cancel_scope.cancel()
