"""Byte offsets of tokens in their text: the `Encoding` that `Tokenizer.encode_with_offsets` returns and the two ways
its spans are computed (from exact token bytes, or from a library's character offsets).

Offsets are always byte offsets into the text's UTF-8 bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tokensmith.backends.base import Backend
from tokensmith.errors import TokensmithError


@dataclass(frozen=True)
class Encoding:
    """Ids of one text with the byte span each token covers in the text's UTF-8 bytes.

    Args:
        ids: token ids.
        offsets: one `(start, end)` byte span per id.
    """

    ids: list[int]
    offsets: list[tuple[int, int]]


def spans_from_table(
    table: Sequence[bytes], ids: Sequence[int], data: bytes, concat: bytes
) -> list[tuple[int, int]] | None:
    """Byte spans from token byte lengths when the tokens' bytes `concat` spell `data`, or spell it after one
    dummy-prefix space (that space is not in the text, so the first span is shortened by one byte); else None.

    Args:
        table: id → exact token bytes.
        ids: the token ids.
        data: the text's UTF-8 bytes.
        concat: the ids' bytes concatenated (`Tokenizer.decode_bytes(ids)`).

    Example:
        >>> spans_from_table([b" he", b"llo"], [0, 1], b"hello", b" hello")
        [(0, 2), (2, 5)]
        >>> spans_from_table([b"a"], [0], b"b", b"a") is None
        True
    """
    shift = 0 if concat == data else (1 if concat == b" " + data else None)
    if shift is None:
        return None
    spans, pos = [], -shift
    for i in ids:
        n = len(table[i])
        spans.append((max(pos, 0), max(pos + n, 0)))
        pos += n
    return spans


def char_to_byte_spans(text: str, offsets: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Character spans of `text` as UTF-8 byte spans (vectorized: one numpy pass per non-ASCII text).

    Args:
        text: the text the spans index.
        offsets: `(start, end)` character offsets, as Hugging Face tokenizers give them.

    Example:
        >>> char_to_byte_spans("né!", [(0, 2), (2, 3)])
        [(0, 3), (3, 4)]
    """
    if text.isascii():
        return [(s, e) for s, e in offsets]
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    widths = 1 + (points >= 0x80) + (points >= 0x800) + (points >= 0x10000)
    starts = np.concatenate([[0], np.cumsum(widths)]).tolist()
    return [(starts[s], starts[e]) for s, e in offsets]


def encodings(
    backend: Backend, table: Sequence[bytes], texts: Sequence[str], batch: Sequence[list[int]], *,
    add_special_tokens: bool, name: str,
) -> list[Encoding]:  # fmt: skip
    """The `Encoding` of each text from its ids: spans from token bytes where they spell the text, else from the
    backend's character offsets (when its ids agree) or its own byte offsets.

    Args:
        backend: the backend that encoded the texts.
        table: its token table (id → exact bytes).
        texts: the texts.
        batch: their ids (`Tokenizer.encode_batch(texts, add_special_tokens=...)`).
        add_special_tokens: whether BOS/EOS were added (their spans come from the backend).
        name: the tokenizer's name, for the error.

    Raises:
        TokensmithError: neither token bytes nor the backend give one span per id.

    Example:
        >>> import tokensmith
        >>> tok = tokensmith.load("gpt2")
        >>> batch = tok.encode_batch(["Hi there"])
        >>> encodings(tok.backend, tok.token_table, ["Hi there"], batch, add_special_tokens=False, name="gpt2")[0].offsets
        [(0, 2), (2, 8)]
    """
    out: list[Encoding | None] = []
    for text, ids in zip(texts, batch, strict=True):
        spans = None if add_special_tokens else spans_from_table(table, ids, text.encode("utf-8"),
                                                                   b"".join(table[i] for i in ids))  # fmt: skip
        out.append(None if spans is None else Encoding(ids=list(ids), offsets=spans))
    rest = [k for k, e in enumerate(out) if e is None]  # token bytes do not spell these texts
    if rest:
        got = backend.encode_batch_char_offsets([texts[k] for k in rest], add_special_tokens=add_special_tokens)
        for j, k in enumerate(rest):
            offsets = (char_to_byte_spans(texts[k], got[1][j]) if got is not None and got[0][j] == batch[k]
                       else backend.byte_offsets(texts[k], add_special_tokens=add_special_tokens))  # fmt: skip
            if offsets is None or len(offsets) != len(batch[k]):
                raise TokensmithError(
                    f"{name}: cannot compute byte offsets for this text (the backend gives none and token "
                    "bytes do not concatenate to the text)."
                )
            out[k] = Encoding(ids=list(batch[k]), offsets=list(offsets))
    return out  # type: ignore[return-value]
