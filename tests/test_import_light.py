"""`import tokensmith` must not load torch or transformers (they are heavy and optional)."""

import subprocess
import sys


def test_import_does_not_load_torch_or_transformers():
    code = "import sys, tokensmith, tokensmith.cli.main; print(sorted(m for m in ('torch','transformers') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"
