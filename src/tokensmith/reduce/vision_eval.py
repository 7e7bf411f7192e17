"""Fidelity of a reduced image encoder: its [CLS] and mean-patch features against the unreduced ones, nearest
neighbours across the packaged photos, and a cross-validated linear probe on lfw_subset (face / non-face).

What each figure is:
- `cosine_cls`, `cosine_mean`: per image, the cosine between the reduced and the unreduced feature; we report the
  mean and the 5th percentile over the images. The [CLS] feature is the final-LayerNorm output at [CLS] (the
  `pooler_output` of transformers' `Dinov2Model`); the mean-patch feature is the mean of the patch tokens,
  size-weighted after merging (a merged token counts for every patch it holds; a dropped patch counts for nothing),
  (DINOv2's linear evaluation, Oquab et al. 2024, reads [CLS] concatenated with the average-pooled patches).
- `nn_agreement`: per image, is its nearest other image (cosine, [CLS]) the same one under the reduced and the
  unreduced features? The share of images for which it is: with no labelled photos here, this asks whether the
  retrieval neighbourhood survives the reduction.
- `probe_accuracy`: stratified k-fold accuracy of a logistic regression (scikit-learn, standardised [CLS] ⊕ mean
  features) trained and tested on the same model's features, on lfw_subset's 100 faces and 100 non-faces.

`evaluate_images` is what `tokensmith reduce eval --model dinov2` prints: the unreduced model (transformers' own
forward) and the reduced one side by side on the packaged photos, with analytic FLOPs (`reduce.flops`: `gflops` and
`seconds` are totals over the images at batch 32, `seconds_b1` at batch 1; `flops_kept` is measured from the run's
token record). Not handled here: ImageNet-scale accuracy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tokensmith.errors import ModelError, require
from tokensmith.reduce.dinov2 import check_pixels

if TYPE_CHECKING:
    import numpy as np

# A forward pass: pixels (B, 3, 224, 224) → (hidden (B, T, D) after the final norm, size (B, T), 0 at padding).
Forward = Callable[[Any], tuple[Any, Any]]


@dataclass(frozen=True)
class Features:
    """Per-image features: `cls` and `mean` are float64 arrays (N, D)."""

    cls: np.ndarray
    mean: np.ndarray

    def joined(self) -> np.ndarray:
        """[CLS] ⊕ mean-patch, (N, 2·D): what the linear probe reads.

        Example:
            >>> import numpy as np
            >>> Features(cls=np.ones((2, 3)), mean=np.zeros((2, 3))).joined().shape
            (2, 6)
        """
        import numpy as np

        return np.concatenate([self.cls, self.mean], axis=1)


def unreduced_forward(model: Any) -> Forward:
    """The forward pass of an unreduced `Dinov2Model`: its last hidden state, every token of size 1.

    Args:
        model: a `transformers.Dinov2Model` (e.g. `tokensmith.reduce.dinov2.load_dinov2()`).

    Example:
        >>> import torch
        >>> from transformers import Dinov2Config, Dinov2Model
        >>> tiny = Dinov2Model(Dinov2Config(hidden_size=8, num_hidden_layers=1, num_attention_heads=2, image_size=28))
        >>> hidden, size = unreduced_forward(tiny)(torch.zeros(2, 3, 28, 28))
        >>> tuple(hidden.shape), size.sum().item()
        ((2, 5, 8), 10.0)
    """

    def forward(pixels: Any) -> tuple[Any, Any]:
        hidden = model(pixel_values=pixels).last_hidden_state  # (B, 1 + P, D)
        return hidden, hidden.new_ones(hidden.shape[:2])

    return forward


def reduced_forward(encoder: Any) -> Forward:
    """The forward pass of a reduced encoder (`tokensmith.reduce.apply(model, method, ratio=R)[0]`).

    Args:
        encoder: a `ReducedEncoder` over a `Dinov2Model`; its `run(pixel_values=...)` gives the final token state.

    Example:
        >>> import torch
        >>> from types import SimpleNamespace as NS
        >>> fake = NS(run=lambda pixel_values: NS(hidden=torch.ones(1, 3, 2), size=torch.tensor([[1.0, 2.0, 0.0]]),
        ...                                       mask=torch.tensor([[True, True, False]])))
        >>> reduced_forward(fake)(None)[1].tolist()
        [[1.0, 2.0, 0.0]]
    """

    def forward(pixels: Any) -> tuple[Any, Any]:
        state = encoder.run(pixel_values=pixels)
        return state.hidden, state.size * state.mask  # (B, T, D), (B, T): padding weighs 0

    return forward


def pooled(hidden: Any, size: Any, *, prefix: int = 1) -> tuple[Any, Any]:
    """([CLS] (B, D), size-weighted mean of the tokens after the first `prefix` ones (B, D)).

    Args:
        hidden: (B, T, D) after the final norm; token 0 is [CLS].
        size: (B, T) originals held by each token, 0 at padding.
        prefix: leading tokens that are not patches ([CLS], registers).

    Example:
        >>> import torch
        >>> h = torch.tensor([[[9.0], [1.0], [4.0], [0.0]]])  # [CLS], a patch, a merged pair, padding
        >>> cls, mean = pooled(h, torch.tensor([[1.0, 1.0, 2.0, 0.0]]))
        >>> cls.tolist(), mean.tolist()  # (1·1 + 2·4) / 3
        ([[9.0]], [[3.0]])
    """
    weight = size[:, prefix:].unsqueeze(-1)  # (B, T - prefix, 1)
    mean = (hidden[:, prefix:] * weight).sum(dim=1) / weight.sum(dim=1).clamp(min=1e-12)
    return hidden[:, 0], mean


def features(forward: Forward, pixels: Any, *, batch_size: int = 32) -> Features:
    """[CLS] and mean-patch features of every image, computed in batches without gradients.

    Args:
        forward: a forward pass (`unreduced_forward(model)`, or a reduced model's).
        pixels: (N, 3, 224, 224) from `tokensmith.reduce.images.preprocess`.
        batch_size: images per forward pass.

    Example:
        >>> import torch
        >>> from transformers import Dinov2Config, Dinov2Model
        >>> tiny = Dinov2Model(Dinov2Config(hidden_size=8, num_hidden_layers=1, num_attention_heads=2, image_size=28))
        >>> features(unreduced_forward(tiny), torch.zeros(3, 3, 28, 28), batch_size=2).cls.shape
        (3, 8)
    """
    import numpy as np
    import torch

    cls_rows, mean_rows = [], []
    with torch.no_grad():
        for begin in range(0, len(pixels), batch_size):
            hidden, size = forward(pixels[begin : begin + batch_size])
            cls, mean = pooled(hidden, size)
            cls_rows.append(cls.double().cpu().numpy())
            mean_rows.append(mean.double().cpu().numpy())
    return Features(cls=np.concatenate(cls_rows), mean=np.concatenate(mean_rows))


def row_cosines(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine of each row of `a` with the same row of `b`, (N,).

    Args:
        a: (N, D).
        b: (N, D).

    Example:
        >>> import numpy as np
        >>> row_cosines(np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([[2.0, 0.0], [-1.0, -1.0]])).round(6).tolist()
        [1.0, -1.0]
    """
    import numpy as np

    num = (a * b).sum(axis=1)
    return num / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-30)


def cosine_summary(reduced: Features, unreduced: Features) -> dict[str, float]:
    """Mean and 5th percentile of the per-image cosines, [CLS] and mean-patch.

    Args:
        reduced: the reduced model's features.
        unreduced: the unreduced model's features on the same images.

    Example:
        >>> import numpy as np
        >>> f = Features(cls=np.eye(3), mean=np.ones((3, 3)))
        >>> cosine_summary(f, f)
        {'cosine_cls': 1.0, 'cosine_cls_p5': 1.0, 'cosine_mean': 1.0, 'cosine_mean_p5': 1.0}
    """
    import numpy as np

    out = {}
    for name in ("cls", "mean"):
        cos = row_cosines(getattr(reduced, name), getattr(unreduced, name))
        out[f"cosine_{name}"] = round(float(cos.mean()), 6)
        out[f"cosine_{name}_p5"] = round(float(np.percentile(cos, 5)), 6)
    return out


def nearest_neighbours(x: np.ndarray) -> np.ndarray:
    """For each row, the index of its most cosine-similar other row, (N,).

    Args:
        x: (N, D) features, N ≥ 2.

    Example:
        >>> import numpy as np
        >>> nearest_neighbours(np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]])).tolist()
        [1, 0, 1]
    """
    import numpy as np

    unit = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-30)
    sim = unit @ unit.T  # (N, N)
    np.fill_diagonal(sim, -np.inf)
    return sim.argmax(axis=1)


def nn_agreement(reduced: np.ndarray, unreduced: np.ndarray) -> float:
    """Share of images whose nearest other image is the same under both feature sets.

    Args:
        reduced: (N, D) reduced features.
        unreduced: (N, D) unreduced features of the same images.

    Example:
        >>> import numpy as np
        >>> x = np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
        >>> swapped = np.array([[1.0, 0.0], [0.0, 1.0], [0.9, 0.1], [0.1, 0.9]])  # 0 and 2 now pair, 1 and 3
        >>> nn_agreement(x, x), nn_agreement(swapped, x)
        (1.0, 0.0)
    """
    return float((nearest_neighbours(reduced) == nearest_neighbours(unreduced)).mean())


def linear_probe(x: np.ndarray, labels: Sequence[int] | np.ndarray, *, folds: int = 5, seed: int = 0) -> dict[str, float]:
    """Stratified k-fold accuracy of a standardised logistic regression: mean and standard deviation over folds.

    Args:
        x: (N, D) features.
        labels: (N,) class labels.
        folds: number of folds.
        seed: seed of the fold shuffle.

    Example:
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> y = np.r_[np.zeros(20), np.ones(20)]
        >>> linear_probe(rng.normal(size=(40, 3)) + 3 * y[:, None], y)["probe_accuracy"]
        1.0
    """
    require("sklearn", extra="reduce")
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000, C=1.0))
    split = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    scores = cross_val_score(probe, x, np.asarray(labels), cv=split)
    return {"probe_accuracy": round(float(scores.mean()), 6), "probe_accuracy_std": round(float(scores.std()), 6)}


def _timed_features(forward: Forward, pixels: Any, batch_size: int) -> tuple[Features, float]:
    import time

    begin = time.perf_counter()
    out = features(forward, pixels, batch_size=batch_size)
    return out, time.perf_counter() - begin


def evaluate_images(model: Any, pixels: Any, *, method: str, ratio: float, batch_size: int = 32,
                    batch_one: bool = True, seed: int = 0, fuse: bool = False, by: str = "cls",
                    search: tuple[Any, str] | None = None) -> dict[str, Any]:  # fmt: skip
    """`{"unreduced": {...}, "reduced": {...}}` on images: cosines, nearest-neighbour agreement, FLOPs, seconds.

    Args:
        model: an unreduced `Dinov2Model` (`tokensmith.reduce.dinov2.load_dinov2()`).
        pixels: (N, 3, 224, 224) from `tokensmith.reduce.images.preprocess`, N ≥ 2.
        method: the reduction method (`tokensmith.reduce.METHODS`).
        ratio: R, the share of the unreduced FLOPs to remove, in [0, 1).
        batch_size: images per batch for `seconds`.
        batch_one: also time batch 1 (`seconds_b1`).
        seed: seed of 'random'.
        fuse: 'prune' fuses the pruned tokens (EViT).
        by: 'prune'/'fopru' rank by 'cls' or 'received' attention.
        search: 'diffrate': (search images (M, 3, 224, 224), their description); images `pixels` does not hold
            (`learned.search_photos`).

    Example:
        >>> import torch
        >>> from transformers import Dinov2Config, Dinov2Model
        >>> torch.manual_seed(0) and None
        >>> tiny = Dinov2Model(Dinov2Config(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, image_size=224))
        >>> out = evaluate_images(tiny.eval(), torch.randn(3, 3, 224, 224), method="tome", ratio=0.4, batch_one=False)
        >>> out["reduced"]["cosine_cls"] > 0.5, abs(out["reduced"]["flops_kept"] - 0.6) <= 0.05
        (True, True)
    """
    from tokensmith.reduce.flops import unreduced_flops
    from tokensmith.reduce.learned import LEARNED, image_rates
    from tokensmith.reduce.patch import apply

    check_pixels(pixels)
    rates, info = None, None
    if method in LEARNED:  # searched on other images, then refitted to these
        if search is None:
            raise ModelError(f"method '{method}' searches its schedule on images the evaluation does not use: pass "
                             "search=(pixels, description), e.g. tokensmith.reduce.learned.search_photos().")  # fmt: skip
        rates, info = image_rates(model, method=method, ratio=ratio, search=search, seed=seed)
    encoder, record = apply(model, method, ratio=ratio, seed=seed, fuse=fuse, by=by, rates=rates)
    dims = {"hidden": encoder.dims["hidden"], "intermediate": encoder.dims["intermediate"]}
    forwards = {"unreduced": unreduced_forward(model), "reduced": reduced_forward(encoder)}
    feats, rows = {}, {}
    for name, forward in forwards.items():
        feats[name], seconds = _timed_features(forward, pixels, batch_size)
        rows[name] = {"seconds": round(seconds, 4)}
    tokens = int(model.embeddings.position_embeddings.shape[1])  # [CLS] + patches
    total = unreduced_flops([tokens] * len(pixels), layers=encoder.dims["layers"], **dims)
    reduced_flops = record.flops(**dims)  # read now: the record grows with every further pass
    rows["unreduced"].update(cosine_cls=1.0, cosine_mean=1.0, gflops=round(total / 1e9, 4), flops_kept=1.0)
    rows["reduced"].update(cosine_summary(feats["reduced"], feats["unreduced"]), gflops=round(reduced_flops / 1e9, 4),
                           flops_kept=round(reduced_flops / total, 4), method=method, ratio=ratio,
                           nn_agreement=nn_agreement(feats["reduced"].cls, feats["unreduced"].cls),
                           mean_tokens_per_layer=[round(t, 1) for t in record.mean_tokens()])  # fmt: skip
    if info is not None:
        rows["reduced"]["search"] = info
    if batch_one:
        for name, forward in forwards.items():
            rows[name]["seconds_b1"] = round(_timed_features(forward, pixels, 1)[1], 4)
    return {"images": len(pixels), **rows}
