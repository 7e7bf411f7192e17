"""Equal-Info Windows: lossless on any bytes, every window within b bits and maximal, the code of each window
within 2 bits of its information content, the exception table, the file header and its errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokensmith.errors import ModelError
from tokensmith.lm.byte_ngram import ByteNgram
from tokensmith.lm.coder import ArithmeticEncoder, information_bits
from tokensmith.lm.coding_model import TableSource
from tokensmith.lm.equalinfo import (
    decode_windows,
    encode_windows,
    equalinfo_tokens,
    floor_for_bits,
    plain_code,
    plain_decode,
    windows_from_tokens,
)
from tokensmith.lm.equalinfo_format import Header, decode_bytes, encode_bytes

TEXT = ("The quick brown fox jumps over the lazy dog. Grüße aus Köln, 東京 and Київ. " * 30).encode("utf-8")
MODEL = ByteNgram.train(TEXT, order=3)


def _window_codes(data: bytes, counts: tuple[int, ...], bits: int) -> list[tuple[int, float, int | None]]:
    """Per window: its flushed code length, its information content, and the length with the next byte added."""
    tables = TableSource(MODEL, floor=floor_for_bits(bits))
    out, start = [], 0
    for count in counts:
        enc, cums = ArithmeticEncoder(), []
        for i in range(start, start + count):
            cums.append(tables.get(data[start:i]))
            enc.encode(cums[-1], data[i])
        end = start + count
        grown = enc.peek_length(tables.get(data[start:end]), data[end]) if end < len(data) else None
        out.append((enc.length, information_bits(cums, data[start:end]), grown))
        start = end
    return out


@settings(max_examples=40, deadline=None)
@given(data=st.binary(max_size=300), bits=st.sampled_from([16, 32]))
def test_round_trip_on_arbitrary_bytes(data, bits):
    w = encode_windows(data, MODEL, bits=bits)
    assert sum(w.counts) == len(data) and all(c >= 1 for c in w.counts)
    assert decode_windows(list(w.values), MODEL, bits=bits, n_bytes=len(data), exceptions=w.exceptions) == data
    assert decode_bytes(encode_bytes(data, MODEL, bits=bits), MODEL) == data


@settings(max_examples=25, deadline=None)
@given(text=st.text(max_size=200), cut=st.integers(0, 3), bits=st.sampled_from([16, 32]))
def test_round_trip_on_text_and_invalid_utf8(text, cut, bits):
    data = text.encode("utf-8") + "é".encode("utf-8")[:1] * cut + b"\xff\xfe\x00"  # cut characters, bad bytes
    assert decode_bytes(encode_bytes(data, MODEL, bits=bits), MODEL) == data


@pytest.mark.parametrize("bits", [16, 32])
def test_windows_fit_are_maximal_and_code_within_two_bits_of_information(bits):
    data = TEXT[:1500] + bytes(range(256))
    w = encode_windows(data, MODEL, bits=bits)
    codes = _window_codes(data, w.counts, bits)
    for length, info, grown in codes:
        assert length <= bits  # the window fits its b bits
        assert grown is None or grown > bits  # one more byte would not: the window is as long as it can be
        assert info - 2 <= length <= info + 2 + 1e-3  # within 2 bits of the window's information content
    assert len(w.tokens()) == len(w.values) * bits // 16


def test_tokens_are_16_bit_and_invert():
    toks = equalinfo_tokens(TEXT[:400], MODEL, 32)
    assert toks.dtype == np.uint16 and toks.size % 2 == 0
    w = encode_windows(TEXT[:400], MODEL, bits=32)
    assert windows_from_tokens(toks, bits=32) == list(w.values)


def test_a_single_byte_always_fits_even_the_least_likely():
    # the model has never seen 0x00..0x1f: each of those costs the floor frequency, and must still fit b = 16
    data = bytes(range(32)) * 3
    w = encode_windows(data, MODEL, bits=16)
    assert decode_windows(list(w.values), MODEL, bits=16, n_bytes=len(data), exceptions=w.exceptions) == data
    assert max(w.counts) <= 2


def test_forced_counts_decode_the_same():
    """The exception table's path: decoding with every window's count given gives the same bytes."""
    w = encode_windows(TEXT[:600], MODEL, bits=16)
    forced = tuple(enumerate(w.counts))
    assert decode_windows(list(w.values), MODEL, bits=16, n_bytes=600, exceptions=forced) == TEXT[:600]


def test_plain_arithmetic_code_round_trips_near_the_information_content():
    data = TEXT[:2000]
    code = plain_code(data, MODEL)
    assert plain_decode(code, MODEL, n_bytes=len(data)) == data
    tables = TableSource(MODEL, floor=1)
    info = information_bits([tables.get(data[max(0, i - 3) : i]) for i in range(len(data))], data)
    assert info - 2 <= len(code) <= info + 2 + 1e-3 * len(data)


@settings(max_examples=30, deadline=None)
@given(data=st.binary(max_size=200), order=st.integers(0, 6))
def test_plain_code_round_trips_on_arbitrary_bytes_for_every_context_length(data, order):
    lm = ByteNgram.train(data * 2, order=order)  # its own contexts are seen: every order matters
    assert plain_decode(plain_code(data, lm), lm, n_bytes=len(data)) == data


def test_the_header_holds_magic_bits_fingerprint_and_length():
    blob = encode_bytes(b"hello", MODEL, bits=32)
    header, pos = Header.unpack(blob)
    assert blob[:4] == b"TSEW" and header.bits == 32 and header.n_bytes == 5
    assert header.fingerprint == MODEL.fingerprint and (len(blob) - pos) % 4 == 0


def test_bad_files_are_clear_errors():
    blob = encode_bytes(TEXT[:100], MODEL, bits=16)
    with pytest.raises(ModelError, match="not an Equal-Info file"):
        decode_bytes(b"XXXX" + blob[4:], MODEL)
    with pytest.raises(ModelError, match="decode with the model that encoded it"):
        decode_bytes(blob, ByteNgram.train(b"other text", order=3))
    with pytest.raises(ModelError, match="must be 16 or 32"):
        decode_bytes(blob[:5] + bytes([24]) + blob[6:], MODEL)
    with pytest.raises(ModelError, match="truncated"):
        decode_bytes(blob[:-2], MODEL)
    with pytest.raises(ModelError, match="must be 16 or 32"):
        encode_bytes(b"abc", MODEL, bits=8)


def test_empty_input():
    assert decode_bytes(encode_bytes(b"", MODEL, bits=16), MODEL) == b""
    assert equalinfo_tokens(b"", MODEL, 16).size == 0


@pytest.mark.shared
def test_wikitext_sample_round_trips_with_its_exceptions(shared):
    train = shared("lm", "wikitext-2", "valid.txt").read_bytes()[:300_000]
    data = shared("lm", "wikitext-2", "test.txt").read_bytes()[:6000]
    lm = ByteNgram.train(train, order=3)
    for bits in (16, 32):
        w = encode_windows(data, lm, bits=bits)
        assert decode_windows(list(w.values), lm, bits=bits, n_bytes=len(data), exceptions=w.exceptions) == data
        assert len(w.exceptions) < 0.1 * len(w.values)
        assert w.bits_per_byte() < 8
