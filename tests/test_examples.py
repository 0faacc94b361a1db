"""The examples in ``examples/`` run against the standalone fake server (as test_readme.py does).

``text_chat.py``, ``wav_turn.py`` and ``telephony_bridge.py`` run as subprocesses against
``python -m trio_realtime serve-fake --port 0``; ``mic_agent.py`` needs a sound
card, so it is imported without sounddevice, its argument parsing and its
missing-extra exit are checked, and it runs in-process on fake devices (threads
calling its callbacks at real time) against the fake server, to see it cut a
reply short.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import re
import subprocess
import sys
import threading
import time
import wave
from array import array
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import pytest
import trio
import trio.testing
from _memory_fake import TEXT, memory_session
from _serve_fake import start_serve_fake

from trio_realtime import audio
from trio_realtime import events as ev
from trio_realtime.testing import open_fake_server

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

# The fake server speaks each reply as 20 ms of tone per character of its transcript
# (trio_realtime.testing._script.synth_audio), and answers audio it did not
# transcribe with "I heard N ms of audio."
MS_PER_CHAR = 20
HEARD = re.compile(r"^I heard (\d+) ms of audio\.$", re.MULTILINE)


@pytest.fixture
def autojump_clock() -> trio.testing.MockClock:
    return trio.testing.MockClock(autojump_threshold=0)


def _env() -> dict[str, str]:
    """This checkout first on the path, and no OPENAI_ settings from the caller's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


async def _run_against_fake_server(
    *commands: Sequence[str], stdin: bytes | None = None, serve_args: Sequence[str] = ()
) -> list[subprocess.CompletedProcess[bytes]]:
    """Run each of ``commands`` (example arguments) in turn with a fresh serve-fake's env."""
    results: list[subprocess.CompletedProcess[bytes]] = []
    with trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            env = await start_serve_fake(nursery, _env(), *serve_args)
            for command in commands:
                result = await trio.run_process(
                    [sys.executable, *command],
                    stdin=stdin,
                    capture_stdout=True,
                    capture_stderr=True,
                    env=env,
                    check=False,
                )
                results.append(result)
            nursery.cancel_scope.cancel()
    return results


def _ok(result: subprocess.CompletedProcess[bytes]) -> str:
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode()


def _tone(rate: int, ms: int, hz: float = 300.0, level: float = 0.25) -> array[int]:
    step, amplitude = 2 * math.pi * hz / rate, 32767 * level
    return array("h", (int(amplitude * math.sin(step * i)) for i in range(rate * ms // 1000)))


# -- text_chat.py -----------------------------------------------------------------


async def test_text_chat_once_and_from_standard_input() -> None:
    chat = str(EXAMPLES / "text_chat.py")
    once, lines, refused = await _run_against_fake_server(
        [chat, "--once", "Hello!"],
        # A blank line is skipped, /quit ends the chat before the last line.
        [chat],
        [chat, "--once", "Hi", "--model", "gpt-realtime-9"],
        stdin=b"Hi\n\nHow are you?\n/quit\nnever sent\n",
    )
    # The fake server echoes each message.
    assert _ok(once) == "assistant> You said: Hello!\n"
    assert _ok(lines).splitlines() == [
        "assistant> You said: Hi",
        "assistant> You said: How are you?",
    ]
    # The strict fake refuses an unknown model as the service does: error, then close 4000.
    assert refused.returncode == 1
    assert "chat ended:" in refused.stderr.decode()
    assert "model_not_found" in refused.stderr.decode()


async def test_text_chat_stops_waiting_when_its_request_is_refused(
    autojump_clock: trio.testing.MockClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """A response.create the server refuses gets no response.done: the turn ends at
    the error instead of waiting forever."""
    chat = _load("text_chat")
    with trio.fail_after(30):
        async with (
            open_fake_server(delta_size=1, delta_interval=0.05) as server,
            memory_session(server) as conn,
        ):
            await conn.send(ev.SessionUpdate(session=TEXT))
            # A reply streaming for a while: the next response.create is refused.
            await conn.send(ev.ConversationItemCreate(item=ev.UserMessage.text("first")))
            await conn.send(ev.ResponseCreate())
            assert await chat.ask(conn, "second") is False
            assert len(server.received_of(ev.ResponseCreate)) == 2
    assert "conversation_already_has_active_response" in capsys.readouterr().err


# -- every example ---------------------------------------------------------------


def test_every_example_is_run_here_and_listed_for_users() -> None:
    """A new example gets a test (here or in a test_example_*.py of its own) and a
    line in the README's and the docs' lists of examples."""
    tests = "".join(
        p.read_text(encoding="utf-8") for p in Path(__file__).parent.glob("test_example*.py")
    )
    readme = (ROOT / "README.rst").read_text(encoding="utf-8")
    docs = (ROOT / "docs" / "examples.rst").read_text(encoding="utf-8")
    names = sorted(p.name for p in EXAMPLES.glob("*.py"))
    assert "text_chat.py" in names
    for name in names:
        stem = name.removesuffix(".py")
        assert f'"{name}"' in tests or f'_load("{stem}")' in tests, f"no test runs {name}"
        assert f"- ``{name}``" in readme, f"README.rst lists no {name}"
        assert f"``examples/{name}``" in docs, f"docs/examples.rst lists no {name}"


# -- wav_turn.py ------------------------------------------------------------------


async def test_wav_turn_sends_a_22050_hz_stereo_file_and_writes_the_spoken_reply(
    tmp_path: Path,
) -> None:
    question, answer = tmp_path / "question.wav", tmp_path / "answer.wav"
    mono = _tone(22050, 1000)
    stereo = array("h", (s for sample in mono for s in (sample, sample)))
    with wave.open(str(question), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(22050)
        wav.writeframes(stereo.tobytes())

    (result,) = await _run_against_fake_server(
        [str(EXAMPLES / "wav_turn.py"), str(question), str(answer)]
    )

    stdout = _ok(result)
    heard = HEARD.search(stdout)
    assert heard, stdout
    # One second resampled to 24 kHz, sent in 100 ms frames (the last padded).
    assert 1000 <= int(heard.group(1)) <= 1100
    info = audio.wav_info(answer)
    assert (info.sample_rate, info.channels, info.sample_width) == (24000, 1, 2)
    assert info.duration_ms == MS_PER_CHAR * len(heard.group(0))
    assert audio.rms_dbfs(audio.read_wav(answer)) > -30  # the fake's tone, not silence
    assert f"wrote {info.duration_ms:.0f} ms of reply" in result.stderr.decode()


async def test_wav_turn_exits_with_the_servers_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    audio.write_wav(empty, b"")

    (result,) = await _run_against_fake_server(
        [str(EXAMPLES / "wav_turn.py"), str(empty), str(tmp_path / "out.wav")]
    )

    assert result.returncode == 1
    assert "buffer too small" in result.stderr.decode()
    assert not (tmp_path / "out.wav").exists()


# -- telephony_bridge.py -------------------------------------------------------------


async def test_telephony_bridge_answers_a_mu_law_call_from_a_file_and_from_stdin(
    tmp_path: Path,
) -> None:
    bridge = str(EXAMPLES / "telephony_bridge.py")
    # Speech-like: three 250 ms syllables with 100 ms pauses (shorter than the VAD's
    # 500 ms of silence, so one turn), recorded at 16 kHz.
    speech = array("h")
    for _ in range(3):
        speech += _tone(16000, 250, hz=250.0)
        speech += array("h", bytes(2 * 1600))
    recording, caller = tmp_path / "speech.wav", tmp_path / "caller.ulaw"
    audio.write_wav(recording, speech.tobytes(), rate=16000)
    encoded = await trio.run_process(
        [sys.executable, bridge, "encode", str(recording), str(caller)],
        capture_stderr=True,
        env=_env(),
    )
    assert encoded.returncode == 0
    assert caller.stat().st_size == audio.PCMU.bytes_for_ms(1050)  # 8 kHz, a byte a sample

    from_file, from_stdin = await _run_against_fake_server(
        [bridge, "call", str(caller), str(tmp_path / "reply.ulaw")],
        [bridge, "call", "-", str(tmp_path / "reply-stdin.ulaw")],
        stdin=caller.read_bytes(),
    )

    for result, name in ((from_file, "reply.ulaw"), (from_stdin, "reply-stdin.ulaw")):
        stdout = _ok(result)
        heard = HEARD.search(stdout)
        assert heard, stdout
        # The server's VAD ended the turn in the line silence after the 1050 ms of speech.
        assert 1050 <= int(heard.group(1)) <= 2000
        assert "[caller speaking]" in result.stderr.decode()
        reply = (tmp_path / name).read_bytes()
        assert audio.PCMU.duration_ms(reply) == MS_PER_CHAR * len(heard.group(0))
        assert audio.rms_dbfs(audio.ulaw_decode(reply)) > -30
    assert (tmp_path / "reply.ulaw").read_bytes() == (tmp_path / "reply-stdin.ulaw").read_bytes()

    playable = tmp_path / "reply.wav"
    decoded = await trio.run_process(
        [sys.executable, bridge, "decode", str(tmp_path / "reply.ulaw"), str(playable)],
        env=_env(),
    )
    assert decoded.returncode == 0
    info = audio.wav_info(playable)
    assert (info.sample_rate, info.channels) == (8000, 1)
    assert info.duration_ms == audio.PCMU.duration_ms((tmp_path / "reply.ulaw").stat().st_size)


# -- mic_agent.py -----------------------------------------------------------------


@pytest.fixture
def mic_agent(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """examples/mic_agent.py imported as a module, with sounddevice made unimportable."""
    monkeypatch.setitem(sys.modules, "sounddevice", None)  # None: import raises ImportError
    spec = importlib.util.spec_from_file_location("mic_agent", EXAMPLES / "mic_agent.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "mic_agent", module)  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_mic_agent_parses_its_arguments(mic_agent: ModuleType) -> None:
    defaults = mic_agent.parse_args([])
    assert defaults == mic_agent.Options("gpt-realtime-2.1", 24000, None, None)
    options = mic_agent.parse_args(
        ["--model", "m", "--samplerate", "48000", "--input-device", "3", "--output-device", "USB"]
    )
    assert options == mic_agent.Options("m", 48000, 3, "USB")
    with pytest.raises(SystemExit):
        mic_agent.parse_args(["--samplerate", "fast"])


def test_mic_agent_without_sounddevice_exits_naming_the_devices_extra(
    mic_agent: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-never-used")
    with pytest.raises(SystemExit) as exit_info:
        mic_agent.main([])
    assert "pip install 'trio-realtime[devices]'" in str(exit_info.value.code)


def test_mic_agent_help_runs_without_sounddevice() -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "mic_agent.py"), "--help"],
        capture_output=True,
        env=_env(),
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    assert "PlaybackClock" in result.stdout.decode()


class _FakeStream:
    """A sounddevice raw stream: a thread calls ``callback`` every block, at real time."""

    def __init__(
        self, *, samplerate: int, blocksize: int, callback: Callable[..., None], **_: object
    ) -> None:
        self.blocksize = blocksize
        self.period = blocksize / samplerate
        self.callback = callback
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _FakeStream:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        due = time.monotonic()
        while not self._stop.is_set():
            self.tick()
            due += self.period
            self._stop.wait(max(0.0, due - time.monotonic()))

    def tick(self) -> None:
        raise NotImplementedError


class _FakeDevices:
    """A fake ``sounddevice`` module: a microphone that plays ``speech``, a recording speaker."""

    def __init__(self, speech: bytes) -> None:
        self.speech = speech
        self.played = bytearray()
        devices = self

        class RawInputStream(_FakeStream):
            offset = 0

            def tick(self) -> None:
                size = 2 * self.blocksize
                block = devices.speech[self.offset : self.offset + size]
                self.offset += size
                self.callback(block.ljust(size, b"\0"), self.blocksize, None, None)

        class RawOutputStream(_FakeStream):
            def tick(self) -> None:
                out = bytearray(2 * self.blocksize)
                self.callback(out, self.blocksize, None, None)
                devices.played += out

        self.RawInputStream = RawInputStream
        self.RawOutputStream = RawOutputStream


async def test_mic_agent_truncates_the_reply_where_the_user_cut_in(
    mic_agent: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    # You speak 600 ms, pause (the VAD ends the turn after 500 ms of quiet and the
    # 2 s reply starts playing), and talk again about 500 ms into the reply.
    silence = array("h", bytes(2 * 24000))
    speech = _tone(24000, 600) + silence[: 24 * 1600] + _tone(24000, 300) + silence
    devices = _FakeDevices(speech.tobytes())
    options = mic_agent.parse_args([])
    with trio.fail_after(20):
        async with open_fake_server() as server:
            server.script("x" * 100)  # 100 characters: 2 s of speech
            async with trio.open_nursery() as nursery:
                nursery.start_soon(mic_agent.run_agent, server.client(), devices, options)
                truncate = await server.wait_received(ev.ConversationItemTruncate)
                nursery.cancel_scope.cancel()

    assert server.received_of(ev.ConversationItemTruncate) == [truncate]
    assert truncate.item_id.startswith("item_")
    assert truncate.content_index == 0
    # Cut about 500 ms in; a loaded machine shifts that, never past the 2 s reply.
    assert 100 <= truncate.audio_end_ms < 2000
    # What the speaker sounded, first to last non-zero sample, is what the clock reported.
    audible = devices.played.strip(b"\0")
    heard_ms = audio.PCM16.duration_ms(len(audible) + len(audible) % 2)
    assert abs(heard_ms - truncate.audio_end_ms) < 100
    out = capsys.readouterr().out
    assert f"[interrupted after {truncate.audio_end_ms} ms]" in out
    assert "you: [" in out  # the fake transcriber's "[N ms of audio]"


async def test_tool_agent_runs_both_tools_against_serve_fake() -> None:
    """serve-fake --tool-call makes the calls; the example answers them and prints the turn."""
    (result,) = await _run_against_fake_server(
        [str(EXAMPLES / "tool_agent.py"), "Weather and time in Paris?"],
        serve_args=[
            "--tool-call",
            'get_weather={"city": "Paris"}',
            "--tool-call",
            'local_time={"timezone": "Europe/Paris"}',
        ],
    )
    lines = _ok(result).splitlines()
    assert lines == [
        '[get_weather({"city": "Paris"}) -> {"city":"Paris","temperature":21,"unit":"celsius"}]',
        '[local_time({"timezone": "Europe/Paris"}) -> 12:00 in Europe/Paris]',
        "The tool returned: 12:00 in Europe/Paris",
    ]


# One "[new session: ...]" line of reconnecting_chat.py; the downtime varies.
NEW_SESSION = re.compile(r"^\[new session: (\w+), attempt (\d+), \d+ ms down, (.*)\]$")


def _chat_lines(stdout: str) -> list[str]:
    """The example's output with each marker's downtime left out."""
    lines: list[str] = []
    for line in stdout.splitlines():
        marker = NEW_SESSION.match(line)
        lines.append(f"[{marker[1]} #{marker[2]}: {marker[3]}]" if marker else line)
    return lines


async def test_reconnecting_chat_goes_on_across_dropped_connections() -> None:
    """Every connection is reset after 40 events: a reply cut off is asked again, sends
    made while no connection was open go to the next one, every question is answered."""
    questions = ["Hello!", "How are you?", "Goodbye.", "Really?"]
    (result,) = await _run_against_fake_server(
        [str(EXAMPLES / "reconnecting_chat.py"), *questions],
        serve_args=["--drop-after", "40"],
    )
    lines = _chat_lines(_ok(result))
    assert [line for line in lines if line.startswith("you> ")] == [f"you> {q}" for q in questions]
    answers = [line for line in lines if line.startswith("assistant> ")]
    assert answers == [f"assistant> You said: {q}" for q in questions]
    markers = [line for line in lines if line.startswith("[")]
    assert markers, lines
    assert all(m.startswith("[connection_lost #1: ") for m in markers), markers
    # The third reply is the one cut off first (40 events into the connection).
    assert lines[4:7] == [
        "you> Goodbye.",
        "[connection_lost #1: 6 item(s) restored; the reply was cut off, asking again]",
        "assistant> You said: Goodbye.",
    ]
    assert lines[-1] == f"{len(markers)} reconnect(s), 0 rollover(s)"


async def test_reconnecting_chat_outlives_an_expired_session() -> None:
    """The session expires (session_expired, then a normal close) while the chat pauses:
    a new session takes over with the conversation, and the next question is answered."""
    (result,) = await _run_against_fake_server(
        [str(EXAMPLES / "reconnecting_chat.py"), "Hello!", "Again?", "--pause", "2"],
        serve_args=["--session-duration", "1.5"],
    )
    assert result.returncode == 0, result.stderr.decode()
    lines = _chat_lines(result.stdout.decode())
    # The next question's two events were still held when the new session opened,
    # or (one or both) given to the old connection's writer after its end: moved.
    marker = re.fullmatch(
        r"\[session_expired #1: 2 item\(s\) restored(, [12] unwritten event\(s\) moved to it)?\]",
        lines[3],
    )
    assert marker, (lines, result.stderr.decode())
    assert lines[:3] + lines[4:] == [
        "you> Hello!",
        "assistant> You said: Hello!",
        "you> Again?",
        "assistant> You said: Again?",
        "1 reconnect(s), 0 rollover(s)",
    ], (lines, result.stderr.decode())
    assert "[server error session_expired: " in result.stderr.decode()


def test_reconnecting_chat_checks_its_arguments() -> None:
    for bad in ([], ["hi", "--pause", "-1"]):
        done = subprocess.run(
            [sys.executable, str(EXAMPLES / "reconnecting_chat.py"), *bad],
            capture_output=True,
            env=_env(),
            check=False,
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert b"usage:" in done.stderr


# -- translate_wav.py: its session against the fake server in process, then the
# whole program against serve-fake.


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


async def test_translate_wav_streams_the_file_and_collects_the_translation() -> None:
    example = _load("translate_wav")
    pcm = _tone(24000, 500).tobytes()  # 500 ms: frames of 200, 200 and 100 (+ padding)
    update = example.session_update("es", "gpt-transcribe")
    with trio.fail_after(30):
        async with open_fake_server(delta_size=1000) as server:
            server.script_transcripts("hello", "there")
            result = await example.translate(
                server.client(), "gpt-realtime-translate", pcm, update, pace=False
            )
    seen = server.received
    assert [type(e).__name__ for e in seen] == [
        "TranslationSessionUpdate",
        *["TranslationSessionInputAudioBufferAppend"] * 3,
        "TranslationSessionClose",
    ]
    appended = b"".join(
        e.audio for e in seen if isinstance(e, ev.TranslationSessionInputAudioBufferAppend)
    )
    assert appended[: len(pcm)] == pcm  # the last frame padded with silence
    assert len(appended) == 3 * audio.PCM16.bytes_for_ms(200)
    # The fake's source transcript: scripted, then its placeholder; each frame
    # translated as "[es] " and what was said.
    assert "".join(result.source_text) == "hello there [200 ms of audio]"
    assert "".join(result.text) == "[es] hello [es] there [es] [200 ms of audio]"
    assert len(result.pcm) == len(appended)  # as long as the speech sent
    assert audio.rms_dbfs(bytes(result.pcm)) > -30  # the fake's tone, not silence
    assert result.rate == 24000


def test_translate_wav_builds_the_session_update_the_api_takes() -> None:
    example = _load("translate_wav")
    plain = ev.encode_translation_client_event(example.session_update("fr", None))
    assert plain == b'{"type":"session.update","session":{"audio":{"output":{"language":"fr"}}}}'
    both = json.loads(ev.encode_translation_client_event(example.session_update("de", "m")))
    assert both["session"]["audio"] == {
        "input": {"transcription": {"model": "m"}},
        "output": {"language": "de"},
    }


async def test_translate_wav_against_serve_fake_writes_the_translated_speech(
    tmp_path: Path,
) -> None:
    source, out = tmp_path / "talk.wav", tmp_path / "talk-fr.wav"
    audio.write_wav(source, _tone(24000, 400).tobytes())
    command = [str(EXAMPLES / "translate_wav.py"), str(source), str(out)]
    (result,) = await _run_against_fake_server(
        [*command, "--language", "fr", "--transcribe", "gpt-4o-transcribe", "--no-pace"]
    )
    stdout = _ok(result)
    assert stdout.strip() == "[fr] [200 ms of audio] [fr] [200 ms of audio]"
    stderr = result.stderr.decode()
    assert "[200 ms of audio] [200 ms of audio]" in stderr  # the source transcript
    info = audio.wav_info(out)
    assert (info.sample_rate, info.channels, info.sample_width) == (24000, 1, 2)
    assert info.duration_ms == 400
    assert f"sent 400 ms, wrote 400 ms of translation to {out}" in stderr


async def test_translate_wav_exits_with_the_servers_refusal_of_its_model(
    tmp_path: Path,
) -> None:
    source = tmp_path / "talk.wav"
    audio.write_wav(source, _tone(24000, 200).tobytes())
    command = [str(EXAMPLES / "translate_wav.py"), str(source), str(tmp_path / "out.wav")]
    (result,) = await _run_against_fake_server([*command, "--model", "gpt-realtime"])
    assert result.returncode == 1
    # The error event, or the close after it when a send hits the closed socket first.
    message = result.stderr.decode()
    assert (
        'error from the server: Model "gpt-realtime" is not supported in translation mode.'
        in message
        or "code 4000 (invalid_request_error.invalid_model)" in message
    ), message
    assert not (tmp_path / "out.wav").exists()


def test_translate_wav_checks_its_arguments(tmp_path: Path) -> None:
    for bad in ([], ["only-input.wav"], ["a.wav", "b.wav", "--language", " "]):
        done = subprocess.run(
            [sys.executable, str(EXAMPLES / "translate_wav.py"), *bad],
            capture_output=True,
            env=_env(),
            check=False,
            timeout=60,
        )
        assert done.returncode == 2, done.stderr
        assert b"usage:" in done.stderr
    missing = subprocess.run(
        [sys.executable, str(EXAMPLES / "translate_wav.py"), str(tmp_path / "no.wav"), "o.wav"],
        capture_output=True,
        env=_env(),
        check=False,
        timeout=60,
    )
    assert missing.returncode == 1
    assert b"no.wav" in missing.stderr
