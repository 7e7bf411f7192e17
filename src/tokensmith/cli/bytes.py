"""`tokensmith bytes next|score|generate`: exact byte-level probabilities from tokenized LMs (Phan et al. 2024).

A prompt may end anywhere, even inside a token or a UTF-8 character: the answers do not depend on token boundaries.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import typer

from tokensmith.cli.output import bytes_repr, console, emit_json, err_console
from tokensmith.errors import TokensmithError

app = typer.Typer(help="Exact next-byte probabilities, byte-level scores and byte-by-byte generation.",
                  no_args_is_help=True)

NEXT_HELP = """Show the exact distribution of the byte after a prefix.

Examples:
  tokensmith bytes next --model smollm2 --prefix "The cat sat on the m"
  tokensmith bytes next --model gemma3 --prefix-hex 546865c3 --json
"""
SCORE_HELP = """Score a text in bits per byte, exactly at byte level (one model or an ensemble).

Examples:
  tokensmith bytes score --model smollm2 --text-file notes.txt --max-bytes 2000
  tokensmith bytes score --model smollm2,gemma3 --text-file notes.txt --json
  tokensmith bytes score --model smollm2 --text-file wiki.txt --cut random --n 500 --seed 0 --baselines
"""
GENERATE_HELP = """Generate byte by byte from the exact next-byte distribution.

Examples:
  tokensmith bytes generate --model smollm2 --prompt "The capital of France is" --max-bytes 20 --greedy
  tokensmith bytes generate --model smollm2 --prompt "Once upon a ti" --max-bytes 40 --temperature 0.8 --seed 1
"""
TOL_HELP = "Check canonicity only for tokens in the top 1-TOL of each next-token distribution (0 = exact)."


def _prefix(text: str | None, hexa: str | None) -> bytes:
    if text is not None and hexa is not None:
        raise TokensmithError("give the prefix either as --prefix TEXT or --prefix-hex HEX, not both.")
    if hexa is not None:
        try:
            return bytes.fromhex(hexa)
        except ValueError as e:
            raise TokensmithError(f"--prefix-hex '{hexa}' is not hexadecimal bytes (e.g. 546865c3).") from e
    return (text or "").encode("utf-8")


def _models(spec: str, mask_tol: float):
    """The names in `--model` and one `ByteLM` view per name; each distinct model is loaded once (one parse of its
    GGUF file), however many views name it."""
    from tokensmith.decode.bytelevel import byte_lm_from_loaded
    from tokensmith.models import load_model

    names = [s.strip() for s in spec.split(",") if s.strip()]
    if not names:
        raise TokensmithError("--model is empty; give one model or several separated by commas, e.g. smollm2,gemma3.")
    loaded = {name: load_model(name) for name in dict.fromkeys(names)}
    return names, [byte_lm_from_loaded(loaded[n], mask_tol=mask_tol) for n in names]


def next_command(
    model: str = typer.Option(..., "--model", help="Model: smollm2, gemma3, a directory or a .gguf file."),
    prefix: str = typer.Option(None, "--prefix", help="Prefix text (UTF-8); empty = start of text."),
    prefix_hex: str = typer.Option(None, "--prefix-hex", help="Prefix as hex bytes (may be invalid UTF-8)."),
    top: int = typer.Option(10, "--top", help="How many bytes to list."),
    mask_tol: float = typer.Option(0.0, "--mask-tol", help=TOL_HELP),
    json_out: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """`tokensmith bytes next --model M --prefix TEXT`: the most likely next bytes, with exact probabilities.

    Args:
        model: `--model`, one model or several, comma-separated (their byte-level ensemble).
        prefix: `--prefix`, the prefix as UTF-8 text (empty: the start of the text).
        prefix_hex: `--prefix-hex`, the prefix as hex bytes instead (may end inside a UTF-8 character).
        top: `--top`, how many bytes to list.
        mask_tol: `--mask-tol`, see TOL_HELP (0: exact).
        json_out: `--json`, print the whole distribution, the top bytes and the forward-call count as JSON.

    Example:
        >>> require_model("smollm2")
        >>> from tokensmith.cli.main import main
        >>> try:  # the prefix ends inside a word, and inside the token that will hold it
        ...     main(["bytes", "next", "--model", "smollm2", "--prefix", "The capital of France is P", "--top", "1"])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        after 'The capital of France is P' (smollm2):
               'a'  0.99...
        exit 0
    """
    data = _prefix(prefix, prefix_hex)
    from tokensmith.decode.ensemble import ByteEnsemble

    names, blms = _models(model, mask_tol)
    d = ByteEnsemble(blms).next_byte(data)
    _crop_notices(names, blms, data)
    order = np.argsort(-d.as_vector())[:top]
    rows = [{"byte": int(b), "repr": "<end>" if b == 256 else bytes_repr(bytes([b])), "prob": float(d.as_vector()[b])}
            for b in order]
    if json_out:
        emit_json({"model": model, "prefix_hex": data.hex(), "probs": d.probs.tolist(), "end": d.end, "top": rows,
                   "forward_calls": sum(b.lm.calls for b in blms)})
        return
    console.print(f"after {bytes_repr(data[-40:])!r} ({model}):")
    for r in rows:
        console.print(f"  {r['repr']!r:>10}  {r['prob']:.6f}", highlight=False)


def _crop_notices(names: list[str], blms: list, prefix: bytes) -> None:
    """One stderr line per model whose context window was shorter than the prefix (`ByteLM.crop`)."""
    for name, blm in zip(names, blms, strict=True):
        if blm.cropped_bytes:
            kept = len(blm.internal(prefix)) - blm.cropped_bytes
            err_console.print(
                f"notice: the prefix is longer than {name}'s context window ({blm.context_window} tokens): only its "
                f"last {kept:,} bytes are used, from a token boundary.", highlight=False, soft_wrap=True,
            )


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise TokensmithError(f"cannot read --text-file {path} ({e.strerror}); check the path.") from e


def _bits(blms, context: bytes, continuation: bytes) -> list[float]:
    """[mixture, member 1, ...] bits. One model: the cover-sum ratio (one trunk pass plus a few head calls); an
    ensemble mixes every next-byte distribution, so it needs the per-byte chain."""
    from tokensmith.decode.bytelevel import score_bytes
    from tokensmith.decode.ensemble import ByteEnsemble

    if len(blms) == 1:
        bits = score_bytes(blms[0], None, context, continuation)
        return [bits, bits]
    return ByteEnsemble(blms).score(context, continuation)


def _score_cuts(names, blms, data: bytes, *, n: int, span: int, seed: int, baselines: bool) -> dict:
    from tokensmith.decode.cuts import random_cuts
    from tokensmith.decode.healing import healing_bits, naive_bits

    cuts = random_cuts(data, n=n, span=span, seed=seed)
    keys = (["ensemble"] if len(blms) > 1 else []) + [f"exact:{m}" for m in names]
    if baselines:
        keys += [f"{kind}:{m}" for m in names for kind in ("naive", "healing")]
    sums = dict.fromkeys(keys, 0.0)
    for cut in cuts:
        bits = _bits(blms, cut.context, cut.continuation)
        if len(blms) > 1:
            sums["ensemble"] += bits[0]
        for name, blm, b in zip(names, blms, bits[1:], strict=True):
            sums[f"exact:{name}"] += b
            if baselines:
                sums[f"naive:{name}"] += naive_bits(blm.lm, blm.canon, cut.context, cut.continuation)
                sums[f"healing:{name}"] += healing_bits(blm.lm, blm.canon, cut.context, cut.continuation)
    total = sum(len(c.continuation) for c in cuts)
    return {"cuts": len(cuts), "bytes": total, "bits_per_byte": {k: v / total for k, v in sums.items()}}


def score_command(
    model: str = typer.Option(..., "--model", help="One model or several, comma-separated (byte-level ensemble)."),
    text_file: Path = typer.Option(..., "--text-file", help="The text to score."),
    cut: str = typer.Option("none", "--cut", help="'none': score the text; 'random': score spans after cuts."),
    n: int = typer.Option(500, "--n", help="Number of random cuts."),
    span: int = typer.Option(32, "--span", help="Bytes scored after each cut."),
    seed: int = typer.Option(0, "--seed", help="Seed of the cut positions."),
    max_bytes: int = typer.Option(0, "--max-bytes", help="Score only the first N bytes (0 = all; --cut none)."),
    baselines: bool = typer.Option(False, "--baselines", help="Also score naive prompting and token healing."),
    mask_tol: float = typer.Option(0.0, "--mask-tol", help=TOL_HELP),
    json_out: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """`tokensmith bytes score --model M --text-file F`: bits per byte of the text, or of spans after random cuts.

    Args:
        model: `--model`, one model or several, comma-separated (their byte-level ensemble is scored too).
        text_file: `--text-file`, the text to score.
        cut: `--cut`, none (score the text) or random (score `--span` bytes after each of `--n` cuts).
        n: `--n`, the number of random cuts.
        span: `--span`, the bytes scored after each cut.
        seed: `--seed`, the seed of the cut positions.
        max_bytes: `--max-bytes`, score only the first N bytes (0: all; with `--cut none`).
        baselines: `--baselines`, also score naive prompting and token healing at the cuts.
        mask_tol: `--mask-tol`, see TOL_HELP (0: exact).
        json_out: `--json`, print bytes, bits per byte and the forward-call count as JSON.

    Example:
        >>> require_model("smollm2")
        >>> import tempfile
        >>> from tokensmith.cli.main import main
        >>> text = Path(tempfile.mkdtemp()) / "hello.txt"
        >>> _ = text.write_text("Hello world", encoding="utf-8")
        >>> try:
        ...     main(["bytes", "score", "--model", "smollm2", "--text-file", str(text)])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        11 bytes scored (none cuts) with smollm2:
          exact:smollm2                1.8... bits/byte
        exit 0
    """
    if cut not in ("none", "random"):
        raise TokensmithError(f"--cut {cut!r} is not a choice; valid choices: none, random.")
    data = _read_bytes(text_file)
    names, blms = _models(model, mask_tol)
    if cut == "random":
        result = _score_cuts(names, blms, data, n=n, span=span, seed=seed, baselines=baselines)
    else:
        data = data[:max_bytes] if max_bytes > 0 else data
        bits = _bits(blms, b"", data)
        keys = (["ensemble"] if len(blms) > 1 else []) + [f"exact:{m}" for m in names]
        vals = bits if len(blms) > 1 else bits[1:]
        result = {"bytes": len(data), "bits_per_byte": {k: v / max(len(data), 1) for k, v in zip(keys, vals)}}
    result.update({"model": names, "file": str(text_file), "cut": cut, "forward_calls": sum(b.lm.calls for b in blms)})
    if json_out:
        emit_json(result)
        return
    console.print(f"{result['bytes']} bytes scored ({cut} cuts) with {', '.join(names)}:")
    for k, v in result["bits_per_byte"].items():
        console.print(f"  {k:<28} {v:.4f} bits/byte", highlight=False)


def generate_command(
    model: str = typer.Option(..., "--model", help="Model: smollm2, gemma3, a directory or a .gguf file."),
    prompt: str = typer.Option("", "--prompt", help="Prompt text; it may end mid-word."),
    max_bytes: int = typer.Option(64, "--max-bytes", help="The most bytes to generate."),
    greedy: bool = typer.Option(False, "--greedy", help="Take the most likely byte (the default without --temperature)."),
    temperature: float = typer.Option(0.0, "--temperature", help="Sample at this temperature (> 0)."),
    seed: int = typer.Option(0, "--seed", help="Sampling seed."),
    mask_tol: float = typer.Option(0.0, "--mask-tol", help=TOL_HELP),
    json_out: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """`tokensmith bytes generate --model M --prompt TEXT`: continue the prompt byte by byte.

    Args:
        model: `--model`, one model: smollm2, gemma3, a directory or a .gguf file.
        prompt: `--prompt`, the prompt text (it may end mid-word).
        max_bytes: `--max-bytes`, the most bytes to generate.
        greedy: `--greedy`, take the most likely byte (the default without `--temperature`).
        temperature: `--temperature`, sample at this temperature (> 0).
        seed: `--seed`, the sampling seed.
        mask_tol: `--mask-tol`, see TOL_HELP (0: exact).
        json_out: `--json`, print the prompt, the generated bytes (hex and text) and the forward-call count.

    Example:
        >>> require_model("smollm2")
        >>> from tokensmith.cli.main import main
        >>> try:
        ...     main(["bytes", "generate", "--model", "smollm2", "--prompt", "The capital of France is",
        ...           "--max-bytes", "6", "--greedy"])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        The capital of France is Paris
        exit 0
    """
    from tokensmith.decode.bytelevel import generate_bytes

    if greedy and temperature > 0:
        raise TokensmithError("choose either --greedy or --temperature T, not both.")
    if temperature < 0:
        raise TokensmithError(f"--temperature {temperature} must be > 0 (or use --greedy).")
    _, (blm, *rest) = _models(model, mask_tol)
    if rest:
        raise TokensmithError("generate takes one model; use `bytes next` or `bytes score` for ensembles.")
    sample = temperature > 0
    out = generate_bytes(blm, None, prompt.encode("utf-8"), max_bytes=max_bytes, greedy=not sample,
                         temperature=temperature if sample else 1.0, seed=seed)
    if json_out:
        emit_json({"model": model, "prompt": prompt, "generated_hex": out.hex(),
                   "generated": out.decode("utf-8", errors="replace"), "forward_calls": blm.lm.calls})
        return
    console.print(prompt + out.decode("utf-8", errors="replace"), highlight=False, markup=False)


def register(root: typer.Typer) -> None:
    """Add `bytes next|score|generate` to the CLI, as the `bytes` group of this module's `app`.

    Args:
        root: the `tokensmith` app.

    Example:
        >>> from typer.testing import CliRunner
        >>> from tokensmith.cli.main import app as tokensmith_app  # registered already: do not register twice
        >>> help_text = CliRunner().invoke(tokensmith_app, ["bytes", "--help"]).output
        >>> [name in help_text for name in ("next", "score", "generate")]
        [True, True, True]
    """
    app.command("next", help=NEXT_HELP)(next_command)
    app.command("score", help=SCORE_HELP)(score_command)
    app.command("generate", help=GENERATE_HELP)(generate_command)
    root.add_typer(app, name="bytes")
