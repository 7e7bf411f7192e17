"""The lexinvariant model: reproducible, a fresh table per sequence, trainable through the CLI (causal: test_causal)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import run_cli
from tests.lm.toys import SUBWORD, TEXT, build, toy_tokenizer

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.models


def test_each_sequence_gets_its_own_table_and_scores_are_reproducible():
    lm = build("lexinvariant")
    ids = torch.tensor([[lm.bos_id, 5, 6], [lm.bos_id, 5, 6]])
    out = lm(ids)
    assert not torch.equal(out[0], out[1])  # the same ids, two tables: two distributions
    chunk = np.array(lm.prepare(TEXT[:60]))
    np.testing.assert_array_equal(lm.stream_logprobs(chunk), lm.stream_logprobs(chunk))


def test_loss_by_position_has_one_value_per_position():
    from tokensmith.lm.lexinvariant import loss_by_position

    lm = build("lexinvariant")
    losses = loss_by_position(lm, TEXT, windows=4)
    assert losses.shape == (SUBWORD["block_size"],) and bool(np.isfinite(losses).all())


def test_trains_and_evaluates_through_the_cli(tmp_path, capsys):
    (tmp_path / "t.txt").write_text(TEXT)
    toy_tokenizer().save(tmp_path / "tok.json")
    sets = [f"--set={k}={v}" for k, v in SUBWORD.items()]
    assert run_cli(["lm", "train", "--arch", "lexinvariant", "--tokenizer", str(tmp_path / "tok.json"), "--budget",
                    "2e8", "--train", str(tmp_path / "t.txt"), "--valid", str(tmp_path / "t.txt"), "-o",
                    str(tmp_path / "m"), "--json", *sets]) == 0  # fmt: skip
    capsys.readouterr()
    assert run_cli(["lm", "eval", str(tmp_path / "m"), "--text", str(tmp_path / "t.txt"), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["results"]
    assert row["arch"] == "lexinvariant" and row["bits_per_byte"] > 0
