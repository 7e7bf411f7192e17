"""tokie (PyPI `tokie`): a Rust tokenizer.json encoder (BPE, WordPiece, Unigram), threaded for batches.

tokie's loader reads a file and always matches added special tokens in text, so it gets a copy of tokenizer.json
without them (`files.json_without_specials`): special-token text is then plain text, as in tokensmith.
Not handled: tiktoken and SentencePiece files; BOS/EOS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokensmith.accel.files import json_without_specials, native_file


class TokieAccelerator:
    """A `tokie.Tokenizer` over a tokenizer.json (its special added tokens removed).

    Args:
        data: the tokenizer.json bytes.

    Example:
        >>> import pytest, tokensmith
        >>> _ = pytest.importorskip("tokie")  # the `accel` extra
        >>> TokieAccelerator(tokensmith.load("bert-base-uncased").native_bytes()).encode("Hello world")
        [7592, 2088]
    """

    name = "tokie"

    def __init__(self, data: bytes) -> None:
        import tokie

        path = native_file(json_without_specials(data).encode("utf-8"), suffix=".json")
        self._tok = tokie.Tokenizer.from_json(str(path))

    def encode(self, text: str) -> list[int]:
        """Ids of `text`.

        Args:
            text: the text.

        Example:
            >>> import pytest, tokensmith
            >>> _ = pytest.importorskip("tokie")
            >>> tok = tokensmith.load("bert-base-uncased")
            >>> TokieAccelerator(tok.native_bytes()).encode("Hello world")
            [7592, 2088]
        """
        return list(self._tok.encode(text, add_special_tokens=False).ids)

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids of many texts (tokie's threaded batch), in order.

        Args:
            texts: the texts.

        Example:
            >>> import pytest, tokensmith
            >>> _ = pytest.importorskip("tokie")
            >>> tok = tokensmith.load("bert-base-uncased")
            >>> TokieAccelerator(tok.native_bytes()).encode_batch(["Hello world", ""])
            [[7592, 2088], []]
        """
        return [list(e.ids) for e in self._tok.encode_batch(list(texts), add_special_tokens=False)]


def build(tok: Any) -> TokieAccelerator | None:
    """tokie for a tokenizer.json tokenizer; None otherwise.

    Args:
        tok: a `tokensmith.Tokenizer`.

    Example:
        >>> import pytest, tokensmith
        >>> _ = pytest.importorskip("tokie")
        >>> build(tokensmith.load("gpt2")) is None
        True
    """
    return TokieAccelerator(tok.native_bytes()) if tok.native_format == "tokenizer.json" else None
