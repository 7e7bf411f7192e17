"""Lossless conversion between tokenizer.json, .tiktoken and SentencePiece, checked by encoding text both ways.

What converts, and how:
- tiktoken → tokenizer.json: byte-level BPE with the same split regex (a `Split` pre-tokenizer) and the same ids;
  merges are recovered from the ranks by transformers' `TikTokenConverter` (every split of a token into two
  tokens, ordered by the rank of the result); special tokens become special added tokens with their ids.
- SentencePiece BPE/Unigram → tokenizer.json: transformers' `SpmConverter.build_tokenizer_from_spm_proto`, which
  follows the model's own normalizer spec. Control pieces become special added tokens, BOS is added by a post-
  processor. HF's Unigram would match control and unknown pieces *inside text* (SentencePiece never does), so
  their scores are pushed below every real piece. Known limits, caught by verification (conversion refused):
  a control piece's literal text whose characters the model does not know still matches the control piece in
  HF (its unknown-token penalty is always worse), and tokenizers' `Precompiled` normalizer reads '\r\n' as one
  grapheme (nmt_nfkc models: one space where SentencePiece gives two).
- byte-level BPE tokenizer.json → .tiktoken: refused when the tokenizer normalizes, prepends a space, splits with
  something a single regex cannot express, has non-special added tokens, or has ids that are not rank-ordered merges.
- GGUF → tokenizer.json: the vocabulary that transformers rebuilds from the GGUF metadata (`formats/gguf.py`).
- anything → .model: only a SentencePiece model can be written as one (copied unchanged).

Every conversion reloads the target from the exact bytes that will be written and checks ids against the source
on a built-in multilingual sample (and on `verify_corpus` when given); a mismatch refuses the conversion.
A .tiktoken file stores neither the split regex nor special tokens: the report gives both.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tokensmith import atomic
from tokensmith.backends.hf import HFBackend
from tokensmith.backends.sentencepiece import SentencePieceBackend
from tokensmith.backends.tiktoken import TiktokenBackend
from tokensmith.backends.tiktoken_ranks import parse_tiktoken_ranks, tiktoken_rank_file
from tokensmith.errors import ConversionError
from tokensmith.formats.to_hf import onig_regex, tiktoken_vocab_merges, to_hf_tokenizer
from tokensmith.formats.to_tiktoken import tiktoken_pattern, to_tiktoken_ranks
from tokensmith.formats.verify import SAMPLE, Verification, read_lines, verify_lines
from tokensmith.spec import load
from tokensmith.tokenizer import Tokenizer


TargetFormat = Literal["tokenizer.json", "tiktoken", "sentencepiece"]
SUFFIXES: dict[str, TargetFormat] = {".json": "tokenizer.json", ".tiktoken": "tiktoken", ".model": "sentencepiece"}


@dataclass(frozen=True)
class ConversionReport:
    """What was converted, and how well the target agrees with the source."""

    src: str
    dst: str
    src_backend: str
    dst_format: TargetFormat
    vocab_size: int
    special_tokens: dict[str, int]
    pattern: str | None  # the split regex; .tiktoken files do not store it, so load them with this pattern
    sample: Verification  # the built-in sample
    verification: Verification | None  # the user's corpus, when given
    notes: tuple[str, ...] = field(default=())


# ---- convert and verify -----------------------------------------------------------------------------------------
def target_format(path: Path) -> TargetFormat:
    """The format a destination's suffix asks for.

    Args:
        path: the destination file.

    Raises:
        ConversionError: a suffix other than .json, .tiktoken or .model.

    Example:
        >>> target_format(Path("out/tokenizer.json")), target_format(Path("gpt2.TIKTOKEN"))
        ('tokenizer.json', 'tiktoken')
        >>> target_format(Path("vocab.txt"))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.errors.ConversionError: cannot tell the target format of 'vocab.txt' from its suffix: ...
    """
    fmt = SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        raise ConversionError(
            f"cannot tell the target format of '{path}' from its suffix: use .json (tokenizer.json), .tiktoken or "
            ".model (SentencePiece)."
        )
    return fmt


@dataclass(frozen=True)
class _Target:
    data: bytes  # exactly what will be written
    tok: Tokenizer  # reloaded from `data`, so verification tests the file itself
    pattern: str | None
    notes: tuple[str, ...]


def _json_target(src: Tokenizer, name: str) -> _Target:
    from tokenizers import Tokenizer as HFTokenizer

    text = to_hf_tokenizer(src).to_str(pretty=True)
    tok = Tokenizer(HFBackend(HFTokenizer.from_str(text)), name=name)
    return _Target(text.encode("utf-8"), tok, src.backend.pattern, ())


def _tiktoken_target(src: Tokenizer, name: str, pattern: str | None) -> _Target:
    import tiktoken

    regex = tiktoken_pattern(src, pattern=pattern)
    data = tiktoken_rank_file(to_tiktoken_ranks(src, pattern=pattern))
    enc = tiktoken.Encoding(
        name=name, pat_str=regex, mergeable_ranks=parse_tiktoken_ranks(data, where=name), special_tokens=src.special_tokens
    )
    notes = ["a .tiktoken file stores neither the split regex nor special tokens: load it with the pattern above"]
    if src.encode("a", add_special_tokens=True) != src.encode("a"):
        notes.append("the source adds BOS/EOS with add_special_tokens=True; tiktoken never does")
    return _Target(data, Tokenizer(TiktokenBackend(enc), name=name), regex, tuple(notes))


def _build_target(src: Tokenizer, fmt: TargetFormat, *, name: str, pattern: str | None) -> _Target:
    if fmt == "tokenizer.json":
        return _json_target(src, name)
    if fmt == "tiktoken":
        return _tiktoken_target(src, name, pattern)
    if src.native_format != "sentencepiece":
        raise ConversionError(
            f"cannot write '{src.name}' ({src.backend_kind}) as a SentencePiece .model: only a SentencePiece model "
            "has one, and inventing its normalizer and scores would change it. Write tokenizer.json (.json) instead."
        )
    data = src.native_bytes()
    return _Target(data, Tokenizer(SentencePieceBackend(data), name=name), None, ())


def _refuse_mismatch(src: Tokenizer, dst: str, v: Verification, what: str) -> None:
    if v.identical:
        return
    if v.first_mismatch is None:  # the same ids on every line, but the source's tokens drop text (verify.py)
        assert v.first_drop is not None
        raise ConversionError(
            f"cannot verify converting '{src.name}' to '{dst}': its tokens do not spell {v.corpus}{what}, so equal "
            f"ids prove nothing; first at {v.first_drop.describe()}. Nothing was written; pass --force (force=True) "
            "to write it anyway."
        )
    raise ConversionError(
        f"converting '{src.name}' to '{dst}' is not lossless: {v.n_lines - v.n_identical} of {v.n_lines} lines of "
        f"{v.corpus}{what} encode differently; first at {v.first_mismatch.describe()}. Nothing was written; "
        "pass --force (force=True) to write it anyway."
    )


def convert(
    src: str | os.PathLike[str] | Tokenizer,
    dst_path: str | os.PathLike[str],
    *,
    verify_corpus: str | os.PathLike[str] | None = None,
    pattern: str | None = None,
    max_lines: int | None = None,
    force: bool = False,
) -> ConversionReport:
    """Convert a tokenizer to the format that `dst_path`'s suffix names, verify it, and write it atomically.

    Args:
        src: a `Tokenizer`, a zoo name or a tokenizer file (tokenizer.json, .model, .tiktoken, .gguf).
        dst_path: the output file: .json (tokenizer.json), .tiktoken or .model.
        verify_corpus: a UTF-8 text file; each line is encoded by both sides and the ids compared.
        pattern: for a .tiktoken source, its split regex or encoding name; otherwise the regex for a .tiktoken
            target when the pre-tokenizer's cannot be derived.
        max_lines: read at most this many corpus lines.
        force: write even when ids differ (never when the conversion is impossible).

    Raises:
        ConversionError: the conversion is impossible or not lossless (nothing is written).

    Example:
        >>> import tempfile
        >>> report = convert("gpt2", tempfile.mkdtemp() + "/gpt2.json")
        >>> report.dst_format, report.sample.identical
        ('tokenizer.json', True)
    """
    dst = Path(dst_path)
    from_tiktoken_file = not isinstance(src, Tokenizer) and str(src).endswith(".tiktoken")
    tok = src if isinstance(src, Tokenizer) else load(src, pattern=pattern if from_tiktoken_file else None)
    return convert_tokenizer(
        tok, dst, fmt=target_format(dst), verify_corpus=verify_corpus, pattern=None if from_tiktoken_file else pattern,
        max_lines=max_lines, force=force, label=str(src) if not isinstance(src, Tokenizer) else src.name,
    )  # fmt: skip


def convert_tokenizer(
    src: Tokenizer,
    dst: Path,
    *,
    fmt: TargetFormat,
    verify_corpus: str | os.PathLike[str] | None = None,
    pattern: str | None = None,
    max_lines: int | None = None,
    force: bool = False,
    label: str | None = None,
) -> ConversionReport:
    """`convert` for a loaded tokenizer and an explicit target format (the path's suffix is not consulted).

    Args:
        src: the tokenizer.
        dst: the file to write.
        fmt: 'tokenizer.json', 'tiktoken' or 'sentencepiece'.
        verify_corpus: see `convert`.
        pattern: the split regex for a .tiktoken target when the pre-tokenizer's cannot be derived.
        max_lines: see `convert`.
        force: see `convert`.
        label: how the report names the source (the tokenizer's name by default).

    Example:
        >>> import tempfile
        >>> from tokensmith.spec import load
        >>> out = Path(tempfile.mkdtemp()) / "gpt2.tiktoken"
        >>> convert_tokenizer(load("gpt2"), out, fmt="tiktoken").sample.identical
        True
    """
    target = _build_target(src, fmt, name=dst.stem, pattern=pattern)
    sample = verify_lines(src, target.tok, SAMPLE)
    checks = [(sample, "")]
    if fmt != "tiktoken":  # BOS/EOS rules live in tokenizer.json post-processors and SentencePiece options
        checks.append((verify_lines(src, target.tok, SAMPLE, add_special_tokens=True), " (with special tokens)"))
    corpus = None
    if verify_corpus is not None:
        corpus = verify_lines(src, target.tok, read_lines(verify_corpus, max_lines=max_lines), corpus=str(verify_corpus))
        checks.append((corpus, ""))
    if src.special_tokens != target.tok.special_tokens:
        raise ConversionError(
            f"converting '{src.name}' would change its special tokens ({src.special_tokens} → "
            f"{target.tok.special_tokens}). Nothing was written."
        )
    if not force:
        for v, what in checks:
            _refuse_mismatch(src, str(dst), v, what)
    atomic.write_bytes(dst, target.data)
    return ConversionReport(
        src=label or src.name, dst=str(dst), src_backend=src.backend_kind, dst_format=fmt,
        vocab_size=target.tok.vocab_size, special_tokens=dict(target.tok.special_tokens), pattern=target.pattern,
        sample=sample, verification=corpus, notes=target.notes,
    )  # fmt: skip


__all__ = [
    "ConversionReport",
    "convert",
    "convert_tokenizer",
    "onig_regex",
    "target_format",
    "tiktoken_pattern",
    "tiktoken_vocab_merges",
    "to_hf_tokenizer",
    "to_tiktoken_ranks",
]
