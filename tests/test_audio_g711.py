"""G.711 against a line-by-line port of the ITU-T G.191 ``g711.c``, for every input.

The port below is the reference, not the library: it keeps ``g711.c``'s loops
and names so it can be read side by side with the C. G.191 works on 16-bit
left-justified samples: A-law uses the 12 magnitude bits above the low 4
(``x >> 4``), mu-law the 13 above the low 2 (``x >> 2``), and both take the
1's complement (``~x``) of a negative sample, not its negation.
"""

from __future__ import annotations

import importlib
import struct
import sys
import warnings

import pytest

from trio_realtime import audio
from trio_realtime.audio import _g711

ALL_SAMPLES = range(-32768, 32768)
ALL_PCM = struct.pack(f"<{len(ALL_SAMPLES)}h", *ALL_SAMPLES)


def ref_alaw_compress(x: int) -> int:
    # ix = linbuf < 0 ? (~linbuf) >> 4 : linbuf >> 4;   0 <= ix < 2048
    ix = (~x) >> 4 if x < 0 else x >> 4
    if ix > 15:  # exponent 0 for ix <= 15
        iexp = 1
        while ix > 16 + 15:  # find mantissa and exponent
            ix >>= 1
            iexp += 1
        ix -= 16  # remove the leading 1
        ix += iexp << 4
    if x >= 0:
        ix |= 0x80  # sign bit
    return ix ^ 0x55  # toggle the even bits


def ref_alaw_expand(code: int) -> int:
    ix = code ^ 0x55  # re-toggle the even bits
    ix &= 0x7F  # remove the sign bit
    iexp = ix >> 4
    mant = ix & 0x0F
    if iexp > 0:
        mant = mant + 16  # the leading 1
    mant = (mant << 4) + 0x08  # left-justify, add half a quantisation step
    if iexp > 1:
        mant = mant << (iexp - 1)
    return mant if code > 127 else -mant


def ref_ulaw_compress(x: int) -> int:
    # 1's complement for negatives; 33 is the bias between the A-law and mu-law thresholds.
    absno = ((~x) >> 2) + 33 if x < 0 else (x >> 2) + 33
    if absno > 0x1FFF:
        absno = 0x1FFF
    i = absno >> 6  # the sample's segment
    segno = 1
    while i != 0:
        segno += 1
        i >>= 1
    high_nibble = 0x0008 - segno
    low_nibble = (absno >> segno) & 0x000F
    low_nibble = 0x000F - low_nibble
    code = (high_nibble << 4) | low_nibble
    if x >= 0:
        code |= 0x0080  # sign bit
    return code


def ref_ulaw_expand(code: int) -> int:
    sign = -1 if code < 0x0080 else 1
    mantissa = ~code  # 1's complement of the code (C short: stays negative)
    exponent = (mantissa >> 4) & 0x0007
    segment = exponent + 1
    mantissa = mantissa & 0x000F
    step = 4 << segment  # one quantisation step
    # C's ``step / 2`` on a positive int is floor division.
    return sign * ((0x0080 << exponent) + step * mantissa + step // 2 - 4 * 33)


def test_the_reference_port_itself_matches_published_values() -> None:
    # Guards the port against an off-by-one in the bias or the segment loop.
    assert ref_ulaw_compress(0) == 0xFF
    assert ref_ulaw_compress(-1) == 0x7F
    assert ref_ulaw_compress(32767) == 0x80
    assert ref_ulaw_compress(-32768) == 0x00
    assert ref_alaw_compress(0) == 0xD5
    assert ref_alaw_compress(-1) == 0x55
    assert ref_alaw_compress(32767) == 0xAA
    assert ref_alaw_compress(-32768) == 0x2A
    assert [ref_ulaw_expand(c) for c in (0x00, 0x80, 0x7F, 0xFF)] == [-32124, 32124, 0, 0]
    assert [ref_alaw_expand(c) for c in (0x00, 0x80, 0x55, 0xD5)] == [-5504, 5504, -8, 8]
    assert [ref_alaw_expand(c) for c in (0x2A, 0xAA)] == [-32256, 32256]
    # Segment edge: the first mu-law segment ends where x >> 2 plus the bias reaches 64.
    assert ref_ulaw_compress(123) != ref_ulaw_compress(124)
    assert ref_ulaw_compress(124) == 0xEF


@pytest.mark.parametrize(
    ("encode", "reference"),
    [(audio.ulaw_encode, ref_ulaw_compress), (audio.alaw_encode, ref_alaw_compress)],
)
def test_encode_is_bit_exact_for_all_65536_inputs(encode: object, reference: object) -> None:
    expected = bytes(map(reference, ALL_SAMPLES))  # type: ignore[arg-type]
    got = encode(ALL_PCM)  # type: ignore[operator]
    assert len(got) == 65536
    mismatches = [s for s, a, b in zip(ALL_SAMPLES, got, expected, strict=True) if a != b]
    assert mismatches == []


@pytest.mark.parametrize(
    ("encode", "reference"),
    [(audio.ulaw_encode, ref_ulaw_compress), (audio.alaw_encode, ref_alaw_compress)],
)
def test_stdlib_encode_path_is_bit_exact_without_numpy(
    encode: object, reference: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_g711, "_np", None)
    assert encode(ALL_PCM) == bytes(map(reference, ALL_SAMPLES))  # type: ignore[operator,arg-type]


@pytest.mark.parametrize(
    ("decode", "reference"),
    [(audio.ulaw_decode, ref_ulaw_expand), (audio.alaw_decode, ref_alaw_expand)],
)
def test_decode_is_bit_exact_for_all_256_codes(decode: object, reference: object) -> None:
    got = struct.unpack("<256h", decode(bytes(range(256))))  # type: ignore[operator]
    assert list(got) == [reference(c) for c in range(256)]  # type: ignore[operator]


def test_decode_then_encode_is_the_identity_on_codes() -> None:
    codes = bytes(range(256))
    assert audio.alaw_encode(audio.alaw_decode(codes)) == codes
    # mu-law has two zeros (0x7F is -0, 0xFF is +0); both decode to 0, which encodes as +0.
    expected = bytes(0xFF if c == 0x7F else c for c in codes)
    assert audio.ulaw_encode(audio.ulaw_decode(codes)) == expected


def test_encode_takes_any_buffer_and_rejects_half_samples() -> None:
    from array import array

    assert audio.ulaw_encode(array("h", [0, -1])) == b"\xff\x7f"
    assert audio.alaw_encode(memoryview(b"\x00\x00")) == b"\xd5"
    with pytest.raises(audio.AudioFormatError, match="whole 2-byte samples, got 3 bytes"):
        audio.ulaw_encode(b"\x00\x00\x00")
    assert audio.ulaw_decode(b"") == b""


def test_audioop_differs_from_g191_on_exactly_508_negative_inputs() -> None:
    if sys.version_info >= (3, 13):
        pytest.skip("audioop left the stdlib in Python 3.13")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            audioop = importlib.import_module("audioop")
        except ImportError:  # pragma: no cover
            pytest.skip("audioop is not importable")
    theirs = audioop.lin2ulaw(ALL_PCM, 2)
    ours = audio.ulaw_encode(ALL_PCM)
    differ = [s for s, a, b in zip(ALL_SAMPLES, theirs, ours, strict=True) if a != b]
    assert len(differ) == 508
    assert all(s < 0 for s in differ)
    # A-law agrees everywhere, which shows the 508 are audioop's mu-law rounding, not ours.
    assert audioop.lin2alaw(ALL_PCM, 2) == audio.alaw_encode(ALL_PCM)
