"""`tokensmith eval` through the real entry point."""

from __future__ import annotations

import json

import pytest

from tokensmith.cli.main import main


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
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out, captured.err


def test_eval_writes_the_results_json_and_prints_a_table(tok_file, parallel_dir, tmp_path, capsys):
    out = tmp_path / "results.json"
    code, stdout, _ = run(["eval", str(tok_file), "--parallel", str(parallel_dir), "--json", str(out),
                           "--resamples", "50", "--noise", "0.1"], capsys)  # fmt: skip
    assert code in (0, None)
    obj = json.loads(out.read_text())
    assert obj["schema"] == "tokensmith.results/1"
    assert obj["tokenizers"]["tok"]["kind"] == "file"
    premium = [r for r in obj["rows"] if r["metric"] == "parity_premium" and r["lang"] == "deu_Latn"]
    assert premium and premium[0]["value"] > 0
    assert {r["param"] for r in obj["rows"] if r["metric"] == "noise_edit_distance"} == {0.1}
    assert "tokensmith eval" in stdout and "tok" in stdout


def test_eval_json_to_stdout(tok_file, parallel_dir, capsys):
    code, stdout, _ = run(["eval", str(tok_file), "--parallel", str(parallel_dir), "--json", "-",
                           "--resamples", "0"], capsys)  # fmt: skip
    assert code in (0, None)
    assert json.loads(stdout)["rows"]


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
