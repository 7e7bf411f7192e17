"""Canonical encodings of raw bytes that are not valid UTF-8 (a character cut at either end, or stray bytes).

A tokenizer's own encoder takes text. Byte-level probabilities (`decode/covers.py`) also need an encoding of byte
strings that start or end inside a character, so each backend extends its encoder with `encode_raw_bytes`. This
file holds the one rule the byte-level backends (HF ByteLevel, tiktoken) share, and the byte-fallback rule.

Byte-level rule: the valid UTF-8 runs are split by the tokenizer's own pretokenizer, and every invalid run joins the
pretokens on both sides of it into one BPE piece. On a ragged *tail* this is exactly tiktoken's `_encode_bytes`
(the tail joins the last pretoken). On a ragged *head* (a context cut inside a character) the head joins the first
pretoken of what follows. The rule keeps the property the cover sums rest on: at a position p that no token spans
(no merge crosses it), encoding x equals encoding x[:p] then x[p:]. Merging a whole ragged remainder as one piece
(what tiktoken does when the text continues after the invalid bytes) breaks it: BPE then merges across pretoken
boundaries, e.g. the two spaces that the lookahead split `\\s+(?!\\S)` keeps apart in 'a  b'.

Not handled here: byte fallback after the first invalid byte spells every later byte as a byte piece (see
`fallback_ids`), and does not re-enter the SentencePiece model.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence

import regex


def utf8_runs(data: bytes) -> list[tuple[bytes, bool]]:
    """Split bytes into maximal runs of valid UTF-8 and of invalid bytes, in order.

    Args:
        data: any bytes.

    Example:
        >>> utf8_runs(b"\\xa9ab\\xc3")
        [(b'\\xa9', False), (b'ab', True), (b'\\xc3', False)]
    """
    runs: list[tuple[bytes, bool]] = []
    rest = data
    while rest:
        try:
            rest.decode("utf-8")
            runs.append((rest, True))
            break
        except UnicodeDecodeError as e:
            if e.start:
                runs.append((rest[: e.start], True))
            if runs and not runs[-1][1]:
                runs[-1] = (runs[-1][0] + rest[e.start : e.end], False)
            else:
                runs.append((rest[e.start : e.end], False))
            rest = rest[e.end :]
    return runs


def raw_pieces(data: bytes, split: Callable[[str], Sequence[str]]) -> list[bytes]:
    """BPE pieces of raw bytes: valid runs split by `split`, each invalid run joined to the pieces beside it.

    Args:
        data: raw bytes, possibly ragged.
        split: the pretokenizer: text -> its pretokens in order (they concatenate to the text).

    Example:
        >>> raw_pieces(b"\\xa9a  ab\\xc3", lambda t: t.replace(" ", "| ").split("|"))
        [b'\\xa9a', b' ', b' ab\\xc3']
    """
    pieces: list[bytes] = []
    join_next = False  # the previous run was invalid: the next pretoken joins the last piece
    for run, valid in utf8_runs(data):
        if not valid:
            if pieces:
                pieces[-1] += run
            else:
                pieces.append(run)
            join_next = True
            continue
        parts = [p.encode("utf-8") for p in split(run.decode("utf-8")) if p]
        if join_next and parts:
            pieces[-1] += parts.pop(0)
        pieces.extend(parts)
        join_next = False
    return pieces


def fallback_ids(head_ids: Sequence[int], rest: bytes, byte_ids: dict[int, int]) -> list[int] | None:
    """Byte-fallback spelling: the valid head's ids, then one byte piece per byte from the first invalid byte on.

    Args:
        head_ids: the encoder's ids for the valid UTF-8 head.
        rest: the bytes from the first invalid byte to the end.
        byte_ids: byte value -> id of its '<0xNN>' piece.

    Example:
        >>> fallback_ids([7], b"\\xc3", {0xC3: 2})
        [7, 2]
        >>> fallback_ids([7], b"\\xc3z", {0xC3: 2}) is None
        True
    """
    if any(b not in byte_ids for b in rest):
        return None  # no byte piece: the tokenizer cannot spell these bytes at all
    return [*head_ids, *(byte_ids[b] for b in rest)]


def valid_head(data: bytes) -> tuple[str, bytes]:
    """(the longest valid UTF-8 prefix as text, the bytes after it).

    Args:
        data: raw bytes.

    Example:
        >>> valid_head(b"ab\\xc3")
        ('ab', b'\\xc3')
    """
    try:
        return data.decode("utf-8"), b""
    except UnicodeDecodeError as e:
        return data[: e.start].decode("utf-8"), data[e.start :]


def spells(ids: Sequence[int], table: Sequence[bytes], data: bytes) -> list[int] | None:
    """`ids` when their bytes concatenate to `data`, else None (an encoder that dropped a byte it has no token for).

    Args:
        ids: token ids.
        table: bytes per id.
        data: the bytes they must spell.

    Example:
        >>> spells([0, 1], [b"a", b"b"], b"ab"), spells([0], [b"a", b"b"], b"ab")
        ([0, 1], None)
    """
    return list(ids) if b"".join(table[i] for i in ids) == data else None


@functools.cache
def compiled_pattern(pattern: str) -> regex.Pattern[str]:
    """A pretokenizer regex (tiktoken's `pat_str`), compiled once with the `regex` module (possessive `++`).

    Args:
        pattern: the regex source.

    Example:
        >>> compiled_pattern(r" ?\\p{L}+|\\s+(?!\\S)|\\s+").findall("a  b")
        ['a', ' ', ' b']
    """
    return regex.compile(pattern)
