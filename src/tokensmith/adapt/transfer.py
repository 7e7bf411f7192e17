"""`transfer`: move a causal LM to a new tokenizer with one method, optionally tune its embeddings, write it.

The steps, each in its own module: load the model through the core (`models.load_model`); add the source's chat
and bos/eos tokens the target lacks (with a warning naming them; `add_specials=False` turns it off); match tokens by
exact bytes and roles (`matching.py`); build the method's plan (`fvt.py`, `focus.py`, `wechsel.py`, `omp.py`,
`baselines.py`); apply it to the input (and untied output) matrix (`plan.py`, `embeddings.py`); tune
(`tune.py`); write the HF directory and `adapt.json` (`output.py`). Every input is read and checked before the
model is loaded, so a bad file fails fast and nothing is written.
"""

from __future__ import annotations

import os
import time
import warnings
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from tokensmith.adapt.baselines import identity_plan, random_plan
from tokensmith.adapt.embeddings import embedding_matrices, install_embeddings, is_tied, untie
from tokensmith.adapt.focus import focus_plan
from tokensmith.adapt.fvt import fvt_plan
from tokensmith.adapt.matching import (
    match_tokens, missing_role_tokens, require_exact_bytes, source_roles, target_role_ids, with_special_tokens,
)  # fmt: skip
from tokensmith.adapt.omp import omp_plan
from tokensmith.adapt.output import check_output_dir, write_adapted
from tokensmith.adapt.plan import Plan, TransferInputs, apply_plan
from tokensmith.adapt.tune import TuneRecord, TuneSettings, tune_embeddings
from tokensmith.adapt.wechsel import read_dictionary, wechsel_plan
from tokensmith.errors import CorpusError, TokensmithError, close_matches
from tokensmith.tokenizer import Tokenizer

METHODS = ("fvt", "focus", "wechsel", "omp", "random", "identity")
NEEDS: dict[str, tuple[str, ...]] = {
    "focus": ("aux_corpus",), "wechsel": ("aux_corpus", "source_corpus", "dictionary"), "omp": ("donor",),
}  # fmt: skip
OPTIONS: dict[str, tuple[str, ...]] = {
    "focus": ("dim", "epochs"), "wechsel": ("k", "temperature", "dim", "epochs"), "omp": ("k", "candidates", "ridge"),
}  # fmt: skip
FLAGS = {"aux_corpus": "--aux-corpus", "source_corpus": "--source-corpus", "dictionary": "--dict", "donor": "--donor"}


@dataclass(frozen=True)
class TransferResult:
    """What a transfer wrote: the directory, the method and its settings, the row counts, added specials, tuning."""

    out: Path
    method: str
    counts: dict[str, int]
    added_specials: tuple[str, ...]
    settings: dict[str, Any]
    seconds: float
    tuning: TuneRecord | None = None
    tied: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


def read_lines(path: str | os.PathLike[str], *, what: str) -> list[str]:
    """The non-blank lines of a UTF-8 text file.

    Args:
        path: the file.
        what: its part ('--aux-corpus'), for the message.

    Raises:
        CorpusError: the file is missing, not UTF-8, or blank.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "a.txt"
        >>> _ = path.write_text("one\\n\\ntwo\\n", encoding="utf-8")
        >>> read_lines(path, what="--aux-corpus")
        ['one', 'two']
    """
    try:
        lines = [ln for ln in Path(path).read_text(encoding="utf-8").splitlines() if ln.strip()]
    except (OSError, UnicodeDecodeError) as e:
        raise CorpusError(f"cannot read {what} {path} ({e}); give a UTF-8 text file.") from e
    if not lines:
        raise CorpusError(f"{what} {path} holds no text; give a file with target-language text.")
    return lines


def _check_request(
    method: str, given: Mapping[str, Any], *, tune_steps: int, tune_corpus: Any, options: Mapping[str, Any]
) -> None:
    if method not in METHODS:
        raise TokensmithError(f"unknown method '{method}': {close_matches(method, METHODS)}")
    unused = sorted(set(options) - set(OPTIONS.get(method, ())))
    if unused:
        valid = ", ".join(OPTIONS.get(method, ())) or "none"
        raise TokensmithError(f"--method {method} takes no setting {', '.join(unused)} (its settings: {valid}).")
    missing = [FLAGS[n] for n in NEEDS.get(method, ()) if given.get(n) is None]
    if missing:
        raise TokensmithError(f"--method {method} needs {' and '.join(missing)}; pass {', '.join(missing)}.")
    if tune_steps < 0 or (tune_steps > 0 and tune_corpus is None):
        raise TokensmithError("tuning needs --tune-steps N (N >= 1) together with --tune-corpus FILE.")


def _load_target(to: Tokenizer | str) -> Tokenizer:
    from tokensmith.spec import load

    tok = to if isinstance(to, Tokenizer) else load(to)
    require_exact_bytes(tok, what="target tokenizer")
    return tok


def _plan(method: str, inputs: TransferInputs, data: dict[str, Any], options: dict[str, Any]) -> Plan:
    if method == "fvt":
        return fvt_plan(inputs)
    if method == "focus":
        return focus_plan(inputs, aux_lines=data["aux_corpus"], **options)
    if method == "wechsel":
        return wechsel_plan(inputs, source_lines=data["source_corpus"], target_lines=data["aux_corpus"],
                            pairs=data["dictionary"], **options)  # fmt: skip
    if method == "omp":
        return omp_plan(inputs, donor_tokenizer=data["donor"].tokenizer, donor_matrix=data["donor_matrix"], **options)
    return random_plan(inputs) if method == "random" else identity_plan(inputs)


def _read_inputs(given: Mapping[str, Any]) -> dict[str, Any]:
    """Read the corpora and dictionary now (bad files fail before any model loads)."""
    data: dict[str, Any] = {}
    for name in ("aux_corpus", "source_corpus"):
        if given.get(name) is not None:
            data[name] = read_lines(given[name], what=FLAGS[name])
    if given.get("dictionary") is not None:
        data["dictionary"] = read_dictionary(given["dictionary"])
    return data


def _load_donor(spec: str, data: dict[str, Any], target: Tokenizer) -> None:
    from tokensmith.adapt.omp import check_donor
    from tokensmith.models import load_model

    donor = load_model(spec)
    check_donor(donor.tokenizer, target)
    data["donor"] = donor
    data["donor_matrix"] = embedding_matrices(donor.model)[0]


def _with_specials(
    source: Tokenizer, target: Tokenizer, roles: dict[str, int], *, add: bool
) -> tuple[Tokenizer, list[str]]:
    missing = missing_role_tokens(source, target, roles)
    if not missing or not add:
        return target, []
    warnings.warn(
        f"the target tokenizer {target.name} lacks the source's special tokens {', '.join(missing)}: added them "
        f"(ids {target.vocab_size}..{target.vocab_size + len(missing) - 1}) with their source embeddings. "
        "Pass --no-add-specials (add_specials=False) to leave them out.",
        stacklevel=3,
    )
    return with_special_tokens(target, missing), missing


def transfer(
    model: str, *, to: Tokenizer | str, method: str, out: str | os.PathLike[str],
    aux_corpus: str | os.PathLike[str] | None = None, source_corpus: str | os.PathLike[str] | None = None,
    dictionary: str | os.PathLike[str] | None = None, donor: str | None = None, tune_steps: int = 0,
    tune_corpus: str | os.PathLike[str] | None = None, tune: TuneSettings | None = None, add_specials: bool = True,
    seed: int = 0, options: Mapping[str, Any] | None = None, progress: bool = False, untie_output: bool = False,
) -> TransferResult:
    """Move `model` to the tokenizer `to` with `method`, tune its embeddings if asked, and write it to `out`.

    Args:
        model: a packaged name ('smollm2'), an HF directory or a .gguf file.
        to: the target tokenizer (a spec or a `Tokenizer`).
        method: 'fvt', 'focus', 'wechsel', 'omp', 'random' or 'identity'.
        out: the output directory.
        aux_corpus: target-language text (focus, wechsel).
        source_corpus: source-language text (wechsel).
        dictionary: a bilingual dictionary, `source<TAB>target` per line (wechsel).
        donor: a model that uses the target tokenizer (omp).
        tune_steps: embedding-tuning steps after the transfer (0: none).
        tune_corpus: target-language text for tuning.
        tune: batch size, sequence length, learning rate (`TuneSettings`; `steps` is taken from `tune_steps`).
        add_specials: add the source's chat and bos/eos tokens that the target lacks.
        seed: the seed of random rows, static vectors and tuning.
        options: method settings (focus: dim, epochs; wechsel: k, temperature, dim, epochs; omp: k, candidates, ridge).
        progress: show the tuning progress bar.
        untie_output: give a tied model a separate output layer (built by the same plan; tuning with
            `train_output` then moves it on its own). Tied models stay tied otherwise.

    Example:
        >>> import tempfile, tokensmith
        >>> folder = Path(tempfile.mkdtemp())
        >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 50, vocab_size=300, seed=0)
        >>> source = write_adapted(tiny_causal_lm(vocab_size=300), tok, folder / "src", record={}, role_ids={})
        >>> result = transfer(str(source), to=tok, method="identity", out=folder / "out")
        >>> result.counts == {"copied": tok.vocab_size, "combined": 0, "random": 0}
        True
        >>> sorted(p.name for p in (folder / "out").iterdir())[:2]
        ['adapt.json', 'config.json']
    """
    from tokensmith.models import load_model

    started = time.perf_counter()
    given = {"aux_corpus": aux_corpus, "source_corpus": source_corpus, "dictionary": dictionary, "donor": donor}
    _check_request(method, given, tune_steps=tune_steps, tune_corpus=tune_corpus, options=dict(options or {}))
    check_output_dir(out)
    data = _read_inputs(given)
    tune_text = "\n".join(read_lines(tune_corpus, what="--tune-corpus")) if tune_steps else ""
    target = _load_target(to)
    loaded = load_model(model)
    roles = source_roles(loaded)
    target, added = _with_specials(loaded.tokenizer, target, roles, add=add_specials)
    matching = match_tokens(loaded.tokenizer, target, roles)
    if donor is not None and method == "omp":
        _load_donor(donor, data, target)
    plan = _plan(method, TransferInputs(loaded.tokenizer, target, matching, seed), data, dict(options or {}))
    if untie_output:
        untie(loaded.model)
    tied = is_tied(loaded.model)
    inp, outm = embedding_matrices(loaded.model)
    new_out = apply_plan(plan, outm, seed=seed + 1) if outm is not None else None
    role_ids = target_role_ids(target, matching, roles)
    install_embeddings(loaded.model, apply_plan(plan, inp, seed=seed), new_out, role_ids=role_ids)
    record = None
    if tune_steps:
        settings = TuneSettings(**{**asdict(tune or TuneSettings(steps=tune_steps)), "steps": tune_steps, "seed": seed})
        record = tune_embeddings(loaded.model, target, tune_text, settings=settings, progress=progress,
                                 start_id=role_ids.get("bos", 0), checkpoint=Path(out).with_suffix(".tune.pt"))  # fmt: skip
    result = TransferResult(
        out=Path(out), method=method, counts=plan.counts(), added_specials=tuple(added), tied=tied,
        settings={"seed": seed, **dict(options or {}), **{k: str(v) for k, v in given.items() if v is not None}},
        seconds=time.perf_counter() - started, tuning=record,
    )
    write_adapted(loaded.model, target, out, record=_record(result, model, target), role_ids=role_ids)
    return result


def _record(result: TransferResult, model: str, target: Tokenizer) -> dict[str, Any]:
    """The `adapt.json` body."""
    return {
        "method": result.method, "source_model": model, "target_tokenizer": target.name,
        "target_fingerprint": target.fingerprint, "settings": result.settings, "counts": result.counts,
        "added_specials": list(result.added_specials), "tied": result.tied, "seconds": round(result.seconds, 3),
        "tuning": asdict(result.tuning) if result.tuning else None,
    }  # fmt: skip
