"""The openers: `open_realtime`, `connect_realtime` and `open_translation`.

Each takes the same tuning keywords, turns them into one `Options` value at the
call (so a bad value fails there), prepares the handshake (`_client`), opens
the upgraded stream (`_upgrade`) and starts the connection on it
(`_connection.start_connection`). `open_*` own a nursery for the life of an
``async with`` block; `connect_realtime` runs in one the caller owns.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar, overload

import trio

from ._client import prepare_handshake
from ._connection import (
    REALTIME,
    TRANSLATION,
    Dialect,
    RealtimeConnection,
    TranslationConnection,
    _Connection,  # pyright: ignore[reportPrivateUsage]
    start_connection,
)
from ._errors import CloseTimeout, ConfigurationError, RealtimeError
from ._nursery import exit_nursery
from ._options import (
    DEFAULT_CLOSE_TIMEOUT,
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_MESSAGE_SIZE,
    DEFAULT_MESSAGE_QUEUE_SIZE,
    DEFAULT_PING_INTERVAL,
    DEFAULT_PING_TIMEOUT,
    DEFAULT_RECEIVE_BUFFER_SIZE,
    DEFAULT_SEND_BUFFER_SIZE,
    Options,
    options_from,
)
from ._reconnect import Reconnect
from ._resilient import ReconnectingConnection, RestoreMode
from ._upgrade import open_upgraded_stream
from .events import ClientEvent, ServerEvent, Session, TranslationClientEvent, TranslationSession

__all__ = ["connect_realtime", "open_realtime", "open_translation"]

log = logging.getLogger("trio_realtime")

K = TypeVar("K", bound="_Connection[Any, Any, Any]")


class _Closable(Protocol):
    """What `_Session` closes: a connection, or a session over successive ones."""

    async def _close(self, *, flush: bool, polite: bool) -> None: ...

    def _pending_exit_error(self) -> BaseException | None: ...


A = TypeVar("A", bound=_Closable)

#: What ``open_realtime(..., reconnect=...)`` yields.
RealtimeSessionConnection = ReconnectingConnection[ServerEvent, ClientEvent, Session]
#: What ``open_translation(..., reconnect=...)`` yields.
TranslationSessionConnection = ReconnectingConnection[
    Any, TranslationClientEvent, TranslationSession
]


def require_trio(what: str) -> None:
    """Raise a `RealtimeError` that says so when called outside a trio run.

    Without this, asyncio users get an ``AttributeError`` from deep inside trio.
    """
    try:
        trio.lowlevel.current_task()
    except RuntimeError:
        library = _current_async_library()
        where = f"under {library}" if library else "outside any event loop"
        raise RealtimeError(
            f"{what} was called {where}; trio-realtime runs only inside trio: start "
            "your program with trio.run(main) (asyncio programs can host trio in a "
            "thread, or use trio-asyncio)"
        ) from None


def _current_async_library() -> str | None:
    try:
        import sniffio  # trio's own dependency

        return sniffio.current_async_library()
    except Exception:
        return None


async def _connect(
    nursery: trio.Nursery,
    kind: type[K],
    dialect: Dialect[Any, Any],
    client: object,
    model: str | None,
    *,
    call_id: str | None,
    intent: str | None,
    extra_query: Mapping[str, str] | None,
    extra_headers: Mapping[str, str] | None,
    options: Options,
) -> K:
    handshake = await prepare_handshake(
        client,
        path=dialect.path,
        model=model,
        call_id=call_id,
        intent=intent,
        extra_query=extra_query,
        extra_headers=extra_headers,
        allow_insecure_transport=options.allow_insecure_transport,
    )
    log.debug("connecting to %s", handshake.url)
    stream, trailing = await open_upgraded_stream(
        handshake,
        ssl_context=options.ssl_context,
        connect_timeout=options.connect_timeout,
        receive_buffer_size=options.receive_buffer_size,
    )
    conn = start_connection(nursery, kind, dialect, stream, trailing, options, handshake.url)
    log.debug("connected to %s", handshake.url)
    return conn


async def connect_realtime(
    nursery: trio.Nursery,
    client: object,
    model: str | None = None,
    *,
    call_id: str | None = None,
    intent: str | None = None,
    extra_query: Mapping[str, str] | None = None,
    extra_headers: Mapping[str, str] | None = None,
    allow_insecure_transport: bool = False,
    ssl_context: ssl.SSLContext | None = None,
    strict: bool = False,
    send_buffer_size: int = DEFAULT_SEND_BUFFER_SIZE,
    message_queue_size: int = DEFAULT_MESSAGE_QUEUE_SIZE,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    receive_buffer_size: int = DEFAULT_RECEIVE_BUFFER_SIZE,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
    ping_interval: float | None = DEFAULT_PING_INTERVAL,
    ping_timeout: float | None = DEFAULT_PING_TIMEOUT,
) -> RealtimeConnection:
    """Open a Realtime session whose background tasks run in ``nursery``.

    For callers that own their nursery; the caller must ``await conn.aclose()``.
    Takes the same arguments as `open_realtime`.
    """
    options = options_from(locals())
    require_trio("connect_realtime()")
    return await _connect(
        nursery,
        RealtimeConnection,
        REALTIME,
        client,
        model,
        call_id=call_id,
        intent=intent,
        extra_query=extra_query,
        extra_headers=extra_headers,
        options=options,
    )


class _Session(Generic[A]):
    """The async context manager behind `open_realtime`: a nursery plus a connection
    (or, with ``reconnect=``, a session over successive connections)."""

    def __init__(
        self, connect: Callable[[trio.Nursery], Any], opener: str = "open_realtime"
    ) -> None:
        self._connect: Callable[[trio.Nursery], Any] | None = connect
        self._opener = opener
        self._nursery_cm: Any = None
        self._nursery: trio.Nursery | None = None
        self._conn: A | None = None

    async def __aenter__(self) -> A:
        require_trio(f"async with {self._opener}(...)")
        self._nursery_cm = trio.open_nursery()
        nursery: trio.Nursery = await self._nursery_cm.__aenter__()
        self._nursery = nursery
        # Used once: dropping it frees the arguments it captured for as long as
        # the session lives.
        connect, self._connect = self._connect, None
        assert connect is not None, f"{self._opener}(...) can be entered only once"
        try:
            self._conn = await connect(nursery)
        except BaseException as exc:
            await self._exit_nursery(exc)
            raise
        return self._conn  # pyright: ignore[reportReturnType] # set just above

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        conn = self._conn
        assert conn is not None
        assert self._nursery is not None
        pending: BaseException | None = None
        suppressed = False
        try:
            # Cancellation already hit our tasks too: close forcefully. A plain
            # exception from the block still gets a bounded polite close, minus
            # the flush (the block did not finish its work).
            if isinstance(exc, trio.Cancelled):
                await conn._close(flush=False, polite=False)  # pyright: ignore[reportPrivateUsage]
            else:
                try:
                    await conn._close(flush=exc is None, polite=True)  # pyright: ignore[reportPrivateUsage]
                except CloseTimeout as close_exc:
                    if exc is None:
                        pending = close_exc
                if exc is None and pending is None:
                    pending = conn._pending_exit_error()  # pyright: ignore[reportPrivateUsage]
        finally:
            self._nursery.cancel_scope.cancel()
            suppressed = await self._exit_nursery(exc)
        if pending is not None:
            raise pending
        return suppressed

    async def _exit_nursery(self, exc: BaseException | None) -> bool:
        return await exit_nursery(self._nursery_cm, exc)


def _check_reconnect(reconnect: object) -> Reconnect | None:
    if reconnect is None or isinstance(reconnect, Reconnect):
        return reconnect
    raise ConfigurationError(
        f"reconnect must be a trio_realtime.Reconnect (or None: off), not "
        f"{type(reconnect).__name__}; use reconnect=Reconnect() for the defaults"
    )


def _resilient(
    connect: Callable[[trio.Nursery], Any],
    policy: Reconnect,
    options: Options,
    restore: RestoreMode,
) -> Callable[[trio.Nursery], Any]:
    """``connect`` for `_Session` that yields a session over successive connections.

    The first connection is opened as without ``reconnect``: a failure to
    connect at all is raised from the ``async with`` at once.
    """

    async def open_session(nursery: trio.Nursery) -> ReconnectingConnection[Any, Any, Any]:
        first = await connect(nursery)
        session: ReconnectingConnection[Any, Any, Any] = ReconnectingConnection(
            nursery,
            connect,
            first,
            policy,
            send_buffer_size=options.send_buffer_size,
            close_timeout=options.close_timeout,
            restore=restore,
        )
        session.start()
        return session

    return open_session


@overload
def open_realtime(
    client: object,
    model: str | None = None,
    *,
    call_id: str | None = None,
    intent: str | None = None,
    extra_query: Mapping[str, str] | None = None,
    extra_headers: Mapping[str, str] | None = None,
    allow_insecure_transport: bool = False,
    ssl_context: ssl.SSLContext | None = None,
    strict: bool = False,
    send_buffer_size: int = DEFAULT_SEND_BUFFER_SIZE,
    message_queue_size: int = DEFAULT_MESSAGE_QUEUE_SIZE,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    receive_buffer_size: int = DEFAULT_RECEIVE_BUFFER_SIZE,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
    ping_interval: float | None = DEFAULT_PING_INTERVAL,
    ping_timeout: float | None = DEFAULT_PING_TIMEOUT,
    reconnect: None = None,
) -> _Session[RealtimeConnection]: ...


@overload
def open_realtime(
    client: object,
    model: str | None = None,
    *,
    call_id: str | None = None,
    intent: str | None = None,
    extra_query: Mapping[str, str] | None = None,
    extra_headers: Mapping[str, str] | None = None,
    allow_insecure_transport: bool = False,
    ssl_context: ssl.SSLContext | None = None,
    strict: bool = False,
    send_buffer_size: int = DEFAULT_SEND_BUFFER_SIZE,
    message_queue_size: int = DEFAULT_MESSAGE_QUEUE_SIZE,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    receive_buffer_size: int = DEFAULT_RECEIVE_BUFFER_SIZE,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
    ping_interval: float | None = DEFAULT_PING_INTERVAL,
    ping_timeout: float | None = DEFAULT_PING_TIMEOUT,
    reconnect: Reconnect,
) -> _Session[RealtimeSessionConnection]: ...


def open_realtime(
    client: object,
    model: str | None = None,
    *,
    call_id: str | None = None,
    intent: str | None = None,
    extra_query: Mapping[str, str] | None = None,
    extra_headers: Mapping[str, str] | None = None,
    allow_insecure_transport: bool = False,
    ssl_context: ssl.SSLContext | None = None,
    strict: bool = False,
    send_buffer_size: int = DEFAULT_SEND_BUFFER_SIZE,
    message_queue_size: int = DEFAULT_MESSAGE_QUEUE_SIZE,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    receive_buffer_size: int = DEFAULT_RECEIVE_BUFFER_SIZE,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
    ping_interval: float | None = DEFAULT_PING_INTERVAL,
    ping_timeout: float | None = DEFAULT_PING_TIMEOUT,
    reconnect: Reconnect | None = None,
) -> _Session[Any]:
    """Open a Realtime session: ``async with open_realtime(client, "gpt-realtime-2.1") as conn``.

    ``client`` is a `Client` or any object shaped like the ``openai`` SDK's client.
    Give ``model`` to start a session, ``call_id`` to join an existing SIP/WebRTC
    call, ``intent="transcription"`` for a transcription session. Leaving the
    block flushes queued sends, closes with code 1000 and ends every background
    task.

    Keywords (defaults in brackets):

    * ``strict`` [False]: a frame that fails to decode raises `EventDecodeError`
      from ``receive`` instead of arriving as an `InvalidEvent`; either way the
      session goes on.
    * ``send_buffer_size`` [64]: client events queued before ``send`` blocks.
    * ``message_queue_size`` [32]: received messages that may wait unread
      before the socket is no longer read (backpressure on the server).
    * ``max_message_size`` [64 MiB]: a larger message closes the session (1009).
    * ``receive_buffer_size`` [64 KiB]: bytes per socket read.
    * ``connect_timeout`` [20 s]: TCP, TLS and the HTTP upgrade together.
    * ``close_timeout`` [5 s]: flushing queued sends plus the close handshake.
    * ``ping_interval`` [20 s] and ``ping_timeout`` [20 s]: the client pings the
      server every ``ping_interval`` seconds; a pong that has not come
      ``ping_timeout`` seconds later, while the socket was being read, fails the
      session with `KeepaliveTimeout` (code 1011) from ``receive``, ``send`` and
      the ``async with``. Time in which nothing is read because
      ``message_queue_size`` events wait for a stalled consumer does not count.
      ``None`` turns either off.
    * ``allow_insecure_transport`` [False]: permit a credential over plaintext
      ``ws://`` to a host that is not loopback; ``ssl_context`` [system default]
      for ``wss://``.
    * ``reconnect`` [None: off]: a `Reconnect` policy. The block then gets a
      `ReconnectingConnection` with the same surface, which survives dropped
      connections, rolls over before the session limit and recreates a
      poisoned session, restoring configuration and conversation each time
      (a ``call_id`` attach re-attaches with no restore; a transcription
      session gets its configuration back); the receive stream yields a
      `Reconnected` marker where the server session is new.

    Raises `ConfigurationError` at the call for a bad keyword value, and
    `RealtimeError` when entered outside a trio run (under asyncio, say).
    """
    options = options_from(locals())
    policy = _check_reconnect(reconnect)

    async def connect(nursery: trio.Nursery) -> RealtimeConnection:
        return await _connect(
            nursery,
            RealtimeConnection,
            REALTIME,
            client,
            model,
            call_id=call_id,
            intent=intent,
            extra_query=extra_query,
            extra_headers=extra_headers,
            options=options,
        )

    if policy is None:
        return _Session(connect)
    restore: RestoreMode = (
        "none" if call_id is not None else "config" if intent == "transcription" else "conversation"
    )
    return _Session(_resilient(connect, policy, options, restore))


@overload
def open_translation(
    client: object,
    model: str,
    *,
    extra_query: Mapping[str, str] | None = None,
    extra_headers: Mapping[str, str] | None = None,
    allow_insecure_transport: bool = False,
    ssl_context: ssl.SSLContext | None = None,
    strict: bool = False,
    send_buffer_size: int = DEFAULT_SEND_BUFFER_SIZE,
    message_queue_size: int = DEFAULT_MESSAGE_QUEUE_SIZE,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    receive_buffer_size: int = DEFAULT_RECEIVE_BUFFER_SIZE,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
    ping_interval: float | None = DEFAULT_PING_INTERVAL,
    ping_timeout: float | None = DEFAULT_PING_TIMEOUT,
    reconnect: None = None,
) -> _Session[TranslationConnection]: ...


@overload
def open_translation(
    client: object,
    model: str,
    *,
    extra_query: Mapping[str, str] | None = None,
    extra_headers: Mapping[str, str] | None = None,
    allow_insecure_transport: bool = False,
    ssl_context: ssl.SSLContext | None = None,
    strict: bool = False,
    send_buffer_size: int = DEFAULT_SEND_BUFFER_SIZE,
    message_queue_size: int = DEFAULT_MESSAGE_QUEUE_SIZE,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    receive_buffer_size: int = DEFAULT_RECEIVE_BUFFER_SIZE,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
    ping_interval: float | None = DEFAULT_PING_INTERVAL,
    ping_timeout: float | None = DEFAULT_PING_TIMEOUT,
    reconnect: Reconnect,
) -> _Session[TranslationSessionConnection]: ...


def open_translation(
    client: object,
    model: str,
    *,
    extra_query: Mapping[str, str] | None = None,
    extra_headers: Mapping[str, str] | None = None,
    allow_insecure_transport: bool = False,
    ssl_context: ssl.SSLContext | None = None,
    strict: bool = False,
    send_buffer_size: int = DEFAULT_SEND_BUFFER_SIZE,
    message_queue_size: int = DEFAULT_MESSAGE_QUEUE_SIZE,
    max_message_size: int = DEFAULT_MAX_MESSAGE_SIZE,
    receive_buffer_size: int = DEFAULT_RECEIVE_BUFFER_SIZE,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    close_timeout: float = DEFAULT_CLOSE_TIMEOUT,
    ping_interval: float | None = DEFAULT_PING_INTERVAL,
    ping_timeout: float | None = DEFAULT_PING_TIMEOUT,
    reconnect: Reconnect | None = None,
) -> _Session[Any]:
    """Open a live translation session on ``/realtime/translations``.

    Same keywords and semantics as `open_realtime`; the events are the
    ``Translation*`` ones. With ``reconnect=`` a new session gets its
    configuration back (there is no conversation to restore).
    """
    options = options_from(locals())
    policy = _check_reconnect(reconnect)

    async def connect(nursery: trio.Nursery) -> TranslationConnection:
        return await _connect(
            nursery,
            TranslationConnection,
            TRANSLATION,
            client,
            model,
            call_id=None,
            intent=None,
            extra_query=extra_query,
            extra_headers=extra_headers,
            options=options,
        )

    if policy is None:
        return _Session(connect, "open_translation")
    return _Session(_resilient(connect, policy, options, "config"), "open_translation")
