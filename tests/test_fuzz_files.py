"""Fuzzing the file readers: every mutated tokenizer file gives a `TokensmithError` or a working tokenizer.

Each supported format (tokenizer.json, .tiktoken, SentencePiece .model, a GGUF header) starts from a small sound
file built here, then is mutated: cut at many offsets, seeded bit flips, wrong JSON types, deep nesting, empty, a
directory in its place, a huge token, duplicate / negative / gapped ranks. Every case is loaded, encodes a few
texts and is converted to another format. The claim for each case: only `TokensmithError` subclasses escape
(never a `KeyError`, a Rust panic or a `RecursionError`), a tokenizer that loads gives in-range ids and, for
tiktoken (every byte has a rank, which loading checks), ids that spell the input exactly; and nothing takes longer
than `CASE_SECONDS` (SIGALRM). The fast set is small and seeded; the large one is marked slow.
"""

from __future__ import annotations

import base64
import io
import json
import random
import signal
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tokensmith.errors import TokensmithError
from tokensmith.formats.convert import convert_tokenizer
from tokensmith.spec import load

CASE_SECONDS = 30
TEXTS = ["Hello world", "héllo wörld ☃ 123", "tab\tnew\nline \x00 nul", ""]
CORPUS = [f"the quick brown fox {i} jumps over the lazy dog, héllo wörld №{i % 7}" for i in range(300)]


@dataclass(frozen=True)
class Case:
    """One mutated file: `data` None means a directory stands where the file should be."""

    id: str
    suffix: str  # ".json", ".tiktoken", ".model", ".gguf"
    data: bytes | None
    pattern: str | None = None


# ---- sound base files -------------------------------------------------------------------------------------------
def base_json() -> bytes:
    """A byte-level BPE tokenizer.json (300 ids) trained on `CORPUS`."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  special_tokens=["<|end|>"], show_progress=False)  # fmt: skip
    tok.train_from_iterator(CORPUS, trainer=trainer)
    return tok.to_str().encode()


def rank_lines(ranks: list[tuple[bytes, int]]) -> bytes:
    return b"".join(base64.b64encode(t) + b" " + str(r).encode() + b"\n" for t, r in ranks)


def base_ranks() -> list[tuple[bytes, int]]:
    """Every byte, then a few merges that spell 'the', ' the' and ' fox' (ranks in order)."""
    merges = [b"th", b"the", b" t", b" the", b"fo", b" fo", b" fox"]
    return [(bytes([b]), b) for b in range(256)] + [(m, 256 + i) for i, m in enumerate(merges)]


def base_model(model_type: str) -> bytes:
    """A SentencePiece model (at most 320 pieces, byte fallback) trained on `CORPUS`."""
    import sentencepiece as spm

    sink = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(CORPUS), model_writer=sink, vocab_size=320, model_type=model_type, byte_fallback=True, hard_vocab_limit=False,
        character_coverage=1.0, minloglevel=2, num_threads=1,
    )  # fmt: skip
    return sink.getvalue()


def base_gguf(folder: Path) -> bytes:
    """A GGUF file holding only a GPT-2-style vocabulary (the byte-level BPE of `base_json`) and no tensors."""
    import gguf

    config = json.loads(base_json())
    vocab = sorted(config["model"]["vocab"].items(), key=lambda kv: kv[1])
    path = folder / "base.gguf"
    writer = gguf.GGUFWriter(str(path), "gpt2")
    writer.add_tokenizer_model("gpt2")
    writer.add_token_list([t for t, _ in vocab])
    writer.add_token_types([1] * len(vocab))
    writer.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in config["model"]["merges"]])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path.read_bytes()


# ---- mutations --------------------------------------------------------------------------------------------------
def cuts(data: bytes, *, n: int, rng: random.Random) -> list[tuple[str, bytes]]:
    """The file cut at `n` offsets: the first bytes, then seeded ones (never the whole file)."""
    offsets = sorted({0, 1, 2, 3, 8, 16} | {rng.randrange(1, len(data)) for _ in range(n)})[:n]
    return [(f"cut{k}", data[:k]) for k in offsets]


def flips(data: bytes, *, n: int, rng: random.Random, bits: int = 1) -> list[tuple[str, bytes]]:
    """`n` copies of the file, each with `bits` seeded bit flips."""
    out = []
    for k in range(n):
        mutated = bytearray(data)
        for _ in range(bits):
            mutated[rng.randrange(len(mutated))] ^= 1 << rng.randrange(8)
        out.append((f"flip{k}", bytes(mutated)))
    return out


def json_variants(data: bytes) -> list[tuple[str, bytes]]:
    """Wrong JSON types at the fields a reader walks, deep nesting, a huge token and duplicate ids."""
    config = json.loads(data)

    def with_(path: tuple[str, ...], value: object) -> bytes:
        copy = json.loads(data)
        node = copy
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value
        return json.dumps(copy).encode()

    first = next(iter(config["model"]["vocab"]))
    depth = 5000  # past both serde's recursion limit and Python's
    nested = '{"type":"Sequence","normalizers":[' * depth + '{"type":"NFC"}' + "]}" * depth
    wrong = {
        "model-list": (("model",), [1, 2]), "vocab-list": (("model", "vocab"), ["a", "b"]),
        "merges-dict": (("model", "merges"), {"a": "b"}), "type-int": (("model", "type"), 5),
        "vocab-str-ids": (("model", "vocab"), {k: str(v) for k, v in config["model"]["vocab"].items()}),
        "negative-id": (("model", "vocab", first), -1), "huge-id": (("model", "vocab", first), 2**40),
        "dup-id": (("model", "vocab", first), 1), "added-str": (("added_tokens",), "oops"),
        "added-no-content": (("added_tokens",), [{"id": 3}]), "pre-int": (("pre_tokenizer",), 7),
        "decoder-list": (("decoder",), [None]),
        "huge-token": (("model", "vocab"), {**config["model"]["vocab"], "x" * 2_000_000: 300}),
    }  # fmt: skip
    return [(name, with_(path, value)) for name, (path, value) in wrong.items()] + [
        ("normalizer-deep", json.dumps({**config, "normalizer": "@"}).encode().replace(b'"@"', nested.encode())),
        ("not-object", b"[1, 2, 3]"), ("deep-array", b"[" * 100_000 + b"]" * 100_000), ("nul", b"\x00" * 64)
    ]


def rank_variants(ranks: list[tuple[bytes, int]], *, huge: int) -> list[tuple[str, bytes]]:
    """Rank files that break (or stretch) what the format guarantees."""
    lines = rank_lines(ranks)
    return [
        ("dup-rank", lines + rank_lines([(b"zz", ranks[-1][1])])),
        ("dup-bytes", lines + rank_lines([(ranks[100][0], 9999)])),
        ("negative-rank", lines + rank_lines([(b"zz", -5)])),
        ("rank-overflow", lines + rank_lines([(b"zz", 2**70)])),
        ("gap-rank", lines + rank_lines([(b"zz", 99_999_999)])),
        ("cut-line", lines + base64.b64encode(b"zz")[:2]),
        ("no-lines", b"\n\n"),
        ("missing-byte", rank_lines(ranks[1:])),
        ("huge-token", lines + rank_lines([(b"a" * huge, len(ranks))])),
        ("bad-base64", lines + b"!!!! 999\n"),
        ("three-fields", lines + b"enp6 999 1\n"),
    ]


def cases(suffix: str, *, scale: int) -> list[Case]:
    """Every case of one format; `scale` multiplies the seeded cuts and flips (1 for the fast set)."""
    rng = random.Random(20261201)
    out = [Case(f"{suffix[1:]}-empty", suffix, b""), Case(f"{suffix[1:]}-directory", suffix, None)]
    if suffix == ".json":
        js = base_json()
        variants = [("sound", js), *cuts(js, n=6 * scale, rng=rng), *flips(js, n=6 * scale, rng=rng), *json_variants(js)]
        return out + [Case(f"json-{n}", suffix, d) for n, d in variants]
    if suffix == ".tiktoken":
        ranks = base_ranks()
        tk = rank_lines(ranks)
        variants = [("sound", tk), *cuts(tk, n=4 * scale, rng=rng), *flips(tk, n=6 * scale, rng=rng),
                    *rank_variants(ranks, huge=2_000_000 * scale)]  # fmt: skip
        return out + [Case(f"tiktoken-{n}", suffix, d, pattern="gpt2") for n, d in variants]
    for kind in ("bpe", "unigram"):
        model = base_model(kind)
        variants = [("sound", model), *cuts(model, n=4 * scale, rng=rng), *flips(model, n=8 * scale, rng=rng)]
        out += [Case(f"model-{kind}-{n}", suffix, d) for n, d in variants]
    return out


def gguf_cases(folder: Path, *, n: int) -> list[Case]:
    """Cuts and flips inside a GGUF file's header and metadata (its first KB)."""
    pytest.importorskip("gguf")
    data, rng = base_gguf(folder), random.Random(7)
    head = data[:1024]
    mutated = [("sound", data)] + [(f"cut{k}", data[:k]) for k in sorted(rng.sample(range(4, 1024), n))]
    mutated += [(name, d + data[1024:]) for name, d in flips(head, n=n, rng=rng)]
    return [Case(f"gguf-{name}", ".gguf", d) for name, d in mutated]


# ---- the claim --------------------------------------------------------------------------------------------------
@contextmanager
def time_limit(seconds: int, what: str) -> Iterator[None]:
    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"{what} ran past {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def write_case(case: Case, folder: Path) -> Path:
    path = folder / f"{case.id}{case.suffix}"
    if case.data is None:
        path.mkdir()
    else:
        path.write_bytes(case.data)
    return path


def use(path: Path, *, pattern: str | None, out: Path) -> str:
    """Load, encode and convert: 'ok', or the name of the TokensmithError that stopped it (nothing else may)."""
    try:
        tok = load(path, pattern=pattern)
        for text in TEXTS:
            ids = tok.encode(text)
            assert all(0 <= i < tok.vocab_size for i in ids), f"ids out of range for {text!r}: {ids}"
            if path.suffix == ".tiktoken":
                assert tok.decode_bytes(ids) == text.encode(), f"tiktoken must spell {text!r} exactly"
        fmt = "tiktoken" if path.suffix == ".json" else "tokenizer.json"
        convert_tokenizer(tok, out / f"{path.stem}.out", fmt=fmt, force=True)
    except TokensmithError as e:
        return type(e).__name__
    return "ok"


def check(cases_: list[Case], folder: Path) -> dict[str, str]:
    """Run every case under the time limit; case id → outcome. Any other exception fails, naming the case."""
    out = folder / "out"
    out.mkdir(exist_ok=True)
    outcomes = {}
    for case in cases_:
        path = write_case(case, folder)
        with warnings.catch_warnings(), time_limit(CASE_SECONDS, case.id):
            warnings.simplefilter("ignore")  # rank holes warn by design
            try:
                outcomes[case.id] = use(path, pattern=case.pattern, out=out)
            except BaseException as e:
                raise AssertionError(f"case {case.id}: {type(e).__name__}: {e}"[:2000]) from e
    return outcomes


# ---- tests ------------------------------------------------------------------------------------------------------
def test_sound_base_files_work(tmp_path: Path) -> None:
    """The unmutated files load and spell the texts: the harness would catch nothing if they did not."""
    sound = [c for suffix in (".json", ".tiktoken", ".model") for c in cases(suffix, scale=1) if c.id.endswith("-sound")]
    for case in sound:
        tok = load(write_case(case, tmp_path), pattern=case.pattern)
        assert tok.decode_bytes(tok.encode("the quick brown fox")).strip() == b"the quick brown fox", case.id


@pytest.mark.parametrize("fmt", [".json", ".tiktoken", ".model"])
def test_mutated_files_fast(tmp_path: Path, fmt: str) -> None:
    """The seeded fast set: every mutation of one format ends in a TokensmithError or a working tokenizer."""
    outcomes = check(cases(fmt, scale=1), tmp_path)
    assert outcomes[f"{fmt[1:]}-sound" if fmt != ".model" else "model-bpe-sound"] == "ok"  # it converts, too
    assert outcomes[f"{fmt[1:]}-empty"] == outcomes[f"{fmt[1:]}-directory"] == "TokenizerFileError"


def test_mutated_gguf_headers_fast(tmp_path: Path) -> None:
    """A few cut and flipped GGUF headers: a clear error or a working tokenizer."""
    outcomes = check(gguf_cases(tmp_path, n=2), tmp_path)
    assert outcomes["gguf-sound"] == "ok"


@pytest.mark.slow
@pytest.mark.parametrize("fmt", [".json", ".tiktoken", ".model"])
def test_mutated_files_large(tmp_path: Path, fmt: str) -> None:
    """The large set: ten times the cuts and flips, and a 20 MB tiktoken token."""
    # Outcomes are not pinned: which flips load depends on the seed; the claim is that nothing else escapes.
    check(cases(fmt, scale=10), tmp_path)


@pytest.mark.slow
def test_mutated_gguf_headers_large(tmp_path: Path) -> None:
    """Thirty cuts and thirty flips of a GGUF header."""
    check(gguf_cases(tmp_path, n=30), tmp_path)



def test_rank_file_outcomes(tmp_path: Path) -> None:
    """Each broken .tiktoken rule is refused as a file error; a rank hole and a 2 MB token still load and convert."""
    variants = rank_variants(base_ranks(), huge=2_000_000)
    outcomes = check([Case(f"tiktoken-{n}", ".tiktoken", d, pattern="gpt2") for n, d in variants], tmp_path)
    refused = ["dup-rank", "dup-bytes", "negative-rank", "rank-overflow", "cut-line", "no-lines", "missing-byte",
               "bad-base64", "three-fields"]  # fmt: skip
    assert {n: outcomes[f"tiktoken-{n}"] for n in refused} == dict.fromkeys(refused, "TokenizerFileError")
    assert outcomes["tiktoken-gap-rank"] == outcomes["tiktoken-huge-token"] == "ok"
