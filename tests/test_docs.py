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
block fails, and so does code written any other way (``.. code::``,
``.. sourcecode::``, a ``.. code-block::`` without a language,
``.. literalinclude::``, ``.. parsed-literal::``, a literal block written with
``::``, a ``>>>`` doctest block): no test would check it. The parsing and the
checks live in ``_rst_blocks.py``, shared with test_readme.py.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import pydoc
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
from _rst_blocks import ROOT, Block, check_console, parse_blocks, run_program, unchecked_code

DOCS = ROOT / "docs"


def _pages() -> list[Path]:
    skip = {DOCS / "_build", DOCS / "reference" / "_generated"}
    return sorted(p for p in DOCS.rglob("*.rst") if not any(s in p.parents for s in skip))


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


def test_no_code_escapes_the_tests() -> None:
    found = [where for page in _pages() for where in unchecked_code(page)]
    assert not found, f"use a code-block:: python (or console) the tests run: {found}"


def test_every_unchecked_form_of_code_is_found(tmp_path: Path) -> None:
    page = tmp_path / "page.rst"
    forms = {
        ".. code:: python": "code",
        ".. sourcecode:: python": "sourcecode",
        ".. code-block::": "code-block",
        ".. literalinclude:: ../examples/text_chat.py": "literalinclude",
        ".. parsed-literal::": "parsed-literal",
        ".. include:: ../noxfile.py\n   :literal:": "include",
        "Run this::": "literal block",
        ">>> 1 + 1": "doctest",
    }
    for form, name in forms.items():
        page.write_text(f"Title\n=====\n\n{form}\n\n   print(1)\n", encoding="utf-8")
        (found,) = unchecked_code(page)
        assert name in found, (form, found)
    page.write_text(".. code-block:: python\n\n   print(1)\n\n.. toctree::\n", encoding="utf-8")
    assert unchecked_code(page) == []


@pytest.mark.parametrize("block", PYTHON, ids=[b.id for b in PYTHON])
async def test_python_block_runs(block: Block, tmp_path: Path) -> None:
    caption = block.options.get("caption", "")
    # A test module is run by pytest, as the page says.
    module = caption if caption.startswith("test_") and caption.endswith(".py") else None
    code, stdout, stderr = await run_program(block.code, tmp_path, block.serve_args, module)
    assert code == 0, f"{block.id}\n{stdout}{stderr}"
    if block.output is not None:
        assert stdout == block.output, block.id


@pytest.mark.parametrize("block", CONSOLE, ids=[b.id for b in CONSOLE])
def test_console_block_names_what_exists(block: Block) -> None:
    check_console(block)


# -- model names ------------------------------------------------------------------


def _deprecated_models() -> set[str]:
    """The Realtime and transcription models whose shutdown the ``openai`` SDK announces
    (its docstrings list them under "Deprecated values")."""
    import openai

    names: set[str] = set()
    for source in (Path(openai.__file__).parent / "types" / "realtime").glob("*.py"):
        text = source.read_text(encoding="utf-8")
        for listed in re.findall(r'-\s+((?:"[\w.-]+",?\s*)+):\s*Announced shutdown', text):
            names.update(re.findall(r'"([\w.-]+)"', listed))
    return names


def test_what_users_copy_names_no_model_about_to_shut_down() -> None:
    from trio_realtime.testing._strict import REALTIME_MODELS, TRANSCRIPTION_MODELS

    deprecated = _deprecated_models()
    assert {"gpt-realtime", "gpt-4o-transcribe", "whisper-1"} <= deprecated
    # The names we use instead are current, and the strict fake knows them.
    for current in ("gpt-realtime-2.1", "gpt-transcribe"):
        assert current not in deprecated
        assert current in REALTIME_MODELS | TRANSCRIPTION_MODELS
    copied = [ROOT / "README.rst", ROOT / "CONTRIBUTING.rst", *_pages()]
    copied += sorted((ROOT / "examples").glob("*.py"))
    copied += [ROOT / "trio_realtime" / "_cli.py", ROOT / "trio_realtime" / "_demo.py"]
    found = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in copied
        for name in re.findall(r"[\"']([\w.-]+)[\"']", path.read_text(encoding="utf-8"))
        if name in deprecated
    ]
    assert not found, f"use a current model (gpt-realtime-2.1, gpt-transcribe): {found}"


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
