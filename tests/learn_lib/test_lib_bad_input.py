"""Bad input gives a TokensmithError that names the problem and the fix."""

from __future__ import annotations

import re

import pytest

from tests.learn_lib.corpus import sentences
from tokensmith.errors import CorpusError, TrainingError
from tokensmith.learn.lib import MAX_SENTENCE_CHARS, train_lib
from tokensmith.learn.registry import TrainConfig
from tokensmith.learn.stream import split_long_line


def config(vocab_size: int, **kw: object) -> TrainConfig:
    return TrainConfig(vocab_size=vocab_size, epochs=kw.pop("epochs", 20), progress=False, **kw)  # type: ignore[arg-type]


def test_non_text_items_are_refused():
    with pytest.raises(CorpusError, match="needs text.*bytes.*Decode"):
        train_lib(["the dog", b"\x89PNG\r\n"], config(300))  # type: ignore[list-item]


def test_binary_looking_text_is_refused():
    with pytest.raises(CorpusError, match="binary"):
        train_lib(["\x00\x01\x02\x03" * 100], config(300))


def test_empty_corpus_is_refused():
    with pytest.raises(CorpusError, match="no text"):
        train_lib(["", "   \n"], config(300))


def test_vocab_smaller_than_the_alphabet_names_the_minimum():
    # 256 bytes + 2 multi-byte characters (é, ü) + 1 special = 259
    with pytest.raises(TrainingError, match=r"smaller than the alphabet.*--vocab-size 259"):
        train_lib(["thé düg"] * 10, config(258, special_tokens=("<s>",)))


def test_too_small_corpus_gives_the_largest_supported_vocabulary():
    with pytest.raises(TrainingError, match="too small") as err:
        train_lib(["abab"], config(1000))
    largest = int(re.search(r"--vocab-size (\d+)", str(err.value)).group(1))
    assert largest == 257  # only "ab" occurs twice
    assert train_lib(["abab"] * 3, config(257)).vocab_size == 257


def test_too_small_after_training_gives_what_lib_learned():
    corpus = sentences(30, seed=0)
    with pytest.raises(TrainingError, match=r"LiB learned \d+ chunks in 2 epochs.*--vocab-size \d+"):
        train_lib(corpus, config(600, epochs=2))  # the pre-check allows 678


def test_unknown_lib_option_lists_the_valid_ones():
    with pytest.raises(TrainingError, match="valid options are.*max_len"):
        train_lib(["the dog"] * 10, config(260, extra={"maxlen": 3}))


def test_negative_documents_is_refused_with_the_valid_range():
    with pytest.raises(TrainingError, match="documents must be 0.*or more"):
        train_lib(["the dog"] * 10, config(260, extra={"documents": -1}))


def test_a_line_over_the_limit_is_split_at_spaces_not_refused():
    one_line = " ".join(sentences(900, seed=0))  # one line of ~3 x MAX_SENTENCE_CHARS characters
    pieces = list(split_long_line(one_line, max_chars=MAX_SENTENCE_CHARS))
    assert len(pieces) >= 3 and all(p.startswith(" ") for p in pieces[1:])  # cut before a space
    tok = train_lib([one_line], config(300))
    assert tok.token_table == train_lib(pieces, config(300)).token_table
