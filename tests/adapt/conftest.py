"""Small tokenizers and a tiny source model directory for the adapt tests (no downloads, a few seconds each)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import tokensmith
from tokensmith.backends.hf import HFBackend
from tokensmith.tokenizer import Tokenizer

ENGLISH = [
    "the cat sat on the mat and the dog sat on the log",
    "a quick brown fox jumps over the lazy dog near the river bank",
    "she sells sea shells by the sea shore every summer morning",
] * 30
UKRAINIAN = [
    "кіт the cat сидів на килимку а пес the dog сидів біля дверей",
    "швидка руда лисиця the fox стрибає через лінивого пса біля річки river",
    "вона she продає мушлі на березі моря sea кожного літнього ранку",
] * 30


def train_toy(lines: list[str], vocab_size: int) -> Tokenizer:
    """A byte-level BPE with `<|endoftext|>` (id 0), trained on `lines`."""
    return tokensmith.train("bpe", lines, vocab_size=vocab_size, seed=0)


def permuted(tok: Tokenizer, *, seed: int = 0) -> Tokenizer:
    """The same BPE with its ordinary ids shuffled (merges are by rank, so every text splits the same way)."""
    from tokenizers import Tokenizer as HFTokenizer

    data = json.loads(tok.native_bytes())
    special = {t["id"] for t in data["added_tokens"]}
    ordinary = sorted(set(range(tok.vocab_size)) - special)
    shuffled = np.random.default_rng(seed).permutation(ordinary).tolist()
    new_id = dict(zip(ordinary, shuffled))
    data["model"]["vocab"] = {piece: new_id.get(i, i) for piece, i in data["model"]["vocab"].items()}
    return Tokenizer(HFBackend(HFTokenizer.from_str(json.dumps(data))), name=f"{tok.name}-permuted")


def write_source(folder: Path, tok: Tokenizer, *, seed: int = 0) -> str:
    """A tiny random Llama directory that uses `tok` (untied embeddings), as `load_model` reads it."""
    from conftest import tiny_causal_lm

    from tokensmith.adapt.output import write_adapted

    return str(write_adapted(tiny_causal_lm(seed=seed, vocab_size=tok.vocab_size), tok, folder, record={},
                             role_ids={}))  # fmt: skip


@pytest.fixture(scope="session")
def english_tok() -> Tokenizer:
    return train_toy(ENGLISH, 300)


@pytest.fixture(scope="session")
def ukrainian_tok() -> Tokenizer:
    return train_toy(UKRAINIAN, 330)


@pytest.fixture(scope="session")
def source_dir(tmp_path_factory: pytest.TempPathFactory, english_tok: Tokenizer) -> str:
    pytest.importorskip("torch")
    pytest.importorskip("transformers")
    return write_source(tmp_path_factory.mktemp("source") / "model", english_tok)
