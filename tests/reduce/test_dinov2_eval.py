"""The vision figures on worked examples: size-weighted mean-patch features, cosines, nearest-neighbour agreement and
the linear probe (which must be near chance on random labels, so a high score means something)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tokensmith.reduce.vision_eval import (  # noqa: E402
    Features,
    cosine_summary,
    features,
    linear_probe,
    nearest_neighbours,
    nn_agreement,
    pooled,
    unreduced_forward,
)


def test_mean_patch_feature_weights_merged_tokens_by_size_and_skips_cls_and_padding():
    hidden = torch.tensor([[[100.0, 0.0], [1.0, 2.0], [4.0, 8.0], [-50.0, -50.0]]])  # [CLS], patch, pair, padding
    size = torch.tensor([[1.0, 1.0, 2.0, 0.0]])
    cls, mean = pooled(hidden, size)
    assert cls.tolist() == [[100.0, 0.0]]
    assert torch.allclose(mean, torch.tensor([[(1 + 2 * 4) / 3, (2 + 2 * 8) / 3]]))


def test_merging_two_identical_patches_leaves_the_mean_feature_unchanged():
    patches = torch.tensor([[[0.0, 0.0], [3.0, 1.0], [3.0, 1.0], [6.0, 4.0]]])
    _, before = pooled(patches, torch.ones(1, 4))
    merged = torch.tensor([[[0.0, 0.0], [3.0, 1.0], [6.0, 4.0]]])
    _, after = pooled(merged, torch.tensor([[1.0, 2.0, 1.0]]))
    assert torch.allclose(before, after)


def test_features_of_a_model_do_not_depend_on_the_batch_size():
    from transformers import Dinov2Config, Dinov2Model

    torch.manual_seed(0)
    tiny = Dinov2Model(Dinov2Config(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, image_size=28)).eval()
    pixels = torch.randn(5, 3, 28, 28)
    one, many = features(unreduced_forward(tiny), pixels, batch_size=1), features(unreduced_forward(tiny), pixels)
    assert np.allclose(one.cls, many.cls, atol=1e-5) and np.allclose(one.mean, many.mean, atol=1e-5)
    assert cosine_summary(one, many)["cosine_mean_p5"] > 0.99999


def test_cosine_summary_of_orthogonal_features_is_zero():
    a = Features(cls=np.array([[1.0, 0.0], [0.0, 1.0]]), mean=np.array([[1.0, 1.0], [1.0, -1.0]]))
    b = Features(cls=np.array([[0.0, 2.0], [3.0, 0.0]]), mean=np.array([[1.0, -1.0], [1.0, 1.0]]))
    assert cosine_summary(a, b) == {"cosine_cls": 0.0, "cosine_cls_p5": 0.0, "cosine_mean": 0.0, "cosine_mean_p5": 0.0}


def test_nearest_neighbours_and_agreement_by_hand():
    x = np.array([[1.0, 0.0], [0.8, 0.2], [0.0, 1.0], [0.3, 0.7], [0.1, 0.9]])
    assert nearest_neighbours(x).tolist() == [1, 0, 4, 4, 2]
    y = x.copy()
    y[3] = [0.9, 0.1]  # image 3 moves beside images 0 and 1: the neighbours of 0, 1 and 3 change, 2 of 5 stay
    assert nearest_neighbours(y).tolist() == [3, 3, 4, 0, 2]
    assert nn_agreement(y, x) == pytest.approx(2 / 5)


def test_linear_probe_separates_separable_classes_and_is_near_chance_on_random_labels():
    rng = np.random.default_rng(1)
    labels = np.r_[np.zeros(100), np.ones(100)]
    separable = rng.normal(size=(200, 8)) + 2.5 * labels[:, None]
    assert linear_probe(separable, labels)["probe_accuracy"] > 0.95
    noise = rng.normal(size=(200, 8))
    assert 0.3 < linear_probe(noise, labels)["probe_accuracy"] < 0.7
