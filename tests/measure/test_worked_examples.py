"""Every metric on a corpus small enough to check by hand (see conftest.py for the tokenizer and the texts)."""

from __future__ import annotations

import math

import pytest

from tokensmith.measure import EvalConfig, EvalInputs, evaluate


@pytest.fixture
def results(greedy, toy_corpus):
    config = EvalConfig(resamples=0, alphas=(2.5, 2.0))
    return evaluate([greedy], EvalInputs(parallel=toy_corpus), config=config)


def value(results, lang: str, metric: str, param: float | None = None) -> float:
    (row,) = [r for r in results.rows if r.lang == lang and r.metric == metric and r.param == param]
    assert row.error is None
    return row.value


def test_compression_by_hand(results):
    # eng: 15 bytes, 15 chars, 5 tokens; deu: 11 bytes, 10 chars, 4 tokens
    assert value(results, "eng_Latn", "bytes_per_token") == 3.0
    assert value(results, "eng_Latn", "chars_per_token") == 3.0
    assert value(results, "eng_Latn", "tokens_per_kb") == pytest.approx(1000 * 5 / 15)
    assert value(results, "deu_Latn", "bytes_per_token") == 2.75
    assert value(results, "deu_Latn", "chars_per_token") == 2.5


def test_fertility_and_continued_words_by_hand(results):
    # eng words: unhappy (un|happy = 2), cats (' cat'|s = 2), cat (1) → 5/3; 2 of 3 split
    assert value(results, "eng_Latn", "fertility") == pytest.approx(5 / 3)
    assert value(results, "eng_Latn", "continued_words") == pytest.approx(2 / 3)
    # deu words: happy (1), cat (' cat' = 1), é (two byte pieces = 2) → 4/3; 1 of 3 split
    assert value(results, "deu_Latn", "fertility") == pytest.approx(4 / 3)
    assert value(results, "deu_Latn", "continued_words") == pytest.approx(1 / 3)


def test_parity_by_hand(results):
    # premium(deu) = 4 tokens / 5 tokens; max over {1.0, 0.8}; Gini = Σ|xi−xj| / (2 n² mean) = 0.4 / 7.2
    assert value(results, "deu_Latn", "parity_premium") == pytest.approx(0.8)
    assert value(results, "eng_Latn", "parity_premium") == 1.0
    assert value(results, "*", "parity_max_premium") == 1.0
    assert value(results, "*", "parity_gini") == pytest.approx(0.4 / 7.2)


def test_vocabulary_by_hand(results):
    # eng uses ids {0,1,2,3,4} of 16; deu has 2 byte-fallback tokens of 4; the tokenizer has no unk
    assert value(results, "eng_Latn", "vocab_utilization") == 5 / 16
    assert value(results, "deu_Latn", "byte_fallback_rate") == 0.5
    assert value(results, "eng_Latn", "byte_fallback_rate") == 0.0
    assert value(results, "eng_Latn", "unk_rate") == 0.0


def test_renyi_and_shannon_by_hand(results):
    # eng: 5 distinct tokens once each → uniform: every entropy is ln 5, efficiency ln 5 / ln 16
    for metric, param in [("shannon_efficiency", None), ("renyi_efficiency", 2.5), ("renyi_efficiency", 2.0)]:
        assert value(results, "eng_Latn", metric, param) == pytest.approx(math.log(5) / math.log(16))
    # deu: 4 distinct once each → ln 4 / ln 16 = 0.5
    assert value(results, "deu_Latn", "renyi_efficiency", 2.5) == pytest.approx(0.5)


def test_renyi_on_a_skewed_distribution():
    from tokensmith.measure.distribution import moments
    from tokensmith.measure.renyi import renyi_efficiency, renyi_from_moments, shannon_efficiency, shannon_from_moments

    ids = [0, 0, 1, 2]  # p = (1/2, 1/4, 1/4): H = 1.5 ln 2; H_2 = −ln(1/4 + 1/16 + 1/16) = ln(8/3)
    m = moments(ids, [2.0])
    assert shannon_from_moments(m, vocab_size=8) == pytest.approx(1.5 * math.log(2) / math.log(8))
    assert renyi_from_moments(m, alpha=2.0, column=0, vocab_size=8) == pytest.approx(math.log(8 / 3) / math.log(8))
    assert renyi_efficiency([2, 1, 1], alpha=2.0, vocab_size=8) == pytest.approx(math.log(8 / 3) / math.log(8))
    assert shannon_efficiency([2, 1, 1], vocab_size=8) == pytest.approx(1.5 * math.log(2) / math.log(8))


def test_unk_rate_by_hand():
    import numpy as np

    from tokensmith.measure.vocab import id_rate_ratios

    r = id_rate_ratios(ids=np.array([9, 1, 9, 2, 3]), token_sentence=np.array([0, 0, 0, 1, 1]),
                       n_tokens=np.array([3, 2]), unk_id=9, byte_fallback_ids=[], vocab_size=10)
    assert r["unk_rate"].value() == pytest.approx(2 / 5)


def test_spaceless_language_gets_tokens_per_character(greedy):
    from tokensmith.corpora.parallel import ParallelCorpus

    pc = ParallelCorpus(name="toy", texts={"eng_Latn": ["cat"], "zho_Hans": ["é"]})
    res = evaluate([greedy], EvalInputs(parallel=pc), config=EvalConfig(resamples=0))
    assert res.langs["zho_Hans"] == {"script": "Hans", "spaceless": True}
    assert value(res, "zho_Hans", "fertility") == 2.0  # 2 byte pieces for 1 character
    assert not [r for r in res.rows if r.lang == "zho_Hans" and r.metric == "continued_words"]


def test_noise_rate_zero_changes_nothing(greedy, toy_corpus):
    res = evaluate([greedy], EvalInputs(parallel=toy_corpus), config=EvalConfig(resamples=0, noise=(0.0,)))
    assert value(res, "eng_Latn", "noise_edit_distance", 0.0) == 0.0
    assert value(res, "eng_Latn", "noise_length_growth", 0.0) == 0.0


def test_noise_rows_by_hand():
    import numpy as np

    from tokensmith.measure.robustness import noise_ratios

    # clean (4, 2) tokens, noisy (6, 2) tokens, distances (3, 0): ED = 3 / (6 + 2); growth = 8 / 6 − 1
    r = noise_ratios(distance=np.array([3, 0]), clean_len=np.array([4, 2]), noisy_len=np.array([6, 2]))
    assert r["noise_edit_distance"].value() == pytest.approx(3 / 8)
    assert r["noise_length_growth"].value() == pytest.approx(8 / 6 - 1)
