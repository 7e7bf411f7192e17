"""The 'bpe' learner: byte-pair encoding (Sennrich et al., 2016), through a library trainer.

Engines:
- hf: byte-level BPE in the GPT-2 style (Radford et al., 2019, Section 2.2): text is split by the GPT-2 regex, each
  piece is spelled in the 256-symbol byte alphabet ('Ġ' = space), and merges are learned on those symbols. Lossless
  by construction; the smallest vocabulary is the 256 bytes plus the special tokens.
- sentencepiece: SentencePiece BPE with byte fallback (Llama-2 style), see `sentencepiece_engine`.
Not handled here: a pure-Python BPE (the trainers are the reference implementations).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from tokensmith.learn.hf_engine import check_extra, check_vocab, hf_normalizer, run_trainer, too_small, wrap
from tokensmith.learn.registry import TrainConfig, check_engine, register_learner, reject_epochs
from tokensmith.learn.sentencepiece_engine import train_sentencepiece
from tokensmith.learn.stream import TrainingStream

if TYPE_CHECKING:
    from tokensmith.tokenizer import Tokenizer

DEFAULT_SPECIALS = ("<|endoftext|>",)
N_BYTES = 256


def _train_hf(lines: Iterable[str], config: TrainConfig) -> Tokenizer:
    from tokenizers import Tokenizer as HFTokenizer
    from tokenizers import decoders, models, pre_tokenizers, processors, trainers

    check_extra("bpe", config, ("min_frequency",))
    specials = list(config.special_tokens or DEFAULT_SPECIALS)
    minimum = N_BYTES + len(specials)
    if config.vocab_size < minimum:  # known before reading the corpus: the byte alphabet is fixed
        raise too_small("bpe", config, minimum, f"the {N_BYTES} byte symbols plus {len(specials)} special tokens")
    stream = TrainingStream(lines, config)
    tok = HFTokenizer(models.BPE())
    if (normalizer := hf_normalizer(config.normalization)) is not None:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(
        vocab_size=config.vocab_size,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        min_frequency=int(config.extra.get("min_frequency", 0)),  # type: ignore[call-overload]
        show_progress=False,
    )
    run_trainer(tok, trainer, stream, algo="bpe", config=config)
    check_vocab(tok, algo="bpe", config=config, why="the byte alphabet plus the special tokens")
    return wrap(tok, algo="bpe")


def train_bpe(lines: Iterable[str], config: TrainConfig) -> Tokenizer:
    """Train a BPE tokenizer on `lines` with `config.engine`.

    Args:
        lines: the corpus, one text per item (streamed once).
        config: vocab size, engine, normalization, special tokens, seed, ...

    Example:
        >>> tok = train_bpe(["low lower lowest"] * 10, TrainConfig(vocab_size=270, progress=False))
        >>> tok.decode(tok.encode("lowest"))
        'lowest'
    """
    check_engine("bpe", config, ("hf", "sentencepiece"))
    reject_epochs("bpe", config)
    if config.engine == "sentencepiece":
        return train_sentencepiece(lines, config, model_type="bpe")
    return _train_hf(lines, config)


register_learner("bpe", train_bpe)
