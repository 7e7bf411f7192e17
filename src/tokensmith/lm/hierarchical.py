"""The word-pooled hierarchical byte LM: a byte encoder per word, a causal backbone over words, a byte decoder.

The family of "Hierarchical Autoregressive Transformers" (HAT; Neitemeier et al., 2025, section 3), "Learn Your
Tokens" (Thawani et al., 2023, section 3) and Byte2Word ("Word-Level Representation From Bytes", Sreedhar et al.,
2023, section 3). Words come from `words.split_words` (hat-splitter, or Unicode rules), at most
`max_word_bytes` bytes each. For a window of W words with bytes b_i (word i, length n_i <= L):
- encoder: a small bidirectional byte transformer within each word (a word is whole once read), its states
  pooled to one vector per word (`pooling`): `first` (the first byte's state, HAT's choice), `cls` (the mean of
  `n_slots` learned CLS slots put before the bytes, Learn Your Tokens), or `query` (cross-attention from
  `n_slots` learned queries, Byte2Word), or `concat` (no encoder transformer: the L byte embeddings, each with
  its slot's position, concatenated and projected: MEGABYTE's patch embedder, used by `patch.py`); then
  projected to the backbone width;
- backbone: a causal transformer over [BOS, word_0, ..., word_{W-2}]: its output h_i has seen words < i only;
- decoder: a small causal byte transformer over [h_i, b_i[0], ..., b_i[n_i - 1]] that predicts b_i[0..n_i-1]
  and then an end-of-word symbol (id 256).

Bits of a text = the bits of every byte and every end-of-word symbol under the splitter's segmentation: an upper
bound on -log2 p(bytes), like the subword canonical bound. Causal in bytes: the probability of byte j of word i
depends on words < i and on bytes < j of word i only. Not handled: words longer than L are cut by the splitter,
not modelled whole; no global byte-level attention (HAT's encoder/decoder see one word each).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from tokensmith.errors import ModelError, TrainingError
from tokensmith.lm.sequence import score_windows
from tokensmith.lm.transformer import Stack, StackConfig, init_weights, scaled_residual_init
from tokensmith.lm.words import SPLITTERS, split_words

ARCH = "hierarchical"
PAD = 256  # byte-embedding row of a padding slot
EOW = 256  # decoder output id of end-of-word
POOLINGS = ("first", "cls", "query", "concat")


@dataclass(frozen=True)
class HierConfig:
    """Sizes of the three sub-networks, the word splitting and the pooling.

    Args:
        n_layer: backbone blocks.
        n_head: backbone heads.
        n_embd: backbone width.
        block_size: backbone context in words (BOS included).
        enc_layer: encoder blocks.
        enc_embd: encoder width.
        dec_layer: decoder blocks.
        dec_embd: decoder width.
        sub_head: heads of the encoder and decoder.
        max_word_bytes: the longest word L (longer ones are cut by the splitter).
        pooling: 'first', 'cls', 'query' or 'concat'.
        n_slots: CLS slots or learned queries (cls, query).
        splitter: 'hat' or 'unicode' (words); 'fixed' or 'space' (patches).

    Example:
        >>> HierConfig(pooling="query").n_slots
        1
    """

    n_layer: int = 2
    n_head: int = 2
    n_embd: int = 64
    block_size: int = 64
    enc_layer: int = 1
    enc_embd: int = 64
    dec_layer: int = 1
    dec_embd: int = 64
    sub_head: int = 2
    max_word_bytes: int = 16
    pooling: str = "first"
    n_slots: int = 1
    splitter: str = "hat"


@dataclass(frozen=True)
class WordStream:
    """A text as padded words: `words` (n, L) int64 bytes with PAD after each word's end, `lengths` (n,)."""

    words: np.ndarray
    lengths: np.ndarray


class HierarchicalLM(nn.Module):
    """Byte encoder → word backbone → byte decoder (see the module docstring).

    Args:
        config: the model's sizes and choices.

    Example:
        >>> cfg = HierConfig(n_embd=16, enc_embd=8, dec_embd=8, n_head=1, sub_head=1, max_word_bytes=8,
        ...                  splitter="unicode")
        >>> lm = HierarchicalLM(cfg)
        >>> s = lm.prepare("the cat sat")
        >>> tuple(lm.symbol_logprobs(torch.as_tensor(s.words)[None], torch.as_tensor(s.lengths)[None]).shape)
        (1, 3, 9)
    """

    arch = ARCH

    def __init__(self, config: HierConfig) -> None:
        super().__init__()
        c = config
        if c.pooling not in POOLINGS or c.splitter not in SPLITTERS:
            raise ModelError(f"pooling={c.pooling!r}, splitter={c.splitter!r}: pooling takes one of "
                             f"{', '.join(POOLINGS)}; splitter one of {', '.join(SPLITTERS)}")  # fmt: skip
        self.config = c
        L, S = c.max_word_bytes, c.n_slots if c.pooling == "cls" else 0
        self.enc_wte = nn.Embedding(257, c.enc_embd)  # 256 bytes + PAD
        self.encoder = Stack(StackConfig(c.enc_layer, c.sub_head, c.enc_embd, L + S), causal=False)
        self.slots = nn.Parameter(torch.zeros(max(c.n_slots, 1), c.enc_embd))  # CLS slots or pooling queries
        width = c.enc_embd * L if c.pooling == "concat" else c.enc_embd  # concat: all L slots side by side
        self.to_backbone = nn.Linear(width, c.n_embd)
        self.bos = nn.Parameter(torch.zeros(c.n_embd))
        self.backbone = Stack(StackConfig(c.n_layer, c.n_head, c.n_embd, c.block_size))
        self.to_decoder = nn.Linear(c.n_embd, c.dec_embd)
        self.dec_wte = nn.Embedding(257, c.dec_embd)
        self.decoder = Stack(StackConfig(c.dec_layer, c.sub_head, c.dec_embd, L + 1))
        self.head = nn.Linear(c.dec_embd, 257)  # 256 bytes + EOW
        self.apply(init_weights)
        nn.init.normal_(self.slots, std=0.02)
        scaled_residual_init(self, n_layer=c.enc_layer + c.n_layer + c.dec_layer)

    def _pool(self, words: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """(N, L) padded words, (N,) lengths → (N, C) backbone inputs."""
        c, N, L = self.config, words.shape[0], words.shape[1]
        x = self.enc_wte(words)  # (N, L, Ce)
        if c.pooling == "concat":  # MEGABYTE: slot positions added, then the slots side by side
            return self.to_backbone((x + self.encoder.wpe.weight[:L]).reshape(N, L * c.enc_embd))  # (N, C)
        pad = torch.arange(L, device=words.device)[None] >= lengths[:, None]  # (N, L) True at padding
        if c.pooling == "cls":
            x = torch.cat([self.slots[None].expand(N, -1, -1), x], dim=1)  # (N, S + L, Ce)
            pad = torch.cat([torch.zeros(N, c.n_slots, dtype=torch.bool, device=pad.device), pad], dim=1)
        bias = torch.zeros(pad.shape, device=x.device).masked_fill(pad, float("-inf"))[:, None, None]  # (N,1,1,T)
        h = self.encoder(x, bias)  # (N, T, Ce)
        if c.pooling == "first":
            pooled = h[:, 0]
        elif c.pooling == "cls":
            pooled = h[:, : c.n_slots].mean(dim=1)
        else:  # query: softmax(q . h / sqrt(Ce)) over the word's real bytes
            scores = torch.einsum("sc,ntc->nst", self.slots, h) / math.sqrt(c.enc_embd)  # (N, S, L)
            weights = scores.masked_fill(pad[:, None], float("-inf")).softmax(dim=-1)
            pooled = torch.einsum("nst,ntc->nsc", weights, h).mean(dim=1)  # (N, Ce)
        return self.to_backbone(pooled)  # (N, C)

    def symbol_logprobs(self, words: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """Log-probabilities of every target symbol: [..., j] is byte j of the word (j < n) or EOW (j == n).

        Args:
            words: (B, W) words of (L,) padded bytes: (B, W, L) int64, PAD after each word.
            lengths: (B, W) word lengths (1..L).

        Example:
            >>> lm = HierarchicalLM(HierConfig(n_embd=8, enc_embd=8, dec_embd=8, n_head=1, sub_head=1,
            ...                                max_word_bytes=4, splitter="unicode"))
            >>> out = lm.symbol_logprobs(torch.tensor([[[104, 105, 256, 256]]]), torch.tensor([[2]]))
            >>> bool((out[0, 0, 3:] == 0).all())  # after EOW (position 2): nothing is scored
            True
        """
        B, W, L = words.shape
        c = self.config
        pooled = self._pool(words.reshape(B * W, L), lengths.reshape(B * W)).view(B, W, c.n_embd)  # (B, W, C)
        inputs = torch.cat([self.bos.expand(B, 1, -1), pooled[:, :-1]], dim=1)  # (B, W, C): word i sees < i
        h = self.backbone(inputs)  # (B, W, C)
        flat = words.reshape(B * W, L)
        dec_in = torch.cat([self.to_decoder(h).reshape(B * W, 1, -1), self.dec_wte(flat)], dim=1)  # (BW, L+1, Cd)
        logp = torch.log_softmax(self.head(self.decoder(dec_in)), dim=-1)  # (BW, L+1, 257)
        targets, keep = _targets(flat, lengths.reshape(B * W))  # (BW, L+1)
        picked = logp.gather(-1, targets.clamp(max=256)[..., None])[..., 0] * keep  # (BW, L+1)
        return picked.view(B, W, L + 1)

    def flop_params(self) -> int:
        """All FLOP-counted parameters (the sum over sub-networks; `batch_flops` weighs each by its positions).

        Example:
            >>> lm = HierarchicalLM(HierConfig(n_embd=8, enc_embd=8, dec_embd=8, n_head=1, sub_head=1))
            >>> lm.flop_params() == sum(lm._sub_params())
            True
        """
        return sum(self._sub_params())

    def _sub_params(self) -> tuple[int, int, int]:
        """(encoder per byte slot, per word, decoder per byte slot) FLOP-counted parameters."""
        c = self.config
        per_word = sum(p.numel() for m in (self.to_backbone, self.to_decoder) for p in m.parameters())
        per_word += self.backbone.flop_params() + (c.n_slots * c.enc_embd if c.pooling == "query" else 0)
        decoder = self.decoder.flop_params() + sum(p.numel() for p in self.head.parameters())
        encoder = 0 if c.pooling == "concat" else self.encoder.flop_params()  # concat runs no encoder blocks
        return encoder, per_word, decoder

    def positions_flops(self, *, n_bytes: int, n_words: int, factor: int) -> int:
        """`factor` x sum over sub-networks of params x positions (factor 6: training, 2: inference).

        Args:
            n_bytes: real bytes in the words.
            n_words: words.
            factor: FLOPs per parameter per position.

        Example:
            >>> lm = HierarchicalLM(HierConfig(n_embd=8, enc_embd=8, dec_embd=8, n_head=1, sub_head=1))
            >>> enc, word, dec = lm._sub_params()
            >>> lm.positions_flops(n_bytes=10, n_words=2, factor=6) == 6 * (enc * 10 + word * 2 + dec * 12)
            True
        """
        enc, word, dec = self._sub_params()
        slots = self.config.n_slots if self.config.pooling == "cls" else 0
        return factor * (enc * (n_bytes + slots * n_words) + word * n_words + dec * (n_bytes + n_words))

    def inference_flops(self, *, n_bytes: int, n_tokens: int) -> float:
        """Forward FLOPs of reading a text once (`n_tokens` = its words).

        Args:
            n_bytes: the text's bytes.
            n_tokens: its words.

        Example:
            >>> lm = HierarchicalLM(HierConfig(n_embd=8, enc_embd=8, dec_embd=8, n_head=1, sub_head=1))
            >>> lm.inference_flops(n_bytes=10, n_tokens=2) == lm.positions_flops(n_bytes=10, n_words=2, factor=2)
            True
        """
        return float(self.positions_flops(n_bytes=n_bytes, n_words=n_tokens, factor=2))

    def prepare(self, text: str) -> WordStream:
        """The text's words, padded.

        Args:
            text: the text.

        Example:
            >>> lm = HierarchicalLM(HierConfig(n_embd=8, enc_embd=8, dec_embd=8, n_head=1, sub_head=1,
            ...                                max_word_bytes=4, splitter="unicode"))
            >>> lm.prepare("hi you").lengths.tolist()
            [2, 4]
        """
        L = self.config.max_word_bytes
        words = self.split(text)
        padded = np.full((len(words), L), PAD, dtype=np.int64)
        for k, w in enumerate(words):
            padded[k, : len(w)] = np.frombuffer(w, dtype=np.uint8)
        return WordStream(padded, np.array([len(w) for w in words], dtype=np.int64))

    def split(self, text: str) -> list[bytes]:
        """The text cut into words (or patches) of at most `max_word_bytes` bytes, every byte kept.

        Args:
            text: the text.

        Example:
            >>> HierarchicalLM(HierConfig(n_embd=8, enc_embd=8, dec_embd=8, n_head=1, sub_head=1,
            ...                           splitter="unicode")).split("hi you")
            [b'hi', b' you']
        """
        c = self.config
        return split_words(text, max_bytes=c.max_word_bytes, splitter=c.splitter)  # type: ignore[arg-type]

    def _window_batch(self, stream: WordStream, *, batch_size: int, seed: int, step: int) -> tuple[torch.Tensor, ...]:
        W = self.config.block_size
        if len(stream.lengths) < W:
            raise TrainingError(f"the training text has {len(stream.lengths)} words, fewer than one window of "
                                f"block_size={W} words; pass more text or --set block_size={len(stream.lengths)}.")  # fmt: skip
        rng = np.random.default_rng([seed, step])
        starts = rng.integers(0, len(stream.lengths) - W + 1, size=batch_size)
        words = np.stack([stream.words[s : s + W] for s in starts])  # (B, W, L)
        lengths = np.stack([stream.lengths[s : s + W] for s in starts])  # (B, W)
        return torch.as_tensor(words), torch.as_tensor(lengths)

    def batch_loss(self, stream: WordStream, *, batch_size: int, seed: int, step: int) -> tuple[torch.Tensor, int]:
        """Mean nats per symbol (bytes and end-of-word) of step `step`'s batch, and its training FLOPs.

        Args:
            stream: the prepared words.
            batch_size: windows of block_size words per step.
            seed: the run's seed.
            step: the step (the batch depends on seed and step only).

        Example:
            >>> lm = HierarchicalLM(HierConfig(n_embd=8, enc_embd=8, dec_embd=8, n_head=1, sub_head=1,
            ...                                block_size=2, max_word_bytes=4, splitter="unicode"))
            >>> loss, flops = lm.batch_loss(lm.prepare("a bc def"), batch_size=1, seed=0, step=0)
            >>> round(loss.item() / math.log(257), 1)  # about uniform over 257 symbols at initialisation
            1.0
        """
        words, lengths = self._window_batch(stream, batch_size=batch_size, seed=seed, step=step)
        logp = self.symbol_logprobs(words, lengths)  # (B, W, L + 1)
        n_symbols = int(lengths.sum()) + lengths.numel()
        flops = self.positions_flops(n_bytes=int(lengths.sum()), n_words=lengths.numel(), factor=6)
        return -logp.sum() / n_symbols, flops

    def step_flops_estimate(self, stream: WordStream, *, batch_size: int, seed: int) -> tuple[float, str]:
        """The mean FLOPs of a step over 32 sampled batches (the cost depends on the words drawn).

        Args:
            stream: the prepared words.
            batch_size: windows per step.
            seed: the run's seed.

        Example:
            >>> lm = HierarchicalLM(HierConfig(n_embd=8, enc_embd=8, dec_embd=8, n_head=1, sub_head=1,
            ...                                block_size=2, max_word_bytes=4, splitter="unicode"))
            >>> lm.step_flops_estimate(lm.prepare("a bc"), batch_size=1, seed=0)[0] > 0
            True
        """
        costs = []
        for step in range(32):
            _, lengths = self._window_batch(stream, batch_size=batch_size, seed=seed, step=step)
            costs.append(self.positions_flops(n_bytes=int(lengths.sum()), n_words=lengths.numel(), factor=6))
        mean = float(np.mean(costs))
        return mean, f"6 x params x positions of each sub-network, {batch_size} x {self.config.block_size} words"

    def count_tokens(self, chunk: bytes) -> int:
        """Positions of the backbone for a chunk: its words.

        Args:
            chunk: UTF-8 bytes.

        Example:
            >>> HierarchicalLM(HierConfig(n_embd=8, enc_embd=8, dec_embd=8, n_head=1, sub_head=1,
            ...                           splitter="unicode")).count_tokens(b"the cat")
            2
        """
        return len(self.prepare(chunk.decode("utf-8")).lengths)

    @torch.no_grad()
    def chunk_logprobs(self, chunk: bytes) -> np.ndarray:
        """Natural-log probabilities of every symbol (bytes and end-of-word marks) of a chunk, from BOS.

        Args:
            chunk: UTF-8 bytes.

        Example:
            >>> lm = HierarchicalLM(HierConfig(n_embd=8, enc_embd=8, dec_embd=8, n_head=1, sub_head=1,
            ...                                block_size=2, splitter="unicode"))
            >>> lm.chunk_logprobs(b"the cat sat").shape  # 11 bytes + 3 end-of-word marks
            (14,)
        """
        stream = self.prepare(chunk.decode("utf-8"))
        n, W = len(stream.lengths), self.config.block_size
        per_word = [np.zeros(0)] * n
        for start, first in score_windows(n, block=W):
            words = torch.as_tensor(stream.words[start : start + W])[None]
            lengths = torch.as_tensor(stream.lengths[start : start + W])[None]
            logp = self.symbol_logprobs(words, lengths)[0].double().numpy()  # (w, L + 1)
            for k in range(first - start, words.shape[1]):
                per_word[start + k] = logp[k, : int(lengths[0, k]) + 1]
        return np.concatenate(per_word) if per_word else np.zeros(0)


def _targets(words: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, L) padded words → (N, L + 1) targets (bytes, then EOW at position n) and a 0/1 mask of scored slots."""
    N, L = words.shape
    pos = torch.arange(L + 1, device=words.device)[None]  # (1, L + 1)
    targets = torch.cat([words, torch.full((N, 1), PAD, device=words.device)], dim=1)  # (N, L + 1)
    targets = torch.where(pos == lengths[:, None], torch.full_like(targets, EOW), targets)
    keep = (pos <= lengths[:, None]).to(torch.float32)
    return targets, keep
