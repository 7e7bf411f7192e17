"""LM lab: subword (two BPE sizes), byte and hierarchical models trained at equal FLOPs, scored in bits per byte.

What runs (`nice -n 5 .venv/bin/python benchmarks/bench_lm.py`), one corpus after the other:
- wikitext-2: train on the shared `valid.txt`, score `test.txt`. The shared copy is the *tokenized v1* text
  (spaces around punctuation, `<unk>` for rare words, ` @-@ ` for hyphens), so its bits per byte are not those
  of raw wikitext-2-raw;
- Ukrainian Wikipedia (`wikipedia/uk.txt`, Cyrillic): the first 90% of its lines train, the last 10% score.
Per corpus: BPE tokenizers of `--vocab` sizes trained with `tokensmith.train` on the training text; then every
model x seed trained by `tokensmith.lm.train.train_model` at the same `--budget` (6 x params x tokens, output layer
included) and scored by `tokensmith.lm.bpb` on the first `--test-bytes` of the held-out text (2,048-byte chunks,
bootstrap CIs over them). gzip -9 and xz -9e anchors are computed here on the same bytes and on the whole file.

Optional models (run only when `--only` names them, e.g. `--only mrt5,ftp-1000,blt`; their rows are added to
`--out`): `mrt5` (the MrT5 deletion gate over bytes), `ftp-<v>` (Future Token Prediction, N = 4, over the
first BPE) and `blt` (the patch model with BLT entropy boundaries at `--blt-threshold` bits, from the `byte`
model of the same seed in the work folder: run `byte` first; its training FLOPs are not in blt's budget).

Scale: the default is a toy budget of about a minute per model (2e11 FLOPs, `--preset toy`), with 3 seeds.
`--preset long` doubles width and depth (LONG_SIZES) for the issue's budget of >= 10 minutes of one core per model
(`--out benchmarks/results/lm_long.json`); such a grid is longer than one sitting, so `--resume` trains only the
(corpus, model, seed) that the file lacks, refusing a file of another budget or preset, and `--jobs 2` trains two
models at once (one process and one torch thread each; same seed, same bytes: the rows do not depend on --jobs).
The long grid of the issue's core models, run piece by piece (the longest model first):
  nice -n 5 .venv/bin/python benchmarks/bench_lm.py --preset long --budget 3e13 --resume --jobs 2 \
      --only hierarchical,bpe-1000,bpe-4000,byte,ei16 --work /tmp/tokensmith-bench-lm-long \
      --out benchmarks/results/lm_long.json [--corpora C --seeds S]
Everything the run used is written to `--out` under "settings" and "scale", and each invocation under
"invocations"; the file is rewritten after every model, so a run cut short keeps what it did.
"""

from __future__ import annotations

import argparse
import gzip
import json
import lzma
import platform
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "lm"
OUT = ROOT / "benchmarks" / "results" / "lm.json"
CORPORA = ("wikitext-2", "uk-wiki")

SIZES = {  # the same width and depth everywhere; the context is ~256 bytes for each
    "byte": {"n_layer": 2, "n_head": 2, "n_embd": 64, "block_size": 256},
    "subword": {"n_layer": 2, "n_head": 2, "n_embd": 64, "block_size": 64},
    "lexinvariant": {"n_layer": 2, "n_head": 2, "n_embd": 64, "block_size": 64},
    "patch": {"n_layer": 2, "n_head": 2, "n_embd": 64, "block_size": 48, "enc_embd": 16, "dec_layer": 1,
              "dec_embd": 64, "sub_head": 2},
    "mrt5": {"n_layer": 2, "n_head": 2, "n_embd": 64, "block_size": 256, "gate_layer": 1, "delete_weight": 0.05},
    "ftp": {"n_layer": 2, "n_head": 2, "n_embd": 64, "block_size": 64, "n_future": 4, "dec_layer": 1},
    "hierarchical": {"n_layer": 2, "n_head": 2, "n_embd": 64, "block_size": 48, "enc_layer": 1, "enc_embd": 64,
                     "dec_layer": 1, "dec_embd": 64, "sub_head": 2, "max_word_bytes": 16, "pooling": "first",
                     "splitter": "hat"},
    "compressed": {"n_layer": 2, "n_head": 2, "n_embd": 64, "block_size": 128, "token_bits": 8},
}  # fmt: skip

# The long grid (`--preset long`): the same contexts, twice the width and depth, for budgets of >= 10 minutes of
# one core per model; at the toy sizes such a budget would be 20+ passes over the ~1.2 MB training texts.
_WIDE = {"n_layer": 4, "n_head": 4, "n_embd": 128}
LONG_SIZES = {arch: sizes | _WIDE | {k: 128 for k in ("enc_embd", "dec_embd") if k in sizes}
              for arch, sizes in SIZES.items()}  # fmt: skip
PRESETS = {"toy": SIZES, "long": LONG_SIZES}


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--work", type=Path, default=Path("/tmp/tokensmith-bench-lm"))
    p.add_argument("--budget", type=float, default=2e11, help="training FLOPs per model")
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--vocab", default="1000,4000", help="the two BPE vocabulary sizes")
    p.add_argument("--test-bytes", type=int, default=32768)
    p.add_argument("--train-bytes", type=int, default=1_200_000, help="cap on each training text")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--corpora", default=",".join(CORPORA))
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--only", default="",
                   help="comma-separated model names, trained in this order; their rows are added to --out")
    p.add_argument("--preset", choices=sorted(PRESETS), default="toy", help="model sizes (SIZES or LONG_SIZES)")
    p.add_argument("--resume", action="store_true",
                   help="keep --out's rows and train only the (corpus, model, seed) it lacks; same budget and preset")
    p.add_argument("--jobs", type=int, default=1, help="models trained at once, one process and torch thread each")
    p.add_argument("--blt-threshold", type=float, default=5.0, help="blt: next-byte entropy threshold (bits)")
    p.add_argument("--noise", type=float, default=0.05, help="character-noise rate of the robustness score")
    p.add_argument("--rescore-noise", action="store_true",
                   help="only add noisy-text bits per byte to the rows of --out (checkpoints in --work)")
    return p.parse_args()


def _cut(data: bytes, n: int) -> bytes:
    """The first n bytes, cut back to a character boundary."""
    if n >= len(data):
        return data
    while n > 0 and 0x80 <= data[n] < 0xC0:
        n -= 1
    return data[:n]


def _corpus(name: str, work: Path, args: argparse.Namespace) -> dict[str, Path]:
    """Write train / test / valid files of one corpus into the work folder."""
    d = work / name
    d.mkdir(parents=True, exist_ok=True)
    if name == "wikitext-2":
        train, test = (SHARED / "wikitext-2" / "valid.txt").read_bytes(), (SHARED / "wikitext-2" / "test.txt").read_bytes()
    else:
        lines = (SHARED / "wikipedia" / "uk.txt").read_bytes().split(b"\n")
        k = int(len(lines) * 0.9)
        train, test = b"\n".join(lines[:k]) + b"\n", b"\n".join(lines[k:])
    files = {"train": _cut(train, args.train_bytes), "test_full": test, "test": _cut(test, args.test_bytes),
             "valid": _cut(test, 4096)}  # fmt: skip
    paths = {}
    for key, data in files.items():
        (d / f"{key}.txt").write_bytes(data)
        paths[key] = d / f"{key}.txt"
    return paths


def _anchors(paths: dict[str, Path]) -> dict[str, float]:
    out = {}
    for key in ("test", "test_full"):
        data = paths[key].read_bytes()
        out[f"gzip -9 {key}"] = 8 * len(gzip.compress(data, compresslevel=9, mtime=0)) / len(data)
        out[f"xz -9e {key}"] = 8 * len(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME)) / len(data)
    return out


def _tokenizers(paths: dict[str, Path], vocab: list[int]) -> dict[int, Path]:
    import tokensmith

    lines = paths["train"].read_text(encoding="utf-8").splitlines(keepends=True)
    out = {}
    for v in vocab:
        tok = tokensmith.train("bpe", lines, vocab_size=v)
        out[v] = tok.save(paths["train"].parent / f"bpe-{v}.json")
    return out


PATCHINGS = {"megabyte": {"splitter": "fixed", "max_word_bytes": 8},
             "spacebyte": {"splitter": "space", "max_word_bytes": 16}}  # fmt: skip


# M2 over text compressed by M1 (a byte 3-gram trained on the same training text): plain arithmetic coding and
# Equal-Info Windows of 16 and 32 bits, read as 8-bit tokens (lm/compressed.py says why 8).
COMPRESSIONS = {"ac": {"bits": 0}, "ei16": {"bits": 16}, "ei32": {"bits": 32}}


def _models(toks: dict[int, Path]) -> list[tuple[str, str, str | None]]:
    return [*((f"bpe-{v}", "subword", str(p)) for v, p in toks.items()), ("byte", "byte", None),
            ("hierarchical", "hierarchical", None), ("megabyte", "patch", None), ("spacebyte", "patch", None),
            *((f"lex-{v}", "lexinvariant", str(p)) for v, p in list(toks.items())[:1]),
            *((name, "compressed", None) for name in COMPRESSIONS)]  # fmt: skip


def _m1(paths: dict[str, Path]) -> str:
    """The coding model M1 of the compressed models: a byte 3-gram of the training text (trained once)."""
    from tokensmith.lm.byte_ngram import ByteNgram

    folder = paths["train"].parent / "m1-ngram3"
    if not (folder / "config.json").is_file():
        ByteNgram.train(paths["train"].read_bytes(), order=3).save(folder)
    return str(folder)


def _optional_models(toks: dict[int, Path]) -> list[tuple[str, str, str | None]]:
    """Models that run only when `--only` names them (their rows join an existing results file)."""
    return [("mrt5", "mrt5", None), *((f"ftp-{v}", "ftp", str(p)) for v, p in list(toks.items())[:1]),
            ("blt", "patch", None)]  # fmt: skip


def _run_model(name: str, arch: str, tok: str | None, seed: int, paths: dict[str, Path],
               args: argparse.Namespace) -> dict[str, Any]:  # fmt: skip
    from tokensmith.lm.bpb import evaluate_checkpoints
    from tokensmith.lm.train import TrainSettings, train_model

    out = paths["train"].parent / "runs" / f"{name}-s{seed}"
    settings = TrainSettings(budget=args.budget, seed=seed, batch_size=args.batch_size, lr=args.lr)
    started = time.perf_counter()
    sizes = PRESETS[args.preset][arch] | PATCHINGS.get(name, {})
    if name in COMPRESSIONS:
        sizes = sizes | COMPRESSIONS[name] | {"coding_model": _m1(paths)}
    if name == "blt":
        from tokensmith.lm.blt import entropy_settings

        sizes = sizes | {"max_word_bytes": 8} | entropy_settings(out.parent / f"byte-s{seed}",
                                                                 threshold=args.blt_threshold)  # fmt: skip
    trained = train_model(arch=arch, train_file=paths["train"], valid_file=paths["valid"], out=out, tokenizer=tok,
                          model_settings=sizes, settings=settings, progress=False)  # fmt: skip
    train_s = time.perf_counter() - started
    row = evaluate_checkpoints([str(out)], text=paths["test"].read_text(encoding="utf-8"))[0].as_dict()
    return {**row, "name": name, "seed": seed, "steps": trained.steps, "train_seconds": train_s,
            "training_flops_per_byte": trained.flops / max(1, _trained_bytes(trained, args)),
            "valid_bits_per_byte": trained.valid_bits_per_byte, "settings": sizes, "stats": trained.stats,
            "noisy_bits_per_byte": _noisy_bpb(out, paths, args)}  # fmt: skip


def _noisy_test(paths: dict[str, Path], args: argparse.Namespace) -> str:
    """The scored text with character noise at `--noise` (tokensmith.corpora.noise, seed 0)."""
    import numpy as np

    from tokensmith.corpora.noise import add_noise

    text = paths["test"].read_text(encoding="utf-8")
    return add_noise(text, rate=args.noise, rng=np.random.default_rng(0))


def _noisy_bpb(out: Path, paths: dict[str, Path], args: argparse.Namespace) -> float:
    from tokensmith.lm.bpb import evaluate_checkpoints

    return evaluate_checkpoints([str(out)], text=_noisy_test(paths, args), resamples=10)[0].bits_per_byte


def _rescore(args: argparse.Namespace) -> None:
    """Add noisy-text bits per byte to every row of an earlier run (same work folder, same settings)."""
    doc = json.loads(args.out.read_text())
    doc["settings"]["noise"] = args.noise
    for corpus, entry in doc["corpora"].items():
        paths = {k: args.work / corpus / f"{k}.txt" for k in ("test", "train")}
        for row in entry["rows"]:
            if "noisy_bits_per_byte" not in row:
                row["noisy_bits_per_byte"] = _noisy_bpb(Path(row["model"]), paths, args)
                _write(args.out, doc)
    _write(args.out, doc)


def _trained_bytes(trained: Any, args: argparse.Namespace) -> int:
    """Bytes of training text the run read, from its record (positions x bytes per position are not stored)."""
    record = json.loads((trained.out / "lm.json").read_text())
    return int(record["training"].get("train_bytes_seen", 0))


def _one_thread() -> None:
    import torch

    torch.set_num_threads(1)


def _new_doc(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    if args.preset == "toy":
        scale = (f"toy: {args.budget:.3g} training FLOPs per model (about a minute of one shared CPU core), "
                 f"seeds {args.seeds}; the issue asks for >= 10 minutes per model and 3 seeds")  # fmt: skip
    else:
        scale = (f"long: {args.budget:.3g} training FLOPs per model, LONG_SIZES (each row's train_seconds is its "
                 f"time on one core)")  # fmt: skip
    return {"settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
            "sizes": PRESETS[args.preset], "scale": scale,
            "machine": {"python": platform.python_version(), "torch": torch.__version__, "threads": 1},
            "corpora": {}}  # fmt: skip


def _load_doc(args: argparse.Namespace, only: set[str]) -> dict[str, Any]:
    """The results file to add to (`--only`, `--resume`), or a new one; a resumed run must match its settings."""
    if not ((only or args.resume) and args.out.exists()):
        return _new_doc(args)
    doc = json.loads(args.out.read_text())
    if args.resume:
        had = doc["settings"]
        if had["budget"] != args.budget or had.get("preset", "toy") != args.preset:
            raise SystemExit(f"--resume: {args.out} holds a run at {had['budget']:.3g} FLOPs with preset "
                             f"{had.get('preset', 'toy')}, this one asks {args.budget:.3g} with {args.preset}: pass "
                             f"the same --budget and --preset, or another --out")  # fmt: skip
    return doc


def _plan(doc: dict[str, Any], prepared: dict, seeds: list[int], resume: bool) -> list[tuple]:
    """(seed, corpus, model) still to train: seed 0 of every model first, so a cut run keeps a grid."""
    done = {(c, r["name"], r["seed"]) for c, e in doc["corpora"].items() for r in e["rows"]} if resume else set()
    return [(seed, corpus, m) for seed in seeds for corpus, (_, models) in prepared.items() for m in models
            if (corpus, m[0], seed) not in done]  # fmt: skip


def _train_all(plan: list[tuple], prepared: dict, args: argparse.Namespace, doc: dict[str, Any]) -> None:
    """Train and score every planned model, `--jobs` at a time; the file is rewritten after each one. blt reads
    the byte model of its seed, so it runs after the others."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    def record(corpus: str, row: dict[str, Any]) -> None:
        doc["corpora"][corpus]["rows"].append(row)
        _write(args.out, doc)

    for phase in ([j for j in plan if j[2][0] != "blt"], [j for j in plan if j[2][0] == "blt"]):
        if args.jobs <= 1:
            for seed, corpus, (name, arch, tok) in phase:
                print(f"{corpus} {name} seed {seed} ...", file=sys.stderr, flush=True)
                record(corpus, _run_model(name, arch, tok, seed, prepared[corpus][0], args))
            continue
        with ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_one_thread) as pool:  # fmt: skip
            futures = {pool.submit(_run_model, name, arch, tok, seed, prepared[corpus][0], args): (corpus, name, seed)
                       for seed, corpus, (name, arch, tok) in phase}  # fmt: skip
            for future in as_completed(futures):
                corpus, name, seed = futures[future]
                record(corpus, future.result())
                print(f"{corpus} {name} seed {seed} done", file=sys.stderr, flush=True)


def main() -> None:
    _one_thread()
    args = _args()
    if args.rescore_noise:
        return _rescore(args)
    only = set(filter(None, args.only.split(",")))
    doc = _load_doc(args, only)
    if only and not args.resume:
        doc.setdefault("addenda", []).append({"models": sorted(only), "seeds": args.seeds, "budget": args.budget})
    prepared = {}
    for corpus in args.corpora.split(","):
        paths = _corpus(corpus, args.work, args)
        entry = doc["corpora"].setdefault(corpus, {"rows": []})
        entry.update(anchors=_anchors(paths), bytes={k: p.stat().st_size for k, p in paths.items()})
        if not args.resume:
            entry["rows"] = [r for r in entry["rows"] if r["name"] not in only]
        toks = _tokenizers(paths, [int(v) for v in args.vocab.split(",")])
        models = _models(toks) + [m for m in _optional_models(toks) if m[0] in only]
        # `--only` also sets the order: the longest model first packs `--jobs` best
        named = [n for n in args.only.split(",") if n]
        chosen = sorted((m for m in models if m[0] in only), key=lambda m: named.index(m[0])) if only else models
        prepared[corpus] = paths, chosen
        if any(m[0] in COMPRESSIONS for m in prepared[corpus][1]):
            _m1(paths)  # trained once, before any job reads it
    started = time.perf_counter()
    plan = _plan(doc, prepared, [int(s) for s in args.seeds.split(",")], args.resume)
    _train_all(plan, prepared, args, doc)
    doc.setdefault("invocations", []).append({"argv": sys.argv[1:], "trained": len(plan), "jobs": args.jobs,
                                              "seconds": round(time.perf_counter() - started, 1)})  # fmt: skip
    for corpus, (paths, models) in prepared.items():
        _position_losses(doc["corpora"][corpus], paths)
    _write(args.out, doc)


def _position_losses(entry: dict[str, Any], paths: dict[str, Path]) -> None:
    """Loss (bits) at each window position, seed 0, for the lexinvariant model and the subword model of its
    tokenizer (the lexinvariant paper's figure: the loss falls along the context)."""
    from tokensmith.lm.checkpoint import load_checkpoint
    from tokensmith.lm.lexinvariant import loss_by_position

    rows = {r["name"]: r for r in entry["rows"] if r["seed"] == 0}
    text = paths["test"].read_text(encoding="utf-8")
    for name in [n for n in rows if n.startswith("lex-")]:
        for model_name in (name, "bpe-" + name[4:]):
            # a `--only` run on another machine keeps earlier rows whose checkpoints it does not have
            if model_name in rows and (Path(rows[model_name]["model"]) / "lm.json").is_file():
                model, _ = load_checkpoint(rows[model_name]["model"])
                losses = loss_by_position(model, text, windows=64)
                entry.setdefault("loss_by_position", {})[model_name] = [round(float(x), 4) for x in losses]


def _write(path: Path, doc: dict[str, Any]) -> None:
    from tokensmith import atomic

    atomic.write_text(path, json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
