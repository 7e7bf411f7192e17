"""Analytic FLOPs of an encoder pass from its per-layer token counts, and the record that holds those counts.

Per sequence and layer, with n_a tokens entering attention, n_m tokens entering the MLP (fewer when an operator
runs between them), width D and MLP width F, counting a multiply-add as 2 FLOPs:
- attention: Q, K, V and output projections 2·4·n_a·D², scores QKᵀ and the weighted sum of values 2·2·n_a²·D;
- MLP: two matrices, 2·2·n_m·D·F.
Padding is excluded (real tokens only), and so are the embeddings, LayerNorms, softmax, biases, the pooling and the
operators' own work (ToMe's n_a²·d similarity, a [CLS] score row): all below 1% of a layer for MiniLM at
n ≤ 512, which the benchmark measures in wall time anyway. The same formula is the standard one of Kaplan et al.
2020 ("Scaling Laws for Neural Language Models", section 2.1) without the embedding and context terms dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def layer_flops(attention_tokens: int, mlp_tokens: int, *, hidden: int, intermediate: int) -> int:
    """FLOPs of one layer for one sequence.

    Args:
        attention_tokens: real tokens entering attention.
        mlp_tokens: real tokens entering the MLP.
        hidden: D.
        intermediate: F.

    Example:
        >>> layer_flops(10, 10, hidden=384, intermediate=1536)  # 2·(4·10·384² + 2·100·384 + 2·10·384·1536)
        35543040
    """
    n_a, n_m, d = attention_tokens, mlp_tokens, hidden
    return 2 * (4 * n_a * d * d + 2 * n_a * n_a * d + 2 * n_m * d * intermediate)


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

    @property
    def sequences(self) -> int:
        """Sequences recorded.

        Example:
            >>> TokenRecord(layers=2).sequences
            0
        """
        return len(self.attention[0]) if self.layers else 0

    def flops(self, *, hidden: int, intermediate: int) -> int:
        """Total FLOPs of every recorded sequence.

        Args:
            hidden: D.
            intermediate: F.

        Example:
            >>> r = TokenRecord(layers=1, attention=[[10]], mlp=[[10]])
            >>> r.flops(hidden=384, intermediate=1536)
            35543040
        """
        return sum(
            layer_flops(a, m, hidden=hidden, intermediate=intermediate)
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


def unreduced_flops(lengths: list[int], *, layers: int, hidden: int, intermediate: int) -> int:
    """FLOPs of the unreduced encoder over sequences of these lengths.

    Args:
        lengths: real tokens per sequence.
        layers: number of layers.
        hidden: D.
        intermediate: F.

    Example:
        >>> unreduced_flops([10], layers=6, hidden=384, intermediate=1536) == 6 * layer_flops(10, 10, hidden=384, intermediate=1536)
        True
    """
    return layers * sum(layer_flops(n, n, hidden=hidden, intermediate=intermediate) for n in lengths)
