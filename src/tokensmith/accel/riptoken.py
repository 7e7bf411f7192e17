"""riptoken (PyPI `riptoken`): a Rust reimplementation of tiktoken's CoreBPE, threaded with rayon.

Built from a tiktoken backend's mergeable ranks and split pattern, with no special tokens (plain text only).
Threads: `RAYON_NUM_THREADS` (default: every core). Not handled: HF and SentencePiece tokenizers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class RiptokenAccelerator:
    """riptoken's `CoreBPE` over one tiktoken vocabulary.

    Args:
        ranks: token bytes → rank.
        pattern: the split regex.

    Example:
        >>> import pytest, tokensmith
        >>> _ = pytest.importorskip("riptoken")  # the `accel` extra
        >>> acc = build(tokensmith.load("gpt2"))
        >>> acc.encode("Hello world"), acc.encode_batch(["Hello", "<|endoftext|>"])
        ([15496, 995], [[15496], [27, 91, 437, 1659, 5239, 91, 29]])
    """

    name = "riptoken"

    def __init__(self, ranks: dict[bytes, int], pattern: str) -> None:
        import riptoken

        self._core = riptoken.CoreBPE(ranks, {}, pattern)

    def encode(self, text: str) -> list[int]:
        """Ids of `text` (special-token text as plain text).

        Args:
            text: the text.

        Example:
            >>> import pytest, tokensmith
            >>> _ = pytest.importorskip("riptoken")
            >>> tok = tokensmith.load("gpt2")
            >>> RiptokenAccelerator(tok.backend.mergeable_ranks, tok.backend.pattern).encode("Hello world")
            [15496, 995]
        """
        return self._core.encode_ordinary(text)

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids of many texts, on rayon's threads, in order.

        Args:
            texts: the texts.

        Example:
            >>> import pytest, tokensmith
            >>> _ = pytest.importorskip("riptoken")
            >>> tok = tokensmith.load("gpt2")
            >>> RiptokenAccelerator(tok.backend.mergeable_ranks, tok.backend.pattern).encode_batch(["Hello world", ""])
            [[15496, 995], []]
        """
        return self._core.encode_ordinary_batch(list(texts))


def build(tok: Any) -> RiptokenAccelerator | None:
    """riptoken for a tiktoken tokenizer; None for another backend.

    Args:
        tok: a `tokensmith.Tokenizer`.

    Example:
        >>> import tokensmith
        >>> build(tokensmith.load("bert-base-uncased")) is None
        True
    """
    if tok.native_format != "tiktoken":
        return None
    return RiptokenAccelerator(tok.backend.mergeable_ranks, tok.backend.pattern)
