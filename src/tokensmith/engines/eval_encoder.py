"""The encode phase of `evaluate` on an engine: sentences in shards, one task per shard, merged in order.

`evaluate(..., encoder=sharded_encoder(engine))` replaces its one local batch call with this. Each shard task
returns the per-sentence token ids (and byte offsets for a tokenizer that is not lossless): for every metric of
`measure/` these are the sufficient statistics, since ratio metrics sum per-sentence counts, fertility needs token
spans per sentence, and Rényi/Shannon/utilization need each sentence's id counts (their bootstrap rebuilds the
count vector of every resample). The merge concatenates the shards in sentence order, so the driver holds exactly
the `EncodedCorpus` the local path builds, and the bootstrap then resamples *global* sentence indices with the
same seed: the Ray result equals the local one, row for row.

What scales: the encoding (shards run in parallel). What does not: the merge and the metrics, which run once on
the driver over the whole corpus (as `eval` needs the corpus in memory anyway). A shard that raises makes the whole
corpus go through the local `encode_corpus`, which isolates the failing language exactly as it does locally.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from tokensmith.measure.encoded import EncodedCorpus, Timer, encode_corpus
from tokensmith.measure.textindex import TextIndex
from tokensmith.parallel import flatten
from tokensmith.tokenizer import Tokenizer

DEFAULT_SHARD_SENTENCES = 2048
Encoder = Callable[..., EncodedCorpus]  # (tok, index, *, timer) → EncodedCorpus


def encode_sentences_task(tok: Tokenizer, texts: Sequence[str]) -> tuple[list[list[int]], list | None, str | None]:
    """One shard of sentences: ids per sentence, byte offsets per sentence (lossy tokenizers only), or the error.

    Args:
        tok: the tokenizer.
        texts: the shard's sentences.

    Example:
        >>> import tokensmith
        >>> encode_sentences_task(tokensmith.load("gpt2"), ["Hello world", "Hi"])
        ([[15496, 995], [17250]], None, None)
    """
    try:
        if not tok.lossless:
            encs = tok.encode_batch_with_offsets(list(texts))
            return [e.ids for e in encs], [e.offsets for e in encs], None
        return tok.encode_batch(list(texts)), None, None
    except Exception as e:  # noqa: BLE001 - reported to the driver, which falls back to the local path
        return [], None, f"{type(e).__name__}: {e}"


def merge_shards(parts: Sequence[tuple[list[list[int]], list | None]]) -> EncodedCorpus:
    """Concatenate shard results in order into one `EncodedCorpus` (ids (T,), first (S+1,), offsets).

    Args:
        parts: (ids per sentence, offsets per sentence or None) of each shard, in sentence order.

    Example:
        >>> enc = merge_shards([([[1, 2]], None), ([[], [3]], None)])
        >>> enc.ids.tolist(), enc.first.tolist(), enc.offsets
        ([1, 2, 3], [0, 2, 2, 3], None)
    """
    ids, first = flatten([ids for part, _ in parts for ids in part], dtype=np.int64)
    has_offsets = any(offsets is not None for _, offsets in parts)
    offsets = [o for _, part in parts for o in (part or [])] if has_offsets else None
    return EncodedCorpus(ids=ids, first=first, failed={}, offsets=offsets)


def sharded_encoder(engine: Any, *, shard_sentences: int = DEFAULT_SHARD_SENTENCES) -> Encoder:
    """An `encoder` for `evaluate` that encodes each corpus in shards of `shard_sentences` on `engine`.

    Args:
        engine: a `LocalEngine` or `RayEngine` (`tokensmith.engines.open_engine`).
        shard_sentences: sentences per task.

    Example:
        >>> import tokensmith
        >>> from tokensmith.engines import open_engine
        >>> from tokensmith.measure.textindex import build_text_index
        >>> index = build_text_index({"eng_Latn": ["Hello world", "Hi", "Hi there"]})
        >>> enc = sharded_encoder(open_engine("local"), shard_sentences=2)(tokensmith.load("gpt2"), index)
        >>> enc.first.tolist() == encode_corpus(tokensmith.load("gpt2"), index).first.tolist()
        True
    """

    def encode(tok: Tokenizer, index: TextIndex, *, timer: Timer | None = None) -> EncodedCorpus:
        import time

        started = time.perf_counter()
        texts = index.texts
        chunks = (texts[k : k + shard_sentences] for k in range(0, len(texts), shard_sentences))
        parts = list(engine.imap(encode_sentences_task, chunks, tok=tok))
        if any(error is not None for _, _, error in parts):
            return encode_corpus(tok, index, timer=timer)
        if timer is not None:
            timer.add("encode", started)
        return merge_shards([(ids, offsets) for ids, offsets, _ in parts])

    return encode
