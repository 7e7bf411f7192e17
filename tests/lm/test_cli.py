"""`tokensmith lm train | eval | compare` through the real entry point, on toy models."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli
from tests.lm.toys import BYTE, HIER, SUBWORD, TEXT, toy_tokenizer

pytest.importorskip("torch")
pytestmark = pytest.mark.models


def test_train_then_eval_json_rows(tmp_path, capsys):
    (tmp_path / "t.txt").write_text(TEXT)
    sets = [f"--set={k}={v}" for k, v in BYTE.items()]
    assert run_cli(["lm", "train", "--arch", "byte", "--budget", "3e8", "--train", str(tmp_path / "t.txt"),
                    "--valid", str(tmp_path / "t.txt"), "-o", str(tmp_path / "m"), "--json", *sets]) == 0  # fmt: skip
    trained = json.loads(capsys.readouterr().out)
    assert run_cli(["lm", "eval", str(tmp_path / "m"), "--text", str(tmp_path / "t.txt"), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["results"]
    assert row["arch"] == "byte" and row["model"] == str(tmp_path / "m")
    assert row["flops"] == trained["flops"] <= 3e8 and row["params"] == trained["params"]
    assert row["n_bytes"] == len(TEXT) and row["tokens_per_byte"] == 1.0
    assert row["ci_low"] <= row["bits_per_byte"] <= row["ci_high"]
    assert row["bits_per_byte"] == pytest.approx(trained["valid_bits_per_byte"])  # valid = the same text


def _toml(value):
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def test_compare_runs_a_grid_and_writes_a_results_file_the_report_reads(tmp_path, capsys):
    from tokensmith.measure.results import read_results

    (tmp_path / "t.txt").write_text(TEXT)
    toy_tokenizer().save(tmp_path / "tok.json")
    models = [("byte", "byte", None, BYTE), ("hat", "hierarchical", None, HIER),
              ("bpe", "subword", "tok.json", SUBWORD)]  # fmt: skip
    lines = ['[grid]', 'train = "t.txt"', 'valid = "t.txt"', 'test = "t.txt"', "budget = 3e8", "seeds = [0]",
             'results = "r.json"', 'corpus = "toy"', 'lang = "eng_Latn"', "batch_size = 2"]  # fmt: skip
    for name, arch, tok, settings in models:
        lines += ["[[model]]", f'name = "{name}"', f'arch = "{arch}"', f"settings = {_toml(settings)}"]
        lines += [f'tokenizer = "{tok}"'] if tok else []
    (tmp_path / "grid.toml").write_text("\n".join(lines) + "\n")
    assert run_cli(["lm", "compare", str(tmp_path / "grid.toml"), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)["results"]
    assert [r["arch"] for r in rows] == ["byte", "hierarchical", "subword"]
    assert all(0 < r["flops"] <= 3e8 for r in rows)
    results = read_results(tmp_path / "r.json")
    assert {r.tokenizer for r in results.select(metric="bits_per_byte")} == {"byte-s0", "hat-s0", "bpe-s0"}
    assert all(r.param == row["flops"] for r, row in zip(results.rows, rows, strict=True))


def test_compare_refuses_a_grid_with_unknown_keys(tmp_path, capsys):
    (tmp_path / "g.toml").write_text('[grid]\ntrain = "t"\nvalid = "v"\ntest = "t"\nbudget = 1\nbudgett = 2\n'
                                     '[[model]]\nname = "m"\narch = "byte"\n')  # fmt: skip
    assert run_cli(["lm", "compare", str(tmp_path / "g.toml")]) == 2
    assert "unknown keys ['budgett']" in capsys.readouterr().err
