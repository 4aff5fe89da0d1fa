"""Utilities: JAM-aware estimator checks, timing and plain-text reports.

Modules
-------
estimator_checks
    :func:`jam_estimator_checks`: the scikit-learn invariants on valid galaxies.
_timing, _text
    :func:`best_time` for the benchmarks; :func:`format_table` and :func:`jsonable`
    for reports and JSON files.
_units
    :func:`strip_unit`: astropy Quantities accepted where a unit is implied.
"""

from ._text import format_table, jsonable
from ._timing import best_time
from ._units import strip_unit
from .estimator_checks import jam_estimator_checks

__all__ = ["jam_estimator_checks", "best_time", "format_table", "jsonable", "strip_unit"]
