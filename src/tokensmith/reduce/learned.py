"""A learned schedule (diffrate, greedy) for an evaluation: search on the search set once, cache it as JSON.

`learned_rates` runs `diffrate.search` or `greedy_rate.greedy` on batches of search inputs (`text_batches` for a
sentence encoder; `image_batches(search_photos())` for DINOv2: photos the evaluation does not use) and caches the per-layer (prune, merge) shares under
`cache_dir("reduce", "schedules")`, keyed by the model's fingerprint, R, the search data's hash, the method and
the search settings (`diffrate.cache_key`); the file is JSON, written atomically, and one that does not parse as a
schedule for this model is searched again. The info dict it returns goes into the evaluation's JSON.
The greedy baseline searches on the first `GREEDY_TEXTS` texts only, on every other share of the grid (0, 0.1, ...,
0.6): it runs 2·L forward passes per step.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from tokensmith.atomic import write_text
from tokensmith.cache import cache_dir
from tokensmith.reduce.blocks import adapter_for
from tokensmith.reduce.diffrate import SearchConfig, cache_key, search
from tokensmith.reduce.greedy_rate import greedy

LEARNED = ("diffrate", "greedy")
GREEDY_TEXTS = 32
SEARCH_TOKENS = 64  # search texts are cut at this many tokens (speed)


def text_batches(tokenizer: Any, texts: Sequence[str], *, batch: int = 16) -> list[dict[str, Any]]:
    """Padded model inputs of the texts, in their order, `batch` per dict (cut at `SEARCH_TOKENS` tokens).

    Args:
        tokenizer: a Hugging Face tokenizer.
        texts: the search texts.
        batch: texts per batch.

    Example:
        >>> from tokensmith.models import load_encoder
        >>> out = text_batches(load_encoder("minilm").tokenizer, ["a b", "c", "d e f"], batch=2)
        >>> [b["input_ids"].shape[0] for b in out], out[0]["attention_mask"].tolist()
        ([2, 1], [[1, 1, 1, 1], [1, 1, 1, 0]])
    """
    out = []
    for begin in range(0, len(texts), batch):
        enc = tokenizer(list(texts[begin : begin + batch]), truncation=True, max_length=SEARCH_TOKENS, padding=True,
                        return_tensors="pt")  # fmt: skip
        out.append({k: enc[k] for k in ("input_ids", "attention_mask", "token_type_ids") if k in enc})
    return out


def image_batches(pixels: Any, *, batch: int = 4) -> list[dict[str, Any]]:
    """Model inputs of images (N, 3, H, W), `batch` per dict.

    Args:
        pixels: preprocessed images.
        batch: images per batch.

    Example:
        >>> import torch
        >>> [b["pixel_values"].shape[0] for b in image_batches(torch.zeros(6, 3, 28, 28))]
        [4, 2]
    """
    return [{"pixel_values": pixels[i : i + batch]} for i in range(0, len(pixels), batch)]


def pixels_digest(pixels: Any) -> str:
    """sha256 of the images' float32 bytes (the cache key's data part for images).

    Args:
        pixels: (N, 3, H, W) tensor.

    Example:
        >>> import torch
        >>> pixels_digest(torch.zeros(1, 3, 2, 2)) == pixels_digest(torch.zeros(1, 3, 2, 2))
        True
    """
    import hashlib

    import torch

    return hashlib.sha256(pixels.detach().to(torch.float32).contiguous().numpy().tobytes()).hexdigest()


def search_photos() -> tuple[Any, str]:
    """DINOv2's search images, none of which the evaluation uses: scikit-learn's two sample photos (china, flower),
    each cut into three squares (left, centre, right) and flipped left-right too (12 images), preprocessed.

    Example:
        >>> import pytest; _ = pytest.importorskip("sklearn")
        >>> pixels, source = search_photos()
        >>> tuple(pixels.shape), source.split(":")[0]
        ((12, 3, 224, 224), "scikit-learn's sample photos china and flower")
    """
    from tokensmith.reduce.images import photos, preprocess

    crops = []
    for name, image in photos(sklearn_samples=True).items():
        if not name.startswith("sklearn_"):
            continue
        side = min(image.shape[:2])
        for left in (0, (image.shape[1] - side) // 2, image.shape[1] - side):
            square = image[:side, left : left + side]
            crops += [square, square[:, ::-1].copy()]
    return preprocess(crops), "scikit-learn's sample photos china and flower: 3 square crops each, and their mirror images"


def learned_rates(model: Any, *, method: str, ratio: float, batches: Sequence[dict[str, Any]], digest: str,
                  source: str, config: SearchConfig = SearchConfig()) -> tuple[list[tuple[float, float]], dict]:  # fmt: skip
    """The searched per-layer (prune, merge) shares for a FLOPs cut, from the cache or a new search, and its info.

    Args:
        model: the encoder.
        method: 'diffrate' or 'greedy'.
        ratio: R (0: no search, no reduction).
        batches: the search inputs (`text_batches`).
        digest: the search data's hash (the cache key's data part).
        source: where the search data came from (recorded).
        config: the DiffRate settings (the greedy search uses only every other share).

    Example:
        >>> import os, tempfile, torch
        >>> from tokensmith.reduce.blocks import toy_adapter
        >>> os.environ["TOKENSMITH_CACHE"] = tempfile.mkdtemp()
        >>> ids = [{"input_ids": torch.ones(2, 12, dtype=torch.long), "attention_mask": torch.ones(2, 12)}]
        >>> model = toy_adapter("bert").model
        >>> first = learned_rates(model, method="diffrate", ratio=0.3, batches=ids, digest="x", source="toy",
        ...                       config=SearchConfig(steps=2))
        >>> again = learned_rates(model, method="diffrate", ratio=0.3, batches=ids, digest="x", source="toy",
        ...                       config=SearchConfig(steps=2))
        >>> first[0] == again[0], first[1]["cached"], again[1]["cached"]
        (True, False, True)
        >>> del os.environ["TOKENSMITH_CACHE"]
    """
    layers = adapter_for(model).dims()["layers"]
    info: dict[str, Any] = {"method": method, "search_data": source, "search_digest": digest[:16]}
    if ratio == 0:
        return [(0.0, 0.0)] * layers, {**info, "cached": False, "note": "ratio 0: no search, nothing removed"}
    path = cache_dir("reduce", "schedules") / cache_key(model, method=method, ratio=ratio, data_digest=digest,
                                                        config=config)  # fmt: skip
    stored = _read(path, layers)
    if stored is not None:
        return [tuple(r) for r in stored["rates"]], {**info, **stored["info"], "cached": True, "cache": str(path)}  # type: ignore[misc]
    tick = time.perf_counter()
    if method == "diffrate":
        result = search(model, batches, ratio=ratio, config=config)
    else:
        result = greedy(model, _first(batches, GREEDY_TEXTS), ratio=ratio, shares=config.shares[::2])
    found = {"search_flops_kept": round(result.flops_kept, 4), "search_seconds": round(time.perf_counter() - tick, 2),
             "learned": [list(r) for r in result.learned], "losses": result.losses,
             "inputs": sum(_size(b) for b in (batches if method == "diffrate" else _first(batches, GREEDY_TEXTS)))}
    if method == "diffrate":
        found["config"] = {"steps": config.steps, "batch": config.batch, "lr": config.lr,
                           "flops_weight": config.flops_weight, "distance": config.distance, "seed": config.seed}  # fmt: skip
    write_text(path, json.dumps({"rates": [list(r) for r in result.rates], "layers": layers, "info": found}))
    return result.rates, {**info, **found, "cached": False, "cache": str(path)}


def _first(batches: Sequence[dict[str, Any]], texts: int) -> list[dict[str, Any]]:
    out, seen = [], 0
    for b in batches:
        if seen >= texts:
            break
        out.append(b)
        seen += _size(b)
    return out


def _size(batch: dict[str, Any]) -> int:
    return len(batch["attention_mask"] if "attention_mask" in batch else batch["pixel_values"])


def _read(path: Any, layers: int) -> dict | None:
    """The cached entry, or None when missing or not a schedule for `layers` layers (then it is searched again)."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        rates = entry["rates"]
        ok = len(rates) == layers and all(len(r) == 2 and all(0.0 <= float(v) <= 1.0 for v in r) for r in rates)
        return entry if ok and isinstance(entry.get("info"), dict) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def image_rates(model: Any, *, method: str, ratio: float, search: tuple[Any, str], seed: int = 0) -> tuple[Any, dict]:
    """`learned_rates` for an image encoder, searched on `search` = (pixels, description) in batches of 4.

    Args:
        model: the image encoder.
        method: 'diffrate' or 'greedy'.
        ratio: R.
        search: search images the evaluation does not use (`search_photos()`) and where they come from.
        seed: the search's seed.

    Example:
        >>> import inspect
        >>> list(inspect.signature(image_rates).parameters)  # used by vision_eval and the DINOv2 benchmark
        ['model', 'method', 'ratio', 'search', 'seed']
    """
    from tokensmith.reduce.diffrate import SearchConfig

    return learned_rates(model, method=method, ratio=ratio, batches=image_batches(search[0]),
                         digest=pixels_digest(search[0]), source=search[1],
                         config=SearchConfig(seed=seed, batch=4))  # fmt: skip
