"""The one cache directory for everything derived from a tokenizer or model (converted vocabularies, verification
results, precomputed masks, built-in data).

`$TOKENSMITH_CACHE` when set, else `$XDG_CACHE_HOME/tokensmith`, else `~/.cache/tokensmith`. The test suite points
`$TOKENSMITH_CACHE` at a temporary folder. Entries are keyed by content (a tokenizer's `fingerprint`, a file's
path, size and mtime), never by name alone, so a changed input never hits a stale entry. This module only says
where things go; writers use `tokensmith.atomic` so an entry is never half-written.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "TOKENSMITH_CACHE"


def cache_root() -> Path:
    """The cache directory in effect (not created).

    Example:
        >>> import os
        >>> os.environ["TOKENSMITH_CACHE"] = "/tmp/ts-cache-example"
        >>> str(cache_root())
        '/tmp/ts-cache-example'
        >>> del os.environ["TOKENSMITH_CACHE"]
    """
    value = os.environ.get(CACHE_ENV)
    if value:
        return Path(value).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "tokensmith"


def cache_dir(*parts: str) -> Path:
    """A sub-directory of the cache root, created if missing.

    Args:
        parts: path components under the root, e.g. `cache_dir("gguf")`.

    Example:
        >>> import os, tempfile
        >>> os.environ["TOKENSMITH_CACHE"] = tempfile.mkdtemp()
        >>> cache_dir("gguf").is_dir()
        True
        >>> del os.environ["TOKENSMITH_CACHE"]
    """
    path = cache_root().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path
