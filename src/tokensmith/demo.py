"""`tokensmith demo`, the main job: train, evaluate beside the zoo, and write a report, on built-in data only.

Each step calls the stage that owns the work; this file only wires them together:
1. data: `corpora.builtin.load_builtin` (UDHR held-out split, wordfreq lines; a missing source is reported with
   the command that fetches it, and the demo runs on what it has);
2. train: BPE (hf engine) and Unigram (sentencepiece engine) at three vocabulary sizes;
3. zoo: the reference tokenizers `zoo.distinct_available` picks;
4. evaluate: `measure.evaluate` per corpus, joined by `measure.results.merge_results`;
5. report: DIR/results.json, DIR/report.html and DIR/tokenizers/<name>/tokenizer.json.

Progress display and thread limits belong to the caller (`cli.runtime`). Not handled: morphology and compound
metrics, whose gold data is not built in (the report says how to add them with `tokensmith eval`).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from tokensmith.corpora.aligned import ParallelCorpus, sample_langs, subset
from tokensmith.corpora.builtin import BuiltinData, BuiltinSample, load_builtin
from tokensmith.errors import TrainingError
from tokensmith.measure.results import Results, merge_results
from tokensmith.tokenizer import Tokenizer

STEPS = ("data", "train", "zoo", "evaluate", "report")
Note = Callable[[str], None]


class DemoProgress(Protocol):
    """What the demo tells its caller: `note` the current sub-step, `warn` a lasting line, `advance` one step."""

    def note(self, message: str) -> None:
        """Show what runs now (the next note replaces it).

        Args:
            message: one short line.
        """

    def warn(self, message: str) -> None:
        """Keep a line in view (a missing source, a skipped size).

        Args:
            message: one line.
        """

    def advance(self, message: str) -> None:
        """One of `STEPS` is done.

        Args:
            message: what it produced.
        """


class _Silent:
    def note(self, message: str) -> None: ...
    def warn(self, message: str) -> None: ...
    def advance(self, message: str) -> None: ...


@dataclass(frozen=True)
class DemoPlan:
    """How much work the demo does (defaults: the full demo, sized for ≤ 3 minutes on 2 shared cores).

    Args:
        data: how much built-in data is read (languages, units, word lines).
        vocab_sizes: the vocabulary sizes trained for BPE and for Unigram.
        resamples / dist_resamples: bootstrap resamples per metric / for the count-vector metrics.
        noise / noise_langs / noise_units: noise rates, and the languages and held-out units they are measured on.
        gguf: include zoo tokenizers read from GGUF models (slow first load through transformers).

    Example:
        >>> DemoPlan().vocab_sizes, FAST.data.max_langs
        ((4000, 8000, 16000), 40)
    """

    data: BuiltinSample = BuiltinSample()
    vocab_sizes: tuple[int, ...] = (4000, 8000, 16000)
    resamples: int = 100
    dist_resamples: int = 20
    noise: tuple[float, ...] = (0.01, 0.05, 0.1)
    noise_langs: int = 6
    noise_units: int = 4
    gguf: bool = True


FAST = DemoPlan(data=BuiltinSample(max_langs=40, train_units=3, wordfreq_langs=8), vocab_sizes=(1000, 2000, 4000),
                resamples=50, dist_resamples=10, noise_langs=3, noise_units=2, gguf=False)  # fmt: skip


@dataclass(frozen=True)
class DemoConfig:
    """Options of the demo.

    Args:
        out: the output directory.
        fast: a quick check (`FAST`): smaller vocabularies, fewer languages, no GGUF-backed zoo tokenizers.
        seed: seed of the data split, the wordfreq draws, training, the bootstrap and the noise.
        udhr: the UDHR tarball; when None, where `corpora.builtin.udhr_tarball` finds it.
        zoo: evaluate the zoo tokenizers available on this machine.
        sizes: explicit sizes, used instead of `fast` when given (e.g. a tiny run in a test).

    Example:
        >>> DemoConfig(fast=True).plan().vocab_sizes
        (1000, 2000, 4000)
    """

    out: Path = Path("demo-out")
    fast: bool = False
    seed: int = 0
    udhr: Path | None = None
    zoo: bool = True
    sizes: DemoPlan | None = None

    def plan(self) -> DemoPlan:
        """The sizes of this run: `sizes` when given, else `FAST` or the full `DemoPlan()`.

        Example:
            >>> tiny = DemoPlan(vocab_sizes=(400,))
            >>> DemoConfig(fast=True, sizes=tiny).plan() is tiny, DemoConfig(fast=True).plan() is FAST
            (True, True)
        """
        return self.sizes or (FAST if self.fast else DemoPlan())


def train_tokenizers(lines: list[str], plan: DemoPlan, *, seed: int, note: Note) -> tuple[list[Tokenizer], list[str]]:
    """BPE and Unigram at each size, named like 'bpe-4k'; a size the lines cannot fill is skipped with a note.

    Args:
        lines: the training lines.
        plan: its `vocab_sizes` are trained, for each algorithm.
        seed: the training seed.
        note: told which tokenizer trains now.

    Returns:
        (the trained tokenizers, one note per skipped size).

    Example:
        Unigram needs 272 ids for these 13 characters plus its reserved pieces, so its 270 is skipped.

        >>> lines = ["the cat sat on the mat", "a dog ate the hat", "the rat and the cat"] * 5
        >>> toks, notes = train_tokenizers(lines, DemoPlan(vocab_sizes=(270,)), seed=0, note=print)
        training bpe-270 on 15 lines
        training unigram-270 on 15 lines
        >>> [t.name for t in toks], [n.split(":")[0] for n in notes]
        (['bpe-270'], ['unigram-270 skipped'])
    """
    from tokensmith.learn import TrainConfig, train

    out, notes = [], []
    for algo, engine in (("bpe", "hf"), ("unigram", "sentencepiece")):  # sentencepiece: the faster Unigram
        for size in plan.vocab_sizes:
            name = f"{algo}-{size // 1000}k" if size % 1000 == 0 else f"{algo}-{size}"
            note(f"training {name} on {len(lines):,} lines")
            try:
                tok = train(algo, lines, TrainConfig(vocab_size=size, engine=engine, seed=seed, progress=False))
            except TrainingError as e:
                notes.append(f"{name} skipped: {e}")
                continue
            out.append(tok.with_name(name))
    return out, notes


def zoo_tokenizers(*, gguf: bool, note: Note) -> list[Tokenizer]:
    """The zoo tokenizers `zoo.distinct_available` picks; one that fails to load is noted and skipped.

    Args:
        gguf: include the tokenizers read from GGUF models (slow first load).
        note: told which tokenizer loads now, and why one was skipped.

    Example:
        Which tokenizers come back depends on what is installed here; GPT-2's is one of them when it is.

        >>> require_model("gpt2")
        >>> "gpt2" in [t.name for t in zoo_tokenizers(gguf=False, note=lambda message: None)]
        True
    """
    from tokensmith.zoo import distinct_available, load_zoo

    out = []
    for status in distinct_available(gguf=gguf):
        note(f"loading zoo tokenizer {status.name}")
        try:
            out.append(load_zoo(status.name))
        except Exception as e:  # one broken zoo entry must not stop the demo
            note(f"zoo: {status.name} could not be loaded ({type(e).__name__}: {e}); skipped")
    return out


def evaluate_all(trained: list[Tokenizer], zoo: list[Tokenizer], data: BuiltinData, plan: DemoPlan, *, seed: int,
                 note: Note) -> Results:  # fmt: skip
    """All metrics on the UDHR held-out units, noise on a few of its languages, no parity on the word lines.

    Args:
        trained: the tokenizers trained by the demo (rows of kind 'trained').
        zoo: the reference tokenizers (rows of kind 'zoo').
        data: the evaluation corpora; a missing one (None) is left out.
        plan: bootstrap resamples and noise rates.
        seed: the bootstrap and noise seed.
        note: told what is measured now.

    Example:
        Two aligned lines in two languages stand in for the UDHR units; no bootstrap, no noise.

        >>> from tokensmith.corpora.aligned import ParallelCorpus
        >>> lines = ["the cat sat on the mat", "a dog ate the hat", "the rat and the cat"] * 5
        >>> (bpe,), _ = train_tokenizers(lines, DemoPlan(vocab_sizes=(270,)), seed=0, note=lambda message: None)
        >>> udhr = ParallelCorpus(name="toy", texts={"eng_Latn": ["the cat sat", "a dog ate"],
        ...                                          "deu_Latn": ["die Katze sass", "ein Hund ass"]})
        >>> plan = DemoPlan(resamples=0, dist_resamples=0, noise=())
        >>> res = evaluate_all([bpe], [], BuiltinData(udhr_eval=udhr), plan, seed=0, note=lambda message: None)
        >>> sorted({r.lang for r in res.rows}), "parity_premium" in {r.metric for r in res.rows}
        (['*', 'deu_Latn', 'eng_Latn'], True)
    """
    from tokensmith.measure import EvalConfig, EvalInputs, evaluate

    kinds = {**{t.name: "trained" for t in trained}, **{t.name: "zoo" for t in zoo}}

    def run(corpus: ParallelCorpus, keep: Callable[[str], bool], **options: Any) -> Results:
        config = EvalConfig(**{"resamples": plan.resamples, "dist_resamples": plan.dist_resamples, "seed": seed,
                               **options})  # fmt: skip
        res = evaluate(trained + zoo, EvalInputs(parallel=corpus, kinds=kinds), config=config, progress=note)
        return replace(res, rows=tuple(r for r in res.rows if keep(r.metric)))

    parts = []
    if data.udhr_eval is not None:
        parts.append(run(data.udhr_eval, lambda metric: True))
        if plan.noise:  # an edit distance costs O(n·m) per unit: noise is measured on a small sample
            note(f"robustness to noise on {plan.noise_langs} languages")
            langs = sample_langs(data.udhr_eval.langs, plan.noise_langs, seed=seed)
            few = subset(data.udhr_eval, langs=langs, units=plan.noise_units)
            parts.append(run(few, lambda m: m.startswith("noise_"), noise=plan.noise, dist_resamples=0))
    if data.wordfreq_eval is not None:
        parts.append(run(data.wordfreq_eval, lambda m: not m.startswith("parity_")))
    return merge_results(parts)


def run_demo(config: DemoConfig | None = None, *, progress: DemoProgress | None = None) -> dict[str, Any]:
    """Run the whole demo and return a summary: files, tokenizers, missing sources, notes, and wall and CPU seconds
    per step (`total_cpu` is the CPU time of the whole process, imports included).

    Args:
        config: output directory, fast mode, seed (`DemoConfig()` when None).
        progress: told about each step (e.g. `cli.runtime.StepProgress`); silent when None.

    Example:
        A tiny run: word lines of two languages only, one vocabulary size, no zoo, no bootstrap.

        >>> import tempfile
        >>> tiny = DemoPlan(data=BuiltinSample(wordfreq_langs=2), vocab_sizes=(400,), resamples=0, noise=())
        >>> config = DemoConfig(out=Path(tempfile.mkdtemp()), udhr=Path("/no/udhr.tgz"), zoo=False, sizes=tiny)
        >>> summary = run_demo(config)
        >>> summary["trained"], sorted(summary["files"]), len(summary["missing"])
        (['bpe-400', 'unigram-400'], ['report', 'results'], 1)
    """
    from tokensmith.formats.save import save
    from tokensmith.measure.results import write_json
    from tokensmith.report.html import write_report

    config = config or DemoConfig()
    say, plan, out, seconds = progress or _Silent(), config.plan(), Path(config.out), {}
    started = time.perf_counter()
    with _timed(seconds, "data"):
        data = load_builtin(plan.data, seed=config.seed, udhr=config.udhr, note=say.note)
    for line in data.missing:
        say.warn(f"missing: {line}; running on what is here.")
    say.advance("data ready")
    with _timed(seconds, "train"):
        trained, notes = train_tokenizers(data.train, plan, seed=config.seed, note=say.note)
    for line in notes:
        say.warn(line)
    say.advance(f"trained {len(trained)} tokenizers")
    with _timed(seconds, "zoo"):
        zoo = zoo_tokenizers(gguf=plan.gguf, note=say.note) if config.zoo else []
    say.advance(f"{len(zoo)} zoo tokenizers" + ("" if plan.gguf else " (GGUF-backed ones skipped in --fast mode)"))
    with _timed(seconds, "evaluate"):
        results = evaluate_all(trained, zoo, data, plan, seed=config.seed, note=say.note)
    say.advance(f"{len(results.rows):,} result rows")
    with _timed(seconds, "report"):
        results_path = write_json(results, out / "results.json")
        report = write_report([results_path], out / "report.html", title="tokensmith demo")
        saved = [str(save(t, out / "tokenizers" / t.name / "tokenizer.json", format="tokenizer.json")) for t in trained]
    say.advance(f"wrote {report}")
    seconds.update(total=round(time.perf_counter() - started, 2), total_cpu=round(time.process_time(), 2))
    return {"files": {"results": str(results_path), "report": str(report)}, "tokenizers": saved,
            "trained": [t.name for t in trained], "zoo": [t.name for t in zoo], "missing": data.missing,
            "notes": notes, "rows": len(results.rows), "seconds": seconds}  # fmt: skip


@contextlib.contextmanager
def _timed(seconds: dict[str, float], name: str) -> Iterator[None]:
    """Record the block's wall seconds as `name` and its CPU seconds (all threads of this process) as `name_cpu`."""
    t0, c0 = time.perf_counter(), time.process_time()
    yield
    seconds[name], seconds[f"{name}_cpu"] = round(time.perf_counter() - t0, 2), round(time.process_time() - c0, 2)
