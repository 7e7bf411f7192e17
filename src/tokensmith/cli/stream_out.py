"""`tokensmith encode` output for inputs of any size: ids in numpy arrays, records written a block at a time.

The text is encoded through `Tokenizer.encode_parts` (a long text in the pieces of `backends/chunking.py`, so the
ids equal the one-shot encode) and each part is packed into an int32 array at once; byte spans come from token byte
lengths, a block of `BLOCK` tokens at a time. Memory is the text, its UTF-8 bytes, 4 bytes per token and one block,
not a Python dict and tuple per token (10 MB with `--json` used to peak at 8.4 GB).

The output is the same document as before, written incrementally: `--json` gives, byte for byte, what
`json.dumps(doc, indent=2, ensure_ascii=False)` gives for `{"tokenizer", "n_tokens", "n_bytes", "ids", "tokens"}`
(tests/tokenize/test_stream_out.py checks it), and the human form is the header, the `ids: [...]` line and one line
per token.

Not handled here: spans that token bytes cannot give (a lossy tokenizer such as WordPiece, tokens that drop bytes,
`--add-special`) come from the library's offsets for the whole text (`Tokenizer.encode_with_offsets`), whose
memory grows with the token count; the writing stays streamed.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

import numpy as np

from tokensmith.measure.encoded import byte_length_table

if TYPE_CHECKING:
    from tokensmith.tokenizer import Tokenizer

BLOCK = 1 << 16  # tokens verified, spanned and written per step


@dataclass(frozen=True)
class EncodedText:
    """A text's ids and how to get their byte spans.

    Args:
        ids: the ids, int32.
        shift: spans from token byte lengths, the first token's bytes starting `shift` bytes before the text (1:
            the dummy-prefix space); None when `starts`/`ends` hold the library's spans instead.
        starts: the library's span starts (int64), or None.
        ends: the library's span ends (int64), or None.

    Example:
        >>> EncodedText(ids=np.array([15496, 995], dtype=np.int32), shift=0).n_tokens
        2
    """

    ids: np.ndarray
    shift: int | None
    starts: np.ndarray | None = None
    ends: np.ndarray | None = None

    @property
    def n_tokens(self) -> int:
        """How many tokens."""
        return len(self.ids)


def encode_text(tok: Tokenizer, text: str, data: bytes, *, add_special_tokens: bool = False) -> EncodedText:
    """Encode `text` part by part into an int32 array, with spans from token lengths when the tokens spell it.

    Args:
        tok: the tokenizer.
        text: the text.
        data: `text.encode("utf-8")`.
        add_special_tokens: add BOS/EOS (their spans then come from the library).

    Example:
        >>> import tokensmith
        >>> enc = encode_text(tokensmith.load("mistral-v1"), "Hi", b"Hi")
        >>> enc.ids.tolist(), enc.shift  # the first token is b' Hi': one byte before the text
        ([15359], 1)
    """
    if not add_special_tokens:  # BOS/EOS are no text: their spans come from the library
        parts = [np.asarray(part, dtype=np.int32) for part in tok.encode_parts(text)]
        ids = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
        del parts
        shift = spelled_shift(tok, ids, data)
        if shift is not None:
            return EncodedText(ids=ids, shift=shift)
    enc = tok.encode_with_offsets(text, add_special_tokens=add_special_tokens)
    spans = np.asarray(enc.offsets, dtype=np.int64).reshape(-1, 2)
    return EncodedText(ids=np.asarray(enc.ids, dtype=np.int32), shift=None, starts=spans[:, 0], ends=spans[:, 1])


def spelled_shift(tok: Tokenizer, ids: np.ndarray, data: bytes) -> int | None:
    """0 when the token bytes of `ids` are `data`, 1 when they are a dummy-prefix space and `data`, else None.

    Args:
        tok: the tokenizer.
        ids: the ids, int32.
        data: the text's UTF-8 bytes.

    Example:
        >>> import tokensmith
        >>> gpt2 = tokensmith.load("gpt2")
        >>> spelled_shift(gpt2, np.array([15496, 995]), b"Hello world"), spelled_shift(gpt2, np.array([15496]), b"Hi")
        (0, None)
    """
    table, lengths = tok.token_table, byte_length_table(tok)
    total = sum(int(lengths[ids[k : k + BLOCK]].sum()) for k in range(0, len(ids), BLOCK))
    shift = total - len(data)
    if shift not in (0, 1) or (shift == 1 and not tok.dummy_prefix):
        return None
    pos = -shift
    for k in range(0, len(ids), BLOCK):
        chunk = b"".join([table[i] for i in ids[k : k + BLOCK].tolist()])
        if pos < 0 and not (chunk[:1] == b" " and data.startswith(chunk[1:], 0)):
            return None
        if pos >= 0 and not data.startswith(chunk, pos):
            return None
        pos += len(chunk)
    return shift


def span_blocks(tok: Tokenizer, enc: EncodedText) -> Iterator[tuple[list[int], list[int], list[int]]]:
    """(ids, starts, ends) of `enc`, `BLOCK` tokens at a time, as Python lists ready to format.

    Args:
        tok: the tokenizer that gave `enc`.
        enc: the encoded text.

    Example:
        >>> import tokensmith
        >>> mistral = tokensmith.load("mistral-v1")
        >>> list(span_blocks(mistral, encode_text(mistral, "Hello world", b"Hello world")))
        [([22557, 1526], [0, 5], [5, 11])]
    """
    lengths = byte_length_table(tok) if enc.shift is not None else None
    pos = -(enc.shift or 0)
    for k in range(0, enc.n_tokens, BLOCK):
        ids = enc.ids[k : k + BLOCK]
        if lengths is None:
            assert enc.starts is not None and enc.ends is not None
            yield ids.tolist(), enc.starts[k : k + BLOCK].tolist(), enc.ends[k : k + BLOCK].tolist()
            continue
        ends = pos + np.cumsum(lengths[ids])
        starts = np.concatenate([[pos], ends[:-1]])
        pos = int(ends[-1])
        yield ids.tolist(), np.maximum(starts, 0).tolist(), np.maximum(ends, 0).tolist()


def write_json(out: TextIO, tok: Tokenizer, enc: EncodedText, *, n_bytes: int) -> None:
    """The `--json` document, written a block at a time: what `json.dumps(..., indent=2, ensure_ascii=False)` of
    `{"tokenizer", "n_tokens", "n_bytes", "ids", "tokens"}` gives, and a final newline.

    Args:
        out: the text stream to write to.
        tok: the tokenizer that gave `enc`.
        enc: the encoded text.
        n_bytes: the text's length in UTF-8 bytes.

    Example:
        >>> import io, tokensmith
        >>> gpt2, buffer = tokensmith.load("gpt2"), io.StringIO()
        >>> write_json(buffer, gpt2, encode_text(gpt2, "Hi", b"Hi"), n_bytes=2)
        >>> json.loads(buffer.getvalue())["tokens"]
        [{'id': 17250, 'bytes': [72, 105], 'text': 'Hi', 'start': 0, 'end': 2}]
    """
    head = {"tokenizer": tok.name, "n_tokens": enc.n_tokens, "n_bytes": n_bytes}
    out.write(json.dumps(head, ensure_ascii=False, indent=2)[:-2] + ",\n")  # the head without its closing '\n}'
    if not enc.n_tokens:
        out.write('  "ids": [],\n  "tokens": []\n}\n')
        return
    out.write('  "ids": [\n')
    for k in range(0, enc.n_tokens, BLOCK):
        sep = ",\n" if k + BLOCK < enc.n_tokens else "\n"
        out.write(",\n".join(f"    {i}" for i in enc.ids[k : k + BLOCK].tolist()) + sep)
    out.write('  ],\n  "tokens": [\n')
    heads = _RecordHeads(tok)
    first = True
    for ids, starts, ends in span_blocks(tok, enc):
        body = ",\n".join(f'{heads[i]}{s},\n      "end": {e}\n    }}' for i, s, e in zip(ids, starts, ends, strict=True))
        out.write(("" if first else ",\n") + body)
        first = False
    out.write("\n  ]\n}\n")


def human_bytes(data: bytes) -> str:
    r"""Token bytes for people: quoted text when valid UTF-8 (spaces and newlines visible), else b'..' escapes.

    Args:
        data: the bytes of one token.

    Example:
        >>> print(human_bytes(b" world\n"), human_bytes("ü".encode("utf-8")[:1]))
        " world\n" b'\xc3'
    """
    try:
        return json.dumps(data.decode("utf-8"), ensure_ascii=False)
    except UnicodeDecodeError:
        return repr(data)


class _RecordHeads(dict[int, str]):
    """id → its JSON record up to the start offset, made on first use (at most one per vocabulary entry)."""

    def __init__(self, tok: Tokenizer) -> None:
        super().__init__()
        self._table = tok.token_table

    def __missing__(self, idx: int) -> str:
        from tokensmith.cli.output import bytes_repr

        data = self._table[idx]
        values = ",\n".join(f"        {b}" for b in data)
        spelled = f"[\n{values}\n      ]" if data else "[]"
        text = json.dumps(bytes_repr(data), ensure_ascii=False)
        head = f'    {{\n      "id": {idx},\n      "bytes": {spelled},\n      "text": {text},\n      "start": '
        self[idx] = head
        return head


def write_human(out: TextIO, tok: Tokenizer, enc: EncodedText, *, n_bytes: int) -> None:
    """The human form: `NAME: N tokens, M bytes`, `ids: [...]`, then one line per token: id, byte span, bytes.

    Args:
        out: see `write_json`.
        tok: see `write_json`.
        enc: see `write_json`.
        n_bytes: see `write_json`.

    Example:
        >>> import sys, tokensmith
        >>> gpt2 = tokensmith.load("gpt2")
        >>> write_human(sys.stdout, gpt2, encode_text(gpt2, "Hi\\n", b"Hi\\n"), n_bytes=3)
        gpt2: 2 tokens, 3 bytes
        ids: [17250, 198]
           17250       0-2      "Hi"
             198       2-3      "\\n"
    """
    out.write(f"{tok.name}: {enc.n_tokens} tokens, {n_bytes} bytes\nids: [")
    for k in range(0, enc.n_tokens, BLOCK):
        out.write((", " if k else "") + ", ".join(map(str, enc.ids[k : k + BLOCK].tolist())))
    out.write("]\n")
    shown: dict[int, str] = {}
    table = tok.token_table
    for ids, starts, ends in span_blocks(tok, enc):
        lines = []
        for i, s, e in zip(ids, starts, ends, strict=True):
            text = shown.get(i) or shown.setdefault(i, human_bytes(table[i]))
            lines.append(f"{i:>8}  {s:>6}-{e:<6} {text}\n")
        out.write("".join(lines))
