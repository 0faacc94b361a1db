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
from typing import Any, Generic, TypeVar

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
from ._errors import CloseTimeout, RealtimeError
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
from ._upgrade import open_upgraded_stream

__all__ = ["connect_realtime", "open_realtime", "open_translation"]

log = logging.getLogger("trio_realtime")

K = TypeVar("K", bound="_Connection[Any, Any, Any]")


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


class _Session(Generic[K]):
    """The async context manager behind `open_realtime`: a nursery plus a connection."""

    def __init__(
        self, connect: Callable[[trio.Nursery], Any], opener: str = "open_realtime"
    ) -> None:
        self._opener = opener  # for the error outside trio
        self._connect: Callable[[trio.Nursery], Any] | None = connect
        self._nursery_cm: Any = None
        self._nursery: trio.Nursery | None = None
        self._conn: K | None = None

    async def __aenter__(self) -> K:
        require_trio(f"async with {self._opener}(...)")
        self._nursery_cm = trio.open_nursery()
        nursery: trio.Nursery = await self._nursery_cm.__aenter__()
        self._nursery = nursery
        # Used once: dropping it frees the arguments it captured for as long as
        # the session lives.
        connect, self._connect = self._connect, None
        assert connect is not None, "open_realtime(...) can be entered only once"
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
) -> _Session[RealtimeConnection]:
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

    Raises `ConfigurationError` at the call for a bad keyword value, and
    `RealtimeError` when entered outside a trio run (under asyncio, say).
    """
    options = options_from(locals())

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

    return _Session(connect)


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
) -> _Session[TranslationConnection]:
    """Open a live translation session on ``/realtime/translations``.

    Same keywords and semantics as `open_realtime`; the events are the
    ``Translation*`` ones.
    """
    options = options_from(locals())

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

    return _Session(connect, "open_translation")
