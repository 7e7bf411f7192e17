"""`tokensmith train --algo lib` through the real entry point."""

from __future__ import annotations

import json

import pytest

import tokensmith
from tests.learn_lib.corpus import sentences
from tests.conftest import run_cli


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(sentences(300, seed=5)) + "\n", encoding="utf-8")
    return path



def test_cli_trains_lib_and_the_file_loads(corpus, tmp_path, capsys):
    out = tmp_path / "lib"
    argv = ["train", "--algo", "lib", "--vocab-size", "300", "--epochs", "30", "--space-mode", "remove",
            "--seed", "3", "-o", str(out), str(corpus), "--json"]  # fmt: skip
    assert run_cli(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["algo"] == "lib" and summary["vocab_size"] == 300
    tok = tokensmith.load(str(out / "tokenizer.json"))
    assert tok.vocab_size == 300
    assert tok.decode_bytes(tok.encode("the dog sees you")) == b"the dog sees you"
    assert len(tok.encode("thedogseesyou")) < len("thedogseesyou")  # it learned chunks


def test_cli_same_seed_writes_the_same_file(corpus, tmp_path, capsys):
    files = []
    for name in ("a", "b"):
        argv = ["train", "--algo", "lib", "--vocab-size", "290", "--epochs", "20", "--seed", "9",
                "-o", str(tmp_path / name), str(corpus), "--json"]  # fmt: skip
        assert run_cli(argv) == 0
        files.append((tmp_path / name / "tokenizer.json").read_bytes())
    capsys.readouterr()
    assert files[0] == files[1]


def test_cli_vocab_below_alphabet_exits_2_with_the_fix(corpus, tmp_path, capsys):
    argv = ["train", "--algo", "lib", "--vocab-size", "100", "-o", str(tmp_path / "x"), str(corpus)]
    assert run_cli(argv) == 2
    err = capsys.readouterr().err
    assert "smaller than the alphabet" in err and "--vocab-size 256" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_same_seed_same_file_across_processes_with_different_string_hashing(corpus, tmp_path):
    # The reference notebook's result depends on str hashing; ours must not.
    import os
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("tokensmith")
    files = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"h{hash_seed}"
        argv = [str(exe), "train", "--algo", "lib", "--vocab-size", "290", "--epochs", "20", "--seed", "4",
                "-o", str(out), str(corpus), "--json"]  # fmt: skip
        subprocess.run(argv, check=True, capture_output=True, env={**os.environ, "PYTHONHASHSEED": hash_seed})
        files.append((out / "tokenizer.json").read_bytes())
    assert files[0] == files[1]
