"""Cross-vocabulary drafting: a small causal LM with another tokenizer drafts chains for the target, through bytes.

Leviathan et al., 2023, "Fast Inference from Transformers via Speculative Decoding", section 2: a small draft model
guesses the next tokens and the target verifies them in one pass. Here the drafter's vocabulary differs from the
target's, so drafts are aligned through bytes with the canonical encodings and hard boundaries of Phan et al.,
2024, "Exact Byte-Level Probabilities from Tokenized Language Models", section 3 (`covers.py`). One step:

1. Sync. G = the bytes of the target's generated tokens. The drafter keeps its own ids (its prompt, then the
   generated text) and the target bytes each id stands for. It keeps the longest prefix of its generated ids whose
   bytes are a prefix of G (accepted drafts are reused with their KV cache). When G goes on past that prefix, the
   rest is *re-tokenized*: the rule steps back over kept drafter tokens (at most `MAX_BACKOFF`) until the cut is a
   hard boundary of the drafter's tokenizer (no drafter token can cross it), then spells the remaining bytes of G
   with the drafter's canonical encoding (`Canonicalizer.encode_bytes`, ragged UTF-8 included).
2. Draft. The drafter decodes up to `k` tokens greedily on its own KV cache (one forward pass each); a special
   token (its EOS) ends the draft, and so does a draft whose stable target tokens (step 3) fill the budget.
3. Re-encode. x = G + the draft's bytes. The proposal is the target's canonical encoding of the draft bytes up to
   the last hard boundary of x for the target's tokenizer: more bytes cannot change tokens before a hard
   boundary (`covers.py`: encode(x) = encode(x[:p]) + encode(x[p:])), so only that stable prefix is proposed; the
   unfinished last word is left to the next step. It is cut to the budget and proposed as a chain.
4. Verify: the target's own greedy tree verification (`speculative.py`), so the output is the target's greedy
   decoding by construction, whatever the drafter proposes.

Alignment rule (`check_alignable`): both tokenizers must give every token exact bytes (byte-level BPE, tiktoken,
SentencePiece with byte fallback), and the drafter must spell each byte of ordinary text (printable ASCII, tab,
newline, carriage return) as one token. Bytes it cannot spell elsewhere (e.g. SmolLM2 lacks a few control bytes)
are left out of the drafter's context, which only lowers acceptance. Not handled: sampling with an explicit draft
distribution (RSD needs q over the target's vocabulary: `draft_model.py` for a same-tokenizer drafter).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from tokensmith.decode.covers import Canonicalizer
from tokensmith.decode.speculative import tree_forward
from tokensmith.decode.trees import DraftTree, gather_cache, new_cache
from tokensmith.errors import GenerationError

if TYPE_CHECKING:
    from tokensmith.tokenizer import Tokenizer

__all__ = ["MAX_BACKOFF", "REQUIRED_BYTES", "CrossVocabDrafter", "check_alignable"]

MAX_BACKOFF = 4  # drafter tokens re-tokenized at most behind a cut that is not a hard boundary
REQUIRED_BYTES = bytes([9, 10, 13, *range(0x20, 0x7F)])  # ordinary text: printable ASCII, tab, newline, CR
_TAIL = 16  # bytes of committed text kept in front of a draft to find hard boundaries (`is_hard` looks 8 back)


def check_alignable(drafter: Tokenizer, target: Tokenizer) -> None:
    """Raise GenerationError unless the drafter's tokens can be aligned with the target's through bytes.

    Args:
        drafter: the draft model's tokenizer.
        target: the target model's tokenizer.

    Example:
        >>> import tokensmith
        >>> check_alignable(tokensmith.load("gpt2"), tokensmith.load("cl100k_base"))  # byte-level both: fine
        >>> check_alignable(tokensmith.load("bert-base-uncased"), tokensmith.load("gpt2"))
        Traceback (most recent call last):
        ...
        tokensmith.errors.GenerationError: drafter tokenizer bert-base-uncased cannot be aligned with ...
    """
    for role, tok in (("drafter", drafter), ("target", target)):
        if not tok.backend.exact_bytes:
            raise GenerationError(
                f"{role} tokenizer {tok.name} cannot be aligned with the other model's through bytes: some of its "
                "tokens have no exact bytes (WordPiece, a lossy normalizer or no byte fallback). Use a draft model "
                "with a byte-level BPE, tiktoken or byte-fallback SentencePiece tokenizer."
            )
    special = drafter.special_ids
    singles = {b[0] for i, b in enumerate(drafter.token_table) if len(b) == 1 and i not in special}
    singles |= {drafter.token_table[i][0] for i in drafter.byte_fallback_ids}
    missing = sorted(set(REQUIRED_BYTES) - singles)
    if missing:
        shown = ", ".join(repr(chr(b)) for b in missing[:8])
        raise GenerationError(
            f"drafter tokenizer {drafter.name} cannot spell {len(missing)} byte(s) of ordinary text ({shown}) as "
            "a token, so the target's text cannot be given to the drafter. Use a draft model whose vocabulary "
            "holds every printable ASCII byte (any byte-level BPE or byte-fallback tokenizer does)."
        )


def _token_bytes(tok: Tokenizer) -> list[bytes]:
    """Bytes per id; special tokens (BOS, EOS, turn markers) spell nothing."""
    table = list(tok.token_table)
    for i in tok.special_ids:
        if i < len(table):
            table[i] = b""
    return table


class CrossVocabDrafter:
    """Greedy chains from a draft model with another tokenizer, re-encoded into the target's tokens (see module).

    Args:
        model: the draft causal LM (transformers, eval mode).
        tokenizer: the draft model's tokenizer.
        target_tokenizer: the target model's tokenizer.
        k: drafter tokens decoded per step (the proposal is cut to the step's budget).

    Example:
        >>> import tokensmith
        >>> from tokensmith.decode.speculative import NullDrafter, speculative_generate
        >>> gpt2, cl100k = tokensmith.load("gpt2"), tokensmith.load("cl100k_base")
        >>> target = tiny_causal_lm(vocab_size=cl100k.vocab_size)
        >>> drafter = CrossVocabDrafter(tiny_causal_lm(vocab_size=gpt2.vocab_size), gpt2, cl100k, k=4)
        >>> prompt = cl100k.encode("The cat sat on the mat.")
        >>> ids, stats = speculative_generate(target, prompt, drafter, 6, budget=4)
        >>> plain, _ = speculative_generate(target, prompt, NullDrafter(), 6)
        >>> ids == plain, stats.new_tokens
        (True, 6)
    """

    def __init__(self, model: Any, tokenizer: Tokenizer, target_tokenizer: Tokenizer, *, k: int = 4) -> None:
        check_alignable(tokenizer, target_tokenizer)
        if k < 1:
            raise GenerationError(f"the drafter must draft at least 1 token per step (got k={k}).")
        self.model, self.tok, self.target_tok, self.k = model, tokenizer, target_tokenizer, k
        self.canon, self.target_canon = Canonicalizer(tokenizer), Canonicalizer(target_tokenizer)
        self.bytes, self.target_bytes = _token_bytes(tokenizer), _token_bytes(target_tokenizer)
        self.context = int(getattr(model.config, "max_position_embeddings", 0) or 1 << 30)
        window = getattr(model.config, "sliding_window", None)  # a sliding-window drafter drafts inside its window
        self.context = min(self.context, int(window)) if window else self.context
        self.forward_passes = 0
        self._next_prompt: list[int] | None = None
        self.begin(np.zeros(0, dtype=np.int64))

    def set_prompt(self, ids: list[int]) -> None:
        """Give the drafter its own prompt ids for the next `begin` (e.g. rendered with its own chat template);
        by default it spells the target prompt's text (its special tokens left out) with its own tokenizer.

        Args:
            ids: the drafter's prompt ids.

        Example:
            >>> import tokensmith
            >>> gpt2 = tokensmith.load("gpt2")
            >>> drafter = CrossVocabDrafter(tiny_causal_lm(vocab_size=gpt2.vocab_size), gpt2, gpt2)
            >>> drafter.set_prompt(gpt2.encode("Hi")); drafter.begin(np.array([17250]))
            >>> drafter.prompt_ids == gpt2.encode("Hi")
            True
        """
        self._next_prompt = [int(i) for i in ids]

    def begin(self, ids: np.ndarray) -> None:
        """Start a prompt: the drafter's prompt ids and an empty cache.

        Args:
            ids: the target's prompt ids.

        Example:
            >>> import tokensmith
            >>> gpt2, cl100k = tokensmith.load("gpt2"), tokensmith.load("cl100k_base")
            >>> drafter = CrossVocabDrafter(tiny_causal_lm(vocab_size=gpt2.vocab_size), gpt2, cl100k)
            >>> drafter.begin(np.array(cl100k.encode("Hello world")))
            >>> gpt2.decode(drafter.prompt_ids)
            'Hello world'
        """
        if self._next_prompt is not None:
            self.prompt_ids, self._next_prompt = self._next_prompt, None
        else:
            text = b"".join(self.target_bytes[int(i)] for i in ids if int(i) < len(self.target_bytes))
            self.prompt_ids = self.tok.encode(text.decode("utf-8", errors="ignore"), add_special_tokens=True)
        self._gen: list[int] = []  # drafter ids after the prompt
        self._spans: list[bytes] = []  # the target bytes each of them stands for
        self._start = len(ids)  # where the target's generated tokens begin
        self._cache = new_cache(self.model, length=self.context)
        self._cached: list[int] = []

    def propose(self, ids: np.ndarray, budget: int) -> DraftTree:
        """A chain of target tokens re-encoded from the drafter's greedy draft (steps 1-3 of the module docstring).

        Args:
            ids: the target's context; its last token is the root.
            budget: target tokens proposed at most.

        Example:
            >>> import tokensmith
            >>> gpt2 = tokensmith.load("gpt2")
            >>> drafter = CrossVocabDrafter(tiny_causal_lm(vocab_size=gpt2.vocab_size), gpt2, gpt2, k=3)
            >>> drafter.begin(np.array(gpt2.encode("Hello")))
            >>> chain = drafter.propose(np.array(gpt2.encode("Hello world")), budget=2)
            >>> int(chain.tokens[0]) == gpt2.encode(" world")[0], chain.num_draft <= 2
            (True, True)
        """
        root = int(ids[-1])
        generated = b"".join(self.target_bytes[int(i)] for i in ids[self._start :] if int(i) < len(self.target_bytes))
        self._sync(generated)
        if budget <= 0:
            return DraftTree.chain(root, [])
        tail = generated[-_TAIL:]

        def chain(draft: bytes) -> list[int]:  # step 3: the stable target tokens of the draft so far
            x, cut = tail + draft, len(tail)
            stable = next((p for p in range(len(x) - 1, cut, -1) if self.target_canon.is_hard(x, p)), cut)
            return self._spell_target(x[cut:stable])[:budget]

        return DraftTree.chain(root, chain(self._draft(lambda draft: len(chain(draft)) >= budget)))

    def observe(self, tree: Any, logits: Any, accepted: np.ndarray) -> None:
        """Nothing to learn: `propose` re-syncs with the committed text.

        Args:
            tree: the verified tree (unused).
            logits: the target's logits (unused).
            accepted: the accepted node indices (unused).

        Example:
            >>> import tokensmith
            >>> gpt2 = tokensmith.load("gpt2")
            >>> drafter = CrossVocabDrafter(tiny_causal_lm(vocab_size=gpt2.vocab_size), gpt2, gpt2)
            >>> print(drafter.observe(None, None, None))
            None
        """

    # ---- steps ---------------------------------------------------------------------------------------------------
    def _sync(self, generated: bytes) -> None:
        """Step 1: make the drafter's generated ids spell `generated` (keep the matching prefix, re-tokenize the
        rest)."""
        keep, pos = 0, 0
        for span in self._spans:
            if generated[pos : pos + len(span)] != span or pos + len(span) > len(generated):
                break
            keep, pos = keep + 1, pos + len(span)
        if pos < len(generated):
            back = 0
            while keep > 0 and back < MAX_BACKOFF and not (0 < pos and self.canon.is_hard(generated, pos)):
                keep, back = keep - 1, back + 1
                pos -= len(self._spans[keep])
            ids, spans = self._spell_drafter(generated[pos:])
            self._gen, self._spans = self._gen[:keep] + ids, self._spans[:keep] + spans
        else:
            self._gen, self._spans = self._gen[:keep], self._spans[:keep]

    def _spell_drafter(self, data: bytes) -> tuple[list[int], list[bytes]]:
        """Drafter ids for target bytes, with the bytes each stands for (all on the last id when they differ)."""
        ids = [i for i in self.canon.encode_bytes(data) if i >= 0]  # a dummy-prefix drafter: none unless at a space
        spelled = [self.bytes[i] for i in ids]
        if b"".join(spelled) != data and ids:  # bytes the drafter cannot spell: the whole piece rides on the last id
            spelled = [b""] * (len(ids) - 1) + [data]
        return ids, spelled

    def _spell_target(self, data: bytes) -> list[int]:
        """The target's canonical ids of `data`, cut where they stop spelling it (unspellable bytes)."""
        if not data:
            return []
        out, pos = [], 0
        for i in self.target_canon.encode_bytes(data):  # a dummy-prefix target: none unless data starts with a space
            piece = self.target_bytes[i] if 0 <= i < len(self.target_bytes) else b""
            if not piece or data[pos : pos + len(piece)] != piece:
                break
            out.append(int(i))
            pos += len(piece)
        return out

    def _draft(self, enough: Callable[[bytes], bool]) -> bytes:
        """Step 2: up to `k` greedy drafter tokens after its context (fewer once `enough(bytes so far)`); their
        bytes. They stay in the drafter's ids."""
        import torch

        context = self.prompt_ids + self._gen
        if not context or len(context) + self.k >= self.context:
            return b""
        keep = 0
        while keep < min(len(context) - 1, len(self._cached)) and context[keep] == self._cached[keep]:
            keep += 1
        gather_cache(self._cache, prefix_len=keep, keep=[])  # cut back to the common prefix
        feed, out = context[keep:], b""
        with torch.inference_mode():
            for _ in range(self.k):
                logits = tree_forward(self.model, self._cache, DraftTree.chain(feed[0], feed[1:]), prefix_len=keep)
                self.forward_passes += 1
                keep += len(feed)
                tok = int(logits[-1].argmax())
                piece = self.bytes[tok] if tok < len(self.bytes) else b""
                if not piece:  # EOS, a turn marker or a padded row: the draft ends
                    break
                self._gen.append(tok)
                self._spans.append(piece)
                out += piece
                feed = [tok]
                if enough(out):
                    break
        self._cached = (self.prompt_ids + self._gen)[:keep]
        return out
