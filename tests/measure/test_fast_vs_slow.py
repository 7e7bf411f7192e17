"""Each fast path (numpy / numba) against its slow pure-Python reference."""

from __future__ import annotations

import numpy as np
import pytest

from tests.conftest import shared_path
from tokensmith.measure.bootstrap import multiplicity_matrix
from tokensmith.measure.distribution import boot_moments, boot_moments_naive
from tokensmith.measure.fertility import word_token_counts, word_token_counts_naive
from tokensmith.measure.parity import gini, gini_naive
from tokensmith.measure.robustness import levenshtein_batch, levenshtein_naive


def test_word_token_counts_match_pairwise_check():
    rng = np.random.default_rng(0)
    cuts = np.unique(rng.integers(1, 200, 60))
    tokens = list(zip([0, *cuts.tolist()], [*cuts.tolist(), 200]))
    starts = np.sort(rng.choice(200, 30, replace=False))
    words = [(int(s), int(min(s + rng.integers(1, 9), 200))) for s in starts]
    fast = word_token_counts(np.array([w[0] for w in words]), np.array([w[1] for w in words]),
                             np.array([t[0] for t in tokens]), np.array([t[1] for t in tokens]))
    assert fast.tolist() == word_token_counts_naive(words, tokens)


def test_bootstrap_moments_match_rebuilt_resamples():
    rng = np.random.default_rng(1)
    lengths = rng.integers(0, 12, 25)
    first = np.concatenate([[0], np.cumsum(lengths)])
    ids = rng.integers(0, 40, int(first[-1]))
    mult = multiplicity_matrix(25, resamples=30, seed=4)
    assert np.allclose(boot_moments(ids, first, mult, [2.5, 0.5]), boot_moments_naive(ids, first, mult, [2.5, 0.5]))


def test_levenshtein_kernel_matches_reference():
    rng = np.random.default_rng(2)
    a = [rng.integers(0, 5, rng.integers(0, 15)).tolist() for _ in range(40)]
    b = [rng.integers(0, 5, rng.integers(0, 15)).tolist() for _ in range(40)]
    flat = lambda seqs: (np.array([x for s in seqs for x in s]), np.cumsum([0] + [len(s) for s in seqs]))  # noqa: E731
    fast = levenshtein_batch(*flat(a), *flat(b))
    assert fast.tolist() == [levenshtein_naive(x, y) for x, y in zip(a, b)]


def test_gini_matches_double_loop():
    x = np.random.default_rng(3).random(17) + 0.1
    assert float(gini(x)) == pytest.approx(gini_naive(x.tolist()))


@pytest.mark.parametrize("rel", ["tiktoken/gpt2.tiktoken", "sentencepiece/mistral-v3.model",
                                 "hf/bert-base-uncased/tokenizer.json", "hf/llama2/tokenizer.json"])
def test_token_spans_match_encode_with_offsets(rel):
    import tokensmith
    from tokensmith.measure.encoded import encode_corpus, token_spans
    from tokensmith.measure.textindex import build_text_index

    tok = tokensmith.load(shared_path("tokenizers", *rel.split("/")))
    texts = {lang: shared_path("parallel", "flores200", f"{lang}.txt").read_text().splitlines()[:15]
             for lang in ("eng_Latn", "deu_Latn", "zho_Hans", "acm_Arab")}  # acm_Arab: lines with leading spaces
    index = build_text_index(texts)
    enc = encode_corpus(tok, index)
    start, end = token_spans(tok, index, enc)
    for s, text in enumerate(index.texts):
        lo, hi = enc.first[s], enc.first[s + 1]
        base = index.byte_base[s]
        expected = tok.encode_with_offsets(text).offsets
        assert list(zip((start[lo:hi] - base).tolist(), (end[lo:hi] - base).tolist())) == expected


@pytest.mark.parametrize("rel", ["tiktoken/gpt2.tiktoken", "sentencepiece/mistral-v3.model"])
def test_compiled_token_spans_match_the_numpy_formulation(rel):
    import tokensmith
    from tokensmith.measure.encoded import encode_corpus, token_spans, token_spans_numpy
    from tokensmith.measure.textindex import build_text_index

    tok = tokensmith.load(shared_path("tokenizers", *rel.split("/")))
    rng = np.random.default_rng(5)
    alphabet = list("ab cdé  ñ日本語\tx🙂.,")
    texts = {"und": ["".join(rng.choice(alphabet, rng.integers(0, 30))) for _ in range(200)]}
    index = build_text_index(texts)
    enc = encode_corpus(tok, index)
    fast, slow = token_spans(tok, index, enc), token_spans_numpy(tok, index, enc)
    assert fast[0].tolist() == slow[0].tolist() and fast[1].tolist() == slow[1].tolist()
    assert len(enc.ids) > 1000
