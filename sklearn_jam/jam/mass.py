"""Mass models of real galaxies: MGE helpers, a gNFW dark halo and the inclination.

Everything here works on NumPy arrays, vectorised over leading axes where noted,
in jampy's units: surface densities in Lsun/pc^2 or Msun/pc^2, sigmas and radii
in arcsec, distances in Mpc, angles in degrees.

The halo's MGE is deterministic: fixed, log-spaced sigmas and non-negative
linear least squares on the relative error of the density. The problem is convex
with a unique solution, so every CPU gets the same Gaussians (to rounding), where
jampy's example recipe (``mgefit.fit_1d``, a non-linear fit) may land in
different local minima.
"""

import numpy as np
from scipy import optimize, special

from .constants import arcsec_to_pc
from .projection import inc_from_qmin, qmin_from_inc  # noqa: F401 -- public here since 0.2

__all__ = [
    "gnfw_density",
    "gnfw_mge",
    "mge_half_light_radius",
    "mge_radial_mass",
    "inc_from_qmin",
    "qmin_from_inc",
    "dark_matter_scale",
    "black_hole_surface",
]

#: Gaussians of :func:`gnfw_mge` by default.
GNFW_MGE_NGAUSS = 20


def gnfw_density(r, gamma, rbreak):
    """The generalised NFW density, 1 at the break radius (jampy's example form).

    ``rho(r) = (r / r_b)**gamma * (1/2 + r / (2 r_b))**(-gamma - 3)``, so
    ``gamma`` is the inner logarithmic slope (``-1`` for NFW) and the outer
    slope is -3.

    Parameters
    ----------
    r : array-like
        Radii in arcsec.
    gamma : float
        Inner logarithmic slope, ``<= 0``.
    rbreak : float
        Break radius in arcsec.

    Returns
    -------
    rho : ndarray
        Density relative to its value at ``rbreak``.
    """
    x = np.asarray(r, dtype=float) / rbreak
    return x**gamma * (0.5 + 0.5 * x) ** (-gamma - 3)


def gnfw_mge(gamma, rbreak, r_min=0.1, r_max=None, n_gauss=GNFW_MGE_NGAUSS, sigma_max=None):
    """Deterministic MGE of a spherical gNFW halo.

    ``n_gauss`` round Gaussians with sigmas log-spaced from ``r_min / 2`` to
    ``r_max`` (or ``sigma_max``); their central densities solve non-negative
    least squares on the relative error of :func:`gnfw_density` at 300 log-spaced radii from
    ``r_min`` to ``r_max`` (jampy's example fits the same radii with
    ``mgefit.fit_1d``). With the defaults the enclosed mass is within about 3%
    beyond ``2 r_min`` for ``gamma = -1`` (jampy's 15-Gaussian recipe: 6%).

    Parameters
    ----------
    gamma : float
        Inner logarithmic slope, in [-3, 0] (``-1`` is NFW).
    rbreak : float
        Break radius in arcsec, > 0.
    r_min : float, default=0.1
        Innermost radius of the fit in arcsec.
    r_max : float, default=None
        Outermost radius of the fit in arcsec; ``10 * rbreak`` if None.
    n_gauss : int, default=20
        Number of Gaussians.
    sigma_max : float, default=None
        Dispersion of the widest Gaussian in arcsec; ``r_max`` if None. A fixed
        value gives every halo the same Gaussians, only their weights varying
        (:mod:`sklearn_jam.jam.tabulated` needs that).

    Returns
    -------
    surf : ndarray of shape (n_gauss,)
        Peak surface density of each projected Gaussian, in units of the
        density at ``rbreak`` times one arcsec (scale it to the halo's mass).
    sigma : ndarray of shape (n_gauss,)
        Dispersions in arcsec.
    qobs : ndarray of shape (n_gauss,)
        Axial ratios, all 1 (spherical).
    """
    if not (np.isfinite(gamma) and -3 <= gamma <= 0):
        raise ValueError(f"gamma={gamma!r} must be in [-3, 0] (the inner slope; -1 is NFW)")
    if not (np.isfinite(rbreak) and rbreak > 0):
        raise ValueError(f"rbreak={rbreak!r} must be finite and > 0 arcsec")
    r_max = 10 * rbreak if r_max is None else r_max
    if not (0 < r_min < r_max):
        raise ValueError(f"need 0 < r_min < r_max, got r_min={r_min!r}, r_max={r_max!r}")
    r = np.geomspace(r_min, r_max, 300)
    sigma_max = r_max if sigma_max is None else sigma_max
    if not (np.isfinite(sigma_max) and sigma_max > 0.5 * r_min):
        raise ValueError(f"sigma_max={sigma_max!r} must be finite and > r_min / 2")
    sigma = np.geomspace(0.5 * r_min, sigma_max, int(n_gauss))
    design = np.exp(-0.5 * (r[:, None] / sigma) ** 2) / gnfw_density(r, gamma, rbreak)[:, None]
    dens, _ = optimize.nnls(design, np.ones(r.size), maxiter=50 * int(n_gauss))
    # A spherical Gaussian of central density rho0 projects to a peak rho0 sqrt(2 pi) sigma.
    surf = dens * np.sqrt(2 * np.pi) * sigma
    return surf, sigma, np.ones_like(sigma)


def mge_half_light_radius(surf, sigma, qobs):
    """Circularised projected half-light radius of an MGE, solved exactly.

    The radius of the circle containing half the light of the MGE
    circularised at constant luminosity (``sigma * sqrt(q)``), as jampy's
    ``mge_half_light_radius`` (Cappellari et al. 2013, after eq. 11), which
    interpolates the same curve on 50 radii; here it is solved by bisection.

    Parameters
    ----------
    surf, sigma, qobs : array-like of shape (n_gauss,)
        Peak surface brightness (any unit), dispersion in arcsec and axial ratio.

    Returns
    -------
    reff : float
        Half-light radius in arcsec.
    """
    surf, sigma, qobs = (np.asarray(v, dtype=float) for v in (surf, sigma, qobs))
    sigma_c = sigma * np.sqrt(qobs)
    lum = surf * sigma_c**2

    def excess(log_r):
        return (1 - np.exp(-0.5 * (np.exp(log_r) / sigma_c) ** 2)) @ lum - 0.5 * lum.sum()

    lo, hi = np.log(sigma_c.min() * 1e-3), np.log(sigma_c.max() * 1e3)
    return float(np.exp(optimize.brentq(excess, lo, hi, xtol=1e-14, rtol=1e-14)))


def mge_radial_mass(surf, sigma, qobs, inc, radius, distance):
    """Mass (or light) of an axisymmetric MGE inside spheres, analytic.

    Eq. (14) of Mitzkus, Cappellari & Walcher (2017), as jampy's
    ``mge_radial_mass``, with the exact spherical limit (jampy clips the
    intrinsic axial ratio to 0.999).

    Parameters
    ----------
    surf : array-like of shape (..., n_gauss)
        Peak surface density in Msun/pc^2 (or Lsun/pc^2).
    sigma : array-like of shape (..., n_gauss)
        Dispersions in arcsec.
    qobs : array-like of shape (..., n_gauss)
        Observed axial ratios.
    inc : float or array-like of shape (...)
        Inclination in degrees.
    radius : float or array-like of shape (...)
        Radius of the sphere in arcsec.
    distance : float
        Distance in Mpc.

    Returns
    -------
    mass : ndarray of shape (...)
        Msun (or Lsun).
    """
    pc = arcsec_to_pc(distance)
    surf, sigma, qobs = (np.asarray(v, dtype=float) for v in (surf, sigma, qobs))
    inc = np.radians(np.asarray(inc, dtype=float))[..., None]
    sigma = sigma * pc
    total = 2 * np.pi * surf * qobs * sigma**2
    q2_intr = (qobs**2 - np.cos(inc) ** 2) / np.sin(inc) ** 2
    if np.any(q2_intr <= 0):
        raise ValueError(f"inc={np.degrees(inc).ravel().tolist()} deg cannot deproject qobs")
    q_intr = np.sqrt(np.clip(q2_intr, None, 1.0))
    e = np.sqrt(1 - q_intr**2)
    x = np.asarray(radius, dtype=float)[..., None] * pc / (np.sqrt(2) * sigma)
    h = x / q_intr
    # erf(h e) / e -> 2 h / sqrt(pi) as e -> 0 (a round Gaussian)
    small = e < 1e-4
    e_safe = np.where(small, 1.0, e)
    ratio = np.where(small, 2 * h / np.sqrt(np.pi), special.erf(h * e_safe) / e_safe)
    return ((special.erf(h) - np.exp(-(x**2)) * ratio) * total).sum(-1)


def dark_matter_scale(f_dm, lum, halo, inc, reff, distance):
    """Factor for a halo MGE that gives a dark-matter fraction ``f_dm`` inside a sphere of ``reff``.

    As jampy's dark-halo example: ``f_dm = s M_dm / (M_star + s M_dm)`` inside
    the sphere of radius ``reff``, where ``M_star`` is the light (the stellar
    mass at M/L = 1; a common M/L then scales both).

    Parameters
    ----------
    f_dm : float or array-like of shape (n,)
        Dark-matter fraction in [0, 1).
    lum : tuple of arrays
        ``(surf, sigma, qobs)`` of the luminous MGE.
    halo : tuple of arrays of shape (n, n_halo) or (n_halo,)
        ``(surf, sigma, qobs)`` of the halo MGE.
    inc : float or array-like of shape (n,)
        Inclination in degrees.
    reff : float
        Radius of the sphere in arcsec.
    distance : float
        Distance in Mpc.

    Returns
    -------
    scale : ndarray of shape (n,)
        Multiply the halo's ``surf`` by it.
    """
    f_dm = np.asarray(f_dm, dtype=float)
    stars = mge_radial_mass(*lum, inc, reff, distance)
    dark = mge_radial_mass(*halo, 90.0, reff, distance)  # round: inclination-free
    return f_dm * stars / (dark * (1 - f_dm))


def black_hole_surface(mbh, rbh_pc):
    """Peak surface density (Msun/pc^2) of the black hole as the cylindrical engine has it.

    A round Gaussian of mass ``mbh`` and dispersion ``rbh_pc`` in the potential.
    Plain arithmetic, so NumPy arrays and torch tensors alike.

    Parameters
    ----------
    mbh : array-like
        Mass in Msun.
    rbh_pc : array-like
        Dispersion in pc.
    """
    return mbh / (2 * np.pi * rbh_pc * rbh_pc)
