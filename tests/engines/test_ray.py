"""The Ray engine on a local cluster started here (`ray.init(num_cpus=2)`): the same results as the local engine,
for `eval` (to 1e-12) and `encode-corpus` (identical files), and a bad shard kept apart."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.engines.test_eval_engines import CONFIG, TOY, assert_same_rows
from tokensmith.engines.corpus_files import encode_corpus_files
from tokensmith.engines.eval_encoder import sharded_encoder
from tokensmith.engines.local_engine import LocalEngine
from tokensmith.measure import EvalInputs, evaluate
import tokensmith

pytestmark = pytest.mark.ray
ray = pytest.importorskip("ray", reason="needs Ray (the [ray] extra)")


@pytest.fixture(scope="module")
def engine():
    from tokensmith.engines.ray_engine import RayEngine

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield RayEngine()  # finds the running instance and leaves it to us
    finally:
        ray.shutdown()


def test_eval_on_ray_equals_local_to_1e12(engine):
    specs = ["gpt2", "bert-base-uncased"]  # a lossless and a lossy (offsets) tokenizer
    local = evaluate(specs, EvalInputs(parallel=TOY), config=CONFIG)
    on_ray = evaluate(specs, EvalInputs(parallel=TOY), config=CONFIG,
                      encoder=sharded_encoder(engine, shard_sentences=25))  # 120 sentences in 5 Ray tasks
    assert_same_rows(local, on_ray)


def test_encode_corpus_on_ray_writes_the_files_the_local_engine_writes(engine, tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("".join(f"line {k}: Grüße aus 東京\n" for k in range(300)), encoding="utf-8")
    tok = tokensmith.load("gpt2")
    encode_corpus_files(tok, [corpus], tmp_path / "local", engine=LocalEngine(), shard_bytes=2000)
    run = encode_corpus_files(tok, [corpus], tmp_path / "ray", engine=engine, shard_bytes=2000)
    assert run.encoded == len(run.index["shards"]) > 3
    for name in run.index["shards"] + run.index["offsets"]:
        assert np.array_equal(np.load(tmp_path / "local" / name), np.load(tmp_path / "ray" / name))
    drop = ("sources",)
    local_index = json.loads((tmp_path / "local" / "index.json").read_text(encoding="utf-8"))
    assert {k: v for k, v in run.index.items() if k not in drop} == {k: v for k, v in local_index.items() if k not in drop}


def test_a_bad_shard_on_ray_is_named_and_the_others_are_written(engine, tmp_path):
    from tokensmith.engines.shard_encode import ShardDecodeError

    corpus = tmp_path / "c.txt"
    corpus.write_bytes(b"Hello world\n" * 100 + b"bad \xc3\x28 byte\n" + b"Hello world\n" * 100)
    with pytest.raises(ShardDecodeError, match=r"is not UTF-8 at byte offset 1204"):
        encode_corpus_files(tokensmith.load("gpt2"), [corpus], tmp_path / "ids", engine=engine, shard_bytes=600)
    index = json.loads((tmp_path / "ids" / "index.json").read_text(encoding="utf-8"))
    assert len(index["failed"]) == 1 and len(index["shards"]) >= 3


def test_the_cli_gives_the_same_eval_json_on_ray_and_locally(engine, tmp_path, capsys):
    from tests.conftest import run_cli

    corpus = tmp_path / "notes.txt"
    corpus.write_text("".join(f"Sentence {k} of the notes, with Grüße.\n" for k in range(50)), encoding="utf-8")
    outputs = []
    for extra in ([], ["--engine", "ray"]):  # ray: joins the cluster this test module started
        assert run_cli(["eval", "gpt2", "--corpus", str(corpus), "--resamples", "30", "--json", *extra]) == 0
        rows = json.loads(capsys.readouterr().out)["rows"]
        outputs.append({(r["metric"], r["param"]): (r["value"], r["ci_low"], r["ci_high"]) for r in rows})
    assert outputs[0] == outputs[1] and len(outputs[0]) > 8
