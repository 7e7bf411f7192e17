"""Tables and derived figures for the Equal-Info Windows section of the benchmark docs
(`benchmarks/results/equalinfo.json`).

Each function is a placeholder of `render_docs.py` (`{{ name }}` in `benchmarks/doc_templates/lm-equalinfo.md`);
every number comes from that file or from arithmetic on it.
"""

from __future__ import annotations

from render_docs import Results, fmt, renderer, table


@renderer
def equalinfo_table(results: Results) -> str:
    """One row per model × method: compression, tokens, exceptions, speed, losslessness."""
    rows = [
        [r["model"], r["method"], fmt(r["n_bytes"], ","), fmt(r["bits_per_byte"], ".3f"),
         fmt(r["file_bits_per_byte"], ".3f"), fmt(r["information_bits_per_byte"], ".3f"),
         fmt(r.get("tokens_per_byte"), ".3f"), fmt(r.get("bytes_per_window"), ".2f"),
         fmt(r.get("exception_rate", None) and 100 * r["exception_rate"], ".1f"),
         fmt(1000 * r["encode_mb_s"], ".2f"), fmt(1000 * r["decode_mb_s"], ".2f"),
         "yes" if r["lossless"] else "**no**"]
        for r in results["equalinfo"]["rows"]
    ]  # fmt: skip
    header = ["M1", "coding", "bytes", "bits/byte", "file bits/byte", "information bits/byte", "tokens/byte",
              "bytes/window", "exceptions %", "encode KB/s", "decode KB/s", "lossless"]  # fmt: skip
    return table(header, rows, right=range(2, 11))


@renderer
def equalinfo_anchor_table(results: Results) -> str:
    """gzip -9 and xz -9e on each model's sample."""
    anchors = results["equalinfo"]["anchors"]
    rows = [[model, fmt(a["gzip -9"], ".3f"), fmt(a["xz -9e"], ".3f")] for model, a in anchors.items()]
    return table(["sample of", "gzip -9 bits/byte", "xz -9e bits/byte"], rows, right=[1, 2])


@renderer
def equalinfo_models_list(results: Results) -> str:
    """The M1 models as a list."""
    lines = []
    for name, m in results["equalinfo"]["models"].items():
        detail = f"order {m['order']}" if "order" in m else f"{m['settings']}, {m['budget_flops']:.0e} training FLOPs"
        built = f"built in {m['train_s']:.0f} s" if m.get("train_s") is not None else "the checkpoint of an earlier run"
        lines.append(f"- **{name}** (arch `{m['arch']}`): {detail}; {built}.")
    return "\n".join(lines)


@renderer
def equalinfo_reductions(results: Results) -> str:
    """The reductions, one bullet each ('none' when the run was full size)."""
    found = results["equalinfo"]["reductions"]
    return "\n".join(f"- {r}" for r in found) if found else "- none: the full size ran."


@renderer
def equalinfo_window_cost(results: Results) -> str:
    """Equal-Info's cost over plain AC for the n-gram, as 'b=16: +x, b=32: +y bits/byte'."""
    rows = {r["method"]: r for r in results["equalinfo"]["rows"] if r["model"] == "ngram"}
    plain = rows["plain AC"]["bits_per_byte"]
    return ", ".join(f"b = {b}: +{rows[f'Equal-Info b={b}']['bits_per_byte'] - plain:.3f}" for b in (16, 32))
