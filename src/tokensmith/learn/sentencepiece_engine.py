"""The 'sentencepiece' training engine: `SentencePieceTrainer` fed from the training stream, for bpe and unigram.

The model is written to memory (`model_writer`), never to a temporary file, and wrapped in the SentencePiece
backend; `Tokenizer.save(format='tokenizer.json')` converts it for Hugging Face. Settings chosen for a lossless,
reproducible model: identity normalization unless asked otherwise, no whitespace squeezing, full character
coverage with byte fallback, the random generator seeded from the config and one thread (the unigram EM step sums
in thread order, so more threads can change the last digits of scores).
"""

from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Literal

from tokensmith.errors import TrainingError
from tokensmith.learn.hf_engine import too_small
from tokensmith.learn.registry import TrainConfig
from tokensmith.learn.stream import TrainingStream

if TYPE_CHECKING:
    from tokensmith.tokenizer import Tokenizer

_RULES = {"none": "identity", "nfkc": "nfkc", "nfkc_lower": "nfkc_cf"}
_META = 3  # <unk>, <s>, </s>
DEFAULT_MAX_SENTENCE_BYTES = 1 << 16  # sentencepiece's default (4192) silently drops long Wikipedia paragraphs


def trainer_options(config: TrainConfig, *, model_type: Literal["bpe", "unigram"]) -> dict[str, object]:
    """Keyword arguments for `SentencePieceTrainer.train` (without the input and output).

    Args:
        config: the training config; its `extra` options override the defaults.
        model_type: sentencepiece's algorithm.

    Example:
        >>> opts = trainer_options(TrainConfig(vocab_size=300), model_type="bpe")
        >>> opts["model_type"], opts["vocab_size"], opts["num_threads"]
        ('bpe', 300, 1)
    """
    if config.normalization not in _RULES:
        raise TrainingError(
            f"the sentencepiece engine has no '{config.normalization}' normalization: choose one of "
            f"{', '.join(_RULES)}, or use --engine hf."
        )
    options: dict[str, object] = {
        "model_type": model_type,
        "vocab_size": config.vocab_size,
        "byte_fallback": config.byte_fallback,
        "character_coverage": 1.0 if config.byte_fallback else 0.9995,
        "normalization_rule_name": _RULES[config.normalization],
        "remove_extra_whitespaces": False,
        "control_symbols": list(config.special_tokens),
        "num_threads": 1,
        "max_sentence_length": DEFAULT_MAX_SENTENCE_BYTES,
        "minloglevel": 2,
    }
    options.update(config.extra)
    return options


def _translate(error: RuntimeError, *, algo: str, config: TrainConfig) -> TrainingError:
    text = str(error)
    small = re.search(r"smaller than required_chars\. (\d+) vs (\d+)", text)
    if small:
        # sentencepiece's check: required characters + meta pieces (unk, bos, eos, controls, bytes) <= vocab size
        fixed = _META + len(config.special_tokens) + (256 if config.byte_fallback else 0)
        minimum = int(small.group(2))
        why = f"{minimum - fixed} distinct characters plus {fixed} reserved pieces"
        return too_small(algo, config, minimum, why)
    high = re.search(r"Vocabulary size too high \((\d+)\)\. Please set it to a value <= (\d+)", text)
    if high:
        return TrainingError(
            f"vocab size {config.vocab_size} is more than this corpus can fill with sentencepiece: use "
            f"--vocab-size {high.group(2)} or less, or a larger corpus."
        )
    return TrainingError(f"sentencepiece training failed: {text.strip().splitlines()[-1]}")


def train_sentencepiece(
    stream: TrainingStream, config: TrainConfig, *, model_type: Literal["bpe", "unigram"]
) -> Tokenizer:
    """Train a SentencePiece model on the stream and return it as a `Tokenizer` (sentencepiece backend).

    Args:
        stream: the corpus lines.
        config: vocab size, normalization, byte fallback, special tokens (as control symbols) and seed.
        model_type: 'bpe' or 'unigram'.

    Example:
        >>> from tokensmith.learn.stream import TrainingStream
        >>> cfg = TrainConfig(vocab_size=280, engine="sentencepiece", progress=False)
        >>> tok = train_sentencepiece(TrainingStream(["hello world"] * 20, cfg), cfg, model_type="bpe")
        >>> tok.backend.kind
        'sentencepiece'
    """
    import sentencepiece as spm

    from tokensmith.backends.sentencepiece import SentencePieceBackend
    from tokensmith.tokenizer import Tokenizer

    sink = io.BytesIO()
    spm.set_random_generator_seed(config.seed)  # process-global in sentencepiece; set right before each run
    try:
        options = trainer_options(config, model_type=model_type)
        spm.SentencePieceTrainer.train(sentence_iterator=iter(stream), model_writer=sink, **options)
    except RuntimeError as e:
        if stream.error is not None:  # the corpus failed, not the trainer
            raise stream.error from None
        raise _translate(e, algo=model_type, config=config) from e
    return Tokenizer(SentencePieceBackend(sink.getvalue()), name=f"{model_type}-sentencepiece")
