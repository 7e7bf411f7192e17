"""LiB against byte-level BPE and Unigram at equal vocabulary size on FLORES-200, in 15 languages.

Claim (Yang 2024, "Rethinking Tokenization", Section 4): LiB needs fewer tokens *and* fewer types than BPE and
Unigram. Per language: train on the first 800 FLORES lines, test on the other 204. LiB runs in keep mode (spaces
are characters, so chunks may span words). The common vocabulary size is everything LiB learned (+ 256 bytes), or
the Unigram trainer's size when it stops short of that; LiB then keeps its best-ranked chunks. BPE and Unigram use
the `tokenizers` trainers, both byte-level, so all three tokenizers are lossless.
Reported: tokens per UTF-8 byte of the test text, types used on it, and morphological boundary F1 on SIGMORPHON
2022 words (dev split, only words whose morphs concatenate to the word; up to 3,000 per language, seeded sample),
each word encoded as " word" like in running text, scoring the boundaries strictly inside the word.

Run: nice -n 10 .venv/bin/python benchmarks/bench_lib_vs_bpe.py [--epochs 2000] [--langs eng_Latn ...]
Writes benchmarks/results/lib_vs_bpe.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from itertools import accumulate
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers, trainers

from tokensmith import Tokenizer, atomic
from tokensmith.backends.hf import HFBackend
from tokensmith.learn.lib import LibLexicon, learn_lexicon
from tokensmith.learn.lib_export import build_hf_tokenizer, minimum_vocab_size, select_chunks
from tokensmith.learn.lib_lexicon import LibParams, prepare_sentences

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TOKENSMITH_SHARED_DATA", ROOT.parent / "shared" / "data"))
OUT = Path(__file__).parent / "results" / "lib_vs_bpe.json"
# FLORES code -> SIGMORPHON 2022 code (None: no morphology data). Isolating, agglutinative, fusional; 9 scripts.
LANGS = {
    "eng_Latn": "eng", "fra_Latn": "fra", "spa_Latn": "spa", "ita_Latn": "ita", "ces_Latn": "ces",
    "hun_Latn": "hun", "khk_Cyrl": "mon", "fin_Latn": None, "tur_Latn": None, "swh_Latn": None,
    "arb_Arab": None, "hin_Deva": None, "zho_Hans": None, "jpn_Jpan": None, "kor_Hang": None,
}  # fmt: skip
MORPH_WORDS = 3000


def byte_level(model: models.Model) -> HFTokenizer:
    tok = HFTokenizer(model)
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    return tok


def train_bpe(lines: list[str], vocab_size: int) -> Tokenizer:
    tok = byte_level(models.BPE())
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)  # fmt: skip
    tok.train_from_iterator(lines, trainer)
    return Tokenizer(HFBackend(tok), name="bpe")


def train_unigram(lines: list[str], vocab_size: int) -> Tokenizer:
    tok = byte_level(models.Unigram())
    trainer = trainers.UnigramTrainer(vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                      special_tokens=["<unk>"], unk_token="<unk>", show_progress=False)  # fmt: skip
    tok.train_from_iterator(lines, trainer)
    return Tokenizer(HFBackend(tok), name="unigram")


def lib_size(lex: LibLexicon) -> int:
    """Everything LiB learned: 256 bytes + multi-byte characters + chunks."""
    return minimum_vocab_size(lex.alphabet, n_special=0) + sum(len(c) > 1 for c in lex.ranked)


def lib_tokenizer(lex: LibLexicon, vocab_size: int) -> Tokenizer:
    chunks = select_chunks(lex.ranked, lex.alphabet, vocab_size=vocab_size, n_special=0)
    return Tokenizer(HFBackend(build_hf_tokenizer(chunks, special_tokens=[])), name="lib")


def three_tokenizers(train: list[str], lex: LibLexicon) -> list[Tokenizer]:
    """LiB, BPE and Unigram at one size: LiB's, or less when the Unigram trainer stops short of it (it cannot
    find enough pieces in 800 lines); LiB then keeps its best-ranked chunks."""
    unigram = train_unigram(train, lib_size(lex))
    size = min(lib_size(lex), unigram.vocab_size)
    return [lib_tokenizer(lex, size), train_bpe(train, size), unigram]


def morph_words(code: str) -> list[tuple[str, list[str]]]:
    rows = []
    for line in (SHARED / "morph" / "sigmorphon2022" / f"{code}.word.dev.tsv").read_text(encoding="utf-8").splitlines():
        word, morphs = line.split("\t")[:2]
        parts = morphs.split(" @@")
        if "".join(parts) == word:
            rows.append((word, parts))
    pick = np.random.default_rng(0).permutation(len(rows))[:MORPH_WORDS]
    return [rows[k] for k in sorted(pick)]


def morph_f1(tok: Tokenizer, words: list[tuple[str, list[str]]]) -> dict[str, float]:
    """Micro boundary P/R/F1 inside words; each word is encoded as ' word' and the space's byte is discounted."""
    hits = n_pred = n_gold = 0
    encoded = tok.encode_batch([" " + w for w, _ in words])
    for (word, parts), ids in zip(words, encoded, strict=True):
        size = len(word.encode())
        gold = set(accumulate(len(p.encode()) for p in parts[:-1]))
        pred = {e - 1 for e in accumulate(len(tok.token_bytes(i)) for i in ids) if 0 < e - 1 < size}
        hits, n_pred, n_gold = hits + len(gold & pred), n_pred + len(pred), n_gold + len(gold)
    p, r = hits / max(n_pred, 1), hits / max(n_gold, 1)
    return {"morph_p": round(p, 4), "morph_r": round(r, 4), "morph_f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


def evaluate(tok: Tokenizer, test: list[str], words: list[tuple[str, list[str]]] | None) -> dict[str, float]:
    ids = tok.encode_batch(test)
    n_bytes = sum(len(t.encode()) for t in test)
    row = {"vocab_size": tok.vocab_size, "tokens": sum(map(len, ids)), "bytes": n_bytes,
           "tokens_per_byte": round(sum(map(len, ids)) / n_bytes, 5), "types_used": len({i for x in ids for i in x})}  # fmt: skip
    assert all(tok.decode_bytes(x) == t.encode() for x, t in zip(ids, test, strict=True)), f"{tok.name} is lossy"
    if words:
        row |= morph_f1(tok, words)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--langs", nargs="+", default=list(LANGS))
    args = parser.parse_args()
    rows = []
    for lang in args.langs:
        lines = (SHARED / "parallel" / "flores200" / f"{lang}.txt").read_text(encoding="utf-8").splitlines()
        train, test = lines[:800], lines[800:]
        words = morph_words(LANGS[lang]) if LANGS.get(lang) else None
        start = time.perf_counter()
        lex = learn_lexicon(prepare_sentences(train, space_mode="keep"), params=LibParams(epochs=args.epochs),
                            seed=args.seed, space_mode="keep")  # fmt: skip
        lib_s = time.perf_counter() - start
        for tok in three_tokenizers(train, lex):
            row = {"lang": lang, "algo": tok.name, **evaluate(tok, test, words)}
            if tok.name == "lib":
                row |= {"train_seconds": round(lib_s, 1), "lib_learned_size": lib_size(lex)}
            rows.append(row)
            print(json.dumps(row), flush=True)
    out = {
        "claim": "LiB gives fewer tokens and fewer types than BPE and Unigram at equal vocabulary size",
        "data": "FLORES-200 (train: lines 1-800, test: lines 801-1004); SIGMORPHON 2022 word dev files",
        "epochs": args.epochs, "seed": args.seed, "rows": rows,
        "command": f"nice -n 10 .venv/bin/python benchmarks/bench_lib_vs_bpe.py --epochs {args.epochs} --seed {args.seed}",
    }  # fmt: skip
    atomic.write_text(OUT, json.dumps(out, indent=2) + "\n")


if __name__ == "__main__":
    main()
