"""Cutting text into words for the hierarchical model, every byte kept: `b"".join(words) == text.encode()`.

Four splitters (`fixed` and `space` make patches, for `lm/patch.py`):
- `hat`: Aleph Alpha's `hat-splitter` (the splitter of "Hierarchical Autoregressive Transformers", Neitemeier
  et al., 2025, section 3.1): Unicode word boundaries, a word keeps its leading space, CJK characters are words
  of their own, and words longer than `max_bytes` are cut into pieces of at most `max_bytes` bytes;
- `unicode`: the same idea with a regular expression (` ?` + a run of word characters, or of other non-space
  characters, or a run of spaces), pieces cut to `max_bytes` at character boundaries; no dependency;
- `fixed`: MEGABYTE's patches ("MEGABYTE: Predicting Million-byte Sequences with Multiscale Transformers", Yu et
  al., 2023, section 2.1): consecutive runs of `max_bytes` bytes, characters cut anywhere;
- `space`: SpaceByte's boundaries ("SpaceByte: Towards Deleting Tokenization from Large Language Modeling",
  Slagle, 2024, section 2): a patch starts at a spacelike byte that follows a non-spacelike one, where spacelike
  means not an ASCII letter or digit and not a UTF-8 continuation byte (so, as the paper notes, every non-ASCII
  lead byte is spacelike); patches longer than `max_bytes` are cut.

Not handled: scripts without spaces get no word segmentation beyond the splitter's own rules (Thai, Lao).
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Literal

from tokensmith.errors import MissingDependencyError, ModelError

Splitter = Literal["hat", "unicode", "fixed", "space"]
SPLITTERS = ("hat", "unicode", "fixed", "space")
_WORD = re.compile(r" ?\w+| ?[^\w\s]+|\s+")


@lru_cache(maxsize=1)
def _hat() -> Any:
    try:
        from hat_splitter import HATSplitter
    except ImportError as e:
        raise MissingDependencyError("the 'hat' word splitter needs the Python package 'hat-splitter'. Install it "
                                     "with: pip install 'tokensmith[lm]', or use --set splitter=unicode") from e  # fmt: skip
    return HATSplitter()


def _cut(word: bytes, max_bytes: int) -> list[bytes]:
    """Pieces of at most `max_bytes` bytes, cut at character boundaries (a character is at most 4 bytes)."""
    pieces, pos = [], 0
    while pos < len(word):
        end = min(pos + max_bytes, len(word))
        while end < len(word) and 0x80 <= word[end] < 0xC0:
            end -= 1
        pieces.append(word[pos:end])
        pos = end
    return pieces


def _spacelike(byte: int) -> bool:
    return not (chr(byte).isascii() and chr(byte).isalnum()) and not 0x80 <= byte < 0xC0


def _space_patches(data: bytes, max_bytes: int) -> list[bytes]:
    """SpaceByte's patches: a new one at each spacelike byte after a non-spacelike byte, then cut to max_bytes."""
    starts = [0] + [k for k in range(1, len(data)) if _spacelike(data[k]) and not _spacelike(data[k - 1])]
    patches = [data[a:b] for a, b in zip(starts, [*starts[1:], len(data)], strict=True) if b > a]
    return [p[k : k + max_bytes] for p in patches for k in range(0, len(p), max_bytes)]


def split_words(text: str, *, max_bytes: int, splitter: Splitter = "hat") -> list[bytes]:
    """The text's words as UTF-8 byte strings of at most `max_bytes` bytes each, all bytes kept in order.

    Args:
        text: the text.
        max_bytes: the longest word in bytes (at least 4, the longest character).
        splitter: 'hat' (hat-splitter), 'unicode' (a regular expression), 'fixed' or 'space' (patches).

    Example:
        >>> split_words("Hello, wonderful world", max_bytes=6, splitter="unicode")
        [b'Hello', b',', b' wonde', b'rful', b' world']
        >>> split_words("Hello, world", max_bytes=4, splitter="fixed")
        [b'Hell', b'o, w', b'orld']
        >>> split_words("Hello, world", max_bytes=8, splitter="space")
        [b'Hello', b', world']
    """
    if max_bytes < 4:
        raise ModelError(f"max_word_bytes={max_bytes} is too small: a UTF-8 character takes up to 4 bytes; use 4 or more.")
    if splitter == "hat":
        words = [bytes(w) for w in _hat().split_with_limit(text, max_bytes)]
    elif splitter == "unicode":
        words = [p for w in _WORD.findall(text) for p in _cut(w.encode("utf-8"), max_bytes)]
    elif splitter == "fixed":
        data = text.encode("utf-8")
        words = [data[k : k + max_bytes] for k in range(0, len(data), max_bytes)]
    elif splitter == "space":
        words = _space_patches(text.encode("utf-8"), max_bytes)
    else:
        raise ModelError(f"unknown splitter {splitter!r}; valid choices: {', '.join(SPLITTERS)}")
    assert b"".join(words) == text.encode("utf-8"), "a splitter lost or changed bytes"
    return words
