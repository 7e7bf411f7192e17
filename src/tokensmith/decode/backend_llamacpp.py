"""llama.cpp as the verifier of speculative decoding: cheap small multi-token passes on a CPU.

The packaged SmolLM2 GGUF is Q4_1, which has no fast small-batch kernel in llama.cpp, so `requantized_gguf` turns it
into Q8_0 (or Q4_0) with the library's own quantizer, once, into the cache (keyed by the source file's sha256).
`LlamaCppScorer` implements the `Scorer` methods of `speculative.py` with llama.cpp's low-level API: a draft tree
goes through one `llama_decode` with one sequence id per leaf in a unified KV cache; a node carries the ids of every
leaf below it, so it attends to the prefix and its own ancestors only (the tree attention of SpecInfer, Miao et
al., 2024, section 4.2, done the way llama.cpp's `examples/speculative` shares draft prefixes). After verification
a leaf below the accepted path keeps its cells (`llama_memory_seq_keep`), cut after the accepted nodes that sit in
consecutive cells, and becomes sequence 0 again; accepted nodes after a gap go through the model again at the start
of the next pass, so every cell holds the position of its index (llama.cpp gives wrong logits, about 2% off, to a
token placed in a freed cell in front of an earlier position's cell: measured, see the tests).

Batch invariance (a node's logits must not change with what else is in the pass) is checked when the scorer is
built, on a probe (`invariance`): the same argmax and logits within 1e-3 relative (max |difference| / max |logit|)
for a token alone and inside a 16-node tree; `batch_invariant` is False otherwise and the decoder then refuses to
draft with it. Greedy output equals this backend's own greedy decoding (its weights are quantized: it is not the
torch fp32 model's output). Needs `pip install 'tokensmith[fast]'` (llama-cpp-python, built from source).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np

from tokensmith.decode.backend_torch import check_ids
from tokensmith.decode.invariance import Invariance, alone_and_in_tree, compare_logits, probe_tree
from tokensmith.decode.trees import DraftTree
from tokensmith.errors import GenerationError, ModelError, require

QUANTS = {"q8_0": 7, "q4_0": 2}  # llama_ftype values (LLAMA_FTYPE_MOSTLY_Q8_0, _Q4_0)
MAX_SEQS = 128  # sequence ids of one tree pass: a tree can have at most this many leaves
_LOG_SINK: list[Any] = []  # keeps the ctypes log callback alive


def _lib() -> Any:
    """The llama_cpp module, initialised once with its log silenced."""
    require("llama_cpp", extra="fast")
    import llama_cpp

    if not _LOG_SINK:
        _LOG_SINK.append(llama_cpp.llama_log_callback(lambda level, text, data: None))
        llama_cpp.llama_log_set(_LOG_SINK[0], ctypes.c_void_p(0))
        llama_cpp.llama_backend_init()
    return llama_cpp


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB blocks.

    Args:
        path: the file.

    Example:
        >>> import tempfile
        >>> path = Path(tempfile.mkdtemp()) / "x.bin"
        >>> _ = path.write_bytes(b"abc")
        >>> file_sha256(path)[:12]
        'ba7816bf8f01'
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def requantized_gguf(source: Path, quant: str = "q8_0", *, threads: int = 2) -> Path:
    """`source` requantized to `quant` by llama.cpp's quantizer, cached as `<cache>/llamacpp/<stem>.<sha>.<quant>.gguf`.

    Written atomically; a later call with the same source bytes returns the cached file.

    Args:
        source: a GGUF file (any quantization: requantizing is allowed).
        quant: 'q8_0' (the default: near the source's precision) or 'q4_0'.
        threads: quantizer threads.

    Raises:
        GenerationError: an unknown quant name. ModelError: the quantizer fails.

    Example:
        >>> requantized_gguf(Path("m.gguf"), "q5_k")
        Traceback (most recent call last):
        ...
        tokensmith.errors.GenerationError: unknown quantization 'q5_k' for the llama.cpp backend; use one of q8_0, q4_0.
    """
    if quant not in QUANTS:
        raise GenerationError(f"unknown quantization '{quant}' for the llama.cpp backend; use one of {', '.join(QUANTS)}.")
    from tokensmith.atomic import atomic_path
    from tokensmith.cache import cache_dir

    source = Path(source)
    target = cache_dir("llamacpp") / f"{source.stem}.{file_sha256(source)[:16]}.{quant}.gguf"
    if target.is_file():
        return target
    lib = _lib()
    params = lib.llama_model_quantize_default_params()
    params.ftype, params.allow_requantize, params.nthread = QUANTS[quant], True, threads
    with atomic_path(target) as tmp:
        if lib.llama_model_quantize(str(source).encode(), str(tmp).encode(), ctypes.byref(params)) != 0:
            raise ModelError(f"llama.cpp could not requantize {source} to {quant}; check that it is a GGUF model file.")
    return target


class LlamaCppScorer:
    """A GGUF model run by llama.cpp (CPU) as the verifier of the speculative loop.

    Args:
        gguf: the GGUF file to run (requantize a Q4_1 file first: `requantized_gguf`).
        n_ctx: context window (KV cache cells).
        threads: CPU threads for single- and multi-token passes.
        check: run the batch-invariance probe now (sets `invariance` and `batch_invariant`).

    Example:
        >>> _ = importorskip("llama_cpp"); require_model("smollm2")
        >>> from tokensmith.models import packaged_gguf_path
        >>> scorer = LlamaCppScorer(requantized_gguf(packaged_gguf_path("smollm2")), n_ctx=256)
        >>> scorer.vocab_size, scorer.batch_invariant, scorer.invariance.max_rel_diff < 1e-3
        (49152, True, True)
    """

    name = "llamacpp"

    def __init__(self, gguf: Path, *, n_ctx: int = 2048, threads: int = 1, check: bool = True) -> None:
        lib = self.lib = _lib()
        self.path, self.threads = Path(gguf), threads
        mparams = lib.llama_model_default_params()
        mparams.n_gpu_layers = 0
        self.model = lib.llama_model_load_from_file(str(self.path).encode(), mparams)
        if not self.model:
            raise ModelError(f"llama.cpp could not load {self.path}; give a GGUF model file it supports.")
        cparams = lib.llama_context_default_params()
        cparams.n_ctx, cparams.n_batch, cparams.n_ubatch = n_ctx, 512, 512
        cparams.n_seq_max, cparams.kv_unified, cparams.no_perf = MAX_SEQS, True, True
        cparams.n_threads = cparams.n_threads_batch = threads
        self.ctx = lib.llama_init_from_model(self.model, cparams)
        if not self.ctx:
            raise ModelError(f"llama.cpp could not create a context of {n_ctx} tokens for {self.path}.")
        self.n_ctx = lib.llama_n_ctx(self.ctx)
        self.mem = lib.llama_get_memory(self.ctx)
        vocab = lib.llama_model_get_vocab(self.model)
        self.vocab_size = lib.llama_vocab_n_tokens(vocab)
        self.config = SimpleNamespace(bos_token_id=lib.llama_vocab_bos(vocab), eos_token_id=lib.llama_vocab_eos(vocab))
        self.batch = lib.llama_batch_init(512, 0, MAX_SEQS)
        self._cached, self._pending = 0, []  # cells 0.._cached-1 hold positions 0.._cached-1; accepted, not cached
        self.invariance: Invariance | None = None
        if check:
            self.invariance = self.check_invariance()
        self.batch_invariant = bool(self.invariance and self.invariance.ok)

    def __del__(self) -> None:
        lib = getattr(self, "lib", None)
        if lib is None or lib.llama_free is None:  # at interpreter exit the bindings may be gone
            return
        if getattr(self, "batch", None) is not None:
            lib.llama_batch_free(self.batch)
        if getattr(self, "ctx", None):
            lib.llama_free(self.ctx)
        if getattr(self, "model", None):
            lib.llama_model_free(self.model)

    def set_threads(self, threads: int) -> None:
        """Use `threads` CPU threads from the next pass on.

        Args:
            threads: threads for single- and multi-token passes.

        Example:
            >>> _ = importorskip("llama_cpp"); require_model("smollm2")
            >>> scorer = load_scorer("smollm2")
            >>> scorer.set_threads(1)
        """
        self.threads = threads
        self.lib.llama_set_n_threads(self.ctx, threads, threads)

    def _decode(self, tokens: np.ndarray, positions: np.ndarray, seqs: list[list[int]], first_out: int = 0) -> np.ndarray:
        """One llama_decode of len(tokens) <= 512 tokens; float32 logits [n - first_out, V] of tokens first_out.."""
        b, n = self.batch, len(tokens)
        for i in range(n):
            b.token[i], b.pos[i], b.logits[i] = int(tokens[i]), int(positions[i]), int(i >= first_out)
            b.n_seq_id[i] = len(seqs[i])
            for j, s in enumerate(seqs[i]):
                b.seq_id[i][j] = s
        b.n_tokens = n
        rc = self.lib.llama_decode(self.ctx, b)
        if rc != 0:
            raise GenerationError(f"llama_decode failed (code {rc}) on {n} tokens; the context ({self.n_ctx}) may be full.")
        out = np.empty((n - first_out, self.vocab_size), dtype=np.float32)
        for i in range(first_out, n):
            out[i - first_out] = np.ctypeslib.as_array(self.lib.llama_get_logits_ith(self.ctx, i), shape=(self.vocab_size,))
        return out

    def _prefill_np(self, prompt: np.ndarray) -> np.ndarray:
        self.lib.llama_memory_clear(self.mem, True)
        self._cached, self._pending = len(prompt), []
        chunks = [self._decode(prompt[a : a + 512], np.arange(a, min(a + 512, len(prompt))), [[0]] * 512)
                  for a in range(0, len(prompt), 512)]  # fmt: skip
        return np.concatenate(chunks)

    def _score_np(self, tree: DraftTree, prefix_len: int) -> np.ndarray:
        """The pending accepted tokens (every sequence's), then the tree (a node: the leaves below it)."""
        if prefix_len != self._cached + len(self._pending):
            raise GenerationError(f"the tree must follow the {self._cached + len(self._pending)} committed tokens "
                                  f"(got prefix_len {prefix_len}).")  # fmt: skip
        children = tree.children()
        leaves = [i for i in range(tree.size) if not children[i]]
        if len(leaves) > MAX_SEQS:
            raise GenerationError(f"a draft tree with {len(leaves)} leaves exceeds the llama.cpp backend's {MAX_SEQS}.")
        below: list[list[int]] = [[] for _ in range(tree.size)]  # the sequence ids (leaves) under each node
        for s, leaf in enumerate(leaves):
            below[leaf].append(s)
        for i in range(tree.size - 1, 0, -1):  # children after parents: one backward sweep
            below[int(tree.parents[i])].extend(below[i])
        for s in range(1, len(leaves)):
            self.lib.llama_memory_seq_cp(self.mem, 0, s, -1, -1)
        self._below, self._tree_tokens = [sorted(b) for b in below], tree.tokens
        p = len(self._pending)
        tokens = np.concatenate([np.asarray(self._pending, dtype=np.int64), tree.tokens])
        positions = np.concatenate([np.arange(self._cached, prefix_len), prefix_len + tree.depth])
        return self._decode(tokens, positions, [list(range(len(leaves)))] * p + self._below, first_out=p)

    def check(self, prompt: np.ndarray, *, max_new_tokens: int, budget: int) -> int:
        """Refuse requests that cannot run; the context window.

        Args:
            prompt: int64 [T] prompt ids.
            max_new_tokens: must be > 0.
            budget: draft nodes per step, >= 0.

        Example:
            >>> _ = importorskip("llama_cpp"); require_model("smollm2")
            >>> load_scorer("smollm2").check(np.array([1, 2]), max_new_tokens=0, budget=2)
            Traceback (most recent call last):
            ...
            tokensmith.errors.GenerationError: max_new_tokens must be at least 1 (got 0). Pass --max-new-tokens 64.
        """
        check_ids(prompt, max_new_tokens=max_new_tokens, budget=budget, rows=self.vocab_size)
        if len(prompt) + max_new_tokens > self.n_ctx:  # the loop keeps each tree inside the cells left
            raise GenerationError(
                f"prompt ({len(prompt)} tokens) + max_new_tokens ({max_new_tokens}) exceed the llama.cpp context of "
                f"{self.n_ctx} cells. Shorten the prompt or lower --max-new-tokens to {max(0, self.n_ctx - len(prompt))}."
            )
        return self.n_ctx

    def eos_ids(self) -> set[int]:
        """The GGUF's end-of-text id (what the torch model's generation config holds for a GGUF).

        Example:
            >>> _ = importorskip("llama_cpp"); require_model("smollm2")
            >>> load_scorer("smollm2").eos_ids()
            {2}
        """
        return {int(self.config.eos_token_id)}

    def prefill(self, prompt: np.ndarray) -> Any:
        """Clear the KV cache and run the prompt (sequence 0); logits [T, V] (float32 torch tensor).

        Args:
            prompt: int64 [T] prompt ids.

        Example:
            >>> _ = importorskip("llama_cpp"); require_model("smollm2")
            >>> scorer = load_scorer("smollm2")
            >>> scorer.prefill(np.array([1, 2, 3])).shape
            torch.Size([3, 49152])
        """
        import torch

        return torch.from_numpy(self._prefill_np(np.asarray(prompt, dtype=np.int64)))

    def score(self, tree: DraftTree, *, prefix_len: int) -> Any:
        """Logits [tree.size, V] at the tree's nodes after the `prefix_len` cached tokens of sequence 0.

        Args:
            tree: the draft tree, its root the first token not in the cache.
            prefix_len: tokens in the cache.

        Example:
            >>> _ = importorskip("llama_cpp"); require_model("smollm2")
            >>> scorer = load_scorer("smollm2")
            >>> _ = scorer.prefill(np.array([1, 2, 3]))
            >>> scorer.score(DraftTree.chain(4, [5]), prefix_len=3).shape
            torch.Size([2, 49152])
        """
        import torch

        return torch.from_numpy(self._score_np(tree, prefix_len))

    def keep(self, *, prefix_len: int, path: np.ndarray) -> None:
        """Keep the prefix plus the accepted path (node indices, root first) as sequence 0; drop the rest.

        The cache stays compact: only the accepted nodes 0..m-1 in consecutive cells are kept; accepted nodes after
        the first gap are re-run at the start of the next pass (in llama.cpp 0.3.36 a token put into a freed cell
        in front of a cell of an earlier position gets logits about 2% off; measured, see the backend tests).

        Args:
            prefix_len: cached tokens before the tree.
            path: the accepted node indices, root first.

        Example:
            >>> _ = importorskip("llama_cpp"); require_model("smollm2")
            >>> scorer = load_scorer("smollm2")
            >>> _ = scorer.prefill(np.array([1, 2]))
            >>> _ = scorer.score(DraftTree.from_lists([3, 9, 4], [-1, 0, 0]), prefix_len=2)
            >>> scorer.keep(prefix_len=2, path=np.array([0, 2]))  # the cache holds 1 2 3 4 now
            >>> again = scorer.score(DraftTree.chain(8, []), prefix_len=4)  # 8 after 1 2 3 4
            >>> int(again[0].argmax()) == int(scorer.prefill(np.array([1, 2, 3, 4, 8]))[-1].argmax())
            True
        """
        lib, mem = self.lib, self.mem
        m = 1
        while m < len(path) and int(path[m]) == m:
            m += 1  # path[:m] = nodes 0..m-1 sit in consecutive cells after the prefix
        s = self._below[m - 1][0]  # a leaf below node m - 1: its cells hold the prefix and nodes 0..m-1
        lib.llama_memory_seq_rm(mem, s, prefix_len + m, -1)
        lib.llama_memory_seq_keep(mem, s)
        if s != 0:
            lib.llama_memory_seq_cp(mem, s, 0, -1, -1)
            lib.llama_memory_seq_rm(mem, s, -1, -1)
        self._cached, self._pending = prefix_len + m, [int(t) for t in np.asarray(self._tree_tokens)[path[m:]]]

    def rollback(self, prefix_len: int) -> None:
        """Drop every cached cell at position >= `prefix_len`, in every sequence (a benchmark resets with this).

        Args:
            prefix_len: cached positions to keep.

        Example:
            >>> _ = importorskip("llama_cpp"); require_model("smollm2")
            >>> scorer = load_scorer("smollm2")
            >>> _ = scorer.prefill(np.array([1, 2, 3]))
            >>> scorer.rollback(2)
            >>> scorer.score(DraftTree.chain(3, []), prefix_len=2).shape  # position 2 is free again
            torch.Size([1, 49152])
        """
        self.lib.llama_memory_seq_rm(self.mem, -1, prefix_len, -1)
        self._cached, self._pending = min(self._cached, prefix_len), self._pending[: max(0, prefix_len - self._cached)]

    def check_invariance(self, prompt: np.ndarray | None = None) -> Invariance:
        """Score every node of `probe_tree` alone (one-token passes) and inside the tree (`alone_and_in_tree`).

        Args:
            prompt: the context; its last id is the root (a fixed 16-token one by default).

        Example:
            >>> _ = importorskip("llama_cpp"); require_model("smollm2")
            >>> load_scorer("smollm2").check_invariance(np.arange(200, 240)).same_argmax
            True
        """
        prompt = np.arange(100, 116, dtype=np.int64) if prompt is None else np.asarray(prompt, dtype=np.int64)
        alone, in_tree = alone_and_in_tree(self, prompt, probe_tree(int(prompt[-1])))
        self.lib.llama_memory_clear(self.mem, True)
        self._cached, self._pending = 0, []
        return compare_logits(alone, in_tree)


@functools.lru_cache(maxsize=4)
def load_scorer(spec: str, *, quant: str = "q8_0", n_ctx: int = 2048, threads: int = 1) -> LlamaCppScorer:
    """The llama.cpp scorer of a GGUF model (a packaged name or a .gguf path), requantized; one per arguments.

    Args:
        spec: a packaged model name ('smollm2') or a .gguf file (or a directory holding one).
        quant: 'q8_0' or 'q4_0'.
        n_ctx: context window.
        threads: CPU threads.

    Raises:
        ModelError: the spec names no GGUF file (llama.cpp runs GGUF only).

    Example:
        >>> _ = importorskip("llama_cpp"); require_model("smollm2")
        >>> load_scorer("smollm2").path.name.endswith(".q8_0.gguf")
        True
    """
    from tokensmith.models import resolve_model_path

    _lib()  # the missing extra is named before any work
    where, gguf = resolve_model_path(spec)
    if gguf is None:
        raise ModelError(f"the llamacpp backend runs GGUF files, and '{spec}' is not one; give a .gguf file or a "
                         "packaged model, or use --backend torch.")  # fmt: skip
    return LlamaCppScorer(requantized_gguf(Path(where) / gguf, quant), n_ctx=n_ctx, threads=threads)
