"""Worked examples of LiB's memorizer, forgetter and batch update, small enough to check by hand."""

from __future__ import annotations

from tokensmith.learn.lib_lexicon import LibParams, decompose, greedy_read
from tokensmith.learn.lib_reference import ReferenceLib


def lib_with(ranks: list[str], **params: object) -> ReferenceLib:
    learner = ReferenceLib(LibParams(**params))  # type: ignore[arg-type]
    learner.ranks = list(ranks)
    learner.members = set(ranks)
    return learner


def test_greedy_reader_takes_the_longest_chunk_and_reads_unknowns_alone():
    assert greedy_read("abcdx", {"a", "b", "c", "d", "ab", "bcd"}, max_len=4) == ["ab", "c", "d", "x"]


def test_memorizer_adds_a_join_on_its_second_sighting():
    # "abab" with the coin always up: at b -> propose "ab"; at a -> "ba"; at b -> "ab" again -> memorized.
    learner = lib_with(["a", "b"])
    pending: set[str] = set()
    learner.read_sentence("abab", [0.0] * 4, pending, [])
    assert learner.ranks == ["a", "b", "ab"]
    assert pending == {"ba"}


def test_memorizer_never_proposes_when_the_coin_is_down():
    learner = lib_with(["a", "b"], memorize_p=0.25)
    learner.read_sentence("abab", [0.25] * 4, set(), [])
    assert learner.ranks == ["a", "b"]


def test_memorizer_proposes_a_short_unknown_run():
    # "xyab": x, y unknown (a run of 2 <= unknown_run_max), then "a" arrives: propose "xy".
    learner = lib_with(["a", "b"], unknown_run_max=2)
    pending: set[str] = set()
    learner.read_sentence("xyab", [0.0] * 4, pending, [])
    assert "xy" in pending


def test_forgetter_demotes_a_chunk_when_the_shorter_reading_has_fewer_tokens():
    # main: ab|c|d (3 tokens); alternative: a|bcd (2 tokens); they meet at 4, before the last "c" -> ab demoted,
    # a promoted.
    learner = lib_with(["ab", "c", "d", "a", "bcd"])
    rewards: list[tuple[str, int]] = []
    learner.read_sentence("abcdc", [1.0] * 5, set(), rewards)
    assert rewards == [("ab", 1), ("a", -1)]


def test_a_test_still_open_at_the_sentence_end_is_dropped_unless_resolve_at_end():
    # The same readings, but they meet only at the sentence end: the reference drops such a test.
    rewards: list[tuple[str, int]] = []
    lib_with(["ab", "c", "d", "a", "bcd"]).read_sentence("abcd", [1.0] * 4, set(), rewards)
    assert rewards == []
    lib_with(["ab", "c", "d", "a", "bcd"], resolve_at_end=True).read_sentence("abcd", [1.0] * 4, set(), rewards)
    assert rewards == [("ab", 1), ("a", -1)]


def test_forgetter_breaks_a_tie_in_tokens_by_rank_sum():
    # main ab|c and alternative a|bc both have 2 tokens; ranks decide.
    worse_main = lib_with(["a", "bc", "ab", "c"])  # main 2+3=5 > alternative 0+1=1
    rewards: list[tuple[str, int]] = []
    worse_main.read_sentence("abca", [1.0] * 4, set(), rewards)  # the readings meet at 3, before the last "a"
    assert rewards == [("ab", 1), ("a", -1)]

    better_main = lib_with(["ab", "c", "a", "bc"])  # main 0+1=1 < alternative 2+3=5
    better_main.probation["ab"] = 3
    rewards = []
    better_main.read_sentence("abca", [1.0] * 4, set(), rewards)
    assert rewards == [("ab", -1)]
    assert "ab" not in better_main.probation


def test_batch_update_moves_by_a_fifth_of_the_rank_plus_one():
    learner = lib_with(list("abcdefghij"), update_rate=0.2, forget_tail=0.0)
    learner.batch_update([("f", -1)])  # rank 5 -> step int(1.0)+1 = 2 -> rank 3
    assert learner.ranks == list("abcfdeghij")


def test_batch_update_deletes_a_chunk_demoted_past_the_tail():
    learner = lib_with(list("abcdefghij"), update_rate=0.2, forget_tail=0.0)
    learner.batch_update([("i", 1), ("i", -1)])  # rank 8 + step 2 = 10 >= 10 -> gone; the later reward is void
    assert learner.ranks == list("abcdefghj")


def test_probation_expires_and_the_tail_goes_on_probation():
    learner = lib_with(list("abcde"), probation=2, forget_tail=0.25)
    learner.probation = {"b": 1, "c": 2}
    learner.batch_update([])
    assert learner.ranks == list("acde")  # b expired
    assert learner.probation == {"c": 1, "e": 2}  # c counted down; the tail (int(0.75*4)=3 on) is e


def test_decompose_splits_into_better_ranked_parts_twice():
    ranks = {"can": 0, "you": 1, "ca": 2, "n": 3, "canyou": 9}
    assert decompose("canyou", ranks, max_len=12) == ["can", "you"]
    assert decompose("canyou", {"canyou": 0, "can": 1, "you": 2}, max_len=12) == ["canyou"]
