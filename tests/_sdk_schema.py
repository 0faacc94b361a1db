"""Walk the `openai` package's pydantic event models next to our msgspec Structs.

Shared by the schema tests. The SDK is the reference for the wire format; this
module only reads its type annotations (never its code paths) and compares the
*shape* (object field names, recursively) with ours. Types are compared by kind,
not exactly: the SDK spells enumerations as ``Literal`` and base64 audio as
``str`` where we may use ``str`` and ``bytes``; what must agree is which objects
exist, how a union of objects is told apart (the ``type`` tag, then other
single-value literals such as ``role``), and the field names of every object.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
import pydantic

import trio_realtime.events as ev

# The pinned reference release and the size of each union in it. With another
# release (nox's schema_latest session) the counts are lower bounds only.
PINNED_OPENAI = "3.51.0"
EXPECTED_COUNTS = {
    "server": 46,
    "client": 11,
    "translation server": 7,
    "translation client": 3,
    "live server": 28,
    "live client": 15,
    "live connect server": 28,
    "live connect client": 14,
    "live fork server": 28,
    "live fork client": 15,
}

#: GPT-Live families: family -> (the SDK union's name in openai.types.live, our
#: codec in trio_realtime.live, the codec's table of that family).
LIVE_FAMILIES: dict[str, tuple[str, str, str]] = {
    "live server": ("ServerEvent", "LIVE_CLIENT_CODEC", "incoming_types"),
    "live client": ("ClientEvent", "LIVE_CLIENT_CODEC", "outgoing_types"),
    "live connect server": ("ConnectServerEvent", "CONNECT_CLIENT_CODEC", "incoming_types"),
    "live connect client": ("ConnectClientEvent", "CONNECT_CLIENT_CODEC", "outgoing_types"),
    "live fork server": ("ForkServerEvent", "FORK_CLIENT_CODEC", "incoming_types"),
    "live fork client": ("ForkClientEvent", "FORK_CLIENT_CODEC", "outgoing_types"),
}

#: Positions where the SDK has objects of another API's schema, passed through
#: by GPT-Live, and ours is deliberately an untyped JSON object: the Responses
#: API's input items (174 models). Listed by path under the event; the drift
#: test checks that each one really is such a position.
PASSTHROUGH: dict[tuple[str, str], str] = {
    ("response.item.create", "item"): "openai.types.responses",
}

_NONE = type(None)
_UNSET = type(msgspec.UNSET)


def _sdk_unions() -> dict[str, Any]:
    import openai.types.live as live
    from openai.types.realtime import (
        RealtimeClientEvent,
        RealtimeServerEvent,
        RealtimeTranslationClientEvent,
        RealtimeTranslationServerEvent,
    )

    return {
        "server": RealtimeServerEvent,
        "client": RealtimeClientEvent,
        "translation server": RealtimeTranslationServerEvent,
        "translation client": RealtimeTranslationClientEvent,
        **{family: getattr(live, names[0]) for family, names in LIVE_FAMILIES.items()},
    }


def sdk_union(family: str) -> Any:
    """The SDK's ``Annotated[Union[...], ...]`` for one event family."""
    return _sdk_unions()[family]


def sdk_members(family: str) -> list[type[pydantic.BaseModel]]:
    """The pydantic model classes of one SDK event union, in declaration order."""
    union = sdk_union(family)
    while typing.get_origin(union) is typing.Annotated:
        union = typing.get_args(union)[0]
    members = typing.get_args(union)
    assert all(isinstance(m, type) and issubclass(m, pydantic.BaseModel) for m in members)
    return list(members)


def sdk_tag(model: type[pydantic.BaseModel]) -> str:
    """The ``type`` literal of an SDK event model."""
    tag = _single_literal(model.model_fields["type"].annotation)
    assert tag is not None, f"{model.__name__}.type is not a single-value Literal"
    return tag


def sdk_events(family: str) -> dict[str, type[pydantic.BaseModel]]:
    """Tag -> SDK model for one family (tags are unique within a family)."""
    members = sdk_members(family)
    found = {sdk_tag(m): m for m in members}
    assert len(found) == len(members), f"duplicate tags in the SDK {family} union"
    return found


# --- our side ---------------------------------------------------------------

# Where each family's union may live in trio_realtime.events: a codec attribute
# (holding ``incoming_types`` or ``outgoing_types``) or a base class whose
# concrete tagged subclasses form the union. The first that exists wins.
_OUR_FAMILY_SOURCES: dict[str, list[tuple[str, str]]] = {
    "server": [("CLIENT_CODEC", "incoming_types"), ("SERVER_CODEC", "outgoing_types")],
    "client": [("SERVER_CODEC", "incoming_types"), ("CLIENT_CODEC", "outgoing_types")],
    "translation server": [
        ("TRANSLATION_CLIENT_CODEC", "incoming_types"),
        ("TRANSLATION_SERVER_CODEC", "outgoing_types"),
        ("TranslationServerEvent", "subclasses"),
    ],
    "translation client": [
        ("TRANSLATION_SERVER_CODEC", "incoming_types"),
        ("TRANSLATION_CLIENT_CODEC", "outgoing_types"),
        ("TranslationClientEvent", "subclasses"),
    ],
}

_SPECIAL_NAMES = frozenset({"UnknownEvent", "InvalidEvent"})


def our_events(family: str) -> dict[str, type[msgspec.Struct]] | None:
    """Tag -> our Struct for one family, or None when the family is not modelled."""
    if family in LIVE_FAMILIES:
        import trio_realtime.live as live

        _, codec, table = LIVE_FAMILIES[family]
        return dict(getattr(getattr(live, codec), table))
    for attr, kind in _OUR_FAMILY_SOURCES[family]:
        obj = getattr(ev, attr, None)
        if obj is None:
            continue
        if kind == "subclasses":
            return _tagged_subclasses(obj)
        table = getattr(obj, kind, None)
        if table is not None:
            return {
                str(tag): cls for tag, cls in table.items() if cls.__name__ not in _SPECIAL_NAMES
            }
    return None


def _tagged_subclasses(base: type[msgspec.Struct]) -> dict[str, type[msgspec.Struct]]:
    found: dict[str, type[msgspec.Struct]] = {}
    stack = list(base.__subclasses__())
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        tag = cls.__struct_config__.tag
        if isinstance(tag, str) and cls.__name__ not in _SPECIAL_NAMES:
            found[tag] = cls
    return found


# --- type walking -------------------------------------------------------------


def _single_literal(tp: Any) -> str | None:
    """``X`` for ``Literal["X"]`` (also inside Optional/UNSET unions), else None."""
    tp = _strip_annotated(tp)
    if typing.get_origin(tp) is typing.Literal:
        args = typing.get_args(tp)
        if len(args) == 1 and isinstance(args[0], str):
            return args[0]
        return None
    if _is_union(tp):
        rest = [a for a in typing.get_args(tp) if a not in (_NONE, _UNSET)]
        if len(rest) == 1:
            return _single_literal(rest[0])
    return None


def _strip_annotated(tp: Any) -> Any:
    while typing.get_origin(tp) in (typing.Annotated, typing.Required, typing.NotRequired):
        tp = typing.get_args(tp)[0]
    return tp


def _is_union(tp: Any) -> bool:
    return typing.get_origin(tp) in (typing.Union, types.UnionType)


_CONTAINERS = (list, tuple, set, frozenset, Sequence, Iterable)


def _leaves(tp: Any) -> Iterator[Any]:
    """The element types reached through unions, Optional, lists and dict values."""
    tp = _strip_annotated(tp)
    origin = typing.get_origin(tp)
    if _is_union(tp):
        for arg in typing.get_args(tp):
            yield from _leaves(arg)
    elif origin in _CONTAINERS:
        for arg in typing.get_args(tp):
            if arg is not Ellipsis:
                yield from _leaves(arg)
    elif origin in (dict, Mapping):
        args = typing.get_args(tp)
        if args:
            yield from _leaves(args[1])
        else:
            yield dict
    else:
        yield tp


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, pydantic.BaseModel)


def _is_struct(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, msgspec.Struct)


def _is_untyped_object(tp: Any) -> bool:
    """Types that hold any JSON object without a schema (a gap where the SDK has one)."""
    return tp in (Any, object, dict, msgspec.Raw)


def sdk_models_in(tps: list[Any]) -> list[type[pydantic.BaseModel]]:
    """Every SDK model reachable at this position (deduplicated, in order)."""
    found: list[type[pydantic.BaseModel]] = []
    for tp in tps:
        for leaf in _leaves(tp):
            if _is_model(leaf) and leaf not in found:
                found.append(leaf)
    return found


def our_structs_in(tp: Any) -> tuple[list[type[msgspec.Struct]], bool]:
    """Our Structs reachable at this position, and whether an untyped object is allowed."""
    found: list[type[msgspec.Struct]] = []
    untyped = False
    for leaf in _leaves(tp):
        if _is_struct(leaf) and leaf not in found:
            found.append(leaf)
        elif _is_untyped_object(leaf):
            untyped = True
    return found, untyped


def sdk_fields(model: type[pydantic.BaseModel]) -> dict[str, Any]:
    """Wire name -> annotation for an SDK model."""
    return {(f.alias or name): f.annotation for name, f in model.model_fields.items()}


def our_fields(cls: type[msgspec.Struct]) -> dict[str, Any]:
    """Wire name -> annotation for one of our Structs, the tag field included."""
    out: dict[str, Any] = {}
    config = cls.__struct_config__
    if isinstance(config.tag_field, str) and config.tag is not None:
        out[config.tag_field] = typing.Literal[config.tag]  # type: ignore[valid-type]
    for f in msgspec.structs.fields(cls):
        out[f.encode_name] = f.type
    return out


def _literal_values(tp: Any) -> frozenset[str] | None:
    """The string values of a ``Literal`` (also inside Optional/UNSET), else None."""
    tp = _strip_annotated(tp)
    if typing.get_origin(tp) is typing.Literal:
        values = typing.get_args(tp)
        if values and all(isinstance(v, str) for v in values):
            return frozenset(values)
        return None
    if _is_union(tp):
        rest = [a for a in typing.get_args(tp) if a not in (_NONE, _UNSET)]
        if len(rest) == 1:
            return _literal_values(rest[0])
    return None


def _literals(fields: dict[str, Any]) -> dict[str, frozenset[str]]:
    """The literal-typed fields of an object: its discriminators (``type``, ``role``)."""
    out: dict[str, frozenset[str]] = {}
    for name, tp in fields.items():
        values = _literal_values(tp)
        if values is not None:
            out[name] = values
    return out


_ALL_SDK_TAGS: set[str] = set()


def all_sdk_tags() -> set[str]:
    """Every ``type`` literal value of every object reachable from the SDK's unions."""
    if _ALL_SDK_TAGS:
        return _ALL_SDK_TAGS
    seen: set[type[pydantic.BaseModel]] = set()
    stack = [m for family in EXPECTED_COUNTS for m in sdk_members(family)]
    while stack:
        model = stack.pop()
        if model in seen:
            continue
        seen.add(model)
        fields = sdk_fields(model)
        _ALL_SDK_TAGS.update(_literals(fields).get("type", ()))
        stack.extend(sdk_models_in(list(fields.values())))
    return _ALL_SDK_TAGS


# --- the comparison -----------------------------------------------------------


@dataclass
class Drift:
    """Differences found under one event, as readable lines."""

    label: str
    #: The event's wire type, for the `PASSTHROUGH` positions.
    tag: str = ""
    problems: list[str] = field(default_factory=list)
    _seen: set[tuple[Any, ...]] = field(default_factory=set)

    def add(self, path: str, text: str) -> None:
        line = f"{self.label} -> {path or '(event)'}: {text}"
        if line not in self.problems:
            self.problems.append(line)

    def report(self) -> str:
        return "\n".join(self.problems)


def _describe(model: type[pydantic.BaseModel]) -> str:
    lits = _literals(sdk_fields(model))
    keys = ", ".join(
        f"{k}={'|'.join(sorted(v))!r}" for k, v in sorted(lits.items()) if k in ("type", "role")
    )
    return f"{model.__name__}({keys})" if keys else model.__name__


_Edges = list[tuple[type[pydantic.BaseModel], type[msgspec.Struct]]]


def _match(
    models: list[type[pydantic.BaseModel]],
    structs: list[type[msgspec.Struct]],
    drift: Drift,
    path: str,
) -> _Edges:
    """Link the SDK models at one position with our Structs.

    By the ``type`` literal: an SDK model with one ``type`` value links to one
    Struct (narrowed by the other literals such as ``role``, then by the largest
    overlap of field names, so three role-split messages may share one Struct);
    an SDK model whose ``type`` lists several values (one object for several
    content kinds) links to our Struct for each value. A Struct that keeps
    ``type`` as a plain field stands for any value.
    """
    ours = {s: _literals(our_fields(s)) for s in structs}
    edges: _Edges = []
    for model in models:
        fields = sdk_fields(model)
        theirs = _literals(fields)
        values = theirs.get("type")
        if values is None:
            candidates = [s for s, lits in ours.items() if "type" not in lits]
        else:
            candidates = [s for s, lits in ours.items() if lits.get("type", frozenset()) & values]
            if not candidates:
                candidates = [
                    s for s, lits in ours.items() if "type" not in lits and "type" in our_fields(s)
                ]
        if values is not None and len(values) > 1:
            covered: set[str] = set()
            for s in candidates:
                covered |= ours[s].get("type", values)
                edges.append((model, s))
            for value in sorted(values - covered):
                drift.add(path, f"no Struct for type {value!r} of SDK object {_describe(model)}")
            continue
        if len(candidates) > 1:
            narrowed = [
                s
                for s in candidates
                if all(ours[s].get(k, v) & v for k, v in theirs.items() if k != "type")
            ]
            candidates = narrowed or candidates
        if len(candidates) > 1:
            names = set(fields)
            candidates.sort(key=lambda s: -len(names & set(our_fields(s))))
        if not candidates:
            drift.add(path, f"no Struct for SDK object {_describe(model)}")
            continue
        edges.append((model, candidates[0]))
    linked = {s for _, s in edges}
    known = all_sdk_tags()
    for s in structs:
        # A Struct for a kind the SDK knows, offered at one more place than the
        # SDK lists it, decodes a superset and is fine; a tag the SDK has
        # nowhere is a typo or a removed kind.
        tags = ours[s].get("type", frozenset())
        if s not in linked and not tags <= known:
            drift.add(path, f"our Struct {s.__name__}(type={sorted(tags)}) matches no SDK object")
        elif s not in linked and not tags:
            drift.add(path, f"our Struct {s.__name__} matches no SDK object")
    return edges


def compare_linked(edges: _Edges, drift: Drift, path: str) -> None:
    """Compare linked SDK models and Structs: field names, then each field's objects."""
    by_struct: dict[type[msgspec.Struct], list[type[pydantic.BaseModel]]] = {}
    by_model: dict[type[pydantic.BaseModel], list[type[msgspec.Struct]]] = {}
    for model, struct in edges:
        by_struct.setdefault(struct, []).append(model)
        by_model.setdefault(model, []).append(struct)
    for model, structs in by_model.items():
        covered = {name for s in structs for name in our_fields(s)}
        missing = sorted(set(sdk_fields(model)) - covered)
        if missing:
            ours = "/".join(s.__name__ for s in structs)
            drift.add(path, f"missing fields {missing} (SDK {model.__name__}, ours {ours})")
    for struct, models in by_struct.items():
        key = (tuple(models), struct)
        if key in drift._seen:
            continue
        drift._seen.add(key)
        theirs: dict[str, list[Any]] = {}
        for model in models:
            for name, tp in sdk_fields(model).items():
                theirs.setdefault(name, []).append(tp)
        ours = our_fields(struct)
        extra = sorted(set(ours) - set(theirs))
        if extra:
            sdk_names = "/".join(m.__name__ for m in models)
            drift.add(path, f"extra fields {extra} (ours {struct.__name__}, SDK {sdk_names})")
        for name in sorted(set(theirs) & set(ours)):
            compare_position(theirs[name], ours[name], drift, f"{path}.{name}" if path else name)


def compare_position(sdk_types: list[Any], our_type: Any, drift: Drift, path: str) -> None:
    """Compare the objects that can appear at one field position."""
    models = sdk_models_in(sdk_types)
    structs, untyped = our_structs_in(our_type)
    if not models and not structs:
        return
    if models and not structs:
        passthrough = PASSTHROUGH.get((drift.tag, path))
        if untyped and passthrough and all(m.__module__.startswith(passthrough) for m in models):
            return
        what = "an untyped object (dict/Any)" if untyped else f"{our_type!r}"
        names = ", ".join(_describe(m) for m in models)
        drift.add(path, f"SDK has objects [{names}] but ours is {what}, not a Struct")
        return
    if structs and not models:
        # Ours also takes an object where the SDK has only scalars here (a
        # shared config type): a superset, and the round-trip tests check the
        # scalars still decode.
        return
    compare_linked(_match(models, structs, drift, path), drift, path)


def event_drift(family: str, tag: str) -> Drift:
    """All differences between the SDK's event ``tag`` and ours, in one family."""
    drift = Drift(f"{family} event {tag!r}", tag)
    ours = our_events(family)
    if ours is None:
        drift.add("(family)", f"trio_realtime.events models no {family} union")
        return drift
    model = sdk_events(family)[tag]
    struct = ours.get(tag)
    if struct is None:
        drift.add("", f"no Struct with tag {tag!r} (SDK model {model.__name__})")
        return drift
    compare_linked([(model, struct)], drift, "")
    return drift


def struct_drift(
    model: type[pydantic.BaseModel], struct: type[msgspec.Struct], label: str
) -> Drift:
    """All differences between one SDK model and one Struct (for self-checks)."""
    drift = Drift(label)
    compare_linked([(model, struct)], drift, "")
    return drift


# --- a mirror of the SDK in Structs, to check the walker itself ---------------


def mirror(
    model: type[pydantic.BaseModel],
    omit: dict[str, set[str]] | None = None,
    _cache: dict[type[pydantic.BaseModel], type[msgspec.Struct]] | None = None,
) -> type[msgspec.Struct]:
    """A Struct with exactly the SDK model's shape; ``omit`` drops fields by model name.

    Objects with a ``type`` literal become tagged Structs, the way our model
    spells them, so the comparison is exercised on both spellings of a tag.
    """
    omit = omit or {}
    cache = {} if _cache is None else _cache
    if model in cache:
        return cache[model]
    fields = sdk_fields(model)
    tag = _single_literal(fields["type"]) if "type" in fields else None
    specs: list[tuple[str, Any, Any]] = []
    for name, tp in fields.items():
        if name in omit.get(model.__name__, set()) or (tag is not None and name == "type"):
            continue
        specs.append((name, _mirror_type(tp, omit, cache), msgspec.UNSET))
    kwargs: dict[str, Any] = {"kw_only": True}
    if tag is not None:
        kwargs.update(tag_field="type", tag=tag)
    struct = msgspec.defstruct(f"Mirror{model.__name__}", specs, **kwargs)
    cache[model] = struct
    return struct


def _mirror_type(
    tp: Any,
    omit: dict[str, set[str]],
    cache: dict[type[pydantic.BaseModel], type[msgspec.Struct]],
) -> Any:
    tp = _strip_annotated(tp)
    origin = typing.get_origin(tp)
    if _is_union(tp):
        args = tuple(_mirror_type(a, omit, cache) for a in typing.get_args(tp))
        return typing.Union[args]  # noqa: UP007 - built at runtime
    if origin in _CONTAINERS:
        return list[_mirror_type(typing.get_args(tp)[0], omit, cache)]  # type: ignore[misc]
    if origin in (dict, Mapping):
        return dict[str, _mirror_type(typing.get_args(tp)[1], omit, cache)]  # type: ignore[misc]
    if _is_model(tp):
        return mirror(tp, omit, cache)
    if origin is typing.Literal:
        return tp
    return Any
