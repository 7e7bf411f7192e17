"""The report's bits-per-byte-against-FLOPs section: drawn from `lm compare` results, absent from tokenizer
reports (an optional section is not listed as missing)."""

from __future__ import annotations

import json

from tests.fixtures.report.make_results import synthetic_results
from tokensmith.lm.results import results_document, write_results
from tokensmith.report.html import write_report


def _lm_results(tmp_path):
    def row(model, arch, bpb, flops):
        return {"model": f"runs/{model}", "arch": arch, "bits_per_byte": bpb, "ci_low": bpb - 0.05,
                "ci_high": bpb + 0.05, "flops": flops, "n_chunks": 16}  # fmt: skip

    scores = [("byte-s0", row("byte-s0", "byte", 3.4, 2e11)), ("byte-s1", row("byte-s1", "byte", 3.3, 4e11)),
              ("bpe-s0", row("bpe-s0", "subword", 2.5, 2e11))]  # fmt: skip
    doc = results_document(scores, corpus="wikitext-2", lang="eng_Latn", script="Latn", notes=["toy"])
    return write_results(tmp_path / "lm.json", doc)


def test_lm_results_get_a_bits_per_byte_plot_with_one_series_per_architecture(tmp_path):
    page = write_report([_lm_results(tmp_path)], tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="plot-lm"' in page and 'href="#lm"' in page
    start = page.index('id="plot-lm"')
    figure = page[start : page.index("</section>", start)]
    assert '"name":"subword"' in figure and '"name":"byte"' in figure
    assert "2e+11" in figure or "200000000000" in figure  # the FLOPs are the x values


def test_a_tokenizer_report_has_no_lm_section_and_no_missing_note_for_it(tmp_path):
    path = tmp_path / "results.json"
    path.write_text(json.dumps(synthetic_results()), encoding="utf-8")
    page = write_report([path], tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="lm"' not in page and "lm compare" not in page
