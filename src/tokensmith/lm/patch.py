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
blocks attend across patch boundaries in the paper, here within a patch. Splitter `entropy`: BLT's boundaries
("Byte Latent Transformer", Pagnoni et al., 2024, sections 2.3-2.4) from a frozen byte model's next-byte
entropies (`blt.py`: the rules, the prefix-stable windows, what the FLOPs count).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from tokensmith.errors import ModelError
from tokensmith.lm.hierarchical import HierarchicalLM, HierConfig

ARCH = "patch"
BOUNDARIES = ("fixed", "space", "entropy")


@dataclass(frozen=True)
class PatchConfig(HierConfig):
    """A patch model's sizes: `max_word_bytes` is the patch size P, `splitter` 'fixed' (MEGABYTE), 'space'
    (SpaceByte) or 'entropy' (BLT), `pooling` 'concat' (MEGABYTE's patch embedder).

    Args:
        max_word_bytes: P, the patch size in bytes (the longest patch, for 'space' and 'entropy').
        splitter: 'fixed', 'space' or 'entropy'.
        pooling: 'concat' (or any of the hierarchical model's poolings).
        entropy_model: 'entropy': the byte checkpoint whose next-byte entropies place the boundaries.
        entropy_sha256: its weights' sha256 ('' for no check; `blt.entropy_settings` fills it in).
        threshold: 'entropy': theta in bits.
        entropy_rule: 'global' (H > theta) or 'monotonic' (H rises by more than theta).
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
    entropy_model: str = ""
    entropy_sha256: str = ""
    threshold: float = 2.0
    entropy_rule: str = "global"


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
            raise ModelError(f"a patch model cuts patches by 'fixed' size, at 'space'-like bytes or by next-byte "
                             f"'entropy', not by {config.splitter!r}; for words use --arch hierarchical.")  # fmt: skip
        self._entropy: tuple[Any, ...] = ()
        if config.splitter == "entropy":
            from tokensmith.lm.blt import RULES, load_entropy_model

            if not config.entropy_model or config.entropy_rule not in RULES:
                raise ModelError(f"entropy patches need an entropy model and a rule of {', '.join(RULES)}: pass "
                                 "--patching entropy --entropy-model DIR --threshold T.")  # fmt: skip
            self._entropy = (load_entropy_model(config.entropy_model, sha256=config.entropy_sha256),)  # not a
            # submodule: frozen, and neither trained nor saved with this model
        super().__init__(dataclasses.replace(config, splitter="fixed") if self._entropy else config)
        self.config = config

    def split(self, text: str) -> list[bytes]:
        """The text's patches: fixed, space-started, or cut where the entropy model's next-byte entropy is high.

        Args:
            text: the text.

        Example:
            >>> PatchLM(PatchConfig(n_embd=16, dec_embd=8, n_head=1, sub_head=1, max_word_bytes=4)).split("abcdef")
            [b'abcd', b'ef']
        """
        if not self._entropy:
            return super().split(text)
        from tokensmith.lm.blt import entropy_patches, next_byte_entropies

        c, data = self.config, text.encode("utf-8")
        return entropy_patches(data, next_byte_entropies(self._entropy[0], data), threshold=c.threshold,
                               rule=c.entropy_rule, max_bytes=c.max_word_bytes)  # fmt: skip

    def positions_flops(self, *, n_bytes: int, n_words: int, factor: int) -> int:
        """The hierarchical rule, plus the entropy model's forward pass (2 x its params per byte) for 'entropy'.

        Args:
            n_bytes: real bytes in the patches.
            n_words: patches.
            factor: FLOPs per parameter per position of this model (6: training, 2: inference).

        Example:
            >>> lm = PatchLM(PatchConfig(n_embd=16, dec_embd=8, n_head=1, sub_head=1, max_word_bytes=4))
            >>> lm.positions_flops(n_bytes=8, n_words=2, factor=6) > 0  # no entropy model: the hierarchical rule
            True
        """
        own = super().positions_flops(n_bytes=n_bytes, n_words=n_words, factor=factor)
        return own + (2 * self._entropy[0].flop_params() * n_bytes if self._entropy else 0)

    def training_stats(self, text: str) -> dict[str, Any]:
        """What `lm train` records beside bits per byte: the mean patch length on the validation text.

        Args:
            text: the validation text.

        Example:
            >>> PatchLM(PatchConfig(n_embd=16, dec_embd=8, n_head=1, sub_head=1, max_word_bytes=4)).training_stats(
            ...     "abcdef")
            {'bytes_per_patch': 3.0}
        """
        return {"bytes_per_patch": len(text.encode("utf-8")) / max(1, len(self.split(text)))}
