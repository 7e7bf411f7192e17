"""Equal-Info Windows: compression and speed of plain arithmetic coding vs Equal-Info b = 16 / 32.

What runs, in one process (`nice -n 5 .venv/bin/python benchmarks/bench_equalinfo.py`):
- M1 models: an order-3 byte n-gram (`lm/byte_ngram.py`) counted on wikitext-2 valid, and (unless `--no-transformer`)
  a toy byte transformer trained by `tokensmith lm train --arch byte` on the same text for `--budget` FLOPs.
- Text: the first `--bytes` bytes of wikitext-2 test (`../shared/data/lm`: the tokenized v1 text, with `<unk>` and
  ` @-@ `), and the first `--transformer-bytes` for the transformer, whose every byte costs a forward pass.
- Per model: the plain arithmetic code of the sample (context = every byte before, as far as the model reads) and
  Equal-Info Windows with b = 16 and b = 32 (`tokensmith.lm.equalinfo`), each decoded back and compared byte for
  byte; bits per byte of the code (the windows' b bits each, padding included) and of the whole coded file (header
  and exception table included), tokens per byte, the exception table's size, encode and decode MB/s (pure Python:
  the coder, and the model's evaluations, the n-gram's cached by context).
- Anchors on the same sample: gzip -9 and xz -9e (Python's zlib / lzma at those settings), and the model's
  information content (sum of -log2 q over the quantized tables, floor 1).

Written to `benchmarks/results/equalinfo.json`; every reduction is recorded under "reductions". The M2 models
trained on these token streams are the lm grid's (`lm compare`), not this script's.
"""

from __future__ import annotations

import argparse
import json
import lzma
import platform
import subprocess
import sys
import time
import zlib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
OUT = ROOT / "benchmarks" / "results" / "equalinfo.json"


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--bytes", type=int, default=262_144, help="bytes of wikitext-2 test for the n-gram (0: all)")
    p.add_argument("--transformer-bytes", type=int, default=4096)
    p.add_argument("--order", type=int, default=3)
    p.add_argument("--budget", type=float, default=3e11, help="training FLOPs of the toy byte transformer")
    p.add_argument("--no-transformer", action="store_true")
    p.add_argument("--reuse-transformer", action="store_true",
                   help="use the checkpoint an earlier run left in --work (same settings, seed 0) instead of training")
    p.add_argument("--work", type=Path, default=Path("/tmp/tokensmith-bench-equalinfo"))
    p.add_argument("--out", type=Path, default=OUT)
    return p.parse_args()


def _options(argv: list[str]) -> list[str]:
    """The command line as recorded: without `--out PATH` (where this run wrote is not part of the recipe)."""
    return [a for i, a in enumerate(argv) if a != "--out" and (i == 0 or argv[i - 1] != "--out")]


def _information_bpb(data: bytes, model: Any) -> float:
    from tokensmith.lm.coder import information_bits
    from tokensmith.lm.coding_model import TableSource

    tables, k = TableSource(model, floor=1), model.context_size
    return information_bits([tables.get(data[max(0, i - k) : i]) for i in range(len(data))], data) / len(data)


def _timed(fn: Any, *args: Any, **kw: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def _row(name: str, method: str, data: bytes, code_bits: int, file_bytes: int, enc_s: float, dec_s: float,
         lossless: bool, **extra: Any) -> dict[str, Any]:  # fmt: skip
    mb = len(data) / 1e6
    return {"model": name, "method": method, "n_bytes": len(data), "bits_per_byte": code_bits / len(data),
            "file_bits_per_byte": 8 * file_bytes / len(data), "encode_s": enc_s, "decode_s": dec_s,
            "encode_mb_s": mb / enc_s, "decode_mb_s": mb / dec_s, "lossless": lossless, **extra}  # fmt: skip


def _plain(name: str, data: bytes, model: Any) -> dict[str, Any]:
    from tokensmith.lm.equalinfo import plain_code, plain_decode

    code, enc_s = _timed(plain_code, data, model)
    back, dec_s = _timed(plain_decode, code, model, n_bytes=len(data))
    return _row(name, "plain AC", data, len(code), (len(code) + 7) // 8, enc_s, dec_s, back == data)


def _equalinfo(name: str, data: bytes, model: Any, bits: int) -> dict[str, Any]:
    from tokensmith.lm.equalinfo import decode_windows, encode_windows
    from tokensmith.lm.equalinfo_format import Header

    w, enc_s = _timed(encode_windows, data, model, bits=bits)
    back, dec_s = _timed(decode_windows, list(w.values), model, bits=bits, n_bytes=len(data), exceptions=w.exceptions)
    header = Header(bits=bits, fingerprint=model.fingerprint, n_bytes=len(data), exceptions=w.exceptions).pack()
    n_tokens = len(w.values) * bits // 16
    return _row(name, f"Equal-Info b={bits}", data, len(w.values) * bits, len(header) + 2 * n_tokens, enc_s, dec_s,
                back == data, windows=len(w.values), tokens=n_tokens, tokens_per_byte=n_tokens / len(data),
                bytes_per_window=len(data) / len(w.values), exceptions=len(w.exceptions),
                exception_rate=len(w.exceptions) / len(w.values), header_bytes=len(header))  # fmt: skip


def _rows(name: str, data: bytes, model: Any) -> list[dict[str, Any]]:
    rows = [_plain(name, data, model), *(_equalinfo(name, data, model, b) for b in (16, 32))]
    info = _information_bpb(data, model)
    for r in rows:
        r["information_bits_per_byte"] = info
        print(f"{name:>12} {r['method']:<16} {r['bits_per_byte']:.4f} bits/byte (file {r['file_bits_per_byte']:.4f})"
              f" enc {r['encode_mb_s'] * 1000:.1f} KB/s dec {r['decode_mb_s'] * 1000:.1f} KB/s"
              f" lossless={r['lossless']}", flush=True)  # fmt: skip
    return rows


def _anchors(data: bytes) -> dict[str, float]:
    return {"gzip -9": 8 * len(zlib.compress(data, 9)) / len(data),
            "xz -9e": 8 * len(lzma.compress(data, preset=9 | lzma.PRESET_EXTREME)) / len(data)}  # fmt: skip


def _train_transformer(args: argparse.Namespace, train: Path) -> Path:
    out = args.work / "byte"
    if args.reuse_transformer and (out / "lm.json").is_file():
        return out
    valid = args.work / "valid-head.txt"
    valid.write_bytes(train.read_bytes()[:20_000])
    cmd = [sys.executable, "-m", "tokensmith.cli.main", "lm", "train", "--arch", "byte", "--budget", str(args.budget),
           "--train", str(train), "--valid", str(valid), "--set", "n_layer=2", "--set", "n_head=2",
           "--set", "n_embd=64", "--set", "block_size=64", "--seed", "0", "-o", str(out)]  # fmt: skip
    subprocess.run(cmd, check=True)
    return out


def main() -> None:
    args = _args()
    args.work.mkdir(parents=True, exist_ok=True)
    import torch

    from tokensmith import atomic

    from tokensmith.lm.byte_ngram import ByteNgram
    from tokensmith.lm.coding_model import load_coding_model

    torch.set_num_threads(1)
    train_file = SHARED / "lm" / "wikitext-2" / "valid.txt"
    test = (SHARED / "lm" / "wikitext-2" / "test.txt").read_bytes()
    sample = test[: args.bytes] if args.bytes else test
    t0 = time.perf_counter()
    ngram = ByteNgram.train(train_file.read_bytes(), order=args.order)
    result: dict[str, Any] = {
        "machine": {"cpus": 2, "python": platform.python_version(), "note": "2 cores shared by 6 helpers: noisy"},
        "text": "wikitext-2 test (tokenized v1: <unk>, ' @-@ '), first bytes of the shared copy",
        "train": "wikitext-2 valid (shared copy)", "full_test_bytes": len(test),
        "models": {"ngram": {"arch": "byte_ngram", "order": args.order, "train_s": time.perf_counter() - t0}},
        "anchors": {"ngram": _anchors(sample)}, "rows": _rows("ngram", sample, ngram), "reductions": [],
        "command": " ".join(["nice -n 5 .venv/bin/python benchmarks/bench_equalinfo.py", *_options(sys.argv[1:])]),
    }  # fmt: skip
    if args.bytes and args.bytes < len(test):
        result["reductions"].append(f"n-gram rows: the first {len(sample):,} of {len(test):,} test bytes")
    if not args.no_transformer:
        t0 = time.perf_counter()
        reused = args.reuse_transformer and (args.work / "byte" / "lm.json").is_file()
        model = load_coding_model(_train_transformer(args, train_file))
        small = test[: args.transformer_bytes]
        result["models"]["byte transformer"] = {"arch": "byte", "budget_flops": args.budget,
                                                "settings": "n_layer=2 n_head=2 n_embd=64 block_size=64",
                                                "train_s": None if reused else time.perf_counter() - t0,
                                                "reused": bool(reused), "fingerprint": model.fingerprint}  # fmt: skip
        result["anchors"]["byte transformer"] = _anchors(small)
        result["rows"] += _rows("byte transformer", small, model)
        result["reductions"].append(f"byte-transformer rows: the first {len(small):,} test bytes, a toy model "
                                    f"trained for {args.budget:.0e} FLOPs")  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(args.out, json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
