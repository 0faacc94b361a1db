"""The audio helpers' errors, both under `RealtimeError` (see ``_errors.py``'s tree).

`AudioFormatError` is also a `ValueError` (the bytes or the rate are wrong for
the call); `ResamplerFlushed` is also a `RuntimeError` (a finished stream was
used again); `AudioExtraMissing` is also an `ImportError` (an optional package is
not installed), so code that already catches those keeps working.
"""

from __future__ import annotations

from .._errors import RealtimeError

__all__ = ["AudioExtraMissing", "AudioFormatError", "ResamplerFlushed"]

_INSTALL = "pip install 'trio-realtime[audio]'"


class AudioFormatError(RealtimeError, ValueError):
    """Audio that does not fit the format it was given as: half a sample, a rate
    the call cannot take, an unknown format name."""


class ResamplerFlushed(RealtimeError, RuntimeError):
    """A `Resampler` was used after its ``flush``: a stream ends once; make a new one."""


class AudioExtraMissing(RealtimeError, ImportError):
    """A helper needs numpy or soxr, which only the ``audio`` extra installs.

    ``package`` names the one that is missing.
    """

    def __init__(self, what: str, package: str) -> None:
        super().__init__(f"{what} needs {package}; install the audio extra: {_INSTALL}")
        self.package = package
