"""Training at a fixed FLOPs budget: the same protocol for every architecture, so that bits per byte compare.

The budget (`--budget`, FLOPs by `flops.py`'s rule) sets the number of steps: `budget // step_flops`, with
`step_flops` exact for fixed-length models and the mean over sampled batches for the hierarchical model (whose
step cost depends on the words in the batch); training stops early if the FLOPs actually spent would pass the
budget. AdamW ("Decoupled Weight Decay Regularization", Loshchilov & Hutter, 2019, algorithm 2) with weight
decay on matrices only, linear warmup then cosine decay to 10% (nanoGPT's schedule), gradients clipped at 1.

Reproducible: the seed fixes the initialisation and every batch (`sample_windows(seed, step)`), so the same seed
and settings give a byte-identical `model.safetensors` and `lm.json` on the same machine and thread count.
Resumable: every `save_every` steps the checkpoint (with the optimizer state) is written atomically; running the
same command again continues from the last one, and gives the same final bytes as an uninterrupted run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tokensmith.errors import ModelError, TrainingError
from tokensmith.lm.checkpoint import check_output_dir, load_optimizer_state, read_record, save_checkpoint
from tokensmith.lm.corpus import read_text
from tokensmith.lm.flops import steps_for_budget
from tokensmith.lm.registry import TOKENIZED, build_model, check_arch, make_config


@dataclass(frozen=True)
class TrainSettings:
    """How to train (the model's size is its config).

    Args:
        budget: training FLOPs.
        seed: the seed of the initialisation and the batches.
        batch_size: windows per step.
        lr: peak learning rate.
        warmup_frac: share of the steps spent warming up linearly.
        weight_decay: AdamW weight decay of the matrices.
        save_every: steps between resumable checkpoints.

    Example:
        >>> TrainSettings(budget=1e12).batch_size
        16
    """

    budget: float
    seed: int = 0
    batch_size: int = 16
    lr: float = 1e-3
    warmup_frac: float = 0.05
    weight_decay: float = 0.1
    save_every: int = 200


@dataclass(frozen=True)
class TrainResult:
    """What a training run did.

    Args:
        out: the checkpoint directory.
        arch: the architecture.
        params: the model's FLOP-counted parameters.
        steps: steps trained.
        flops: training FLOPs spent.
        valid_bits_per_byte: bits per byte on the validation text.
        seconds: wall time of this call.
        stats: the architecture's own figures on the validation text (`training_stats`: MrT5's deletion rate,
            a patch model's bytes per patch); {} for the others.

    Example:
        >>> TrainResult(Path("m"), "byte", 10, 1, 60, 8.0, 0.1).as_dict()["arch"]
        'byte'
    """

    out: Path
    arch: str
    params: int
    steps: int
    flops: int
    valid_bits_per_byte: float
    seconds: float
    stats: dict[str, Any] = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON data.

        Example:
            >>> TrainResult(Path("m"), "byte", 10, 1, 60, 8.0, 0.1).as_dict()["out"]
            'm'
        """
        return {**dataclasses.asdict(self), "out": str(self.out)}


def lr_at(step: int, *, total: int, peak: float, warmup: int) -> float:
    """Linear warmup over `warmup` steps, then cosine decay from `peak` to `peak / 10` at `total`.

    Args:
        step: the step (0-based).
        total: the number of steps.
        peak: the peak rate.
        warmup: warmup steps.

    Example:
        >>> [round(lr_at(s, total=10, peak=1.0, warmup=2), 3) for s in (0, 1, 2, 9)]
        [0.5, 1.0, 1.0, 0.134]
    """
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def _optimizer(model: Any, settings: TrainSettings) -> Any:
    import torch

    decay = [p for p in model.parameters() if p.dim() >= 2]
    other = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": settings.weight_decay}, {"params": other, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=settings.lr, betas=(0.9, 0.95))


def _file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _build(arch: str, tokenizer: str | None, model_settings: dict[str, Any], seed: int) -> tuple[Any, Any, Any]:
    """(model, config, tokenizer) freshly initialised from `seed`."""
    import torch

    tok = None
    if arch in TOKENIZED:
        if tokenizer is None:
            raise TrainingError(f"--arch {arch} needs --tokenizer SPEC (a tokenizer file, directory or zoo name).")
        from tokensmith.spec import load

        tok = load(tokenizer)
        model_settings = {**model_settings, "vocab_size": tok.vocab_size}
    elif tokenizer is not None:
        raise TrainingError(f"--tokenizer is only for --arch {' or '.join(TOKENIZED)}; a {arch} model reads bytes. "
                            "Drop --tokenizer.")  # fmt: skip
    config = make_config(arch, model_settings)
    torch.manual_seed(seed)
    model = build_model(arch, config, tokenizer=tok)
    return model, getattr(model, "resolved_config", config), tok  # e.g. M1's fingerprint for 'compressed'



def _positions(stream: Any) -> int:
    """Positions in a prepared training stream: ids (subword, byte) or words (hierarchical)."""
    return len(stream.lengths) if hasattr(stream, "lengths") else len(stream)


def _check_same_arch(out: Path, arch: str) -> Path:
    """Refuse to train over a checkpoint of another architecture (it would be silently replaced)."""
    if (out / "lm.json").is_file() and (found := read_record(out).get("arch")) != arch:
        raise ModelError(f"-o {out} holds a checkpoint of a {found} model, not a {arch} one; pass another "
                         f"directory with -o, or --arch {found} to resume or retrain that model.")  # fmt: skip
    return out


def _resume_point(out: Path, record: dict[str, Any], model: Any, opt: Any) -> tuple[int, int]:
    """(steps done, FLOPs spent) of an unfinished run in `out` with the same settings; (0, 0) otherwise."""
    if not (out / "lm.json").is_file():
        return 0, 0
    old = read_record(out)
    same = old.get("config") == record["config"] and old["training"].get("settings") == record["settings"]
    state = load_optimizer_state(out)
    if not same or old["training"].get("finished", True) or state is None:
        return 0, 0
    from safetensors.torch import load_file

    model.load_state_dict(load_file(str(out / "model.safetensors")))
    opt.load_state_dict(state)
    return int(old["training"]["steps"]), int(old["training"]["flops"])


def train_model(
    *, arch: str, train_file: str | os.PathLike[str], valid_file: str | os.PathLike[str], out: str | os.PathLike[str],
    settings: TrainSettings, tokenizer: str | None = None, model_settings: dict[str, Any] | None = None,
    progress: bool = True,
) -> TrainResult:  # fmt: skip
    """Train one model until `settings.budget` FLOPs are spent; score the validation text; write the checkpoint.

    Args:
        arch: the architecture (`registry.ARCHS`).
        train_file: the training text (UTF-8).
        valid_file: the validation text (UTF-8), scored at the end.
        out: the checkpoint directory.
        settings: budget, seed, batch size, learning rate.
        tokenizer: the tokenizer spec (subword only).
        model_settings: config fields of the architecture (`n_layer`, `n_embd`, ...).
        progress: show a progress bar on stderr.

    Example:
        >>> import tempfile
        >>> d = Path(tempfile.mkdtemp()); _ = (d / "t.txt").write_text("hello world, " * 40)
        >>> r = train_model(arch="byte", train_file=d / "t.txt", valid_file=d / "t.txt", out=d / "m",
        ...                 settings=TrainSettings(budget=2e8, batch_size=2), progress=False,
        ...                 model_settings={"n_layer": 1, "n_head": 1, "n_embd": 16, "block_size": 32})
        >>> r.steps, r.flops <= 2e8
        (70, True)
    """
    started = time.perf_counter()
    arch = check_arch(arch)
    train_text = read_text(train_file, what="--train")
    valid_text = read_text(valid_file, what="--valid")
    out = _check_same_arch(check_output_dir(out), arch)
    model, config, tok = _build(arch, tokenizer, dict(model_settings or {}), settings.seed)
    stream = model.prepare(train_text)
    step_flops, what = model.step_flops_estimate(stream, batch_size=settings.batch_size, seed=settings.seed)
    total = steps_for_budget(settings.budget, step_flops=step_flops, what=what)
    record = {"config": dataclasses.asdict(config), "settings": {**dataclasses.asdict(settings),
              "train_sha256": _file_sha(Path(train_file)), "tokenizer": tokenizer}}  # fmt: skip
    opt = _optimizer(model, settings)
    done, spent = _resume_point(out, record, model, opt)
    done, spent = _loop(model, opt, stream, settings=settings, total=total, start=(done, spent), out=out,
                        meta=(config, record, tok), progress=progress)  # fmt: skip
    from tokensmith.lm.bpb import score_text

    valid = score_text(model.eval(), valid_text)
    stats = model.training_stats(valid_text) if hasattr(model, "training_stats") else {}
    per_position = len(train_text.encode("utf-8")) / _positions(stream)  # mean bytes per token / byte / word
    seen = round(done * settings.batch_size * model.config.block_size * per_position)
    training = {**record, "steps": done, "flops": spent, "planned_steps": total, "finished": True,
                "train_bytes_seen": seen,
                "valid_bits_per_byte": valid.bits_per_byte, "train_file": str(train_file),
                "valid_file": str(valid_file), **({"stats": stats} if stats else {})}  # fmt: skip
    save_checkpoint(out, model, config, training=training, tokenizer=tok)
    return TrainResult(out, arch, model.flop_params(), done, spent, valid.bits_per_byte,
                       time.perf_counter() - started, stats)  # fmt: skip


def _loop(
    model: Any, opt: Any, stream: Any, *, settings: TrainSettings, total: int, start: tuple[int, int], out: Path,
    meta: tuple[Any, dict[str, Any], Any], progress: bool,
) -> tuple[int, int]:  # fmt: skip
    """Run steps start..total-1 (or until the budget would be passed); return (steps done, FLOPs spent)."""
    import torch
    from tqdm import tqdm

    config, record, tok = meta
    done, spent = start
    warmup = max(1, int(settings.warmup_frac * total))
    model.train()
    bar = tqdm(total=total, initial=done, disable=not progress, desc=f"lm train {model.arch}", unit="step")
    for step in range(done, total):
        for group in opt.param_groups:
            group["lr"] = lr_at(step, total=total, peak=settings.lr, warmup=warmup)
        loss, flops = model.batch_loss(stream, batch_size=settings.batch_size, seed=settings.seed, step=step)
        if spent + flops > settings.budget:
            break  # a variable-cost step (hierarchical) that would pass the budget
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        done, spent = step + 1, spent + flops
        bar.update(1)
        bar.set_postfix(loss=f"{loss.item():.3f}")
        if done % settings.save_every == 0 and done < total:
            save_checkpoint(out, model, config, training={**record, "steps": done, "flops": spent,
                            "finished": False}, optimizer_state=opt.state_dict(), tokenizer=tok)  # fmt: skip
    bar.close()
    return done, spent
