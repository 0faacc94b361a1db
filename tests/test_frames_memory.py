"""Memory of the receive path for one large message: frames, then the event decode.

tracemalloc counts every allocation, so the peak is deterministic and the bound
a real assertion. The design's budget: a message costs at most about twice its
size, the message itself counted.
"""

from __future__ import annotations

import base64
import collections
import gc
import tracemalloc

import pytest

from trio_realtime._frames import FrameParser, Message
from trio_realtime.events import CLIENT_CODEC, ConversationItemRetrieved, ResponseOutputAudioDelta

MiB = 1 << 20
SIZE = 64 * MiB
READ = 64 * 1024


def _audio_delta(size: int) -> bytes:
    """A ``response.output_audio.delta`` of ``size`` bytes, nearly all base64."""
    head = (
        b'{"type":"response.output_audio.delta","event_id":"e","response_id":"r",'
        b'"item_id":"i","output_index":0,"content_index":0,"delta":"'
    )
    audio = b"\x01\x02\x03" * ((size - len(head) - 2) // 4)
    return head + base64.b64encode(audio) + b'"}'


def _retrieved_text(size: int, char: str) -> bytes:
    """A ``conversation.item.retrieved`` of about ``size`` bytes, nearly all text."""
    head = (
        b'{"type":"conversation.item.retrieved","event_id":"e","item":{"type":"message",'
        b'"id":"i","role":"assistant","content":[{"type":"output_text","text":"'
    )
    tail = b'"}]}}'
    unit = char.encode()
    return head + unit * ((size - len(head) - len(tail)) // len(unit)) + tail


def _frame(opcode: int, fin: bool, payload: bytes) -> bytes:
    size = len(payload)
    b0 = 0x80 * fin | opcode
    if size < 126:
        return bytes((b0, size)) + payload
    if size < 0x10000:
        return bytes((b0, 126)) + size.to_bytes(2, "big") + payload
    return bytes((b0, 127)) + size.to_bytes(8, "big") + payload


def _wire(message: bytes, fragment: int | None) -> bytes:
    if fragment is None:
        return _frame(0x1, True, message)
    parts = range(0, len(message), fragment)
    return b"".join(
        _frame(
            0x0 if start else 0x1,
            start + fragment >= len(message),
            message[start : start + fragment],
        )
        for start in parts
    )


def _peaks(wire: bytes) -> tuple[int, int, object]:
    """Peak bytes above the baseline after the frames and after the decode too."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        parser = FrameParser(1 << 30)
        out: collections.deque[Message] = collections.deque()
        for start in range(0, len(wire), READ):
            parser.feed(wire[start : start + READ], out)
        (message,) = out
        out.clear()
        frames = tracemalloc.get_traced_memory()[1] - base
        assert type(message) is bytearray  # assembled in place, not copied to bytes
        # msgspec decodes any buffer; the codec's annotation says bytes | str.
        event = CLIENT_CODEC.fast_decode(message)  # pyright: ignore[reportArgumentType]
        del message
        total = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    return frames, total, event


@pytest.mark.parametrize("fragment", [None, MiB], ids=["one-frame", "1MiB-fragments"])
def test_a_large_audio_delta_costs_at_most_twice_its_size(fragment: int | None) -> None:
    message = _audio_delta(SIZE)
    wire = _wire(message, fragment)
    del message
    frames, total, event = _peaks(wire)
    assert type(event) is ResponseOutputAudioDelta
    # The message alone: exact for one frame; fragments grow it by eighths.
    assert frames <= (1.05 if fragment is None else 1.15) * SIZE
    # Plus the decoded audio (3/4 of the base64).
    assert total <= 2 * SIZE


@pytest.mark.parametrize("char", ["x", "€"])
@pytest.mark.parametrize("fragment", [None, MiB], ids=["one-frame", "1MiB-fragments"])
def test_a_large_text_message_costs_its_size_in_the_frames(fragment: int | None, char: str) -> None:
    # The decoded text is itself about the message's size (and msgspec's str for
    # non-Latin-1 text passes through CPython's widening UTF-8 decoder), so only
    # the frames' share is bounded here; the old parser held three to five copies.
    message = _retrieved_text(SIZE // 4, char)
    wire = _wire(message, fragment)
    del message
    frames, _, event = _peaks(wire)
    assert type(event) is ConversationItemRetrieved
    assert frames <= (1.05 if fragment is None else 1.15) * (SIZE // 4)
