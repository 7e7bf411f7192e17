"""The accelerators tokensmith knows: name → how to build one for a tokenizer, in order of preference.

An accelerator is another library's exact encoder for the same vocabulary (usually a faster Rust BPE). It is
built from a Tokenizer's public data only (`native_bytes()`, `native_format`, `backend.pattern`, `backend`'s
mergeable ranks for tiktoken) and offers two calls on plain text (special-token strings read as text, no BOS/EOS):

    encode(text: str) -> list[int]
    encode_batch(texts: Sequence[str]) -> list[list[int]]

and may say `single = False` when one call per text is slower than the backend's (`Tokenizer.encode` then stays
on the backend; `encode_batch` still uses it).

This file only names them. Whether one may be used for a tokenizer is decided by `verify.py` (identical ids on
the verification sample, cached per fingerprint) and `select.py` (the first verified one in `preference`).
It does not import any accelerator package: each `build` imports its library when called.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tokensmith.accel.bpe_openai import build as bpe_openai_build
from tokensmith.accel.fastokens import build as fastokens_build
from tokensmith.accel.gigatoken import build as gigatoken_build
from tokensmith.accel.kitoken import build as kitoken_build
from tokensmith.accel.riptoken import build as riptoken_build
from tokensmith.accel.tokie import build as tokie_build
from tokensmith.errors import TokensmithError

ENV = "TOKENSMITH_ACCEL"  # "0" (or false/no/off) turns every accelerator off


class Accelerator(Protocol):
    """An exact encoder for one tokenizer (plain text, no special-token parsing, no BOS/EOS)."""

    name: str

    def encode(self, text: str) -> list[int]: ...

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]: ...


class AcceleratorWarning(UserWarning):
    """An installed accelerator failed to load or disagreed with the backend; the backend is used instead."""


@dataclass(frozen=True)
class AcceleratorEntry:
    """One accelerator: its name, the PyPI distribution and module it needs, and its builder.

    Args:
        name: the name `Tokenizer.encoder` reports (the distribution's name).
        module: the importable module of the package.
        formats: the native formats (`Tokenizer.native_format`) it can read.
        build: builds the accelerator for a tokenizer, or returns None when it does not apply to that one (raises
            when the library fails on it).

    Example:
        >>> entry("riptoken").formats
        frozenset({'tiktoken'})
    """

    name: str
    module: str
    formats: frozenset[str]
    build: Callable[[Any], Any]

    def installed(self) -> bool:
        """True when the package can be imported here.

        Example:
            >>> isinstance(entry("kitoken").installed(), bool)
            True
        """
        return importlib.util.find_spec(self.module) is not None

    def version(self) -> str:
        """The installed version of the package ('' when it is not installed).

        Example:
            >>> entry("kitoken").version() == "" or entry("kitoken").version()[0].isdigit()
            True
        """
        try:
            return importlib.metadata.version(self.name)
        except importlib.metadata.PackageNotFoundError:
            return ""


ACCELERATORS: tuple[AcceleratorEntry, ...] = (
    AcceleratorEntry("riptoken", "riptoken", frozenset({"tiktoken"}), riptoken_build),
    AcceleratorEntry("bpe-openai", "bpe_openai", frozenset({"tiktoken"}), bpe_openai_build),
    AcceleratorEntry("kitoken", "kitoken", frozenset({"tiktoken", "tokenizer.json", "sentencepiece"}), kitoken_build),
    AcceleratorEntry("fastokens", "fastokens", frozenset({"tiktoken", "tokenizer.json"}), fastokens_build),
    AcceleratorEntry("tokie", "tokie", frozenset({"tokenizer.json"}), tokie_build),
    AcceleratorEntry("gigatoken", "gigatoken", frozenset({"tokenizer.json", "sentencepiece"}), gigatoken_build),
)

# Which accelerator to try first for each native format (from benchmarks/results/encode.json, measured here).
PREFERENCE: dict[str, tuple[str, ...]] = {
    "tiktoken": ("fastokens", "bpe-openai", "riptoken", "kitoken"),
    "tokenizer.json": ("fastokens", "tokie", "gigatoken", "kitoken"),
    "sentencepiece": ("kitoken", "gigatoken"),
}


def enabled() -> bool:
    """False when `$TOKENSMITH_ACCEL` is 0 / false / no / off (the CLI's `--no-accel` sets it).

    Example:
        >>> import os
        >>> os.environ["TOKENSMITH_ACCEL"] = "0"
        >>> enabled()
        False
        >>> del os.environ["TOKENSMITH_ACCEL"]
        >>> enabled()
        True
    """
    return os.environ.get(ENV, "1").strip().lower() not in ("0", "false", "no", "off")


def entry(name: str) -> AcceleratorEntry:
    """The accelerator called `name`.

    Args:
        name: e.g. 'riptoken'.

    Raises:
        TokensmithError: no such accelerator (the message lists them).

    Example:
        >>> entry("kitoken").module
        'kitoken'
    """
    for e in ACCELERATORS:
        if e.name == name:
            return e
    raise TokensmithError(f"no accelerator called {name!r}: choose one of {', '.join(e.name for e in ACCELERATORS)}.")


def candidates(native_format: str, *, entries: Sequence[AcceleratorEntry] | None = None) -> list[AcceleratorEntry]:
    """The installed accelerators that read `native_format`, in order of preference.

    Args:
        native_format: a `Tokenizer.native_format`.
        entries: the accelerators to choose from (default: `ACCELERATORS`, ordered by `PREFERENCE`).

    Example:
        >>> all(e.installed() and "sentencepiece" in e.formats for e in candidates("sentencepiece"))
        True
    """
    if entries is None:
        order = PREFERENCE.get(native_format, ())
        entries = sorted(ACCELERATORS, key=lambda e: order.index(e.name) if e.name in order else len(order))
    return [e for e in entries if native_format in e.formats and e.installed()]


__all__ = ["ACCELERATORS", "ENV", "PREFERENCE", "Accelerator", "AcceleratorEntry", "AcceleratorWarning",
           "candidates", "enabled", "entry"]  # fmt: skip
