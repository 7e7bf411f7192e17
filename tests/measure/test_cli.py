"""`tokensmith eval` through the real entry point."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli


@pytest.fixture
def tok_file(tmp_path):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(["the cat sat on the mat", "die Katze sitzt auf der Matte"] * 20, trainer)
    path = tmp_path / "tok" / "tokenizer.json"
    path.parent.mkdir()
    tok.save(str(path))
    return path


@pytest.fixture
def parallel_dir(tmp_path):
    d = tmp_path / "par"
    d.mkdir()
    (d / "eng_Latn.txt").write_text("the cat sat\non the mat\n")
    (d / "deu_Latn.txt").write_text("die Katze sitzt\nauf der Matte\n")
    return d


def run(args, capsys):
    code = run_cli(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_eval_out_writes_the_results_json_and_prints_a_table(tok_file, parallel_dir, tmp_path, capsys):
    out = tmp_path / "results.json"
    code, stdout, _ = run(["eval", str(tok_file), "--parallel", str(parallel_dir), "-o", str(out),
                           "--resamples", "50", "--noise", "0.1"], capsys)  # fmt: skip
    assert code == 0
    obj = json.loads(out.read_text())
    assert obj["schema"] == "tokensmith.results/2"
    assert obj["tokenizers"]["tok"]["kind"] == "file"
    premium = [r for r in obj["rows"] if r["metric"] == "parity_premium" and r["lang"] == "deu_Latn"]
    assert premium and premium[0]["value"] > 0
    assert {r["param"] for r in obj["rows"] if r["metric"] == "noise_edit_distance"} == {0.1}
    assert {r["lossless"] for r in obj["rows"]} == {True}  # byte-level BPE spells every sentence
    assert "tokensmith eval" in stdout and "tok" in stdout and "(lossy)" not in stdout


def test_eval_out_writes_parquet_by_the_suffix(tok_file, parallel_dir, tmp_path, capsys):
    from tokensmith.measure.results import read_results

    out = tmp_path / "results.parquet"
    code, _, _ = run(["eval", str(tok_file), "--parallel", str(parallel_dir), "--out", str(out),
                      "--resamples", "0"], capsys)  # fmt: skip
    assert code == 0 and out.read_bytes()[:4] == b"PAR1"
    assert read_results(out).select(metric="parity_premium", lang="eng_Latn")[0].value == 1.0


def test_json_is_a_flag_that_prints_only_json_on_stdout(tok_file, parallel_dir, tmp_path, capsys):
    code, stdout, err = run(["eval", str(tok_file), "--parallel", str(parallel_dir), "--json", "--resamples", "0"],
                            capsys)  # fmt: skip
    assert code == 0 and "deprecated" not in err
    assert json.loads(stdout)["schema"] == "tokensmith.results/2"
    assert list(tmp_path.glob("*.json")) == []


def test_json_path_still_writes_the_file_with_a_deprecation_notice(tok_file, parallel_dir, tmp_path, capsys):
    out = tmp_path / "old.json"
    for _ in range(2):  # the second run finds a results file there and still reads it as the output path
        code, stdout, err = run(["eval", str(tok_file), "--parallel", str(parallel_dir), "--json", str(out),
                                 "--resamples", "0"], capsys)  # fmt: skip
        assert code == 0 and "deprecated" in err and "-o/--out PATH" in err
        assert json.loads(out.read_text())["rows"] and "tokensmith eval" in stdout


def test_json_dash_still_prints_json_with_a_deprecation_notice(tok_file, parallel_dir, capsys):
    code, stdout, err = run(["eval", str(tok_file), "--parallel", str(parallel_dir), "--json", "-",
                             "--resamples", "0"], capsys)  # fmt: skip
    assert code == 0 and "deprecated" in err
    assert json.loads(stdout)["rows"]


def test_a_tokenizer_json_after_the_json_flag_is_a_spec_and_is_not_overwritten(tok_file, parallel_dir, capsys):
    before = tok_file.read_bytes()
    code, stdout, err = run(["eval", "--json", str(tok_file), "--parallel", str(parallel_dir), "--resamples", "0"],
                            capsys)  # fmt: skip
    assert code == 0 and "deprecated" not in err
    assert list(json.loads(stdout)["tokenizers"]) == ["tok"] and tok_file.read_bytes() == before


def test_an_out_path_without_a_known_suffix_is_a_user_error(tok_file, parallel_dir, tmp_path, capsys):
    code, _, err = run(["eval", str(tok_file), "--parallel", str(parallel_dir), "-o", str(tmp_path / "r.csv")],
                       capsys)  # fmt: skip
    assert code == 2 and ".json or .parquet" in err and "Traceback" not in err


def test_mismatched_line_counts_name_files_and_counts(tok_file, parallel_dir, capsys):
    (parallel_dir / "fra_Latn.txt").write_text("le chat\nsur le tapis\n")
    (parallel_dir / "deu_Latn.txt").write_text("eins\nzwei\ndrei\n")  # the odd one out: 3 lines, the others 2
    code, _, err = run(["eval", str(tok_file), "--parallel", str(parallel_dir)], capsys)
    assert code == 2
    assert "deu_Latn.txt: 3 lines" in err and "2 lines" in err and "Traceback" not in err


def test_unknown_language_lists_close_matches(tok_file, parallel_dir, capsys):
    code, _, err = run(["eval", str(tok_file), "--parallel", str(parallel_dir), "--langs", "eng_Latn,dxu"], capsys)
    assert code == 2 and "deu" in err


def test_empty_parallel_file_is_a_user_error(tok_file, parallel_dir, capsys):
    (parallel_dir / "deu_Latn.txt").write_text("")
    code, _, err = run(["eval", str(tok_file), "--parallel", str(parallel_dir)], capsys)
    assert code == 2 and "empty" in err.lower()


def test_bad_noise_rates_are_a_user_error(tok_file, parallel_dir, capsys):
    code, _, err = run(["eval", str(tok_file), "--parallel", str(parallel_dir), "--noise", "0.1,x"], capsys)
    assert code == 2 and "--noise" in err
