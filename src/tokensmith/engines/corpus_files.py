"""`encode-corpus`: text files → token ids as sharded numpy files plus `index.json`, on any engine.

Output folder:

    shard-00000.npy           ids of the shard's documents, flat, dtype from the vocabulary (uint16 / uint32)
    shard-00000.offsets.npy   (D+1,) int64: document d is ids[offsets[d]:offsets[d+1]]
    shard-00000.json          the shard's record (written last: a shard with it is done)
    index.json                tokenizer fingerprint, dtype, documents per shard, token offsets of the shards, ...

Documents are lines; they are separated in the offsets, never by a token. Streaming: the driver reads one shard's
bytes at a time and keeps at most the engine's window of shards in flight, so memory is bounded by
window × shard size whatever the corpus size. Resumable: a shard whose record matches (same tokenizer, same source
file, size, mtime and byte range) is not redone. Atomic: every file goes through `tokensmith.atomic`. A shard that
is not UTF-8 is reported with its file and byte offset, the others are written, and `index.json` lists it under
"failed"; the call then raises `ShardDecodeError` (exit 2) after everything else is written.
"""

from __future__ import annotations

import io
import json
import os
import resource
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tokensmith import atomic
from tokensmith.engines.shard_encode import ShardDecodeError, decode_shard, encode_shard, ids_dtype
from tokensmith.engines.shards import DEFAULT_SHARD_BYTES, Shard, input_files, plan_shards
from tokensmith.tokenizer import Tokenizer

SCHEMA = "tokensmith.corpus/1"


@dataclass(frozen=True)
class ShardOutput:
    """What a shard task sends back: the encoded shard or the error, and the worker's peak RSS."""

    shard: Shard
    ids: np.ndarray | None
    offsets: np.ndarray | None
    error: str | None
    worker_pid: int
    worker_peak_rss_mib: float


def encode_shard_task(tok: Tokenizer, job: tuple[Shard, bytes]) -> ShardOutput:
    """One shard task (local or Ray): decode the bytes, encode the documents, report the worker's peak RSS.

    Args:
        tok: the tokenizer.
        job: the shard and its bytes.

    Example:
        >>> import tokensmith
        >>> out = encode_shard_task(tokensmith.load("gpt2"), (Shard(0, "c.txt", 0, 12), b"Hello world\\n"))
        >>> out.ids.tolist(), out.offsets.tolist(), out.error
        ([15496, 995], [0, 2], None)
    """
    shard, data = job
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    try:
        docs = decode_shard(data, path=shard.path, byte_start=shard.byte_start)
    except ShardDecodeError as e:
        return ShardOutput(shard, None, None, str(e), os.getpid(), peak)
    encoded = encode_shard(tok, docs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return ShardOutput(shard, encoded.ids, encoded.offsets, None, os.getpid(), peak)


def _source_facts(path: str) -> dict[str, int]:
    st = os.stat(path)
    return {"source_size": st.st_size, "source_mtime_ns": st.st_mtime_ns}


def _record(tok: Tokenizer, shard: Shard) -> dict[str, Any]:
    """The fields that identify a shard's work; a stored record with the same ones is done."""
    return {"shard": shard.name, "fingerprint": tok.fingerprint, "dtype": ids_dtype(tok.vocab_size).name,
            "source": shard.path, "byte_start": shard.byte_start, "byte_end": shard.byte_end,
            **_source_facts(shard.path)}  # fmt: skip


def _done(out: Path, want: dict[str, Any]) -> dict[str, Any] | None:
    meta_path = out / f"{want['shard']}.json"
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = all(meta.get(k) == v for k, v in want.items())
    files = (out / meta.get("path", "-")).is_file() and (out / meta.get("offsets", "-")).is_file()
    return meta if same and files else None


def _save_npy(path: Path, array: np.ndarray) -> None:
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    atomic.write_bytes(path, buf.getvalue())


def _write_shard(out: Path, want: dict[str, Any], result: ShardOutput) -> dict[str, Any]:
    assert result.ids is not None and result.offsets is not None
    name = want["shard"]
    _save_npy(out / f"{name}.npy", result.ids)
    _save_npy(out / f"{name}.offsets.npy", result.offsets)
    meta = {**want, "path": f"{name}.npy", "offsets": f"{name}.offsets.npy", "documents": int(len(result.offsets) - 1),
            "tokens": int(len(result.ids))}  # fmt: skip
    atomic.write_text(out / f"{name}.json", json.dumps(meta, indent=1) + "\n")
    return meta


@dataclass
class CorpusRun:
    """What `encode_corpus_files` did: the index it wrote, shards encoded now vs. kept, failures, worker RSS."""

    index: dict[str, Any]
    encoded: int = 0
    kept: int = 0
    failed: list[dict[str, Any]] | None = None
    worker_peak_rss_mib: dict[int, float] | None = None


def _jobs(shards: Iterator[Shard], tok: Tokenizer, out: Path, run: CorpusRun,
          metas: dict[int, dict[str, Any]]) -> Iterator[tuple[Shard, bytes]]:  # fmt: skip
    """The shards still to do, with their bytes (read lazily: one shard in memory per task in flight)."""
    for shard in shards:
        meta = _done(out, _record(tok, shard))
        if meta is not None:
            metas[shard.index] = meta
            run.kept += 1
            continue
        yield shard, shard.read()


def encode_corpus_files(
    tok: Tokenizer, inputs: Sequence[str | os.PathLike[str]], out: str | os.PathLike[str], *, engine: Any,
    shard_bytes: int = DEFAULT_SHARD_BYTES,
) -> CorpusRun:  # fmt: skip
    """Encode text files (one document per line) into `out` as sharded numpy ids plus `index.json`.

    Args:
        tok: the tokenizer.
        inputs: text files or directories of them.
        out: the output folder (created; shards already there are kept when their record matches).
        engine: `LocalEngine` or `RayEngine` (see `tokensmith.engines.open_engine`).
        shard_bytes: target bytes of text per shard.

    Example:
        >>> import tempfile, tokensmith
        >>> from tokensmith.engines import open_engine
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "c.txt").write_text("Hello world\\nHi\\n", encoding="utf-8")
        >>> run = encode_corpus_files(tokensmith.load("gpt2"), [folder / "c.txt"], folder / "ids", engine=open_engine("local"))
        >>> run.index["dtype"], run.index["documents"], np.load(folder / "ids" / "shard-00000.npy").tolist()
        ('uint16', [2], [15496, 995, 17250])
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    run, metas, failed, rss = CorpusRun(index={}), {}, [], {}
    shards = plan_shards(input_files(inputs), shard_bytes=shard_bytes)
    for result in engine.imap(encode_shard_task, _jobs(shards, tok, out, run, metas), tok=tok):
        rss[result.worker_pid] = max(rss.get(result.worker_pid, 0.0), result.worker_peak_rss_mib)
        if result.error is not None:
            failed.append({"shard": result.shard.name, "source": result.shard.path, "error": result.error})
            continue
        metas[result.shard.index] = _write_shard(out, _record(tok, result.shard), result)
        run.encoded += 1
    run.index, run.failed, run.worker_peak_rss_mib = _write_index(out, tok, metas, failed), failed, rss
    if failed:
        first = failed[0]["error"]
        raise ShardDecodeError(f"{len(failed)} shard(s) failed and were skipped ({', '.join(f['shard'] for f in failed)}); "
                               f"the other {len(metas)} are in {out}. First: {first}")  # fmt: skip
    return run


def _write_index(out: Path, tok: Tokenizer, metas: dict[int, dict[str, Any]], failed: list[dict[str, Any]]) -> dict:
    shards = [metas[k] for k in sorted(metas)]
    tokens = [m["tokens"] for m in shards]
    index = {
        "schema": SCHEMA, "tokenizer": tok.name, "fingerprint": tok.fingerprint, "vocab_size": tok.vocab_size,
        "dtype": ids_dtype(tok.vocab_size).name, "shards": [m["path"] for m in shards],
        "documents": [m["documents"] for m in shards], "tokens": tokens,
        "offsets": [m["offsets"] for m in shards],
        "token_offsets": np.concatenate([[0], np.cumsum(tokens, dtype=np.int64)]).tolist(),
        "sources": [{"source": m["source"], "byte_start": m["byte_start"], "byte_end": m["byte_end"]} for m in shards],
        "failed": failed,
    }  # fmt: skip
    atomic.write_text(out / "index.json", json.dumps(index, indent=1) + "\n")
    return index


def read_document(folder: str | os.PathLike[str], shard: int, document: int) -> np.ndarray:
    """The ids of one document, read back through `index.json` (memory-mapped: nothing else is loaded).

    Args:
        folder: an `encode-corpus` output folder.
        shard: the shard number.
        document: the document's number within the shard.

    Example:
        >>> import tempfile, tokensmith
        >>> from tokensmith.engines import open_engine
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "c.txt").write_text("Hello world\\nHi\\n", encoding="utf-8")
        >>> _ = encode_corpus_files(tokensmith.load("gpt2"), [folder / "c.txt"], folder, engine=open_engine("local"))
        >>> read_document(folder, 0, 1).tolist()
        [17250]
    """
    folder = Path(folder)
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    ids = np.load(folder / index["shards"][shard], mmap_mode="r")
    offsets = np.load(folder / index["offsets"][shard])
    return np.asarray(ids[offsets[document] : offsets[document + 1]])
