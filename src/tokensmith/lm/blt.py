"""BLT entropy patching: a patch starts where a small byte model is unsure of the next byte.

"Byte Latent Transformer: Patches Scale Better Than Tokens" (Pagnoni et al., 2024), sections 2.3-2.4: a small
byte LM gives the entropy H(x_t) of its next-byte distribution p(x_t | x_<t); byte t starts a new patch when
H(x_t) > theta (the global-threshold rule) or when H(x_t) - H(x_{t-1}) > theta (the approximate monotonicity
rule). Patches longer than `max_bytes` are cut (left to right). Entropies are in bits.

The entropy model is a trained `byte` checkpoint (`tokensmith lm train --arch byte ...` first), passed by path:
`tokensmith lm train --arch patch --patching entropy --entropy-model DIR --threshold T`. The patch checkpoint
refers to it by path and records the sha256 of its weights; loading refuses a changed file. The entropy model
is frozen and not part of the patch model's parameters; its training FLOPs are not in the patch model's budget
(report them beside it), its forward FLOPs are: 2 x its params per byte (the cost of a streaming pass).

Causal in the prefix sense BLT needs: windows of `block_size` bytes start at fixed multiples of half a window
(not at positions that depend on the text's length), each scoring the bytes of its second half (the first
window: all of them), so the entropy of byte t, hence every boundary up to t, depends on bytes < t only
(`next_byte_entropies`). Not built: BLT's cross-attention patch encoder and hash n-gram embeddings (the patch
model here is MEGABYTE's, `patch.py`).
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import numpy as np

from tokensmith.errors import ModelError

RULES = ("global", "monotonic")
BATCH = 64  # windows per forward pass


def next_byte_entropies(model: Any, data: bytes) -> np.ndarray:
    """H(x_t | x_<t) in bits for every byte of `data` under a byte model (prefix-stable windows, see above).

    Args:
        model: a `ByteLM` (anything with `next_byte_logits` and `config.block_size`).
        data: the bytes.

    Example:
        >>> import torch
        >>> from tokensmith.lm.byte import ByteConfig, ByteLM
        >>> _ = torch.manual_seed(0)
        >>> h = next_byte_entropies(ByteLM(ByteConfig(n_layer=1, n_head=1, n_embd=8, block_size=8)), b"hello world")
        >>> h.shape, bool((7.9 < h).all() and (h <= 8.0).all())  # untrained: about uniform, 8 bits
        ((11,), True)
    """
    import torch

    n, T = len(data), model.config.block_size
    half = max(1, T // 2)
    starts = [0] + list(range(half, max(0, n - (T - half)), half))  # window k >= 1 scores [s + T - half, s + T)
    ids = np.frombuffer(data, dtype=np.uint8)
    out = np.zeros(n, dtype=np.float64)
    for b in range(0, len(starts), BATCH):
        group = starts[b : b + BATCH]
        windows = np.zeros((len(group), T), dtype=np.uint8)  # padding after the text: causality ignores it
        for row, s in enumerate(group):
            windows[row, : len(ids[s : s + T])] = ids[s : s + T]
        with torch.no_grad():
            logp = torch.log_softmax(model.next_byte_logits(torch.as_tensor(windows)).double(), dim=-1)  # (G,T,256)
        entropy = (-(logp.exp() * logp).sum(dim=-1) / math.log(2)).numpy()  # (G, T) bits
        for row, s in enumerate(group):
            first = 0 if s == 0 else T - half
            end = min(T, n - s)
            out[s + first : s + end] = entropy[row, first:end]
    return out


def patch_starts(entropies: np.ndarray, *, threshold: float, rule: str = "global") -> list[int]:
    """Where patches start: byte 0, and each byte whose entropy (global) or entropy rise (monotonic) > threshold.

    Args:
        entropies: (n,) H(x_t) in bits.
        threshold: theta, in bits.
        rule: 'global' or 'monotonic'.

    Example:
        >>> patch_starts(np.array([3.0, 0.5, 2.5, 0.2, 0.9]), threshold=2.0)
        [0, 2]
        >>> patch_starts(np.array([3.0, 0.5, 2.5, 0.2, 0.9]), threshold=0.6, rule="monotonic")
        [0, 2, 4]
    """
    if rule not in RULES:
        raise ModelError(f"unknown entropy rule {rule!r}; valid choices: {', '.join(RULES)} (--set entropy_rule=...)")
    if len(entropies) == 0:
        return []
    score = entropies if rule == "global" else np.diff(entropies, prepend=entropies[0])
    return [0] + [int(t) for t in np.flatnonzero(score[1:] > threshold) + 1]


def entropy_patches(data: bytes, entropies: np.ndarray, *, threshold: float, rule: str, max_bytes: int) -> list[bytes]:
    """`data` cut at `patch_starts`, each patch then cut into pieces of at most `max_bytes` bytes.

    Args:
        data: the bytes.
        entropies: (len(data),) next-byte entropies in bits.
        threshold: theta.
        rule: 'global' or 'monotonic'.
        max_bytes: the longest patch.

    Example:
        >>> entropy_patches(b"abcdefg", np.array([5.0, 0, 0, 5, 0, 0, 0]), threshold=1, rule="global", max_bytes=3)
        [b'abc', b'def', b'g']
    """
    starts = patch_starts(entropies, threshold=threshold, rule=rule)
    ends = [*starts[1:], len(data)]
    return [data[a:b][k : k + max_bytes] for a, b in zip(starts, ends, strict=True) for k in range(0, b - a, max_bytes)]


def weights_sha256(directory: str | Path) -> str:
    """The sha256 of a checkpoint's `model.safetensors` (what a patch checkpoint records of its entropy model).

    Args:
        directory: a checkpoint directory.

    Example:
        >>> weights_sha256("no-such-dir")
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: no entropy model at no-such-dir...
    """
    file = Path(directory) / "model.safetensors"
    if not file.is_file():
        raise ModelError(f"no entropy model at {directory} (no model.safetensors); train one first with "
                         "`tokensmith lm train --arch byte ... -o DIR` and pass --entropy-model DIR.")  # fmt: skip
    return hashlib.sha256(file.read_bytes()).hexdigest()


def load_entropy_model(directory: str | Path, *, sha256: str = "") -> Any:
    """The frozen `ByteLM` of a byte checkpoint, in eval mode; `sha256` given -> refuse other weights.

    Args:
        directory: a `byte` checkpoint directory.
        sha256: the weights' expected sha256 ('' for no check).

    Example:
        >>> load_entropy_model("no-such-dir")
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: no entropy model at no-such-dir...
    """
    from tokensmith.lm.checkpoint import load_checkpoint

    found = weights_sha256(directory)
    if sha256 and found != sha256:
        raise ModelError(f"the entropy model at {directory} has changed (weights sha256 {found[:12]}..., the patch "
                         f"model was trained with {sha256[:12]}...); put the original back or retrain.")  # fmt: skip
    model, _ = load_checkpoint(directory, arch="byte")
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def entropy_settings(directory: str | Path, *, threshold: float, rule: str = "global") -> dict[str, Any]:
    """The patch-model settings of `--patching entropy --entropy-model DIR --threshold T`.

    Args:
        directory: the byte checkpoint of the entropy model.
        threshold: theta in bits (> 0 for the global rule).
        rule: 'global' or 'monotonic'.

    Example:
        >>> entropy_settings("no-such-dir", threshold=2.0)
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: no entropy model at no-such-dir...
    """
    if rule not in RULES or not math.isfinite(threshold):
        raise ModelError(f"--threshold {threshold} with rule {rule!r}: pass a finite threshold in bits and a rule "
                         f"of {', '.join(RULES)}.")  # fmt: skip
    sha = weights_sha256(directory)
    return {"splitter": "entropy", "entropy_model": str(Path(directory).resolve()), "entropy_sha256": sha,
            "threshold": float(threshold), "entropy_rule": rule}  # fmt: skip
