"""Multi-Gaussian expansions (MGE) of model profiles (SPEC section 3).

:func:`sersic_mge` is the project's deterministic recipe for the Sersic profile:
no fit runs when it is called. The Gaussians were fitted once, offline, by
``scripts/make_sersic_mge_table.py`` (a non-linear fit followed along ``n_ser`` by
continuation, so every sigma and weight lies on one smooth branch), and every
sigma and weight is shipped as a Chebyshev series in ``n_ser``: one over ``[1.5, 6]``
(the range of SPEC v2, unchanged) and one over ``[1, 1.5]`` that continues the same
branch down to the exponential profile (they meet at 1.5 to 4e-7). Evaluating those
series takes additions and multiplications only, so the result is bitwise the
same on every CPU, BLAS kernel and thread count, and a polynomial, hence smooth,
function of ``n_ser``.
"""

import functools
from importlib import resources

import numpy as np

__all__ = ["sersic_mge", "SERSIC_MGE_N_RANGE", "SERSIC_MGE_NGAUSS"]


@functools.cache
def _table():
    with resources.files("sklearn_jam").joinpath("data/sersic_mge_table.npz").open("rb") as f:
        with np.load(f) as data:
            return {k: data[k] for k in data.files}


#: Range of ``n_ser`` over which :func:`sersic_mge` is defined.
SERSIC_MGE_N_RANGE = (float(_table()["n_range_low"][0]), float(_table()["n_range"][1]))

#: Number of Gaussians of :func:`sersic_mge`.
SERSIC_MGE_NGAUSS = int(_table()["cheb_sigma"].shape[0])


def _chebval(t, coef):
    """Chebyshev series ``sum_k coef[:, k] T_k(t)`` by Clenshaw's recurrence.

    Only elementwise additions and multiplications, in a fixed order: IEEE 754
    makes each of them exact to the last bit on every platform.
    """
    t = t[..., None]
    b1 = np.zeros(t.shape[:-1] + coef.shape[:1])
    b2 = np.zeros_like(b1)
    for k in range(coef.shape[1] - 1, 0, -1):
        b1, b2 = (t + t) * b1 - b2 + coef[:, k], b1
    return t * b1 - b2 + coef[:, 0]


def sersic_mge(n_ser):
    """MGE of the Sersic profile with ``r_e = 1``, deterministic and smooth in ``n_ser``.

    The surface density ``sum_m surf[m] exp(-R**2 / (2 sigma[m]**2))`` matches
    ``exp(-b_n ((R / r_e)**(1/n_ser) - 1))`` to a relative error below 1.2e-3
    over ``1e-2 <= R / r_e <= 10`` for ``2 <= n_ser <= 4`` (the prior of SPEC
    section 1) with 14 Gaussians, where jampy's 20-Gaussian recipe is at
    2-5e-3. ``docs/physics.rst`` gives the error for every ``n_ser``.

    Parameters
    ----------
    n_ser : float or array-like of shape (n_galaxies,)
        Sersic index, within :data:`SERSIC_MGE_N_RANGE`.

    Returns
    -------
    surf : ndarray of shape (14,) or (n_galaxies, 14)
        Peak surface density of each Gaussian, relative to the profile's value
        at ``r_e`` (dimensionless; all positive).
    sigma : ndarray of shape (14,) or (n_galaxies, 14)
        Dispersion of each Gaussian in units of ``r_e``, increasing.

    Raises
    ------
    ValueError
        If ``n_ser`` is not finite or lies outside :data:`SERSIC_MGE_N_RANGE`.
    """
    n = np.asarray(n_ser, dtype=np.float64)
    lo, hi = SERSIC_MGE_N_RANGE
    bad = ~((n >= lo) & (n <= hi))
    if np.any(bad):
        raise ValueError(
            f"n_ser={n[bad].ravel()[0]!r} is outside the range of the Sersic MGE recipe "
            f"[{lo}, {hi}]"
        )
    table = _table()
    surf, sigma = _segment(n, table, "")
    low = n < table["n_range"][0]
    if np.any(low):  # the exponential end: the second segment of the same branch
        surf_low, sigma_low = _segment(n, table, "_low")
        surf = np.where(low[..., None], surf_low, surf)
        sigma = np.where(low[..., None], sigma_low, sigma)
    return surf, sigma


def _segment(n, table, suffix):
    """The Chebyshev series of one segment of the table at ``n`` (any ``n``, clipped)."""
    lo, hi = table["n_range" + suffix]
    t = np.clip((n + n - (lo + hi)) / (hi - lo), -1.0, 1.0)
    return _chebval(t, table["cheb_surf" + suffix]), _chebval(t, table["cheb_sigma" + suffix])
