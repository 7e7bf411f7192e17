"""The tokenizers a playground server holds: the specs it was started with, plus the zoo names available here.

Everything is loaded when the server starts, so a bad spec fails then (a `TokensmithError`: the CLI's exit 2) and
no request ever opens a file: a client can only name a tokenizer that is already here. Zoo entries read from a
GGUF model (their first load goes through transformers and is slow) are left out of the default set; name one as
a SPEC to hold it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tokensmith.errors import TokensmithError, close_matches
from tokensmith.tokenizer import Tokenizer


class UnknownTokenizerError(TokensmithError):
    """A request named a tokenizer the server does not hold."""


@dataclass(frozen=True)
class Registry:
    """Name → loaded tokenizer, in listing order (the specs first, then the zoo).

    Args:
        tokenizers: the loaded tokenizers, keyed by their unique names.

    Example:
        >>> reg = Registry.load(["gpt2"], zoo=False)
        >>> reg.names(), reg.describe()[0]["vocab_size"]
        (['gpt2'], 50257)
    """

    tokenizers: dict[str, Tokenizer]

    @classmethod
    def load(cls, specs: Sequence[str | Tokenizer], *, zoo: bool = True) -> Registry:
        """Load the specs (zoo names, files, or ready tokenizers) and, with `zoo`, every zoo entry available here.

        Args:
            specs: what the server was started with.
            zoo: also hold the available zoo entries (GGUF-backed ones only when named in `specs`).

        Example:
            >>> Registry.load(["no-such-tokenizer"], zoo=False)  # doctest: +ELLIPSIS
            Traceback (most recent call last):
            ...
            tokensmith.errors.SpecError: ...
        """
        from tokensmith.measure.evaluation import load_tokenizers

        loaded = {t.name: t.tokenizer for t in load_tokenizers(list(specs))}
        if zoo:
            from tokensmith.spec import load
            from tokensmith.zoo import distinct_available

            for status in distinct_available(gguf=False):
                if status.name not in loaded:
                    loaded[status.name] = load(status.name)
        return cls(loaded)

    def names(self) -> list[str]:
        """The names a client may use.

        Example:
            >>> Registry({}).names()
            []
        """
        return list(self.tokenizers)

    def get(self, name: str) -> Tokenizer:
        """The tokenizer called `name`, or `UnknownTokenizerError` listing the ones held.

        Args:
            name: a name from `names()`.

        Example:
            >>> Registry({}).get("gpt2")
            Traceback (most recent call last):
            ...
            tokensmith.serve.registry.UnknownTokenizerError: this server holds no tokenizer 'gpt2' (it holds: none). Restart it with the one you want: tokensmith serve gpt2
        """
        tok = self.tokenizers.get(name)
        if tok is None:
            held = ", ".join(self.tokenizers) or "none"
            hint = f"; {close_matches(name, self.tokenizers)}" if self.tokenizers else ""
            raise UnknownTokenizerError(f"this server holds no tokenizer {name!r} (it holds: {held}){hint}. "
                                        f"Restart it with the one you want: tokensmith serve {name}")  # fmt: skip
        return tok

    def describe(self) -> list[dict[str, object]]:
        """`{"name", "vocab_size", "backend"}` per tokenizer, for `GET /api/tokenizers`.

        Example:
            >>> Registry.load(["gpt2"], zoo=False).describe()
            [{'name': 'gpt2', 'vocab_size': 50257, 'backend': 'tiktoken'}]
        """
        return [{"name": n, "vocab_size": t.vocab_size, "backend": t.backend_kind} for n, t in self.tokenizers.items()]
