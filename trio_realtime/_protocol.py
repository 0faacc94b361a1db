"""The client side of one WebSocket as a pure state machine: no I/O, no awaits.

The I/O layer (`_transport`) feeds it what the socket delivered and writes what
it owes; every decision is made here, synchronously, when the bytes arrive. So
a cancellation anywhere in the I/O layer cannot lose a decision: the server's
close code is recorded the moment its close frame is parsed, and a pong or a
close frame we owe stays in ``data_to_send`` until a writer takes it.

States (RFC 6455 section 7)::

    OPEN ──send_close()──────────────▶ CLOSING ──peer's close──▶ CLOSED
      │                                   │
      ├── peer's close (echo queued) ─────┼────────────────────▶ CLOSED
      ├── violation / fail() (close queued, drop TCP) ─────────▶ CLOSED
      └── EOF (1006) ──────────────────────────────────────────▶ CLOSED

``closed`` says how the WebSocket ended for the consumer; it is set once, at the
first of those transitions, and messages parsed before it stay in ``messages``.
The models are the ``websockets`` library's ``protocol.py`` and h11's state
machine.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass

from ._frames import (
    ABNORMAL,
    Close,
    FrameError,
    FrameParser,
    Message,
    Ping,
    Pong,
    close_frame,
    ping_frame,
    pong_frame,
    text_frame,
)

__all__ = ["CloseInfo", "Protocol", "SendRefused", "State"]


class State(enum.Enum):
    """Where the WebSocket is in its closing handshake."""

    OPEN = "open"
    #: We sent a close frame and wait for the server's.
    CLOSING = "closing"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True)
class CloseInfo:
    """How the WebSocket ended: close code and reason (1006 when the TCP link died)."""

    code: int
    reason: str | None
    #: True when the code came in a close frame from the server (its own close or
    #: its reply to ours); False when the link died, we failed it, or we cut it.
    from_peer: bool = False
    #: True when this client failed the connection (a protocol violation by the
    #: server, a keepalive timeout): the TCP link is dropped without waiting for
    #: the server's close.
    failed: bool = False


class SendRefused(Exception):
    """Data may no longer be sent: we sent our close frame, or the WebSocket is closed."""


class Protocol:
    """One client WebSocket's state, fed with received bytes; see the module docstring.

    ``messages`` holds the whole messages parsed so far, in order, for the
    consumer to take (the transport pops them; nothing here does).
    """

    __slots__ = (
        "_close_sent",
        "_outgoing",
        "_parser",
        "_ping_count",
        "awaiting_pong",
        "closed",
        "messages",
        "state",
    )

    def __init__(self, max_message_size: int) -> None:
        self._parser = FrameParser(max_message_size)
        self.messages: deque[Message] = deque()
        self.state: State = State.OPEN
        self.closed: CloseInfo | None = None
        #: Frames owed to the socket, oldest first; a writer takes them all.
        self._outgoing: list[bytes] = []
        self._close_sent: bool = False
        self._ping_count: int = 0
        #: The payload of our last ping while its pong has not come back.
        self.awaiting_pong: bytes | None = None

    # -- receiving --------------------------------------------------------

    def receive_data(self, data: bytes) -> None:
        """Parse bytes from the socket; ``b""`` means the server closed TCP."""
        if not data:
            self._end(CloseInfo(ABNORMAL, None))
            return
        if self.closed is not None:
            return  # after a close frame or a failure nothing more is read
        try:
            controls = self._parser.feed(data, self.messages)
        except FrameError as exc:
            self.fail(exc.code, exc.reason)
            return
        for control in controls:
            if isinstance(control, Ping):
                if not self._close_sent:
                    self._outgoing.append(pong_frame(control.payload))
            elif isinstance(control, Pong):
                if control.payload == self.awaiting_pong:
                    self.awaiting_pong = None
            else:
                self._peer_closed(control)

    def _peer_closed(self, close: Close) -> None:
        if not self._close_sent:
            # Echo the code (RFC 6455 5.5.1): the close handshake is then done.
            self._queue_close(close.code, "")
        self._end(CloseInfo(close.code, close.reason or None, from_peer=True))

    # -- sending ----------------------------------------------------------

    def send_text(self, payload: bytes) -> None:
        """Queue one text message (UTF-8 bytes); `SendRefused` once we may not send."""
        if self._close_sent or self.closed is not None:
            raise SendRefused
        self._outgoing.append(text_frame(payload))

    def send_ping(self) -> bytes:
        """Queue a ping with a fresh payload and return that payload."""
        if self._close_sent or self.closed is not None:
            raise SendRefused
        self._ping_count += 1
        payload = self._ping_count.to_bytes(4, "big")
        self._outgoing.append(ping_frame(payload))
        self.awaiting_pong = payload
        return payload

    def send_close(self, code: int, reason: str = "") -> None:
        """Start the closing handshake; a no-op once a close frame went out or came in."""
        if self._close_sent or self.closed is not None:
            return
        self._queue_close(code, reason)
        self.state = State.CLOSING

    def fail(self, code: int, reason: str) -> None:
        """Fail the connection (RFC 6455 7.1.7): queue a close frame with ``code`` unless
        one went out already; the transport then drops TCP without waiting."""
        if not self._close_sent:
            self._queue_close(code, reason)
        self._end(CloseInfo(code, reason, failed=True))

    def connection_lost(self) -> None:
        """The transport is gone (we cut it, or a write failed): 1006 unless already closed."""
        self._outgoing.clear()
        self._end(CloseInfo(ABNORMAL, None))

    def _queue_close(self, code: int, reason: str) -> None:
        self._outgoing.append(close_frame(code, reason))
        self._close_sent = True

    def _end(self, info: CloseInfo) -> None:
        self.state = State.CLOSED
        if self.closed is None:
            self.closed = info

    # -- what the I/O layer asks ------------------------------------------

    @property
    def wants_write(self) -> bool:
        """Whether frames are owed to the socket."""
        return bool(self._outgoing)

    @property
    def close_sent(self) -> bool:
        """Whether our close frame is queued or written: no data may follow it."""
        return self._close_sent

    def data_to_send(self) -> bytes:
        """Take every owed frame, as one buffer to write whole."""
        out = self._outgoing
        if not out:
            return b""
        data = out[0] if len(out) == 1 else b"".join(out)
        out.clear()
        return data
