"""Every code block of the docs site runs, as written (the README's blocks: test_readme.py).

A ``python`` block is a complete program: it runs in a fresh interpreter, in a
temporary folder, with ``OPENAI_BASE_URL`` and ``OPENAI_API_KEY`` pointing at
a fresh ``python -m trio_realtime serve-fake`` (and ``AZURE_OPENAI_ENDPOINT``,
``AZURE_OPENAI_API_KEY`` at it too; an RST comment
``.. serve-fake: ARGS`` right before the block adds arguments, such as
``--tool-call``). A ``python`` block captioned ``test_NAME.py`` is a test module,
run by pytest with pytest-trio and the ``fake_server`` plugin. A ``text`` block
captioned ``Output`` right after a program is its exact standard output. A
``console`` block may hold ``pip install`` lines (each extra it names must
exist) and ``nox -s`` lines (each session must exist). Any other kind of
block, or a literal block written with ``::``, fails: it could not be checked.
"""

from __future__ import annotations

import importlib
import inspect
import os
import pkgutil
import pydoc
import re
import shlex
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest
import trio
from _serve_fake import start_serve_fake

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

DIRECTIVE = re.compile(r"^(?P<indent> *)\.\. code-block:: *(?P<lang>\S+) *$")
SERVE_FAKE = re.compile(r"^ *\.\. serve-fake: (?P<args>.+)$")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based, of the directive
    lang: str
    options: dict[str, str]
    code: str
    serve_args: tuple[str, ...] = ()
    output: str | None = None

    @property
    def id(self) -> str:
        return f"{self.path.relative_to(DOCS)}:{self.line}"


def _pages() -> list[Path]:
    skip = {DOCS / "_build", DOCS / "reference" / "_generated"}
    return sorted(p for p in DOCS.rglob("*.rst") if not any(s in p.parents for s in skip))


def parse_blocks(path: Path) -> list[Block]:
    """The code blocks of one page, in order, each with its options and content."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        match = DIRECTIVE.match(lines[i])
        if not match:
            i += 1
            continue
        start, indent = i, len(match["indent"])
        options: dict[str, str] = {}
        i += 1
        while i < len(lines) and re.match(rf"^ {{{indent + 1},}}:(\w[\w-]*):(.*)$", lines[i]):
            name, value = re.findall(r":(\w[\w-]*):(.*)$", lines[i])[0]
            options[name] = value.strip()
            i += 1
        body: list[str] = []
        while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > indent):
            body.append(lines[i])
            i += 1
        while body and not body[-1].strip():
            body.pop()
        content = body
        margin = min((_indent(line) for line in content if line.strip()), default=0)
        code = "\n".join(line[margin:] for line in content).strip("\n") + "\n"
        serve_args: tuple[str, ...] = ()
        before = start - 1
        while before >= 0 and not lines[before].strip():
            before -= 1
        if before >= 0 and (serve := SERVE_FAKE.match(lines[before])):
            serve_args = tuple(shlex.split(serve["args"]))
        blocks.append(Block(path, start + 1, match["lang"], options, code, serve_args))
    # A text block captioned Output belongs to the python block before it.
    paired: list[Block] = []
    for block in blocks:
        if block.lang == "text" and block.options.get("caption") == "Output" and paired:
            last = paired[-1]
            assert last.lang == "python", f"{block.id}: Output follows no python block"
            paired[-1] = Block(
                last.path, last.line, last.lang, last.options, last.code, last.serve_args,
                block.code,
            )  # fmt: skip
            continue
        paired.append(block)
    return paired


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


BLOCKS = [block for page in _pages() for block in parse_blocks(page)]
PYTHON = [b for b in BLOCKS if b.lang == "python"]
CONSOLE = [b for b in BLOCKS if b.lang == "console"]


def test_the_docs_have_code_to_run() -> None:
    pages = {b.path.relative_to(DOCS).as_posix() for b in PYTHON}
    for page in ("tutorial/first-turn.rst", "tutorial/testing.rst", "migration.rst"):
        assert page in pages, page
    # The parser sees options and the expected output.
    assert any(b.serve_args for b in PYTHON)
    assert any(b.options.get("caption", "").startswith("test_") for b in PYTHON)
    assert any(b.output for b in PYTHON)


def test_every_block_is_of_a_kind_the_tests_check() -> None:
    unchecked = [b.id for b in BLOCKS if b.lang not in ("python", "console")]
    assert not unchecked, f"no test runs these blocks: {unchecked}"


def test_no_literal_blocks_escape_the_tests() -> None:
    for page in _pages():
        for number, line in enumerate(page.read_text(encoding="utf-8").splitlines(), 1):
            if line.rstrip().endswith("::") and not re.match(r"^ *\.\. [\w:-]+::", line):
                raise AssertionError(f"{page.name}:{number}: use a code-block the tests run")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


@pytest.mark.parametrize("block", PYTHON, ids=[b.id for b in PYTHON])
async def test_python_block_runs(block: Block, tmp_path: Path) -> None:
    with trio.fail_after(90):
        async with trio.open_nursery() as nursery:
            env = await start_serve_fake(nursery, _env(), *block.serve_args)
            # The Azure page's client, pointed at the same fake.
            env["AZURE_OPENAI_ENDPOINT"] = env["OPENAI_BASE_URL"].removesuffix("/v1")
            env["AZURE_OPENAI_API_KEY"] = env["OPENAI_API_KEY"]
            command = [sys.executable, "-c", block.code]
            module = block.options.get("caption", "")
            if module.startswith("test_") and module.endswith(".py"):
                # A test module: run by pytest, as the page says, with pytest-trio's
                # trio_mode and our plugin (by name, installed or not).
                (tmp_path / module).write_text(block.code, encoding="utf-8")
                env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
                command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
                command += ["-p", "pytest_trio.plugin", "-o", "trio_mode=true"]
                command += ["-p", "trio_realtime.testing.pytest_plugin", module]
            result = await trio.run_process(
                command,
                cwd=tmp_path,
                env=env,
                capture_stdout=True,
                capture_stderr=True,
                check=False,
            )
            nursery.cancel_scope.cancel()
    assert result.returncode == 0, f"{block.id}\n{result.stdout.decode()}{result.stderr.decode()}"
    if block.output is not None:
        assert result.stdout.decode() == block.output, block.id


def _pyproject() -> dict[str, object]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _nox_sessions() -> set[str]:
    source = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    return set(re.findall(r"@nox\.session\([^)]*\)\ndef (\w+)\(", source))


@pytest.mark.parametrize("block", CONSOLE, ids=[b.id for b in CONSOLE])
def test_console_block_names_what_exists(block: Block) -> None:
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    extras = set(project["optional-dependencies"])
    sessions = _nox_sessions()
    for line in block.code.splitlines():
        assert line.startswith("$ "), f"{block.id}: {line!r} is not a command"
        words = shlex.split(line[2:])
        if words[:2] == ["pip", "install"]:
            for spec in words[2:]:
                name, _, rest = spec.partition("[")
                assert name == "trio-realtime", f"{block.id}: {spec}"
                for extra in filter(None, rest.rstrip("]").split(",")):
                    assert extra in extras, f"{block.id}: no extra {extra!r}"
        elif words[:2] == ["nox", "-s"]:
            assert words[2] in sessions, f"{block.id}: no nox session {words[2]!r}"
        else:
            raise AssertionError(f"{block.id}: the tests cannot check {line!r}")


# -- the API reference ---------------------------------------------------------------


def _api_pages() -> ModuleType:
    sys.path.insert(0, str(DOCS / "_ext"))
    try:
        return importlib.import_module("api_pages")
    finally:
        sys.path.remove(str(DOCS / "_ext"))


def test_reference_has_a_page_per_public_package() -> None:
    import trio_realtime

    api = _api_pages()
    names = [p.__name__ for p in api.public_packages()]
    on_disk = [
        f"trio_realtime.{m.name}"
        for m in pkgutil.iter_modules(trio_realtime.__path__)
        if m.ispkg and not m.name.startswith("_")
    ]
    # A public subpackage added later (say trio_realtime.live) gets its page too.
    assert names == ["trio_realtime", *sorted(on_disk)]
    assert {"trio_realtime.events", "trio_realtime.audio", "trio_realtime.testing"} <= set(names)


def test_reference_pages_document_every_public_name() -> None:
    api = _api_pages()
    for package in api.public_packages():
        text = api.page(package)
        for name in package.__all__:
            if inspect.ismodule(getattr(package, name)):
                continue
            assert re.search(rf"^\.\. auto\w+:: {package.__name__}\.{name}$", text, re.M), name


def test_help_lists_the_connections_public_attributes() -> None:
    # What help() prints; every public class's attributes: test_docstrings.py.
    import trio_realtime as rt
    from trio_realtime import live

    for cls in (rt.RealtimeConnection, rt.TranslationConnection, live.LiveConnection):
        text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
        for attribute in ("send_channel", "receive_channel", "session", "url"):
            assert f"``{attribute}``" in text, (cls.__name__, attribute)
