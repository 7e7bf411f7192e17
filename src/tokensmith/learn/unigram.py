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

from tokensmith.learn.hf_engine import check_extra, check_vocab, hf_normalizer, run_trainer, too_small, wrap
from tokensmith.learn.registry import TrainConfig, check_engine, register_learner, reject_epochs
from tokensmith.learn.sentencepiece_engine import train_sentencepiece
from tokensmith.learn.stream import TrainingStream

if TYPE_CHECKING:
    from tokenizers import Tokenizer as HFTokenizer

    from tokensmith.tokenizer import Tokenizer

UNK = "<unk>"
DEFAULT_SPECIALS = (UNK, "<s>", "</s>")
BYTE_PIECES = tuple(f"<0x{b:02X}>" for b in range(256))
CHAR_SCORE_STEP = 1e-4  # tokenizers' UnigramTrainer: score gap between the required characters it appends


def required_char_tail(learned: list[list[Any]]) -> int:
    """Index where the trainer's appended required characters start: the longest suffix of single characters whose
    scores fall by at most CHAR_SCORE_STEP from one to the next (len(learned) when there is none).

    Args:
        learned: the trainer's [piece, score] pairs after the specials, in its order.

    Example:
        >>> required_char_tail([["ab", -1.0], ["a", -2.0], ["b", -2.0001]])
        1
        >>> required_char_tail([["a", -1.0], ["ab", -2.0]])
        2
    """
    start = len(learned) - 1
    while start > 0 and len(learned[start - 1][0]) == 1 and len(learned[start][0]) == 1:
        if not 0 <= learned[start - 1][1] - learned[start][1] <= CHAR_SCORE_STEP + 1e-9:
            break
        start -= 1
    return max(start, 0) if learned and len(learned[-1][0]) == 1 else len(learned)


def finalize_vocab(tok: HFTokenizer, *, n_specials: int, byte_fallback: bool) -> HFTokenizer:
    """A canonical copy of a trained Unigram tokenizer, with the 256 byte pieces after the specials if asked.

    Canonical: the trainer's EM sums floats in hash-map order, so two runs differ in the last bits of the scores
    (~1e-15) and near-ties swap places; and it appends the characters it must keep with made-up scores (steps of
    1e-4 below the lowest piece) in hash-set order. Rounding scores to 1e-10, sorting learned pieces by
    (score, piece) and re-dealing the made-up scores in character order makes the file byte-identical across
    runs. Byte pieces get a score below every learned piece, so Viterbi never
    prefers them; they are reached through byte fallback, for characters the vocabulary lacks.

    Args:
        tok: a `tokenizers.Tokenizer` trained with the Unigram trainer, specials first.
        n_specials: how many special tokens lead the vocabulary.
        byte_fallback: add the 256 `<0xNN>` byte pieces after the specials.

    Example:
        >>> from tokenizers import Tokenizer as HF, models, trainers
        >>> tok = HF(models.Unigram())
        >>> trainer = trainers.UnigramTrainer(vocab_size=20, special_tokens=["<unk>"], unk_token="<unk>",
        ...                                   show_progress=False)
        >>> tok.train_from_iterator(["abab abc", "cab"], trainer=trainer)
        >>> finalize_vocab(tok, n_specials=1, byte_fallback=True).get_vocab_size() - tok.get_vocab_size()
        256
    """
    from tokenizers import Tokenizer as HFTokenizer

    config: dict[str, Any] = json.loads(tok.to_str())
    vocab: list[list[Any]] = config["model"]["vocab"]  # [[piece, log-prob], ...], specials first
    specials, learned = vocab[:n_specials], vocab[n_specials:]
    assert [p for p, _ in specials] == [t["content"] for t in config["added_tokens"]], "specials must lead the vocab"
    start = required_char_tail(learned)
    chars = sorted(p for p, _ in learned[start:])
    tail = [[p, round(learned[start][1] - CHAR_SCORE_STEP * k, 10)] for k, p in enumerate(chars)]
    learned = sorted(([p, round(s, 10)] for p, s in learned[:start]), key=lambda ps: (-ps[1], ps[0])) + tail
    floor = min((s for _, s in learned), default=0.0) - 10.0
    pieces = [[piece, floor] for piece in BYTE_PIECES] if byte_fallback else []
    config["model"]["vocab"] = specials + pieces + learned
    config["model"]["byte_fallback"] = byte_fallback
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

    check_extra("unigram", config, ("max_piece_length",))
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
    tok = finalize_vocab(tok, n_specials=len(specials), byte_fallback=config.byte_fallback)
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
        return train_sentencepiece(lines, config, model_type="unigram")
    return _train_hf(lines, config)


register_learner("unigram", train_unigram)
