"""A telephony bridge sketch: G.711 mu-law at 8 kHz in and out, with no resampling.

A phone call carries 8 kHz G.711 in 20 ms RTP packets. The session is set to
``audio/pcmu`` for input and output, so the caller's bytes go to the server as
they arrive and the reply comes back ready for the line: nothing is decoded or
resampled on the way. Server VAD decides when the caller has finished (a call
is one continuous stream, with no button to press) and starts the reply.

Offline, files stand in for the two RTP legs::

    python examples/telephony_bridge.py encode speech.wav caller.ulaw  # any WAV -> 8 kHz mu-law
    python examples/telephony_bridge.py call caller.ulaw reply.ulaw    # '-' reads stdin
    python examples/telephony_bridge.py decode reply.ulaw reply.wav    # to listen to the reply

``call`` plays the caller at the line's pace, one 20 ms packet at a time, and
keeps sending line silence once the input ends, as a live call does, until the
reply is complete; it then hangs up. The client comes from the environment
(``OPENAI_API_KEY``, ``OPENAI_BASE_URL``): the real API, or
``python -m trio_realtime serve-fake``. ``encode`` of a WAV that is not 16-bit
mono 8 kHz needs the ``audio`` extra (``pip install 'trio-realtime[audio]'``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import trio

import trio_realtime as rt
from trio_realtime import audio
from trio_realtime import events as ev

PACKET_MS = 20  # the usual RTP packetisation time (ptime) for G.711
PACKET_BYTES = audio.PCMU.bytes_for_ms(PACKET_MS)  # 160

SESSION = ev.RealtimeSession(
    output_modalities=["audio"],
    audio=ev.AudioConfig(
        input=ev.AudioInput(
            format=audio.PCMU.to_event(),
            turn_detection=ev.ServerVad(silence_duration_ms=500, create_response=True),
        ),
        output=ev.AudioOutput(format=audio.PCMU.to_event()),
    ),
)


async def from_caller(conn: rt.RealtimeConnection, line: BinaryIO) -> None:
    """RTP in: the caller's audio to the server, a packet every 20 ms, then line silence."""
    # A real bridge receives here from the UDP socket it offered in its SDP answer
    # (trio.socket, payload type 0 = PCMU): strip each datagram's 12-byte RTP header,
    # put packets back in sequence order (a jitter buffer), send the 160-byte payloads
    # as they are. The file below stands in for that socket.
    silence = audio.PCMU.silence(PACKET_MS)
    start = trio.current_time()
    sent = 0
    while True:
        packet = await trio.to_thread.run_sync(line.read, PACKET_BYTES) or silence
        await conn.send(ev.InputAudioBufferAppend(audio=packet))
        sent += 1
        await trio.sleep_until(start + sent * PACKET_MS / 1000)


async def to_caller(conn: rt.RealtimeConnection, line: BinaryIO) -> str | None:
    """RTP out: the reply's audio in 20 ms packets until the response is done.

    Prints the reply's transcript; returns the server's error message, if any.
    """
    packets = audio.FrameSplitter(PACKET_MS, audio.PCMU)
    async for event in conn:
        match event:
            case ev.InputAudioBufferSpeechStarted():
                # Barge-in lands here: a real bridge drops the packets still queued for
                # the caller and truncates the reply where the caller stopped hearing it
                # (mic_agent.py shows that with PlaybackClock(audio.PCMU)).
                print("[caller speaking]", file=sys.stderr)
            case ev.ResponseOutputAudioDelta(delta=chunk):
                for packet in packets.feed(chunk):
                    # A real bridge prepends an RTP header (sequence + 1, timestamp + 160,
                    # its SSRC) and sends one datagram every 20 ms on a timer; the server
                    # streams faster than real time, so that queue is where audio waits.
                    line.write(packet)
            case ev.ResponseOutputAudioTranscriptDelta(delta=text):
                print(text, end="", flush=True)
            case ev.ErrorEvent(error=error):
                # Returned, not raised: an error inside the nursery would come out as a group.
                return error.message
            case ev.ResponseDone():
                line.write(packets.flush(pad=True))  # RTP packets are whole: pad the last
                print()
                break
            case _:
                pass
    return None


async def call(
    client: rt.Client, model: str, caller: BinaryIO, reply: BinaryIO, max_seconds: float
) -> None:
    async with rt.open_realtime(client, model) as conn:
        await conn.send(ev.SessionUpdate(session=SESSION))
        error: str | None = None
        with trio.move_on_after(max_seconds) as timer:
            async with trio.open_nursery() as nursery:
                nursery.start_soon(from_caller, conn, caller)
                error = await to_caller(conn, reply)
                nursery.cancel_scope.cancel()  # one reply, then hang up
        if error is not None:
            raise SystemExit(f"error from the server: {error}")
        if timer.cancelled_caught:
            raise SystemExit(
                f"no reply within {max_seconds:g} s: did the server's VAD hear speech?"
            )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    encode = commands.add_parser("encode", help="a WAV file to 8 kHz mu-law, as a line carries")
    encode.add_argument("wav", type=Path)
    encode.add_argument("ulaw", type=Path)
    bridge = commands.add_parser("call", help="one call: caller audio in, reply audio out")
    bridge.add_argument("caller", help="8 kHz mu-law from the caller, '-' for stdin")
    bridge.add_argument("reply", type=Path, help="where the reply's 8 kHz mu-law goes")
    bridge.add_argument("--model", default="gpt-realtime-2.1")
    bridge.add_argument("--max-seconds", type=float, default=60.0)
    decode = commands.add_parser("decode", help="8 kHz mu-law to a WAV file you can play")
    decode.add_argument("ulaw", type=Path)
    decode.add_argument("wav", type=Path)
    args = parser.parse_args(argv)

    if args.command == "encode":
        try:
            pcm = audio.read_wav(args.wav, rate=audio.PCMU.sample_rate)
        except (audio.AudioFormatError, audio.AudioExtraMissing, OSError) as exc:
            raise SystemExit(f"{args.wav}: {exc}") from exc
        args.ulaw.write_bytes(audio.ulaw_encode(pcm))
    elif args.command == "decode":
        audio.write_wav(args.wav, args.ulaw.read_bytes(), audio_format=audio.PCMU)
    else:
        try:
            client = rt.Client.from_env()  # OPENAI_API_KEY, OPENAI_BASE_URL
        except rt.ConfigurationError as exc:
            raise SystemExit(str(exc)) from exc
        caller = sys.stdin.buffer if args.caller == "-" else open(args.caller, "rb")  # noqa: SIM115
        with caller, args.reply.open("wb") as reply:
            trio.run(call, client, args.model, caller, reply, args.max_seconds)
        ms = audio.PCMU.duration_ms(args.reply.stat().st_size)
        print(f"wrote {ms:.0f} ms of mu-law reply to {args.reply}", file=sys.stderr)


if __name__ == "__main__":
    main()
