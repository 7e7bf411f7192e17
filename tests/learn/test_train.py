"""Training through the Python API: determinism, lossless round trips, vocab-size errors, engines, registry."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tokensmith.errors import CorpusError, TrainingError
from tokensmith.formats.save import save
from tokensmith.learn import TrainConfig, get_learner, learner_names, register_learner, train, train_files

COMBOS = [("bpe", "hf"), ("bpe", "sentencepiece"), ("unigram", "hf"), ("unigram", "sentencepiece"), ("wordpiece", "hf")]
HELD_OUT = "Straße naïve 東京 — an unseen line with ŋ and 🦊 in it."


def _config(engine: str = "hf", **kw: object) -> TrainConfig:
    return TrainConfig(vocab_size=kw.pop("vocab_size", 450), engine=engine, progress=False, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(("algo", "engine"), COMBOS)
def test_same_seed_gives_byte_identical_files(tmp_path: Path, lines: list[str], algo: str, engine: str) -> None:
    outputs = []
    for run in range(2):
        tok = train(algo, lines, _config(engine, seed=7))
        fmt = "sentencepiece" if engine == "sentencepiece" else "tokenizer.json"
        outputs.append(tok.save(tmp_path / f"run{run}", format=fmt).read_bytes())  # type: ignore[arg-type]
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize(("algo", "engine"), [c for c in COMBOS if c[0] != "wordpiece"])
def test_trained_tokenizers_are_lossless(lines: list[str], algo: str, engine: str) -> None:
    tok = train(algo, lines, _config(engine))
    assert tok.lossless and tok.vocab_size <= 450
    data = tok.decode_bytes(tok.encode(HELD_OUT))
    assert data == HELD_OUT.encode() or data == b" " + HELD_OUT.encode()  # SentencePiece-style dummy prefix
    assert tok.decode(tok.encode(HELD_OUT)) == HELD_OUT


def test_wordpiece_is_bert_style(lines: list[str]) -> None:
    tok = train("wordpiece", lines, _config())
    assert list(tok.special_tokens) == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    ids = tok.encode(lines[0], add_special_tokens=True)
    assert ids[0] == tok.special_tokens["[CLS]"] and ids[-1] == tok.special_tokens["[SEP]"]
    assert "".join(tok.decode(tok.encode(lines[0])).split()) == "".join(lines[0].split())  # BERT spaces out CJK


def test_first_bpe_merge_is_the_most_frequent_pair() -> None:
    # Wikipedia's worked example: in "aaabdaaabac" the pair (a, a) occurs 4 times, more than any other pair.
    tok = train("bpe", ["aaabdaaabac"], _config(vocab_size=258))
    learned = [t for t in tok.token_table if len(t) > 1 and t != b"<|endoftext|>"]
    assert learned == [b"aa"]


def test_special_tokens_are_single_ids(lines: list[str]) -> None:
    tok = train("bpe", lines, _config(special_tokens=("<|im_start|>", "<|im_end|>")))
    assert set(tok.special_tokens) == {"<|im_start|>", "<|im_end|>"}
    ids = tok.encode("<|im_start|>hi<|im_end|>", parse_special=True)
    assert ids[0] == tok.special_tokens["<|im_start|>"] and ids[-1] == tok.special_tokens["<|im_end|>"]


def test_space_mode_remove_learns_no_pieces_across_spaces(lines: list[str]) -> None:
    tok = train("bpe", lines, _config(space_mode="remove"))
    assert not any(b" " in t for t in tok.token_table[257:])


def test_byte_level_minimum_is_exact(lines: list[str]) -> None:
    with pytest.raises(TrainingError, match=r"vocab size 100 .* at least 257 .*--vocab-size 257"):
        train("bpe", lines, _config(vocab_size=100))
    assert train("bpe", lines, _config(vocab_size=257)).vocab_size == 257


@pytest.mark.parametrize("algo", ["bpe", "unigram"])
def test_sentencepiece_minimum_is_exact(lines: list[str], algo: str) -> None:
    with pytest.raises(TrainingError, match=r"at least (\d+)") as err:
        train(algo, lines, _config("sentencepiece", vocab_size=200))
    minimum = int(err.value.args[0].split("at least ")[1].split()[0])
    assert minimum == 256 + 3 + len(set("".join(lines)))  # bytes + unk/bos/eos + every character (' ' as '▁')
    assert train(algo, lines, _config("sentencepiece", vocab_size=minimum)).vocab_size == minimum
    with pytest.raises(TrainingError, match="at least"):
        train(algo, lines, _config("sentencepiece", vocab_size=minimum - 1))


@pytest.mark.parametrize("algo", ["unigram", "wordpiece"])
def test_hf_vocab_below_alphabet_is_refused(lines: list[str], algo: str) -> None:
    with pytest.raises(TrainingError, match=r"below the alphabet .* at least \d+"):
        train(algo, lines, _config(vocab_size=40 if algo == "wordpiece" else 270))


@pytest.mark.parametrize(("algo", "engine"), COMBOS)
@pytest.mark.parametrize("corpus", [[], ["", "  ", "\t"]])
def test_empty_corpus(algo: str, engine: str, corpus: list[str]) -> None:
    with pytest.raises(CorpusError, match="empty"):
        train(algo, corpus, _config(engine))


def test_bad_utf8_in_a_file_surfaces_through_the_trainer(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "c.txt"
    path.write_bytes(("\n".join(lines[:500]) + "\n").encode() + b"\xff\n")
    for engine in ("hf", "sentencepiece"):
        with pytest.raises(CorpusError, match="not valid UTF-8"):
            train_files("bpe", [path], _config(engine))
    assert train_files("bpe", [path], _config(), errors="replace").vocab_size == 450


def test_invalid_combinations_list_the_valid_ones(lines: list[str]) -> None:
    with pytest.raises(TrainingError, match="wordpiece: hf"):
        train("wordpiece", lines, _config("sentencepiece"))
    with pytest.raises(TrainingError, match="no 'nfc' normalization: choose one of none, nfkc, nfkc_lower"):
        train("bpe", lines, _config("sentencepiece", normalization="nfc"))
    with pytest.raises(TrainingError, match="does not take epochs"):
        train("bpe", lines, _config(epochs=3))
    with pytest.raises(TrainingError, match="unknown normalization 'nfx'"):
        _config(normalization="nfx")
    with pytest.raises(TrainingError, match="does not take the option.* min_freq: it takes min_frequency"):
        train("bpe", lines, _config(extra={"min_freq": 2}))


def test_unknown_algorithm_lists_the_learners() -> None:
    with pytest.raises(TrainingError, match=r"unknown training algorithm 'bpee': choose one of .*bpe"):
        get_learner("bpee")


def test_registry_takes_new_learners(lines: list[str]) -> None:
    # The root conftest's autouse fixture unregisters "echo-bpe" after this test, so no other test sees it.
    calls = []

    def echo(stream, config):  # type: ignore[no-untyped-def]
        calls.append(config.vocab_size)
        return get_learner("bpe")(stream, config)

    register_learner("echo-bpe", echo)
    assert "echo-bpe" in learner_names()
    assert train("echo-bpe", lines, _config()).vocab_size == 450 and calls == [450]


def test_lib_is_found_lazily_when_installed() -> None:
    import importlib.util

    if importlib.util.find_spec("tokensmith.learn.lib") is None:
        pytest.skip("tokensmith.learn.lib (the LiB learner) is not in this checkout yet")
    # A fresh interpreter, because this one may have imported the module already.
    probe = (
        "import sys\n"
        "from tokensmith.learn import get_learner, learner_names\n"
        "before = 'tokensmith.learn.lib' in sys.modules\n"
        "listed = 'lib' in learner_names()\n"
        "learner = get_learner('lib')\n"
        "print(before, listed, learner is sys.modules['tokensmith.learn.lib'].train_lib)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=os.environ)
    assert out.stdout.split() == ["False", "True", "True"]  # not imported, listed anyway, then it is train_lib


@pytest.mark.parametrize(("algo", "engine"), COMBOS)
def test_output_loads_in_transformers(tmp_path: Path, lines: list[str], algo: str, engine: str) -> None:
    transformers = pytest.importorskip("transformers")
    tok = train(algo, lines, _config(engine))
    path = save(tok, tmp_path, format="tokenizer.json")  # converts (and verifies) sentencepiece models
    fast = transformers.PreTrainedTokenizerFast(tokenizer_file=str(path))
    for text in (HELD_OUT, lines[0], "  two  spaces "):
        assert fast.encode(text, add_special_tokens=False) == tok.encode(text)
