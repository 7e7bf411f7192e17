"""The LM lab: small language models that compare tokenizations in bits per byte at equal training compute.

One file per architecture (`subword.py`, `byte.py`, `hierarchical.py`) over one causal block (`transformer.py`);
`flops.py` counts training compute, `train.py` spends a FLOPs budget, `bpb.py` scores raw UTF-8 text,
`checkpoint.py` writes and reads model directories, `registry.py` maps `--arch` names to models. This package
imports nothing heavy itself: torch is imported by the architecture files, which callers import explicitly.
"""
