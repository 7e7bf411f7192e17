"""Any tokenizer as a `tokenizers.Tokenizer` (the tokenizer.json form), with the same ids.

- tiktoken → byte-level BPE with the same split regex (a `Split` pre-tokenizer, `onig_regex` for Oniguruma) and
  the same ids; merges recovered from the ranks (`tiktoken_vocab_merges`); specials become special added tokens.
- SentencePiece BPE/Unigram → transformers' `SpmConverter.build_tokenizer_from_spm_proto`, which follows the model's
  normalizer spec; control pieces become special added tokens, BOS a post-processor (see `_spm_to_hf` for how HF's
  Unigram is kept from matching control pieces in text).
Nothing here verifies: `formats/convert.py` reloads the result and compares ids before anything is written.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from tokensmith.backends.guard import library_call
from tokensmith.backends.sentencepiece import SentencePieceBackend
from tokensmith.backends.tiktoken import TiktokenBackend
from tokensmith.errors import ConversionError, require
from tokensmith.tokenizer import Tokenizer

if TYPE_CHECKING:
    import tokenizers

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
