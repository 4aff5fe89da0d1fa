"""What the two jampy-example scripts share: the comparison with jampy 8 and jampy's own
posterior.

Imported by ``jampy_dark_halo.py`` and ``jampy_black_hole.py`` (this folder is on
their ``sys.path`` when they run).
"""

import json
from pathlib import Path

from sklearn_jam.jam.crosscheck import compare_with_jampy

__all__ = [
    "compare_with_jampy8",
    "jampy_reference_posterior",
    "read_jampy_posterior",
    "format_comparison",
]

#: jampy's own runs of its examples (``scripts/run_jampy_bayes_example.py``), by alignment.
_REFERENCE = Path(__file__).resolve().parents[1] / "docs/_static"
_REFERENCE_FOLDERS = {"cyl": "jampy_examples", "sph": "jampy9_examples"}


def compare_with_jampy8(fit, start, X, args):
    """Steps 1-2: the model at ``start`` and the time per model against jampy 8, printed.

    The cylindrically aligned model only (``{}`` for ``--align sph``), in the same run.
    """
    if args.align != "cyl":
        return {}
    cmp = compare_with_jampy(
        fit, start, X, n_batch=8 if args.quick else 32, repeat=1 if args.quick else 3
    )
    print(format_comparison(cmp))
    return cmp


def jampy_reference_posterior(name, align, names):
    """jampy's own posterior of example ``name`` (jampy 8's for ``'cyl'``, 9's for ``'sph'``)."""
    return read_jampy_posterior(_REFERENCE / _REFERENCE_FOLDERS[align] / f"{name}.json", names)


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
