"""SentencePiece trains on a seeded, bounded random sample of whole lines, and says how many it used."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.learn.test_train_cli import run_cli
from tokensmith.errors import TrainingError
from tokensmith.learn import TrainConfig, train
from tokensmith.learn.sentencepiece_engine import sentences_used
from tokensmith.learn.stream import sample_lines


def _sample(lines: list[str], seed: int = 0, **limits: int) -> list[str]:
    max_lines, max_chars = limits.get("max_lines", 0), limits.get("max_chars", 0)
    return sample_lines(iter(lines), max_lines=max_lines, max_chars=max_chars, seed=seed)


def test_a_corpus_within_the_limits_is_kept_whole_and_in_order(lines: list[str]) -> None:
    assert _sample(lines, max_lines=len(lines), max_chars=sum(map(len, lines))) == lines


def test_both_limits_hold_and_lines_stay_whole_and_in_corpus_order(lines: list[str]) -> None:
    by_count = _sample(lines, max_lines=100)
    by_size = _sample(lines, max_chars=5000)
    assert len(by_count) == 100
    assert 4000 < sum(map(len, by_size)) <= 5000  # lines are ~60 characters: the budget is nearly filled
    position = {line: i for i, line in enumerate(lines)}
    for sample in (by_count, by_size):
        assert set(sample) <= set(lines)
        assert [position[s] for s in sample] == sorted(position[s] for s in sample)


def test_the_sample_is_uniform_over_the_corpus() -> None:
    # 100 of 10,000 numbered lines, 200 times with different seeds: each tenth of the corpus gets ~10% of the picks
    picks = [int(s) for seed in range(200) for s in _sample([str(i) for i in range(10_000)], seed, max_lines=100)]
    tenths = [sum(1 for p in picks if p // 1000 == t) for t in range(10)]
    assert all(abs(n - 2000) < 250 for n in tenths), tenths  # 2,000 expected, sd ~42


def test_same_seed_same_sample_other_seed_other_sample(lines: list[str]) -> None:
    assert _sample(lines, 3, max_lines=50) == _sample(lines, 3, max_lines=50)
    assert _sample(lines, 3, max_lines=50) != _sample(lines, 4, max_lines=50)


def _sp(seed: int, **extra: object) -> TrainConfig:
    return TrainConfig(vocab_size=400, engine="sentencepiece", seed=seed, extra=extra)


def test_sentencepiece_records_the_sample_size_and_is_reproducible(lines: list[str]) -> None:
    first = train("unigram", lines, _sp(1, input_sentence_size=300))
    again = train("unigram", lines, _sp(1, input_sentence_size=300))
    other = train("unigram", lines, _sp(2, input_sentence_size=300))
    assert sentences_used(first) == 300
    assert first.native_bytes() == again.native_bytes()
    assert first.token_table != other.token_table  # another seed draws another sample


def test_the_character_budget_bounds_the_sample(lines: list[str]) -> None:
    tok = train("bpe", lines, _sp(0, sample_chars=20_000))
    expected = len(_sample([line for line in lines if line], max_chars=20_000))
    assert sentences_used(tok) == expected < len(lines)


def test_bad_limits_are_refused_with_the_valid_range(lines: list[str]) -> None:
    with pytest.raises(TrainingError, match="0 \\(no limit\\) or more"):
        train("bpe", lines, _sp(0, sample_chars=-1))


def test_cli_summary_says_how_many_sentences_were_used(tmp_path: Path, corpus_file: Path, capsys) -> None:
    sp = ["train", "--algo", "unigram", "--engine", "sentencepiece", "--vocab-size", "400", "--json"]
    code, out, err = run_cli([*sp, "-o", str(tmp_path / "sp"), str(corpus_file)], capsys)
    assert code == 0, err
    assert json.loads(out)["sentences_used"] == 1500  # the whole corpus fits the default sample
    hf = ["train", "--vocab-size", "400", "--json", "-o", str(tmp_path / "hf"), str(corpus_file)]
    code, out, err = run_cli(hf, capsys)
    assert code == 0, err
    assert json.loads(out)["sentences_used"] is None  # the hf engine reads every line
    code, out, _ = run_cli([*sp[:-1], "-o", str(tmp_path / "sp2"), str(corpus_file)], capsys)
    assert code == 0 and "(1,500 sentences used)" in out
