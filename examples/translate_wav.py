"""Translate the speech of a WAV file into another language, as it streams.

A translation session (``open_translation``, the ``/realtime/translations``
endpoint) listens to speech in one language and speaks it in another: the
source audio goes in as 24 kHz mono PCM16 in 200 ms chunks (the engine's frame),
paced at real time as a live source would be; the translated audio comes back
as ``session.output_audio.delta`` events, written to a WAV file, and its text
as ``session.output_transcript.delta``, printed. With ``--transcribe`` the
source speech is transcribed too (``session.input_transcript.delta``, on
standard error). After the file, ``session.close`` asks the server to flush
what it still holds; ``session.closed`` ends the run.

Run it against the real API (``OPENAI_API_KEY``)::

    python examples/translate_wav.py talk.wav talk-es.wav --language es

or offline against ``python -m trio_realtime serve-fake`` (with its
``OPENAI_BASE_URL``), whose "translation" of each 200 ms frame is a tagged
placeholder (``[es] [200 ms of audio]``) spoken as a tone of the frame's
length. A WAV that is not 16-bit mono 24 kHz needs the ``audio`` extra
(``pip install 'trio-realtime[audio]'``) for the conversion.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import trio

import trio_realtime as rt
from trio_realtime import audio
from trio_realtime import events as ev

#: The translation engine consumes 200 ms frames; a shorter chunk waits for
#: more, a longer one is split, so 200 ms is the natural size to send.
FRAME_MS = 200


def session_update(language: str, transcribe_model: str | None) -> ev.TranslationSessionUpdate:
    """The ``session.update`` that sets the target language (and source transcription)."""
    output = ev.TranslationAudioOutput(language=language)
    if transcribe_model is None:
        settings = ev.TranslationAudio(output=output)
    else:
        model = ev.TranslationTranscription(model=transcribe_model)
        settings = ev.TranslationAudio(
            input=ev.TranslationAudioInput(transcription=model), output=output
        )
    return ev.TranslationSessionUpdate(session=ev.TranslationSessionConfig(audio=settings))


@dataclass
class Translation:
    """What came back: the translated audio (PCM16 at ``rate``), its text, the source's."""

    pcm: bytearray = field(default_factory=bytearray)
    rate: int = audio.PCM16.sample_rate
    text: list[str] = field(default_factory=list[str])
    source_text: list[str] = field(default_factory=list[str])


async def translate(
    client: rt.Client,
    model: str,
    pcm: bytes,
    update: ev.TranslationSessionUpdate,
    *,
    pace: bool = True,
) -> Translation:
    """Stream ``pcm`` (24 kHz mono PCM16) through a translation session."""
    result = Translation()
    async with rt.open_translation(client, model) as conn:
        await conn.send(update)

        async def speak() -> None:
            for frame in audio.split_frames(pcm, FRAME_MS):
                await conn.send(ev.TranslationSessionInputAudioBufferAppend(audio=frame))
                if pace:
                    await trio.sleep(FRAME_MS / 1000)  # a live source's rate
            await conn.send(ev.TranslationSessionClose())  # flush, then session.closed

        async with trio.open_nursery() as nursery:
            nursery.start_soon(speak)
            async for event in conn:
                match event:
                    case ev.TranslationSessionOutputAudioDelta(delta=chunk, sample_rate=rate):
                        result.pcm += chunk
                        if rate:
                            result.rate = rate
                    case ev.TranslationSessionOutputTranscriptDelta(delta=text):
                        result.text.append(text)
                        print(text, end="", flush=True)
                    case ev.TranslationSessionInputTranscriptDelta(delta=text):
                        result.source_text.append(text)
                        print(text, end="", file=sys.stderr, flush=True)
                    case ev.TranslationErrorEvent(error=error):
                        raise SystemExit(f"error from the server: {error.message}")
                    case ev.TranslationSessionClosed():
                        break
                    case _:
                        pass  # session.created / session.updated: nothing to do here
            nursery.cancel_scope.cancel()  # closed early: stop speaking
    print()
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("input", type=Path, help="a WAV file of speech: any rate, any channels")
    parser.add_argument("output", type=Path, help="where to write the translated speech (WAV)")
    parser.add_argument("--language", default="es", help="the target language (default es)")
    parser.add_argument("--model", default="gpt-realtime-translate")
    parser.add_argument(
        "--transcribe",
        metavar="MODEL",
        default=None,
        help="also transcribe the source speech with MODEL (e.g. gpt-transcribe)",
    )
    parser.add_argument("--no-pace", action="store_true", help="send the file as fast as possible")
    args = parser.parse_args(argv)
    if not args.language.strip():
        parser.error("--language must name a language, such as es")
    update = session_update(args.language, args.transcribe)
    try:
        pcm = audio.read_wav(args.input)  # mono PCM16 at 24 kHz, whatever the file holds
    except (audio.AudioFormatError, audio.AudioExtraMissing, OSError) as exc:
        raise SystemExit(f"{args.input}: {exc}") from exc
    try:
        client = rt.Client.from_env()  # OPENAI_API_KEY, OPENAI_BASE_URL
        result = trio.run(lambda: translate(client, args.model, pcm, update, pace=not args.no_pace))
    except (rt.ConfigurationError, rt.HandshakeRejected, rt.ConnectionClosed) as exc:
        raise SystemExit(f"translation failed: {exc}") from exc
    audio.write_wav(args.output, result.pcm, rate=result.rate)
    sent = audio.PCM16.duration_ms(pcm)
    got = len(result.pcm) / 2 / result.rate * 1000  # PCM16 at the rate the server said
    print(
        f"sent {sent:.0f} ms, wrote {got:.0f} ms of translation to {args.output}",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
