"""fastokens (PyPI `fastokens`): a Rust tokenizer.json encoder (PCRE2 pre-tokenizer), also reading .tiktoken files.

tokenizer.json is loaded as it is; `split_special_tokens=True` reads special-token text as plain text (the other
added tokens still match, as in HF). A tiktoken rank file is loaded with the backend's split pattern and no special
tokens. Not handled: SentencePiece files; BOS/EOS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokensmith.accel.files import native_file


class FastokensAccelerator:
    """A `fastokens.Tokenizer` built from a tokenizer's native bytes.

    Args:
        native_format: 'tokenizer.json' or 'tiktoken'.
        data: the tokenizer's `native_bytes()`.
        pattern: the split regex (tiktoken files only).

    Example:
        >>> import pytest, tokensmith
        >>> _ = pytest.importorskip("fastokens")  # the `accel` extra
        >>> tok = tokensmith.load("cl100k_base")
        >>> FastokensAccelerator("tiktoken", tok.native_bytes(), pattern=tok.backend.pattern).encode("Hello world")
        [9906, 1917]
    """

    name = "fastokens"
    serial_on_one_core = True  # one call per text beat encode_batch_flat on one core for every zoo tokenizer

    def __init__(self, native_format: str, data: bytes, *, pattern: str | None = None) -> None:
        import fastokens

        if native_format == "tokenizer.json":
            self._tok = fastokens.Tokenizer.from_json_str(data.decode("utf-8"))
        else:
            self._tok = fastokens.Tokenizer.from_tiktoken(str(native_file(data, suffix=".tiktoken")), pattern, {})

    def encode(self, text: str) -> list[int]:
        """Ids of `text` (special-token text as plain text).

        Args:
            text: the text.

        Example:
            >>> import pytest, tokensmith
            >>> _ = pytest.importorskip("fastokens")
            >>> tok = tokensmith.load("gpt2")
            >>> FastokensAccelerator(tok.native_format, tok.native_bytes(), pattern=tok.backend.pattern).encode("Hello world")
            [15496, 995]
        """
        return self._tok.encode(text, add_special_tokens=False, split_special_tokens=True).ids

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids of many texts, from one flat buffer (no Python object per token until the lists are made).

        Args:
            texts: the texts.

        Example:
            >>> import pytest, tokensmith
            >>> _ = pytest.importorskip("fastokens")
            >>> tok = tokensmith.load("gpt2")
            >>> FastokensAccelerator(tok.native_format, tok.native_bytes(), pattern=tok.backend.pattern).encode_batch(["Hello world", ""])
            [[15496, 995], []]
        """
        from tokensmith.flat import unflatten

        return unflatten(*self.encode_batch_flat(texts))


    def encode_batch_flat(self, texts: Sequence[str]) -> tuple[Any, Any]:
        """Ids of many texts as flat numpy arrays (ids (T,) uint32, offsets (S+1,) int64): fastokens' own buffers,
        no Python object per token.

        Args:
            texts: the texts.

        Example:
            >>> import pytest, tokensmith
            >>> _ = pytest.importorskip("fastokens")
            >>> ids, offsets = build(tokensmith.load("gpt2")).encode_batch_flat(["Hello world", ""])
            >>> [ids.tolist(), offsets.tolist()]
            [[15496, 995], [0, 2, 2]]
        """
        import numpy as np

        ids, offsets = self._tok.encode_batch_flat(list(texts), add_special_tokens=False, split_special_tokens=True)
        return np.frombuffer(ids, dtype=np.uint32), np.frombuffer(offsets, dtype=np.uint64).astype(np.int64)


def build(tok: Any) -> FastokensAccelerator | None:
    """fastokens for a tokenizer.json or tiktoken tokenizer; None otherwise.

    Args:
        tok: a `tokensmith.Tokenizer`.

    Example:
        >>> import pytest, tokensmith
        >>> _ = pytest.importorskip("fastokens")
        >>> build(tokensmith.load("mistral-v3")) is None
        True
    """
    if tok.native_format == "tokenizer.json":
        return FastokensAccelerator("tokenizer.json", tok.native_bytes())
    if tok.native_format == "tiktoken":
        return FastokensAccelerator("tiktoken", tok.native_bytes(), pattern=tok.backend.pattern)
    return None
