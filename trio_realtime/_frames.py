"""RFC 6455 framing for the client side: parse what a server sends, build what we send.

Pure byte handling, no I/O. Why our own and not wsproto's: at a few hundred
sessions per core, wsproto's general frame machinery (a generator per frame, an
event object per message, per-byte state) was the largest cost per Realtime
event after trio's own wake-up. The client side of the protocol is small: no
extensions are negotiated (we offer none), server frames are never masked, and
our frames are always whole.

Text messages stay UTF-8 bytes: the event codec decodes JSON from bytes, so a
``str`` in between would only cost a decode per event and, for a large
message, a second copy of it.
"""

from __future__ import annotations

import codecs
import os
from collections import deque
from typing import Final, NamedTuple

__all__ = [
    "Binary",
    "Close",
    "Control",
    "FrameError",
    "FrameParser",
    "Message",
    "Ping",
    "Pong",
    "close_frame",
    "ping_frame",
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
UNSUPPORTED_DATA: Final = 1003
NO_STATUS: Final = 1005
#: Never sent: what we record when the link died without a close frame.
ABNORMAL: Final = 1006
INVALID_DATA: Final = 1007
TOO_BIG: Final = 1009
INTERNAL_ERROR: Final = 1011

_MAX_CONTROL_PAYLOAD = 125
#: Codes a close frame may carry below 3000; 3000-4999 are for applications.
_VALID_CLOSE_CODES = frozenset(
    {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014}
)
#: A frame larger than this whose payload spans reads is copied into its
#: message's buffer as it arrives. A smaller one waits until it is whole: one
#: join, and the message stays a ``bytes`` slice.
_STREAM_OVER = 1 << 16
#: UTF-8 is checked in steps this big, so the decoded text thrown away is small.
_UTF8_STEP = 1 << 16
_utf8_decode = codecs.utf_8_decode


class FrameError(Exception):
    """The server broke RFC 6455; ``code`` is the close code to answer with."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Binary(NamedTuple):
    """A binary message. Text messages are plain bytes, so one check,
    ``type(message) is Binary``, tells the two apart."""

    data: bytes


#: What `FrameParser.feed` puts in its deque: a text message as its UTF-8
#: (already validated), a `Binary` for a binary one.
Message = bytes | bytearray | Binary


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

    `feed` appends each complete message to the caller's deque and returns the
    control frames, in order. A text message is its UTF-8, validated: ``bytes``
    (a slice of the data fed) when it came as one frame of up to 64 KiB or
    within one `feed`; a ``bytearray`` when the parser assembled it (a
    fragmented message, or a larger frame spanning feeds), which saves copying
    it once more. A binary message is a `Binary`.

    Bytes of an incomplete frame are kept until the rest arrives, or, for a
    large frame, copied straight into a buffer of the size its header gives. A
    message is refused (`FrameError` with 1009) as soon as a frame header shows
    it would exceed ``max_message_size``, before its payload is buffered; text
    that cannot be UTF-8 is refused (1007) at the first bytes that show it.
    """

    __slots__ = (
        "_buf",
        "_closed",
        "_filled",
        "_fin",
        "_have",
        "_left",
        "_max",
        "_need",
        "_opcode",
        "_pending",
        "_tail",
    )

    def __init__(self, max_message_size: int) -> None:
        self._max = max_message_size
        #: Chunks of an incomplete header or small frame, and how many bytes it
        #: needs in all before it is worth looking at again.
        self._pending: list[bytes] = []
        self._have = 0
        self._need = 0
        #: The message being assembled (fragmented, or a large frame spanning
        #: feeds): its opcode (0 when there is none), buffer and bytes so far.
        self._opcode = 0
        self._buf: bytearray | None = None
        self._filled = 0
        #: Payload bytes of the frame being copied in that are still to come,
        #: and whether that frame ends its message.
        self._left = 0
        self._fin = False
        #: The start of a character the text so far ends with, for the next bytes.
        self._tail = b""
        self._closed = False

    def feed(self, data: bytes, out: deque[Message]) -> tuple[Control, ...]:
        """Parse ``data``; messages go to ``out``, control frames are returned.

        Raises `FrameError` on a protocol violation; messages complete before
        the offending frame are in ``out`` already.
        """
        if self._closed:
            return _NO_CONTROLS  # nothing may follow a close frame
        pos = 0
        pending = self._pending
        if self._left:
            pos = self._copy(data, 0, out)
            if self._left:
                return _NO_CONTROLS
        elif pending:
            pending.append(data)
            self._have += len(data)
            if self._have < self._need:
                return _NO_CONTROLS
            data = b"".join(pending)
            pending.clear()
        controls: list[Control] | None = None
        end = len(data)
        need = 0
        while True:
            avail = end - pos
            if avail < 2:
                need = 2
                break
            b0 = data[pos]
            size = data[pos + 1]
            if size >= 0x80:
                raise FrameError(PROTOCOL_ERROR, "the server masked a frame")
            if size < 126:
                head = 2
            elif size == 126:
                if avail < 4:
                    need = 4
                    break
                size = data[pos + 2] << 8 | data[pos + 3]
                if size < 126:
                    raise FrameError(PROTOCOL_ERROR, "frame length not in its shortest form")
                head = 4
            else:
                if avail < 10:
                    need = 10
                    break
                size = int.from_bytes(data[pos + 2 : pos + 10], "big")
                if size < 0x10000 or size >> 63:
                    raise FrameError(PROTOCOL_ERROR, "frame length not in its shortest form")
                head = 10
            total = head + size
            if b0 == 0x81 and not self._opcode:  # a whole text message in one frame
                if size > self._max:
                    raise FrameError(TOO_BIG, f"message larger than {self._max} bytes")
                if total <= avail:
                    # The common case: the slice is the message, and checking
                    # for ASCII is a C loop that allocates nothing.
                    payload = data[pos + head : pos + total]
                    pos += total
                    if not payload.isascii():
                        _check_utf8(payload)
                    out.append(payload)
                    continue
            else:
                self._check(b0, size)
                if total <= avail:
                    start = pos + head
                    pos += total
                    opcode = b0 & 0x0F
                    if opcode < CLOSE:
                        self._data_frame(b0, data, start, pos, out)
                        continue
                    if controls is None:
                        controls = []
                    controls.append(self._control(opcode, data[start:pos]))
                    if opcode == CLOSE:
                        self._closed = True
                        break
                    continue
            if size > _STREAM_OVER:  # a data frame: control frames are small
                if b0 & 0x0F:
                    self._begin(b0 & 0x0F, size)
                self._fin = bool(b0 & 0x80)
                self._left = size
                pos = self._copy(data, pos + head, out)
            else:
                need = total
            break
        if pos < end and not self._closed:
            rest = data[pos:] if pos else data
            pending.append(rest)
            self._have = len(rest)
            self._need = need
        return tuple(controls) if controls else _NO_CONTROLS

    def _check(self, b0: int, size: int) -> None:
        """Refuse a frame header (other than a lone text frame's) that breaks
        RFC 6455 or would make its message too big."""
        if b0 & 0x70:
            raise FrameError(PROTOCOL_ERROR, "reserved bits set without an extension")
        opcode = b0 & 0x0F
        if opcode >= CLOSE:
            if opcode > PONG:
                raise FrameError(PROTOCOL_ERROR, f"unknown opcode {opcode:#x}")
            if size > _MAX_CONTROL_PAYLOAD or not b0 & 0x80:
                raise FrameError(PROTOCOL_ERROR, "fragmented or oversized control frame")
            return
        if opcode == CONTINUATION:
            if not self._opcode:
                raise FrameError(PROTOCOL_ERROR, "continuation frame outside a message")
        elif opcode > BINARY:
            raise FrameError(PROTOCOL_ERROR, f"unknown opcode {opcode:#x}")
        elif self._opcode:
            raise FrameError(PROTOCOL_ERROR, "new message before the last one finished")
        if size + self._filled > self._max:
            raise FrameError(TOO_BIG, f"message larger than {self._max} bytes")

    def _data_frame(self, b0: int, data: bytes, start: int, stop: int, out: deque[Message]) -> None:
        """A whole data frame other than a lone text frame (checked already)."""
        opcode = b0 & 0x0F
        if opcode and b0 & 0x80:
            out.append(Binary(data[start:stop]))  # text took the fast path
            return
        if opcode:
            self._begin(opcode, stop - start)
        self._add(memoryview(data)[start:stop], bool(b0 & 0x80), out)

    def _begin(self, opcode: int, size: int) -> None:
        # Sized by the first frame: exact for a single frame; later fragments
        # extend it (bytearray grows by an eighth at a time).
        self._opcode = opcode
        self._buf = bytearray(size)
        self._filled = 0

    def _copy(self, data: bytes, start: int, out: deque[Message]) -> int:
        """Copy what ``data`` holds from ``start`` of the frame being copied in;
        return where that ends."""
        stop = min(len(data), start + self._left)
        self._left -= stop - start
        self._add(memoryview(data)[start:stop], self._fin and not self._left, out)
        return stop

    def _add(self, chunk: memoryview, last: bool, out: deque[Message]) -> None:
        """Add payload bytes to the message being assembled; ``last`` ends it."""
        buf = self._buf
        assert buf is not None
        filled = self._filled
        # Within the first frame's preallocated size this overwrites in place;
        # at the end of the buffer the same assignment appends.
        buf[filled : filled + len(chunk)] = chunk
        self._filled = filled + len(chunk)
        text = self._opcode == TEXT
        if text:
            self._tail = _utf8_tail(self._tail, chunk, last)
        if last:
            out.append(buf if text else Binary(bytes(buf)))
            self._opcode = 0
            self._buf = None
            self._filled = 0

    def _control(self, opcode: int, payload: bytes) -> Control:
        if opcode == PING:
            return Ping(payload)
        if opcode == PONG:
            return Pong(payload)
        if not payload:
            return Close(NO_STATUS, "")
        if len(payload) == 1:
            raise FrameError(PROTOCOL_ERROR, "close frame with a one-byte payload")
        code = int.from_bytes(payload[:2], "big")
        if not (code in _VALID_CLOSE_CODES or 3000 <= code <= 4999):
            raise FrameError(PROTOCOL_ERROR, f"invalid close code {code}")
        try:
            return Close(code, payload[2:].decode())
        except UnicodeDecodeError:
            raise _not_utf8() from None


def _not_utf8() -> FrameError:
    return FrameError(INVALID_DATA, "text that is not valid UTF-8")


def _check_utf8(payload: bytes) -> None:
    """Refuse a whole text payload that is not UTF-8 (once ``isascii()`` said no)."""
    if len(payload) > _UTF8_STEP:
        _utf8_tail(b"", memoryview(payload), True)
        return
    try:
        payload.decode()
    except UnicodeDecodeError:
        raise _not_utf8() from None


def _utf8_tail(tail: bytes, chunk: memoryview, final: bool) -> bytes:
    """Check that ``tail`` (an unfinished character) then ``chunk`` can begin
    UTF-8 text, or are whole UTF-8 text when ``final``; return the unfinished
    character they end with, for the next chunk.

    Raises `FrameError` (1007) at the first bytes that no continuation could
    make valid, so a bad message is refused before the rest of it arrives.
    """
    size = len(chunk)
    start = 0
    while True:
        stop = min(start + _UTF8_STEP, size)
        piece = tail + chunk[start:stop] if tail else chunk[start:stop]
        try:
            _, used = _utf8_decode(piece, "strict", final and stop == size)
        except UnicodeDecodeError:
            raise _not_utf8() from None
        tail = bytes(piece[used:]) if used < len(piece) else b""
        if stop == size:
            break
        start = stop
    if len(tail) > 1:
        # The decoder waits for the rest of a character even when no rest could
        # make it valid (ED A0 starts a surrogate). Only a character's second
        # byte is constrained, so ending it with the lowest continuation bytes
        # tells whether some ending is valid.
        width = 3 if tail[0] < 0xF0 else 4
        try:
            (tail + b"\x80\x80"[: width - len(tail)]).decode()
        except UnicodeDecodeError:
            raise _not_utf8() from None
    return tail


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
    """A whole, masked text frame of ``data``, UTF-8 the caller encoded (the
    event codec's output, unchecked here)."""
    return _frame(TEXT, data)


def ping_frame(payload: bytes) -> bytes:
    """A ping with ``payload`` (at most 125 bytes); the server answers with a pong."""
    if len(payload) > _MAX_CONTROL_PAYLOAD:
        raise ValueError(f"a ping payload is at most {_MAX_CONTROL_PAYLOAD} bytes")
    return _frame(PING, payload)


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
