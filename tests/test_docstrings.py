"""What ``help()`` and the API reference show of the public classes: every public
attribute described where a reader of the public class finds it, no reader sent
to a private module, and every code block of a public docstring run.

A public attribute (a method, property, field, or an attribute ``__init__``
sets) is described by its own docstring, by an attribute docstring (a string
right after it, or ``#:`` comments right before it, which the reference
renders), or by being named as ``name`` or `name` in the docstring of the
class or of a public class it derives from. A private base's docstring does
not count: ``help()`` of the public class never shows it.

The wire-format Structs of `trio_realtime.events` and `trio_realtime.live`
(event and config payloads, whose fields are the API's JSON fields) are
left out of the attribute check.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import inspect
import re
import sys
import textwrap
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import ModuleType

import msgspec
import pytest
import trio
from _serve_fake import start_serve_fake

import trio_realtime
import trio_realtime.audio
import trio_realtime.live
import trio_realtime.rest
import trio_realtime.testing
import trio_realtime.testing.pytest_plugin
from trio_realtime import events

ROOT = Path(__file__).resolve().parent.parent
PACKAGES: tuple[ModuleType, ...] = (
    trio_realtime,
    trio_realtime.live,
    trio_realtime.rest,
    trio_realtime.audio,
    trio_realtime.testing,
)
WIRE_MODULES = (
    "trio_realtime.events",
    "trio_realtime.live._events",
    "trio_realtime.live._config",
    "trio_realtime.live._tools",
    "trio_realtime.live._decisions",
    "trio_realtime.live._base",
)


def _is_ours(cls: type) -> bool:
    return cls.__module__.split(".")[0] == "trio_realtime"


def _is_wire(cls: type) -> bool:
    return issubclass(cls, msgspec.Struct) and cls.__module__.startswith(WIRE_MODULES)


@cache
def _exported() -> dict[type, str]:
    """Each public class -> its public dotted name (the first package exporting it)."""
    found: dict[type, str] = {}
    for package in (*PACKAGES, events):
        for name in package.__all__:
            obj = getattr(package, name)
            if isinstance(obj, type) and obj not in found:
                found[obj] = f"{package.__name__}.{name}"
    return found


def _classes() -> list[type]:
    return [
        cls
        for cls, name in _exported().items()
        if not name.startswith("trio_realtime.events.") and not _is_wire(cls)
    ]


# -- attribute docstrings, as the reference (Sphinx autodoc) finds them -----------


def _class_node(cls: type) -> ast.ClassDef | None:
    tree = _module_ast(cls.__module__)
    if tree is None:
        return None
    body: list[ast.stmt] = tree.body
    node: ast.ClassDef | None = None
    for part in cls.__qualname__.split("."):
        node = next((n for n in body if isinstance(n, ast.ClassDef) and n.name == part), None)
        if node is None:
            return None
        body = node.body
    return node


@cache
def _module_ast(module: str) -> ast.Module | None:
    path = inspect.getsourcefile(sys.modules[module])
    if path is None:
        return None
    return ast.parse(Path(path).read_text(encoding="utf-8"))


@cache
def _module_lines(module: str) -> list[str]:
    path = inspect.getsourcefile(sys.modules[module])
    assert path is not None
    return Path(path).read_text(encoding="utf-8").splitlines()


def _targets(node: ast.stmt, *, on_self: bool) -> list[str]:
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, ast.AnnAssign):
        targets = [node.target]
    else:
        return []
    names: list[str] = []
    for target in targets:
        if on_self:
            if (
                isinstance(target, ast.Attribute)
                and isinstance(target.value, ast.Name)
                and target.value.id == "self"
            ):
                names.append(target.attr)
        elif isinstance(target, ast.Name):
            names.append(target.id)
    return names


def _documented_statements(body: list[ast.stmt], lines: list[str], *, on_self: bool) -> set[str]:
    found: set[str] = set()
    for index, node in enumerate(body):
        names = _targets(node, on_self=on_self)
        if not names:
            continue
        after = body[index + 1] if index + 1 < len(body) else None
        string_after = (
            isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
            and after.value.value.strip()
        )
        above = lines[node.lineno - 2].strip() if node.lineno >= 2 else ""
        trailing = "#: " in lines[node.lineno - 1]
        if string_after or above.startswith("#:") or trailing:
            found.update(names)
    return found


@cache
def _attribute_docs(cls: type) -> frozenset[str]:
    """Names with an attribute docstring in ``cls``'s own source (body or methods)."""
    node = _class_node(cls)
    if node is None:
        return frozenset()
    lines = _module_lines(cls.__module__)
    found = _documented_statements(node.body, lines, on_self=False)
    for method in node.body:
        if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(method):
                for field in ("body", "orelse", "finalbody"):
                    block = getattr(inner, field, None)
                    if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                        found |= _documented_statements(block, lines, on_self=True)
    return frozenset(found)


def _instance_attributes(cls: type) -> set[str]:
    """Public names our classes in ``cls``'s MRO assign on ``self`` in ``__init__``."""
    names: set[str] = set()
    for base in cls.__mro__:
        init = base.__dict__.get("__init__")
        if not _is_ours(base) or not inspect.isfunction(init):
            continue
        try:
            source = inspect.getsource(init)
        except OSError:  # made by @dataclass: its fields are seen as class members
            continue
        tree = ast.parse(textwrap.dedent(source))
        for node in ast.walk(tree):
            if isinstance(node, ast.stmt):
                names.update(_targets(node, on_self=True))
    return {n for n in names if not n.startswith("_")}


def _public_names(cls: type) -> set[str]:
    names: set[str] = set()
    for name in dir(cls):
        if name.startswith("_"):
            continue
        owner = next((b for b in cls.__mro__ if name in vars(b)), None)
        if owner is not None and _is_ours(owner):
            names.add(name)
    names |= _instance_attributes(cls)
    fields = list(getattr(cls, "__struct_fields__", ()))
    if dataclasses.is_dataclass(cls):
        fields += [f.name for f in dataclasses.fields(cls)]
    return names | {n for n in fields if not n.startswith("_")}


def _own_doc(cls: type, name: str) -> bool:
    """A method, property or descriptor with a docstring of its own (help() shows it)."""
    for base in cls.__mro__:
        if name not in vars(base):
            continue
        value = vars(base)[name]
        if isinstance(value, staticmethod | classmethod):
            value = value.__func__
        if inspect.ismemberdescriptor(value) or inspect.isgetsetdescriptor(value):
            return bool(value.__doc__)
        if callable(value) or isinstance(value, property):
            return bool(inspect.getdoc(value))
        return False
    return False


def _named_in(doc: str, name: str) -> bool:
    # As a literal of its own or inside one (``max_session_duration - rollover_window``),
    # or as a reference.
    return re.search(rf"``[^`]*\b{name}\b[^`]*``|`(\w+\.)?{name}`", doc) is not None


def undocumented(cls: type) -> list[str]:
    """The public attributes of ``cls`` that neither help() nor the reference describes."""
    exported = _exported()
    # Only the class's own docs and those of public bases: help() of a class that
    # derives from a private base does not show that base's docstring.
    public_docs = [inspect.getdoc(b) or "" for b in cls.__mro__ if b is cls or b in exported]
    missing: list[str] = []
    for name in sorted(_public_names(cls)):
        if _own_doc(cls, name):
            continue
        if any(name in _attribute_docs(b) for b in cls.__mro__ if b is cls or b in exported):
            continue
        if any(_named_in(doc, name) for doc in public_docs):
            continue
        missing.append(name)
    return missing


def test_the_check_sees_attributes_of_every_kind() -> None:
    # An attribute __init__ sets on a private base (the connections' channels), a
    # field, a property and a method all count as public attributes.
    names = _public_names(trio_realtime.live.LiveConnection)
    assert {"send_channel", "receive_channel", "url", "close_result", "send"} <= names
    assert {"text", "usage"} <= _public_names(trio_realtime.Reply)
    assert "organization" in _public_names(trio_realtime.Client)
    assert "events_received" in _public_names(trio_realtime.ConnectionStatistics)
    assert len(_classes()) > 60


def test_the_check_tells_documented_from_not() -> None:
    class Sample:
        """Has ``named``."""

        #: A comment.
        commented: int = 0
        trailing: int = 0  #: Trailing.
        after: int = 0
        """A string after."""
        bare: int = 0

        def method(self) -> None:
            """Does."""

        def silent(self) -> None:
            pass

        def __init__(self) -> None:
            self.named = 1
            #: An instance attribute.
            self.instance = 2
            self.hidden = 3

    body, init = _documented_statements_of(Sample)
    assert {"commented", "trailing", "after"} <= body
    assert "bare" not in body
    assert init == {"instance"}
    assert _own_doc(Sample, "method")
    assert not _own_doc(Sample, "silent")
    assert _named_in(inspect.getdoc(Sample) or "", "named")
    assert not _named_in("Has named.", "named")


def _documented_statements_of(cls: type) -> tuple[set[str], set[str]]:
    """(class-body names, ``__init__`` names) with an attribute docstring."""
    source = textwrap.dedent(inspect.getsource(cls))
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.ClassDef)
    lines = source.splitlines()
    init = next(n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    return (
        _documented_statements(node.body, lines, on_self=False),
        _documented_statements(init.body, lines, on_self=True),
    )


def _class_params() -> list[object]:
    params: list[object] = []
    for cls in _classes():
        name = _exported()[cls]
        params.append(pytest.param(cls, id=name))
    return params


@pytest.mark.parametrize("cls", _class_params())
def test_every_public_attribute_is_described(cls: type) -> None:
    missing = undocumented(cls)
    assert not missing, f"{_exported()[cls]}: describe {missing} on the public class"


# -- no reader sent to a private module ---------------------------------------------


def _public_docstrings() -> Iterator[tuple[str, str]]:
    """(where, docstring) of each public module, class, function and member."""
    modules = [*PACKAGES, events, trio_realtime.testing.pytest_plugin]
    for module in modules:
        yield module.__name__, module.__doc__ or ""
    seen: set[int] = set()
    for module in modules:
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.ismodule(obj) or id(obj) in seen:
                continue
            seen.add(id(obj))
            where = f"{module.__name__}.{name}"
            if inspect.isfunction(obj) or isinstance(obj, type):
                yield where, inspect.getdoc(obj) or ""
            if isinstance(obj, type):
                for member_name, member in vars(obj).items():
                    if member_name.startswith("_") and member_name != "__init__":
                        continue
                    if isinstance(member, staticmethod | classmethod):
                        member = member.__func__
                    if inspect.isfunction(member) or isinstance(member, property):
                        yield f"{where}.{member_name}", inspect.getdoc(member) or ""


PRIVATE_REFERENCE = re.compile(r"`+(trio_realtime\.)?([\w.]*\.)?_[a-z]\w*")
MODULE_DOCSTRING = re.compile(r"(see|in) the module('s)? docstring", re.IGNORECASE)


def test_public_docstrings_name_no_private_place() -> None:
    found: list[str] = []
    for where, doc in _public_docstrings():
        for match in PRIVATE_REFERENCE.finditer(doc):
            found.append(f"{where}: {match.group(0)}")
        # Fine in a public module's own docstring; elsewhere it means a private one.
        if MODULE_DOCSTRING.search(doc) and where not in sys.modules:
            found.append(f"{where}: points at a module docstring")
    assert not found, "\n".join(found)


def test_the_private_reference_check_catches_them() -> None:
    assert PRIVATE_REFERENCE.search("see `trio_realtime.live._events`")
    assert PRIVATE_REFERENCE.search("(`_Connection._watch`)")
    assert PRIVATE_REFERENCE.search("``trio_realtime.testing._strict``")
    assert not PRIVATE_REFERENCE.search("``__init__`` and `trio_realtime.live.open_live`")


# -- every code block of a public docstring runs --------------------------------------


def _literal_blocks(doc: str) -> list[str]:
    """The literal blocks (``::`` paragraphs and code-block directives) of reST text."""
    lines = doc.splitlines()
    blocks: list[str] = []
    for index, line in enumerate(lines):
        if not line.rstrip().endswith("::"):
            continue
        if re.match(r"^ *\.\. (?!code-block|code|sourcecode)[\w:-]+::", line):
            continue
        indent = len(line) - len(line.lstrip())
        body: list[str] = []
        for following in lines[index + 1 :]:
            if following.strip() and len(following) - len(following.lstrip()) <= indent:
                break
            body.append(following)
        code = textwrap.dedent("\n".join(body)).strip("\n")
        blocks.append(re.sub(r"^:\w[\w-]*:.*\n", "", code, flags=re.M))
    return blocks


DOCSTRING_BLOCKS = [
    (f"{where}#{n}", code)
    for where, doc in _public_docstrings()
    for n, code in enumerate(_literal_blocks(doc), 1)
]


def test_public_docstrings_have_blocks_to_run() -> None:
    places = {where.split("#")[0] for where, _ in DOCSTRING_BLOCKS}
    assert {"trio_realtime.testing", "trio_realtime.testing.pytest_plugin"} <= places
    assert _literal_blocks("Run::\n\n    x = 1\n\nafter") == ["x = 1"]
    # The live module's old block: a fragment with names from nowhere.
    assert _free_names("send(pcm16_24khz)\nfor x in y: play(x)") == {
        "send",
        "pcm16_24khz",
        "y",
        "play",
    }


def _free_names(code: str) -> set[str]:
    """Names the code reads that it never binds (nor Python does)."""
    tree = ast.parse(code)
    bound: set[str] = set(dir(builtins))
    read: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.alias):
            bound.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.MatchAs | ast.MatchStar | ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return read - bound


@pytest.mark.parametrize(
    "code", [c for _, c in DOCSTRING_BLOCKS], ids=[w for w, _ in DOCSTRING_BLOCKS]
)
async def test_docstring_block_runs(code: str, tmp_path: Path) -> None:
    # A complete program (trio.run) or a complete test module (test_ functions),
    # never a fragment with names from nowhere.
    assert not _free_names(code), f"undefined in the block: {sorted(_free_names(code))}"
    is_test = re.search(r"^(async )?def test_", code, re.M) is not None
    assert is_test or "trio.run(" in code, "neither a program (trio.run) nor a test module"
    command = [sys.executable, "-c", code]
    env = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }
    if is_test:
        (tmp_path / "test_block.py").write_text(code, encoding="utf-8")
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        command += ["-p", "pytest_trio.plugin", "-o", "trio_mode=true"]
        command += ["-p", "trio_realtime.testing.pytest_plugin", "test_block.py"]
    with trio.fail_after(90):
        async with trio.open_nursery() as nursery:
            env = await start_serve_fake(nursery, env)
            result = await trio.run_process(
                command, cwd=tmp_path, env=env, capture_stdout=True, capture_stderr=True,
                check=False,
            )  # fmt: skip
            nursery.cancel_scope.cancel()
    assert result.returncode == 0, result.stdout.decode() + result.stderr.decode()
