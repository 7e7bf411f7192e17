"""Learners by name: a learner turns a stream of text lines and a `TrainConfig` into a `Tokenizer`.

Built-in learners live in `tokensmith.learn.<name>` (bpe, unigram, wordpiece) and register themselves when their
module is imported; `get_learner` imports that module on first use, so other stages (e.g. `tokensmith.learn.lib`)
plug in the same way, and nothing heavy is imported before it is needed.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from tokensmith.errors import TrainingError

if TYPE_CHECKING:
    from tokensmith.tokenizer import Tokenizer

Engine = Literal["hf", "sentencepiece"]
SpaceMode = Literal["keep", "remove"]
Learner = Callable[[Iterable[str], "TrainConfig"], "Tokenizer"]

# Text normalizations a learner applies before training (and bakes into the tokenizer).
NORMALIZATIONS = ("none", "nfc", "nfkc", "nfkc_lower")
BUILTIN_LEARNERS = ("bpe", "unigram", "wordpiece", "lib")


@dataclass(frozen=True)
class TrainConfig:
    """Options shared by all learners.

    Args:
        vocab_size: the number of ids in the trained tokenizer, special tokens included.
        engine: 'hf' (Hugging Face tokenizers trainers) or 'sentencepiece' (SentencePieceTrainer).
        normalization: one of none | nfc | nfkc | nfkc_lower ('none' keeps the tokenizer lossless).
        byte_fallback: SentencePiece-style '<0xNN>' pieces for characters outside the vocabulary (unigram and
            sentencepiece engines; byte-level BPE never needs it; WordPiece has no byte fallback).
        special_tokens: extra tokens that are never split; when empty, each learner adds its convention
            (bpe: '<|endoftext|>'; unigram: '<unk>', '<s>', '</s>'; wordpiece: BERT's five).
        seed: seed for any random choice (SentencePiece sampling); same inputs + seed = same tokenizer.
        epochs: passes over the corpus, for learners that iterate (lib); others reject it.
        space_mode: 'keep' trains on the text as is; 'remove' deletes all whitespace from each line first.
        progress: show a progress bar of lines read (on stderr); off by default in library calls.
        extra: learner-specific options (e.g. {'min_frequency': 2}).

    Example:
        >>> TrainConfig(vocab_size=8000, engine="sentencepiece", seed=1).engine
        'sentencepiece'
    """

    vocab_size: int
    engine: Engine = "hf"
    normalization: str = "none"
    byte_fallback: bool = True
    special_tokens: tuple[str, ...] = ()
    seed: int = 0
    epochs: int | None = None
    space_mode: SpaceMode = "keep"
    progress: bool = False
    extra: Mapping[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.vocab_size, int) or self.vocab_size < 1:
            raise TrainingError(f"vocab_size must be a positive integer, got {self.vocab_size!r}.")
        if self.engine not in ("hf", "sentencepiece"):
            raise TrainingError(f"unknown engine '{self.engine}': choose 'hf' or 'sentencepiece'.")
        if self.normalization not in NORMALIZATIONS:
            raise TrainingError(
                f"unknown normalization '{self.normalization}': choose one of {', '.join(NORMALIZATIONS)}."
            )
        if self.space_mode not in ("keep", "remove"):
            raise TrainingError(f"unknown space mode '{self.space_mode}': choose 'keep' or 'remove'.")
        if self.epochs is not None and self.epochs < 1:
            raise TrainingError(f"epochs must be at least 1, got {self.epochs}.")
        object.__setattr__(self, "special_tokens", tuple(self.special_tokens))


_LEARNERS: dict[str, Learner] = {}


def register_learner(name: str, fn: Learner) -> None:
    """Make `fn` available as `train(name, ...)` and `tokensmith train --algo name`.

    Args:
        name: the algorithm name ('bpe', 'lib', ...); registering it again replaces the learner.
        fn: called as `fn(lines, config)`; returns a `Tokenizer`.

    Example:
        >>> register_learner("bpe-copy", get_learner("bpe"))
        >>> "bpe-copy" in learner_names()
        True
    """
    _LEARNERS[name] = fn


def learner_names() -> list[str]:
    """Registered names plus the built-in ones available on this install.

    Example:
        >>> {"bpe", "unigram", "wordpiece"} <= set(learner_names())
        True
    """
    available = [n for n in BUILTIN_LEARNERS if _module_exists(n)]
    return sorted(set(_LEARNERS) | set(available))


def _module_exists(name: str) -> bool:
    return importlib.util.find_spec(f"tokensmith.learn.{name}") is not None


def get_learner(name: str) -> Learner:
    """The learner registered as `name`, importing `tokensmith.learn.<name>` on first use.

    Args:
        name: the algorithm name, one of `learner_names()`.

    Raises:
        TrainingError: no such learner; the message lists the valid names.

    Example:
        >>> get_learner("bpe").__name__
        'train_bpe'
        >>> get_learner("bpee")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        tokensmith.errors.TrainingError: unknown training algorithm 'bpee': choose one of bpe, ...
    """
    if name not in _LEARNERS and name.isidentifier() and _module_exists(name):
        importlib.import_module(f"tokensmith.learn.{name}")
    if name not in _LEARNERS:
        raise TrainingError(f"unknown training algorithm '{name}': choose one of {', '.join(learner_names())}.")
    return _LEARNERS[name]


def check_engine(algo: str, config: TrainConfig, supported: tuple[str, ...]) -> None:
    """Raise TrainingError when `algo` cannot run on `config.engine`, listing the valid combinations.

    Args:
        algo: the algorithm name, for the message.
        config: the training options; only `config.engine` is read.
        supported: the engines `algo` runs on; the first is the one the message suggests.

    Example:
        >>> check_engine("wordpiece", TrainConfig(vocab_size=100, engine="hf"), ("hf",))  # fine: returns None
        >>> check_engine("wordpiece", TrainConfig(vocab_size=100, engine="sentencepiece"), ("hf",))
        ... # doctest: +ELLIPSIS
        Traceback (most recent call last):
        tokensmith.errors.TrainingError: algorithm 'wordpiece' has no 'sentencepiece' engine. ... Use --engine hf ...
    """
    if config.engine in supported:
        return
    combos = "bpe: hf, sentencepiece; unigram: hf, sentencepiece; wordpiece: hf"
    raise TrainingError(
        f"algorithm '{algo}' has no '{config.engine}' engine. Valid combinations: {combos}. "
        f"Use --engine {supported[0]} (engine='{supported[0]}')."
    )


def reject_epochs(algo: str, config: TrainConfig) -> None:
    """Learners that make a fixed number of passes refuse `epochs` rather than ignore it.

    Args:
        algo: the algorithm name, for the message.
        config: the training options; only `config.epochs` is read.

    Example:
        >>> reject_epochs("bpe", TrainConfig(vocab_size=100))  # no epochs given: fine
        >>> reject_epochs("bpe", TrainConfig(vocab_size=100, epochs=3))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        tokensmith.errors.TrainingError: 'bpe' does not take epochs (only iterative learners such as lib do); ...
    """
    if config.epochs is not None:
        raise TrainingError(f"'{algo}' does not take epochs (only iterative learners such as lib do); drop --epochs.")


def unregister_learner(name: str) -> None:
    """Forget a learner added with `register_learner` (tests use it to leave the registry as they found it).

    Built-in learners come back on their next `get_learner` call, because that call imports their module again only
    when it was never imported; so unregistering a built-in that is already loaded removes it for this process.

    Args:
        name: a name given to `register_learner`.

    Raises:
        TrainingError: `name` is not registered; the message lists the registered names.

    Example:
        >>> register_learner("bpe-alias", get_learner("bpe"))
        >>> unregister_learner("bpe-alias")
        >>> "bpe-alias" in learner_names()
        False
    """
    if name not in _LEARNERS:
        raise TrainingError(f"no learner is registered as '{name}': registered names are {', '.join(sorted(_LEARNERS))}.")
    del _LEARNERS[name]
