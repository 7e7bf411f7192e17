"""STS-B evaluation of a reduced sentence encoder: Spearman ×100, cosine to the unreduced embeddings, FLOPs, time.

The protocol (Cer et al. 2017, "SemEval-2017 Task 1", the STS Benchmark; as in sentence-transformers' evaluator):
embed both sentences of each pair, score the pair by the cosine of the two embeddings, report Spearman's rank
correlation ×100 between those scores and the gold scores. Fidelity to the unreduced model is the cosine between
each text's reduced and unreduced embedding (mean and 5th percentile over the texts).

Costs: `gflops` is the analytic total over the data set (`flops.py`, padding excluded), `flops_kept` the reduced
share of the unreduced total, measured from the record of the run (not predicted); `seconds` is the wall time of
the encoder over every text at batch 32 (texts sorted by length, as sentence-transformers does, so padding is
small), `seconds_b1` at batch 1. Tokenization is excluded from both (it is the same for every method).

Files are header-less CSV `sentence1,sentence2,score` (the stsb-multi-mt format); a row that does not parse is an
error naming its line.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tokensmith.errors import CorpusError, require

MAX_TOKENS = 512  # MiniLM's position embeddings


@dataclass(frozen=True)
class Pair:
    """One STS pair with its gold similarity (0-5)."""

    first: str
    second: str
    score: float


def read_sts(path: str | Path) -> list[Pair]:
    """Read a header-less `sentence1,sentence2,score` CSV.

    Args:
        path: the CSV file (UTF-8).

    Raises:
        CorpusError: missing file, not UTF-8, a row without three fields or with a non-numeric score, or no rows.

    Example:
        >>> import pathlib, tempfile
        >>> f = pathlib.Path(tempfile.mkdtemp()) / "sts.csv"
        >>> _ = f.write_text('A cat sits.,"A cat, sitting.",4.5\\n', encoding="utf-8")
        >>> read_sts(f)
        [Pair(first='A cat sits.', second='A cat, sitting.', score=4.5)]
    """
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError as e:
        raise CorpusError(f"STS file {path} does not exist; pass an STS-B-style CSV with --data.") from e
    except UnicodeDecodeError as e:
        raise CorpusError(f"STS file {path} is not UTF-8 (byte {e.start}); re-save it as UTF-8.") from e
    pairs = [_parse(row, number, path) for number, row in enumerate(csv.reader(lines), start=1) if row]
    if not pairs:
        raise CorpusError(f"STS file {path} has no rows; it needs lines 'sentence1,sentence2,score'.")
    return pairs


def _parse(row: list[str], number: int, path: Path) -> Pair:
    if len(row) != 3:
        raise CorpusError(f"{path} line {number} has {len(row)} fields, not 3: each line must be "
                          "'sentence1,sentence2,score' (quote sentences that contain commas), without a header.")  # fmt: skip
    try:
        score = float(row[2])
    except ValueError as e:
        raise CorpusError(f"{path} line {number}: the score {row[2]!r} is not a number (a header line? remove "
                          "it).") from e  # fmt: skip
    return Pair(first=row[0], second=row[1], score=score)


def spearman(x: Sequence[float], y: Sequence[float]) -> float:
    """Spearman's rank correlation (average ranks for ties).

    Args:
        x: first values.
        y: second values, as many.

    Example:
        >>> round(spearman([1, 2, 3, 4], [10, 20, 30, 25]), 3)
        0.8
    """
    require("scipy", extra="reduce")
    import numpy as np
    from scipy.stats import rankdata

    rx, ry = rankdata(np.asarray(x)), rankdata(np.asarray(y))
    return float(np.corrcoef(rx, ry)[0, 1])


@dataclass(frozen=True)
class Encoded:
    """Embeddings of a list of texts (in their order), the encoder's wall time and its batch size."""

    embeddings: Any  # (N, D) float tensor
    seconds: float
    batch_size: int


def tokenize(tokenizer: Any, texts: Sequence[str]) -> list[list[int]]:
    """Token ids of each text with [CLS]/[SEP], cut at 512 tokens.

    Args:
        tokenizer: a Hugging Face fast tokenizer.
        texts: the texts.

    Example:
        >>> from tokensmith.models import load_encoder
        >>> tokenize(load_encoder("minilm").tokenizer, ["hello world"])
        [[101, 7592, 2088, 102]]
    """
    return tokenizer(list(texts), truncation=True, max_length=MAX_TOKENS)["input_ids"]


def encode(encoder: Any, ids: Sequence[Sequence[int]], *, batch_size: int = 32) -> Encoded:
    """Embed pre-tokenized texts in length-sorted batches; time only the encoder.

    Args:
        encoder: a `ReducedEncoder` (its record grows by these texts, in length order).
        ids: token ids per text.
        batch_size: texts per batch.

    Example:
        >>> from tokensmith.reduce.blocks import toy_adapter
        >>> from tokensmith.reduce.patch import apply
        >>> enc, record = apply(toy_adapter("bert").model, "truncate", ratio=0.3, lengths=[5, 9])
        >>> out = encode(enc, [[1, 5, 6, 7, 2], [1, 3, 4, 5, 6, 7, 8, 9, 2]], batch_size=2)
        >>> out.embeddings.shape, record.attention[0]  # longest first; 9 and 5 tokens cut to 6 and 4
        (torch.Size([2, 8]), [6, 4])
    """
    import torch

    order = sorted(range(len(ids)), key=lambda i: -len(ids[i]))  # longest first, like sentence-transformers
    chunks, seconds = [], 0.0
    for begin in range(0, len(order), batch_size):
        rows = [ids[i] for i in order[begin : begin + batch_size]]
        inputs = _pad(rows)
        tick = time.perf_counter()
        chunks.append(encoder.embed(**inputs))
        seconds += time.perf_counter() - tick
    embeddings = torch.cat(chunks) if chunks else torch.zeros(0)
    back = torch.empty(len(order), dtype=torch.long)
    back[torch.tensor(order, dtype=torch.long)] = torch.arange(len(order))
    return Encoded(embeddings=embeddings[back], seconds=seconds, batch_size=batch_size)


def _pad(rows: list[Sequence[int]]) -> dict[str, Any]:
    import torch

    width = max(len(r) for r in rows)
    ids = torch.zeros(len(rows), width, dtype=torch.long)
    mask = torch.zeros(len(rows), width, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, : len(r)] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": torch.zeros_like(ids)}


def pair_scores(embeddings: Any, n_pairs: int) -> list[float]:
    """Cosine of each pair, with texts laid out as [first sentences..., second sentences...].

    Args:
        embeddings: (2·n_pairs, D).
        n_pairs: number of pairs.

    Example:
        >>> import torch
        >>> pair_scores(torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), 2)[0]
        1.0
    """
    import torch

    first, second = embeddings[:n_pairs], embeddings[n_pairs:]
    return torch.nn.functional.cosine_similarity(first, second, dim=-1).tolist()


def fidelity(reduced: Any, unreduced: Any) -> dict[str, float]:
    """Mean and 5th percentile of the cosine between each text's reduced and unreduced embedding.

    Args:
        reduced: (N, D).
        unreduced: (N, D).

    Example:
        >>> import torch
        >>> fidelity(torch.eye(2), torch.eye(2))
        {'cosine_mean': 1.0, 'cosine_p5': 1.0}
    """
    import torch

    cos = torch.nn.functional.cosine_similarity(reduced, unreduced, dim=-1).to(torch.float64)
    return {"cosine_mean": float(cos.mean()), "cosine_p5": float(torch.quantile(cos, 0.05))}


def paired_bootstrap(groups: Sequence[tuple[Sequence[float], Sequence[float], Sequence[float]]], *,
                     resamples: int = 1000, seed: int = 0) -> tuple[float, float]:  # fmt: skip
    """95% percentile CI of the mean over groups of Spearman(gold, b) − Spearman(gold, a), ×100.

    The pairs of each group (a language) are resampled with replacement, the same indices for both systems (a
    paired bootstrap: Efron & Tibshirani 1993, ch. 16), and the per-group differences averaged.

    Args:
        groups: (gold, a, b) per group: gold scores, the reference system's scores (unreduced), the compared one's.
        resamples: bootstrap resamples.
        seed: seed of the resampling.

    Example:
        >>> gold = [1, 2, 3, 4, 5]
        >>> paired_bootstrap([(gold, gold, gold)], resamples=50)
        (0.0, 0.0)
    """
    require("scipy", extra="reduce")
    import numpy as np
    from scipy.stats import rankdata

    rng = np.random.default_rng(seed)
    data = [tuple(np.asarray(v, dtype=np.float64) for v in group) for group in groups]
    diffs = np.zeros(resamples)
    for g, x, y in data:
        for i in range(resamples):
            idx = rng.integers(0, len(g), len(g))
            rg = rankdata(g[idx])
            diffs[i] += np.corrcoef(rg, rankdata(y[idx]))[0, 1] - np.corrcoef(rg, rankdata(x[idx]))[0, 1]
    low, high = np.percentile(diffs / len(data) * 100, [2.5, 97.5])
    return float(low), float(high)
