"""Fixtures for the report tests: two tiny byte-level BPE tokenizers whose segmentations are known by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

import tokensmith


def byte_bpe(path: Path, merges: list[tuple[str, str]]) -> tokensmith.Tokenizer:
    """A byte-level BPE over the 256 byte symbols plus `merges` (GPT-2 alphabet: 'Ġ' is a space)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers

    from tokensmith.backends.base import bytes_to_unicode

    vocab = {c: i for i, c in enumerate(bytes_to_unicode()[b] for b in range(256))}
    for a, b in merges:
        vocab[a + b] = len(vocab)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.save(str(path))
    return tokensmith.load(str(path))


@pytest.fixture
def pair(tmp_path: Path) -> list[tokensmith.Tokenizer]:
    # A merges h+e, l+l, he+ll: "hello" -> hell|o.  B merges e+l, el+l, ell+o: "hello" -> h|ello.
    a = byte_bpe(tmp_path / "a.json", [("h", "e"), ("l", "l"), ("he", "ll")])
    b = byte_bpe(tmp_path / "b.json", [("e", "l"), ("el", "l"), ("ell", "o")])
    return [a, b]


