"""Bad input and the results file: error rows, user errors, and JSON / parquet round trips."""

from __future__ import annotations

import json

import pytest

from tokensmith.errors import CorpusError
from tokensmith.measure import EvalConfig, EvalInputs, evaluate
from tokensmith.measure.results import SCHEMA, Results, Row, read_json, read_results, write_json, write_parquet
from tokensmith.tokenizer import Tokenizer

from .conftest import GreedyBackend


def test_a_tokenizer_failing_on_one_language_gives_error_rows(toy_corpus):
    bad = Tokenizer(GreedyBackend(fail_on="é"), name="fragile")  # deu_Latn holds 'é'
    res = evaluate([bad], EvalInputs(parallel=toy_corpus), config=EvalConfig(resamples=0))
    deu = [r for r in res.rows if r.lang == "deu_Latn"]
    eng = [r for r in res.rows if r.lang == "eng_Latn"]
    assert deu and all(r.error and "cannot encode" in r.error and r.value is None for r in deu)
    assert eng and all(r.error is None and r.value is not None for r in eng)


def test_results_round_trip_json_and_parquet(tmp_path, greedy, toy_corpus):
    res = evaluate([greedy], EvalInputs(parallel=toy_corpus), config=EvalConfig(resamples=50))
    write_json(res, tmp_path / "r.json")
    write_parquet(res, tmp_path / "r.parquet")
    obj = json.loads((tmp_path / "r.json").read_text())
    assert obj["schema"] == SCHEMA == "tokensmith.results/2"
    assert set(obj) == {"schema", "created", "tokenizers", "langs", "notes", "rows"}
    assert obj["tokenizers"]["greedy"] == {"vocab_size": 16, "backend": "hf", "kind": "trained", "source": "greedy"}
    assert set(obj["rows"][0]) == {"tokenizer", "corpus", "lang", "metric", "param", "value", "ci_low", "ci_high",
                                   "n", "error", "lossless"}
    assert read_results(tmp_path / "r.json") == res
    assert read_results(tmp_path / "r.parquet") == res


def test_nan_is_written_as_null(tmp_path):
    res = Results(tokenizers={}, langs={}, rows=(Row("t", "c", "*", "parity_gini", None, 0.5, float("nan"), None, 3),))
    write_json(res, tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text())["rows"][0]["ci_low"] is None


def test_a_file_of_another_schema_is_refused(tmp_path):
    (tmp_path / "x.json").write_text('{"schema": "other/1"}')
    with pytest.raises(CorpusError, match="tokensmith.results/2"):
        read_json(tmp_path / "x.json")


def test_a_schema_1_file_still_reads_with_lossless_unknown(tmp_path):
    row = {"tokenizer": "gpt2", "corpus": "flores200", "lang": "eng_Latn", "metric": "bytes_per_token",
           "param": None, "value": 4.6, "ci_low": 4.5, "ci_high": 4.7, "n": 1004, "error": None}
    old = {"schema": "tokensmith.results/1", "created": "2026-01-01T00:00:00+00:00", "tokenizers": {}, "langs": {},
           "rows": [row]}
    (tmp_path / "old.json").write_text(json.dumps(old))
    res = read_json(tmp_path / "old.json")
    assert res.rows == (Row("gpt2", "flores200", "eng_Latn", "bytes_per_token", None, 4.6, 4.5, 4.7, 1004),)
    assert res.rows[0].lossless is None and res.notes == ()
    write_json(res, tmp_path / "new.json")  # re-written as /2
    assert json.loads((tmp_path / "new.json").read_text())["schema"] == "tokensmith.results/2"
