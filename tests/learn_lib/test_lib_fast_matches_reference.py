"""The numba learner gives the oracle's lexicon, rank for rank, and the same seed gives the same lexicon."""

from __future__ import annotations

import random
import string

import pytest

from tests.learn_lib.corpus import WORDS, sentences
from tokensmith.learn import lib_fast
from tokensmith.learn.lib import learn_lexicon
from tokensmith.learn.lib_lexicon import LibParams

PARAMS = LibParams(epochs=40, batch_size=30, probation=4, forget_tail=0.05)


@pytest.mark.parametrize("seed", [0, 7])
@pytest.mark.parametrize("sep", ["", " "])
def test_fast_equals_reference(seed, sep):
    corpus = sentences(300, seed=1, sep=sep)
    fast = learn_lexicon(corpus, params=PARAMS, seed=seed, implementation="fast")
    slow = learn_lexicon(corpus, params=PARAMS, seed=seed, implementation="reference")
    assert len(fast.ranked) > len(set("".join(corpus)))  # it learned chunks, so the comparison means something
    assert fast.ranked == slow.ranked


@pytest.mark.parametrize(
    "options",
    [{}, {"resolve_at_end": True}, {"main_unknowns_are_tokens": True}, {"documents": 0, "resolve_at_end": True}],
)
def test_fast_equals_reference_with_unknown_characters(options):
    # The first epoch's sentences miss 'z' and 'q', so they stay unknown until the memorizer takes them in.
    corpus = sentences(200, seed=2, sep="") + ["zqthedog", "qzcat"] * 20
    params = LibParams(epochs=30, batch_size=25, unknown_run_max=2, **options)
    fast = learn_lexicon(corpus, params=params, seed=3, implementation="fast")
    slow = learn_lexicon(corpus, params=params, seed=3, implementation="reference")
    assert fast.ranked == slow.ranked


def test_same_seed_same_lexicon_and_other_seed_differs():
    corpus = sentences(300, seed=1, sep="")
    a = learn_lexicon(corpus, params=PARAMS, seed=5).ranked
    b = learn_lexicon(corpus, params=PARAMS, seed=5).ranked
    c = learn_lexicon(corpus, params=PARAMS, seed=6).ranked
    assert a == b
    assert a != c


def test_lib_learns_the_words_of_a_spaceless_corpus():
    corpus = sentences(400, seed=4, sep="")
    ranked = learn_lexicon(corpus, params=LibParams(epochs=200, batch_size=50), seed=0).ranked
    assert set(WORDS) <= set(ranked)  # every word became a chunk
    assert sum(c in WORDS for c in ranked[:10]) >= 5  # and words lead the ranking


def test_fast_equals_reference_when_the_arrays_grow_mid_epoch(monkeypatch):
    # Random letters with the coin always up: the first epoch memorizes hundreds of bigrams, more than the starting
    # arrays hold, so `_read_epoch` stops before a sentence, the arrays grow, and it goes on within the epoch.
    rng = random.Random(0)
    corpus = ["".join(rng.choice(string.ascii_lowercase) for _ in range(30)) for _ in range(300)]
    params = LibParams(epochs=3, batch_size=300, memorize_p=1.0, documents=0)
    calls = []
    kernel = lib_fast._read_epoch
    monkeypatch.setattr(lib_fast, "_read_epoch", lambda *a: calls.append(1) or kernel(*a))
    fast = learn_lexicon(corpus, params=params, seed=1, implementation="fast")
    assert len(calls) > params.epochs  # it did stop and resume
    assert fast.ranked == learn_lexicon(corpus, params=params, seed=1, implementation="reference").ranked
