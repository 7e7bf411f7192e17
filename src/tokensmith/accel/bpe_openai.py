"""bpe-openai (PyPI `bpe-openai`): Python bindings of GitHub's linear-time Rust BPE (`bpe-openai` crate).

The crate ships its own cl100k_base and o200k_base vocabularies and cannot load another one. So it is used only for
a tiktoken tokenizer whose ranks are exactly those of one of its encodings (compared here, rank
by rank; the ids are then checked by `verify.py`). The binding holds the GIL, so `encode_batch` is a plain loop.
Not handled: gpt2/r50k, llama3, HF and SentencePiece tokenizers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

ENCODINGS = ("cl100k_base", "o200k_base")  # the vocabularies the crate ships


class BpeOpenaiAccelerator:
    """The crate's tokenizer for one of its encodings.

    Args:
        encoding: 'cl100k_base' or 'o200k_base'.

    Example:
        >>> import pytest
        >>> _ = pytest.importorskip("bpe_openai")  # the `accel` extra
        >>> BpeOpenaiAccelerator("cl100k_base").encode_batch(["Hello world"])
        [[9906, 1917]]
    """

    name = "bpe-openai"

    def __init__(self, encoding: str) -> None:
        from bpe_openai import _bindings

        self._tok = _bindings.tokenizer_for_encoding(encoding)

    def encode(self, text: str) -> list[int]:
        """Ids of `text` (special-token text as plain text).

        Args:
            text: the text.

        Example:
            >>> import pytest, tokensmith
            >>> _ = pytest.importorskip("bpe_openai")
            >>> tok = tokensmith.load("cl100k_base")
            >>> BpeOpenaiAccelerator("cl100k_base").encode("Hello world")
            [9906, 1917]
        """
        return self._tok.encode(text)

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids of many texts, in order (one thread: the binding holds the GIL).

        Args:
            texts: the texts.

        Example:
            >>> import pytest, tokensmith
            >>> _ = pytest.importorskip("bpe_openai")
            >>> tok = tokensmith.load("cl100k_base")
            >>> BpeOpenaiAccelerator("cl100k_base").encode_batch(["Hello world", ""])
            [[9906, 1917], []]
        """
        encode = self._tok.encode
        return [encode(t) for t in texts]


def _same_encoding(tok: Any) -> str | None:
    """The crate's encoding whose ranks equal `tok`'s, if any (its split rules are the crate's own code, so the
    pattern is not compared: verification checks the ids)."""
    from bpe_openai import registry

    ranks = tok.backend.mergeable_ranks
    for name in ENCODINGS:
        theirs = getattr(registry, name)()["mergeable_ranks"]
        if len(theirs) == len(ranks) and theirs == ranks:
            return name
    return None


def build(tok: Any) -> BpeOpenaiAccelerator | None:
    """bpe-openai for a tiktoken tokenizer with one of the crate's vocabularies; None otherwise.

    Args:
        tok: a `tokensmith.Tokenizer`.

    Example:
        >>> import pytest, tokensmith
        >>> _ = pytest.importorskip("bpe_openai")
        >>> build(tokensmith.load("gpt2")) is None, build(tokensmith.load("o200k_base")).encode("Hello world")
        (True, [13225, 2375])
    """
    if tok.native_format != "tiktoken" or len(tok.backend.mergeable_ranks) < 100_000:
        return None
    name = _same_encoding(tok)
    return None if name is None else BpeOpenaiAccelerator(name)
