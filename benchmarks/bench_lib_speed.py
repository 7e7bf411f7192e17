"""LiB learner speed: time against epochs, fast (numba) vs the pure-Python oracle, on BR-text, in the same run.

Claim: the fast learner gives the oracle's lexicon (checked here, rank for rank) and is at least 10x faster.
Both learners run the same epoch plans; the cumulative time is read at each checkpoint epoch. numba's compile (or
cache load) is timed separately on a warm-up corpus and excluded from the fast learner's times.

Run: nice -n 10 .venv/bin/python benchmarks/bench_lib_speed.py [--epochs 2000] [--seed 0]
Writes benchmarks/results/lib_speed.json.

CLI mode (`--cli`): the wall time of `tokensmith train --algo lib --vocab-size 8000 --epochs 2000 --space-mode
remove` on 2,008 news sentences (FLORES-200 eng_Latn + fra_Latn), run as a fresh process after one warm-up run
(numba's on-disk cache filled), beside the learner's own time in this process on the same sentences. Run it
without `nice` and read the load average recorded beside it: the machine is shared.
  .venv/bin/python benchmarks/bench_lib_speed.py --cli
Writes benchmarks/results/lib_cli_startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from tokensmith import atomic
from tokensmith.learn.lib import learn_lexicon
from tokensmith.learn.lib_fast import FastLib
from tokensmith.learn.lib_lexicon import EpochPlan, LibParams, plan_epochs, prepare_sentences
from tokensmith.learn.lib_reference import ReferenceLib

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TOKENSMITH_SHARED_DATA", ROOT.parent / "shared" / "data"))
OUT = Path(__file__).parent / "results" / "lib_speed.json"
CLI_OUT = Path(__file__).parent / "results" / "lib_cli_startup.json"
CLI_LANGS = ("eng_Latn", "fra_Latn")
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


def cli_wall(corpus: Path, out: Path) -> dict[str, float]:
    """One `tokensmith train --algo lib` in a fresh process: wall and CPU seconds, its own train() seconds, the load.

    CPU seconds (user + system) are what the wall time would be on an idle core; the load says how far it was.
    """
    cmd = [sys.executable, "-m", "tokensmith.cli.main", "train", "--algo", "lib", "--vocab-size", "8000",
           "--epochs", "2000", "--space-mode", "remove", "--seed", "0", "--json", "-o", str(out), str(corpus)]  # fmt: skip
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "train_s": json.loads(done.stdout)["seconds"],
            "load_1min": round(load, 2)}  # fmt: skip


def cli_timing(runs: int, out_path: Path) -> None:
    """The CLI's wall time after a warm-up run, beside the learner's own time on the same sentences."""
    lines = [x for lang in CLI_LANGS
             for x in (SHARED / "parallel" / "flores200" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
        warm = cli_wall(corpus, Path(tmp) / "out")
        timed = [cli_wall(corpus, Path(tmp) / "out") for _ in range(runs)]
    sentences = prepare_sentences(lines, space_mode="remove")
    start, cpu = time.perf_counter(), time.process_time()
    learn_lexicon(sentences, params=LibParams(epochs=2000), seed=0, space_mode="remove")
    learner, learner_cpu = time.perf_counter() - start, time.process_time() - cpu
    result = {
        "claim": "tokensmith train --algo lib --epochs 2000 on ~2,000 sentences takes at most 12 s after a first run",
        "corpus": f"FLORES-200 {' + '.join(CLI_LANGS)}, spaces removed", "sentences": len(sentences),
        "chars": sum(map(len, sentences)), "first_run": warm, "runs": timed,
        "learner_s": round(learner, 2), "learner_cpu_s": round(learner_cpu, 2), "cpus": os.cpu_count(),
        "command": ".venv/bin/python benchmarks/bench_lib_speed.py --cli",
    }  # fmt: skip
    atomic.write_text(out_path, json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cli", action="store_true", help="time the CLI instead (see the module docstring)")
    parser.add_argument("--runs", type=int, default=3, help="timed CLI runs after the warm-up (--cli)")
    parser.add_argument("--out", type=Path, default=CLI_OUT, help="results file of the CLI mode")
    args = parser.parse_args()
    if args.cli:
        cli_timing(args.runs, args.out)
        return
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
