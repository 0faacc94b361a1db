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
    Binary,
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

Item = Message | Ping | Pong | Close


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
    out: collections.deque[Message] = collections.deque()
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
        expected.append(text.encode())
    wire += ws.send(wse.BytesMessage(b"\x00\xff" * 100))
    expected.append(Binary(b"\x00\xff" * 100))
    # A fragmented text message with a ping between its fragments.
    wire += ws.send(wse.TextMessage("abc", message_finished=False))
    wire += ws.send(wse.Ping(b"mid"))
    wire += ws.send(wse.TextMessage("é" * 10, message_finished=True))
    expected.append(("abc" + "é" * 10).encode())
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
    assert _parse(b"\x01\x01\xc3\x80\x01\xa9", []) == ["é".encode()]


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
    assert _parse(wire, chunks) == [t.encode() for t in texts]


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 200_000])
def test_our_text_frames_parse_in_wsproto(size: int) -> None:
    ws = _server()
    text = ("ü" * size)[: size // 2] + "a" * (size - size // 2 * 2)
    ws.receive_data(text_frame(text.encode()))
    (got,) = list(ws.events())
    assert isinstance(got, wse.TextMessage)
    assert got.data == text
    assert got.message_finished


def test_our_frames_are_masked_with_fresh_keys() -> None:
    one, two = text_frame(b"same"), text_frame(b"same")
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
    out: collections.deque[Message] = collections.deque()
    parser = FrameParser(100)
    assert parser.feed(b"\x88\x00\x81\x02hi", out) == (Close(1005, ""),)
    assert not out  # a frame after the close is ignored
    assert parser.feed(b"\x81\x02hi", out) == ()
    assert not out


def _violation(data: bytes, limit: int = 1 << 20) -> FrameError:
    out: collections.deque[Message] = collections.deque()
    with pytest.raises(FrameError) as info:
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
    out: collections.deque[Message] = collections.deque()
    parser = FrameParser(10)
    parser.feed(b"\x01\x06abcdef", out)
    with pytest.raises(FrameError) as info:
        parser.feed(b"\x80\x05ghijk", out)
    assert info.value.code == 1009


def test_messages_before_a_violation_are_kept() -> None:
    out: collections.deque[Message] = collections.deque()
    with pytest.raises(FrameError):
        FrameParser(100).feed(b"\x81\x02ok\x82\x01\x00\x83\x00", out)
    assert list(out) == [b"ok", Binary(b"\x00")]


def test_control_frames_between_messages() -> None:
    data = b"\x81\x01a\x89\x01p\x81\x01b\x8a\x00\x89\x00\x81\x01c"
    assert _parse(data, []) == [b"a", b"b", b"c", Ping(b"p"), Pong(b""), Ping(b"")]


# -- what a message is: bytes for text, Binary for binary ---------------------------


def test_text_is_bytes_and_binary_is_binary() -> None:
    ws = _server()
    wire = ws.send(wse.TextMessage("hé")) + ws.send(wse.BytesMessage(b"h\xc3\xa9"))
    text, binary = _parse(wire, [])
    assert type(text) is bytes
    assert text == "hé".encode()
    assert type(binary) is Binary
    assert binary.data == b"h\xc3\xa9"
    assert type(binary.data) is bytes


def test_fragmented_binary_is_one_binary_of_bytes() -> None:
    ws = _server()
    wire = ws.send(wse.BytesMessage(b"\xff" * 3, message_finished=False))
    wire += ws.send(wse.BytesMessage(b"\x00" * 70_000, message_finished=True))
    for chunks in ([], [1000] * 100):
        (got,) = _parse(wire, chunks)
        assert type(got) is Binary
        assert type(got.data) is bytes
        assert got.data == b"\xff" * 3 + b"\x00" * 70_000


def test_small_frame_across_feeds_is_bytes_a_large_one_a_bytearray() -> None:
    ws = _server()
    small, large = "s" * 1000, "L" * 200_000
    wire = ws.send(wse.TextMessage(small)) + ws.send(wse.TextMessage(large))
    got = _parse(wire, [500, 1000, 70_000])  # each frame spans feeds
    assert got == [small.encode(), large.encode()]
    assert [type(m) for m in got] == [bytes, bytearray]


def test_a_large_frame_fed_whole_is_a_bytes_slice() -> None:
    ws = _server()
    (got,) = _parse(ws.send(wse.TextMessage("ü" * 100_000)), [])
    assert type(got) is bytes
    assert got == ("ü" * 100_000).encode()


def test_messages_after_an_assembled_one_start_afresh() -> None:
    ws = _server()
    wire = ws.send(wse.TextMessage("a" * 100_000, message_finished=False))
    wire += ws.send(wse.TextMessage("b", message_finished=True))
    wire += ws.send(wse.TextMessage("c")) + ws.send(wse.BytesMessage(b"d"))
    assert _parse(wire, [30_000, 60_000]) == [b"a" * 100_000 + b"b", b"c", Binary(b"d")]


# -- UTF-8: refused at the first bytes that show it --------------------------------


def _feed_all(parser: FrameParser, pieces: list[bytes]) -> collections.deque[Message]:
    out: collections.deque[Message] = collections.deque()
    for piece in pieces:
        parser.feed(piece, out)
    return out


@pytest.mark.parametrize(
    "first",
    [
        b"ok\xc3\x28",  # a lead byte without its continuation
        b"ok\xff",  # never in UTF-8
        b"ok\xed\xa0",  # a surrogate, though the character is unfinished
        b"ok\xf4\x90",  # above U+10FFFF, unfinished
        b"ok\xe0\x80",  # overlong, unfinished
    ],
)
def test_bad_utf8_in_a_first_fragment_is_refused_before_the_last(first: bytes) -> None:
    parser = FrameParser(1 << 20)
    with pytest.raises(FrameError) as info:
        parser.feed(bytes((0x01, len(first))) + first, collections.deque())
    assert info.value.code == 1007


@pytest.mark.parametrize("split", [b"\xc3", b"\xe2\x82", b"\xf0\x9f\x98", b"\xed\x9f", b"\xe0\xa0"])
def test_a_character_cut_at_a_fragment_boundary_waits_for_the_rest(split: bytes) -> None:
    whole = (split + b"\xbf\xbf\xbf")[: {0xC3: 2, 0xF0: 4}.get(split[0], 3)]
    rest = whole[len(split) :]
    wire = bytes((0x01, len(split))) + split + bytes((0x80, len(rest))) + rest
    assert _parse(wire, []) == [whole]
    assert _parse(wire, [1] * len(wire)) == [whole]


def test_a_character_unfinished_at_the_end_of_the_message_is_refused() -> None:
    error = _violation(b"\x01\x01\xc3\x80\x00")
    assert error.code == 1007


def test_bad_utf8_early_in_a_large_frame_is_refused_before_the_rest_arrives() -> None:
    size = 1 << 20
    header = b"\x81\x7f" + size.to_bytes(8, "big")
    parser = FrameParser(1 << 24)
    out = _feed_all(parser, [header, b"a" * 65536])  # fine so far
    with pytest.raises(FrameError) as info:
        parser.feed(b"a" * 100 + b"\xc3\x28" + b"a" * 1000, out)
    assert info.value.code == 1007
    assert not out


def test_bad_utf8_late_in_a_large_frame_fed_whole_is_refused() -> None:
    payload = "é".encode() * 100_000 + b"\xc3"
    error = _violation(b"\x81\x7f" + len(payload).to_bytes(8, "big") + payload)
    assert error.code == 1007


_utf8ish = st.lists(
    st.sampled_from(
        [
            b"a",
            b"\xc3\xa9",
            b"\xe2\x82\xac",
            b"\xf0\x9f\x98\x80",
            b"\xed\xa0\x80",
            b"\xc3",
            b"\x80",
            b"\xff",
        ]
    ),
    max_size=30,  # at most 120 bytes: one-byte frame lengths
).map(b"".join)


def _fragments(text: bytes, cuts: list[int]) -> list[bytes]:
    """``text`` as a fragmented text message, one frame per cut."""
    pieces: list[bytes] = []
    pos = 0
    for cut in cuts:
        pieces.append(text[pos : pos + cut])
        pos += cut
    pieces.append(text[pos:])
    last = len(pieces) - 1
    return [
        bytes(((0x80 if i == last else 0) | (0 if i else 1), len(p))) + p
        for i, p in enumerate(pieces)
    ]


#: Endings that finish any unfinished character which some ending could make valid
#: (only a character's second byte has a narrower range than 80-BF).
_ENDINGS = [x + y for x in (b"", b"\x80", b"\x90", b"\xa0") for y in (b"", b"\x80", b"\x80\x80")]


def _can_start_utf8(prefix: bytes) -> bool:
    for ending in _ENDINGS:
        try:
            (prefix + ending).decode()
        except UnicodeDecodeError:
            continue
        return True
    return False


@given(_utf8ish, st.lists(st.integers(min_value=0, max_value=20), max_size=8), st.integers(1, 9))
def test_text_in_any_fragments_and_chunks_is_accepted_exactly_when_utf8(
    text: bytes, cuts: list[int], chunk: int
) -> None:
    wire = b"".join(_fragments(text, cuts))
    try:
        text.decode()
    except UnicodeDecodeError:
        with pytest.raises(FrameError) as info:
            _parse(wire, [chunk] * len(wire))
        assert info.value.code == 1007
    else:
        assert _parse(wire, [chunk] * len(wire)) == [text]


@given(_utf8ish, st.lists(st.integers(min_value=0, max_value=20), max_size=8))
def test_bad_utf8_is_refused_with_the_fragment_that_shows_it(text: bytes, cuts: list[int]) -> None:
    # The first prefix that no ending could make valid, if any.
    bad = next((k for k in range(1, len(text) + 1) if not _can_start_utf8(text[:k])), None)
    frames = _fragments(text, cuts)
    parser = FrameParser(1 << 20)
    out: collections.deque[Message] = collections.deque()
    seen = 0
    for frame in frames:
        seen += len(frame) - 2
        if bad is not None and seen >= bad:
            with pytest.raises(FrameError):
                parser.feed(frame, out)
            return
        try:
            parser.feed(frame, out)
        except FrameError:
            assert frame is frames[-1]  # only a character left unfinished at the end
            return
    assert list(out) == [text]


# -- lengths in their shortest form (RFC 6455 5.2) ---------------------------------


@pytest.mark.parametrize(
    "header",
    [
        b"\x81\x7e\x00\x00",  # 16 bits for 0
        b"\x81\x7e\x00\x7d",  # 16 bits for 125
        b"\x82\x7e\x00\x05",  # binary too
        b"\x01\x7e\x00\x05",  # and a fragment
        b"\x89\x7e\x00\x05",  # and a control frame
        b"\x81\x7f" + (0).to_bytes(8, "big"),
        b"\x81\x7f" + (126).to_bytes(8, "big"),
        b"\x81\x7f" + (65535).to_bytes(8, "big"),
        b"\x81\x7f" + (1 << 63).to_bytes(8, "big"),  # the top bit must be 0
        b"\x81\x7f" + ((1 << 64) - 1).to_bytes(8, "big"),
    ],
)
def test_lengths_not_in_their_shortest_form_are_refused_from_the_header(header: bytes) -> None:
    error = _violation(header, limit=1 << 70)
    assert error.code == 1002
    assert "shortest form" in error.reason


def test_shortest_lengths_at_each_boundary_are_accepted() -> None:
    for size in (125, 126, 65535, 65536):
        ws = _server()
        assert _parse(ws.send(wse.TextMessage("x" * size)), [3]) == [b"x" * size]


# -- frames we send --------------------------------------------------------------


def test_text_frame_takes_the_encoders_bytes() -> None:
    ws = _server()
    ws.receive_data(text_frame('{"type":"x","t":"é"}'.encode()))
    (got,) = list(ws.events())
    assert isinstance(got, wse.TextMessage)
    assert got.data == '{"type":"x","t":"é"}'


def test_ping_frames_parse_in_wsproto() -> None:
    ws = _server()
    ws.receive_data(ping_frame(b"k" * 125))
    (ping,) = list(ws.events())
    assert isinstance(ping, wse.Ping)
    assert ping.payload == b"k" * 125
    with pytest.raises(ValueError, match="125"):
        ping_frame(b"k" * 126)
