"""Parity on real FLORES-200 text against an independent naive computation (plain loops, one encode per line)."""

from __future__ import annotations

import pytest

from tests.conftest import shared_path
from tokensmith.measure import EvalConfig, EvalInputs, evaluate
from tokensmith.measure.parity import gini_naive, premiums_naive

LANGS = ["eng_Latn", "deu_Latn", "zho_Hans", "amh_Ethi", "hin_Deva"]


@pytest.mark.parametrize("rel", ["tiktoken/gpt2.tiktoken", "sentencepiece/mistral-v3.model"])
def test_premiums_max_and_gini_match_naive(rel):
    import tokensmith
    from tokensmith.corpora.parallel import ParallelCorpus

    flores = shared_path("parallel", "flores200")
    tok = tokensmith.load(shared_path("tokenizers", *rel.split("/")))
    texts = {lang: (flores / f"{lang}.txt").read_text(encoding="utf-8").splitlines()[:60] for lang in LANGS}
    counts = {lang: [len(tok.encode(line)) for line in lines] for lang, lines in texts.items()}
    naive = premiums_naive(counts, ref="eng_Latn")

    pc = ParallelCorpus(name="flores200", texts=texts)
    res = evaluate([tok], EvalInputs(parallel=pc), config=EvalConfig(resamples=200))
    got = {r.lang: r for r in res.rows if r.metric == "parity_premium"}
    assert set(got) == set(LANGS)
    for lang in LANGS:
        assert got[lang].value == pytest.approx(naive[lang], rel=1e-12)
        assert got[lang].ci_low <= got[lang].value <= got[lang].ci_high
    (max_row,) = [r for r in res.rows if r.metric == "parity_max_premium"]
    (gini_row,) = [r for r in res.rows if r.metric == "parity_gini"]
    assert max_row.value == pytest.approx(max(naive.values()))
    assert gini_row.value == pytest.approx(gini_naive(list(naive.values())))
    assert max_row.lang == gini_row.lang == "*" and max_row.n == 60
