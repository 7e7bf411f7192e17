"""Encode a whole corpus once per tokenizer and keep the ids as flat numpy arrays.

Every metric reads these arrays: `ids` (T,) with `first` (S+1,) marking where each sentence's tokens start. Token
byte spans (global byte offsets, see textindex.py) come from token byte lengths for lossless tokenizers
(`np.cumsum` over a lookup table of byte lengths) and from the library's offsets otherwise; never from token strings.

A tokenizer that raises on the batch is re-run language by language, and the languages that still fail are recorded
in `failed` (their sentences get zero tokens) so that the evaluation turns them into error rows.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tokensmith.flat import concat_flat, flatten
from tokensmith.measure.textindex import TextIndex
from tokensmith.tokenizer import Tokenizer


@dataclass
class Timer:
    """Wall-clock seconds spent per phase ('encode', 'metrics', …), summed over calls."""

    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, phase: str, started: float) -> None:
        """Add the time since `started` (a `time.perf_counter()` value) to `phase`.

        Args:
            phase: the phase name.
            started: when the phase began, from `time.perf_counter()`.

        Example:
            >>> timer = Timer()
            >>> timer.add("encode", time.perf_counter())
            >>> list(timer.seconds)
            ['encode']
        """
        self.seconds[phase] = self.seconds.get(phase, 0.0) + time.perf_counter() - started


@dataclass
class EncodedCorpus:
    """Token ids of every sentence of a `TextIndex`, flat. Shapes: T tokens, S sentences."""

    ids: np.ndarray  # (T,) int64
    first: np.ndarray  # (S+1,) token index where each sentence starts
    failed: dict[str, str]  # language → error message
    offsets: list[list[tuple[int, int]]] | None = None  # byte spans per sentence (non-lossless tokenizers only)

    @property
    def n_tokens(self) -> np.ndarray:
        """(S,) tokens per sentence."""
        return np.diff(self.first)

    def token_sentence(self) -> np.ndarray:
        """(T,) sentence index of each token.

        Example:
            >>> require_model("gpt2")
            >>> import tokensmith
            >>> from tokensmith.measure.textindex import build_text_index
            >>> enc = encode_corpus(tokensmith.load("gpt2"), build_text_index({"eng_Latn": ["Hello world", "Hi"]}))
            >>> enc.token_sentence().tolist()
            [0, 0, 1]
        """
        return np.repeat(np.arange(len(self.first) - 1), self.n_tokens)


def _encode_all(tok: Tokenizer, texts: list[str]) -> tuple[Any, list[list[tuple[int, int]]] | None]:
    """(flat ids and offsets, None) from the flat call; (ids per text, offsets per text) where spans are needed."""
    if not tok.lossless:
        encs = tok.encode_batch_with_offsets(texts)
        return [e.ids for e in encs], [e.offsets for e in encs]
    return tok.encode_batch_flat(texts), None


def encode_corpus(tok: Tokenizer, index: TextIndex, *, timer: Timer | None = None) -> EncodedCorpus:
    """Encode all sentences of `index` with one batch call (per language only after a failure).

    Lossless tokenizers use `Tokenizer.encode_batch_flat` (ids straight into numpy); the others need per-token
    offsets (`encode_batch_with_offsets`), whose lists are flattened afterwards.

    Args:
        tok: the tokenizer.
        index: the corpus.
        timer: receives 'encode' (the backend's batch call) and 'convert' (to int64 numpy arrays) seconds.

    Example:
        >>> require_model("gpt2")
        >>> import tokensmith
        >>> from tokensmith.measure.textindex import build_text_index
        >>> enc = encode_corpus(tokensmith.load("gpt2"), build_text_index({"eng_Latn": ["Hello world"]}))
        >>> enc.n_tokens.tolist()
        [2]
    """
    timer = timer or Timer()
    started = time.perf_counter()
    failed: dict[str, str] = {}
    try:
        whole = _encode_all(tok, index.texts)
        parts, offsets = [whole], whole[1]
    except Exception:  # noqa: BLE001 - any backend failure: isolate the language(s) that cause it
        parts, offsets = [], None
        for lang in index.langs:
            texts = index.texts[index.lang_slice(lang)]
            try:
                part = _encode_all(tok, texts)
            except Exception as e:  # noqa: BLE001
                failed[lang] = f"{type(e).__name__}: {e}"
                part = ([[] for _ in texts], None if tok.lossless else [[] for _ in texts])
            parts.append(part)
            offsets = None if part[1] is None else (offsets or []) + part[1]
    timer.add("encode", started)
    started = time.perf_counter()
    ids, first = concat_flat([p[0] if isinstance(p[0], tuple) else flatten(p[0], dtype=np.int64) for p in parts])
    timer.add("convert", started)
    return EncodedCorpus(ids=ids.astype(np.int64, copy=False), first=first, failed=failed, offsets=offsets)


def byte_length_table(tok: Tokenizer) -> np.ndarray:
    """(V,) byte length of every token id, from the exact token table.

    Args:
        tok: the tokenizer.

    Example:
        >>> require_model("gpt2")
        >>> import tokensmith
        >>> byte_length_table(tokensmith.load("gpt2"))[[15496, 995]].tolist()  # 'Hello', ' world'
        [5, 6]
    """
    return np.fromiter(map(len, tok.token_table), dtype=np.int64, count=len(tok.token_table))


def token_spans(tok: Tokenizer, index: TextIndex, enc: EncodedCorpus) -> tuple[np.ndarray, np.ndarray]:
    """Global byte spans (start, end), each (T,), of every token.

    Lossless tokenizers: spans are cumulative token byte lengths, shifted by one byte in sentences where the dummy
    prefix added a space. Sentences whose byte total does not match (e.g. normalization) and non-lossless
    tokenizers use the library's offsets.

    Args:
        tok: the tokenizer.
        index: the corpus.
        enc: its encoding by `tok` (`encode_corpus`).

    Example:
        >>> require_model("gpt2")
        >>> import tokensmith
        >>> from tokensmith.measure.textindex import build_text_index
        >>> tok, index = tokensmith.load("gpt2"), build_text_index({"eng_Latn": ["Hello world", "Hi"]})
        >>> [a.tolist() for a in token_spans(tok, index, encode_corpus(tok, index))]  # sentence 1 starts at byte 12
        [[0, 5, 12], [5, 11, 14]]
    """
    if enc.offsets is not None:
        return _spans_from_offsets(index, enc)
    from tokensmith.measure.spans_kernel import global_spans, sentence_bytes

    table = byte_length_table(tok)
    shift = sentence_bytes(enc.ids, table, enc.first) - index.n_bytes  # 0, or 1 for a dummy-prefix space
    ok = (shift == 0) | ((shift == 1) & tok.dummy_prefix)
    if not tok.lossless:  # normalizing tokenizers: trust lengths only where the bytes really spell the text
        ok = _spells_text(tok, index, enc, ok, shift)
    start, end = np.empty(len(enc.ids), np.int64), np.empty(len(enc.ids), np.int64)
    global_spans(enc.ids, table, enc.first, index.byte_base, shift, start, end)
    for s in np.flatnonzero(~ok & (enc.n_tokens > 0)).tolist():
        _fill_from_library(tok, index, enc, s, start, end)
    return start, end


def token_spans_numpy(tok: Tokenizer, index: TextIndex, enc: EncodedCorpus) -> tuple[np.ndarray, np.ndarray]:
    """Reference for `token_spans` on a lossless tokenizer's flat ids, in plain numpy (the tests compare them).

    Args:
        tok: a lossless tokenizer.
        index: the corpus.
        enc: its encoding by `tok`.

    Example:
        >>> require_model("gpt2")
        >>> import tokensmith
        >>> from tokensmith.measure.textindex import build_text_index
        >>> tok, index = tokensmith.load("gpt2"), build_text_index({"eng_Latn": ["Hello world", "Hi"]})
        >>> [a.tolist() for a in token_spans_numpy(tok, index, encode_corpus(tok, index))]
        [[0, 5, 12], [5, 11, 14]]
    """
    lengths = byte_length_table(tok)[enc.ids] if len(enc.ids) else np.zeros(0, np.int64)
    cum = np.concatenate([[0], np.cumsum(lengths)])
    shift = cum[enc.first[1:]] - cum[enc.first[:-1]] - index.n_bytes
    sent = enc.token_sentence()
    local_end = cum[1:] - cum[enc.first[:-1]][sent] - shift[sent]
    base = index.byte_base[sent]
    return base + np.maximum(local_end - lengths, 0), base + np.maximum(local_end, 0)


def _spells_text(tok: Tokenizer, index: TextIndex, enc: EncodedCorpus, ok: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """Keep `ok[s]` only where sentence s's token bytes are exactly its text (after a dummy-prefix space)."""
    table, ids, first = tok.token_table, enc.ids.tolist(), enc.first.tolist()
    out = ok.copy()
    for s in np.flatnonzero(ok).tolist():
        spelled = b"".join([table[i] for i in ids[first[s] : first[s + 1]]])
        out[s] = spelled[int(shift[s]) :] == index.texts[s].encode("utf-8")
    return out


def _fill_from_library(
    tok: Tokenizer, index: TextIndex, enc: EncodedCorpus, s: int, start: np.ndarray, end: np.ndarray
) -> None:
    """Overwrite sentence s's spans with `encode_with_offsets` (slow path, one sentence)."""
    got = tok.encode_with_offsets(index.texts[s])
    lo, hi = int(enc.first[s]), int(enc.first[s + 1])
    if len(got.offsets) != hi - lo:
        return  # the tokenizer is not deterministic between calls: keep the length-based spans
    spans = np.asarray(got.offsets, dtype=np.int64).reshape(-1, 2)
    start[lo:hi] = index.byte_base[s] + spans[:, 0]
    end[lo:hi] = index.byte_base[s] + spans[:, 1]


def _spans_from_offsets(index: TextIndex, enc: EncodedCorpus) -> tuple[np.ndarray, np.ndarray]:
    """Per-sentence byte spans (`Tokenizer.encode_batch_with_offsets`) → global byte spans."""
    assert enc.offsets is not None
    flat = np.fromiter(
        itertools.chain.from_iterable(itertools.chain.from_iterable(enc.offsets)),
        dtype=np.int64,
        count=2 * len(enc.ids),
    ).reshape(-1, 2)
    spans = flat + index.byte_base[enc.token_sentence()][:, None]
    return spans[:, 0], spans[:, 1]
