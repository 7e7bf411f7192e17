"""Dropped text: where the tokens of an encoding fail to spell the text (`strict=True`, the CLI's `--strict`).

Two rules, chosen by what a tokenizer promises (`Tokenizer.lossless`):
- A **lossless** tokenizer (byte-level BPE, tiktoken, byte fallback) promises that the concatenated token bytes are
  the text's UTF-8 bytes, after the one dummy-prefix space (`Tokenizer.dummy_prefix`). The check is exact: an input
  byte that no token spells is dropped. BOS/EOS that `add_special_tokens` puts around the text are not text.
- A tokenizer that is **lossy by design** (WordPiece, lower-casing or accent-stripping normalizers) cannot promise
  bytes, so the check is what can be checked: every character must lie in the byte span (the library's offsets) of
  some token, except whitespace, and controls, format characters and combining marks (Unicode Cc, Cf, Mn, Me), which
  normalizers remove by design. An unknown token covers its span: it is visible in the ids, so it is not silent.
  A vocabulary that cannot spell `hello` and gives `[]` fails this rule at byte offset 0.
Not handled: bytes a tokenizer adds (nothing is dropped), and the coverage rule together with `allowed_special`
(the library's offsets are computed without parsing specials): that combination raises, saying so.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from tokensmith.errors import LossyEncodingError, TokensmithError

# Characters a normalizer may remove by design: controls, format characters (ZWJ, ZWSP), combining marks.
_REMOVABLE = frozenset({"Cc", "Cf", "Mn", "Me"})
_UNCOVERED_RUN = re.compile(rb"\x00+")


class _Spans(Protocol):
    ids: list[int]
    offsets: list[tuple[int, int]]


class SpellingTokenizer(Protocol):
    """The part of `tokensmith.Tokenizer` the checks read (a Protocol, so this module does not import it)."""

    @property
    def name(self) -> str: ...
    @property
    def lossless(self) -> bool: ...
    @property
    def dummy_prefix(self) -> bool: ...
    @property
    def special_ids(self) -> frozenset[int]: ...
    @property
    def token_table(self) -> tuple[bytes, ...]: ...
    def encode_batch_with_offsets(self, texts: Sequence[str], *, add_special_tokens: bool = False) -> list[_Spans]: ...


@dataclass(frozen=True)
class Dropped:
    """Input bytes that the tokens do not spell.

    Args:
        n_bytes: how many bytes of the text's UTF-8 are dropped.
        offset: the byte offset of the first dropped byte.

    Example:
        >>> Dropped(n_bytes=5, offset=0).describe()
        'dropped 5 bytes (first at byte offset 0)'
    """

    n_bytes: int
    offset: int

    def describe(self) -> str:
        """'dropped N bytes (first at byte offset K)', the start of every message about it.

        Example:
            >>> Dropped(n_bytes=1, offset=7).describe()
            'dropped 1 byte (first at byte offset 7)'
        """
        unit = "byte" if self.n_bytes == 1 else "bytes"
        return f"dropped {self.n_bytes} {unit} (first at byte offset {self.offset})"


def spelled_drop(data: bytes, pieces: Sequence[bytes], *, dummy_prefix: bool = False) -> Dropped | None:
    """The exact rule: which bytes of `data` the token bytes `pieces` do not spell, in order.

    Args:
        data: the text's UTF-8 bytes.
        pieces: each token's bytes, in order.
        dummy_prefix: the first token may carry one space that is not in the text.

    Example:
        >>> spelled_drop(b"hello", [b"he", b"lo"]), spelled_drop(b"hello", []), spelled_drop(b"hi", [b" hi"], dummy_prefix=True)
        (Dropped(n_bytes=1, offset=2), Dropped(n_bytes=5, offset=0), None)
    """
    spelled = b"".join(pieces)
    if spelled == data or (dummy_prefix and spelled == b" " + data):
        return None
    shift = 1 if dummy_prefix and spelled.startswith(b" ") else 0
    gaps, _ = _walk(b" " * shift + data, pieces)
    gaps = [(max(a - shift, 0), b - shift) for a, b in gaps if b > shift]
    n = sum(b - a for a, b in gaps)
    return Dropped(n_bytes=n, offset=gaps[0][0]) if n else None


def _walk(target: bytes, pieces: Sequence[bytes], *, stop: bool = False) -> tuple[list[tuple[int, int]], bool]:
    """Place each piece at its next occurrence in `target`: the (start, end) gaps no piece spells, and whether every
    piece was found. A piece that is not text (added, or normalized) spells nothing: it is skipped, or with `stop`
    the walk ends there (its answer is then 'not literal' anyway, and each failed search reads the whole rest)."""
    pos, gaps, literal = 0, [], True
    for piece in pieces:
        if not piece or target.startswith(piece, pos):
            pos += len(piece)
            continue
        at = target.find(piece, pos)
        if at < 0:
            literal = False
            if stop:
                break
            continue
        gaps.append((pos, at))
        pos = at + len(piece)
    if pos < len(target):
        gaps.append((pos, len(target)))
    return gaps, literal


def uncovered_drop(text: str, spans: Sequence[tuple[int, int]]) -> Dropped | None:
    """The coverage rule: characters of `text` in no token's byte span (whitespace, Cc, Cf, Mn, Me aside).

    Args:
        text: the text.
        spans: one `(start, end)` byte span per token.

    Example:
        >>> uncovered_drop("Hi there", [(0, 2), (3, 8)]), uncovered_drop("Hi there", [(0, 2)])
        (None, Dropped(n_bytes=5, offset=3))
    """
    data = text.encode("utf-8")
    mask = bytearray(len(data))
    for start, end in spans:
        mask[start:end] = b"\x01" * (end - start)
    return _visible_drop(data, [run.span() for run in _UNCOVERED_RUN.finditer(bytes(mask))])


def literal_drop(text: str, pieces: Sequence[bytes]) -> Dropped | None | Literal["unknown"]:
    """The coverage rule for a lossy tokenizer whose token bytes are literal text (no normalizer changed them): the
    visible characters between the pieces, each placed at its next occurrence. 'unknown' when some piece is not in
    the text (then the library's spans decide, `uncovered_drop`).

    Args:
        text: the text.
        pieces: each token's bytes, in order.

    Example:
        >>> literal_drop("hello aha", [b"a", b"a"]), literal_drop("Hi", [b"hi"])
        (Dropped(n_bytes=6, offset=0), 'unknown')
    """
    data = text.encode("utf-8")
    gaps, literal = _walk(data, pieces, stop=True)
    return _visible_drop(data, gaps) if literal else "unknown"


def _visible_drop(data: bytes, gaps: Sequence[tuple[int, int]]) -> Dropped | None:
    """The bytes of the characters in `gaps` that a normalizer would not remove (whitespace, Cc, Cf, Mn, Me)."""
    n, first = 0, -1
    for start, end in gaps:
        while start > 0 and 0x80 <= data[start] < 0xC0:  # widen to whole characters (data is valid UTF-8)
            start -= 1
        while end < len(data) and 0x80 <= data[end] < 0xC0:
            end += 1
        pos = start
        for ch in data[start:end].decode("utf-8"):
            width = len(ch.encode("utf-8"))
            if not ch.isspace() and unicodedata.category(ch) not in _REMOVABLE:
                first = pos if first < 0 else first
                n += width
            pos += width
    return Dropped(n_bytes=n, offset=first) if n else None


def find_dropped(
    tok: SpellingTokenizer,
    texts: Sequence[str],
    batch: Sequence[Sequence[int]],
    *,
    add_special_tokens: bool = False,
    offsets: Sequence[Sequence[tuple[int, int]]] | None = None,
) -> tuple[int, Dropped] | None:
    """The first text whose ids drop bytes, with what they drop (the rule `tok.lossless` chooses; module docstring).

    Args:
        tok: the tokenizer that gave `batch`.
        texts: the texts.
        batch: the ids of each text.
        add_special_tokens: whether `batch` was encoded with BOS/EOS (they are not text).
        offsets: the byte spans of `batch` when the caller has them (`encode_batch_with_offsets`); a lossy
            tokenizer's are otherwise computed here. The library's spans may place a drop inside a word a little
            off (Hugging Face BPE without an unknown token shifts them); the count is right.

    Example:
        >>> import tokensmith
        >>> find_dropped(tokensmith.load("gpt2"), ["ok", "hello"], [[482], [31373]])
        >>> find_dropped(tokensmith.load("gpt2"), ["ok", "hello"], [[482], [258]])  # b'he' only
        (1, Dropped(n_bytes=3, offset=2))
    """
    skip = tok.special_ids if add_special_tokens else frozenset()
    table = tok.token_table
    pick = table.__getitem__
    pieces = [list(map(pick, ids)) if not skip else [table[i] for i in ids if i not in skip] for ids in batch]
    if tok.lossless:
        data = (text.encode("utf-8") for text in texts)
        found: list[Dropped | None | Literal["unknown"]] = [
            spelled_drop(d, p, dummy_prefix=tok.dummy_prefix) for d, p in zip(data, pieces, strict=True)
        ]
    else:
        found = [literal_drop(text, p) for text, p in zip(texts, pieces, strict=True)]
        found = _covered(tok, texts, batch, found, skip=skip, offsets=offsets)
    return next(((k, f) for k, f in enumerate(found) if isinstance(f, Dropped)), None)


def _covered(
    tok: SpellingTokenizer,
    texts: Sequence[str],
    batch: Sequence[Sequence[int]],
    found: list[Dropped | None | Literal["unknown"]],
    *,
    skip: frozenset[int],
    offsets: Sequence[Sequence[tuple[int, int]]] | None,
) -> list[Dropped | None | Literal["unknown"]]:
    """The coverage rule for the texts whose token bytes are not literal text (`found[k] == 'unknown'`)."""
    todo = [k for k, f in enumerate(found) if f == "unknown"]
    if not todo:
        return found
    if offsets is None:  # spans of the plain encoding: BOS/EOS are no text (and some libraries give them no span)
        encodings = tok.encode_batch_with_offsets([texts[k] for k in todo])
        if any(list(e.ids) != [i for i in batch[k] if i not in skip] for e, k in zip(encodings, todo, strict=True)):
            raise TokensmithError(
                f"{tok.name} is not lossless, so strictness is checked through its offsets, which are computed "
                "without allowed_special: drop allowed_special, or pass strict=False."
            )
        spans = dict(zip(todo, (e.offsets for e in encodings), strict=True))
    else:
        spans = {k: offsets[k] for k in todo}
    return [uncovered_drop(texts[k], spans[k]) if k in spans else f for k, f in enumerate(found)]


def check_spelled(
    tok: SpellingTokenizer, texts: Sequence[str], batch: Sequence[Sequence[int]], *, add_special_tokens: bool = False
) -> None:
    """Raise `LossyEncodingError` naming the first dropped byte offset when some ids do not spell their text.

    Args:
        tok: the tokenizer that gave `batch`.
        texts: the texts.
        batch: the ids of each text.
        add_special_tokens: see `find_dropped`.

    Example:
        >>> import tokensmith
        >>> check_spelled(tokensmith.load("gpt2"), ["hello"], [[258]])
        Traceback (most recent call last):
        ...
        tokensmith.errors.LossyEncodingError: gpt2: dropped 3 bytes (first at byte offset 2): b'llo' is in no token. ...
    """
    hit = find_dropped(tok, texts, batch, add_special_tokens=add_special_tokens)
    if hit is None:
        return
    k, found = hit
    where = f"text {k}" if len(texts) > 1 else ""
    raise LossyEncodingError(f"{tok.name}: {explain(texts[k], found, where=where)}. Use a tokenizer whose vocabulary "
                             "spells this text (byte-level BPE or byte fallback), or pass strict=False to accept the "
                             "loss.")  # fmt: skip


def explain(text: str, found: Dropped, *, where: str = "") -> str:
    """'dropped N bytes (first at byte offset K) of WHERE: b'...' is in no token', for messages and warnings.

    Args:
        text: the text that was encoded.
        found: what its tokens drop.
        where: what the text is ('line 3 of notes.txt'), or '' to leave it out.

    Example:
        >>> explain("hello", Dropped(n_bytes=5, offset=0), where="the input")
        "dropped 5 bytes (first at byte offset 0) of the input: b'hello' is in no token"
    """
    start = found.offset
    place = f" of {where}" if where else ""
    return f"{found.describe()}{place}: {text.encode('utf-8')[start : start + min(found.n_bytes, 16)]!r} is in no token"


__all__ = ["Dropped", "check_spelled", "explain", "find_dropped", "spelled_drop", "uncovered_drop"]
