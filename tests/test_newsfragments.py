"""The changelog's fragments: every file in newsfragments/ is one towncrier can place,
and the draft changelog builds with each of them in it."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FRAGMENTS = ROOT / "newsfragments"


def _types() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [kind["directory"] for kind in config["tool"]["towncrier"]["type"]]


def _fragments() -> list[Path]:
    return sorted(p for p in FRAGMENTS.iterdir() if p.name != "README.rst")


def test_fragment_names_say_issue_and_type() -> None:
    # towncrier skips a file whose type it does not know (``12.feture.rst``)
    # without a word, so the names are checked here.
    name = re.compile(rf"(\d+|\+[a-z0-9-]+)\.({'|'.join(_types())})(\.\d+)?\.rst")
    bad = [p.name for p in _fragments() if not name.fullmatch(p.name)]
    assert not bad, f"rename to <issue>.<type>.rst (see newsfragments/README.rst): {bad}"


def test_fragments_are_short_paragraphs() -> None:
    for path in _fragments():
        text = path.read_text(encoding="utf-8").strip()
        assert text, f"{path.name} is empty"
        # A heading or a list would break the changelog's own structure.
        assert not re.search(r"^[-=~^]{3,}$", text, re.MULTILINE), path.name
        assert not text.startswith(("- ", "* ")), path.name


def test_draft_changelog_holds_every_fragment() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "towncrier", "build", "--draft", "--version", "0.0.0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    draft = " ".join(result.stdout.split())
    for path in _fragments():
        first_words = " ".join(path.read_text(encoding="utf-8").split()[:8])
        assert first_words in draft, path.name
