"""reduce: fewer tokens inside a transformer encoder — merging and pruning between its blocks, for real speed.

`apply(model, method, ratio=R)` patches a Hugging Face encoder (BERT/all-MiniLM-L6-v2, DINOv2) without editing
transformers' files and returns the patched encoder and its per-layer token-count record; `R` is the share of the
unreduced FLOPs to remove, and each method sets its per-layer schedule to meet it (`schedule.py`).

Files: `state` (the reduced sequence: hidden, size, mask, source map; `combine` does every removal), `attention`
(proportional attention, scores only where needed), `blocks` (per-architecture adapters), `patch` (the runner),
`operators` (the operator protocol), one file per operator — `tome`, `prune` (EViT, FoPru rows), `random_prune`,
`truncate`, `pool` (Matryoshka), `aim` (merging then PageRank pruning, `pagerank`), `budget` (token budget split
across regions) —, `methods` (names → operators), `flops`, `schedule`, and `sts` (the STS-B
evaluation used by the CLI and the benchmark). A decoder's prefill (Llama: SmolLM2) has its own adapter and
runner, `decoder` and `prefill` (`apply_decoder`), and its evaluation `prefill_eval` (KL, bits per byte).

Example:
    >>> from tokensmith.reduce import METHODS
    >>> METHODS
    ('tome', 'prune', 'fopru', 'random', 'truncate', 'pool', 'budget', 'diffrate', 'aim', 'greedy')
"""

from tokensmith.reduce.flops import TokenRecord
from tokensmith.reduce.methods import METHODS
from tokensmith.reduce.patch import ReducedEncoder, apply, mean_pool
from tokensmith.reduce.state import TokenState

__all__ = ["METHODS", "ReducedEncoder", "TokenRecord", "TokenState", "apply", "mean_pool"]
