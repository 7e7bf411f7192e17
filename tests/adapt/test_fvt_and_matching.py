"""FVT on a hand-made vocabulary, and matching by exact bytes (Ġ, ▁, byte fallback, cut characters, roles)."""

from __future__ import annotations

import numpy as np
import pytest
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import models, pre_tokenizers

import tokensmith
from tokensmith.adapt.fvt import fvt_plan
from tokensmith.adapt.matching import match_tokens, missing_role_tokens
from tokensmith.adapt.plan import TransferInputs, apply_plan
from tokensmith.backends.hf import HFBackend
from tokensmith.errors import ModelError, TokenizerFileError
from tokensmith.tokenizer import Tokenizer


def byte_bpe(vocab: dict[str, int], merges: list[tuple[str, str]], name: str) -> Tokenizer:
    hf = HFTokenizer(models.BPE(vocab=vocab, merges=merges))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    return Tokenizer(HFBackend(hf), name=name)


# 'Ã' and '©' are the byte-level letters of the bytes 0xC3 and 0xA9: together they spell 'é'.
SOURCE = byte_bpe({"a": 0, "b": 1, "c": 2, "Ġ": 3, "ab": 4, "Ã": 5, "©": 6}, [("a", "b")], "src")
TARGET = byte_bpe({"a": 0, "b": 1, "c": 2, "Ġ": 3, "bc": 4, "abc": 5, "Ã": 6, "Ã©": 7, "©": 8},
                  [("b", "c"), ("a", "bc"), ("Ã", "©")], "tgt")
E = np.array([[i, 10.0 * i] for i in range(7)])  # source row i = (i, 10 i)


def test_fvt_copies_shared_bytes_and_averages_the_source_pieces_of_new_tokens():
    inputs = TransferInputs(SOURCE, TARGET, match_tokens(SOURCE, TARGET, {}))
    new = apply_plan(fvt_plan(inputs), E, seed=0)
    assert new[:4].tolist() == E[:4].tolist()  # a b c Ġ: the same bytes, copied
    assert new[4].tolist() == [1.5, 15.0]  # 'bc' = mean(b, c) = mean(row 1, row 2)
    assert new[5].tolist() == [3.0, 30.0]  # 'abc' = source 'ab' + 'c' = mean(row 4, row 2)
    assert new[6].tolist() == [5.0, 50.0]  # byte 0xC3 alone (half of 'é'): the source's byte token, copied
    assert new[7].tolist() == [5.5, 55.0]  # 'é' = bytes C3 A9 = mean(row 5, row 6)
    assert new[8].tolist() == [6.0, 60.0]  # byte 0xA9 alone
    assert fvt_plan(inputs).counts() == {"copied": 6, "combined": 3, "random": 0}


def test_sentencepiece_pieces_and_byte_fallback_match_byte_level_tokens_by_their_bytes(shared):
    shared("tokenizers", "hf", "llama2", "tokenizer.json")
    gpt2, llama2 = tokensmith.load("gpt2"), tokensmith.load("llama2")
    m = match_tokens(gpt2, llama2, {"bos": 50256, "eos": 50256})
    hello, newline = llama2.encode("Hello")[0], llama2.token_table.index(b"\n")  # '▁Hello' and '<0x0A>'
    assert llama2.token_bytes(hello) == b" Hello" and m.copied[hello] == gpt2.encode(" Hello")[0]
    assert m.copied[newline] == gpt2.encode("\n")[0]  # byte fallback <0x0A> = GPT-2's 'Ċ'
    bos, eos, unk = llama2.special_tokens["<s>"], llama2.special_tokens["</s>"], llama2.special_tokens["<unk>"]
    assert m.copied[bos] == m.copied[eos] == 50256  # <s> and </s> by role, never by position
    assert unk in m.unmapped  # gpt2 has no unknown token: a random row


def test_special_tokens_never_match_ordinary_tokens_with_the_same_text():
    hf = HFTokenizer(models.BPE(vocab={"a": 0, "<": 1, "s": 2, ">": 3}, merges=[]))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.add_special_tokens(["<s>"])
    target = Tokenizer(HFBackend(hf), name="with-bos")
    m = match_tokens(SOURCE, target, {"bos": 3, "eos": 3})  # the source's bos role is row 3
    assert m.copied[4] == 3 and m.copied[0] == 0


def test_a_target_without_a_token_for_the_bos_role_is_refused():
    with pytest.raises(ModelError, match="no special token for the source model's bos role.*--no-add-specials"):
        match_tokens(SOURCE, TARGET, {"bos": 3})


def test_a_tokenizer_without_exact_bytes_is_refused(shared):
    shared("tokenizers", "hf", "bert-base-uncased", "tokenizer.json")
    with pytest.raises(TokenizerFileError, match="no exact bytes.*tokensmith train --algo bpe"):
        match_tokens(SOURCE, tokensmith.load("bert-base-uncased"), {})


def _with_specials(texts: list[str]) -> Tokenizer:
    hf = HFTokenizer(models.BPE(vocab={"a": 0, "b": 1}, merges=[]))
    hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    hf.add_special_tokens(texts)
    return Tokenizer(HFBackend(hf), name="+".join(texts))


def test_chat_tokens_are_missing_only_when_no_target_token_plays_their_role():
    source = _with_specials(["<|endoftext|>", "<|im_start|>", "<|im_end|>"])
    roles = {"bos": 2, "eos": 2, "chat_start": 3, "chat_end": 4}
    gemma_like = _with_specials(["<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>"])
    assert missing_role_tokens(source, gemma_like, roles) == []  # <start_of_turn> plays <|im_start|>'s part
    assert match_tokens(source, gemma_like, roles).copied[4] == 3
    plain = _with_specials(["<|endoftext|>"])
    assert missing_role_tokens(source, plain, roles) == ["<|im_start|>", "<|im_end|>"]
