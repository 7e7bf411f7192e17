"""Cost of exact byte-level scoring: LM forward calls per scored byte and time against plain token scoring.

Claim: exact byte-level scoring by cover sums (`score_bytes(method="cover")`: log C(text) from one forward pass
over the trunk plus a few head calls) costs a handful of forward calls for the whole text, against one call per
token for incremental token scoring (or one call in all for a single full-sequence pass) and about one call per
byte for the per-byte chain of next-byte distributions (`method="chain"`, the reference). The cover sum runs twice:
with the canonicity masks from the precomputed pair tables (`decode/canon_tables.py`, the default) and with the
encoder-based masks (one encoder pass over the candidates per window, the code before the tables). All ways score
the same text in the same run; CPU seconds (one torch thread) are reported beside wall seconds because the machine
is shared. The tables' build time (cold, into an empty cache folder) and load time (warm) are measured too.

Run (full size): nice -n 10 .venv/bin/python benchmarks/bench_bytes_cost.py --bytes 2000
Writes benchmarks/results/bytes_cost.json.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEXT = ROOT.parent / "shared" / "data" / "lm" / "wikitext-2" / "test.txt"
OUT = Path(__file__).parent / "results" / "bytes_cost.json"


def timed(fn):
    w, c = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - w, time.process_time() - c


def plain_full(blm, ids: tuple[int, ...]) -> float:
    """Bits of the canonical tokens from one forward pass over start + ids (no renormalization)."""
    import torch

    lm = blm.lm
    full = list(lm.start_ids) + list(ids)
    with torch.no_grad():
        logits = lm.model(input_ids=torch.tensor([full])).logits[0, len(lm.start_ids) - 1 : -1, : blm.canon.vocab_size]
    lp = torch.log_softmax(logits.double(), dim=-1)
    return -float(lp[torch.arange(len(ids)), torch.tensor(ids)].sum()) / math.log(2)


def plain_incremental(blm, ids: tuple[int, ...]) -> float:
    """Bits of the canonical tokens, one cached forward call per token (what generation-style scoring costs)."""
    lm = blm.lm
    return -sum(float(lm.logprobs([ids[:j]])[0, t]) for j, t in enumerate(ids)) / math.log(2)


def table_times(tokenizer) -> dict[str, float]:
    """CPU seconds to build the canonicity tables into an empty cache folder, and to load them back."""
    import os
    import tempfile

    from tokensmith.decode.covers import Canonicalizer

    old = os.environ.get("TOKENSMITH_CACHE")
    os.environ["TOKENSMITH_CACHE"] = tempfile.mkdtemp(prefix="bench-bytes-cost-")
    try:
        _, _, cold = timed(lambda: Canonicalizer(tokenizer))
        canon, _, warm = timed(lambda: Canonicalizer(tokenizer))
    finally:
        if old is None:
            del os.environ["TOKENSMITH_CACHE"]
        else:
            os.environ["TOKENSMITH_CACHE"] = old
    pairs = canon.joins.pairs if canon.joins is not None else None
    return {"canonicalizer_cold_cpu_s": cold, "canonicalizer_warm_cpu_s": warm,
            "pair_table_build_cpu_s": pairs.build_s if pairs is not None else None,
            "pair_table_entries": int(sum(v.size for v in pairs.arrays.values())) if pairs is not None else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2")
    parser.add_argument("--bytes", type=int, default=2000)
    parser.add_argument("--mask-tol", type=float, default=0.0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    import torch

    from tokensmith import atomic
    from tokensmith.decode.bytelevel import ByteLM, load_byte_lm, score_bytes
    from tokensmith.decode.covers import Canonicalizer

    torch.set_num_threads(args.threads)
    blm = load_byte_lm(args.model, mask_tol=args.mask_tol)
    tables = table_times(blm.canon.tok)
    print("tables", tables, file=sys.stderr, flush=True)
    by_encoder = ByteLM(blm.lm, Canonicalizer(blm.canon.tok, tables=False), mask_tol=args.mask_tol,
                        context_window=blm.context_window)
    data = TEXT.read_bytes()[: args.bytes]
    ids = blm.canon.encode_bytes(data)
    rows = {}
    for name, fn in (("token_full_pass", lambda: plain_full(blm, ids)),
                     ("token_incremental", lambda: plain_incremental(blm, ids)),
                     ("exact_bytes_cover", lambda: score_bytes(blm, None, b"", data, method="cover")),
                     ("exact_bytes_cover_encoder_masks",
                      lambda: score_bytes(by_encoder, None, b"", data, method="cover")),
                     ("exact_bytes_chain", lambda: score_bytes(blm, None, b"", data, method="chain"))):
        c0 = blm.lm.calls
        bits, wall, cpu = timed(fn)
        calls = 1 if name == "token_full_pass" else blm.lm.calls - c0  # both ByteLMs share `blm.lm`
        rows[name] = {"bits_per_byte": bits / len(data), "forward_calls": calls,
                      "calls_per_byte": calls / len(data), "wall_s": wall, "cpu_s": cpu}
        print(name, rows[name], file=sys.stderr, flush=True)
    for name in rows:
        rows[name]["cpu_ratio_vs_token_incremental"] = rows[name]["cpu_s"] / rows["token_incremental"]["cpu_s"]
        rows[name]["wall_ratio_vs_token_incremental"] = rows[name]["wall_s"] / rows["token_incremental"]["wall_s"]
        rows[name]["calls_ratio_vs_token_incremental"] = (
            rows[name]["forward_calls"] / rows["token_incremental"]["forward_calls"])
        rows[name]["cpu_ratio_vs_token_full_pass"] = rows[name]["cpu_s"] / rows["token_full_pass"]["cpu_s"]
    meta = {"model": args.model, "bytes": len(data), "tokens": len(ids), "mask_tol": args.mask_tol,
            "threads": args.threads, **tables,
            "command": "nice -n 10 .venv/bin/python benchmarks/bench_bytes_cost.py " + " ".join(sys.argv[1:])}
    atomic.write_text(OUT, json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
