"""A small deterministic byte model: order-k byte counts with Witten-Bell interpolation.

The smoothing is method C of "The Zero-Frequency Problem: Estimating the Probabilities of Novel Events in Adaptive
Text Compression" (Witten & Bell, IEEE Trans. Inf. Theory 37(4), 1991, section III-C), used as interpolation
between orders as in PPM: with n(c) the count of context c, n(c, x) that of byte x after it and u(c) the number of
distinct bytes seen after it,

    P_o(x | c) = (n(c, x) + u(c) * P_{o-1}(x | c')) / (n(c) + u(c)),     P_{-1}(x) = 1 / 256,

where c' drops the oldest byte of c. Every byte keeps a non-zero probability, and the same counts give the same
float64 distribution on every machine (plain numpy, no threads), which is what the arithmetic coder needs.

It is the model of the coder's tests and the fallback model of Equal-Info Windows (`equalinfo.py`) when no trained
byte transformer is at hand. A model directory holds `config.json` (`{"arch": "byte_ngram", "order": k, ...}`) and
`counts.npz` (per order: sorted context keys, next bytes, counts; loaded with `allow_pickle=False`, never pickled).

Not handled: contexts longer than 6 bytes (the keys are 8-bit digits of an int64), pruning, and count updates
while coding (the model is static, as Equal-Info Windows' M1 is).
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np

from tokensmith import atomic
from tokensmith.errors import ModelError

ARCH = "byte_ngram"
MAX_ORDER = 6
_FORMAT = 1


def _context_keys(data: np.ndarray, order: int) -> np.ndarray:
    """(N - order,) int64: the `order` bytes before each position >= order, as one big-endian integer."""
    keys = np.zeros(data.size - order, dtype=np.int64)
    for j in range(order):
        keys = (keys << 8) | data[j : data.size - order + j]
    return keys


class ByteNgram:
    """Order-k byte counts, interpolated (Witten-Bell); `probs(context)` is the next byte's distribution.

    Args:
        order: bytes of context (0..6).
        tables: per order o = 0..order, the arrays (keys, next bytes, counts), sorted by (key, byte).
        n_train_bytes: how many bytes the counts came from.

    Example:
        >>> lm = ByteNgram.train(b"abababab", order=1)
        >>> p = lm.probs(b"a")
        >>> int(p.argmax()) == ord("b"), round(float(p.sum()), 6)
        (True, 1.0)
    """

    arch = ARCH

    def __init__(self, *, order: int, tables: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
                 n_train_bytes: int) -> None:  # fmt: skip
        if not 0 <= order <= MAX_ORDER or len(tables) != order + 1:
            raise ModelError(f"a byte n-gram needs 0 <= order <= {MAX_ORDER} and one table per order 0..order.")
        self.order = order
        self.context_size = order
        self.tables = tables
        self.n_train_bytes = n_train_bytes
        self._index = [self._slices(keys) for keys, _, _ in tables]
        self.fingerprint = self._fingerprint()

    @staticmethod
    def _slices(keys: np.ndarray) -> dict[int, tuple[int, int]]:
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if keys.size else np.zeros(0, dtype=np.int64)
        ends = np.r_[starts[1:], keys.size]
        return {int(keys[s]): (int(s), int(e)) for s, e in zip(starts, ends)}

    @classmethod
    def train(cls, data: bytes, *, order: int = 3) -> ByteNgram:
        """Count the bytes of `data` after every context of 0..order bytes.

        Args:
            data: the training bytes (any bytes; text is coded as its UTF-8).
            order: bytes of context, 0..6.

        Example:
            >>> ByteNgram.train(b"hello", order=2).tables[2][2].tolist()  # 'l' after 'he', 'l' after 'el', 'o' after 'll'
            [1, 1, 1]
        """
        if not 0 <= order <= MAX_ORDER:
            raise ModelError(f"--order {order} is out of range: choose 0..{MAX_ORDER} bytes of context.")
        arr = np.frombuffer(bytes(data), dtype=np.uint8).astype(np.int64)
        tables = []
        for o in range(order + 1):
            if arr.size <= o:
                empty = np.zeros(0, dtype=np.int64)
                tables.append((empty, empty.astype(np.uint8), empty))
                continue
            pairs, counts = np.unique((_context_keys(arr, o) << 8) | arr[o:], return_counts=True)
            tables.append((pairs >> 8, (pairs & 255).astype(np.uint8), counts.astype(np.int64)))
        return cls(order=order, tables=tables, n_train_bytes=int(arr.size))

    def context_key(self, context: bytes) -> bytes:
        """The part of `context` the model reads (its last `order` bytes): equal keys give equal distributions.

        Args:
            context: the bytes before the predicted one.

        Example:
            >>> ByteNgram.train(b"abc", order=1).context_key(b"xyz")
            b'z'
        """
        return bytes(context[max(0, len(context) - self.order) :]) if self.order else b""

    def probs(self, context: bytes) -> np.ndarray:
        """The next byte's distribution after `context`: (256,) float64 summing to 1, every entry > 0.

        Args:
            context: the bytes before the predicted one (only the last `order` are read).

        Example:
            >>> p = ByteNgram.train(b"", order=2).probs(b"anything")  # no counts: uniform
            >>> float(p[0]) == 1 / 256
            True
        """
        p = np.full(256, 1.0 / 256)
        tail = self.context_key(context)
        for o in range(min(self.order, len(tail)) + 1):
            key = int.from_bytes(tail[len(tail) - o :], "big") if o else 0
            span = self._index[o].get(key)
            if span is None:
                break  # a context unseen at order o is unseen at every longer order too
            _, syms, counts = self.tables[o]
            n = np.zeros(256)
            n[syms[span[0] : span[1]]] = counts[span[0] : span[1]]
            distinct = span[1] - span[0]
            p = (n + distinct * p) / (n.sum() + distinct)
        return p

    def config(self) -> dict[str, object]:
        """The model directory's `config.json` content.

        Example:
            >>> ByteNgram.train(b"ab", order=1).config()["arch"]
            'byte_ngram'
        """
        return {"arch": ARCH, "format": _FORMAT, "order": self.order, "n_train_bytes": self.n_train_bytes}

    def _fingerprint(self) -> str:
        """sha256 over the canonical config JSON and every array's dtype, shape and bytes, in order."""
        h = hashlib.sha256(json.dumps(self.config(), sort_keys=True).encode("utf-8"))
        for arrays in self.tables:
            for a in arrays:
                h.update(f"{a.dtype.str}{a.shape}".encode("ascii"))
                h.update(np.ascontiguousarray(a).tobytes())
        return h.hexdigest()

    def save(self, directory: str | Path) -> Path:
        """Write `config.json` and `counts.npz` into `directory` (each file atomically).

        Args:
            directory: the model directory (created when missing).

        Example:
            >>> import tempfile
            >>> d = ByteNgram.train(b"abc", order=1).save(Path(tempfile.mkdtemp()) / "m")
            >>> sorted(p.name for p in d.iterdir())
            ['config.json', 'counts.npz']
        """
        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        arrays = {f"{name}{o}": a for o, t in enumerate(self.tables) for name, a in zip(("keys", "bytes", "counts"), t)}
        np.savez(buf, **arrays)
        atomic.write_bytes(out / "counts.npz", buf.getvalue())
        atomic.write_text(out / "config.json", json.dumps(self.config(), indent=2) + "\n")
        return out

    @classmethod
    def load(cls, directory: str | Path) -> ByteNgram:
        """Read a directory written by `save` (no pickle: `allow_pickle=False`).

        Args:
            directory: the model directory.

        Example:
            >>> import tempfile
            >>> lm = ByteNgram.train(b"abcabc", order=2)
            >>> ByteNgram.load(lm.save(Path(tempfile.mkdtemp()))).fingerprint == lm.fingerprint
            True
        """
        path = Path(directory)
        try:
            config = json.loads((path / "config.json").read_text(encoding="utf-8"))
            order = int(config["order"])
            with np.load(path / "counts.npz", allow_pickle=False) as z:
                tables = [(z[f"keys{o}"], z[f"bytes{o}"], z[f"counts{o}"]) for o in range(order + 1)]
        except (OSError, KeyError, ValueError, TypeError) as e:
            raise ModelError(f"{path} is not a readable byte n-gram directory ({e}); write one with "
                             "`tokensmith lm equalinfo ngram TEXT -o DIR`.") from e  # fmt: skip
        if config.get("arch") != ARCH:
            raise ModelError(f"{path} holds a model of arch {config.get('arch')!r}, not {ARCH!r}.")
        return cls(order=order, tables=tables, n_train_bytes=int(config.get("n_train_bytes", 0)))
