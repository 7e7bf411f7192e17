"""reduce: fewer tokens inside a transformer (merging, pruning, pooling between blocks)."""
