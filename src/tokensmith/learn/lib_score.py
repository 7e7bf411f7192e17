"""Word-segmentation scores for LiB's reproduction check: boundary F1 and token F1 against gold words.

Two conventions are reported side by side, because they give different numbers:
- "standard" (Goldwater et al. 2009; Brent 1999): boundary F1 counts only word boundaries *inside* sentences, and a
  token is correct when both its ends are gold boundaries.
- "reference" (the ray306/LiB notebook, whose 84-87% / 60-69% figures the paper quotes): boundary positions are
  taken over all test sentences concatenated, so every sentence end counts as a (trivially correct) boundary; a
  token is correct when the same string occurs among that sentence's gold words, wherever it is.

Not handled: phonemic transcriptions or multiple gold segmentations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate


@dataclass(frozen=True)
class SegScores:
    """Precision, recall and F1 of one measure."""

    precision: float
    recall: float
    f1: float


def _prf(hits: int, predicted: int, gold: int) -> SegScores:
    p = hits / predicted if predicted else 0.0
    r = hits / gold if gold else 0.0
    return SegScores(p, r, 2 * p * r / (p + r) if p + r else 0.0)


def _cuts(pieces: Sequence[str]) -> set[int]:
    return set(accumulate(len(x) for x in pieces))


def boundary_scores(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], *, convention: str) -> SegScores:
    """Boundary precision/recall/F1 of `pred` against `gold`, one list of pieces per sentence.

    Args:
        gold: gold words of each sentence.
        pred: predicted pieces of each sentence (they must concatenate to the same text).
        convention: "standard" (inner boundaries) or "reference" (over the concatenation, sentence ends included).

    Example:
        >>> boundary_scores([["ab", "c"]], [["a", "b", "c"]], convention="standard").precision
        0.5
    """
    if convention == "reference":
        g = _cuts([w for s in gold for w in s])
        p = _cuts([w for s in pred for w in s])
        return _prf(len(g & p), len(p), len(g))
    hits = n_pred = n_gold = 0
    for gs, ps in zip(gold, pred, strict=True):
        g, p = _cuts(gs[:-1]), _cuts(ps[:-1])  # drop the sentence end
        hits, n_pred, n_gold = hits + len(g & p), n_pred + len(p), n_gold + len(g)
    return _prf(hits, n_pred, n_gold)


def token_scores(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]], *, convention: str) -> SegScores:
    """Token precision/recall/F1 of `pred` against `gold`.

    Args:
        gold: gold words of each sentence.
        pred: predicted pieces of each sentence.
        convention: "standard" (same span) or "reference" (same string anywhere in the sentence's gold words).

    Example:
        >>> token_scores([["ab", "c"]], [["a", "b", "c"]], convention="standard").recall
        0.5
    """
    hits = n_pred = n_gold = 0
    for gs, ps in zip(gold, pred, strict=True):
        n_pred, n_gold = n_pred + len(ps), n_gold + len(gs)
        if convention == "reference":
            words = set(gs)
            hits += sum(p in words for p in ps)
        else:
            hits += len(_spans(gs) & _spans(ps))
    return _prf(hits, n_pred, n_gold)


def _spans(pieces: Sequence[str]) -> set[tuple[int, int]]:
    ends = list(accumulate(len(x) for x in pieces))
    return set(zip([0, *ends[:-1]], ends, strict=True))
