"""JAM-aware estimator checks, for estimators that take galaxies rather than random arrays.

scikit-learn's generated checks (:func:`sklearn.utils.estimator_checks.parametrize_with_checks`)
feed random arrays, which neither estimator of this package can take: the emulator's ``X``
is three scalars and a square image, the simulator's ``X`` is six galaxy parameters
inside the physical domain. These checks run the invariants those checks would have
verified on valid data that the caller gives, so third-party estimators with the same
inputs can run them too (as ``imblearn.utils.estimator_checks`` does for resamplers).

Example::

    for name, check in jam_estimator_checks(JamEmulatorRegressor(max_epochs=3)):
        check(X, y)
"""

import pickle
import tempfile
from pathlib import Path

import joblib
import numpy as np
from sklearn.base import clone

__all__ = ["jam_estimator_checks"]


def _output(est, X):
    """What the estimator returns for ``X``: ``predict``, or ``transform`` for a simulator."""
    return est.predict(X) if hasattr(est, "predict") else est.transform(X)


def _fitted(est, X, y):
    return clone(est).fit(X, y)


def check_fit_idempotent(est, X, y):
    """Fitting twice gives the same model (with a fixed random_state)."""
    a = clone(est).fit(X, y)
    b = a.fit(X, y)
    np.testing.assert_allclose(_output(a, X), _output(_fitted(est, X, y), X), rtol=1e-6)
    assert b is a, "fit must return self"


def check_params_unchanged_by_fit(est, X, y):
    """``fit`` leaves the parameters as they were set."""
    est = clone(est)
    before = joblib.hash(est.get_params())
    est.fit(X, y)
    assert joblib.hash(est.get_params()) == before, "fit changed a parameter"


def check_n_features_in(est, X, y):
    """``n_features_in_`` is the width of ``X``, and another width is refused."""
    est = _fitted(est, X, y)
    assert est.n_features_in_ == X.shape[1]
    try:
        _output(est, X[:, :-1])
    except ValueError:
        return
    raise AssertionError("an X of another width was not refused")


def check_subset_invariance(est, X, y):
    """The output of each row does not depend on the other rows."""
    est = _fitted(est, X, y)
    full = _output(est, X)
    parts = np.vstack([_output(est, X[i : i + 1]) for i in range(len(X))])
    np.testing.assert_allclose(parts, full, rtol=1e-6)


def check_sample_order_invariance(est, X, y):
    """Permuting the rows permutes the outputs."""
    est = _fitted(est, X, y)
    order = np.random.default_rng(0).permutation(len(X))
    np.testing.assert_allclose(_output(est, X[order]), _output(est, X)[order], rtol=1e-6)


def check_pickle(est, X, y):
    """A pickled and unpickled estimator gives the same output."""
    est = _fitted(est, X, y)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(_output(again, X), _output(est, X))


def check_readonly_memmap_input(est, X, y):
    """Read-only memory-mapped inputs (as joblib passes to workers) are accepted."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.joblib"
        joblib.dump((X, y), path)
        X_ro, y_ro = joblib.load(path, mmap_mode="r")
        est = _fitted(est, X_ro, y_ro)
        np.testing.assert_allclose(_output(est, X_ro), _output(est, np.array(X)), rtol=1e-6)


def check_nan_rejected(est, X, y):
    """NaN in ``X`` is an error, not a NaN output."""
    est = _fitted(est, X, y)
    bad = np.array(X, dtype=float)
    bad[0, 0] = np.nan
    try:
        _output(est, bad)
    except ValueError:
        return
    raise AssertionError("NaN in X was not refused")


_CHECKS = (
    check_fit_idempotent,
    check_params_unchanged_by_fit,
    check_n_features_in,
    check_subset_invariance,
    check_sample_order_invariance,
    check_pickle,
    check_readonly_memmap_input,
    check_nan_rejected,
)


def jam_estimator_checks(estimator):
    """The JAM-aware checks for ``estimator``, as ``(name, check)`` pairs.

    Parameters
    ----------
    estimator : estimator instance
        An emulator (with ``predict``) or a simulator (with ``transform``); give it
        a fixed ``random_state`` so that two fits agree.

    Yields
    ------
    name : str
        The check's name.
    check : callable
        ``check(X, y)`` on valid data: the features and maps of a few galaxies
        (for a simulator, their parameters and ``y=None``). Raises
        ``AssertionError`` when the estimator breaks the invariant.
    """
    for func in _CHECKS:
        yield func.__name__, lambda X, y, func=func: func(estimator, X, y)
