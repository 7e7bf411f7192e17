"""Same seed, same settings: byte-identical checkpoints, also after an interrupted and resumed run."""

from __future__ import annotations

import pytest

from tests.lm.toys import BYTE, HIER, TEXT

pytest.importorskip("torch")
pytestmark = pytest.mark.models

from tokensmith.lm.train import TrainSettings, train_model  # noqa: E402


def _train(tmp_path, name, *, arch="byte", seed=0, save_every=200, model=BYTE, budget=4e8):
    (tmp_path / "t.txt").write_text(TEXT)
    return train_model(arch=arch, train_file=tmp_path / "t.txt", valid_file=tmp_path / "t.txt", out=tmp_path / name,
                       settings=TrainSettings(budget=budget, seed=seed, batch_size=2, save_every=save_every),
                       model_settings=model, progress=False)  # fmt: skip


def _files(path):
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


@pytest.mark.parametrize(("arch", "model", "budget"), [("byte", BYTE, 4e8), ("hierarchical", HIER, 1e8)])
def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(tmp_path, arch, model, budget):
    a, b = (_train(tmp_path, n, arch=arch, model=model, budget=budget) for n in "ab")
    c = _train(tmp_path, "c", arch=arch, model=model, seed=1, budget=budget)
    assert a.steps > 1 and a.flops <= budget
    assert _files(a.out) == _files(b.out)
    assert _files(a.out)["model.safetensors"] != _files(c.out)["model.safetensors"]


def test_a_resumed_run_ends_with_the_same_bytes_as_an_uninterrupted_one(tmp_path, monkeypatch):
    whole = _train(tmp_path, "whole")
    from tokensmith.lm.byte import ByteLM

    real = ByteLM.batch_loss

    def dies_at_step_7(self, *args, **kw):
        if kw["step"] == 7:
            raise KeyboardInterrupt  # killed mid-run, after the checkpoint of step 6
        return real(self, *args, **kw)

    monkeypatch.setattr(ByteLM, "batch_loss", dies_at_step_7)
    with pytest.raises(KeyboardInterrupt):
        _train(tmp_path, "resumed", save_every=3)
    assert (tmp_path / "resumed" / "optimizer.pt").is_file()  # the unfinished run is resumable
    steps_run = []

    def counts(self, *args, **kw):
        steps_run.append(kw["step"])
        return real(self, *args, **kw)

    monkeypatch.setattr(ByteLM, "batch_loss", counts)
    resumed = _train(tmp_path, "resumed", save_every=3)
    assert steps_run[0] == 6 and resumed.steps == whole.steps  # it went on from the step-6 checkpoint
    done = _files(resumed.out)
    assert "optimizer.pt" not in done
    assert done["model.safetensors"] == _files(whole.out)["model.safetensors"]
