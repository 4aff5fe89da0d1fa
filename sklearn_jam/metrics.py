"""Relative-error metrics of the paper and ready-made scorers.

``E = (model - truth) / truth`` per grid point; per map, ``max |E|``.

Scorers follow scikit-learn's convention that greater is better: error
scorers are negated (``neg_*``), the fraction scorers are positive.
"""

import numpy as np
from sklearn.metrics import get_scorer, make_scorer
from sklearn.utils.validation import check_consistent_length

__all__ = [
    "relative_error",
    "max_relative_error",
    "median_abs_relative_error",
    "fraction_within",
    "accuracy_summary",
    "SCORERS",
    "get_jam_scorer",
    "neg_median_abs_relative_error_scorer",
    "neg_mean_max_relative_error_scorer",
    "fraction_within_1pct_scorer",
    "fraction_within_2pct_scorer",
]


def _check(y_true, y_pred):
    y_true = np.asarray(y_true, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    if y_true.ndim == 1:
        y_true = y_true[None, :]
    if y_pred.ndim == 1:
        y_pred = y_pred[None, :]
    check_consistent_length(y_true, y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred shapes differ: {y_true.shape} vs {y_pred.shape}")
    for name, a in (("y_true", y_true), ("y_pred", y_pred)):
        if not np.all(np.isfinite(a)):
            i, j = np.argwhere(~np.isfinite(a))[0]
            raise ValueError(f"{name} must be finite: {name}[{i}, {j}] = {a[i, j]}")
    if np.any(y_true == 0):
        raise ValueError("y_true has zeros; the relative error is undefined there")
    return y_true, y_pred


def relative_error(y_true, y_pred):
    """Relative error ``E = (y_pred - y_true) / y_true`` at every grid point.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_maps, n_points)
        True and predicted V_rms maps (any common unit).

    Returns
    -------
    E : ndarray of shape (n_maps, n_points)
    """
    y_true, y_pred = _check(y_true, y_pred)
    return (y_pred - y_true) / y_true


def max_relative_error(y_true, y_pred, aggregate="mean"):
    """Per-map maximum of ``|E|``, averaged or as a distribution.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_maps, n_points)
    aggregate : {'mean', 'median', 'max', None}, default='mean'
        How to combine the per-map values; None returns them all.

    Returns
    -------
    float or ndarray of shape (n_maps,)
    """
    per_map = np.max(np.abs(relative_error(y_true, y_pred)), axis=1)
    aggregators = {"mean": np.mean, "median": np.median, "max": np.max}
    if aggregate is None:
        return per_map
    if aggregate not in aggregators:
        raise ValueError(
            f"aggregate must be one of {sorted(aggregators)} or None, got {aggregate!r}"
        )
    return float(aggregators[aggregate](per_map))


def median_abs_relative_error(y_true, y_pred):
    """Median of ``|E|`` over all grid points of all maps."""
    return float(np.median(np.abs(relative_error(y_true, y_pred))))


def fraction_within(y_true, y_pred, threshold=0.02):
    """Fraction of maps whose ``max |E|`` is below ``threshold``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_maps, n_points)
    threshold : float, default=0.02
        Relative error, e.g. 0.02 for the paper's 2 per cent.

    Returns
    -------
    fraction : float in [0, 1]
    """
    if not threshold > 0:
        raise ValueError(f"threshold must be > 0, got {threshold!r}")
    return float(np.mean(max_relative_error(y_true, y_pred, aggregate=None) < threshold))


def accuracy_summary(y_true, y_pred):
    """The accuracy figures quoted by the paper and the benchmarks, as a dict.

    Returns
    -------
    summary : dict
        ``fraction_within_1pct``, ``fraction_within_2pct``,
        ``median_abs_E``, ``p99_abs_E``, ``mean_max_abs_E``, ``n_maps``.
    """
    e = np.abs(relative_error(y_true, y_pred))
    return {
        "n_maps": int(e.shape[0]),
        "fraction_within_1pct": fraction_within(y_true, y_pred, 0.01),
        "fraction_within_2pct": fraction_within(y_true, y_pred, 0.02),
        "median_abs_E": float(np.median(e)),
        "p99_abs_E": float(np.percentile(e, 99)),
        "mean_max_abs_E": float(np.mean(e.max(axis=1))),
    }


def _fraction_within_1pct(y_true, y_pred):
    return fraction_within(y_true, y_pred, 0.01)


def _fraction_within_2pct(y_true, y_pred):
    return fraction_within(y_true, y_pred, 0.02)


neg_median_abs_relative_error_scorer = make_scorer(
    median_abs_relative_error, greater_is_better=False
)
neg_mean_max_relative_error_scorer = make_scorer(max_relative_error, greater_is_better=False)
fraction_within_1pct_scorer = make_scorer(_fraction_within_1pct)
fraction_within_2pct_scorer = make_scorer(_fraction_within_2pct)

#: Scorers by name, usable as ``scoring=get_jam_scorer(name)``.
SCORERS = {
    "neg_median_abs_relative_error": neg_median_abs_relative_error_scorer,
    "neg_mean_max_relative_error": neg_mean_max_relative_error_scorer,
    "fraction_within_1pct": fraction_within_1pct_scorer,
    "fraction_within_2pct": fraction_within_2pct_scorer,
}


def get_jam_scorer(scoring):
    """A scorer by name: one of :data:`SCORERS`, else any scikit-learn scorer name.

    Parameters
    ----------
    scoring : str or callable
        ``'neg_median_abs_relative_error'``, ``'neg_mean_max_relative_error'``,
        ``'fraction_within_1pct'``, ``'fraction_within_2pct'``, a scikit-learn
        name, or a scorer (returned unchanged).

    Returns
    -------
    scorer : callable
    """
    if callable(scoring):
        return scoring
    if scoring in SCORERS:
        return SCORERS[scoring]
    try:
        return get_scorer(scoring)
    except ValueError as exc:
        raise ValueError(
            f"unknown scoring {scoring!r}; sklearn_jam names are {sorted(SCORERS)}"
        ) from exc
