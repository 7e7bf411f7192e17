"""LiB's shared pieces: hyper-parameters, the corpus as sentences, the random epoch plan, and the greedy reader.

Follows Yang, Cai & Frank, "Less is Better: A cognitively inspired unsupervised model for language segmentation"
(2019, Sections 2.1-2.3: lexicon, reading, memorizer, forgetter) as used by Yang (2024), "Rethinking Tokenization:
Crafting Better Tokenizers for Large Language Models" (Section 4, LiB as a tokenizer).

Both learners (the pure-Python oracle in `lib_reference` and the numba one in `lib_fast`) consume the same
`EpochPlan`s, so every random choice is drawn here, once, from `numpy.random.Generator(PCG64(seed))`: which sentences
an epoch reads, and one uniform number per character position for the memorizer's coin. Nothing depends on string
hashing or set order, so the same seed gives the same lexicon.

Not handled here: training itself (see `lib_reference` / `lib_fast`) and export (see `lib_export`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from tokensmith.errors import CorpusError

SpaceMode = Literal["keep", "remove"]


@dataclass(frozen=True)
class LibParams:
    """LiB hyper-parameters; the defaults are the reference notebook's BR-text settings.

    Args:
        max_len: longest chunk, in characters (the reader never looks further ahead).
        memorize_p: probability that the memorizer proposes a join at a chunk (reference `memory_in`).
        unknown_run_max: longest run of unknown characters the memorizer proposes (reference `mini_gap`).
        update_rate: a rank update moves a chunk by `int(rank * update_rate) + 1` places.
        probation: epochs a chunk on probation survives unless it is used without a competitor or wins a test.
        forget_tail: fraction of the lexicon's tail put on probation after each epoch (reference `memory_out`).
        batch_size: sentences drawn (with replacement, duplicates dropped) per document.
        epochs: number of epochs; each reads one document.
        documents: how many documents are drawn before training; each epoch reads one of them, chosen at random
            (the reference notebook's 400). 0 draws a fresh document for every epoch.
        resolve_at_end: also resolve the forgetter tests still open when a sentence ends (the reference drops
            them, with no reward).
        main_unknowns_are_tokens: count an unknown character as a token in the main reading of a test, as in the
            alternative one (the reference counts it only in the alternative).

    Example:
        >>> LibParams(epochs=10).max_len
        12
    """

    max_len: int = 12
    memorize_p: float = 0.25
    unknown_run_max: int = 7
    update_rate: float = 0.2
    probation: int = 10
    forget_tail: float = 0.0001
    batch_size: int = 200
    epochs: int = 2000
    documents: int = 400
    resolve_at_end: bool = False
    main_unknowns_are_tokens: bool = False


@dataclass(frozen=True)
class EpochPlan:
    """The random draws of one epoch.

    `sentences` are indices into the corpus (sorted, unique); `coins` holds one uniform number per character of
    those sentences, concatenated in that order (shape: (sum of their lengths,)).
    """

    sentences: np.ndarray
    coins: np.ndarray


def prepare_sentences(
    texts: Iterable[str], *, space_mode: SpaceMode, normalize: Callable[[str], str] | None = None
) -> list[str]:
    """Split texts into LiB sentences: one per non-empty line, spaces removed in `remove` mode.

    Args:
        texts: documents or lines (each may hold several lines).
        space_mode: "keep" keeps spaces as characters; "remove" deletes all whitespace inside a line.
        normalize: applied to each text first (e.g. a `tokenizers` normalizer's `normalize_str`).

    Example:
        >>> prepare_sentences(["a b\\n\\nc"], space_mode="remove")
        ['ab', 'c']
    """
    out: list[str] = []
    for n, text in enumerate(texts):
        if not isinstance(text, str):
            raise CorpusError(
                f"LiB needs text, but item {n} of the corpus is {type(text).__name__}. Decode files as UTF-8 "
                "text first (or pass the paths to `tokensmith train`, which reads them for you)."
            )
        if normalize is not None:
            text = normalize(text)
        for line in text.splitlines():
            line = "".join(line.split()) if space_mode == "remove" else line.strip("\r\n")
            if line.strip():
                out.append(line)
    return out


def plan_epochs(lengths: Sequence[int], params: LibParams, *, seed: int) -> Iterator[EpochPlan]:
    """Yield `params.epochs` plans: which sentences each epoch reads and the memorizer's coins.

    With `params.documents` > 0, that many documents are drawn first and each epoch reads one of them, chosen
    with replacement (so a document is read epochs / documents times on average); with 0 every epoch draws anew.

    Args:
        lengths: the character length of every corpus sentence.
        params: hyper-parameters (batch_size, epochs, documents).
        seed: the only source of randomness.

    Example:
        >>> plans = list(plan_epochs([3, 4, 5], LibParams(epochs=2, batch_size=2), seed=0))
        >>> len(plans), len(plans[0].coins) == sum([3, 4, 5][i] for i in plans[0].sentences)
        (2, True)
    """
    rng = np.random.Generator(np.random.PCG64(seed))
    lens = np.asarray(lengths, dtype=np.int64)
    pool = [np.unique(rng.integers(0, len(lens), size=params.batch_size)) for _ in range(params.documents)]
    for _ in range(params.epochs):
        picks = pool[rng.integers(len(pool))] if pool else np.unique(rng.integers(0, len(lens), size=params.batch_size))
        coins = rng.random(int(lens[picks].sum()))
        yield EpochPlan(sentences=picks, coins=coins)


def greedy_read(text: str, lexicon: frozenset[str] | set[str], *, max_len: int) -> list[str]:
    """LiB's reader: at each position take the longest lexicon chunk; an unknown character is its own piece.

    Args:
        text: the text to segment.
        lexicon: the chunks.
        max_len: longest chunk to try.

    Example:
        >>> greedy_read("abcd", {"a", "b", "ab", "bcd", "c", "d"}, max_len=4)
        ['ab', 'c', 'd']
    """
    out: list[str] = []
    i = 0
    while i < len(text):
        for size in range(min(max_len, len(text) - i), 0, -1):
            if text[i : i + size] in lexicon:
                break
        else:
            size = 1  # unknown character
        out.append(text[i : i + size])
        i += size
    return out


def decompose(chunk: str, ranks: dict[str, int], *, max_len: int, level: int = 2) -> list[str]:
    """Split a chunk into better-ranked sub-chunks, `level` times (the reference's evaluation "subchunks").

    Among the splits `chunk = a + b` with both parts in the lexicon, the one with the smallest (rank a, rank b) is
    taken when both parts rank better than the chunk itself.

    Args:
        chunk: a chunk from a reading.
        ranks: chunk → rank (0 = best).
        max_len: unused for splitting, kept so callers pass the reader's settings uniformly.
        level: how many times to split recursively.

    Example:
        >>> decompose("canyou", {"can": 0, "you": 1, "canyou": 5}, max_len=12)
        ['can', 'you']
    """
    worst = len(ranks)
    best: tuple[tuple[int, int], int] | None = None
    for cut in range(len(chunk) - 1, 0, -1):
        a, b = chunk[:cut], chunk[cut:]
        if a in ranks and b in ranks:
            key = (ranks[a], ranks[b])
            if best is None or key < best[0]:
                best = (key, cut)
    if best is None or level == 0 or max(best[0]) >= ranks.get(chunk, worst):
        return [chunk]
    a, b = chunk[: best[1]], chunk[best[1] :]
    if level == 1:
        return [a, b]
    return decompose(a, ranks, max_len=max_len, level=level - 1) + decompose(b, ranks, max_len=max_len, level=level - 1)
