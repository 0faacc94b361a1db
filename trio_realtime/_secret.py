"""`Secret`: a credential that never shows itself.

Error reporters (Sentry, ``traceback.TracebackException(capture_locals=True)``)
record the ``repr`` of every local variable of every frame in a traceback. A key
held in a plain ``str`` local is therefore shipped with the first exception that
passes through that frame. So a credential lives in a `Secret` from the moment
it is read until the request bytes are built for the socket; ``reveal()`` is
called only inside expressions whose result is consumed at once, never stored
in a local of a frame that can end up in a traceback.
"""

from __future__ import annotations

import hmac

__all__ = ["Secret"]

_REDACTED = "<redacted>"


class Secret:
    """A credential string whose repr and str are ``<redacted>``.

    Two secrets compare equal when their values are equal (in constant time);
    a secret never equals a plain string, so a comparison cannot test a guess
    by accident.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The plain value; use it only in an expression that is consumed at once."""
        return self._value

    def prefixed(self, prefix: str) -> Secret:
        """A new secret: ``prefix`` followed by this value (``Bearer ...``)."""
        return Secret(prefix + self._value)

    def strip(self, chars: str) -> Secret:
        """A new secret without leading and trailing ``chars``."""
        return Secret(self._value.strip(chars))

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __repr__(self) -> str:
        return _REDACTED

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[object, ...]:
        # Pickling would write the value to wherever the pickle goes.
        raise TypeError("a Secret cannot be pickled")
