"""Evaluate FLORES-200 with 10 tokenizers (9 reference + 1 BPE trained here); share of time in encoding vs metrics.

Claim: `evaluate` spends most of its time in the backends' raw batch encoding; the metric code (spans, fertility,
bootstrap CIs, Rényi/utilization kernels, parity) takes ≤ 30% of the total, and the whole run takes ≤ 60 s wall.
Metrics: every metric except morphology, compounds and noise. The phases come from evaluate's own timers:
'encode' (backend batch calls), 'convert' (id lists → numpy), 'index' (per-corpus text index, once), 'metrics'.
numba kernels are compiled on a tiny input before timing (a one-off cost, reported separately).

Run: nice -n 10 .venv/bin/python benchmarks/bench_eval_flores.py [--langs 205] [--limit 1004] [--resamples 1000]
Writes benchmarks/results/measure_eval_flores.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokensmith.corpora.parallel import ParallelCorpus
    from tokensmith.measure.encoded import Timer
    from tokensmith.measure.results import Results

OUT = Path(__file__).parent / "results" / "measure_eval_flores.json"
SHARED = Path(os.environ.get("TOKENSMITH_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
ZOO = ["tiktoken/gpt2.tiktoken", "tiktoken/cl100k_base.tiktoken", "tiktoken/o200k_base.tiktoken",
       "tiktoken/llama3.tiktoken", "hf/smollm2/tokenizer.json", "hf/llama2/tokenizer.json",
       "hf/bert-base-uncased/tokenizer.json", "sentencepiece/mistral-v1.model", "sentencepiece/mistral-v3.model"]  # fmt: skip


def train_bpe(texts: dict[str, list[str]], *, lines: int, vocab_size: int):  # -> tokensmith.Tokenizer
    """A byte-level BPE trained with `tokenizers` on the first `lines` lines of every language."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    from tokensmith.backends.hf import HFBackend
    from tokensmith.tokenizer import Tokenizer as TsTokenizer

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)  # fmt: skip
    tok.train_from_iterator((line for lang in texts.values() for line in lang[:lines]), trainer)
    return TsTokenizer(HFBackend(tok), name=f"bpe-flores-{vocab_size // 1000}k", source="trained in the benchmark")


def warm_up() -> float:
    """Compile the numba kernels on a tiny input; return the seconds it took."""
    import numpy as np

    from tokensmith.measure.bootstrap import multiplicity_matrix
    from tokensmith.measure.distribution import boot_moments

    started = time.perf_counter()
    boot_moments(np.array([1, 2, 2]), np.array([0, 1, 3]), multiplicity_matrix(2, resamples=4), [2.5])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--langs", type=int, default=None, help="first N languages (default: all 205)")
    parser.add_argument("--limit", type=int, default=None, help="first N lines per language (default: all 1004)")
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--dist-resamples", type=int, default=200)
    parser.add_argument("--train-lines", type=int, default=40)
    parser.add_argument("--vocab-size", type=int, default=32000)
    args = parser.parse_args()

    import tokensmith
    from tokensmith.corpora.parallel import ParallelCorpus, load_parallel
    from tokensmith.measure.encoded import Timer
    from tokensmith.measure import EvalConfig, EvalInputs, evaluate

    full = load_parallel("flores200", limit=args.limit)
    langs = full.langs if args.langs is None else sorted(set(full.langs[: args.langs]) | {"eng_Latn"})
    corpus = ParallelCorpus(name="flores200", texts={lang: full.texts[lang] for lang in langs})
    started = time.perf_counter()
    trained = train_bpe(corpus.texts, lines=args.train_lines, vocab_size=args.vocab_size)
    train_s = time.perf_counter() - started
    toks = [tokensmith.load(SHARED / "tokenizers" / rel) for rel in ZOO] + [trained]
    compile_s = warm_up()

    timer = Timer()
    config = EvalConfig(resamples=args.resamples, dist_resamples=args.dist_resamples)
    started = time.perf_counter()
    results = evaluate(toks, EvalInputs(parallel=corpus), config=config, timer=timer)
    wall = time.perf_counter() - started
    report(args, corpus, results, timer, wall=wall, train_s=train_s, compile_s=compile_s)


def report(
    args: argparse.Namespace, corpus: ParallelCorpus, results: Results, timer: Timer, *, wall: float, train_s: float,
    compile_s: float,
) -> None:  # fmt: skip
    """Write the results JSON and print it."""
    from tokensmith import atomic

    phases = {k: round(v, 3) for k, v in timer.seconds.items()}
    non_encode = wall - timer.seconds.get("encode", 0.0)
    n_sentences = sum(len(v) for v in corpus.texts.values())
    out = {
        "claim": "evaluate on FLORES-200: ≤ 60 s wall, metric code ≤ 30% of the total",
        "langs": len(corpus.texts), "sentences_per_lang": len(corpus), "sentences": n_sentences,
        "tokenizers": list(results.tokenizers), "resamples": args.resamples, "dist_resamples": args.dist_resamples,
        "rows": len(results.rows), "error_rows": sum(r.error is not None for r in results.rows),
        "wall_s": round(wall, 3), "phases_s": phases,
        "encode_share": round(timer.seconds.get("encode", 0.0) / wall, 4),
        "metrics_share": round(timer.seconds.get("metrics", 0.0) / wall, 4),
        "non_encode_share": round(non_encode / wall, 4),
        "metrics_to_encode_ratio": round(timer.seconds.get("metrics", 0.0) / timer.seconds["encode"], 4),
        "train_bpe_s": round(train_s, 3), "numba_compile_s": round(compile_s, 3),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "loadavg": os.getloadavg()},
        "command": "nice -n 10 .venv/bin/python benchmarks/bench_eval_flores.py "
                   + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in vars(args).items() if v is not None),
    }  # fmt: skip
    atomic.write_text(OUT, json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
