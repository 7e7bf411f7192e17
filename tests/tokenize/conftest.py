"""Shared fixtures: the zoo folder from ../shared (see tests/zoo/conftest.py)."""

from tests.zoo.conftest import zoo_dir  # noqa: F401  (re-exported fixture)
