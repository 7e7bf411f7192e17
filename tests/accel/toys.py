"""Injected accelerators for the tests: one that agrees with the backend, one that is wrong on one input, one that
fails to load. They delegate to the backend, so only the injected fault differs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokensmith.accel.registry import AcceleratorEntry
from tokensmith.accel.sample import ADVERSARIAL

WRONG_ON = next(t for t in ADVERSARIAL if t.startswith("Hello Привет"))  # the one input the wrong one gets wrong


class Delegating:
    """The backend's own ids, counting calls (so a test can see it was used)."""

    def __init__(self, tok: Any, name: str, *, wrong_on: str | None = None) -> None:
        self.name, self._backend, self._wrong_on, self.calls = name, tok.backend, wrong_on, 0

    def encode(self, text: str) -> list[int]:
        self.calls += 1
        ids = self._backend.encode(text, add_special_tokens=False)
        return ids[::-1] + [0] if text == self._wrong_on else ids

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [self.encode(t) for t in texts]


def entry(name: str, *, wrong_on: str | None = None, fails: bool = False, built: list | None = None) -> AcceleratorEntry:
    """An accelerator entry for tiktoken tokenizers whose package is `json` (always installed)."""

    def build(tok: Any) -> Delegating:
        if fails:
            raise RuntimeError("the library cannot read this vocabulary")
        acc = Delegating(tok, name, wrong_on=wrong_on)
        if built is not None:
            built.append(acc)
        return acc

    return AcceleratorEntry(name, "json", frozenset({"tiktoken"}), build)
