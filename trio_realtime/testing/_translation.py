"""The fake server's translation sessions (``/v1/realtime/translations``).

`TranslationEngine` is one session's behaviour, free of sockets: it talks to a
*peer* (``send``, ``close``, ``closed``) and reads the server's knobs. It is
deterministic, so tests can predict every event:

* On connect: ``session.created`` with a `TranslationSession` (id
  ``sess_translateNNNN``, ``type`` ``"translation"``, the model from the URL,
  ``expires_at`` an hour ahead, and the default audio configuration: no noise
  reduction, no source transcription, no target language). A strict server
  refuses a missing or unknown model first, as the service ends such a session:
  an ``error`` event, then close code 4000 (see `_strict`). A lenient one
  takes any name, and ``gpt-realtime-translate`` for none.
* ``session.update`` merges into the configuration (unset fields stay, ``null``
  turns a feature off, noise reduction keeps its strength, 1 when first
  enabled) and answers ``session.updated`` with the whole session. A bad value
  (a noise reduction type other than ``near_field``/``far_field``, a strength
  outside 0..1, an empty language, on a strict server an unknown
  transcription model) changes nothing and answers an ``error`` event whose
  ``error.event_id`` is the update's.
* Appended audio (24 kHz mono PCM16, the only input the endpoint takes) is
  consumed in 200 ms frames; a shorter remainder waits for more. Each frame
  is translated as it completes, in the order it came, and answers, all with
  ``elapsed_ms`` the input consumed so far:

  - with source transcription configured, ``session.input_transcript.delta``
    of what was "said": the next scripted transcript
    (``server.script_transcripts``), else ``"[N ms of audio]"``;
  - ``session.output_transcript.delta`` of the "translation": the next
    scripted reply (``server.script``; its text), else ``"[LANG] "`` plus
    what was said (``[und]`` while no language is set);
  - ``session.output_audio.delta`` of a 440 Hz tone as long as the frame,
    in ``audio_chunk_ms`` pieces (``format`` pcm16, 24000 Hz, one channel).

  Transcripts come in deltas of ``delta_size`` characters; a frame's text
  after the first begins with a space, since clients must not add one. A
  frame of pure silence (all zero bytes, what a client sends to keep time)
  answers silence of its length and no text, and uses up no script.
  ``delta_interval`` seconds pass before each frame's answer (``math.inf``
  holds the session there). The ``responder`` is not used: a translation has
  no turns to answer.
* ``session.close`` translates what is left (a last, shorter frame of its own
  length), answers ``session.closed`` and closes the WebSocket with 1000.
  Nothing is answered after it.
* ``Faults.session_duration`` ends the session like the service at its
  limit: an ``error`` event ``session_expired``, then close with
  ``expire_close_code``.

Not simulated: real speech recognition or translation, the engine's latency
(answers come as soon as a frame is complete), unknown fields in an update
(ignored, not refused). A session opened with a translation client secret
starts from the configuration the secret was minted with.
"""

from __future__ import annotations

import contextlib
import time

import msgspec
import trio
from msgspec import UNSET

from .._errors import EventDecodeError
from ..events import (
    TRANSLATION_SERVER_CODEC,
    RealtimeErrorDetail,
    TranslationAudio,
    TranslationAudioInput,
    TranslationAudioOutput,
    TranslationClientEvent,
    TranslationErrorEvent,
    TranslationNoiseReduction,
    TranslationServerEvent,
    TranslationSession,
    TranslationSessionClose,
    TranslationSessionClosed,
    TranslationSessionConfig,
    TranslationSessionCreated,
    TranslationSessionInputAudioBufferAppend,
    TranslationSessionInputTranscriptDelta,
    TranslationSessionOutputAudioDelta,
    TranslationSessionOutputTranscriptDelta,
    TranslationSessionUpdate,
    TranslationSessionUpdated,
    TranslationTranscription,
)
from ._invalid import decode_error_detail
from ._lifetime import SESSION_EXPIRED_MESSAGE
from ._script import chunk_text, reply_items, synth_audio
from ._state import AUTO_ID, EventIds, Peer, PeerGone, ServerState
from ._strict import (
    ModelProblem,
    api_tail,
    transcription_model_problem,
    translation_model_problem,
)

__all__ = [
    "DEFAULT_TRANSLATION_MODEL",
    "FRAME_BYTES",
    "FRAME_MS",
    "SAMPLE_RATE",
    "TranslationEngine",
    "translation_path",
]

#: The model a lenient server names when the URL gives none.
DEFAULT_TRANSLATION_MODEL = "gpt-realtime-translate"
#: The input (and output) audio: 24 kHz mono PCM16.
SAMPLE_RATE = 24000
#: The translation engine's frame.
FRAME_MS = 200
_BYTES_PER_MS = SAMPLE_RATE * 2 // 1000
FRAME_BYTES = FRAME_MS * _BYTES_PER_MS
#: How long a fake session's ``expires_at`` lies ahead.
_SESSION_SECONDS = 3600
#: 200 ms of the fake's tone (20 ms per character); 440 Hz fits 88 whole cycles
#: in it, so frames join without a click and a shorter frame is a prefix.
_FRAME_TONE = synth_audio("x" * (FRAME_MS // 20), sample_rate=SAMPLE_RATE, pcm16=True)
_NOISE_TYPES = ("near_field", "far_field")


def translation_path(path: str, *, strict: bool) -> bool:
    """Whether ``path`` is the translation endpoint (strict: under ``/v1`` only;
    the SDK refuses Azure for translation, so ``/openai/...`` is not served)."""
    if not strict:
        return path.rstrip("/").endswith("/realtime/translations")
    tail = api_tail(path, strict=True, known=("realtime",))
    return tail == ["realtime", "translations"] and not path.startswith("/openai/")


class _BadValue(Exception):
    def __init__(self, message: str, code: str, param: str) -> None:
        super().__init__(message)
        self.code = code
        self.param = param


def _default_audio() -> TranslationAudio:
    return TranslationAudio(
        input=TranslationAudioInput(noise_reduction=None, transcription=None),
        output=TranslationAudioOutput(language=None),
    )


class TranslationEngine:
    """One fake translation session: its state and its answers (see the module docstring).

    ``session`` is the configuration as last reported; ``elapsed_ms`` the input
    audio translated so far; ``closed`` turns true at ``session.close``, a
    refusal or the expiry (then ``expired`` too).
    """

    def __init__(
        self,
        state: ServerState,
        peer: Peer,
        *,
        model: str,
        initial: TranslationAudio | None = None,
    ) -> None:
        self.state: ServerState = state
        self.peer: Peer = peer
        self.model = model or ("" if state.strict else DEFAULT_TRANSLATION_MODEL)
        counters = state.id_counters
        number = counters["sess_translate"] = counters.get("sess_translate", 0) + 1
        self.session = TranslationSession(
            id=f"sess_translate{number:04d}",
            type="translation",
            model=self.model,
            expires_at=int(time.time()) + _SESSION_SECONDS,
            audio=_default_audio(),
        )
        if initial is not None:  # a client secret's configuration, as far as it is valid
            with contextlib.suppress(_BadValue):
                self.session.audio = self._merged(initial)
        self.elapsed_ms = 0
        self.closed = False
        self.expired = False
        self._buffer = bytearray()
        self._event_ids = EventIds()
        self._said = False
        self._translated = False

    # -- plumbing ---------------------------------------------------------------

    def encode(self, event: TranslationServerEvent) -> bytes:
        """The wire form of one server event."""
        return TRANSLATION_SERVER_CODEC.encode(event)

    def decode(self, raw: bytes) -> TranslationClientEvent:
        """One client frame as an event; raises `EventDecodeError` when it is none."""
        return TRANSLATION_SERVER_CODEC.decode(raw)

    async def _emit(self, event: TranslationServerEvent) -> None:
        await self.peer.send(self._event_ids.stamp(event))

    async def _error(
        self, message: str, *, code: str | None, param: str | None, event_id: str | None
    ) -> None:
        detail = RealtimeErrorDetail(
            type="invalid_request_error", code=code, message=message, param=param, event_id=event_id
        )
        await self._emit(TranslationErrorEvent(event_id=AUTO_ID, error=detail))

    # -- entry points -------------------------------------------------------------

    async def start(self, nursery: trio.Nursery) -> None:
        """Greet the client with ``session.created``, or refuse the model (strict)."""
        problem = translation_model_problem(self.model) if self.state.strict else None
        if problem is not None:
            await self._refuse(problem)
            return
        await self._emit(TranslationSessionCreated(event_id=AUTO_ID, session=self.session))
        duration = self.state.faults.session_duration
        if duration is not None:
            nursery.start_soon(self._expire_after, duration)

    async def reject(self, exc: EventDecodeError, raw: bytes) -> None:
        """Answer a frame that is not a valid translation client event."""
        detail = decode_error_detail(exc, raw, known=TRANSLATION_SERVER_CODEC.incoming_types)
        await self._error(
            detail.message, code=detail.code, param=detail.param, event_id=detail.event_id
        )

    async def handle(self, event: TranslationClientEvent) -> None:
        """React to one client event (nothing once the session ended)."""
        if self.closed:
            return
        event_id = getattr(event, "event_id", UNSET)
        eid = event_id if isinstance(event_id, str) else None
        match event:
            case TranslationSessionUpdate(session=update):
                await self._update(update, eid)
            case TranslationSessionInputAudioBufferAppend(audio=audio):
                self._buffer += audio
                while len(self._buffer) >= FRAME_BYTES and not self.closed:
                    frame = bytes(self._buffer[:FRAME_BYTES])
                    del self._buffer[:FRAME_BYTES]
                    await self._translate(frame)
            case TranslationSessionClose():
                await self._close()
            case _:  # pragma: no cover - every client event type is handled above
                await self._error(
                    f"The fake server does not support '{event.type}'.",
                    code="unsupported_event",
                    param="type",
                    event_id=eid,
                )

    async def refuse(self, code: str, message: str, *, param: str | None = None) -> None:
        """The ``error`` event that ends a session that may not open."""
        self.closed = True
        await self._error(message, code=code, param=param, event_id=None)

    async def stop(self) -> None:
        """The connection ended: drop what was buffered; the session is over."""
        self.closed = True
        self._buffer.clear()

    # -- configuration ----------------------------------------------------------------

    async def _update(self, update: TranslationSessionConfig, eid: str | None) -> None:
        try:
            audio = self._merged(update.audio)
        except _BadValue as bad:
            await self._error(str(bad), code=bad.code, param=bad.param, event_id=eid)
            return
        self.session = msgspec.structs.replace(self.session, audio=audio)
        await self._emit(TranslationSessionUpdated(event_id=AUTO_ID, session=self.session))

    def _merged(self, patch: object) -> TranslationAudio:
        current = self.session.audio
        old_in = current.input if isinstance(current.input, TranslationAudioInput) else None
        old_out = current.output if isinstance(current.output, TranslationAudioOutput) else None
        noise = old_in.noise_reduction if old_in is not None else None
        transcription = old_in.transcription if old_in is not None else None
        language = old_out.language if old_out is not None else None
        if isinstance(patch, TranslationAudio):
            if isinstance(patch.input, TranslationAudioInput):
                if patch.input.noise_reduction is not UNSET:
                    noise = self._noise(patch.input.noise_reduction, noise)
                if patch.input.transcription is not UNSET:
                    transcription = self._transcription(patch.input.transcription)
            target = patch.output
            if isinstance(target, TranslationAudioOutput) and target.language is not UNSET:
                language = target.language
                if language is not None and not language.strip():
                    raise _BadValue(
                        "Invalid value for 'session.audio.output.language': "
                        "name a language, such as 'es'.",
                        "invalid_value",
                        "session.audio.output.language",
                    )
        return TranslationAudio(
            input=TranslationAudioInput(
                noise_reduction=noise if isinstance(noise, TranslationNoiseReduction) else None,
                transcription=(
                    transcription if isinstance(transcription, TranslationTranscription) else None
                ),
            ),
            output=TranslationAudioOutput(language=language if isinstance(language, str) else None),
        )

    @staticmethod
    def _noise(wanted: object, old: object) -> TranslationNoiseReduction | None:
        if not isinstance(wanted, TranslationNoiseReduction):
            return None
        param = "session.audio.input.noise_reduction"
        if wanted.type not in _NOISE_TYPES:
            raise _BadValue(
                f"Invalid value: '{wanted.type}'. Supported values are: "
                + ", ".join(f"'{t}'" for t in _NOISE_TYPES)
                + ".",
                "invalid_value",
                f"{param}.type",
            )
        strength = wanted.strength
        if strength is UNSET or strength is None:
            kept = old.strength if isinstance(old, TranslationNoiseReduction) else UNSET
            strength = kept if isinstance(kept, float | int) else 1.0
        elif not 0 <= strength <= 1:
            raise _BadValue(
                f"Invalid 'session.audio.input.noise_reduction.strength': {strength}. "
                "Expected a value between 0 and 1.",
                "decimal_out_of_range",
                f"{param}.strength",
            )
        return TranslationNoiseReduction(type=wanted.type, strength=float(strength))

    def _transcription(self, wanted: object) -> TranslationTranscription | None:
        if not isinstance(wanted, TranslationTranscription):
            return None
        if self.state.strict:
            problem = transcription_model_problem(
                wanted.model, "session.audio.input.transcription.model"
            )
            if problem is not None:
                raise _BadValue(problem.message, problem.code, problem.param)
        return TranslationTranscription(model=wanted.model)

    # -- translating ----------------------------------------------------------------------

    def _settings(self) -> tuple[bool, str]:
        """Whether the source is transcribed, and the target language's tag."""
        audio = self.session.audio
        source = audio.input if isinstance(audio.input, TranslationAudioInput) else None
        target = audio.output if isinstance(audio.output, TranslationAudioOutput) else None
        transcribed = source is not None and isinstance(
            source.transcription, TranslationTranscription
        )
        language = target.language if target is not None else None
        return transcribed, language if isinstance(language, str) else "und"

    async def _translate(self, frame: bytes) -> None:
        ms = len(frame) // _BYTES_PER_MS
        self.elapsed_ms += ms
        interval = self.state.delta_interval
        if interval:
            await trio.sleep(interval)
        if frame.count(0) == len(frame):
            await self._speak(bytes(len(frame)))
            return
        said = self.state.next_transcript()
        if said is None:
            said = f"[{ms} ms of audio]"
        transcribed, language = self._settings()
        if transcribed:
            text = (" " if self._said else "") + said
            self._said = True
            for piece in chunk_text(text, self.state.delta_size):
                await self._emit(
                    TranslationSessionInputTranscriptDelta(
                        event_id=AUTO_ID, delta=piece, elapsed_ms=self.elapsed_ms
                    )
                )
        reply = self.state.next_reply()
        if reply is None:
            translated = f"[{language}] {said}"
        else:
            translated = " ".join(part for part in reply_items(reply) if isinstance(part, str))
        text = (" " if self._translated else "") + translated
        self._translated = True
        for piece in chunk_text(text, self.state.delta_size):
            await self._emit(
                TranslationSessionOutputTranscriptDelta(
                    event_id=AUTO_ID, delta=piece, elapsed_ms=self.elapsed_ms
                )
            )
        await self._speak(_FRAME_TONE[: len(frame)])

    async def _speak(self, pcm: bytes) -> None:
        chunk = max(2, self.state.audio_chunk_ms * _BYTES_PER_MS)
        for start in range(0, len(pcm), chunk):
            await self._emit(
                TranslationSessionOutputAudioDelta(
                    event_id=AUTO_ID,
                    delta=pcm[start : start + chunk],
                    format="pcm16",
                    sample_rate=SAMPLE_RATE,
                    channels=1,
                    elapsed_ms=self.elapsed_ms,
                )
            )

    # -- the end ----------------------------------------------------------------------------

    async def _close(self) -> None:
        """``session.close``: translate the rest, ``session.closed``, close 1000."""
        rest = bytes(self._buffer[: len(self._buffer) // 2 * 2])
        self._buffer.clear()
        if rest:
            await self._translate(rest)
        self.closed = True
        await self._emit(TranslationSessionClosed(event_id=AUTO_ID))
        await self.peer.close(1000, None)

    async def _refuse(self, problem: ModelProblem) -> None:
        await self.refuse(problem.code, problem.message, param=problem.param)
        await self.peer.close(4000, f"invalid_request_error.{problem.code}")

    async def _expire_after(self, seconds: float) -> None:
        await trio.sleep(seconds)
        if self.closed or self.peer.closed:
            return
        self.closed = True
        try:
            await self._error(
                SESSION_EXPIRED_MESSAGE.format(minutes=seconds / 60),
                code="session_expired",
                param=None,
                event_id=None,
            )
        except PeerGone:
            return  # the client left first
        self.expired = True
        await self.peer.close(self.state.faults.expire_close_code, "session expired")
