"""`Tokenizer`: one class over Hugging Face tokenizers, sentencepiece and tiktoken, seen as ids → exact bytes.

Conventions (the same for every backend):
- `encode` adds no BOS/EOS unless `add_special_tokens=True`, and reads special-token strings in the text as plain
  text unless `parse_special=True` (tiktoken's `encode_ordinary` rule). Measurement therefore never counts
  specials that the user did not ask for.
- `token_bytes(id)` is exact: for a lossless tokenizer, the bytes of `encode(text)` concatenate to the text's
  UTF-8 bytes (after the one dummy-prefix space of SentencePiece-style models, when present).
- Offsets are byte offsets into the UTF-8 text.
This file does not resolve zoo names or convert formats: see `zoo.py` and `formats/`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tokensmith.backends.base import Backend
from tokensmith.errors import SpecError, TokenizerFileError, TokensmithError

SaveFormat = Literal["tokenizer.json", "tiktoken", "sentencepiece"]


@dataclass(frozen=True)
class Encoding:
    """Ids of one text with the byte span each token covers in the text's UTF-8 bytes."""

    ids: list[int]
    offsets: list[tuple[int, int]]


class Tokenizer:
    """A tokenizer from any backend, with exact token bytes.

    Args:
        backend: an object implementing `tokensmith.backends.base.Backend`.
        name: a display name (the spec it was loaded from, by default).

    Example:
        >>> tok = Tokenizer.load("gpt2")  # doctest: +SKIP
        >>> tok.encode("Hello world")  # doctest: +SKIP
        [15496, 995]
        >>> [tok.token_bytes(i) for i in tok.encode("Hello world")]  # doctest: +SKIP
        [b'Hello', b' world']
    """

    def __init__(self, backend: Backend, *, name: str = "tokenizer", source: str | None = None) -> None:
        self.backend = backend
        self.name = name
        self.source = source

    def __repr__(self) -> str:
        return f"Tokenizer(name={self.name!r}, backend={self.backend.kind!r}, vocab_size={self.vocab_size})"

    # ---- loading --------------------------------------------------------------------------------------------------
    @classmethod
    def load(cls, spec: str | os.PathLike[str], *, pattern: str | None = None) -> Tokenizer:
        """Load a tokenizer from a spec: a file (tokenizer.json, .model, .tiktoken, .gguf), an HF directory, or a
        zoo name (see `tokensmith zoo`).

        Args:
            spec: the path or zoo name.
            pattern: for a `.tiktoken` file, a known encoding name ('cl100k_base') or a split regex; inferred
                from the file's hash when omitted.
        """
        from tokensmith.spec import resolve

        return resolve(str(spec), pattern=pattern)

    # ---- sizes and specials -------------------------------------------------------------------------------------
    @property
    def vocab_size(self) -> int:
        """Number of ids (max id + 1), special tokens included."""
        return self.backend.vocab_size

    @property
    def special_tokens(self) -> dict[str, int]:
        """Special tokens by their text."""
        return self.backend.special_tokens

    @property
    def special_ids(self) -> frozenset[int]:
        return frozenset(self.backend.special_tokens.values())

    @property
    def unk_id(self) -> int | None:
        """Id of the unknown token, or None when the tokenizer never produces one."""
        return self.backend.unk_id

    @property
    def byte_fallback_ids(self) -> frozenset[int]:
        """Ids of SentencePiece-style byte-fallback pieces ('<0xNN>')."""
        return self.backend.byte_fallback_ids()

    @property
    def lossless(self) -> bool:
        """True when token bytes always concatenate back to the input (byte-level BPE, tiktoken, byte fallback)."""
        return self.backend.lossless

    @property
    def dummy_prefix(self) -> bool:
        """True when the model prepends one space to the text (SentencePiece `add_dummy_prefix`)."""
        return self.backend.dummy_prefix

    # ---- encode / decode ----------------------------------------------------------------------------------------
    def encode(self, text: str, *, add_special_tokens: bool = False, parse_special: bool = False) -> list[int]:
        """Token ids of `text`."""
        return self.backend.encode(text, add_special_tokens=add_special_tokens, parse_special=parse_special)

    def encode_batch(
        self, texts: Sequence[str], *, add_special_tokens: bool = False, parse_special: bool = False
    ) -> list[list[int]]:
        """Token ids of many texts, through the backend's own threaded batch encoder."""
        return self.backend.encode_batch(texts, add_special_tokens=add_special_tokens, parse_special=parse_special)

    def decode(self, ids: Sequence[int]) -> str:
        """The backend's own decoding of `ids` (it may normalize, e.g. strip the dummy-prefix space)."""
        return self.backend.decode(ids)

    def decode_bytes(self, ids: Sequence[int]) -> bytes:
        """The exact concatenated bytes of `ids` (no dummy-prefix stripping, no UTF-8 repair)."""
        table = self.token_table
        return b"".join(table[i] for i in ids)

    # ---- bytes ----------------------------------------------------------------------------------------------------
    @property
    def token_table(self) -> list[bytes]:
        """Exact bytes of every id, index = id. Special tokens map to their text; unused ids to b''."""
        return self.backend.token_table()

    def token_bytes(self, idx: int) -> bytes:
        """The exact bytes token `idx` stands for."""
        table = self.token_table
        if not 0 <= idx < len(table):
            raise TokensmithError(f"token id {idx} is out of range: this tokenizer has ids 0..{len(table) - 1}.")
        return table[idx]

    def encode_with_offsets(self, text: str, *, add_special_tokens: bool = False) -> Encoding:
        """Ids plus the byte span of each token in `text.encode('utf-8')`.

        For lossless tokenizers spans come from token byte lengths (exact, and a byte-fallback run that spells one
        character gets one span per byte). The dummy-prefix space is not part of the text, so the first span is
        shortened by one byte. Otherwise the library's own offsets are used.
        """
        ids = self.encode(text, add_special_tokens=add_special_tokens)
        data = text.encode("utf-8")
        lengths = [len(self.token_table[i]) for i in ids]
        concat = self.decode_bytes(ids)
        shift = 0 if concat == data else (1 if concat == b" " + data else None)
        if shift is not None and not add_special_tokens:
            spans, pos = [], -shift
            for n in lengths:
                spans.append((max(pos, 0), max(pos + n, 0)))
                pos += n
            return Encoding(ids=ids, offsets=spans)
        offsets = self.backend.byte_offsets(text, add_special_tokens=add_special_tokens)
        if offsets is None or len(offsets) != len(ids):
            raise TokensmithError(
                f"{self.name}: cannot compute byte offsets for this text (the backend gives none and token bytes "
                "do not concatenate to the text)."
            )
        return Encoding(ids=ids, offsets=list(offsets))

    def encode_batch_char_offsets(
        self, texts: Sequence[str]
    ) -> tuple[list[list[int]], list[list[tuple[int, int]]]] | None:
        """Ids and the library's *character* offsets of many texts in one batch call, or None when the backend
        cannot give them (then call `encode_with_offsets` per text). Meant for tokenizers whose token bytes do not
        concatenate to the text (WordPiece); map the offsets to bytes with each text's character → byte positions.
        """
        batch = getattr(self.backend, "encode_batch_char_offsets", None)
        return None if batch is None else batch(texts, add_special_tokens=False)

    def offsets(self, text: str) -> list[tuple[int, int]]:
        """Byte offsets of each token of `encode(text)`."""
        return self.encode_with_offsets(text).offsets

    # ---- saving ---------------------------------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str], *, format: SaveFormat = "tokenizer.json") -> Path:
        """Write the tokenizer atomically in `format` and return the file path.

        Args:
            path: a file path, or a directory (the file is then named after the format).
            format: 'tokenizer.json' (loads in `PreTrainedTokenizerFast(tokenizer_file=...)`), 'tiktoken' (byte-level
                tokenizers only) or 'sentencepiece' (SentencePiece-backed tokenizers only).
        """
        from tokensmith.formats.save import save_tokenizer

        return save_tokenizer(self, Path(path), format=format)


def load(spec: str | os.PathLike[str], *, pattern: str | None = None) -> Tokenizer:
    """Load a tokenizer from a path or zoo name. See `Tokenizer.load`."""
    return Tokenizer.load(spec, pattern=pattern)


__all__ = ["Encoding", "Tokenizer", "load", "SpecError", "TokenizerFileError"]
