"""trio_realtime.audio: formats, frames, levels, resampling, WAV, the playback clock,
the extra-missing errors, the base64 guard, and the fake server speaking G.711."""

from __future__ import annotations

import base64
import builtins
import io
import itertools
import math
import os
import random
import struct
import wave
from typing import Any

import pytest
import trio

import trio_realtime as rt
from trio_realtime import audio
from trio_realtime import events as ev
from trio_realtime.audio import PCM16, PCMA, PCMU
from trio_realtime.testing import open_fake_server


def tone(ms: float, level: float = 0.5, rate: int = 24000, hz: float = 440.0) -> bytes:
    n = int(rate * ms / 1000)
    amp = int(32767 * level)
    return struct.pack(
        f"<{n}h", *(int(amp * math.sin(2 * math.pi * hz * i / rate)) for i in range(n))
    )


# -- formats -----------------------------------------------------------------


def test_format_arithmetic_for_each_wire_format() -> None:
    assert PCM16.bytes_for_ms(100) == 4800
    assert PCMU.bytes_for_ms(100) == PCMA.bytes_for_ms(100) == 800
    assert PCM16.duration_ms(4800) == PCMU.duration_ms(800) == 100
    assert PCM16.samples(b"\x00" * 10) == 5
    assert PCMU.samples_for_ms(20) == 160
    assert PCM16.silence(10) == bytes(480)
    assert PCMU.silence(1) == b"\xff" * 8
    assert audio.ulaw_decode(PCMU.silence(1)) == bytes(16)
    with pytest.raises(audio.AudioFormatError, match="whole 2-byte samples, got 3 bytes"):
        PCM16.duration_ms(3)
    with pytest.raises(audio.AudioFormatError, match="negative"):
        PCM16.bytes_for_ms(-1)


def test_format_arithmetic_refuses_negative_counts() -> None:
    for call in (PCM16.samples, PCM16.duration_ms, PCMU.samples, PCMA.duration_ms):
        with pytest.raises(audio.AudioFormatError, match="cannot be negative, got -4 bytes"):
            call(-4)
    for call in (PCM16.samples_for_ms, PCMU.silence):
        with pytest.raises(audio.AudioFormatError, match="negative"):
            call(-20)


def test_audio_format_lookup_and_its_errors() -> None:
    assert audio.audio_format(ev.AudioPCMU()) is PCMU
    assert audio.audio_format("audio/pcma") is PCMA
    assert audio.audio_format(ev.AudioPCM(rate=24000)) is PCM16
    assert audio.audio_format(None) is PCM16
    assert audio.audio_format(ev.AudioFormat()) is PCM16
    assert PCMU.to_event() == ev.AudioPCMU()
    assert PCM16.to_event() == ev.AudioPCM(rate=24000)
    with pytest.raises(audio.AudioFormatError, match=r"unknown audio format 'audio/opus'; use"):
        audio.audio_format("audio/opus")
    with pytest.raises(audio.AudioFormatError, match=r"16000 Hz .* takes 24000 Hz .*Resampler"):
        audio.audio_format(ev.AudioPCM(rate=16000))


# -- frames and levels -------------------------------------------------------------


def test_frame_splitter_carries_the_remainder_across_odd_chunks() -> None:
    data = os.urandom(4800 * 3 + 101)
    splitter = audio.FrameSplitter(20)
    assert splitter.frame_bytes == 960
    frames: list[bytes] = []
    for start in range(0, len(data), 777):  # odd sizes, half samples included
        frames += splitter.feed(data[start : start + 777])
    assert all(len(f) == 960 for f in frames)
    assert b"".join(frames) + splitter.flush() == data
    assert splitter.pending == 0


def test_split_frames_pads_the_tail_and_checks_whole_samples() -> None:
    frames = list(audio.split_frames(b"\x01\x00" * 500, 20))
    assert [len(f) for f in frames] == [960, 960]
    assert frames[-1] == b"\x01\x00" * 20 + bytes(920)
    assert [len(f) for f in audio.split_frames(b"\x01" * 170, 20, PCMU)] == [160, 160]
    assert audio.split_frames(b"\x01" * 170, 20, PCMU, pad=False)[-1] == b"\x01" * 10  # type: ignore[index]
    assert audio.split_frames(PCMU.silence(30), 20, PCMU)[-1] == b"\xff" * 160  # type: ignore[index]
    with pytest.raises(audio.AudioFormatError, match="got 3 bytes"):
        audio.split_frames(b"abc", 20)
    with pytest.raises(audio.AudioFormatError, match="longer frame"):
        audio.FrameSplitter(0.01)


def test_levels_in_dbfs() -> None:
    assert audio.rms_dbfs(bytes(960)) == -math.inf
    assert audio.peak_dbfs(b"") == -math.inf
    assert audio.rms_dbfs(tone(100, 1.0)) == pytest.approx(-3.01, abs=0.05)
    assert audio.rms_dbfs(tone(100, 0.1)) == pytest.approx(-23.01, abs=0.05)
    assert audio.peak_dbfs(struct.pack("<2h", -32768, 5)) == 0.0
    assert audio.peak_dbfs(tone(100, 0.5)) == pytest.approx(-6.02, abs=0.01)
    with pytest.raises(audio.AudioFormatError, match="got 1 bytes"):
        audio.rms_dbfs(b"\x00")


# -- resampling -----------------------------------------------------------------


@pytest.mark.parametrize("rate", audio.COMMON_RATES)
def test_resample_to_24k_keeps_duration_and_pitch(rate: int) -> None:
    out = audio.resample(tone(500, 0.5, rate, 300), rate)
    assert len(out) // 2 == pytest.approx(12000, abs=2)
    # The tone's level survives (no aliasing loss, no gain change).
    assert audio.rms_dbfs(out[2400:-2400]) == pytest.approx(-9.03, abs=0.2)


def test_streaming_resampler_matches_one_shot_without_clicks() -> None:
    src = tone(1000, 0.5, 48000, 300)
    whole = audio.resample(src, 48000)
    r = audio.Resampler(48000)
    parts = [r.process(src[i : i + 1001]) for i in range(0, len(src), 1001)]  # odd chunks
    streamed = b"".join(parts) + r.flush()
    assert len(streamed) == len(whole)
    samples = struct.unpack(f"<{len(streamed) // 2}h", streamed)
    reference = struct.unpack(f"<{len(whole) // 2}h", whole)
    # Chunking changes only int16 rounding (soxr works in float inside).
    assert max(abs(a - b) for a, b in zip(samples, reference, strict=True)) <= 2
    # A click would be a jump far larger than a 300 Hz tone's largest step.
    middle = samples[200:-200]
    biggest = max(abs(a - b) for a, b in itertools.pairwise(middle))
    assert biggest < 32767 * 0.5 * 2 * math.pi * 300 / 24000 * 1.1


@pytest.mark.parametrize(("src", "dst"), [(48000, 24000), (8000, 24000), (22050, 24000)])
def test_resampler_adds_no_dither_and_chunking_changes_nothing(src: int, dst: int) -> None:
    silence = bytes(2 * src)  # 1 s of digital silence
    assert audio.resample(silence, src, dst) == bytes(len(audio.resample(silence, src, dst)))
    r = audio.Resampler(src, dst)
    streamed = b"".join(r.process(silence[i : i + 961]) for i in range(0, len(silence), 961))
    assert not any(streamed + r.flush())  # zeros in, zeros out
    pcm = tone(1000, 0.5, src, 300)
    whole = audio.resample(pcm, src, dst)
    for size in (1, 3, 7, 101, 480, 961, 1920):
        r = audio.Resampler(src, dst)
        parts = [r.process(pcm[i : i + size]) for i in range(0, len(pcm), size)]
        assert b"".join(parts) + r.flush() == whole, size  # bit-exact with one shot


def test_resampler_misuse_raises_a_typed_error() -> None:
    for from_rate in (16000, 24000):  # resampling and pass-through alike
        r = audio.Resampler(from_rate)
        r.process(tone(20, 0.5, from_rate))
        r.flush()
        with pytest.raises(audio.ResamplerFlushed, match="already flushed"):
            r.flush()
        with pytest.raises(audio.ResamplerFlushed, match="new Resampler"):
            r.process(bytes(320))
    for bad in ("best", "", 3, None):
        with pytest.raises(audio.AudioFormatError, match="quality must be one of"):
            audio.Resampler(16000, quality=bad)  # pyright: ignore[reportArgumentType]
    with pytest.raises(audio.AudioFormatError, match="quality"):
        audio.resample(bytes(320), 16000, quality="best")
    audio.Resampler(16000, quality="vhq")  # case does not matter


def test_resampler_passthrough_and_bad_rates() -> None:
    r = audio.Resampler(24000)
    assert r.process(b"\x01\x02\x03") == b"\x01\x02"
    assert r.process(b"\x04") == b"\x03\x04"
    assert r.flush() == b""
    with pytest.raises(audio.AudioFormatError, match="from_rate must be a sample rate"):
        audio.Resampler(0)
    with pytest.raises(audio.AudioFormatError, match="to_rate"):
        audio.Resampler(48000, 24000.0)  # type: ignore[arg-type]


def test_missing_extra_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_soxr(name: str, *args: Any, **kwargs: Any) -> Any:
        if name in ("soxr", "numpy"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_soxr)
    import importlib

    monkeypatch.setattr(importlib, "import_module", lambda name: no_soxr(name))
    with pytest.raises(audio.AudioExtraMissing, match=r"pip install 'trio-realtime\[audio\]'"):
        audio.Resampler(48000)
    with pytest.raises(ImportError, match="resampling needs soxr"):
        audio.resample(b"", 16000)
    # What is pure keeps working: formats, frames, levels, G.711 (stdlib path), passthrough.
    from trio_realtime.audio import _g711

    monkeypatch.setattr(_g711, "_np", None)  # as if numpy was missing at the first encode
    monkeypatch.setattr(_g711, "_numpy_table", None)  # would fail if the numpy path ran
    assert audio.ulaw_encode(b"\x00\x00") == b"\xff"
    assert audio.alaw_decode(b"\xd5") == b"\x08\x00"
    assert audio.Resampler(24000).process(b"ab") == b"ab"


def test_g711_encode_looks_numpy_up_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from trio_realtime.audio import _g711

    audio.ulaw_encode(bytes(320))  # the first encode finds numpy (or its absence)

    def no_lookups(package: str, what: str) -> Any:
        raise AssertionError(f"require({package!r}) on every encode")

    monkeypatch.setattr(_g711, "require", no_lookups)
    assert audio.ulaw_encode(b"\x00\x00") == b"\xff"
    assert audio.alaw_encode(b"\x00\x00") == b"\xd5"


def test_audio_public_names() -> None:
    assert audio.__all__ == [
        "COMMON_RATES",
        "PCM16",
        "PCMA",
        "PCMU",
        "QUALITIES",
        "AudioExtraMissing",
        "AudioFormat",
        "AudioFormatError",
        "FrameSplitter",
        "PlaybackClock",
        "PlayedAudio",
        "Resampler",
        "ResamplerFlushed",
        "WavInfo",
        "alaw_decode",
        "alaw_encode",
        "audio_format",
        "check_pcm16",
        "peak_dbfs",
        "read_wav",
        "resample",
        "rms_dbfs",
        "split_frames",
        "ulaw_decode",
        "ulaw_encode",
        "wav_info",
        "write_wav",
    ]
    assert all(hasattr(audio, name) for name in audio.__all__)


def test_core_and_audio_import_without_numpy_or_soxr() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "sys.modules['numpy'] = None; sys.modules['soxr'] = None\n"
        "import trio_realtime, trio_realtime.audio as a, trio_realtime.testing\n"
        "assert a.ulaw_decode(a.ulaw_encode(b'\\x00\\x00')) == b'\\x00\\x00'\n"
        "try:\n    a.resample(b'', 16000)\nexcept a.AudioExtraMissing as e:\n    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert "install the audio extra: pip install 'trio-realtime[audio]'" in out.stdout


# -- WAV ------------------------------------------------------------------------


def _wav(frames: bytes, rate: int, channels: int = 1, width: int = 2) -> io.BytesIO:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        w.writeframes(frames)
    buf.seek(0)
    return buf


def test_wav_round_trip_and_conversion_on_load(tmp_path: Any) -> None:
    pcm = tone(200, 0.5)
    path = tmp_path / "a.wav"
    audio.write_wav(path, pcm)
    assert audio.wav_info(path) == audio.WavInfo(24000, 1, 2, 4800)
    assert audio.read_wav(path) == pcm
    # 22.05 kHz stereo (left = tone, right = the same) becomes 24 kHz mono.
    src = tone(500, 0.5, 22050, 300)
    n = len(src) // 2
    left = struct.unpack(f"<{n}h", src)
    stereo = struct.pack(f"<{2 * n}h", *(v for s in left for v in (s, s)))
    mono = audio.read_wav(_wav(stereo, 22050, channels=2))
    assert len(mono) // 2 == pytest.approx(12000, abs=2)
    assert audio.rms_dbfs(mono[2400:-2400]) == pytest.approx(-9.03, abs=0.2)
    # 8-bit unsigned: 128 is zero.
    assert audio.read_wav(_wav(b"\x80\x80", 24000, width=1)) == bytes(4)


@pytest.mark.parametrize(
    ("width", "channels", "cut"),
    [(2, 1, 1), (3, 1, 1), (3, 1, 2), (2, 2, 2), (2, 2, 3), (3, 2, 4), (1, 2, 1)],
)
def test_truncated_wav_is_trimmed_to_whole_frames(width: int, channels: int, cut: int) -> None:
    frame = width * channels
    whole = bytes(range(256))[: 10 * frame]
    full = _wav(whole, 24000, channels, width).getvalue()
    truncated = io.BytesIO(full[:-cut])  # the data chunk ends mid-frame
    expected = audio.read_wav(_wav(whole[: 9 * frame], 24000, channels, width))
    pcm = audio.read_wav(truncated)
    assert len(pcm) == 2 * 9  # nine whole frames of mono PCM16, no half sample
    assert pcm == expected


def test_wav_g711_is_written_as_8k_pcm16_and_bad_files_fail(tmp_path: Any) -> None:
    path = tmp_path / "call.wav"
    codes = audio.ulaw_encode(tone(100, 0.5, 8000))
    audio.write_wav(path, codes, audio_format=PCMU)
    assert audio.wav_info(path) == audio.WavInfo(8000, 1, 2, 800)
    assert audio.read_wav(path, rate=8000) == audio.ulaw_decode(codes)
    with pytest.raises(audio.AudioFormatError, match="not a PCM WAV file"):
        audio.read_wav(io.BytesIO(b"RIFF\x00\x00\x00\x00WAVEjunk"))
    with pytest.raises(audio.AudioFormatError, match="got 3 bytes"):
        audio.write_wav(tmp_path / "x.wav", b"abc")


# -- the playback clock -----------------------------------------------------------


def test_playback_clock_counts_real_time_not_received_bytes() -> None:
    now = [100.0]
    clock = audio.PlaybackClock(clock=lambda: now[0])
    clock.enqueue("a", PCM16.bytes_for_ms(1000))  # arrives at once, plays for 1 s
    clock.enqueue("a", PCM16.silence(500))
    now[0] += 0.25
    assert clock.played_ms("a") == 250
    assert clock.playing
    now[0] += 0.1
    assert clock.interrupt() == audio.PlayedAudio("a", 350)
    now[0] += 5
    assert clock.played_ms("a") == 350  # the cut holds
    assert not clock.playing
    assert clock.interrupt() is None
    assert clock.played_ms("never") == 0


def test_playback_clock_queues_items_and_handles_a_dry_player() -> None:
    now = [0.0]
    clock = audio.PlaybackClock(PCMU, clock=lambda: now[0])
    clock.enqueue("a", 800)  # 100 ms of G.711
    clock.enqueue("b", 800)
    now[0] = 0.15
    assert (clock.played_ms("a"), clock.played_ms("b")) == (100, 50)
    now[0] = 1.0  # the player ran dry; new audio starts now
    clock.enqueue("b", 400)
    now[0] = 1.02
    assert clock.played_ms("b") == 120
    assert clock.interrupt() == audio.PlayedAudio("b", 120)


@pytest.mark.parametrize("base", [100.0, 1e5, 5e6, 1e7, 1.7e9])
def test_playback_clock_keeps_one_span_at_real_monotonic_magnitudes(base: float) -> None:
    now = [base]
    clock = audio.PlaybackClock(clock=lambda: now[0])
    for _ in range(3000):  # 60 s of 20 ms chunks, all arriving at once
        clock.enqueue("a", PCM16.bytes_for_ms(20))
    assert len(clock._items["a"].spans) == 1  # pyright: ignore[reportPrivateUsage]
    now[0] = base + 30.0
    assert abs(clock.played_ms("a") - 30000) <= 1


def test_playback_clock_memory_is_bounded_when_audio_arrives_at_real_time() -> None:
    now = [1000.0]
    clock = audio.PlaybackClock(clock=lambda: now[0])
    for _ in range(5000):  # each chunk lands just after the player ran dry
        clock.enqueue("a", PCM16.bytes_for_ms(20))
        now[0] += 0.0201
    spans = clock._items["a"].spans  # pyright: ignore[reportPrivateUsage]
    assert len(spans) <= audio.PlaybackClock.MAX_SPANS
    assert all(type(span) is tuple for span in spans)
    assert clock.played_ms("a") == 100000  # 5000 chunks of 20 ms, all played


def test_playback_clock_ignores_late_audio_of_an_interrupted_item() -> None:
    now = [0.0]
    clock = audio.PlaybackClock(clock=lambda: now[0])
    clock.enqueue("a", PCM16.bytes_for_ms(1000))
    now[0] = 0.3
    assert clock.interrupt() == audio.PlayedAudio("a", 300)
    clock.enqueue("a", PCM16.bytes_for_ms(200))  # late deltas of the cancelled response
    now[0] = 1.0
    assert clock.played_ms("a") == 300
    assert not clock.playing
    assert clock.interrupt() is None
    clock.enqueue("b", PCM16.bytes_for_ms(100))  # the next response plays as usual
    now[0] = 1.05
    assert clock.played_ms("b") == 50


def test_playback_clock_never_evicts_the_item_playing() -> None:
    now = [0.0]
    clock = audio.PlaybackClock(PCMU, clock=lambda: now[0], max_items=2)
    clock.enqueue("a", 8000)  # 1 s
    clock.enqueue("b", 8)
    clock.enqueue("c", 8)
    now[0] = 0.5
    assert clock.played_ms("a") == 500
    assert clock.interrupt() == audio.PlayedAudio("a", 500)


def test_playback_clock_refuses_bad_arguments() -> None:
    with pytest.raises(ValueError, match="max_items must be at least 1, got 0"):
        audio.PlaybackClock(max_items=0)
    clock = audio.PlaybackClock()
    with pytest.raises(audio.AudioFormatError, match="negative"):
        clock.enqueue("a", -4)
    assert clock.played_ms("a") == 0


# -- the base64 trap ----------------------------------------------------------------


def test_base64_text_is_refused_with_the_fix() -> None:
    pcm = tone(100)
    for data in (base64.b64encode(pcm), base64.b64encode(bytes(4800))):
        # The bytes heuristic runs where the audio is known to be PCM16: the builder.
        with pytest.raises(rt.Base64AudioError, match="library does the base64"):
            ev.InputAudioBufferAppend.pcm16(data)
        with pytest.raises(rt.Base64AudioError, match="library does the base64"):
            ev.InputAudioBufferAppend.pcm16(memoryview(bytearray(data)))
        # Text as ``str`` is never audio: refused everywhere, with the fix in the message.
        text: Any = data.decode()
        with pytest.raises(rt.Base64AudioError, match="library does the base64"):
            ev.InputAudioBufferAppend(audio=text)
        with pytest.raises(rt.Base64AudioError, match="library does the base64"):
            ev.InputAudioBufferAppend.pcm16(text)
        with pytest.raises(ValueError, match="base64"):
            ev.TranslationSessionInputAudioBufferAppend(audio=text)


def test_append_takes_any_buffer_and_refuses_str_clearly() -> None:
    pcm = tone(20)
    for buffer in (bytearray(pcm), memoryview(pcm), memoryview(bytearray(pcm))):
        event = ev.InputAudioBufferAppend(audio=buffer)  # pyright: ignore[reportArgumentType]
        decoded = ev.decode_client_event(ev.encode_client_event(event))
        assert isinstance(decoded, ev.InputAudioBufferAppend)
        assert decoded.audio == pcm
        assert ev.InputAudioBufferAppend.pcm16(buffer).audio == pcm
    for text in ("hello audio", "", "AAAA" * 10):
        bad: Any = text
        with pytest.raises(rt.Base64AudioError, match="pass the raw bytes"):
            ev.InputAudioBufferAppend(audio=bad)
        with pytest.raises(rt.Base64AudioError, match="pass the raw bytes"):
            ev.InputAudioBufferAppend.pcm16(bad)


def quiet_g711(fmt: audio.AudioFormat, ms: int, offset: int, seed: int) -> bytes:
    """Quiet 8 kHz G.711 with a small negative DC offset and noise: made only of
    base64-alphabet bytes (A-law -1..-128 is 'P'..'W', mu-law -37..-364 'a'..'z')."""
    rng = random.Random(seed)
    n = 8 * ms
    spread = max(2.0, abs(offset) / 5)
    pcm = struct.pack(
        f"<{n}h", *(max(-32768, min(32767, round(offset + rng.gauss(0, spread)))) for _ in range(n))
    )
    return (audio.alaw_encode if fmt is PCMA else audio.ulaw_encode)(pcm)


NEGATIVE_OFFSET_G711 = [
    (fmt, ms, offset) for fmt in (PCMA, PCMU) for ms in (20, 100) for offset in (-8, -20, -64, -100)
]


def test_real_audio_never_trips_the_base64_check() -> None:
    for _ in range(2000):
        ev.InputAudioBufferAppend(audio=os.urandom(4800))
    chunks = [
        bytes(4800),
        tone(100),
        tone(100, 0.001),
        PCMU.silence(20),
        PCMA.silence(20),
        b"\x55" * 160,  # A-law's negative idle code is the letter U
        audio.alaw_encode(tone(20, 0.3, 8000)),
        audio.ulaw_encode(tone(20, 0.3, 8000)),
        b"AAA",  # too short to judge
    ]
    for seed, (fmt, ms, offset) in enumerate(NEGATIVE_OFFSET_G711):
        chunks.append(quiet_g711(fmt, ms, offset, seed))
    for chunk in chunks:
        event = ev.InputAudioBufferAppend(audio=chunk)
        assert event.audio == chunk
        assert ev.TranslationSessionInputAudioBufferAppend(audio=chunk).audio == chunk
        # Decoding (what the fake server does with any client's frame) never refuses audio.
        decoded = ev.decode_client_event(ev.encode_client_event(event))
        assert isinstance(decoded, ev.InputAudioBufferAppend)
        assert decoded.audio == chunk


@pytest.mark.parametrize("fmt", [PCMA, PCMU], ids=["pcma", "pcmu"])
async def test_fake_server_accepts_quiet_g711_with_a_negative_offset(
    fmt: audio.AudioFormat,
) -> None:
    frames = [
        quiet_g711(f, ms, offset, seed)
        for seed, (f, ms, offset) in enumerate(NEGATIVE_OFFSET_G711)
        if f is fmt
    ]
    with trio.fail_after(10):
        async with (
            open_fake_server() as server,
            rt.open_realtime(server.client(), "gpt-realtime") as conn,
        ):
            session = ev.RealtimeSession(
                audio=ev.AudioConfig(
                    input=ev.AudioInput(format=fmt.to_event(), turn_detection=None)
                )
            )
            await conn.send(ev.SessionUpdate(session=session))
            for frame in frames:
                await conn.send(ev.InputAudioBufferAppend(audio=frame))
            await conn.send(ev.InputAudioBufferCommit())
            async for event in conn:
                assert not isinstance(event, ev.ErrorEvent), event
                if isinstance(event, ev.InputAudioBufferCommitted):
                    break
    assert [e.audio for e in server.received_of(ev.InputAudioBufferAppend)] == frames


# -- the fake server speaks G.711 -------------------------------------------------


@pytest.mark.parametrize("fmt", [PCMU, PCMA])
async def test_fake_server_vad_and_replies_in_g711(fmt: audio.AudioFormat) -> None:
    encode = audio.ulaw_encode if fmt is PCMU else audio.alaw_encode
    decode = audio.ulaw_decode if fmt is PCMU else audio.alaw_decode
    speech = encode(tone(400, 0.3, 8000))
    quiet = fmt.silence(800)
    with trio.fail_after(10):
        async with (
            open_fake_server() as server,
            rt.open_realtime(server.client(), "gpt-realtime") as conn,
        ):
            await conn.send(
                ev.SessionUpdate(
                    session=ev.RealtimeSession(
                        audio=ev.AudioConfig(
                            input=ev.AudioInput(
                                format=fmt.to_event(), turn_detection=ev.ServerVad()
                            ),
                            output=ev.AudioOutput(format=fmt.to_event()),
                        )
                    )
                )
            )
            for frame in audio.split_frames(quiet[:800] + speech + quiet, 20, fmt):
                await conn.send(ev.InputAudioBufferAppend(audio=frame))
            received = bytearray()
            started = stopped = None
            async for event in conn:
                match event:
                    case ev.InputAudioBufferSpeechStarted():
                        started = event
                    case ev.InputAudioBufferSpeechStopped():
                        stopped = event
                    case ev.ResponseOutputAudioDelta(delta=delta):
                        received += delta
                    case ev.ResponseDone():
                        break
    assert started is not None
    assert stopped is not None
    assert started.audio_start_ms == 0  # speech at 100 ms, minus 300 ms of prefix padding
    assert stopped.audio_end_ms == pytest.approx(1000, abs=20)  # 100 + 400 + 500 ms of silence
    pcm = decode(bytes(received))
    assert fmt.duration_ms(received) >= 100
    assert audio.rms_dbfs(pcm) > -20  # an audible tone, not the old silence bytes
