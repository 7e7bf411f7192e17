"""Wall and CPU time of `tokensmith demo`, full and --fast, each in a fresh process, with seconds per step.

Claim: the demo (the main job) finishes in ≤ 3 minutes of wall time on the 2-core machine, and its CPU time (all
threads) is what it costs when the machine is not shared. Both modes run in the same session, one after the other,
so the ratio full/fast is measured under the same load. A fresh process per run counts the zoo's first loads
(GGUF-backed tokenizers through transformers) as a user would see them. The machine's 1-minute load average before
each run is recorded, because on a shared machine wall time mostly measures the other processes.

Run: .venv/bin/python benchmarks/bench_report_demo.py [--modes full,fast]
Writes benchmarks/results/report_demo.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "report_demo.json"


def run_mode(mode: str) -> dict[str, object]:
    """Run the demo CLI once in a subprocess; return wall, CPU (user+sys of the child) and its step summary."""
    exe = str(Path(sys.executable).with_name("tokensmith"))
    with tempfile.TemporaryDirectory() as out:
        args = [exe, "demo", "-o", out, "--json"] + (["--fast"] if mode == "fast" else [])
        load = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        summary = json.loads(proc.stdout)
        size = Path(summary["files"]["report"]).stat().st_size
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"mode": mode, "wall_s": round(wall, 1), "cpu_s": round(cpu, 1), "load_avg_1m_before": round(load, 2),
            "steps_s": summary["seconds"], "rows": summary["rows"], "tokenizers": len(summary["trained"]) +
            len(summary["zoo"]), "missing": summary["missing"], "report_bytes": size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modes", default="full,fast")
    args = parser.parse_args()
    runs = [run_mode(m) for m in args.modes.split(",")]
    by = {r["mode"]: r for r in runs}
    ratios = {}
    if "full" in by and "fast" in by:
        ratios = {"wall_full_over_fast": round(by["full"]["wall_s"] / by["fast"]["wall_s"], 2),
                  "cpu_full_over_fast": round(by["full"]["cpu_s"] / by["fast"]["cpu_s"], 2)}
    doc = {"claim": "tokensmith demo finishes in <= 180 s wall on 2 cores", "runs": runs, "ratios": ratios,
           "cpus": os.cpu_count(), "python": platform.python_version(), "time": time.strftime("%Y-%m-%dT%H:%M:%S")}
    sys.path.insert(0, str(ROOT / "src"))
    from tokensmith import atomic

    atomic.write_text(OUT, json.dumps(doc, indent=2) + "\n")
    print(json.dumps(doc, indent=2))


if __name__ == "__main__":
    main()
