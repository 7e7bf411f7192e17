"""An accelerator that disagrees or fails to load is disabled with one warning; the backend's ids are used."""

from __future__ import annotations

import warnings

import pytest

import tokensmith
from tokensmith.accel import registry, select
from tokensmith.accel.registry import AcceleratorWarning

from .toys import WRONG_ON, entry

BIG = ["Hello world, " * 40] * 500  # 260,000 characters: worth verifying (select.VERIFY_AT)


@pytest.fixture
def only(monkeypatch):
    """Make the registry hold exactly the given entries (tried in that order)."""

    def use(*entries):
        monkeypatch.setattr(registry, "ACCELERATORS", tuple(entries))
        monkeypatch.setattr(registry, "PREFERENCE", {"tiktoken": tuple(e.name for e in entries)})

    return use


def test_a_wrong_accelerator_is_disabled_with_one_warning_naming_the_input(only):
    only(entry("wrong", wrong_on=WRONG_ON))
    tok = tokensmith.load("gpt2")
    with pytest.warns(AcceleratorWarning) as caught:
        assert tok.encode_batch(BIG + [WRONG_ON]) == tok.backend.encode_batch(BIG + [WRONG_ON], add_special_tokens=False)
    assert len(caught) == 1
    assert "accelerator wrong" in str(caught[0].message) and repr(WRONG_ON) in str(caught[0].message)
    assert tok.encoder == "tiktoken"


def test_the_warning_is_not_repeated_once_the_verdict_is_cached(only):
    only(entry("wrong", wrong_on=WRONG_ON))
    tok = tokensmith.load("gpt2")
    with pytest.warns(AcceleratorWarning):
        assert tok.encoder == "tiktoken"
    select.forget()  # a new process: the verdict comes from the cache
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tok.encoder == "tiktoken"


def test_one_that_fails_to_load_is_skipped_for_the_next(only):
    built: list = []
    only(entry("broken", fails=True), entry("good", built=built))
    tok = tokensmith.load("gpt2")
    with pytest.warns(AcceleratorWarning, match="accelerator broken is disabled.*failed to load: RuntimeError"):
        assert tok.encoder == "good"
    assert tok.encode_batch(BIG) == tok.backend.encode_batch(BIG, add_special_tokens=False)
    assert built[-1].calls >= len(BIG)  # the batch went through the verified accelerator


def test_small_calls_do_not_verify_until_a_big_one_has(only):
    built: list = []
    only(entry("good", built=built))
    tok = tokensmith.load("gpt2")
    assert tok.encode("Hello world") == [15496, 995] and built == []  # too small to pay for verification
    tok.encode_batch(BIG)
    calls = built[-1].calls
    assert tok.encode("Hello world") == [15496, 995] and built[-1].calls == calls + 1  # now it is used


def test_special_and_bos_calls_never_reach_the_accelerator(only):
    built: list = []
    only(entry("good", built=built))
    tok = tokensmith.load("gpt2")
    assert tok.encoder == "good"
    calls = built[-1].calls
    assert tok.encode("hi<|endoftext|>", allowed_special="all") == [5303, 50256]
    assert tok.encode_batch(["hi"], add_special_tokens=True) == [[5303]]
    assert built[-1].calls == calls
