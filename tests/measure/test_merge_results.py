"""`merge_results`: several evaluations of one run become one table."""

from __future__ import annotations

import pytest

from tokensmith.errors import CorpusError
from tokensmith.measure.results import Results, Row, merge_results

GPT2 = {"vocab_size": 50257, "backend": "tiktoken", "kind": "zoo", "source": "zoo"}
BPE = {"vocab_size": 1000, "backend": "hf", "kind": "trained", "source": "demo"}


def _part(corpus: str, tokenizers: dict, langs: dict, created: str = "2026-01-01T00:00:00+00:00") -> Results:
    rows = tuple(Row(name, corpus, "*", "bytes_per_token", None, 4.0) for name in tokenizers)
    return Results(tokenizers=tokenizers, langs=langs, rows=rows, created=created)


def test_rows_are_concatenated_in_order_and_metadata_united():
    udhr = _part("udhr", {"gpt2": GPT2, "bpe-1k": BPE}, {"eng_Latn": {"script": "Latn", "spaceless": False}})
    words = _part("wordfreq", {"gpt2": GPT2}, {"jpn_Jpan": {"script": "Jpan", "spaceless": True}}, created="later")
    merged = merge_results([udhr, words])
    order = [(r.tokenizer, r.corpus) for r in merged.rows]
    assert order == [("gpt2", "udhr"), ("bpe-1k", "udhr"), ("gpt2", "wordfreq")]
    assert merged.tokenizers == {"gpt2": GPT2, "bpe-1k": BPE}
    assert sorted(merged.langs) == ["eng_Latn", "jpn_Jpan"]
    assert merged.created == udhr.created  # the run's time is the first part's


def test_one_part_is_returned_unchanged():
    part = _part("udhr", {"gpt2": GPT2}, {})
    assert merge_results([part]) == part


def test_conflicting_metadata_is_an_error_naming_the_tokenizer():
    a = _part("udhr", {"gpt2": GPT2}, {})
    b = _part("udhr", {"gpt2": {**GPT2, "vocab_size": 1}}, {})
    with pytest.raises(CorpusError, match="tokenizer 'gpt2' has metadata"):
        merge_results([a, b])


def test_nothing_to_merge_is_an_error():
    with pytest.raises(CorpusError, match="at least one"):
        merge_results([])
