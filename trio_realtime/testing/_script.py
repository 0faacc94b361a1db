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
from typing import Any, TypeAlias, cast

from ..audio import alaw_encode, ulaw_encode

__all__ = [
    "Reply",
    "Responder",
    "ToolCall",
    "Turn",
    "chunk_text",
    "echo_responder",
    "example_arguments",
    "forced_tool_calls",
    "reply_items",
    "synth_audio",
    "tool_rule_responder",
]


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A function call the fake model makes instead of (or besides) answering.

    ``name`` is the function's; ``arguments`` a JSON string or a mapping
    (encoded for you); ``call_id`` defaults to a generated ``call_...`` id.
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
    responses on this connection from 0. ``tool_choice`` is ``"auto"``,
    ``"none"``, ``"required"`` or the name of the one function the model must
    call; ``tool_parameters`` maps each offered function to its JSON Schema.
    """

    conversation: Sequence[Any]
    """The items the response is based on, oldest first."""
    instructions: str | None
    """The response's instructions, else the session's (None when neither has any)."""
    output_modalities: tuple[str, ...]
    """What the response produces: ``("text",)`` or ``("audio",)``."""
    last_user_text: str | None = None
    """The text (or transcript) of the newest user message."""
    last_user_audio_ms: int | None = None
    """Milliseconds of audio in the newest user message, when it holds audio."""
    tool_output: str | None = None
    """The newest ``function_call_output``'s output, when that is the newest item."""
    tools: tuple[str, ...] = ()
    """The names of the tools offered (the response's, else the session's)."""
    out_of_band: bool = False
    """Whether the response is out of band (``conversation: "none"``)."""
    index: int = 0
    """Responses on this connection before this one."""
    metadata: Mapping[str, str] = field(default_factory=dict[str, str])
    """The response's ``metadata``."""
    tool_choice: str = "auto"
    """``"auto"``, ``"none"``, ``"required"`` or the one function's name."""
    tool_parameters: Mapping[str, Any] = field(default_factory=dict[str, Any])
    """Each offered function's name -> its parameters' JSON Schema."""
    parallel_tool_calls: bool = True
    """Whether the model may make several calls at once."""


Responder: TypeAlias = Callable[[Turn], "str | ToolCall | Sequence[str | ToolCall]"]


def echo_responder(turn: Turn) -> str | list[ToolCall]:
    """The default answer: the calls ``tool_choice`` forces, else echo the user, report
    tool output, or greet."""
    calls = forced_tool_calls(turn)
    if calls:
        return calls
    if turn.tool_output is not None:
        return f"The tool returned: {turn.tool_output}"
    if turn.last_user_text:
        return f"You said: {turn.last_user_text}"
    if turn.last_user_audio_ms is not None:
        return f"I heard {turn.last_user_audio_ms} ms of audio."
    return "Hello from the fake Realtime server."


def forced_tool_calls(turn: Turn) -> list[ToolCall]:
    """The calls a ``tool_choice`` of ``"required"`` or a named function forces on a user turn.

    ``"required"`` calls every offered function (one call when
    ``parallel_tool_calls`` is false); a named function is called alone. After
    a tool output the fake answers in words instead of calling again, unlike a
    real model under ``"required"``, so a test cannot loop forever.
    """
    if turn.tool_output is not None or not turn.tools:
        return []
    choice = turn.tool_choice
    if choice == "required":
        names = list(turn.tools) if turn.parallel_tool_calls else list(turn.tools[:1])
    elif choice not in ("auto", "none") and choice in turn.tools:
        names = [choice]
    else:
        return []
    return [ToolCall(name, example_arguments(turn.tool_parameters.get(name))) for name in names]


def tool_rule_responder(
    rules: Sequence[ToolCall], fallback: Responder = echo_responder
) -> Responder:
    """A responder that makes the ``rules``' calls on every user turn that offers their tools.

    Several rules offered at once become parallel calls in one response. After
    the tool outputs, or when no rule's tool is offered, ``fallback`` answers.
    This is what ``serve-fake --tool-call`` scripts.
    """

    def respond(turn: Turn) -> Reply:
        if turn.tool_output is None:
            calls = [rule for rule in rules if rule.name in turn.tools]
            if calls:
                return calls
        return fallback(turn)

    return respond


def example_arguments(schema: Any) -> dict[str, Any]:
    """Deterministic arguments that satisfy a simple JSON Schema: each required property."""
    if not isinstance(schema, dict):
        return {}
    root = cast(dict[str, Any], schema)
    value = _example(root, cast(dict[str, Any], root.get("$defs") or {}), 0)
    return cast(dict[str, Any], value) if isinstance(value, dict) else {}


_SCALARS: dict[str, Any] = {"string": "example", "integer": 1, "number": 1.0, "boolean": True}


def _example(schema: dict[str, Any], defs: dict[str, Any], depth: int) -> Any:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = defs.get(ref.rsplit("/", 1)[-1])
        if isinstance(target, dict) and depth < 8:
            return _example(cast(dict[str, Any], target), defs, depth + 1)
        return {}
    if "default" in schema:
        return schema["default"]
    enum = schema.get("enum")
    if isinstance(enum, list) and enum:
        return cast(list[Any], enum)[0]
    for key in ("anyOf", "oneOf"):
        options = schema.get(key)
        if isinstance(options, list) and options:
            first = cast(list[Any], options)[0]
            if isinstance(first, dict):
                return _example(cast(dict[str, Any], first), defs, depth + 1)
    kind: object = schema.get("type")
    if isinstance(kind, list):
        kinds = cast(list[object], kind)
        kind = kinds[0] if kinds else None
    if kind == "object" or "properties" in schema:
        props = cast(dict[str, Any], schema.get("properties") or {})
        required = cast(list[Any], schema.get("required") or [])
        return {
            name: _example(cast(dict[str, Any], props[name]), defs, depth + 1)
            for name in required
            if isinstance(name, str) and isinstance(props.get(name), dict)
        }
    if kind == "array":
        return []
    return _SCALARS.get(str(kind))


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
