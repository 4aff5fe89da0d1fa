"""Compiled kernels of the JAM engine (numba): the sums over terms of a convolved model.

With a PSF, a model at a bin is a sum over some thousands of terms
``(f0 + f1 x^2) exp(-(a x^2 + g y^2))`` (``sklearn_jam.jam.cylindrical._surf_v2los``),
averaged over the spaxel. As NumPy array operations that sum makes some twenty
passes over a (points x terms) array, and NumPy's single-precision exponential is
not vectorised on every CPU; it was most of a model's time. The kernels below do
it in one pass, with an exponential that the compiler vectorises (AVX2: eight at
once), five to ten times faster on one thread: :func:`pixel_mean_f32` for aligned
spaxels (a Gauss-Legendre rule in x and in y) and :func:`point_sum_f32` at points
(a PSF without spaxels, or the sub-points of rotated spaxels). They release the
GIL, so the engine's threads share a batch.
"""

import numpy as np
from numba import njit

__all__ = ["pixel_mean_f32", "point_sum_f32"]

_F32 = np.float32
# Every flag but "no NaN" and "no infinity": reassociation vectorises the sums,
# and a NaN coefficient still gives a NaN model (which the fit refuses) rather
# than an arbitrary number.
_FASTMATH = {"reassoc", "contract", "arcp", "nsz", "afn"}


@njit(fastmath=_FASTMATH, inline="always")
def _exp32(x):
    """``exp(x)`` of ``x <= 0`` in single precision (relative error ~1e-7), 0 below -87.

    Cephes' ``expf``: ``x = n ln 2 + r`` with ``|r| <= ln(2) / 2``, a degree-7
    polynomial in ``r``, and ``2**n`` built from its exponent bits; only
    arithmetic, selects and a bit cast, so loops over it vectorise.
    """
    underflow = x < _F32(-87.0)
    x = _F32(-87.0) if underflow else x
    # round(x / ln 2) for x <= 0: truncation towards zero of x / ln 2 - 1/2
    n = _F32(np.int32(x * _F32(1.4426950408889634) - _F32(0.5)))
    r = x - n * _F32(0.693359375) + n * _F32(2.12194440e-4)  # ln 2 in two parts
    p = _F32(1.9875691500e-4)
    p = p * r + _F32(1.3981999507e-3)
    p = p * r + _F32(8.3334519073e-3)
    p = p * r + _F32(4.1665795894e-2)
    p = p * r + _F32(1.6666665459e-1)
    p = p * r + _F32(5.0000001201e-1)
    p = p * r * r + r + _F32(1.0)
    two_n = np.int32((np.int32(n) + np.int32(127)) << np.int32(23)).view(np.float32)
    return _F32(0.0) if underflow else p * two_n


@njit(fastmath=_FASTMATH, nogil=True, cache=True, boundscheck=False)
def pixel_mean_f32(x, y, a, g, f0, f1, half, tau, w_tau, out):
    """Spaxel mean of ``sum_m (f0 + f1 t^2) exp(-(a t^2 + g s^2))`` at each point, in place.

    The mean over the square ``|t - x| < half``, ``|s - y| < half`` is a
    Gauss-Legendre rule in ``t`` and in ``s`` separately, as
    ``sklearn_jam.jam._convolution.pixel_mean`` with a PSF.

    Parameters
    ----------
    x, y : ndarray of shape (n_galaxies, n_points), float32
        Points (pc).
    a, g : ndarray of shape (n_galaxies, n_terms), float32
        Coefficients of the exponent, ``>= 0`` (1/pc^2).
    f0, f1 : ndarray of shape (n_galaxies, n_terms), float32
        Coefficients of the quadratic, scaled to order one.
    half : ndarray of shape (n_galaxies,), float32
        Half side of the spaxel (pc).
    tau, w_tau : ndarray of shape (n_nodes,), float32
        Gauss-Legendre points on [-1, 1] and their weights summing to 1.
    out : ndarray of shape (n_galaxies, n_points), float64
        The means, summed over the terms in double precision.
    """
    n_gal, n_points = x.shape
    n_terms = a.shape[1]
    mean_x = np.empty(n_terms, np.float32)
    mean_y = np.empty(n_terms, np.float32)
    for b in range(n_gal):
        for p in range(n_points):
            for m in range(n_terms):
                mean_x[m] = 0
                mean_y[m] = 0
            for i in range(tau.shape[0]):
                t = x[b, p] + half[b] * tau[i]
                s = y[b, p] + half[b] * tau[i]
                t2, s2, w = t * t, s * s, w_tau[i]
                # innermost loop over the terms: contiguous, vectorised
                for m in range(n_terms):
                    mean_x[m] += w * (f0[b, m] + f1[b, m] * t2) * _exp32(-a[b, m] * t2)
                    mean_y[m] += w * _exp32(-g[b, m] * s2)
            total = 0.0
            for m in range(n_terms):
                total += np.float64(mean_x[m]) * np.float64(mean_y[m])
            out[b, p] = total


@njit(fastmath=_FASTMATH, nogil=True, cache=True, boundscheck=False)
def point_sum_f32(x, y, a, g, f0, f1, out):
    """``sum_m (f0 + f1 x^2) exp(-(a x^2 + g y^2))`` at each point, in place.

    The convolved model at points: with a PSF and no spaxel, or at the
    sub-points of rotated spaxels. Arguments as :func:`pixel_mean_f32`.
    """
    n_gal, n_points = x.shape
    n_terms = a.shape[1]
    terms = np.empty(n_terms, np.float32)
    for b in range(n_gal):
        for p in range(n_points):
            x2, y2 = x[b, p] * x[b, p], y[b, p] * y[b, p]
            # two simple loops vectorise better than one that also widens to double
            for m in range(n_terms):
                terms[m] = (f0[b, m] + f1[b, m] * x2) * _exp32(-(a[b, m] * x2 + g[b, m] * y2))
            total = 0.0
            for m in range(n_terms):
                total += np.float64(terms[m])
            out[b, p] = total
