import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin

from sklearn_jam import metrics


def test_values():
    y = np.ones((4, 5))
    p = y.copy()
    p[0, 0] = 1.005
    p[1, 2] = 0.97
    e = metrics.relative_error(y, p)
    assert e[0, 0] == pytest.approx(0.005) and e[1, 2] == pytest.approx(-0.03)
    np.testing.assert_allclose(
        metrics.max_relative_error(y, p, aggregate=None), [0.005, 0.03, 0, 0]
    )
    assert metrics.max_relative_error(y, p) == pytest.approx(0.035 / 4)
    assert metrics.fraction_within(y, p, 0.01) == 0.75
    assert metrics.fraction_within(y, p) == 0.75
    assert metrics.median_abs_relative_error(y, p) == 0.0
    s = metrics.accuracy_summary(y, p)
    assert s["fraction_within_1pct"] == 0.75 and s["n_maps"] == 4


def test_errors():
    with pytest.raises(ValueError, match="zeros"):
        metrics.relative_error(np.zeros((1, 3)), np.ones((1, 3)))
    with pytest.raises(ValueError, match="shapes differ"):
        metrics.relative_error(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="unknown scoring"):
        metrics.get_jam_scorer("nope")
    y_pred = np.ones((2, 3))
    y_pred[1, 2] = np.nan
    for func in (metrics.relative_error, metrics.accuracy_summary):
        with pytest.raises(ValueError, match=r"y_pred must be finite: y_pred\[1, 2\] = nan"):
            func(np.ones((2, 3)), y_pred)


class _Const(RegressorMixin, BaseEstimator):
    def __init__(self, factor):
        self.factor = factor

    def fit(self, X, y=None):
        return self

    def predict(self, X):
        return np.asarray(X) * self.factor


def test_scorers_sign_and_names():
    X = np.ones((10, 3))
    good, bad = _Const(1.001), _Const(1.05)
    for name, scorer in metrics.SCORERS.items():
        assert metrics.get_jam_scorer(name) is scorer
        assert scorer(good, X, X) > scorer(bad, X, X), name  # greater is better
    assert metrics.get_jam_scorer("neg_median_abs_relative_error")(bad, X, X) == pytest.approx(
        -0.05
    )
    assert metrics.get_jam_scorer("r2") is not None
