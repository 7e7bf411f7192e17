"""Export a LiB lexicon as a Hugging Face `tokenizer.json` that segments exactly as LiB's greedy reader.

Yang (2024), "Rethinking Tokenization", Section 4 reads text with LiB's lexicon by greedy longest match. `tokenizers`
has no greedy-longest-match model over a whole text, so the export builds one from three standard parts:

1. `Split(Regex(trie), behavior="isolated")`. The regex is the lexicon written as a trie, e.g. the chunks
   {a, ab, abc, b} give `(?:a(?:b(?:c)?)?|b)`. Oniguruma tries alternatives in order and takes a longer branch
   before the empty one, so each match is the *longest* chunk at that position, and the left-to-right scan is
   exactly LiB's reading. Text that no chunk matches (characters outside the lexicon) falls between matches.
2. `ByteLevel(use_regex=False)` spells every piece in the GPT-2 byte alphabet, so encoding is lossless.
3. `WordPiece` with an empty continuation prefix over [specials] + 256 bytes + the chunks. Each matched piece is
   one vocabulary entry; an unmatched character becomes its UTF-8 bytes (LiB's reader makes it one unknown token).

Why not the alternatives:
- WordPiece alone (no Split) is also greedy longest-prefix, but it tries every end of the whole text first, so its
  cost grows with the square of the line length (about 10 s for a 9,000-character line).
- Unigram/Viterbi cannot express greedy reading: with chunks {a, b, ab, ba}, greedy reads "aba" as ab|a and
  "bab" as ba|b, which would need score(ab) > score(ba) and score(ba) > score(ab) at once.

Limits: the regex grows with the lexicon (about 17 characters per vocabulary entry; 30k entries compile in about
0.15 s when the file is loaded). Chunks never contain a newline, so text is read line by line as in training.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from tokenizers import Regex, decoders, models, pre_tokenizers
from tokenizers import Tokenizer as HFTokenizer

from tokensmith.errors import TrainingError

_UNK = "[UNK]"  # WordPiece needs a name for it; every text is covered by the 256 bytes, so it is never emitted


def byte_alphabet() -> list[str]:
    """The GPT-2 byte-level alphabet: the symbol for byte b at index b.

    Example:
        >>> byte_alphabet()[32], byte_alphabet()[65]
        ('Ġ', 'A')
    """
    return list(_byte_symbols())


@lru_cache(maxsize=1)
def _byte_symbols() -> tuple[str, ...]:
    """The byte alphabet, built once: exporting spells every chunk with it (8k chunks = 8k look-ups)."""
    keep = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    table, extra = {}, 0
    for b in range(256):
        if b in keep:
            table[b] = chr(b)
        else:
            table[b] = chr(256 + extra)
            extra += 1
    return tuple(table[b] for b in range(256))


def byte_spelling(text: str) -> str:
    """`text` spelled in the byte-level alphabet.

    Args:
        text: any string; each of its UTF-8 bytes becomes one symbol.

    Example:
        >>> byte_spelling("a b")
        'aĠb'
    """
    alphabet = _byte_symbols()
    return "".join(alphabet[b] for b in text.encode("utf-8"))


def minimum_vocab_size(alphabet: Sequence[str], *, n_special: int) -> int:
    """Smallest vocabulary that holds the specials, the 256 bytes and every multi-byte character of `alphabet`.

    Args:
        alphabet: the characters of the training text.
        n_special: how many special tokens come first.

    Example:
        >>> minimum_vocab_size(["a", "é", "中"], n_special=1)
        259
    """
    return n_special + 256 + sum(len(ch.encode("utf-8")) > 1 for ch in alphabet)


def select_chunks(ranked: Sequence[str], alphabet: Sequence[str], *, vocab_size: int, n_special: int) -> list[str]:
    """The reader's lexicon: every character of `alphabet`, then the best-ranked longer chunks until the vocabulary
    (specials + 256 bytes + multi-byte characters + chunks) has `vocab_size` entries.

    Args:
        ranked: the learned lexicon, best first.
        alphabet: the characters of the training text.
        vocab_size: the total vocabulary size wanted.
        n_special: how many special tokens come first.

    Example:
        >>> select_chunks(["ab", "a", "abc"], ["a", "b", "c"], vocab_size=257, n_special=0)
        ['a', 'b', 'c', 'ab']
    """
    floor = minimum_vocab_size(alphabet, n_special=n_special)
    if vocab_size < floor:
        raise TrainingError(
            f"vocab size {vocab_size} is smaller than the alphabet: {n_special} special tokens + 256 bytes + "
            f"{floor - n_special - 256} multi-byte characters = {floor}. Use --vocab-size {floor} or more."
        )
    chars = list(dict.fromkeys(alphabet))
    longer = [c for c in ranked if len(c) > 1]
    return chars + longer[: vocab_size - floor]


def reader_regex(chunks: Sequence[str]) -> str:
    """An Oniguruma pattern whose leftmost match at any position is the longest chunk there.

    Args:
        chunks: the reader's lexicon.

    Example:
        >>> reader_regex(["a", "ab", "b"])
        '(?:a(?:b)?|b)'
    """
    trie: dict[str, dict] = {}
    for chunk in chunks:
        node = trie
        for ch in chunk:
            node = node.setdefault(ch, {})
        node[""] = {}

    def render(node: dict[str, dict]) -> str:
        branches = [_escape(ch) + render(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = "(?:" + "|".join(branches) + ")"
        return body + "?" if "" in node else body

    return render(trie)


def _escape(ch: str) -> str:
    return ch if ch.isascii() and ch.isalnum() else "\\x{%X}" % ord(ch)


def build_hf_tokenizer(chunks: Sequence[str], *, special_tokens: Sequence[str]) -> HFTokenizer:
    """The `tokenizers.Tokenizer` that reads like LiB with the lexicon `chunks`.

    Ids: special tokens first, then the 256 bytes (id = n_special + byte value), then the multi-byte chunks in
    the order given.

    Args:
        chunks: the reader's lexicon (see `select_chunks`).
        special_tokens: strings that get the first ids.

    Example:
        >>> tok = build_hf_tokenizer(["ab", "a", "b"], special_tokens=[])
        >>> tok.encode("abab a").tokens
        ['ab', 'ab', 'Ġ', 'a']
    """
    vocab: dict[str, int] = {}
    for token in [*special_tokens, *byte_alphabet(), *(byte_spelling(c) for c in chunks)]:
        vocab.setdefault(token, len(vocab))
    model = models.WordPiece(vocab, unk_token=_UNK, continuing_subword_prefix="", max_input_chars_per_word=2**31)
    tok = HFTokenizer(model)
    splits = [pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]
    if chunks:
        splits.insert(0, pre_tokenizers.Split(Regex(reader_regex(chunks)), behavior="isolated"))
    tok.pre_tokenizer = pre_tokenizers.Sequence(splits)
    tok.decoder = decoders.ByteLevel()
    if special_tokens:
        tok.add_special_tokens(list(special_tokens))
    return tok
