"""An accelerator marked `serial_on_one_core` answers a batch with one call per text when the process may use one
core, and with its batch call otherwise; the ids are the same either way."""

from __future__ import annotations

import os

import pytest

import tokensmith
from tokensmith.accel.verify import Guarded


class Counting:
    """Delegates to the backend and counts which entry point ran."""

    name = "counting"
    serial_on_one_core = True

    def __init__(self, backend):
        self.backend, self.calls = backend, {"encode": 0, "encode_batch": 0}

    def encode(self, text):
        self.calls["encode"] += 1
        return self.backend.encode(text, add_special_tokens=False)

    def encode_batch(self, texts):
        self.calls["encode_batch"] += 1
        return self.backend.encode_batch(texts, add_special_tokens=False)


@pytest.mark.parametrize("cores, per_text", [({0}, True), ({0, 1}, False)])
def test_one_core_means_one_call_per_text(monkeypatch, cores, per_text):
    backend = tokensmith.load("gpt2").backend
    acc = Counting(backend)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: cores)
    texts = ["Hello world", "", "naïve café 中文"]
    assert Guarded(acc, backend).encode_batch(texts) == backend.encode_batch(texts, add_special_tokens=False)
    assert acc.calls == ({"encode": 3, "encode_batch": 0} if per_text else {"encode": 0, "encode_batch": 1})


def test_an_unmarked_accelerator_keeps_its_batch_call_on_one_core(monkeypatch):
    backend = tokensmith.load("gpt2").backend
    acc = Counting(backend)
    acc.serial_on_one_core = False
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0})
    Guarded(acc, backend).encode_batch(["a", "b"])
    assert acc.calls == {"encode": 0, "encode_batch": 1}
