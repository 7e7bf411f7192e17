"""gigatoken (PyPI `gigatoken`): a Rust BPE encoder for tokenizer.json and SentencePiece BPE (byte fallback) files.

Built from native bytes: tokenizer.json without its special added tokens (special-token text is plain text), or a
SentencePiece model proto (gigatoken converts it, honouring the normalizer and dummy prefix). Its tiktoken loader
needs a named preset and fetches GPT-2 files from the network, so tiktoken tokenizers are not handled; nor BOS/EOS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokensmith.accel.files import json_without_specials


class GigatokenAccelerator:
    """A `gigatoken.Tokenizer` over one tokenizer.json or SentencePiece model.

    Args:
        native_format: 'tokenizer.json' or 'sentencepiece'.
        data: the tokenizer's `native_bytes()`.

    Example:
        >>> import pytest, tokensmith
        >>> _ = pytest.importorskip("gigatoken")  # the `accel` extra
        >>> tok = tokensmith.load("mistral-v3")
        >>> GigatokenAccelerator(tok.native_format, tok.native_bytes()).encode("Hello world") == tok.encode("Hello world")
        True
    """

    name = "gigatoken"
    single = False  # one call per text: slower than sentencepiece's on mistral-v3 (benchmarks/results/encode.json)

    def __init__(self, native_format: str, data: bytes) -> None:
        import gigatoken

        if native_format == "sentencepiece":
            self._tok = gigatoken.Tokenizer.from_sentencepiece(data)
        else:
            self._tok = gigatoken.Tokenizer.from_json(json_without_specials(data))

    def encode(self, text: str) -> list[int]:
        """Ids of `text`.

        Args:
            text: the text.

        Example:
            >>> import pytest, tokensmith
            >>> _ = pytest.importorskip("gigatoken")
            >>> tok = tokensmith.load("mistral-v3")
            >>> GigatokenAccelerator(tok.native_format, tok.native_bytes()).encode("Hello world") == tok.encode("Hello world")
            True
        """
        return self._tok.encode(text).tolist()

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids of many texts (gigatoken's thread pool), in order.

        Args:
            texts: the texts.

        Example:
            >>> import pytest, tokensmith
            >>> _ = pytest.importorskip("gigatoken")
            >>> tok = tokensmith.load("mistral-v3")
            >>> GigatokenAccelerator(tok.native_format, tok.native_bytes()).encode_batch(["Hello world"]) == [tok.backend.encode("Hello world", add_special_tokens=False)]
            True
        """
        return self._tok.encode_batch_list(list(texts))


def build(tok: Any) -> GigatokenAccelerator | None:
    """gigatoken for a tokenizer.json or SentencePiece tokenizer; None otherwise.

    Args:
        tok: a `tokensmith.Tokenizer`.

    Example:
        >>> import pytest, tokensmith
        >>> _ = pytest.importorskip("gigatoken")
        >>> build(tokensmith.load("gpt2")) is None
        True
    """
    if tok.native_format not in ("tokenizer.json", "sentencepiece"):
        return None
    return GigatokenAccelerator(tok.native_format, tok.native_bytes())
