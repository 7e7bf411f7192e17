"""The lossless flag: the numpy check per language agrees with the one-sentence reference, on worked examples."""

from __future__ import annotations

import pytest

from tests.conftest import shared_path
from tokensmith.measure.encoded import encode_corpus
from tokensmith.measure.lossless import lossless_by_language, spells_text, with_lossless
from tokensmith.measure.results import Row
from tokensmith.measure.textindex import build_text_index
from tokensmith.tokenizer import Tokenizer

from .conftest import VOCAB, GreedyBackend

TEXTS = {
    "eng_Latn": ["Hello World", " leading and trailing spaces ", "naïve café", ""],
    "deu_Latn": ["Straße über Äpfel", "TOKENIZERS differ"],
    "zho_Hans": ["你好，世界"],
}


class UnkBackend(GreedyBackend):
    """GreedyBackend whose id 0 ('un') is also its unknown token: a text holding 'un' is not lossless."""

    unk_id = 0


def _flags(tok: Tokenizer, texts: dict[str, list[str]]) -> dict[str, bool | None]:
    index = build_text_index(texts)
    return lossless_by_language(tok, index, encode_corpus(tok, index))


def test_a_greedy_byte_tokenizer_is_lossless_and_an_unknown_token_makes_it_lossy():
    texts = {"eng_Latn": ["unhappy cats", "cat"], "deu_Latn": ["happy cat"]}
    assert _flags(Tokenizer(GreedyBackend(), name="g"), texts) == {"eng_Latn": True, "deu_Latn": True}
    # the same bytes, but 'un' is the unknown id: eng holds it, deu does not
    assert _flags(Tokenizer(UnkBackend(), name="u"), texts) == {"eng_Latn": False, "deu_Latn": True}
    assert VOCAB[0] == b"un"


def test_a_failed_language_has_no_flag():
    tok = Tokenizer(GreedyBackend(fail_on="é"), name="fragile")
    assert _flags(tok, {"eng_Latn": ["cat"], "deu_Latn": ["é"]}) == {"eng_Latn": True, "deu_Latn": None}


@pytest.mark.parametrize(
    ("name", "expected"),
    [("gpt2", True), ("llama2", True), ("mistral-v1", True), ("bert-base-uncased", False)],
)
def test_fast_check_agrees_with_the_reference_on_zoo_tokenizers(name, expected):
    import tokensmith

    shared_path("tokenizers")
    tok = tokensmith.load(name)
    fast = _flags(tok, TEXTS)
    slow = {lang: all(spells_text(tok, s) for s in sents) for lang, sents in TEXTS.items()}
    assert fast == slow
    assert all(v is expected for lang, v in fast.items() if lang != "zho_Hans")


def test_llama2_is_lossless_through_its_dummy_prefix():
    import tokensmith

    shared_path("tokenizers", "hf", "llama2")
    tok = tokensmith.load("llama2")
    assert tok.dummy_prefix and tok.token_bytes(tok.encode("Hello")[0]).startswith(b" ")
    assert spells_text(tok, "Hello") and _flags(tok, {"eng_Latn": ["Hello", " Hello"]}) == {"eng_Latn": True}


def test_rows_take_their_language_flag_and_aggregates_need_every_language():
    rows = [Row("t", "c", "eng", "fertility", None, 1.0), Row("t", "c", "deu", "fertility", None, 1.0),
            Row("t", "c", "*", "parity_gini", None, 0.1),
            Row.failed(tokenizer="t", corpus="c", lang="fin", metric="fertility", error="boom")]
    got = [r.lossless for r in with_lossless(rows, {"eng": True, "deu": True, "fin": None})]
    assert got == [True, True, None, None]
    assert with_lossless(rows[2:3], {"eng": True, "deu": False})[0].lossless is False
