"""The API reference, generated from the curated public names.

Each public package (``trio_realtime`` and every importable subpackage whose
name does not start with ``_``) gets one page, written at ``builder-inited``
into ``reference/_generated/``, with an autodoc entry for each name in its
``__all__``: so a name or a package added to the library shows up here
without editing the docs. ``.. error-tree::`` draws the exception hierarchy of
those names. A short reference such as `Client` in a docstring is resolved to
the one public object of that name (the nearest package first), and a private
path such as ``trio_realtime._client.Client`` to its public name.
"""

from __future__ import annotations

import builtins
import importlib
import inspect
from pathlib import Path
from typing import Any

from api_pages import ROOT_PACKAGE, page, public_packages
from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.docutils import SphinxDirective

GENERATED = "reference/_generated"


def write_pages(app: Sphinx) -> None:
    folder = Path(app.srcdir) / GENERATED
    folder.mkdir(parents=True, exist_ok=True)
    wanted: dict[Path, str] = {}
    for package in public_packages():
        wanted[folder / f"{package.__name__}.rst"] = page(package)
    for stale in folder.glob("*.rst"):
        if stale not in wanted:
            stale.unlink()
    for path, text in wanted.items():
        # Rewriting an unchanged page would make Sphinx rebuild it every time.
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")


# -- the error tree ------------------------------------------------------------------


def public_objects() -> dict[int, str]:
    """Each public object's id -> its public dotted name (the first package that exports it)."""
    found: dict[int, str] = {}
    for package in public_packages():
        for public in package.__all__:
            obj = getattr(package, public)
            if not inspect.ismodule(obj):
                found.setdefault(id(obj), f"{package.__name__}.{public}")
    return found


class ErrorTree(SphinxDirective):
    """A nested list of every public exception, under the public base it derives from."""

    def run(self) -> list[nodes.Node]:
        named = public_objects()
        errors: list[type[BaseException]] = []
        for package in public_packages():
            for public in package.__all__:
                obj = getattr(package, public)
                is_error = isinstance(obj, type) and issubclass(obj, BaseException)
                if is_error and obj not in errors:
                    errors.append(obj)

        def parent(error: type[BaseException]) -> type[BaseException] | None:
            for base in error.__mro__[1:]:
                if base in errors:
                    return base
            return None

        def children(of: type[BaseException] | None) -> list[type[BaseException]]:
            return sorted((e for e in errors if parent(e) is of), key=lambda e: e.__name__)

        def branch(of: type[BaseException] | None) -> nodes.bullet_list:
            items = nodes.bullet_list()
            for error in children(of):
                target = named[id(error)]
                ref = pending_xref(
                    "", refdomain="py", reftype="exc", reftarget=target, refexplicit=False
                )
                ref += nodes.literal(error.__name__, error.__name__, classes=["xref", "py"])
                paragraph = nodes.paragraph("", "", ref)
                others = [
                    b.__name__ for b in error.__bases__ if b in errors and b is not parent(error)
                ]
                if others:
                    paragraph += nodes.Text(f" (also a {', '.join(others)})")
                builtin = [
                    b.__name__
                    for b in error.__bases__
                    if b not in errors and b.__module__ == "builtins" and b is not Exception
                ]
                if builtin:
                    paragraph += nodes.Text(f" (also a built-in {', '.join(builtin)})")
                item = nodes.list_item("", paragraph)
                if children(error):
                    item += branch(error)
                items += item
            return items

        return [branch(None)]


# -- short and private references --------------------------------------------------


def resolve_short(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.Element
) -> nodes.Element | None:
    if node.get("refdomain") != "py":
        return None
    target: str = node["reftarget"]
    domain: Any = env.get_domain("py")
    objects: dict[str, Any] = domain.objects
    candidates: list[str] = []
    if target.startswith(ROOT_PACKAGE + "._"):
        # trio_realtime._client.Client (an annotation, a base class): the public name.
        tail = target.rsplit(".", 1)[-1]
        obj = _lookup(target)
        if obj is not None:
            public = public_objects().get(id(obj))
            if public is not None and public in objects:
                candidates = [public]
        if not candidates:
            candidates = [k for k in objects if k.endswith("." + tail)]
    elif "." not in target or not target.startswith(ROOT_PACKAGE):
        candidates = [k for k in objects if k.endswith("." + target)]
    if not candidates:
        return None
    here: str = node.get("py:module") or ""
    # The nearest package first: `Reply` in trio_realtime.testing means testing's.
    candidates.sort(key=lambda k: (-_shared_prefix(k, here), k.count("."), k))
    best = candidates[0]
    if len(candidates) > 1:
        runner_up = candidates[1]
        tie = _shared_prefix(runner_up, here) == _shared_prefix(best, here)
        if tie and runner_up.count(".") == best.count("."):
            return None  # ambiguous: let nitpicky report it
    node["reftarget"] = best
    return domain.resolve_xref(env, node["refdoc"], app.builder, "obj", best, node, contnode)


def _shared_prefix(name: str, module: str) -> int:
    a, b = name.split("."), module.split(".")
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


def _lookup(dotted: str) -> object | None:
    parts = dotted.split(".")
    for split in range(len(parts) - 1, 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attr in parts[split:]:
            obj = getattr(obj, attr, None)
            if obj is None:
                return None
        return obj
    return None


def builtins_exact(app: Sphinx, doctree: nodes.document) -> None:
    """``object`` or ``type`` in a field's type must not fuzzy-match a member named so."""
    for ref in doctree.findall(pending_xref):
        if ref.get("refdomain") == "py" and ref.get("reftarget") in BUILTIN_NAMES:
            ref.attributes.pop("refspecific", None)


BUILTIN_NAMES = frozenset(dir(builtins))


def setup(app: Sphinx) -> dict[str, object]:
    app.connect("builder-inited", write_pages)
    app.connect("doctree-read", builtins_exact)
    app.connect("missing-reference", resolve_short)
    app.add_directive("error-tree", ErrorTree)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
