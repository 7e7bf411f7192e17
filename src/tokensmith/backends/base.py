"""The protocol every backend implements, and the byte alphabets that backends hide.

A backend wraps one library's tokenizer object. It answers in ids and exact bytes; the `Tokenizer` class adds the
shared behaviour (offsets, specs, saving) on top. Backends do not know about zoo names or file conversion.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from typing import Literal, Protocol

BackendKind = Literal["hf", "sentencepiece", "tiktoken"]


NativeFormat = Literal["tokenizer.json", "tiktoken", "sentencepiece"]
CharOffsets = tuple[list[list[int]], list[list[tuple[int, int]]]]


class Backend(Protocol):
    """What `Tokenizer` needs from a library tokenizer.

    Everything a caller may need is here, so no module outside `backends/` reads a backend's internals. Properties
    are computed once (a backend is never changed after construction).
    """

    kind: BackendKind

    @property
    def vocab_size(self) -> int:
        """Number of ids, including special/added tokens (max id + 1)."""
        ...

    @property
    def special_tokens(self) -> dict[str, int]:
        """Special (control) tokens by content. Callers must not mutate the dict (`Tokenizer` hands out copies)."""
        ...

    @property
    def dummy_prefix(self) -> bool:
        """True when the backend prepends one space ('▁') to the text before splitting (SentencePiece style)."""
        ...

    @property
    def lossless(self) -> bool:
        """True when the concatenated token bytes of `encode(text)` always equal the text's UTF-8 bytes
        (after removing the dummy prefix space, if any)."""
        ...

    @property
    def unk_id(self) -> int | None:
        """Id of the unknown token, or None when the tokenizer cannot produce one."""
        ...

    @property
    def pattern(self) -> str | None:
        """The split regex, for backends whose pre-tokenization is one regex stored outside the file (tiktoken);
        None otherwise."""
        ...

    @property
    def native_format(self) -> NativeFormat:
        """The file format this backend reads and writes without conversion."""
        ...

    def native_bytes(self) -> bytes:
        """The backend's own serialization (tokenizer.json text, .tiktoken ranks or the SentencePiece proto)."""
        ...

    def byte_fallback_ids(self) -> frozenset[int]:
        """Ids of byte-fallback pieces ('<0xNN>'); empty for byte-level tokenizers."""
        ...

    def encode(self, text: str, *, add_special_tokens: bool, parse_special: bool = False) -> list[int]: ...

    def encode_batch(
        self, texts: Sequence[str], *, add_special_tokens: bool, parse_special: bool = False
    ) -> list[list[int]]: ...

    def encode_parts(self, text: str, *, add_special_tokens: bool) -> Iterator[list[int]]:
        """Ids of one text (specials' literal text as plain text), a part at a time: concatenated, they are
        `encode(text)`; a text longer than `chunking.LONG` characters comes one group of pieces per part."""
        ...

    def decode(self, ids: Sequence[int]) -> str: ...

    def token_table(self) -> list[bytes]:
        """Exact bytes of every id (index = id). Special tokens map to their UTF-8 content; holes map to b"".
        The list is the backend's own: callers copy it before handing it out."""
        ...

    def byte_offsets(self, text: str, *, add_special_tokens: bool = False) -> list[tuple[int, int]] | None:
        """Byte offsets per token from the library, or None when the library cannot give them."""
        ...

    def encode_batch_char_offsets(
        self, texts: Sequence[str], *, add_special_tokens: bool = False
    ) -> CharOffsets | None:
        """Ids and the library's *character* offsets of many texts in one batch call, or None when the library has
        none (then token bytes give the offsets)."""

    # ---- raw bytes (canonical encoding for covers) ----
    @property
    def byte_level(self) -> bool:
        """True when the vocabulary is byte-level (GPT-2 alphabet or tiktoken): any bytes can merge in a token."""
        ...

    @property
    def exact_bytes(self) -> bool:
        """True when every ordinary token has exact bytes (lossless, or byte-level / Metaspace with space-only
        normalizers: a vocabulary may still miss some bytes, e.g. SmolLM2 lacks byte 21)."""
        ...

    @property
    def dummy_prefix_always(self) -> bool:
        """True when the dummy space is added even to a text that starts with a space (SentencePiece,
        an HF 'Prepend' normalizer); HF Metaspace and ByteLevel(add_prefix_space) add it only before a non-space."""
        ...

    def encode_raw_bytes(self, data: bytes) -> list[int] | None:
        """The canonical ids of raw bytes that may start or end inside a character (`encode` on valid UTF-8, the
        dummy space added as `encode` adds it; the rules for ragged bytes are in `backends/rawbytes.py`), or None
        when no token sequence spells them."""
        ...


@functools.cache
def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte → printable character map (the 'Ġ' alphabet of byte-level BPE).

    Bytes that are printable Latin-1 map to themselves; the other 68 map to chr(256 + k) in byte order.

    Example:
        >>> bytes_to_unicode()[ord(" ")], bytes_to_unicode()[ord("a")]
        ('Ġ', 'a')
    """
    keep = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    table: dict[int, str] = {b: chr(b) for b in keep}
    extra = 0
    for b in range(256):
        if b not in table:
            table[b] = chr(256 + extra)
            extra += 1
    return table


@functools.cache
def unicode_to_bytes() -> dict[str, int]:
    """Inverse of `bytes_to_unicode`.

    Example:
        >>> unicode_to_bytes()["Ġ"]
        32
    """
    return {c: b for b, c in bytes_to_unicode().items()}


def byte_level_decode(token: str) -> bytes | None:
    """Bytes of a byte-level BPE token string ('Ġworld' → b' world'), or None if it is not in that alphabet.

    Args:
        token: a token string in the GPT-2 byte alphabet.

    Example:
        >>> byte_level_decode("Ġworld"), byte_level_decode("▁x")
        (b' world', None)
    """
    inv = unicode_to_bytes()
    try:
        return bytes(inv[c] for c in token)
    except KeyError:
        return None


def byte_level_encode(data: bytes) -> str:
    """The byte-level BPE spelling of raw bytes (b' world' → 'Ġworld').

    Args:
        data: raw bytes (any, including invalid UTF-8).

    Example:
        >>> byte_level_encode(b" world"), byte_level_encode(bytes([10, 255]))
        ('Ġworld', 'Ċÿ')
    """
    fwd = bytes_to_unicode()
    return "".join(fwd[b] for b in data)


SPM_SPACE = "\u2581"  # '▁', SentencePiece's visible space


def byte_fallback_value(piece: str) -> int | None:
    """The byte of a SentencePiece byte-fallback piece '<0xNN>', or None for any other piece.

    Args:
        piece: a SentencePiece piece string.

    Example:
        >>> byte_fallback_value("<0x41>"), byte_fallback_value("▁a")
        (65, None)
    """
    if len(piece) == 6 and piece.startswith("<0x") and piece.endswith(">"):
        try:
            return int(piece[3:5], 16)
        except ValueError:
            return None
    return None
