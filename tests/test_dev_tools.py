"""The developer tools run at one version wherever they are installed."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ruff_has_one_pin_for_nox_pre_commit_and_the_lint_extra() -> None:
    nox = re.findall(r'^RUFF = "ruff==([\w.]+)"$', (ROOT / "noxfile.py").read_text(), re.M)
    assert len(nox) == 1, 'noxfile.py pins ruff as RUFF = "ruff==X"'
    (pin,) = nox
    assert "session.install(RUFF)" in (ROOT / "noxfile.py").read_text()
    hooks = (ROOT / ".pre-commit-config.yaml").read_text()
    assert re.findall(r"ruff[=<>~!]=?[\w.]*", hooks) == [f"ruff=={pin}"] * 2
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["optional-dependencies"]["lint"] == [f"ruff=={pin}"]
