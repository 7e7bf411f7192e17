"""Identity transfers lose nothing: the same tokenizer, or its ids shuffled, score every text exactly as before."""

from __future__ import annotations

import pytest

from tests.adapt.conftest import ENGLISH, permuted
from tokensmith.adapt import evaluate_models, transfer

pytestmark = pytest.mark.models
TEXT = "\n".join(ENGLISH[:3]) + "\nthe dog jumps over the cat"


def test_the_same_tokenizer_reproduces_bits_per_byte(tmp_path, source_dir, english_tok):
    result = transfer(source_dir, to=english_tok, method="identity", out=tmp_path / "same")
    assert result.counts == {"copied": english_tok.vocab_size, "combined": 0, "random": 0}
    original, adapted = evaluate_models([source_dir, str(tmp_path / "same")], text=TEXT, resamples=10)
    assert abs(adapted.bits_per_byte - original.bits_per_byte) < 1e-6
    assert adapted.n_tokens == original.n_tokens


def test_permuted_ids_reproduce_bits_per_byte(tmp_path, source_dir, english_tok):
    shuffled = permuted(english_tok, seed=3)
    assert shuffled.encode("the cat") != english_tok.encode("the cat")  # other ids ...
    assert shuffled.decode_bytes(shuffled.encode("the cat")) == b"the cat"  # ... for the same pieces
    transfer(source_dir, to=shuffled, method="identity", out=tmp_path / "perm")
    original, adapted = evaluate_models([source_dir, str(tmp_path / "perm")], text=TEXT, resamples=10)
    assert abs(adapted.delta_bits_per_byte) < 1e-6
    assert adapted.bytes_per_token == original.bytes_per_token


def test_identity_refuses_a_new_vocabulary(tmp_path, source_dir, ukrainian_tok):
    from tokensmith.errors import ModelError

    with pytest.raises(ModelError, match="Use --method fvt"):
        transfer(source_dir, to=ukrainian_tok, method="identity", out=tmp_path / "no")
    assert not (tmp_path / "no").exists()
