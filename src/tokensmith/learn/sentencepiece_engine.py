"""The 'sentencepiece' training engine: `SentencePieceTrainer` fed from the training stream, for bpe and unigram.

The model is written to memory (`model_writer`), never to a temporary file, and wrapped in the SentencePiece
backend; `Tokenizer.save(format='tokenizer.json')` converts it for Hugging Face. Settings chosen for a lossless,
reproducible model: identity normalization unless asked otherwise, no whitespace squeezing, full character
coverage with byte fallback, the random generator seeded from the config and one thread (the unigram EM step sums
in thread order, so more threads can change the last digits of scores).

Bounded memory: sentencepiece keeps every sentence it is given and builds its suffix array over all of them
(Unigram on 300 MB reached 5.2 GB), so the engine hands it a seeded random sample of whole lines instead
(`stream.sample_lines`): at most `sample_chars` characters (default 2**25, about 32 MB of text) and, if set,
`input_sentence_size` lines, both `TrainConfig.extra` options. The stream is read once, line by line; memory
follows the sample, not the corpus. The number of sentences used is recorded in the model itself
(`trainer_spec.input_sentence_size`, read back by `sentences_used`), and `tokensmith train` prints it. Lines
longer than `max_sentence_length` bytes are split at spaces (see `stream.split_long_line`) rather than skipped.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from tokensmith.errors import TrainingError
from tokensmith.learn.hf_engine import too_small
from tokensmith.learn.registry import TrainConfig
from tokensmith.learn.stream import TrainingStream, sample_lines

if TYPE_CHECKING:
    from tokensmith.tokenizer import Tokenizer

_RULES = {"none": "identity", "nfkc": "nfkc", "nfkc_lower": "nfkc_cf"}
_META = 3  # <unk>, <s>, </s>
DEFAULT_MAX_SENTENCE_BYTES = 1 << 16  # sentencepiece's default (4192) silently drops long Wikipedia paragraphs
DEFAULT_SAMPLE_CHARS = 1 << 25  # ~32 MB of text: ~1.3 GB peak for Unigram 8k (measured), whatever the corpus size
_OWN_OPTIONS = ("sample_chars", "input_sentence_size")  # read here, not passed to sentencepiece as they are


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
    options.update((k, v) for k, v in config.extra.items() if k not in _OWN_OPTIONS)
    return options


def _sample_limits(config: TrainConfig) -> tuple[int, int]:
    """(max lines, max characters) of the training sample, from `extra`; 0 means no limit."""
    try:
        lines = int(config.extra.get("input_sentence_size", 0))  # type: ignore[call-overload]
        chars = int(config.extra.get("sample_chars", DEFAULT_SAMPLE_CHARS))  # type: ignore[call-overload]
    except (TypeError, ValueError) as e:
        raise TrainingError(f"input_sentence_size and sample_chars must be integers (0: no limit): {e}.") from e
    if lines < 0 or chars < 0:
        raise TrainingError("input_sentence_size and sample_chars must be 0 (no limit) or more.")
    return lines, chars


def sentences_used(tok: Tokenizer) -> int | None:
    """How many sentences a SentencePiece model was trained on, as its `trainer_spec` records; None otherwise.

    For models from `train_sentencepiece` this is the size of the sample; models trained elsewhere record their
    trainer's cap there (0, read as None, when it had none). Other backends give None.

    Args:
        tok: any tokenizer.

    Example:
        >>> cfg = TrainConfig(vocab_size=280, engine="sentencepiece", extra={"input_sentence_size": 5})
        >>> sentences_used(train_sentencepiece(["hello world", "hi there"] * 10, cfg, model_type="bpe"))
        5
    """
    from tokensmith.backends.sentencepiece import load_model_proto

    if tok.native_format != "sentencepiece":
        return None
    return int(load_model_proto(tok.native_bytes()).trainer_spec.input_sentence_size) or None


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
    lines: Iterable[str], config: TrainConfig, *, model_type: Literal["bpe", "unigram"]
) -> Tokenizer:
    """Train a SentencePiece model on a seeded sample of the lines and return it as a `Tokenizer`.

    Args:
        lines: the corpus lines, streamed once.
        config: vocab size, normalization, byte fallback, special tokens (as control symbols), seed, and in
            `extra` the sample limits `sample_chars` and `input_sentence_size` besides sentencepiece's options.
        model_type: 'bpe' or 'unigram'.

    Example:
        >>> cfg = TrainConfig(vocab_size=280, engine="sentencepiece", progress=False)
        >>> tok = train_sentencepiece(["hello world"] * 20, cfg, model_type="bpe")
        >>> tok.backend.kind, sentences_used(tok)
        ('sentencepiece', 20)
    """
    import sentencepiece as spm

    from tokensmith.backends.sentencepiece import SentencePieceBackend, load_model_proto
    from tokensmith.tokenizer import Tokenizer

    options = trainer_options(config, model_type=model_type)
    max_lines, max_chars = _sample_limits(config)
    max_bytes = int(options["max_sentence_length"])  # type: ignore[call-overload]
    stream = TrainingStream(lines, config, max_line_chars=max(max_bytes // 4, 1), drop_cut_space=True)
    sample = sample_lines(stream, max_lines=max_lines, max_chars=max_chars, seed=config.seed)
    options.update(input_sentence_size=0)  # sentencepiece keeps all of the sample, in order
    sink = io.BytesIO()
    spm.set_random_generator_seed(config.seed)  # process-global in sentencepiece; set right before each run
    try:
        spm.SentencePieceTrainer.train(sentence_iterator=iter(sample), model_writer=sink, **options)
    except RuntimeError as e:
        raise _translate(e, algo=model_type, config=config) from e
    proto = load_model_proto(sink.getvalue())
    proto.trainer_spec.input_sentence_size = len(sample)  # the record of how many sentences were used
    return Tokenizer(SentencePieceBackend(proto.SerializeToString()), name=f"{model_type}-sentencepiece")
