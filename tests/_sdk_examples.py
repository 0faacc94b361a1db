"""Deterministic example events built from the `openai` package's type annotations.

Walks a pydantic model (server events) or a ``*Param`` TypedDict (client events,
whose ``Required[...]`` and ``Optional[...]`` spell exactly which keys may be left
out and which may be ``null``) and produces plain JSON values:

- ``minimal``: only the required keys, recursively;
- ``full``: every key, with a value, recursively;
- ``null``: every key, and ``null`` wherever the schema allows it.

A union picks its member by the ``variant`` number (modulo its width), and a list
holds one element per union member, so a handful of variants covers every nested
object kind. Every string is the canonical base64 of its path: unique per field
(a swapped field shows), and valid wherever we type a field as ``bytes``.
"""

from __future__ import annotations

import base64
import types
import typing
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pydantic
import typing_extensions

_NONE = type(None)
_CONTAINERS = (list, tuple, set, frozenset, Sequence, Iterable)
MODES = ("minimal", "full", "null")
NOISE_KEY = "zz_future_field"


@dataclass
class _Walk:
    mode: str
    variant: int
    widest: int = 1
    #: Paths where a non-discriminator ``Literal`` (an enumeration) was written.
    enums: list[str] = field(default_factory=list)
    #: Add a key no schema knows to every object (forward-compatibility tests).
    noise: bool = False


def _unwrap(tp: Any) -> tuple[Any, bool]:
    """Strip Annotated/Required/NotRequired; report whether Required was seen."""
    required = False
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Required:
            required = True
        elif origin not in (typing.Annotated, typing.NotRequired):
            return tp, required
        tp = typing.get_args(tp)[0]


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


def _allows_none(tp: Any) -> bool:
    tp, _ = _unwrap(tp)
    return tp is _NONE or (_is_union(tp) and any(_allows_none(a) for a in typing.get_args(tp)))


def _fields(cls: Any) -> list[tuple[str, Any, bool]]:
    """(wire name, annotation, required) for a pydantic model or a TypedDict."""
    if isinstance(cls, type) and issubclass(cls, pydantic.BaseModel):
        return [
            (f.alias or name, f.annotation, f.is_required()) for name, f in cls.model_fields.items()
        ]
    hints = typing.get_type_hints(cls, include_extras=True)
    total = getattr(cls, "__total__", True)
    out: list[tuple[str, Any, bool]] = []
    for name, tp in hints.items():
        inner, required = _unwrap(tp)
        if typing.get_origin(tp) is typing.NotRequired:
            required = False
        elif not required:
            required = total
        out.append((name, inner, required))
    return out


def _is_object(tp: Any) -> bool:
    if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
        return True
    return typing_extensions.is_typeddict(tp)


def _string(path: str) -> str:
    return base64.b64encode(path.encode()).decode()


def _value(tp: Any, walk: _Walk, path: str) -> Any:
    tp, _ = _unwrap(tp)
    origin = typing.get_origin(tp)
    if _is_union(tp):
        options = [a for a in typing.get_args(tp) if a is not _NONE]
        if walk.mode == "null" and len(options) < len(typing.get_args(tp)):
            return None
        walk.widest = max(walk.widest, len(options))
        chosen = options[walk.variant % len(options)]
        if int in options and typing.get_origin(_unwrap(chosen)[0]) is typing.Literal:
            # ``int | Literal["inf"]``: a special value, not an enumeration.
            return typing.get_args(_unwrap(chosen)[0])[0]
        return _value(chosen, walk, path)
    if origin is typing.Literal:
        choices = typing.get_args(tp)
        walk.widest = max(walk.widest, len(choices))
        choice = choices[walk.variant % len(choices)]
        if isinstance(choice, str) and not path.endswith(".type") and path != "type":
            walk.enums.append(path)
        return choice
    if origin in _CONTAINERS or getattr(origin, "__name__", "") == "SequenceNotStr":
        return _list(typing.get_args(tp)[0], walk, path)
    if origin in (dict, Mapping):
        return {"key": _value(typing.get_args(tp)[1], walk, f"{path}.key")}
    if _is_object(tp):
        return example(tp, walk, path)
    if tp is str:
        return _string(path)
    if tp is bool:
        return True
    if tp is int:
        return 1 + zlib.crc32(path.encode()) % 997
    if tp is float:
        return 0.25 + zlib.crc32(path.encode()) % 97
    if tp in (object, Any, dict):
        return {"free": [1, "form", {"json": True}]}
    raise TypeError(f"no example for {tp!r} at {path}")


def _list(item: Any, walk: _Walk, path: str) -> list[Any]:
    """One element per union member, so one example shows every kind."""
    inner, _ = _unwrap(item)
    if not _is_union(inner):
        return [_value(item, walk, f"{path}[0]")]
    options = [a for a in typing.get_args(inner) if a is not _NONE]
    out: list[Any] = []
    for i, option in enumerate(options):
        sub = _Walk(
            "full" if walk.mode == "null" else walk.mode, walk.variant + i, enums=walk.enums
        )
        out.append(_value(option, sub, f"{path}[{i}]"))
        walk.widest = max(walk.widest, sub.widest)
    return out


def example(cls: Any, walk: _Walk, path: str = "") -> dict[str, Any]:
    """One JSON object for a pydantic model or TypedDict class."""
    out: dict[str, Any] = {}
    for name, tp, required in _fields(cls):
        sub = f"{path}.{name}" if path else name
        if walk.mode == "minimal" and not required:
            continue
        if walk.mode == "minimal" and _allows_none(tp):
            out[name] = None
            continue
        out[name] = _value(tp, walk, sub)
    if walk.noise:
        out[NOISE_KEY] = {"from": "a future API", "nested": [1, "x", None]}
    return out


def examples(cls: Any, mode: str, *, noise: bool = False) -> list[dict[str, Any]]:
    """Examples of one mode; ``full`` and ``null`` cycle through union members."""
    first = _Walk(mode, 0, noise=noise)
    found = [example(cls, first, "")]
    if mode == "minimal":
        return found
    for variant in range(1, first.widest):
        found.append(example(cls, _Walk(mode, variant, noise=noise), ""))
    # Distinct only: narrow unions repeat themselves.
    unique: list[dict[str, Any]] = []
    for ex in found:
        if ex not in unique:
            unique.append(ex)
    return unique


def full_examples_with_enums(cls: Any) -> list[tuple[dict[str, Any], list[str]]]:
    """``full`` examples, each with the paths of the enumeration values it holds."""
    found: list[tuple[dict[str, Any], list[str]]] = []
    variant, widest = 0, 1
    while variant < widest:
        walk = _Walk("full", variant)
        example_ = example(cls, walk, "")
        widest = max(widest, walk.widest)
        if all(example_ != seen for seen, _ in found):
            found.append((example_, walk.enums))
        variant += 1
    return found


def split_path(path: str) -> list[str | int]:
    """``"a.b[2].c"`` -> ``["a", "b", 2, "c"]`` (the paths `example` writes)."""
    out: list[str | int] = []
    for part in path.split("."):
        name, *indexes = part.split("[")
        if name:
            out.append(name)
        out.extend(int(i.rstrip("]")) for i in indexes)
    return out


def client_params(family: str) -> dict[str, Any]:
    """Tag -> the SDK's ``*Param`` TypedDict for a client event family."""
    live_params = {
        "live client": "ClientEventParam",
        "live connect client": "ConnectClientEventParam",
        "live fork client": "ForkClientEventParam",
    }
    union: Any
    if family in live_params:
        import openai.types.live as live

        union = getattr(live, live_params[family])
    elif family == "client":
        from openai.types.realtime.realtime_client_event_param import (
            RealtimeClientEventParam as union,
        )
    else:
        from openai.types.realtime.realtime_translation_client_event_param import (
            RealtimeTranslationClientEventParam as union,
        )
    out: dict[str, Any] = {}
    for member in typing.get_args(union):
        hints = typing.get_type_hints(member, include_extras=True)
        tp, _ = _unwrap(hints["type"])
        (tag,) = typing.get_args(tp)
        out[tag] = member
    return out
