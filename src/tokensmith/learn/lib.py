"""LiB ("less is better"): learn one vocabulary of subwords, words and multiword units, as a `Tokenizer`.

Paper: Jinbiao Yang (2024), "Rethinking Tokenization: Crafting Better Tokenizers for Large Language Models",
Section 4, which uses the LiB model of Yang, Cai & Frank (2019), "Less is Better: A cognitively inspired
unsupervised model for language segmentation", Section 2. The algorithm is spelled out in `lib_reference`
(the oracle) and compiled in `lib_fast`; the export to `tokenizer.json` is in `lib_export`.

Two space modes:
- "keep" (LM tokenizers): spaces are ordinary characters, so chunks may span words ("of the", "in order to").
- "remove" (the paper's unsupervised word segmentation): whitespace is deleted from every training line; at
  encoding time a space is never inside a chunk.

Registered as the learner "lib" (`tokensmith train --algo lib`). LiB-specific options go in `TrainConfig.extra`:
the fields of `LibParams` (max_len, memorize_p, unknown_run_max, update_rate, probation, forget_tail,
batch_size) and `implementation` ("fast" or "reference"). Not handled: training on more than one process.

Long lines: a sentence longer than `MAX_SENTENCE_CHARS` is split before a space that follows a non-space (the
cut `learn.stream.split_long_line` makes; a stretch with no such space is cut at the limit), never refused. LiB
reads each sentence as a unit, with per-character tables sized by the longest one, so one 50 MB line would
otherwise need gigabytes; the only cost is that no chunk spans a cut (in "keep" mode chunks may span spaces).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tokensmith.errors import CorpusError, TrainingError
from tokensmith.learn.lib_export import build_hf_tokenizer, minimum_vocab_size, select_chunks
from tokensmith.learn.lib_lexicon import EpochPlan, LibParams, SpaceMode, plan_epochs, prepare_sentences

from tokensmith.learn.registry import TrainConfig, register_learner
from tokensmith.learn.stream import split_long_line

if TYPE_CHECKING:
    from tokensmith.tokenizer import Tokenizer

DEFAULT_EPOCHS = 2000
_IMPLEMENTATIONS = ("fast", "reference")
_PRECHECK_LIMIT = 1_500_000  # substrings counted by the "corpus too small" pre-check (chars × max_len)
MAX_SENTENCE_CHARS = 4096  # longer sentences are split (the fast learner's tables take 72 bytes per character)


@dataclass(frozen=True)
class LibLexicon:
    """A learned LiB lexicon: `ranked` chunks (best first) and the training text's `alphabet`."""

    ranked: tuple[str, ...]
    alphabet: tuple[str, ...]
    params: LibParams
    space_mode: SpaceMode


def learn_lexicon(
    sentences: Sequence[str],
    *,
    params: LibParams,
    seed: int = 0,
    space_mode: SpaceMode = "keep",
    implementation: str = "fast",
    progress: bool = False,
) -> LibLexicon:
    """Run LiB on prepared sentences (see `prepare_sentences`) and return the ranked lexicon.

    Args:
        sentences: one string per sentence, already in the space mode wanted.
        params: hyper-parameters, including `epochs`.
        seed: the only source of randomness; the same seed gives the same lexicon.
        space_mode: recorded in the result (the sentences are not changed here).
        implementation: "fast" (numba) or "reference" (the slow pure-Python oracle); both give the same result.
        progress: show a progress bar on stderr.

    Example:
        >>> lex = learn_lexicon(["thedog", "thecat", "thedog"] * 5, params=LibParams(epochs=30, batch_size=4))
        >>> "the" in lex.ranked
        True
    """
    if not sentences:
        raise CorpusError("the corpus has no text: give at least one non-empty line.")
    if implementation not in _IMPLEMENTATIONS:
        raise TrainingError(f"unknown LiB implementation '{implementation}': choose 'fast' or 'reference'.")
    plans: Iterable[EpochPlan] = plan_epochs([len(s) for s in sentences], params, seed=seed)
    if progress:
        plans = _with_progress(plans, params.epochs)
    if implementation == "fast":
        from tokensmith.learn.lib_fast import FastLib

        ranked = FastLib(params).train(sentences, plans)
    else:
        from tokensmith.learn.lib_reference import ReferenceLib

        ranked = ReferenceLib(params).train(sentences, plans)
    alphabet = tuple(sorted({ch for s in sentences for ch in s}))
    return LibLexicon(tuple(ranked), alphabet, params, space_mode)


def _with_progress(plans: Iterable[EpochPlan], total: int) -> Iterator[EpochPlan]:
    from rich.console import Console
    from rich.progress import track

    yield from track(plans, total=total, description="LiB epochs", console=Console(stderr=True), transient=True)


def lib_params(config: TrainConfig) -> tuple[LibParams, str]:
    """LiB hyper-parameters and implementation from a `TrainConfig` (`epochs` and `extra`).

    Args:
        config: `epochs` (None: 2,000) and `extra` (the `LibParams` fields and `implementation`).

    Example:
        >>> from types import SimpleNamespace
        >>> lib_params(SimpleNamespace(epochs=5, extra={"max_len": 8}))[0].max_len
        8
    """
    extra: dict[str, Any] = dict(config.extra or {})
    implementation = str(extra.pop("implementation", "fast"))
    fields = {f.name for f in dataclasses.fields(LibParams)} - {"epochs"}
    unknown = sorted(set(extra) - fields)
    if unknown:
        raise TrainingError(
            f"unknown LiB option(s) {', '.join(unknown)}: valid options are "
            f"{', '.join(sorted(fields | {'implementation'}))}."
        )
    epochs = DEFAULT_EPOCHS if config.epochs is None else int(config.epochs)
    params = LibParams(epochs=epochs, **extra)
    if params.epochs < 1 or params.max_len < 1 or params.batch_size < 1 or params.probation < 1:
        raise TrainingError("LiB needs epochs, max_len, batch_size and probation of at least 1; raise them.")
    if params.documents < 0:
        raise TrainingError("LiB's documents must be 0 (a fresh draw every epoch) or more; raise it.")
    return params, implementation


def check_text(sentences: Sequence[str]) -> None:
    """Refuse a corpus that is empty or looks like binary data (NUL or many control characters).

    Args:
        sentences: the prepared sentences (the first 2,000 are checked).

    Example:
        >>> check_text(["the dog"])
        >>> check_text([chr(0) * 4])  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.errors.CorpusError: the corpus looks like binary data, not text (NUL or control characters). ...
    """
    if not sentences:
        raise CorpusError("the corpus has no text: give at least one non-empty line of UTF-8 text.")
    sample = "".join(sentences[:2000])
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\r\n")
    if "\x00" in sample or controls > 0.01 * len(sample):
        raise CorpusError(
            "the corpus looks like binary data, not text (NUL or control characters). Pass UTF-8 text files; "
            "extract text from binary formats first."
        )


def supported_vocab_bound(sentences: Sequence[str], *, max_len: int, floor: int) -> int | None:
    """An upper bound on the vocabulary LiB can learn: a chunk enters the lexicon only when it is proposed twice,
    so it must occur at least twice. None when the corpus is too large to count cheaply (then only the
    after-training check applies).

    Args:
        sentences: the prepared sentences.
        max_len: the longest chunk counted.
        floor: the vocabulary before any chunk (specials, 256 bytes, multi-byte characters).

    Example:
        >>> supported_vocab_bound(["abab"], max_len=4, floor=256)
        257
    """
    total = sum(len(s) for s in sentences)
    if total * max_len > _PRECHECK_LIMIT:
        return None
    counts: Counter[str] = Counter()
    for s in sentences:
        for i in range(len(s)):
            counts.update(s[i : i + n] for n in range(2, min(max_len, len(s) - i) + 1))
    return floor + sum(1 for c in counts.values() if c >= 2)


def _too_small(vocab_size: int, largest: int, why: str, *, more: str = "give more text") -> TrainingError:
    return TrainingError(
        f"the corpus is too small for a vocabulary of {vocab_size}: {why}, so the largest vocabulary it supports "
        f"is {largest}. Use --vocab-size {largest} (or less), or {more}."
    )


def _check_config(config: TrainConfig) -> None:
    if config.engine != "hf":
        raise TrainingError("LiB writes Hugging Face tokenizer.json files only: use --engine hf (the default).")
    if not config.byte_fallback:
        raise TrainingError("LiB tokenizers are always byte-level (lossless); drop --no-byte-fallback.")


def train_lib(texts: Iterable[str], config: TrainConfig) -> Tokenizer:
    """Train a LiB tokenizer: the registered learner "lib".

    Args:
        texts: training documents or lines (strings).
        config: vocab_size, seed, epochs, space_mode, special_tokens, normalization, progress, extra.

    Example:
        >>> tok = train_lib(["the dog", "the cat"] * 50, TrainConfig(vocab_size=262, epochs=20, progress=False))
        >>> [tok.token_bytes(i) for i in tok.encode("the cat")]
        [b'the ', b'ca', b't']
    """
    from tokensmith.backends.hf import HFBackend
    from tokensmith.learn.hf_engine import hf_normalizer
    from tokensmith.tokenizer import Tokenizer

    _check_config(config)
    params, implementation = lib_params(config)
    normalizer = hf_normalizer(config.normalization)
    normalize = None if normalizer is None else normalizer.normalize_str
    prepared = prepare_sentences(texts, space_mode=config.space_mode, normalize=normalize)
    sentences = [p for s in prepared for p in split_long_line(s, max_chars=MAX_SENTENCE_CHARS) if p.strip()]
    del prepared
    check_text(sentences)
    specials = list(config.special_tokens)
    alphabet = sorted({ch for s in sentences for ch in s})
    floor = minimum_vocab_size(alphabet, n_special=len(specials))
    select_chunks([], alphabet, vocab_size=config.vocab_size, n_special=len(specials))  # alphabet check
    bound = supported_vocab_bound(sentences, max_len=params.max_len, floor=floor)
    if bound is not None and config.vocab_size > bound:
        raise _too_small(config.vocab_size, bound, "a chunk must occur at least twice to be learned")
    lex = learn_lexicon(sentences, params=params, seed=config.seed, space_mode=config.space_mode,
                        implementation=implementation, progress=config.progress)
    learned = floor + sum(len(c) > 1 for c in lex.ranked)
    if learned < config.vocab_size:
        why = f"LiB learned {learned - floor} chunks in {params.epochs} epochs"
        raise _too_small(config.vocab_size, learned, why, more="give more text or raise --epochs")
    chunks = select_chunks(lex.ranked, alphabet, vocab_size=config.vocab_size, n_special=len(specials))
    hf = build_hf_tokenizer(chunks, special_tokens=specials)
    if normalizer is not None:
        hf.normalizer = normalizer
    return Tokenizer(HFBackend(hf), name=f"lib-{config.vocab_size}")


register_learner("lib", train_lib)
