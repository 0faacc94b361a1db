"""The sans-IO WebSocket protocol: every decision, without a socket."""

from __future__ import annotations

import pytest
from _wire import CLOSE, PING, PONG, TEXT, Server, close_payload, delta, frame

from trio_realtime._protocol import CloseInfo, Protocol, SendRefused, State


def _frames(data: bytes) -> list[tuple[int, bytes]]:
    """Parse what the client owes the socket (masked frames)."""
    server = Server(None)  # type: ignore[arg-type] # only its parser is used
    server._buffer += data  # pyright: ignore[reportPrivateUsage]
    out: list[tuple[int, bytes]] = []
    while (parsed := server._parse()) is not None:  # pyright: ignore[reportPrivateUsage]
        out.append(parsed)
    return out


def test_a_ping_is_owed_a_pong_with_its_payload() -> None:
    p = Protocol(1 << 20)
    p.receive_data(frame(PING, b"are you there"))
    assert p.wants_write
    assert _frames(p.data_to_send()) == [(PONG, b"are you there")]
    assert not p.wants_write
    assert p.data_to_send() == b""


def test_messages_before_a_close_stay_and_the_close_is_echoed() -> None:
    p = Protocol(1 << 20)
    p.receive_data(
        frame(TEXT, delta(0)) + frame(TEXT, delta(1)) + frame(CLOSE, close_payload(4001, "bye"))
    )
    assert [bytes(m) for m in p.messages] == [delta(0), delta(1)]
    assert p.closed == CloseInfo(4001, "bye", from_peer=True)
    assert p.state is State.CLOSED
    assert _frames(p.data_to_send()) == [(CLOSE, close_payload(4001))]


def test_the_close_code_is_recorded_even_if_the_echo_is_never_written() -> None:
    # The decision is made when the bytes are parsed: nothing awaits in between.
    p = Protocol(1 << 20)
    p.receive_data(frame(CLOSE, close_payload(4001, "bye")))
    p.connection_lost()  # the transport died before the echo went out
    assert p.closed == CloseInfo(4001, "bye", from_peer=True)


def test_a_ping_then_close_in_one_read_owes_pong_then_echo() -> None:
    p = Protocol(1 << 20)
    p.receive_data(frame(PING, b"p") + frame(CLOSE, close_payload(4001)))
    assert _frames(p.data_to_send()) == [(PONG, b"p"), (CLOSE, close_payload(4001))]


def test_a_violation_fails_the_connection_with_its_close_frame_owed() -> None:
    p = Protocol(1 << 20)
    p.receive_data(frame(TEXT, delta(0)) + bytes([0x81, 0x81, 1, 2, 3, 4, 5]))  # masked
    assert [bytes(m) for m in p.messages] == [delta(0)]
    assert p.closed is not None
    assert (p.closed.code, p.closed.failed, p.closed.from_peer) == (1002, True, False)
    [(opcode, payload)] = _frames(p.data_to_send())
    assert opcode == CLOSE
    assert payload[:2] == (1002).to_bytes(2, "big")


def test_an_oversized_message_fails_with_1009() -> None:
    p = Protocol(100)
    p.receive_data(frame(TEXT, b"x" * 101))
    assert p.closed is not None
    assert p.closed.code == 1009


def test_eof_without_a_close_frame_is_1006() -> None:
    p = Protocol(1 << 20)
    p.receive_data(frame(TEXT, delta(0)))
    p.receive_data(b"")
    assert p.closed == CloseInfo(1006, None)
    assert len(p.messages) == 1


def test_nothing_is_read_after_the_close() -> None:
    p = Protocol(1 << 20)
    p.receive_data(frame(CLOSE, close_payload(1000)))
    p.data_to_send()
    p.receive_data(frame(TEXT, delta(9)) + frame(PING, b"late"))
    assert not p.messages
    assert not p.wants_write


def test_our_close_then_theirs() -> None:
    p = Protocol(1 << 20)
    p.send_close(1000)
    assert p.state is State.CLOSING
    assert p.close_sent
    assert _frames(p.data_to_send()) == [(CLOSE, close_payload(1000))]
    with pytest.raises(SendRefused):
        p.send_text(b"{}")
    p.receive_data(frame(PING, b"no pong after our close"))
    assert not p.wants_write
    p.receive_data(frame(CLOSE, close_payload(1000)))
    assert p.closed == CloseInfo(1000, None, from_peer=True)
    assert not p.wants_write  # no second close frame


def test_text_frames_carry_the_bytes_given() -> None:
    p = Protocol(1 << 20)
    p.send_text('{"type":"é"}'.encode())
    assert _frames(p.data_to_send()) == [(TEXT, '{"type":"é"}'.encode())]


def test_pings_and_their_pongs() -> None:
    p = Protocol(1 << 20)
    payload = p.send_ping()
    assert p.awaiting_pong == payload
    assert _frames(p.data_to_send()) == [(PING, payload)]
    p.receive_data(frame(PONG, b"unsolicited"))
    assert p.awaiting_pong == payload
    p.receive_data(frame(PONG, payload))
    assert p.awaiting_pong is None
    assert p.send_ping() != payload  # a fresh payload each time


def test_fail_after_our_close_sends_no_second_close_frame() -> None:
    p = Protocol(1 << 20)
    p.send_close(1000)
    p.data_to_send()
    p.fail(1011, "keepalive ping timeout")
    assert not p.wants_write
    assert p.closed == CloseInfo(1011, "keepalive ping timeout", failed=True)


def test_sends_are_refused_once_closed() -> None:
    p = Protocol(1 << 20)
    p.receive_data(b"")
    with pytest.raises(SendRefused):
        p.send_text(b"{}")
    with pytest.raises(SendRefused):
        p.send_ping()
