"""Decode cost per event kind: this library vs the `openai` SDK vs json.loads vs msgspec.

For each frame (the exact bytes the dispatch benchmark streams):

- ``trio_realtime``: ``trio_realtime.events.decode_server_event(frame)``, the
  public entry point (one tagged-union msgspec decode of every server event).
- ``sdk``: what the SDK's ``AsyncRealtimeConnection.parse_event`` does,
  ``construct_type_unchecked(value=json.loads(frame), type_=RealtimeServerEvent)``.
- ``json_loads``: bare ``json.loads(frame)`` (the SDK's first step alone).
- ``msgspec_floor``: one ``msgspec.json.Decoder`` for a single Struct with just
  that event's fields, no union, no wrapper (audio typed ``bytes``, so base64 is
  decoded too). For the two nested events (``session.created``, the large
  ``response.done``) the floor is the library's own class for that one type,
  so the comparison isolates the union and the wrapper.

The ``live_*`` rows are GPT-Live frames: ours is
``trio_realtime.live.decode_server_event``, the SDK's what
``AsyncLiveConnection.parse_event`` does (``construct_type_unchecked`` into
``openai.types.live.ServerEvent``), the floor the library's Struct for that one
type, ``union_only`` the Live codec's union decoder.

Timing is timeit-style: loops sized to ~20 ms per repeat, the best of many
repeats, in ns per event; the process is pinned to one core.
"""

from __future__ import annotations

import json
import timeit
from collections.abc import Callable
from typing import Any

import _payloads
import msgspec
from _common import SEED, fmt, on_client_core, ratio, script_main, table

METHODS = ("trio_realtime", "sdk", "json_loads", "msgspec_floor", "union_only")


class _Delta(msgspec.Struct, tag_field="type"):
    event_id: str
    response_id: str
    item_id: str
    output_index: int


class _TextDelta(_Delta, tag="response.output_text.delta"):
    content_index: int
    delta: str


class _TranscriptDelta(_Delta, tag="response.output_audio_transcript.delta"):
    content_index: int
    delta: str


class _AudioDelta(_Delta, tag="response.output_audio.delta"):
    content_index: int
    delta: bytes


class _ArgsDelta(_Delta, tag="response.function_call_arguments.delta"):
    call_id: str
    delta: str


_FLOOR: dict[str, type[msgspec.Struct]] = {
    "text_delta": _TextDelta,
    "audio_delta_20ms": _AudioDelta,
    "audio_delta_100ms": _AudioDelta,
    "transcript_delta": _TranscriptDelta,
    "function_args_delta": _ArgsDelta,
}


def live_decoders(frame: bytes) -> dict[str, Callable[[bytes], Any]]:
    """`decoders` for a GPT-Live frame."""
    from openai._models import construct_type_unchecked
    from openai.types.live import ServerEvent

    from trio_realtime import live

    def sdk(data: bytes) -> Any:
        return construct_type_unchecked(value=json.loads(data), type_=ServerEvent)

    ours = live.decode_server_event(frame)
    fns = {
        "trio_realtime": live.decode_server_event,
        "sdk": sdk,
        "json_loads": json.loads,
        "msgspec_floor": msgspec.json.Decoder(type(ours)).decode,
        "union_only": live.LIVE_CLIENT_CODEC.fast_decode,
    }
    for name, fn in fns.items():
        if fn(frame) is None:  # pragma: no cover - every decoder returns an object
            raise AssertionError(name)
    return fns


def decoders(case: str, frame: bytes) -> dict[str, Callable[[bytes], Any]]:
    """The four decode functions for one frame, each checked to accept it."""
    if case.startswith("live_"):
        return live_decoders(frame)
    from openai._models import construct_type_unchecked
    from openai.types.realtime import RealtimeServerEvent

    from trio_realtime.events import UnknownEvent, decode_server_event

    def sdk(data: bytes) -> Any:
        return construct_type_unchecked(value=json.loads(data), type_=RealtimeServerEvent)

    ours = decode_server_event(frame)
    floor_type = _FLOOR.get(case)
    if floor_type is None:
        # Nested events: the library's own Struct for this one type, no union.
        floor_type = type(ours) if not isinstance(ours, UnknownEvent) else None
    floor = (
        msgspec.json.Decoder(floor_type).decode
        if floor_type is not None
        else msgspec.json.Decoder().decode
    )
    from trio_realtime.events import CLIENT_CODEC

    fns = {
        "trio_realtime": decode_server_event,
        "sdk": sdk,
        "json_loads": json.loads,
        "msgspec_floor": floor,
        # Diagnostic: the library's union decoder alone, without its Python
        # wrappers, to split our overhead over the floor into union vs calls.
        "union_only": CLIENT_CODEC.fast_decode,
    }
    for name, fn in fns.items():
        if fn(frame) is None:  # pragma: no cover - every decoder returns an object
            raise AssertionError(name)
    return fns


def time_ns(
    fns: dict[str, Callable[[bytes], Any]], frame: bytes, repeats: int, target_s: float
) -> dict[str, float]:
    """Best-of-``repeats`` ns per call for each function, each repeat ~``target_s``.

    The repeats are interleaved across the functions, so a burst of load from
    elsewhere on the machine hits every contender alike instead of one.
    """
    timers: dict[str, tuple[timeit.Timer, int]] = {}
    for name, fn in fns.items():
        timer = timeit.Timer(lambda fn=fn: fn(frame))
        probe = min(timer.repeat(repeat=3, number=20)) / 20
        timers[name] = (timer, max(1, int(target_s / max(probe, 1e-9))))
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeats):
        for name, (timer, number) in timers.items():
            best[name] = min(best[name], timer.timeit(number) / number * 1e9)
    return best


def run(quick: bool = False) -> dict[str, Any]:
    with on_client_core():
        repeats, target = (3, 0.004) if quick else (30, 0.01)
        out: dict[str, Any] = {"seed": SEED, "quick": quick, "repeats": repeats, "cases": {}}
        from trio_realtime import live
        from trio_realtime.events import UnknownEvent, decode_server_event

        cases = {**_payloads.decode_cases(), **_payloads.live_decode_cases()}
        for case, frame in cases.items():
            fns = decoders(case, frame)
            row: dict[str, Any] = {"bytes": len(frame)}
            decode = live.decode_server_event if case.startswith("live_") else decode_server_event
            row["trio_realtime_type"] = type(decode(frame)).__name__
            row["modelled"] = not isinstance(decode(frame), UnknownEvent)
            for name, ns in time_ns(fns, frame, repeats, target).items():
                row[f"{name}_ns"] = ns
            row["sdk_over_ours"] = ratio(row["sdk_ns"], row["trio_realtime_ns"])
            row["ours_over_floor"] = ratio(row["trio_realtime_ns"], row["msgspec_floor_ns"])
            out["cases"][case] = row
        return out


def report(results: dict[str, Any]) -> str:
    rows = []
    for case, r in results["cases"].items():
        rows.append(
            [
                case,
                r["bytes"],
                fmt(r["trio_realtime_ns"]),
                fmt(r["sdk_ns"]),
                fmt(r["json_loads_ns"]),
                fmt(r["msgspec_floor_ns"]),
                fmt(r["sdk_over_ours"]),
                fmt(r["ours_over_floor"], 2),
                fmt(r["union_only_ns"]),
            ]
        )
    return table(
        [
            "event",
            "bytes",
            "ours ns",
            "sdk ns",
            "json.loads ns",
            "floor ns",
            "sdk/ours",
            "ours/floor",
            "union-only ns",
        ],
        rows,
    )


def main() -> None:
    script_main(__doc__, run, report, clients=False)


if __name__ == "__main__":
    main()
