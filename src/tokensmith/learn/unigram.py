"""The 'unigram' learner: the unigram language model tokenizer (Kudo, 2018, Section 3.2), through a library trainer.

Engines:
- hf: `tokenizers`' UnigramTrainer with a Metaspace pre-tokenizer ('▁' marks a space, one is prepended) and, with
  byte_fallback, 256 '<0xNN>' pieces added after the special tokens so that any character outside the vocabulary
  is spelled in bytes (Llama-2 style, lossless). The trainer learns `vocab_size - 256` pieces in that case.
- sentencepiece: SentencePiece unigram, see `sentencepiece_engine`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from tokensmith.learn.hf_engine import check_vocab, hf_normalizer, run_trainer, too_small, wrap
from tokensmith.learn.registry import TrainConfig, check_engine, register_learner, reject_epochs
from tokensmith.learn.sentencepiece_engine import train_sentencepiece
from tokensmith.learn.stream import TrainingStream

if TYPE_CHECKING:
    from tokenizers import Tokenizer as HFTokenizer

    from tokensmith.tokenizer import Tokenizer

UNK = "<unk>"
DEFAULT_SPECIALS = (UNK, "<s>", "</s>")
BYTE_PIECES = tuple(f"<0x{b:02X}>" for b in range(256))


def add_byte_pieces(tok: HFTokenizer, *, after: int) -> HFTokenizer:
    """A copy of a trained Unigram tokenizer with the 256 byte pieces inserted at id `after` and byte fallback on.

    Byte pieces get a score below every learned piece, so Viterbi never prefers them over real pieces; they are
    reached through byte fallback, for characters the vocabulary lacks.
    """
    from tokenizers import Tokenizer as HFTokenizer

    config: dict[str, Any] = json.loads(tok.to_str())
    vocab: list[list[Any]] = config["model"]["vocab"]
    floor = min(score for _, score in vocab) - 10.0
    vocab[after:after] = [[piece, floor] for piece in BYTE_PIECES]
    config["model"]["byte_fallback"] = True
    for added in config["added_tokens"]:
        added["id"] += len(BYTE_PIECES) if added["id"] >= after else 0
    return HFTokenizer.from_str(json.dumps(config, ensure_ascii=False))


def _pipeline(config: TrainConfig) -> HFTokenizer:
    from tokenizers import Tokenizer as HFTokenizer
    from tokenizers import decoders, models, pre_tokenizers

    tok = HFTokenizer(models.Unigram())
    if (normalizer := hf_normalizer(config.normalization)) is not None:
        tok.normalizer = normalizer
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    metaspace = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Sequence([decoders.ByteFallback(), metaspace]) if config.byte_fallback else metaspace
    return tok


def _train_hf(lines: Iterable[str], config: TrainConfig) -> Tokenizer:
    from tokenizers import trainers

    specials = list(config.special_tokens or DEFAULT_SPECIALS)
    specials = specials if UNK in specials else [UNK, *specials]
    reserved = len(BYTE_PIECES) if config.byte_fallback else 0
    if config.vocab_size <= reserved + len(specials):
        raise too_small("unigram", config, reserved + len(specials) + 2, "byte pieces, special tokens and characters")
    stream = TrainingStream(lines, config)
    tok = _pipeline(config)
    trainer = trainers.UnigramTrainer(
        vocab_size=config.vocab_size - reserved,
        special_tokens=specials,
        unk_token=UNK,
        max_piece_length=int(config.extra.get("max_piece_length", 16)),  # type: ignore[call-overload]
        show_progress=False,
    )
    run_trainer(tok, trainer, stream, algo="unigram", config=config, reserved=reserved)
    if config.byte_fallback:
        tok = add_byte_pieces(tok, after=len(specials))
    check_vocab(tok, algo="unigram", config=config, why="every character, the byte pieces and the special tokens")
    return wrap(tok, algo="unigram")


def train_unigram(lines: Iterable[str], config: TrainConfig) -> Tokenizer:
    """Train a unigram-LM tokenizer on `lines` with `config.engine`.

    Args:
        lines: the corpus, one text per item (streamed once).
        config: vocab size, engine, normalization, byte fallback, special tokens, seed, ...

    Example:
        >>> cfg = TrainConfig(vocab_size=300, progress=False)
        >>> tok = train_unigram(["low lower lowest"] * 10, cfg)
        >>> tok.decode(tok.encode("lowest 字"))
        'lowest 字'
    """
    check_engine("unigram", config, ("hf", "sentencepiece"))
    reject_epochs("unigram", config)
    if config.engine == "sentencepiece":
        return train_sentencepiece(TrainingStream(lines, config), config, model_type="unigram")
    return _train_hf(lines, config)


register_learner("unigram", train_unigram)
