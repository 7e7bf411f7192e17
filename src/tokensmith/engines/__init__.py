"""Where corpus-scale work runs: `local` (this process, the default) or `ray` (tasks on a Ray cluster).

The same functions run on both and give the same results: `encode-corpus` (sharded numpy ids, corpus_files.py)
and the encode phase of `eval` (eval_encoder.py). The work is cut into shards (shards.py), each shard is encoded by
`encode_shard` (shard_encode.py), and the driver merges the shards in their order. Ray is imported only by
ray_engine.py, and only when the `ray` engine is chosen: the local path never imports it.

Not handled here: metrics themselves (measure/), or scheduling beyond a bounded window of tasks in flight.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from tokensmith.engines.local_engine import LocalEngine
    from tokensmith.engines.ray_engine import RayEngine

EngineName = Literal["local", "ray"]
ENGINES: tuple[EngineName, ...] = ("local", "ray")


def open_engine(name: str, *, address: str | None = None, num_cpus: int | None = None) -> LocalEngine | RayEngine:
    """The engine called `name`: `LocalEngine` (never imports Ray) or `RayEngine` (joins `address`, or starts a
    local Ray). Use it as a context manager so a Ray instance it started is shut down.

    Args:
        name: 'local' or 'ray'.
        address: the Ray cluster ('HOST:PORT', 'ray://HOST:PORT', 'auto'); only with 'ray'.
        num_cpus: CPUs of a local Ray started here; only with 'ray'.

    Example:
        >>> with open_engine("local") as engine:
        ...     engine.name
        'local'
        >>> open_engine("spark")
        Traceback (most recent call last):
        ...
        tokensmith.errors.TokensmithError: unknown engine 'spark': use --engine local (the default) or --engine ray.
    """
    from tokensmith.errors import TokensmithError

    if name == "local":
        if address is not None:
            raise TokensmithError(f"--address {address} needs --engine ray (the local engine runs in this process).")
        from tokensmith.engines.local_engine import LocalEngine

        return LocalEngine()
    if name == "ray":
        from tokensmith.engines.ray_engine import RayEngine

        return RayEngine(address=address, num_cpus=num_cpus)
    raise TokensmithError(f"unknown engine '{name}': use --engine local (the default) or --engine ray.")
