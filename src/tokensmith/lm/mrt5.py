"""The MrT5 deletion gate over bytes: after an early layer, a learned gate removes positions from later attention.

"MrT5: Dynamic Token Merging for Efficient Byte-level Language Models" (Kallini et al., 2024), section 3: after
encoder layer l a gate reads each hidden state, G = k * sigmoid(LayerNorm(h) w + b) with k a large negative
constant (-30), and G is added to the attention logits of every later layer at the gated position as a key. In
training the gate is soft (G anywhere in [k, 0]) and the loss carries a deletion regulariser, alpha * mean(G)
(section 3.2; here `delete_weight` x the mean deletion probability G / k, which is the same term with alpha = w /
|k|; or, with `delete_target`, w x |mean deletion probability - target|, a fixed-weight stand-in for the paper's
P-controller, so a step's loss depends on (seed, step) only); at inference the gate is hard: positions with
G < k / 2 are deleted (an attention bias of -inf).

This is a decoder-only adaptation of an encoder gate, on the byte model of `byte.py` (BOS + bytes, tied head):
every position still predicts its next byte, so a deleted position keeps its own query and attends to itself;
what deletion removes is the position as a *key* for the other positions of the later layers. The BOS position
is never deleted (each row keeps a finite softmax). Causal: the gate at t reads h_t, which has seen bytes <= t.

FLOPs, by `flops.py`'s rule (6 N per position in training, 2 N at inference, attention scores not counted):
- training: the soft gate deletes nothing, so every position runs every layer: 6 x (stack + gate + head) x T;
- inference: still 2 x N x positions, because in a decoder-only model a deleted byte still needs its own
  prediction (its MLP and projections run). The hard gate shrinks only the attention-score work of the later
  layers, by the share of deleted keys, which the rule does not count; `deletion_rate` reports that share.
Not built: MrT5's P-controller (its weight follows the training history) and the encoder-decoder
(span-corruption) setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from tokensmith.errors import ModelError
from tokensmith.lm.byte import ByteConfig, ByteLM
from tokensmith.lm.sequence import sample_windows

ARCH = "mrt5"


@dataclass(frozen=True)
class MrT5Config(ByteConfig):
    """The gated byte model's size and gate.

    Args:
        n_layer, n_head, n_embd, block_size: as in `ByteConfig` (block_size in bytes, BOS included).
        gate_layer: the gate sits after this many blocks (1 <= gate_layer < n_layer; 0 gates the embeddings).
        gate_scale: k, the most negative bias a deleted position gets in training (MrT5: -30).
        delete_weight: the regulariser's weight on the mean deletion probability (larger: more deletion).
        delete_target: a deletion rate in (0, 1) to aim for: the regulariser becomes delete_weight x |mean
            deletion probability - target| (in place of MrT5's P-controller); negative (the default): none.
        gate_init: the gate's initial bias (negative: start by keeping every position).

    Example:
        >>> MrT5Config().gate_layer, MrT5Config().gate_scale
        (1, -30.0)
    """

    gate_layer: int = 1
    gate_scale: float = -30.0
    delete_weight: float = 0.05
    delete_target: float = -1.0
    gate_init: float = -2.0


class MrT5LM(ByteLM):
    """A byte model whose later layers skip the positions a learned gate deletes (see the module docstring).

    Args:
        config: the model's size and gate.

    Example:
        >>> lm = MrT5LM(MrT5Config(n_layer=2, n_head=1, n_embd=8, block_size=16))
        >>> tuple(lm(torch.tensor([[256, 104, 105]])).shape)
        (1, 3, 256)
    """

    arch = ARCH

    def __init__(self, config: MrT5Config) -> None:
        if not 0 <= config.gate_layer < config.n_layer or config.gate_scale >= 0:
            raise ModelError(f"gate_layer={config.gate_layer}, gate_scale={config.gate_scale}: the gate needs "
                             f"0 <= gate_layer < n_layer={config.n_layer} (blocks after it are gated) and a "
                             "negative gate_scale (e.g. --set gate_scale=-30).")  # fmt: skip
        super().__init__(config)
        self.mrt5_config = config
        self.gate_ln = nn.LayerNorm(config.n_embd)
        self.gate = nn.Linear(config.n_embd, 1)
        nn.init.normal_(self.gate.weight, std=0.02)
        nn.init.constant_(self.gate.bias, config.gate_init)
        self.hard: bool | None = None  # None: soft in train mode, hard in eval mode

    def _hidden(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T) ids -> final states (B, T, C) and the deletion probabilities (B, T) of the gate."""
        c, stack = self.mrt5_config, self.stack
        T = ids.shape[1]
        x = self.wte(ids) + stack.wpe(torch.arange(T, device=ids.device))  # (B, T, C)
        for block in stack.blocks[: c.gate_layer]:
            x = block(x)
        p = torch.sigmoid(self.gate(self.gate_ln(x))[..., 0])  # (B, T): deletion probability
        p = torch.cat([torch.zeros_like(p[:, :1]), p[:, 1:]], dim=1)  # BOS is never deleted
        bias = gate_bias(p, scale=c.gate_scale, hard=self._is_hard())  # (B, T, T)
        for block in stack.blocks[c.gate_layer :]:
            x = block(x, bias)
        return stack.ln_f(x), p

    def _is_hard(self) -> bool:
        return (not self.training) if self.hard is None else self.hard

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Next-byte logits, the gate soft in train mode and hard in eval mode (or as `self.hard` says).

        Args:
            ids: (B, T) int64 ids in 0..256 (BOS = 256 first).

        Example:
            >>> lm = MrT5LM(MrT5Config(n_layer=2, n_head=1, n_embd=8, block_size=8)).eval()
            >>> lm(torch.tensor([[256, 1, 2]])).shape[-1]
            256
        """
        h, _ = self._hidden(ids)
        return h @ self.wte.weight[:256].T  # (B, T, 256): the tied head

    def deletion_probs(self, ids: torch.Tensor) -> torch.Tensor:
        """The gate's deletion probability at each position (BOS: 0); hard deletion is p > 0.5 (G < k / 2).

        Args:
            ids: (B, T) int64 ids (BOS first).

        Example:
            >>> lm = MrT5LM(MrT5Config(n_layer=2, n_head=1, n_embd=8, block_size=8))
            >>> bool((lm.deletion_probs(torch.tensor([[256, 1, 2]])) < 0.5).all())  # the gate starts keeping
            True
        """
        return self._hidden(ids)[1]

    def batch_loss(self, stream: np.ndarray, *, batch_size: int, seed: int, step: int) -> tuple[torch.Tensor, int]:
        """Cross-entropy of step `step`'s batch minus `delete_weight` x its mean deletion probability (MrT5's
        regulariser; or plus delete_weight x its distance to `delete_target`), and the step's FLOPs (6 x
        flop_params x positions: the soft gate deletes nothing).

        Args:
            stream: the prepared training bytes.
            batch_size: windows per step.
            seed: the run's seed.
            step: the step number.

        Example:
            >>> lm = MrT5LM(MrT5Config(n_layer=2, n_head=1, n_embd=8, block_size=8))
            >>> loss, flops = lm.batch_loss(np.arange(20) % 4, batch_size=2, seed=0, step=0)
            >>> flops == 6 * lm.flop_params() * 16
            True
        """
        windows = sample_windows(stream, batch_size=batch_size, length=self.config.block_size, seed=seed, step=step)
        bos = torch.full_like(windows[:, :1], self.bos_id)
        h, p = self._hidden(torch.cat([bos, windows[:, :-1]], dim=1))
        logits = h @ self.wte.weight[:256].T  # (B, T, 256)
        ce = F.cross_entropy(logits.reshape(-1, 256), windows.reshape(-1))
        c, rate = self.mrt5_config, p[:, 1:].mean()
        reg = -rate if c.delete_target < 0 else (rate - c.delete_target).abs()
        return ce + c.delete_weight * reg, self.training_flops(windows.numel())

    def flop_params(self) -> int:
        """The byte model's counted parameters plus the gate (its LayerNorm and its C -> 1 projection).

        Example:
            >>> lm = MrT5LM(MrT5Config(n_layer=2, n_head=1, n_embd=4, block_size=4))
            >>> lm.flop_params() - ByteLM(ByteConfig(n_layer=2, n_head=1, n_embd=4, block_size=4)).flop_params()
            13
        """
        gate = sum(p.numel() for m in (self.gate_ln, self.gate) for p in m.parameters())
        return super().flop_params() + gate

    @torch.no_grad()
    def deletion_rate(self, text: str) -> float:
        """The share of a text's bytes the hard gate deletes (windows of block_size - 1 bytes after BOS).

        Args:
            text: the text.

        Example:
            >>> lm = MrT5LM(MrT5Config(n_layer=2, n_head=1, n_embd=8, block_size=8))
            >>> lm.deletion_rate("hello world")  # an untrained gate keeps everything
            0.0
        """
        ids = self.prepare(text)
        step, deleted = self.config.block_size - 1, 0
        for start in range(0, len(ids), step):
            seq = torch.as_tensor(np.concatenate([[self.bos_id], ids[start : start + step]]), dtype=torch.long)
            deleted += int((self.deletion_probs(seq[None])[0, 1:] > 0.5).sum())
        return deleted / max(1, len(ids))

    def training_stats(self, text: str) -> dict[str, Any]:
        """What `lm train` records beside bits per byte: the hard deletion rate on the validation text.

        Args:
            text: the validation text.

        Example:
            >>> MrT5LM(MrT5Config(n_layer=2, n_head=1, n_embd=8, block_size=8)).training_stats("hi")
            {'deletion_rate': 0.0}
        """
        return {"deletion_rate": self.deletion_rate(text)}


def gate_bias(p: torch.Tensor, *, scale: float, hard: bool) -> torch.Tensor:
    """The additive attention bias of the gated layers: key j gets k * p_j (soft) or -inf where p_j > 0.5
    (hard), except on the diagonal (a position always sees itself).

    Args:
        p: (B, T) deletion probabilities.
        scale: k (negative).
        hard: the inference gate.

    Example:
        >>> gate_bias(torch.tensor([[0.0, 0.9]]), scale=-30.0, hard=True)[0].tolist()
        [[0.0, -inf], [0.0, 0.0]]
        >>> gate_bias(torch.tensor([[0.0, 0.5]]), scale=-30.0, hard=False)[0, 0].tolist()
        [0.0, -15.0]
    """
    if hard:
        keys = torch.zeros_like(p).masked_fill(p > 0.5, float("-inf"))  # (B, T)
    else:
        keys = scale * p
    bias = keys[:, None, :].expand(-1, p.shape[1], -1)  # (B, T query, T key)
    eye = torch.eye(p.shape[1], dtype=torch.bool, device=p.device)
    return bias.masked_fill(eye, 0.0)
