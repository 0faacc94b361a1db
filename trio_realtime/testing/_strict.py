"""What the fake server checks as strictly as the service does. Pure.

A wrong ``base_url``, a misspelt model or a forgotten ``model`` must fail
against the fake as it fails in production, not pass in tests. So a strict
fake (the default) serves only the API's base paths and knows the model names
the ``openai`` SDK lists for each family; ``strict=False`` turns every check
here off, for tests that use made-up names or paths.

Models are checked where the service checks them: a Realtime WebSocket's
model when the session opens (an ``error`` event, then close code 4000 with
the reason ``<type>.<code>``, as the service ends such a session), a
transcription model at ``session.update``, a Live model at ``session.start``,
and a call's model when it is created or accepted (HTTP 400). A client
secret's mint accepts any model, as the service's does; the session it opens
is checked, and a translation session's model when it opens (an ``error``
event and close code 4000, as for Realtime). The SDK leaves the translation
model a free string; the one OpenAI publishes for ``/v1/realtime/translations``
is ``gpt-realtime-translate``. On Azure the model is a deployment name of the
user's choosing.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "LIVE_MODELS",
    "REALTIME_MODELS",
    "TRANSCRIPTION_MODELS",
    "TRANSLATION_MODELS",
    "ModelProblem",
    "api_tail",
    "live_model_problem",
    "realtime_model_problem",
    "transcription_model_problem",
    "translation_model_problem",
]

#: The Realtime session models the ``openai`` SDK (3.51) lists.
REALTIME_MODELS: frozenset[str] = frozenset(
    {
        "gpt-realtime",
        "gpt-realtime-1.5",
        "gpt-realtime-2",
        "gpt-realtime-2.1",
        "gpt-realtime-2.1-mini",
        "gpt-realtime-2025-08-28",
        "gpt-4o-realtime-preview",
        "gpt-4o-realtime-preview-2024-10-01",
        "gpt-4o-realtime-preview-2024-12-17",
        "gpt-4o-realtime-preview-2025-06-03",
        "gpt-4o-mini-realtime-preview",
        "gpt-4o-mini-realtime-preview-2024-12-17",
        "gpt-realtime-mini",
        "gpt-realtime-mini-2025-10-06",
        "gpt-realtime-mini-2025-12-15",
        "gpt-audio-1.5",
        "gpt-audio-mini",
        "gpt-audio-mini-2025-10-06",
        "gpt-audio-mini-2025-12-15",
    }
)

#: The input transcription models the SDK lists.
TRANSCRIPTION_MODELS: frozenset[str] = frozenset(
    {
        "whisper-1",
        "gpt-transcribe",
        "gpt-live-transcribe",
        "gpt-4o-mini-transcribe",
        "gpt-4o-mini-transcribe-2025-12-15",
        "gpt-4o-transcribe",
        "gpt-4o-transcribe-diarize",
        "gpt-realtime-whisper",
    }
)

#: The GPT-Live session models the SDK lists.
LIVE_MODELS: frozenset[str] = frozenset({"gpt-live-1"})

#: The translation session models OpenAI publishes (the SDK types say only ``str``).
TRANSLATION_MODELS: frozenset[str] = frozenset({"gpt-realtime-translate"})

# The paths the API lives under: OpenAI's, Azure's v1 API, Azure's classic one.
_BASES: tuple[tuple[str, ...], ...] = (("openai", "v1"), ("openai",), ("v1",))


def api_tail(path: str, *, strict: bool, known: tuple[str, ...]) -> list[str] | None:
    """The path's segments after its base path (``/v1``, ``/openai/v1``, ``/openai``
    or ``/openai/deployments/NAME``), or None when it is not the API's.

    Lenient, any prefix goes: the tail starts at the first segment in ``known``.
    """
    parts = [p for p in path.split("/") if p]
    if not strict:
        start = next((i for i, part in enumerate(parts) if part in known), None)
        return None if start is None else parts[start:]
    if parts[:2] == ["openai", "deployments"] and len(parts) > 3:
        tail = parts[3:]
    else:
        base = next((b for b in _BASES if tuple(parts[: len(b)]) == b), None)
        if base is None:
            return None
        tail = parts[len(base) :]
    return tail if tail and tail[0] in known else None


@dataclass(frozen=True, slots=True)
class ModelProblem:
    """Why a model is refused, as the service words it in an ``error`` object."""

    code: str
    message: str
    param: str


def _other_family(model: str, mode: str) -> ModelProblem:
    return ModelProblem(
        "invalid_model", f'Model "{model}" is not supported in {mode} mode.', "model"
    )


def _session_model_problem(model: str | None, mode: str) -> ModelProblem | None:
    """Why a ``mode`` session may not open with ``model``: none given, another
    family's model, or one that does not exist."""
    if not model:
        return ModelProblem(
            "missing_required_parameter", "Missing required parameter: 'model'.", "model"
        )
    families = {
        "realtime": REALTIME_MODELS,
        "translation": TRANSLATION_MODELS,
        "transcription": TRANSCRIPTION_MODELS,
        "live": LIVE_MODELS,
    }
    if model in families[mode]:
        return None
    if any(model in known for known in families.values()):
        return _other_family(model, mode)
    return ModelProblem(
        "model_not_found",
        f"The model `{model}` does not exist or you do not have access to it.",
        "model",
    )


def realtime_model_problem(model: str | None) -> ModelProblem | None:
    """Why a Realtime session may not open with ``model`` (None: none given)."""
    return _session_model_problem(model, "realtime")


def transcription_model_problem(model: str, param: str) -> ModelProblem | None:
    """Why ``model`` may not transcribe input audio."""
    if model in TRANSCRIPTION_MODELS:
        return None
    return ModelProblem(
        "invalid_model", f'Model "{model}" is not supported in transcription mode.', param
    )


def live_model_problem(model: str) -> ModelProblem | None:
    """Why a GPT-Live session may not start with ``model``."""
    if model in LIVE_MODELS:
        return None
    problem = _other_family(model, "live")
    return ModelProblem(problem.code, problem.message, "session.model")


def translation_model_problem(model: str | None) -> ModelProblem | None:
    """Why a translation session may not open with ``model`` (None or "": none given)."""
    return _session_model_problem(model, "translation")
