"""`tokensmith reduce eval` through the real entry point: the JSON shape, and exit 2 with a message on bad input."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli

pytestmark = pytest.mark.models

PAIRS = ('A man is playing a guitar.,A man plays the guitar.,4.8\n'
         'A dog runs in the park.,The stock market fell.,0.1\n'
         'Kids are playing football outside.,"Children play soccer, outdoors.",4.2\n'
         'A woman slices an onion.,Someone is cutting an onion.,4.5\n')  # fmt: skip


@pytest.fixture
def sts_csv(tmp_path):
    path = tmp_path / "sts.csv"
    path.write_text(PAIRS, encoding="utf-8")
    return path


def test_json_shape_and_flops_kept(sts_csv, capsys):
    code = run_cli(["reduce", "eval", "--model", "minilm", "--method", "tome", "--ratio", "0.25",
                    "--data", str(sts_csv), "--json", "--no-batch-one"])  # fmt: skip
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert {"spearman", "gflops", "seconds"} <= set(out["unreduced"])
    assert {"spearman", "gflops", "flops_kept", "seconds", "cosine_mean", "cosine_p5"} <= set(out["reduced"])
    assert abs(out["reduced"]["flops_kept"] - 0.75) <= 0.05
    assert out["reduced"]["gflops"] == pytest.approx(out["unreduced"]["gflops"] * out["reduced"]["flops_kept"])
    assert out["pairs"] == 4


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--method", "tomee", "--ratio", "0.3"], "valid: tome, prune"),
        (["--method", "tome", "--ratio", "1.0"], "must be in [0, 1)"),
        (["--method", "tome", "--ratio", "-0.2"], "must be in [0, 1)"),
        (["--method", "prune", "--ratio", "0.3", "--attn-implementation", "flash_attention_2"], "needs attention"),
        (["--method", "fopru", "--ratio", "0.3"], "needs an image encoder"),
    ],
)
def test_bad_options_exit_2_with_a_message(argv, message, capsys):
    assert run_cli(["reduce", "eval", *argv]) == 2
    assert message in " ".join(capsys.readouterr().err.split())


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("sentence1,sentence2,score\nA,B,3.0\n", "is not a number"),
        ("only two,fields\n", "has 2 fields, not 3"),
        ("", "has no rows"),
    ],
)
def test_bad_csv_exits_2(tmp_path, content, message, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    assert run_cli(["reduce", "eval", "--method", "tome", "--ratio", "0.3", "--data", str(path)]) == 2
    assert message in " ".join(capsys.readouterr().err.split())


def test_unsupported_architecture_exits_2(tmp_path, sts_csv, capsys):
    from transformers import GPT2Config, GPT2Model

    from tokensmith.models import encoder_path

    GPT2Model(GPT2Config(n_layer=1, n_embd=8, n_head=2, vocab_size=30522)).save_pretrained(tmp_path / "gpt2")
    bert_tokenizer = (encoder_path("minilm") / "tokenizer.json").read_text(encoding="utf-8")
    (tmp_path / "gpt2" / "tokenizer.json").write_text(bert_tokenizer, encoding="utf-8")
    code = run_cli(["reduce", "eval", "--model", str(tmp_path / "gpt2"), "--method", "tome", "--ratio", "0.3",
                    "--data", str(sts_csv), "--no-batch-one"])  # fmt: skip
    assert code == 2
    assert "supported: bert" in " ".join(capsys.readouterr().err.split())
