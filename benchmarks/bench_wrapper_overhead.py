"""Claim: tokensmith's `Tokenizer.encode_batch` costs at most 5% more than calling the backend library directly.

Encodes every FLORES-200 language (205 files × 1004 lines, ~40 MB) with gpt2 (tiktoken), llama2 (HF tokenizers,
tokenizer.json) and mistral-v1 (sentencepiece), one `encode_batch` call per language, through tokensmith and through
the library's own batch call. Both paths return ids as Python lists of ints (what a caller needs). The two paths
alternate language by language inside each repeat (and which goes first alternates too), so machine noise hits both
alike; we report the median of the paired per-repeat ratios and the ratio of medians.

Run (full size, ~6 min on 2 busy cores):
    .venv/bin/python benchmarks/bench_wrapper_overhead.py
Smaller:
    .venv/bin/python benchmarks/bench_wrapper_overhead.py --lines 200 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import tokensmith
from tokensmith import atomic

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TOKENSMITH_SHARED_DATA", ROOT.parent / "shared" / "data"))
RESULT = ROOT / "benchmarks" / "results" / "wrapper_overhead.json"
TOKENIZERS = ("gpt2", "llama2", "mistral-v1")


def load_flores(lines: int) -> dict[str, list[str]]:
    """{lang: first `lines` sentences} for every <lang_Script>.txt in the FLORES-200 folder."""
    folder = SHARED / "parallel" / "flores200"
    files = sorted(p for p in folder.glob("*_*.txt") if p.name != "index_ids.txt")
    if not files:
        raise SystemExit(f"no FLORES-200 files under {folder}; set TOKENSMITH_SHARED_DATA")
    return {p.stem: p.read_text(encoding="utf-8").split("\n")[:lines] for p in files}


def direct_encoder(tok: tokensmith.Tokenizer) -> Callable[[list[str]], list[list[int]]]:
    """The backend library's own batch call, returning ids as lists (no tokensmith code on the path)."""
    backend = tok.backend
    if backend.kind == "tiktoken":
        return backend.enc.encode_ordinary_batch  # type: ignore[attr-defined]
    if backend.kind == "hf":
        hf = backend.tok  # type: ignore[attr-defined]
        hf.encode_special_tokens = True  # same setting the wrapper uses for parse_special=False
        return lambda batch: [e.ids for e in hf.encode_batch_fast(batch, add_special_tokens=False)]
    sp = backend.sp  # type: ignore[attr-defined]
    return lambda batch: sp.encode(batch, out_type=int, num_threads=-1, add_bos=False, add_eos=False)


def interleaved_pass(
    first: Callable[[list[str]], list[list[int]]], second: Callable[[list[str]], list[list[int]]],
    corpus: dict[str, list[str]], *, flip: bool,
) -> tuple[float, float]:
    """Seconds each path takes to encode every language once, alternating the two paths language by language
    (and which goes first), so that a burst of load from other processes hits both paths alike."""
    totals = [0.0, 0.0]
    for k, lines in enumerate(corpus.values()):
        order = (0, 1) if (k + flip) % 2 == 0 else (1, 0)
        for which in order:
            fn = first if which == 0 else second
            start = time.perf_counter()
            fn(lines)
            totals[which] += time.perf_counter() - start
    return totals[0], totals[1]


def bench_one(name: str, corpus: dict[str, list[str]], repeats: int) -> dict[str, object]:
    tok = tokensmith.load(name)
    wrapped, direct = tok.encode_batch, direct_encoder(tok)
    sample = next(iter(corpus.values()))
    assert wrapped(sample) == [list(x) for x in direct(sample)], f"{name}: the two paths disagree on ids"
    interleaved_pass(wrapped, direct, corpus, flip=False)  # warm-up: caches, thread pools
    w_times, d_times = [], []
    for r in range(repeats):
        w, d = interleaved_pass(wrapped, direct, corpus, flip=bool(r % 2))
        w_times.append(w)
        d_times.append(d)
    ratios = [w / d for w, d in zip(w_times, d_times, strict=True)]
    return {
        "tokenizer": name,
        "backend": tok.backend.kind,
        "wrapper_s": w_times,
        "direct_s": d_times,
        "ratio_median_paired": statistics.median(ratios),
        "ratio_of_medians": statistics.median(w_times) / statistics.median(d_times),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=1004, help="sentences per language (1004 = all)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--tokenizers", nargs="+", default=list(TOKENIZERS))
    args = parser.parse_args()
    os.environ.setdefault("TOKENSMITH_ZOO_DIR", str(SHARED / "tokenizers"))
    corpus = load_flores(args.lines)
    n_bytes = sum(len("\n".join(v).encode("utf-8")) for v in corpus.values())
    rows = []
    for name in args.tokenizers:
        row = bench_one(name, corpus, args.repeats)
        rows.append(row)
        print(f"{name:12s} {row['backend']:14s} wrapper/direct = {row['ratio_median_paired']:.3f} (paired median), "
              f"{row['ratio_of_medians']:.3f} (ratio of medians)")  # fmt: skip
    result = {
        "benchmark": "wrapper_overhead",
        "claim": "tokensmith encode_batch / backend batch call <= 1.05",
        "command": "benchmarks/bench_wrapper_overhead.py " + f"--lines {args.lines} --repeats {args.repeats}",
        "languages": len(corpus), "lines_per_language": args.lines, "bytes": n_bytes, "repeats": args.repeats,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "rows": rows,
    }  # fmt: skip
    atomic.write_text(RESULT, json.dumps(result, indent=2) + "\n")
    print(f"wrote {RESULT}")


if __name__ == "__main__":
    main()
