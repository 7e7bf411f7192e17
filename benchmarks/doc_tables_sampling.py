"""Tables for the exact-sampling section of the benchmark docs (`benchmarks/results/decode_speculative_sampling.json`).

Each function is a placeholder of `render_docs.py` (`{{ name }}` in `benchmarks/doc_templates/decode-sampling.md`);
every number comes from that file.
"""

from __future__ import annotations

from render_docs import Results, fmt, renderer, table


@renderer
def sampling_table(results: Results) -> str:
    """Per temperature and sampler: prompts, new tokens, tokens/step, tokens/s, speed-up against plain sampling."""
    rows = []
    for temp, block in results["decode_speculative_sampling"]["temperatures"].items():
        for name, r in block["summary"].items():
            rows.append([temp, name, r["prompts"], r["new_tokens"], fmt(r["tokens_per_step"], ".2f"),
                         fmt(r["tokens_per_s"], ".2f"), fmt(r["speedup_vs_plain_sampling"], ".2f")])
    header = ["temperature", "sampler", "prompts", "new tokens", "tokens/step", "tokens/s", "× plain sampling"]
    return table(header, rows, right=range(2, 7))
