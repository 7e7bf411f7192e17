"""Verification: an accelerator is trusted for a tokenizer only if it gives the backend's ids on every sample line.

The check encodes the verification sample (`sample.py`: FLORES-200 and UDHR scripts, adversarial strings, the
tokenizer's special-token texts) with the backend and with the accelerator, both one text at a time and in one
batch, through `Guarded` (so an input the accelerator refuses, such as a lone surrogate, is answered by the backend,
as it will be at run time). The first differing input is recorded. The verdict is cached as JSON under
`cache_dir("accel")`, keyed by the tokenizer's fingerprint, its split pattern and special tokens, the accelerator's
name and version, and the sample's hash; a cached verdict is never re-checked.

Not handled: options the accelerators do not support (special-token parsing, BOS/EOS): `Tokenizer` sends those
calls to the backend without asking this module.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from tokensmith import atomic
from tokensmith.accel.registry import AcceleratorEntry, candidates
from tokensmith.accel.sample import base_sample, sample_hash, special_lines
from tokensmith.cache import cache_dir
from tokensmith.flat import flatten

SCHEMA = 2  # bump when the check changes: old verdicts are then ignored


@dataclass(frozen=True)
class Verdict:
    """The result of verifying one accelerator for one tokenizer.

    Args:
        accelerator: its name.
        version: the installed package version.
        ok: identical ids on every sample line (single and batch calls), and it loaded.
        problem: why not, naming the first differing input ('' when ok).
        lines: sample lines checked.
        seconds: time the check took (building the accelerator included).
        fresh: the check ran in this call (False: read from the cache).
    """

    accelerator: str
    version: str
    ok: bool
    problem: str
    lines: int
    seconds: float
    fresh: bool = True


class Guarded:
    """An accelerator whose failures are answered by the backend (the same call, the same text).

    Args:
        accelerator: the accelerator.
        backend: the tokenizer's backend (its `encode`/`encode_batch` without special tokens).

    Example:
        >>> import tokensmith
        >>> class Refuses:
        ...     name = "refuses"
        ...     def encode(self, text): raise ValueError("no")
        ...     def encode_batch(self, texts): raise ValueError("no")
        >>> Guarded(Refuses(), tokensmith.load("gpt2").backend).encode("Hello world")
        [15496, 995]
    """

    def __init__(self, accelerator: Any, backend: Any) -> None:
        self.name: str = accelerator.name
        self.single: bool = getattr(accelerator, "single", True)  # faster than the backend on one text per call
        # measured faster as one call per text than as its batch call when the process may use one core only
        self.serial_on_one_core: bool = getattr(accelerator, "serial_on_one_core", False)
        self._acc, self._backend = accelerator, backend

    def encode(self, text: str) -> list[int]:
        """Ids of `text` from the accelerator, or from the backend when the accelerator raises.

        Args:
            text: the text.

        Example:
            >>> import tokensmith
            >>> class Picky:
            ...     name = "picky"
            ...     def encode(self, text): return [0] if text.isascii() else text.encode("ascii")
            >>> acc = Guarded(Picky(), tokensmith.load("gpt2").backend)
            >>> acc.encode("a"), acc.encode("é")  # the second raises in Picky: the backend answers
            ([0], [2634])
        """
        try:  # written out, not through `_or_backend`: this is the per-text hot path
            return self._acc.encode(text)
        except BaseException as e:  # a Rust panic is a BaseException
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            return self._backend.encode(text, add_special_tokens=False)

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        """Ids of many texts from the accelerator's batch call, or from the backend's when it raises. An
        accelerator marked `serial_on_one_core` is called once per text when this process may run on one core
        only (its batch call's threads and flat buffer cost more than they give there); both paths are verified.

        Args:
            texts: the texts.

        Example:
            >>> import tokensmith
            >>> class Broken:
            ...     name = "broken"
            ...     def encode_batch(self, texts): raise RuntimeError("panic")
            >>> Guarded(Broken(), tokensmith.load("gpt2").backend).encode_batch(["Hello", " world"])
            [[15496], [995]]
        """
        if self.serial_on_one_core and len(os.sched_getaffinity(0)) == 1:
            encode = self._acc.encode
            return self._or_backend(lambda: [encode(t) for t in texts], lambda: self._backend_batch(texts))
        return self._or_backend(lambda: self._acc.encode_batch(texts), lambda: self._backend_batch(texts))

    def encode_batch_flat(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """`encode_batch` as flat arrays (ids (T,) uint32, offsets (S+1,) int64): the accelerator's own flat call
        when it has one (it is the call its verified `encode_batch` is built on), else `flatten(encode_batch)`.

        Args:
            texts: the texts.

        Example:
            >>> import tokensmith
            >>> class Lists:
            ...     name = "lists"
            ...     def encode_batch(self, texts): return [[len(t)] for t in texts]
            >>> ids, offsets = Guarded(Lists(), tokensmith.load("gpt2").backend).encode_batch_flat(["ab", "c"])
            >>> ids.tolist(), offsets.tolist()
            ([2, 1], [0, 1, 2])
        """
        flat = getattr(self._acc, "encode_batch_flat", None)
        if flat is None:
            return flatten(self.encode_batch(texts))
        return self._or_backend(lambda: flat(texts), lambda: flatten(self._backend_batch(texts)))

    def _backend_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return self._backend.encode_batch(texts, add_special_tokens=False)

    @staticmethod
    def _or_backend(call: Callable[[], Any], backend: Callable[[], Any]) -> Any:
        """`call()`, or `backend()` when the accelerator raises anything but an interpreter exit (a Rust panic is a
        BaseException)."""
        try:
            return call()
        except BaseException as e:
            if isinstance(e, (KeyboardInterrupt, SystemExit)):
                raise
            return backend()


def verification_sample(tok: Any) -> list[str]:
    """The lines an accelerator must encode exactly like the backend, for this tokenizer.

    Args:
        tok: a `tokensmith.Tokenizer`.

    Example:
        >>> import tokensmith
        >>> "a<|endoftext|>b" in verification_sample(tokensmith.load("gpt2"))
        True
    """
    return list(base_sample()) + special_lines(tok.special_tokens)


def _outcome(call: Callable[[], Any]) -> Any:
    """The ids a call returns, or the name of the exception it raises (two failures of one kind agree)."""
    try:
        return call()
    except Exception as e:  # noqa: BLE001 - compared, not hidden: a backend error must be an accelerator error too
        return f"raises {type(e).__name__}"


def first_difference(guarded: Guarded, backend: Any, lines: Sequence[str]) -> str:
    """'' when `guarded` gives the backend's ids on every line (one at a time and as one batch), else a description
    of the first differing input.

    Args:
        guarded: the accelerator, wrapped in `Guarded`.
        backend: the tokenizer's backend.
        lines: the sample.

    Example:
        >>> import tokensmith
        >>> backend = tokensmith.load("gpt2").backend
        >>> class Off:
        ...     name = "off"
        ...     def encode(self, text): return [0] if text == "b" else backend.encode(text, add_special_tokens=False)
        ...     def encode_batch(self, texts): return [self.encode(t) for t in texts]
        >>> first_difference(Guarded(Off(), backend), backend, ["a", "b"])
        "input 2 of 2 ('b'): backend [65], off [0]"
    """
    ref = [_outcome(lambda t=t: backend.encode(t, add_special_tokens=False)) for t in lines]
    one = [_outcome(lambda t=t: guarded.encode(t)) for t in lines]
    for k, text in enumerate(lines):
        if one[k] != ref[k]:
            return _describe(k, lines, ref[k], one[k], guarded.name, "")
    # The batch call, on the lines the backend encodes (one it refuses, e.g. a lone surrogate for a Rust
    # tokenizer, would fail the backend's own batch too).
    fine = [k for k, r in enumerate(ref) if not isinstance(r, str)]
    batch = _outcome(lambda: guarded.encode_batch([lines[k] for k in fine]))
    for j, k in enumerate(fine):
        got = batch if isinstance(batch, str) else batch[j]
        if got != ref[k]:
            return _describe(k, lines, ref[k], got, guarded.name, " (batch call)")
    return ""


def _describe(k: int, lines: Sequence[str], ref: Any, got: Any, name: str, mode: str) -> str:
    text = lines[k]
    return (f"input {k + 1} of {len(lines)} ({text[:60]!r}{'…' if len(text) > 60 else ''}){mode}: "
            f"backend {_short(ref)}, {name} {_short(got)}")  # fmt: skip


def _short(ids: Any) -> str:
    return str(ids) if isinstance(ids, str) or len(ids) <= 8 else f"{str(ids[:8])[:-1]}, … ({len(ids)} ids)]"


def _cache_key(tok: Any, entry: AcceleratorEntry, lines: Sequence[str]) -> str:
    rules = json.dumps([tok.backend.pattern, sorted(tok.special_tokens.items())], ensure_ascii=True)
    extra = hashlib.sha256(rules.encode()).hexdigest()[:12]
    return f"v{SCHEMA}-{tok.fingerprint[:24]}-{extra}-{entry.name}-{entry.version()}-{sample_hash(lines)}"


def verify_entry(tok: Any, entry: AcceleratorEntry) -> tuple[Verdict, Any]:
    """Verify one accelerator for `tok` (a cached verdict is reused) and return it with the built accelerator
    (`Guarded`; None when it does not apply, failed to load, or disagreed).

    Args:
        tok: a `tokensmith.Tokenizer`.
        entry: the accelerator (from `registry.ACCELERATORS`).

    Example:
        >>> import pytest, tokensmith
        >>> from tokensmith.accel.registry import entry
        >>> _ = pytest.importorskip("fastokens")
        >>> verdict, acc = verify_entry(tokensmith.load("gpt2"), entry("fastokens"))
        >>> verdict.ok, acc.encode("Hello world")
        (True, [15496, 995])
    """
    started, lines = time.perf_counter(), verification_sample(tok)
    path = cache_dir("accel") / f"{_cache_key(tok, entry, lines)}.json"
    cached = _read(path)
    if cached is not None and not cached.ok:
        return cached, None
    built, problem = _build(tok, entry)
    guarded = None if built is None else Guarded(built, tok.backend)
    if cached is not None and guarded is not None:
        return cached, guarded
    if guarded is not None:
        problem = first_difference(guarded, tok.backend, lines)
    verdict = Verdict(entry.name, entry.version(), not problem, problem, len(lines), time.perf_counter() - started)
    if built is not None or problem.startswith("failed"):
        atomic.write_text(path, json.dumps(asdict(verdict), indent=1))
    return verdict, guarded if verdict.ok else None


def _build(tok: Any, entry: AcceleratorEntry) -> tuple[Any, str]:
    """(the accelerator, '') or (None, why not)."""
    try:
        built = entry.build(tok)
    except BaseException as e:  # noqa: BLE001 - a library that fails to load is disabled, not fatal
        if isinstance(e, (KeyboardInterrupt, SystemExit)):
            raise
        return None, f"failed to load: {type(e).__name__}: {str(e)[:200]}"
    return built, "" if built is not None else "does not apply to this tokenizer"


def _read(path: Any) -> Verdict | None:
    try:
        return Verdict(**{**json.loads(path.read_text(encoding="utf-8")), "fresh": False})
    except (OSError, ValueError, TypeError):
        return None


def verify(tok: Any, *, entries: Sequence[AcceleratorEntry] | None = None) -> list[Verdict]:
    """Verify every installed accelerator that reads this tokenizer's format (cached per fingerprint).

    Args:
        tok: a `tokensmith.Tokenizer`.
        entries: the accelerators to check (default: all installed ones for its format, in order of preference).

    Example:
        >>> import tokensmith
        >>> verdicts = verify(tokensmith.load("gpt2"))
        >>> all(v.ok or v.problem for v in verdicts)
        True
    """
    return [verify_entry(tok, e)[0] for e in candidates(tok.native_format, entries=entries)]
