"""Future Token Prediction: causal, next-token head = the decoder's first slot, multi-token loss, FLOPs counted."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import run_cli
from tests.lm.toys import FTP, TEXT, build, toy_tokenizer

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.models


def test_every_future_logit_at_t_ignores_ids_after_t():
    lm = build("ftp")
    ids = torch.tensor([[lm.bos_id, 5, 6, 7, 8, 9]])
    base, next_only = lm.future_logits(ids), lm(ids)
    for t in range(1, ids.shape[1]):
        other = ids.clone()
        other[0, t:] = 3
        assert torch.equal(base[:, :t], lm.future_logits(other)[:, :t])  # all N heads at positions < t
        assert torch.equal(next_only[:, :t], lm(other)[:, :t])


def test_the_next_token_head_is_the_first_slot_and_the_loss_averages_the_offsets():
    from torch.nn import functional as F

    lm = build("ftp")
    windows = torch.tensor([[5, 6, 7, 8, 9, 10]])
    inputs = torch.cat([torch.tensor([[lm.bos_id]]), windows[:, :-1]], dim=1)
    full = lm.future_logits(inputs)  # (1, 6, 3, V)
    assert torch.allclose(lm(inputs), full[:, :, 0], atol=1e-5)
    by_hand = [F.cross_entropy(full[0, : 6 - k, k], windows[0, k:]) for k in range(3)]  # offset k+1
    assert lm.window_loss(windows).item() == pytest.approx(torch.stack(by_hand).mean().item(), rel=1e-6)


def test_training_flops_count_the_decoder_once_per_slot():
    lm = build("ftp")
    stream = np.array(lm.prepare(TEXT))
    _, flops = lm.batch_loss(stream, batch_size=2, seed=0, step=0)
    C, V, T, N = FTP["n_embd"], lm.config.vocab_size, FTP["block_size"], FTP["n_future"]
    encoder = lm.stack.flop_params() + C * N * C + N * C  # stack + the projection to N slots
    decoder = lm.decoder.flop_params() + V * C  # decoder blocks + the tied head
    assert flops == 6 * 2 * T * (encoder + decoder * N)
    assert lm.step_flops_estimate(stream, batch_size=2, seed=0)[0] == flops
    assert lm.inference_flops(n_bytes=0, n_tokens=1) == 2 * (lm.stack.flop_params() + C * C + C + decoder)


def test_trains_twice_to_the_same_bytes_evaluates_and_refuses_another_arch(tmp_path, capsys):
    from tokensmith.errors import ModelError
    from tokensmith.lm.checkpoint import load_checkpoint

    (tmp_path / "t.txt").write_text(TEXT)
    toy_tokenizer().save(tmp_path / "tok.json")
    sets = [f"--set={k}={v}" for k, v in FTP.items()]
    for name in "ab":
        assert run_cli(["lm", "train", "--arch", "ftp", "--tokenizer", str(tmp_path / "tok.json"), "--budget",
                        "3e8", "--train", str(tmp_path / "t.txt"), "--valid", str(tmp_path / "t.txt"), "-o",
                        str(tmp_path / name), "--batch-size", "2", "--json", *sets]) == 0  # fmt: skip
    capsys.readouterr()
    for f in ("lm.json", "model.safetensors"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
    assert run_cli(["lm", "eval", str(tmp_path / "a"), "--text", str(tmp_path / "t.txt"), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["results"]
    record = json.loads((tmp_path / "a" / "lm.json").read_text())["training"]
    assert row["arch"] == "ftp" and row["bits_per_byte"] == pytest.approx(record["valid_bits_per_byte"])
    assert row["flops"] == record["flops"] <= 3e8
    with pytest.raises(ModelError, match="holds a ftp model, not a subword one"):
        load_checkpoint(tmp_path / "a", arch="subword")


def test_bad_sizes_are_refused():
    from tokensmith.errors import ModelError

    with pytest.raises(ModelError, match="n_future=0"):
        build("ftp", n_future=0)
