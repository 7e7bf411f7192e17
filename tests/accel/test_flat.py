"""`Tokenizer.encode_batch_flat`: the ids of `encode_batch` as flat arrays, through the accelerator's flat call, its
lists, or the backend; a failing flat call is answered by the backend."""

from __future__ import annotations

import numpy as np
import pytest

import tokensmith
from tokensmith.accel.sample import base_sample
from tokensmith.accel.verify import Guarded
from tokensmith.flat import flatten, unflatten


@pytest.mark.parametrize("spec", ["gpt2", "o200k_base", "smollm2"])
@pytest.mark.parametrize("accel", ["1", "0"])
def test_flat_ids_equal_encode_batch_on_the_verification_sample(spec, accel, monkeypatch):
    monkeypatch.setenv("TOKENSMITH_ACCEL", accel)
    tok = tokensmith.load(spec)
    encodable = [t for t in base_sample() if t.encode("utf-8", "surrogatepass") == t.encode("utf-8", "replace")]
    lines = [*encodable, "", "a" * 5000, "🙂" * 300]  # lone surrogates left out: HF's encoder refuses them
    lines *= 1 + 250_000 // sum(map(len, lines))  # above the size at which a batch call verifies the accelerator
    ids, offsets = tok.encode_batch_flat(lines)
    assert ids.dtype == np.uint32 and offsets.dtype == np.int64 and len(offsets) == len(lines) + 1
    assert unflatten(ids, offsets) == tok.encode_batch(lines)


def test_a_flat_call_that_raises_is_answered_by_the_backend():
    tok = tokensmith.load("gpt2")

    class Panics:
        name = "panics"

        def encode_batch_flat(self, texts):
            raise BaseException("rust panic")  # noqa: TRY002 - what a PyO3 panic looks like from Python

    ids, offsets = Guarded(Panics(), tok.backend).encode_batch_flat(["Hello world", "Hi"])
    assert unflatten(ids, offsets) == [[15496, 995], [17250]]


def test_an_accelerator_without_a_flat_call_is_flattened():
    tok = tokensmith.load("gpt2")

    class Lists:
        name = "lists"

        def encode_batch(self, texts):
            return tok.backend.encode_batch(texts, add_special_tokens=False)

    got = Guarded(Lists(), tok.backend).encode_batch_flat(["Hello world", "", "Hi"])
    want = flatten([[15496, 995], [], [17250]])
    assert [a.tolist() for a in got] == [a.tolist() for a in want]
