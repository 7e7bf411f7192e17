"""A tiktoken or byte-level BPE tokenizer as .tiktoken mergeable ranks and one split regex, or the reason why not.

Refused when the tokenizer normalizes, prepends a space, splits with something a single regex cannot express, has
non-special added tokens, or has ids that are not rank-ordered merges. Nothing here verifies: `formats/convert.py`
reloads the result and compares ids before anything is written.
"""

from __future__ import annotations

from typing import Any

from tokensmith.backends.base import byte_level_decode
from tokensmith.backends.hf import HFBackend
from tokensmith.backends.tiktoken import TiktokenBackend
from tokensmith.errors import ConversionError
from tokensmith.tokenizer import Tokenizer


from tokensmith.formats.to_hf import BYTE_LEVEL_REGEX


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
        >>> from tokensmith.spec import load
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
        >>> from tokensmith.spec import load
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
