"""The evaluation protocol of adapted models (`tokensmith adapt eval`, and the benchmark).

Each model is scored with the core's scorer (`tokensmith.bpb.bits_per_byte`): the text's UTF-8 bytes are cut
into independent 2,048-byte chunks (cut by bytes, not by tokens, so a tokenizer that compresses more gets no more
context), each chunk scored from the model's start id over its canonical tokenization. Per model this reports:
- bits per byte, with a bootstrap CI over chunks (resample chunks, ratio of summed bits to summed bytes);
- bytes per token (the tokenizer's compression on this text);
- the change in bits per byte against the *first* model named, with a paired bootstrap CI: the chunks are the same
  bytes for every model, so one resampling of chunk indices serves all models;
- `n_bytes` and `n_tokens`.

The bootstrap lives here (a stage may not use measure's); it is the plain percentile bootstrap.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from tokensmith.bpb import CHUNK_BYTES, BitsPerByte, bits_per_byte
from tokensmith.errors import TokensmithError

RESAMPLES = 1000
LEVEL = 0.95


@dataclass(frozen=True)
class EvalRow:
    """One model on one text. `delta_*` is this model minus the first model (0 for the first itself)."""

    model: str
    bits_per_byte: float
    ci_low: float
    ci_high: float
    bytes_per_token: float
    delta_bits_per_byte: float
    delta_ci_low: float
    delta_ci_high: float
    n_bytes: int
    n_tokens: int
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        """The row as plain JSON-ready data (the `adapt eval --json` row).

        Example:
            >>> EvalRow("m", 1.0, 0.9, 1.1, 4.0, 0.0, 0.0, 0.0, 100, 25, 0.5).as_dict()["bytes_per_token"]
            4.0
        """
        return asdict(self)


def bootstrap_indices(n_chunks: int, *, resamples: int = RESAMPLES, seed: int = 0) -> np.ndarray:
    """(resamples, n_chunks) chunk indices drawn with replacement, the same for every model.

    Args:
        n_chunks: chunks in the text.
        resamples: bootstrap resamples.
        seed: the generator's seed.

    Example:
        >>> bootstrap_indices(3, resamples=2, seed=0).shape
        (2, 3)
    """
    return np.random.default_rng(seed).integers(0, n_chunks, size=(resamples, n_chunks))


def _ci(samples: np.ndarray) -> tuple[float, float]:
    lo, hi = np.quantile(samples, [(1 - LEVEL) / 2, (1 + LEVEL) / 2])
    return float(lo), float(hi)


def rows_from_scores(
    names: Sequence[str], scores: Sequence[BitsPerByte], seconds: Sequence[float], *, resamples: int = RESAMPLES,
    seed: int = 0,
) -> list[EvalRow]:
    """Rows with bootstrap CIs from per-model scores of one text (deltas against the first model).

    Args:
        names: model names, in order.
        scores: each model's `BitsPerByte` on the same text and chunking.
        seconds: each model's scoring time.
        resamples: bootstrap resamples.
        seed: the bootstrap's seed.

    Example:
        >>> a = BitsPerByte(8.0, 8, 4, 1.0, (4.0, 4.0), (4, 4))
        >>> b = BitsPerByte(12.0, 8, 2, 1.5, (6.0, 6.0), (4, 4))
        >>> r = rows_from_scores(["a", "b"], [a, b], [0.1, 0.1])
        >>> r[1].delta_bits_per_byte, r[1].delta_ci_low, r[1].bytes_per_token
        (0.5, 0.5, 4.0)
    """
    if len({s.chunk_n_bytes for s in scores}) > 1:
        raise TokensmithError("the models were scored on different chunks; score them on the same text.")
    idx = bootstrap_indices(len(scores[0].chunk_n_bytes), resamples=resamples, seed=seed)
    nbytes = np.asarray(scores[0].chunk_n_bytes, dtype=np.float64)[idx].sum(axis=1)  # (resamples,)
    boots = [np.asarray(s.chunk_bits)[idx].sum(axis=1) / nbytes for s in scores]
    rows = []
    for name, s, boot, sec in zip(names, scores, boots, seconds):
        delta_lo, delta_hi = _ci(boot - boots[0])
        rows.append(EvalRow(
            model=name, bits_per_byte=s.bits_per_byte, ci_low=_ci(boot)[0], ci_high=_ci(boot)[1],
            bytes_per_token=s.n_bytes / max(s.n_tokens, 1), delta_bits_per_byte=s.bits_per_byte - scores[0].bits_per_byte,
            delta_ci_low=delta_lo, delta_ci_high=delta_hi, n_bytes=s.n_bytes, n_tokens=s.n_tokens, seconds=sec,
        ))  # fmt: skip
    return rows


def score_model(spec: str, text: str, *, chunk_bytes: int = CHUNK_BYTES) -> tuple[BitsPerByte, float]:
    """Load one model (a packaged name, an HF or adapted directory, a .gguf) and score `text`; (score, seconds).

    Args:
        spec: the model.
        text: the held-out text.
        chunk_bytes: the protocol's chunk size.

    Example:
        >>> import tempfile, tokensmith
        >>> from pathlib import Path
        >>> from tokensmith.adapt.output import write_adapted
        >>> gpt2 = tokensmith.load("gpt2")
        >>> folder = write_adapted(tiny_causal_lm(vocab_size=gpt2.vocab_size), gpt2, Path(tempfile.mkdtemp()) / "m",
        ...                        record={}, role_ids={})
        >>> score, seconds = score_model(str(folder), "Hello world")
        >>> score.n_bytes, score.n_tokens
        (11, 2)
    """
    from tokensmith.models import load_model

    loaded = load_model(spec)
    started = time.perf_counter()
    score = bits_per_byte(loaded, loaded.tokenizer, text, chunk_bytes=chunk_bytes)
    return score, time.perf_counter() - started


def evaluate_models(
    models: Sequence[str], *, text: str, chunk_bytes: int = CHUNK_BYTES, resamples: int = RESAMPLES, seed: int = 0
) -> list[EvalRow]:
    """Score every model on `text` by the protocol; one row per model, deltas against the first.

    Args:
        models: model specs (the original model by name beside adapted directories).
        text: held-out text.
        chunk_bytes: the protocol's chunk size (2,048).
        resamples: bootstrap resamples.
        seed: the bootstrap's seed.

    Example:
        >>> import tempfile, tokensmith
        >>> from pathlib import Path
        >>> from tokensmith.adapt.output import write_adapted
        >>> gpt2 = tokensmith.load("gpt2")
        >>> folder = str(write_adapted(tiny_causal_lm(vocab_size=gpt2.vocab_size), gpt2, Path(tempfile.mkdtemp()) / "m",
        ...                            record={}, role_ids={}))
        >>> [round(r.delta_bits_per_byte, 9) for r in evaluate_models([folder, folder], text="Hello world")]
        [0.0, 0.0]
    """
    if not models:
        raise TokensmithError("name at least one model to evaluate.")
    if not text:
        raise TokensmithError("the held-out text is empty; pass a file with some text (--text).")
    scored = [score_model(m, text, chunk_bytes=chunk_bytes) for m in models]
    return rows_from_scores(list(models), [s for s, _ in scored], [t for _, t in scored], resamples=resamples,
                            seed=seed)  # fmt: skip
