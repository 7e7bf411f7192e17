"""Morphological boundary precision, recall and F1 against SIGMORPHON 2022 word-level gold segmentations.

Gold: Batsuren et al. (2022), *The SIGMORPHON 2022 Shared Task on Morpheme Segmentation*, §2 (word-level part).
Files `<lang>.word.<split>.tsv` hold `word<TAB>morphs joined by ' @@'<TAB>category`. The gold is *canonical*
segmentation (`nominated → nominate @@ed`), so only words whose morphs concatenate exactly to the surface form have
surface boundaries; we score only those and report their share as `morph_coverage`.

Metric: boundary detection as in Creutz & Lagus (2007) / Morpho Challenge, micro-averaged over words:
    P = Σ |pred ∩ gold| / Σ |pred|,  R = Σ |pred ∩ gold| / Σ |gold|,  F1 = 2 Σ|pred ∩ gold| / (Σ|pred| + Σ|gold|)
where pred and gold are the byte positions strictly inside the word where a token / a morph ends (boundaries.py).
`morph_clean_share` is the share of words whose token boundaries all fall on morph boundaries (pred ⊆ gold).
Each word is tokenized standalone. CIs resample words. Not handled: aligning canonical morphs to the surface.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tokensmith.errors import CorpusError
from tokensmith.measure.bootstrap import DEFAULT_RESAMPLES, SumRatio, ratio_of_sums
from tokensmith.measure.boundaries import boundary_keys, per_word, tokenize_words
from tokensmith.measure.results import Row
from tokensmith.tokenizer import Tokenizer

CORPUS = "sigmorphon2022"


@dataclass(frozen=True)
class MorphGold:
    """Surface-true gold words of one language: the words and their boundary byte positions."""

    words: list[str]
    boundaries: list[list[int]]  # per word: byte offsets strictly inside the word where a morph ends
    total: int  # all words in the file(s), surface-true or not

    @property
    def coverage(self) -> float:
        """Share of the file's words whose morphs concatenate to the surface form."""
        return len(self.words) / self.total if self.total else 0.0


def parse_gold_line(line: str) -> tuple[str, list[int]] | None:
    """(word, boundaries) when the morphs concatenate to the word, else None.

    Args:
        line: 'word<TAB>morphs separated by " @@"<TAB>category'.

    Example:
        >>> parse_gold_line("absolvent\\tab @@solv @@ent\\t100")
        ('absolvent', [2, 6])
        >>> parse_gold_line("nominated\\tnominate @@ed\\t010") is None  # canonical 'nominate' + 'ed' ≠ surface
        True
    """
    parts = line.rstrip("\n").split("\t")
    if len(parts) < 2 or not parts[0]:
        return None
    word, morphs = parts[0], [m.strip() for m in parts[1].split(" @@")]
    if "".join(morphs) != word:
        return None
    ends = np.cumsum([len(m.encode("utf-8")) for m in morphs])[:-1]
    return word, [int(e) for e in ends if e > 0]


def read_gold_file(path: Path) -> MorphGold:
    """Read one word-level TSV file.

    Args:
        path: a SIGMORPHON 2022 `<lang>.word.<split>.tsv` file.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "ces.word.dev.tsv"
        >>> _ = path.write_text("absolvent\\tab @@solv @@ent\\t100\\nnominated\\tnominate @@ed\\t010\\n")
        >>> gold = read_gold_file(path)
        >>> gold.words, gold.boundaries, gold.total
        (['absolvent'], [[2, 6]], 2)
    """
    words, bounds, total = [], [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        total += 1
        parsed = parse_gold_line(line)
        if parsed is not None:
            words.append(parsed[0])
            bounds.append(parsed[1])
    return MorphGold(words, bounds, total)


def load_morph_gold(directory: str | os.PathLike[str]) -> dict[str, MorphGold]:
    """Gold for every language in a SIGMORPHON 2022 data directory: the dev split, or train when there is no dev.

    Args:
        directory: a folder with `<lang>.word.<split>.tsv` files.

    Raises:
        CorpusError: the folder is missing or holds no word-level file with gold.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "ces.word.dev.tsv").write_text("absolvent\\tab @@solv @@ent\\t100\\n")
        >>> list(load_morph_gold(folder))
        ['ces_Latn']
    """
    root = Path(directory)
    if not root.is_dir():
        raise CorpusError(f"morphology folder '{root}' does not exist: pass the SIGMORPHON 2022 data folder with "
                          "<lang>.word.dev.tsv files (e.g. ../shared/data/morph/sigmorphon2022).")  # fmt: skip
    gold: dict[str, MorphGold] = {}
    for lang in sorted({p.name.split(".")[0] for p in root.glob("*.word.*.tsv")}):
        files = [root / f"{lang}.word.{split}.tsv" for split in ("dev", "train")]
        found = [f for f in files if f.is_file()]
        if found:
            g = read_gold_file(found[0])
            if g.total == 0:
                raise CorpusError(f"morphology file '{found[0]}' is empty: remove it or restore its content.")
            gold[_lang(lang)] = g
    if not gold:
        raise CorpusError(f"'{root}' holds no <lang>.word.dev.tsv or .train.tsv file with gold segmentations.")
    return gold


def _lang(code: str) -> str:
    from tokensmith.corpora.langs import normalize_lang

    try:
        return normalize_lang(code)
    except CorpusError:
        return code


def boundary_stats(pred: np.ndarray, gold: np.ndarray, n_words: int) -> dict[str, SumRatio]:
    """Per-word sums behind P, R, F1 and the clean share, from boundary keys (boundaries.py).

    Args:
        pred: the tokenizer's boundary keys.
        gold: the gold boundary keys.
        n_words: W, the words both key sets refer to.

    Example:
        >>> from tokensmith.measure.boundaries import boundary_keys
        >>> # word 0: pred {2, 4}, gold {2}; word 1: pred {}, gold {3}
        >>> s = boundary_stats(boundary_keys([[2, 4], []]), boundary_keys([[2], [3]]), 2)
        >>> [round(s[m].value(), 3) for m in ("morph_precision", "morph_recall", "morph_f1", "morph_clean_share")]
        [0.5, 0.5, 0.5, 0.5]
    """
    hit = np.isin(pred, gold)
    tp, n_pred, n_gold = per_word(pred[hit], n_words), per_word(pred, n_words), per_word(gold, n_words)
    clean = (tp == n_pred).astype(np.float64)
    ones = np.ones(n_words)
    return {
        "morph_precision": SumRatio(tp, n_pred),
        "morph_recall": SumRatio(tp, n_gold),
        "morph_f1": SumRatio(2.0 * tp, n_pred + n_gold),
        "morph_clean_share": SumRatio(clean, ones),
    }


def morph_rows(
    tok: Tokenizer, name: str, gold: dict[str, MorphGold], *, resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> list[Row]:
    """Rows of the morphology metrics per language (plus `morph_coverage`, a property of the gold data).

    Args:
        tok: the tokenizer.
        name: its name in the results.
        gold: language → gold words (`load_morph_gold`).
        resamples: bootstrap resamples.
        seed: the seed.

    Example:
        >>> require_model("gpt2")
        >>> import tokensmith
        >>> rows = morph_rows(tokensmith.load("gpt2"), "gpt2", {"eng": MorphGold(["unhappy"], [[2]], 1)}, resamples=0)
        >>> [(r.metric, r.value) for r in rows if r.metric in ("morph_recall", "morph_coverage")]
        [('morph_coverage', 1.0), ('morph_recall', 1.0)]
    """
    rows: list[Row] = []
    for lang, g in gold.items():
        n = len(g.words)
        rows.append(Row(name, CORPUS, lang, "morph_coverage", None, g.coverage, None, None, g.total))
        wt = tokenize_words(tok, g.words) if n else None
        if wt is None or wt.failed:
            err = wt.failed if wt is not None else "no word in the gold file has morphs that spell its surface form"
            rows += [Row.failed(tokenizer=name, corpus=CORPUS, lang=lang, metric=m, error=err) for m in _METRICS]
            continue
        stats = boundary_stats(wt.boundaries, boundary_keys(g.boundaries), n)
        est = ratio_of_sums(np.stack([s.num for s in stats.values()], 1), np.stack([s.den for s in stats.values()], 1),
                            resamples=resamples, seed=seed)  # fmt: skip
        for k, metric in enumerate(stats):
            rows.append(_row(name, lang, metric, est.value[k], est.low[k], est.high[k], n))
    return rows


_METRICS = ("morph_precision", "morph_recall", "morph_f1", "morph_clean_share")


def _row(name: str, lang: str, metric: str, value: float, lo: float, hi: float, n: int) -> Row:
    if not np.isfinite(value):
        return Row.failed(tokenizer=name, corpus=CORPUS, lang=lang, metric=metric,
                          error="undefined: no boundary predicted or in the gold")  # fmt: skip
    fin = [float(x) if np.isfinite(x) else None for x in (lo, hi)]
    return Row(name, CORPUS, lang, metric, None, float(value), fin[0], fin[1], n)
