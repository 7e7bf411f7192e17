"""Exactness of byte-level probabilities on toy models: the cover sum against brute-force enumeration."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.decode_bytes.toys import brute_next_byte, byte_level_toy, sentencepiece_toy
from tokensmith.decode.bytelevel import ByteLM, generate_bytes, score_bytes
from tokensmith.decode.covers import Canonicalizer
from tokensmith.tokenlm import TableLM
from tokensmith.errors import ModelError

TOYS = {"byte-level": byte_level_toy, "sentencepiece": sentencepiece_toy}
PREFIXES = [b"", b"a", b"ab", b"ab a", b"b  a", b" ", b"\xc3", b"a \xc3\xa9", b"ba\xc3"]


@pytest.fixture(scope="module", params=sorted(TOYS))
def toy(request):
    tok = TOYS[request.param]()
    canon = Canonicalizer(tok)
    lm = TableLM(vocab_size=tok.vocab_size, eos_id=0, max_len=4, seed=3)
    return canon, lm


@pytest.mark.parametrize("prefix", PREFIXES)
def test_next_byte_matches_brute_force(toy, prefix):
    canon, lm = toy
    blm = ByteLM(lm, canon)
    fast = blm.next_byte(prefix)
    probs, end = brute_next_byte(lm, canon, blm.internal(prefix))
    assert np.allclose(fast.probs, probs, rtol=0, atol=1e-9)
    assert math.isclose(fast.end, end, abs_tol=1e-9)


@pytest.mark.parametrize("prefix", PREFIXES)
def test_distribution_sums_to_one_with_end_mass(toy, prefix):
    canon, lm = toy
    d = ByteLM(lm, canon).next_byte(prefix)
    assert math.isclose(d.probs.sum() + d.end, 1.0, abs_tol=1e-12)
    assert (d.probs >= 0).all()


@pytest.mark.parametrize("text", [b"ab ab", b"a\xc3\xa9 b", b"b  ab"])
def test_chain_rule_equals_direct_cover_sum(toy, text):
    canon, lm = toy
    blm = ByteLM(lm, canon)
    chained = -score_bytes(blm, None, b"", text, method="chain") * math.log(2)  # sum of log next-byte probs
    direct = blm.log_cover_sum(text) - blm.log_cover_sum(b"")
    assert math.isclose(chained, direct, rel_tol=1e-9, abs_tol=1e-9)


def test_score_does_not_depend_on_where_the_context_is_cut(toy):
    canon, lm = toy
    blm = ByteLM(lm, canon)
    text = b"ab ba a"
    totals = [score_bytes(blm, None, b"", text[:k]) + score_bytes(blm, None, text[:k], text[k:]) for k in range(8)]
    assert max(totals) - min(totals) < 1e-9


def test_noncanonical_covers_get_zero_probability():
    # Worked example (byte-level toy, merges in order ab, Ġa, Ġab, Ã©, ba): after the token 'a',
    # - 'b' is impossible: 'a','b' always merges into 'ab';
    # - 'ba' is impossible: 'aba' merges 'ab' first, giving 'ab','a';
    # - 'ab' is fine: 'aab' gives 'a','ab'.
    canon = Canonicalizer(byte_level_toy())
    a, b, ab, ba = 1, 2, 6, 10
    mask = canon.next_mask((a,))
    assert not mask[b] and not mask[ba] and mask[ab]
    # So the prefix 'a' is followed by 'b' only through the single token 'ab' (or 'a','ab' -> 'a' then 'a').
    lm = TableLM(vocab_size=canon.vocab_size, eos_id=0, max_len=4, seed=5)
    rows = {ctx: np.exp(lm.logprobs([ctx])[0]) for ctx in [(), (a,)]}
    z_root = rows[()][0] + sum(rows[()][t] for t in range(1, 11) if canon.self_canonical[t])
    z_a = rows[(a,)][0] + sum(rows[(a,)][t] for t in range(1, 11) if mask[t])
    p_ab = rows[()][ab] / z_root
    p_a_then_a = rows[()][a] / z_root * sum(rows[(a,)][t] for t in (a, ab) if mask[t]) / z_a
    p_a = (rows[()][a] + rows[()][ab]) / z_root  # covers of 'a': [a], [ab] ('a' + anything else is 'a' alone)
    d = ByteLM(lm, canon).next_byte(b"a")
    assert math.isclose(d.probs[ord("b")], p_ab / p_a, rel_tol=1e-12)
    assert math.isclose(d.probs[ord("a")], p_a_then_a / p_a, rel_tol=1e-12)


@pytest.mark.parametrize("prefix", [b"", b"\xa9", b"\xc3\xc3"])
def test_invalid_utf8_and_empty_prefixes_get_the_exact_distribution(toy, prefix):
    # Both toys spell these bytes ('Ã', '©' tokens; <0xC3>, <0xA9> pieces): each gets a real distribution, equal to
    # brute-force enumeration (a stray continuation byte is what a context cut inside a character starts with).
    canon, lm = toy
    blm = ByteLM(lm, canon)
    d = blm.next_byte(prefix)
    probs, end = brute_next_byte(lm, canon, blm.internal(prefix))
    assert math.isclose(d.probs.sum() + d.end, 1.0, abs_tol=1e-12)
    assert np.allclose(d.probs, probs, rtol=0, atol=1e-9) and math.isclose(d.end, end, abs_tol=1e-9)


def test_vocab_mismatch_names_both_sizes():
    canon = Canonicalizer(byte_level_toy())
    with pytest.raises(ModelError, match=r"7 next-token .* 11 ids"):
        ByteLM(TableLM(vocab_size=7, eos_id=0, max_len=3), canon)


def test_lossy_tokenizer_is_refused():
    from tokenizers import Tokenizer as HFTokenizer
    from tokenizers import models, pre_tokenizers

    from tokensmith.backends.hf import HFBackend
    from tokensmith.tokenizer import Tokenizer

    hf = HFTokenizer(models.WordPiece(vocab={"[UNK]": 0, "a": 1, "##b": 2}, unk_token="[UNK]"))
    hf.pre_tokenizer = pre_tokenizers.Whitespace()
    with pytest.raises(ModelError, match="exact bytes"):
        Canonicalizer(Tokenizer(HFBackend(hf), name="wp"))


def test_generation_is_seeded_and_greedy_is_argmax(toy):
    canon, lm = toy
    blm = ByteLM(lm, canon)
    a = generate_bytes(blm, None, b"a", max_bytes=6, greedy=False, seed=7)
    b = generate_bytes(blm, None, b"a", max_bytes=6, greedy=False, seed=7)
    assert a == b
    g = generate_bytes(blm, None, b"a", max_bytes=1)
    vec = blm.next_byte(b"a").as_vector()
    assert (g == b"" and vec.argmax() == 256) or g == bytes([int(vec.argmax())])


def test_hard_boundary_shortcut_agrees_with_the_encoder(toy):
    canon, _ = toy
    ordinary = [t for t in range(canon.vocab_size) if canon.ordinary[t]]
    windows = [(a,) for a in ordinary] + [(a, b) for a in ordinary for b in ordinary]
    checked = 0
    for ctx in windows:
        if canon.encode_bytes(canon.decode(ctx)) != ctx:
            continue  # only canonical windows are ever contexts
        checked += 1
        assert (canon.next_mask(ctx) == canon.next_mask(ctx, shortcut=False)).all(), ctx
    assert checked > 5


def test_bytes_no_token_spells_give_a_probability_0_error():
    from tokensmith.errors import TokensmithError

    canon = Canonicalizer(byte_level_toy())  # the toy vocabulary has no token for 'c'
    blm = ByteLM(TableLM(vocab_size=canon.vocab_size, eos_id=0, max_len=4, seed=3), canon)
    assert blm.next_byte(b"ab").probs[ord("c")] == 0.0
    with pytest.raises(TokensmithError, match="probability is 0"):
        blm.next_byte(b"abc")


def test_tiktoken_gpt2_chain_rule_and_regex_windows():
    """A real regex-pretokenized vocabulary (tiktoken gpt2, 50,257 ids) under a random toy model."""
    from tests.conftest import shared_path
    from tokensmith import load

    canon = Canonicalizer(load(shared_path("tokenizers", "tiktoken", "gpt2.tiktoken")))
    assert canon.encode_bytes(b"Hello wor") == (15496, 476)
    assert canon.window_start(b"Hello wor") == 5  # the space before 'wor': no gpt2 token has 'o' then ' ' inside
    lm = TableLM(vocab_size=canon.vocab_size, eos_id=50256, max_len=64, seed=0)
    blm = ByteLM(lm, canon)
    text = b"Hi, w\xc3"
    chained = -score_bytes(blm, None, b"", text, method="chain") * math.log(2)
    direct = blm.log_cover_sum(text) - blm.log_cover_sum(b"")
    assert math.isclose(chained, direct, rel_tol=1e-9, abs_tol=1e-9)
    for k in (0, 3, 5):  # the cover-sum ratio, cut after 'Hi,', inside ' w', and inside the 2-byte character
        covered = -score_bytes(blm, None, text[:k], text[k:]) * math.log(2)
        assert math.isclose(covered, direct - (blm.log_cover_sum(text[:k]) - blm.log_cover_sum(b"")), abs_tol=1e-9)
