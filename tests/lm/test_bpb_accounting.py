"""Bits-per-byte accounting on models whose distribution is known by construction (numbers checkable by hand)."""

from __future__ import annotations

import math

import pytest

from tests.lm.toys import build

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.models

from tokensmith.bpb import BitsPerByte  # noqa: E402
from tokensmith.lm.bpb import bootstrap_ci, score_text  # noqa: E402


def _uniform(lm):
    """Zero every weight that feeds the output logits: all logits 0, the distribution uniform."""
    with torch.no_grad():
        for name, p in lm.named_parameters():
            if name.startswith(("wte", "head")):
                p.zero_()
    return lm


def test_a_uniform_byte_model_costs_exactly_8_bits_per_byte():
    text = "naïve café, 日本語 " * 200  # multi-byte characters, several 2,048-byte chunks
    r = score_text(_uniform(build("byte")), text)
    assert r.n_bytes == len(text.encode()) and len(r.chunk_bits) > 1
    assert r.bits_per_byte == pytest.approx(8.0, abs=1e-9)


def test_a_uniform_subword_model_costs_log2_vocab_per_token():
    lm = _uniform(build("subword"))
    text = "the cat sat on the mat. " * 5
    r = score_text(lm, text)
    n_tokens = len(lm.tokenizer.encode(text))  # one chunk: the canonical encoding of the whole text
    assert r.n_tokens == n_tokens
    assert r.total_bits == pytest.approx(n_tokens * math.log2(lm.config.vocab_size), rel=1e-9)


def test_a_uniform_hierarchical_model_costs_log2_257_per_byte_and_per_end_of_word():
    lm = _uniform(build("hierarchical"))
    text = "the cat sat on the mat"  # 6 words, 22 bytes: 28 symbols of log2(257) bits each
    r = score_text(lm, text)
    assert (r.n_tokens, r.n_bytes) == (6, 22)
    assert r.total_bits == pytest.approx(28 * math.log2(257), rel=1e-9)


def test_a_uniform_fixed_patch_model_costs_log2_257_per_byte_and_per_patch_end():
    lm = _uniform(build("patch"))  # patches of 4 bytes: 22 bytes -> 6 patches, 28 symbols
    r = score_text(lm, "the cat sat on the mat")
    assert (r.n_tokens, r.n_bytes) == (6, 22)
    assert r.total_bits == pytest.approx(28 * math.log2(257), rel=1e-9)


def test_the_bootstrap_ci_resamples_chunks_not_bytes():
    # two chunks: 10 bytes at 1 bit/byte and 10 bytes at 2 bits/byte; every resample mean is 1, 1.5 or 2
    score = BitsPerByte(30.0, 20, 20, 1.5, (10.0, 20.0), (10, 10))
    lo, hi = bootstrap_ci(score, resamples=2000)
    assert (lo, hi) == (1.0, 2.0)
