"""Encoder and decoder must rebuild the same integer tables: a torch byte model, evaluated one context at a time on
one thread, gives the same tables whatever the caller's thread count, and a file coded in one process decodes in
another with a different torch thread count."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.models

TOY = textwrap.dedent(
    """
    import torch
    from tokensmith.lm.coding_model import TorchByteModel, fingerprint_state

    class Toy(torch.nn.Module):
        # a seeded causal toy: byte t sees the mean embedding of BOS + bytes before t
        def __init__(self):
            super().__init__()
            g = torch.Generator().manual_seed(0)
            self.emb = torch.nn.Parameter(torch.randn(257, 48, generator=g))
            self.w = torch.nn.Parameter(torch.randn(48, 48, generator=g) / 7)
            self.out = torch.nn.Parameter(torch.randn(48, 256, generator=g) * 2)

        def next_byte_logits(self, context):
            ids = torch.cat([torch.full_like(context[:, :1], 256, dtype=torch.long), context[:, :-1].long()], 1)
            h = torch.cumsum(self.emb[ids], 1) / torch.arange(1, ids.shape[1] + 1).view(1, -1, 1)  # (B, T, 48)
            return torch.tanh(h @ self.w) @ self.out  # (B, T, 256)

    def toy_model():
        m = Toy()
        return TorchByteModel(m, block_size=64, fingerprint=fingerprint_state({"arch": "toy"}, m.state_dict()))
    """
)
DATA = "Equal-Info Windows über Bytes: \u00e9\u00e8 \u6771\u4eac ".encode() + b"\xff\x00\xfe"


def _toy():
    scope: dict[str, object] = {}
    exec(TOY, scope)  # noqa: S102 - our own source text, shared with the subprocesses
    return scope["toy_model"]()


def _run(script: str, threads: int) -> None:
    code = TOY + textwrap.dedent(script).replace("THREADS", str(threads))
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "OMP_NUM_THREADS": str(threads)})


def test_tables_do_not_depend_on_the_callers_thread_count():
    import numpy as np
    import torch

    from tokensmith.lm.coding_model import TableSource

    model = _toy()
    saved = torch.get_num_threads()
    tables = []
    try:
        for threads in (1, 2, 4):
            torch.set_num_threads(threads)
            src = TableSource(model, floor=1)
            tables.append([src.get(DATA[:i]) for i in range(0, 40, 3)])
            assert torch.get_num_threads() == threads  # restored after each evaluation
    finally:
        torch.set_num_threads(saved)
    for other in tables[1:]:
        assert all(np.array_equal(a, b) for a, b in zip(tables[0], other))


def test_encode_and_decode_in_different_processes_and_thread_counts(tmp_path):
    from tokensmith.lm.equalinfo_format import encode_bytes

    src = tmp_path / "in.bin"
    src.write_bytes(DATA)
    encode = f"""
        import torch, pathlib
        from tokensmith.lm.equalinfo_format import encode_bytes
        torch.set_num_threads(THREADS)
        root, model = pathlib.Path({str(tmp_path)!r}), toy_model()
        for bits in (16, 32):
            (root / f"in.ew{{bits}}").write_bytes(encode_bytes((root / "in.bin").read_bytes(), model, bits=bits))
    """
    decode = f"""
        import torch, pathlib
        from tokensmith.lm.equalinfo_format import decode_bytes
        torch.set_num_threads(THREADS)
        root, model = pathlib.Path({str(tmp_path)!r}), toy_model()
        for bits in (16, 32):
            (root / f"back{{bits}}.bin").write_bytes(decode_bytes((root / f"in.ew{{bits}}").read_bytes(), model))
    """
    _run(encode, 4)
    _run(decode, 1)
    model = _toy()
    for bits in (16, 32):
        assert (tmp_path / f"back{bits}.bin").read_bytes() == DATA
        # and the other process's file equals this process's encoding, byte for byte
        assert (tmp_path / f"in.ew{bits}").read_bytes() == encode_bytes(DATA, model, bits=bits)
