"""Rows for one tokenizer on one (parallel) corpus: compression, fertility, vocabulary, parity and Rényi metrics.

The corpus is encoded once (encoded.py); every metric is then computed from flat numpy arrays. Ratio metrics of all
languages with the same sentence count are bootstrapped together in one matrix product (bootstrap.py); the
distributional metrics (Rényi, Shannon, utilization) use the numba kernel of distribution.py per language.
Languages the tokenizer failed on become error rows. This file does not read files or load tokenizers.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

import tokensmith.measure.compression as compression
import tokensmith.measure.distribution as distribution
import tokensmith.measure.fertility as fertility
import tokensmith.measure.parity as parity
import tokensmith.measure.renyi as renyi
import tokensmith.measure.vocab as vocab
from tokensmith.measure.bootstrap import (
    MATRIX_LIMIT,
    Estimate,
    SumRatio,
    multiplicity_chunks,
    multiplicity_matrix,
    percentile_ci,
    ratio_of_sums,
)
from tokensmith.measure.encoded import EncodedCorpus, Timer, encode_corpus, token_spans
from tokensmith.measure.results import Row
from tokensmith.measure.textindex import TextIndex
from tokensmith.tokenizer import Tokenizer


MomentsFn = Callable[[np.ndarray], np.ndarray]  # count-vector moments (..., 3 + A) → metric values (...)


@dataclass(frozen=True)
class CorpusSettings:
    """What `corpus_rows` needs besides the data. See `EvalConfig` for the meaning of each field."""

    alphas: tuple[float, ...]
    resamples: int
    dist_resamples: int
    seed: int
    reference: str
    spaceless: frozenset[str]
    parity: bool = True  # False on monolingual corpora: their sentences are not aligned across languages


def corpus_rows(
    tok: Tokenizer, name: str, corpus: str, index: TextIndex, settings: CorpusSettings, *, timer: Timer,
    encoder: Callable[..., EncodedCorpus] | None = None,
) -> tuple[list[Row], EncodedCorpus]:
    """All parallel-corpus rows of one tokenizer, and the encoded corpus (reused by the noise metrics).

    Args:
        tok: the tokenizer.
        name: its name in the results.
        corpus: the corpus name.
        index: the corpus's `TextIndex`.
        settings: bootstrap and metric settings.
        timer: receives 'encode', 'convert' and 'metrics' seconds.
        encoder: replaces `encode_corpus` (same call, same result), e.g. a sharded encoder on a Ray cluster.

    Example:
        >>> require_model("gpt2")
        >>> import tokensmith
        >>> from tokensmith.measure.textindex import build_text_index
        >>> settings = CorpusSettings(alphas=(2.5,), resamples=10, dist_resamples=10, seed=0, reference="eng_Latn",
        ...                           spaceless=frozenset())
        >>> rows, enc = corpus_rows(tokensmith.load("gpt2"), "gpt2", "toy", build_text_index({"eng_Latn": ["Hi there"]}),
        ...                         settings, timer=Timer())
        >>> [r.value for r in rows if r.metric == "bytes_per_token"]
        [4.0]
    """
    enc = (encoder or encode_corpus)(tok, index, timer=timer)
    started = time.perf_counter()
    ok = [lang for lang in index.langs if lang not in enc.failed]
    ratios = _ratios(tok, index, enc, settings)
    est = per_language(ratios, index, ok, resamples=settings.resamples, seed=settings.seed)
    rows = [lang_row(name, corpus, lang, metric, e, i, index) for metric, (e, langs) in est.items() for i, lang in
            enumerate(langs) if not (metric == "continued_words" and lang in settings.spaceless)]  # fmt: skip
    rows += _parity_rows(name, corpus, index, enc, ok, settings) if settings.parity else []
    rows += _distribution_rows(tok, name, corpus, index, enc, ok, settings)
    metrics = _LANG_METRICS if settings.parity else tuple(m for m in _LANG_METRICS if not m.startswith("parity_"))
    for lang, err in enc.failed.items():
        rows += [Row.failed(tokenizer=name, corpus=corpus, lang=lang, metric=m, error=err) for m in metrics]
    timer.add("metrics", started)
    return rows, enc


_LANG_METRICS = ("bytes_per_token", "chars_per_token", "tokens_per_kb", "fertility", "continued_words",
                 "unk_rate", "byte_fallback_rate", "parity_premium", "renyi_efficiency", "shannon_efficiency",
                 "vocab_utilization")  # fmt: skip


def _ratios(tok: Tokenizer, index: TextIndex, enc: EncodedCorpus, settings: CorpusSettings) -> dict[str, SumRatio]:
    n_tokens = enc.n_tokens
    start, end = token_spans(tok, index, enc)
    counts = fertility.word_token_counts(index.word_start, index.word_end, start, end)
    spaceless = np.isin(np.array(index.langs), list(settings.spaceless))[index.sentence_lang()]
    return {
        **compression.compression_ratios(n_tokens=n_tokens, n_bytes=index.n_bytes, n_chars=index.n_chars),
        **fertility.fertility_ratios(word_counts=counts, word_sent=index.word_sent, n_tokens=n_tokens,
                                     n_chars=index.n_chars, spaceless=spaceless),
        **vocab.id_rate_ratios(ids=enc.ids, token_sentence=enc.token_sentence(), n_tokens=n_tokens,
                               unk_id=tok.unk_id, byte_fallback_ids=tok.byte_fallback_ids,
                               vocab_size=tok.vocab_size),
    }  # fmt: skip


def per_language(
    ratios: dict[str, SumRatio], index: TextIndex, langs: Sequence[str], *, resamples: int, seed: int
) -> dict[str, tuple[Estimate, list[str]]]:
    """Every ratio metric for every language: languages with equal sentence counts share one bootstrap call.

    Args:
        ratios: metric → its per-sentence sums.
        index: the corpus (languages and their sentence ranges).
        langs: the languages to estimate.
        resamples: bootstrap resamples.
        seed: the seed.

    Returns:
        metric → (estimates over the languages, the languages in that order).

    Example:
        >>> from tokensmith.measure.textindex import build_text_index
        >>> index = build_text_index({"a": ["x", "y"], "b": ["z", "w"]})
        >>> ratio = SumRatio(np.array([1.0, 3.0, 2.0, 2.0]), np.array([1.0, 1.0, 1.0, 1.0]))
        >>> estimates, langs = per_language({"m": ratio}, index, ["a", "b"], resamples=0, seed=0)["m"]
        >>> estimates.value.tolist(), langs
        ([2.0, 2.0], ['a', 'b'])
    """
    groups: dict[int, list[str]] = {}
    for lang in langs:
        sl = index.lang_slice(lang)
        groups.setdefault(sl.stop - sl.start, []).append(lang)
    parts: dict[str, list[tuple[Estimate, list[str]]]] = {m: [] for m in ratios}
    for group in groups.values():
        slices = [index.lang_slice(lang) for lang in group]
        # columns: metric-major, language-minor → (n, K*L); the scale is folded into the numerator
        num = np.stack([r.scale * r.num[sl] for r in ratios.values() for sl in slices], axis=1)
        den = np.stack([r.den[sl] for r in ratios.values() for sl in slices], axis=1)
        est = ratio_of_sums(num, den, resamples=resamples, seed=seed)
        for k, metric in enumerate(ratios):
            cols = slice(k * len(group), (k + 1) * len(group))
            parts[metric].append((Estimate(est.value[cols], est.low[cols], est.high[cols]), group))
    return {m: _concat(p) for m, p in parts.items()}


def _concat(parts: list[tuple[Estimate, list[str]]]) -> tuple[Estimate, list[str]]:
    if not parts:
        empty = np.zeros(0)
        return Estimate(empty, empty, empty), []
    fields = [np.concatenate([getattr(e, f) for e, _ in parts]) for f in ("value", "low", "high")]
    return Estimate(*fields), [lang for _, group in parts for lang in group]


def lang_row(
    name: str, corpus: str, lang: str, metric: str, e: Estimate, i: int, index: TextIndex,
    *, param: float | None = None, n: int | None = None,
) -> Row:  # fmt: skip
    """Row `i` of a per-language estimate (an error row when the value is not finite).

    Args:
        name: the tokenizer's name.
        corpus: the corpus name.
        lang: the language of the row ('*' for the whole corpus).
        metric: the metric name.
        e: the estimates over languages.
        i: which entry of `e`.
        index: the corpus (gives `n`, the sentences of `lang`, unless `n` is given).
        param: the metric's parameter (α, a noise rate), or None.
        n: units behind the value, when they are not the language's sentences.

    Example:
        >>> from tokensmith.measure.bootstrap import Estimate
        >>> from tokensmith.measure.textindex import build_text_index
        >>> e = Estimate(np.array([2.0, np.nan]), np.array([1.5, np.nan]), np.array([2.5, np.nan]))
        >>> index = build_text_index({"eng_Latn": ["a", "b"]})
        >>> lang_row("t", "c", "eng_Latn", "bytes_per_token", e, 0, index).n
        2
        >>> lang_row("t", "c", "eng_Latn", "bytes_per_token", e, 1, index).error
        'undefined: the denominator is 0 on this corpus'
    """
    sl = index.lang_slice(lang) if lang in index.langs else slice(0, len(index.texts))
    value = float(e.value[i])
    if not np.isfinite(value):
        return Row.failed(tokenizer=name, corpus=corpus, lang=lang, metric=metric, param=param,
                          error="undefined: the denominator is 0 on this corpus")  # fmt: skip
    return Row(name, corpus, lang, metric, param, value, _num(e.low[i]), _num(e.high[i]),
               n if n is not None else sl.stop - sl.start)  # fmt: skip


def _num(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _parity_rows(
    name: str, corpus: str, index: TextIndex, enc: EncodedCorpus, langs: list[str], settings: CorpusSettings
) -> list[Row]:
    """Premiums relative to the reference language, only on aligned corpora that contain it."""
    sizes = {index.lang_slice(lang).stop - index.lang_slice(lang).start for lang in langs}
    if settings.reference not in langs or len(sizes) != 1:
        return []
    tokens = np.stack([enc.n_tokens[index.lang_slice(lang)] for lang in langs], axis=1)  # (n, L)
    p = parity.parity(tokens, ref=langs.index(settings.reference), resamples=settings.resamples, seed=settings.seed)
    rows = [lang_row(name, corpus, lang, "parity_premium", p.premium, i, index) for i, lang in enumerate(langs)]
    n = sizes.pop()
    rows.append(lang_row(name, corpus, "*", "parity_max_premium", p.max_premium, 0, index, n=n))
    rows.append(lang_row(name, corpus, "*", "parity_gini", p.gini, 0, index, n=n))
    return rows


def _distribution_rows(
    tok: Tokenizer, name: str, corpus: str, index: TextIndex, enc: EncodedCorpus, langs: list[str],
    settings: CorpusSettings,
) -> list[Row]:  # fmt: skip
    """Rényi (each α), Shannon efficiency and utilization per language, from count-vector moments."""
    rows: list[Row] = []
    v = tok.vocab_size

    def moments(lang: str) -> tuple[np.ndarray, np.ndarray | None]:
        sl = index.lang_slice(lang)
        first = enc.first[sl.start : sl.stop + 1]
        ids = enc.ids[first[0] : first[-1]]
        point = distribution.moments(ids, settings.alphas)[None, :]  # (1, 3+A)
        return point, _boot(ids, first - first[0], settings)  # (B, 3+A) or None

    # languages on every usable core: the compiled kernel releases the GIL
    workers = min(len(os.sched_getaffinity(0)), len(langs))
    with ThreadPoolExecutor(max_workers=max(workers, 1)) as pool:
        computed = list(pool.map(moments, langs))  # in the languages' order
    for lang, (point, boot) in zip(langs, computed, strict=True):
        metrics = [(m, None, f) for m, f in (
            ("shannon_efficiency", lambda m: renyi.shannon_from_moments(m, vocab_size=v)),
            ("vocab_utilization", lambda m: vocab.utilization_from_moments(m, vocab_size=v)))]  # fmt: skip
        metrics += [("renyi_efficiency", a, _renyi_fn(a, j, v)) for j, a in enumerate(settings.alphas)]
        for metric, param, fn in metrics:
            e = _estimate(fn, point, boot)
            rows.append(lang_row(name, corpus, lang, metric, e, 0, index, param=param))
    return rows


def _renyi_fn(alpha: float, column: int, vocab_size: int) -> MomentsFn:
    return lambda m: renyi.renyi_from_moments(m, alpha=alpha, column=column, vocab_size=vocab_size)


def _boot(ids: np.ndarray, first: np.ndarray, settings: CorpusSettings) -> np.ndarray | None:
    n = len(first) - 1
    resamples = min(settings.resamples, settings.dist_resamples)
    if resamples <= 0 or n == 0 or len(ids) == 0:
        return None
    if resamples * n <= MATRIX_LIMIT:  # the cached matrix, shared by all languages and tokenizers
        mults = multiplicity_matrix(n, resamples=resamples, seed=settings.seed)
        return distribution.boot_moments(ids, first, mults, settings.alphas)
    chunks = multiplicity_chunks(n, resamples=resamples, seed=settings.seed)
    return distribution.boot_moments(ids, first, chunks, settings.alphas)


def _estimate(fn: MomentsFn, point: np.ndarray, boot: np.ndarray | None) -> Estimate:
    value = fn(point)
    if boot is None:
        nan = np.full(1, np.nan)
        return Estimate(value, nan, nan)
    samples = fn(boot)
    # Type counts are biased under resampling with replacement (a duplicated sentence adds no new ids), so the
    # percentile interval is shifted by the bootstrap bias estimate mean(θ*) − θ̂ (Efron & Tibshirani §10.3).
    bias = np.nanmean(samples) - value
    lo, hi = percentile_ci(samples)
    return Estimate(value, np.atleast_1d(lo - bias), np.atleast_1d(hi - bias))
