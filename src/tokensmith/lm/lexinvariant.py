"""The lexinvariant LM: no fixed token embeddings; every sequence draws fresh random ones, tied to the output.

"Lexinvariant Language Models" (Huang et al., 2023), section 3: for each sequence, every token id gets an
embedding drawn i.i.d. from a Gaussian; the same table is the output layer (logits = h . E_seq^T), so the model
can only tell tokens apart by how they recur in the context (in-context "deciphering"). Here over any tokensmith
tokenizer's ids, with the subword model's stack, context and BOS (whose embedding is drawn fresh too).

Randomness: a training batch's tables depend on (seed, step) only; scoring draws each window's table from a
fixed seed (`SCORE_SEED`), so bits per byte are reproducible. The loss at position t falls as t grows (the
paper's main observation): `loss_by_position` measures it for this model and for a standard one.
Not handled: the paper's regularised variant (a few fixed embeddings mixed in).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from tokensmith.lm.sequence import sample_windows
from tokensmith.lm.subword import SubwordConfig, SubwordLM

ARCH = "lexinvariant"
SCORE_SEED = 1234


@dataclass(frozen=True)
class LexConfig(SubwordConfig):
    """The lexinvariant model's size (fields as `SubwordConfig`; `vocab_size` is the tokenizer's).

    Args:
        vocab_size: the tokenizer's vocabulary size.
        n_layer, n_head, n_embd, block_size: as in `SequenceConfig`.

    Example:
        >>> LexConfig(vocab_size=300).n_embd
        64
    """


class LexinvariantLM(SubwordLM):
    """A causal transformer whose token embeddings are drawn fresh for every sequence.

    Args:
        config: the model's size.
        tokenizer: the tokenizer whose ids the model reads.

    Example:
        >>> import tokensmith
        >>> tok = tokensmith.load("gpt2")
        >>> lm = LexinvariantLM(LexConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_embd=8), tokenizer=tok)
        >>> lm.token_lm().sequence_logprobs([(15496, 995)])[0].shape
        (2,)
    """

    arch = ARCH

    def __init__(self, config: LexConfig, *, tokenizer: object) -> None:
        super().__init__(config, tokenizer=tokenizer)
        self._generator = torch.Generator().manual_seed(SCORE_SEED)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Next-id logits under a fresh random table per row of `ids`.

        Args:
            ids: (B, T) int64 ids in 0..vocab_size (BOS included).

        Example:
            >>> import tokensmith
            >>> tok = tokensmith.load("gpt2")
            >>> lm = LexinvariantLM(LexConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_embd=8), tokenizer=tok)
            >>> lm(torch.tensor([[tok.vocab_size, 5]])).shape[-1] == tok.vocab_size
            True
        """
        B, C, V = ids.shape[0], self.config.n_embd, self.config.vocab_size
        table = torch.randn(B, V + 1, C, generator=self._generator) / math.sqrt(C)  # (B, V + 1, C)
        x = table[torch.arange(B)[:, None], ids]  # (B, T, C)
        h = self.stack(x)  # (B, T, C)
        return h @ table[:, :V].transpose(1, 2)  # (B, T, V): the output tied to the same random table

    def batch_loss(self, stream: np.ndarray, *, batch_size: int, seed: int, step: int) -> tuple[torch.Tensor, int]:
        """As `SequenceLM.batch_loss`, with this step's random tables drawn from (seed, step).

        Args:
            stream: the prepared training ids.
            batch_size: windows per step.
            seed: the run's seed.
            step: the step number.

        Example:
            >>> import tokensmith
            >>> tok = tokensmith.load("gpt2")
            >>> lm = LexinvariantLM(LexConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_embd=8,
            ...                               block_size=4), tokenizer=tok)
            >>> a, _ = lm.batch_loss(np.arange(10), batch_size=1, seed=0, step=0)
            >>> b, _ = lm.batch_loss(np.arange(10), batch_size=1, seed=0, step=0)
            >>> bool(a == b)
            True
        """
        self._generator.manual_seed(seed * 1_000_003 + step)
        return super().batch_loss(stream, batch_size=batch_size, seed=seed, step=step)

    @torch.no_grad()
    def stream_logprobs(self, ids: np.ndarray) -> np.ndarray:
        """As `SequenceLM.stream_logprobs`, with the scoring tables drawn from `SCORE_SEED` (reproducible).

        Args:
            ids: (n,) ids.

        Example:
            >>> import tokensmith
            >>> tok = tokensmith.load("gpt2")
            >>> lm = LexinvariantLM(LexConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_embd=8), tokenizer=tok)
            >>> bool((lm.stream_logprobs(np.array([1, 2, 3])) == lm.stream_logprobs(np.array([1, 2, 3]))).all())
            True
        """
        self._generator.manual_seed(SCORE_SEED)
        return super().stream_logprobs(ids)


@torch.no_grad()
def loss_by_position(model: SubwordLM, text: str, *, windows: int = 64, seed: int = 0) -> np.ndarray:
    """Mean loss in bits at each window position, over `windows` random BOS-started windows of `text`.

    Args:
        model: a subword or lexinvariant model.
        text: the text.
        windows: windows averaged.
        seed: which windows.

    Example:
        >>> import tokensmith
        >>> tok = tokensmith.load("gpt2")
        >>> lm = LexinvariantLM(LexConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_embd=8,
        ...                               block_size=4), tokenizer=tok)
        >>> loss_by_position(lm, "the cat sat on the mat", windows=2).shape
        (4,)
    """
    if isinstance(model, LexinvariantLM):
        model._generator.manual_seed(SCORE_SEED)
    batch = sample_windows(model.prepare(text), batch_size=windows, length=model.config.block_size, seed=seed, step=0)
    bos = torch.full_like(batch[:, :1], model.bos_id)
    logp = torch.log_softmax(model(torch.cat([bos, batch[:, :-1]], dim=1)).double(), dim=-1)  # (B, T, V)
    picked = logp.gather(-1, batch[..., None])[..., 0]  # (B, T)
    return (-picked.mean(dim=0) / math.log(2)).numpy()
