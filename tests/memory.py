"""Peak memory of a program run in a fresh process, for the tests that assert memory does not grow with the input.

A small wrapper interpreter runs the program as its only child and reports that child's peak RSS
(`getrusage(RUSAGE_CHILDREN).ru_maxrss`, KiB on Linux): the measure is the program's own, imports and allocator
history are the same for a small and a large input, and nothing earlier in the test session counts. Peak RSS, not
an address-space limit (`RLIMIT_AS` trips over JIT compilers and thread arenas that reserve without using).
"""

from __future__ import annotations

import os
import subprocess
import sys

_WRAPPER = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)\n"
)


def peak_rss_mb(argv: list[str], *, timeout: float = 300) -> int:
    """Run `argv` (its stdout discarded, with this session's import path) and return its peak RSS in MiB.

    Args:
        argv: the program and its arguments, e.g. `[sys.executable, "-c", code, ...]`.
        timeout: seconds before the run fails.

    Example:
        >>> 1 < peak_rss_mb([sys.executable, "-c", "x = bytearray(50 << 20)"]) - peak_rss_mb([sys.executable, "-c", ""])
        True
    """
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, *argv], capture_output=True, text=True, env=env,
                          timeout=timeout)  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return int(proc.stdout.split()[-1])
