"""Dimensionless V_rms maps of galaxies whose light and mass share one MGE shape.

The training family of the paper (SPEC section 3): a Sersic profile of
:func:`~sklearn_jam.jam.mge.sersic_mge` scaled by ``r_ser``, light and mass with
their own axial ratios, constant ``beta_z``, no black hole and no PSF, in units
of ``sqrt(G M_tot / r_ser)`` so that neither distance nor mass enters. With
``align='sph'`` the velocity ellipsoid is spherically aligned
(:func:`~sklearn_jam.jam.jam_axi_sph`) and the anisotropy argument is ``beta_r =
1 - sigma_theta^2 / sigma_r^2``.
"""

import numpy as np

from ._base import namespace
from .alignment import anisotropy_column, engine, engine_beta
from .constants import DEFAULT_DISTANCE_MPC, G_JAMPY, arcsec_to_pc
from .mge import sersic_mge

__all__ = ["sersic_vrms", "scaled_mge_vrms", "vrms_unit"]


def sersic_vrms(
    n_ser,
    r_ser,
    q_l,
    q_m,
    beta_z,
    inc,
    x,
    y,
    *,
    distance=DEFAULT_DISTANCE_MPC,
    n_nodes=None,
    align="cyl",
    anisotropy="constant",
):
    """Dimensionless V_rms maps of Sersic galaxies (SPEC section 3), batched.

    Light and mass share the MGE of :func:`~sklearn_jam.sersic_mge` (sigmas
    scaled by ``r_ser``) with axial ratios ``q_l`` and ``q_m``; constant
    ``beta_z``; no black hole, no PSF; distance 10 Mpc. The result is
    ``V_rms / sqrt(G M_tot / r_ser_pc)`` with ``M_tot`` the mass MGE's total
    and the same ``G`` as the dynamics, so it depends on neither.

    Parameters
    ----------
    n_ser, r_ser, q_l, q_m, beta_z, inc : float or array-like of shape (n_galaxies,)
        Sersic index, Sersic radius in arcsec, observed axial ratios of light
        and mass, anisotropy (``beta_r`` with ``align='sph'``), inclination in
        degrees. NumPy or torch.
    x, y : array-like of shape (n_points,)
        Sky positions in arcsec.
    distance : float, default=10
        Distance in Mpc at which the dynamics run (the result does not depend on it).
    n_nodes : int or None, default=None
        See :func:`~sklearn_jam.jam.jam_axi_cyl` and :func:`~sklearn_jam.jam.jam_axi_sph`.
    align : {'cyl', 'sph'}, default='cyl'
        Alignment of the velocity ellipsoid.
    anisotropy : {'constant', 'eq37'}, default='constant'
        :data:`~sklearn_jam.jam.alignment.ANISOTROPIES`: ``beta_z`` (or ``beta_r``) for
        every Gaussian, or, with ``align='sph'``, jampy 9's eq. (37) of ``ratio =
        sqrt(1 - beta_z)`` (NumPy only).

    Returns
    -------
    vrms : ndarray or torch.Tensor of shape (n_galaxies, n_points), or (n_points,)
        Dimensionless V_rms.
    """
    xp = namespace((n_ser, r_ser, q_l, q_m, beta_z, inc, x, y))
    batched = np.ndim(xp.numpy(xp.asarray(inc))) > 0 or np.ndim(xp.numpy(xp.asarray(n_ser))) > 0
    n_ser, r_ser, q_l, q_m, beta_z, inc = (
        xp.asarray(v).reshape(-1) for v in (n_ser, r_ser, q_l, q_m, beta_z, inc)
    )
    surf, sigma_re = (xp.asarray(v) for v in sersic_mge(xp.numpy(n_ser)))
    vrms = scaled_mge_vrms(
        surf,
        sigma_re,
        r_ser,
        q_l,
        q_m,
        beta_z,
        inc,
        x,
        y,
        distance=distance,
        n_nodes=n_nodes,
        align=align,
        anisotropy=anisotropy,
    )
    return vrms if batched else vrms[0]


def scaled_mge_vrms(
    surf,
    sigma_re,
    r_ser,
    q_l,
    q_m,
    beta_z,
    inc,
    x,
    y,
    *,
    distance=DEFAULT_DISTANCE_MPC,
    n_nodes=None,
    align="cyl",
    anisotropy="constant",
):
    """Dimensionless V_rms of galaxies whose light and mass share one MGE shape.

    The MGE is given at ``r_e = 1`` and scaled by ``r_ser``; light and mass
    take the axial ratios ``q_l`` and ``q_m``; constant ``beta_z``; no black
    hole, no PSF. :func:`sersic_vrms` is this with the Sersic MGE of
    :func:`~sklearn_jam.sersic_mge`.

    Parameters
    ----------
    surf : array-like of shape (n_galaxies, n_gauss)
        Peak surface densities (any unit; zero pads a shorter MGE).
    sigma_re : array-like of shape (n_galaxies, n_gauss)
        Dispersions in units of ``r_ser``.
    r_ser, q_l, q_m, beta_z, inc : array-like of shape (n_galaxies,)
        Radius in arcsec, observed axial ratios, anisotropy (``beta_r`` with
        ``align='sph'``), inclination in degrees.
    x, y : array-like of shape (n_points,)
        Sky positions in arcsec.
    distance : float, default=10
        Distance in Mpc (the result does not depend on it).
    n_nodes : int or None, default=None
        See :func:`~sklearn_jam.jam.jam_axi_cyl` and :func:`~sklearn_jam.jam.jam_axi_sph`.
    align : {'cyl', 'sph'}, default='cyl'
        Alignment of the velocity ellipsoid.
    anisotropy : {'constant', 'eq37'}, default='constant'
        :data:`~sklearn_jam.jam.alignment.ANISOTROPIES`: ``beta_z`` (or ``beta_r``) for
        every Gaussian, or, with ``align='sph'``, jampy 9's eq. (37) of ``ratio =
        sqrt(1 - beta_z)`` (NumPy only).

    Returns
    -------
    vrms : ndarray or torch.Tensor of shape (n_galaxies, n_points)
        ``V_rms / vrms_unit(...)``, dimensionless.
    """
    anisotropy_column(align, anisotropy)  # refuses eq. (37) with align='cyl'
    sigma = sigma_re * r_ser[:, None]
    ones = 1 + 0 * surf
    vrms = engine(align)(
        surf,
        sigma,
        q_l[:, None] * ones,
        surf,
        sigma,
        q_m[:, None] * ones,
        inc,
        engine_beta(anisotropy, beta_z, ones),
        x,
        y,
        distance=distance,
        n_nodes=n_nodes,
    )
    return vrms / vrms_unit(surf, sigma, q_m, r_ser, distance)[:, None]


def vrms_unit(surf, sigma, q_m, r_ser, distance):
    """``sqrt(G M_tot / r_ser)`` in km/s, the unit of the dimensionless maps.

    Parameters
    ----------
    surf : array-like of shape (..., n_gauss)
        Peak surface densities of the mass MGE in Msun/pc^2.
    sigma : array-like of shape (..., n_gauss)
        Its dispersions in arcsec.
    q_m : float or array-like of shape (...)
        Its observed axial ratio.
    r_ser : float or array-like of shape (...)
        Sersic radius in arcsec.
    distance : float
        Distance in Mpc.

    Returns
    -------
    unit : ndarray or torch.Tensor of shape (...)
        km/s, with jampy's ``G`` and ``M_tot`` the MGE's total mass.
    """
    xp = namespace((surf, sigma, q_m, r_ser))
    pc = arcsec_to_pc(distance)
    m_tot = (2 * np.pi * surf * (sigma * pc) ** 2 * xp.asarray(q_m)[..., None]).sum(-1)
    return xp.sqrt(G_JAMPY * m_tot / (r_ser * pc))
