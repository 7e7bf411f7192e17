"""The DINOv2 branch of `tokensmith reduce eval` (`--model dinov2`): the packaged photos, no `--data`.

Examples:
    tokensmith reduce eval --model dinov2 --method tome --ratio 0.4
    tokensmith reduce eval --model dinov2 --method fopru --ratio 0.25 --json

A helper of `cli/reduce.py`, not a command group of its own: it loads the model and the images, calls
`tokensmith.reduce.vision_eval.evaluate_images` and prints the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tokensmith.cli.output import console
from tokensmith.errors import ModelError
from tokensmith.reduce.dinov2 import GRID as _SIDE

GRID = (_SIDE, _SIDE)  # DINOv2-S at 224 px: 16×16 patches of 14 px
ATTENTION = ("sdpa", "eager")  # what the reduce runner reproduces


def eval_images(*, method: str, ratio: float, data: Path | None, attn: str, batch_one: bool, seed: int, fuse: bool,
                by: str) -> dict[str, Any]:  # fmt: skip
    """`{"unreduced": {...}, "reduced": {...}}` of DINOv2-S on the 25 packaged photos (the `--json` shape).

    Args:
        method: `--method`.
        ratio: `--ratio`, the share of FLOPs to remove.
        data: `--data`; must be None (DINOv2 reads the packaged images).
        attn: `--attn-implementation` ('sdpa' or 'eager').
        batch_one: also time batch 1 (`seconds_b1`).
        seed: seed of 'random'.
        fuse: 'prune' fuses the pruned tokens.
        by: 'prune'/'fopru' rank by 'cls' or 'received' attention.

    Raises:
        ModelError: `--data` was given, or the model cannot load (the message says how to install it).

    Example:
        >>> eval_images(method="tome", ratio=0.4, data=Path("pairs.csv"), attn="sdpa", batch_one=False, seed=0,
        ...             fuse=False, by="cls")
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: --model dinov2 reads the images that ship with scikit-image, not --data (pairs.csv): drop --data (it is for minilm and smollm2).
    """
    if attn not in ATTENTION:
        raise ModelError(f"--attn-implementation {attn!r} is not one the runner reproduces; use one of: "
                         f"{', '.join(ATTENTION)}.")  # fmt: skip
    if data is not None:
        raise ModelError(f"--model dinov2 reads the images that ship with scikit-image, not --data ({data}): drop "
                         "--data (it is for minilm and smollm2).")  # fmt: skip
    from tokensmith.reduce.dinov2 import load_dinov2
    from tokensmith.reduce.images import photos, preprocess
    from tokensmith.reduce.vision_eval import evaluate_images

    model = load_dinov2(attn_implementation=attn)
    pixels = preprocess(list(photos().values()))  # (25, 3, 224, 224)
    search = None
    if method == "diffrate":  # searched on scikit-learn's two photos (cropped, mirrored): not the evaluated ones
        from tokensmith.reduce.learned import search_photos

        search = search_photos()
    result = evaluate_images(model, pixels, method=method, ratio=ratio, batch_one=batch_one, seed=seed, fuse=fuse,
                             by=by, search=search)  # fmt: skip
    return {"model": "dinov2", "data": "scikit-image's packaged photos", **result}


def print_images(result: dict[str, Any]) -> None:
    """The human form of `eval_images`'s result: the two models side by side.

    Args:
        result: what `eval_images` returned.

    Example:
        >>> row = {"cosine_cls": 1.0, "cosine_mean": 1.0, "gflops": 100.0, "flops_kept": 1.0, "seconds": 2.0}
        >>> reduced = {**row, "cosine_cls": 0.98, "flops_kept": 0.6, "gflops": 60.0, "seconds": 1.5, "method": "tome",
        ...            "ratio": 0.4, "nn_agreement": 0.9, "cosine_cls_p5": 0.9, "cosine_mean_p5": 0.9}
        >>> print_images({"images": 25, "data": "photos", "unreduced": row, "reduced": reduced})
        dinov2 on photos (25 images), tome at a 40% FLOPs cut:
                      cos CLS  cos mean    gflops    kept   seconds    s (b1)
          unreduced    1.0000    1.0000    100.00   1.000      2.00         -
          reduced      0.9800    1.0000     60.00   0.600      1.50         -
          5th percentile cosine: CLS 0.9000, mean 0.9000; nearest-neighbour agreement 0.90
    """
    u, r = result["unreduced"], result["reduced"]
    console.print(f"dinov2 on {result['data']} ({result['images']} images), {r['method']} at a {r['ratio']:.0%} "
                  "FLOPs cut:", highlight=False)  # fmt: skip
    console.print(f"  {'':<10}{'cos CLS':>10}{'cos mean':>10}{'gflops':>10}{'kept':>8}{'seconds':>10}{'s (b1)':>10}",
                  highlight=False)  # fmt: skip
    for name, row in (("unreduced", u), ("reduced", r)):
        b1 = f"{row['seconds_b1']:>10.2f}" if "seconds_b1" in row else f"{'-':>10}"
        console.print(f"  {name:<10}{row['cosine_cls']:>10.4f}{row['cosine_mean']:>10.4f}{row['gflops']:>10.2f}"
                      f"{row['flops_kept']:>8.3f}{row['seconds']:>10.2f}{b1}", highlight=False)  # fmt: skip
    console.print(f"  5th percentile cosine: CLS {r['cosine_cls_p5']:.4f}, mean {r['cosine_mean_p5']:.4f}; "
                  f"nearest-neighbour agreement {r['nn_agreement']:.2f}", highlight=False)  # fmt: skip
