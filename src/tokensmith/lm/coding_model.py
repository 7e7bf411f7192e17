"""The byte model that drives the arithmetic coder: one protocol, its quantized tables, and the loader.

"Training LLMs over Neurally Compressed Text" (Lester et al., 2024, section 3.1) calls this model M1: a small byte
LM whose next-byte distributions an arithmetic coder turns into bits. Decoding needs the decoder to rebuild the
encoder's distributions *exactly*, so this file pins how a distribution is made:

- the distribution of the byte after `context` is a function of `model.context_key(context)` alone;
- a torch model is evaluated on exactly that context, batch 1, no cache, on one thread (`torch.set_num_threads(1)`
  around the call, the caller's setting restored), so a batched or incremental pass elsewhere cannot change it;
- the float64 probabilities are quantized by `coder.quantize` (largest remainder, ties to the lower byte) to
  integers summing to 2^16, every byte at least `floor`.

Same model, same build, same context: the same integer table, whatever the caller's thread count or process
(tests/lm/test_coder_processes.py checks encode and decode in different processes and thread counts). Not promised:
identical floats across CPU families or torch builds (a different kernel may round differently); the file header's
model fingerprint catches a different model, not a different machine.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Protocol

import numpy as np

from tokensmith.errors import ModelError
from tokensmith.lm.byte_ngram import ARCH as NGRAM_ARCH
from tokensmith.lm.byte_ngram import ByteNgram
from tokensmith.lm.coder import DEFAULT_TOTAL, cumulative, quantize

_CACHE_LIMIT = 1 << 16  # tables kept per TableSource (a dict, cleared when full)


class CodingModel(Protocol):
    """What the coder needs from a byte model."""

    fingerprint: str
    context_size: int  # the most bytes of context the model reads

    def context_key(self, context: bytes) -> bytes:
        """The part of `context` that the distribution depends on."""

    def probs(self, context: bytes) -> np.ndarray:
        """(256,) float64 probabilities of the next byte."""


class TorchByteModel:
    """A byte transformer with `next_byte_logits((B, T) uint8) -> (B, T, 256)` as a `CodingModel`.

    Args:
        module: the torch module (e.g. wt-l's `lm.byte.ByteLM`), put in eval mode.
        block_size: its context in bytes; contexts are cut to the last `block_size - 1` bytes.
        fingerprint: the sha256 of its weights and config (see `fingerprint_state`).

    Example:
        >>> import torch
        >>> class Uniform(torch.nn.Module):
        ...     def next_byte_logits(self, context):
        ...         return torch.zeros(*context.shape, 256)
        >>> m = TorchByteModel(Uniform(), block_size=8, fingerprint="0" * 64)
        >>> float(m.probs(b"abc")[7]) == 1 / 256, m.context_key(b"0123456789")
        (True, b'3456789')
    """

    def __init__(self, module: object, *, block_size: int, fingerprint: str) -> None:
        self.module = module
        self.block_size = block_size
        self.context_size = block_size - 1
        self.fingerprint = fingerprint
        if hasattr(module, "eval"):
            module.eval()

    def context_key(self, context: bytes) -> bytes:
        """The last `block_size - 1` bytes of `context` (the model's window, one slot left for the prediction).

        Args:
            context: the bytes before the predicted one.

        Example:
            >>> TorchByteModel(object(), block_size=3, fingerprint="").context_key(b"abcd")
            b'cd'
        """
        keep = self.block_size - 1
        return bytes(context[len(context) - keep :]) if len(context) > keep else bytes(context)

    def probs(self, context: bytes) -> np.ndarray:
        """The next byte's distribution: one batch-1 forward pass over the context, on one thread, in float64.

        Args:
            context: the bytes before the predicted one.

        Example:
            >>> import torch
            >>> class Peaked(torch.nn.Module):
            ...     def next_byte_logits(self, context):
            ...         out = torch.zeros(*context.shape, 256)
            ...         out[..., 65] = 10.0
            ...         return out
            >>> int(TorchByteModel(Peaked(), block_size=4, fingerprint="").probs(b"").argmax())
            65
        """
        import torch

        key = self.context_key(context)
        ids = torch.tensor([list(key) + [0]], dtype=torch.uint8)  # (1, T+1): row T predicts the next byte
        saved = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with torch.inference_mode():
                logits = self.module.next_byte_logits(ids)[0, -1]  # (256,)
        finally:
            torch.set_num_threads(saved)
        z = logits.detach().to(torch.float64).numpy()
        z = np.exp(z - z.max())
        return z / z.sum()


def fingerprint_state(config: dict[str, object], state: dict[str, object]) -> str:
    """sha256 over a canonical config JSON and every tensor's name, dtype, shape and bytes (sorted by name).

    Args:
        config: the model's config (JSON-serializable).
        state: a torch `state_dict()` (name -> tensor).

    Example:
        >>> import torch
        >>> a = fingerprint_state({"n": 1}, {"w": torch.ones(2)})
        >>> a == fingerprint_state({"n": 1}, {"w": torch.ones(2)}), a == fingerprint_state({"n": 1}, {"w": torch.zeros(2)})
        (True, False)
    """
    import torch

    h = hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode("utf-8"))
    for name in sorted(state):
        t = state[name].detach().cpu().contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.view(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


class TableSource:
    """Quantized cumulative tables of a model, cached by context key.

    Args:
        model: the byte model.
        floor: the least frequency of every byte (Equal-Info Windows raise it so that one byte always fits).
        total: the frequency total.

    Example:
        >>> tables = TableSource(ByteNgram.train(b"aaaa", order=1), floor=1)
        >>> cum = tables.get(b"a")
        >>> cum[-1], cum[ord("a") + 1] - cum[ord("a")] > 60000
        (65536, True)
    """

    def __init__(self, model: CodingModel, *, floor: int, total: int = DEFAULT_TOTAL) -> None:
        self.model = model
        self.floor = floor
        self.total = total
        self._cache: dict[bytes, list[int]] = {}

    def get(self, context: bytes) -> list[int]:
        """The cumulative table (257 ints, a list: the coder indexes it fastest) of the byte after `context`.

        Args:
            context: the bytes before it (from the start of the window, or of the text).

        Example:
            >>> TableSource(ByteNgram.train(b"", order=0), floor=1).get(b"")[:3]
            [0, 256, 512]
        """
        key = self.model.context_key(context)
        cum = self._cache.get(key)
        if cum is None:
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            cum = cumulative(quantize(self.model.probs(key), total=self.total, floor=self.floor))
            self._cache[key] = cum
        return cum


def load_coding_model(directory: str | Path) -> CodingModel:
    """Load a model directory for the coder: a byte n-gram (`config.json`, arch `byte_ngram`) or an lm checkpoint
    (`lm.json`, read by `tokensmith.lm.checkpoint.load_checkpoint`) whose model has `next_byte_logits` (arch `byte`).

    Args:
        directory: the model directory.

    Example:
        >>> import tempfile
        >>> d = ByteNgram.train(b"abc", order=1).save(tempfile.mkdtemp())
        >>> type(load_coding_model(d)).__name__
        'ByteNgram'
    """
    path = Path(directory)
    config_file = path / "config.json"
    if (path / "lm.json").is_file():
        return _load_checkpoint(path)
    if not config_file.is_file():
        raise ModelError(f"--model {path}: neither config.json nor lm.json is there. Pass a directory written by "
                         "`tokensmith lm equalinfo ngram` or `tokensmith lm train --arch byte`.")  # fmt: skip
    try:
        arch = json.loads(config_file.read_text(encoding="utf-8")).get("arch")
    except (ValueError, AttributeError) as e:
        raise ModelError(f"--model {path}: config.json is not a JSON object ({e}).") from e
    if arch != NGRAM_ARCH:
        raise ModelError(f"--model {path} has arch {arch!r} in config.json; the coder reads {NGRAM_ARCH!r} "
                         "directories and lm checkpoints of arch 'byte'.")  # fmt: skip
    return ByteNgram.load(path)


def _load_checkpoint(path: Path) -> CodingModel:
    """A byte transformer from an lm checkpoint, fingerprinted over its arch, config and weights."""
    from dataclasses import asdict

    from tokensmith.lm.checkpoint import load_checkpoint, read_record

    arch = read_record(path).get("arch")
    module, config = load_checkpoint(path)
    if not hasattr(module, "next_byte_logits"):
        raise ModelError(f"--model {path} is a {arch!r} model, which does not predict bytes; Equal-Info Windows "
                         f"need a byte model: an lm checkpoint of arch 'byte', or {NGRAM_ARCH!r}.")  # fmt: skip
    fingerprint = fingerprint_state({"arch": arch, "config": asdict(config)}, module.state_dict())
    return TorchByteModel(module, block_size=int(config.block_size), fingerprint=fingerprint)
