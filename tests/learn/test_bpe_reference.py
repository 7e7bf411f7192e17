"""The hf BPE trainer against a slow pure-Python replay: every learned merge is a most frequent pair at its step."""

from __future__ import annotations

import json
from collections import Counter

from tokensmith.learn import TrainConfig, train


def pair_counts(words: Counter[tuple[str, ...]]) -> Counter[tuple[str, str]]:
    """Frequency of each adjacent symbol pair, weighted by word frequency."""
    counts: Counter[tuple[str, str]] = Counter()
    for word, n in words.items():
        for pair in zip(word, word[1:]):
            counts[pair] += n
    return counts


def apply_merge(word: tuple[str, ...], pair: tuple[str, str]) -> tuple[str, ...]:
    """Merge every left-to-right occurrence of `pair` in `word`."""
    out: list[str] = []
    i = 0
    while i < len(word):
        if i + 1 < len(word) and (word[i], word[i + 1]) == pair:
            out.append(word[i] + word[i + 1])
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def test_each_merge_is_a_most_frequent_pair(lines: list[str]) -> None:
    corpus = lines[:400]
    tok = train("bpe", corpus, TrainConfig(vocab_size=257 + 60, progress=False))
    hf = tok.backend.tok  # type: ignore[attr-defined]
    merges = [tuple(m.split(" ")) if isinstance(m, str) else tuple(m) for m in json.loads(hf.to_str())["model"]["merges"]]
    assert len(merges) == 60
    # Words as the trainer sees them: pre-tokenized and spelled in the byte-level alphabet, one symbol per byte.
    words: Counter[tuple[str, ...]] = Counter(
        tuple(piece) for line in corpus for piece, _ in hf.pre_tokenizer.pre_tokenize_str(line)
    )
    for step, pair in enumerate(merges):
        counts = pair_counts(words)
        assert counts[pair] == max(counts.values()), f"merge {step} {pair} is not a most frequent pair"
        words = Counter({apply_merge(w, pair): n for w, n in words.items()})
