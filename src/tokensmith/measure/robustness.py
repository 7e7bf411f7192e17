"""Robustness to character noise: how much a tokenizer's id sequence changes when the text gets typos.

For each sentence, the clean text and its noised copy (`tokensmith.corpora.noise`, seeded) are encoded, and
- noise_edit_distance = Σ lev(ids_clean, ids_noisy) / Σ max(|ids_clean|, |ids_noisy|): the normalized Levenshtein
  distance (Levenshtein 1966; normalized by the longer sequence, so it lies in [0, 1]) between id sequences;
- noise_length_growth = Σ |ids_noisy| / Σ |ids_clean| − 1: the relative growth of the sequence.
Both are ratios of per-sentence sums and get the usual sentence bootstrap. The row's `param` is the noise rate.
The distance kernel is numba (two-row dynamic programming, threads across sentences); `levenshtein_naive` is the
plain-Python reference.
"""

from __future__ import annotations

import functools
import time

import numpy as np

from tokensmith.corpora.noise import noisy_texts
from tokensmith.measure.bootstrap import SumRatio
from tokensmith.measure.corpus_rows import lang_row, per_language
from tokensmith.measure.encoded import EncodedCorpus, Timer, encode_corpus
from tokensmith.measure.results import Row
from tokensmith.measure.textindex import TextIndex, build_text_index
from tokensmith.tokenizer import Tokenizer


def noisy_index(index: TextIndex, *, rate: float, seed: int = 0) -> TextIndex:
    """The same corpus with seeded character noise at `rate`, language by language.

    Args:
        index: the clean corpus.
        rate: share of characters changed.
        seed: the noise seed.

    Example:
        >>> clean = build_text_index({"eng_Latn": ["hello world"]})
        >>> noisy_index(clean, rate=0.0).texts, noisy_index(clean, rate=0.5).texts == noisy_index(clean, rate=0.5).texts
        (['hello world'], True)
    """
    return build_text_index(
        {lang: noisy_texts(index.texts[index.lang_slice(lang)], rate=rate, seed=seed) for lang in index.langs}
    )


def levenshtein_naive(a: list[int], b: list[int]) -> int:
    """Edit distance (insert, delete, substitute; cost 1 each) between two sequences.

    Args:
        a: the first sequence.
        b: the second sequence.

    Example:
        >>> levenshtein_naive([1, 2, 3], [1, 3, 4])
        2
    """
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


@functools.cache
def _kernel():  # -> numba dispatcher, compiled on first use
    import numba

    @numba.njit(parallel=True, nogil=True)  # no on-disk cache: closures cache badly
    def lev_batch(a, a_first, b, b_first):  # pragma: no cover - compiled
        n = a_first.shape[0] - 1
        out = np.zeros(n, np.int64)
        for s in numba.prange(n):
            x, y = a[a_first[s] : a_first[s + 1]], b[b_first[s] : b_first[s + 1]]
            prev = np.arange(y.shape[0] + 1)
            cur = np.empty_like(prev)
            for i in range(x.shape[0]):
                cur[0] = i + 1
                for j in range(y.shape[0]):
                    cost = prev[j] + (1 if x[i] != y[j] else 0)
                    cur[j + 1] = min(prev[j + 1] + 1, cur[j] + 1, cost)
                prev, cur = cur, prev
            out[s] = prev[y.shape[0]]
        return out

    return lev_batch


def levenshtein_batch(a: np.ndarray, a_first: np.ndarray, b: np.ndarray, b_first: np.ndarray) -> np.ndarray:
    """(S,) edit distance between sentence s of `a` and of `b` (flat ids with (S+1,) start indices).

    Args:
        a: flat ids of the first corpus.
        a_first: (S+1,) where each sentence starts in `a`.
        b: flat ids of the second corpus.
        b_first: (S+1,) where each sentence starts in `b`.

    Example:
        >>> levenshtein_batch(np.array([1, 2, 3, 7]), np.array([0, 3, 4]), np.array([1, 3, 4]), np.array([0, 3, 3])).tolist()
        [2, 1]
    """
    as_i64 = [np.ascontiguousarray(x, dtype=np.int64) for x in (a, a_first, b, b_first)]
    return _kernel()(*as_i64)


def noise_ratios(*, distance: np.ndarray, clean_len: np.ndarray, noisy_len: np.ndarray) -> dict[str, SumRatio]:
    """Per-sentence sums behind the two noise metrics.

    Args:
        distance: (S,) edit distance between each sentence's clean and noisy ids.
        clean_len: (S,) tokens of each clean sentence.
        noisy_len: (S,) tokens of each noisy sentence.

    Example:
        >>> r = noise_ratios(distance=np.array([1, 0]), clean_len=np.array([4, 2]), noisy_len=np.array([5, 2]))
        >>> r["noise_edit_distance"].value(), r["noise_length_growth"].value()  # 1 / (5 + 2); 7 / 6 − 1
        (0.14285714285714285, 0.16666666666666666)
    """
    longer = np.maximum(clean_len, noisy_len)
    return {"noise_edit_distance": SumRatio(distance, longer),
            "noise_length_growth": SumRatio(noisy_len - clean_len, clean_len)}  # fmt: skip


def noise_rows(
    tok: Tokenizer, name: str, corpus: str, index: TextIndex, enc: EncodedCorpus, noisy: TextIndex, *,
    rate: float, resamples: int, seed: int, timer: Timer,
) -> list[Row]:  # fmt: skip
    """Noise rows (param = rate) per language, from the clean encoding and one batch encoding of the noisy copy.

    Args:
        tok: the tokenizer.
        name: its name in the results.
        corpus: the corpus name.
        index: the clean corpus.
        enc: its encoding by `tok`.
        noisy: the noisy copy (`noisy_index`).
        rate: the noise rate (the rows' param).
        resamples: bootstrap resamples.
        seed: the seed.
        timer: receives 'encode', 'convert' and 'metrics' seconds.

    Example:
        >>> require_model("gpt2")
        >>> import tokensmith
        >>> from tokensmith.measure.encoded import Timer, encode_corpus
        >>> tok, clean = tokensmith.load("gpt2"), build_text_index({"eng_Latn": ["hello world"]})
        >>> rows = noise_rows(tok, "gpt2", "toy", clean, encode_corpus(tok, clean), noisy_index(clean, rate=0.0),
        ...                   rate=0.0, resamples=0, seed=0, timer=Timer())
        >>> sorted((r.metric, r.value) for r in rows if r.lang == "eng_Latn")  # no noise: nothing changes
        [('noise_edit_distance', 0.0), ('noise_length_growth', 0.0)]
    """
    enc_noisy = encode_corpus(tok, noisy, timer=timer)
    started = time.perf_counter()
    failed = {**enc.failed, **enc_noisy.failed}
    langs = [lang for lang in index.langs if lang not in failed]
    distance = levenshtein_batch(enc.ids, enc.first, enc_noisy.ids, enc_noisy.first)
    ratios = noise_ratios(distance=distance, clean_len=enc.n_tokens, noisy_len=enc_noisy.n_tokens)
    est = per_language(ratios, index, langs, resamples=resamples, seed=seed)
    rows = [lang_row(name, corpus, lang, metric, e, i, index, param=rate)
            for metric, (e, ls) in est.items() for i, lang in enumerate(ls)]  # fmt: skip
    for lang, err in failed.items():
        rows += [Row.failed(tokenizer=name, corpus=corpus, lang=lang, metric=m, error=err, param=rate) for m in ratios]
    timer.add("metrics", started)
    return rows
