"""Lines of everyday words drawn from the `wordfreq` package's frequency lists, per language.

They give fertility and compression figures on common vocabulary in some 40 languages without any downloaded
corpus (see `corpora.builtin`). The lines are bags of words drawn by frequency, not sentences and not translations
of each other: a `ParallelCorpus` of them is "parallel" only in shape, so parity metrics on it mean nothing and the
demo drops them.

Not handled: wordfreq's "large" lists (they are an optional download); words with digits are left out, because
wordfreq folds every digit to '0' ('2024' → '0000').
"""

from __future__ import annotations

from collections.abc import Callable

from tokensmith.corpora.aligned import ParallelCorpus, sample_langs
from tokensmith.errors import TokensmithError

_SPACELESS = ("zh", "ja")  # words are joined without spaces in these languages


def wordfreq_lines(lang: str, *, lines: int, seed: int, top: int = 5000, words_per_line: int = 12) -> list[str]:
    """Lines of words drawn from `lang`'s top `top` wordfreq words, weighted by frequency (seeded).

    Args:
        lang: a wordfreq language code ('de').
        lines: how many lines.
        seed: seed of the draw.
        top: the size of the word list drawn from.
        words_per_line: words per line (joined by spaces, or by nothing for zh/ja).

    Example:
        >>> [len(line.split(" ")) for line in wordfreq_lines("de", lines=3, seed=0, words_per_line=5)]
        [5, 5, 5]
    """
    import numpy as np
    import wordfreq

    freqs = wordfreq.get_frequency_dict(lang, wordlist="small")
    words = sorted((w for w in freqs if not any(c.isdigit() for c in w)), key=lambda w: (-freqs[w], w))[:top]
    weights = np.array([freqs[w] for w in words], dtype=np.float64)
    draw = np.random.default_rng(seed).choice(len(words), size=(lines, words_per_line), p=weights / weights.sum())
    sep = "" if lang in _SPACELESS else " "
    return [sep.join(words[i] for i in row) for row in draw]


def _wordfreq_codes(note: Callable[[str], None]) -> dict[str, str]:
    """Normalized code ('deu_Latn') → wordfreq code ('de'), for every wordfreq language with a known code."""
    import wordfreq

    from tokensmith.corpora.langs import normalize_lang

    codes: dict[str, str] = {}
    for code in sorted(wordfreq.available_languages(wordlist="small")):
        try:
            codes[normalize_lang(code)] = code
        except TokensmithError:
            note(f"wordfreq: skipping '{code}' (no ISO 639-3 code known for it)")
    return codes


def wordfreq_corpus(
    *, max_langs: int | None, lines: int, seed: int, note: Callable[[str], None] | None = None
) -> tuple[list[str], ParallelCorpus]:
    """Training lines and a separate evaluation corpus ('wordfreq') of word lines for each chosen language.

    Language k draws its training lines with seed `seed*1000 + 2k` and its evaluation lines with `seed*1000 + 2k + 1`,
    so the two never share a draw.

    Args:
        max_langs: cap on languages, a seeded sample that keeps English (None: every wordfreq language).
        lines: lines drawn per language, for training and again for evaluation.
        seed: seed of the language sample and of the draws.
        note: told about wordfreq languages that are skipped (no known code).

    Example:
        >>> train, corpus = wordfreq_corpus(max_langs=2, lines=3, seed=0)
        >>> len(train), corpus.name, "eng_Latn" in corpus.langs, len(corpus)
        (6, 'wordfreq', True, 3)
    """
    codes = _wordfreq_codes(note or (lambda _: None))
    train: list[str] = []
    texts: dict[str, list[str]] = {}
    for k, lang in enumerate(sample_langs(sorted(codes), max_langs, seed=seed)):
        train += wordfreq_lines(codes[lang], lines=lines, seed=seed * 1000 + 2 * k)
        texts[lang] = wordfreq_lines(codes[lang], lines=lines, seed=seed * 1000 + 2 * k + 1)
    return train, ParallelCorpus(name="wordfreq", texts=texts)
