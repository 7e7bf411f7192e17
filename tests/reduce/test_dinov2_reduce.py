"""DINOv2-S through the reduce runner: unreduced it still gives onnxruntime's last hidden state, every method at ratio
0 gives exactly the unreduced outputs, [CLS] survives, the grid methods act on the 16×16 grid, and each method meets
its FLOPs target on real photos (two of them: a cheap check, not the benchmark)."""

from __future__ import annotations

import numpy as np
import pytest

from tests.reduce.dinov2_env import model, photo_pixels, require_dinov2  # noqa: F401 (model is a fixture)

require_dinov2()
import torch  # noqa: E402

from tokensmith.reduce.dinov2 import GRID, onnx_last_hidden_state  # noqa: E402
from tokensmith.reduce.flops import unreduced_flops  # noqa: E402
from tokensmith.reduce.patch import apply  # noqa: E402
from tokensmith.reduce.vision_eval import features, reduced_forward, unreduced_forward  # noqa: E402

pytestmark = pytest.mark.models
METHODS = ("tome", "prune", "fopru", "pool", "random", "truncate")
DIMS = {"hidden": 384, "intermediate": 1536}


@pytest.fixture(scope="module")
def pixels():
    return photo_pixels("coffee", "rocket")  # (2, 3, 224, 224)


def _run(model, method, ratio, pixels):
    encoder, record = apply(model, method, ratio=ratio)
    with torch.inference_mode():
        return encoder.run(pixel_values=pixels), record


def test_the_unreduced_runner_gives_onnxruntimes_last_hidden_state(model, pixels):
    state, record = _run(model, "none", 0.0, pixels)
    assert float(np.abs(state.hidden.numpy() - onnx_last_hidden_state(pixels.numpy())).max()) < 1e-4
    assert record.attention == [[1 + GRID * GRID] * 2] * 12


def test_cls_and_mean_features_of_the_runner_match_transformers_forward(model, pixels):
    ours = features(reduced_forward(apply(model, "none", ratio=0.0)[0]), pixels)
    theirs = features(unreduced_forward(model), pixels)
    assert np.abs(ours.cls - theirs.cls).max() < 1e-4 and np.abs(ours.mean - theirs.mean).max() < 1e-4


@pytest.mark.parametrize("method", METHODS)
def test_every_method_at_ratio_0_returns_exactly_the_unreduced_outputs(model, pixels, method):
    reference, _ = _run(model, "none", 0.0, pixels)
    state, _ = _run(model, method, 0.0, pixels)
    assert torch.equal(state.hidden, reference.hidden)


@pytest.mark.parametrize("method", METHODS)
def test_each_method_keeps_cls_and_meets_its_flops_target_at_a_40_percent_cut(model, pixels, method):
    state, record = _run(model, method, 0.4, pixels)
    kept = record.flops(**DIMS) / unreduced_flops([1 + GRID * GRID] * 2, layers=12, **DIMS)
    assert abs(kept - 0.6) <= 0.05
    assert state.position[:, 0].tolist() == [0, 0] and bool(state.protected[:, 0].all())  # [CLS] first, intact
    assert state.hidden.shape[1] == max(record.mlp[-1])  # the record is the tensors' length
    assert 1 < state.hidden.shape[1] < 1 + GRID * GRID


def test_fopru_keeps_whole_rows_of_the_16x16_grid(model, pixels):
    state, _ = _run(model, "fopru", 0.4, pixels)
    for b in range(2):
        patches = state.position[b, 1:][state.mask[b, 1:]] - 1  # original patch index, row-major
        rows = torch.bincount(patches // GRID, minlength=GRID)
        assert set(rows.tolist()) <= {0, GRID} and int(rows.sum()) == len(patches)


def test_pool_averages_the_grid_to_a_square_grid_and_keeps_every_patch_weighted(model, pixels):
    state, _ = _run(model, "pool", 0.4, pixels)
    side = round((state.hidden.shape[1] - 1) ** 0.5)
    assert 1 + side * side == state.hidden.shape[1] and side < GRID
    assert state.size[:, 1:].sum(dim=1).tolist() == [GRID * GRID] * 2  # every patch is in some pooled token


def test_evaluate_images_gives_the_cli_fields_side_by_side(model):
    from tokensmith.reduce.vision_eval import evaluate_images

    pixels = photo_pixels("coffee", "rocket", "astronaut", "coins")
    out = evaluate_images(model, pixels, method="tome", ratio=0.25, batch_one=False)
    unreduced, reduced = out["unreduced"], out["reduced"]
    assert unreduced["flops_kept"] == 1.0 and abs(reduced["flops_kept"] - 0.75) <= 0.05
    assert reduced["gflops"] == pytest.approx(unreduced["gflops"] * reduced["flops_kept"], rel=1e-3)
    assert 0.5 < reduced["cosine_cls"] < 1.0 and 0.5 < reduced["cosine_mean"] < 1.0
    assert reduced["seconds"] > 0 and unreduced["seconds"] > 0 and out["images"] == 4


def test_evaluate_images_refuses_a_wrong_image_size(model):
    from tokensmith.errors import ModelError
    from tokensmith.reduce.vision_eval import evaluate_images

    with pytest.raises(ModelError, match="224x224"):
        evaluate_images(model, torch.zeros(2, 3, 112, 112), method="tome", ratio=0.25)
