"""Compound boundaries: does a tokenizer split German noun compounds at the modifier/head split?

Data: GermaNet split compounds (Henrich & Hinrichs 2011, *Determining Immediate Constituents of Compounds in
GermaNet*, RANLP), rows `compound<TAB>modifier(s)<TAB>head`. Alternative modifier readings are separated by `|`
(`Abbau|abbauen`), several modifiers by spaces (`acht Stunde`). The split we score is the one before the head,
which is the same whatever the modifiers are; modifiers are parsed (alternatives and lists) but, because of linking
elements and elisions (`Arbeit` + s + `überlastung`, `Schule` → `Schul`), they do not place extra boundaries.

Case: the compound is capitalized and the head, capitalized in the file, is lowercase inside it
(`Achtstundentag` / `Tag`), so the head is matched against the end of the compound case-insensitively
(`str.lower`, same length), and rows where it does not match (or the head is the whole compound) are skipped.
Duplicate compounds keep their first row.

Metrics (each compound tokenized standalone, boundaries from byte offsets, see boundaries.py):
- compound_boundary_rate: share of compounds with a token boundary exactly at the split (in the spirit of
  Minixhofer et al. 2023, *CompoundPiece*, §5);
- hard_compound_rate: share of compounds where one token crosses the split (starts before, ends after it).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tokensmith.errors import CorpusError
from tokensmith.measure.bootstrap import DEFAULT_RESAMPLES, SumRatio, ratio_of_sums
from tokensmith.measure.boundaries import KEY, tokenize_words
from tokensmith.measure.results import Row
from tokensmith.tokenizer import Tokenizer

LANG = "deu_Latn"


@dataclass(frozen=True)
class Compound:
    """A compound with its parsed constituents and the byte position of the modifier/head split."""

    compound: str
    modifiers: tuple[tuple[str, ...], ...]  # per modifier, its alternative readings
    head: str
    split: int  # byte offset in the compound where the head starts


def parse_compound(line: str) -> Compound | None:
    """Parse one TSV row; None when the head is not the end of the compound.

    Args:
        line: 'compound<TAB>modifier(s)<TAB>head'; alternatives inside a modifier are separated by '|'.

    Example:
        >>> c = parse_compound("Achtstundentag\\tacht Stunde\\tTag")
        >>> c.modifiers, c.split
        ((('acht',), ('Stunde',)), 11)
        >>> parse_compound("Abbaufläche\\tAbbau|abbauen\\tFläche").modifiers
        (('Abbau', 'abbauen'),)
    """
    parts = line.rstrip("\n").split("\t")
    if len(parts) != 3 or not all(parts):
        return None
    compound, mods, head = parts
    if len(head) >= len(compound) or compound[-len(head) :].lower() != head.lower():
        return None
    modifiers = tuple(tuple(alt for alt in m.split("|") if alt) for m in mods.split(" ") if m)
    split = len(compound[: len(compound) - len(head)].encode("utf-8"))
    return Compound(compound, modifiers, head, split)


def load_compounds(path: str | os.PathLike[str]) -> list[Compound]:
    """Read a compound TSV (header line first), dropping unusable rows and duplicate compounds.

    Args:
        path: the TSV file.

    Raises:
        CorpusError: the file is missing, empty, or has no usable row.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "c.tsv"
        >>> _ = path.write_text("compound\\tmodifier\\thead\\nAchtstundentag\\tacht Stunde\\tTag\\n")
        >>> [c.split for c in load_compounds(path)]
        [11]
    """
    p = Path(path)
    if not p.is_file():
        raise CorpusError(f"compound file '{p}' does not exist: pass a TSV of compound<TAB>modifiers<TAB>head rows "
                          "(e.g. ../shared/data/compounds/germanet-dev.tsv).")  # fmt: skip
    lines = p.read_text(encoding="utf-8").splitlines()
    if not lines:
        raise CorpusError(f"compound file '{p}' is empty: it needs a header and compound<TAB>modifiers<TAB>head rows.")
    seen: dict[str, Compound] = {}
    for line in lines[1:]:
        c = parse_compound(line)
        if c is not None and c.compound not in seen:
            seen[c.compound] = c
    if not seen:
        raise CorpusError(f"compound file '{p}' has no usable row: expected compound<TAB>modifiers<TAB>head with the "
                          "head at the end of the compound.")  # fmt: skip
    return list(seen.values())


def split_stats(
    *, splits: np.ndarray, boundaries: np.ndarray, tok_word: np.ndarray, tok_start: np.ndarray, tok_end: np.ndarray
) -> dict[str, SumRatio]:
    """Per-compound indicators behind the two rates.

    Args:
        splits: (W,) split byte position per compound.
        boundaries: boundary keys of the tokenized compounds (boundaries.py).
        tok_word, tok_start, tok_end: (T,) compound and byte span of each token.

    Example:
        >>> # 'Haustür' split at 4: tokens 'Haus' 'tür' (boundary) vs one token 'Haustür' (hard)
        >>> s = split_stats(splits=np.array([4, 4]), boundaries=np.array([4]), tok_word=np.array([0, 0, 1]),
        ...     tok_start=np.array([0, 4, 0]), tok_end=np.array([4, 8, 8]))
        >>> s["compound_boundary_rate"].value(), s["hard_compound_rate"].value()
        (0.5, 0.5)
    """
    n = len(splits)
    at_split = np.isin(np.arange(n, dtype=np.int64) * KEY + splits, boundaries)
    cross = (tok_start < splits[tok_word]) & (tok_end > splits[tok_word])
    hard = np.bincount(tok_word[cross], minlength=n) > 0
    ones = np.ones(n)
    return {"compound_boundary_rate": SumRatio(at_split.astype(float), ones),
            "hard_compound_rate": SumRatio(hard.astype(float), ones)}  # fmt: skip


def compound_rows(
    tok: Tokenizer, name: str, compounds: list[Compound], *, corpus: str = "germanet",
    resamples: int = DEFAULT_RESAMPLES, seed: int = 0,
) -> list[Row]:  # fmt: skip
    """The two compound rows of one tokenizer (error rows when it cannot encode the compounds).

    Args:
        tok: the tokenizer.
        name: its name in the results.
        compounds: parsed compounds (`load_compounds`).
        corpus: the corpus name in the rows.
        resamples: bootstrap resamples.
        seed: the seed.

    Example:
        >>> require_model("gpt2")
        >>> import tokensmith
        >>> rows = compound_rows(tokensmith.load("gpt2"), "gpt2", [parse_compound("Achtstundentag\\tacht Stunde\\tTag")])
        >>> sorted(r.metric for r in rows)
        ['compound_boundary_rate', 'hard_compound_rate']
    """
    wt = tokenize_words(tok, [c.compound for c in compounds])
    metrics = ("compound_boundary_rate", "hard_compound_rate")
    if wt.failed:
        return [Row.failed(tokenizer=name, corpus=corpus, lang=LANG, metric=m, error=wt.failed) for m in metrics]
    splits = np.array([c.split for c in compounds], dtype=np.int64)
    stats = split_stats(splits=splits, boundaries=wt.boundaries, tok_word=wt.tok_word, tok_start=wt.tok_start,
                        tok_end=wt.tok_end)  # fmt: skip
    est = ratio_of_sums(np.stack([s.num for s in stats.values()], 1), np.stack([s.den for s in stats.values()], 1),
                        resamples=resamples, seed=seed)  # fmt: skip
    return [Row(name, corpus, LANG, m, None, float(est.value[k]), _fin(est.low[k]), _fin(est.high[k]), len(splits))
            for k, m in enumerate(stats)]  # fmt: skip


def _fin(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None
