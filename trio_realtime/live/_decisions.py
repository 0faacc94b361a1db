"""Decisions: questions a Live session asks the Decision API, its inputs and answers.

A session configured with ``decisions`` delegation (or transcript triggers)
evaluates questions (choice, predicate, score) over the conversation plus
items the client adds with ``decision.item.create``; each evaluation arrives as
a ``decision.event`` carrying the Decision API's answer.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from msgspec import UNSET, UnsetType

from ._base import Model, TaggedModel

__all__ = [
    "ChoiceAnswer",
    "ChoiceOption",
    "ChoiceProbability",
    "ChoiceQuestion",
    "Decision",
    "DecisionItem",
    "DecisionUsage",
    "InputImage",
    "InputJson",
    "InputPart",
    "InputText",
    "InputTokensDetails",
    "OutputText",
    "OutputTokensDetails",
    "PredicateAnswer",
    "PredicateQuestion",
    "Question",
    "RefusalAnswer",
    "RefusalPart",
    "ScoreAnswer",
    "ScoreLevel",
    "ScoreProbability",
    "ScoreQuestion",
]

# -- content parts ------------------------------------------------------------------


class InputText(TaggedModel, tag="input_text", kw_only=True):
    """Text given to the model."""

    text: str


class InputImage(TaggedModel, tag="input_image", kw_only=True):
    """An image: a data URL or an HTTP(S) URL; ``detail`` low/high/auto/original."""

    image_url: str
    detail: str | UnsetType | None = UNSET


class InputJson(TaggedModel, tag="input_json", kw_only=True):
    """A JSON object (or a list of them) given to the model."""

    data: list[dict[str, Any]] | dict[str, Any]


class OutputText(TaggedModel, tag="output_text", kw_only=True):
    """Text an assistant message said."""

    text: str


class RefusalPart(TaggedModel, tag="refusal", kw_only=True):
    """An assistant's refusal."""

    refusal: str


InputPart: TypeAlias = InputText | InputImage | InputJson

# -- questions ---------------------------------------------------------------------


class ChoiceOption(Model, kw_only=True):
    """One answer a choice question allows (a string or a boolean)."""

    value: str | bool
    description: str | UnsetType | None = UNSET


class ScoreLevel(Model, kw_only=True):
    """One level of a score question's scale."""

    label: str
    description: str | UnsetType | None = UNSET


class ChoiceQuestion(TaggedModel, tag="choice", kw_only=True):
    """Pick one of ``choices``."""

    choices: list[ChoiceOption]
    instructions: str | list[InputPart]
    name: str | UnsetType | None = UNSET


class PredicateQuestion(TaggedModel, tag="predicate", kw_only=True):
    """A yes/no question, answered with a probability."""

    instructions: str | list[InputPart]
    name: str | UnsetType | None = UNSET


class ScoreQuestion(TaggedModel, tag="score", kw_only=True):
    """Rate on the scale ``levels``."""

    instructions: str | list[InputPart]
    levels: list[ScoreLevel]
    name: str | UnsetType | None = UNSET


Question: TypeAlias = ChoiceQuestion | PredicateQuestion | ScoreQuestion

# -- items ---------------------------------------------------------------------------


class DecisionItem(Model, kw_only=True):
    """An input item for future decisions, as the wire spells it.

    One Struct for every kind, told apart by ``type`` (``"message"``, which may
    be left out, ``"function_call"``, ``"function_call_output"``,
    ``"custom_tool_call"``, ``"custom_tool_call_output"``) and, for a message,
    ``role`` (``"user"``, ``"developer"``, ``"system"``, ``"assistant"``): a
    message's ``type`` is optional on the wire, so no tag can tell them apart.
    Build one with `DecisionItem.message` for the common case.
    """

    type: str | UnsetType = UNSET
    id: str | UnsetType | None = UNSET
    role: str | UnsetType = UNSET
    content: (
        str | list[InputText | InputImage | InputJson | OutputText | RefusalPart] | UnsetType
    ) = UNSET
    phase: str | UnsetType | None = UNSET
    call_id: str | UnsetType = UNSET
    name: str | UnsetType = UNSET
    namespace: str | UnsetType | None = UNSET
    arguments: str | UnsetType = UNSET
    input: str | UnsetType = UNSET
    output: str | list[InputText | InputImage] | UnsetType = UNSET
    status: str | UnsetType | None = UNSET

    @classmethod
    def message(cls, role: str, text: str) -> DecisionItem:
        """A text message from ``role`` (``"user"``, ``"developer"``, ``"system"``...)."""
        return cls(type="message", role=role, content=text)


# -- the answer ----------------------------------------------------------------------


class PredicateAnswer(TaggedModel, tag="predicate", kw_only=True):
    """A predicate's answer: the ``probability`` that it holds."""

    probability: float
    name: str | None = None


class ChoiceProbability(Model, kw_only=True):
    """How likely one choice was."""

    probability: float
    value: str | bool


class ChoiceAnswer(TaggedModel, tag="choice", kw_only=True):
    """The chosen value, with the probability of each."""

    choice: str | bool
    confidence: float
    probabilities: list[ChoiceProbability]
    name: str | None = None


class ScoreProbability(Model, kw_only=True):
    """How likely one level was."""

    label: str
    probability: float
    value: int


class ScoreAnswer(TaggedModel, tag="score", kw_only=True):
    """The score, with the probability of each level."""

    confidence: float
    probabilities: list[ScoreProbability]
    score: float
    name: str | None = None


class RefusalAnswer(TaggedModel, tag="refusal", kw_only=True):
    """The model refused this question."""

    name: str | None = None


class InputTokensDetails(Model, kw_only=True):
    """Cached input tokens."""

    cache_write_tokens: int
    cached_tokens: int


class OutputTokensDetails(Model, kw_only=True):
    """Reasoning output tokens."""

    reasoning_tokens: int


class DecisionUsage(Model, kw_only=True):
    """Token usage of one evaluation."""

    input_tokens: int
    input_tokens_details: InputTokensDetails
    output_tokens: int
    output_tokens_details: OutputTokensDetails
    total_tokens: int


class Decision(Model, kw_only=True):
    """The Decision API's response: one answer per question, in order."""

    answers: list[PredicateAnswer | ChoiceAnswer | ScoreAnswer | RefusalAnswer]
    model: str
    usage: DecisionUsage
