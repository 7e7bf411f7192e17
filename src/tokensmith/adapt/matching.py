"""Which target tokens the source model already knows: exact-bytes matching, and special tokens mapped by role.

Ordinary tokens match when their exact bytes (`Tokenizer.token_bytes`) are equal, never their strings, so GPT-2's
`Ġ`, SentencePiece's `▁`, byte-fallback `<0xNN>` pieces and tokens that end inside a UTF-8 character all match
what they spell. Special tokens never match ordinary tokens: a target special token takes the source special token
with the same text, else the source token of the same *role* (bos, eos, pad, unk, or a chat token such as
`<|im_start|>` ↔ `<start_of_turn>`), else it is unmapped (its row is drawn at random).

The source's roles come from what the core's scorer uses: the start-of-text id and the end id of
`HFTokenLM.from_loaded`, the config's pad id, the tokenizer's unk id. A target's roles come from the names of its
special tokens (`ROLE_NAMES`) and the id its encoder adds in front of a text.

Not handled: tokens whose bytes differ but mean the same (case, normalization): those are the methods' job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tokensmith.errors import ModelError, TokenizerFileError
from tokensmith.tokenizer import Tokenizer

# Role → special-token texts that play it, across the common model families.
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "bos": ("<s>", "<bos>", "<|begin_of_text|>", "<|startoftext|>", "[CLS]", "<|endoftext|>"),
    "eos": ("</s>", "<eos>", "<|end_of_text|>", "<|endoftext|>", "[SEP]"),
    "pad": ("<pad>", "[PAD]", "<|pad|>", "<|finetune_right_pad_id|>"),
    "unk": ("<unk>", "[UNK]", "<|unk|>"),
    "chat_start": ("<|im_start|>", "<start_of_turn>", "<|start_header_id|>"),
    "chat_end": ("<|im_end|>", "<end_of_turn>", "<|eot_id|>"),
}
CHAT_ROLES = ("chat_start", "chat_end")
NEEDED_ROLES = ("bos", "eos")  # the scorer and generation cannot do without these


@dataclass(frozen=True)
class Matching:
    """The target ids the source knows, and the rest.

    `copied[t] = s`: target id t takes source row s (equal bytes, or a special token mapped by text or role).
    `new` are the target's ordinary ids without an exact match (the methods fill them); `unmapped` are target
    special ids with no source counterpart (random rows).
    """

    copied: dict[int, int]
    new: tuple[int, ...]
    unmapped: tuple[int, ...]

    @property
    def n_target(self) -> int:
        """All target ids."""
        return len(self.copied) + len(self.new) + len(self.unmapped)


def require_exact_bytes(tok: Tokenizer, *, what: str) -> None:
    """Refuse a tokenizer whose tokens have no exact bytes (WordPiece's `##`, lowercasing normalizers).

    Args:
        tok: the tokenizer.
        what: its part in the transfer ('target tokenizer', 'source tokenizer'), for the message.

    Example:
        >>> import tokensmith
        >>> require_exact_bytes(tokensmith.load("gpt2"), what="target tokenizer")  # byte-level: fine
    """
    if not tok.backend.exact_bytes:
        raise TokenizerFileError(
            f"the {what} {tok.name} has no exact bytes for its tokens (a WordPiece or normalizing tokenizer), so its "
            "tokens cannot be matched by bytes. Use a byte-level BPE, SentencePiece or tiktoken tokenizer; "
            "`tokensmith train --algo bpe` makes one."
        )


def source_roles(loaded: Any) -> dict[str, int]:
    """Role → source id, for a `models.LoadedModel`: bos/eos as the core's scorer uses them, pad, unk, chat tokens.

    Args:
        loaded: a `LoadedModel` (its `tokenizer` and `model.config`).

    Example:
        >>> from tokenizers import Tokenizer as HF, models
        >>> from tokensmith.backends.hf import HFBackend
        >>> from tokensmith.models import LoadedModel
        >>> hf = HF(models.WordLevel({"a": 0, "[UNK]": 1}, unk_token="[UNK]"))
        >>> hf.add_special_tokens(["<|endoftext|>", "<|im_start|>"])
        2
        >>> tok = Tokenizer(HFBackend(hf), name="toy")
        >>> source_roles(LoadedModel(model=tiny_causal_lm(vocab_size=4), tokenizer=tok, name="toy"))
        {'bos': 2, 'eos': 2, 'chat_start': 3}
    """
    from tokensmith.tokenlm import HFTokenLM

    tlm = HFTokenLM.from_loaded(loaded)
    roles = {"bos": tlm.start_ids[0], "eos": tlm.eos_id}
    pad = getattr(loaded.model.config, "pad_token_id", None)
    if isinstance(pad, int) and pad < loaded.tokenizer.vocab_size:
        roles["pad"] = pad
    specials = loaded.tokenizer.special_tokens
    if loaded.tokenizer.unk_id is not None and loaded.tokenizer.unk_id in specials.values():
        roles["unk"] = loaded.tokenizer.unk_id
    for role in CHAT_ROLES:
        hit = next((specials[n] for n in ROLE_NAMES[role] if n in specials), None)
        if hit is not None:
            roles[role] = hit
    return roles


def target_roles(tok: Tokenizer) -> dict[int, str]:
    """Target special id → its role, from the special tokens' names and the id the encoder puts first.

    Args:
        tok: the target tokenizer.

    Example:
        >>> import tokensmith
        >>> target_roles(tokensmith.load("gpt2"))
        {50256: 'bos'}
    """
    specials = tok.special_tokens
    roles: dict[int, str] = {}
    first = tok.encode("", add_special_tokens=True)
    if first:
        roles[first[0]] = "bos"
    for role, names in ROLE_NAMES.items():
        for name in names:
            if name in specials and specials[name] not in roles and role not in roles.values():
                roles[specials[name]] = role
    return roles


def missing_role_tokens(source: Tokenizer, target: Tokenizer, roles: dict[str, int]) -> list[str]:
    """Source special-token texts the target lacks: its chat and bos/eos tokens whose role no target token plays.

    Args:
        source: the source tokenizer.
        target: the target tokenizer.
        roles: `source_roles` of the source model.

    Example:
        >>> import tokensmith
        >>> missing_role_tokens(tokensmith.load("gpt2"), tokensmith.load("gpt2"), {"bos": 50256, "eos": 50256})
        []
    """
    have = set(target.special_tokens)
    played = set(target_roles(target).values())
    missing = []
    for role, sid in roles.items():
        text = source.token_bytes(sid).decode("utf-8", errors="replace")
        if text in have or text in missing or not text:
            continue
        if role in (*CHAT_ROLES, *NEEDED_ROLES) and role not in played:  # no target token plays that role
            missing.append(text)
    return missing


def match_tokens(source: Tokenizer, target: Tokenizer, roles: dict[str, int]) -> Matching:
    """Match every target id to a source id by exact bytes (ordinary tokens) or text and role (special tokens).

    Args:
        source: the source model's tokenizer.
        target: the new tokenizer.
        roles: `source_roles` of the source model.

    Raises:
        ModelError: the target has no token for the source's bos or eos role (add one, or let
            `transfer(add_specials=True)` add it).

    Example:
        >>> import tokensmith
        >>> gpt2 = tokensmith.load("gpt2")
        >>> m = match_tokens(gpt2, gpt2, {"bos": 50256, "eos": 50256})
        >>> len(m.copied), m.new, m.copied[15496]
        (50257, (), 15496)
    """
    require_exact_bytes(target, what="target tokenizer")
    source_special = source.special_tokens
    special_ids = set(source_special.values())
    by_bytes: dict[bytes, int] = {}
    for sid, data in enumerate(source.token_table):
        if data and sid not in special_ids:
            by_bytes.setdefault(data, sid)
    target_special = {v: k for k, v in target.special_tokens.items()}
    t_roles = target_roles(target)
    copied: dict[int, int] = {}
    new, unmapped = [], []
    for tid, data in enumerate(target.token_table):
        if tid in target_special:
            name = target_special[tid]
            sid = source_special.get(name, roles.get(t_roles.get(tid, ""), -1))
            (copied.__setitem__(tid, sid) if sid >= 0 else unmapped.append(tid))
        elif data in by_bytes:
            copied[tid] = by_bytes[data]
        else:
            new.append(tid)
    _check_needed_roles(target, roles, copied)
    return Matching(copied=copied, new=tuple(new), unmapped=tuple(unmapped))


def target_role_ids(target: Tokenizer, matching: Matching, roles: dict[str, int]) -> dict[str, int]:
    """Role → target id: the target's own named roles first, else the target special token that took the source
    row of that role.

    Args:
        target: the target tokenizer.
        matching: `match_tokens(source, target, roles)`.
        roles: `source_roles` of the source model.

    Example:
        >>> import tokensmith
        >>> gpt2 = tokensmith.load("gpt2")
        >>> target_role_ids(gpt2, match_tokens(gpt2, gpt2, {"eos": 50256}), {"eos": 50256})
        {'bos': 50256, 'eos': 50256}
    """
    out = {role: tid for tid, role in target_roles(target).items() if role in ("bos", "eos", "pad", "unk")}
    for role, sid in roles.items():
        if role not in out and role in ("bos", "eos", "pad", "unk"):
            hit = next((t for t in sorted(target.special_ids) if matching.copied.get(t) == sid), None)
            if hit is not None:
                out[role] = hit
    return out


def _check_needed_roles(target: Tokenizer, roles: dict[str, int], copied: dict[int, int]) -> None:
    """Raise when no target special token takes the source's bos or eos row."""
    special_rows = {copied[t] for t in target.special_tokens.values() if t in copied}
    for role in NEEDED_ROLES:
        if role in roles and roles[role] not in special_rows:
            raise ModelError(
                f"the target tokenizer {target.name} has no special token for the source model's {role} role "
                f"(no token named like {', '.join(ROLE_NAMES[role][:4])}). Add one to the tokenizer, or let the "
                "transfer add it (drop --no-add-specials / pass add_specials=True)."
            )


def with_special_tokens(tok: Tokenizer, texts: list[str]) -> Tokenizer:
    """A copy of `tok` (as a tokenizer.json tokenizer) with special tokens `texts` appended after its last id.

    Args:
        tok: the target tokenizer.
        texts: the special-token texts to add (ids vocab_size, vocab_size + 1, ...).

    Example:
        >>> import tokensmith
        >>> tok = with_special_tokens(tokensmith.load("gpt2"), ["<|im_start|>"])
        >>> tok.vocab_size, tok.special_tokens["<|im_start|>"], tok.encode("Hello world")
        (50258, 50257, [15496, 995])
    """
    import tempfile
    from pathlib import Path

    from tokenizers import Tokenizer as HFTokenizer

    from tokensmith.backends.hf import HFBackend
    from tokensmith.formats.save import save

    if tok.native_format == "tokenizer.json":
        data = tok.native_bytes()
    else:
        with tempfile.TemporaryDirectory() as folder:
            data = Path(save(tok, folder, format="tokenizer.json")).read_bytes()
    hf = HFTokenizer.from_str(data.decode("utf-8"))
    hf.add_special_tokens(list(texts))
    return Tokenizer(HFBackend(hf), name=tok.name, source=tok.source)
