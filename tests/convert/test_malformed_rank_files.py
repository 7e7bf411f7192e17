"""Malformed .tiktoken files through the real CLI (`encode`, `convert`), and the linear-time merge recovery.

Each case here was a traceback or a hang before (issue 10): a Rust panic for duplicate ranks, an OverflowError
for a negative rank, `max()` of an empty sequence for a file without lines, a panic when encoding a byte without a
rank, and a convert that never finished on a file holding one 30 MB token.
"""

from __future__ import annotations

import base64
import time
import warnings
from pathlib import Path

import pytest

import tokensmith
from tests.conftest import run_cli
from tokensmith.formats.convert import tiktoken_vocab_merges

BYTES = b"".join(base64.b64encode(bytes([b])) + b" %d\n" % b for b in range(256))


def write(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "toy.tiktoken"
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (BYTES + base64.b64encode(b"ab") + b" 255\n", "line 257 repeats rank 255 (first on line 256)"),
        (BYTES + base64.b64encode(b"ab") + b" -5\n", "line 257 has rank b'-5'"),
        (BYTES + base64.b64encode(b"a") + b" 256\n", "line 257 repeats the token b'a' of rank 97"),
        (BYTES[: BYTES.index(b"DQ== 13") + 2], "line 14 has 1 fields, expected '<base64 token> <rank>' (a cut line?)"),
        (b"", "it holds no '<base64 token> <rank>' lines"),
        (base64.b64encode(b"a" * 1000) + b" 0\n", "256 single bytes have no rank (the first is 0x00)"),
    ],
    ids=["duplicate-rank", "negative-rank", "duplicate-bytes", "cut-line", "empty", "one-long-token"],
)
@pytest.mark.parametrize("command", ["encode", "convert"])
def test_malformed_rank_file_exits_2_naming_file_and_problem(tmp_path, capsys, data, needle, command):
    path = write(tmp_path, data)
    argv = ["encode", path, "--pattern", "gpt2", "hello"] if command == "encode" else [
        "convert", path, str(tmp_path / "out.json"), "--pattern", "gpt2"]  # fmt: skip
    assert run_cli(argv) == 2
    err = capsys.readouterr().err
    assert needle in err and path in err and "Re-download" in err and "Traceback" not in err
    assert not (tmp_path / "out.json").exists()


def test_rank_hole_warns_once_and_still_loads(tmp_path):
    path = write(tmp_path, BYTES + base64.b64encode(b"ab") + b" 99999999\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tok = tokensmith.load(path, pattern="gpt2")
    assert len(caught) == 1  # 256..99999998 without 50256 (gpt2's <|endoftext|>): one warning, not one per hole
    assert "99999742 of the ids 0..99999999 are neither a rank nor a special token (the first is 256)" in str(
        caught[0].message
    )
    assert tok.encode("ab") == [99_999_999]


def test_one_huge_token_converts_in_seconds(tmp_path):
    """A 5 MB token: transformers' split search is quadratic in its length (hours); ours skips impossible cuts."""
    path = write(tmp_path, BYTES + base64.b64encode(b"a" * 5_000_000) + b" 256\n")
    start = time.perf_counter()
    assert run_cli(["convert", path, str(tmp_path / "out.json"), "--pattern", "gpt2"]) == 0
    assert time.perf_counter() - start < 60
    assert tokensmith.load(tmp_path / "out.json").encode("a" * 5_000_000) == [256]


@pytest.mark.parametrize("name", ["gpt2", "cl100k_base"])
def test_merges_equal_transformers_converter(zoo_dir, name):
    """The linear-time merge recovery gives transformers' `TikTokenConverter` result, merge for merge."""
    from transformers.convert_slow_tokenizer import TikTokenConverter

    ranks = tokensmith.load(name).backend.mergeable_ranks
    reference = TikTokenConverter(vocab_file="<in memory>", pattern="x")
    reference.load_tiktoken_bpe = lambda _path: ranks
    assert tiktoken_vocab_merges(ranks) == reference.extract_vocab_merges_from_model("<in memory>")
