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
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

log = logging.getLogger(__name__)

ROOT_PACKAGE = "trio_realtime"
GENERATED = "reference/_generated"


def public_packages() -> list[ModuleType]:
    """``trio_realtime`` and its public subpackages that import (an optional one may not)."""
    root = importlib.import_module(ROOT_PACKAGE)
    packages = [root]
    for info in sorted(pkgutil.iter_modules(root.__path__), key=lambda m: m.name):
        if not info.ispkg or info.name.startswith("_"):
            continue
        name = f"{ROOT_PACKAGE}.{info.name}"
        try:
            packages.append(importlib.import_module(name))
        except ImportError as exc:  # an extra that is not installed
            log.info("public_api: %s left out of the reference (%s)", name, exc)
    return packages


def _kind(obj: object) -> str:
    if inspect.ismodule(obj):
        return "module"
    if isinstance(obj, type) and issubclass(obj, BaseException):
        return "exception"
    if isinstance(obj, type):
        return "class"
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return "function"
    return "data"


SECTIONS = [
    ("function", "Functions"),
    ("class", "Classes"),
    ("exception", "Exceptions"),
    ("data", "Constants and types"),
]


def _event_group(obj: object) -> str | None:
    """Client, server and translation events get sections of their own on the events page."""
    from trio_realtime import events as ev

    if not isinstance(obj, type):
        return None
    for base, title in (
        (ev.TranslationClientEvent, "Translation client events"),
        (ev.TranslationServerEvent, "Translation server events"),
        (ev.ClientEvent, "Client events"),
        (ev.ServerEvent, "Server events"),
    ):
        if issubclass(obj, base) and obj is not base:
            return title
    return None


def _entry(module: str, name: str, kind: str) -> str:
    target = f"{module}.{name}"
    if kind == "function":
        return f".. autofunction:: {target}\n"
    if kind == "data":
        return f".. autodata:: {target}\n   :no-value:\n"
    directive = "autoexception" if kind == "exception" else "autoclass"
    # Members a public class takes from a private base belong on its page;
    # those of trio's, msgspec's and Python's bases do not.
    return (
        f".. {directive}:: {target}\n   :members:\n   :undoc-members:\n"
        f"   :inherited-members: {INHERITED_STOP}\n   :show-inheritance:\n"
    )


INHERITED_STOP = "AsyncResource, ReceiveChannel, Struct, BaseException, object"


def page(package: ModuleType) -> str:
    """The reST of one package's reference page."""
    name = package.__name__
    names: list[str] = list(package.__all__)
    title = f"``{name}``"
    out = [title, "=" * len(title), "", f".. automodule:: {name}", "", ""]
    groups: dict[str, list[str]] = {}
    for public in names:
        obj = getattr(package, public)
        kind = _kind(obj)
        if kind == "module":
            continue  # it has a page of its own
        section = _event_group(obj) if name.endswith(".events") else None
        if section is None:
            section = dict(SECTIONS)[kind]
        groups.setdefault(section, []).append(_entry(name, public, kind))
    order = [title for _, title in SECTIONS]
    order[2:2] = [
        "Client events",
        "Server events",
        "Translation client events",
        "Translation server events",
    ]
    for section in order:
        if section not in groups:
            continue
        out += [section, "-" * len(section), ""]
        for entry in groups[section]:
            out += [entry]
    return "\n".join(out)


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
