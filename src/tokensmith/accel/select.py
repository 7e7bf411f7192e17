"""Which encoder a Tokenizer uses: the first verified accelerator for its format, else its backend.

`accelerator_for(tok, work=n)` verifies lazily and remembers the answer per backend for the process (a weak map:
backends never change). Verification costs about a second (the sample is ~200 KB), so it runs only for a call
worth it: an `encode_batch` of at least `VERIFY_AT` characters, `encode_corpus`, `Tokenizer.encoder`, or
`tokensmith.accel.verify`. Smaller calls before that use the backend (a test suite of toy tokenizers never pays
for it); after it, every call may use the accelerator, since its ids are the backend's.
Each accelerator that fails to load or disagrees gives ONE `AcceleratorWarning` naming the first differing input,
when the check runs (a cached failure is silent); the next one in `registry.PREFERENCE` is then tried.
`$TOKENSMITH_ACCEL=0` (the CLI's `--no-accel`) makes every call answer None without verifying anything.
"""

from __future__ import annotations

import threading
import warnings
import weakref
from collections.abc import Sequence
from typing import Any

from tokensmith.accel.registry import AcceleratorEntry, AcceleratorWarning, candidates, enabled
from tokensmith.accel.verify import Guarded, verify_entry

BACKEND_ENCODERS = {"hf": "hf-tokenizers", "sentencepiece": "sentencepiece", "tiktoken": "tiktoken"}

VERIFY_AT = 200_000  # characters in one call: below this a tokenizer not yet verified stays on its backend

_CHOSEN: weakref.WeakKeyDictionary[Any, Guarded | None] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def choose(tok: Any, *, entries: Sequence[AcceleratorEntry] | None = None) -> Guarded | None:
    """Verify the candidates for `tok` in order and return the first that passes (None when none does).

    Args:
        tok: a `tokensmith.Tokenizer`.
        entries: the accelerators to try (default: the installed ones for its format, by preference).

    Example:
        >>> import tokensmith
        >>> acc = choose(tokensmith.load("gpt2"))
        >>> acc is None or acc.encode("Hello world") == [15496, 995]
        True
    """
    for entry in candidates(tok.native_format, entries=entries):
        verdict, acc = verify_entry(tok, entry)
        if acc is not None:
            return acc
        if verdict.fresh and verdict.problem != "does not apply to this tokenizer":
            warnings.warn(
                f"{tok.name}: accelerator {' '.join(filter(None, (entry.name, verdict.version)))} is disabled for this tokenizer and its "
                f"backend is used ({verdict.problem}). Report it to {entry.name}'s authors; set TOKENSMITH_ACCEL=0 "
                "(or pass --no-accel) to skip accelerators.",
                AcceleratorWarning,
                stacklevel=4,
            )
    return None


def accelerator_for(tok: Any, *, work: int | None = None) -> Guarded | None:
    """The verified accelerator `tok`'s plain-text calls use, or None (accelerators off, or none verified).

    Args:
        tok: a `tokensmith.Tokenizer`.
        work: characters the call will encode; below `VERIFY_AT` an unverified tokenizer is not verified now
            (None: verify now if needed).

    Example:
        >>> import os, tokensmith
        >>> os.environ["TOKENSMITH_ACCEL"] = "0"
        >>> accelerator_for(tokensmith.load("gpt2")) is None
        True
        >>> del os.environ["TOKENSMITH_ACCEL"]
    """
    if not enabled():
        return None
    backend = tok.backend
    try:
        return _CHOSEN[backend]
    except KeyError:
        if work is not None and work < VERIFY_AT:
            return None
    with _LOCK:
        if backend not in _CHOSEN:
            _CHOSEN[backend] = choose(tok)
        return _CHOSEN[backend]


def encoder_name(tok: Any) -> str:
    """The name of the encoder `tok.encode` uses: an accelerator's, else 'tiktoken', 'hf-tokenizers' or
    'sentencepiece'.

    Args:
        tok: a `tokensmith.Tokenizer`.

    Example:
        >>> import os, tokensmith
        >>> os.environ["TOKENSMITH_ACCEL"] = "0"
        >>> encoder_name(tokensmith.load("gpt2")), encoder_name(tokensmith.load("mistral-v3"))
        ('tiktoken', 'sentencepiece')
        >>> del os.environ["TOKENSMITH_ACCEL"]
    """
    acc = accelerator_for(tok)
    return acc.name if acc is not None else BACKEND_ENCODERS.get(tok.backend_kind, tok.backend_kind)


def forget() -> None:
    """Drop the remembered choices (the next call verifies again, from the cache), e.g. after installing a package.

    Example:
        >>> forget()
    """
    with _LOCK:
        _CHOSEN.clear()
