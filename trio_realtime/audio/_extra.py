"""Import numpy and soxr on first use, so the core install never needs them."""

from __future__ import annotations

import importlib
from types import ModuleType

from ._errors import AudioExtraMissing

__all__ = ["require"]


def require(package: str, what: str) -> ModuleType:
    """``package`` imported, or `AudioExtraMissing` naming ``what`` needs it and the extra."""
    try:
        return importlib.import_module(package)
    except ImportError as exc:
        raise AudioExtraMissing(what, package) from exc
