"""Embedding-only tuning after a transfer: N steps of next-token loss on target-language text that update only
the input embedding (and, for an untied model when asked, the output layer); every other weight is frozen.

The budget is the same for every method (steps × batch × sequence length tokens). Batches are windows of the
tokenized text at seeded random offsets, each after the model's start id, so the same text, model and seed give
the same updates. A checkpoint of the trainable weights is written atomically every `checkpoint_every` steps and at
the end (`tokensmith.atomic`); a progress bar shows the loss on stderr when asked.

Not handled: full fine-tuning, learning-rate schedules beyond a constant AdamW rate, resuming from a checkpoint.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tokensmith.errors import CorpusError
from tokensmith.tokenizer import Tokenizer


@dataclass(frozen=True)
class TuneSettings:
    """The tuning budget and optimizer: `steps` × `batch_size` windows of `seq_len` tokens, AdamW at `lr`."""

    steps: int
    batch_size: int = 8
    seq_len: int = 512
    lr: float = 1e-3
    train_output: bool = False
    seed: int = 0
    checkpoint_every: int = 50


@dataclass(frozen=True)
class TuneRecord:
    """What tuning did: the settings, the loss (nats per token) at the first and last step, and the time."""

    settings: TuneSettings
    first_loss: float
    last_loss: float
    tokens_seen: int
    seconds: float
    checkpoint: str | None


def token_stream(tok: Tokenizer, text: str, *, need: int) -> np.ndarray:
    """The text's canonical ids as one (n,) int64 array, refusing text shorter than one window.

    Args:
        tok: the (new) tokenizer.
        text: the tuning corpus.
        need: the fewest tokens that make a window.

    Example:
        >>> import tokensmith
        >>> token_stream(tokensmith.load("gpt2"), "Hello world", need=2).tolist()
        [15496, 995]
    """
    lines = [ln for ln in text.splitlines() if ln.strip()]
    ids = np.fromiter((t for row in tok.encode_batch(lines) for t in row), dtype=np.int64)
    if len(ids) < need:
        raise CorpusError(
            f"the tuning corpus has {len(ids)} tokens, fewer than one window of {need}. Give more text with "
            "--tune-corpus, or a smaller --tune-seq-len."
        )
    return ids


def _trainable(model: Any, *, train_output: bool) -> list[Any]:
    """Freeze everything, then unfreeze the input embedding (and an untied output layer when asked)."""
    for p in model.parameters():
        p.requires_grad_(False)
    params = [model.get_input_embeddings().weight]
    out = model.get_output_embeddings()
    if train_output and out is not None and out.weight.data_ptr() != params[0].data_ptr():
        params.append(out.weight)
    for p in params:
        p.requires_grad_(True)
    return params


def _save_checkpoint(params: list[Any], step: int, path: Path) -> None:
    import torch

    from tokensmith.atomic import atomic_path

    with atomic_path(path) as tmp:
        torch.save({"step": step, "weights": [p.detach().clone() for p in params]}, tmp)


def tune_embeddings(
    model: Any, tok: Tokenizer, text: str, *, settings: TuneSettings, start_id: int,
    checkpoint: str | os.PathLike[str] | None = None, progress: bool = False,
    on_step: Callable[[int, float], None] | None = None,
) -> TuneRecord:
    """Train the embeddings of `model` (in place) for `settings.steps` steps on `text`, then set it to eval mode.

    Args:
        model: the adapted `PreTrainedModel`.
        tok: its tokenizer.
        text: target-language text.
        settings: the budget, optimizer and seed.
        start_id: the id put before every window (the model's start-of-text id).
        checkpoint: where to write the trainable weights (None: no checkpoints).
        progress: show a progress bar on stderr.
        on_step: called as on_step(steps_done, loss) after every step (e.g. to save the model at an earlier budget:
            with a constant rate and the seeded batches, step n of a longer run is the same as an n-step run).

    Example:
        >>> import tokensmith
        >>> gpt2 = tokensmith.load("gpt2")
        >>> model = tiny_causal_lm(vocab_size=gpt2.vocab_size)
        >>> rec = tune_embeddings(model, gpt2, "the cat sat on the mat. " * 40, start_id=50256,
        ...                       settings=TuneSettings(steps=3, batch_size=2, seq_len=16, lr=1e-2))
        >>> rec.tokens_seen, rec.last_loss < rec.first_loss, model.training
        (96, True, False)
    """
    import torch
    from tqdm.auto import tqdm

    ids = token_stream(tok, text, need=settings.seq_len)
    rng = np.random.default_rng(settings.seed)
    torch.manual_seed(settings.seed)
    params = _trainable(model, train_output=settings.train_output)
    opt = torch.optim.AdamW(params, lr=settings.lr, weight_decay=0.0)
    model.train()
    losses, started = [], time.perf_counter()
    path = Path(checkpoint) if checkpoint is not None else None
    bar = tqdm(range(settings.steps), desc="tuning embeddings", disable=not progress, leave=False)
    for step in bar:
        starts = rng.integers(0, len(ids) - settings.seq_len + 2, size=settings.batch_size)
        windows = [np.concatenate([[start_id], ids[s : s + settings.seq_len - 1]]) for s in starts]
        batch = torch.from_numpy(np.stack(windows))  # (B, T)
        loss = model(input_ids=batch, labels=batch).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
        if on_step is not None:
            on_step(step + 1, losses[-1])
        if path is not None and ((step + 1) % settings.checkpoint_every == 0 or step + 1 == settings.steps):
            _save_checkpoint(params, step + 1, path)
    model.eval()
    for p in model.parameters():
        p.requires_grad_(False)
    return TuneRecord(
        settings=settings, first_loss=losses[0] if losses else math.nan, last_loss=losses[-1] if losses else math.nan,
        tokens_seen=settings.steps * settings.batch_size * settings.seq_len, seconds=time.perf_counter() - started,
        checkpoint=str(path) if path is not None else None,
    )
