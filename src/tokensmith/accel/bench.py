"""Encoding speed, side by side: every available encoder of a tokenizer on the same lines, ids compared.

For one tokenizer and one corpus, `measure` times (best of `repeat` runs, after a short warm-up):
- `<library> single`: the backend's library, one `encode` call per line (tiktoken's `encode_ordinary`, …);
- `<library> batch`: the backend's batch call (tiktoken's `encode_ordinary_batch` with its default 8 threads,
  HF's rayon `encode_batch`, SentencePiece's threaded list encode);
- each installed accelerator that loads for it (its batch call, and `<name> single`: one call per line), verified
  or not;
- `tokensmith`: `Tokenizer.encode_batch`, i.e. what a user gets (the verified accelerator, else the backend), and
  `tokensmith flat`: `Tokenizer.encode_batch_flat` (flat numpy ids and offsets, no list per line; the lists the
  comparison needs are made after the clock stops).
Ids are compared line by line with the backend's single calls. `on_cores` runs `measure` in a child process
pinned to the first k cores (`os.sched_setaffinity`) with the libraries' thread variables set to k, so 1 and 2
cores are measured by the same code. MB/s counts the UTF-8 bytes of the lines.

Not handled: options other than plain text; corpora that do not fit in memory (the lines are read whole).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from tokensmith.accel.registry import candidates
from tokensmith.accel.select import BACKEND_ENCODERS

THREAD_VARS = ("RAYON_NUM_THREADS", "OMP_NUM_THREADS", "NUMBA_NUM_THREADS", "TOKIE_NUM_THREADS")


@dataclass(frozen=True)
class EncodeResult:
    """Speed and agreement of one encoder on one corpus.

    Args:
        tokenizer: the tokenizer spec.
        encoder: e.g. 'tiktoken single', 'tiktoken batch', 'fastokens', 'tokensmith (bpe-openai)'.
        cores: cores the process was allowed to use.
        mb_per_s: UTF-8 megabytes (10^6 bytes) encoded per second.
        identical_lines: lines whose ids equal the backend's single-call ids.
        lines: lines in the corpus.
        seconds: the best run's wall time.
    """

    tokenizer: str
    encoder: str
    cores: int
    mb_per_s: float
    identical_lines: int
    lines: int
    seconds: float


def encoders(tok: Any) -> list[tuple[str, Callable[[list[str]], Any]]]:
    """(name, batch function) for every encoder of `tok`: backend single and batch, each accelerator that loads
    (batch and single), `Tokenizer.encode_batch` and `Tokenizer.encode_batch_flat` (which returns flat arrays).

    Args:
        tok: a `tokensmith.Tokenizer`.

    Example:
        >>> import tokensmith
        >>> [name for name, _ in encoders(tokensmith.load("gpt2"))][:2]
        ['tiktoken single', 'tiktoken batch']
    """
    backend, lib = tok.backend, BACKEND_ENCODERS.get(tok.backend_kind, tok.backend_kind)
    out: list[tuple[str, Callable[[list[str]], Any]]] = [
        (f"{lib} single", lambda ts: [backend.encode(t, add_special_tokens=False) for t in ts]),
        (f"{lib} batch", lambda ts: backend.encode_batch(ts, add_special_tokens=False)),
    ]
    for entry in candidates(tok.native_format):
        try:
            acc = entry.build(tok)
        except Exception:  # noqa: BLE001 - one that fails to load is not measured (verification reports why)
            continue
        if acc is not None:
            out.append((entry.name, acc.encode_batch))
            out.append((f"{entry.name} single", lambda ts, acc=acc: [acc.encode(t) for t in ts]))
    out.append((f"tokensmith ({tok.encoder})", tok.encode_batch))
    out.append((f"tokensmith flat ({tok.encoder})", tok.encode_batch_flat))
    return out


def _as_lists(got: Any) -> list[list[int]]:
    """An encoder's answer as ids per line (flat (ids, offsets) arrays are split)."""
    from tokensmith.flat import unflatten

    return unflatten(*got) if isinstance(got, tuple) else got


def measure(spec: str, lines: list[str], *, cores: int, repeat: int = 1) -> list[EncodeResult]:
    """Time every encoder of `spec` on `lines` in this process.

    Args:
        spec: a tokenizer spec.
        lines: the corpus lines.
        cores: the cores this process may use (recorded, not set).
        repeat: runs per encoder; the fastest counts.

    Example:
        >>> rows = measure("gpt2", ["Hello world", "Grüße"], cores=1)
        >>> rows[0].encoder, rows[0].identical_lines, rows[0].lines
        ('tiktoken single', 2, 2)
    """
    from tokensmith.spec import load

    tok = load(spec)
    size = sum(len(t.encode("utf-8", "surrogatepass")) for t in lines) / 1e6
    ref: list[list[int]] | None = None
    rows = []
    for name, run in encoders(tok):
        run(lines[:64])  # warm-up: thread pools, regex caches
        best, got = float("inf"), None
        for _ in range(max(1, repeat)):
            started = time.perf_counter()
            got = run(lines)
            best = min(best, time.perf_counter() - started)
        got = _as_lists(got)
        ref = got if ref is None else ref
        same = sum(a == b for a, b in zip(got or [], ref, strict=True))
        rows.append(EncodeResult(spec, name, cores, round(size / best, 3) if best > 0 else 0.0, same, len(lines),
                                 round(best, 4)))  # fmt: skip
    return rows


def on_cores(spec: str, paths: Sequence[str], *, cores: int, repeat: int = 1) -> list[EncodeResult]:
    """`measure` in a child process pinned to the first `cores` cores, reading the corpus files itself.

    Args:
        spec: a tokenizer spec.
        paths: UTF-8 text files (one text per line; empty lines are skipped).
        cores: how many cores the child may use (at most `os.cpu_count()`).
        repeat: see `measure`.

    Example:
        >>> import tempfile
        >>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        ...     _ = f.write("Hello world\\n")
        >>> [r.cores for r in on_cores("gpt2", [f.name], cores=1)][:1]
        [1]
    """
    allowed = sorted(os.sched_getaffinity(0))[: max(1, cores)]
    env = {**os.environ, **{v: str(len(allowed)) for v in THREAD_VARS}, "TOKENIZERS_PARALLELISM": "true"}
    job = json.dumps({"spec": spec, "paths": list(paths), "cores": len(allowed), "repeat": repeat})
    code = "import sys; from tokensmith.accel.bench import _child; _child(sys.stdin.read())"
    done = subprocess.run([sys.executable, "-c", code], input=job, capture_output=True, text=True, env=env,
                          preexec_fn=lambda: os.sched_setaffinity(0, allowed), check=False)  # fmt: skip
    if done.returncode != 0:
        from tokensmith.errors import TokensmithError

        raise TokensmithError(f"benchmarking {spec} on {cores} core(s) failed: {done.stderr.strip()[-800:]}")
    return [EncodeResult(**r) for r in json.loads(done.stdout.strip().splitlines()[-1])]


def read_corpus(paths: Sequence[str]) -> list[str]:
    """The non-empty lines of UTF-8 files (an undecodable file is named with its byte offset).

    Args:
        paths: the files.

    Example:
        >>> import tempfile
        >>> with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        ...     _ = f.write("a\\n\\nb\\n")
        >>> read_corpus([f.name])
        ['a', 'b']
    """
    from tokensmith.formats.verify import read_utf8

    return [line for p in paths for line in read_utf8(p, what="corpus file").split("\n") if line]


def _child(job_json: str) -> None:
    """Entry point of `on_cores`' child: measure, print the rows as one JSON line."""
    job = json.loads(job_json)
    rows = measure(job["spec"], read_corpus(job["paths"]), cores=job["cores"], repeat=job["repeat"])
    print(json.dumps([asdict(r) for r in rows]))
