"""`Reconnect`, the retry and rollover policy, and `Reconnected`, the marker the
receive stream yields when the server session is new.

Pure: the decisions (is this failure worth another try, how long to wait) are
made here, synchronously; `_resilient` does the I/O.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from ._errors import (
    ConfigurationError,
    ConnectError,
    ConnectionClosed,
    HandshakeRejected,
    KeepaliveTimeout,
    RateLimitError,
    RealtimeError,
    ServerError,
    TLSError,
)

__all__ = [
    "CHARS_PER_TOKEN",
    "FATAL_ERROR_CODES",
    "RETRY_CLOSE_CODES",
    "Reconnect",
    "ReconnectReason",
    "Reconnected",
    "RestoreError",
    "retry_after",
]

#: Close codes after which a new session is tried: going away, no status,
#: abnormal (the TCP link died), internal error, service restart, try again
#: later, TLS failure. The ``openai`` SDK retries the same set.
RETRY_CLOSE_CODES: frozenset[int] = frozenset({1001, 1005, 1006, 1011, 1012, 1013, 1015})

#: Error event codes after which no new session is tried, whatever the close
#: code: a new session would fail the same way.
FATAL_ERROR_CODES: frozenset[str] = frozenset(
    {
        "invalid_api_key",
        "insufficient_quota",
        "account_deactivated",
        "billing_hard_limit_reached",
        "model_not_found",
        "unsupported_country_region_territory",
    }
)

#: The documented estimate behind ``restore_max_chars``: about four characters
#: of English text per token (the tokenizer's average; other languages pack
#: fewer characters into a token, so the budget then holds fewer tokens' worth).
CHARS_PER_TOKEN = 4

#: Why a new server session was opened.
ReconnectReason = Literal["connection_lost", "rollover", "poisoned", "session_expired"]


class RestoreError(RealtimeError):
    """The new session did not acknowledge the restore within ``restore_timeout``.

    Counted as one failed attempt: the policy decides whether another follows.
    """


@dataclass(frozen=True, slots=True)
class Reconnect:
    """How a session survives: retries, restore, rollover and recovery.

    Give it to ``open_realtime(..., reconnect=Reconnect())`` (off by default).

    Retries: a close with a code in ``retry_close_codes``, a keepalive timeout,
    a dropped TCP connection, and, while reconnecting, a connect failure or an
    HTTP 429 or 5xx refusal (honouring its ``Retry-After``) are retried; a
    401/403/404 refusal, a TLS failure, and a close that followed an error
    event whose code is in ``fatal_error_codes`` are not; a normal close
    (1000) ends the session, unless it followed ``session_expired``. The
    first attempt follows the cut at once (within ``jitter *
    backoff_initial`` seconds, so that many sessions cut together do not
    return together); before attempt *n* > 1 the session waits
    ``backoff_initial * 2**(n-2)`` seconds, capped at ``backoff_max`` and
    varied by up to ``jitter`` of itself (see `delay`). It gives up after
    ``max_attempts`` attempts or ``max_downtime`` seconds since the cut,
    whichever comes first, with the typed error of the last failure.

    Restore: on the new socket, before anything of yours, the last session
    configuration the server reported (``session.updated``) is sent again,
    then the conversation (see `Conversation.history`), the most recent items
    up to ``restore_max_chars`` characters of text (about ``restore_max_chars /
    CHARS_PER_TOKEN`` tokens); ``restore_conversation=False`` restores the
    configuration only. The restore must be acknowledged within
    ``restore_timeout`` seconds.

    Sends made while no session is open wait in a queue of at most
    ``queue_max_events`` events and ``queue_max_bytes`` encoded bytes (one
    event larger than that is held alone); once it is full the session takes
    no more from ``send_channel``, so ``send`` blocks when that is full too.

    Rollover: from ``max_session_duration - rollover_window`` seconds after a
    session opened, the next turn boundary (no response active, no user
    speech) moves the conversation to a new session; at
    ``max_session_duration`` it moves anyway. ``None`` turns rollover off. The
    API ends sessions after 60 minutes (Azure after 30: use ``30 * 60 - 120``).

    Poisoned sessions: ``poison_errors`` ``server_error`` events within
    ``poison_window`` seconds move the conversation to a new session at once
    (``poison_errors=0`` turns it off).
    """

    max_attempts: int = 5
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    jitter: float = 0.2
    max_downtime: float = 60.0
    retry_close_codes: frozenset[int] = RETRY_CLOSE_CODES
    fatal_error_codes: frozenset[str] = FATAL_ERROR_CODES
    restore_conversation: bool = True
    restore_max_chars: int = 64_000
    restore_timeout: float = 20.0
    queue_max_events: int = 1024
    queue_max_bytes: int = 16 * 1024 * 1024
    max_session_duration: float | None = 58 * 60.0
    rollover_window: float = 5 * 60.0
    poison_errors: int = 3
    poison_window: float = 60.0

    def __post_init__(self) -> None:
        for name in ("max_attempts", "queue_max_events", "queue_max_bytes"):
            _count(name, getattr(self, name), 1)
        for name in ("restore_max_chars", "poison_errors"):
            _count(name, getattr(self, name), 0)
        for name in ("backoff_initial", "backoff_max", "rollover_window"):
            _seconds(name, getattr(self, name), zero=True)
        for name in ("max_downtime", "restore_timeout", "poison_window"):
            _seconds(name, getattr(self, name), zero=False)
        if self.max_session_duration is not None:
            _seconds("max_session_duration", self.max_session_duration, zero=False)
        jitter = cast(object, self.jitter)
        if isinstance(jitter, bool) or not isinstance(jitter, int | float) or not 0 <= jitter <= 1:
            raise ConfigurationError(f"jitter must be a number in [0, 1], got {self.jitter!r}")
        if not isinstance(self.restore_conversation, bool):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ConfigurationError("restore_conversation must be True or False")
        for name in ("retry_close_codes", "fatal_error_codes"):
            if not isinstance(getattr(self, name), frozenset):
                raise ConfigurationError(f"{name} must be a frozenset")

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        """Seconds to wait before connection attempt number ``attempt`` (1 is the first).

        A ``Retry-After`` of a refusal, when longer, replaces it.
        """
        draw = rng or random
        if attempt <= 1:
            return draw.uniform(0.0, self.jitter * self.backoff_initial)
        base = min(self.backoff_max, self.backoff_initial * 2.0 ** (attempt - 2))
        if self.jitter and base:
            base *= 1.0 + draw.uniform(-self.jitter, self.jitter)
        return base

    def retryable(self, exc: BaseException, fatal_code: str | None = None) -> bool:
        """Whether a new session may cure the failure ``exc``.

        ``fatal_code`` is the code of an error event of ``fatal_error_codes``
        the server sent before the close, if it sent one.
        """
        if fatal_code is not None:
            return False
        if isinstance(exc, KeepaliveTimeout):
            return True
        if isinstance(exc, ConnectionClosed):
            return exc.code in self.retry_close_codes
        if isinstance(exc, HandshakeRejected):
            # The status classes are shared with REST answers; here only a
            # refused upgrade matters.
            if isinstance(exc, RateLimitError):
                return _error_code(exc) not in self.fatal_error_codes
            return isinstance(exc, ServerError)
        if isinstance(exc, TLSError):
            return False
        return isinstance(exc, ConnectError | RestoreError)


def retry_after(exc: BaseException) -> float | None:
    """Seconds a refusal asks us to wait (``Retry-After`` or ``retry-after-ms``), if any."""
    if not isinstance(exc, HandshakeRejected):
        return None
    headers = {name.lower(): value for name, value in exc.headers}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            value = float(raw) * scale
        except ValueError:
            continue  # an HTTP date: rare from this API; the backoff stands
        if math.isfinite(value) and value >= 0:
            return value
    return None


def _error_code(exc: HandshakeRejected) -> str | None:
    error = exc.error
    if error is None:
        return None
    inner: object = error.get("error", error)
    if isinstance(inner, Mapping):
        code = cast(Mapping[str, Any], inner).get("code")
        return code if isinstance(code, str) else None
    return None


@dataclass(frozen=True, slots=True)
class Reconnected:
    """Not a server event: the receive stream's marker that the server session is new.

    Every event of the old session that arrived came before it; everything
    after it comes from the new session, whose configuration and conversation
    were restored first. The restore's own acknowledgements are not delivered,
    nor is the new ``session.created`` (``session`` on the connection has it)
    unless there was nothing to restore.

    Attributes:

    ``attempt``
        How many connection attempts the switch took (1: the first worked).
    ``downtime``
        Seconds from the cut (or the start of a rollover) until sends
        went to the new session.
    ``reason``
        ``"connection_lost"``, ``"rollover"``, ``"poisoned"`` or
        ``"session_expired"``.
    ``cause``
        The failure that ended the old session (None for a rollover).
    ``restored_config``
        Whether the session configuration was sent again
        (the application had changed it with ``session.update``).
    ``restored_items``
        How many conversation items the new session holds again.
    ``dropped_items``
        Items left out by ``restore_max_chars`` (oldest first).
    ``lost_response_id``
        The response that was in progress and is lost (its
        partial output stays in the `Conversation`, marked ``incomplete``).
    ``resent_events``
        Client events that were not written to the old session
        and went to the new one instead.
    """

    attempt: int
    downtime: float
    reason: ReconnectReason
    cause: BaseException | None = None
    restored_config: bool = False
    restored_items: int = 0
    dropped_items: int = 0
    lost_response_id: str | None = None
    resent_events: int = 0
    type: Literal["trio_realtime.reconnected"] = field(default="trio_realtime.reconnected")
    """Always ``"trio_realtime.reconnected"``: code that dispatches on ``event.type``
    tells the marker from every server event."""


def _count(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigurationError(f"Reconnect {name} must be an int >= {minimum}, got {value!r}")


def _seconds(name: str, value: object, *, zero: bool) -> None:
    ok = (
        not isinstance(value, bool)
        and isinstance(value, int | float)
        and not math.isnan(value)
        and (value >= 0 if zero else value > 0)
    )
    if not ok:
        bound = ">= 0" if zero else "> 0"
        raise ConfigurationError(
            f"Reconnect {name} must be a number of seconds {bound}, got {value!r}"
        )
