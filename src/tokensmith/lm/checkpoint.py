"""LM checkpoints on disk: a directory written whole or not at all, read back without unpickling anything.

Layout of a checkpoint directory:
- `lm.json`: `{"format": "tokensmith.lm/1", "arch": ..., "config": {...}, "training": {...}}` (the training
  record: budget, seed, steps done, FLOPs spent, data files; no wall-clock times, so that the same seed and config
  give the same bytes);
- `model.safetensors`: the model's state dict;
- `optimizer.pt` (only while training is unfinished or when asked): the AdamW state, `torch.save` of plain
  tensors and numbers, read back with `torch.load(..., weights_only=True)`;
- `tokenizer.json`: the subword model's tokenizer (`tokensmith.formats.save`).

Everything is written into a temporary sibling directory and renamed into place; an existing directory is
replaced only when it is an earlier checkpoint (it holds `lm.json`) or empty.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from tokensmith import atomic
from tokensmith.errors import ModelError
from tokensmith.lm.registry import build_model, check_arch, make_config

FORMAT = "tokensmith.lm/1"
RECORD = "lm.json"


def check_output_dir(out: str | os.PathLike[str]) -> Path:
    """Refuse an output path that is a file, or a non-empty directory that is not an earlier checkpoint.

    Args:
        out: the checkpoint directory.

    Example:
        >>> d = Path(tempfile.mkdtemp())
        >>> check_output_dir(d / "new") == d / "new"
        True
    """
    return atomic.check_output_dir(out, record=RECORD, what="an lm checkpoint")


def save_checkpoint(
    directory: str | os.PathLike[str], model: Any, config: Any, *, training: dict[str, Any] | None = None,
    optimizer_state: dict[str, Any] | None = None, tokenizer: Any = None,
) -> Path:  # fmt: skip
    """Write a checkpoint directory atomically and return its path.

    Args:
        directory: where it goes (`check_output_dir` rules).
        model: the model (its class attribute `arch` names the architecture).
        config: the model's config dataclass.
        training: the training record for `lm.json`.
        optimizer_state: `optimizer.state_dict()`, to make the run resumable; None writes none.
        tokenizer: the subword model's `Tokenizer`.

    Example:
        >>> from tokensmith.lm.byte import ByteConfig, ByteLM
        >>> cfg = ByteConfig(n_layer=1, n_head=1, n_embd=8, block_size=8)
        >>> out = save_checkpoint(Path(tempfile.mkdtemp()) / "ck", ByteLM(cfg), cfg)
        >>> sorted(p.name for p in out.iterdir())
        ['lm.json', 'model.safetensors']
    """
    import torch
    from safetensors.torch import save_file

    final = check_output_dir(directory)
    with atomic.atomic_dir(final) as staging:
        record = {"format": FORMAT, "arch": model.arch, "config": dataclasses.asdict(config),
                  "training": training or {}}  # fmt: skip
        (staging / RECORD).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, str(staging / "model.safetensors"))
        if optimizer_state is not None:
            torch.save(optimizer_state, staging / "optimizer.pt")
        if tokenizer is not None:
            from tokensmith.formats.save import save

            save(tokenizer, staging, format="tokenizer.json")
    return final


def read_record(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """The `lm.json` of a checkpoint, or a ModelError saying the directory is not one.

    Args:
        directory: a checkpoint directory.

    Example:
        >>> read_record(tempfile.mkdtemp())
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: ... is not an lm checkpoint ...
    """
    file = Path(directory) / RECORD
    try:
        record = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ModelError(f"{directory} is not an lm checkpoint (no readable {RECORD}: {e}); pass a directory "
                         "written by `tokensmith lm train`.") from e  # fmt: skip
    if record.get("format") != FORMAT:
        raise ModelError(f"{file} has format {record.get('format')!r}, not {FORMAT!r}; retrain with this version.")
    return record  # type: ignore[no-any-return]


def load_checkpoint(directory: str | os.PathLike[str], *, arch: str | None = None) -> tuple[Any, Any]:
    """Load `(model, config)` from a checkpoint, in eval mode; `arch` given → refuse a checkpoint of another one.

    Args:
        directory: a checkpoint directory.
        arch: the architecture the caller expects, or None for any.

    Example:
        >>> from tokensmith.lm.byte import ByteConfig, ByteLM
        >>> cfg = ByteConfig(n_layer=1, n_head=1, n_embd=8, block_size=8)
        >>> out = save_checkpoint(Path(tempfile.mkdtemp()) / "ck", ByteLM(cfg), cfg)
        >>> model, config = load_checkpoint(out, arch="byte")
        >>> config == cfg
        True
        >>> load_checkpoint(out, arch="subword")
        Traceback (most recent call last):
        ...
        tokensmith.errors.ModelError: ... holds a byte model, not a subword one...
    """
    from safetensors.torch import load_file

    record = read_record(directory)
    found = check_arch(record["arch"])
    if arch is not None and check_arch(arch) != found:
        raise ModelError(f"checkpoint {directory} holds a {found} model, not a {arch} one; pass a {arch} "
                         f"checkpoint, or use --arch {found}.")  # fmt: skip
    config = make_config(found, record["config"])
    tokenizer = None
    if (Path(directory) / "tokenizer.json").is_file():
        from tokensmith.spec import load

        tokenizer = load(str(Path(directory) / "tokenizer.json"))
    model = build_model(found, config, tokenizer=tokenizer)
    model.load_state_dict(load_file(str(Path(directory) / "model.safetensors")))
    return model.eval(), config


def load_optimizer_state(directory: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The saved AdamW state of an unfinished run, or None (read with `weights_only=True`: no pickled code).

    Args:
        directory: a checkpoint directory.

    Example:
        >>> load_optimizer_state(tempfile.mkdtemp()) is None
        True
    """
    file = Path(directory) / "optimizer.pt"
    if not file.is_file():
        return None
    import torch

    return torch.load(file, weights_only=True)  # type: ignore[no-any-return]
