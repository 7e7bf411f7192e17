"""Analytic FLOPs of an encoder pass from its per-layer token counts, and the record that holds those counts.

Per sequence and layer, with n_a tokens entering attention, n_m tokens entering the MLP (fewer when an operator
runs between them), width D and MLP width F, counting a multiply-add as 2 FLOPs:
- attention: Q, K, V and output projections 2·4·n_a·D², scores QKᵀ and the weighted sum of values 2·2·n_a²·D;
- MLP: two matrices, 2·2·n_m·D·F.
A decoder (Llama, SmolLM2; `decoder.py`) passes its shape through `decoder_shape`: grouped-query attention makes the
K and V projections D × D_kv (so 2·(2·D² + 2·D·D_kv)·n_a), and its gated MLP has three matrices (2·3·n_m·D·F). The
scores term stays 2·2·n_a²·D: the runner computes the full masked matrix, not only the causal half. Its LM head is
not counted (it runs on the same protected query positions with and without reduction).
Padding is excluded (real tokens only), and so are the embeddings, LayerNorms, softmax, biases, the pooling and the
operators' own work (ToMe's n_a²·d similarity, a [CLS] score row): all below 1% of a layer for MiniLM at
n ≤ 512, which the benchmark measures in wall time anyway. The same formula is the standard one of Kaplan et al.
2020 ("Scaling Laws for Neural Language Models", section 2.1) without the embedding and context terms dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def layer_flops(attention_tokens: int, mlp_tokens: int, *, hidden: int, intermediate: int, kv_hidden: int | None = None,
                mlp_matrices: int = 2) -> int:  # fmt: skip
    """FLOPs of one layer for one sequence.

    Args:
        attention_tokens: real tokens entering attention.
        mlp_tokens: real tokens entering the MLP.
        hidden: D.
        intermediate: F.
        kv_hidden: D_kv, the width of the K and V projections (default D; smaller with grouped-query attention).
        mlp_matrices: 2 (plain MLP) or 3 (gated: gate, up, down).

    Example:
        >>> layer_flops(10, 10, hidden=384, intermediate=1536)  # 2·(4·10·384² + 2·100·384 + 2·10·384·1536)
        35543040
        >>> layer_flops(1, 1, hidden=4, intermediate=8, kv_hidden=2, mlp_matrices=3)  # 2·(2·16 + 2·8 + 2·4 + 3·32)
        304
    """
    n_a, n_m, d = attention_tokens, mlp_tokens, hidden
    kv = d if kv_hidden is None else kv_hidden
    return 2 * (2 * n_a * d * d + 2 * n_a * d * kv + 2 * n_a * n_a * d + mlp_matrices * n_m * d * intermediate)


def shape_of(dims: dict[str, int]) -> dict[str, int]:
    """The `layer_flops` keyword arguments in a model's `dims` (an encoder's lack `kv_hidden` and `mlp_matrices`).

    Args:
        dims: an adapter's `dims()`.

    Example:
        >>> shape_of({"layers": 6, "hidden": 384, "intermediate": 1536, "heads": 12})
        {'hidden': 384, 'intermediate': 1536}
    """
    return {k: dims[k] for k in ("hidden", "intermediate", "kv_hidden", "mlp_matrices") if k in dims}


@dataclass
class TokenRecord:
    """Per-layer real-token counts of every sequence a reduced encoder ran, plus the padded tensor lengths.

    `attention[l]` and `mlp[l]` list, per sequence (in the order they ran), the real tokens that entered layer l's
    attention and MLP; `padded_attention[l]` / `padded_mlp[l]` list the tensors' sequence length per batch.
    """

    layers: int
    attention: list[list[int]] = field(default_factory=list)
    mlp: list[list[int]] = field(default_factory=list)
    padded_attention: list[list[int]] = field(default_factory=list)
    padded_mlp: list[list[int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for name in ("attention", "mlp", "padded_attention", "padded_mlp"):
            if not getattr(self, name):
                setattr(self, name, [[] for _ in range(self.layers)])

    def note(self, stage: str, layer: int, lengths: list[int], padded: int) -> None:
        """Add one batch's real-token counts and padded length at a layer's 'attention' or 'mlp'.

        Args:
            stage: 'attention' or 'mlp'.
            layer: the layer.
            lengths: real tokens of each sequence of the batch.
            padded: the batch tensor's sequence length.

        Example:
            >>> r = TokenRecord(layers=1)
            >>> r.note("mlp", 0, [3, 2], 3)
            >>> r.mlp, r.padded_mlp
            ([[3, 2]], [[3]])
        """
        getattr(self, stage)[layer].extend(lengths)
        getattr(self, f"padded_{stage}")[layer].append(padded)

    @property
    def sequences(self) -> int:
        """Sequences recorded.

        Example:
            >>> TokenRecord(layers=2).sequences
            0
        """
        return len(self.attention[0]) if self.layers else 0

    def flops(self, *, hidden: int, intermediate: int, **shape: int) -> int:
        """Total FLOPs of every recorded sequence.

        Args:
            hidden: D.
            intermediate: F.
            shape: a decoder's `kv_hidden` and `mlp_matrices` (`layer_flops`).

        Example:
            >>> r = TokenRecord(layers=1, attention=[[10]], mlp=[[10]])
            >>> r.flops(hidden=384, intermediate=1536)
            35543040
        """
        return sum(
            layer_flops(a, m, hidden=hidden, intermediate=intermediate, **shape)
            for layer in range(self.layers)
            for a, m in zip(self.attention[layer], self.mlp[layer], strict=True)
        )

    def mean_tokens(self) -> list[float]:
        """Mean real tokens entering each layer's attention.

        Example:
            >>> TokenRecord(layers=1, attention=[[10, 20]], mlp=[[5, 5]]).mean_tokens()
            [15.0]
        """
        return [sum(a) / max(1, len(a)) for a in self.attention]


def unreduced_flops(lengths: list[int], *, layers: int, hidden: int, intermediate: int, **shape: int) -> int:
    """FLOPs of the unreduced encoder over sequences of these lengths.

    Args:
        lengths: real tokens per sequence.
        layers: number of layers.
        hidden: D.
        intermediate: F.
        shape: a decoder's `kv_hidden` and `mlp_matrices` (`layer_flops`).

    Example:
        >>> unreduced_flops([10], layers=6, hidden=384, intermediate=1536) == 6 * layer_flops(10, 10, hidden=384, intermediate=1536)
        True
    """
    return layers * sum(layer_flops(n, n, hidden=hidden, intermediate=intermediate, **shape) for n in lengths)
