"""RFC 6455 framing for the client side: parse what a server sends, build what we send.

Pure byte handling, no I/O. Why our own and not wsproto's: at a few hundred
sessions per core, wsproto's general frame machinery (a generator per frame, an
event object per message, per-byte state) was the largest cost per Realtime
event after trio's own wake-up. The client side of the protocol is small: no
extensions are negotiated (we offer none), server frames are never masked, and
our frames are always whole.
"""

from __future__ import annotations

import os
from collections import deque
from typing import Final, NamedTuple

__all__ = [
    "Close",
    "FrameParser",
    "Ping",
    "Pong",
    "ProtocolError",
    "close_frame",
    "pong_frame",
    "text_frame",
]

CONTINUATION: Final = 0x0
TEXT: Final = 0x1
BINARY: Final = 0x2
CLOSE: Final = 0x8
PING: Final = 0x9
PONG: Final = 0xA

#: Close codes (RFC 6455 section 7.4).
NORMAL_CLOSURE: Final = 1000
PROTOCOL_ERROR: Final = 1002
NO_STATUS: Final = 1005
#: Never sent: what we record when the link died without a close frame.
ABNORMAL: Final = 1006
INVALID_DATA: Final = 1007
TOO_BIG: Final = 1009

_MAX_CONTROL_PAYLOAD = 125
#: Codes a close frame may carry below 3000; 3000-4999 are for applications.
_VALID_CLOSE_CODES = frozenset(
    {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014}
)


class ProtocolError(Exception):
    """The server broke RFC 6455; ``code`` is the close code to answer with."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Ping(NamedTuple):
    """A ping from the server; it wants a pong with the same payload."""

    payload: bytes


class Pong(NamedTuple):
    """A pong from the server (unsolicited or to a ping of ours)."""

    payload: bytes


class Close(NamedTuple):
    """The server's close frame: its code (1005 when it sent none) and reason."""

    code: int
    reason: str


Control = Ping | Pong | Close

_NO_CONTROLS: tuple[Control, ...] = ()


class FrameParser:
    """Turns the bytes a server sends into whole messages and control frames.

    `feed` appends each complete message (``str`` for text, ``bytes`` for
    binary) to the caller's deque and returns the control frames, in order.
    Bytes of an incomplete frame are kept until the rest arrives; a message is
    refused (`ProtocolError` with 1009) as soon as a frame header shows it would
    exceed ``max_message_size``, before its payload is buffered.
    """

    __slots__ = (
        "_closed",
        "_have",
        "_max",
        "_need",
        "_parts",
        "_parts_opcode",
        "_parts_size",
        "_pending",
    )

    def __init__(self, max_message_size: int) -> None:
        self._max = max_message_size
        #: Chunks of an incomplete frame, and how many bytes the frame needs in
        #: all before it is worth looking at again.
        self._pending: list[bytes] = []
        self._have = 0
        self._need = 0
        #: Payloads of a fragmented message so far.
        self._parts: list[bytes] = []
        self._parts_size = 0
        self._parts_opcode = 0
        self._closed = False

    def feed(self, data: bytes, out: deque[str | bytes]) -> tuple[Control, ...]:
        """Parse ``data``; messages go to ``out``, control frames are returned.

        Raises `ProtocolError` on a protocol violation; messages complete before
        the offending frame are in ``out`` already.
        """
        if self._closed:
            return _NO_CONTROLS  # nothing may follow a close frame
        pending = self._pending
        if pending:
            pending.append(data)
            self._have += len(data)
            if self._have < self._need:
                return _NO_CONTROLS
            data = b"".join(pending)
            pending.clear()
        controls: list[Control] | None = None
        pos = 0
        end = len(data)
        need = 0
        while True:
            avail = end - pos
            if avail < 2:
                need = 2
                break
            b0 = data[pos]
            size = data[pos + 1]
            if size & 0x80:
                raise ProtocolError(PROTOCOL_ERROR, "the server masked a frame")
            size &= 0x7F
            head = 2
            if size >= 126:
                head = 4 if size == 126 else 10
                if avail < head:
                    need = head
                    break
                size = int.from_bytes(data[pos + 2 : pos + head], "big")
            opcode = b0 & 0x0F
            if b0 & 0x70:
                raise ProtocolError(PROTOCOL_ERROR, "reserved bits set without an extension")
            if opcode >= CLOSE:
                if opcode > PONG:
                    raise ProtocolError(PROTOCOL_ERROR, f"unknown opcode {opcode:#x}")
                if size > _MAX_CONTROL_PAYLOAD or not b0 & 0x80:
                    raise ProtocolError(PROTOCOL_ERROR, "fragmented or oversized control frame")
            elif size + self._parts_size > self._max:
                raise ProtocolError(TOO_BIG, f"message larger than {self._max} bytes")
            total = head + size
            if avail < total:
                need = total
                break
            payload = data[pos + head : pos + total]
            pos += total
            if opcode == TEXT and b0 & 0x80 and not self._parts:
                out.append(_text(payload))  # the common case: a whole text message
                continue
            if opcode >= CLOSE:
                if controls is None:
                    controls = []
                controls.append(self._control(opcode, payload))
                if opcode == CLOSE:
                    self._closed = True
                    break
                continue
            self._data_frame(opcode, bool(b0 & 0x80), payload, out)
        if pos < end and not self._closed:
            rest = data[pos:] if pos else data
            pending.append(rest)
            self._have = len(rest)
            self._need = need
        return tuple(controls) if controls else _NO_CONTROLS

    def _data_frame(self, opcode: int, fin: bool, payload: bytes, out: deque[str | bytes]) -> None:
        if opcode == CONTINUATION:
            if not self._parts_opcode:
                raise ProtocolError(PROTOCOL_ERROR, "continuation frame outside a message")
        elif opcode in (TEXT, BINARY):
            if self._parts_opcode:
                raise ProtocolError(PROTOCOL_ERROR, "new message before the last one finished")
            self._parts_opcode = opcode
        else:
            raise ProtocolError(PROTOCOL_ERROR, f"unknown opcode {opcode:#x}")
        self._parts.append(payload)
        self._parts_size += len(payload)
        if not fin:
            return
        whole = b"".join(self._parts)
        first = self._parts_opcode
        self._parts.clear()
        self._parts_size = 0
        self._parts_opcode = 0
        out.append(_text(whole) if first == TEXT else whole)

    def _control(self, opcode: int, payload: bytes) -> Control:
        if opcode == PING:
            return Ping(payload)
        if opcode == PONG:
            return Pong(payload)
        if not payload:
            return Close(NO_STATUS, "")
        if len(payload) == 1:
            raise ProtocolError(PROTOCOL_ERROR, "close frame with a one-byte payload")
        code = int.from_bytes(payload[:2], "big")
        if not (code in _VALID_CLOSE_CODES or 3000 <= code <= 4999):
            raise ProtocolError(PROTOCOL_ERROR, f"invalid close code {code}")
        return Close(code, _text(payload[2:]))


def _text(payload: bytes) -> str:
    try:
        return payload.decode()
    except UnicodeDecodeError:
        raise ProtocolError(INVALID_DATA, "text that is not valid UTF-8") from None


# -- frames we send: always whole, always masked ----------------------------------


def _frame(opcode: int, payload: bytes) -> bytes:
    size = len(payload)
    if size < 126:
        header = bytes((0x80 | opcode, 0x80 | size))
    elif size < 0x10000:
        header = bytes((0x80 | opcode, 0x80 | 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 0x80 | 127)) + size.to_bytes(8, "big")
    key = os.urandom(4)
    if not size:
        return header + key
    # XOR the payload with the repeated key as one big integer: linear, in C.
    mask = int.from_bytes((key * (size // 4 + 1))[:size], "big")
    masked = (int.from_bytes(payload, "big") ^ mask).to_bytes(size, "big")
    return header + key + masked


def text_frame(data: bytes) -> bytes:
    """A whole, masked text frame."""
    return _frame(TEXT, data)


def ping_frame(payload: bytes) -> bytes:
    """A ping with ``payload``."""
    return _frame(PING, payload)


# TEMPORARY shim until the frames branch lands.
FrameError = ProtocolError
UNSUPPORTED_DATA: Final = 1003
INTERNAL_ERROR: Final = 1011


class Binary(NamedTuple):
    data: bytes


Message = str | bytes | Binary


def pong_frame(payload: bytes) -> bytes:
    """The answer to a ping with ``payload``."""
    return _frame(PONG, payload)


def close_frame(code: int | None, reason: str = "") -> bytes:
    """A close frame; ``code`` None (or 1005, "no status") sends an empty one."""
    if code is None or code == NO_STATUS:
        return _frame(CLOSE, b"")
    data = reason.encode()[: _MAX_CONTROL_PAYLOAD - 2]
    data = data.decode(errors="ignore").encode()  # never cut a character in two
    return _frame(CLOSE, code.to_bytes(2, "big") + data)
