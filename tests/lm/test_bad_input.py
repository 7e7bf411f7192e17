"""Bad input to `tokensmith lm`: exit 2 with a message that names the problem, nothing written."""

from __future__ import annotations

import pytest

from tests.conftest import run_cli
from tests.lm.toys import BYTE, TEXT

pytest.importorskip("torch")
pytestmark = pytest.mark.models

SMALL = [f"--set={k}={v}" for k, v in BYTE.items()]


def _train(tmp_path, *extra, train="t.txt", arch="byte", budget="1e9"):
    (tmp_path / "t.txt").write_text(TEXT)
    return run_cli(["lm", "train", "--arch", arch, "--budget", budget, "--train", str(tmp_path / train),
                    "--valid", str(tmp_path / "t.txt"), "-o", str(tmp_path / "out"), *extra])  # fmt: skip


def test_a_budget_too_small_for_one_step(tmp_path, capsys):
    assert _train(tmp_path, *SMALL, budget="1e5") == 2
    err = capsys.readouterr().err
    assert "too small for one training step" in err and "--budget" in err
    assert not (tmp_path / "out").exists()


def test_a_tokenizer_that_cannot_spell_the_training_text(tmp_path, capsys):
    (tmp_path / "upper.txt").write_text("Hello World " * 20)
    code = _train(tmp_path, "--tokenizer", "bert-base-uncased", train="upper.txt", arch="subword")
    assert code == 2
    assert "cannot encode the training text losslessly" in capsys.readouterr().err


def test_an_empty_training_file(tmp_path, capsys):
    (tmp_path / "empty.txt").write_bytes(b"")
    assert _train(tmp_path, *SMALL, train="empty.txt") == 2
    assert "empty.txt is empty" in capsys.readouterr().err


def test_a_training_file_that_is_not_utf8_names_the_offset(tmp_path, capsys):
    (tmp_path / "latin1.txt").write_bytes("café au lait".encode("latin-1"))
    assert _train(tmp_path, *SMALL, train="latin1.txt") == 2
    err = capsys.readouterr().err
    assert "latin1.txt is not UTF-8" in err and "0xe9 at offset 3" in err


def test_training_over_a_checkpoint_of_another_architecture(tmp_path, capsys):
    assert _train(tmp_path, *SMALL) == 0
    capsys.readouterr()
    code = _train(tmp_path, "--set=n_layer=1", "--set=n_embd=16", "--set=n_head=1", arch="hierarchical")
    assert code == 2
    assert "holds a checkpoint of a byte model, not a hierarchical one" in capsys.readouterr().err


def test_loading_a_checkpoint_as_another_architecture(tmp_path):
    from tokensmith.errors import ModelError
    from tokensmith.lm.checkpoint import load_checkpoint

    assert _train(tmp_path, *SMALL) == 0
    with pytest.raises(ModelError, match="holds a byte model, not a subword one"):
        load_checkpoint(tmp_path / "out", arch="subword")


def test_subword_without_a_tokenizer_and_byte_with_one(tmp_path, capsys):
    assert _train(tmp_path, arch="subword") == 2
    assert "needs --tokenizer" in capsys.readouterr().err
    assert _train(tmp_path, "--tokenizer", "gpt2") == 2
    assert "only for --arch subword or lexinvariant" in capsys.readouterr().err


def test_an_unknown_architecture_lists_the_valid_ones(tmp_path, capsys):
    assert _train(tmp_path, arch="bytes") == 2
    assert "did you mean: byte" in capsys.readouterr().err
