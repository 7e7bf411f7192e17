"""The cover method's known gap, reduced to a toy: a double space under the lookahead split, and a context that
starts inside a character.

Found on a FLORES rus_Cyrl cut under SmolLM2 ('…Джагр  и…', the context starting with byte A0): the cover sum found
no spelling that the per-byte chain found. Two root causes, both checked here against brute-force enumeration:
- raw bytes starting inside a character were BPE-merged as ONE piece, ignoring the pretokenizer, so the two
  spaces merged into 'ĠĠ' where the tokenizer splits them (`backends/rawbytes.py` now splits the valid runs);
- after a run of two spaces, a position that no token spans was taken as a hard boundary, but `\\s+(?!\\S)` hands
  the run's last space to the next pretoken, so the run's own tokens depend on what follows.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.decode_bytes.toys import brute_next_byte, double_space_toy, sentencepiece_toy
from tokensmith.decode.bytelevel import ByteLM, score_bytes
from tokensmith.decode.covers import Canonicalizer
from tokensmith.tokenlm import TableLM

A, B, SP, COPY, SP2, SPA, AB = 1, 2, 3, 4, 5, 6, 7  # ids in `double_space_toy`
PREFIXES = [b"a  ", b"  ", b"a  a", b"\xa9a", b"\xa9a  ", b"\xa9a  a", b"\xa9a  a "]


@pytest.fixture(scope="module")
def canon():
    return Canonicalizer(double_space_toy())


def _lm(canon: Canonicalizer) -> TableLM:
    return TableLM(vocab_size=canon.vocab_size, eos_id=0, max_len=8, seed=1)


def test_the_two_spaces_split_before_a_word_and_merge_at_the_end(canon):
    assert canon.encode_bytes(b"a  ab") == (A, SP, SP, AB)
    assert canon.encode_bytes(b"a  ") == (A, SP2)
    # A context cut inside a character: the stray byte joins the first pretoken; the spaces still split.
    assert canon.encode_bytes(b"\xa9a  ab") == (COPY, A, SP, SP, AB)


def test_no_hard_boundary_right_after_a_space_run(canon):
    assert canon.is_hard(b"a b", 2)  # one space: ' b' is no token, so nothing re-splits
    assert not canon.is_hard(b"a  b", 3)  # two spaces: 'a  ' alone would be 'a', 'ĠĠ'
    after = canon.next_mask((SP2,))
    assert not after[B] and (after == canon.next_mask((SP2,), shortcut=False)).all()


@pytest.mark.parametrize("prefix", PREFIXES)
def test_next_byte_matches_brute_force(canon, prefix):
    lm = _lm(canon)
    fast = ByteLM(lm, canon).next_byte(prefix)
    probs, end = brute_next_byte(lm, canon, prefix)
    assert np.allclose(fast.probs, probs, rtol=0, atol=1e-9)
    assert math.isclose(fast.end, end, abs_tol=1e-9)


@pytest.mark.parametrize("k", range(1, 9))
def test_cover_ratio_equals_the_chain_with_no_fallback(canon, k):
    blm = ByteLM(_lm(canon), canon)
    text = b"\xa9a  a a"
    chain = score_bytes(blm, None, text[:k], text[k:], method="chain")
    cover = score_bytes(blm, None, text[:k], text[k:], method="cover")
    assert math.isfinite(chain) and math.isclose(cover, chain, rel_tol=0, abs_tol=1e-9)
    assert blm.cover_fallbacks == 0


@pytest.mark.shared
def test_tiktoken_raw_bytes_keep_tiktokens_tail_rule_and_split_after_a_cut_head():
    """On a ragged tail `encode_raw_bytes` is tiktoken's own `_encode_bytes`; after a ragged head it still splits
    the spaces (tiktoken would merge everything after the stray byte as one piece)."""
    from tests.conftest import shared_path
    from tokensmith import load

    backend = load(shared_path("tokenizers", "tiktoken", "gpt2.tiktoken")).backend
    for data in (b"Hello wor\xc3", b"Hi,  w\xc3\xa9\xe2\x82", b"\xc3"):
        assert backend.encode_raw_bytes(data) == backend.enc._encode_bytes(data)
    head = b"\xa0a\n\nb"  # the pattern splits '\n', '\n' (198, 198); one merged piece gives '\n\n' (628)
    assert backend.encode_raw_bytes(head) == backend.encode_raw_bytes(b"\xa0a") + [198, 198, 65]
    assert backend.enc._encode_bytes(head)[-2:] == [628, 65]


@pytest.fixture(scope="module")
def sp_canon():
    return Canonicalizer(sentencepiece_toy(ascii_bytes=True))


def test_byte_fallback_spells_a_cut_word_byte_by_byte_up_to_the_next_space(sp_canon):
    # ' \xa9ab ab' (the dummy space first): '▁', then <0xA9> <0x61> <0x62> for the cut word, then '▁ab' afresh.
    assert sp_canon.encode_bytes(b" \xa9ab ab") == (4, 3, 13, 14, 9)
    assert sp_canon.encode_bytes(b" \xa9ab ab") == sp_canon.encode_bytes(b" \xa9ab") + sp_canon.encode_bytes(b" ab")


@pytest.mark.parametrize("prefix", [b"\xa9", b"\xa9a", b"\xa9ab", b"\xa9ab ", b"\xa9ab a"])
def test_byte_fallback_next_byte_after_a_cut_matches_brute_force(sp_canon, prefix):
    lm = TableLM(vocab_size=sp_canon.vocab_size, eos_id=0, max_len=5, seed=2)
    blm = ByteLM(lm, sp_canon)
    fast = blm.next_byte(prefix)
    probs, end = brute_next_byte(lm, sp_canon, blm.internal(prefix))
    assert np.allclose(fast.probs, probs, rtol=0, atol=1e-9) and math.isclose(fast.end, end, abs_tol=1e-9)


@pytest.mark.parametrize("k", range(1, 7))
def test_byte_fallback_cover_ratio_equals_the_chain_after_a_cut(sp_canon, k):
    blm = ByteLM(TableLM(vocab_size=sp_canon.vocab_size, eos_id=0, max_len=8, seed=2), sp_canon)
    text = b"\xa9ab ab"
    chain = score_bytes(blm, None, text[:k], text[k:], method="chain")
    cover = score_bytes(blm, None, text[:k], text[k:], method="cover")
    assert math.isfinite(chain) and math.isclose(cover, chain, rel_tol=0, abs_tol=1e-9)
    assert blm.cover_fallbacks == 0
