"""A voice agent on your microphone and speaker, with interruption.

Shows a live conversation: the microphone streams to the server in 20 ms
blocks, server VAD ends each of your turns and starts the reply, and the reply
plays through a small player. A `PlaybackClock` keeps track of how much of each
assistant item you actually heard, so when you talk over the reply
(``input_audio_buffer.speech_started``) the player is cleared and the item is
truncated at the point you stopped hearing it (``conversation.item.truncate``):
the model then knows what you heard, not what it sent.

Needs a sound card and the ``devices`` extra (sounddevice, PortAudio, and the
``audio`` extra for resampling)::

    pip install 'trio-realtime[devices]'
    OPENAI_API_KEY=... python examples/mic_agent.py [--model M] [--samplerate 48000]
        [--input-device N] [--output-device N]

Use headphones: a speaker the microphone hears makes the agent interrupt itself.
Devices run at ``--samplerate`` (24 kHz by default, the session's rate); any
other rate is resampled with `trio_realtime.audio.Resampler`. Ctrl-C stops it.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import trio

import trio_realtime as rt
from trio_realtime import audio
from trio_realtime import events as ev

INSTALL = "pip install 'trio-realtime[devices]'"
BLOCK_MS = 20
SESSION = ev.RealtimeSession(
    output_modalities=["audio"],
    audio=ev.AudioConfig(
        input=ev.AudioInput(
            format=audio.PCM16.to_event(),
            transcription=ev.AudioTranscription(model="gpt-transcribe"),
            turn_detection=ev.ServerVad(create_response=True, interrupt_response=True),
        ),
        output=ev.AudioOutput(format=audio.PCM16.to_event()),
    ),
)


@dataclass(frozen=True, slots=True)
class Options:
    model: str
    samplerate: int
    input_device: int | str | None
    output_device: int | str | None


def _device(value: str) -> int | str:
    """A device index, or a substring of its name (as sounddevice takes it)."""
    return int(value) if value.isdigit() else value


def parse_args(argv: Sequence[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="gpt-realtime-2.1")
    parser.add_argument(
        "--samplerate", type=int, default=audio.PCM16.sample_rate, help="the devices' rate, Hz"
    )
    parser.add_argument("--input-device", type=_device, help="index or name (sounddevice)")
    parser.add_argument("--output-device", type=_device, help="index or name (sounddevice)")
    args = parser.parse_args(argv)
    return Options(args.model, args.samplerate, args.input_device, args.output_device)


def load_sounddevice() -> Any:
    """The sounddevice module, or an exit that says which extra to install."""
    try:
        return importlib.import_module("sounddevice")
    except (ImportError, OSError) as exc:  # OSError: sounddevice is there, PortAudio is not
        raise SystemExit(
            f"mic_agent.py needs sounddevice and PortAudio: {INSTALL} ({exc})"
        ) from exc


class Player:
    """The speaker's queue: trio adds audio, PortAudio's thread takes it, the user clears it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending = bytearray()

    def add(self, pcm: bytes) -> None:
        with self._lock:
            self._pending += pcm

    def clear(self) -> None:
        with self._lock:
            self._pending.clear()

    def callback(self, outdata: Any, frames: int, time: Any, status: Any) -> None:
        """sounddevice's output callback (PortAudio's thread): fill ``outdata``, silence if dry."""
        size = len(outdata)
        with self._lock:
            chunk = bytes(self._pending[:size])
            del self._pending[:size]
        outdata[: len(chunk)] = chunk
        outdata[len(chunk) :] = bytes(size - len(chunk))


async def send_microphone(
    conn: rt.RealtimeConnection, blocks: trio.MemoryReceiveChannel[bytes], samplerate: int
) -> None:
    to_session = audio.Resampler(samplerate, audio.PCM16.sample_rate)
    async for block in blocks:
        pcm = to_session.process(block)
        if pcm:
            await conn.send(ev.InputAudioBufferAppend.pcm16(pcm))


async def converse(
    conn: rt.RealtimeConnection, player: Player, clock: audio.PlaybackClock, samplerate: int
) -> None:
    to_speaker = audio.Resampler(audio.PCM16.sample_rate, samplerate)
    muted: str | None = None  # the item cut off last: its deltas still in flight are dropped
    async for event in conn:
        match event:
            case ev.ResponseOutputAudioDelta(item_id=item_id, delta=chunk) if item_id != muted:
                # The clock counts from when the player gets the audio; add the output
                # stream's latency to it if you need the cut to the millisecond.
                clock.enqueue(item_id, chunk)
                player.add(to_speaker.process(chunk))
            case ev.InputAudioBufferSpeechStarted():
                # You started talking. The server cancels its response (interrupt_response);
                # we stop the speaker and tell the model how much of the item you heard.
                player.clear()
                cut = clock.interrupt()
                if cut is not None:
                    muted = cut.item_id
                    await conn.send(
                        ev.ConversationItemTruncate(
                            item_id=cut.item_id, content_index=0, audio_end_ms=cut.audio_end_ms
                        )
                    )
                    print(f" [interrupted after {cut.audio_end_ms} ms]", flush=True)
            case ev.ConversationItemInputAudioTranscriptionCompleted(transcript=text):
                print(f"you: {text}", flush=True)
            case ev.ResponseOutputAudioTranscriptDelta(delta=text):
                print(text, end="", flush=True)
            case ev.ResponseOutputAudioTranscriptDone():
                print(flush=True)
            case ev.ErrorEvent(error=error):
                print(f"[server error: {error.message}]", file=sys.stderr, flush=True)
            case _:
                pass


async def until_ctrl_c(scope: trio.CancelScope) -> None:
    with trio.open_signal_receiver(signal.SIGINT) as signals:
        async for _ in signals:
            scope.cancel()
            return


async def run_agent(client: rt.Client, sd: Any, options: Options) -> None:
    token = trio.lowlevel.current_trio_token()
    # A second of microphone blocks; if the network falls behind further, blocks are
    # dropped rather than queued without bound.
    blocks_in, blocks_out = trio.open_memory_channel[bytes](1000 // BLOCK_MS)

    def offer(block: bytes) -> None:  # in trio's thread
        with contextlib.suppress(trio.WouldBlock):
            blocks_in.send_nowait(block)

    def on_microphone(indata: Any, frames: int, time: Any, status: Any) -> None:
        # PortAudio's thread: never block here; hand the bytes to trio and return.
        with contextlib.suppress(trio.RunFinishedError):
            token.run_sync_soon(offer, bytes(indata))

    player = Player()
    clock = audio.PlaybackClock(audio.PCM16)
    common: dict[str, Any] = {
        "samplerate": options.samplerate,
        "channels": 1,
        "dtype": "int16",
        "blocksize": options.samplerate * BLOCK_MS // 1000,
    }
    microphone = sd.RawInputStream(device=options.input_device, callback=on_microphone, **common)
    speaker = sd.RawOutputStream(device=options.output_device, callback=player.callback, **common)
    async with rt.open_realtime(client, options.model) as conn:
        await conn.send(ev.SessionUpdate(session=SESSION))
        with microphone, speaker:
            print("listening (Ctrl-C to stop)", file=sys.stderr, flush=True)
            async with trio.open_nursery() as nursery:
                nursery.start_soon(until_ctrl_c, nursery.cancel_scope)
                nursery.start_soon(send_microphone, conn, blocks_out, options.samplerate)
                await converse(conn, player, clock, options.samplerate)
                nursery.cancel_scope.cancel()  # the server closed the session


def main(argv: Sequence[str] | None = None) -> None:
    options = parse_args(argv)
    sd = load_sounddevice()
    try:
        client = rt.Client.from_env()  # OPENAI_API_KEY, OPENAI_BASE_URL
    except rt.ConfigurationError as exc:
        raise SystemExit(str(exc)) from exc
    trio.run(run_agent, client, sd, options)


if __name__ == "__main__":
    main()
