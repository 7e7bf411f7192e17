"""A small trained tokenizer file, the kind of SPEC a user starts the playground with."""

from __future__ import annotations

import pytest

import tokensmith

LINES = ["the cat sat on the mat", "a dog ran in the park", "Grüße aus Köln", "東京 is big"] * 30


@pytest.fixture(scope="session")
def trained_file(tmp_path_factory):
    """A byte-level BPE with 300 ids trained here, saved as tokenizer.json."""
    tok = tokensmith.train("bpe", LINES, vocab_size=300, seed=1)
    return tok.save(tmp_path_factory.mktemp("trained") / "tokenizer.json")
