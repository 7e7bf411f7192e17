"""WECHSEL (Minixhofer, Paischer & Rekabsaz, "WECHSEL: Effective initialization of subword embeddings for
cross-lingual transfer of monolingual language models", NAACL 2022, §3).

1. fastText word vectors are trained on source-language text and on target-language text (`static_vectors.py`;
   the paper uses pretrained fastText, nothing is downloaded here).
2. The target space is aligned to the source space by orthogonal Procrustes over the pairs of a bilingual
   dictionary (`english<TAB>target` per line) whose two words both have vectors (§3, following Conneau et al.).
3. Every subword token, source and target, is embedded as the fastText vector of its text (through character
   n-grams), the target ones in the aligned space.
4. Each target token's row is the sum of the source rows of its k nearest source tokens (cosine), weighted by
   softmax(similarity / τ) (§3, eq. 1; the paper's k = 10, τ = 0.1).

Special tokens are mapped by role (`matching.py`); a token whose bytes are not whole UTF-8 text has no text to
embed and gets a random row.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tokensmith.adapt.plan import Plan, TransferInputs, plan_from_rows
from tokensmith.adapt.static_vectors import WordVectors, train_word_vectors
from tokensmith.errors import CorpusError, require
from tokensmith.tokenizer import Tokenizer

MIN_PAIRS = 20  # fewer dictionary pairs with vectors cannot pin down a rotation
_BATCH = 4096  # target tokens scored against all source tokens at once


def read_dictionary(path: str | Path) -> list[tuple[str, str]]:
    """(source word, target word) pairs from a bilingual dictionary file, `english<TAB>target` per line.

    Args:
        path: the dictionary (blank lines are skipped).

    Raises:
        CorpusError: a line without exactly one tab, or an empty side (the message gives the line number).

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "uk.txt"
        >>> _ = path.write_text("dog\\tсобака\\n\\ntea\\tчай\\n", encoding="utf-8")
        >>> read_dictionary(path)
        [('dog', 'собака'), ('tea', 'чай')]
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise CorpusError(f"cannot read the dictionary {path} ({e}); give a UTF-8 text file.") from e
    pairs = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
            raise CorpusError(
                f"{path}:{number} is not 'source<TAB>target' ({line[:60]!r}). A WECHSEL dictionary has one "
                "English word, a tab, and its translation per line (see ../shared/data/dicts/wechsel/)."
            )
        pairs.append((parts[0].strip(), parts[1].strip()))
    if not pairs:
        raise CorpusError(f"the dictionary {path} is empty; give 'source<TAB>target' lines.")
    return pairs


def procrustes_rotation(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The orthogonal (dim, dim) matrix R minimising ||x R - y|| (scipy's `orthogonal_procrustes`).

    Args:
        x: (n, dim) vectors to rotate (the target side).
        y: (n, dim) vectors to reach (the source side).

    Example:
        >>> theta = 0.3
        >>> rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        >>> x = np.random.default_rng(0).normal(size=(20, 2))
        >>> bool(np.allclose(procrustes_rotation(x, x @ rot), rot))
        True
    """
    require("scipy", extra="adapt")
    from scipy.linalg import orthogonal_procrustes

    rotation, _ = orthogonal_procrustes(x, y)
    return np.asarray(rotation)


def token_texts(tok: Tokenizer, ids: Sequence[int]) -> list[str]:
    """The text of each token with its leading space dropped ('' when the bytes are not whole UTF-8).

    Args:
        tok: the tokenizer.
        ids: token ids.

    Example:
        >>> import tokensmith
        >>> token_texts(tokensmith.load("gpt2"), [995, 447])  # ' world', and a cut-off character
        ['world', '']
    """
    out = []
    for t in ids:
        try:
            out.append(tok.token_bytes(t).decode("utf-8").strip())
        except UnicodeDecodeError:
            out.append("")
    return out


def aligned_spaces(
    source_lines: Sequence[str], target_lines: Sequence[str], pairs: Sequence[tuple[str, str]], *, dim: int,
    epochs: int, seed: int,
) -> tuple[WordVectors, WordVectors, np.ndarray]:
    """Train both fastText spaces and the rotation that maps the target one onto the source one.

    Args:
        source_lines: source-language text.
        target_lines: target-language text.
        pairs: the dictionary's (source word, target word) pairs.
        dim: vector size.
        epochs: fastText passes.
        seed: the seed.

    Raises:
        CorpusError: fewer than `MIN_PAIRS` dictionary pairs have vectors on both sides.

    Example:
        >>> en, uk = ["a cat and a dog"] * 500, ["кіт і пес"] * 700
        >>> aligned_spaces(en, uk, [("cat", "кіт")], dim=4, epochs=1, seed=0)  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.errors.CorpusError: only 1 dictionary pairs have both words in the corpora ...
    """
    source = train_word_vectors(source_lines, dim=dim, epochs=epochs, seed=seed)
    target = train_word_vectors(target_lines, dim=dim, epochs=epochs, seed=seed)
    src_words, tgt_words = set(source.words), set(target.words)
    usable = [(s, t) for s, t in pairs if s in src_words and t in tgt_words]
    if len(usable) < MIN_PAIRS:
        raise CorpusError(
            f"only {len(usable)} dictionary pairs have both words in the corpora (at least {MIN_PAIRS} are needed "
            "to align the spaces). Check that the dictionary's languages match --source-corpus and --aux-corpus, "
            "or give larger corpora."
        )
    x = target.vectors_for([t for _, t in usable])
    y = source.vectors_for([s for s, _ in usable])
    return source, target, procrustes_rotation(x, y)


def wechsel_plan(
    inputs: TransferInputs, *, source_lines: Sequence[str], target_lines: Sequence[str],
    pairs: Sequence[tuple[str, str]], k: int = 10, temperature: float = 0.1, dim: int = 100, epochs: int = 3,
) -> Plan:
    """The WECHSEL plan: every ordinary target token from its k nearest source tokens in the aligned space.

    Args:
        inputs: the tokenizers and their matching (special tokens keep their role mapping).
        source_lines: source-language text (e.g. English).
        target_lines: target-language text.
        pairs: the bilingual dictionary (`read_dictionary`).
        k: neighbours per token.
        temperature: softmax temperature τ over the cosine similarities.
        dim: fastText vector size.
        epochs: fastText passes.

    Example:
        >>> from tokenizers import Tokenizer as HF, models, pre_tokenizers
        >>> from tokensmith.adapt.matching import Matching
        >>> from tokensmith.backends.hf import HFBackend
        >>> def words(prefix):  # a toy tokenizer whose tokens are the words prefix0 .. prefix29
        ...     hf = HF(models.WordLevel({f"{prefix}{i}": i for i in range(30)}, unk_token=f"{prefix}0"))
        ...     hf.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
        ...     return Tokenizer(HFBackend(hf), name=prefix)
        >>> order = np.random.default_rng(0).integers(0, 30, size=(300, 10))
        >>> en = [" ".join(f"w{i}" for i in row) for row in order]
        >>> uk = [" ".join(f"v{i}" for i in row) for row in order]  # the same sentences, other words
        >>> inputs = TransferInputs(words("w"), words("v"), Matching(copied={}, new=tuple(range(30)), unmapped=()))
        >>> plan = wechsel_plan(inputs, source_lines=en, target_lines=uk, pairs=[(f"w{i}", f"v{i}") for i in range(30)],
        ...                     k=3, dim=8, epochs=2)
        >>> plan.counts(), round(sum(plan.row(7)[1]), 6)
        ({'copied': 0, 'combined': 30, 'random': 0}, 1.0)
    """
    specials = inputs.target.special_ids
    rows = {t: r for t, r in inputs.matched_rows().items() if t in specials}
    ordinary = [t for t in range(inputs.target.vocab_size) if t not in specials]
    if not ordinary:
        return plan_from_rows(inputs.target.vocab_size, rows, copied=specials)
    source, target, rotation = aligned_spaces(source_lines, target_lines, pairs, dim=dim, epochs=epochs,
                                              seed=inputs.seed)  # fmt: skip
    src_ids = [s for s in range(inputs.source.vocab_size) if s not in inputs.source.special_ids]
    src_texts = token_texts(inputs.source, src_ids)
    keep = [i for i, text in enumerate(src_texts) if text]
    src_ids_kept = np.array([src_ids[i] for i in keep])
    src_vecs = source.vectors_for([src_texts[i] for i in keep])  # (n_source, dim)
    texts = token_texts(inputs.target, ordinary)
    embeddable = [(t, text) for t, text in zip(ordinary, texts) if text]
    for a in range(0, len(embeddable), _BATCH):
        batch = embeddable[a : a + _BATCH]
        vecs = target.vectors_for([text for _, text in batch]) @ rotation  # (batch, dim), rotation keeps norms
        sims = vecs @ src_vecs.T  # (batch, n_source) cosines
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]  # (batch, k), unordered
        top_sims = np.take_along_axis(sims, top, axis=1) / temperature
        weights = np.exp(top_sims - top_sims.max(axis=1, keepdims=True))
        weights /= weights.sum(axis=1, keepdims=True)
        for (t, _), idx, w in zip(batch, top, weights):
            rows[t] = (src_ids_kept[idx].tolist(), w.tolist())
    return plan_from_rows(inputs.target.vocab_size, rows, copied=specials)
