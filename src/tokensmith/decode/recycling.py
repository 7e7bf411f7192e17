"""Token Recycling: draft trees from the model's own discarded top-k candidates.

Luo et al., 2024, "Turning Trash into Treasure: Accelerating Inference of Large Language Models with Token
Recycling" (arXiv 2408.08696), section 3:
- 3.1 an adjacency matrix M [vocab, k] holds, for every token, the top-k next tokens the model predicted the last
  time that token was scored;
- 3.2 a draft tree is read from M breadth-first along a static template: the node with rank path (r1, ..., rd)
  holds M[...M[M[root, r1], r2]..., rd];
- 3.3 the tree is verified with tree attention (`trees.py`, `speculative.py`);
- 3.4 after each step the top-k of the logits at EVERY tree node (accepted or not) overwrite the rows of their
  tokens: the "trash" candidates are recycled.

Templates. The 80-node template is the paper's default ("2.2.2" in the authors' code, six levels). The smaller
templates (8, 16, 32 nodes, or any n <= 80) are derived here, not taken from the paper: every path of the 80-node
template gets the prior score prod_i q(r_i) with q(r) = 0.5 / (r + 1) (a top-1 hit rate of one half, Zipf-like
decay over ranks) and the n best-scored paths are kept (ties in template order). A child scores below its parent,
so every prefix of that order is a tree.

Hot start keeps M across prompts (save/load as a plain .npy, never pickled); cold start empties M at each prompt and
fills it from the prompt's prefill logits. Unset entries (-1) prune their subtree. Next to each id the matrix keeps
the model's probability of it (`probs`, float32 [vocab, k]), which DySpec (`dyspec.py`) grows its trees by; a loaded
matrix, saved without them, starts from the template prior q(r). Not handled: sampling.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from tokensmith import atomic
from tokensmith.decode.trees import DraftTree
from tokensmith.errors import GenerationError, TokenizerFileError

# The paper's 80-node template: each entry is the rank path from the root, listed level by level.
PAPER_TEMPLATE_80: tuple[tuple[int, ...], ...] = (
    *((r,) for r in range(8)),
    *((0, r) for r in range(8)), (1, 0), (1, 1), (1, 2), (1, 3), (2, 0), (2, 1), (2, 2), (3, 0), (3, 1),
    (4, 0), (5, 0), (6, 0), (7, 0),
    *((0, 0, r) for r in range(8)), (0, 1, 0), (0, 1, 1), (0, 1, 2), (0, 2, 0), (0, 2, 1), (0, 3, 0), (0, 4, 0),
    (0, 5, 0), (0, 6, 0), (0, 7, 0), (1, 0, 0), (1, 0, 1), (1, 1, 0), (2, 0, 0), (3, 0, 0), (4, 0, 0), (5, 0, 0),
    *((0, 0, 0, r) for r in range(5)), (0, 0, 1, 0), (0, 0, 1, 1), (0, 0, 2, 0), (0, 0, 3, 0), (0, 0, 4, 0),
    (0, 1, 0, 0), (0, 2, 0, 0), (1, 0, 0, 0), (2, 0, 0, 0), (3, 0, 0, 0),
    (0, 0, 0, 0, 0), (0, 0, 0, 0, 1), (0, 0, 0, 0, 2), (0, 0, 0, 1, 0), (0, 0, 0, 2, 0), (0, 0, 1, 0, 0),
    (0, 1, 0, 0, 0), (1, 0, 0, 0, 0),
    (0, 0, 0, 0, 0, 0), (0, 0, 0, 0, 0, 1), (0, 0, 0, 1, 0, 0),
)
TREE_SIZES = (8, 16, 32, 80)


def _prior(path: tuple[int, ...]) -> float:
    score = 1.0
    for rank in path:
        score *= 0.5 / (rank + 1)
    return score


def template_paths(n: int, *, k: int = 8) -> list[tuple[int, ...]]:
    """The n best rank paths of the 80-node template (ranks < k), parents before children.

    Args:
        n: nodes in the tree (1..80).
        k: candidates per token in the matrix.

    Example:
        >>> template_paths(4)
        [(0,), (1,), (0, 0), (2,)]
    """
    pool = [p for p in PAPER_TEMPLATE_80 if max(p) < k]
    if not 1 <= n <= len(pool):
        raise GenerationError(f"tree size must be between 1 and {len(pool)} (got {n}); try one of {TREE_SIZES}.")
    order = sorted(range(len(pool)), key=lambda i: (-_prior(pool[i]), i))
    return [pool[i] for i in order[:n]]


def template_arrays(paths: list[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """(parents [n + 1], ranks [n + 1]) of a template, root at index 0 (its rank is unused, -1).

    Args:
        paths: the template's nodes as rank paths from the root, parents before children (`template_paths`).

    Example:
        >>> [a.tolist() for a in template_arrays([(0,), (0, 0), (1,)])]
        [[-1, 0, 1, 0], [-1, 0, 0, 1]]
    """
    index = {(): 0}
    parents, ranks = [-1], [-1]
    for i, path in enumerate(paths, start=1):
        index[path] = i
        parents.append(index[path[:-1]])  # KeyError would mean a child listed before its parent
        ranks.append(path[-1])
    return np.asarray(parents, dtype=np.int64), np.asarray(ranks, dtype=np.int64)


def expand_template(matrix: np.ndarray, root: int, parents: np.ndarray, ranks: np.ndarray) -> DraftTree:
    """Read a tree from the adjacency matrix along the template; drop unset (-1) nodes and their subtrees.

    Args:
        matrix: int64 [vocab, k]; -1 = unset.
        root: the last committed token.
        parents, ranks: the template (see `template_arrays`).

    Example:
        >>> m = np.array([[1, 2], [0, -1], [-1, -1]])
        >>> t = expand_template(m, 0, np.array([-1, 0, 0, 1, 2]), np.array([-1, 0, 1, 0, 0]))
        >>> t.tokens.tolist(), t.parents.tolist()
        ([0, 1, 2, 0], [-1, 0, 0, 1])
    """
    tokens = np.full(len(parents), -1, dtype=np.int64)
    tokens[0] = root
    for i in range(1, len(parents)):  # parents come first; at most 80 nodes
        up = tokens[parents[i]]
        tokens[i] = matrix[up, ranks[i]] if up >= 0 else -1
    keep = np.flatnonzero(tokens >= 0)
    remap = np.full(len(parents), -1, dtype=np.int64)
    remap[keep] = np.arange(len(keep))
    new_parents = np.where(parents[keep] >= 0, remap[parents[keep]], -1)
    return DraftTree(tokens[keep], new_parents)


class TokenRecycling:
    """The Token Recycling drafter (a `Drafter`).

    Args:
        vocab_size: rows of the adjacency matrix (the model's vocabulary).
        k: candidates kept per token (8 in the paper).
        tree: nodes of the static draft tree (8, 16, 32, 80, or any 1..80).
        hot: keep the matrix across prompts (hot start) instead of emptying it at each prompt (cold start).
        matrix: a starting matrix [vocab_size, k] (e.g. from `load_matrix`).

    Example:
        >>> tr = TokenRecycling(vocab_size=4, k=2, tree=2)
        >>> tr.matrix[3] = [1, 2]
        >>> tr.propose(np.array([3]), budget=8).tokens.tolist()
        [3, 1, 2]
    """

    def __init__(
        self, *, vocab_size: int, k: int = 8, tree: int = 16, hot: bool = True, matrix: np.ndarray | None = None
    ) -> None:
        self.k, self.hot = k, hot
        self.parents, self.ranks = template_arrays(template_paths(tree, k=k))
        self.matrix = np.full((vocab_size, k), -1, dtype=np.int64) if matrix is None else matrix.astype(np.int64)
        # probs[t, r]: the model's probability of matrix[t, r] after t, when that row was last written
        self.probs = np.tile(np.asarray([_prior((r,)) for r in range(k)], dtype=np.float32), (vocab_size, 1))
        if self.matrix.shape != (vocab_size, k):
            raise GenerationError(
                f"adjacency matrix has shape {self.matrix.shape}, expected ({vocab_size}, {k}): it was saved for "
                "another model or k. Delete it or pass the matching --k."
            )
        if self.matrix.size and (self.matrix.min() < -1 or self.matrix.max() >= vocab_size):
            raise GenerationError(
                f"adjacency matrix holds ids outside [-1, {vocab_size}): it belongs to another model; delete it."
            )

    def begin(self, ids: np.ndarray) -> None:
        """Cold start empties the matrix; hot start keeps it.

        Args:
            ids: the prompt's ids (unused).

        Example:
            >>> tr = TokenRecycling(vocab_size=4, k=2, tree=2, hot=False)
            >>> tr.matrix[3] = [1, 2]
            >>> tr.begin(np.array([3])); tr.matrix[3].tolist()
            [-1, -1]
        """
        if not self.hot:
            self.matrix.fill(-1)

    def propose(self, ids: np.ndarray, budget: int) -> DraftTree:
        """The template tree read from the matrix, cut to the first `budget` template nodes.

        Args:
            ids: the context so far; its last token is the root.
            budget: draft nodes at most.

        Example:
            >>> tr = TokenRecycling(vocab_size=4, k=2, tree=2)
            >>> tr.matrix[3] = [1, 2]
            >>> tr.propose(np.array([3]), budget=1).tokens.tolist()
            [3, 1]
        """
        n = min(budget, len(self.parents) - 1) + 1
        return expand_template(self.matrix, int(ids[-1]), self.parents[:n], self.ranks[:n])

    def observe(self, tree: DraftTree, logits: Any, accepted: np.ndarray) -> None:
        """Recycle: the top-k at every node becomes the row of that node's token.

        Args:
            tree: the verified tree.
            logits: torch tensor [tree.size, vocab], the model's logits at the tree's nodes.
            accepted: the accepted node indices (every node is recycled, accepted or not).

        Example:
            >>> import torch
            >>> tr = TokenRecycling(vocab_size=4, k=2, tree=2)
            >>> tr.observe(DraftTree.chain(0, [3]), torch.tensor([[0.0, 1, 2, 3], [3.0, 2, 1, 0]]), np.array([0]))
            >>> tr.matrix[[0, 3]].tolist(), [round(float(p), 3) for p in tr.probs[0]]
            ([[3, 2], [0, 1]], [0.644, 0.237])
        """
        top = logits.float().softmax(dim=-1).topk(self.k, dim=-1)  # values, indices: [tree.size, k]
        self.matrix[tree.tokens] = top.indices.numpy()
        self.probs[tree.tokens] = top.values.numpy()

    def save(self, path: str | Path) -> Path:
        """Write the matrix as a plain .npy (atomically).

        Args:
            path: the file to write (`load_matrix` reads it back).

        Example:
            >>> import tempfile
            >>> tr = TokenRecycling(vocab_size=4, k=2, tree=2)
            >>> load_matrix(tr.save(tempfile.mkdtemp() + "/m.npy")).shape
            (4, 2)
        """
        with atomic.atomic_path(path) as tmp:
            with open(tmp, "wb") as fh:
                np.save(fh, self.matrix, allow_pickle=False)
        return Path(path)


def load_matrix(path: str | Path) -> np.ndarray:
    """Read a saved adjacency matrix (.npy, no pickle); raise TokenizerFileError if it is not an int matrix.

    Args:
        path: a .npy file written by `TokenRecycling.save`.

    Example:
        >>> import tempfile
        >>> path = tempfile.mkdtemp() + "/m.npy"
        >>> np.save(path, np.zeros((2, 3)))
        >>> load_matrix(path)
        Traceback (most recent call last):
        ...
        tokensmith.errors.TokenizerFileError: ...m.npy holds a float64 array of shape (2, 3), not an integer [vocab, k] matrix; delete it to start cold.
    """
    try:
        matrix = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as e:
        raise TokenizerFileError(f"cannot read adjacency matrix {path} ({e}); delete it to start cold.") from e
    if matrix.ndim != 2 or not np.issubdtype(matrix.dtype, np.integer):
        raise TokenizerFileError(
            f"{path} holds a {matrix.dtype} array of shape {matrix.shape}, not an integer [vocab, k] matrix; "
            "delete it to start cold."
        )
    return matrix
