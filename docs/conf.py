"""Sphinx configuration: furo, autodoc from the curated public names (_ext/public_api.py),
and every reference checked (nitpicky, warnings are errors in nox -s docs)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent))

import trio_realtime  # noqa: E402

project = "trio-realtime"
author = "the trio-realtime authors"
copyright = "2026, the trio-realtime authors"
version = release = trio_realtime.__version__

extensions = ["sphinx.ext.autodoc", "public_api"]
exclude_patterns = ["_build"]
html_theme = "furo"
html_title = f"trio-realtime {release}"

# Docstrings write `Name` for a reference: the py domain resolves it, and the
# public_api extension finds short names among the public objects.
default_role = "py:obj"
nitpicky = True
# The site builds offline (CI reaches no documentation hosts), so there is no
# intersphinx: names from Python, trio and msgspec are shown without a link.
nitpick_ignore_regex = [
    ("py:.*", r"(trio|trio_websocket|msgspec|ssl|typing|collections|types|httpx)(\..+)?"),
    ("py:.*", r"(enum|os|pathlib|array|time|random)(\..+)?"),
    ("py:.*", r"(str|bytes|bytearray|memoryview|int|float|bool|object|dict|list|tuple|set)"),
    ("py:.*", r"(frozenset|type|None|Exception|BaseException|ValueError|TypeError)"),
    ("py:.*", r"(RuntimeError|TimeoutError|OSError|KeyError|Ellipsis|NotImplemented)"),
    # Sphinx splits ``str | Callable[[], ...]`` (Client's api_key) at the inner comma,
    # and so ``dict[str, Any]`` in a field's type.
    ("py:class", r"str \| (~trio_realtime\._secret\.Secret \| )?~collections\.abc\.Callable\[\[\]"),
    ("py:class", r"(list\[)?dict\[str"),
    # Private helpers that appear in signatures (the openers' context managers).
    ("py:.*", r"trio_realtime(\.\w+)*\._\w+(\.\w+)*"),
]

autodoc_member_order = "bysource"
autodoc_typehints_format = "short"
python_use_unqualified_type_names = True
