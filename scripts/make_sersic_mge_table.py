"""Build the shipped table behind :func:`sklearn_jam.sersic_mge` (SPEC section 3).

The MGE of a Sersic profile is found here, once, by a non-linear fit: for each
``n_ser`` on a fine grid, the log-sigmas of ``N_GAUSS`` Gaussians are optimised
(Levenberg-Marquardt) with the weights solved linearly inside (variable
projection), minimising the relative error of the surface density over
``1e-2 <= R/r_e <= 10``. Each fit starts from the previous ``n_ser``'s solution, so
the sigmas and weights follow one smooth branch. Every sigma and weight is then
approximated by a Chebyshev series in ``n_ser``: one over ``[1.5, 6]`` (the range
of SPEC v2, unchanged since) and one over ``[1, 1.5]`` (the exponential disks of
the general family), the branch continued down from 1.5;
:func:`sklearn_jam.sersic_mge`
evaluates those series with additions and multiplications only, so its result is
bitwise the same on every CPU, BLAS and thread count, and a polynomial (smooth)
in ``n_ser``.

Run ``python scripts/make_sersic_mge_table.py`` to rebuild
``sklearn_jam/data/sersic_mge_table.npz``; it prints the accuracy it reaches.
"""

from pathlib import Path

import numpy as np
from scipy.optimize import least_squares
from scipy.special import gammaincinv

N_GAUSS = 14
N_MIN, N_MAX = 1.5, 6.0
N_LOW = 1.0  # the second segment, [N_LOW, N_MIN], continues the branch below N_MIN
N_START = 2.0  # the continuation starts here and runs both ways
DEGREE = 24
R_FIT = np.geomspace(1e-2, 10, 400)
OUT = Path(__file__).resolve().parents[1] / "sklearn_jam" / "data" / "sersic_mge_table.npz"


def sersic(radius, n_ser):
    """Sersic surface density with ``r_e = 1`` and unit value at ``r_e``."""
    return np.exp(-gammaincinv(2 * n_ser, 0.5) * (radius ** (1 / n_ser) - 1))


def design(log_sigma, n_ser, radius):
    return (
        np.exp(-0.5 * (radius[:, None] / np.exp(log_sigma)) ** 2) / sersic(radius, n_ser)[:, None]
    )


def weights(log_sigma, n_ser):
    w, *_ = np.linalg.lstsq(design(log_sigma, n_ser, R_FIT), np.ones(R_FIT.size), rcond=None)
    return w


def residuals(log_sigma, n_ser):
    return design(log_sigma, n_ser, R_FIT) @ weights(log_sigma, n_ser) - 1


def follow(branch, log_sigma, fits):
    """Fit each ``n_ser`` of ``branch`` in turn, each from the previous solution."""
    for n_ser in branch:
        fit = least_squares(
            residuals, log_sigma, args=(n_ser,), method="lm", xtol=1e-14, ftol=1e-14
        )
        log_sigma = fit.x
        fits[n_ser] = np.exp(log_sigma), weights(log_sigma, n_ser)
    return log_sigma


def chebyshev(grid, fits, lo, hi):
    """Chebyshev series over ``[lo, hi]`` of every sigma and weight, (N_GAUSS, DEGREE + 1)."""
    sigmas = np.array([fits[n][0] for n in grid])
    surfs = np.array([fits[n][1] for n in grid])
    assert np.all(surfs > 0), "a Gaussian of negative weight"
    t = (2 * grid - (lo + hi)) / (hi - lo)
    return (
        np.polynomial.chebyshev.chebfit(t, sigmas, DEGREE).T,
        np.polynomial.chebyshev.chebfit(t, surfs, DEGREE).T,
    )


def main():
    grid = np.linspace(N_MIN, N_MAX, 181)
    fits = {}
    follow(grid[grid >= N_START], np.log(np.geomspace(4e-3, 6, N_GAUSS)), fits)
    follow(grid[grid < N_START][::-1], np.log(fits[N_START][0]), fits)
    cheb_sigma, cheb_surf = chebyshev(grid, fits, N_MIN, N_MAX)
    low = np.linspace(N_LOW, N_MIN, 41)
    follow(low[::-1][1:], np.log(fits[N_MIN][0]), fits)
    cheb_sigma_low, cheb_surf_low = chebyshev(low, fits, N_LOW, N_MIN)
    OUT.parent.mkdir(exist_ok=True)
    np.savez(
        OUT,
        n_range=np.array([N_MIN, N_MAX]),
        cheb_sigma=cheb_sigma,
        cheb_surf=cheb_surf,
        n_range_low=np.array([N_LOW, N_MIN]),
        cheb_sigma_low=cheb_sigma_low,
        cheb_surf_low=cheb_surf_low,
        r_fit=np.array([R_FIT[0], R_FIT[-1]]),
    )
    print(
        f"wrote {OUT}: {N_GAUSS} Gaussians, Chebyshev degree {DEGREE}, n_ser in "
        f"[{N_LOW}, {N_MIN}] and [{N_MIN}, {N_MAX}]"
    )


if __name__ == "__main__":
    main()
