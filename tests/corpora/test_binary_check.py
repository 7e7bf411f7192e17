"""NUL is text everywhere; a file is binary when its first kilobytes are mostly NUL/control bytes."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.zoo.conftest import zoo_dir  # noqa: F401  (fixture)
from tokensmith.binarycheck import BINARY_SHARE, control_share
from tokensmith.corpora.readers import iter_lines
from tokensmith.errors import CorpusError
from tokensmith.formats.verify import read_utf8


def test_the_share_counts_nul_and_c0_controls_but_not_whitespace() -> None:
    assert control_share(b"\x00\x01\t\n\r\x0b\x0c\x7f") == 3 / 8  # NUL, SOH and DEL; tab..form feed are text
    assert control_share(b"") == 0.0
    assert control_share("utf-16 text".encode("utf-16-le")) == 0.5 > BINARY_SHARE


def test_a_line_with_nul_bytes_is_read_as_text(tmp_path: Path) -> None:
    path = tmp_path / "nul.txt.gz"
    path.write_bytes(gzip.compress(b"before\x00after\nsecond\n"))
    assert list(iter_lines([path])) == ["before\x00after", "second"]
    plain = tmp_path / "nul.txt"
    plain.write_bytes(b"a\x00b\n")
    assert read_utf8(plain) == "a\x00b\n"


def test_utf16_text_is_refused_as_binary_with_the_share(tmp_path: Path) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes("hello world\n".encode("utf-16-le"))
    with pytest.raises(CorpusError, match=r"wide\.txt' looks binary \(50% of its first 24 bytes"):
        list(iter_lines([path]))
    with pytest.raises(CorpusError, match=r"input file '.*wide\.txt' looks binary"):
        read_utf8(path)


def test_a_nul_late_in_a_long_file_is_text_and_the_check_reads_only_the_head(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_bytes(b"text line\n" * 2000 + b"\x00" * 5000 + b"\n")  # binary-looking tail after the first 8 KiB
    assert len(list(iter_lines([path]))) == 2001


def test_encode_train_and_eval_accept_nul(tmp_path: Path, capsys, zoo_dir) -> None:
    path = tmp_path / "nul.txt"
    path.write_bytes(b"one\x00two three\nfour five\x00six\n" * 20)
    assert run_cli(["encode", "gpt2", "--file", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n_bytes"] == path.stat().st_size and 188 in out["ids"]  # 188: gpt2's token for the NUL byte
    assert run_cli(["train", "--algo", "bpe", "--vocab-size", "300", "-o", str(tmp_path / "t"), str(path),
                    "--json"]) == 0  # fmt: skip
    assert run_cli(["eval", "gpt2", "--corpus", str(path), "--resamples", "0", "--json"]) == 0


def test_the_lib_learner_uses_the_same_rule() -> None:
    from tokensmith.learn.lib import check_text

    check_text(["one\x00two three"])  # one NUL among text: accepted
    with pytest.raises(CorpusError, match="binary"):
        check_text(["\x00\x01" * 50])
