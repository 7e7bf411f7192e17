"""The coder's byte models: the n-gram's Witten-Bell probabilities by hand, its model directory (no pickle), and
`load_coding_model`'s dispatch and errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tokensmith.errors import ModelError
from tokensmith.lm.byte_ngram import ByteNgram
from tokensmith.lm.coding_model import load_coding_model


def test_witten_bell_probabilities_worked_by_hand():
    lm = ByteNgram.train(b"abab", order=1)
    # order 0: a 2, b 2 (N = 4, u = 2): P0(b) = (2 + 2/256) / 6; after 'a': n(a,b) = 2, u = 1: P1 = (2 + P0) / 3
    p0_b = (2 + 2 / 256) / 6
    assert lm.probs(b"a")[ord("b")] == pytest.approx((2 + p0_b) / 3, rel=1e-12)
    assert lm.probs(b"")[ord("b")] == pytest.approx(p0_b, rel=1e-12)
    # 'z' never seen as a context: the order-0 distribution; 'z' as a byte: only the uniform share
    assert np.array_equal(lm.probs(b"z"), lm.probs(b""))
    assert lm.probs(b"")[ord("z")] == pytest.approx((2 / 256) / 6, rel=1e-12)


def test_probabilities_sum_to_one_and_are_positive():
    lm = ByteNgram.train(bytes(range(256)) * 3 + b"hello world", order=3)
    for ctx in (b"", b"h", b"hel", b"xyzhel", b"\x00\x01"):
        p = lm.probs(ctx)
        assert p.min() > 0 and p.sum() == pytest.approx(1.0, abs=1e-12)


def test_model_directory_round_trips_without_pickle(tmp_path):
    lm = ByteNgram.train(b"the cat sat on the mat", order=2)
    lm.save(tmp_path / "m")
    with np.load(tmp_path / "m" / "counts.npz", allow_pickle=False) as z:
        assert all(z[name].dtype != object for name in z.files)
    back = ByteNgram.load(tmp_path / "m")
    assert back.fingerprint == lm.fingerprint
    assert np.array_equal(back.probs(b"th"), lm.probs(b"th"))
    assert ByteNgram.train(b"the cat sat on the mad", order=2).fingerprint != lm.fingerprint


def test_load_coding_model_dispatches_on_arch_and_names_bad_directories(tmp_path):
    ByteNgram.train(b"abc", order=1).save(tmp_path / "ngram")
    assert isinstance(load_coding_model(tmp_path / "ngram"), ByteNgram)
    with pytest.raises(ModelError, match="neither config.json nor lm.json"):
        load_coding_model(tmp_path)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "config.json").write_text("[1, 2", encoding="utf-8")
    with pytest.raises(ModelError, match="not a JSON object"):
        load_coding_model(tmp_path / "bad")
    (tmp_path / "ngram" / "counts.npz").write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="not a readable byte n-gram"):
        load_coding_model(tmp_path / "ngram")


def test_order_out_of_range():
    with pytest.raises(ModelError, match="0..6"):
        ByteNgram.train(b"abc", order=7)


@pytest.mark.models
def test_a_byte_transformer_checkpoint_drives_the_coder(tmp_path):
    import torch

    from tokensmith.lm.byte import ByteConfig, ByteLM
    from tokensmith.lm.checkpoint import save_checkpoint
    from tokensmith.lm.coding_model import TorchByteModel
    from tokensmith.lm.equalinfo_format import decode_bytes, encode_bytes

    torch.manual_seed(0)
    cfg = ByteConfig(n_layer=1, n_head=1, n_embd=16, block_size=32)
    save_checkpoint(tmp_path / "byte", ByteLM(cfg), cfg)
    model = load_coding_model(tmp_path / "byte")
    assert isinstance(model, TorchByteModel) and model.context_size == 31
    data = "Grüße, bytes \xff".encode("utf-8") + b"\x00\xfe"
    for bits in (16, 32):
        assert decode_bytes(encode_bytes(data, model, bits=bits), load_coding_model(tmp_path / "byte")) == data
    torch.manual_seed(1)
    save_checkpoint(tmp_path / "other", ByteLM(cfg), cfg)
    assert load_coding_model(tmp_path / "other").fingerprint != model.fingerprint


@pytest.mark.models
def test_a_checkpoint_that_does_not_predict_bytes_is_refused(tmp_path):
    from tokensmith.lm.checkpoint import save_checkpoint
    from tokensmith.lm.subword import SubwordConfig, SubwordLM
    import tokensmith

    tok = tokensmith.load("gpt2")
    cfg = SubwordConfig(n_layer=1, n_head=1, n_embd=8, block_size=8, vocab_size=tok.vocab_size)
    save_checkpoint(tmp_path / "sub", SubwordLM(cfg, tokenizer=tok), cfg, tokenizer=tok)
    with pytest.raises(ModelError, match="does not predict bytes"):
        load_coding_model(tmp_path / "sub")


def test_a_context_shorter_than_the_order_is_read_whole():
    lm = ByteNgram.train(b"xab" * 5, order=3)
    assert lm.context_key(b"ab") == b"ab" and lm.context_key(b"zxab") == b"xab"
