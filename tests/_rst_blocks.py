"""The code blocks of an RST page, found and checked the same way for the docs
(test_docs.py) and the top-level pages (test_readme.py).

A ``.. code-block:: LANG`` directive is a block; an RST comment
``.. serve-fake: ARGS`` right before it gives the fake server's arguments, and a
``text`` block captioned ``Output`` right after a ``python`` block (or, on the
README, which PyPI renders with plain docutils and its ``code-block`` knows no
``:caption:``, an RST comment ``.. output:`` followed by indented lines) is that
program's exact standard output. Every other way of writing code in RST
(`unchecked_code`) is refused by the tests, since no test would run it.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

import trio
from _serve_fake import start_serve_fake

ROOT = Path(__file__).resolve().parent.parent

DIRECTIVE = re.compile(r"^(?P<indent> *)\.\. code-block:: *(?P<lang>\S+) *$")
SERVE_FAKE = re.compile(r"^ *\.\. serve-fake: (?P<args>.+)$")
OUTPUT = re.compile(r"^(?P<indent> *)\.\. output: *$")

#: Directives that show code but that no test runs.
CODE_DIRECTIVES = frozenset(
    {
        "code",
        "code-block",  # without a language
        "sourcecode",
        "literalinclude",
        "parsed-literal",
        "highlight",
        "doctest",
        "testcode",
        "testsetup",
        "testoutput",
    }
)
ANY_DIRECTIVE = re.compile(r"^ *\.\. (?P<name>[\w:-]+):: *(?P<argument>.*)$")


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
        base = ROOT / "docs" if (ROOT / "docs") in self.path.parents else ROOT
        return f"{self.path.relative_to(base).as_posix()}:{self.line}"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _indented_body(lines: list[str], i: int, indent: int) -> tuple[list[str], int]:
    """The lines from ``i`` indented deeper than ``indent`` (blank ones included),
    dedented, without trailing blanks; and the index after them."""
    body: list[str] = []
    while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > indent):
        body.append(lines[i])
        i += 1
    while body and not body[-1].strip():
        body.pop()
    while body and not body[0].strip():
        body.pop(0)
    margin = min((_indent(line) for line in body if line.strip()), default=0)
    return [line[margin:] for line in body], i


def parse_blocks(path: Path) -> list[Block]:
    """The code blocks of one page, in order, each with its options and content."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        match = DIRECTIVE.match(lines[i])
        if match:
            start, indent = i, len(match["indent"])
            options: dict[str, str] = {}
            i += 1
            while i < len(lines) and re.match(rf"^ {{{indent + 1},}}:(\w[\w-]*):(.*)$", lines[i]):
                name, value = re.findall(r":(\w[\w-]*):(.*)$", lines[i])[0]
                options[name] = value.strip()
                i += 1
            body, i = _indented_body(lines, i, indent)
            code = "\n".join(body).strip("\n") + "\n"
            serve_args: tuple[str, ...] = ()
            before = start - 1
            while before >= 0 and not lines[before].strip():
                before -= 1
            if before >= 0 and (serve := SERVE_FAKE.match(lines[before])):
                serve_args = tuple(shlex.split(serve["args"]))
            blocks.append(Block(path, start + 1, match["lang"], options, code, serve_args))
        elif output := OUTPUT.match(lines[i]):
            body, i = _indented_body(lines, i + 1, len(output["indent"]))
            assert blocks, f"{path.name}:{i}: an output of no program"
            assert blocks[-1].lang == "python", f"{path.name}:{i}: an output of no program"
            assert blocks[-1].output is None, f"{path.name}:{i}: a second output"
            blocks[-1] = replace(blocks[-1], output="\n".join(body) + "\n")
        else:
            i += 1
    # A text block captioned Output belongs to the python block before it.
    paired: list[Block] = []
    for block in blocks:
        if block.lang == "text" and block.options.get("caption") == "Output" and paired:
            last = paired[-1]
            assert last.lang == "python", f"{block.id}: Output follows no python block"
            assert last.output is None, f"{block.id}: a second output"
            paired[-1] = replace(last, output=block.code)
            continue
        paired.append(block)
    return paired


def unchecked_code(path: Path) -> list[str]:
    """Where ``path`` shows code in a form no test runs: a code directive other than
    ``code-block:: LANG``, a literal block (``::``), a doctest block (``>>>``), an
    ``include`` of a file as a literal."""
    found: list[str] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines, 1):
        where = f"{path.name}:{number}"
        directive = ANY_DIRECTIVE.match(line)
        if directive:
            name, argument = directive["name"], directive["argument"].strip()
            if name in CODE_DIRECTIVES and not (name == "code-block" and argument):
                found.append(f"{where}: .. {name}::")
            if name == "include":
                options, _ = _indented_body(lines, number, _indent(line))
                if any(re.match(r":(literal|code|parser):", o) for o in options):
                    found.append(f"{where}: .. include:: as a literal")
        elif line.rstrip().endswith("::"):
            found.append(f"{where}: a literal block (::)")
        previous = lines[number - 2] if number > 1 else ""
        if line.lstrip().startswith(">>>") and not previous.strip():
            found.append(f"{where}: a doctest block (>>>)")
    return found


# -- running --------------------------------------------------------------------------


def is_test_module(code: str) -> bool:
    """A block of ``test_`` functions and no ``trio.run``: a module for pytest."""
    return bool(re.search(r"^(async )?def test_\w+", code, re.M)) and "trio.run(" not in code


def env() -> dict[str, str]:
    """This checkout first on the path, and no OPENAI_ settings from the caller's shell."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENAI_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


async def run_program(
    code: str, cwd: Path, serve_args: tuple[str, ...] = (), module: str | None = None
) -> tuple[int, str, str]:
    """Run ``code`` against a fresh ``serve-fake`` (given ``serve_args``): as a program
    in a fresh interpreter, or, with ``module`` (a file name), as that test module under
    pytest with pytest-trio's trio_mode and our plugin. Exit code, stdout, stderr."""
    with trio.fail_after(90):
        async with trio.open_nursery() as nursery:
            environ = await start_serve_fake(nursery, env(), *serve_args)
            # The Azure page's client, pointed at the same fake.
            environ["AZURE_OPENAI_ENDPOINT"] = environ["OPENAI_BASE_URL"].removesuffix("/v1")
            environ["AZURE_OPENAI_API_KEY"] = environ["OPENAI_API_KEY"]
            command = [sys.executable, "-c", code]
            if module is not None:
                # By name, whether or not the plugin's entry point is installed.
                (cwd / module).write_text(code, encoding="utf-8")
                environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
                command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
                command += ["-p", "pytest_trio.plugin", "-o", "trio_mode=true"]
                command += ["-p", "trio_realtime.testing.pytest_plugin", module]
            result = await trio.run_process(
                command,
                cwd=cwd,
                env=environ,
                capture_stdout=True,
                capture_stderr=True,
                check=False,
            )
            nursery.cancel_scope.cancel()
    return result.returncode, result.stdout.decode(), result.stderr.decode()


# -- console blocks -------------------------------------------------------------------

#: Tools a page may tell you to install, each with the file that shows the project uses it.
TOOLS = {"nox": "noxfile.py", "pre-commit": ".pre-commit-config.yaml"}


def _nox_sessions() -> set[str]:
    source = (ROOT / "noxfile.py").read_text(encoding="utf-8")
    return set(re.findall(r"@nox\.session\([^)]*\)\ndef (\w+)\(", source))


def check_console(block: Block) -> None:
    """Each line of a console block is ``$ COMMAND``, a command the tests can check:
    ``pip install`` of trio-realtime with extras that exist (or of a tool the project
    uses), ``nox`` with sessions that exist, ``pre-commit install``; ``&&`` joins
    commands and ``#`` starts a comment."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = set(project["optional-dependencies"])
    sessions = _nox_sessions()
    for line in block.code.splitlines():
        assert line.startswith("$ "), f"{block.id}: {line!r} is not a command"
        words = shlex.split(line[2:], comments=True)
        commands: list[list[str]] = [[]]
        for word in words:
            if word == "&&":
                commands.append([])
            else:
                commands[-1].append(word)
        for command in commands:
            if command[:3] == ["python", "-m", "pip"]:
                command = command[2:]
            if command[:2] == ["pip", "install"]:
                for spec in command[2:]:
                    name, _, rest = spec.partition("[")
                    if name in TOOLS:
                        assert (ROOT / TOOLS[name]).is_file(), f"{block.id}: no {TOOLS[name]}"
                        continue
                    assert name == "trio-realtime", f"{block.id}: {spec}"
                    for extra in filter(None, rest.rstrip("]").split(",")):
                        assert extra in extras, f"{block.id}: no extra {extra!r}"
            elif command == ["nox"]:
                assert (ROOT / "noxfile.py").is_file(), block.id
            elif command[:2] == ["nox", "-s"]:
                assert command[2] in sessions, f"{block.id}: no nox session {command[2]!r}"
            elif command == ["pre-commit", "install"]:
                assert (ROOT / TOOLS["pre-commit"]).is_file(), block.id
            else:
                raise AssertionError(f"{block.id}: the tests cannot check {command!r}")
