"""Tables for the exact-sampling page of the benchmark docs (`benchmarks/results/decode_speculative_sampling.json`,
torch fp32, and `decode_backends_sampling.json`, llama.cpp).

Each function is a placeholder of `render_docs.py` (`{{ name }}` in `benchmarks/doc_templates/decode-sampling.md`);
every number comes from those files.
"""

from __future__ import annotations

from render_docs import Results, fmt, renderer, table


def _sampling_table(results: Results, stem: str) -> str:
    """Per temperature and sampler: prompts, new tokens, tokens/step, tokens/s, speed-up against plain sampling
    (and in CPU time, where the run recorded it)."""
    rows = []
    for temp, block in results[stem]["temperatures"].items():
        for name, r in block["summary"].items():
            cpu = r.get("cpu_speedup_vs_plain_sampling")
            rows.append([temp, name, r["prompts"], r["new_tokens"], fmt(r["tokens_per_step"], ".2f"),
                         fmt(r["tokens_per_s"], ".2f"), fmt(r["speedup_vs_plain_sampling"], ".2f"),
                         "n/a" if cpu is None else fmt(cpu, ".2f")])
    header = ["temperature", "sampler", "prompts", "new tokens", "tokens/step", "tokens/s (wall)",
              "× plain sampling (wall)", "(CPU time)"]
    return table(header, rows, right=range(2, 8))


@renderer
def sampling_table(results: Results) -> str:
    """The torch fp32 run."""
    return _sampling_table(results, "decode_speculative_sampling")


@renderer
def sampling_llamacpp_table(results: Results) -> str:
    """The llama.cpp (Q8_0) run."""
    return _sampling_table(results, "decode_backends_sampling")
