"""Training cost: BPE at 32k on ~100 MB of text with the hf engine and the sentencepiece engine, side by side.

Claim: wall time and peak memory of `tokensmith.learn.train_files('bpe', ...)` for each engine on the same corpus.
A 'read' baseline streams the corpus through the same reader and training stream without a trainer, to show
what reading costs. Each engine runs in its own subprocess; the parent takes that child's peak RSS from `os.wait4` (ru_maxrss) and its
wall time, and the child reports the training time alone (imports excluded) and bytes per token on a sample.
The corpus is the Wikipedia samples (../shared/data/lm/wikipedia/*.txt, ~20 MB) concatenated and repeated up to
--mb megabytes, written to a temporary directory (never the repository). Engines run one after the other, in the
order given, on an otherwise shared machine: compare them as ratios.

Run: nice -n 10 .venv/bin/python benchmarks/bench_training.py [--mb 100] [--vocab-size 32000] [--sp-threads 1]
Writes benchmarks/results/foundation_training.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "foundation_training.json"
WIKI = Path(os.environ.get("TOKENSMITH_SHARED_DATA", ROOT.parent / "shared" / "data")) / "lm" / "wikipedia"
SAMPLE_LINES = 2000  # lines encoded for bytes/token (taken from the start of each source file)


def build_corpus(directory: Path, *, mb: float) -> tuple[Path, int, int]:
    """Concatenate the Wikipedia samples, repeating them until `mb` MB; return (path, bytes, lines)."""
    sources = sorted(WIKI.glob("*.txt"))
    if not sources:
        sys.exit(f"no Wikipedia samples in {WIKI}: set TOKENSMITH_SHARED_DATA to the shared data folder")
    target, written, lines = int(mb * 1e6), 0, 0
    path = directory / f"wiki-{mb:g}mb.txt"
    with open(path, "wb") as out:
        while written < target:
            for src in sources:
                for line in src.open("rb"):
                    out.write(line)
                    written += len(line)
                    lines += 1
                    if written >= target:
                        return path, written, lines
    return path, written, lines


def sample_text() -> dict[str, list[str]]:
    """A fixed sample for bytes/token, per language: the first lines of every source file (training text)."""
    out: dict[str, list[str]] = {}
    for src in sorted(WIKI.glob("*.txt")):
        with src.open(encoding="utf-8") as fh:
            out[src.stem] = [line.rstrip("\n") for _, line in zip(range(SAMPLE_LINES // 5), fh)]
    return out


def read_only(args: argparse.Namespace) -> None:
    """Child process for the 'read' baseline: stream the corpus exactly as training does, without a trainer."""
    from tokensmith.corpora.readers import iter_lines
    from tokensmith.learn import TrainConfig
    from tokensmith.learn.stream import TrainingStream

    start = time.perf_counter()
    stream = TrainingStream(iter_lines([args.corpus]), TrainConfig(vocab_size=args.vocab_size, progress=False))
    for _ in stream:
        pass
    seconds = time.perf_counter() - start
    print(json.dumps({"train_s": seconds, "vocab_size": None, "bytes_per_token": None, "bytes_per_token_by_lang": {}}))


def worker(args: argparse.Namespace) -> None:
    """Child process: train one engine, report training seconds and bytes/token as JSON on stdout."""
    from tokensmith.learn import TrainConfig, train_files

    if args.engine == "read":
        read_only(args)
        return
    extra = {"num_threads": args.sp_threads} if args.engine == "sentencepiece" else {}
    config = TrainConfig(vocab_size=args.vocab_size, engine=args.engine, progress=False, extra=extra)
    start = time.perf_counter()
    tok = train_files("bpe", [args.corpus], config)
    seconds = time.perf_counter() - start
    per_lang, total_bytes, total_tokens = {}, 0, 0
    for lang, sample in sample_text().items():
        n_bytes = sum(len(t.encode()) for t in sample)
        n_tokens = sum(len(ids) for ids in tok.encode_batch(sample))
        per_lang[lang] = round(n_bytes / n_tokens, 3)
        total_bytes, total_tokens = total_bytes + n_bytes, total_tokens + n_tokens
    result = {"train_s": seconds, "vocab_size": tok.vocab_size, "bytes_per_token": total_bytes / total_tokens}
    print(json.dumps({**result, "bytes_per_token_by_lang": per_lang}))


def run_engine(engine: str, corpus: Path, args: argparse.Namespace) -> dict[str, object]:
    """Run the worker for one engine; measure its wall time and peak RSS (this child only, via wait4)."""
    cmd = [sys.executable, __file__, "--worker", "--engine", engine, "--corpus", str(corpus),
           "--vocab-size", str(args.vocab_size), "--sp-threads", str(args.sp_threads)]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    stdout = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.exit(f"{engine} worker failed with exit code {proc.returncode}")
    result = json.loads(stdout.strip().splitlines()[-1])
    # ru_maxrss is in KiB on Linux
    return {"engine": engine, "wall_s": round(wall, 2), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
            "train_s": round(result["train_s"], 2), "vocab_size": result["vocab_size"],
            "bytes_per_token": result["bytes_per_token"] and round(result["bytes_per_token"], 3),
            "bytes_per_token_by_lang": result["bytes_per_token_by_lang"]}  # fmt: skip


def markdown(report: dict[str, object]) -> str:
    rows = report["runs"]  # type: ignore[index]
    keys = ("engine", "wall_s", "train_s", "peak_rss_mib", "vocab_size", "bytes_per_token")
    lines = ["| engine | wall (s) | training (s) | peak RSS (MiB) | vocab | bytes/token (sample) |", "|---" * 6 + "|"]
    for r in rows:  # type: ignore[union-attr]
        lines.append("| " + " | ".join(str(r[k]) for k in keys) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=100.0, help="corpus size in MB (1e6 bytes)")
    parser.add_argument("--vocab-size", type=int, default=32000)
    parser.add_argument("--engines", default="read,hf,sentencepiece", help="'read' = stream the corpus, no training")
    parser.add_argument("--sp-threads", type=int, default=1, help="sentencepiece num_threads (tokensmith default: 1)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    from tokensmith import atomic

    with tempfile.TemporaryDirectory(prefix="bench-training-") as tmp:
        corpus, n_bytes, n_lines = build_corpus(Path(tmp), mb=args.mb)
        runs = [run_engine(engine, corpus, args) for engine in args.engines.split(",")]
    by = {r["engine"]: r for r in runs}
    ratios = {}
    if {"hf", "sentencepiece"} <= set(by):
        sp, hf = by["sentencepiece"], by["hf"]
        keys = ("wall_s", "train_s", "peak_rss_mib")
        ratios = {key: round(sp[key] / hf[key], 2) for key in keys}  # type: ignore[operator]
    report = {
        "claim": "BPE training cost per engine (wall time, peak RSS) on the same corpus",
        "command": " ".join(["nice -n 10 .venv/bin/python benchmarks/bench_training.py", *sys.argv[1:]]),
        "corpus": {"mb": args.mb, "bytes": n_bytes, "lines": n_lines, "source": "lm/wikipedia/*.txt, repeated"},
        "vocab_size": args.vocab_size, "sp_threads": args.sp_threads,
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "runs": runs, "ratios_sentencepiece_over_hf": ratios,
    }  # fmt: skip
    atomic.write_text(args.out, json.dumps(report, indent=2) + "\n")
    print(markdown(report))
    print(f"ratios sentencepiece/hf: {ratios}\nwrote {args.out}")


if __name__ == "__main__":
    main()
