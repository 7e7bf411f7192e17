"""BLT entropy patches: boundaries of a prefix depend on the prefix only; the patch model trains, scores and
counts the entropy model's FLOPs; a changed or wrong-arch entropy model is refused."""

from __future__ import annotations

import json

import numpy as np
import pytest

from tests.conftest import run_cli
from tests.lm.toys import PATCH, TEXT, build

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.models

DATA = b"the cat sat on the mat. the dog sat on the log. a bird sang."


@pytest.fixture
def entropy_dir(tmp_path):
    from tokensmith.lm.checkpoint import save_checkpoint

    lm = build("byte", block_size=8)  # small windows: DATA spans many of them
    return save_checkpoint(tmp_path / "ent", lm, lm.byte_config)


def _entropy_model(directory):
    from tokensmith.lm.blt import load_entropy_model

    return load_entropy_model(directory)


def test_entropies_and_boundaries_of_a_prefix_depend_only_on_the_prefix(entropy_dir):
    from tokensmith.lm.blt import next_byte_entropies, patch_starts

    model = _entropy_model(entropy_dir)
    whole = next_byte_entropies(model, DATA)
    theta = float(np.median(whole))
    starts = patch_starts(whole, threshold=theta)
    assert 3 < len(starts) < len(DATA) - 3  # the threshold really cuts
    for k in range(1, len(DATA) + 1):
        prefix = next_byte_entropies(model, DATA[:k])
        np.testing.assert_array_equal(prefix, whole[:k])
        assert patch_starts(prefix, threshold=theta) == [s for s in starts if s < k]
        mono = patch_starts(prefix, threshold=0.01, rule="monotonic")
        assert mono == [s for s in patch_starts(whole, threshold=0.01, rule="monotonic") if s < k]


def test_entropies_match_the_byte_model_read_directly(entropy_dir):
    from tokensmith.lm.blt import next_byte_entropies

    model = _entropy_model(entropy_dir)
    got = next_byte_entropies(model, DATA)
    for t in (0, 3, 7, 11, 30, len(DATA) - 1):  # a window of 8 starting at a multiple of 4, t in its 2nd half
        s = 0 if t < 8 else (t // 4 - 1) * 4
        logp = torch.log_softmax(model.next_byte_logits(torch.tensor([list(DATA[s : t + 1])]))[0, -1].double(), -1)
        assert got[t] == pytest.approx(float(-(logp.exp() * logp).sum() / np.log(2)), abs=1e-9)


def _patch(entropy_dir, threshold):
    from tokensmith.lm.blt import entropy_settings

    return build("patch", **entropy_settings(entropy_dir, threshold=threshold), block_size=4)


def test_the_patch_model_scores_earlier_patches_without_seeing_later_bytes(entropy_dir):
    from tokensmith.lm.blt import next_byte_entropies

    theta = float(np.median(next_byte_entropies(_entropy_model(entropy_dir), DATA)))
    lm = _patch(entropy_dir, theta)
    a, b = DATA, DATA[:30] + b"X" * (len(DATA) - 30)
    n, covered = 0, 0
    for patch in lm.split(a.decode()):
        if covered + len(patch) > 30:
            break
        n, covered = n + len(patch) + 1, covered + len(patch)  # bytes and the end-of-patch mark
    assert n > 10
    np.testing.assert_array_equal(lm.chunk_logprobs(a)[:n], lm.chunk_logprobs(b)[:n])


def test_flops_include_the_entropy_models_forward_pass(entropy_dir):
    lm = _patch(entropy_dir, 7.0)
    plain = build("patch", block_size=4)
    entropy_params = _entropy_model(entropy_dir).flop_params()
    for factor in (2, 6):
        extra = lm.positions_flops(n_bytes=40, n_words=9, factor=factor) - plain.positions_flops(
            n_bytes=40, n_words=9, factor=factor)  # fmt: skip
        assert extra == 2 * entropy_params * 40  # forward only, whatever the factor
    assert not any(n.startswith("entropy") for n in lm.state_dict())  # frozen, not saved with the patch model


def _train(tmp_path, entropy_dir, name, *extra):
    (tmp_path / "t.txt").write_text(TEXT)
    sets = [f"--set={k}={v}" for k, v in PATCH.items()]
    return run_cli(["lm", "train", "--arch", "patch", "--budget", "2e8", "--train", str(tmp_path / "t.txt"),
                    "--valid", str(tmp_path / "t.txt"), "-o", str(tmp_path / name), "--batch-size", "2",
                    "--json", *sets, *extra])  # fmt: skip


def test_trains_through_the_cli_twice_to_the_same_bytes_and_evaluates(tmp_path, entropy_dir, capsys):
    args = ["--patching", "entropy", "--entropy-model", str(entropy_dir), "--threshold", "7.99"]
    assert _train(tmp_path, entropy_dir, "a", *args) == 0
    first = json.loads(capsys.readouterr().out)
    assert _train(tmp_path, entropy_dir, "b", *args) == 0
    capsys.readouterr()
    for f in ("lm.json", "model.safetensors"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()
    assert 1.0 <= first["stats"]["bytes_per_patch"] <= PATCH["max_word_bytes"]
    assert run_cli(["lm", "eval", str(tmp_path / "a"), "--text", str(tmp_path / "t.txt"), "--json"]) == 0
    (row,) = json.loads(capsys.readouterr().out)["results"]
    assert row["arch"] == "patch" and row["bits_per_byte"] == pytest.approx(first["valid_bits_per_byte"])
    assert row["tokens_per_byte"] == pytest.approx(1 / first["stats"]["bytes_per_patch"])


def test_a_changed_or_wrong_arch_entropy_model_is_refused(tmp_path, entropy_dir, capsys):
    from tokensmith.errors import ModelError
    from tokensmith.lm.checkpoint import load_checkpoint, save_checkpoint

    lm = _patch(entropy_dir, 7.0)
    out = save_checkpoint(tmp_path / "p", lm, lm.config)
    other = build("byte", block_size=8, n_embd=8)
    save_checkpoint(entropy_dir, other, other.byte_config)  # the entropy model is replaced
    with pytest.raises(ModelError, match="has changed"):
        load_checkpoint(out)
    mrt5 = build("mrt5")
    save_checkpoint(tmp_path / "m", mrt5, mrt5.mrt5_config)
    assert _train(tmp_path, entropy_dir, "x", "--patching", "entropy", "--entropy-model", str(tmp_path / "m")) == 2
    assert "holds a mrt5 model, not a byte one" in capsys.readouterr().err
    assert _train(tmp_path, entropy_dir, "y", "--patching", "entropy") == 2
    assert "needs --entropy-model" in capsys.readouterr().err
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def test_patching_flags_with_another_arch_or_an_unknown_rule_are_refused(tmp_path, entropy_dir, capsys):
    (tmp_path / "t.txt").write_text(TEXT)
    code = run_cli(["lm", "train", "--arch", "byte", "--budget", "1e9", "--train", str(tmp_path / "t.txt"), "--valid",
                    str(tmp_path / "t.txt"), "-o", str(tmp_path / "z"), "--patching", "entropy", "--entropy-model",
                    str(entropy_dir)])  # fmt: skip
    assert code == 2 and "with --arch patch only" in capsys.readouterr().err
    assert _train(tmp_path, entropy_dir, "r", "--patching", "entropy", "--entropy-model", str(entropy_dir),
                  "--set=entropy_rule=rising") == 2  # fmt: skip
    assert "rule of global, monotonic" in capsys.readouterr().err
    assert not (tmp_path / "z").exists() and not (tmp_path / "r").exists()
