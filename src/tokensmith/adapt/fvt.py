"""FVT: Fast Vocabulary Transfer (Gee, Zugarini, Rigutini & Torroni, EMNLP 2022 industry track, §3).

A target token whose bytes are a source token copies that token's row. Any other target token is split by the
*source* tokenizer, and its row is the mean of the source rows of those pieces (§3, "tokens in V_new \\ V_old ...
are partitioned with T_old and their embedding is the average of the embeddings of the resulting tokens").

Here the split is the source's canonical encoding of the token's exact bytes (`encode_raw_bytes`), so a token
that ends inside a UTF-8 character is split as those bytes, not as a replacement character. Pieces repeated in
the split count as often as they occur. A token no source tokens can spell gets a random row.
"""

from __future__ import annotations

from tokensmith.adapt.plan import Plan, TransferInputs, plan_from_rows


def fvt_plan(inputs: TransferInputs) -> Plan:
    """The FVT plan: matched tokens copied, the others the mean of their source pieces.

    Args:
        inputs: the tokenizers and their matching.

    Example:
        >>> import tokensmith
        >>> from tokensmith.adapt.matching import Matching
        >>> gpt2 = tokensmith.load("gpt2")
        >>> plan = fvt_plan(TransferInputs(gpt2, gpt2, Matching(copied={}, new=(15496,), unmapped=())))
        >>> plan.row(15496)  # 'Hello' as one piece: itself, weight 1
        ([15496], [1.0])
    """
    rows = inputs.matched_rows()
    encode = inputs.source.backend.encode_raw_bytes
    for t in inputs.matching.new:
        data = inputs.target.token_bytes(t)
        pieces = encode(data) if data else None
        if pieces:
            rows[t] = (list(pieces), [1.0 / len(pieces)] * len(pieces))
    return plan_from_rows(inputs.target.vocab_size, rows, copied=inputs.matching.copied)
