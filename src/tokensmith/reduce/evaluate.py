"""Side-by-side evaluation of an unreduced and a reduced sentence encoder on STS pairs (used by the CLI and the
benchmark): fidelity (Spearman ×100, cosine to the unreduced embeddings), FLOPs and wall time.

The schedule is fitted to the data's own token lengths (lengths only, never its scores), so `flops_kept`, measured
afterwards from the run's record, lands within ±0.05 of 1 − R (`schedule.TOLERANCE`). See `sts.py` for the
protocol and what the timings include.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tokensmith.reduce.diffrate import SearchConfig
from tokensmith.reduce.flops import unreduced_flops
from tokensmith.reduce.learned import LEARNED, learned_rates, text_batches
from tokensmith.reduce.patch import apply
from tokensmith.reduce.search_data import search_texts
from tokensmith.reduce.sts import Pair, encode, fidelity, pair_scores, spearman, tokenize


def evaluate_sts(loaded: Any, pairs: Sequence[Pair], *, method: str, ratio: float, batch_size: int = 32,
                 batch_one: bool = True, seed: int = 0, fuse: bool = False, by: str = "cls",
                 search_data: Any = None) -> dict[str, Any]:  # fmt: skip
    """`{"unreduced": {...}, "reduced": {...}}` for one method and FLOPs cut (the CLI's `--json` shape).

    Args:
        loaded: a `models.LoadedEncoder` (model + tokenizer).
        pairs: the STS pairs.
        method: the reduction method.
        ratio: R, the share of FLOPs to remove.
        batch_size: texts per batch for `seconds`.
        batch_one: also time batch 1 (`seconds_b1`).
        seed: seed of 'random'.
        fuse: 'prune' fuses the pruned tokens.
        by: 'prune' ranks by 'cls' or 'received' attention.
        search_data: 'diffrate'/'greedy': a text file to search the schedule on (None: wikitext-2 valid, else the
            built-in sample; `search_data.py`), never these pairs.

    Example:
        >>> from tokensmith.models import load_encoder
        >>> from tokensmith.reduce.sts import Pair
        >>> pairs = [Pair("A man plays a guitar.", "A man is playing guitar.", 4.8),
        ...          Pair("A dog runs.", "The stock market fell.", 0.1), Pair("Kids play.", "Children are playing.", 4.0)]
        >>> out = evaluate_sts(load_encoder("minilm"), pairs, method="tome", ratio=0.25, batch_one=False)
        >>> out["unreduced"]["spearman"], abs(out["reduced"]["flops_kept"] - 0.75) <= 0.05
        (100.0, True)
    """
    ids = tokenize(loaded.tokenizer, [p.first for p in pairs] + [p.second for p in pairs])
    lengths = [len(i) for i in ids]
    gold = [p.score for p in pairs]
    base, _ = apply(loaded.model, "none", ratio=0.0)
    rates, search = None, None
    if method in LEARNED:  # the schedule is searched on other texts, then refitted to these lengths
        texts = search_texts(search_data)
        rates, search = learned_rates(loaded.model, method=method, ratio=ratio, digest=texts.digest,
                                      batches=text_batches(loaded.tokenizer, texts.texts), source=texts.source,
                                      config=SearchConfig(seed=seed))  # fmt: skip
    reduced, record = apply(loaded.model, method, ratio=ratio, lengths=lengths, seed=seed, fuse=fuse, by=by,
                            rates=rates)  # fmt: skip
    dims = base.dims
    total = unreduced_flops(lengths, layers=dims["layers"], hidden=dims["hidden"], intermediate=dims["intermediate"])
    rows: dict[str, dict[str, Any]] = {}
    embeddings = {}
    for name, encoder in (("unreduced", base), ("reduced", reduced)):
        out = encode(encoder, ids, batch_size=batch_size)
        embeddings[name] = out.embeddings
        rows[name] = {"spearman": 100 * spearman(gold, pair_scores(out.embeddings, len(pairs))),
                      "seconds": out.seconds}  # fmt: skip
        if batch_one:
            rows[name]["seconds_b1"] = encode(encoder, ids, batch_size=1).seconds
    kept = record.flops(hidden=dims["hidden"], intermediate=dims["intermediate"]) / total
    if batch_one:  # the record ran twice (batch 32, then batch 1): the same counts, half each
        kept /= 2
    rows["unreduced"]["gflops"] = total / 1e9
    rows["unreduced"]["mean_tokens"] = sum(lengths) / len(lengths)
    rows["reduced"].update(gflops=kept * total / 1e9, flops_kept=kept, method=method, ratio=ratio,
                           mean_tokens_per_layer=[round(t, 2) for t in record.mean_tokens()],
                           **fidelity(embeddings["reduced"], embeddings["unreduced"]))  # fmt: skip
    if search is not None:
        rows["reduced"]["search"] = search
        rows["reduced"]["rates"] = [[round(r.prune, 4), round(r.merge, 4)] for r in reduced.schedule.layers]
    return {"unreduced": rows["unreduced"], "reduced": rows["reduced"], "pairs": len(pairs)}
