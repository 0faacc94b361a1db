"""Function tools: a Python function, its JSON Schema, and one call of it.

`tool` turns a function into a `Tool`. The parameters' type hints become a
msgspec Struct type (built once, at registration), which gives both the JSON
Schema the model sees (``msgspec.json.schema``) and the decoder of the
arguments the model sends, so a call gets real ``int``, ``list[str]``,
``Literal``, ``Struct`` or ``datetime`` values, never a dict to pick apart.

A call never raises into the caller: arguments that do not decode, a
function that raises, a result that cannot be encoded and a timeout each
become an error *output*, a small JSON object ``{"error": "..."}`` the model
can read and act on (the exception's message, never its traceback). Async
functions run in the calling task; plain functions run in a worker thread
(``trio.to_thread.run_sync``, at most `TOOL_THREADS` at once per tool), so a
slow tool does not stall the session.
"""

from __future__ import annotations

import inspect
import logging
import math
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, Final, overload

import msgspec
import trio

from . import events as ev
from ._errors import ConfigurationError

__all__ = [
    "DEFAULT_TOOL_TIMEOUT",
    "TOOL_THREADS",
    "Tool",
    "ToolOutcome",
    "error_output",
    "tool",
    "tools_by_name",
]

log = logging.getLogger("trio_realtime")

#: Seconds a tool call may run before it is cancelled and reported as timed out.
DEFAULT_TOOL_TIMEOUT: Final = 30.0

#: Worker threads one plain-function tool may use at once (its own limiter).
TOOL_THREADS: Final = 8

# The API's rule for function names.
_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")

_ToolFunction = Callable[..., Any]


def error_output(message: str) -> str:
    """The output that tells the model a call failed, and why."""
    return msgspec.json.encode({"error": message}).decode()


class ToolOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """How one call of a tool ended: the output sent to the model, and whether it failed."""

    output: str
    """The ``function_call_output`` text: the result, or ``{"error": ...}``."""
    error: str | None = None
    """Why the call failed (bad arguments, an exception, a timeout...), or None."""


class Tool:
    """A function the model may call, with the schema derived from its signature.

    Build one with `tool`. ``definition`` is what goes in the session's (or a
    response's) ``tools``; `invoke` runs one call from its JSON arguments.
    """

    __slots__ = (
        "_args_type",
        "_decoder",
        "_fields",
        "_is_async",
        "_limiter",
        "description",
        "function",
        "name",
        "parameters",
        "timeout",
    )

    def __init__(
        self,
        function: _ToolFunction,
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = DEFAULT_TOOL_TIMEOUT,
    ) -> None:
        if not callable(function):
            raise ConfigurationError(f"a tool must be a function, got {function!r}")
        self.function: _ToolFunction = function
        """The function called with the decoded arguments as keywords."""
        self.name: str = name if name is not None else function.__name__
        """The name the model calls it by."""
        if not _NAME.match(self.name):
            raise ConfigurationError(
                f"tool name {self.name!r} is not allowed: use 1 to 64 letters, digits, "
                "'_' or '-' (pass name=... to tool())"
            )
        self.description: str = description if description is not None else _summary(function)
        """What the model is told the tool does (the docstring's first paragraph by default)."""
        if timeout is not None and not (timeout > 0 and math.isfinite(timeout)):
            raise ConfigurationError(
                f"tool timeout must be a positive number of seconds or None, got {timeout!r}"
            )
        self.timeout: float | None = timeout
        """Seconds one call may take; None for no limit."""
        self._is_async = inspect.iscoroutinefunction(function)
        self._limiter = trio.CapacityLimiter(TOOL_THREADS)
        self._args_type, self._fields = _arguments_type(function, self.name)
        self._decoder = msgspec.json.Decoder(self._args_type)
        self.parameters: dict[str, Any] = _parameters_schema(self._args_type)
        """The JSON Schema of the arguments object."""

    def __repr__(self) -> str:
        return f"Tool(name={self.name!r})"

    def definition(self) -> ev.FunctionTool:
        """The tool as the session's ``tools`` list holds it."""
        return ev.FunctionTool(
            name=self.name, description=self.description, parameters=self.parameters
        )

    async def invoke(self, arguments: str) -> ToolOutcome:
        """Run one call with the model's JSON ``arguments``; never raises except `trio.Cancelled`.

        The timeout is applied here. A cancellation from outside (the response
        was cancelled, the user interrupted) propagates as usual.
        """
        try:
            decoded = self._decoder.decode(arguments or "{}")
        except msgspec.DecodeError as exc:
            return _failed(f"invalid arguments for {self.name}: {exc}")
        kwargs = {field: getattr(decoded, field) for field in self._fields}
        result: Any = None
        try:
            with trio.move_on_after(
                self.timeout if self.timeout is not None else math.inf
            ) as scope:
                result = await self._call(kwargs)
        except Exception as exc:
            # Caught outside the timeout's scope too: a tool whose cleanup fails
            # when the timeout cancels it raises only once the scope is left.
            # The model gets the message; the log gets the traceback.
            log.warning("tool %s raised", self.name, exc_info=True)
            return _failed(f"{self.name} failed: {_message(exc)}")
        if scope.cancelled_caught:
            return _failed(f"{self.name} timed out after {self.timeout:g} s")
        if isinstance(result, str):
            try:
                result.encode()  # a lone surrogate would fail later, in the agent's sender
            except UnicodeEncodeError as exc:
                return _failed(f"{self.name} returned text that is not valid Unicode: {exc}")
            return ToolOutcome(output=result)
        try:
            return ToolOutcome(output=msgspec.json.encode(result).decode())
        except (TypeError, msgspec.EncodeError) as exc:
            return _failed(f"{self.name} returned a value that is not JSON: {exc}")

    async def _call(self, kwargs: dict[str, Any]) -> Any:
        if self._is_async:
            awaitable: Awaitable[Any] = self.function(**kwargs)
            return await awaitable
        # A cancelled call leaves its thread to finish on its own: a thread
        # cannot be stopped, and the session must not wait for it.
        # An abandoned thread keeps its limiter token until it really ends: on
        # this tool's own limiter, hung calls cannot starve trio's default one
        # (which every to_thread.run_sync of the program, getaddrinfo
        # included, shares).
        return await trio.to_thread.run_sync(
            lambda: self.function(**kwargs), abandon_on_cancel=True, limiter=self._limiter
        )


@overload
def tool(function: _ToolFunction, /) -> Tool: ...
@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = DEFAULT_TOOL_TIMEOUT,
) -> Callable[[_ToolFunction], Tool]: ...
def tool(
    function: _ToolFunction | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = DEFAULT_TOOL_TIMEOUT,
) -> Tool | Callable[[_ToolFunction], Tool]:
    """Make a function a `Tool`: ``@tool`` or ``@tool(name=..., timeout=...)``.

    Every parameter needs a type hint msgspec understands (``str``, ``int``,
    ``float``, ``bool``, ``Literal``, ``list``, ``dict``, ``Struct``,
    ``datetime``, ``Annotated[..., msgspec.Meta(description=...)]``...); a
    default makes it optional. Raises `ConfigurationError` at registration for
    a missing or unsupported hint, ``*args``/``**kwargs`` or a bad name.
    """
    if function is not None:
        return Tool(function, name=name, description=description, timeout=timeout)

    def decorate(f: _ToolFunction) -> Tool:
        return Tool(f, name=name, description=description, timeout=timeout)

    return decorate


def tools_by_name(tools: Iterable[Tool | _ToolFunction]) -> dict[str, Tool]:
    """Tools keyed by name (plain functions are wrapped with `tool`); names must be unique."""
    out: dict[str, Tool] = {}
    for item in tools:
        t = item if isinstance(item, Tool) else Tool(item)
        if t.name in out:
            raise ConfigurationError(f"two tools are named {t.name!r}: tool names must be unique")
        out[t.name] = t
    return out


def _failed(message: str) -> ToolOutcome:
    return ToolOutcome(output=error_output(message), error=message)


def _message(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _summary(function: _ToolFunction) -> str:
    doc = inspect.getdoc(function) or ""
    return doc.split("\n\n", 1)[0].replace("\n", " ").strip()


def _arguments_type(function: _ToolFunction, name: str) -> tuple[type[msgspec.Struct], list[str]]:
    """A Struct type with one field per parameter of ``function``."""
    try:
        signature = inspect.signature(function, eval_str=True)
    except (NameError, TypeError) as exc:
        raise ConfigurationError(f"tool {name!r}: cannot read its type hints: {exc}") from exc
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for param in signature.parameters.values():
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD, param.POSITIONAL_ONLY):
            raise ConfigurationError(
                f"tool {name!r}: parameter {param.name!r} must be a plain or keyword-only "
                "parameter (the model passes arguments by name)"
            )
        if param.annotation is param.empty:
            raise ConfigurationError(
                f"tool {name!r}: parameter {param.name!r} needs a type hint, "
                "from which its JSON Schema is made"
            )
        if param.default is param.empty:
            fields.append((param.name, param.annotation))
        else:
            fields.append((param.name, param.annotation, param.default))
    struct_name = "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_]", name)) or "Args"
    args_type = msgspec.defstruct(struct_name + "Arguments", fields, kw_only=True)
    try:
        msgspec.json.schema(args_type)
    except TypeError as exc:
        raise ConfigurationError(
            f"tool {name!r}: a parameter's type has no JSON Schema ({exc})"
        ) from exc
    return args_type, [f[0] for f in fields]


def _parameters_schema(args_type: type[msgspec.Struct]) -> dict[str, Any]:
    """The arguments' schema as one object, its nested types kept under ``$defs``."""
    schema = msgspec.json.schema(args_type)
    defs: dict[str, Any] = dict(schema.get("$defs", {}))
    ref: str = schema.get("$ref", "")
    root: dict[str, Any] = dict(defs.pop(ref.rsplit("/", 1)[-1], schema))
    root.pop("title", None)
    root.setdefault("properties", {})
    if defs:
        root["$defs"] = defs
    return root
