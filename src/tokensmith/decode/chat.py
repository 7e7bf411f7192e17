"""Chat templates: the prompt an instruct model was trained on, read from what its tokenizer ships.

An instruct model fed a raw instruction often answers its end-of-turn token at once (SmolLM2-135M-Instruct answers
`<|im_end|>` after one token on two of three plain instructions). A model gets its chat template when its tokenizer
ships one:
- a GGUF file: the metadata key `tokenizer.chat_template`;
- an HF directory: `chat_template.jinja` (transformers 5), else `chat_template` in `tokenizer_config.json` (a string,
  or a list of named templates, of which `default` is used).
The template is rendered with jinja2 in a sandbox, the way transformers' `apply_chat_template` does
(`trim_blocks`, `lstrip_blocks`, `raise_exception`, `add_generation_prompt=True`); the rendered text carries its
own special tokens, so it is encoded with special tokens parsed and none added.

The GGUF reader here reads the key/value header only (it stops before the tensor table), so finding the template
costs milliseconds, not a parse of the weights. Not handled: tool calls, multi-turn histories, system prompts other
than the template's own default.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path
from typing import Any, BinaryIO

from tokensmith.errors import ModelError, require

__all__ = ["chat_template_of", "encode_prompt", "gguf_metadata_string", "render_chat"]

# GGUF value types (gguf spec): scalar sizes in bytes; 8 = string, 9 = array.
_SCALAR = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY = 8, 9


def _read(f: BinaryIO, fmt: str) -> Any:
    size = struct.calcsize(fmt)
    data = f.read(size)
    if len(data) != size:
        raise ModelError("the GGUF file ends inside its header: it is truncated. Download or reinstall it.")
    return struct.unpack(fmt, data)[0]


def _skip_value(f: BinaryIO, kind: int) -> None:
    """Move past one value of GGUF type `kind`."""
    if kind in _SCALAR:
        f.seek(_SCALAR[kind], 1)
    elif kind == _STRING:
        f.seek(_read(f, "<Q"), 1)
    elif kind == _ARRAY:
        inner, count = _read(f, "<I"), _read(f, "<Q")
        if inner in _SCALAR:
            f.seek(_SCALAR[inner] * count, 1)
        else:
            for _ in range(count):
                _skip_value(f, inner)
    else:
        raise ModelError(f"unknown GGUF value type {kind}: the file is corrupt or newer than this reader.")


def gguf_metadata_string(path: str | Path, key: str) -> str | None:
    """The string value of one GGUF metadata key, or None when the file lacks it (header only, no tensors read).

    Args:
        path: a .gguf file.
        key: the metadata key, e.g. 'tokenizer.chat_template'.

    Raises:
        ModelError: the file is not a GGUF file, or its header is cut short.

    Example:
        >>> import gguf, pathlib, tempfile
        >>> path = pathlib.Path(tempfile.mkdtemp()) / "meta.gguf"
        >>> writer = gguf.GGUFWriter(str(path), "llama")
        >>> writer.add_string("tokenizer.chat_template", "{{ messages[0]['content'] }}")
        >>> writer.write_header_to_file(); writer.write_kv_data_to_file(); writer.write_tensors_to_file(); writer.close()
        >>> gguf_metadata_string(path, "tokenizer.chat_template"), gguf_metadata_string(path, "general.name")
        ("{{ messages[0]['content'] }}", None)
    """
    with open(path, "rb") as f:
        if f.read(4) != b"GGUF":
            raise ModelError(f"{path} is not a GGUF file (no GGUF magic); give a .gguf model file.")
        _version, _tensors, entries = _read(f, "<I"), _read(f, "<Q"), _read(f, "<Q")
        for _ in range(entries):
            name = f.read(_read(f, "<Q")).decode("utf-8", errors="replace")
            kind = _read(f, "<I")
            if name == key and kind == _STRING:
                return f.read(_read(f, "<Q")).decode("utf-8")
            _skip_value(f, kind)
    return None


def _directory_template(folder: Path) -> str | None:
    jinja = folder / "chat_template.jinja"
    if jinja.is_file():
        return jinja.read_text(encoding="utf-8")
    config = folder / "tokenizer_config.json"
    if not config.is_file():
        return None
    try:
        template = json.loads(config.read_text(encoding="utf-8")).get("chat_template")
    except (OSError, json.JSONDecodeError) as e:
        raise ModelError(f"cannot read {config} ({e}); fix or remove the file.") from e
    if isinstance(template, list):  # [{"name": "default", "template": "..."}, ...]
        named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
        template = named.get("default")
    return template if isinstance(template, str) else None


def chat_template_of(spec: str) -> str | None:
    """The chat template a model's tokenizer ships, or None (a base model: prompts are fed raw).

    Args:
        spec: a model spec as `load_model` takes it (packaged name, HF directory, .gguf file).

    Example:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> chat_template_of(str(folder)) is None
        True
        >>> _ = (folder / "tokenizer_config.json").write_text('{"chat_template": "{{ bos_token }}hi"}')
        >>> chat_template_of(str(folder))
        '{{ bos_token }}hi'
    """
    from tokensmith.models import resolve_model_path

    where, gguf_file = resolve_model_path(spec)
    if gguf_file is not None:
        return gguf_metadata_string(Path(where) / gguf_file, "tokenizer.chat_template")
    folder = Path(where)
    return _directory_template(folder) if folder.is_dir() else None


def _raise_exception(message: str) -> None:
    from jinja2.exceptions import TemplateError

    raise TemplateError(message)


def render_chat(template: str, prompt: str, *, bos_token: str = "", eos_token: str = "") -> str:
    """One user turn rendered through a chat template, ending with the assistant's generation prompt.

    Args:
        template: the jinja2 chat template (see `chat_template_of`).
        prompt: the user's message.
        bos_token: the text of the model's BOS token, for templates that write `{{ bos_token }}`.
        eos_token: the text of its EOS token.

    Raises:
        ModelError: the template does not render (its message is kept).

    Example:
        >>> t = "{% for m in messages %}<{{ m['role'] }}>{{ m['content'] }}{% endfor %}"
        >>> t += "{% if add_generation_prompt %}<assistant>{% endif %}"
        >>> render_chat(t, "Hi")
        '<user>Hi<assistant>'
    """
    require("jinja2", extra="models")
    from jinja2.exceptions import TemplateError
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    env.globals["raise_exception"] = _raise_exception
    try:
        return env.from_string(template).render(
            messages=[{"role": "user", "content": prompt}], add_generation_prompt=True,
            bos_token=bos_token, eos_token=eos_token,
        )
    except TemplateError as e:
        raise ModelError(
            f"the model's chat template does not render ({e}); pass --raw to feed the prompt as is."
        ) from e


def _special_text(tokenizer: Any, token_id: Any) -> str:
    if token_id is None:
        return ""
    token_id = token_id[0] if isinstance(token_id, list) else token_id
    return next((text for text, i in tokenizer.special_tokens.items() if i == int(token_id)), "")


def encode_prompt(tokenizer: Any, text: str, *, template: str | None, config: Any = None) -> list[int]:
    """The prompt's ids: through the chat template when there is one (specials parsed, none added), else raw
    (the tokenizer's own special tokens added, e.g. a BOS).

    Args:
        tokenizer: a `tokensmith.Tokenizer`.
        text: the user's prompt.
        template: the chat template, or None to feed the text raw (`--raw`, or a model without one).
        config: the model's config, whose `bos_token_id`/`eos_token_id` name the texts `{{ bos_token }}` and
            `{{ eos_token }}` stand for.

    Example:
        >>> import tokensmith
        >>> tok = tokensmith.load("gpt2")
        >>> encode_prompt(tok, "Hi", template=None) == tok.encode("Hi")
        True
        >>> tok.decode(encode_prompt(tok, "Hi", template="<|endoftext|>{{ messages[0]['content'] }}"))
        '<|endoftext|>Hi'
    """
    if template is None:
        return tokenizer.encode(text, add_special_tokens=True, parse_special=True)
    bos = _special_text(tokenizer, getattr(config, "bos_token_id", None))
    eos = _special_text(tokenizer, getattr(config, "eos_token_id", None))
    rendered = render_chat(template, text, bos_token=bos, eos_token=eos)
    return tokenizer.encode(rendered, add_special_tokens=False, parse_special=True)
