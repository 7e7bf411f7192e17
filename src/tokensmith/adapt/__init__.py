"""adapt: move a pretrained causal LM to a new tokenizer, and measure what it costs in bits per byte.

Methods (one file each): `fvt` (Fast Vocabulary Transfer), `focus` (FOCUS), `wechsel` (WECHSEL), `omp`
(sparse-combination transplant from a donor model), `baselines` (random, identity). The shared parts: `matching`
(exact bytes, special tokens by role), `plan` (the rows a method builds), `static_vectors` (gensim), `embeddings`,
`tune` (embedding-only tuning), `output` (HF directory + adapt.json), `evaluate` (the bits-per-byte protocol),
and `transfer` (the pipeline).

Example:
    >>> from tokensmith.adapt import METHODS
    >>> METHODS
    ('fvt', 'focus', 'wechsel', 'omp', 'random', 'identity')
"""

from tokensmith.adapt.evaluate import EvalRow, evaluate_models
from tokensmith.adapt.transfer import METHODS, TransferResult, transfer
from tokensmith.adapt.tune import TuneRecord, TuneSettings

__all__ = ["METHODS", "EvalRow", "TransferResult", "TuneRecord", "TuneSettings", "evaluate_models", "transfer"]
