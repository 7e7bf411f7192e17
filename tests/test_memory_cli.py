"""`tokensmith encode --file` in bounded memory (issue 10): peak RSS of the CLI does not grow with the input beyond
what the text and its ids themselves take.

Before the streaming writer the CLI built one dict (and `encode_with_offsets` one tuple) per token: about 840 bytes
of RSS per input byte with `--json` (10 MB peaked at 8.4 GB). Now the text, its UTF-8 bytes and 4 bytes per token
grow with the input (about 3 bytes per input byte here); everything else is one block of tokens.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from tests.memory import peak_rss_mb
from tests.zoo.conftest import zoo_dir  # noqa: F401  (the zoo folder from ../shared, also for the child)

pytestmark = [
    pytest.mark.usefixtures("zoo_dir"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ru_maxrss units differ off Linux"),
]


def _input(folder: Path, n_bytes: int, *, one_line: bool) -> Path:
    """Random words over a multi-byte alphabet: one line without a newline, or lines of 12 words."""
    rng = random.Random(0)
    words = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyzäöüß", k=rng.randint(2, 9))) for _ in range(3000)]
    lines, size = [], 0
    while size < n_bytes:
        line = " ".join(rng.choices(words, k=12))
        lines.append(line)
        size += len(line.encode("utf-8")) + 1
    path = folder / f"{n_bytes}-{'one' if one_line else 'lines'}.txt"
    path.write_text((" " if one_line else "\n").join(lines), encoding="utf-8")
    return path


def _encode_peak_mb(path: Path, *, as_json: bool) -> int:
    argv = [sys.executable, "-m", "tokensmith.cli.main", "encode", "gpt2", "--file", str(path)]
    return peak_rss_mb(argv + (["--json"] if as_json else []))


@pytest.mark.parametrize(("one_line", "as_json"), [(True, True), (False, False)], ids=["one-line-json", "lines-plain"])
def test_encode_memory_grows_only_with_the_text_and_its_ids(tmp_path: Path, one_line: bool, as_json: bool) -> None:
    small = _encode_peak_mb(_input(tmp_path, 2_000_000, one_line=one_line), as_json=as_json)
    large = _encode_peak_mb(_input(tmp_path, 8_000_000, one_line=one_line), as_json=as_json)
    # 6 MB more input: the text, its bytes and its ids take ~25 MB more (measured 139 → 163 MB with --json, 111 →
    # 139 MB plain); one record per token took ~5 GB more.
    assert large - small < 60, (small, large)
