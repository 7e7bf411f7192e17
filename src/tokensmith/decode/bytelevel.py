"""Exact next-byte distributions, byte-level scoring and byte-by-byte generation from a tokenized LM.

Phan et al. 2024, *Exact Byte-Level Probabilities from Tokenized Language Models for FIM-Tasks and Model
Ensembles*: Sec. 3 (Byte-Token Representation Lemma) writes the probability that the text starts with bytes x as a
sum over cover encodings, P(x*) = sum_c P(c); Sec. 4 gets P(next byte | x) from the covers of x.

What we compute. The token process is the model restricted to texts the tokenizer can produce: at every step the
next-token distribution is renormalized over ordinary tokens t that keep the sequence canonical (see `covers.py`)
plus the end-of-text id; special tokens get 0. The byte distribution is the exact marginal of that process, so it
sums to 1 with the end-of-text mass and obeys the chain rule exactly (the tests check both against brute force).

How (data shapes in comments). For a prefix X (with the dummy space in front for SentencePiece-style models) let
B be the last hard boundary (`Canonicalizer.window_start`): the tokens of X[:B] (the *trunk*) are shared by every
cover. Window W = X[B:], m = len(W). The covers are
- for each split i < m, head H_i = canonical(W[:i]) followed by any token t that starts with W[i:] and is longer;
- the canonical encoding H_m of W itself, followed by any next token (the covers of X + b for every byte b).
Each head needs the renormalized next-token row after trunk + head: one forward pass per new head, cached while
the trunk is unchanged, with the KV cache on the trunk (`HFTokenLM`).

Long prefixes. A model conditions on at most its context window of tokens: `next_byte` keeps only the prefix's
tail from a hard boundary on, so that its trunk fits in `context_window` less `HEAD_ROOM` tokens (`cropped_bytes`
says how many bytes went), and feeds a long trunk to the model `feed_size` tokens per call, so memory follows the
window (KV cache) and one feed's logits, never the prefix.

Scoring without the per-byte chain. By the chain rule, log P(y | x) = log C(x + y) - log C(x) where C(x) = P~(x*) is
the cover sum. C(x) = P~(trunk) * (window sum over heads), and P~(trunk) needs the renormalized rows after every
trunk prefix: all of them come from ONE forward pass over the trunk (`TokenLM.logprobs_all`), each masked with
the canonicity mask of its own window (the trunk prefix after its last hard boundary; tokenizer calls only). The
context's trunk is a prefix of the full text's trunk (its hard boundaries stay hard), so one pass serves both
cover sums; only the few heads in the two final windows need extra calls (`score_bytes(method="cover")`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from tokensmith.decode.covers import Canonicalizer
from tokensmith.errors import ModelError, TokensmithError

if TYPE_CHECKING:
    from tokensmith.models import LoadedModel
    from tokensmith.tokenlm import TokenLM
    from tokensmith.tokenizer import Tokenizer


HEAD_ROOM = 64  # tokens of the context window kept free for the heads after the trunk (and the start ids)
FEED_LOGITS = 4_000_000  # next-token log-probs computed per forward call while feeding a long trunk (T x V)


@dataclass(frozen=True)
class NextByte:
    """P(next byte | prefix) for the 256 byte values, and the probability that the text ends here."""

    probs: np.ndarray  # (256,) float64
    end: float

    def as_vector(self) -> np.ndarray:
        """(257,) probabilities: bytes 0..255, then end-of-text.

        Example:
            >>> NextByte(probs=np.full(256, 0.5 / 256), end=0.5).as_vector()[[0, 255, 256]].tolist()
            [0.001953125, 0.001953125, 0.5]
        """
        return np.append(self.probs, self.end)


@dataclass(frozen=True)
class _Row:
    logp: np.ndarray  # (V,) renormalized log p~(t | trunk + ctx); -inf where t is not allowed
    eos: float  # log p~(end | trunk + ctx)


class ByteLM:
    """Byte-level view of a token LM: exact next-byte distributions by summing over cover encodings.

    Args:
        lm: a `TokenLM` (e.g. `HFTokenLM`, or the toy `TableLM`).
        tokenizer: its tokenizer (or a ready `Canonicalizer`).
        mask_tol: 0.0 checks canonicity of every next token (exact); > 0 checks only the tokens holding the top
            1 - mask_tol of each next-token distribution (faster; every probability moves by at most mask_tol).
        context_window: the most tokens the model conditions on; a longer prefix is cropped (`next_byte`).
            None: no limit.

    Example:
        A toy: a byte-level BPE trained on one line, under a seeded random table LM (`TableLM`).

        >>> import tokensmith
        >>> from tokensmith.tokenlm import TableLM
        >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
        >>> blm = ByteLM(TableLM(vocab_size=tok.vocab_size, eos_id=0, max_len=6, seed=0), tok)
        >>> d = blm.next_byte(b"the c")
        >>> chr(int(d.probs.argmax())), round(float(d.probs.sum() + d.end), 12)
        ('a', 1.0)
    """

    def __init__(
        self, lm: TokenLM, tokenizer: Tokenizer | Canonicalizer, *, mask_tol: float = 0.0,
        context_window: int | None = None,
    ) -> None:
        self.canon = tokenizer if isinstance(tokenizer, Canonicalizer) else Canonicalizer(tokenizer)
        if lm.vocab_size != self.canon.vocab_size:
            raise ModelError(
                f"the model gives {lm.vocab_size} next-token probabilities but the tokenizer has "
                f"{self.canon.vocab_size} ids: they do not belong together. Pass the model's own tokenizer."
            )
        if not 0.0 <= mask_tol < 1.0:
            raise TokensmithError(f"mask_tol={mask_tol} must be in [0, 1); use 0 for exact results.")
        self.lm = lm
        self.mask_tol = mask_tol
        self.context_window = context_window
        self.feed_size = max(8, FEED_LOGITS // max(lm.vocab_size, 1))  # trunk tokens per forward call
        self.cropped_bytes = 0  # bytes the last `next_byte` dropped from the prefix's start (context window)
        self.cover_fallbacks = 0  # cover-method scores that fell back to the per-byte chain (see `score_bytes`)
        self._trunk_bytes: bytes | None = None
        self._trunk_ids: tuple[int, ...] = ()
        self._rows: dict[tuple[int, ...], _Row] = {}

    def internal(self, prefix: bytes) -> bytes:
        """The byte stream the model sees: SentencePiece-style models add one dummy space in front.

        Args:
            prefix: raw bytes of the text's start.

        Example:
            A SentencePiece BPE (dummy prefix) and a byte-level BPE (none) trained on the same line.

            >>> import tokensmith
            >>> from tokensmith.tokenlm import TableLM
            >>> lines = ["the cat sat on the mat"] * 3
            >>> sp = tokensmith.train("bpe", lines, vocab_size=280, engine="sentencepiece", seed=0)
            >>> bl = tokensmith.train("bpe", lines, vocab_size=270, seed=0)
            >>> [ByteLM(TableLM(vocab_size=t.vocab_size, eos_id=0, max_len=6), t).internal(b"the") for t in (sp, bl)]
            [b' the', b'the']
        """
        return self.canon.internal(prefix)

    # ---- trunk and rows -------------------------------------------------------------------------------------------
    def _set_trunk(self, head: bytes) -> None:
        if head == self._trunk_bytes:
            return
        old = self._trunk_bytes
        if old and head.startswith(old):  # `old` ended at a hard boundary, so its tokens stay
            ids = self._trunk_ids + self.canon.encode_bytes(head[len(old) :])
        else:
            ids = self.canon.encode_bytes(head)
        self._trunk_bytes, self._trunk_ids, self._rows = head, ids, {}
        for k in range(self.feed_size, len(ids), self.feed_size):  # a KV-cached LM then runs one feed per call
            self.lm.logprobs([ids[:k]])

    def _ensure_rows(self, contexts: set[tuple[int, ...]]) -> None:
        missing = sorted(c for c in contexts if c not in self._rows)
        if not missing:
            return
        table = self.lm.logprobs([self._trunk_ids + c for c in missing])  # (k, V)
        for ctx, lp in zip(missing, table, strict=True):
            self._rows[ctx] = self._make_row(ctx, lp)

    def _make_row(self, window: tuple[int, ...], lp: np.ndarray) -> _Row:
        """Renormalize a (V,) log-prob row over the canonical next tokens after `window` (starts at a hard
        boundary) and the end-of-text id."""
        eos = self.lm.eos_id
        valid = self.canon.next_mask(window, logp=lp, tol=self.mask_tol)
        masked = np.where(valid, lp, -np.inf)
        log_z = np.logaddexp(np.logaddexp.reduce(masked), lp[eos])
        return _Row(logp=masked - log_z, eos=float(lp[eos] - log_z))

    def _log_prefix(self, head: tuple[int, ...]) -> float:
        """log P~(head | trunk): the renormalized chain over the head's tokens."""
        return float(sum(self._rows[head[:j]].logp[head[j]] for j in range(len(head))))

    # ---- covers ---------------------------------------------------------------------------------------------------
    def _terms(self, data: bytes, *, window: bool) -> tuple[list[tuple[np.ndarray, np.ndarray]], float, float]:
        """Log-weights of every cover of `data`, grouped by the byte that follows `data`.

        Returns ([(log-weights (k,), next bytes (k,)), ...], log P~ of the exact-ending cover, its end-of-text
        log-weight), all relative to the trunk.
        """
        canon = self.canon
        start = canon.window_start(data) if window else 0
        self._set_trunk(data[:start])
        win = data[start:]
        m = len(win)
        plan = []
        for i in range(m):
            cand = canon.token_range(win[i:])
            cand = cand[canon.lengths[cand] > m - i]
            if len(cand):
                plan.append((i, cand))
        splits = sorted({i for i, _ in plan} | {m})
        encs = canon.encode_many([win[:i] for i in splits])
        heads = {i: h for i, h in zip(splits, encs, strict=True) if canon.decode(h) == win[:i] and -1 not in h}
        self._ensure_rows({h[:j] for h in heads.values() for j in range(len(h) + 1)})
        terms = []
        for i, cand in plan:
            if i in heads:
                row = self._rows[heads[i]]
                terms.append((self._log_prefix(heads[i]) + row.logp[cand], canon.padded[cand, m - i]))
        if m not in heads:  # the window has no canonical spelling (unspellable bytes): only longer tokens cover it
            return terms, -math.inf, -math.inf
        exact = self._log_prefix(heads[m])
        row = self._rows[heads[m]]
        terms.append((exact + row.logp, canon.first))
        return terms, exact, exact + row.eos

    def next_byte(self, prefix: bytes) -> NextByte:
        """The exact distribution of the byte after `prefix` (and of the text ending there).

        Args:
            prefix: raw bytes; b"" means the start of the text; invalid UTF-8 is allowed.

        Example:
            After 'the c' the toy model almost surely spells 'cat': 'c' and ' cat' are the only tokens that fit.

            >>> import tokensmith
            >>> from tokensmith.tokenlm import TableLM
            >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
            >>> blm = ByteLM(TableLM(vocab_size=tok.vocab_size, eos_id=0, max_len=6, seed=0), tok)
            >>> d = blm.next_byte(b"the c")
            >>> chr(int(d.probs.argmax())), round(float(d.probs[ord("a")]), 6), round(float(d.probs.sum() + d.end), 12)
            ('a', 0.999993, 1.0)
        """
        data = self.crop(self.internal(prefix))
        terms, _, end = self._terms(data, window=True)
        shift = max([end] + [float(np.max(w)) for w, _ in terms if len(w)])
        if not math.isfinite(shift):
            raise TokensmithError(
                f"no token sequence of this tokenizer spells the prefix {prefix[-20:]!r}: its probability is 0. "
                "Check that the text is in a script the tokenizer covers."
            )
        masses = np.zeros(256)
        for w, b in terms:
            masses += np.bincount(b, weights=np.exp(w - shift), minlength=256)[:256]
        end_mass = math.exp(end - shift)
        total = masses.sum() + end_mass
        return NextByte(probs=masses / total, end=end_mass / total)

    def crop(self, data: bytes) -> bytes:
        """The tail of an internal stream that the model can condition on: from a hard boundary on, with a trunk of
        at most `context_window - HEAD_ROOM` tokens; `data` itself when it fits (sets `cropped_bytes`).

        A hard boundary is a token start in every encoding (`Canonicalizer.is_hard`), so the tail's tokens are the
        last tokens of the whole prefix and the distribution is the model's given that window. With no hard
        boundary in reach the stream is kept whole.

        Args:
            data: an internal byte stream (`internal(prefix)`).

        Example:
            >>> import tokensmith
            >>> from tokensmith.tokenlm import TableLM
            >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
            >>> blm = ByteLM(TableLM(vocab_size=tok.vocab_size, eos_id=0, max_len=6), tok, context_window=HEAD_ROOM + 2)
            >>> blm.crop(b"the cat sat on the m"), blm.cropped_bytes
            (b' on the m', 11)
        """
        self.cropped_bytes = 0
        budget = (self.context_window or 0) - HEAD_ROOM
        if self.context_window is None or len(data) <= max(budget, 0):
            return data
        reach = 16 * max(budget, 1)  # bytes that surely hold `budget` tokens of text, or nearly
        start = 0 if len(data) <= reach else self._hard_at_or_after(data, len(data) - reach)
        while start is not None:
            tail = data[start:]
            ids = self.canon.encode_bytes(tail[: self.canon.window_start(tail)])
            if len(ids) <= budget:
                break
            skip = sum(len(self.canon.table[t]) for t in ids[: len(ids) - budget])
            start = self._hard_at_or_after(data, start + skip)
        if start is None:
            return data
        self.cropped_bytes = start
        return data[start:]

    def _hard_at_or_after(self, data: bytes, p: int) -> int | None:
        return next((q for q in range(max(p, 1), len(data)) if self.canon.is_hard(data, q)), None)

    def log_cover_sum(self, prefix: bytes) -> float:
        """Natural log of P~(text starts with `prefix`), summed directly over its covers (no windows, no chain).

        This is the slow reference for the chain rule; it recomputes every row from the start of the text.

        Args:
            prefix: raw bytes of the text's start; b"" gives 0.0 (every text starts with it).

        Example:
            >>> import tokensmith
            >>> from tokensmith.tokenlm import TableLM
            >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
            >>> blm = ByteLM(TableLM(vocab_size=tok.vocab_size, eos_id=0, max_len=6, seed=0), tok)
            >>> round(blm.log_cover_sum(b"the c"), 6), round(blm.log_cover_sum(b"the"), 6), blm.log_cover_sum(b"")
            (-8.478736, -2.878084, 0.0)
        """
        data = self.internal(prefix)
        if not data:  # the empty stream: every text starts with it
            return 0.0
        self._trunk_bytes = None
        total = self._window_log_sum(data, window=False)
        self._trunk_bytes = None
        return total

    def _window_log_sum(self, data: bytes, *, window: bool) -> float:
        """log of the sum of P~(cover | trunk) over the covers of `data` (the trunk is set by `_terms`)."""
        terms, exact, _ = self._terms(data, window=window)
        n_longer = len(terms) - (1 if math.isfinite(exact) else 0)  # the last term is the exact cover's expansion
        logs = [exact] + [float(np.logaddexp.reduce(w)) for w, _ in terms[:n_longer] if len(w)]
        return float(np.logaddexp.reduce(np.array(logs)))

    # ---- cover sums from one pass over the trunk --------------------------------------------------------------------
    def _trunk_chain(
        self, ids: tuple[int, ...], table: np.ndarray, keep: set[int]
    ) -> tuple[np.ndarray, dict[int, _Row]]:
        """(len(ids) + 1,) log P~(ids[:j]) for every j, and the renormalized rows after ids[:j] for j in `keep`.

        `table` (len(ids) + 1, V) is `lm.logprobs_all(ids)`. Row j is masked with the window of ids[:j]: the
        tokens after its last hard boundary p (0 < p < bytes of ids[:j]); only token starts can be hard
        boundaries. (The windowed `next_byte` masks the row after its trunk by the tokens' own canonicity only;
        that rescales every cover alike and cancels there, but a cover sum needs the exact normalizer.)
        """
        data = self.canon.decode(ids)
        offs = np.concatenate([[0], np.cumsum([len(self.canon.table[t]) for t in ids])]).astype(int)
        logs, rows, k = np.zeros(len(ids) + 1), {}, 0
        for j in range(len(ids) + 1):
            if j >= 2 and self.canon.is_hard(data, int(offs[j - 1])):
                k = j - 1
            row = self._make_row(ids[k:j], table[j])
            if j < len(ids):
                logs[j + 1] = logs[j] + row.logp[ids[j]]
            if j in keep:
                rows[j] = row
        return logs, rows

    def _window_after(self, data: bytes, ids: tuple[int, ...], row: _Row) -> float:
        """log P~(covers of `data` | trunk `ids`), with the exactly normalized row after the trunk."""
        self._trunk_bytes, self._trunk_ids = data[: self.canon.window_start(data)], ids
        self._rows = {(): row}
        return self._window_log_sum(data, window=True)

    def log_cover_ratio(self, context: bytes, continuation: bytes) -> float:
        """log C(context + continuation) - log C(context) (natural log): log P(continuation | context).

        One `logprobs_all` pass over the full text's trunk gives the chain of both cover sums; the heads of the
        two final windows cost a few more calls. Equal to the per-byte chain of `next_byte` up to rounding.

        Args:
            context: the bytes before.
            continuation: the bytes whose log-probability is wanted.

        Example:
            The ratio of the two cover sums in `log_cover_sum`'s example: -8.478736 - (-2.878084).

            >>> import tokensmith
            >>> from tokensmith.tokenlm import TableLM
            >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
            >>> blm = ByteLM(TableLM(vocab_size=tok.vocab_size, eos_id=0, max_len=6, seed=0), tok)
            >>> round(blm.log_cover_ratio(b"the", b" c"), 6)
            -5.600652
        """
        canon = self.canon
        x0, x = self.internal(context), self.internal(context + continuation)
        ids0 = canon.encode_bytes(x0[: canon.window_start(x0)]) if x0 else ()
        ids = canon.encode_bytes(x[: canon.window_start(x)])
        if ids[: len(ids0)] != ids0:  # not expected (hard boundaries stay hard): two independent passes
            return self._log_cover(x) - self._log_cover(x0)
        table = self.lm.logprobs_all(ids)  # (len(ids) + 1, V)
        n, n0 = len(ids), len(ids0)
        chain, rows = self._trunk_chain(ids, table, {n, n0})
        full = chain[n] + self._window_after(x, ids, rows[n])
        base = chain[n0] + self._window_after(x0, ids0, rows[n0]) if x0 else 0.0
        self._trunk_bytes = None
        if not math.isfinite(base):
            raise TokensmithError(
                f"no token sequence of this tokenizer spells the context {context[-20:]!r}: its probability is 0. "
                "Check that the text is in a script the tokenizer covers."
            )
        return float(full - base)

    def _log_cover(self, x: bytes) -> float:
        """log C(x) for an internal stream x, from its own one-pass trunk chain."""
        if not x:
            return 0.0
        ids = self.canon.encode_bytes(x[: self.canon.window_start(x)])
        chain, rows = self._trunk_chain(ids, self.lm.logprobs_all(ids), {len(ids)})
        total = chain[-1] + self._window_after(x, ids, rows[len(ids)])
        self._trunk_bytes = None
        return float(total)


def _as_bytes(data: bytes | str) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else bytes(data)


def next_byte_distribution(
    model: TokenLM, tokenizer: Tokenizer, prefix: bytes | str, *, mask_tol: float = 0.0
) -> NextByte:
    """P(next byte | prefix) from a tokenized LM: (256,) probabilities and the end-of-text mass (a `NextByte`).

    Args:
        model: a `TokenLM` (wrap a transformers model with `HFTokenLM.from_loaded`).
        tokenizer: the model's tokenizer.
        prefix: bytes (or text, UTF-8 encoded); empty = start of text.
        mask_tol: see `ByteLM`.

    Example:
        >>> import tokensmith
        >>> from tokensmith.tokenlm import TableLM
        >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
        >>> lm = TableLM(vocab_size=tok.vocab_size, eos_id=0, max_len=6, seed=0)
        >>> d = next_byte_distribution(lm, tok, "the c")
        >>> d.probs.shape, chr(int(d.probs.argmax())), round(float(d.probs.sum() + d.end), 12)
        ((256,), 'a', 1.0)
    """
    return ByteLM(model, tokenizer, mask_tol=mask_tol).next_byte(_as_bytes(prefix))


SCORE_METHODS = ("cover", "chain")


def score_bytes(
    model: TokenLM | ByteLM, tokenizer: Tokenizer | None, context: bytes | str, continuation: bytes | str,
    *, mask_tol: float = 0.0, method: str = "cover",
) -> float:
    """-log2 P(continuation | context) at byte level, in bits; independent of where token boundaries fall.

    Args:
        model: a `TokenLM`, or a ready `ByteLM` (then `tokenizer` may be None).
        tokenizer: the model's tokenizer.
        context: the bytes before (may end inside a token or a character).
        continuation: the bytes to score.
        mask_tol: see `ByteLM`.
        method: "cover" (default): log C(context + continuation) - log C(context) from one forward pass over the
            trunk plus a few head calls; "chain": the product of every next-byte distribution (about one call per
            byte; the slow reference).

    Example:
        Both methods give the same bits; `-log2` of `ByteLM.log_cover_ratio`'s -5.600652 nats is 8.080032 bits.

        >>> import tokensmith
        >>> from tokensmith.tokenlm import TableLM
        >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
        >>> lm = TableLM(vocab_size=tok.vocab_size, eos_id=0, max_len=6, seed=0)
        >>> [round(score_bytes(lm, tok, b"the", b" c", method=m), 6) for m in ("cover", "chain")]
        [8.080032, 8.080032]
    """
    if method not in SCORE_METHODS:
        raise TokensmithError(f"method={method!r} is not a choice; valid choices: {', '.join(SCORE_METHODS)}.")
    blm = model if isinstance(model, ByteLM) else ByteLM(model, tokenizer, mask_tol=mask_tol)  # type: ignore[arg-type]
    ctx, cont = _as_bytes(context), _as_bytes(continuation)
    # A tokenizer that adds the dummy space only before a non-space maps "" and " " to the same stream: the
    # chain's first step is then the reference definition, so keep it.
    consistent = blm.internal(ctx + cont) == blm.internal(ctx) + cont
    if method == "cover" and cont and consistent:
        try:
            log_p = blm.log_cover_ratio(ctx, cont)
        except TokensmithError:
            log_p = math.nan
        if math.isfinite(log_p):
            return -log_p / math.log(2)
        # A safety net, expected never to run: the cover sum once found no spelling of a text the chain spelled (a
        # FLORES cut starting inside a character, with a double space: fixed in `encode_raw_bytes` and `is_hard`,
        # see tests/decode_bytes/test_space_runs.py). The chain is the reference; the counter shows any use.
        blm.cover_fallbacks += 1
    bits = 0.0
    for k in range(len(cont)):
        p = float(blm.next_byte(ctx + cont[:k]).probs[cont[k]])
        bits += math.inf if p <= 0.0 else -math.log2(p)
    return bits


def generate_bytes(
    model: TokenLM | ByteLM, tokenizer: Tokenizer | None, prompt: bytes | str, *, max_bytes: int,
    greedy: bool = True, temperature: float = 1.0, seed: int = 0, mask_tol: float = 0.0,
) -> bytes:
    """Generate byte by byte from the exact next-byte distribution (stops at end-of-text or `max_bytes`).

    Args:
        model: a `TokenLM` or a ready `ByteLM`.
        tokenizer: the model's tokenizer.
        prompt: the bytes to continue (may end mid-token).
        max_bytes: the most bytes to add.
        greedy: take the most likely byte; otherwise sample at `temperature` with `seed`.
        temperature: > 0; sampling only.
        seed: sampling seed (same seed, same bytes).
        mask_tol: see `ByteLM`.

    Example:
        A random toy model writes random bytes; greedy output is its most likely byte at each step.

        >>> import tokensmith
        >>> from tokensmith.tokenlm import TableLM
        >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
        >>> blm = ByteLM(TableLM(vocab_size=tok.vocab_size, eos_id=0, max_len=6, seed=0), tok)
        >>> out = generate_bytes(blm, None, "the", max_bytes=4)
        >>> out, out[:1] == bytes([int(blm.next_byte(b"the").probs.argmax())])
        (b'\\xb1\\xc0 o', True)
        >>> generate_bytes(blm, None, "the", max_bytes=4, greedy=False, seed=1)
        b'\\x8a\\xf2&\\xec'
    """
    if temperature <= 0:
        raise TokensmithError(f"temperature={temperature} must be > 0; use greedy=True for deterministic output.")
    blm = model if isinstance(model, ByteLM) else ByteLM(model, tokenizer, mask_tol=mask_tol)  # type: ignore[arg-type]
    rng = np.random.default_rng(seed)
    text, out = _as_bytes(prompt), bytearray()
    for _ in range(max_bytes):
        vec = blm.next_byte(text + bytes(out)).as_vector()  # (257,)
        if greedy:
            pick = int(vec.argmax())
        else:
            logits = np.log(np.maximum(vec, 1e-300)) / temperature
            p = np.exp(logits - logits.max())
            pick = int(rng.choice(257, p=p / p.sum()))
        if pick == 256:
            break
        out.append(pick)
    return bytes(out)


def load_byte_lm(spec: str, *, mask_tol: float = 0.0, tokenizer: Tokenizer | str | None = None) -> ByteLM:
    """Load a causal LM (packaged name, HF directory or GGUF file) as a `ByteLM`.

    Args:
        spec: see `tokensmith.models.load_model` ('smollm2', 'gemma3', a directory, a .gguf file).
        mask_tol: see `ByteLM`.
        tokenizer: a tokenizer to use instead of the model's own.

    Example:
        A directory holding a tiny random Llama (root conftest.py) sized for a toy tokenizer, which is passed in.

        >>> import tempfile
        >>> import tokensmith
        >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
        >>> folder = tempfile.mkdtemp()
        >>> tiny_causal_lm(vocab_size=tok.vocab_size).save_pretrained(folder)
        >>> blm = load_byte_lm(folder, tokenizer=tok)
        >>> blm.lm.start_ids, blm.lm.eos_id, round(float(blm.next_byte(b"the").as_vector().sum()), 12)
        ((0,), 0, 1.0)
        >>> blm.context_window == blm.lm.model.config.max_position_embeddings - 1  # less the start id
        True
    """
    from tokensmith.models import load_model

    return byte_lm_from_loaded(load_model(spec, tokenizer=tokenizer), mask_tol=mask_tol)


def byte_lm_from_loaded(loaded: LoadedModel, *, mask_tol: float = 0.0) -> ByteLM:
    """A `ByteLM` over a model already loaded (`models.load_model`): several views of one model (an ensemble that
    names it twice, other `mask_tol`s) share its weights instead of loading it again.

    Args:
        loaded: the model and its tokenizer.
        mask_tol: see `ByteLM`.

    Example:
        >>> import tempfile
        >>> import tokensmith
        >>> from tokensmith.models import load_model
        >>> tok = tokensmith.train("bpe", ["the cat sat on the mat"] * 3, vocab_size=270, seed=0)
        >>> folder = tempfile.mkdtemp()
        >>> tiny_causal_lm(vocab_size=tok.vocab_size).save_pretrained(folder)
        >>> loaded = load_model(folder, tokenizer=tok)
        >>> exact, cut = byte_lm_from_loaded(loaded), byte_lm_from_loaded(loaded, mask_tol=0.01)
        >>> exact.lm.model is cut.lm.model, exact is cut
        (True, False)
    """
    from tokensmith.tokenlm import HFTokenLM

    lm = HFTokenLM.from_loaded(loaded)
    window = getattr(loaded.model.config, "max_position_embeddings", None)
    window = int(window) - len(lm.start_ids) if window else None
    return ByteLM(lm, loaded.tokenizer, mask_tol=mask_tol, context_window=window)
