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


def _projected_vrms2_zz_cyl(
    x, y, inc_deg, surf, sigma, q_lum, q_pot, beta, nrad=20, nang=10, nlos=1500, epsrel=1e-2
):
    """Line-of-sight ``<V^2_z'>`` of jampy 8's ``jam_axi_proj`` for the SPEC case.

    The same computation as ``jam_axi_proj(..., align='cyl', moment='zz',
    interp=False)`` with no black hole and no PSF (``psf_conv`` and ``vmom_proj``
    of jampy 8.1), using jampy's own intrinsic-moment solver ``mom_interp``, but
    evaluating only the zz component of the projected tensor and summing the MGE
    densities with one matrix product. Agrees with jampy to rounding error
    (``tests/test_simulator.py``) at about half the cost. Lengths in pc.
    """
    from jampy.axi.jam_axi_intr import bilinear_interpolate, mom_interp

    inc = np.radians(inc_deg)
    si, ci = np.sin(inc), np.cos(inc)
    qobsmin = np.hypot(ci, 0.05 * si)
    if np.any(q_lum < qobsmin) or np.any(q_pot < qobsmin):
        raise AssertionError("Inclination too low q < 0.05")  # as jampy's own check
    qintr_lum = np.sqrt(q_lum**2 - ci**2) / si
    dens_lum = surf * q_lum / (sigma * qintr_lum * np.sqrt(2 * np.pi))
    qintr_pot = np.sqrt(q_pot**2 - ci**2) / si
    dens_pot = surf * q_pot / (sigma * qintr_pot * np.sqrt(2 * np.pi))

    # psf_conv with interp=False: the model is computed at the points themselves.
    w = sigma < np.max(np.abs(x))
    qmed = np.median(q_lum) if w.sum() < 3 else np.median(q_lum[w])
    step = np.min(np.hypot(x, y / qmed))

    # vmom_proj: tanh-sinh change of variables along the line of sight.
    rmax = 3 * np.max(sigma)
    tmax = 8
    t, dt = np.linspace(-tmax, tmax, nlos, retstep=True)
    scale = rmax / np.sinh(tmax)
    q = np.median(qintr_lum)
    z_shift_factor = si * ci * (1 / q**2 - 1) / (si**2 + ci**2 / q**2)
    z1 = (y * z_shift_factor)[:, None] + scale * np.sinh(t)
    dxdt = dt * scale * np.cosh(t)
    zeros = np.zeros_like(beta)
    irp = mom_interp(
        x,
        y,
        dens_lum,
        sigma,
        qintr_lum,
        dens_pot,
        sigma,
        qintr_pot,
        0.0,
        beta,
        zeros,
        False,
        nrad,
        nang,
        epsrel,
        rmin=step / np.sqrt(2),
        rmax=rmax,
        align="cyl",
    )

    xx = np.broadcast_to(x[:, None], z1.shape)
    yy = z1 * si + y[:, None] * ci
    zz = z1 * ci - y[:, None] * si
    R2 = xx**2 + yy**2
    R = np.sqrt(R2)
    # mom_interp.get_moments, for the three moments the zz projection needs.
    r1 = 0.5 * np.log((R2 + (zz / irp.qmed) ** 2).clip(irp.rmin**2)).ravel()
    e1 = np.arctan2(np.abs(zz / irp.qmed), R).ravel()
    sig2R, sig2z, v2phi = (
        bilinear_interpolate(irp.logRad, irp.ang, m, r1, e1).reshape(z1.shape)
        for m in (irp.sig2r, irp.sig2th, irp.v2phi)
    )
    # Tracer density: sum over Gaussians as one product instead of a 3-D temporary.
    expo = np.multiply.outer(R2, -0.5 / sigma**2)
    expo += np.multiply.outer(zz**2, -0.5 / (sigma * qintr_lum) ** 2)
    nu = np.exp(expo, out=expo) @ dens_lum
    # Row 3 of S @ R for the cylindrical ellipsoid: (sin i sin phi, cos i, sin i cos phi).
    sin2phi = yy**2 / R2
    integ = si**2 * (sin2phi * sig2R + (1 - sin2phi) * v2phi) + ci**2 * sig2z
    return ((nu * integ) @ dxdt) / (nu @ dxdt)


def jam_vrms(
    n_ser,
    r_ser,
    q_l,
    q_m,
    beta_z,
    inc,
    x,
    y,
    distance=DEFAULT_DISTANCE_MPC,
    mge=None,
    use_jampy=False,
):
    """Dimensionless JAM V_rms of one Sersic galaxy at sky positions.

    The model of ``jam_axi_proj`` of jampy 8 with cylindrical alignment,
    constant ``beta_z``, ``moment='zz'``, no black hole, no PSF and
    ``interp=False``.

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
    use_jampy : bool, default=False
        Call ``jam_axi_proj`` itself instead of the equivalent zz-only
        evaluation (same result to rounding error, about twice slower).

    Returns
    -------
    vrms : ndarray of shape (n_points,)
        ``V_rms / sqrt(G M_tot / r_ser_pc)``, dimensionless.
    """
    surf, sigma_re = sersic_mge(float(n_ser)) if mge is None else mge
    sigma = sigma_re * r_ser  # arcsec
    ones = np.ones_like(surf)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    pc = arcsec_to_pc(distance)
    if use_jampy:
        from jampy.axi.jam_axi_proj import jam_axi_proj

        model = jam_axi_proj(
            surf,
            sigma,
            q_l * ones,
            surf,
            sigma,
            q_m * ones,
            inc,
            0.0,
            distance,
            x,
            y,
            align="cyl",
            beta=beta_z * ones,
            moment="zz",
            interp=False,
            plot=False,
            quiet=True,
        ).model
    else:
        if np.any((x == 0) & (y == 0)):
            raise ValueError("the point (x, y) = (0, 0) is singular for JAM; leave it out")
        v2 = _projected_vrms2_zz_cyl(
            x * pc, y * pc, inc, surf, sigma * pc, q_l * ones, q_m * ones, beta_z * ones
        )
        model = np.sqrt(v2.clip(0))  # sqrt and clip for rounding errors, as jampy
    m_tot = np.sum(2 * np.pi * surf * (sigma * pc) ** 2 * q_m)
    v_unit = np.sqrt(G_PC_KMS2_MSUN * m_tot / (r_ser * pc))
    return np.asarray(model) / v_unit
