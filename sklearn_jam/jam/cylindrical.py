"""V_rms of axisymmetric JAM models with a cylindrically aligned velocity ellipsoid.

The quantity is that of jampy 8's ``jam_axi_proj(..., align='cyl', moment='zz')``
with its analytic line-of-sight integral: eq. (28) of Cappellari (2008, MNRAS 390,
71), a single integral over ``u`` in [0, 1] of a double sum over (luminous, mass)
Gaussian pairs, evaluated at the points themselves (SPEC section 3). Here that
integral is done with fixed Gauss-Legendre nodes after a change of variables per
point and mass Gaussian, so a whole map, and a whole batch of galaxies, is one
array expression: in NumPy, or in torch on any device and differentiable by
autograd. ``docs/physics.rst`` derives the change of variables and measures its
error.

The batched form of the arguments is described in :mod:`sklearn_jam.jam`.

PSF and spaxels
---------------
With ``sigmapsf``/``normpsf`` and ``pixsize``/``pixang`` (jampy's arguments) the
result is what the bins observe, the second moment convolved with the PSF and
averaged over the spaxel, computed without a grid: every term of eq. (28) is a
Gaussian times a quadratic in x, whose convolution with a Gaussian is analytic and
whose spaxel mean is analytic or a short Gauss-Legendre rule
(``docs/real_galaxies.rst`` derives it and measures it against a brute-force 2-D
integral).
"""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._base import (
    BLOCK_NUMPY,
    check_arguments,
    check_light,
    flattest_q_intr,
    prepare_arguments,
    to_batch,
    vrms_from_moments,
)
from ._convolution import check_psf, compiled_sum, mge_surf, pixel_mean, spaxel_points
from ._quadrature import (
    BLACK_HOLE_PSF_DECADES,
    BLACK_HOLE_PSF_FLAT_N_NODES,
    BLACK_HOLE_PSF_N_NODES,
    BLACK_HOLE_PSF_NODES_PER_DECADE,
    CUTOFF,
    DEFAULT_N_NODES,
    HARD_N_NODES,
    HARD_Q_INTR,
    HARD_SIGMA_RATIO,
    PSF_FLAT_N_NODES,
    PSF_FLAT_Q,
    gauss_legendre,
    radius_groups,
)
from .constants import G_JAMPY, arcsec_to_pc
from .mass import black_hole_surface
from .projection import deproject_gaussians

__all__ = ["jam_axi_cyl", "vrms2_cyl"]

#: Radius groups per octave of the change of variables, without and with convolution.
_RUNGS, _RUNGS_CONVOLVED = 8, 1
#: Scale of the sinh map as a fraction of the Gaussian factor's width off the major axis.
_FLAT_SCALE = 3.0


def _surf_v2los(
    xp, x, y, r_group, group, inc, lum, pot, beta, nodes, weights, psf, half_pixel, pixel_rule
):
    """``Sigma <V_los^2>`` (eq. 28 of C08) of one block of galaxies, in (km/s)^2 Lsun/pc^2.

    The terms of eq. (28) at the quadrature nodes (:func:`_terms`), then their sum
    at the points (:func:`_sum_terms`).

    Shapes: ``x, y`` (B, P) in pc; ``r_group`` (B, G) in pc and ``group`` (P,)
    the group of each point; ``inc`` (B,) in radians; ``lum`` = (dens, sigma,
    q_intr) and ``beta`` (B, J); ``pot`` = (dens, sigma, q_intr) (B, K). With
    ``psf = (sigma, weight)`` of shapes (B, C) in pc and (C,) the result is
    convolved with that circular MGE PSF, and with ``half_pixel`` of shape (B,)
    in pc averaged over the square aperture of side ``2 * half_pixel`` aligned
    with x and y (``None`` for neither): analytic without PSF; with a PSF, whose
    terms are wider than it, by ``pixel_rule = (n, compiled)``: n Gauss-Legendre
    points per side, separately in x and y. ``compiled`` (NumPy with a PSF)
    sums over the terms with the single-precision kernels of
    :mod:`sklearn_jam.jam._kernels`, else in the array namespace in double precision.
    """
    coef_exp, coef_sum = _terms(xp, r_group, inc, lum, pot, beta, nodes, weights, psf)
    total = _sum_terms(xp, x, y, group, coef_exp, coef_sum, psf, half_pixel, pixel_rule)
    return 4 * np.pi**1.5 * G_JAMPY * total


def _terms(xp, r_group, inc, lum, pot, beta, nodes, weights, psf):
    """The terms of eq. (28) of C08 per radius group, after the change of variables.

    Every (lum j, pot k, node, PSF Gaussian) is one term ``(f0 + f1 x^2) exp(-(a
    x^2 + g y^2))``. Returns ``coef_exp`` (B, G, 2, M) of ``a, g`` and
    ``coef_sum`` (B, G, M, 2) of ``f0, f1``; arguments as :func:`_surf_v2los`.
    """
    # Coefficients per (galaxy, radius group, lum j, pot k, node): (B, G, J, K, N).
    dens_lum, sigma_lum, q_lum = (v[:, None, :, None, None] for v in lum)
    dens_pot, sigma_pot, q_pot = (v[:, None, None, :, None] for v in pot)
    kani = 1 / (1 - beta[:, None, :, None, None])  # (sigma_R / sigma_z)**2
    ci = xp.cos(inc)[:, None, None, None, None]
    si = xp.sin(inc)[:, None, None, None, None]
    ci2, si2 = ci * ci, si * si
    q_obs_lum = xp.sqrt(q_lum * q_lum * si2 + ci2)  # eq. (14) of C08 inverted
    r2 = (r_group * r_group)[:, :, None, None, None]

    s2_lum = sigma_lum * sigma_lum
    q2_lum = q_lum * q_lum
    s2q2_lum = s2_lum * q2_lum
    s2_pot = sigma_pot * sigma_pot
    # Not below 0: near face-on a round Gaussian deprojects to q_intr = 1 + (rounding
    # error) / sin(inc), which would make it prolate and e_pot below imaginary.
    e2_pot = xp.clip_min(1 - q_pot * q_pot, 0.0)
    c = e2_pot - s2q2_lum / s2_pot  # eq. (22) of C08

    # Change of variables u = U(t), t the Gauss-Legendre node on [0, 1]:
    # 1. the factor exp(-u^2 r^2 / (2 sigma_pot^2)) of the integrand confines it to
    #    u < u_max; beyond, it is below exp(-CUTOFF) of its peak.
    # 2. 1 / (1 - c u^2) with c << 0 (a mass Gaussian much narrower than a luminous
    #    one: a black hole, a halo's core) has poles at u = +-i/sqrt(-c), close to
    #    the interval: u = u_c sinh(tau) spaces the nodes logarithmically above u_c.
    # 3. 1 / sqrt(1 - e2_pot u^2) has a branch point just above u = 1 when the mass
    #    Gaussian is flat: u = sin(phi) / e_pot moves it away from the interval.
    u_max = xp.sqrt(xp.minimum(2 * CUTOFF * s2_pot / r2, 1.0))  # (B, G, 1, K, 1)
    rho = xp.sqrt(xp.clip_min(-c * u_max * u_max, 1e-6))  # u_max / u_c
    # 4. Off the major axis the Gaussian factor is exp(-u^2 R^2 / (2 sigma_pot^2)), R
    #    the elliptical radius of the luminous Gaussian (up to r / q_obs): flat light
    #    seen near edge-on confines the integrand to u << u_max there. The sinh map's
    #    scale is at most _FLAT_SCALE of that width, so nodes reach it too.
    u_flat = _FLAT_SCALE * sigma_pot * q_obs_lum / xp.sqrt(r2)  # (B, G, J, K, 1)
    rho = xp.where(rho * u_flat < u_max, u_max / u_flat, rho)
    tau_max = xp.arcsinh(rho)
    e2_pot_map = e2_pot + 1e-12  # keeps the map regular for round Gaussians
    e_pot = xp.sqrt(e2_pot_map)
    phi_max = xp.arcsin(e_pot * u_max)
    exp_tau = xp.exp(tau_max * nodes)
    inv_exp_tau = 1 / exp_tau
    two_rho = 2 * rho
    v = (exp_tau - inv_exp_tau) / two_rho  # sinh(tau) / rho, from 0 to 1
    dv_dt = (tau_max / two_rho) * (exp_tau + inv_exp_tau)
    sin_phi = xp.sin(phi_max * v)
    u2 = sin_phi * sin_phi / e2_pot_map
    e2u2 = e2_pot * u2
    one_e2u2 = 1 - e2u2
    # cos(phi) = sqrt(1 - sin(phi)^2), phi in [0, pi/2)
    du_dt = xp.sqrt(1 - sin_phi * sin_phi) * (phi_max / e_pot) * dv_dt

    a = 0.5 / s2_lum + 0.5 * u2 / s2_pot  # eq. (29)
    b = 0.5 * (1 - q2_lum) / s2q2_lum + 0.5 * e2u2 * u2 / (s2_pot * one_e2u2)  # eq. (30)
    e = a + b * ci2
    d = 1 - kani * q2_lum - ((1 - kani) * c + e2_pot * kani) * u2  # eq. (23)
    # The integrand is weight * (f0 + f1 x^2) * exp(-(a x^2 + g y^2)), eq. (28) for z'.
    g = a * (a + b) / e
    weight = (
        (weights * du_dt)
        * u2
        * (dens_lum * q_pot * dens_pot)
        / ((1 - c * u2) * xp.sqrt(one_e2u2 * e))
    )
    f0 = s2q2_lum * (ci2 + kani * si2) * weight
    f1 = si2 * d * weight
    if psf is not None:
        # Each term convolved with each PSF Gaussian is a term of the same form:
        # (f0 + f1 x^2) exp(-a x^2) * N(sigma_psf) = (f0' + f1' x^2) exp(-a' x^2).
        s2_psf, w_psf = (psf[0] * psf[0])[:, None, None, None, None, :], psf[1]
        a, g, f0, f1 = (t[..., None] for t in (a, g, f0, f1))
        ex, ey = 1 + 2 * a * s2_psf, 1 + 2 * g * s2_psf
        norm = w_psf / xp.sqrt(ex * ey)
        f0 = (f0 + f1 * s2_psf / ex) * norm
        f1 = f1 / (ex * ex) * norm
        a, g = a / ex, g / ey

    n_gal, n_grp = r_group.shape
    coef_exp = xp.stack([a, g], 2).reshape(n_gal, n_grp, 2, -1)  # (B, G, 2, M)
    coef_sum = xp.stack([f0, f1], -1).reshape(n_gal, n_grp, -1, 2)  # (B, G, M, 2)
    return coef_exp, coef_sum


def _sum_terms(xp, x, y, group, coef_exp, coef_sum, psf, half_pixel, pixel_rule):
    """``sum_m (f0 + f1 x^2) exp(-(a x^2 + g y^2))`` at the points, group by group; (B, P).

    ``coef_exp`` (B, G, 2, M) holds ``a, g`` and ``coef_sum`` (B, G, M, 2) holds
    ``f0, f1`` of each group's M terms; the rest as :func:`_surf_v2los`.
    """
    n_nodes, compiled = pixel_rule
    n_grp = coef_exp.shape[1]
    out, order = [], []
    for k in range(n_grp):
        idx = np.flatnonzero(group == k)
        order.append(idx)
        xk, yk = x[:, idx], y[:, idx]
        if compiled:
            a_k, g_k = coef_exp[:, k, 0], coef_exp[:, k, 1]
            f0k, f1k = coef_sum[:, k, :, 0], coef_sum[:, k, :, 1]
            out.append(compiled_sum(xk, yk, a_k, g_k, f0k, f1k, half_pixel, n_nodes))
        elif half_pixel is not None:  # mean over the aperture, in x and in y separately
            half = half_pixel[:, None, None]
            a_k, g_k = coef_exp[:, k, None, 0], coef_exp[:, k, None, 1]
            f0k, f1k = coef_sum[:, k, None, :, 0], coef_sum[:, k, None, :, 1]
            # Chunks of points keep the (points x terms) temporaries in cache.
            chunk = max(1, BLOCK_NUMPY // (a_k.shape[0] * a_k.shape[-1]))
            parts = []
            for c in range(0, len(idx), chunk):
                xc, yc = xk[:, c : c + chunk, None], yk[:, c : c + chunk, None]
                parts.append(pixel_mean(xp, xc, yc, a_k, g_k, f0k, f1k, half, psf, n_nodes))
            out.append(xp.concat(parts, 1))
        else:
            xy = xp.stack([xk * xk, yk * yk], -1)  # (B, Pg, 2)
            expo = xp.exp(-(xy @ coef_exp[:, k]))  # (B, Pg, M)
            s = expo @ coef_sum[:, k]  # (B, Pg, 2)
            out.append(s[..., 0] + xk * xk * s[..., 1])
    inverse = np.argsort(np.concatenate(order))
    return xp.concat(out, 1)[:, inverse]


def jam_axi_cyl(
    surf_lum,
    sigma_lum,
    qobs_lum,
    surf_pot,
    sigma_pot,
    qobs_pot,
    inc,
    beta,
    x,
    y,
    *,
    distance,
    mbh=0.0,
    rbh=0.01,
    sigmapsf=0.0,
    normpsf=1.0,
    pixsize=0.0,
    pixang=0.0,
    n_nodes=None,
    pixel_nodes=None,
    n_jobs=None,
):
    """V_rms of a JAM model with a cylindrically aligned velocity ellipsoid, exactly.

    The line-of-sight second moment ``sqrt(<V_los^2>)`` of jampy 8's
    ``jam_axi_proj(..., align='cyl', moment='zz')`` with its analytic
    line-of-sight integral (eq. 28 of Cappellari 2008), with jampy's
    ``G = 0.004301 (km/s)^2 pc / Msun``. Without PSF and pixel it is evaluated
    at the points themselves. With them it is the observed quantity
    ``sqrt(K * (Sigma <V^2>) / K * Sigma)``, ``K`` the PSF convolved with the
    square spaxel (eq. A3 of C08), computed analytically (no grid, no FFT):
    every term of eq. (28) is a Gaussian times a quadratic in ``x``, whose
    convolution with a Gaussian and mean over a spaxel have closed forms
    (``docs/real_galaxies.rst``). NumPy arrays in give NumPy arrays out; torch
    tensors in give tensors out on their device, differentiable by autograd with
    respect to every array input. See the module docstring for the batched form.

    Parameters
    ----------
    surf_lum : array-like of shape (n_lum,) or (n_galaxies, n_lum)
        Peak surface brightness of the luminous Gaussians in Lsun/pc^2.
    sigma_lum : array-like, same shape as ``surf_lum``
        Dispersion of the luminous Gaussians in arcsec.
    qobs_lum : array-like, same shape as ``surf_lum``
        Observed axial ratio of the luminous Gaussians.
    surf_pot, sigma_pot, qobs_pot : array-like of shape (n_pot,) or (n_galaxies, n_pot)
        The same for the mass Gaussians; ``surf_pot`` in Msun/pc^2.
    inc : float or array-like of shape (n_galaxies,)
        Inclination in degrees (90 = edge-on).
    beta : float or array-like, same shape as ``surf_lum``
        Anisotropy ``1 - sigma_z^2 / sigma_R^2`` of each luminous Gaussian.
    x, y : array-like of shape (n_points,) or (n_galaxies, n_points)
        Sky positions in arcsec, x along the projected major axis; any quadrant.
    distance : float or array-like of shape (n_galaxies,)
        Distance in Mpc.
    mbh : float or array-like of shape (n_galaxies,), default=0
        Black-hole mass in Msun, added as jampy does: a round Gaussian of
        dispersion ``rbh`` in the mass MGE only.
    rbh : float, default=0.01
        Dispersion of the black hole's Gaussian in arcsec.
    sigmapsf : float or array-like of shape (n_psf,), default=0
        Dispersions of the circular Gaussians of the PSF in arcsec (FWHM / 2.355).
    normpsf : float or array-like of shape (n_psf,), default=1
        Their weights, summing to 1 (to 0.005, as jampy; normalised here).
    pixsize : float, default=0
        Side of the square spaxels in arcsec (0: no spaxel average).
    pixang : float, default=0
        Angle of the spaxels with respect to the x axis in degrees, as jampy
        (its kernel grid rotated counter-clockwise by ``pixang``). Multiples of
        90 are exact; other angles average ``pixel_nodes**2`` points over the
        rotated spaxel, which needs a PSF (or an explicit ``pixel_nodes``).
    n_nodes : int or None, default=None
        Gauss-Legendre nodes of the ``u`` integral: the accuracy/speed knob, the
        cost linear in it. None chooses per galaxy: 16, and 24 for a galaxy with
        a black hole, with mass more concentrated than its light (the narrowest
        mass Gaussian, or the mass-weighted geometric-mean sigma, below half the
        light's), or with a Gaussian of intrinsic axial ratio below 0.1; with a
        PSF, 32 for a Gaussian below 0.3 and 32-64 (or more for ``rbh`` far below
        the PSF) with a black hole. V_rms is then within 1e-6 of the
        adaptive-quadrature truth (and the brute-force convolution) on every hard
        case measured (``docs/physics.rst``).
    pixel_nodes : int, default=None
        Gauss-Legendre points per spaxel side, with a PSF or a rotated spaxel
        (an aligned spaxel without PSF is integrated exactly). None: at least
        3 and 5 per smallest PSF sigma per half side, which is within 1e-6 of
        the brute-force reference (``docs/real_galaxies.rst``).
    n_jobs : int, default=None
        Threads sharing the galaxies of a batch (NumPy only; None means 1).

    Returns
    -------
    vrms : ndarray or torch.Tensor of shape (n_points,) or (n_galaxies, n_points)
        V_rms in km/s.

    Raises
    ------
    ValueError
        Mismatched lengths or batch sizes; more than one batch axis; an empty
        MGE; negative or non-finite ``surf``/``sigma``; ``beta >= 1``; an axial
        ratio too flat for the inclination (naming the Gaussian and the lowest
        inclination it allows); a point where the light is 0; a PSF whose
        weights do not sum to 1; a turned spaxel without a PSF.

    Warns
    -----
    UnphysicalModelWarning
        Where ``V_rms^2 < 0`` (an anisotropy the model cannot have there); V_rms
        is NaN at those points.
    """
    xp, sb_mu2, mu, batched = _observed_moments(
        surf_lum,
        sigma_lum,
        qobs_lum,
        surf_pot,
        sigma_pot,
        qobs_pot,
        inc,
        beta,
        x,
        y,
        distance=distance,
        mbh=mbh,
        rbh=rbh,
        sigmapsf=sigmapsf,
        normpsf=normpsf,
        pixsize=pixsize,
        pixang=pixang,
        n_nodes=n_nodes,
        pixel_nodes=pixel_nodes,
        n_jobs=n_jobs,
    )
    vrms = vrms_from_moments(xp, sb_mu2, mu)
    return vrms if batched else vrms[0]


def vrms2_cyl(*args, **kwargs):
    """The signed ``V_rms^2`` (km/s)^2 of :func:`jam_axi_cyl`, for sums of its parts.

    Takes the arguments of :func:`jam_axi_cyl`. The share of one luminous and one
    mass Gaussian may be negative where a whole galaxy's is not (a tracer rounder
    than a wider, flatter potential allows has ``<v_phi^2> < 0`` far out); it is
    kept, without a warning, so that the parts add up.

    Returns
    -------
    vrms2 : ndarray or torch.Tensor of shape (n_points,) or (n_galaxies, n_points)
    """
    _, sb_mu2, mu, batched = _observed_moments(*args, **kwargs)
    vrms2 = sb_mu2 / mu
    return vrms2 if batched else vrms2[0]


def _observed_moments(
    surf_lum,
    sigma_lum,
    qobs_lum,
    surf_pot,
    sigma_pot,
    qobs_pot,
    inc,
    beta,
    x,
    y,
    *,
    distance,
    mbh=0.0,
    rbh=0.01,
    sigmapsf=0.0,
    normpsf=1.0,
    pixsize=0.0,
    pixang=0.0,
    n_nodes=None,
    pixel_nodes=None,
    n_jobs=None,
):
    """``Sigma <V_los^2>`` and ``Sigma`` (B, P) of :func:`jam_axi_cyl`'s arguments, checked.

    Returns ``xp, sb_mu2, mu, batched``.
    """
    xp, m, batched = prepare_arguments(
        dict(
            surf_lum=surf_lum,
            sigma_lum=sigma_lum,
            qobs_lum=qobs_lum,
            beta=beta,
            surf_pot=surf_pot,
            sigma_pot=sigma_pot,
            qobs_pot=qobs_pot,
            x=x,
            y=y,
            inc=inc,
            distance=distance,
            mbh=mbh,
            rbh=rbh,
        )
    )
    black_hole = bool(np.any(xp.numpy(m["mbh"]) > 0))
    psf_opts = check_psf(sigmapsf, normpsf, pixsize, pixang, pixel_nodes, black_hole=black_hole)
    n_gal = check_arguments(xp, m, n_nodes)
    m = to_batch(xp, m, n_gal)
    counts = _node_counts(xp, m, n_nodes, psf_opts[0])
    sb_mu2, mu = _moments(xp, m, counts, psf_opts, n_jobs)
    return xp, sb_mu2, mu, batched


def _node_counts(xp, m, n_nodes, sigmapsf):
    """Gauss-Legendre nodes of each galaxy: ``n_nodes``, or by the galaxy's difficulty.

    With ``n_nodes=None``, ``DEFAULT_N_NODES`` (16), and ``HARD_N_NODES`` (24) for a
    galaxy with a black hole, with mass more concentrated than its light (by
    ``HARD_SIGMA_RATIO``: it acts as a black hole does), or with a Gaussian of
    intrinsic axial ratio below ``HARD_Q_INTR`` (near the inclination limit):
    there the integrand has scales far apart, and 16 nodes leave up to 8e-5
    (``docs/physics.rst``). Seen through a PSF (``sigmapsf``, arcsec, shape
    (n_psf,)), a galaxy with a Gaussian of intrinsic axial ratio below ``PSF_FLAT_Q``
    (0.3) takes 32; with a black hole 32, 40 below ``PSF_FLAT_Q``, 64 below
    ``HARD_Q_INTR``, and 16 more per decade by which the PSF is wider than ``rbh``
    beyond ``BLACK_HOLE_PSF_DECADES``.
    """
    n_gal = m["inc"].shape[0]
    if n_nodes is not None:
        return np.full(n_gal, int(n_nodes))
    q_flat = flattest_q_intr(xp, m)
    flat = q_flat < HARD_Q_INTR
    # Mass more concentrated than the light (a compact mass Gaussian) acts as a
    # black hole does: by its narrowest Gaussian or by its mass-weighted scale.
    scale = {}
    for kind in ("lum", "pot"):
        surf, sigma, qobs = (xp.numpy(m[f"{v}_{kind}"]) for v in ("surf", "sigma", "qobs"))
        mass = surf * sigma**2 * qobs
        log_mean = (mass * np.log(sigma)).sum(1) / np.where(mass.sum(1) > 0, mass.sum(1), 1)
        scale[kind] = (np.where(surf > 0, sigma, np.inf).min(1), np.exp(log_mean))
    narrow = (scale["pot"][0] < HARD_SIGMA_RATIO * scale["lum"][0]) | (
        scale["pot"][1] < HARD_SIGMA_RATIO * scale["lum"][1]
    )
    black_hole = xp.numpy(m["mbh"]) > 0
    counts = np.where(flat | narrow | black_hole, HARD_N_NODES, DEFAULT_N_NODES)
    if sigmapsf.max() > 0:
        convolved_flat = q_flat < PSF_FLAT_Q
        counts = np.where(convolved_flat, np.maximum(counts, PSF_FLAT_N_NODES), counts)
        decades = np.log10(sigmapsf.max() / xp.numpy(m["rbh"])) - BLACK_HOLE_PSF_DECADES
        extra = BLACK_HOLE_PSF_NODES_PER_DECADE * np.ceil(np.maximum(decades, 0))
        base = np.where(convolved_flat, BLACK_HOLE_PSF_N_NODES, PSF_FLAT_N_NODES)
        base = np.where(flat, BLACK_HOLE_PSF_FLAT_N_NODES, base)
        counts = np.where(black_hole, base + extra.astype(int), counts)
    return counts


def _moments(xp, m, counts, psf_opts, n_jobs):
    """``Sigma <V_los^2>`` and ``Sigma`` at the points (convolved and averaged), (B, P) each."""
    sigmapsf, normpsf, pixsize, pixang, pixel_nodes = psf_opts
    n_gal = counts.size
    convolved = sigmapsf.max() > 0 or pixsize > 0
    x, y = m["x"], m["y"]
    # The change of variables needs the smallest radius a point's kernel reaches
    # (_surf_v2los): the point's own without convolution; less the spaxel's half
    # diagonal (turned or not) and the PSF's reach with it.
    radius = np.hypot(xp.numpy(x), xp.numpy(y))
    half_pixel = 0.5 * pixsize if pixsize > 0 and pixang % 90 == 0 else 0.0
    n_sub = 1
    if pixsize > 0 and half_pixel == 0:  # a turned spaxel: the mean of its sub-points
        dx, dy, sub_weights = spaxel_points(pixsize, pixang, pixel_nodes)
        n_sub = dx.size
        x = (x[..., None] + xp.asarray(dx)).reshape(n_gal, -1)
        y = (y[..., None] + xp.asarray(dy)).reshape(n_gal, -1)
        radius = np.repeat(radius, n_sub, axis=-1)  # a spaxel's points share its radius
    if convolved:
        reach = np.clip(radius - 0.5 * pixsize * np.sqrt(2), 0, None) ** 2
        radius = np.sqrt(np.clip(reach - 2 * CUTOFF * sigmapsf.max() ** 2, 0, None))

    pc = arcsec_to_pc(m["distance"])[:, None]
    lum, pot, inc_rad = _deproject(xp, m, pc)
    x_pc, y_pc = x * pc, y * pc
    psf = (xp.asarray(sigmapsf) * pc, xp.asarray(normpsf)) if sigmapsf.max() > 0 else None
    half_pc = half_pixel * pc[:, 0] if half_pixel > 0 else None
    sigma_lum_pc = m["sigma_lum"] * pc
    mu = mge_surf(
        xp, x_pc, y_pc, m["surf_lum"], sigma_lum_pc, m["qobs_lum"], psf, half_pc, pixel_nodes
    )
    if n_sub > 1:
        sub_weights = xp.asarray(sub_weights)
        mu = (mu.reshape(n_gal, -1, n_sub) * sub_weights).sum(-1)
    check_light(xp, mu, m)
    # The compiled sums of a convolved model (NumPy only) work in single precision,
    # which needs the light at every point well above its range: within 8 sigma of
    # the widest luminous Gaussian (exp(-32) of its peak). Without a PSF (terms
    # sharper than any spaxel) the sums stay in double precision.
    compiled = (
        xp.name == "numpy"
        and psf is not None
        and bool(np.all(np.hypot(xp.numpy(x), xp.numpy(y)) < 8 * xp.numpy(m["sigma_lum"]).max()))
    )
    # Convolved terms are smooth in u: a coarse ladder costs nothing in accuracy
    # (measured against the brute-force reference) and computes 8x fewer coefficients.
    rungs = _RUNGS_CONVOLVED if convolved else _RUNGS
    per_term = lum[0].shape[1] * pot[0].shape[1] * len(sigmapsf)
    n_jobs = 1 if n_jobs is None or xp.name != "numpy" else int(n_jobs)
    blocks = _blocks(xp, xp.numpy(x), xp.numpy(y), radius, rungs, counts, per_term, n_jobs)

    def block_moment(block):
        gal, r_group, group, n = block
        nodes, weights = (xp.asarray(v) for v in gauss_legendre(n))
        return _surf_v2los(
            xp,
            x_pc[gal],
            y_pc[gal],
            xp.asarray(r_group) * pc[gal],
            group,
            inc_rad[gal],
            tuple(v[gal] for v in lum),
            tuple(v[gal] for v in pot),
            m["beta"][gal],
            nodes,
            weights,
            None if psf is None else (psf[0][gal], psf[1]),
            None if half_pc is None else half_pc[gal],
            (pixel_nodes, compiled),
        )

    if n_jobs > 1:  # NumPy releases the GIL in its loops: threads share the blocks
        with ThreadPoolExecutor(n_jobs) as pool:
            out = list(pool.map(block_moment, blocks))
    else:
        out = [block_moment(b) for b in blocks]
    order = np.concatenate([b[0] for b in blocks])
    sb_mu2 = xp.concat(out, 0)[xp.index(np.argsort(order))]
    if n_sub > 1:
        sb_mu2 = (sb_mu2.reshape(n_gal, -1, n_sub) * sub_weights).sum(-1)
    return sb_mu2, mu


def _deproject(xp, m, pc):
    """Luminous and mass Gaussians in pc, deprojected (eqs. 12-14 of C08), the black hole added."""
    surf_pot, sigma_pot_pc, qobs_pot = m["surf_pot"], m["sigma_pot"] * pc, m["qobs_pot"]
    if np.any(xp.numpy(m["mbh"]) > 0):  # a Gaussian of the black hole's mass, in the mass only
        sigma_bh = m["rbh"] * pc
        surf_bh = black_hole_surface(m["mbh"][:, None], sigma_bh)
        surf_pot = xp.concat([surf_bh, surf_pot], 1)
        sigma_pot_pc = xp.concat([sigma_bh, sigma_pot_pc], 1)
        qobs_pot = xp.concat([1 + 0 * sigma_bh, qobs_pot], 1)
    inc_rad = m["inc"] * (np.pi / 180)
    ci, si = xp.cos(inc_rad)[:, None], xp.sin(inc_rad)[:, None]
    lum = deproject_gaussians(m["surf_lum"], m["sigma_lum"] * pc, m["qobs_lum"], ci, si)
    return lum, deproject_gaussians(surf_pot, sigma_pot_pc, qobs_pot, ci, si), inc_rad


def _blocks(xp, x, y, radius, rungs, counts, per_term, n_jobs):
    """Blocks of galaxies that share points, radius groups and node count.

    Each block is ``(galaxy indices, group radii (arcsec), group of each point,
    nodes)``. Points shared by all galaxies are grouped once and the galaxies of
    one node count are split into blocks that fit the namespace's work size (one
    per thread at least); otherwise each galaxy is a block of its own.
    """
    n_gal = counts.size
    if not (np.all(x == x[:1]) and np.all(y == y[:1])):
        return [
            (np.array([g]), *radius_groups(radius[g], rungs), int(counts[g])) for g in range(n_gal)
        ]
    r_group, group = radius_groups(radius[0], rungs)
    blocks = []
    for n in np.unique(counts):
        gal = np.flatnonzero(counts == n)
        step = max(1, xp.block(getattr(xp, "device", None)) // (per_term * n * len(r_group)))
        step = min(step, -(-len(gal) // n_jobs))  # a block for every thread at least
        blocks += [(gal[i : i + step], r_group, group, int(n)) for i in range(0, len(gal), step)]
    return blocks
