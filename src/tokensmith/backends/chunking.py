"""Encode very long texts in pieces cut where the tokenizer cuts anyway, so the ids do not change.

A 50 MB line handed to a tokenizer in one call makes the library hold the whole text's intermediate state at once
(a SentencePiece-style BPE without a pre-tokenizer treats it as one 50 MB "word"). Above `LONG` characters the
backends cut the text into pieces of about `PIECE` characters and encode them one group at a time; the ids are the
concatenation of the pieces' ids, identical to the unsplit encode (tests/test_long_text.py checks it on many
scripts and boundary kinds).

The one cut point: just before a space U+0020 that follows a letter or digit (`str.isalnum`). Why it is safe,
per pipeline kind (a backend cuts only where one of these holds, else it encodes the text whole):

- *Regex pre-tokenizers* (tiktoken's r50k/cl100k/o200k/llama3 patterns, HF ByteLevel's GPT-2 regex): no
  alternative of these patterns matches a letter or digit followed by a space (letters and digits are followed
  only by letters, marks, apostrophe suffixes or newlines; whitespace alternatives start with whitespace), and
  none looks behind. So a match ends at the cut, the matches before it never read past it, and the matches after
  it start there as in a fresh text. Another regex is not trusted (a user's `--pattern` may match across spaces).
- *Whitespace-splitting pre-tokenizers* (Whitespace, WhitespaceSplit, BertPreTokenizer, Metaspace with split):
  they split at every space; per-piece components before them (Digits, Punctuation) and any component after them
  act on each piece alone.
- *No splitting pre-tokenizer* (SentencePiece, HF Llama-2 style Metaspace BPE): the model sees the whole text.
  BPE merges and the Unigram lattice can only join characters into vocabulary tokens, so if no ordinary token's
  bytes hold a space after a non-space byte (`vocab_cuts_safely`), no token can cross the cut and the
  segmentation of the whole is the concatenation of the pieces'. This holds for SentencePiece vocabularies
  trained with `split_by_whitespace` (pieces start with '▁'), not for WordPiece or WordLevel (whole-word lookups).
- *Normalizers* must be character-local (NFC..NFKD: a space never composes with its neighbours; lowercasing; BERT
  cleaning; one-character replacements). A text-level `Prepend` is applied to the first piece only (the backend
  encodes the others without it). `Strip`, regex `Replace` and precompiled charsmaps are not trusted.
- *Added and special tokens* are matched in the text before anything else: a cut is skipped where one of their
  strings touches it (`avoid`).

Not handled: texts with no safe cut (Chinese without spaces) stay whole, so their memory is the library's.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

LONG = 1 << 20  # characters: texts up to this length are encoded in one call
PIECE = 1 << 16  # characters: the target length of a piece
GROUP = 8  # pieces encoded per batch call (the library's threads work on a group; memory stays one group's)

_CUT = re.compile(r"[^\W_] ")  # a letter or digit (str.isalnum), then a space: the cut goes before the space
_SPACE_AFTER_NON_SPACE = re.compile(rb"[^ ] ")

# Normalizers that map characters one by one and never join a space with its neighbours.
CHAR_LOCAL_NORMALIZERS = frozenset({"NFC", "NFD", "NFKC", "NFKD", "Lowercase", "StripAccents", "BertNormalizer",
                                    "NMT", "Prepend"})  # fmt: skip
# Pre-tokenizers that split at every space (see the module docstring), and per-piece splitters allowed before them.
SPACE_SPLITTERS = frozenset({"Whitespace", "WhitespaceSplit", "BertPreTokenizer"})
PIECEWISE_SPLITTERS = frozenset({"Digits", "Punctuation"})


def split_text(text: str, *, avoid: Sequence[str] = (), piece: int | None = None) -> list[str]:
    """Cut a text into pieces of about `piece` characters, each cut just before a space that follows a letter or
    digit and touches no string of `avoid`; a text with no such cut stays whole. (`iter_pieces`, as a list.)

    Args:
        text: the text.
        avoid: strings matched in the text before tokenization (added and special tokens): no cut touches them.
        piece: the target piece length in characters (a piece runs to the first safe cut after it); `PIECE`
            when None.

    Example:
        >>> split_text("ab cd  ef. gh", piece=2)
        ['ab', ' cd', '  ef. gh']
        >>> split_text("ab <x y>z cd", avoid=["<x y>"], piece=1)  # never inside '<x y>'
        ['ab', ' <x y>z', ' cd']
    """
    return list(iter_pieces(text, avoid=avoid, piece=piece))


def iter_pieces(text: str, *, avoid: Sequence[str] = (), piece: int | None = None) -> Iterator[str]:
    """The pieces of `split_text`, one at a time (so only one group of pieces is copied at once).

    Args:
        text: the text.
        avoid: see `split_text`.
        piece: see `split_text`.

    Example:
        >>> next(iter_pieces("ab cd ef", piece=2))
        'ab'
    """
    piece = piece or PIECE
    last, start = 0, piece
    while start < len(text):
        m = _CUT.search(text, start - 1)
        if m is None:
            break
        cut = m.start() + 1
        if _touches(text, cut, avoid):
            start = cut + 1
            continue
        yield text[last:cut]
        last, start = cut, cut + piece
    yield text[last:]


def _touches(text: str, cut: int, avoid: Sequence[str]) -> bool:
    """True when an occurrence of a string of `avoid` (case-insensitively) starts, ends or lies across `cut`."""
    for s in avoid:
        around = text[max(0, cut - len(s)) : cut + len(s)].lower()
        if s and s.lower() in around:
            return True
    return False


def encode_pieces(pieces: Iterable[str], *, batch: Callable[[list[str]], list[list[int]]]) -> list[int]:
    """The concatenated ids of `pieces`, encoded `GROUP` pieces per `batch` call.

    Args:
        pieces: consecutive pieces of one text.
        batch: the backend's batch encoder for plain text (no special tokens added).

    Example:
        >>> encode_pieces(["ab", " c"], batch=lambda texts: [[len(t)] for t in texts])
        [2, 2]
    """
    return concat(iter_encoded(pieces, batch=batch))


def concat(parts: Iterable[list[int]]) -> list[int]:
    """The ids of consecutive parts of one text, as one list (a backend's `encode` over its `encode_parts`).

    Args:
        parts: lists of ids, in order.

    Example:
        >>> concat(iter([[1, 2], [], [3]]))
        [1, 2, 3]
    """
    ids: list[int] = []
    for part in parts:
        ids.extend(part)
    return ids


def iter_encoded(pieces: Iterable[str], *, batch: Callable[[list[str]], list[list[int]]]) -> Iterator[list[int]]:
    """The ids of `pieces`, one list per group of `GROUP` pieces, as each group is encoded (`encode_pieces`, lazily:
    a caller that writes or stores each list compactly holds one group's ids at a time).

    Args:
        pieces: consecutive pieces of one text.
        batch: the backend's batch encoder for plain text (no special tokens added).

    Example:
        >>> list(iter_encoded(["ab", " c"] * GROUP, batch=lambda texts: [[len(t)] for t in texts]))[1]
        [2, 2, 2, 2, 2, 2, 2, 2]
    """
    it = iter(pieces)
    while group := list(itertools.islice(it, GROUP)):
        yield [i for part in batch(group) for i in part]


def batch_with_long(
    texts: Sequence[str], *, batch: Callable[[list[str]], list[list[int]]], single: Callable[[str], list[int]]
) -> list[list[int]]:
    """Ids of many texts: the short ones in one `batch` call, each longer than `LONG` through `single` (in pieces).

    Args:
        texts: the texts.
        batch: the backend's batch encoder.
        single: the backend's one-text encoder (which cuts long texts).

    Example:
        >>> batch_with_long(["a", "b" * (LONG + 1)], batch=lambda ts: [[1] for _ in ts], single=lambda t: [len(t)])
        [[1], [1048577]]
    """
    long = {k for k, t in enumerate(texts) if len(t) > LONG}
    if not long:
        return batch(list(texts))
    short = iter(batch([t for k, t in enumerate(texts) if k not in long]))
    return [single(t) if k in long else next(short) for k, t in enumerate(texts)]


def vocab_cuts_safely(table: Sequence[bytes], *, skip: frozenset[int] = frozenset()) -> bool:
    """True when no token's bytes hold a space after a non-space byte, so no token can cross a cut.

    Args:
        table: every id's exact bytes (`Backend.token_table`).
        skip: ids not produced by the model's segmentation (added, control and byte-fallback tokens).

    Example:
        >>> vocab_cuts_safely([b"a", b" a", b"  "]), vocab_cuts_safely([b"a", b"a b"])
        (True, False)
    """
    return not any(_SPACE_AFTER_NON_SPACE.search(t) for i, t in enumerate(table) if i not in skip)


def hf_cut_kind(
    config: dict[str, Any], normalizers: Sequence[dict[str, Any]], pre_tokenizers: Sequence[dict[str, Any]],
    *, safe_patterns: frozenset[str],
) -> str | None:
    """How a tokenizer.json pipeline may be cut: 'pretokenizer' (a component splits at the cut), 'vocab' (the model
    sees the text as it is: safe when `vocab_cuts_safely`), or None (never cut).

    Args:
        config: the parsed tokenizer.json (model, truncation, padding).
        normalizers: its normalizers, flattened (`HFBackend.normalizers`).
        pre_tokenizers: its pre-tokenizers, flattened.
        safe_patterns: split regexes known to cut at a letter or digit followed by a space.

    Example:
        >>> bpe = {"model": {"type": "BPE", "dropout": None}}
        >>> hf_cut_kind(bpe, [], [{"type": "ByteLevel", "use_regex": True}], safe_patterns=frozenset())
        'pretokenizer'
        >>> hf_cut_kind(bpe, [{"type": "Prepend"}, {"type": "Replace", "pattern": {"String": " "}}], [],
        ...             safe_patterns=frozenset())
        'vocab'
        >>> print(hf_cut_kind(bpe, [{"type": "Strip"}], [], safe_patterns=frozenset()))
        None
    """
    model = config.get("model") or {}
    if config.get("truncation") or config.get("padding") or model.get("dropout"):
        return None
    if not all(_char_local(norm) for norm in normalizers):
        return None
    transformed = False  # a component before changed the text's characters (ByteLevel's alphabet, '▁')
    for pre in pre_tokenizers:
        kind = pre.get("type")
        if not transformed and _splits_at_spaces(pre, safe_patterns):
            return "pretokenizer"
        if kind in ("ByteLevel", "Metaspace"):
            transformed = True
        elif kind not in PIECEWISE_SPLITTERS:
            return None  # a splitter we cannot reason about
    return "vocab" if model.get("type") in ("BPE", "Unigram") else None


def _char_local(norm: dict[str, Any]) -> bool:
    pattern = (norm.get("pattern") or {}).get("String", "")
    return norm.get("type") in CHAR_LOCAL_NORMALIZERS or (norm.get("type") == "Replace" and len(pattern) == 1)


def _splits_at_spaces(pre: dict[str, Any], safe_patterns: frozenset[str]) -> bool:
    kind = pre.get("type")
    if kind in SPACE_SPLITTERS or (kind == "Metaspace" and pre.get("split", True)):
        return True
    if kind == "ByteLevel":
        return bool(pre.get("use_regex", True))
    regex = (pre.get("pattern") or {}).get("Regex")
    return kind == "Split" and regex in safe_patterns and pre.get("behavior") == "Isolated" and not pre.get("invert")
