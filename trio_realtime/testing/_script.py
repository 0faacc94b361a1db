"""What the fake server answers: scripted replies, tool calls, and how they are streamed.

A *reply* is plain data: a string (the assistant's text or spoken transcript), a
`ToolCall`, or a sequence of those (one output item each). A *responder* is a
function from the `Turn` being answered to a reply. Everything here is pure and
deterministic so tests can assert exact output.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from ..audio import alaw_encode, ulaw_encode

__all__ = [
    "Reply",
    "Responder",
    "ToolCall",
    "Turn",
    "chunk_text",
    "echo_responder",
    "reply_items",
    "synth_audio",
]


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A function call the fake model makes instead of (or besides) answering.

    ``arguments`` is a JSON string or a mapping (encoded for you); ``call_id``
    defaults to a generated ``call_...`` id.
    """

    name: str
    arguments: str | Mapping[str, Any] = "{}"
    call_id: str | None = None

    def arguments_json(self) -> str:
        """The arguments as the JSON text streamed in the argument deltas."""
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(dict(self.arguments), separators=(",", ":"), sort_keys=True)


Reply: TypeAlias = "str | ToolCall | Sequence[str | ToolCall]"


@dataclass(frozen=True, slots=True)
class Turn:
    """What a responder sees when the fake model is asked to respond.

    ``conversation`` holds the items the response is based on (our item
    Structs, oldest first: the conversation, or the response's own ``input`` for
    an out-of-band response). ``last_user_text`` is the text (or transcript) of
    the newest user message, ``tool_output`` the output of the newest
    ``function_call_output`` item when that is the newest item. ``index`` counts
    responses on this connection from 0.
    """

    conversation: Sequence[Any]
    instructions: str | None
    output_modalities: tuple[str, ...]
    last_user_text: str | None = None
    last_user_audio_ms: int | None = None
    tool_output: str | None = None
    tools: tuple[str, ...] = ()
    out_of_band: bool = False
    index: int = 0
    metadata: Mapping[str, str] = field(default_factory=dict[str, str])


Responder: TypeAlias = Callable[[Turn], "str | ToolCall | Sequence[str | ToolCall]"]


def echo_responder(turn: Turn) -> str:
    """The default answer: echo the user, report tool output, or greet."""
    if turn.tool_output is not None:
        return f"The tool returned: {turn.tool_output}"
    if turn.last_user_text:
        return f"You said: {turn.last_user_text}"
    if turn.last_user_audio_ms is not None:
        return f"I heard {turn.last_user_audio_ms} ms of audio."
    return "Hello from the fake Realtime server."


def reply_items(reply: str | ToolCall | Sequence[str | ToolCall]) -> list[str | ToolCall]:
    """Normalise a reply to its list of output items."""
    if isinstance(reply, str | ToolCall):
        return [reply]
    return list(reply)


def chunk_text(text: str, size: int) -> list[str]:
    """Cut ``text`` into deltas of at most ``size`` characters (at least one delta)."""
    if size < 1:
        raise ValueError("delta size must be at least 1")
    if not text:
        return []
    return [text[i : i + size] for i in range(0, len(text), size)]


# A quiet 440 Hz tone: audible, clearly non-silent for any VAD, identical every run.
_TONE_HZ = 440.0
_TONE_LEVEL = 0.2
_MS_PER_CHAR = 20


def synth_audio(text: str, *, sample_rate: int, pcm16: bool, codec: str | None = None) -> bytes:
    """Deterministic stand-in speech for ``text``: 20 ms of tone per character.

    PCM16 gets a sine tone; G.711 (``pcm16=False``) gets the same tone encoded
    with ``codec`` (``"audio/pcmu"`` or ``"audio/pcma"``), so a client's decoder
    and the fake's VAD hear it; with no codec named, the mu-law silence byte.
    """
    duration_ms = max(_MS_PER_CHAR * len(text), 100)
    count = sample_rate * duration_ms // 1000
    if not pcm16 and codec not in ("audio/pcmu", "audio/pcma"):
        return b"\xff" * count
    step = 2 * math.pi * _TONE_HZ / sample_rate
    amplitude = int(32767 * _TONE_LEVEL)
    out = bytearray(2 * count)
    for i in range(count):
        value = int(amplitude * math.sin(step * i))
        out[2 * i : 2 * i + 2] = value.to_bytes(2, "little", signed=True)
    if pcm16:
        return bytes(out)
    return ulaw_encode(out) if codec == "audio/pcmu" else alaw_encode(out)
