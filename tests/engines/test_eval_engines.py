"""`eval` through an engine gives the local results: the sharded encoder merges shards into the same encoding,
and the bootstrap resamples global sentence indices with the same seed. Local engine here; Ray in test_ray.py."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tokensmith.corpora.parallel import ParallelCorpus
from tokensmith.engines.eval_encoder import sharded_encoder, merge_shards
from tokensmith.engines.local_engine import LocalEngine
from tokensmith.measure import EvalConfig, EvalInputs, evaluate

TOY = ParallelCorpus(name="toy", texts={
    "eng_Latn": [f"The cat number {k} sat on the mat." for k in range(40)],
    "deu_Latn": [f"Die Katze Nummer {k} saß auf der Matte." for k in range(40)],
    "zho_Hans": [f"第{k}只猫坐在垫子上。" for k in range(40)],
})  # fmt: skip
CONFIG = EvalConfig(resamples=60, dist_resamples=40, seed=3)


def assert_same_rows(a, b) -> None:
    """Every row of `a` equals the same row of `b`: value and CI to 1e-12, n and flags exactly."""
    key = lambda r: (r.tokenizer, r.corpus, r.lang, r.metric, r.param)  # noqa: E731
    rows_a, rows_b = {key(r): r for r in a.rows}, {key(r): r for r in b.rows}
    assert rows_a.keys() == rows_b.keys() and len(rows_a) > 30
    for k, ra in rows_a.items():
        rb = rows_b[k]
        for field in ("value", "ci_low", "ci_high"):
            x, y = getattr(ra, field), getattr(rb, field)
            assert (x is None and y is None) or abs(x - y) <= 1e-12, (k, field, x, y)
        assert (ra.n, ra.error, ra.lossless) == (rb.n, rb.error, rb.lossless), k


def test_merging_shards_concatenates_ids_and_shifts_offsets():
    enc = merge_shards([([[5, 6], [7]], None), ([[8]], None)])
    assert enc.ids.tolist() == [5, 6, 7, 8] and enc.first.tolist() == [0, 2, 3, 4]


@pytest.mark.parametrize("specs", [["gpt2", "llama2"], ["bert-base-uncased"]])  # bert: lossy, offsets path
def test_sharded_local_encoding_gives_the_local_results(specs):
    local = evaluate(specs, EvalInputs(parallel=TOY), config=CONFIG)
    sharded = evaluate(specs, EvalInputs(parallel=TOY), config=CONFIG,
                       encoder=sharded_encoder(LocalEngine(), shard_sentences=7))  # 120 sentences, 18 shards
    assert_same_rows(local, sharded)


def test_eval_with_a_ray_address_that_does_not_answer_exits_2_naming_it(tmp_path, capsys):
    pytest.importorskip("ray")
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat on the mat\n", encoding="utf-8")
    code = run_cli(["eval", "gpt2", "--corpus", str(corpus), "--engine", "ray", "--address", f"127.0.0.1:{port}"])
    err = capsys.readouterr().err.replace("\n", "")
    assert code == 2 and f"Ray address '127.0.0.1:{port}' does not answer" in err


def test_an_address_without_the_ray_engine_is_refused(tmp_path, capsys):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat on the mat\n", encoding="utf-8")
    code = run_cli(["eval", "gpt2", "--corpus", str(corpus), "--address", "10.1.2.3:6379"])
    assert code == 2 and "needs --engine ray" in capsys.readouterr().err
