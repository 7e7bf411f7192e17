"""The arithmetic coder: round trips, code length against the information content, the quantizer, and agreement
with a maintained range coder (constriction 0.5.0) on the same integer tables."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokensmith.errors import ModelError
from tokensmith.lm.coder import (
    ArithmeticDecoder,
    ArithmeticEncoder,
    cumulative,
    decode_symbols,
    encode_symbols,
    information_bits,
    quantize,
)

ROUNDING = np.log2(1 / (1 - 2**16 / 2**30))  # the most one symbol can lose to integer rounding (module docstring)


def _random_case(seed: int, n: int, *, peaked: bool = False) -> tuple[list[np.ndarray], list[int]]:
    """n random quantized tables over 256 symbols and one symbol drawn from each."""
    rng = np.random.default_rng(seed)
    alpha = 0.02 if peaked else 0.3
    freqs = [quantize(rng.dirichlet(np.full(256, alpha))) for _ in range(n)]
    symbols = [int(rng.choice(256, p=f / f.sum())) for f in freqs]
    return [cumulative(f) for f in freqs], symbols


def test_worked_example_two_symbols_of_one_quarter():
    # q = 1/4 twice: the interval [15/16, 1) -> bits 1111, then the 2-bit flush: 6 bits = 4 + 2
    cum = cumulative(np.array([3, 1]))
    bits = encode_symbols([cum, cum], [1, 1])
    assert bits[:4] == [1, 1, 1, 1] and len(bits) == 6
    assert decode_symbols(bits, [cum, cum]) == [1, 1]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 300), peaked=st.booleans())
def test_round_trip_and_length_within_two_bits_of_information(seed, n, peaked):
    cums, symbols = _random_case(seed, n, peaked=peaked)
    bits = encode_symbols(cums, symbols)
    assert decode_symbols(bits, cums) == symbols
    info = information_bits(cums, symbols)
    assert info - 2 <= len(bits) <= info + 2 + n * ROUNDING


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), tail=st.lists(st.integers(0, 1), max_size=40))
def test_any_bits_after_a_flushed_code_decode_the_same(seed, tail):
    cums, symbols = _random_case(seed, 50)
    assert decode_symbols(encode_symbols(cums, symbols) + tail, cums) == symbols


def test_length_and_peek_length_predict_the_flushed_code():
    cums, symbols = _random_case(7, 200, peaked=True)
    enc = ArithmeticEncoder()
    for cum, s in zip(cums, symbols):
        predicted = enc.peek_length(cum, s)
        enc.encode(cum, s)
        assert enc.length == predicted == len(enc.flushed())
    assert len(enc.finish()) == predicted


def test_the_decoder_mirrors_the_encoders_length():
    cums, symbols = _random_case(3, 100)
    enc, dec = ArithmeticEncoder(), None
    for cum, s in zip(cums, symbols):
        enc.encode(cum, s)
    dec = ArithmeticDecoder(enc.finish())
    enc2 = ArithmeticEncoder()
    for cum, s in zip(cums, symbols):
        assert dec.decode(cum) == s
        enc2.encode(cum, s)
        assert dec.length == enc2.length


def test_grid_values_all_decode_to_the_coded_symbols():
    cums, symbols = _random_case(11, 4, peaked=True)
    enc = ArithmeticEncoder(track=True)
    for cum, s in zip(cums, symbols):
        enc.encode(cum, s)
    bits = max(enc.length, 8) + 4
    first, last, middle = enc.grid(bits)
    assert first <= middle <= last
    for v in {first, middle, last}:
        code = [(v >> (bits - 1 - i)) & 1 for i in range(bits)]
        assert decode_symbols(code, cums) == symbols
    below = [((first - 1) >> (bits - 1 - i)) & 1 for i in range(bits)]
    if first > 0:
        assert decode_symbols(below, cums) != symbols  # the grid is exactly the interval's values


@settings(max_examples=60, deadline=None)
@given(weights=st.lists(st.floats(0, 1e6), min_size=1, max_size=300), floor=st.integers(1, 8))
def test_quantize_sums_to_the_total_with_every_symbol_at_least_floor(weights, floor):
    p = np.array(weights)
    if p.sum() <= 0:
        with pytest.raises(ModelError):
            quantize(p, floor=floor)
        return
    f = quantize(p, floor=floor)
    assert f.sum() == 2**16 and f.min() >= floor
    assert np.array_equal(f, quantize(p.copy(), floor=floor))  # deterministic
    assert np.all(np.abs((f - floor) - p / p.sum() * (2**16 - floor * p.size)) < 1)  # largest remainder


def test_bad_tables_are_clear_errors():
    with pytest.raises(ModelError, match="at least"):
        quantize(np.ones(300), total=256)
    with pytest.raises(ModelError, match="exceeds"):
        cumulative(np.full(2, 2**24))
    with pytest.raises(ModelError, match="negative"):
        quantize(np.array([1.0, -1.0]))


def test_agrees_with_constriction_range_coder_on_the_same_tables():
    """constriction's RangeEncoder (32-bit words, 24-bit probabilities) codes the same quantized tables: f / 2^16
    is exact at its precision, so both codes must sit at the same information content (ours within 2 bits,
    constriction's within its 64-bit flush), and constriction must decode its own code back to the symbols."""
    constriction = pytest.importorskip("constriction")
    cums, symbols = _random_case(5, 3000)
    probs = np.stack([np.diff(c) / c[-1] for c in cums])  # (n, 256) exactly the quantized probabilities
    family = constriction.stream.model.Categorical(perfect=False)
    enc = constriction.stream.queue.RangeEncoder()
    enc.encode(np.array(symbols, dtype=np.int32), family, probs)
    words = enc.get_compressed()
    back = constriction.stream.queue.RangeDecoder(words).decode(family, probs)
    assert back.tolist() == symbols
    info = information_bits(cums, symbols)
    ours = len(encode_symbols(cums, symbols))
    theirs = 32 * words.size
    assert info <= theirs <= info + 64 + len(symbols) * 2**-10
    assert abs(ours - info) <= 2 + len(symbols) * ROUNDING
    assert abs(ours - theirs) <= 66


@settings(max_examples=200, deadline=None)
@given(low=st.integers(0, 2**32 - 2), width=st.integers(64, 2**32 - 1))
def test_all_renormalizations_at_once_equal_the_papers_loop(low, width):
    from tokensmith.lm.coder import _renorm, _renorm_slow

    high = min(low + width, 2**32 - 1)
    fast_low, fast_high, n1, top, n3 = _renorm(low, high)
    slow_low, slow_high, kinds = _renorm_slow(low, high)
    assert (fast_low, fast_high) == (slow_low, slow_high)
    assert kinds == [(top >> (n1 - 1 - i)) & 1 for i in range(n1)] + [2] * n3
