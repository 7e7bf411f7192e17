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
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from tokensmith import atomic
from tokensmith.backends.base import byte_level_decode
from tokensmith.backends.guard import library_call
from tokensmith.backends.hf import HFBackend
from tokensmith.backends.sentencepiece import SentencePieceBackend
from tokensmith.backends.tiktoken import TiktokenBackend, parse_tiktoken_ranks, tiktoken_rank_file
from tokensmith.errors import ConversionError, require
from tokensmith.formats.verify import SAMPLE, Verification, read_lines, verify_lines
from tokensmith.spec import load
from tokensmith.tokenizer import Tokenizer

if TYPE_CHECKING:
    import tokenizers

TargetFormat = Literal["tokenizer.json", "tiktoken", "sentencepiece"]
SUFFIXES: dict[str, TargetFormat] = {".json": "tokenizer.json", ".tiktoken": "tiktoken", ".model": "sentencepiece"}

# The regex that `pre_tokenizers.ByteLevel(use_regex=True)` applies (GPT-2's, without possessive quantifiers).
BYTE_LEVEL_REGEX = r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"""

# One regex atom followed by a possessive bounded repeat, e.g. `\p{N}{1,3}+` (cl100k). Oniguruma, which tokenizers
# uses, reads `{n,m}+` as "({n,m}) one or more times", not as possessive; an atomic group means the same in both.
_POSSESSIVE_RANGE = re.compile(r"(\\p\{[^}]*\}|\\.|\[(?:\\.|[^\]\\])*\]|[^\\\[\]()|])(\{\d+(?:,\d*)?\})\+")


def onig_regex(pattern: str) -> str:
    """`pattern` (tiktoken's fancy-regex syntax) rewritten so Oniguruma matches the same: `X{n,m}+` → `(?>X{n,m})`.

    Args:
        pattern: a split regex as tiktoken writes it (possessive `++` is left alone: Oniguruma reads it the same).

    Example:
        >>> print(onig_regex("[0-9]{1,3}+| ?[a-z]++"))
        (?>[0-9]{1,3})| ?[a-z]++
    """
    return _POSSESSIVE_RANGE.sub(r"(?>\1\2)", pattern)


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


# ---- to tokenizer.json ------------------------------------------------------------------------------------------
def tiktoken_vocab_merges(ranks: dict[bytes, int]) -> tuple[dict[str, int], list[tuple[str, str]]]:
    """Byte-level vocab and merges with the same result as transformers' `TikTokenConverter`, in linear time.

    A merge of token t is every split t = l + r with l, r and t all ranked, ordered by t's rank and then by
    (rank of l, rank of r). transformers tries every split point, copying and hashing both halves each time, so
    the cost grows with the square of a token's length (a file with one 30 MB token never finished). Here only
    split points where both halves have the length of some token are tried: a token far longer than all others
    costs one set lookup per distinct token length.

    Args:
        ranks: token bytes → rank (a tiktoken Encoding's mergeable ranks).

    Example:
        >>> vocab, merges = tiktoken_vocab_merges({b"a": 0, b"b": 1, b" ": 2, b"ab": 3, b" ab": 4, b"a" * 10**7: 5})
        >>> vocab["Ġab"], merges
        (4, [('a', 'b'), ('Ġ', 'ab')])
    """
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    alphabet = bytes_to_unicode()
    length_set = {len(t) for t in ranks}
    lengths = sorted(length_set)
    found: list[tuple[int, int, int, bytes, bytes]] = []  # (rank of token, rank of left, rank of right, left, right)
    for token, rank in ranks.items():
        size = len(token)
        for cut in lengths:
            if cut >= size:
                break
            if size - cut not in length_set:
                continue
            left, right = token[:cut], token[cut:]
            if left in ranks and right in ranks:
                found.append((rank, ranks[left], ranks[right], left, right))
    found.sort()

    def spell(b: bytes) -> str:
        return "".join(alphabet[c] for c in b)

    vocab = {spell(t): r for t, r in ranks.items()}
    return vocab, [(spell(left), spell(right)) for *_, left, right in found]


def _tiktoken_to_hf(backend: TiktokenBackend) -> tokenizers.Tokenizer:
    """Byte-level BPE tokenizer.json with the tiktoken pattern, ids and specials."""
    require("transformers", extra="models")
    from tokenizers import AddedToken, Regex, decoders, pre_tokenizers, processors
    from tokenizers import Tokenizer as HFTokenizer
    from tokenizers.models import BPE

    ranks = backend.mergeable_ranks  # bytes -> rank; rank == id
    vocab, merges = tiktoken_vocab_merges(ranks)
    specials = backend.special_tokens
    vocab.update(specials)  # specials keep their ids (cl100k's have gaps) by living in the model vocab too
    hf = HFTokenizer(BPE(vocab, merges, fuse_unk=False, ignore_merges=True))  # tiktoken tries whole pieces first
    hf.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.Split(Regex(onig_regex(backend.pattern)), behavior="isolated", invert=False),
         pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]  # fmt: skip
    )
    hf.decoder = decoders.ByteLevel()
    hf.post_processor = processors.ByteLevel(trim_offsets=False)
    hf.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in sorted(specials, key=specials.get)])
    return hf


def _spm_to_hf(backend: SentencePieceBackend) -> tokenizers.Tokenizer:
    """tokenizer.json that encodes like the SentencePiece model (BPE or Unigram)."""
    require("transformers", extra="models")
    from tokenizers import AddedToken, processors
    from transformers.convert_slow_tokenizer import SpmConverter

    proto = backend.proto
    kind = backend.model_type
    if kind == "bpe":
        vocab: Any = {p.piece: i for i, p in enumerate(proto.pieces)}
    elif kind == "unigram":
        # SentencePiece never matches control (3) or unknown (2) pieces in text; HF's Unigram lattice would. A low
        # score keeps them out wherever the model knows their characters; `_isolate_unknown` covers the rest.
        floor = min((p.score for p in proto.pieces if p.type == 1), default=0.0) - 1e4
        vocab = [(p.piece, floor if p.type in (2, 3) else p.score) for p in proto.pieces]
    else:
        raise ConversionError(
            f"SentencePiece model type '{kind}' has no tokenizer.json equivalent: only BPE and Unigram convert. "
            "Keep the .model file."
        )
    hf = SpmConverter.build_tokenizer_from_spm_proto(proto, vocab)
    controls = [p.piece for p in proto.pieces if p.type == 3]
    hf.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in controls])
    if kind == "unigram":
        _isolate_unknown(hf, proto)
    bos = backend.bos_id
    if bos is not None:  # `add_special_tokens=True` adds BOS only, as SentencePieceBackend does
        piece = proto.pieces[bos].piece
        hf.post_processor = processors.TemplateProcessing(
            single=f"{piece} $A", pair=f"{piece} $A $B", special_tokens=[(piece, bos)]
        )
    return hf


def _isolate_unknown(hf: tokenizers.Tokenizer, proto: Any) -> None:
    """Make each character of a control or unknown piece's text that the model has no piece for a pre-token of its own.

    HF's unknown-token penalty is the lowest score minus 10, so a control piece whose text holds such a character
    ('<s>' when '<' is no piece) always beats the unknown path in HF's Unigram lattice, while SentencePiece never
    matches control pieces in text. No piece holds such a character, so SentencePiece's own output always has a
    boundary on both sides of it: isolating it changes nothing else.
    """
    from tokenizers import Regex, pre_tokenizers

    known = {p.piece for p in proto.pieces if p.type == 1 and len(p.piece) == 1}
    odd = sorted({c for p in proto.pieces if p.type in (2, 3) for c in p.piece if c not in known})
    if not odd:
        return
    split = pre_tokenizers.Split(Regex("[" + "".join(re.escape(c) for c in odd) + "]"), behavior="isolated")
    hf.pre_tokenizer = pre_tokenizers.Sequence([p for p in [hf.pre_tokenizer, split] if p is not None])


def to_hf_tokenizer(tok: Tokenizer) -> tokenizers.Tokenizer:
    """A `tokenizers.Tokenizer` with the same ids as `tok` (tokenizer.json form of any backend).

    Args:
        tok: a tokenizer of any backend.

    Example:
        >>> from tokensmith.spec import load
        >>> to_hf_tokenizer(load("gpt2")).encode("Hello world").ids
        [15496, 995]
    """
    from tokenizers import Tokenizer as HFTokenizer

    backend = tok.backend
    # A file that its own library loads can still hold what the converter's library refuses (a damaged
    # SentencePiece precompiled_charsmap, say): that is the file's fault, named as such.
    with library_call(tok.source or tok.name, doing="converting", fix="Re-download or re-export it."):
        if isinstance(backend, TiktokenBackend):
            return _tiktoken_to_hf(backend)
        if isinstance(backend, SentencePieceBackend):
            return _spm_to_hf(backend)
        return HFTokenizer.from_str(tok.native_bytes().decode("utf-8"))


# ---- to .tiktoken -----------------------------------------------------------------------------------------------
def _hf_backend(tok: Tokenizer) -> HFBackend:
    """The HF backend of `tok`, or the refusal: only tokenizer.json pipelines are checked field by field."""
    if not isinstance(tok.backend, HFBackend):
        raise _refuse(tok, "SentencePiece pieces are Unicode with a '▁' space and byte fallback, not regex-split bytes")
    return tok.backend


def _refuse(tok: Tokenizer, why: str) -> ConversionError:
    return ConversionError(
        f"cannot convert '{tok.name}' to .tiktoken without loss: {why}. Convert it to tokenizer.json instead "
        "(e.g. tokensmith convert SRC out/tokenizer.json)."
    )


def _check_byte_level_bpe(tok: Tokenizer) -> None:
    """Refuse tokenizer.json pipelines that a tiktoken Encoding cannot reproduce (everything but the split)."""
    backend = _hf_backend(tok)
    model = backend.config.get("model", {})
    if model.get("type") != "BPE" or backend.spelling != "byte_level":
        raise _refuse(tok, f"it is a {backend.spelling} {model.get('type')} model, and tiktoken holds only byte-level BPE")
    if backend.normalizers:
        kinds = ", ".join(c.get("type", "?") for c in backend.normalizers)
        raise _refuse(tok, f"it normalizes text first ({kinds}), which tiktoken cannot do")
    if model.get("byte_fallback") or model.get("continuing_subword_prefix") or model.get("end_of_word_suffix"):
        raise _refuse(tok, "its BPE uses byte fallback or subword prefixes/suffixes, which tiktoken has not")
    plain = [t["content"] for t in backend.config.get("added_tokens", []) if not t.get("special")]
    if plain:
        raise _refuse(tok, f"it has non-special added tokens matched before splitting ({plain[:5]}), which tiktoken has not")


def tiktoken_pattern(tok: Tokenizer, *, pattern: str | None = None) -> str:
    """The single split regex that reproduces `tok`'s pre-tokenization (or `pattern`, checked for fit).

    Args:
        tok: a tiktoken or byte-level BPE tokenizer.
        pattern: a regex to use instead of the derived one (the conversion's verification checks it).

    Raises:
        ConversionError: the pre-tokenization is not one regex, or the model is not a byte-level BPE.

    Example:
        >>> from tokensmith.backends.tiktoken import R50K
        >>> tiktoken_pattern(load("gpt2")) == R50K  # a tiktoken tokenizer keeps its own
        True
        >>> from tokenizers import Tokenizer as HFTokenizer, models, pre_tokenizers
        >>> hf = HFTokenizer(models.BPE(vocab={"a": 0}, merges=[]))
        >>> hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)  # GPT-2's regex inside
        >>> tiktoken_pattern(Tokenizer(HFBackend(hf), name="toy")) == BYTE_LEVEL_REGEX
        True
    """
    if isinstance(tok.backend, TiktokenBackend):
        return pattern or tok.backend.pattern
    backend = _hf_backend(tok)
    _check_byte_level_bpe(tok)
    pretoks = backend.pre_tokenizers
    levels = [k for k, c in enumerate(pretoks) if c.get("type") == "ByteLevel"]
    if len(levels) != 1 or pretoks[levels[0]].get("add_prefix_space"):
        raise _refuse(tok, "it prepends a space to the text (ByteLevel add_prefix_space) or has no single ByteLevel step")
    if pattern is not None:
        return pattern
    level, others = pretoks[levels[0]], [c for c in pretoks if c.get("type") != "ByteLevel"]
    if level.get("use_regex", True) and not others:
        return BYTE_LEVEL_REGEX
    if len(others) == 1 and levels[0] == 1 and not level.get("use_regex", True):
        split = others[0]
        regex = split.get("pattern", {}).get("Regex")
        if split.get("type") == "Split" and regex and split.get("behavior") == "Isolated" and not split.get("invert"):
            return str(regex)
    kinds = " + ".join(c.get("type", "?") for c in pretoks)
    raise _refuse(tok, f"its pre-tokenizer ({kinds}) is not one split regex; pass --pattern REGEX if you know an "
                       "equivalent one (the result is then verified)")  # fmt: skip


def _merge_pair(merge: Any) -> tuple[str, str]:
    """A merges entry, either 'a b' (older tokenizer.json) or ['a', 'b']."""
    if isinstance(merge, str):
        a, b = merge.split(" ", 1)
        return a, b
    return merge[0], merge[1]


def _check_rank_order(tok: Tokenizer, vocab: dict[str, int], merges: list[Any], added: set[int]) -> None:
    """tiktoken merges by rank = id: every merge must make a token whose id is not below the previous one's."""
    last, made = -1, set()
    for k, merge in enumerate(merges):
        a, b = _merge_pair(merge)
        rid = vocab.get(a + b)
        if rid is None or rid < last:
            raise _refuse(tok, f"merge {k} ({a!r} + {b!r}) makes id {rid} after id {last}: ids are not rank-ordered merges")
        last = rid
        made.add(rid)
    orphans = [t for t, i in vocab.items() if len(t) > 1 and i not in made and i not in added]
    if orphans:
        raise _refuse(tok, f"{len(orphans)} multi-byte tokens (e.g. {orphans[:3]}) are made by no merge")


def to_tiktoken_ranks(tok: Tokenizer, *, pattern: str | None = None) -> dict[bytes, int]:
    """Mergeable ranks (token bytes → id) of a tiktoken or byte-level BPE tokenizer; special tokens excluded.

    Args:
        tok: the tokenizer.
        pattern: a split regex to use instead of the one derived from the pre-tokenizer.

    Raises:
        ConversionError: the tokenizer is not a byte-level BPE that tiktoken can reproduce (the message says why).

    Example:
        >>> from tokenizers import Tokenizer as HFTokenizer, models, pre_tokenizers
        >>> from tokensmith.backends.base import byte_level_encode
        >>> vocab = {byte_level_encode(bytes([b])): b for b in range(256)} | {"Ġa": 256}
        >>> hf = HFTokenizer(models.BPE(vocab=vocab, merges=[("Ġ", "a")]))
        >>> hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        >>> ranks = to_tiktoken_ranks(Tokenizer(HFBackend(hf), name="toy"))
        >>> len(ranks), ranks[b"a"], ranks[b" a"]
        (257, 97, 256)
        >>> len(to_tiktoken_ranks(load("gpt2")))  # <|endoftext|> is not a rank
        50256
        >>> to_tiktoken_ranks(load("bert-base-uncased"))  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.errors.ConversionError: cannot convert 'bert-base-uncased' to .tiktoken without loss: ...
    """
    if isinstance(tok.backend, TiktokenBackend):
        return tok.backend.mergeable_ranks
    tiktoken_pattern(tok, pattern=pattern)  # refuses pipelines tiktoken cannot express
    backend = _hf_backend(tok)
    model = backend.config["model"]
    added = {t["id"] for t in backend.config.get("added_tokens", [])}
    vocab: dict[str, int] = model["vocab"]
    ranks = {byte_level_decode(t): i for t, i in vocab.items() if i not in added}
    if None in ranks or len(ranks) != len(vocab) - len(added & set(vocab.values())):
        raise _refuse(tok, "some tokens are outside the byte-level alphabet")
    missing = [b for b in range(256) if bytes([b]) not in ranks]
    if missing:
        raise _refuse(tok, f"{len(missing)} single bytes (e.g. {missing[:5]}) have no token, and tiktoken needs all 256")
    _check_rank_order(tok, {t: i for t, i in vocab.items() if i not in added}, model.get("merges", []), added)
    return {k: v for k, v in ranks.items() if k is not None}


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
    assert v.first_mismatch is not None
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
