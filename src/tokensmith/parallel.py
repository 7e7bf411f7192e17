"""Encode a corpus on every core into flat numpy arrays: `encode_corpus(tok, texts) -> EncodedCorpus`.

Shapes: `ids` (T,) uint32 — every text's ids, concatenated in input order; `offsets` (S+1,) int64 — text s has
`ids[offsets[s]:offsets[s+1]]`. No Python list per text survives the call: texts are encoded in shards of
`SHARD_TEXTS` and each shard is flattened at once.

Where the cores come from: `Tokenizer.encode_batch`, i.e. the verified accelerator's threads (riptoken, fastokens,
tokie, gigatoken, kitoken use rayon pools) or the backend's own (tiktoken's thread pool, HF tokenizers' rayon
pool, SentencePiece's `num_threads`). With `workers=N > 1` shards also run N at a time on Python threads (every
encoder above releases the GIL except bpe-openai), which helps encoders with one thread per call. The function
takes a Tokenizer or a spec string, so a distributed engine can call it per shard (the playground's Ray engine
does).

Not handled: options (special-token parsing, BOS/EOS): encode with `Tokenizer.encode_batch` for those.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from tokensmith.flat import concat_flat, flatten

SHARD_TEXTS = 4096  # texts per encode_batch call: large enough for the libraries' pools, small enough for memory


@dataclass(frozen=True)
class EncodedCorpus:
    """Ids of many texts, flat.

    Args:
        ids: (T,) uint32 token ids of all texts, in order.
        offsets: (S+1,) int64; text s is `ids[offsets[s]:offsets[s+1]]`.
    """

    ids: np.ndarray
    offsets: np.ndarray

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, s: int) -> list[int]:
        """The ids of text `s` as a list.

        Args:
            s: the text's index.

        Example:
            >>> EncodedCorpus(np.array([7, 8, 9], np.uint32), np.array([0, 2, 3]))[1]
            [9]
        """
        return self.ids[self.offsets[s] : self.offsets[s + 1]].tolist()

    def lengths(self) -> np.ndarray:
        """(S,) tokens per text.

        Example:
            >>> EncodedCorpus(np.array([7, 8, 9], np.uint32), np.array([0, 2, 3])).lengths().tolist()
            [2, 1]
        """
        return np.diff(self.offsets)


def _resolve(tok: Any) -> Any:
    if isinstance(tok, str):
        from tokensmith.spec import load

        return load(tok)
    return tok


def encode_corpus(tok: Any, texts: Sequence[str], *, workers: int | None = None) -> EncodedCorpus:
    """Token ids of every text (plain text: no special-token parsing, no BOS/EOS), flat, in input order.

    Args:
        tok: a `tokensmith.Tokenizer`, or a spec string (`tokensmith.load`).
        texts: the texts.
        workers: shards encoded at once on Python threads (None or 1: one at a time; the encoder's own threads
            still use every core).

    Example:
        >>> import tokensmith
        >>> enc = encode_corpus("gpt2", ["Hello world", "", "Hi"], workers=2)
        >>> enc.ids.tolist(), enc.offsets.tolist(), enc[0]
        ([15496, 995, 17250], [0, 2, 2, 3], [15496, 995])
    """
    tok = _resolve(tok)
    shards = [texts[i : i + SHARD_TEXTS] for i in range(0, len(texts), SHARD_TEXTS)]

    def one(shard: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        return tok.encode_batch_flat(shard)

    if workers is not None and workers > 1 and len(shards) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(one, shards))  # map keeps the shards' order
    else:
        parts = [one(s) for s in shards]
    ids, offsets = concat_flat(parts)
    return EncodedCorpus(ids=ids.astype(np.uint32, copy=False), offsets=offsets)

__all__ = ["SHARD_TEXTS", "EncodedCorpus", "encode_corpus", "flatten"]
