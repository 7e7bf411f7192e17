"""kitoken (PyPI `kitoken`): one Rust encoder for tiktoken, tokenizer.json and SentencePiece files.

Built from the tokenizer's native bytes (`Kitoken.from_tiktoken` with the tiktoken backend's split pattern is not
possible: kitoken infers the pattern of a rank file itself, and verification catches a wrong guess).
`encode_specials=False` reads special-token text as plain text. Not handled: BOS/EOS (`add_special_tokens`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_LOADERS = {"tiktoken": "from_tiktoken", "tokenizer.json": "from_tokenizers", "sentencepiece": "from_sentencepiece"}


class KitokenAccelerator:
    """A `kitoken.Kitoken` over one tokenizer's native bytes.

    Args:
        native_format: 'tiktoken', 'tokenizer.json' or 'sentencepiece'.
        data: the tokenizer's `native_bytes()`.

    Example:
        >>> import pytest, tokensmith
        >>> _ = pytest.importorskip("kitoken")  # the `accel` extra
        >>> tok = tokensmith.load("gpt2")
        >>> KitokenAccelerator(tok.native_format, tok.native_bytes()).encode_batch(["Hello world"])
        [[15496, 995]]
    """

    name = "kitoken"

    def __init__(self, native_format: str, data: bytes) -> None:
        from kitoken import Kitoken

        self._kit = getattr(Kitoken, _LOADERS[native_format])(data)

    def encode(self, text: str) -> list[int]:
        """Ids of `text` (special-token text as plain text).

        Args:
            text: the text.

        Example:
            >>> import pytest, tokensmith
            >>> _ = pytest.importorskip("kitoken")
            >>> tok = tokensmith.load("gpt2")
            >>> KitokenAccelerator(tok.native_format, tok.native_bytes()).encode("Hello world")
            [15496, 995]
        """
        return self._kit.encode(text, False)

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids of many texts (kitoken's `encode_all`), in order.

        Args:
            texts: the texts.

        Example:
            >>> import pytest, tokensmith
            >>> _ = pytest.importorskip("kitoken")
            >>> tok = tokensmith.load("gpt2")
            >>> KitokenAccelerator(tok.native_format, tok.native_bytes()).encode_batch(["Hello world", ""])
            [[15496, 995], []]
        """
        return self._kit.encode_all(list(texts), False)


def build(tok: Any) -> KitokenAccelerator | None:
    """kitoken for any tokenizer whose native format it reads; None otherwise.

    Args:
        tok: a `tokensmith.Tokenizer`.

    Example:
        >>> import pytest, tokensmith
        >>> _ = pytest.importorskip("kitoken")
        >>> build(tokensmith.load("mistral-v3")).encode("Hello world")
        [23325, 2294]
    """
    if tok.native_format not in _LOADERS:
        return None
    return KitokenAccelerator(tok.native_format, tok.native_bytes())
