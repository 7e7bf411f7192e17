"""What byte-level decoding needs from a language model: next-token log-probs for token sequences.

`TokenLM` is the protocol; `HFTokenLM` adapts a transformers causal LM (keeping one KV cache for the shared
"trunk" of the requested contexts, so moving along a text costs a few new tokens per call); `TableLM` is a seeded
random toy model in float64 for exactness tests. This file does not know about bytes or covers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np


class TokenLM(Protocol):
    """A causal LM over token ids.

    `logprobs(contexts)` returns a (len(contexts), vocab_size) float64 array: row k holds log p(t | start + ctx_k)
    for every id t, where `start` (`start_ids`) is the model's own start-of-text prefix. `eos_id` is the id whose
    probability is the end-of-text mass. `calls` counts model forward passes. `logprobs_all(ids)` returns the
    (len(ids) + 1, vocab_size) rows log p(t | start + ids[:j]) for j = 0..len(ids) from one forward call.
    `sequence_logprobs(seqs)` returns, per sequence, the (len(seq),) log p(seq[j] | start + seq[:j]) (the start
    ids themselves are not scored), batching the sequences through the model.
    """

    vocab_size: int
    eos_id: int
    calls: int

    def logprobs(self, contexts: Sequence[tuple[int, ...]]) -> np.ndarray: ...

    def logprobs_all(self, ids: tuple[int, ...]) -> np.ndarray: ...

    def sequence_logprobs(self, seqs: Sequence[tuple[int, ...]]) -> list[np.ndarray]: ...


def _gather(rows: np.ndarray, ids: Sequence[int]) -> np.ndarray:
    """(len(ids),) rows[j, ids[j]] from (len(ids) + 1, V) `logprobs_all` rows."""
    return rows[np.arange(len(ids)), np.asarray(ids, dtype=np.int64)] if len(ids) else np.zeros(0)


class TableLM:
    """A toy LM: a seeded random next-token table indexed by the whole context, in float64.

    Args:
        vocab_size: number of ids (the tokenizer's).
        eos_id: end-of-text id.
        max_len: after this many tokens the model ends the text with probability 1 (so brute force is finite).
        seed: the table's seed; the same seed gives the same model.
        temperature: logit scale (lower = peakier).
        start_ids: the model's start-of-text ids (a BOS), put in front of every context; () for none.

    Example:
        >>> lm = TableLM(vocab_size=5, eos_id=0, max_len=3, seed=0)
        >>> round(float(np.exp(lm.logprobs([(1, 2)])).sum()), 12)
        1.0
    """

    def __init__(
        self, *, vocab_size: int, eos_id: int, max_len: int, seed: int = 0, temperature: float = 1.0,
        start_ids: tuple[int, ...] = (),
    ) -> None:
        self.vocab_size = vocab_size
        self.eos_id = eos_id
        self.max_len = max_len
        self.seed = seed
        self.temperature = temperature
        self.start_ids = tuple(start_ids)
        self.calls = 0

    def _row(self, ctx: tuple[int, ...]) -> np.ndarray:
        ctx = self.start_ids + ctx
        if len(ctx) >= self.max_len:
            row = np.full(self.vocab_size, -np.inf)
            row[self.eos_id] = 0.0
            return row
        rng = np.random.default_rng([self.seed, len(ctx), *ctx])
        logits = rng.normal(size=self.vocab_size) * 2.0 / self.temperature
        return logits - np.logaddexp.reduce(logits)

    def logprobs(self, contexts: Sequence[tuple[int, ...]]) -> np.ndarray:
        """(len(contexts), V) log p(t | start + ctx) per context, counted as one call.

        Args:
            contexts: token id tuples (without the start ids).

        Example:
            >>> lm = TableLM(vocab_size=5, eos_id=0, max_len=3, seed=0)
            >>> lm.logprobs([(1,), (1, 2)]).shape, lm.calls
            ((2, 5), 1)
            >>> lm.logprobs([(1, 2, 3)])  # max_len reached: the text ends for sure
            array([[  0., -inf, -inf, -inf, -inf]])
        """
        self.calls += 1
        return np.stack([self._row(tuple(c)) for c in contexts])

    def logprobs_all(self, ids: tuple[int, ...]) -> np.ndarray:
        """(len(ids) + 1, V) rows after every prefix of `ids`, counted as one call (a model's single pass).

        Args:
            ids: one token id sequence (without the start ids).

        Example:
            >>> lm = TableLM(vocab_size=5, eos_id=0, max_len=3, seed=0)
            >>> rows = lm.logprobs_all((1, 2))
            >>> rows.shape, bool((rows == lm.logprobs([(), (1,), (1, 2)])).all()), lm.calls
            ((3, 5), True, 2)
        """
        self.calls += 1
        return np.stack([self._row(tuple(ids[:j])) for j in range(len(ids) + 1)])

    def sequence_logprobs(self, seqs: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
        """Per sequence, (len(seq),) log p(seq[j] | start + seq[:j]), counted as one call (one batched pass).

        Args:
            seqs: token id sequences.

        Example:
            >>> lm = TableLM(vocab_size=4, eos_id=0, max_len=5, seed=1)
            >>> [x.shape for x in lm.sequence_logprobs([(1, 2), ()])]
            [(2,), (0,)]
        """
        self.calls += 1
        return [_gather(np.stack([self._row(tuple(s[:j])) for j in range(len(s) + 1)]), s) for s in seqs]


class HFTokenLM:
    """A transformers causal LM as a `TokenLM`, with a KV cache on the longest shared context prefix.

    Args:
        model: a `PreTrainedModel` in eval mode.
        vocab_size: the tokenizer's vocab size (the model may have more embedding rows; they are dropped).
        start_ids: the start-of-text ids (BOS), at least one.
        eos_id: the end-of-text id.

    Example:
        >>> tlm = HFTokenLM(tiny_causal_lm(), vocab_size=300, start_ids=(0,), eos_id=1)  # 20 rows unused
        >>> tlm.logprobs([(5,), (5, 6)]).shape
        (2, 300)
    """

    def __init__(self, model: Any, *, vocab_size: int, start_ids: tuple[int, ...], eos_id: int) -> None:
        assert start_ids, "a start-of-text id is needed to condition the first token"
        self.model = model
        self.vocab_size = vocab_size
        self.start_ids = tuple(start_ids)
        self.eos_id = eos_id
        self.calls = 0
        self._trunk: tuple[int, ...] = ()  # ids whose keys/values sit in the cache
        self._cache: Any = None
        self._last: np.ndarray | None = None  # (V,) log-probs after the trunk

    @classmethod
    def from_loaded(cls, loaded: Any) -> HFTokenLM:
        """Wrap a `tokensmith.models.LoadedModel`, taking start and end ids from the tokenizer and model config.

        The start ids are what the tokenizer adds to an empty text, else `<|endoftext|>`, else the config's BOS;
        the end id is `<|endoftext|>` when the tokenizer has one, else the config's EOS.

        Args:
            loaded: a `LoadedModel` (its `model`, `tokenizer` and the model's `config`).

        Example:
            >>> from tokenizers import Tokenizer as HFTokenizer, models
            >>> from tokensmith.backends.hf import HFBackend
            >>> from tokensmith.models import LoadedModel
            >>> from tokensmith.tokenizer import Tokenizer
            >>> hf = HFTokenizer(models.WordLevel({"a": 0, "b": 1, "[UNK]": 2}, unk_token="[UNK]"))
            >>> hf.add_special_tokens(["<|endoftext|>"])
            1
            >>> tok = Tokenizer(HFBackend(hf), name="toy")
            >>> tlm = HFTokenLM.from_loaded(LoadedModel(model=tiny_causal_lm(vocab_size=4), tokenizer=tok, name="toy"))
            >>> tlm.start_ids, tlm.eos_id, tlm.vocab_size
            ((3,), 3, 4)
        """
        tok, cfg = loaded.tokenizer, loaded.model.config
        start = tuple(tok.encode("", add_special_tokens=True))
        specials = tok.special_tokens
        if not start:
            bos = "<|endoftext|>" if "<|endoftext|>" in specials else None
            start = (specials[bos],) if bos else (int(cfg.bos_token_id if cfg.bos_token_id is not None else 0),)
        eos = cfg.eos_token_id[0] if isinstance(cfg.eos_token_id, list) else cfg.eos_token_id
        if "<|endoftext|>" in specials:
            eos = specials["<|endoftext|>"]
        return cls(loaded.model, vocab_size=tok.vocab_size, start_ids=start, eos_id=int(eos))

    def _forward(self, ids: Sequence[int]) -> np.ndarray:
        """Run `ids` after the cached trunk; return (len(ids), V) float64 log-probs. Extends the cache."""
        import torch

        self.calls += 1
        with torch.no_grad():
            out = self.model(input_ids=torch.tensor([list(ids)]), cache=self._cache, use_cache=True)
        self._cache = getattr(out, "cache", None) or out.past_key_values
        logits = out.logits[0, :, : self.vocab_size].double()
        return torch.log_softmax(logits, dim=-1).numpy()

    def _crop_to(self, length: int) -> None:
        """Drop cached keys/values after the first `length` tokens (transformers 5 takes a negative count)."""
        extra = self._cache.get_seq_length() - length
        if extra > 0:
            self._cache.crop(-extra)

    def _sync_trunk(self, target: tuple[int, ...]) -> None:
        """Make the cache hold exactly `target` (start ids included) with `_last` the log-probs after it."""
        if target == self._trunk and self._last is not None:
            return
        keep = 0
        limit = min(len(target), len(self._trunk)) - 1  # keep at least one token to recompute `_last`
        while keep < limit and target[keep] == self._trunk[keep]:
            keep += 1
        if self._cache is not None and keep > 0:
            try:
                self._crop_to(keep)
            except Exception:  # a cache that cannot crop (e.g. sliding windows): start again
                keep, self._cache = 0, None
        else:
            keep, self._cache = 0, None
        self._last = self._forward(target[keep:])[-1]
        self._trunk = target

    def sequence_logprobs(self, seqs: Sequence[tuple[int, ...]], *, batch_size: int = 4) -> list[np.ndarray]:
        """Per sequence, (len(seq),) float64 log p(seq[j] | start + seq[:j]): `batch_size` sequences per forward
        pass, right-padded (causal attention never looks at the padding), no KV cache. The log-softmax runs in the
        model's dtype (float32 unless it was cast) and is returned as float64.

        Args:
            seqs: token id sequences (without the start ids).
            batch_size: sequences per forward pass (memory: batch_size x longest x V logits).

        Example:
            >>> tlm = HFTokenLM(tiny_causal_lm(), vocab_size=320, start_ids=(0,), eos_id=1)
            >>> scores = tlm.sequence_logprobs([(5, 6), (7,)])
            >>> [x.shape for x in scores]
            [(2,), (1,)]
            >>> rows = tlm.logprobs_all((5, 6))  # the same numbers, up to the float32 log-softmax
            >>> bool(np.allclose(scores[0], [rows[0, 5], rows[1, 6]], atol=1e-5))
            True
        """
        import torch

        out: list[np.ndarray] = [np.zeros(0)] * len(seqs)
        order = sorted(range(len(seqs)), key=lambda i: -len(seqs[i]))  # similar lengths share a batch
        s = len(self.start_ids)
        for b in range(0, len(order), batch_size):
            idx = order[b : b + batch_size]
            full = [list(self.start_ids) + list(seqs[i]) for i in idx]
            width = max(len(f) for f in full)
            ids = torch.tensor([f + [f[-1]] * (width - len(f)) for f in full])  # (B, T)
            self.calls += 1
            with torch.no_grad():
                logits = self.model(input_ids=ids, use_cache=False).logits[:, :, : self.vocab_size]  # (B, T, V)
            for row, i in enumerate(idx):
                n = len(seqs[i])
                lg = logits[row, s - 1 : s - 1 + n]  # (n, V): the rows that predict seq[0..n-1]
                target = torch.tensor(list(seqs[i]), dtype=torch.long)[:, None]
                out[i] = (lg.gather(1, target)[:, 0] - torch.logsumexp(lg, dim=-1)).double().numpy()
        return out

    def logprobs_all(self, ids: tuple[int, ...]) -> np.ndarray:
        """(len(ids) + 1, V) log-probs after start + ids[:j] for every j, from ONE forward call.

        The cache is rebuilt on start + ids, so the next `logprobs` call on contexts extending a prefix of `ids`
        only runs the new tokens.

        Args:
            ids: one token id sequence (without the start ids).

        Example:
            >>> tlm = HFTokenLM(tiny_causal_lm(), vocab_size=320, start_ids=(0,), eos_id=1)
            >>> rows = tlm.logprobs_all((5, 6))
            >>> rows.shape, tlm.calls, bool(np.allclose(np.exp(rows).sum(axis=1), 1.0))
            ((3, 320), 1, True)
        """
        full = self.start_ids + tuple(ids)
        self._cache, self._trunk, self._last = None, (), None
        rows = self._forward(full)  # (len(full), V); row i is the distribution after full[: i + 1]
        self._trunk, self._last = full, rows[-1]
        return rows[len(self.start_ids) - 1 :]

    def logprobs(self, contexts: Sequence[tuple[int, ...]]) -> np.ndarray:
        """(len(contexts), V) float64 log p(t | start + ctx) per context: the contexts' shared prefix runs once
        (kept in the KV cache for the next call), then each context's own tokens.

        Args:
            contexts: token id tuples (without the start ids).

        Example:
            >>> tlm = HFTokenLM(tiny_causal_lm(), vocab_size=320, start_ids=(0,), eos_id=1)
            >>> rows = tlm.logprobs_all((5, 6))
            >>> bool(np.allclose(tlm.logprobs([(), (5,), (5, 6)]), rows))
            True
            >>> tlm.calls  # logprobs_all's pass, then the shared start once and each longer context once
            4
        """
        full = [self.start_ids + tuple(c) for c in contexts]
        shared = min(full, key=len)
        for f in full:
            n = 0
            while n < len(shared) and n < len(f) and f[n] == shared[n]:
                n += 1
            shared = shared[:n]
        self._sync_trunk(shared)
        assert self._last is not None
        rows = np.empty((len(full), self.vocab_size))
        base = len(shared)
        for k, f in enumerate(full):
            if len(f) == base:
                rows[k] = self._last
                continue
            rows[k] = self._forward(f[base:])[-1]
            try:
                self._crop_to(base)  # back to the trunk for the next context
            except Exception:  # a cache that cannot crop: rebuild the trunk
                self._cache, self._trunk, self._last = None, (), None
                self._sync_trunk(shared)
        return rows
