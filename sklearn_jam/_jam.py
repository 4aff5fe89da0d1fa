"""MGE of the Sersic profile and the JAM call behind the simulator (SPEC section 3)."""

import contextlib
import functools
import io

import numpy as np

#: Gravitational constant in pc (km/s)^2 / Msun (SPEC section 3).
G_PC_KMS2_MSUN = 0.004300917270069976

#: Distance in Mpc at which JAM is run; the dimensionless maps do not depend on it.
DEFAULT_DISTANCE_MPC = 10.0


def arcsec_to_pc(distance_mpc):
    """Parsec per arcsec at a distance in Mpc (the factor jampy uses)."""
    return distance_mpc * np.pi / 0.648


@functools.lru_cache(maxsize=4096)
def sersic_mge(n_ser, ngauss=20, lg_rmax=2.0):
    """jampy's MGE of a Sersic profile with ``r_e = 1``, cached per ``n_ser``.

    Parameters
    ----------
    n_ser : float
        Sersic index.
    ngauss : int, default=20
        Number of Gaussians of the fit.
    lg_rmax : float, default=2
        The profile is fitted over ``10**-lg_rmax <= R/r_e <= 10**lg_rmax``.

    Returns
    -------
    surf : ndarray of shape (m,)
        Peak surface density of each Gaussian (arbitrary units).
    sigma : ndarray of shape (m,)
        Dispersion of each Gaussian in units of ``r_e``. ``m <= ngauss`` since
        the fit may leave Gaussians unused.
    """
    from jampy.axi.jam_axi_sersic import sersic_mge as _sersic_mge

    # mgefit prints a warning on large residuals even with quiet=True; keep stdout clean.
    with contextlib.redirect_stdout(io.StringIO()):
        surf, sigma = _sersic_mge(float(n_ser), ngauss, lg_rmax, False, True)
    surf.flags.writeable = False  # cached arrays are shared between calls
    sigma.flags.writeable = False
    return surf, sigma


def jam_vrms(n_ser, r_ser, q_l, q_m, beta_z, inc, x, y, distance=DEFAULT_DISTANCE_MPC, mge=None):
    """Dimensionless JAM V_rms of one Sersic galaxy at sky positions.

    Runs ``jam_axi_proj`` of jampy 8 with cylindrical alignment, constant
    ``beta_z``, ``moment='zz'``, no black hole, no PSF and ``interp=False``.

    Parameters
    ----------
    n_ser : float
        Sersic index.
    r_ser : float
        Sersic radius in arcsec.
    q_l, q_m : float
        Observed axial ratios of the light and of the mass.
    beta_z : float
        Anisotropy ``1 - sigma_z**2 / sigma_R**2``.
    inc : float
        Inclination in degrees.
    x, y : ndarray of shape (n_points,)
        Sky positions in arcsec, x along the major axis.
    distance : float, default=10
        Distance in Mpc (the result does not depend on it).
    mge : tuple of ndarray, optional
        ``(surf, sigma)`` at ``r_e = 1`` to use instead of the cached
        :func:`sersic_mge` of ``n_ser``.

    Returns
    -------
    vrms : ndarray of shape (n_points,)
        ``V_rms / sqrt(G M_tot / r_ser_pc)``, dimensionless.
    """
    from jampy.axi.jam_axi_proj import jam_axi_proj

    surf, sigma_re = sersic_mge(float(n_ser)) if mge is None else mge
    sigma = sigma_re * r_ser  # arcsec
    ones = np.ones_like(surf)
    out = jam_axi_proj(
        surf,
        sigma,
        q_l * ones,
        surf,
        sigma,
        q_m * ones,
        inc,
        0.0,
        distance,
        np.asarray(x, dtype=float),
        np.asarray(y, dtype=float),
        align="cyl",
        beta=beta_z * ones,
        moment="zz",
        interp=False,
        plot=False,
        quiet=True,
    )
    pc = arcsec_to_pc(distance)
    m_tot = np.sum(2 * np.pi * surf * (sigma * pc) ** 2 * q_m)
    v_unit = np.sqrt(G_PC_KMS2_MSUN * m_tot / (r_ser * pc))
    return np.asarray(out.model) / v_unit
