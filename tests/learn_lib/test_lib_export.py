"""The exported tokenizer.json segments exactly as LiB's greedy reader, on held-out text, and loads like any other."""

from __future__ import annotations

import pytest

import tokensmith
from tests.learn_lib.corpus import sentences
from tokensmith.learn.lib import train_lib
from tokensmith.learn.lib_export import build_hf_tokenizer, reader_regex
from tokensmith.learn.lib_lexicon import greedy_read
from tokensmith.learn.registry import TrainConfig

HELD_OUT = [
    *sentences(40, seed=99),
    "the dogs can't look at thé bíg báll 🙂 — you see?",
    "line one\nline two\ttabbed  double  space",
    "",
    "zzzz qqqq",
]


def reader_lexicon(tok: tokensmith.Tokenizer) -> set[str]:
    """The chunks behind a LiB tokenizer: every token that is whole UTF-8 text (specials excluded)."""
    out = set()
    for i, raw in enumerate(tok.token_table):
        if i in tok.special_ids:
            continue
        try:
            out.add(raw.decode("utf-8"))
        except UnicodeDecodeError:
            continue  # a lone byte of a multi-byte character
    return out


def lib_pieces(text: str, lexicon: set[str]) -> list[bytes]:
    """LiB's reading of `text` as token bytes: an unknown character becomes its UTF-8 bytes, one token each."""
    out: list[bytes] = []
    for piece in greedy_read(text, lexicon, max_len=12):
        out.extend([piece.encode()] if piece in lexicon else [bytes([b]) for b in piece.encode()])
    return out


@pytest.fixture(scope="module")
def keep_tok():
    config = TrainConfig(vocab_size=330, epochs=80, seed=1, progress=False, special_tokens=("<s>",))
    return train_lib(sentences(300, seed=1), config)


def test_reader_regex_is_a_trie_with_longer_branches_first():
    assert reader_regex(["a", "ab", "abc", "b"]) == "(?:a(?:b(?:c)?)?|b)"


def test_export_reads_like_lib_on_a_hand_made_lexicon():
    tok = build_hf_tokenizer(["ab", "bcd", "a", "b", "c", "d"], special_tokens=[])
    assert tok.encode("abcd").tokens == ["ab", "c", "d"]  # greedy, not the 2-token a|bcd


def test_keep_mode_export_segments_exactly_as_lib_on_held_out_text(keep_tok):
    lexicon = reader_lexicon(keep_tok)
    assert any(" " in c and len(c) > 3 for c in lexicon)  # keep mode learned chunks that span words
    for text in HELD_OUT:
        got = [keep_tok.token_bytes(i) for i in keep_tok.encode(text)]
        assert got == lib_pieces(text, lexicon), text


def test_remove_mode_export_segments_exactly_as_lib_on_held_out_text():
    config = TrainConfig(vocab_size=300, epochs=80, seed=2, progress=False, space_mode="remove")
    tok = train_lib(sentences(300, seed=3), config)
    lexicon = reader_lexicon(tok)
    assert not any(" " in c for c in lexicon if len(c) > 1)  # the lone " " is the byte token
    for text in HELD_OUT:
        assert [tok.token_bytes(i) for i in tok.encode(text)] == lib_pieces(text, lexicon), text


def test_saved_lib_tokenizer_loads_and_round_trips(keep_tok, tmp_path):
    path = keep_tok.save(tmp_path)
    loaded = tokensmith.load(str(path))
    assert loaded.vocab_size == 330
    assert loaded.special_tokens == {"<s>": 0}
    assert loaded.lossless
    for text in HELD_OUT:
        ids = loaded.encode(text)
        assert ids == keep_tok.encode(text)
        assert loaded.decode_bytes(ids) == text.encode()


@pytest.mark.slow
def test_saved_lib_tokenizer_loads_in_transformers(keep_tok, tmp_path):
    transformers = pytest.importorskip("transformers")
    path = keep_tok.save(tmp_path)
    fast = transformers.PreTrainedTokenizerFast(tokenizer_file=str(path))
    text = HELD_OUT[0]
    assert fast(text, add_special_tokens=False)["input_ids"] == keep_tok.encode(text)


@pytest.mark.shared
def test_saved_lib_tokenizer_evaluates_like_any_other(keep_tok, tmp_path):
    from tests.conftest import shared_path
    from tokensmith.measure import EvalConfig, EvalInputs, evaluate

    lines = shared_path("parallel", "flores200", "eng_Latn.txt").read_text(encoding="utf-8").splitlines()[:50]
    path = keep_tok.save(tmp_path / "lib.json")
    res = evaluate([str(path)], EvalInputs(parallel="flores200"), config=EvalConfig(langs=("eng_Latn",), limit=50, resamples=0))
    assert not [r for r in res.rows if r.error]
    (row,) = [r for r in res.rows if r.metric == "bytes_per_token"]
    n_tokens = sum(len(keep_tok.encode(line)) for line in lines)
    assert row.value == pytest.approx(sum(len(line.encode()) for line in lines) / n_tokens)


@pytest.mark.shared
@pytest.mark.parametrize(("lang", "vocab_size"), [("eng_Latn", 1200), ("zho_Hans", 2000), ("hin_Deva", 1200)])
def test_export_reads_like_lib_on_held_out_flores(lang, vocab_size):
    from tests.conftest import shared_path

    lines = shared_path("parallel", "flores200", f"{lang}.txt").read_text(encoding="utf-8").splitlines()
    tok = train_lib(lines[:200], TrainConfig(vocab_size=vocab_size, epochs=60, seed=0, progress=False))
    lexicon = reader_lexicon(tok)
    for text in lines[800:900]:
        assert [tok.token_bytes(i) for i in tok.encode(text)] == lib_pieces(text, lexicon), text
