"""Over-long lines are split at pre-tokenizer boundaries, so training on them equals training on their pieces."""

from __future__ import annotations

import random

import pytest

from tokensmith.learn import TrainConfig, train
from tokensmith.learn import stream as stream_module
from tokensmith.learn.sentencepiece_engine import sentences_used
from tokensmith.learn.stream import split_long_line

COMBOS = [("bpe", "hf"), ("bpe", "sentencepiece"), ("unigram", "hf"), ("unigram", "sentencepiece"), ("wordpiece", "hf")]


def _config(engine: str, **extra: object) -> TrainConfig:
    return TrainConfig(vocab_size=400, engine=engine, progress=False, extra=extra)  # type: ignore[arg-type]


@pytest.mark.parametrize("seed", range(5))
def test_pieces_are_short_and_spell_the_line(seed: int) -> None:
    rng = random.Random(seed)
    line = "".join(rng.choice(["ab", " ", "  ", "ü", "東京", "x" * 30]) for _ in range(400))
    pieces = list(split_long_line(line, max_chars=25))
    assert "".join(pieces) == line
    assert all(0 < len(p) <= 25 for p in pieces)
    # every cut that is not a hard cut falls before a space that follows a non-space
    ends = [sum(map(len, pieces[: i + 1])) for i in range(len(pieces) - 1)]
    soft = [e for e in ends if line[e] == " "]
    assert all(not line[e - 1].isspace() for e in soft)


def test_dropped_cut_spaces_are_the_only_difference() -> None:
    line = "one two three four five six seven"
    pieces = list(split_long_line(line, max_chars=10, drop_cut_space=True))
    assert pieces == ["one two", "three four", "five six", "seven"]
    assert " ".join(pieces) == line


# SentencePiece Unigram is left out: its seed heuristic looks at whole sentences, so a cut can change a few pieces
# (the words and their counts are the same); without the cut sentencepiece would skip the line altogether.
@pytest.mark.parametrize(("algo", "engine"), [c for c in COMBOS if c != ("unigram", "sentencepiece")])
def test_one_long_line_trains_like_its_pieces(monkeypatch, lines: list[str], algo: str, engine: str) -> None:
    # 1,500 corpus lines joined into one line of ~75,000 characters, split at the default limit (65,536) or at 200
    text = " ".join(lines)
    default = train(algo, [text], _config(engine))
    monkeypatch.setattr(stream_module, "DEFAULT_MAX_LINE_CHARS", 200)
    extra = {"max_sentence_length": 800} if engine == "sentencepiece" else {}  # 800 bytes = 200 characters
    small = train(algo, [text], _config(engine, **extra))
    assert small.token_table == default.token_table
    assert small.encode(lines[3]) == default.encode(lines[3])


def test_sentencepiece_uses_a_line_longer_than_its_own_limit(lines: list[str]) -> None:
    # sentencepiece skips sentences over max_sentence_length (64 KiB here); the engine splits them instead.
    text = " ".join(lines) + " ŋŋŋ"  # ~75,000 characters; 'ŋ' occurs only at the end
    tok = train("unigram", [text], _config("sentencepiece"))
    pieces = list(split_long_line(text, max_chars=65536 // 4, drop_cut_space=True))
    assert sentences_used(tok) == len(pieces) == 5
    assert any("ŋ".encode() in piece for piece in tok.token_table)  # learned, not spelled by byte fallback
