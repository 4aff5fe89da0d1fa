"""What the two jampy-example scripts share: jampy's posterior and the comparison text.

Imported by ``jampy_dark_halo.py`` and ``jampy_black_hole.py`` (this folder is on
their ``sys.path`` when they run).
"""

import json
from pathlib import Path

__all__ = ["read_jampy_posterior", "format_comparison"]


def read_jampy_posterior(path, names):
    """``{name: (p16, median, p84)}`` from ``scripts/run_jampy_bayes_example.py``'s JSON.

    Parameters
    ----------
    path : path
        The JSON file; a missing file gives ``{}``.
    names : list of str
        sklearn_jam's names of the example's parameters, in the example's order.
    """
    path = Path(path)
    if not path.exists():
        return {}
    ref = json.loads(path.read_text())
    return {name: (ref["p16"][i], ref["median"][i], ref["p84"][i]) for i, name in enumerate(names)}


def format_comparison(result):
    """Two lines of text for a :func:`compare_with_jampy` result."""
    return (
        f"V_rms at the starting point, sklearn_jam vs jam_axi_proj: max |diff| "
        f"{result['max_rel_diff']:.2e}, median {result['median_rel_diff']:.2e} (relative)\n"
        f"time per model: jampy {result['jampy_seconds'] * 1e3:.0f} ms, sklearn_jam "
        f"{result['sklearn_jam_seconds'] * 1e3:.1f} ms in batches of {result['n_batch']}: "
        f"{result['speedup']:.1f}x"
    )
