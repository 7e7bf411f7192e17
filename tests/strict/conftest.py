"""The zoo folder from ../shared for the strict-mode tests (see tests/zoo/conftest.py)."""

from tests.zoo.conftest import zoo_dir  # noqa: F401  (re-exported fixture)
