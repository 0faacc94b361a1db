"""G.711 mu-law and A-law, bit-exact with the ITU-T G.191 reference (``g711.c``).

Both directions are table lookups done by C loops, never a Python loop per
sample:

* decoding maps each code byte to its sample's low and high byte with
  ``bytes.translate`` and interleaves the two planes by slice assignment (pure
  stdlib, so the fake server and telephony code need no numpy);
* encoding indexes a 65,536-entry table (one code per 16-bit sample) with
  numpy when it is installed, and with ``map`` over the table in C otherwise.

The tables are computed from the G.191 formulas below; ``tests/test_audio_g711.py``
checks them against a line-by-line port of ``g711.c`` for every input. Note that
Python's ``audioop`` is *not* the reference: its mu-law encoder rounds 508
negative inputs differently (it negates where G.191 takes the 1's complement).
"""

from __future__ import annotations

import functools
import sys
from array import array
from typing import Any

from ._extra import require
from ._pcm import Buffer, check_pcm16

__all__ = ["alaw_decode", "alaw_encode", "ulaw_decode", "ulaw_encode"]


# -- the G.191 formulas on a magnitude (the sign is handled by the table layout) --


def _ulaw_code7(magnitude: int) -> int:
    """mu-law code without its sign bit for ``magnitude`` = the 14-bit 1's-complement |x|."""
    absno = min(magnitude + 33, 0x1FFF)  # 33: the bias between the A-law and mu-law thresholds
    segno = absno.bit_length() - 5  # g711.c's loop: 1 + bits of absno >> 6
    return ((8 - segno) << 4) | (15 - ((absno >> segno) & 0xF))


def _alaw_code7(ix: int) -> int:
    """A-law code without sign or even-bit toggling for the 12-bit 1's-complement |x|."""
    if ix <= 15:
        return ix
    exponent = ix.bit_length() - 4  # g711.c: halve until ix <= 31, counting from 1
    return (exponent << 4) | ((ix >> (exponent - 1)) - 16)


def _ulaw_expand(code: int) -> int:
    sign = -1 if code < 0x80 else 1
    inverted = ~code
    exponent = (inverted >> 4) & 7
    step = 4 << (exponent + 1)
    return sign * ((0x80 << exponent) + step * (inverted & 0xF) + step // 2 - 4 * 33)


def _alaw_expand(code: int) -> int:
    ix = (code ^ 0x55) & 0x7F
    exponent, mantissa = ix >> 4, ix & 0xF
    if exponent > 0:
        mantissa += 16
    mantissa = (mantissa << 4) + 8
    if exponent > 1:
        mantissa <<= exponent - 1
    return mantissa if code > 127 else -mantissa


# -- tables --------------------------------------------------------------------


def _plane_tables(expand: Any) -> tuple[bytes, bytes]:
    values = [expand(code) & 0xFFFF for code in range(256)]
    return bytes(v & 0xFF for v in values), bytes(v >> 8 for v in values)


_ULAW_LO, _ULAW_HI = _plane_tables(_ulaw_expand)
_ALAW_LO, _ALAW_HI = _plane_tables(_alaw_expand)


def _encode_table(code7: Any, shift: int, toggle: int) -> bytes:
    """One code per 16-bit sample, indexed by the sample's unsigned bit pattern."""
    magnitudes = range(32768 >> shift)
    positive = bytes((code7(m) | 0x80) ^ toggle for m in magnitudes)
    negative = bytes(code7(m) ^ toggle for m in magnitudes)
    repeat = 1 << shift
    # Samples 0..32767 have magnitude s >> shift; samples -1..-32768 (bit
    # patterns 65535 down to 32768) have (~s) >> shift, i.e. the same layout reversed.
    pos, neg = bytearray(32768), bytearray(32768)
    for k in range(repeat):
        pos[k::repeat] = positive
        neg[k::repeat] = negative
    return bytes(pos) + bytes(neg[::-1])


@functools.cache
def _ulaw_table() -> bytes:
    return _encode_table(_ulaw_code7, 2, 0)


@functools.cache
def _alaw_table() -> bytes:
    return _encode_table(_alaw_code7, 4, 0x55)


@functools.cache
def _numpy_table(which: str) -> Any:
    np = _numpy()
    return np.frombuffer(_ulaw_table() if which == "u" else _alaw_table(), dtype=np.uint8)


_UNKNOWN: Any = object()
#: numpy, or ``None`` without it; looked up at the first encode, not on every call.
_np: Any = _UNKNOWN


def _numpy() -> Any:
    global _np
    if _np is _UNKNOWN:
        try:
            _np = require("numpy", "fast G.711 encoding")
        except ImportError:
            _np = None
    return _np


def _encode(pcm: Buffer, which: str) -> bytes:
    view = check_pcm16(pcm)
    np = _numpy()
    if np is not None:
        samples = np.frombuffer(view, dtype="<u2")
        return bytes(_numpy_table(which)[samples].tobytes())
    table = _ulaw_table() if which == "u" else _alaw_table()
    samples = array("H")
    samples.frombytes(view)
    if sys.byteorder == "big":  # pragma: no cover - the wire format is little-endian
        samples.byteswap()
    return bytes(map(table.__getitem__, samples))


def _decode(codes: Buffer, lo: bytes, hi: bytes) -> bytes:
    data = bytes(memoryview(codes).cast("B"))
    out = bytearray(2 * len(data))
    out[0::2] = data.translate(lo)
    out[1::2] = data.translate(hi)
    return bytes(out)


def ulaw_encode(pcm: Buffer) -> bytes:
    """mu-law codes (``audio/pcmu``) for little-endian PCM16; one byte per sample.

    The rate is kept: resample to 8 kHz first for the API's ``audio/pcmu``.
    """
    return _encode(pcm, "u")


def alaw_encode(pcm: Buffer) -> bytes:
    """A-law codes (``audio/pcma``) for little-endian PCM16; one byte per sample."""
    return _encode(pcm, "a")


def ulaw_decode(codes: Buffer) -> bytes:
    """Little-endian PCM16 for mu-law codes; two bytes per code, the rate unchanged."""
    return _decode(codes, _ULAW_LO, _ULAW_HI)


def alaw_decode(codes: Buffer) -> bytes:
    """Little-endian PCM16 for A-law codes; two bytes per code, the rate unchanged."""
    return _decode(codes, _ALAW_LO, _ALAW_HI)
