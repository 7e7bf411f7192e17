"""Tokenizer-independent facts about a corpus, computed once: byte/char counts and word spans per sentence.

All sentences of all languages are laid end to end, each followed by one '\\n', in one global coordinate system.
Positions are *global byte offsets* into that joined UTF-8 text, so token spans of all sentences can be compared
with word spans by a single `np.searchsorted` (see fertility.py).

Words follow the `regex` module's `\\w` class (Unicode letters, marks, digits, connector punctuation): a word is a
maximal run of `\\w` characters (Unicode word segmentation in its simplest documented form, UAX #29's "words" without
the special cases for apostrophes and mid-number punctuation). This file does not decide which scripts are spaceless:
`tokensmith.corpora.langs.SPACELESS_SCRIPTS` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import regex

_WORD = regex.compile(r"\w")


@dataclass(frozen=True)
class TextIndex:
    """Per-sentence statistics of a multilingual corpus in one flat order (language by language).

    Shapes: S sentences, C characters of the joined text (separators included), W words.
    """

    langs: tuple[str, ...]
    bounds: np.ndarray  # (L+1,) sentence index where each language starts; language l = [bounds[l], bounds[l+1])
    texts: list[str]  # (S,) the sentences, flat
    char_base: np.ndarray  # (S+1,) global char offset of each sentence start (last = C)
    char2byte: np.ndarray  # (C+1,) global byte offset of each global char offset
    n_bytes: np.ndarray  # (S,) UTF-8 bytes per sentence
    n_chars: np.ndarray  # (S,) code points per sentence
    word_start: np.ndarray  # (W,) global byte offset where each word starts
    word_end: np.ndarray  # (W,) global byte offset just after each word
    word_sent: np.ndarray  # (W,) sentence of each word

    @property
    def byte_base(self) -> np.ndarray:
        """(S,) global byte offset of each sentence start."""
        return self.char2byte[self.char_base[:-1]]

    @property
    def n_words(self) -> np.ndarray:
        """(S,) words per sentence."""
        return np.bincount(self.word_sent, minlength=len(self.texts))

    def lang_slice(self, lang: str) -> slice:
        """The sentences of `lang` as a slice of the flat order.

        Args:
            lang: one of `langs`.

        Example:
            >>> build_text_index({"a": ["x"], "b": ["y", "z"]}).lang_slice("b")
            slice(1, 3, None)
        """
        i = self.langs.index(lang)
        return slice(int(self.bounds[i]), int(self.bounds[i + 1]))

    def sentence_lang(self) -> np.ndarray:
        """(S,) index into `langs` of each sentence.

        Example:
            >>> build_text_index({"a": ["x"], "b": ["y", "z"]}).sentence_lang().tolist()
            [0, 1, 1]
        """
        return np.repeat(np.arange(len(self.langs)), np.diff(self.bounds))


def utf8_lengths(codepoints: np.ndarray) -> np.ndarray:
    """UTF-8 byte length of each code point (uint32 array → int64 array).

    Args:
        codepoints: uint32 code points.

    Example:
        >>> utf8_lengths(np.array([ord("a"), ord("é"), ord("€"), ord("😀")], dtype=np.uint32)).tolist()
        [1, 2, 3, 4]
    """
    cp = codepoints
    return 1 + (cp >= 0x80).astype(np.int64) + (cp >= 0x800) + (cp >= 0x10000)


def word_char_mask(codepoints: np.ndarray) -> np.ndarray:
    """True where a code point matches `\\w`; decided once per distinct code point (a lookup table, no sort).

    Args:
        codepoints: uint32 code points.

    Example:
        >>> word_char_mask(np.array([ord(c) for c in "a b_9!"], dtype=np.uint32)).tolist()
        [True, False, True, True, True, False]
    """
    if len(codepoints) == 0:
        return np.zeros(0, dtype=bool)
    present = np.flatnonzero(np.bincount(codepoints))  # distinct code points, sorted, without sorting the text
    table = np.zeros(int(present[-1]) + 1, dtype=bool)
    table[present] = [_WORD.match(chr(c)) is not None for c in present.tolist()]
    return table[codepoints]


def build_text_index(texts: Mapping[str, Sequence[str]]) -> TextIndex:
    """Index the sentences of each language (in mapping order).

    Args:
        texts: language code → sentences.

    Example:
        >>> ix = build_text_index({"eng_Latn": ["Hi there", "é!"]})
        >>> ix.n_bytes.tolist(), ix.n_words.tolist()
        ([8, 3], [2, 1])
    """
    langs = tuple(texts)
    flat = [t for lang in langs for t in texts[lang]]
    bounds = np.cumsum([0] + [len(texts[lang]) for lang in langs]).astype(np.int64)
    n_chars = np.fromiter(map(len, flat), dtype=np.int64, count=len(flat))
    char_base = np.concatenate([[0], np.cumsum(n_chars + 1)]).astype(np.int64)  # +1: the '\n' after each
    cp = np.frombuffer(("\n".join(flat) + "\n").encode("utf-32-le"), dtype=np.uint32) if flat else np.zeros(0, np.uint32)
    char2byte = np.concatenate([[0], np.cumsum(utf8_lengths(cp))]).astype(np.int64)
    n_bytes = char2byte[char_base[1:] - 1] - char2byte[char_base[:-1]]
    is_word = word_char_mask(cp)
    edges = np.diff(np.concatenate([[0], is_word.astype(np.int8), [0]]))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)  # char offsets of word runs
    word_sent = np.searchsorted(char_base, starts, side="right") - 1
    return TextIndex(
        langs=langs, bounds=bounds, texts=flat, char_base=char_base, char2byte=char2byte, n_bytes=n_bytes,
        n_chars=n_chars, word_start=char2byte[starts], word_end=char2byte[ends], word_sent=word_sent,
    )  # fmt: skip
