"""The reST of the API reference pages, one per public package (no Sphinx needed here,
so the tests can check what the pages hold; ``public_api`` writes them)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from types import ModuleType

ROOT_PACKAGE = "trio_realtime"


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
        except ImportError:  # an optional package whose extra is not installed
            continue
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


def _home(obj: object) -> str | None:
    """The first public package (in page order) that exports ``obj``."""
    for package in public_packages():
        if any(getattr(package, name, None) is obj for name in package.__all__):
            return package.__name__
    return None


def _entry(module: str, name: str, kind: str, obj: object = None) -> str:
    target = f"{module}.{name}"
    # An object exported by two packages (trio_realtime.live re-exports the
    # events' InvalidEvent) is described on both pages, indexed on its first.
    home = _home(obj) if obj is not None and kind in ("class", "exception") else module
    no_index = "   :no-index:\n" if home not in (None, module) else ""
    if kind == "function":
        return f".. autofunction:: {target}\n"
    if kind == "data":
        return f".. autodata:: {target}\n   :no-value:\n"
    directive = "autoexception" if kind == "exception" else "autoclass"
    # Members a public class takes from a private base belong on its page;
    # those of trio's, msgspec's and Python's bases do not.
    return (
        f".. {directive}:: {target}\n   :members:\n   :undoc-members:\n"
        f"   :inherited-members: {INHERITED_STOP}\n   :show-inheritance:\n{no_index}"
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
        groups.setdefault(section, []).append(_entry(name, public, kind, obj))
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
