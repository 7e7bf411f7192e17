"""Patch models: fixed-size patches (MEGABYTE) and patches that start at space-like bytes (SpaceByte).

"MEGABYTE: Predicting Million-byte Sequences with Multiscale Transformers" (Yu et al., 2023), section 2: the byte
stream is cut into patches of P bytes; a patch embedder concatenates the P byte embeddings (each with its slot's
position) into one vector; a global causal transformer runs over patches; a local causal transformer predicts
each patch's bytes from the global output of the patches before it. "SpaceByte: Towards Deleting Tokenization
from Large Language Modeling" (Slagle, 2024), section 2: the same two levels, with a patch starting at every
space-like byte that follows a non-space-like one (`words.py` has the rule).

Built as the hierarchical model (`hierarchical.py`) with `pooling="concat"` and splitter `fixed` or `space`:
same backbone, same local decoder, same bits-per-byte accounting. Differences from the papers, on purpose:
the local decoder also predicts an end-of-patch symbol (for fixed patches it is certain after P bytes, and a
trained model pays almost nothing for it; it keeps one scoring rule for all patchings); MEGABYTE's local model
reads the global output added to the byte embeddings, ours reads it as a first position; SpaceByte's local
blocks attend across patch boundaries in the paper, here within a patch. Not built: BLT's entropy boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass

from tokensmith.errors import ModelError
from tokensmith.lm.hierarchical import HierarchicalLM, HierConfig

ARCH = "patch"
BOUNDARIES = ("fixed", "space")


@dataclass(frozen=True)
class PatchConfig(HierConfig):
    """A patch model's sizes: `max_word_bytes` is the patch size P, `splitter` 'fixed' (MEGABYTE) or 'space'
    (SpaceByte), `pooling` 'concat' (MEGABYTE's patch embedder).

    Args:
        max_word_bytes: P, the patch size in bytes (the longest patch, for 'space').
        splitter: 'fixed' or 'space'.
        pooling: 'concat' (or any of the hierarchical model's poolings).
        n_layer, n_head, n_embd, block_size, enc_embd, dec_layer, dec_embd, sub_head: as in `HierConfig`
            (block_size counts patches; enc_embd is the byte-embedding width of the patch embedder).

    Example:
        >>> PatchConfig().max_word_bytes, PatchConfig().splitter
        (8, 'fixed')
    """

    max_word_bytes: int = 8
    pooling: str = "concat"
    splitter: str = "fixed"
    enc_layer: int = 0
    enc_embd: int = 16


class PatchLM(HierarchicalLM):
    """MEGABYTE / SpaceByte patches over the hierarchical model's backbone and local decoder.

    Args:
        config: the model's sizes and patching.

    Example:
        >>> lm = PatchLM(PatchConfig(n_embd=16, dec_embd=8, n_head=1, sub_head=1, max_word_bytes=4))
        >>> lm.count_tokens(b"abcdefghij")  # patches abcd, efgh, ij
        3
    """

    arch = ARCH

    def __init__(self, config: PatchConfig) -> None:
        if config.splitter not in BOUNDARIES:
            raise ModelError(f"a patch model cuts patches by 'fixed' size or at 'space'-like bytes, not by "
                             f"{config.splitter!r}; for words use --arch hierarchical.")  # fmt: skip
        super().__init__(config)
