"""Developer tasks. `nox -s demo` and `nox -s tests` are the README's Quick start."""

from __future__ import annotations

import nox

nox.options.default_venv_backend = "venv"
nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

PYTHON: str | None = None  # the interpreter nox itself runs on
# One ruff for `nox -s lint`, pre-commit's hooks and the `lint` extra
# (tests/test_dev_tools.py checks that they agree): a new ruff adds rules.
RUFF = "ruff==0.17.6"


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Run the test suite against the pinned `openai` reference schema, with branch coverage.

    The whole suite must keep the floor in pyproject's ``[tool.coverage.report]``;
    a run of a few tests (``nox -s tests -- tests/test_x.py``) only reports.
    """
    session.install("-e", ".[test]")
    session.run("coverage", "erase")
    session.run("coverage", "run", "-m", "pytest", *session.posargs)
    floor = [] if not session.posargs else ["--fail-under=0"]
    session.run("coverage", "report", *floor)


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
    session.install(RUFF)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """pyright in strict mode, plus --verifytypes for the public surface."""
    session.install("-e", ".[typecheck]")
    session.run("pyright", "--project", "pyproject.toml")
    session.run("pyright", "--ignoreexternal", "--verifytypes", "trio_realtime")


@nox.session(python=PYTHON)
def docs(session: nox.Session) -> None:
    """Build the Sphinx site into docs/_build/html; any warning fails the build."""
    session.install("-e", ".[docs]")
    session.run(
        "sphinx-build",
        "-W",
        "--keep-going",
        "-n",
        "-b",
        "html",
        "docs",
        "docs/_build/html",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def changelog(session: nox.Session) -> None:
    """The draft changelog from newsfragments/, and on a branch, that it added one."""
    session.install("towncrier==26.9.0")
    session.run("towncrier", "build", "--draft", "--version", "next")
    # A branch that changes the library must add a fragment; tests, docs tooling
    # and benchmarks alone need none. On main (CI's clone) there is nothing to
    # compare with.
    branch = session.run("git", "rev-parse", "--abbrev-ref", "HEAD", silent=True, external=True)
    if not isinstance(branch, str) or branch.strip() in ("main", "HEAD"):
        return
    refs = session.run(
        "git",
        "for-each-ref",
        "--format=%(refname:short)",
        "refs/heads/main",
        "refs/remotes/origin/main",
        silent=True,
        external=True,
    )
    bases = refs.split() if isinstance(refs, str) else []
    if not bases:
        session.log("no main branch to compare with: fragment check skipped")
        return
    changed = session.run(
        "git",
        "diff",
        "--name-only",
        f"{bases[0]}...HEAD",
        "--",
        "trio_realtime",
        "newsfragments",
        silent=True,
        external=True,
    )
    paths = changed.split() if isinstance(changed, str) else []
    library = [p for p in paths if p.startswith("trio_realtime/")]
    fragments = [
        p for p in paths if p.startswith("newsfragments/") and not p.endswith("README.rst")
    ]
    if library and not fragments:
        session.error(
            f"{branch.strip()} changes trio_realtime/ ({len(library)} files) but adds no "
            "newsfragments/<issue>.<type>.rst; see newsfragments/README.rst"
        )


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
