"""Import httpx on first use, so the core install (WebSockets only) never needs it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._errors import RestExtraMissing

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["require_httpx"]


def require_httpx(what: str) -> ModuleType:
    """The ``httpx`` module, or `RestExtraMissing` saying ``what`` needs the ``rest`` extra."""
    try:
        import httpx
    except ImportError as exc:
        raise RestExtraMissing(what) from exc
    return httpx
