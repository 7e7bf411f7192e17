"""Ensembles, token healing and naive prompting on the toy models, checked by hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.decode_bytes.toys import byte_level_toy, sentencepiece_toy
from tokensmith.decode.bytelevel import ByteLM
from tokensmith.decode.covers import Canonicalizer
from tokensmith.decode.cuts import random_cuts
from tokensmith.decode.ensemble import ByteEnsemble
from tokensmith.decode.healing import healing_bits, naive_bits
from tokensmith.tokenlm import TableLM
from tokensmith.errors import ModelError, TokensmithError


@pytest.fixture(scope="module")
def pair():
    a, b = Canonicalizer(byte_level_toy()), Canonicalizer(sentencepiece_toy())
    return (ByteLM(TableLM(vocab_size=a.vocab_size, eos_id=0, max_len=5, seed=1), a),
            ByteLM(TableLM(vocab_size=b.vocab_size, eos_id=0, max_len=5, seed=2), b))


def test_ensemble_is_the_weighted_mixture_across_tokenizers(pair):
    x = b"ab a"
    mix = ByteEnsemble(pair, weights=[3, 1]).next_byte(x).as_vector()
    expected = 0.75 * pair[0].next_byte(x).as_vector() + 0.25 * pair[1].next_byte(x).as_vector()
    assert np.allclose(mix, expected, atol=1e-15)
    assert math.isclose(mix.sum(), 1.0, abs_tol=1e-12)


def test_ensemble_score_lists_mixture_then_members(pair):
    bits = ByteEnsemble(pair, weights=[1, 0]).score(b"a", b"b ab")
    assert math.isclose(bits[0], bits[1], rel_tol=1e-12)


def test_ensemble_rejects_bad_weights(pair):
    with pytest.raises(TokensmithError, match="one per model"):
        ByteEnsemble(pair, weights=[1.0])


def test_naive_bits_is_the_product_of_raw_token_probabilities():
    canon = Canonicalizer(byte_level_toy())
    lm = TableLM(vocab_size=canon.vocab_size, eos_id=0, max_len=6, seed=4)
    # 'ab' + ' a' -> prompt [ab], continuation [' a'] -> one factor p(' a' | ab).
    assert canon.encode_bytes(b" a") == (7,)
    expected = -lm.logprobs([(6,)])[0, 7] / math.log(2)
    assert math.isclose(naive_bits(lm, canon, b"ab", b" a"), expected, rel_tol=1e-12)


def test_healing_renormalizes_the_first_token_over_tokens_compatible_with_the_removed_bytes():
    canon = Canonicalizer(byte_level_toy())
    lm = TableLM(vocab_size=canon.vocab_size, eos_id=0, max_len=6, seed=4)
    # prompt ' a' is [' a']: drop it and rescore ' ab', which is [' ', 'ab'] (merge 'ab' comes first). The first
    # token is renormalized over the tokens compatible with ' a': ' ' (a prefix of it), ' a' and ' ab'.
    assert canon.encode_bytes(b" ab") == (3, 6)
    row = np.exp(lm.logprobs([()])[0])
    expected = -math.log2(row[3] / row[[3, 7, 8]].sum()) - lm.logprobs([(3,)])[0, 6] / math.log(2)
    assert math.isclose(healing_bits(lm, canon, b" a", b"b"), expected, rel_tol=1e-12)


def test_baselines_refuse_dummy_prefix_tokenizers(pair):
    with pytest.raises(ModelError, match="dummy prefix"):
        naive_bits(pair[1].lm, pair[1].canon, b"a", b"b")


def test_random_cuts_are_seeded_and_inside_lines():
    data = b"first line of text here\nsecond line, also long enough\n"
    a, b = random_cuts(data, n=5, span=4, seed=1), random_cuts(data, n=5, span=4, seed=1)
    assert a == b
    for cut in a:
        assert len(cut.continuation) == 4 and b"\n" not in cut.context + cut.continuation
        assert data[cut.offset : cut.offset + 4] == cut.continuation
