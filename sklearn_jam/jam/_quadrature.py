"""Quadrature rules of the engines: Gauss-Legendre nodes and the radius ladder.

The line-of-sight integrals are done with fixed Gauss-Legendre nodes after a
change of variables that depends on a point only through its radius; points are
grouped on a ladder of radii so that a group shares its coefficients.
"""

import functools

import numpy as np

__all__ = [
    "DEFAULT_N_NODES",
    "HARD_N_NODES",
    "HARD_Q_INTR",
    "HARD_SIGMA_RATIO",
    "BLACK_HOLE_PSF_N_NODES",
    "BLACK_HOLE_PSF_FLAT_N_NODES",
    "PSF_FLAT_Q",
    "PSF_FLAT_N_NODES",
    "BLACK_HOLE_PSF_DECADES",
    "BLACK_HOLE_PSF_NODES_PER_DECADE",
    "CUTOFF",
    "gauss_legendre",
    "exp_sinh_rule",
    "pixel_rule",
    "radius_groups",
]

#: Gauss-Legendre nodes of a galaxy without a black hole or a flat Gaussian (``n_nodes=None``).
DEFAULT_N_NODES = 16
#: ... and of a galaxy with a black hole, a Gaussian flatter than ``HARD_Q_INTR``
#: (intrinsic), or mass more concentrated than the light: its narrowest Gaussian, or
#: its mass-weighted geometric mean sigma, below ``HARD_SIGMA_RATIO`` times the light's.
HARD_N_NODES = 24
HARD_Q_INTR = 0.1
HARD_SIGMA_RATIO = 0.5
#: Seen through a PSF, a Gaussian of intrinsic axial ratio below ``PSF_FLAT_Q`` makes
#: the convolved terms narrow on the minor axis: at least ``PSF_FLAT_N_NODES`` (a q=0.16
#: Gaussian under a 4" FWHM PSF: 16 nodes left 2.4e-4, 24 left 1.5e-6, 32 left 3e-8).
PSF_FLAT_Q = 0.3
PSF_FLAT_N_NODES = 32
#: ... and a black hole seen through a PSF: its convolved terms span from the PSF's
#: scale down to ``rbh``'s. It takes ``PSF_FLAT_N_NODES`` (on jampy's black-hole
#: set-up 24 left 6e-6 for strongly radial anisotropy, 32 left 1.5e-7); with a
#: Gaussian flatter than ``PSF_FLAT_Q`` 24 nodes left up to 4e-4 there
#: (``docs/physics.rst``): such a galaxy takes ``BLACK_HOLE_PSF_N_NODES``, and
#: ``BLACK_HOLE_PSF_FLAT_N_NODES`` below
#: ``HARD_Q_INTR`` (near the limit under a 4" FWHM PSF 48 nodes left 5e-6); every
#: galaxy with a black hole seen through a PSF takes ``BLACK_HOLE_PSF_NODES_PER_DECADE``
#: more per decade by which the widest PSF sigma exceeds ``10**BLACK_HOLE_PSF_DECADES``
#: times ``rbh`` (none for jampy's 0.01" under a PSF of up to 3").
BLACK_HOLE_PSF_N_NODES = 40
BLACK_HOLE_PSF_FLAT_N_NODES = 64
BLACK_HOLE_PSF_DECADES = 2.5
BLACK_HOLE_PSF_NODES_PER_DECADE = 16
#: Radius groups start here (arcsec): a point at the centre, or a kernel that covers
#: it, has no cutoff in ``u``; small enough for any galaxy, large enough that the
#: coefficients' gradients stay finite.
MIN_GROUP_RADIUS = 1e-30

#: The integrand is cut where its Gaussian factor in ``u`` falls below ``exp(-CUTOFF)``.
CUTOFF = 36.0


@functools.cache
def gauss_legendre(n_nodes):
    """Nodes and weights of ``n_nodes``-point Gauss-Legendre quadrature on [0, 1]."""
    t, w = np.polynomial.legendre.leggauss(int(n_nodes))
    return 0.5 * (t + 1), 0.5 * w


def exp_sinh_rule(n_nodes, lo, hi):
    """Nodes ``d = exp(pi/2 sinh(s))`` from ``lo`` to ``hi`` and their weights in ``d``.

    Gauss-Legendre in ``s``: the rule of an integrand with scales from ``lo`` to
    ``hi`` (decades apart, as along a characteristic), ``lo, hi`` of any (broadcast)
    shape; nodes and weights on a new last axis of length ``n_nodes``.
    """
    s_lo = np.arcsinh(2 / np.pi * np.log(lo))[..., None]
    s_hi = np.arcsinh(2 / np.pi * np.log(hi))[..., None]
    nodes, weights = gauss_legendre(n_nodes)
    s = s_lo + (s_hi - s_lo) * nodes
    d = np.exp(0.5 * np.pi * np.sinh(s))
    return d, d * 0.5 * np.pi * np.cosh(s) * (s_hi - s_lo) * weights


def pixel_rule(n):
    """Gauss-Legendre points on [-1, 1] and weights summing to 1 (across a spaxel)."""
    t, w = gauss_legendre(n)
    return 2 * t - 1, w


def radius_groups(r, rungs_per_octave=8):
    """Group points by radius on a fixed ladder of step 2**(1/rungs): radii and group of each.

    The change of variables depends on a point only through its radius, and is
    exact for any radius: the group's radius is its rung's lower edge, at most its
    points', which keeps the cutoff on the safe side, and a fixed ladder makes a
    point's value independent of the other points of the call.

    Parameters
    ----------
    r : ndarray of shape (n_points,)
        Radii in arcsec, >= 0 (below ``MIN_GROUP_RADIUS`` they join its group).
    rungs_per_octave : int, default=8
        Rungs of the ladder per factor 2 in radius.

    Returns
    -------
    radius : ndarray of shape (n_groups,)
        The groups' radii in arcsec.
    group : ndarray of shape (n_points,)
        The group of each point.
    """
    rung = np.floor(rungs_per_octave * np.log2(np.maximum(r, MIN_GROUP_RADIUS)))
    keys, inverse = np.unique(rung, return_inverse=True)
    return 2.0 ** (keys / rungs_per_octave), inverse.reshape(r.shape)
