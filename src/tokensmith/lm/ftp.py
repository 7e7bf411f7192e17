"""Future Token Prediction: the top state of each position, projected into a short pseudo-sequence that a small
causal decoder reads to predict the next N tokens.

"Future Token Prediction -- Causal Language Modelling with Per-Token Semantic State Vector for Multi-Token
Prediction" (Walker, 2024), section 3: a causal transformer encoder gives h_t; a linear layer turns h_t into N
pseudo-token vectors (with learned positions); a small causal transformer decoder over them predicts tokens
t+1 .. t+N. Related: "Better & Faster Large Language Models via Multi-token Prediction" (Gloeckle et al., 2024),
section 2 (N independent heads on a shared trunk; here the heads are one small decoder, as Walker's).

Over a tokenizer's ids, like `subword.py` (`--tokenizer`, BOS, the tied output layer, the same canonical-bound
scoring). The training loss is the mean over the N offsets of each offset's mean cross-entropy (targets past
the window's end are not scored). Evaluation (`forward`, so bits per byte) uses the next-token head only, the
decoder's first position, which by causality reads only the first pseudo-token: scoring runs that one slot.

FLOPs (`flops.py`'s rule): training = 6 x [(stack + projection) x T + (decoder + head) x T x N] per window of
T tokens (every slot is computed, scored or not); inference = 2 x [stack + one projection slot + decoder + head]
per token. Not built: speculative decoding with the extra heads, the paper's loss weighting over offsets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from tokensmith.errors import ModelError
from tokensmith.lm.subword import SubwordConfig, SubwordLM
from tokensmith.lm.transformer import Stack, StackConfig, init_weights

ARCH = "ftp"


@dataclass(frozen=True)
class FTPConfig(SubwordConfig):
    """The encoder's size (as `SubwordConfig`) and the future-token decoder's.

    Args:
        vocab_size: the tokenizer's vocabulary size.
        n_layer, n_head, n_embd, block_size: the encoder, as in `SequenceConfig`.
        n_future: N, the tokens predicted from each position (1 = next token only).
        dec_layer: blocks of the small decoder over the N pseudo-tokens (width n_embd, heads n_head).

    Example:
        >>> FTPConfig(vocab_size=300).n_future
        4
    """

    n_future: int = 4
    dec_layer: int = 1


class FTPLM(SubwordLM):
    """Encoder -> N pseudo-tokens per position -> small decoder -> the next N tokens (see the module docstring).

    Args:
        config: the sizes.
        tokenizer: the tokenizer whose ids the model reads.

    Example:
        >>> import tokensmith
        >>> tok = tokensmith.load("gpt2")
        >>> lm = FTPLM(FTPConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_embd=8), tokenizer=tok)
        >>> tuple(lm.future_logits(torch.tensor([[tok.vocab_size, 15496]])).shape)  # (B, T, N, V)
        (1, 2, 4, 50257)
    """

    arch = ARCH

    def __init__(self, config: FTPConfig, *, tokenizer: Any) -> None:
        if config.n_future < 1 or config.dec_layer < 1:
            raise ModelError(f"n_future={config.n_future}, dec_layer={config.dec_layer}: both must be >= 1 "
                             "(e.g. --set n_future=4 --set dec_layer=1).")  # fmt: skip
        super().__init__(config, tokenizer=tokenizer)
        self.ftp_config, C, N = config, config.n_embd, config.n_future
        self.to_future = nn.Linear(C, N * C)  # h_t -> N pseudo-token vectors
        self.decoder = Stack(StackConfig(config.dec_layer, config.n_head, C, N))  # causal over the N slots
        self.to_future.apply(init_weights)
        self.decoder.apply(init_weights)

    def _slots(self, ids: torch.Tensor, n: int) -> torch.Tensor:
        """(B, T) ids -> (B, T, n, V) logits of the first n pseudo-token slots (causal: slot k reads slots <= k)."""
        B, T = ids.shape
        C = self.config.n_embd
        h = self.stack(self.wte(ids))  # (B, T, C)
        pseudo = F.linear(h, self.to_future.weight[: n * C], self.to_future.bias[: n * C]).view(B * T, n, C)
        out = self.decoder(pseudo)  # (B T, n, C)
        return (out @ self.wte.weight[: self.config.vocab_size].T).view(B, T, n, -1)  # the head tied to wte

    def future_logits(self, ids: torch.Tensor) -> torch.Tensor:
        """Logits of tokens t+1 .. t+N from every position t: [b, t, k] predicts the id k+1 places after t.

        Args:
            ids: (B, T) int64 ids in 0..vocab_size (BOS first).

        Example:
            >>> import tokensmith
            >>> tok = tokensmith.load("gpt2")
            >>> lm = FTPLM(FTPConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_embd=8, n_future=2),
            ...            tokenizer=tok)
            >>> lm.future_logits(torch.tensor([[tok.vocab_size]])).shape[2]
            2
        """
        return self._slots(ids, self.ftp_config.n_future)  # (B, T, N, V)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Next-token logits: the decoder's first slot only (it reads the first pseudo-token only).

        Args:
            ids: (B, T) int64 ids in 0..vocab_size (BOS first).

        Example:
            >>> import tokensmith
            >>> tok = tokensmith.load("gpt2")
            >>> lm = FTPLM(FTPConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_embd=8), tokenizer=tok)
            >>> ids = torch.tensor([[tok.vocab_size, 15496, 995]])
            >>> bool(torch.allclose(lm(ids), lm.future_logits(ids)[:, :, 0], atol=1e-5))
            True
        """
        return self._slots(ids, 1)[:, :, 0]  # (B, T, V)

    def window_loss(self, windows: torch.Tensor) -> torch.Tensor:
        """Mean over offsets k = 1..N of the mean cross-entropy of predicting id t+k (targets inside the window).

        Args:
            windows: (B, T) int64 ids, read as BOS + window[:-1] -> window.

        Example:
            >>> import tokensmith
            >>> tok = tokensmith.load("gpt2")
            >>> lm = FTPLM(FTPConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_embd=8, n_future=2),
            ...            tokenizer=tok)
            >>> import math
            >>> round(lm.window_loss(torch.tensor([[1, 2, 3]])).item() / math.log(tok.vocab_size), 1)
            1.0
        """
        bos = torch.full_like(windows[:, :1], self.bos_id)
        logits = self.future_logits(torch.cat([bos, windows[:, :-1]], dim=1))  # (B, T, N, V)
        T, N = windows.shape[1], self.ftp_config.n_future
        losses = []
        for k in range(min(N, T)):  # offset k+1: position t predicts windows[:, t + k]
            pred = logits[:, : T - k, k]  # (B, T - k, V)
            losses.append(F.cross_entropy(pred.reshape(-1, pred.shape[-1]), windows[:, k:].reshape(-1)))
        return torch.stack(losses).mean()

    def _parts(self) -> tuple[int, int, int]:
        """(encoder + projection, one projection slot, decoder + head) FLOP-counted parameters."""
        C, V = self.config.n_embd, self.config.vocab_size
        proj = sum(p.numel() for p in self.to_future.parameters())
        return self.stack.flop_params() + proj, C * C + C, self.decoder.flop_params() + V * C

    def flop_params(self) -> int:
        """All FLOP-counted parameters: encoder, projection, decoder and the output head (V x C).

        Example:
            >>> import tokensmith
            >>> tok = tokensmith.load("gpt2")
            >>> lm = FTPLM(FTPConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_embd=8), tokenizer=tok)
            >>> lm.flop_params() == lm._parts()[0] + lm._parts()[2]
            True
        """
        encoder, _, decoder = self._parts()
        return encoder + decoder

    def training_flops(self, n_tokens: int) -> int:
        """6 x [(encoder + projection) x T + (decoder + head) x T x N] for T = n_tokens (every slot computed).

        Args:
            n_tokens: positions of the encoder.

        Example:
            >>> import tokensmith
            >>> tok = tokensmith.load("gpt2")
            >>> lm = FTPLM(FTPConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_embd=8), tokenizer=tok)
            >>> e, _, d = lm._parts(); lm.training_flops(10) == 6 * (e * 10 + d * 40)
            True
        """
        encoder, _, decoder = self._parts()
        return 6 * n_tokens * (encoder + decoder * self.ftp_config.n_future)

    def inference_flops(self, *, n_bytes: int, n_tokens: int) -> float:
        """Forward FLOPs of scoring a text with the next-token head: 2 x (encoder + one slot + decoder) per token.

        Args:
            n_bytes: the text's bytes (unused).
            n_tokens: its tokens.

        Example:
            >>> import tokensmith
            >>> tok = tokensmith.load("gpt2")
            >>> lm = FTPLM(FTPConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_embd=8), tokenizer=tok)
            >>> lm.inference_flops(n_bytes=9, n_tokens=3) < 2 * lm.flop_params() * 3
            True
        """
        encoder, slot, decoder = self._parts()
        encoder -= sum(p.numel() for p in self.to_future.parameters())
        return float(2 * n_tokens * (encoder + slot + decoder))
