"""Backends: one file per tokenizer library, all implementing `backends.base.Backend`."""

from tokensmith.backends.base import Backend, BackendKind

__all__ = ["Backend", "BackendKind"]
