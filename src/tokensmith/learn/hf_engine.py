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
    """The `tokenizers` normalizer for a config normalization name, or None for 'none'."""
    from tokenizers import normalizers

    table = {
        "none": None,
        "nfc": normalizers.NFC(),
        "nfkc": normalizers.NFKC(),
        "nfkc_lower": normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()]),
    }
    return table[normalization]


def check_extra(algo: str, config: TrainConfig, allowed: tuple[str, ...]) -> None:
    """Refuse learner options the hf engine would silently ignore, listing the ones it takes."""
    unknown = sorted(set(config.extra) - set(allowed))
    if unknown:
        raise TrainingError(
            f"'{algo}' on the hf engine does not take the option(s) {', '.join(unknown)}: it takes "
            f"{', '.join(allowed) or 'none'}."
        )


def too_small(algo: str, config: TrainConfig, minimum: int, why: str) -> TrainingError:
    """The vocab-size error: the requested size, the minimum, and why that is the minimum."""
    return TrainingError(
        f"vocab size {config.vocab_size} is below the alphabet of this corpus for '{algo}': it needs at least "
        f"{minimum} ({why}). Use --vocab-size {minimum} or more."
    )


def run_trainer(
    tok: HFTokenizer, trainer: Any, stream: TrainingStream, *, algo: str, config: TrainConfig, reserved: int = 0
) -> None:
    """Train `tok` in place on the stream; a too-small vocabulary becomes a TrainingError with the minimum.

    Args:
        reserved: ids added after training (e.g. 256 byte pieces), counted in the minimum.
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
    """Trainers keep their whole initial alphabet; a result larger than asked means the request was too small."""
    produced = tok.get_vocab_size(with_added_tokens=True)
    if produced > config.vocab_size:
        raise too_small(algo, config, produced, why)


def wrap(tok: HFTokenizer, *, algo: str) -> Tokenizer:
    """A trained `tokenizers.Tokenizer` as a tokensmith `Tokenizer`."""
    from tokensmith.backends.hf import HFBackend
    from tokensmith.tokenizer import Tokenizer

    return Tokenizer(HFBackend(tok), name=f"{algo}-hf")
