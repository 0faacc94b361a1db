"""One spoken turn from a WAV file to a WAV file.

Shows the audio path of a Realtime session end to end: ``read_wav`` turns a
recording of any rate and channel count into the session's 24 kHz mono PCM16,
``split_frames`` cuts it into 100 ms frames sent as ``input_audio_buffer.append``
(raw bytes through ``.pcm16``, which the base64 guard checks; the library does
the base64), the turn is committed by hand, and the
reply's audio deltas are collected and written with ``write_wav`` while its
transcript is printed.

Turn detection is switched off and the buffer committed by hand: a file is one
complete turn, and server VAD could cut a recording with pauses into several
turns, or never end one that stops mid-word.

Run it against the real API (``OPENAI_API_KEY``) or the fake server::

    python -m trio_realtime serve-fake --port 8765   # prints a base url; takes any key
    OPENAI_BASE_URL=... OPENAI_API_KEY=sk-any python examples/wav_turn.py question.wav answer.wav

A WAV that is not 16-bit mono 24 kHz needs the ``audio`` extra
(``pip install 'trio-realtime[audio]'``) for the conversion.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import trio

import trio_realtime as rt
from trio_realtime import audio
from trio_realtime import events as ev

FRAME_MS = 100


async def spoken_turn(client: rt.Client, model: str, pcm: bytes) -> tuple[bytes, str]:
    """Send ``pcm`` (24 kHz PCM16) as one user turn; the reply's audio and its transcript."""
    session = ev.RealtimeSession(
        output_modalities=["audio"],
        audio=ev.AudioConfig(
            input=ev.AudioInput(format=audio.PCM16.to_event(), turn_detection=None),
            output=ev.AudioOutput(format=audio.PCM16.to_event()),
        ),
    )
    reply = bytearray()
    transcript = ""
    async with rt.open_realtime(client, model) as conn:
        await conn.send(ev.SessionUpdate(session=session))
        for frame in audio.split_frames(pcm, FRAME_MS):
            await conn.send(ev.InputAudioBufferAppend.pcm16(frame))
        await conn.send(ev.InputAudioBufferCommit())
        await conn.send(ev.ResponseCreate())
        async for event in conn:
            match event:
                case ev.ResponseOutputAudioDelta(delta=chunk):
                    reply += chunk
                case ev.ResponseOutputAudioTranscriptDelta(delta=text):
                    transcript += text
                    print(text, end="", flush=True)
                case ev.ErrorEvent(error=error):
                    raise SystemExit(f"error from the server: {error.message}")
                case ev.ResponseDone(response=response):
                    if response.status != "completed":
                        print(f"\n(response {response.status})", file=sys.stderr)
                    break
                case _:
                    pass  # the other events of the turn say nothing this example needs
    print()
    return bytes(reply), transcript


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("input", type=Path, help="a WAV file: any rate, any channel count")
    parser.add_argument("output", type=Path, help="where to write the reply (24 kHz mono WAV)")
    parser.add_argument("--model", default="gpt-realtime-2.1")
    args = parser.parse_args(argv)
    try:
        pcm = audio.read_wav(args.input)  # mono PCM16 at 24 kHz, whatever the file holds
    except (audio.AudioFormatError, audio.AudioExtraMissing, OSError) as exc:
        raise SystemExit(f"{args.input}: {exc}") from exc
    try:
        client = rt.Client.from_env()  # OPENAI_API_KEY, OPENAI_BASE_URL
    except rt.ConfigurationError as exc:
        raise SystemExit(str(exc)) from exc
    reply, _ = trio.run(spoken_turn, client, args.model, pcm)
    audio.write_wav(args.output, reply)
    sent, got = audio.PCM16.duration_ms(pcm), audio.PCM16.duration_ms(reply)
    print(f"sent {sent:.0f} ms, wrote {got:.0f} ms of reply to {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
