"""Is a tokenizer lossless on a corpus? The `lossless` flag of every results row.

"Lossless on a text" means: the concatenated `token_bytes` of `encode(x)` spell `x` exactly, after removing the one
documented dummy-prefix space (`Tokenizer.dummy_prefix`), and no token is the unknown token. A tokenizer that
lower-cases, strips accents or drops whitespace (WordPiece), or that emits `[UNK]`, fails it. Such a tokenizer's
compression and fertility figures are flattered: it reaches fewer, more frequent tokens by not keeping the text. The
report marks it "(lossy)" (report/data.py).

The check is decided per tokenizer × corpus × language, from the ids the evaluation already holds (encoded.py):
the token bytes of a whole language are gathered with numpy from one flat byte table, then compared with the text's
UTF-8 bytes in one `np.array_equal`. `spells_text` is the slow one-sentence reference it is tested against.

Not handled: losslessness *with* special tokens (`parse_special=True`); the evaluation never parses them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np

from tokensmith.measure.encoded import EncodedCorpus, byte_length_table, encode_corpus
from tokensmith.measure.results import Row
from tokensmith.measure.textindex import TextIndex, build_text_index
from tokensmith.tokenizer import Tokenizer

_SPACE = 0x20


def spells_text(tok: Tokenizer, text: str) -> bool:
    """True when `tok` is lossless on `text` (slow reference: one encode, Python byte join).

    Args:
        tok: the tokenizer.
        text: one sentence.

    Example:
        GPT-2's byte-level BPE keeps every byte; BERT's uncased WordPiece lower-cases and drops the space.

        >>> require_model("gpt2"); require_model("bert-base-uncased")
        >>> import tokensmith
        >>> spells_text(tokensmith.load("gpt2"), "Hello World"), spells_text(tokensmith.load("bert-base-uncased"),
        ...     "Hello World")
        (True, False)
    """
    ids = tok.encode(text)
    if tok.unk_id is not None and tok.unk_id in ids:
        return False
    spelled, want = b"".join(tok.token_bytes(i) for i in ids), text.encode("utf-8")
    return spelled == want or (tok.dummy_prefix and spelled == b" " + want)


class _ByteTable:
    """Every token's bytes laid end to end (uint8), with each token's start and length: ids → bytes in numpy."""

    def __init__(self, tok: Tokenizer) -> None:
        self.lengths = byte_length_table(tok)  # (V,)
        self.starts = np.concatenate([[0], np.cumsum(self.lengths)[:-1]]).astype(np.int64)  # (V,)
        self.flat = np.frombuffer(b"".join(tok.token_table), dtype=np.uint8)  # (Σ lengths,)

    def spell(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(bytes of the tokens end to end (B,), cumulative byte position before each token and at the end (T+1,))."""
        lengths = self.lengths[ids]
        cum = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        within = np.arange(int(cum[-1]), dtype=np.int64) - np.repeat(cum[:-1], lengths)
        return self.flat[np.repeat(self.starts[ids], lengths) + within], cum


def _language_spelled(tok: Tokenizer, table: _ByteTable, index: TextIndex, enc: EncodedCorpus, lang: str) -> bool:
    sl = index.lang_slice(lang)
    first = enc.first[sl.start : sl.stop + 1]
    ids = enc.ids[first[0] : first[-1]]
    if tok.unk_id is not None and bool(np.any(ids == tok.unk_id)):
        return False
    spelled, cum = table.spell(ids)
    starts = cum[first[:-1] - first[0]]  # (S,) byte position where each sentence's tokens start
    shift = cum[first[1:] - first[0]] - starts - index.n_bytes[sl]  # (S,) 0, or 1 for a dummy-prefix space
    if not np.all((shift == 0) | ((shift == 1) & tok.dummy_prefix)):
        return False
    dummy = starts[shift == 1]
    if dummy.size and not np.all(spelled[dummy] == _SPACE):
        return False
    keep = np.ones(len(spelled), dtype=bool)
    keep[dummy] = False
    want = np.frombuffer("".join(index.texts[sl]).encode("utf-8"), dtype=np.uint8)
    return bool(np.array_equal(spelled[keep], want))


def lossless_by_language(tok: Tokenizer, index: TextIndex, enc: EncodedCorpus) -> dict[str, bool | None]:
    """Per language of `index`: is `tok` lossless on every sentence? None for languages the tokenizer failed on.

    Args:
        tok: the tokenizer that produced `enc`.
        index: the corpus.
        enc: `encode_corpus(tok, index)`.

    Example:
        >>> require_model("gpt2"); require_model("bert-base-uncased")
        >>> import tokensmith
        >>> ix = build_text_index({"eng_Latn": ["Hello World"]})
        >>> gpt2, bert = tokensmith.load("gpt2"), tokensmith.load("bert-base-uncased")
        >>> [lossless_by_language(t, ix, encode_corpus(t, ix)) for t in (gpt2, bert)]
        [{'eng_Latn': True}, {'eng_Latn': False}]
    """
    table = _ByteTable(tok)
    return {lang: None if lang in enc.failed else _language_spelled(tok, table, index, enc, lang)
            for lang in index.langs}


def lossless_on(tok: Tokenizer, texts: Mapping[str, Sequence[str]]) -> dict[str, bool | None]:
    """`lossless_by_language` for texts that are not indexed yet (word lists: morphology gold, compounds).

    Args:
        tok: the tokenizer.
        texts: language → texts.

    Example:
        >>> require_model("gpt2"); require_model("bert-base-uncased")
        >>> import tokensmith
        >>> words = {"deu_Latn": ["Haus", "Hausboot"]}
        >>> lossless_on(tokensmith.load("bert-base-uncased"), words), lossless_on(tokensmith.load("gpt2"), words)
        ({'deu_Latn': False}, {'deu_Latn': True})
    """
    index = build_text_index({lang: list(v) for lang, v in texts.items()})
    return lossless_by_language(tok, index, encode_corpus(tok, index))


def with_lossless(rows: Sequence[Row], flags: Mapping[str, bool | None]) -> list[Row]:
    """Stamp each row with its language's flag; a '*' row (across languages) is lossless when all languages are.
    Error rows and languages without a flag stay None (unknown).

    Args:
        rows: rows of one tokenizer on one corpus.
        flags: language → lossless, from `lossless_by_language`.

    Example:
        >>> rows = [Row("t", "c", "eng", "fertility", None, 1.0), Row("t", "c", "*", "parity_gini", None, 0.1)]
        >>> [r.lossless for r in with_lossless(rows, {"eng": True, "deu": False})]
        [True, False]
    """
    values = list(flags.values())
    star = False if False in values else (True if values and None not in values else None)
    out = []
    for r in rows:
        flag = None if r.error is not None else (star if r.lang == "*" else flags.get(r.lang))
        out.append(dataclasses.replace(r, lossless=flag))
    return out
