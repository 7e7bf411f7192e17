"""learn stage: train tokenizers from a corpus.

`train(algo, lines, vocab_size=..., ...)` runs a registered learner (bpe, unigram, wordpiece, and lib when installed) on a
stream of lines; `train_files` streams the lines from files, directories or globs first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokensmith.errors import TrainingError
from tokensmith.learn.registry import (
    Engine,
    SpaceMode,
    TrainConfig,
    get_learner,
    learner_names,
    register_learner,
)

if TYPE_CHECKING:
    from tokensmith.corpora.readers import Errors
    from tokensmith.tokenizer import Tokenizer


def train(
    algo: str,
    lines: Iterable[str],
    config: TrainConfig | None = None,
    *,
    vocab_size: int | None = None,
    engine: Engine | None = None,
    normalization: str | None = None,
    byte_fallback: bool | None = None,
    special_tokens: Sequence[str] | None = None,
    seed: int | None = None,
    epochs: int | None = None,
    space_mode: SpaceMode | None = None,
    progress: bool | None = None,
    extra: Mapping[str, object] | None = None,
) -> Tokenizer:
    """Train a tokenizer with the learner registered as `algo`.

    Options are keywords (`vocab_size` is required); a ready `TrainConfig` may be passed instead, not both.

    Args:
        algo: 'bpe', 'unigram', 'wordpiece', 'lib', or any name given to `register_learner`.
        lines: the corpus, one text per item; streamed once.
        config: all options at once (see `TrainConfig`), instead of the keywords below.
        vocab_size: the number of ids, special tokens included.
        engine: 'hf' (default) or 'sentencepiece'.
        normalization: none (default, lossless) | nfc | nfkc | nfkc_lower.
        byte_fallback: '<0xNN>' pieces for unseen characters (default True where the learner supports it).
        special_tokens: tokens never split (default: the learner's convention).
        seed: seed for every random choice (default 0).
        epochs: passes, for iterative learners (lib).
        space_mode: 'keep' (default) or 'remove' (delete whitespace first).
        progress: show a progress bar on stderr (default False).
        extra: learner-specific options.

    Raises:
        TrainingError: unknown algorithm, engine combination, options given twice, or a vocab size below the
            corpus alphabet.
        CorpusError: an empty corpus.

    Example:
        >>> tok = train("bpe", ["hello world"] * 10, vocab_size=260)
        >>> tok.decode(tok.encode("hello"))
        'hello'
    """
    options = {k: v for k, v in dict(vocab_size=vocab_size, engine=engine, normalization=normalization,
               byte_fallback=byte_fallback, special_tokens=special_tokens, seed=seed, epochs=epochs,
               space_mode=space_mode, progress=progress, extra=extra).items() if v is not None}  # fmt: skip
    if config is not None and options:
        raise TrainingError(
            f"train() got a config and the keywords {', '.join(sorted(options))}: pass one or the other "
            "(e.g. train(algo, lines, vocab_size=8000, seed=1))."
        )
    if config is None:
        if vocab_size is None:
            raise TrainingError("train() needs vocab_size, e.g. train('bpe', lines, vocab_size=8000).")
        config = TrainConfig(**options)  # type: ignore[arg-type]
    return get_learner(algo)(lines, config)


def train_files(
    algo: str,
    sources: Sequence[str | Path],
    config: TrainConfig | None = None,
    *,
    field: str | None = None,
    column: str | None = None,
    errors: Errors = "strict",
    **options: Any,
) -> Tokenizer:
    r"""Train on files, directories or globs (.txt, .gz, .xz, .zst, .jsonl, .parquet), streamed.

    Args:
        algo: the learner name (see `train`).
        sources: corpus paths; see `tokensmith.corpora.readers.iter_lines`.
        config: the training options, or pass them as keywords (`options`), as for `train`.
        field: the JSON field of .jsonl records ('text' by default).
        column: the parquet column ('text' by default).
        errors: 'strict' or 'replace' for invalid UTF-8.
        options: `train`'s keyword options (vocab_size, engine, seed, ...).

    Example:
        >>> import pathlib, tempfile
        >>> corpus = pathlib.Path(tempfile.mkdtemp()) / "corpus.txt"
        >>> _ = corpus.write_text("hello world\n" * 10)
        >>> train_files("bpe", [corpus], vocab_size=260).encode("hello") == train("bpe", ["hello world"] * 10,
        ...                                                                       vocab_size=260).encode("hello")
        True
    """
    from tokensmith.corpora.readers import iter_lines

    get_learner(algo)  # fail on a bad name before opening any file
    return train(algo, iter_lines(sources, field=field, column=column, errors=errors), config, **options)


__all__ = ["TrainConfig", "get_learner", "learner_names", "register_learner", "train", "train_files"]
