"""The 'hf' training engine: what the bpe, unigram and wordpiece learners share around `tokenizers` trainers.

Normalizers from the config, the training call with its errors turned into `TrainingError`, the check that the
trained vocabulary is not larger than asked (the trainers silently keep their whole alphabet), and wrapping the
result as a `Tokenizer`. The pipelines themselves (pre-tokenizer, decoder, model) live in each learner's module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tokensmith.errors import TrainingError
from tokensmith.learn.registry import TrainConfig
from tokensmith.learn.stream import TrainingStream

if TYPE_CHECKING:
    from tokenizers import Tokenizer as HFTokenizer

    from tokensmith.tokenizer import Tokenizer


def hf_normalizer(normalization: str) -> Any:
    """The `tokenizers` normalizer for a config normalization name, or None for 'none'.

    Args:
        normalization: one of `NORMALIZATIONS` ('none', 'nfc', 'nfkc', 'nfkc_lower').

    Example:
        >>> hf_normalizer("nfkc_lower").normalize_str("Ｈello")
        'hello'
        >>> hf_normalizer("none") is None
        True
    """
    from tokenizers import normalizers

    table = {
        "none": None,
        "nfc": normalizers.NFC(),
        "nfkc": normalizers.NFKC(),
        "nfkc_lower": normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()]),
    }
    return table[normalization]


def check_extra(algo: str, config: TrainConfig, allowed: tuple[str, ...]) -> None:
    """Refuse learner options the hf engine would silently ignore, listing the ones it takes.

    Args:
        algo: the algorithm name, for the message.
        config: the training config; its `extra` options are checked.
        allowed: the option names this learner takes.

    Example:
        >>> check_extra("bpe", TrainConfig(vocab_size=30, extra={"foo": 1}), ("min_frequency",))
        Traceback (most recent call last):
        ...
        tokensmith.errors.TrainingError: 'bpe' on the hf engine does not take the option(s) foo: it takes min_frequency.
    """
    unknown = sorted(set(config.extra) - set(allowed))
    if unknown:
        raise TrainingError(
            f"'{algo}' on the hf engine does not take the option(s) {', '.join(unknown)}: it takes "
            f"{', '.join(allowed) or 'none'}."
        )


def too_small(algo: str, config: TrainConfig, minimum: int, why: str) -> TrainingError:
    """The vocab-size error: the requested size, the minimum, and why that is the minimum.

    Args:
        algo: the algorithm name.
        config: the training config (its `vocab_size` is the requested size).
        minimum: the smallest vocabulary that can work.
        why: what the minimum counts.

    Example:
        >>> print(too_small("bpe", TrainConfig(vocab_size=30), 40, "every distinct byte"))
        vocab size 30 is below the alphabet of this corpus for 'bpe': it needs at least 40 (every distinct byte). Use --vocab-size 40 or more.
    """
    return TrainingError(
        f"vocab size {config.vocab_size} is below the alphabet of this corpus for '{algo}': it needs at least "
        f"{minimum} ({why}). Use --vocab-size {minimum} or more."
    )


def run_trainer(
    tok: HFTokenizer, trainer: Any, stream: TrainingStream, *, algo: str, config: TrainConfig, reserved: int = 0
) -> None:
    """Train `tok` in place on the stream; a too-small vocabulary becomes a TrainingError with the minimum.

    Args:
        tok: the `tokenizers.Tokenizer` to train (model and pre-tokenizer set).
        trainer: the matching `tokenizers` trainer.
        stream: the training lines (it records their alphabet for the error).
        algo: the algorithm name, for the message.
        config: the training config.
        reserved: ids added after training (e.g. 256 byte pieces), counted in the minimum.

    Example:
        >>> from tokenizers import Tokenizer as HF, models, trainers
        >>> from tokensmith.learn.stream import TrainingStream
        >>> config = TrainConfig(vocab_size=30, progress=False)
        >>> tok = HF(models.BPE())
        >>> run_trainer(tok, trainers.BpeTrainer(vocab_size=30, show_progress=False),
        ...             TrainingStream(["abab abc", "cab"], config), algo="bpe", config=config)
        >>> tok.get_vocab_size()
        10
    """
    try:
        tok.train_from_iterator(stream, trainer=trainer)
    except Exception as e:  # tokenizers raises plain Exception
        if "not large enough" in str(e):
            # Metaspace turns ' ' into '▁'; every remaining character must get its own piece.
            minimum = len((stream.alphabet - {" "}) | {"▁"}) + len(trainer.special_tokens) + reserved
            why = "every distinct character, the special tokens" + (" and the byte pieces" if reserved else "")
            raise too_small(algo, config, minimum, why) from e
        raise


def check_vocab(tok: HFTokenizer, *, algo: str, config: TrainConfig, why: str) -> None:
    """Trainers keep their whole initial alphabet; a result larger than asked means the request was too small.

    Args:
        tok: the trained `tokenizers.Tokenizer`.
        algo: the algorithm name, for the message.
        config: the training config (its `vocab_size` is what was asked).
        why: what the minimum counts, for the message.

    Example:
        >>> from tokenizers import Tokenizer as HF, models
        >>> tok = HF(models.BPE(vocab={"a": 0, "b": 1, "c": 2}, merges=[]))
        >>> check_vocab(tok, algo="bpe", config=TrainConfig(vocab_size=2), why="every character")
        Traceback (most recent call last):
        ...
        tokensmith.errors.TrainingError: vocab size 2 is below the alphabet of this corpus for 'bpe': it needs at least 3 (every character). Use --vocab-size 3 or more.
    """
    produced = tok.get_vocab_size(with_added_tokens=True)
    if produced > config.vocab_size:
        raise too_small(algo, config, produced, why)


def wrap(tok: HFTokenizer, *, algo: str) -> Tokenizer:
    """A trained `tokenizers.Tokenizer` as a tokensmith `Tokenizer`.

    Args:
        tok: the trained `tokenizers.Tokenizer`.
        algo: the algorithm name; the tokenizer is named '<algo>-hf'.

    Example:
        >>> from tokenizers import Tokenizer as HF, models
        >>> tok = wrap(HF(models.BPE(vocab={"a": 0, "b": 1, "ab": 2}, merges=[("a", "b")])), algo="bpe")
        >>> tok.name, tok.encode("abab")
        ('bpe-hf', [2, 2])
    """
    from tokensmith.backends.hf import HFBackend
    from tokensmith.tokenizer import Tokenizer

    return Tokenizer(HFBackend(tok), name=f"{algo}-hf")
