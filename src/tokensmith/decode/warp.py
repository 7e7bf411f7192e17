"""Logit warping for sampling: temperature, top-k and top-p (nucleus), as one `Warp` applied to rows of logits.

The warped distribution is the target that exact speculative sampling reproduces: every sampler in
`sampling.py` and `rsd.py` draws from `Warp.probs(logits)`, never from the raw softmax. Order of operations (the
order of transformers' `generate`): divide by the temperature, keep the top-k logits, then keep the smallest set of
most likely tokens whose probability reaches top-p (Holtzman et al., 2020, "The Curious Case of Neural Text
Degeneration", section 3.1), renormalize. Ties at the top-k / top-p boundary are broken by the lowest id, so a
warp is a deterministic function of the logits.

Not handled: repetition penalties, min-p, typical sampling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from tokensmith.errors import GenerationError

__all__ = ["Warp"]


@dataclass(frozen=True)
class Warp:
    """A sampling distribution over logits.

    Attributes:
        temperature: > 0; 1 keeps the model's distribution.
        top_k: keep the k most likely tokens (0 = all).
        top_p: keep the smallest most-likely set whose mass reaches top_p (1 = all).

    Example:
        >>> Warp(temperature=1.0, top_k=2).probs(np.log([[0.5, 0.3, 0.2]])).round(3).tolist()
        [[0.625, 0.375, 0.0]]
    """

    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0

    def __post_init__(self) -> None:
        if not self.temperature > 0:
            raise GenerationError(
                f"sampling needs a temperature > 0 (got {self.temperature}); pass --temperature 0.7, or leave "
                "--temperature, --top-k and --top-p out for greedy decoding."
            )
        if self.top_k < 0:
            raise GenerationError(f"--top-k must be >= 0 (got {self.top_k}); 0 keeps every token.")
        if not 0 < self.top_p <= 1:
            raise GenerationError(f"--top-p must be in (0, 1] (got {self.top_p}); 1 keeps every token.")

    def probs(self, logits: np.ndarray) -> np.ndarray:
        """Warped probabilities, float64, same shape as `logits` [..., V]; each row sums to 1.

        Args:
            logits: [..., V] logits (or log-probabilities) of any float dtype; -inf entries get probability 0.

        Example:
            >>> Warp(temperature=0.5).probs(np.log([[0.5, 0.25, 0.25]])).round(3).tolist()
            [[0.667, 0.167, 0.167]]
            >>> Warp(top_p=0.6).probs(np.log([[0.5, 0.3, 0.2]])).round(3).tolist()
            [[0.625, 0.375, 0.0]]
        """
        z = np.asarray(logits, dtype=np.float64) / self.temperature
        z = z - z.max(axis=-1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=-1, keepdims=True)
        if self.top_k or self.top_p < 1:
            p = p * self._keep(p)
            p /= p.sum(axis=-1, keepdims=True)
        return p

    def _keep(self, p: np.ndarray) -> np.ndarray:
        """bool [..., V]: the tokens top-k and top-p keep. Sorted by probability descending, lowest id first."""
        order = np.argsort(-p, axis=-1, kind="stable")  # [..., V]
        sorted_p = np.take_along_axis(p, order, axis=-1)
        keep_sorted = np.ones(p.shape, dtype=bool)
        if self.top_k:
            keep_sorted[..., self.top_k :] = False
            sorted_p = np.where(keep_sorted, sorted_p, 0.0)
            sorted_p = sorted_p / sorted_p.sum(axis=-1, keepdims=True)
        if self.top_p < 1:
            before = np.cumsum(sorted_p, axis=-1) - sorted_p  # mass of the tokens ranked above each one
            keep_sorted &= before < self.top_p
        keep = np.empty_like(keep_sorted)
        np.put_along_axis(keep, order, keep_sorted, axis=-1)
        return keep

    def to_dict(self) -> dict[str, float | int]:
        """Plain dict for JSON.

        Example:
            >>> Warp(temperature=0.7).to_dict()
            {'temperature': 0.7, 'top_k': 0, 'top_p': 1.0}
        """
        return {"temperature": self.temperature, "top_k": self.top_k, "top_p": self.top_p}
