"""The subword LM: a decoder-only transformer over the ids of any tokensmith `Tokenizer`.

GPT-2's model ("Language Models are Unsupervised Multitask Learners", Radford et al., 2019, sections 2.2-2.3) at
toy size: `sequence.SequenceLM` with the tokenizer's vocabulary, plus a BOS input id. The training text is
encoded once, whole, and must round-trip: a tokenizer that drops or changes bytes (lowercasing, `<unk>`) would
be scored on a different text than the other models, so it is refused (`strict=True`).

Bits per byte go through the core's scorer (`tokensmith.bpb.bits_per_byte`): the canonical-tokenization bound.
Not handled: special tokens in the text (they are encoded as plain text).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tokensmith.errors import TrainingError
from tokensmith.lm.sequence import SequenceConfig, SequenceLM

ARCH = "subword"


@dataclass(frozen=True)
class SubwordConfig(SequenceConfig):
    """The subword model's size; `vocab_size` is the tokenizer's (set by training).

    Args:
        vocab_size: the tokenizer's vocabulary size.
        n_layer, n_head, n_embd, block_size: as in `SequenceConfig` (the context counts tokens, BOS included).

    Example:
        >>> SubwordConfig(vocab_size=1000).block_size
        128
    """


class SubwordLM(SequenceLM):
    """A causal transformer over a tokenizer's ids.

    Args:
        config: the model's size (`vocab_size` = the tokenizer's).
        tokenizer: the tokenizer whose ids the model reads.

    Example:
        >>> import tokensmith
        >>> tok = tokensmith.load("gpt2")
        >>> lm = SubwordLM(SubwordConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_embd=8), tokenizer=tok)
        >>> lm.prepare("Hello world").tolist()
        [15496, 995]
    """

    arch = ARCH
    unit = "tokens"

    def __init__(self, config: SubwordConfig, *, tokenizer: Any) -> None:
        if tokenizer is None or tokenizer.vocab_size != config.vocab_size:
            raise TrainingError(f"a subword model of vocab_size {config.vocab_size} needs its tokenizer (of the "
                                "same vocabulary size); pass --tokenizer with the model's tokenizer.")  # fmt: skip
        super().__init__(config)
        self.tokenizer = tokenizer

    def prepare(self, text: str) -> np.ndarray:
        """The training stream: the text's canonical ids; a TrainingError when the tokens do not spell the text.

        Args:
            text: the training text.

        Example:
            >>> import tokensmith
            >>> tok = tokensmith.load("bert-base-uncased")  # lowercases: 'Hello' does not come back
            >>> SubwordLM(SubwordConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_embd=8),
            ...           tokenizer=tok).prepare("Hello")
            Traceback (most recent call last):
            ...
            tokensmith.errors.TrainingError: tokenizer ... cannot encode the training text losslessly...
        """
        ids = self.tokenizer.encode(text)
        table = self.tokenizer.token_table
        spelled, data = b"".join(table[i] for i in ids), text.encode("utf-8")
        if spelled != data:
            at = next((k for k, (a, b) in enumerate(zip(spelled, data)) if a != b), min(len(spelled), len(data)))
            raise TrainingError(f"tokenizer {self.tokenizer.name} cannot encode the training text losslessly: its "
                                f"tokens spell other bytes from byte offset {at} on ({data[at:at + 20]!r} in the "
                                "text); bits per byte would score another text. Use a lossless tokenizer "
                                "(byte-level BPE, or SentencePiece with byte fallback).")  # fmt: skip
        return np.asarray(ids, dtype=np.int64)

    def token_lm(self) -> _SubwordTokenLM:
        """This model as the core's `TokenLM` (`sequence_logprobs` only), for `tokensmith.bpb.bits_per_byte`.

        Example:
            >>> import tokensmith
            >>> tok = tokensmith.load("gpt2")
            >>> lm = SubwordLM(SubwordConfig(vocab_size=tok.vocab_size, n_layer=1, n_head=1, n_embd=8), tokenizer=tok)
            >>> lm.token_lm().sequence_logprobs([(15496, 995)])[0].shape
            (2,)
        """
        return _SubwordTokenLM(self)


class _SubwordTokenLM:
    """The `TokenLM` view of a `SubwordLM`: log p(seq[j] | BOS, seq[:j]) per sequence (BOS is the model's own)."""

    def __init__(self, model: SubwordLM) -> None:
        self.model = model
        self.vocab_size = model.config.vocab_size
        self.eos_id = -1  # end-of-text is not scored by the protocol
        self.calls = 0

    def sequence_logprobs(self, seqs: Sequence[tuple[int, ...]]) -> list[np.ndarray]:
        self.calls += len(seqs)
        return [self.model.stream_logprobs(np.asarray(s, dtype=np.int64)) for s in seqs]
