"""The MrT5 deletion gate: causal, soft in training and hard at inference, reproducible, FLOPs counted."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_cli
from tests.lm.toys import MRT5, TEXT, build

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.models

SETS = [f"--set={k}={v}" for k, v in MRT5.items()]


def _force_gate(lm, bias: float) -> None:
    with torch.no_grad():
        lm.gate.weight.zero_()
        lm.gate.bias.fill_(bias)


@pytest.mark.parametrize("hard", [False, True])
def test_logits_at_t_ignore_later_bytes_with_either_gate(hard):
    lm = build("mrt5")
    _force_gate(lm, 0.3)  # about half deleted: the bias matters
    lm.hard = hard
    ids = torch.tensor([[256, *b"the cat sat on"]])
    base = lm(ids)
    for t in range(1, ids.shape[1]):
        other = ids.clone()
        other[0, t:] = ord("#")
        assert torch.equal(base[:, :t], lm(other)[:, :t])


def test_the_hard_gate_cuts_deleted_positions_off_and_the_soft_gate_only_down_weights_them():
    lm = build("mrt5", gate_layer=0, gate_scale=-2.0)  # gate on the embeddings; a weak soft bias
    _force_gate(lm, 10.0)  # every byte deleted (BOS never is)
    a, b = torch.tensor([[256, 1, 2, 3, 9]]), torch.tensor([[256, 7, 7, 7, 9]])
    lm.hard = True
    hard_a, hard_b = lm(a), lm(b)
    # hard: a later position sees only BOS and itself, so the different earlier bytes do not reach it
    assert torch.allclose(hard_a[0, 4], hard_b[0, 4], atol=1e-5)
    lm.hard = False
    assert not torch.allclose(lm(a)[0, 4], lm(b)[0, 4], atol=1e-3)  # soft: -2 only down-weights them
    assert lm.deletion_rate("abcdef") == 1.0
    _force_gate(lm, -10.0)
    assert lm.deletion_rate("abcdef") == 0.0


def test_train_mode_is_soft_and_eval_mode_is_hard():
    lm = build("mrt5", gate_layer=0, gate_scale=-2.0)
    _force_gate(lm, 10.0)
    a, b = torch.tensor([[256, 1, 2, 9]]), torch.tensor([[256, 7, 7, 9]])
    assert torch.allclose(lm.eval()(a)[0, 3], lm(b)[0, 3], atol=1e-5)
    assert not torch.allclose(lm.train()(a)[0, 3], lm(b)[0, 3], atol=1e-3)


def test_the_regulariser_subtracts_the_mean_deletion_probability_and_flops_include_the_gate():
    import numpy as np

    from tokensmith.lm.sequence import sample_windows

    stream = np.frombuffer(TEXT.encode(), dtype=np.uint8).astype(np.int64)
    plain_ce, weighted = build("mrt5", delete_weight=0.0), build("mrt5", delete_weight=0.5)  # same seed, same weights
    for lm in (plain_ce, weighted):
        _force_gate(lm, 0.4)
    ce, flops = plain_ce.batch_loss(stream, batch_size=2, seed=0, step=0)
    loss, _ = weighted.batch_loss(stream, batch_size=2, seed=0, step=0)
    windows = sample_windows(stream, batch_size=2, length=MRT5["block_size"], seed=0, step=0)
    inputs = torch.cat([torch.full_like(windows[:, :1], 256), windows[:, :-1]], dim=1)
    p = weighted.train().deletion_probs(inputs)[:, 1:].mean()
    assert loss.item() == pytest.approx(ce.item() - 0.5 * p.item(), abs=1e-5)
    assert p.item() == pytest.approx(torch.sigmoid(torch.tensor(0.4)).item(), abs=1e-6)  # the forced gate
    assert flops == 6 * weighted.flop_params() * 2 * MRT5["block_size"]  # the soft gate deletes nothing
    targeted = build("mrt5", delete_weight=0.5, delete_target=0.9)
    _force_gate(targeted, 0.4)
    loss, _ = targeted.batch_loss(stream, batch_size=2, seed=0, step=0)
    assert loss.item() == pytest.approx(ce.item() + 0.5 * abs(p.item() - 0.9), abs=1e-5)  # pulled towards 0.9
    plain = build("byte", n_layer=2, n_embd=16, n_head=1, block_size=32)
    assert weighted.flop_params() == plain.flop_params() + 2 * 16 + 16 + 1  # gate LayerNorm + C -> 1 projection


def test_a_bad_gate_layer_is_refused():
    from tokensmith.errors import ModelError

    with pytest.raises(ModelError, match="gate_layer"):
        build("mrt5", gate_layer=2)


def test_train_twice_same_bytes_records_the_deletion_rate_and_eval_scores_it(tmp_path, capsys):
    (tmp_path / "t.txt").write_text(TEXT)

    def train(name):
        code = run_cli(["lm", "train", "--arch", "mrt5", "--budget", "3e8", "--train", str(tmp_path / "t.txt"),
                        "--valid", str(tmp_path / "t.txt"), "-o", str(tmp_path / name), "--batch-size", "2",
                        "--json", *SETS])  # fmt: skip
        assert code == 0
        return json.loads(capsys.readouterr().out)

    a, _ = train("a"), train("b")
    assert 0.0 <= a["stats"]["deletion_rate"] <= 1.0 and a["steps"] > 1
    record = json.loads((tmp_path / "a" / "lm.json").read_text())
    assert record["training"]["stats"] == a["stats"]
    for f in ("lm.json", "model.safetensors"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
    assert run_cli(["lm", "eval", str(tmp_path / "a"), "--text", str(tmp_path / "t.txt"), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["results"]
    assert row["arch"] == "mrt5" and row["bits_per_byte"] == pytest.approx(a["valid_bits_per_byte"])


def test_a_checkpoint_of_another_arch_is_refused(tmp_path):
    from tokensmith.errors import ModelError
    from tokensmith.lm.checkpoint import load_checkpoint, save_checkpoint

    lm = build("mrt5")
    out = save_checkpoint(tmp_path / "m", lm, lm.mrt5_config)
    with pytest.raises(ModelError, match="holds a mrt5 model, not a byte one"):
        load_checkpoint(out, arch="byte")
    model, config = load_checkpoint(out, arch="mrt5")
    assert config == lm.mrt5_config and model.hard is None and not model.training
