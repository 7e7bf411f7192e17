"""Accelerated exact encoders: other libraries' faster encoders for the same vocabularies, used only where verified.

- `registry.py`: the accelerators (one file each: riptoken, bpe_openai, kitoken, fastokens, tokie, gigatoken) and
  the order they are tried in per native format;
- `sample.py`: the verification sample; `verify.py`: the id-equality check and its cache;
- `select.py`: which encoder a Tokenizer uses (`Tokenizer.encoder`), lazily, once per backend.

Importing this package imports none of the accelerator libraries.

Example:
    >>> import tokensmith
    >>> from tokensmith import accel
    >>> all(v.ok or v.problem for v in accel.verify(tokensmith.load("gpt2")))
    True
"""

from __future__ import annotations

from tokensmith.accel.registry import ACCELERATORS, ENV, Accelerator, AcceleratorEntry, AcceleratorWarning, enabled
from tokensmith.accel.select import accelerator_for, choose, encoder_name, forget
from tokensmith.accel.verify import Guarded, Verdict, verify

__all__ = ["ACCELERATORS", "ENV", "Accelerator", "AcceleratorEntry", "AcceleratorWarning", "Guarded", "Verdict",
           "accelerator_for", "choose", "encoder_name", "enabled", "forget", "verify"]  # fmt: skip
