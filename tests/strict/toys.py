"""Two tiny tokenizer.json files that drop text, written by hand so that every expected offset can be checked.

- `lossy_a`: the issue's `{"model":{"type":"BPE","vocab":{"a":0},"merges":[]}}`. No normalizer, no byte fallback, no
  unknown token: it claims nothing (`lossless` is False) and encodes `hello` to `[]`.
- `meta_ab`: a Metaspace BPE with byte fallback switched on but no `<0xNN>` pieces, vocabulary `▁ a b`. It claims to
  be lossless (`lossless` is True, dummy prefix) yet drops every other character: `abc` → `▁ a b`, `c` lost.
"""

from __future__ import annotations

import json
from pathlib import Path

_META = {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "always", "split": False}


def lossy_a(folder: Path) -> Path:
    """The issue's one-token vocabulary {"a": 0}."""
    path = folder / "lossy_a.json"
    path.write_text(json.dumps({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}}), encoding="utf-8")
    return path


def meta_ab(folder: Path) -> Path:
    """A Metaspace BPE over '▁', 'a', 'b' that claims byte fallback but has no byte pieces."""
    model = {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
             "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": True, "ignore_merges": False,
             "vocab": {"▁": 0, "a": 1, "b": 2}, "merges": []}  # fmt: skip
    config = {"version": "1.0", "truncation": None, "padding": None, "added_tokens": [], "normalizer": None,
              "pre_tokenizer": _META, "post_processor": None, "decoder": _META, "model": model}  # fmt: skip
    path = folder / "meta_ab.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return path
