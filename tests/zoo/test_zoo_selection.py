"""`distinct_available`: the zoo tokenizers a comparison evaluates, one per file."""

from __future__ import annotations

from tokensmith.zoo import distinct_available, zoo_status


def test_an_alias_of_a_listed_file_is_left_out(zoo_dir):
    # gpt2 and r50k_base read the same rank file: only the first name in listing order is kept.
    by_name = {s.name: s for s in zoo_status()}
    assert by_name["gpt2"].available and by_name["gpt2"].path == by_name["r50k_base"].path
    names = [s.name for s in distinct_available()]
    assert "gpt2" in names and "r50k_base" not in names


def test_one_entry_per_file_and_only_available_ones(zoo_dir):
    chosen = distinct_available()
    assert len({s.path for s in chosen}) == len(chosen) and all(s.available for s in chosen)
    available_paths = {s.path for s in zoo_status() if s.available}
    assert {s.path for s in chosen} == available_paths  # every available file is still covered


def test_gguf_entries_can_be_left_out(zoo_dir):
    with_gguf = distinct_available(gguf=True)
    without = distinct_available(gguf=False)
    assert not any(str(s.path).endswith(".gguf") for s in without)
    assert [s for s in with_gguf if not str(s.path).endswith(".gguf")] == without
