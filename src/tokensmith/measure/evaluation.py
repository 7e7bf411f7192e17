"""`evaluate`: tokenizers × corpora × metrics → `Results` (one row per tokenizer × corpus × language × metric).

Corpora: a parallel corpus (every metric, parity included), monolingual corpora (the user's own files: every metric
but parity, which needs the same sentences in several languages; `Results.notes` says so), morphology gold and
compounds. Every row carries `lossless` (lossless.py): whether the tokenizer spelled that text exactly.

Order of work, chosen for speed: each corpus is indexed once (textindex.py), each tokenizer encodes each corpus once
with one batch call (encoded.py), and every metric is computed from the id arrays with numpy. A `Timer` records the
seconds spent in the backends' batch encoding ('encode') apart from the rest ('convert', 'index', 'metrics', …).

Errors: a bad spec, a missing corpus or an unknown language raises a `TokensmithError` before any work; a tokenizer
that fails on one language only yields error rows for that language.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokensmith.measure.bootstrap import DEFAULT_RESAMPLES
from tokensmith.measure.corpus_rows import CorpusSettings, corpus_rows
from tokensmith.measure.encoded import Timer
from tokensmith.measure.lossless import lossless_by_language, lossless_on, with_lossless
from tokensmith.measure.renyi import DEFAULT_ALPHA
from tokensmith.measure.results import Results, Row, TokenizerKind
from tokensmith.measure.textindex import TextIndex, build_text_index
from tokensmith.tokenizer import Tokenizer

DEFAULT_DIST_RESAMPLES = 200


@dataclass(frozen=True)
class EvalConfig:
    """Options of `evaluate`.

    Args:
        langs: languages to keep from the parallel corpus (any code form); all when None.
        limit: keep only the first `limit` aligned lines (per corpus and language for monolingual corpora).
        alphas: Rényi orders α (one `renyi_efficiency` row per α).
        noise: character-noise rates for the robustness rows (none when empty).
        resamples: bootstrap resamples for every metric (0 disables CIs).
        dist_resamples: cap on resamples for the count-vector metrics (Rényi, Shannon, utilization), whose bootstrap
            rebuilds a count vector per resample at O(B · tokens) cost; min(resamples, dist_resamples) is used.
        seed: seed of the bootstrap and of the noise.
        reference: the parity reference language.

    Example:
        >>> EvalConfig(langs=("eng_Latn", "deu_Latn"), alphas=(2.5,)).resamples
        1000
    """

    langs: tuple[str, ...] | None = None
    limit: int | None = None
    alphas: tuple[float, ...] = (DEFAULT_ALPHA,)
    noise: tuple[float, ...] = ()
    resamples: int = DEFAULT_RESAMPLES
    dist_resamples: int = DEFAULT_DIST_RESAMPLES
    seed: int = 0
    reference: str = "eng_Latn"


@dataclass
class LoadedTokenizer:
    """A tokenizer with the metadata the results record about it."""

    name: str
    tokenizer: Tokenizer
    kind: TokenizerKind
    source: str

    def meta(self) -> dict[str, Any]:
        """The `tokenizers[name]` entry of the results.

        Example:
            >>> require_model("gpt2")
            >>> load_tokenizers(["gpt2"])[0].meta()
            {'vocab_size': 50257, 'backend': 'tiktoken', 'kind': 'zoo', 'source': 'gpt2'}
        """
        t = self.tokenizer
        return {"vocab_size": t.vocab_size, "backend": t.backend.kind, "kind": self.kind, "source": self.source}


@dataclass
class EvalInputs:
    """Corpora for `evaluate`; each part is optional. Paths or already loaded objects.

    Args:
        parallel: 'flores200' | 'udhr' | a directory of aligned `<lang>.txt` | a `ParallelCorpus`.
        corpus: monolingual text: a file, directory or glob, a `MonolingualCorpus`, or a sequence of these.
        corpus_lang: the language of the `corpus` files (any code form); else each file's name, else 'und'.
        morph: a directory of SIGMORPHON 2022 *.word.*.tsv files.
        compounds: a compound TSV (compound, modifiers, head).
        kinds: name → kind override ('trained').

    Example:
        >>> EvalInputs(corpus=["notes.txt", "fra-CA.txt.gz"]).corpus_lang is None
        True
    """

    parallel: Any = None  # 'flores200' | 'udhr' | a directory | a ParallelCorpus
    corpus: Any = None  # path | glob | MonolingualCorpus | a sequence of these
    corpus_lang: str | None = None
    morph: str | Path | None = None  # a directory of SIGMORPHON 2022 *.word.*.tsv files
    compounds: str | Path | None = None  # a compound TSV (compound, modifiers, head)
    kinds: Mapping[str, TokenizerKind] = field(default_factory=dict)  # name → kind override ('trained')


def load_tokenizers(
    specs: Sequence[str | Tokenizer], *, kinds: Mapping[str, TokenizerKind] | None = None
) -> list[LoadedTokenizer]:
    """Load specs (zoo names or paths) or take ready `Tokenizer`s; names are made unique ('x', 'x#2').

    Args:
        specs: zoo names, paths, or Tokenizer objects (kind 'trained' unless `kinds` says otherwise).
        kinds: name → kind overrides.

    Example:
        >>> require_model("gpt2")
        >>> [t.name for t in load_tokenizers(["gpt2", "gpt2"])]
        ['gpt2', 'gpt2#2']
    """
    from tokensmith.spec import load

    out: list[LoadedTokenizer] = []
    for spec in specs:
        if isinstance(spec, Tokenizer):
            tok, kind, source = spec, "trained", spec.source or spec.name
        else:
            tok = load(spec)
            kind, source = ("file" if Path(spec).expanduser().exists() else "zoo"), str(spec)
        name = _unique(tok.name, {t.name for t in out})
        out.append(LoadedTokenizer(name, tok, (kinds or {}).get(name, kind), source))  # type: ignore[arg-type]
    return out


def _unique(name: str, taken: set[str]) -> str:
    candidate, k = name, 2
    while candidate in taken:
        candidate, k = f"{name}#{k}", k + 1
    return candidate


def evaluate(
    specs: Sequence[str | Tokenizer],
    inputs: EvalInputs,
    *,
    config: EvalConfig = EvalConfig(),  # noqa: B008 - frozen dataclass
    timer: Timer | None = None,
    progress: Callable[[str], None] | None = None,
    encoder: Callable[..., Any] | None = None,
) -> Results:
    """Evaluate tokenizers on the given corpora.

    Args:
        specs: tokenizer specs or objects.
        inputs: the corpora (parallel text, monolingual text, morphology gold, compounds).
        config: metric and bootstrap options.
        timer: collects seconds per phase ('load', 'index', 'encode', 'convert', 'metrics').
        progress: called with a short message before each tokenizer × corpus step.
        encoder: replaces the encode phase of the text corpora: `encoder(tok, index, timer=...)` returns the
            `EncodedCorpus` that `encode_corpus` would (e.g. `tokensmith.engines.eval_encoder.sharded_encoder`).

    Example:
        >>> from tokensmith.corpora.monolingual import MonolingualCorpus
        >>> from tokensmith.measure.results import Results
        >>> res = evaluate([], EvalInputs(corpus=MonolingualCorpus("notes", {"und": ["hi"]})))
        >>> isinstance(res, Results), res.notes[0].startswith("parity_* not computed on notes")
        (True, True)
        >>> require_model("gpt2")
        >>> from tokensmith.corpora.parallel import ParallelCorpus
        >>> toy = ParallelCorpus(name="toy", texts={"eng_Latn": ["Hello world.", "The cat sat."],
        ...                                           "deu_Latn": ["Hallo Welt.", "Die Katze saß."]})
        >>> res = evaluate(["gpt2"], EvalInputs(parallel=toy), config=EvalConfig(resamples=20))
        >>> res.select(metric="parity_premium", lang="deu_Latn")[0].value  # 11 tokens in German, 7 in English
        1.5714285714285714
    """
    timer = timer or Timer()
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    toks = load_tokenizers(specs, kinds=inputs.kinds)
    morph_gold, compound_list = _word_inputs(inputs)
    timer.add("load", started)
    texts = _parallel_inputs(inputs, config, timer) + _monolingual_inputs(inputs, config, timer)
    rows: list[Row] = []
    for t in toks:
        for part in texts:
            say(f"{t.name}: {part.corpus} ({len(part.index.langs)} languages)")
            rows += _text_rows(t, part, config, timer, encoder=encoder)
        if morph_gold:
            say(f"{t.name}: morphology ({len(morph_gold)} languages)")
            rows += _timed(timer, lambda t=t: _morph_rows(t, morph_gold, config))
        if compound_list:
            say(f"{t.name}: compounds ({len(compound_list)})")
            rows += _timed(timer, lambda t=t: _compound_rows(t, compound_list, config))
    notes = tuple(note for part in texts for note in part.notes(config.reference))
    return Results(tokenizers={t.name: t.meta() for t in toks}, langs=_lang_meta(rows), rows=tuple(rows),
                   notes=notes)  # fmt: skip


def _timed(timer: Timer, fn: Callable[[], list[Row]]) -> list[Row]:
    started = time.perf_counter()
    try:
        return fn()
    finally:
        timer.add("metrics", started)


@dataclass(frozen=True)
class _Text:
    """One indexed corpus: its name, the index, its noisy copies (rate → index) and whether parity applies."""

    corpus: str
    index: TextIndex
    noisy: dict[float, TextIndex]
    parallel: bool

    def notes(self, reference: str) -> list[str]:
        """Why parity is missing on this corpus, if it is."""
        if not self.parallel:
            return [f"parity_* not computed on {self.corpus}: it is a monolingual corpus, and parity compares token "
                    "counts of the same sentences across languages. Measure it on a parallel corpus "
                    "(--parallel flores200|udhr|DIR)."]  # fmt: skip
        if reference not in self.index.langs:
            return [f"parity_* not computed on {self.corpus}: it has no {reference} text, the reference language."]
        return []


def _indexed(name: str, texts: dict[str, list[str]], config: EvalConfig, *, parallel: bool) -> _Text:
    index = build_text_index({lang: texts[lang] for lang in sorted(texts)})
    noisy = {}
    if config.noise:
        from tokensmith.measure.robustness import noisy_index

        noisy = {rate: noisy_index(index, rate=rate, seed=config.seed) for rate in config.noise}
    return _Text(name, index, noisy, parallel)


def _parallel_inputs(inputs: EvalInputs, config: EvalConfig, timer: Timer) -> list[_Text]:
    if inputs.parallel is None:
        return []
    pc = inputs.parallel
    started = time.perf_counter()
    if isinstance(pc, (str, Path)):
        from tokensmith.corpora.parallel import load_parallel

        pc = load_parallel(str(pc), langs=list(config.langs) if config.langs else None, limit=config.limit)
    timer.add("load", started)
    started = time.perf_counter()
    text = _indexed(pc.name, pc.texts, config, parallel=True)
    timer.add("index", started)
    return [text]


def _monolingual_inputs(inputs: EvalInputs, config: EvalConfig, timer: Timer) -> list[_Text]:
    """`inputs.corpus` as indexed corpora: paths are read with `load_corpora`, loaded corpora are taken as they are."""
    from tokensmith.corpora.monolingual import MonolingualCorpus, load_corpora

    given = inputs.corpus
    if given is None:
        return []
    items = [given] if isinstance(given, (str, Path, MonolingualCorpus)) else list(given)
    started = time.perf_counter()
    paths = [x for x in items if not isinstance(x, MonolingualCorpus)]
    loaded = load_corpora(paths, lang=inputs.corpus_lang, limit=config.limit) if paths else []
    corpora = [x for x in items if isinstance(x, MonolingualCorpus)] + loaded
    timer.add("load", started)
    started = time.perf_counter()
    texts = [_indexed(c.name, c.texts, config, parallel=False) for c in corpora]
    timer.add("index", started)
    return texts


def _word_inputs(inputs: EvalInputs) -> tuple[dict, list]:
    gold: dict = {}
    comps: list = []
    if inputs.morph is not None:
        from tokensmith.measure.morphology import load_morph_gold

        gold = load_morph_gold(inputs.morph)
    if inputs.compounds is not None:
        from tokensmith.measure.compounds import load_compounds

        comps = load_compounds(inputs.compounds)
    return gold, comps


def _settings(text: _Text, config: EvalConfig) -> CorpusSettings:
    from tokensmith.corpora.langs import SPACELESS_SCRIPTS

    spaceless = frozenset(lang for lang in text.index.langs if _script(lang) in SPACELESS_SCRIPTS)
    return CorpusSettings(alphas=config.alphas, resamples=config.resamples, dist_resamples=config.dist_resamples,
                          seed=config.seed, reference=config.reference, spaceless=spaceless,
                          parity=text.parallel)  # fmt: skip


def _text_rows(
    t: LoadedTokenizer, text: _Text, config: EvalConfig, timer: Timer, *, encoder: Callable[..., Any] | None = None
) -> list[Row]:
    """Every metric of one tokenizer on one indexed corpus (noise rows included), each row with its lossless flag."""
    rows, enc = corpus_rows(t.tokenizer, t.name, text.corpus, text.index, _settings(text, config), timer=timer,
                            encoder=encoder)  # fmt: skip
    if text.noisy:
        from tokensmith.measure.robustness import noise_rows

        for rate, noisy_ix in text.noisy.items():
            rows += noise_rows(t.tokenizer, t.name, text.corpus, text.index, enc, noisy_ix, rate=rate,
                               resamples=config.resamples, seed=config.seed, timer=timer)  # fmt: skip
    return _timed(timer, lambda: with_lossless(rows, lossless_by_language(t.tokenizer, text.index, enc)))


def _morph_rows(t: LoadedTokenizer, gold: dict, config: EvalConfig) -> list[Row]:
    from tokensmith.measure.morphology import morph_rows

    rows = morph_rows(t.tokenizer, t.name, gold, resamples=config.resamples, seed=config.seed)
    return with_lossless(rows, lossless_on(t.tokenizer, {lang: g.words for lang, g in gold.items()}))


def _compound_rows(t: LoadedTokenizer, compounds: list, config: EvalConfig) -> list[Row]:
    from tokensmith.measure.compounds import LANG, compound_rows

    rows = compound_rows(t.tokenizer, t.name, compounds, resamples=config.resamples, seed=config.seed)
    return with_lossless(rows, lossless_on(t.tokenizer, {LANG: [c.compound for c in compounds]}))


def _script(lang: str) -> str:
    from tokensmith.corpora.langs import script_of
    from tokensmith.errors import TokensmithError

    try:
        return script_of(lang)
    except TokensmithError:
        return lang.split("_", 1)[1] if "_" in lang else "Zyyy"  # Zyyy: ISO 15924 "undetermined"


def _lang_meta(rows: Sequence[Row]) -> dict[str, dict[str, Any]]:
    from tokensmith.corpora.langs import SPACELESS_SCRIPTS

    langs = sorted({r.lang for r in rows if r.lang != "*"})
    return {lang: {"script": _script(lang), "spaceless": _script(lang) in SPACELESS_SCRIPTS} for lang in langs}
