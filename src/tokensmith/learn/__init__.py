"""learn stage: train tokenizers from a corpus.

`train(algo, lines, config)` runs a registered learner (bpe, unigram, wordpiece, and lib when installed) on a
stream of lines; `train_files` streams the lines from files, directories or globs first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tokensmith.learn.registry import TrainConfig, get_learner, learner_names, register_learner

if TYPE_CHECKING:
    from tokensmith.corpora.readers import Errors
    from tokensmith.tokenizer import Tokenizer


def train(algo: str, lines: Iterable[str], config: TrainConfig) -> Tokenizer:
    """Train a tokenizer with the learner registered as `algo`.

    Args:
        algo: 'bpe', 'unigram', 'wordpiece', 'lib', or any name given to `register_learner`.
        lines: the corpus, one text per item; streamed once.
        config: vocab size, engine and the other options (see `TrainConfig`).

    Raises:
        TrainingError: unknown algorithm, engine combination or a vocab size below the corpus alphabet.
        CorpusError: an empty corpus.

    Example:
        >>> tok = train("bpe", ["hello world"] * 10, TrainConfig(vocab_size=260, progress=False))
        >>> tok.decode(tok.encode("hello"))
        'hello'
    """
    return get_learner(algo)(lines, config)


def train_files(
    algo: str,
    sources: Sequence[str | Path],
    config: TrainConfig,
    *,
    field: str | None = None,
    column: str | None = None,
    errors: Errors = "strict",
) -> Tokenizer:
    """Train on files, directories or globs (.txt, .gz, .xz, .zst, .jsonl, .parquet), streamed.

    Args:
        algo: the learner name (see `train`).
        sources: corpus paths; see `tokensmith.corpora.readers.iter_lines`.
        config: the training options.
        field: the JSON field of .jsonl records ('text' by default).
        column: the parquet column ('text' by default).
        errors: 'strict' or 'replace' for invalid UTF-8.

    Example:
        >>> tok = train_files("bpe", ["corpus.txt"], TrainConfig(vocab_size=8000))  # doctest: +SKIP
    """
    from tokensmith.corpora.readers import iter_lines

    get_learner(algo)  # fail on a bad name before opening any file
    return train(algo, iter_lines(sources, field=field, column=column, errors=errors), config)


__all__ = ["TrainConfig", "get_learner", "learner_names", "register_learner", "train", "train_files"]
