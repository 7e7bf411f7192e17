"""Bits per byte of raw UTF-8 text for every LM lab architecture, with a bootstrap CI over chunks.

One protocol for all, the core's (`tokensmith.bpb`): the text's bytes are cut into independent chunks of at most
2,048 bytes at character boundaries, each scored from a fresh context (the model's BOS), bits per byte = summed
bits / summed bytes.
- subword (and lexinvariant) models: the core scorer itself, over the canonical tokenization of each chunk. This is the
  canonical-tokenization bound: -log2 p(canonical tokens) >= -log2 p(text), because other tokenizations of the
  same bytes carry probability too (the exact byte-level value is what `tokensmith bytes score` computes);
- byte models: -log2 p(byte_t | BOS, bytes_<t) summed over the chunk;
- hierarchical models: the bits of each word's bytes and its end-of-word symbol, words as the splitter cuts
  the chunk; the same kind of bound (one segmentation of the bytes, the canonical one).

Chunks longer than a model's context are scored in half-overlapping windows (`sequence.stream_logprobs`).
CI: the percentile bootstrap over chunks (resample chunks, ratio of summed bits to summed bytes), as
`adapt/evaluate.py` does it (a stage may not use measure's bootstrap).
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from tokensmith.bpb import CHUNK_BYTES, BitsPerByte, bits_per_byte, utf8_chunks
from tokensmith.errors import TokensmithError

RESAMPLES = 1000


def score_text(model: Any, text: str, *, chunk_bytes: int = CHUNK_BYTES) -> BitsPerByte:
    """Bits per byte of `text` under an lm model (any architecture), per the module's protocol.

    Args:
        model: a model from `registry.build_model` or `checkpoint.load_checkpoint`.
        text: the text.
        chunk_bytes: the most bytes per independent chunk.

    Example:
        >>> from tokensmith.lm.byte import ByteConfig, ByteLM
        >>> r = score_text(ByteLM(ByteConfig(n_layer=1, n_head=1, n_embd=8, block_size=8)), "hello")
        >>> r.n_bytes, r.n_tokens, 7.5 < r.bits_per_byte < 8.5  # an untrained byte model: about 8 bits per byte
        (5, 5, True)
    """
    if not text:
        raise TokensmithError("text is empty: bits per byte needs at least one byte. Pass some text.")
    if hasattr(model, "token_lm"):  # subword and lexinvariant: the core's scorer over the tokenizer
        return bits_per_byte(model.token_lm(), model.tokenizer, text, chunk_bytes=chunk_bytes)
    chunks = utf8_chunks(text.encode("utf-8"), chunk_bytes=chunk_bytes)
    bits, tokens = [], 0
    for chunk in chunks:
        logp, n_tokens = model.chunk_logprobs(chunk), model.count_tokens(chunk)
        bits.append(float(-logp.sum()) / math.log(2))
        tokens += n_tokens
    n_bytes = sum(len(c) for c in chunks)
    return BitsPerByte(total_bits=sum(bits), n_bytes=n_bytes, n_tokens=tokens, bits_per_byte=sum(bits) / n_bytes,
                       chunk_bits=tuple(bits), chunk_n_bytes=tuple(len(c) for c in chunks))  # fmt: skip


def bootstrap_ci(score: BitsPerByte, *, resamples: int = RESAMPLES, seed: int = 0) -> tuple[float, float]:
    """The percentile bootstrap 95% CI of bits per byte, resampling chunks.

    Args:
        score: a `BitsPerByte` with its per-chunk bits and bytes.
        resamples: bootstrap resamples.
        seed: the bootstrap's seed.

    Example:
        >>> s = BitsPerByte(30.0, 20, 20, 1.5, (10.0, 20.0), (10, 10))
        >>> lo, hi = bootstrap_ci(s, resamples=200); 1.0 <= lo <= 1.5 <= hi <= 2.0
        True
    """
    bits, n = np.asarray(score.chunk_bits), np.asarray(score.chunk_n_bytes, dtype=np.float64)
    idx = np.random.default_rng(seed).integers(0, len(bits), size=(resamples, len(bits)))  # (R, n_chunks)
    ratios = bits[idx].sum(axis=1) / n[idx].sum(axis=1)
    return float(np.percentile(ratios, 2.5)), float(np.percentile(ratios, 97.5))


@dataclass(frozen=True)
class LMScore:
    """One model scored on one text (the row of `tokensmith lm eval --json`).

    Args:
        model: the checkpoint directory.
        arch: its architecture.
        bits_per_byte: the point estimate.
        ci_low: bootstrap 95% CI, lower end.
        ci_high: upper end.
        flops: training FLOPs spent.
        params: FLOP-counted parameters.
        n_bytes: bytes scored.
        n_tokens: tokens (subword), bytes (byte) or words (hierarchical) the model read.
        n_chunks: independent chunks scored (the bootstrap's units).
        tokens_per_byte: n_tokens / n_bytes.
        inference_flops_per_byte: forward FLOPs per byte (2 x params x positions / bytes).
        seconds: scoring wall time.

    Example:
        >>> LMScore("m", "byte", 2.0, 1.9, 2.1, 10, 5, 100, 100, 1, 1.0, 10.0, 0.5).as_dict()["arch"]
        'byte'
    """

    model: str
    arch: str
    bits_per_byte: float
    ci_low: float
    ci_high: float
    flops: int
    params: int
    n_bytes: int
    n_tokens: int
    n_chunks: int
    tokens_per_byte: float
    inference_flops_per_byte: float
    seconds: float

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON data.

        Example:
            >>> LMScore("m", "byte", 2.0, 1.9, 2.1, 10, 5, 100, 100, 1, 1.0, 10.0, 0.5).as_dict()["n_bytes"]
            100
        """
        return dataclasses.asdict(self)


def evaluate_checkpoints(directories: list[str], *, text: str, resamples: int = RESAMPLES) -> list[LMScore]:
    """Score every checkpoint on `text`.

    Args:
        directories: checkpoint directories.
        text: the held-out text.
        resamples: bootstrap resamples.

    Example:
        >>> evaluate_checkpoints(["no-such-dir"], text="hi")
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: no-such-dir is not an lm checkpoint ...
    """
    from tokensmith.lm.checkpoint import load_checkpoint, read_record

    rows = []
    for directory in directories:
        record = read_record(directory)
        model, _ = load_checkpoint(directory)
        started = time.perf_counter()
        score = score_text(model, text)
        lo, hi = bootstrap_ci(score, resamples=resamples)
        rows.append(LMScore(
            model=directory, arch=model.arch, bits_per_byte=score.bits_per_byte, ci_low=lo, ci_high=hi,
            flops=int(record["training"].get("flops", 0)), params=model.flop_params(), n_bytes=score.n_bytes,
            n_tokens=score.n_tokens, n_chunks=len(score.chunk_bits), tokens_per_byte=score.n_tokens / score.n_bytes,
            inference_flops_per_byte=model.inference_flops(n_bytes=score.n_bytes, n_tokens=score.n_tokens) / score.n_bytes,
            seconds=time.perf_counter() - started,
        ))  # fmt: skip
    return rows
