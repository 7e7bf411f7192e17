"""The `ray` engine: shard tasks on a Ray cluster, a bounded window of them in flight, results in input order.

`RayEngine(address)` joins an existing cluster ('HOST:PORT' of its head node, 'ray://HOST:PORT' for Ray Client,
or 'auto' for the cluster this machine belongs to) or, with no address, starts a local one. Before joining a
'HOST:PORT' it opens a TCP connection with a short timeout, so an address that does not answer is a clear
`EngineConnectionError` naming it instead of a long hang. When Ray is already initialized in this process (a test,
a notebook) the engine uses that instance and leaves it running.

The tokenizer travels once per engine call as a `TokenizerRef` (its native bytes, shipping.py) in the object
store; each worker rebuilds it once. Ray is imported here only, inside the engine: `import tokensmith` and the
local engine never import it.

Not handled: retries of failed tasks beyond Ray's own, and placement (every task asks for one CPU).
"""

from __future__ import annotations

import collections
import socket
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

from tokensmith.engines.shipping import TokenizerRef
from tokensmith.errors import MissingDependencyError, TokensmithError
from tokensmith.tokenizer import Tokenizer

Item = TypeVar("Item")
Result = TypeVar("Result")
CONNECT_TIMEOUT_S = 5.0


class EngineConnectionError(TokensmithError):
    """A Ray address that does not answer (or is not a Ray cluster)."""


def _import_ray() -> Any:
    try:
        import ray
    except ImportError as e:
        raise MissingDependencyError("the ray engine needs Ray: pip install 'tokensmith[ray]' (or use --engine "
                                     "local, the default).") from e  # fmt: skip
    return ray


def check_address(address: str, *, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Raise `EngineConnectionError` unless a TCP connection to the address's host and port opens in `timeout` s.

    Args:
        address: 'HOST:PORT' or 'ray://HOST:PORT' ('auto' and 'local' are left to Ray).
        timeout: seconds to wait for the connection.

    Example:
        >>> check_address("auto")  # nothing to check: Ray finds the cluster itself
        >>> check_address("nonsense")
        Traceback (most recent call last):
        ...
        tokensmith.engines.ray_engine.EngineConnectionError: Ray address 'nonsense' is not HOST:PORT: ...
    """
    if address in ("auto", "local"):
        return
    hostport = address.removeprefix("ray://")
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise EngineConnectionError(f"Ray address '{address}' is not HOST:PORT: give the head node as "
                                    "--address HOST:6379 (or ray://HOST:10001 for Ray Client, or auto).")  # fmt: skip
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as e:
        raise EngineConnectionError(f"Ray address '{address}' does not answer ({type(e).__name__}: {e}, after at "
                                    f"most {timeout:g} s). Check that the cluster runs there (`ray status "
                                    f"--address {hostport}` on that machine) and that this machine can reach the "
                                    "port, or drop --address to start a local Ray.") from None  # fmt: skip


def _init(ray: Any, *, address: str | None, num_cpus: int | None) -> None:
    try:
        ray.init(address=address, num_cpus=num_cpus, include_dashboard=False, log_to_driver=False,
                 configure_logging=False)  # fmt: skip
    except (ConnectionError, RuntimeError, ValueError) as e:
        where = f"Ray address '{address}'" if address else "a local Ray"
        raise EngineConnectionError(f"{where} could not be joined ({type(e).__name__}: {e}). Check the address "
                                    "(the head node's HOST:6379, or auto), or drop --address to start a local "
                                    "Ray.") from None  # fmt: skip


def _run_task(fn: Callable[[Tokenizer, Any], Any], ref: TokenizerRef, item: Any) -> Any:
    return fn(ref.load(), item)


class RayEngine:
    """Runs `fn(tok, item)` as Ray tasks, at most `window` in flight, yielding results in input order.

    Args:
        address: the cluster to join (see the module docstring); None starts a local Ray.
        num_cpus: CPUs of a local Ray started here (default: Ray's choice).
        window: tasks in flight (default: twice the cluster's CPUs); bounds the driver's memory.
        connect_timeout: seconds for the address check.

    Example:
        >>> RayEngine(address="127.0.0.1:1")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        tokensmith.engines.ray_engine.EngineConnectionError: Ray address '127.0.0.1:1' does not answer ...
    """

    name = "ray"

    def __init__(self, *, address: str | None = None, num_cpus: int | None = None, window: int | None = None,
                 connect_timeout: float = CONNECT_TIMEOUT_S) -> None:  # fmt: skip
        ray = _import_ray()
        self._owns = not ray.is_initialized()
        if self._owns:
            if address is not None:
                check_address(address, timeout=connect_timeout)
            _init(ray, address=address, num_cpus=num_cpus)
        self._ray = ray
        self.address = address or "local"
        cpus = int(ray.cluster_resources().get("CPU", 1))
        self.window = window or max(2, 2 * cpus)
        self._task = ray.remote(num_cpus=1)(_run_task)

    def imap(self, fn: Callable[[Tokenizer, Item], Result], items: Iterable[Item], *, tok: Tokenizer) -> Iterator[Result]:
        """`fn(tok, item)` for each item on the cluster, in input order, with at most `window` tasks in flight.

        Args:
            fn: a module-level function (Ray pickles it by reference).
            items: the task inputs, consumed lazily as results come back.
            tok: the tokenizer; sent once as a `TokenizerRef`.

        Example:
            >>> callable(RayEngine.imap)
            True
        """
        ref = self._ray.put(TokenizerRef.of(tok))
        pending: collections.deque = collections.deque()
        for item in items:
            pending.append(self._task.remote(fn, ref, item))
            if len(pending) >= self.window:
                yield self._ray.get(pending.popleft())
        while pending:
            yield self._ray.get(pending.popleft())

    def describe(self) -> dict[str, object]:
        """The cluster that ran the work: address and CPUs.

        Example:
            >>> callable(RayEngine.describe)
            True
        """
        return {"engine": "ray", "address": self.address, "cpus": int(self._ray.cluster_resources().get("CPU", 0))}

    def close(self) -> None:
        """Shut down the Ray instance this engine started (one it joined or found running is left alone).

        Example:
            >>> callable(RayEngine.close)
            True
        """
        if self._owns and self._ray.is_initialized():
            self._ray.shutdown()

    def __enter__(self) -> RayEngine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
