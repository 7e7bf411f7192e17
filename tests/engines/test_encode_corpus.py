"""`tokensmith encode-corpus` on the local engine: the shard files, the index, resuming, and a bad shard."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

import tokensmith
from tests.conftest import run_cli
from tokensmith.engines.local_engine import LocalEngine

LINES = ["Hello world", "", "Grüße aus Köln", "東京", "the cat sat on the mat"]


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(LINES * 20) + "\n", encoding="utf-8")  # 100 documents, ~1.2 KB
    return path


def _encode(capsys, *args):
    code = run_cli(["encode-corpus", *map(str, args)])
    return code, capsys.readouterr()


def test_shards_hold_the_ids_of_each_document_separated_by_offsets(corpus, tmp_path, capsys):
    out = tmp_path / "ids"
    code, _ = _encode(capsys, "gpt2", corpus, "-o", out, "--shard-mb", 0.0005)  # ~524 bytes per shard
    assert code == 0
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    gpt2 = tokensmith.load("gpt2")
    assert index["fingerprint"] == gpt2.fingerprint and index["dtype"] == "uint16"
    assert len(index["shards"]) == 3 and sum(index["documents"]) == 100
    docs = []
    for shard, offsets in zip(index["shards"], index["offsets"], strict=True):
        ids, off = np.load(out / shard), np.load(out / offsets)
        assert ids.dtype == np.uint16 and off[0] == 0 and off[-1] == len(ids)
        docs += [ids[off[d] : off[d + 1]].tolist() for d in range(len(off) - 1)]
    assert docs == [gpt2.encode(line) for line in LINES * 20]  # no separator token: the empty line has no ids
    assert index["token_offsets"][-1] == sum(len(d) for d in docs)


def test_a_vocabulary_over_65536_ids_is_stored_as_uint32(corpus, tmp_path, capsys):
    code, _ = _encode(capsys, "o200k_base", corpus, "-o", tmp_path / "ids")
    assert code == 0 and np.load(tmp_path / "ids" / "shard-00000.npy").dtype == np.uint32


def test_a_second_run_keeps_the_shards_already_written(corpus, tmp_path, capsys):
    out = tmp_path / "ids"
    _encode(capsys, "gpt2", corpus, "-o", out, "--shard-mb", 0.0005)
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("shard-*")}
    (out / "shard-00001.json").unlink()  # as if the run had died while writing shard 1
    code, printed = _encode(capsys, "gpt2", corpus, "-o", out, "--shard-mb", 0.0005)
    assert code == 0 and "1 encoded, 2 kept" in printed.out
    after = {p.name: p.stat().st_mtime_ns for p in out.glob("shard-*")}
    assert after["shard-00000.npy"] == before["shard-00000.npy"]
    assert after["shard-00001.npy"] != before["shard-00001.npy"]
    assert not list(out.glob(".*.tmp"))  # atomic writes leave no temporary file


def test_another_tokenizer_into_the_same_folder_redoes_every_shard(corpus, tmp_path, capsys):
    out = tmp_path / "ids"
    _encode(capsys, "gpt2", corpus, "-o", out)
    code, printed = _encode(capsys, "llama3", corpus, "-o", out)
    assert code == 0 and "1 encoded, 0 kept" in printed.out
    assert np.load(out / "shard-00000.npy").dtype == np.uint32


def test_a_shard_that_is_not_utf8_is_named_with_its_byte_offset_and_the_others_are_kept(tmp_path, capsys):
    good, bad = tmp_path / "a.txt", tmp_path / "b.txt"
    good.write_text("Hello world\n", encoding="utf-8")
    bad.write_bytes(b"fine line\nbroken \xff here\n")  # 0xff at byte 17 of b.txt
    code, printed = _encode(capsys, "gpt2", good, bad, "-o", tmp_path / "ids")
    assert code == 2
    assert f"'{bad}' is not UTF-8 at byte offset 17" in printed.err.replace("\n", "")
    index = json.loads((tmp_path / "ids" / "index.json").read_text(encoding="utf-8"))
    assert index["shards"] == ["shard-00000.npy"] and index["failed"][0]["shard"] == "shard-00001"
    assert np.load(tmp_path / "ids" / "shard-00000.npy").tolist() == [15496, 995]


def test_a_missing_input_and_an_unknown_engine_are_user_errors(corpus, tmp_path, capsys):
    code, printed = _encode(capsys, "gpt2", tmp_path / "nope.txt", "-o", tmp_path / "ids")
    assert code == 2 and "does not exist" in printed.err
    code, printed = _encode(capsys, "gpt2", corpus, "-o", tmp_path / "ids", "--engine", "spark")
    assert code == 2 and "unknown engine 'spark'" in printed.err


def test_the_local_engine_never_imports_ray(corpus, tmp_path):
    code = ("import sys; from tokensmith.cli.main import main\n"
            f"try: main(['encode-corpus', 'gpt2', {str(corpus)!r}, '-o', {str(tmp_path / 'ids')!r}])\n"
            "except SystemExit: pass\n"
            "print('ray' in sys.modules)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "False"


def test_shards_are_read_one_at_a_time_as_they_are_written(corpus, tmp_path, monkeypatch):
    from tokensmith.engines import corpus_files
    from tokensmith.engines.shards import Shard

    events: list[str] = []
    read, write = Shard.read, corpus_files._write_shard
    monkeypatch.setattr(Shard, "read", lambda self: events.append(f"read {self.index}") or read(self))
    monkeypatch.setattr(corpus_files, "_write_shard",
                        lambda out, want, result: events.append(f"write {result.shard.index}") or write(out, want, result))
    run = corpus_files.encode_corpus_files(tokensmith.load("gpt2"), [corpus], tmp_path / "ids",
                                           engine=LocalEngine(), shard_bytes=300)  # fmt: skip
    n = len(run.index["shards"])
    assert n > 3 and events == [e for k in range(n) for e in (f"read {k}", f"write {k}")]  # never two in memory
