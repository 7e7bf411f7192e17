"""Scoring by cover-sum ratios (`score_bytes(method="cover")`) against the per-byte chain (`method="chain"`).

Both compute -log2 P(continuation | context) of the same renormalized token process: the chain multiplies every
next-byte distribution, the cover method takes log C(context + continuation) - log C(context) with the trunk rows
from one `logprobs_all` pass. On float64 toy models they must agree to 1e-9 for any cut, including cuts inside a
token and inside a UTF-8 character.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.decode_bytes.toys import byte_level_toy, sentencepiece_toy
from tokensmith.decode.bytelevel import ByteLM, score_bytes
from tokensmith.decode.covers import Canonicalizer
from tokensmith.tokenlm import TableLM
from tokensmith.errors import TokensmithError

TOYS = {"byte-level": byte_level_toy, "sentencepiece": sentencepiece_toy}
TEXTS = [b"ab ba a\xc3\xa9b", b"aab bab a", b"b  ab\xc3\xa9 ab", b"\xc3\xa9a ab"]


@pytest.fixture(scope="module", params=sorted(TOYS))
def blm(request):
    canon = Canonicalizer(TOYS[request.param]())
    return ByteLM(TableLM(vocab_size=canon.vocab_size, eos_id=0, max_len=10, seed=11), canon)


def _cuts(text: bytes, *, n: int, seed: int) -> list[tuple[int, int]]:
    """n seeded (context end, continuation end) pairs, 0 <= k < e <= len(text)."""
    rng = np.random.default_rng(seed)
    pairs = set()
    while len(pairs) < n:
        k, e = sorted(rng.choice(len(text) + 1, size=2, replace=False).tolist())
        pairs.add((k, e))
    return sorted(pairs)


@pytest.mark.parametrize("text", TEXTS)
def test_cover_ratio_equals_the_chain_at_random_cuts(blm, text):
    for k, e in _cuts(text, n=8, seed=len(text)):
        chain = score_bytes(blm, None, text[:k], text[k:e], method="chain")
        cover = score_bytes(blm, None, text[:k], text[k:e], method="cover")
        assert math.isclose(cover, chain, rel_tol=0, abs_tol=1e-9), (text[:k], text[k:e])


def test_cuts_inside_a_token_and_inside_a_character_agree(blm):
    text = b"ab a\xc3\xa9b"
    for k in (1, 5, 6):  # inside 'ab', between the bytes of the character, right after it
        chain = score_bytes(blm, None, text[:k], text[k:], method="chain")
        assert math.isclose(score_bytes(blm, None, text[:k], text[k:]), chain, abs_tol=1e-9)


def test_cover_scores_add_up_over_a_cut(blm):
    text = TEXTS[0]
    whole = score_bytes(blm, None, b"", text)
    for k in range(1, len(text)):
        parts = score_bytes(blm, None, b"", text[:k]) + score_bytes(blm, None, text[:k], text[k:])
        assert math.isclose(parts, whole, abs_tol=1e-9)


def test_logprobs_all_rows_are_the_per_prefix_rows_in_one_call():
    lm = TableLM(vocab_size=6, eos_id=0, max_len=3, seed=2)
    ids = (1, 4, 2, 5)
    table = lm.logprobs_all(ids)
    assert table.shape == (5, 6) and lm.calls == 1
    assert np.array_equal(table, lm.logprobs([ids[:j] for j in range(5)]))


def test_cover_method_calls_do_not_grow_with_the_text(blm):
    text = b"ab ab ab ab"
    calls = []
    for method in ("cover", "chain"):
        c0 = blm.lm.calls
        score_bytes(blm, None, b"", text, method=method)
        calls.append(blm.lm.calls - c0)
    # cover: one trunk pass + at most one (batched) call per final window; chain: one call per byte
    assert calls[0] <= 3 and calls[1] >= len(text)


def test_empty_continuation_scores_zero_and_bad_method_names_the_choices(blm):
    assert score_bytes(blm, None, b"ab", b"") == 0.0
    with pytest.raises(TokensmithError, match="cover, chain"):
        score_bytes(blm, None, b"a", b"b", method="fast")
