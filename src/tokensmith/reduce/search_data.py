"""The texts a learned schedule (DiffRate, its greedy baseline) is searched on: never the evaluation data.

DiffRate (Chen et al. 2023, section 4.1) searches its compression rates on training images, then evaluates on the
validation set. Here the search set is, in this order:
- `--search-data FILE`: one text per line (UTF-8; blank lines skipped);
- wikitext-2 valid (Merity et al. 2016, "Pointer Sentinel Mixture Models") from the shared data folder
  (`$TOKENSMITH_SHARED_DATA`, else `../shared/data`, `lm/wikitext-2/valid.txt`): its paragraphs split into sentences,
  `@-@`-style escapes undone, sentences with `<unk>` or outside 4-40 words left out, then `count` sentences taken
  evenly spaced over the file (the file starts with a long article on lobsters);
- the built-in sample below (48 sentences written for tokensmith, general English prose), when neither is there.
Never STS-B: the evaluation data must not choose the schedule. `digest` hashes the chosen texts, for the cache key.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tokensmith.errors import CorpusError

COUNT = 128  # sentences searched on (the CLI's default)
WIKITEXT = Path("lm") / "wikitext-2" / "valid.txt"
BUILT_IN = (
    "The bridge was closed for repairs after the winter storms damaged its supports.",
    "Most of the village's income now comes from tourists who visit in the summer.",
    "She spent three years studying the migration of birds along the northern coast.",
    "The committee published its report on Tuesday, recommending a new tax on sugar.",
    "A small fire in the kitchen was put out before the firefighters arrived.",
    "The river floods almost every spring, so the houses are built on stilts.",
    "He learned to play the violin as a child and later joined the city orchestra.",
    "The museum's collection includes paintings, coins and letters from the war.",
    "Farmers in the valley grow wheat, barley and a little fruit on the hillsides.",
    "The new railway line cut the journey between the two cities to under an hour.",
    "Scientists believe the lake formed when a glacier retreated thousands of years ago.",
    "The film was praised for its music but criticised for its slow second half.",
    "During the match, the home team scored twice in the final ten minutes.",
    "The old castle was rebuilt in the eighteenth century as a country house.",
    "A new species of beetle was found living in the roots of a single tree.",
    "The company moved its headquarters to the capital to be closer to its clients.",
    "Heavy snow blocked the mountain roads and several villages were cut off for days.",
    "The library opens early on weekdays and stays open late during exams.",
    "Her first novel sold poorly, but the second became a surprise success.",
    "The church tower can be seen from almost every street in the old town.",
    "Engineers tested the engine for months before the first flight took place.",
    "The island has no airport, so visitors arrive by ferry from the mainland.",
    "Prices rose sharply after the harvest failed for the second year in a row.",
    "The team's coach resigned after a season with only four wins.",
    "Children at the school learn two foreign languages from the age of eight.",
    "The road follows the coast for fifty kilometres before turning inland.",
    "A storm in the night brought down trees and left thousands without power.",
    "The band recorded its third album in a farmhouse in the hills.",
    "Local volunteers clean the beach every month and count the plastic they find.",
    "The king granted the town a charter that allowed it to hold a weekly market.",
    "Doctors recommend regular exercise and a diet with plenty of vegetables.",
    "The telescope was built on the summit, where the air is dry and still.",
    "Most of the original buildings were destroyed in a fire in the last century.",
    "The species feeds mainly on insects, though it will also eat small fruit.",
    "The government promised to build more houses and to improve public transport.",
    "In the autumn, the forest turns red and gold and attracts many walkers.",
    "The ship sank in shallow water, and most of its crew swam to the shore.",
    "His paintings show ordinary people at work in fields, docks and factories.",
    "The festival takes place every August and lasts for three weeks.",
    "The factory closed in the nineties, and the site is now a park.",
    "A thick fog covered the harbour, and the boats stayed in port all morning.",
    "The law was changed after a long campaign by parents and teachers.",
    "The album reached the top of the charts in several countries.",
    "Wolves returned to the region after an absence of more than a hundred years.",
    "The university was founded by monks and later became a public institution.",
    "The old mill on the river still grinds flour for the local bakery.",
    "Tickets for the final sold out within minutes of going on sale.",
    "The path to the waterfall is steep, narrow and often muddy after rain.",
)  # fmt: skip


@dataclass(frozen=True)
class SearchTexts:
    """The search texts and where they came from (recorded in the output JSON)."""

    texts: tuple[str, ...]
    source: str

    @property
    def digest(self) -> str:
        """sha256 of the texts (newline-joined), the cache key's data part.

        Example:
            >>> SearchTexts(("a", "b"), "x").digest[:12]
            '7e18f737311b'
        """
        return hashlib.sha256("\n".join(self.texts).encode("utf-8")).hexdigest()


def shared_data() -> Path:
    """The shared data folder: `$TOKENSMITH_SHARED_DATA`, else `../shared/data` from the working directory.

    Example:
        >>> shared_data().parts[-2:] if "TOKENSMITH_SHARED_DATA" not in os.environ else ("shared", "data")
        ('shared', 'data')
    """
    return Path(os.environ.get("TOKENSMITH_SHARED_DATA", Path.cwd().parent / "shared" / "data"))


def search_texts(path: str | Path | None = None, *, count: int = COUNT) -> SearchTexts:
    """The search set: `path` (one text per line), else wikitext-2 valid, else the built-in sample.

    Args:
        path: a UTF-8 text file, one text per line (None: the defaults above).
        count: at most this many texts (evenly spaced over the file).

    Raises:
        CorpusError: `path` is missing, not UTF-8, or has no text.

    Example:
        >>> search_texts("/nonexistent/search.txt")
        Traceback (most recent call last):
        ...
        tokensmith.errors.CorpusError: search data /nonexistent/search.txt does not exist; pass a UTF-8 text file with one sentence per line to --search-data (or leave it out: wikitext-2 valid, else a built-in sample).
    """
    if path is not None:
        return SearchTexts(spaced(_lines(Path(path)), count), f"file {path}")
    wiki = shared_data() / WIKITEXT
    if wiki.is_file():
        return SearchTexts(spaced(wikitext_sentences(wiki.read_text(encoding="utf-8")), count),
                           f"wikitext-2 valid ({wiki}), {count} sentences evenly spaced")  # fmt: skip
    return SearchTexts(spaced(list(BUILT_IN), count), f"built-in sample ({len(BUILT_IN)} sentences)")


def _lines(path: Path) -> list[str]:
    try:
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    except FileNotFoundError as e:
        raise CorpusError(f"search data {path} does not exist; pass a UTF-8 text file with one sentence per line to "
                          "--search-data (or leave it out: wikitext-2 valid, else a built-in sample).") from e  # fmt: skip
    except UnicodeDecodeError as e:
        raise CorpusError(f"search data {path} is not UTF-8 (byte {e.start}); re-save it as UTF-8.") from e
    texts = [line for line in lines if line]
    if not texts:
        raise CorpusError(f"search data {path} has no text; it needs one sentence per line.")
    return texts


def wikitext_sentences(text: str) -> list[str]:
    """Sentences of tokenized wikitext (v1): headings skipped, escapes undone, `<unk>` sentences and very short or
    long ones left out.

    Args:
        text: the file's content.

    Example:
        >>> wikitext_sentences(" = Title = \\n The 2 @,@ 000 ships , mostly old , sank . A <unk> fell . Then six small boats came in .\\n")
        ['The 2,000 ships, mostly old, sank.', 'Then six small boats came in.']
    """
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("="):
            continue
        for part in line.split(" . "):
            words = part.strip().removesuffix(" .").split()
            if "<unk>" in words or not 4 <= len(words) <= 40:
                continue
            sentence = " ".join(words).replace(" @-@ ", "-").replace(" @,@ ", ",").replace(" @.@ ", ".")
            for mark in (",", ";", ":", "'s", ")", "%"):
                sentence = sentence.replace(f" {mark}", mark)
            out.append(sentence.replace("( ", "(") + ".")
    return out


def spaced(items: Sequence[str], count: int) -> tuple[str, ...]:
    """At most `count` items evenly spaced over the sequence (all of them when fewer).

    Args:
        items: the items.
        count: how many.

    Example:
        >>> spaced(list("abcdefgh"), 3)
        ('a', 'c', 'f')
    """
    if len(items) <= count:
        return tuple(items)
    return tuple(items[i * len(items) // count] for i in range(count))
