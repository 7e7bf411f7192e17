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

Byte-fallback rule (SentencePiece, HF Metaspace): the bytes from an invalid byte to the next space are byte pieces
(`<0xNN>`); the encoder takes the rest again from that space on (`byte_fallback_encode`).
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


def byte_fallback_encode(
    stream: bytes, encode_stream: Callable[[str], list[int]], byte_ids: dict[int, int]
) -> list[int] | None:
    """Byte-fallback spelling of a ragged byte stream, or None when a byte has no '<0xNN>' piece.

    The valid head goes through the encoder; from the first invalid byte to the next space every byte is its byte
    piece (a SentencePiece model cannot take the rest of a cut word as text); from that space on, the stream starts
    a fresh piece (Metaspace splits before every space), so it is encoded again by the same rule.

    Args:
        stream: the bytes the model sees (the dummy space, if any, included).
        encode_stream: valid stream text -> ids (the backend's `encode`, its dummy space accounted for).
        byte_ids: byte value -> id of its '<0xNN>' piece.

    Example:
        >>> enc = lambda text: {" a": [7], " b": [8]}[text]
        >>> byte_fallback_encode(b" a\\xc3z b", enc, {0xC3: 2, ord("z"): 3})
        [7, 2, 3, 8]
        >>> byte_fallback_encode(b" a\\xc3y", enc, {0xC3: 2}) is None
        True
    """
    head, rest = valid_head(stream)
    ids = encode_stream(head) if head else []
    if not rest:
        return ids
    cut = rest.find(b" ")
    word, after = (rest, b"") if cut < 0 else (rest[:cut], rest[cut:])
    if any(b not in byte_ids for b in word):
        return None  # no byte piece: the tokenizer cannot spell these bytes at all
    tail = byte_fallback_encode(after, encode_stream, byte_ids) if after else []
    return None if tail is None else [*ids, *(byte_ids[b] for b in word), *tail]


def byte_fallback_raw(
    stream: bytes, *, encode: Callable[[str], list[int]], adds_dummy: bool, space_id: int | None,
    byte_ids: dict[int, int], table: Sequence[bytes],
) -> list[int] | None:
    """`byte_fallback_encode` for a backend: its `encode` turned into a stream encoder, the result checked.

    Args:
        stream: the bytes the model sees (the dummy space, if any, included).
        encode: text -> ids (no special tokens).
        adds_dummy: `encode` adds the dummy space even before a space (SentencePiece): strip it from the stream.
        space_id: the '▁' piece, for a stream that is one space; None when there is none.
        byte_ids: byte value -> id of its '<0xNN>' piece.
        table: bytes per id.

    Example:
        >>> enc = lambda text: {"a": [7]}[text]  # adds the dummy space: 'a' -> ' a'
        >>> byte_fallback_raw(b" a\\xc3", encode=enc, adds_dummy=True, space_id=None, byte_ids={0xC3: 2},
        ...                   table=[b""] * 2 + [b"\\xc3"] + [b""] * 4 + [b" a"])
        [7, 2]
    """

    def encode_stream(text: str) -> list[int]:
        if adds_dummy and text.startswith(" "):
            if text == " " and space_id is not None:
                return [space_id]
            text = text[1:]
        return encode(text)

    ids = byte_fallback_encode(stream, encode_stream, byte_ids)
    return None if ids is None else spells(ids, table, stream)


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
