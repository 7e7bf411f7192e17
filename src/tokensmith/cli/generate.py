"""`tokensmith generate`: greedy generation, optionally with train-free speculative decoding.

Examples:
    tokensmith generate --model smollm2 --prompt "def fib(n):" --speculate recycling --tree 3
    tokensmith generate --model smollm2 --prompt "Write a haiku" --speculate rsd --rsd-mode s --temperature 0.7
    tokensmith generate --model smollm2 --prompts-file prompts.jsonl --speculate lookup --max-new-tokens 64 --json
    tokensmith generate --model gemma3 --prompt "The capital of France is" --speculate draft --draft-model smollm2
    tokensmith generate --model smollm2 --prompt "def fib(n):" --speculate rest --datastore corpus.py --tree 8
    tokensmith generate --model smollm2 --prompt "def fib(n):" --backend llamacpp --tree 8
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from tokensmith.cli.output import console, emit_json
from tokensmith.errors import CorpusError, GenerationError


def read_prompts(path: Path) -> list[str]:
    """Prompts from a .jsonl file (a "prompt" field per line) or a text file (one prompt per line).

    Blank lines are skipped in both.

    Args:
        path: the prompts file; a .jsonl suffix means JSON lines, any other means plain text.

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "prompts.jsonl").write_text('{"prompt": "def fib(n):", "id": 7}', encoding="utf-8")
        >>> _ = (folder / "prompts.txt").write_text("Once upon a time", encoding="utf-8")
        >>> read_prompts(folder / "prompts.jsonl"), read_prompts(folder / "prompts.txt")
        (['def fib(n):'], ['Once upon a time'])
    """
    try:
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    except (OSError, UnicodeDecodeError) as e:
        raise CorpusError(f"cannot read prompts file {path} ({e}); give a UTF-8 .jsonl or .txt file.") from e
    if path.suffix != ".jsonl":
        return lines
    prompts = []
    for number, line in enumerate(lines, start=1):
        try:
            prompts.append(str(json.loads(line)["prompt"]))
        except (json.JSONDecodeError, KeyError, TypeError) as e:
            raise CorpusError(f'{path}:{number} is not a JSON object with a "prompt" field; fix that line.') from e
    return prompts


def _prompts(prompt: str | None, prompts_file: Path | None) -> list[str]:
    if (prompt is None) == (prompts_file is None):
        raise GenerationError("give exactly one of --prompt TEXT or --prompts-file FILE.")
    return [prompt] if prompt is not None else read_prompts(prompts_file)  # type: ignore[arg-type]


def generate(
    model: str = typer.Option(..., "--model", "-m", help="Packaged name (smollm2, gemma3), HF directory or .gguf."),
    prompt: str | None = typer.Option(None, "--prompt", "-p", help="Prompt text."),
    prompts_file: Path | None = typer.Option(None, "--prompts-file", help=".jsonl with a 'prompt' field, or .txt."),
    speculate: str = typer.Option(
        "lookup+recycling", "--speculate", help="none | lookup | recycling | lookup+recycling | rsd | dyspec | rest | "
                                               "draft."
    ),
    tree: int = typer.Option(
        3, "--tree", help="Draft nodes per step: 3 suits a CPU, 16-80 a GPU (lookup alone drafts up to 10)."
    ),
    k: int = typer.Option(8, "--k", help="Candidates per token in the recycling matrix."),
    cold: bool = typer.Option(False, "--cold", help="Cold start: empty the recycling matrix at each prompt."),
    matrix: Path | None = typer.Option(None, "--matrix", help="Recycling matrix .npy: loaded if present, saved after."),
    max_new_tokens: int = typer.Option(128, "--max-new-tokens", "-n", help="Tokens to generate at most."),
    temperature: float | None = typer.Option(None, "--temperature", help="Sample at this temperature (> 0)."),
    top_p: float = typer.Option(1.0, "--top-p", help="Sample from the smallest set of this mass (turns sampling on)."),
    top_k: int = typer.Option(0, "--top-k", help="Sample from the k most likely tokens (turns sampling on)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the sampler and of the RSD tree draws."),
    rsd_mode: str = typer.Option("c", "--rsd-mode", help="RSD tree: c (Gumbel-top-k), s (beam) or specinfer."),
    width: int = typer.Option(2, "--width", help="RSD: children per node (c, specinfer) or beam width (s)."),
    depth: int = typer.Option(2, "--depth", help="RSD: tree depth."),
    drafter_name: str = typer.Option("ngram", "--drafter", help="RSD's draft q: ngram, self, or a model spec."),
    draft_model: str | None = typer.Option(
        None, "--draft-model", help="Draft model: rsd's q (same tokenizer), or --speculate draft's (any tokenizer)."
    ),
    datastore: Path | None = typer.Option(None, "--datastore", help="REST: a text corpus to retrieve drafts from."),
    cost_curve: Path | None = typer.Option(
        None, "--cost-curve", help="DySpec: forward-cost JSON (bench_decode_forward_cost.py); measured if absent."
    ),
    raw: bool = typer.Option(False, "--raw", help="Feed the prompt as is, without the model's chat template."),
    backend: str = typer.Option("torch", "--backend", help="torch (fp32, the reference) | llamacpp (GGUF, Q8_0)."),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Generate greedily; --speculate drafts tokens that the model verifies (same output, fewer passes).

    Examples:
        tokensmith generate -m smollm2 -p "Once upon a time" --speculate lookup+recycling
        tokensmith generate -m smollm2 --prompts-file p.jsonl --speculate recycling --tree 32 --json
    \f
    (`--help` stops at the form feed above: what follows is for readers of the code.)

    Args:
        model: `--model/-m`, a packaged name (smollm2, gemma3), an HF directory or a .gguf file.
        prompt: `--prompt/-p`, the prompt text.
        prompts_file: `--prompts-file`, many prompts instead: a .jsonl with a "prompt" field, or a .txt.
        speculate: `--speculate`, the drafter: none, lookup, recycling, lookup+recycling, rsd, dyspec (sizes its
            tree each step, up to 64 nodes; --tree is ignored) or rest (needs --datastore).
        tree: `--tree`, draft nodes verified per step.
        k: `--k`, candidates per token in the recycling matrix.
        cold: `--cold`, empty the recycling matrix at each prompt.
        matrix: `--matrix`, a recycling matrix .npy, loaded when present and saved after.
        max_new_tokens: `--max-new-tokens/-n`, the most tokens to generate.
        temperature: `--temperature`, sample (exactly, through the drafts) at this temperature; greedy if absent.
        top_p: `--top-p`, nucleus sampling mass.
        top_k: `--top-k`, sample among the k most likely tokens.
        seed: `--seed`, the sampler's seed.
        rsd_mode: `--rsd-mode`, c, s or specinfer (for `--speculate rsd`).
        width: `--width`, K of the RSD tree.
        depth: `--depth`, D of the RSD tree.
        drafter_name: `--drafter`, RSD's draft distribution: ngram, self (layers skipped) or a model spec.
        draft_model: `--draft-model`, a draft model: for rsd one with the target's tokenizer (overrides --drafter);
            for `--speculate draft` any model, aligned through bytes (`decode.draft_crossvocab`).
        datastore: `--datastore`, REST's corpus (UTF-8 text, tokenized with the model's tokenizer, cached).
        cost_curve: `--cost-curve`, DySpec's t(n)/t(1) as a forward-cost results JSON; a short curve is measured
            on the loaded model when absent.
        raw: `--raw`, feed the prompt as is; by default an instruct model's prompt goes through the chat template
            its tokenizer ships (a base model without one is always fed raw).
        backend: `--backend`, the verifier: torch (fp32, the reference) or llamacpp (the GGUF requantized to Q8_0,
            run by llama.cpp; needs the [fast] extra; greedy-identical to its own greedy decoding).
        as_json: `--json`, print outputs, ids and speed statistics as JSON.

    Example:
        >>> require_model("smollm2")
        >>> from tokensmith.cli.main import main
        >>> try:
        ...     main(["generate", "-m", "smollm2", "-p", "The capital of France is", "--max-new-tokens", "2", "--raw"])
        ... except SystemExit as done:
        ...     print("exit", done.code)
        Paris.
        2 tokens, ... forward passes, ... tokens/step, ... tokens/s
        exit 0
    """
    from tokensmith.decode.chat import chat_template_of, encode_prompt
    from tokensmith.decode.drafters import MAX_RSD_NODES, make_drafter, recycler_of
    from tokensmith.decode.draft_crossvocab import CrossVocabDrafter
    from tokensmith.decode.dyspec import MAX_NODES
    from tokensmith.models import load_model
    from tokensmith.decode.recycling import load_matrix
    from tokensmith.decode.speculative import speculative_generate

    texts = _prompts(prompt, prompts_file)
    warp = _warp(temperature, top_p=top_p, top_k=top_k)
    template = None if raw else chat_template_of(model)
    lm, tok, config, target, vocab = _target(model, backend)
    start = load_matrix(matrix) if matrix is not None and matrix.is_file() else None
    if speculate == "rsd" and backend != "torch" and (draft_model or drafter_name) != "ngram":
        raise GenerationError(f"--drafter {draft_model or drafter_name} runs a torch model; with --backend {backend} "
                              "use --drafter ngram, or --backend torch.")  # fmt: skip
    source = _q_source(draft_model or drafter_name, lm, vocab, warp) if speculate == "rsd" else None
    draft = load_model(draft_model) if speculate == "draft" and draft_model else None
    cost = _dyspec_cost(cost_curve, lm, backend) if speculate == "dyspec" else None
    store = _store(speculate, datastore, tok)
    drafter = make_drafter(speculate, vocab_size=vocab, tree=tree, k=k, hot=not cold, matrix=start, q_source=source,
                           rsd_mode=rsd_mode, width=width, depth=depth, seed=seed, draft=draft,
                           target_tokenizer=tok, cost=cost, datastore=store)
    results = []
    for text in texts:
        ids = encode_prompt(tok, text, template=template, config=config)
        if isinstance(drafter, CrossVocabDrafter) and template is not None:  # the drafter gets its own template
            own = encode_prompt(draft.tokenizer, text, template=chat_template_of(draft_model),  # type: ignore[arg-type]
                                config=draft.model.config)
            drafter.set_prompt(own)
        budget = {"none": 0, "lookup": max(tree, 10), "rsd": MAX_RSD_NODES, "draft": max(tree, 4),
                  "dyspec": MAX_NODES}.get(speculate, tree)  # fmt: skip
        out, stats = speculative_generate(target, ids, drafter, max_new_tokens, budget=budget, warp=warp, seed=seed)
        new = out[len(ids) :]
        results.append({"prompt": text, "output": _decode_known(tok, new), "ids": new, **stats.to_dict()})
    recycler = recycler_of(drafter)
    if matrix is not None and recycler is not None:
        recycler.save(matrix)
    if as_json:
        emit_json({"model": model, "backend": backend, "speculate": speculate, "tree": tree,
                   "chat_template": template is not None, "sampling": warp.to_dict() if warp else None,
                   "results": results})
        return
    for row in results:
        console.print(row["output"], highlight=False, markup=False)
        console.print(
            f"[dim]{row['new_tokens']} tokens, {row['forward_passes']} forward passes, "
            f"{row['mean_accepted']:.2f} tokens/step, {row['tokens_per_s']:.1f} tokens/s[/]"
        )


def _target(spec: str, backend: str):
    """(the LoadedModel or None, tokenizer, model config, the verifier speculative_generate runs, vocab rows)."""
    if backend == "torch":
        from tokensmith.models import load_model

        lm = load_model(spec)
        return lm, lm.tokenizer, lm.model.config, lm.model, lm.model.get_input_embeddings().weight.shape[0]
    if backend != "llamacpp":
        raise GenerationError(f"unknown --backend '{backend}'; use torch or llamacpp.")
    from tokensmith.decode.backend_llamacpp import load_scorer
    from tokensmith.formats.gguf import tokenizer_from_gguf
    from tokensmith.models import resolve_model_path

    scorer = load_scorer(spec)  # needs the [fast] extra; refuses a spec that is not a GGUF
    where, gguf = resolve_model_path(spec)
    tok = tokenizer_from_gguf(Path(where) / str(gguf), name=spec).with_name(spec, source=where)
    return None, tok, scorer.config, scorer, scorer.vocab_size


def _warp(temperature: float | None, *, top_p: float, top_k: int):
    """The sampling warp, or None for greedy (no --temperature, --top-p or --top-k given)."""
    from tokensmith.decode.warp import Warp

    if temperature is None and top_p == 1.0 and top_k == 0:
        return None
    return Warp(temperature=1.0 if temperature is None else temperature, top_k=top_k, top_p=top_p)


def _dyspec_cost(path: Path | None, lm, backend: str):
    """DySpec's cost points: from the forward-cost JSON given, else a short curve measured on the loaded torch model."""
    from tokensmith.decode.dyspec import load_cost_points, measure_cost_points

    if path is not None:
        return load_cost_points(path, backend=backend)
    if lm is None:
        raise GenerationError("--speculate dyspec on a backend other than torch needs --cost-curve FILE (a results "
                              "JSON of benchmarks/bench_decode_forward_cost.py --backend).")  # fmt: skip
    return measure_cost_points(lm.model)


def _store(speculate: str, path: Path | None, tok):
    """REST's datastore (None for other drafters); `make_drafter` names the fix when REST has none."""
    from tokensmith.decode.draft_rest import datastore_from_file

    if path is not None and speculate != "rest":
        raise GenerationError(f"--datastore is for --speculate rest (got --speculate {speculate}); drop one of them.")
    return datastore_from_file(path, tok) if path is not None else None


def _q_source(name: str, lm, vocab: int, warp):
    """RSD's draft distribution: None (the n-gram default), the self-draft, or a same-tokenizer draft model."""
    from tokensmith.decode.draft_model import ModelQ
    from tokensmith.decode.draft_self import self_draft
    from tokensmith.models import load_model

    temperature = warp.temperature if warp else 1.0
    if name == "ngram":
        return None
    if name == "self":
        return self_draft(lm.model, vocab_size=vocab, temperature=temperature)
    draft = load_model(name)
    theirs, ours = draft.tokenizer, lm.tokenizer
    same = theirs.vocab_size == ours.vocab_size and all(
        theirs.token_bytes(i) == ours.token_bytes(i) for i in range(ours.vocab_size))
    if not same:
        raise GenerationError(
            f"draft model '{name}' has another vocabulary than '{lm.name}' ({theirs.vocab_size} vs {ours.vocab_size} "
            "ids, or other bytes): its q cannot be aligned token by token. Use a draft model with the target's "
            "tokenizer, --drafter ngram / self, or greedy --speculate draft (any tokenizer, aligned through bytes)."
        )
    return ModelQ(draft.model, vocab_size=vocab, temperature=temperature)


def _decode_known(tok, ids: list[int]) -> str:
    """Decode generated ids, leaving out (with one warning) ids the model can emit but its tokenizer lacks.

    Models often embed more rows than their tokenizer has ids (a padded vocabulary); those rows have no bytes.
    """
    unknown = sorted({i for i in ids if i >= tok.vocab_size})
    if unknown:
        import warnings

        warnings.warn(
            f"the model generated {len(unknown)} distinct id(s) its tokenizer has no bytes for "
            f"(first {unknown[0]}; the tokenizer has ids 0..{tok.vocab_size - 1}): they are left out of the text "
            "and kept in the ids",
            stacklevel=2,
        )
    return tok.decode([i for i in ids if i < tok.vocab_size])


def register(app: typer.Typer) -> None:
    """Add the `generate` command (its help is its docstring, up to the form feed).

    Args:
        app: the app that gets the command (`tokensmith.cli.main.app`).

    Example:
        >>> import typer
        >>> from typer.testing import CliRunner
        >>> register(app := typer.Typer())  # one command: the app's help is the command's
        >>> shown = CliRunner().invoke(app, ["--help"]).output
        >>> "--speculate" in shown, "Args:" in shown
        (True, False)
    """
    app.command("generate")(generate)
