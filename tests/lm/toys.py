"""Tiny models and texts for the lm tests: every model here has a few thousand parameters."""

from __future__ import annotations

from functools import lru_cache

TEXT = "the cat sat on the mat. the dog sat on the log. " * 8

BYTE = {"n_layer": 1, "n_head": 1, "n_embd": 16, "block_size": 32}
HIER = {"n_layer": 1, "n_head": 1, "n_embd": 16, "block_size": 8, "enc_embd": 8, "dec_embd": 8, "sub_head": 1,
        "max_word_bytes": 8, "splitter": "unicode"}  # fmt: skip
PATCH = {"n_layer": 1, "n_head": 1, "n_embd": 16, "block_size": 8, "enc_embd": 8, "dec_embd": 8, "sub_head": 1,
         "max_word_bytes": 4}  # fmt: skip
SUBWORD = {"n_layer": 1, "n_head": 1, "n_embd": 16, "block_size": 16}
MRT5 = {"n_layer": 2, "n_head": 1, "n_embd": 16, "block_size": 32, "gate_layer": 1}
FTP = SUBWORD | {"n_future": 3}


@lru_cache(maxsize=1)
def toy_tokenizer():
    """A 300-id byte-level BPE trained on TEXT (lossless)."""
    import tokensmith

    return tokensmith.train("bpe", [TEXT] * 4, vocab_size=300)


def build(arch: str, **overrides):
    """A seeded tiny model of `arch`."""
    import torch

    from tokensmith.lm.registry import build_model, make_config

    torch.manual_seed(0)
    fields = {"byte": BYTE, "hierarchical": HIER, "subword": SUBWORD, "patch": PATCH, "lexinvariant": SUBWORD,
              "mrt5": MRT5, "ftp": FTP}[arch] | overrides  # fmt: skip
    tok = None
    if arch in ("subword", "lexinvariant", "ftp"):
        tok = toy_tokenizer()
        fields = fields | {"vocab_size": tok.vocab_size}
    return build_model(arch, make_config(arch, fields), tokenizer=tok)
