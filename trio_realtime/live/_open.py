"""The GPT-Live openers: a session of your own, a sideband observer, a fork.

Each has an ``open_*`` form (``async with``, owning its nursery, as
`open_realtime`) and a ``connect_*`` form for a nursery the caller owns.
They share the Realtime path's handshake, upgrade and connection; what is
Live is the path (``/live/sessions``, no query parameters) and the start:
``session.start`` first, ready once ``session.started`` came, all within
``connect_timeout``.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Mapping
from typing import Any, cast
from urllib.parse import quote

import trio

from .._client import prepare_handshake
from .._connection import Dialect, start_connection
from .._errors import ConfigurationError, EventDecodeError, LiveStartError, LiveStartTimeout
from .._frames import NORMAL_CLOSURE, Binary, Message
from .._open import _Session, require_trio  # pyright: ignore[reportPrivateUsage]
from .._options import (
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
from .._transport import Closed
from .._upgrade import open_upgraded_stream
from ._base import LiveClientEvent
from ._codec import LIVE_CLIENT_CODEC
from ._config import ForkSessionConfig, SessionConfig
from ._connection import CONNECT, FORK, LIVE, LiveConnection
from ._events import ErrorEvent, ForkSessionStart, SessionStart, SessionStarted

__all__ = [
    "connect_live",
    "connect_live_fork",
    "connect_live_sideband",
    "open_live",
    "open_live_fork",
    "open_live_sideband",
]

log = logging.getLogger("trio_realtime")


def _start_event(model: str | None, session: SessionConfig | None) -> SessionStart:
    """The ``session.start`` for ``open_live``'s ``model`` and ``session`` arguments."""
    if session is not None and not isinstance(session, SessionConfig):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ConfigurationError(
            f"session must be a trio_realtime.live.SessionConfig, not {type(session).__name__}"
        )
    if model is not None and not isinstance(model, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ConfigurationError(f"model must be a str, not {type(model).__name__}")
    if session is None:
        if not model:
            raise ConfigurationError(
                'open_live needs a model: open_live(client, "gpt-live-1") or '
                'session=SessionConfig(model="gpt-live-1", ...)'
            )
        return SessionStart(session=SessionConfig(model=model))
    if model is not None and model != session.model:
        raise ConfigurationError(
            f"model={model!r} and session.model={session.model!r} disagree: give one of them"
        )
    return SessionStart(session=session)


async def _connect(
    nursery: trio.Nursery,
    dialect: Dialect[Any, Any],
    path: str,
    client: object,
    start: LiveClientEvent | None,
    *,
    extra_query: Mapping[str, str] | None,
    extra_headers: Mapping[str, str] | None,
    options: Options,
) -> LiveConnection:
    deadline = trio.current_time() + options.connect_timeout
    handshake = await prepare_handshake(
        client,
        path=path,
        extra_query=extra_query,
        extra_headers=extra_headers,
        allow_insecure_transport=options.allow_insecure_transport,
        live=True,
    )
    log.debug("connecting to %s", handshake.url)
    stream, trailing = await open_upgraded_stream(
        handshake,
        ssl_context=options.ssl_context,
        connect_timeout=options.connect_timeout,
        receive_buffer_size=options.receive_buffer_size,
    )
    conn = start_connection(
        nursery, LiveConnection, dialect, stream, trailing, options, handshake.url
    )
    if start is None:  # a sideband observer joins a running session
        conn._owns_session = False  # pyright: ignore[reportPrivateUsage]
        return conn
    try:
        await _await_started(conn, start, deadline, options.connect_timeout)
    except BaseException as exc:
        # The writer and keeper must end before the nursery can be left.
        polite = not isinstance(exc, trio.Cancelled)
        with trio.CancelScope(shield=not polite):
            await conn._close(flush=False, polite=polite)  # pyright: ignore[reportPrivateUsage]
        raise
    log.debug("GPT-Live session started: %s", handshake.url)
    return conn


async def _await_started(
    conn: LiveConnection, start: LiveClientEvent, deadline: float, budget: float
) -> None:
    """Send ``start``; return once ``session.started`` came.

    The messages up to and including ``session.started`` are only looked at
    here, then put back in front of the connection's queue: the consumer
    receives them all, in order, accounted once, as a Realtime consumer
    receives ``session.created``.
    """
    websocket = conn._websocket  # pyright: ignore[reportPrivateUsage]
    peeked: list[Message] = []
    with trio.move_on_at(deadline):
        await conn.send(start)
        while True:
            try:
                data = await websocket.get_message()
            except Closed:
                info = websocket.closed
                if info is not None and info.code == NORMAL_CLOSURE:
                    raise LiveStartError(
                        "the server closed the GPT-Live connection before session.started"
                    ) from None
                raise conn._report() from None  # pyright: ignore[reportPrivateUsage]
            peeked.append(data)
            event = _peek(data)
            if type(event) is SessionStarted:
                conn.session = event.session
                conn._started = True  # pyright: ignore[reportPrivateUsage]
                websocket.protocol.messages.extendleft(reversed(peeked))
                return
            if type(event) is ErrorEvent:
                error = event.error
                raise LiveStartError(
                    f"the server refused session.start: {error.code}: {error.message}"
                    + (f" (param {error.param})" if error.param else ""),
                    event,
                )
    raise LiveStartTimeout(
        f"session.started did not arrive within connect_timeout ({budget}s) of connecting"
    )


def _peek(data: Message) -> object:
    """What a message holds, decoded without any of the connection's bookkeeping."""
    if type(data) is Binary:
        return None
    try:
        return LIVE_CLIENT_CODEC.decode(cast("bytes | bytearray", data))
    except EventDecodeError:
        return None


def _session_path(template: str, session_id: object) -> str:
    if not isinstance(session_id, str) or not session_id:
        raise ConfigurationError("session_id must be a non-empty str (the Live session's id)")
    return template.replace("{id}", quote(session_id, safe=""))


async def connect_live(
    nursery: trio.Nursery,
    client: object,
    model: str | None = None,
    *,
    session: SessionConfig | None = None,
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
) -> LiveConnection:
    """Start a GPT-Live session whose background tasks run in ``nursery``.

    For callers that own their nursery; the caller must ``await conn.aclose()``
    (which sends ``session.close`` and waits for ``session.closed`` first).
    Takes the same arguments as `open_live`.
    """
    options = options_from(locals())
    start = _start_event(model, session)
    require_trio("connect_live()")
    return await _connect(
        nursery,
        LIVE,
        LIVE.path,
        client,
        start,
        extra_query=extra_query,
        extra_headers=extra_headers,
        options=options,
    )


def open_live(
    client: object,
    model: str | None = None,
    *,
    session: SessionConfig | None = None,
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
) -> _Session[LiveConnection]:
    """Start a GPT-Live session: ``async with open_live(client, "gpt-live-1") as conn``.

    Connects to ``/live/sessions``, sends ``session.start`` with ``session``
    (a `SessionConfig`; or just ``model``) and enters the block once
    ``session.started`` arrived; ``conn.session`` is then the server's
    `SessionResource`. An ``error`` event instead raises `LiveStartError`, no
    answer within ``connect_timeout`` (which bounds the whole start)
    `LiveStartTimeout`; an HTTP refusal of the upgrade raises the usual
    `HandshakeRejected` subclass.

    Leaving the block normally sends ``session.close`` and waits up to
    ``close_timeout`` for ``session.closed`` (``conn.close_result`` has its
    ``reason``, and every event that arrived meanwhile), then closes the
    WebSocket as `open_realtime` does. It raises `CloseTimeout` when
    ``session.closed`` did not come and `LiveStorageError` when the server
    said during the close that it could not store the session. Leaving with an
    exception closes the WebSocket at once (the server ends the session).

    The keywords are `open_realtime`'s.
    """
    options = options_from(locals())
    start = _start_event(model, session)

    async def connect(nursery: trio.Nursery) -> LiveConnection:
        return await _connect(
            nursery,
            LIVE,
            LIVE.path,
            client,
            start,
            extra_query=extra_query,
            extra_headers=extra_headers,
            options=options,
        )

    return _Session(connect, "open_live")


def _sideband_query(
    graceful_close: bool | None, extra_query: Mapping[str, str] | None
) -> dict[str, str]:
    if graceful_close is not None and not isinstance(graceful_close, bool):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ConfigurationError("graceful_close must be True, False or None")
    query = dict(extra_query or {})
    if graceful_close is not None:
        query["graceful_close"] = "true" if graceful_close else "false"
    return query


async def connect_live_sideband(
    nursery: trio.Nursery,
    client: object,
    session_id: str,
    *,
    graceful_close: bool | None = None,
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
) -> LiveConnection:
    """`open_live_sideband` for a nursery the caller owns (then ``await conn.aclose()``)."""
    options = options_from(locals())
    path = _session_path(CONNECT.path, session_id)
    query = _sideband_query(graceful_close, extra_query)
    require_trio("connect_live_sideband()")
    return await _connect(
        nursery,
        CONNECT,
        path,
        client,
        None,
        extra_query=query,
        extra_headers=extra_headers,
        options=options,
    )


def open_live_sideband(
    client: object,
    session_id: str,
    *,
    graceful_close: bool | None = None,
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
) -> _Session[LiveConnection]:
    """Attach to a running Live session (``/live/sessions/{session_id}/attach``).

    A trusted backend's sideband: it receives the session's events (the
    caller's audio reflected as `SessionInputAudioAppendEvent`, SIP
    ``transport.*`` events) and sends the sideband commands
    (`ConnectClientEventUnion`: no ``session.start``, no audio, but DTMF).
    The block is entered once the WebSocket is open; leaving it detaches
    (closes the WebSocket) without ending the session: send `SessionClose`
    to end it. ``graceful_close=True`` asks the server for a WebSocket closing
    handshake when the session ends. The keywords are `open_realtime`'s.
    """
    options = options_from(locals())
    path = _session_path(CONNECT.path, session_id)
    query = _sideband_query(graceful_close, extra_query)

    async def connect(nursery: trio.Nursery) -> LiveConnection:
        return await _connect(
            nursery,
            CONNECT,
            path,
            client,
            None,
            extra_query=query,
            extra_headers=extra_headers,
            options=options,
        )

    return _Session(connect, "open_live_sideband")


def _fork_start(session: ForkSessionConfig | None) -> ForkSessionStart:
    if session is None:
        return ForkSessionStart()
    if not isinstance(session, ForkSessionConfig):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise ConfigurationError(
            f"session must be a trio_realtime.live.ForkSessionConfig, not {type(session).__name__}"
        )
    return ForkSessionStart(session=session)


async def connect_live_fork(
    nursery: trio.Nursery,
    client: object,
    session_id: str,
    *,
    session: ForkSessionConfig | None = None,
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
) -> LiveConnection:
    """`open_live_fork` for a nursery the caller owns (then ``await conn.aclose()``)."""
    options = options_from(locals())
    path = _session_path(FORK.path, session_id)
    start = _fork_start(session)
    require_trio("connect_live_fork()")
    return await _connect(
        nursery,
        FORK,
        path,
        client,
        start,
        extra_query=extra_query,
        extra_headers=extra_headers,
        options=options,
    )


def open_live_fork(
    client: object,
    session_id: str,
    *,
    session: ForkSessionConfig | None = None,
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
) -> _Session[LiveConnection]:
    """Continue a stored Live session in a new one (``/live/sessions/{session_id}/fork``).

    Sends `ForkSessionStart` with ``session`` (overrides; none inherits the
    stored configuration) and is ready, and closes, as `open_live`.
    """
    options = options_from(locals())
    path = _session_path(FORK.path, session_id)
    start = _fork_start(session)

    async def connect(nursery: trio.Nursery) -> LiveConnection:
        return await _connect(
            nursery,
            FORK,
            path,
            client,
            start,
            extra_query=extra_query,
            extra_headers=extra_headers,
            options=options,
        )

    return _Session(connect, "open_live_fork")
