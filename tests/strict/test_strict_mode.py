"""`Tokenizer.encode(..., strict=True)`: worked examples of both rules in `tokensmith.dropped`."""

from __future__ import annotations

from pathlib import Path

import pytest

import tokensmith
from tests.strict.toys import lossy_a, meta_ab
from tokensmith.dropped import Dropped, literal_drop, spelled_drop, uncovered_drop
from tokensmith.errors import LossyEncodingError, TokensmithError
from tokensmith.formats.verify import SAMPLE

pytestmark = pytest.mark.usefixtures("zoo_dir")


def test_the_issue_vocabulary_raises_at_byte_zero(tmp_path: Path) -> None:
    tok = tokensmith.load(str(lossy_a(tmp_path)))
    assert tok.encode("hello") == []  # the silent loss the issue reports, still the default
    with pytest.raises(LossyEncodingError, match=r"dropped 5 bytes \(first at byte offset 0\).*b'hello'"):
        tok.encode("hello", strict=True)


def test_a_lossy_tokenizer_gets_the_offset_of_the_first_character_it_skips(tmp_path: Path) -> None:
    tok = tokensmith.load(str(lossy_a(tmp_path)))
    assert tok.encode("a a", strict=True) == [0, 0]  # the space is not text a lossy tokenizer must keep
    with pytest.raises(LossyEncodingError, match=r"dropped 1 byte \(first at byte offset 1\)"):
        tok.encode("aha", strict=True)


def test_a_tokenizer_claiming_lossless_is_held_to_exact_bytes(tmp_path: Path) -> None:
    tok = tokensmith.load(str(meta_ab(tmp_path)))
    assert tok.lossless and tok.dummy_prefix
    assert tok.encode("ab ba", strict=True) == [0, 1, 2, 0, 2, 1]  # '▁ab▁ba': the dummy space is no loss
    with pytest.raises(LossyEncodingError, match=r"dropped 1 byte \(first at byte offset 2\).*b'c'"):
        tok.encode("abc", strict=True)


def test_encode_batch_names_the_text_that_drops(tmp_path: Path) -> None:
    tok = tokensmith.load(str(meta_ab(tmp_path)))
    with pytest.raises(LossyEncodingError, match=r"dropped 2 bytes \(first at byte offset 1\) of text 1: b'cc'"):
        tok.encode_batch(["ab", "acca"], strict=True)


def test_real_lossless_tokenizers_pass_strict_on_the_whole_check_sample() -> None:
    for name in ("gpt2", "llama2", "mistral-v1"):
        tok = tokensmith.load(name)
        assert tok.encode_batch(list(SAMPLE), strict=True) == tok.encode_batch(list(SAMPLE))
        assert tok.encode("Hello world", add_special_tokens=True, strict=True)  # BOS is no dropped text


def test_normalization_and_unknown_tokens_are_not_drops() -> None:
    bert = tokensmith.load("bert-base-uncased")
    text = "Hello naïve e\u0301 \x01 😀 world"  # lower-cased, accents stripped, a control removed, [UNK]
    assert bert.encode(text, strict=True) == bert.encode(text)


def test_empty_text_is_valid_and_strict() -> None:
    assert tokensmith.load("gpt2").encode("", strict=True) == []


def test_strict_with_allowed_special_on_a_normalizing_tokenizer_says_it_cannot_check() -> None:
    bert = tokensmith.load("bert-base-uncased")
    assert bert.encode("a [SEP] b", allowed_special="all", strict=True) == [1037, 102, 1038]  # literal pieces
    with pytest.raises(TokensmithError, match="computed without allowed_special"):
        bert.encode("A [SEP] b", allowed_special="all", strict=True)  # 'a' is not text: offsets are needed


@pytest.mark.parametrize(
    ("data", "pieces", "dummy", "expected"),
    [
        (b"hello", [b"hello"], False, None),
        (b"hello", [b"he", b"o"], False, Dropped(2, 2)),
        (b"hello", [b"lo"], False, Dropped(3, 0)),
        (b"hello", [b"he"], False, Dropped(3, 2)),
        (b"ab", [b" ab"], True, None),
        (b"abc", [b" ", b"a", b"b"], True, Dropped(1, 2)),
        (b"xyz", [b"<s>", b"xyz"], False, None),  # an added piece spells nothing and drops nothing
    ],
)
def test_exact_rule_by_hand(data: bytes, pieces: list[bytes], dummy: bool, expected: Dropped | None) -> None:
    assert spelled_drop(data, pieces, dummy_prefix=dummy) == expected


def test_coverage_rules_by_hand() -> None:
    assert uncovered_drop("Grüße x", [(0, 7)]) == Dropped(1, 8)  # 'ü' and 'ß' are 2 bytes: 'x' sits at 8
    assert uncovered_drop("a\u200bb", [(0, 1), (4, 5)]) is None  # a zero-width space (Cf) may be removed
    assert literal_drop("hello aha", [b"a", b"a"]) == Dropped(6, 0)  # h,e,l,l,o and h; the spaces do not count
    assert literal_drop("Hello", [b"hello"]) == "unknown"  # not literal: the coverage rule decides
