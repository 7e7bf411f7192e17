"""`tokensmith lm equalinfo encode|decode|ngram` through the real entry point: lossless, and exit 2 with a clear
message on bad input."""

from __future__ import annotations

import json

import pytest
import typer

from tests.conftest import run_cli
from tokensmith.cli import lm_equalinfo


@pytest.fixture(scope="module", autouse=True)
def _lm_group():
    """Use the real `lm` group when `cli/lm.py` registers one; else mount `register_into` on a group of our own."""
    from tokensmith.cli.main import app

    if "lm" not in [g.name for g in app.registered_groups]:
        group = typer.Typer(no_args_is_help=True)
        lm_equalinfo.register_into(group)
        app.add_typer(group, name="lm")
    yield


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("eq")
    text = root / "train.txt"
    text.write_text("the cat sat on the mat; the dog sat on the log. " * 40, encoding="utf-8")
    assert run_cli(["lm", "equalinfo", "ngram", str(text), "--order", "2", "-o", str(root / "m1")]) == 0
    return root / "m1"


@pytest.mark.parametrize("bits", ["16", "32"])
def test_encode_decode_is_lossless_on_any_bytes(tmp_path, model_dir, bits, capsys):
    src = tmp_path / "in.bin"
    src.write_bytes("the cat sat, Grüße\n".encode() + b"\xff\xc3\x00" + bytes(range(256)))
    coded, back = tmp_path / "in.ew", tmp_path / "back.bin"
    assert run_cli(["lm", "equalinfo", "encode", "--model", str(model_dir), "--bits", bits, str(src), str(coded),
                    "--json"]) == 0  # fmt: skip
    summary = json.loads(capsys.readouterr().out)
    assert summary["n_bytes"] == src.stat().st_size and summary["tokens"] == summary["windows"] * int(bits) // 16
    assert coded.read_bytes()[:4] == b"TSEW"
    assert run_cli(["lm", "equalinfo", "decode", "--model", str(model_dir), str(coded), str(back)]) == 0
    assert back.read_bytes() == src.read_bytes()


def test_bad_input_exits_2_with_a_message(tmp_path, model_dir, capsys):
    src = tmp_path / "in.txt"
    src.write_text("the cat", encoding="utf-8")
    coded = tmp_path / "in.ew"
    base = ["lm", "equalinfo"]
    assert run_cli([*base, "encode", "--model", str(model_dir), "--bits", "24", str(src), str(coded)]) == 2
    assert "must be 16 or 32" in capsys.readouterr().err
    assert run_cli([*base, "encode", "--model", str(model_dir), str(src), str(coded)]) == 0
    src.write_bytes(b"JUNK" + coded.read_bytes()[4:])
    assert run_cli([*base, "decode", "--model", str(model_dir), str(src), str(tmp_path / "x")]) == 2
    assert "not an Equal-Info file" in capsys.readouterr().err
    other = tmp_path / "other.txt"
    other.write_text("something else entirely", encoding="utf-8")
    assert run_cli([*base, "ngram", str(other), "-o", str(tmp_path / "m2")]) == 0
    assert run_cli([*base, "decode", "--model", str(tmp_path / "m2"), str(coded), str(tmp_path / "x")]) == 2
    assert "decode with the model that encoded it" in capsys.readouterr().err
    assert run_cli([*base, "decode", "--model", str(tmp_path), str(coded), str(tmp_path / "x")]) == 2
    assert "neither config.json nor lm.json" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    assert run_cli([*base, "encode", "--model", str(model_dir), str(tmp_path / "none.txt"), str(coded)]) == 2
    assert "cannot be read" in capsys.readouterr().err
    assert run_cli([*base, "encode", "--model", str(model_dir), str(other), str(tmp_path)]) == 2  # a directory
    assert "cannot write" in capsys.readouterr().err
