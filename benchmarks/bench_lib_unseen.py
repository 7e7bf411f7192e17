"""LiB on texts it was not tuned on: tokensmith's learner beside the reference (ray306/LiB), same epochs and seeds.

Called by `bench_lib_reproduction.py --unseen`. Texts (spaces removed; every line one sentence):
- `flores-eng`: FLORES-200 eng_Latn (1,004 news sentences); gold words are the whitespace-separated words.
- `flores-zho`: FLORES-200 zho_Hans; Chinese is written without spaces, so the gold words are jieba's default
  segmentation (silver, not gold: `pip install jieba`).
- `brtext`: BR-text's seeded 10% test split (as in the reproduction), trained on the other 90%.
Each text is split the same way: a seeded 10% of its distinct lines is the test set, the rest is trained on, so
both learners read text they never saw. Both lexicons are scored by the same reader (tokensmith's greedy reading
and subchunks, `max_len` 12), so a difference in scores is a difference of learners.

Reference lexicons are cached under `$TOKENSMITH_CACHE/lib-reference`, keyed by the training text, the reference's
model.py, epochs and seed: the reference takes minutes per run.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from bench_lib_refdriver import reference_lexicon
from bench_lib_reproduction import SHARED, readings, score, summarize

from tokensmith import atomic
from tokensmith.cache import cache_dir
from tokensmith.learn.lib import learn_lexicon
from tokensmith.learn.lib_lexicon import LibParams

OUT = Path(__file__).parent / "results" / "lib_unseen.json"
TEXTS = ("flores-eng", "flores-zho", "brtext")
Split = tuple[list[str], list[str], list[list[str]]]  # train sentences, test sentences, gold words per test sentence


def _jieba_words(line: str) -> list[str]:
    try:
        import jieba
    except ImportError as e:
        raise SystemExit("flores-zho needs jieba for its silver word segmentation: pip install jieba") from e
    jieba.setLogLevel(60)
    return [w for w in jieba.lcut("".join(line.split()), HMM=True) if w.strip()]


def load_text(name: str) -> Split:
    """Train sentences, test sentences and the test sentences' gold words of one text (spaces removed)."""
    segment: Callable[[str], list[str]] = str.split
    if name == "brtext":
        path = SHARED / "lib" / "br-text.txt"
    else:
        lang = {"flores-eng": "eng_Latn", "flores-zho": "zho_Hans"}[name]
        path = SHARED / "parallel" / "flores200" / f"{lang}.txt"
        segment = _jieba_words if lang == "zho_Hans" else str.split
    lines = [x for x in dict.fromkeys(path.read_text(encoding="utf-8").splitlines()) if x.strip()]
    test = set(np.random.default_rng(0).choice(len(lines), len(lines) // 10, replace=False).tolist())
    train = ["".join(x.split()) for k, x in enumerate(lines) if k not in test]
    gold = [segment(lines[k]) for k in sorted(test)]
    return train, ["".join(g) for g in gold], gold


def _reference(name: str, train: list[str], *, reference_dir: Path, epochs: int, seed: int) -> tuple[list[str], float]:
    code = (reference_dir / "model.py").read_bytes() + (reference_dir / "structures.py").read_bytes()
    key = hashlib.sha256("\n".join(train).encode() + code + f"|{epochs}|{seed}".encode()).hexdigest()[:16]
    cached = cache_dir("lib-reference") / f"{name}-e{epochs}-s{seed}-{key}.json"
    if cached.exists():
        hit = json.loads(cached.read_text(encoding="utf-8"))
        return hit["ranked"], hit["seconds"]
    ranked, seconds = reference_lexicon(train, reference_dir=reference_dir, epochs=epochs, seed=seed,
                                        work=cache_dir("lib-reference", "work"))  # fmt: skip
    atomic.write_text(cached, json.dumps({"ranked": ranked, "seconds": seconds}) + "\n")
    return ranked, seconds


def _scores(ranked: list[str] | tuple[str, ...], split: Split, max_len: int) -> dict[str, dict[str, float]]:
    _, test, gold = split
    return {kind: score(gold, pred) for kind, pred in readings(tuple(ranked), test, max_len=max_len).items()}


def run_text(name: str, *, reference_dir: Path | None, epochs: int, seeds: list[int], extra: dict) -> dict:
    """Both learners on one text, every seed: scores (chunks and subchunks), lexicon sizes, seconds."""
    split = load_text(name)
    params = LibParams(epochs=epochs, **extra)
    learners: dict[str, dict[str, list]] = {"tokensmith": {}, "reference": {}} if reference_dir else {"tokensmith": {}}
    for seed in seeds:
        start = time.perf_counter()
        ours = learn_lexicon(split[0], params=params, seed=seed, space_mode="remove").ranked
        runs = {"tokensmith": (ours, time.perf_counter() - start)}
        if reference_dir is not None:
            runs["reference"] = _reference(name, split[0], reference_dir=reference_dir, epochs=epochs, seed=seed)
        for who, (ranked, seconds) in runs.items():
            row = learners[who]
            row.setdefault("lexicon_size", []).append(len(ranked))
            row.setdefault("train_seconds", []).append(round(seconds, 2))
            for kind, s in _scores(ranked, split, params.max_len).items():
                row.setdefault(kind, []).append(s)
        print(name, seed, {w: round(learners[w]["subchunks"][-1]["reference_boundary_f1"], 4) for w in learners},
              flush=True)  # fmt: skip
    out = {"train_sentences": len(split[0]), "test_sentences": len(split[1])}
    for who, row in learners.items():
        out[who] = {"lexicon_size": row["lexicon_size"], "train_seconds": row["train_seconds"],
                    **{kind: summarize(row[kind]) for kind in ("chunks", "subchunks")},
                    "per_seed": {kind: [round(r["reference_boundary_f1"], 4) for r in row[kind]]
                                 for kind in ("chunks", "subchunks")}}  # fmt: skip
    return out


def within_spread(result: dict, key: str = "reference_boundary_f1") -> dict[str, bool]:
    """Per reading: is tokensmith's mean boundary F1 at least the reference's worst seed?"""
    return {kind: result["tokensmith"][kind][key]["mean"] >= result["reference"][kind][key]["min"]
            for kind in ("chunks", "subchunks")}  # fmt: skip


def run_unseen(
    *, reference_dir: Path | None, epochs: int, seeds: list[int], texts: list[str], extra: dict,
    out_path: Path | None = None,
) -> None:
    """The unseen-text mode: every text, both learners, all seeds; writes `out_path` (default OUT)."""
    results = {}
    for name in texts:
        results[name] = run_text(name, reference_dir=reference_dir, epochs=epochs, seeds=seeds, extra=extra)
        if reference_dir is not None:
            results[name]["tokensmith_within_reference_spread"] = within_spread(results[name])
    out = {
        "claim": "on texts LiB was not tuned on, tokensmith's mean boundary F1 over seeds is within (or above) the "
        "reference learner's seed spread",
        "epochs": epochs, "seeds": seeds, "params": LibParams(epochs=epochs, **extra).__dict__,
        "reference": "ray306/LiB model.py with the demo notebook's settings (mini_gap 7)", "results": results,
        "scorer": "tokensmith greedy reading (max_len 12) and subchunks for both lexicons; conventions as lib_score",
        "command": f"nice -n 10 .venv/bin/python benchmarks/bench_lib_reproduction.py --unseen --reference-dir PATH "
        f"--epochs {epochs} --seeds {' '.join(map(str, seeds))} --texts {' '.join(texts)}"
        + "".join(f" --option {k}={json.dumps(v)}" for k, v in extra.items())
        + (f" --out {out_path}" if out_path else ""),
        "mean_reference_f1": {n: {w: r[w]["subchunks"]["reference_boundary_f1"]["mean"] for w in r if w in
                                  ("tokensmith", "reference")} for n, r in results.items()},
    }  # fmt: skip
    atomic.write_text(out_path or OUT, json.dumps(out, indent=2) + "\n")
    print(json.dumps(out["mean_reference_f1"], indent=1))  # the tables: benchmarks/doc_tables_lib.py
