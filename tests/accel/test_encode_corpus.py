"""`encode_corpus`: flat ids + offsets, in input order, equal to `encode_batch`, on one or several shards."""

from __future__ import annotations

import numpy as np

import tokensmith
from tokensmith import parallel
from tokensmith.parallel import encode_corpus


def test_worked_example():
    enc = encode_corpus(tokensmith.load("gpt2"), ["Hello world", "", "Hi"])
    assert enc.ids.tolist() == [15496, 995, 17250] and enc.offsets.tolist() == [0, 2, 2, 3]
    assert enc.ids.dtype == np.uint32 and len(enc) == 3 and enc.lengths().tolist() == [2, 0, 1]


def test_order_and_ids_equal_encode_batch_across_shards_and_workers(monkeypatch):
    monkeypatch.setattr(parallel, "SHARD_TEXTS", 7)
    tok = tokensmith.load("o200k_base")
    texts = [f"line {k}: " + "Grüße " * (k % 5) + "日本語" * (k % 3) for k in range(100)]
    expected = tok.encode_batch(texts)
    for workers in (None, 2, 3):
        enc = encode_corpus(tok, texts, workers=workers)
        assert [enc[s] for s in range(len(texts))] == expected


def test_a_spec_string_and_an_empty_corpus():
    assert encode_corpus("gpt2", ["Hello world"])[0] == [15496, 995]
    enc = encode_corpus("gpt2", [])
    assert len(enc) == 0 and enc.ids.size == 0 and enc.offsets.tolist() == [0]
