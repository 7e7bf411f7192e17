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
from typing import Protocol

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
        """'dropped N bytes (first at byte offset K)', the start of every message about it."""
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
    target = b" " * shift + data
    pos, n, first = 0, 0, -1
    for piece in pieces:
        if not piece or target.startswith(piece, pos):
            pos += len(piece)
            continue
        at = target.find(piece, pos)
        if at < 0:  # not text from here on (an added piece): it spells nothing of the input
            continue
        first = pos if first < 0 else first
        n, pos = n + at - pos, at + len(piece)
    if pos < len(target):
        first = pos if first < 0 else first
        n += len(target) - pos
    return Dropped(n_bytes=n, offset=max(first - shift, 0)) if n else None


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
    n, first = 0, -1
    for run in _UNCOVERED_RUN.finditer(bytes(mask)):
        pos = run.start()
        for ch in data[run.start() : run.end()].decode("utf-8", errors="replace"):
            width = len(ch.encode("utf-8")) if ch != "\ufffd" else 1
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
    if tok.lossless:
        table, skip = tok.token_table, tok.special_ids if add_special_tokens else frozenset()
        for k, (text, ids) in enumerate(zip(texts, batch, strict=True)):
            pieces = [table[i] for i in ids if i not in skip]
            found = spelled_drop(text.encode("utf-8"), pieces, dummy_prefix=tok.dummy_prefix)
            if found is not None:
                return k, found
        return None
    if offsets is None:
        encodings = tok.encode_batch_with_offsets(texts, add_special_tokens=add_special_tokens)
        if any(list(enc.ids) != list(ids) for enc, ids in zip(encodings, batch, strict=True)):
            raise TokensmithError(
                f"{tok.name} is not lossless, so strictness is checked through its offsets, which are computed "
                "without allowed_special: drop allowed_special, or pass strict=False."
            )
        offsets = [enc.offsets for enc in encodings]
    for k, (text, spans) in enumerate(zip(texts, offsets, strict=True)):
        found = uncovered_drop(text, spans)
        if found is not None:
            return k, found
    return None


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
