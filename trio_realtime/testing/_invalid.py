"""How the fake server words its ``error`` event for a frame it cannot accept.

The service answers a bad client event with an ``invalid_request_error`` whose
``code`` says what kind of mistake it was (``invalid_json``,
``missing_required_parameter``, ``invalid_type``, ``invalid_value``), whose
``param`` names the offending field (``session.instructions``), and whose
``event_id`` echoes the client's event id when it could be read. Pure.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, cast

import msgspec

from .._errors import EventDecodeError
from ..events import SERVER_CODEC

__all__ = ["ErrorDetail", "decode_error_detail"]

_MISSING = re.compile(r"Object missing required field `([^`]+)`")
_EXPECTED = re.compile(r"Expected `([^`]+)`, got `([^`]+)`")
_AT = re.compile(r" - at `\$([^`]*)`$")


@dataclass(frozen=True, slots=True)
class ErrorDetail:
    """The fields of an ``error`` event's ``error`` object."""

    code: str
    message: str
    param: str | None
    event_id: str | None


def _event_id(raw: bytes) -> str | None:
    try:
        payload: object = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return None
    if isinstance(payload, dict):
        value = cast(dict[str, Any], payload).get("event_id")
        if isinstance(value, str):
            return value
    return None


def _param(path: str) -> str:
    # msgspec paths look like "$.session.audio.input" or "$.item.content[0]".
    return path.lstrip(".")


def decode_error_detail(
    exc: EventDecodeError, raw: bytes, *, known: Collection[str] = SERVER_CODEC.incoming_types
) -> ErrorDetail:
    """Classify a decode failure the way the service reports it; ``known`` are the
    client event types of the endpoint (the Realtime ones unless told)."""
    event_id = _event_id(raw)
    cause = exc.__cause__
    if exc.event_type is None:
        if exc.path == "$.type":
            return ErrorDetail(
                "missing_required_parameter",
                "Missing required parameter: 'type'.",
                "type",
                event_id,
            )
        if isinstance(cause, msgspec.DecodeError) and not isinstance(
            cause, msgspec.ValidationError
        ):
            return ErrorDetail(
                "invalid_json",
                "We could not parse the JSON body of your event. The event must be a JSON object.",
                None,
                event_id,
            )
        return ErrorDetail(
            "invalid_type", "The event must be a JSON object with a 'type'.", None, event_id
        )
    if exc.event_type not in known:
        supported = ", ".join(f"'{t}'" for t in sorted(known))
        return ErrorDetail(
            "invalid_value",
            f"Invalid value: '{exc.event_type}'. Supported values are: {supported}.",
            "type",
            event_id,
        )
    text = str(cause) if cause is not None else str(exc)
    at = _AT.search(text)
    where = _param(at.group(1)) if at else _param((exc.path or "$")[1:])
    missing = _MISSING.search(text)
    if missing:
        param = f"{where}.{missing.group(1)}" if where else missing.group(1)
        return ErrorDetail(
            "missing_required_parameter",
            f"Missing required parameter: '{param}'.",
            param,
            event_id,
        )
    expected = _EXPECTED.search(text)
    if expected:
        return ErrorDetail(
            "invalid_type",
            f"Invalid type for '{where}': expected {expected.group(1)}, "
            f"but got {expected.group(2)} instead.",
            where or None,
            event_id,
        )
    return ErrorDetail(
        "invalid_value",
        f"Invalid value for '{where or exc.event_type}': {text}",
        where or None,
        event_id,
    )
