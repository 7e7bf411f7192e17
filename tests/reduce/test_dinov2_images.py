"""The packaged images come from files inside the scikit-image wheel (never a download), and preprocessing gives
DINOv2 what it expects: 224×224, three channels, ImageNet mean/std, the centre of the picture."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

skimage_data = pytest.importorskip("skimage.data", reason="the packaged images need the [reduce] extra (scikit-image)")
torch = pytest.importorskip("torch")

from tokensmith.errors import ModelError  # noqa: E402
from tokensmith.reduce.images import MEAN, SHIPPED, STD, lfw_faces, photos, preprocess  # noqa: E402


def test_every_listed_photo_is_a_file_inside_the_wheel_and_none_needs_a_download():
    data_dir = Path(skimage_data.__file__).parent
    assert all((data_dir / file).is_file() for file in SHIPPED.values())
    pics = photos()
    assert len(pics) == 25 and len(set(pics)) == 25
    assert all(min(p.shape[:2]) >= 100 for p in pics.values())
    for downloaded in ("brain", "cells3d", "eagle", "kidney", "lily", "skin", "vortex"):
        assert downloaded not in pics


def test_scikit_learns_two_sample_photos_come_on_request():
    pytest.importorskip("sklearn", reason="scikit-learn's samples need the [reduce] extra")
    pics = photos(sklearn_samples=True)
    assert len(pics) == 27 and pics["sklearn_china"].shape == pics["sklearn_flower"].shape == (427, 640, 3)


def test_lfw_subset_has_100_faces_then_100_non_faces():
    images, labels = lfw_faces()
    assert images.shape == (200, 25, 25) and 0.0 <= images.min() and images.max() <= 1.0
    assert labels[:100].tolist() == [1] * 100 and labels[100:].tolist() == [0] * 100


def test_a_mid_gray_image_becomes_the_normalised_mean_everywhere():
    value = np.full((40, 70, 3), 0.5)
    out = preprocess([value])
    expected = (0.5 - torch.tensor(MEAN)) / torch.tensor(STD)
    assert out.shape == (1, 3, 224, 224)
    assert torch.allclose(out[0].mean(dim=(1, 2)), expected, atol=1e-6) and float(out.std(dim=(2, 3)).max()) < 1e-5


def test_gray_rgb_rgba_and_bool_images_give_three_identical_channels_when_gray():
    gray = (np.arange(224 * 300) % 251).reshape(224, 300).astype(np.uint8)
    rgb = np.repeat(gray[:, :, None], 3, axis=2)
    rgba = np.concatenate([rgb, np.full((224, 300, 1), 7, dtype=np.uint8)], axis=2)
    a, b, c = preprocess([gray, rgb, rgba])
    assert torch.equal(a, b) and torch.equal(b, c)
    assert preprocess([np.ones((224, 224), dtype=bool)]).shape == (1, 3, 224, 224)


def test_the_centre_crop_keeps_the_middle_of_a_wide_image():
    wide = np.zeros((224, 448), dtype=np.uint8)
    wide[:, 112:336] = 255  # a white middle half: after the crop the whole image is white
    out = preprocess([wide])[0]
    white = (1.0 - torch.tensor(MEAN)) / torch.tensor(STD)
    assert torch.allclose(out[:, :, 2:-2].mean(dim=(1, 2)), white, atol=1e-4)


def test_a_bad_image_shape_is_a_clear_error():
    with pytest.raises(ModelError, match=r"\(H, W\)"):
        preprocess([np.zeros((4, 5, 6, 7))])
    with pytest.raises(ModelError, match="at least one image"):
        preprocess([])
