"""Quadrature rules of the engines: Gauss-Legendre nodes and the radius ladder.

The line-of-sight integrals are done with fixed Gauss-Legendre nodes after a
change of variables that depends on a point only through its radius; points are
grouped on a ladder of radii so that a group shares its coefficients.
"""

import functools

import numpy as np

__all__ = ["DEFAULT_N_NODES", "CUTOFF", "gauss_legendre", "pixel_rule", "radius_groups"]

#: Default number of Gauss-Legendre nodes (max relative error ~3e-8 on the reference).
DEFAULT_N_NODES = 16

#: The integrand is cut where its Gaussian factor in ``u`` falls below ``exp(-CUTOFF)``.
CUTOFF = 36.0


@functools.cache
def gauss_legendre(n_nodes):
    """Nodes and weights of ``n_nodes``-point Gauss-Legendre quadrature on [0, 1]."""
    t, w = np.polynomial.legendre.leggauss(int(n_nodes))
    return 0.5 * (t + 1), 0.5 * w


def pixel_rule(n):
    """Gauss-Legendre points on [-1, 1] and weights summing to 1 (across a spaxel)."""
    t, w = gauss_legendre(n)
    return 2 * t - 1, w


def radius_groups(r, rungs_per_octave=8):
    """Group points by radius on a ladder of step 2**(1/rungs), each group's radius <= its points'.

    The change of variables depends on a point only through its radius, and is
    exact for any radius: a group radius at most the point's keeps the cutoff on
    the safe side, so all points of a group share the coefficients.
    """
    rung = np.floor(rungs_per_octave * np.log2(r))
    keys, inverse = np.unique(rung, return_inverse=True)
    radius = np.array([r[inverse == g].min() for g in range(len(keys))])
    return radius, inverse.reshape(r.shape)
