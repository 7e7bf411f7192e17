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
    with pytest.raises(ModelError, match="no config.json"):
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
