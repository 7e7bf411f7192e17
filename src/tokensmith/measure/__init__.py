"""measure stage: `evaluate` tokenizers × corpora × metrics → `Results` (the `tokensmith.results/2` rows).

Example:
    >>> from tokensmith.measure import EvalConfig, evaluate
    >>> callable(evaluate), EvalConfig().resamples
    (True, 1000)
"""

from tokensmith.measure.evaluation import EvalConfig, EvalInputs, evaluate
from tokensmith.measure.results import SCHEMA, Results, Row, read_results, write_json, write_parquet

__all__ = ["SCHEMA", "EvalConfig", "EvalInputs", "Results", "Row", "evaluate", "read_results", "write_json",
           "write_parquet"]
