"""A decoder-only LM over a stream of ids: what the subword and byte architectures have in common.

The model is GPT-2 / nanoGPT ("Language Models are Unsupervised Multitask Learners", Radford et al., 2019,
section 2.3): token embedding, `transformer.Stack`, a linear head tied to the embedding. Id `vocab_size` is an
extra start-of-text id (BOS) that only ever appears as input: every training window and every scored window
starts with it, so what the model learns to expect at position 0 is what it is scored on.

Scoring a sequence longer than the context (`stream_logprobs`): windows of `block_size` positions, each
`BOS + ids[s : s + block_size - 1]`, advancing by half a window; each id is scored once, in the first window
where it has at least half a window of context (or all of it, at the start). Not handled: KV caching.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from tokensmith.errors import TrainingError
from tokensmith.lm.transformer import Stack, StackConfig, init_weights, scaled_residual_init


@dataclass(frozen=True)
class SequenceConfig:
    """A sequence LM's size.

    Args:
        vocab_size: ids the model predicts (the BOS id `vocab_size` is input only).
        n_layer: transformer blocks.
        n_head: attention heads.
        n_embd: width.
        block_size: context length in ids, BOS included.

    Example:
        >>> SequenceConfig(vocab_size=256).block_size
        128
    """

    vocab_size: int
    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 64
    block_size: int = 128


class SequenceLM(nn.Module):
    """Embedding + causal stack + tied head; `forward(ids)` gives next-id logits at every position.

    Args:
        config: the model's size.

    Example:
        >>> lm = SequenceLM(SequenceConfig(vocab_size=10, n_layer=1, n_head=1, n_embd=8, block_size=16))
        >>> tuple(lm(torch.tensor([[10, 1, 2]])).shape)  # BOS, 1, 2 -> logits for the ids after each
        (1, 3, 10)
    """

    unit = "ids"  # what one position is, for messages ("bytes", "tokens")

    def __init__(self, config: SequenceConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.wte = nn.Embedding(c.vocab_size + 1, c.n_embd)  # + the BOS row
        self.stack = Stack(StackConfig(n_layer=c.n_layer, n_head=c.n_head, n_embd=c.n_embd, block_size=c.block_size))
        self.apply(init_weights)
        scaled_residual_init(self, n_layer=c.n_layer)

    @property
    def bos_id(self) -> int:
        """The start-of-text input id (= vocab_size).

        Example:
            >>> SequenceLM(SequenceConfig(vocab_size=7, n_layer=1, n_head=1, n_embd=4, block_size=4)).bos_id
            7
        """
        return self.config.vocab_size

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Next-id logits.

        Args:
            ids: (B, T) int64 ids in 0..vocab_size (BOS included), T <= block_size.

        Example:
            >>> lm = SequenceLM(SequenceConfig(vocab_size=3, n_layer=1, n_head=1, n_embd=4, block_size=4))
            >>> lm(torch.tensor([[3, 0]])).shape[-1]
            3
        """
        x = self.stack(self.wte(ids))  # (B, T, C)
        return x @ self.wte.weight[: self.config.vocab_size].T  # (B, T, V): the head tied to the embedding

    def flop_params(self) -> int:
        """Parameters in per-position matrix products: the stack plus the output head (V x C); the input lookup
        and the position table are not matrix products.

        Example:
            >>> SequenceLM(SequenceConfig(vocab_size=3, n_layer=1, n_head=1, n_embd=4, block_size=4)).flop_params()
            264
        """
        return self.stack.flop_params() + self.config.vocab_size * self.config.n_embd

    def inference_flops(self, *, n_bytes: int, n_tokens: int) -> float:
        """Forward FLOPs of reading a text of `n_tokens` positions once (2 x flop_params x positions).

        Args:
            n_bytes: the text's bytes (unused: the cost depends on positions only).
            n_tokens: its positions.

        Example:
            >>> lm = SequenceLM(SequenceConfig(vocab_size=3, n_layer=1, n_head=1, n_embd=4, block_size=4))
            >>> lm.inference_flops(n_bytes=10, n_tokens=5)
            2640.0
        """
        return float(2 * self.flop_params() * n_tokens)

    def window_loss(self, windows: torch.Tensor) -> torch.Tensor:
        """Mean next-id cross-entropy (nats) of training windows, each read as BOS + window[:-1] -> window.

        Args:
            windows: (B, T) int64 ids, T <= block_size.

        Example:
            >>> _ = torch.manual_seed(0)
            >>> lm = SequenceLM(SequenceConfig(vocab_size=4, n_layer=1, n_head=1, n_embd=8, block_size=8))
            >>> bool(abs(lm.window_loss(torch.tensor([[0, 1, 2, 3]])).item() - np.log(4)) < 0.1)  # about ln 4 at first
            True
        """
        bos = torch.full_like(windows[:, :1], self.bos_id)
        logits = self(torch.cat([bos, windows[:, :-1]], dim=1))  # (B, T, V)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), windows.reshape(-1))

    def batch_loss(self, stream: np.ndarray, *, batch_size: int, seed: int, step: int) -> tuple[torch.Tensor, int]:
        """The loss of step `step`'s batch and the training FLOPs it costs (6 x flop_params x positions).

        Args:
            stream: the prepared training ids.
            batch_size: windows per step.
            seed: the run's seed.
            step: the step number (the batch depends on seed and step only).

        Example:
            >>> lm = SequenceLM(SequenceConfig(vocab_size=4, n_layer=1, n_head=1, n_embd=8, block_size=8))
            >>> loss, flops = lm.batch_loss(np.arange(20) % 4, batch_size=2, seed=0, step=0)
            >>> flops == 6 * lm.flop_params() * 2 * 8
            True
        """
        windows = sample_windows(stream, batch_size=batch_size, length=self.config.block_size, seed=seed, step=step)
        return self.window_loss(windows), self.training_flops(windows.numel())

    def training_flops(self, n_positions: int) -> int:
        """Training FLOPs of `n_positions` positions: 6 x flop_params x positions (`flops.py`'s rule).

        Args:
            n_positions: ids processed.

        Example:
            >>> SequenceLM(SequenceConfig(vocab_size=3, n_layer=1, n_head=1, n_embd=4, block_size=4)).training_flops(2)
            3168
        """
        return 6 * self.flop_params() * n_positions

    def step_flops_estimate(self, stream: np.ndarray, *, batch_size: int, seed: int) -> tuple[float, str]:
        """The FLOPs of one step (exact: every window has block_size positions) and how they are made up.

        Args:
            stream: the prepared training ids (a TrainingError when shorter than one window).
            batch_size: windows per step.
            seed: the run's seed (unused: the cost does not depend on the batch).

        Example:
            >>> lm = SequenceLM(SequenceConfig(vocab_size=4, n_layer=1, n_head=1, n_embd=8, block_size=8))
            >>> lm.step_flops_estimate(np.arange(20) % 4, batch_size=2, seed=0)[0] == 6 * lm.flop_params() * 16
            True
        """
        T = self.config.block_size
        if len(stream) < T:
            raise TrainingError(f"the training text is {len(stream)} {self.unit} long, shorter than one window of "
                                f"block_size={T}; pass more text or --set block_size={max(2, len(stream))}.")  # fmt: skip
        n = batch_size * T
        return float(self.training_flops(n)), f"6 x {self.flop_params():,} params x {n:,} {self.unit}"

    @torch.no_grad()
    def stream_logprobs(self, ids: np.ndarray) -> np.ndarray:
        """Natural-log probability of each id of a sequence, from BOS-started windows (see the module docstring).

        Args:
            ids: (n,) ids in 0..vocab_size-1.

        Example:
            >>> lm = SequenceLM(SequenceConfig(vocab_size=4, n_layer=1, n_head=1, n_embd=8, block_size=4))
            >>> lm.stream_logprobs(np.array([0, 1, 2, 3, 0, 1, 2])).shape
            (7,)
        """
        n, T = len(ids), self.config.block_size
        out = np.zeros(n, dtype=np.float64)
        for start, first in score_windows(n, block=T):
            seq = torch.as_tensor(np.concatenate([[self.bos_id], ids[start : start + T - 1]]), dtype=torch.long)
            logp = torch.log_softmax(self(seq[None]).double(), dim=-1)[0]  # (len, V)
            targets = torch.as_tensor(ids[start : start + T], dtype=torch.long)  # (len,)
            rows = logp[torch.arange(len(targets)), targets].numpy()
            out[first : start + len(targets)] = rows[first - start :]
        return out


def score_windows(n: int, *, block: int) -> list[tuple[int, int]]:
    """(window start, first position scored in it) pairs that score positions 0..n-1 once each: windows of
    `block` positions, each new one scoring only what the last did not, with at least block // 2 of context.

    Args:
        n: positions in the sequence.
        block: positions per window.

    Example:
        >>> score_windows(10, block=4)  # window 0 scores 0-3, window 2 scores 4-5, 4: 6-7, 6: 8-9
        [(0, 0), (2, 4), (4, 6), (6, 8)]
    """
    if n <= block:
        return [(0, 0)] if n else []
    step = max(1, block // 2)
    out, scored = [(0, 0)], block
    while scored < n:
        start = min(scored - (block - step), n - block)
        out.append((start, scored))
        scored = start + block
    return out


def sample_windows(stream: np.ndarray, *, batch_size: int, length: int, seed: int, step: int) -> torch.Tensor:
    """A reproducible training batch: `batch_size` random windows of `length` ids from `stream`.

    The draw depends only on (seed, step), so a resumed run sees the same batches as an uninterrupted one.

    Args:
        stream: (n,) ids, n >= length.
        batch_size: windows per batch.
        length: ids per window.
        seed: the run's seed.
        step: the step number.

    Example:
        >>> b = sample_windows(np.arange(100), batch_size=2, length=5, seed=0, step=3)
        >>> tuple(b.shape), bool((b[:, 1:] - b[:, :-1] == 1).all())
        ((2, 5), True)
    """
    rng = np.random.default_rng([seed, step])
    starts = rng.integers(0, len(stream) - length + 1, size=batch_size)
    return torch.as_tensor(np.stack([stream[s : s + length] for s in starts]).astype(np.int64))
