"""The `tokensmith` command line: a thin shell over the library. Each command group lives in its own module."""
