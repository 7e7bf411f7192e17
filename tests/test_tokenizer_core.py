"""Worked examples of exact token bytes and byte offsets on the real reference tokenizers in ../shared."""

from __future__ import annotations

import pytest

import tokensmith
from tests.conftest import shared_path

TEXT = "Hello  wörld 𝔘 x"


def _load(*parts: str) -> tokensmith.Tokenizer:
    return tokensmith.load(str(shared_path("tokenizers", *parts)))


def test_byte_level_bpe_spells_g_as_space():
    tok = _load("hf", "smollm2", "tokenizer.json")
    ids = tok.encode("Hello world")
    assert ids == [19556, 905]
    assert [tok.token_bytes(i) for i in ids] == [b"Hello", b" world"]


def test_byte_level_splits_a_4_byte_char_across_tokens():
    tok = _load("hf", "smollm2", "tokenizer.json")
    ids = tok.encode("𝔘")
    assert b"".join(tok.token_bytes(i) for i in ids) == "𝔘".encode()
    assert len(ids) > 1  # 'ðĿ', 'Ķ', 'ĺ' — bytes F0 9D | 94 | 98


def test_sentencepiece_byte_fallback_and_dummy_prefix():
    tok = _load("sentencepiece", "mistral-v1.model")
    ids = tok.encode("Hello 𝔘")
    spelled = [tok.token_bytes(i) for i in ids]
    assert spelled[0] == b" Hello"  # the dummy-prefix space belongs to the first piece
    assert b"".join(spelled) == b" Hello \xf0\x9d\x94\x98"
    assert tok.dummy_prefix and tok.lossless
    assert len(tok.byte_fallback_ids) == 256


def test_hf_llama2_metaspace_matches_sentencepiece_style():
    tok = _load("hf", "llama2", "tokenizer.json")
    assert tok.encode("Hello world", add_special_tokens=True) == [1, 15043, 3186]
    assert tok.token_bytes(15043) == b" Hello"
    assert tok.token_bytes(1) == b"<s>" and 1 in tok.special_ids


def test_tiktoken_o200k_golden_ids():
    tok = _load("tiktoken", "o200k_base.tiktoken")
    assert tok.encode("Hello world") == [13225, 2375]
    assert tok.vocab_size == 200019


def test_wordpiece_strips_continuation_prefix_on_normalized_text():
    tok = _load("hf", "bert-base-uncased", "tokenizer.json")
    ids = tok.encode("Tokenization")
    assert [tok.token_bytes(i) for i in ids] == [b"token", b"ization"]
    assert not tok.lossless


@pytest.mark.parametrize(
    "parts",
    [("tiktoken", "gpt2.tiktoken"), ("hf", "smollm2", "tokenizer.json"), ("hf", "llama2", "tokenizer.json"),
     ("sentencepiece", "mistral-v3.model")],
)
def test_offsets_cover_each_token_exactly(parts):
    tok = _load(*parts)
    data = TEXT.encode()
    enc = tok.encode_with_offsets(TEXT)
    assert len(enc.offsets) == len(enc.ids)
    assert enc.offsets[0][0] == 0 and enc.offsets[-1][1] == len(data)
    # contiguous: each span starts where the previous one ended, so the spans tile the text exactly
    assert all(prev[1] == cur[0] for prev, cur in zip(enc.offsets, enc.offsets[1:]))
    for (s, e), i in zip(enc.offsets, enc.ids, strict=True):
        assert data[s:e] == tok.token_bytes(i).lstrip(b" ") or data[s:e] == tok.token_bytes(i)
    assert [e.offsets for e in tok.encode_batch_with_offsets([TEXT, "x"])][0] == enc.offsets


def test_special_strings_are_text_unless_parsed():
    tok = _load("tiktoken", "cl100k_base.tiktoken")
    assert 100257 not in tok.encode("a<|endoftext|>")
    assert 100257 in tok.encode("a<|endoftext|>", parse_special=True)


def test_out_of_range_id_is_a_clear_error():
    tok = _load("tiktoken", "gpt2.tiktoken")
    with pytest.raises(tokensmith.TokensmithError, match="out of range"):
        tok.token_bytes(10**9)
