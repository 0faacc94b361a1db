"""RFC 6455 framing (`trio_realtime._frames`), checked against wsproto as the peer.

Pure: no sockets. wsproto (trio-websocket's engine) plays the server: what it
sends must parse into the same messages, and what we build must parse in it.
"""

from __future__ import annotations

import collections
import random

import pytest
import wsproto
import wsproto.events as wse
from hypothesis import given
from hypothesis import strategies as st

from trio_realtime._frames import (
    Close,
    FrameParser,
    Ping,
    Pong,
    ProtocolError,
    close_frame,
    pong_frame,
    text_frame,
)

Item = str | bytes | Ping | Pong | Close


def _server() -> wsproto.WSConnection:
    """A wsproto server past the handshake, with nothing pending."""
    client = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
    server = wsproto.WSConnection(wsproto.ConnectionType.SERVER)
    server.receive_data(client.send(wse.Request(host="h", target="/")))
    assert isinstance(next(server.events()), wse.Request)
    client.receive_data(server.send(wse.AcceptConnection()))
    assert isinstance(next(client.events()), wse.AcceptConnection)
    return server


def _parse(data: bytes, chunks: list[int], limit: int = 1 << 24) -> list[Item]:
    """Feed ``data`` cut at the given chunk sizes: the messages, then the controls."""
    parser = FrameParser(limit)
    out: collections.deque[str | bytes] = collections.deque()
    controls: list[Item] = []
    pos = 0
    for size in [*chunks, len(data)]:
        piece = data[pos : pos + size]
        pos += size
        if piece:
            controls.extend(parser.feed(piece, out))
    return [*out, *controls]


def _server_stream() -> tuple[bytes, list[Item]]:
    """Bytes a wsproto server sends, and what a client must make of them."""
    ws = _server()
    wire = b""
    expected: list[Item] = []
    for text in ["", "hi", "é" * 70, "x" * 125, "y" * 126, "z" * 65535, "w" * 65536]:
        wire += ws.send(wse.TextMessage(text))
        expected.append(text)
    wire += ws.send(wse.BytesMessage(b"\x00\xff" * 100))
    expected.append(b"\x00\xff" * 100)
    # A fragmented text message with a ping between its fragments.
    wire += ws.send(wse.TextMessage("abc", message_finished=False))
    wire += ws.send(wse.Ping(b"mid"))
    wire += ws.send(wse.TextMessage("é" * 10, message_finished=True))
    expected.append("abc" + "é" * 10)
    wire += ws.send(wse.Pong(b"pp"))
    wire += ws.send(wse.CloseConnection(4001, "bye ✓"))
    expected += [Ping(b"mid"), Pong(b"pp"), Close(4001, "bye ✓")]
    return wire, expected


def test_wsproto_frames_parse_whole() -> None:
    wire, expected = _server_stream()
    assert _parse(wire, []) == expected


def test_wsproto_frames_parse_byte_by_byte() -> None:
    wire, expected = _server_stream()
    assert _parse(wire, [1] * len(wire)) == expected


def test_a_character_split_across_fragments_decodes_whole() -> None:
    # "é" is C3 A9: the first fragment ends inside it, which only the whole decodes.
    assert _parse(b"\x01\x01\xc3\x80\x01\xa9", []) == ["é"]


@given(st.lists(st.integers(min_value=1, max_value=5000), max_size=60))
def test_wsproto_frames_parse_in_any_chunks(chunks: list[int]) -> None:
    wire, expected = _server_stream()
    assert _parse(wire, chunks) == expected


def test_random_splits_of_many_small_frames() -> None:
    ws = _server()
    texts = [f"delta {i} " + "a" * (i % 300) for i in range(500)]
    wire = b"".join(ws.send(wse.TextMessage(t)) for t in texts)
    rng = random.Random(7)
    chunks = [rng.randint(1, 700) for _ in range(len(wire) // 300)]
    assert _parse(wire, chunks) == texts


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 200_000])
def test_our_text_frames_parse_in_wsproto(size: int) -> None:
    ws = _server()
    text = ("ü" * size)[: size // 2] + "a" * (size - size // 2 * 2)
    ws.receive_data(text_frame(text))
    (got,) = list(ws.events())
    assert isinstance(got, wse.TextMessage)
    assert got.data == text
    assert got.message_finished


def test_our_frames_are_masked_with_fresh_keys() -> None:
    one, two = text_frame("same"), text_frame("same")
    assert one[1] & 0x80  # the mask bit
    assert one[2:6] != two[2:6] or one[6:] != two[6:]  # 1 in 2**32 to fail
    assert b"same" not in one


def test_pong_and_close_frames_parse_in_wsproto() -> None:
    ws = _server()
    ws.receive_data(pong_frame(b"abc"))
    (pong,) = list(ws.events())
    assert isinstance(pong, wse.Pong)
    assert pong.payload == b"abc"
    ws.receive_data(close_frame(1000, "done"))
    (close,) = list(ws.events())
    assert isinstance(close, wse.CloseConnection)
    assert (close.code, close.reason) == (1000, "done")


def test_empty_close_frame_means_no_status() -> None:
    ws = _server()
    ws.receive_data(close_frame(None))
    (close,) = list(ws.events())
    assert isinstance(close, wse.CloseConnection)
    assert close.code == 1005
    assert close_frame(1005)[1] & 0x7F == 0


def test_close_reason_is_cut_to_fit_without_splitting_a_character() -> None:
    frame = close_frame(1011, "€" * 100)  # 300 bytes of UTF-8, at most 123 fit
    size = frame[1] & 0x7F
    assert size <= 125
    ws = _server()
    ws.receive_data(frame)
    (close,) = list(ws.events())
    assert isinstance(close, wse.CloseConnection)
    assert close.reason == "€" * 41


def test_close_with_no_payload_and_nothing_after_it() -> None:
    out: collections.deque[str | bytes] = collections.deque()
    parser = FrameParser(100)
    assert parser.feed(b"\x88\x00\x81\x02hi", out) == (Close(1005, ""),)
    assert not out  # a frame after the close is ignored
    assert parser.feed(b"\x81\x02hi", out) == ()
    assert not out


def _violation(data: bytes, limit: int = 1 << 20) -> ProtocolError:
    out: collections.deque[str | bytes] = collections.deque()
    with pytest.raises(ProtocolError) as info:
        FrameParser(limit).feed(data, out)
    return info.value


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b"\x81\x82abcdxy", 1002, "masked"),
        (b"\xc1\x00", 1002, "reserved bits"),
        (b"\x83\x00", 1002, "unknown opcode 0x3"),
        (b"\x8b\x00", 1002, "unknown opcode 0xb"),
        (b"\x09\x00", 1002, "fragmented or oversized control"),
        (b"\x89\x7e\x00\x7e" + b"p" * 126, 1002, "fragmented or oversized control"),
        (b"\x80\x01x", 1002, "continuation frame outside a message"),
        (b"\x01\x01a\x81\x01b", 1002, "new message before the last one finished"),
        (b"\x81\x02\xc3\x28", 1007, "UTF-8"),
        (b"\x01\x01\xc3\x80\x01\x28", 1007, "UTF-8"),
        (b"\x88\x01\x03", 1002, "one-byte payload"),
        (b"\x88\x02\x03\xe7", 1002, "invalid close code 999"),
        (b"\x88\x02\x03\xed", 1002, "invalid close code 1005"),
        (b"\x88\x02\x03\xee", 1002, "invalid close code 1006"),
        (b"\x88\x02\x0b\xb7", 1002, "invalid close code 2999"),
        (b"\x88\x02\x13\x88", 1002, "invalid close code 5000"),
        (b"\x88\x04\x03\xe8\xc3\x28", 1007, "UTF-8"),
    ],
)
def test_protocol_violations_name_the_problem(data: bytes, code: int, words: str) -> None:
    error = _violation(data)
    assert error.code == code
    assert words in error.reason


def test_oversized_message_is_refused_from_its_header() -> None:
    # Only the header of a 1 GiB frame: refused before any payload is buffered.
    error = _violation(b"\x81\x7f" + (1 << 30).to_bytes(8, "big"), limit=1 << 20)
    assert error.code == 1009
    assert "1048576" in error.reason


def test_oversized_fragmented_message_is_refused_at_the_fragment_that_overflows() -> None:
    out: collections.deque[str | bytes] = collections.deque()
    parser = FrameParser(10)
    parser.feed(b"\x01\x06abcdef", out)
    with pytest.raises(ProtocolError) as info:
        parser.feed(b"\x80\x05ghijk", out)
    assert info.value.code == 1009


def test_messages_before_a_violation_are_kept() -> None:
    out: collections.deque[str | bytes] = collections.deque()
    with pytest.raises(ProtocolError):
        FrameParser(100).feed(b"\x81\x02ok\x82\x01\x00\x83\x00", out)
    assert list(out) == ["ok", b"\x00"]


def test_control_frames_between_messages() -> None:
    data = b"\x81\x01a\x89\x01p\x81\x01b\x8a\x00\x89\x00\x81\x01c"
    assert _parse(data, []) == ["a", "b", "c", Ping(b"p"), Pong(b""), Ping(b"")]
