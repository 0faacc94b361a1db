"""Developer tasks. `nox -s demo` and `nox -s tests` are the README's Quick start."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

PYTHON: str | None = None  # the interpreter nox itself runs on


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite against the pinned `openai` reference schema."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def schema_latest(session: nox.Session) -> None:
    """Re-run the schema-drift and SDK-interop tests against the newest `openai` release."""
    session.install("-e", ".[test]")
    session.install("--upgrade", "openai[realtime]")
    session.run("python", "-c", "import openai; print('openai', openai.__version__)")
    session.run("pytest", "-m", "schema", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole tree."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """pyright in strict mode, plus --verifytypes for the public surface."""
    session.install("-e", ".[typecheck]")
    session.run("pyright", "--project", "pyproject.toml")
    session.run("pyright", "--ignoreexternal", "--verifytypes", "trio_realtime")


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The offline demo: a scripted conversation against the embedded fake server."""
    session.install(".")
    session.run("python", "-m", "trio_realtime", "demo", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """All benchmarks side by side with the `openai` SDK; `-- --quick` for a smoke run."""
    session.install("-e", ".[bench]")
    session.run("python", "benchmarks/run_all.py", *session.posargs)
