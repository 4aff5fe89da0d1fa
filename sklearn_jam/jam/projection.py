"""Projection of oblate Gaussians: intrinsic axial ratio and the inclinations it allows.

Eq. (14) of Cappellari (2008): a Gaussian of observed axial ratio ``q`` seen at
inclination ``i`` has intrinsic axial ratio ``sqrt(q^2 - cos^2 i) / sin i``. This
module is that formula's one home, with its inverse in the form jampy's examples
sample (the inclination at which the flattest Gaussian has a given ``q_min``), the
projection of an intrinsic ratio, and the deprojection of a whole MGE (eqs. 12-14)
that both engines and their truths take.
"""

import numpy as np

__all__ = [
    "intrinsic_axis_ratio",
    "observed_axis_ratio",
    "inc_from_qmin",
    "qmin_from_inc",
    "deproject_gaussians",
]


def intrinsic_axis_ratio(q, inc):
    """Intrinsic axial ratio of an oblate spheroid seen at an inclination.

    Parameters
    ----------
    q : array-like
        Observed (projected) axial ratio, dimensionless.
    inc : array-like
        Inclination in degrees (90 = edge-on).

    Returns
    -------
    q_intr : ndarray
        ``sqrt(q**2 - cos(inc)**2) / sin(inc)``; NaN where the projection is
        impossible (``q < cos(inc)``).
    """
    q = np.asarray(q, dtype=float)
    inc_rad = np.radians(np.asarray(inc, dtype=float))
    arg = q**2 - np.cos(inc_rad) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(arg >= 0, np.sqrt(np.clip(arg, 0, None)) / np.sin(inc_rad), np.nan)


def observed_axis_ratio(q_intr, inc):
    """Observed axial ratio of an oblate Gaussian of intrinsic ratio ``q_intr`` at ``inc``.

    The inverse of :func:`intrinsic_axis_ratio`: ``sqrt(q_intr^2 sin^2 i + cos^2 i)``.

    Parameters
    ----------
    q_intr : array-like
        Intrinsic axial ratio, in (0, 1].
    inc : array-like
        Inclination in degrees.

    Returns
    -------
    q : ndarray
        At most 1: a round Gaussian's rounding error above it, deprojected near
        face-on (divided by sin i), would be a prolate one.
    """
    i = np.radians(inc)
    return np.minimum(np.sqrt((q_intr * np.sin(i)) ** 2 + np.cos(i) ** 2), 1.0)


def inc_from_qmin(q_min, qobs_min):
    """Inclination (degrees) at which the flattest Gaussian has intrinsic axial ratio ``q_min``.

    The inverse of eq. (14) of Cappellari (2008), as jampy's examples; vectorised.

    Parameters
    ----------
    q_min : float or array-like
        Intrinsic axial ratio of the flattest Gaussian, in (0, ``qobs_min``).
    qobs_min : float
        The smallest observed axial ratio of the MGE.

    Returns
    -------
    inc : ndarray
        Inclination in degrees.
    """
    q_min = np.asarray(q_min, dtype=float)
    return np.degrees(np.arctan2(np.sqrt(1 - qobs_min**2), np.sqrt(qobs_min**2 - q_min**2)))


def qmin_from_inc(inc, qobs_min):
    """The inverse of :func:`inc_from_qmin`: the flattest Gaussian's intrinsic axial ratio.

    Parameters
    ----------
    inc : float or array-like
        Inclination in degrees.
    qobs_min : float
        The smallest observed axial ratio of the MGE.

    Returns
    -------
    q_min : ndarray
        ``sqrt(qobs_min**2 - cos(inc)**2) / sin(inc)``; NaN below the lowest inclination.
    """
    inc = np.radians(np.asarray(inc, dtype=float))
    return np.sqrt(qobs_min**2 - np.cos(inc) ** 2) / np.sin(inc)


def deproject_gaussians(surf, sigma, qobs, cos_inc, sin_inc):
    """Central densities and intrinsic axial ratios of an MGE's oblate Gaussians (C08 eqs. 12-14).

    Plain arithmetic, so NumPy arrays and torch tensors (differentiable) alike;
    the caller has checked that every Gaussian can be deprojected.

    Parameters
    ----------
    surf : array-like of shape (..., n_gauss)
        Peak surface densities (per pc^2).
    sigma : array-like of shape (..., n_gauss)
        Dispersions in pc.
    qobs : array-like of shape (..., n_gauss)
        Observed axial ratios.
    cos_inc, sin_inc : array-like broadcasting against ``surf``
        Cosine and sine of the inclination.

    Returns
    -------
    dens, sigma, q_intr : arrays of shape (..., n_gauss)
        Central density (per pc^3), the dispersion (pc) as given and the intrinsic axial ratio.
    """
    q_intr = (qobs * qobs - cos_inc * cos_inc) ** 0.5 / sin_inc
    return surf * qobs / (sigma * q_intr * np.sqrt(2 * np.pi)), sigma, q_intr
