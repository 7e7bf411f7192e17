"""Run the reference LiB learner (ray306/LiB, `model.py` + `structures.py`) on a text, from a local checkout.

The reference is read from `--reference-dir` (put on `sys.path`), never copied into this repository. It is driven
the way its demo notebook (`demo.ipynb`) drives it, with the notebook's settings (`life` 10, `max_len` 12,
`memory_in` 0.25, `memory_out` 0.0001, `update_rate` 0.2, `mini_gap` 7, `use_skip` False):
- the training corpus is 400 documents drawn up front, each 200 sentence draws with replacement, duplicates
  dropped (the notebook keeps them in `set` order);
- the lexicon starts with the characters of the first document;
- each epoch reads one of the 400 documents, chosen with `random.choice`, and updates the ranks.
The notebook's every-100-epochs evaluation is left out: it draws no random numbers, so the learned lexicon is the
same. The reference has no seed parameter, so `random` and `numpy` are seeded with `--seed`, and each run is a
fresh process with `PYTHONHASHSEED=seed` (the reference iterates over a set of strings when it starts the lexicon).

Run (one learner run; `bench_lib_reproduction.py --unseen` calls it for each text and seed):
  python benchmarks/bench_lib_refdriver.py --reference-dir /tmp/LiB-ref --corpus train.txt --epochs 2000 --seed 0 \
      --out lexicon.json
Writes {"ranked": [...], "seconds": ...}: the reference's lexicon, best rank first.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

NOTEBOOK_SETTINGS = {"life": 10, "max_len": 12, "memory_in": 0.25, "memory_out": 0.0001, "update_rate": 0.2,
                     "mini_gap": 7, "use_skip": False}  # fmt: skip
DOCS, DOC_DRAWS = 400, 200  # the notebook's corpus: 400 documents of 200 sentence draws


def reference_lexicon(
    sentences: Sequence[str], *, reference_dir: Path, epochs: int, seed: int, work: Path
) -> tuple[list[str], float]:
    """Train the reference learner in a fresh process; return its ranked lexicon and the training seconds.

    Args:
        sentences: training sentences (already in the space mode wanted).
        reference_dir: a checkout of ray306/LiB (holds model.py and structures.py).
        epochs: epochs (documents read).
        seed: seeds `random`, `numpy` and the process's string hashing.
        work: a folder for the corpus and result files.

    Example:
        >>> import tempfile  # doctest: +SKIP
        >>> ranked, _ = reference_lexicon(["abab", "abba"], reference_dir=Path("/tmp/LiB-ref"), epochs=5, seed=0,
        ...                               work=Path(tempfile.mkdtemp()))  # doctest: +SKIP
    """
    work.mkdir(parents=True, exist_ok=True)
    tag = f"{os.getpid()}-seed{seed}"  # one pair of files per run: runs may go on side by side
    corpus, out = work / f"train-{tag}.txt", work / f"ref-{tag}.json"
    corpus.write_text("\n".join(sentences) + "\n", encoding="utf-8")
    cmd = [sys.executable, __file__, "--reference-dir", str(reference_dir), "--corpus", str(corpus),
           "--epochs", str(epochs), "--seed", str(seed), "--out", str(out)]  # fmt: skip
    subprocess.run(cmd, check=True, env={**os.environ, "PYTHONHASHSEED": str(seed)})
    result = json.loads(out.read_text(encoding="utf-8"))
    corpus.unlink()
    out.unlink()
    return result["ranked"], result["seconds"]


def _train(sentences: list[str], *, reference_dir: Path, epochs: int, seed: int) -> tuple[list[str], float]:
    """One reference run in this process (seeded as the module docstring says)."""
    import random

    import numpy as np

    sys.path.insert(0, str(reference_dir))
    model = __import__("model")  # the reference's model.py (it imports its structures.py)
    for name, value in NOTEBOOK_SETTINGS.items():
        setattr(model, name, value)
    random.seed(seed)
    np.random.seed(seed)
    docs = []
    for _ in range(DOCS):
        picks = set(np.random.choice(range(len(sentences)), DOC_DRAWS))  # the notebook's draw, in set order
        docs.append(([sentences[k] for k in picks], None))
    memory = model.TrieList()
    start = time.perf_counter()
    model.init(memory, docs[0][0])
    for _ in range(epochs):
        article, _raw = random.choice(docs)
        model.reading(memory, article)
    return list(memory.par_list), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference-dir", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, required=True, help="one training sentence per line")
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if os.environ.get("PYTHONHASHSEED") != str(args.seed):
        sys.exit("run with PYTHONHASHSEED equal to --seed (reference_lexicon does this) so that runs repeat")
    sentences = [s for s in args.corpus.read_text(encoding="utf-8").split("\n") if s]
    ranked, seconds = _train(sentences, reference_dir=args.reference_dir, epochs=args.epochs, seed=args.seed)
    args.out.write_text(json.dumps({"ranked": ranked, "seconds": round(seconds, 2)}) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
