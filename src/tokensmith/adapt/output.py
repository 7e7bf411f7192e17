"""The adapted model on disk: a Hugging Face model directory plus `adapt.json`, written all at once.

The directory holds `config.json`, `generation_config.json`, `model.safetensors` (`save_pretrained`), the new
tokenizer as `tokenizer.json` (`tokensmith.save(tok, dir, format="tokenizer.json")`, the verified conversion when
the tokenizer is not a tokenizer.json one) with a `tokenizer_config.json` naming `PreTrainedTokenizerFast` and its
special tokens, and `adapt.json`: the method, its settings, the counts of copied / combined / random rows, and
the tuning record. `AutoModelForCausalLM.from_pretrained(dir)` and `AutoTokenizer.from_pretrained(dir)` load it
offline, and so does `tokensmith.models.load_model(dir)`.

Everything is written into a temporary sibling directory, then renamed into place: a failure leaves no
half-written output. An existing output directory is replaced only when it is an earlier adapt output (it holds
an `adapt.json`) or empty.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from tokensmith import atomic
from tokensmith.tokenizer import Tokenizer

RECORD = "adapt.json"
FORMAT = "tokensmith.adapt/1"


def check_output_dir(out: str | os.PathLike[str]) -> Path:
    """Refuse an output path that is a file, or a non-empty directory that no earlier transfer wrote.

    Args:
        out: the output directory.

    Example:
        >>> folder = Path(tempfile.mkdtemp())
        >>> check_output_dir(folder / "new") == folder / "new"
        True
    """
    return atomic.check_output_dir(out, record=RECORD, what="an earlier adapt output")


def tokenizer_config(tok: Tokenizer, role_ids: dict[str, int]) -> dict[str, Any]:
    """The `tokenizer_config.json` that makes `AutoTokenizer` load `tokenizer.json` as is, with its roles.

    Args:
        tok: the new tokenizer.
        role_ids: role ('bos', 'eos', 'pad', 'unk') → target id.

    Example:
        >>> import tokensmith
        >>> tokenizer_config(tokensmith.load("gpt2"), {"eos": 50256})["eos_token"]
        '<|endoftext|>'
    """
    config: dict[str, Any] = {"tokenizer_class": "PreTrainedTokenizerFast", "clean_up_tokenization_spaces": False}
    for role in ("bos", "eos", "pad", "unk"):
        if role in role_ids:
            config[f"{role}_token"] = tok.token_bytes(role_ids[role]).decode("utf-8")
    return config


def _drop_gguf_marks(model: Any) -> None:
    """A model loaded from GGUF holds de-quantized float weights but still carries the GGUF quantizer, which
    `save_pretrained` refuses; drop the marks (the weights saved are exactly the floats in memory)."""
    quantizer = getattr(model, "hf_quantizer", None)
    method = getattr(getattr(quantizer, "quantization_config", None), "quant_method", None)
    if quantizer is None or str(getattr(method, "value", method)) != "gguf":
        return
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        delattr(model.config, "quantization_config")
    with contextlib.suppress(AttributeError):
        model.is_quantized = False


def write_adapted(
    model: Any, tok: Tokenizer, out: str | os.PathLike[str], *, record: dict[str, Any], role_ids: dict[str, int]
) -> Path:
    """Write the model directory, the tokenizer and `adapt.json`; rename the finished directory into place.

    Args:
        model: the adapted `PreTrainedModel`.
        tok: the new tokenizer (its ids are the model's rows).
        out: the output directory (`check_output_dir` rules).
        record: what `adapt.json` holds besides its format tag.
        role_ids: role → target id, for `tokenizer_config.json`.

    Example:
        >>> import tokensmith
        >>> from tokenizers import Tokenizer as HF, models
        >>> from tokensmith.backends.hf import HFBackend
        >>> toy = Tokenizer(HFBackend(HF(models.WordLevel({"a": 0, "<unk>": 1}, unk_token="<unk>"))), name="toy")
        >>> out = write_adapted(tiny_causal_lm(vocab_size=2), toy, Path(tempfile.mkdtemp()) / "m",
        ...                     record={"method": "identity"}, role_ids={})
        >>> sorted(p.name for p in out.iterdir())
        ['adapt.json', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']
    """
    from tokensmith.formats.save import save

    final = check_output_dir(out)
    with atomic.atomic_dir(final) as staging:
        _drop_gguf_marks(model)
        with contextlib.redirect_stderr(io.StringIO()):  # transformers' shard progress bar
            model.save_pretrained(staging)
        save(tok, staging, format="tokenizer.json")
        config = tokenizer_config(tok, role_ids)
        (staging / "tokenizer_config.json").write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n")
        text = json.dumps({"format": FORMAT, **record}, indent=2, ensure_ascii=False, default=str)
        (staging / RECORD).write_text(text + "\n", encoding="utf-8")
    return final


def read_record(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The `adapt.json` of a model directory, or None when it has none (an original model).

    Args:
        path: a model directory or name.

    Example:
        >>> read_record("smollm2") is None
        True
    """
    file = Path(path) / RECORD
    return json.loads(file.read_text(encoding="utf-8")) if file.is_file() else None
