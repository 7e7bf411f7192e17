"""LiB learner speed: time against epochs, fast (numba) vs the pure-Python oracle, on BR-text, in the same run.

Claim: the fast learner gives the oracle's lexicon (checked here, rank for rank) and is at least 10x faster.
Both learners run the same epoch plans; the cumulative time is read at each checkpoint epoch. numba's compile (or
cache load) is timed separately on a warm-up corpus and excluded from the fast learner's times.

Run: nice -n 10 .venv/bin/python benchmarks/bench_lib_speed.py [--epochs 2000] [--seed 0]
Writes benchmarks/results/lib_speed.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from tokensmith import atomic
from tokensmith.learn.lib_fast import FastLib
from tokensmith.learn.lib_lexicon import EpochPlan, LibParams, plan_epochs, prepare_sentences
from tokensmith.learn.lib_reference import ReferenceLib

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TOKENSMITH_SHARED_DATA", ROOT.parent / "shared" / "data"))
OUT = Path(__file__).parent / "results" / "lib_speed.json"
CHECKPOINTS = (100, 250, 500, 1000, 2000, 4000)


def load_brtext() -> list[str]:
    """BR-text as the LiB notebook reads it: distinct lines (first occurrence order), spaces removed."""
    lines = (SHARED / "lib" / "br-text.txt").read_text(encoding="utf-8").splitlines()
    return prepare_sentences(list(dict.fromkeys(lines)), space_mode="remove")


def timed(plans: Iterable[EpochPlan], marks: dict[int, float], checkpoints: set[int]) -> Iterator[EpochPlan]:
    """Pass plans through, noting the elapsed seconds when each checkpoint epoch has been consumed."""
    start = time.perf_counter()
    for n, plan in enumerate(plans):
        if n in checkpoints:
            marks[n] = time.perf_counter() - start
        yield plan


def run(learner: FastLib | ReferenceLib, sentences: list[str], params: LibParams, seed: int) -> tuple[list[str], dict]:
    marks: dict[int, float] = {}
    checkpoints = {c for c in CHECKPOINTS if c < params.epochs}
    start = time.perf_counter()
    ranked = learner.train(sentences, timed(plan_epochs([len(s) for s in sentences], params, seed=seed), marks, checkpoints))
    marks[params.epochs] = time.perf_counter() - start
    return ranked, marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sentences = load_brtext()
    params = LibParams(epochs=args.epochs)

    start = time.perf_counter()
    FastLib(LibParams(epochs=2, batch_size=4)).train(["abab", "abba"], plan_epochs([4, 4], LibParams(epochs=2), seed=0))
    warmup = time.perf_counter() - start

    fast, fast_marks = run(FastLib(params), sentences, params, args.seed)
    slow, slow_marks = run(ReferenceLib(params), sentences, params, args.seed)
    rows = [
        {"epochs": e, "fast_s": round(fast_marks[e], 3), "reference_s": round(slow_marks[e], 3),
         "speedup": round(slow_marks[e] / fast_marks[e], 1)}
        for e in sorted(fast_marks)
    ]  # fmt: skip
    result = {
        "claim": "fast LiB learner == oracle, and >= 10x faster on BR-text",
        "corpus": "BR-text, distinct lines, spaces removed", "sentences": len(sentences), "seed": args.seed,
        "params": params.__dict__, "identical_lexicon": fast == slow, "lexicon_size": len(fast),
        "numba_warmup_s": round(warmup, 3), "rows": rows,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "command": "nice -n 10 .venv/bin/python benchmarks/bench_lib_speed.py " + f"--epochs {args.epochs} --seed {args.seed}",
    }  # fmt: skip
    atomic.write_text(OUT, json.dumps(result, indent=2) + "\n")
    print(json.dumps(rows, indent=1), "identical:", fast == slow)


if __name__ == "__main__":
    main()
