"""Every code block of the top-level pages (README.rst, CONTRIBUTING.rst) runs or is
checked, as test_docs.py does for docs/, with the parsing of ``_rst_blocks.py``.

Every ``.. code-block:: python`` is collected, whatever section it is in:

- A program (it calls ``trio.run``) runs in a fresh interpreter against a fresh
  ``serve-fake`` (an RST comment ``.. serve-fake: ARGS`` before the block adds
  arguments), and must exit 0 and print exactly what the RST comment
  ``.. output:`` after it holds, or nothing when it has none. (PyPI renders the
  README with plain docutils, whose ``code-block`` has no ``:caption:``, hence
  comments instead of the docs' ``Output`` blocks.)
- A test module (``test_`` functions, no ``trio.run``) runs under pytest with
  pytest-trio and the ``fake_server`` plugin.
- A fragment (neither) runs inside the harness of `HARNESSES` named by a function
  it defines; a fragment with no harness fails, so a new block cannot go unrun.

A ``console`` block's commands must name extras and nox sessions that exist. Any
other kind of block, and code in any other form (``.. code::``, ``::`` ...), fails.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from _rst_blocks import (
    ROOT,
    Block,
    check_console,
    is_test_module,
    parse_blocks,
    run_program,
    unchecked_code,
)

PAGES = [ROOT / "README.rst", ROOT / "CONTRIBUTING.rst"]
BLOCKS = [block for page in PAGES for block in parse_blocks(page)]
PYTHON = [b for b in BLOCKS if b.lang == "python"]
CONSOLE = [b for b in BLOCKS if b.lang == "console"]

# The README's webhook handler, run as the fake server rings: it verifies the signed
# webhook, accepts the call, attaches the sideband and hangs up. A failure anywhere
# raises out of the web handler and fails the program.
_WEBHOOK_PRELUDE = """\
import os

import trio
import trio_realtime as rt
from trio_realtime import events as ev
from trio_realtime import rest
"""
_WEBHOOK_DRIVER = """
from functools import partial

import h11


async def _serve_one(stream, api, client):
    http = h11.Connection(h11.SERVER)
    headers, body = [], b""
    while not isinstance(event := http.next_event(), h11.EndOfMessage):
        if event is h11.NEED_DATA:
            http.receive_data(await stream.receive_some(65536))
        elif isinstance(event, h11.Request):
            headers = list(event.headers)
        elif isinstance(event, h11.Data):
            body += event.data
    await on_webhook(body, headers, api, client)
    answer = h11.Response(status_code=200, headers=[("content-length", "0")])
    await stream.send_all(http.send(answer) + http.send(h11.EndOfMessage()))


async def _ring() -> None:
    client = rt.Client.from_env()
    async with rest.open_rest(client) as api, trio.open_nursery() as nursery:
        serve = partial(trio.serve_tcp, partial(_serve_one, api=api, client=client), 0)
        (listener,) = await nursery.start(partial(serve, host="127.0.0.1"))
        url = f"http://127.0.0.1:{listener.socket.getsockname()[1]}/webhook"
        ring = {"webhook_url": url}
        rung = await api.transport.request("POST", "/fake/incoming_calls", json=ring)
        print("webhook answered", rung.decode(dict)["webhook_status"])
        nursery.cancel_scope.cancel()


trio.run(_ring)
"""

#: A fragment's harness, by a function the fragment defines: the code before it,
#: the code after it, and the exact output of the whole.
HARNESSES: dict[str, tuple[str, str, str]] = {
    "on_webhook": (_WEBHOOK_PRELUDE, _WEBHOOK_DRIVER, "webhook answered 200\n"),
}


def _kind(block: Block) -> str:
    if "trio.run(" in block.code:
        return "program"
    return "module" if is_test_module(block.code) else "fragment"


def _harness(block: Block) -> str | None:
    defined = re.findall(r"^(?:async )?def (\w+)\(", block.code, re.M)
    named = [name for name in defined if name in HARNESSES]
    return named[0] if len(named) == 1 else None


def test_the_readme_has_code_of_every_kind() -> None:
    readme = [b for b in PYTHON if b.path.name == "README.rst"]
    kinds = [_kind(b) for b in readme]
    assert kinds.count("program") >= 5, kinds
    assert "module" in kinds
    assert "fragment" in kinds
    # The parser sees the comments around the blocks.
    assert any(b.serve_args for b in readme)
    assert any(b.output for b in readme)
    assert {b.path.name for b in CONSOLE} == {"README.rst", "CONTRIBUTING.rst"}


def test_every_block_is_of_a_kind_the_tests_check() -> None:
    unchecked = [b.id for b in BLOCKS if b.lang not in ("python", "console")]
    assert not unchecked, f"no test runs these blocks: {unchecked}"


def test_no_code_escapes_the_tests() -> None:
    found = [where for page in PAGES for where in unchecked_code(page)]
    assert not found, f"use a code-block:: python (or console) the tests run: {found}"


def test_every_fragment_has_a_harness_and_every_harness_a_fragment() -> None:
    fragments = [b for b in PYTHON if _kind(b) == "fragment"]
    missing = [b.id for b in fragments if _harness(b) is None]
    assert not missing, f"make these complete programs, or give them a harness: {missing}"
    used = {_harness(b) for b in fragments}
    assert used == set(HARNESSES), f"harnesses of no block: {set(HARNESSES) - used}"
    assert all(b.output is None for b in fragments), "a fragment's output is its harness's"


@pytest.mark.parametrize("block", PYTHON, ids=[b.id for b in PYTHON])
async def test_python_block_runs(block: Block, tmp_path: Path) -> None:
    kind, code, module, expected = _kind(block), block.code, None, block.output or ""
    if kind == "module":
        module = "test_readme_block.py"
    elif kind == "fragment":
        name = _harness(block)
        assert name is not None, f"{block.id}: a fragment with no harness"
        before, after, expected = HARNESSES[name]
        code = before + "\n" + block.code + after
    status, stdout, stderr = await run_program(code, tmp_path, block.serve_args, module)
    assert status == 0, f"{block.id}\n{stdout}{stderr}"
    if module is None:
        # A program that prints says what in an ``.. output:`` comment.
        assert stdout == expected, block.id
    else:
        assert re.search(r"^\d+ passed", stdout, re.M), stdout


@pytest.mark.parametrize("block", CONSOLE, ids=[b.id for b in CONSOLE])
def test_console_block_names_what_exists(block: Block) -> None:
    check_console(block)
