"""The server frames every benchmark decodes or streams, built once, byte for byte.

Shapes follow the `openai` package's schema (``openai.types.realtime``, and
``openai.types.live`` for the GPT-Live frames) so the SDK parses each frame
into its proper model, not a fallback. Audio is 24 kHz
mono pcm16, base64 in JSON as on the wire: 20 ms is 960 bytes, 100 ms 4800.
"""

from __future__ import annotations

import base64
import json
import random
from typing import Any

__all__ = [
    "AUDIO_RATE",
    "audio_bytes",
    "decode_cases",
    "delta_frame",
    "delta_template",
    "live_decode_cases",
    "live_delta_template",
    "live_session_started",
    "response_done",
    "session_created",
]

AUDIO_RATE = 24_000
_IDS = {"response_id": "resp_B3nch0000000000001", "item_id": "item_B3nch0000000000001"}


def audio_bytes(ms: int, seed: int = 1) -> bytes:
    """``ms`` milliseconds of deterministic noise-like pcm16 audio."""
    rng = random.Random(seed)
    return rng.randbytes(AUDIO_RATE * 2 * ms // 1000)


def _dumps(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def session_created(event_id: str = "event_B3nch0000000000000") -> bytes:
    """A realistic default ``session.created`` (the first frame of every session)."""
    audio_format = {"type": "audio/pcm", "rate": 24000}
    return _dumps(
        {
            "type": "session.created",
            "event_id": event_id,
            "session": {
                "type": "realtime",
                "object": "realtime.session",
                "id": "sess_B3nch0000000000001",
                "model": "gpt-realtime",
                "output_modalities": ["audio"],
                "instructions": "Your knowledge cutoff is 2023-10. You are a helpful, witty, "
                "and friendly AI. Act like a human, but remember that you aren't a human "
                "and that you can't do human things in the real world.",
                "tools": [],
                "tool_choice": "auto",
                "max_output_tokens": "inf",
                "tracing": None,
                "prompt": None,
                "expires_at": 1764130000,
                "audio": {
                    "input": {
                        "format": audio_format,
                        "transcription": None,
                        "noise_reduction": None,
                        "turn_detection": {
                            "type": "server_vad",
                            "threshold": 0.5,
                            "prefix_padding_ms": 300,
                            "silence_duration_ms": 200,
                            "idle_timeout_ms": None,
                            "create_response": True,
                            "interrupt_response": True,
                        },
                    },
                    "output": {"format": audio_format, "voice": "marin", "speed": 1.0},
                },
                "include": None,
            },
        }
    )


def response_done(n_items: int = 4, event_id: str = "event_B3nch0000000000099") -> bytes:
    """A large ``response.done``: assistant messages with transcripts, a function call, usage."""
    output: list[dict[str, Any]] = []
    for i in range(n_items):
        output.append(
            {
                "id": f"item_B3nch00000000000{i:02d}",
                "object": "realtime.item",
                "type": "message",
                "status": "completed",
                "role": "assistant",
                "content": [
                    {
                        "type": "output_audio",
                        "transcript": "Sure - here is a longer answer that a voice agent might "
                        "speak aloud, sentence after sentence, until the turn ends. " * 3,
                    }
                ],
            }
        )
    output.append(
        {
            "id": "item_B3nch0000000000fc",
            "object": "realtime.item",
            "type": "function_call",
            "status": "completed",
            "name": "get_weather",
            "call_id": "call_B3nch0000000001",
            "arguments": '{"location":"Paris, France","unit":"celsius"}',
        }
    )
    return _dumps(
        {
            "type": "response.done",
            "event_id": event_id,
            "response": {
                "object": "realtime.response",
                "id": _IDS["response_id"],
                "status": "completed",
                "status_details": None,
                "output": output,
                "conversation_id": "conv_B3nch0000000000001",
                "output_modalities": ["audio"],
                "max_output_tokens": "inf",
                "audio": {
                    "output": {"format": {"type": "audio/pcm", "rate": 24000}, "voice": "marin"}
                },
                "usage": {
                    "total_tokens": 1234,
                    "input_tokens": 456,
                    "output_tokens": 778,
                    "input_token_details": {
                        "text_tokens": 123,
                        "audio_tokens": 333,
                        "image_tokens": 0,
                        "cached_tokens": 64,
                        "cached_tokens_details": {
                            "text_tokens": 64,
                            "audio_tokens": 0,
                            "image_tokens": 0,
                        },
                    },
                    "output_token_details": {"text_tokens": 178, "audio_tokens": 600},
                },
                "metadata": None,
            },
        }
    )


def delta_frame(kind: str, event_id: str = "event_B3nch0000000000042") -> bytes:
    """One delta frame of ``kind``: text, transcript, args, audio20, audio100."""
    return delta_template(kind).replace(b"@STAMP@", event_id.encode())


def delta_template(kind: str) -> bytes:
    """A delta frame whose ``event_id`` is the placeholder ``@STAMP@``.

    The streaming server splices a send-time stamp in with one ``bytes.replace``
    (cheap enough to keep the server off the critical path).
    """
    base: dict[str, Any] = {"event_id": "@STAMP@", **_IDS, "output_index": 0}
    if kind == "text":
        obj = {"type": "response.output_text.delta", **base, "content_index": 0, "delta": " world"}
    elif kind == "transcript":
        obj = {
            "type": "response.output_audio_transcript.delta",
            **base,
            "content_index": 0,
            "delta": " Hello",
        }
    elif kind == "args":
        obj = {
            "type": "response.function_call_arguments.delta",
            **base,
            "call_id": "call_B3nch0000000001",
            "delta": '"Paris, ',
        }
    elif kind in ("audio20", "audio100"):
        ms = 20 if kind == "audio20" else 100
        obj = {
            "type": "response.output_audio.delta",
            **base,
            "content_index": 0,
            "delta": base64.b64encode(audio_bytes(ms)).decode(),
        }
    else:
        raise ValueError(f"unknown delta kind {kind!r}")
    return _dumps(obj)


def decode_cases() -> dict[str, bytes]:
    """Every frame the decode benchmark times, by a short label."""
    return {
        "text_delta": delta_frame("text"),
        "audio_delta_20ms": delta_frame("audio20"),
        "audio_delta_100ms": delta_frame("audio100"),
        "transcript_delta": delta_frame("transcript"),
        "function_args_delta": delta_frame("args"),
        "response_done_large": response_done(),
        "session_created": session_created(),
    }


# --- GPT-Live ---------------------------------------------------------------------


def live_session_started(event_id: str = "ev_started") -> bytes:
    """The ``session.started`` a Live session begins with (a realistic configuration)."""
    return _dumps(
        {
            "type": "session.started",
            "event_id": event_id,
            "session": {
                "id": "live_B3nch0000000000001",
                "expires_at": 1764130000,
                "model": "gpt-live-1",
                "status": "active",
                "audio": {
                    "format": {"type": "audio/pcm", "rate": 24000},
                    "output": {"voice": "marin"},
                },
                "delegation": {"type": "client", "acknowledgement_delay_ms": 0},
                "instructions": "You are a helpful voice assistant. Keep answers short.",
                "input": [
                    {"role": "developer", "content": [{"type": "input_text", "text": "Be kind."}]}
                ],
                "store": False,
            },
        }
    )


def live_delta_template(kind: str) -> bytes:
    """A Live delta with a placeholder for the send stamp.

    Transcript deltas carry it as ``event_id`` ``@STAMP@`` (like the Realtime
    ones); an audio delta has no ``event_id`` on the primary WebSocket, so its
    stamp is the integer ``start_ms`` placeholder ``@NS@``.
    """
    if kind in ("text", "transcript", "args"):
        obj: dict[str, Any] = {
            "type": "session.output_transcript.delta",
            "event_id": "@STAMP@",
            "delta": " Hello",
            "start_ms": 1200,
            "end_ms": 1240,
        }
        return _dumps(obj)
    if kind in ("audio20", "audio100"):
        ms = 20 if kind == "audio20" else 100
        delta = base64.b64encode(audio_bytes(ms)).decode()
        return _dumps({"type": "session.output_audio.delta", "delta": delta}).replace(
            b'"delta"', b'"start_ms":@NS@,"delta"'
        )
    raise ValueError(f"unknown delta kind {kind!r}")


def live_decode_cases() -> dict[str, bytes]:
    """The GPT-Live frames the decode benchmark times (``live_`` labels)."""
    stamp = b"ev_1764130000000000000"
    return {
        "live_transcript_delta": live_delta_template("transcript").replace(b"@STAMP@", stamp),
        "live_audio_delta_20ms": live_delta_template("audio20").replace(b"@NS@", b"1764130000"),
        "live_audio_delta_100ms": live_delta_template("audio100").replace(b"@NS@", b"1764130000"),
        "live_session_started": live_session_started(),
    }
