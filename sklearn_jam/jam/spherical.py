"""V_rms of axisymmetric JAM models with a spherically aligned velocity ellipsoid.

The quantity is the line-of-sight second moment of the model of Cappellari (2020,
MNRAS 494, 4819; C20), whose velocity ellipsoid is aligned with spherical
coordinates ``(r, theta, phi)``, with ``beta = 1 - sigma_theta^2 / sigma_r^2``
constant for each luminous Gaussian (jampy 8's ``align='sph'``; jampy 9's
default alignment). The black hole is a point mass in the potential, as in jampy
9 (the cylindrical engine, as jampy 8, takes a round Gaussian of ``rbh``).

How it is computed
------------------
C20's solution (eqs. 50-54) is a double integral at every point: along the
characteristic of the Jeans equations from the point to infinity, ``r_1 =
lambda r``, and over Chandrasekhar's ``u`` of each mass Gaussian. For fixed
``lambda`` and ``u`` the integrand is a Gaussian in ``R^2`` and ``z^2`` (on the
characteristic ``R_1^2 = lambda^(2 beta) R^2``) times a polynomial, and the
line-of-sight projection's direction cosines cancel against it, so the
integral along the line of sight is analytic: ``Sigma <V_los^2>`` is a double
integral over ``(lambda, u)`` of terms ``(c0 + cx x^2 + cy y^2 + cxx x^4 +
cxy x^2 y^2) exp(-a x^2 - g y^2)`` on the sky (``docs/physics.rst`` derives
them). Both integrals are done with fixed double-exponential rules, ``lambda - 1
= exp(pi/2 sinh(s))`` (Gauss-Legendre in ``s``, from ``1e-9`` to 8 widest
sigmas over the smallest radius) and ``u = exp(pi/2 sinh(s))`` (trapezoid), so
a whole batch of galaxies is one array expression, in NumPy or in torch on any
device and differentiable by autograd. A black hole is a point mass, ``G M /
r^3`` written as the same rule's integral of Gaussians.
:func:`sklearn_jam.jam.reference.quad_vrms_sph` is the truth it is measured
against.

The batched form of the arguments is described in :mod:`sklearn_jam.jam`.
"""

import functools
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ._base import (
    check_arguments,
    check_light,
    flattest_q_intr,
    prepare_arguments,
    to_batch,
    vrms_from_moments,
)
from ._convolution import check_psf, mge_surf, spaxel_points
from ._quadrature import CUTOFF, HARD_Q_INTR, exp_sinh_rule, radius_groups
from .angular import (
    ANGULAR_N_NODES,
    Characteristic,
    ForceInterpolant,
    MeridionalCharacteristic,
    SkyInterpolant,
    _curves,
    _forces,
    angular_surface_moments,
    convolved_moments,
    intrinsic_moments,
    los_points,
    meridional_grid,
    per_unit_light,
    projected_moments,
    sky_grid,
)
from .anisotropy import MeridionalBeta, angular_beta
from .constants import G_JAMPY, arcsec_to_pc
from .projection import deproject_gaussians

__all__ = [
    "jam_axi_sph",
    "vrms2_sph",
    "check_observation_sph",
    "DEFAULT_N_NODES_SPH",
    "FLAT_N_NODES_SPH",
    "BLACK_HOLE_N_NODES_SPH",
    "FORCE_TABLE_TERMS_PER_ANGLE",
    "MERIDIONAL_MIN_POINTS",
]

#: Nodes of each rule, along the characteristic (Gauss-Legendre) and in Chandrasekhar's
#: ``u`` (trapezoid), when ``n_nodes=None``: 48 (within 1.3e-6 of the truth on the hard
#: cases and jampy's dark-halo set-up); 64 for a batch with a Gaussian flatter than
#: ``HARD_Q_INTR`` (near the inclination limit 48 leave 1.3e-5, 64 leave 2.6e-6); 80
#: with a black hole (its rule is the third, and with a narrow PSF it spans ~50
#: e-folds: 64 nodes left 1.3e-5 on jampy's black-hole set-up, 80 leave 9e-7).
DEFAULT_N_NODES_SPH, FLAT_N_NODES_SPH, BLACK_HOLE_N_NODES_SPH = 48, 64, 80
#: The meridional grid's characteristics read a table of the forces
#: (``_grid_forces``) where the exact force terms number at least this many per
#: angle of the grid: a node then costs less from the table. Measured: on jampy's
#: dark-halo set-up (~1,000 terms, 25 angles) the table is 3.4 times faster, on a
#: three-Gaussian MGE (144 terms) as fast, near the inclination limit (189 uniform angles) 7
#: times slower.
FORCE_TABLE_TERMS_PER_ANGLE = 8
#: Without a PSF, a ``beta(theta)`` model's intrinsic moments come from the meridional
#: grid (as they do with one) where a galaxy has at least this many points (spaxels'
#: sub-points included), none at the centre; with fewer, the line-of-sight rule computes
#: them at its own nodes. Measured (one thread, Sersic models, 8-64 points to 12"): the
#: two cost the same at ~16 points; at 200 points the grid is 14-35 times faster
#: (0.13-1.0 s instead of 4.5-12 s) and 1e-7 to 1e-6 from the rule within 5 r_e.
MERIDIONAL_MIN_POINTS = 32
#: The ``u`` rule spans at most ``s`` in [-_S_MAX, _S_MAX]: ``u`` from exp(-32) to exp(32),
#: as jampy.
_S_MAX = 3.7
_U_MIN = np.exp(0.5 * np.pi * np.sinh(-_S_MAX))
#: The characteristic starts ``_D_MIN * r`` beyond the point and ends ``_D_MAX`` widest
#: luminous sigmas beyond the smallest radius of the points.
_D_MIN, _D_MAX = 1e-9, 8.0
#: Radius groups per octave (the rules follow the smallest radius of a group's lines of
#: sight), and the PSF's reach in its sigmas.
_RUNGS, _REACH = 2, 6.0
#: Terms below exp(-_PRUNE) at a radius group are dropped.
_PRUNE = 60.0
#: The black hole's rule starts at ``t = _T_MIN / r_max^2``.
_T_MIN = 1e-9
#: Elements of the (points, terms) work array: 2 MB, which stays in cache (a block of
#: 16 MB was measured 5x slower).
_BLOCK = 1 << 18


def _deproject(xp, m, pc):
    """Luminous and mass Gaussians in pc, deprojected (eqs. 12-14 of C08); inclination (rad)."""
    inc_rad = m["inc"] * (np.pi / 180)
    ci, si = xp.cos(inc_rad)[:, None], xp.sin(inc_rad)[:, None]
    lum = deproject_gaussians(m["surf_lum"], m["sigma_lum"] * pc, m["qobs_lum"], ci, si)
    pot = deproject_gaussians(m["surf_pot"], m["sigma_pot"] * pc, m["qobs_pot"], ci, si)
    return lum, pot, inc_rad


def jam_axi_sph(
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
    sigmapsf=0.0,
    normpsf=1.0,
    pixsize=0.0,
    pixang=0.0,
    n_nodes=None,
    pixel_nodes=None,
    n_jobs=None,
):
    """V_rms of a JAM model with a spherically aligned velocity ellipsoid.

    The line-of-sight second moment ``sqrt(<V_los^2>)`` of the spherically
    aligned solution of Cappellari (2020), ``moment='zz'`` of jampy, with
    jampy's ``G = 0.004301 (km/s)^2 pc / Msun``, at the points themselves or,
    with ``sigmapsf``/``pixsize``, the observed ``sqrt(K * (Sigma <V^2>) / K *
    Sigma)`` with ``K`` the PSF convolved with the spaxel, as jampy (the
    line-of-sight integral and the PSF analytic, the rest two fixed
    quadratures and a spaxel rule). NumPy
    arrays in give NumPy arrays out; torch tensors in give tensors out on their
    device, differentiable by autograd. See the module docstring for the method
    and :mod:`sklearn_jam.jam` for the batched form.

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
    beta : float, array-like (same shape as ``surf_lum``), callable or list of callables
        Anisotropy ``1 - sigma_theta^2 / sigma_r^2``: one value for every
        luminous Gaussian, one per Gaussian, or a function: of the polar angle,
        ``beta(theta)`` (radians), such as jampy 9's eq. (37)
        (:class:`~sklearn_jam.jam.anisotropy.CylindricalLikeBeta`), or jampy 9's
        ``beta(r, theta)`` (``r`` in pc; returning ``beta`` or ``(beta,
        dbeta/dtheta)``), which may vary with ``r`` too, such as jampy's logistic
        form (:class:`~sklearn_jam.jam.anisotropy.LogisticBeta`); for every galaxy
        or a list of one per galaxy. A function is integrated along its curved
        characteristics (:mod:`sklearn_jam.jam.angular`: NumPy; with a PSF through a
        polar sky grid of V^2 from a meridional grid of the intrinsic moments, seconds
        a model; a ``beta`` varying with ``r`` follows a curve from every point, about
        three times the cost).
    x, y : array-like of shape (n_points,) or (n_galaxies, n_points)
        Sky positions in arcsec, x along the projected major axis; not (0, 0).
    distance : float or array-like of shape (n_galaxies,)
        Distance in Mpc.
    mbh : float or array-like of shape (n_galaxies,), default=0
        Black-hole mass in Msun: a point mass in the potential (jampy 9).
    sigmapsf : float or array-like of shape (n_psf,), default=0
        Dispersions of the circular Gaussians of the PSF in arcsec (FWHM / 2.355).
    normpsf : float or array-like of shape (n_psf,), default=1
        Their weights, summing to 1 (to 0.005, as jampy; normalised here).
    pixsize : float, default=0
        Side of the square spaxels in arcsec (0: no spaxel average); needs a PSF,
        or an explicit ``pixel_nodes``.
    pixang : float, default=0
        Angle of the spaxels with respect to the x axis in degrees, as jampy.
    n_nodes : int, default=None
        Nodes of each of the two rules (along the characteristic and in
        Chandrasekhar's ``u``), the accuracy/speed knob; the cost is
        proportional to its square. None: ``DEFAULT_N_NODES_SPH`` (48),
        ``FLAT_N_NODES_SPH`` (64) for a batch with a Gaussian of intrinsic
        axial ratio below 0.1, ``BLACK_HOLE_N_NODES_SPH`` (80) for one with a
        black hole; within 1e-5 of the adaptive-quadrature truth on the hard
        cases measured (``docs/physics.rst``). With ``beta`` a function, the
        nodes of each of its three rules (the line of sight's four pieces too),
        ``ANGULAR_N_NODES`` (64) by default.
    pixel_nodes : int, default=None
        Gauss-Legendre points per spaxel side, as :func:`~sklearn_jam.jam.jam_axi_cyl`.
    n_jobs : int, default=None
        Threads sharing the points of a call (NumPy only; None means 1).

    Returns
    -------
    vrms : ndarray or torch.Tensor of shape (n_points,) or (n_galaxies, n_points)
        V_rms in km/s.

    Raises
    ------
    ValueError
        As :func:`~sklearn_jam.jam.jam_axi_cyl`: mismatched lengths or batch
        sizes, an empty MGE, bad values, an axial ratio too flat for the
        inclination, a point where the light is 0; and a point at (0, 0).

    Warns
    -----
    UnphysicalModelWarning
        Where ``V_rms^2 < 0``; V_rms is NaN there.
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


def vrms2_sph(*args, **kwargs):
    """The signed ``V_rms^2`` (km/s)^2 of :func:`jam_axi_sph`, for tables of its components.

    Takes the arguments of :func:`jam_axi_sph`. One mass component's share of the
    model may be negative where the whole is not (the anisotropic part of the
    Jeans equations); it is kept, without a warning, so that the components add up.

    Returns
    -------
    vrms2 : ndarray of shape (n_points,) or (n_galaxies, n_points)
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
    sigmapsf=0.0,
    normpsf=1.0,
    pixsize=0.0,
    pixang=0.0,
    n_nodes=None,
    pixel_nodes=None,
    n_jobs=None,
):
    """``Sigma <V_los^2>`` and ``Sigma`` (B, P) of :func:`jam_axi_sph`'s arguments, checked.

    Returns ``xp, sb_mu2, mu, batched``.
    """
    functions = _beta_functions(beta)
    xp, m, batched = prepare_arguments(
        dict(
            surf_lum=surf_lum,
            sigma_lum=sigma_lum,
            qobs_lum=qobs_lum,
            # a function of theta is checked by its Characteristic; the per-Gaussian
            # checks (shapes, beta < 1) then see an isotropic placeholder
            beta=0.0 if functions else beta,
            surf_pot=surf_pot,
            sigma_pot=sigma_pot,
            qobs_pot=qobs_pot,
            x=x,
            y=y,
            inc=inc,
            distance=distance,
            mbh=mbh,
            rbh=0.01,  # unused: the black hole is a point mass
        )
    )
    black_hole = bool(np.any(xp.numpy(m["mbh"]) > 0))
    psf_opts = check_psf(sigmapsf, normpsf, pixsize, pixang, pixel_nodes, black_hole=black_hole)
    n_gal = check_arguments(xp, m, n_nodes)
    m = to_batch(xp, m, n_gal)
    if functions:
        _check_angular(xp)
        n_nodes = ANGULAR_N_NODES if n_nodes is None else int(n_nodes)
    else:
        n_nodes = _default_nodes(xp, m) if n_nodes is None else int(n_nodes)
    check_observation_sph(psf_opts[0], pixsize, pixel_nodes, xp.numpy(m["x"]), xp.numpy(m["y"]))
    if functions:
        chars = _characteristics(functions, n_gal)
        sb_mu2, mu = _angular_observed(xp, m, chars, n_nodes, psf_opts, n_jobs)
    else:
        sb_mu2, mu = _surface_moments(xp, m, n_nodes, psf_opts, n_jobs)
    return xp, sb_mu2, mu, batched


def _beta_functions(beta):
    """``beta`` as functions of theta (:func:`~sklearn_jam.jam.anisotropy.angular_beta`):
    a list of one, or of one per galaxy; None for constants."""
    if callable(beta):
        return [angular_beta(beta)]
    if isinstance(beta, (list, tuple)) and beta and all(callable(b) for b in beta):
        return [angular_beta(b) for b in beta]
    if isinstance(beta, (list, tuple)) and any(callable(b) for b in beta):
        raise ValueError(
            "beta mixes functions of theta and constants: give one function of theta per "
            "galaxy, or constants"
        )
    return None


def _characteristics(functions, n_gal):
    """One :class:`~sklearn_jam.jam.angular.Characteristic` per galaxy (shared where equal)."""
    if len(functions) not in (1, n_gal):
        raise ValueError(
            f"beta gives {len(functions)} functions of theta for {n_gal} galaxies: give one, "
            "or one per galaxy"
        )
    made = {}
    chars = []
    for f in functions * (n_gal if len(functions) == 1 else 1):
        key = f if _hashable(f) else id(f)
        if key not in made:
            radial = isinstance(f, MeridionalBeta)
            made[key] = MeridionalCharacteristic(f) if radial else Characteristic(f)
        chars.append(made[key])
    return chars


def _hashable(value):
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _check_angular(xp):
    """Refuse what the engine of ``beta(theta)`` does not compute: torch."""
    if xp.name != "numpy":
        raise TypeError(
            "beta as a function of theta is computed in NumPy only (its characteristics "
            "are tabulated with scipy): give NumPy arrays, or a constant beta per "
            "luminous Gaussian for torch and autograd"
        )


def _angular_observed(xp, m, chars, n_nodes, psf_opts, n_jobs=None):
    """As :func:`_angular_moments`, convolved with the PSF and averaged over the spaxels.

    Without a PSF the engine runs at the spaxels' sub-points (at the points themselves
    without spaxels): by the line-of-sight rule with intrinsic moments at its nodes
    (:func:`_angular_moments`), or, for :data:`MERIDIONAL_MIN_POINTS` points or more,
    with moments interpolated from the meridional grid (:func:`_meridional_sky_moments`,
    whose cost hardly grows with the points). With one, ``V^2`` is computed on a polar sky grid
    (:func:`~sklearn_jam.jam.angular.sky_grid`, from 1e-3 of the narrowest PSF or minor
    sigma to the farthest sub-point plus 4 PSF sigmas), interpolated
    (:class:`~sklearn_jam.jam.angular.SkyInterpolant`) from the intrinsic moments on a
    meridional grid (:func:`_meridional_sky_moments`), and convolved by
    :func:`~sklearn_jam.jam.angular.convolved_moments` at the spaxels'
    sub-points, whose weighted mean is the spaxel's. Galaxies that share their light,
    inclination, distance and points (one galaxy's mass components and anisotropies,
    as :func:`~sklearn_jam.jam.tabulated.tabulate_sph` gives) share one convolution.
    ``chars`` holds each galaxy's :class:`~sklearn_jam.jam.angular.Characteristic`.
    """
    sigmapsf, normpsf, pixsize, pixang, pixel_nodes = psf_opts
    dx, dy, sub_w = spaxel_points(pixsize, pixang, pixel_nodes) if pixsize > 0 else (
        np.zeros(1), np.zeros(1), np.ones(1)
    )  # fmt: skip
    xs = (m["x"][..., None] + dx).reshape(m["x"].shape[0], -1)  # (B, P * S) in arcsec
    ys = (m["y"][..., None] + dy).reshape(xs.shape)
    if sigmapsf.max() == 0:  # the points, or spaxels alone (an explicit pixel_nodes)
        moments = _meridional_sky_moments if _many_points(xs, ys) else _angular_moments
        sub = moments(xp, {**m, "x": xs, "y": ys}, chars, n_nodes, n_jobs)
        return tuple(_spaxel_mean(v, sub_w) for v in sub)
    minor = m["sigma_lum"] * m["qobs_lum"]
    r_lo = 1e-3 * min(sigmapsf[sigmapsf > 0].min(), minor[m["surf_lum"] > 0].min())
    r_hi = np.hypot(xs, ys).max() + 4 * sigmapsf.max()
    radii, angles, gx, gy = sky_grid(r_lo, r_hi)
    n_gal = xs.shape[0]
    grid = {**m, "x": np.tile(gx, (n_gal, 1)), "y": np.tile(gy, (n_gal, 1))}
    sb_v2_grid, mu_grid = _meridional_sky_moments(xp, grid, chars, n_nodes, n_jobs)
    v2_grid = (sb_v2_grid / mu_grid).T.reshape(radii.size, angles.size, n_gal)
    # the galaxies that share their light and points: one set of convolution weights
    shared = [m[k] for k in ("surf_lum", "sigma_lum", "qobs_lum", "inc", "distance")]
    groups = _shared_groups([*shared, xs, ys])
    sb_v2, mu = np.zeros_like(xs), np.zeros_like(xs)
    for members in groups:
        g = members[0]
        v2 = SkyInterpolant(radii, angles, v2_grid[:, :, members])
        lum = (m["surf_lum"][g], m["sigma_lum"][g], m["qobs_lum"][g])
        sb_v2_g, mu_g = convolved_moments(v2, xs[g], ys[g], *lum, sigmapsf, normpsf, r_lo)
        sb_v2[members], mu[members] = sb_v2_g.T, mu_g
    return tuple(_spaxel_mean(v, sub_w) for v in (sb_v2, mu))


def _many_points(x, y):
    """Whether the points (B, P) of an unconvolved model go through the meridional grid:
    at least :data:`MERIDIONAL_MIN_POINTS` per galaxy, and none at the centre (where the
    grid, in ``log r``, has no inner edge)."""
    return x.shape[1] >= MERIDIONAL_MIN_POINTS and bool(np.all(np.hypot(x, y) > 0))


def _shared_groups(arrays):
    """Indices of the galaxies (the rows of every array) that are equal in all ``arrays``."""
    rows = np.concatenate([np.asarray(a, dtype=float).reshape(len(a), -1) for a in arrays], 1)
    _, first, inverse = np.unique(rows, axis=0, return_index=True, return_inverse=True)
    return [np.flatnonzero(inverse.ravel() == k) for k in np.argsort(first)]


def _sky_points(xp, m):
    """The deprojected galaxies and their sky points in pc, and ``Sigma`` there (checked).

    Returns ``pc`` (B, 1), the luminous and mass Gaussians, the inclinations (rad),
    ``x, y`` (B, P) and ``mu`` (B, P).
    """
    pc = arcsec_to_pc(m["distance"])[:, None]
    lum, pot, inc_rad = _deproject(xp, m, pc)
    x, y = m["x"] * pc, m["y"] * pc
    mu = mge_surf(xp, x, y, m["surf_lum"], m["sigma_lum"] * pc, m["qobs_lum"], None)
    check_light(xp, mu, m)
    return pc, lum, pot, inc_rad, x, y, mu


def _meridional_sky_moments(xp, m, chars, n_nodes, n_jobs=None):
    """As :func:`_angular_moments`, with the intrinsic moments from a meridional grid.

    For many sky points (a sky grid) the lines of sight cross the meridional plane at
    a hundred times more points than a polar grid of it needs
    (:func:`~sklearn_jam.jam.angular.meridional_grid`): the moments are computed there,
    one galaxy at a time, and projected along the lines of sight by
    :func:`~sklearn_jam.jam.angular.projected_moments`, whose matrix the galaxies that
    share their light, inclination, distance and points (one galaxy's components and
    anisotropies) share.
    """
    pc, lum, pot, inc_rad, x, y, mu = _sky_points(xp, m)
    n_jobs = 1 if n_jobs is None else int(n_jobs)
    total = np.zeros_like(x)
    shared = [m[k] for k in ("surf_lum", "sigma_lum", "qobs_lum", "inc", "distance", "x", "y")]
    for members in _shared_groups(shared):
        g = members[0]
        lum_g = tuple(v[g] for v in lum)
        big_x, big_y, z, _ = los_points(x[g], y[g], lum_g, inc_rad[g], n_nodes)
        r_hi = np.sqrt(big_x**2 + big_y**2 + z**2).max()
        mges = [lum_g] + [tuple(v[k] for v in pot) for k in members]
        flat = [q[dens > 0].min() for dens, _, q in mges if np.any(dens > 0)]
        radii, angles, stretch, big_r, z_grid = meridional_grid(
            np.hypot(x[g], y[g]).min(), r_hi, min(flat)
        )
        theta, r_grid = np.arctan2(big_r, z_grid), np.hypot(big_r, z_grid)
        moments, tables = [], {}  # one table of the forces per mass model
        for k in members:
            pot_k, mbh_k, pc_k = tuple(v[k] for v in pot), m["mbh"][k], pc[k, 0]
            key = (*(v.tobytes() for v in pot_k), float(mbh_k), float(pc_k))
            if key not in tables:
                tables[key] = _grid_mass(xp, radii, angles, min(flat), lum_g, pot_k, mbh_k, pc_k,
                                         n_nodes)  # fmt: skip
            p, nu_v2phi = _grid_moments(
                xp, big_r, z_grid, lum_g, tables[key], chars[k], n_nodes, n_jobs
            )
            sig2th = (1 - chars[k].beta(theta, r_grid)) * p
            moments.append(np.stack([p, sig2th, nu_v2phi], -1))
        fields = SkyInterpolant(
            radii,
            angles,
            per_unit_light(radii, angles, np.stack(moments, -1), lum_g, stretch),
            stretch,
        )
        parts = [idx for idx in np.array_split(np.arange(x.shape[1]), n_jobs) if idx.size]
        project = functools.partial(_project, x[g], y[g], lum_g, inc_rad[g], fields, n_nodes)
        with ThreadPoolExecutor(n_jobs) as pool:
            for idx, part in zip(parts, pool.map(project, parts), strict=True):
                total[np.ix_(members, idx)] = part.T
    return total, mu


def _project(x, y, lum, inc_rad, fields, n_nodes, idx):
    """:func:`~sklearn_jam.jam.angular.projected_moments` at the points ``idx``."""
    return projected_moments(x[idx], y[idx], lum, inc_rad, fields, n_nodes)


def _grid_moments(xp, big_r, z, lum, mass, char, n_nodes, n_jobs):
    """``P`` and ``nu <v_phi^2>`` (n,) of one galaxy at intrinsic points (pc).

    ``mass`` is the galaxy's :class:`~sklearn_jam.jam.angular.ForceInterpolant`
    (:func:`_grid_forces`), which holds at every node of every characteristic, or
    ``(pot, mbh, pc)`` for the exact force terms by radius groups: the characteristic
    runs outward from its point, so a group's smallest radius sets the ``u`` rule's
    cutoff (as :func:`_angular_moments`'s line-of-sight groups). The points are shared
    among ``n_jobs`` threads.
    """
    items = []  # (points, their force terms or table)
    if callable(mass):
        items = [(idx, mass) for idx in np.array_split(np.arange(big_r.size), n_jobs) if idx.size]
    else:
        pot, mbh, pc = mass
        groups = _group_terms(xp, np.hypot(big_r, z), lum[1].max(), pot, mbh, pc, n_nodes)
        for members, terms in groups:
            items += [(idx, terms) for idx in np.array_split(members, min(n_jobs, members.size))]

    # a beta varying with r: its curves once for all the items (one Runge-Kutta loop)
    curves = _curves(big_r, z, lum, char, n_nodes) if char.varies_with_r else None

    def item_moments(item):
        idx, forces = item
        mine = None if curves is None else curves[:, :, idx]
        return intrinsic_moments(big_r[idx], z[idx], lum, forces, char, n_nodes, mine)[:2]

    p, nu_v2phi = np.empty_like(big_r), np.empty_like(big_r)
    with ThreadPoolExecutor(n_jobs) as pool:
        for (idx, _), (p_i, v_i) in zip(items, pool.map(item_moments, items), strict=True):
            p[idx], nu_v2phi[idx] = p_i, v_i
    return p, nu_v2phi


def _group_terms(xp, radius, sigma_max, pot, mbh, pc, n_nodes):
    """One galaxy's points by radius group, with each group's force terms.

    ``radius`` (n,) in pc; a group's smallest radius cuts the ``u`` rule, and its
    black hole's rule reaches ``_D_MAX`` widest luminous sigmas (``sigma_max``, pc)
    beyond it. Returns ``[(members, terms), ...]``.
    """
    r_group, group = radius_groups(np.maximum(radius, 1e-9 * sigma_max) / pc, _RUNGS)
    pot_k = _massive(pot)
    out = []
    for k, r_k in enumerate(r_group):
        r_k_pc = np.array([r_k * pc])
        reach = _D_MAX * sigma_max + r_k_pc
        terms = _mass_terms(xp, pot_k, np.atleast_1d(mbh), n_nodes, r_k_pc, reach)
        out.append((np.flatnonzero(group == k), tuple(v[0] for v in terms)))
    return out


def _massive(pot):
    """The mass Gaussians (1, K) that have mass (one massless one for a black hole alone)."""
    massive = pot[0] != 0
    massive[0] |= not massive.any()
    return tuple(v[None, massive] for v in pot)


def _grid_mass(xp, radii, angles, q_min, lum, pot, mbh, pc, n_nodes):
    """What :func:`_grid_moments` takes for the mass: the table of forces or the exact terms."""
    n_terms = n_nodes * (_massive(pot)[0].size + (mbh > 0))
    if n_terms < FORCE_TABLE_TERMS_PER_ANGLE * angles.size:
        return pot, mbh, pc
    return _grid_forces(xp, radii[0], radii[-1], q_min, lum, pot, mbh, pc, n_nodes)


def _grid_forces(xp, r_lo, r_hi, q_min, lum, pot, mbh, pc, n_nodes):
    """The exact forces of one galaxy on a polar grid, as a ForceInterpolant.

    The grid (:func:`~sklearn_jam.jam.angular.meridional_grid` from ``r_lo``) reaches
    the last node of a characteristic from ``r_hi`` (pc), where the widest luminous
    Gaussian has fallen by ``exp(-CUTOFF)``. The mass Gaussians' forces are computed by
    radius groups, whose smallest radius sets the ``u`` rule's cutoff (as
    :func:`_angular_moments`'s groups); the black hole's are closed-form.
    """
    sigma_max = lum[1].max()
    r_out = np.sqrt(r_hi**2 + 2 * CUTOFF * sigma_max**2) * (1 + 1e-9)
    radii, angles, stretch, big_r, z = meridional_grid(r_lo, r_out, q_min)
    values = np.empty((3, big_r.size))
    # the mass Gaussians' terms alone (mbh 0): the black hole is the table's closed form
    for idx, terms in _group_terms(xp, np.hypot(big_r, z), sigma_max, pot, 0.0, pc, n_nodes):
        values[:, idx] = _forces(big_r[idx] ** 2, z[idx] ** 2, terms)
    return ForceInterpolant(radii, angles, *values, gm_bh=G_JAMPY * float(mbh), stretch=stretch)


def _angular_moments(xp, m, chars, n_nodes, n_jobs=None):
    """``Sigma <V_los^2>`` and ``Sigma`` at the points with ``beta(theta)``: (B, P) each.

    One galaxy at a time, and by radius groups (:func:`_group_moments`'s ladder), whose
    smallest radius sets the ``u`` rule's cutoff; ``n_jobs`` threads share the groups'
    points (NumPy releases the GIL in its loops).
    """
    pc, lum, pot, inc_rad, x, y, mu = _sky_points(xp, m)
    n_jobs = 1 if n_jobs is None else int(n_jobs)
    items = []  # (galaxy, points, the group's force terms)
    for g in range(x.shape[0]):
        sigma_max = lum[1][g].max()
        inner = _inner_radius(np.hypot(x[g], y[g])[None] / pc[g, 0], None, sigma_max / pc[g, 0])
        r_group, group = radius_groups(inner, _RUNGS)
        for k, r_k in enumerate(r_group):
            r_k_pc = np.array([r_k * pc[g, 0]])
            pot_g = tuple(v[g : g + 1] for v in pot)
            reach = _D_MAX * sigma_max + r_k_pc
            mass = _mass_terms(xp, pot_g, m["mbh"][g : g + 1], n_nodes, r_k_pc, reach)
            members = np.flatnonzero(group == k)
            for idx in np.array_split(members, min(n_jobs, members.size)):
                items.append((g, idx, tuple(v[0] for v in mass)))

    def item_moments(item):
        g, idx, mass = item
        lum_g = tuple(v[g] for v in lum)

        def moments(big_r, z):
            return intrinsic_moments(big_r, z, lum_g, mass, chars[g], n_nodes)

        return angular_surface_moments(x[g, idx], y[g, idx], lum_g, inc_rad[g], moments, n_nodes)

    with ThreadPoolExecutor(n_jobs) as pool:
        parts = list(pool.map(item_moments, items))
    total = np.zeros_like(x)
    for (g, idx, _), part in zip(items, parts, strict=True):
        total[g, idx] = part
    return total, mu


def _default_nodes(xp, m):
    """The nodes of a batch when ``n_nodes=None`` (:data:`DEFAULT_N_NODES_SPH` and after).

    One count for the whole batch, whose terms are one array: the count of its
    hardest galaxy.
    """
    if np.any(xp.numpy(m["mbh"]) > 0):
        return BLACK_HOLE_N_NODES_SPH
    flat = np.any(flattest_q_intr(xp, m) < HARD_Q_INTR)
    return FLAT_N_NODES_SPH if flat else DEFAULT_N_NODES_SPH


def check_observation_sph(sigmapsf, pixsize, pixel_nodes=None, x=None, y=None):
    """Refuse what the spherically aligned engine cannot compute accurately.

    Spaxels need a PSF (or an explicit ``pixel_nodes``), and without PSF and
    spaxels no point may be at (0, 0). Called by :func:`jam_axi_sph` and, before
    any sampling, by the estimators that use it.

    Parameters
    ----------
    sigmapsf : ndarray of shape (n_psf,)
        PSF dispersions in arcsec (0: none).
    pixsize : float
        Spaxel side in arcsec (0: none).
    pixel_nodes : int or None, default=None
        Points per spaxel side, if given explicitly.
    x, y : ndarray of shape (n_points,) or (n_galaxies, n_points), optional
        Sky positions in arcsec; None checks the observation alone.

    Raises
    ------
    ValueError
        Naming the value and the rule.
    """
    has_psf = np.max(sigmapsf) > 0
    if pixsize > 0 and not has_psf and pixel_nodes is None:
        raise ValueError(
            f"pixsize={pixsize!r} without a PSF: the spherically aligned model is averaged "
            "over a spaxel by a 2-D rule, which needs a PSF (sigmapsf > 0) to be accurate "
            "(without one a black hole makes the model sharp inside the spaxel); give the "
            "PSF, or pixel_nodes (points per side) to accept the rule's error"
        )
    if x is None or has_psf or pixsize > 0:
        return
    centre = np.atleast_2d((np.asarray(x) == 0) & (np.asarray(y) == 0))
    if np.any(centre):
        g, p = (int(i) for i in np.argwhere(centre)[0])
        raise ValueError(
            f"point {p} of galaxy {g} is at (0, 0): the spherically aligned V_rms is "
            "computed at the points, and the rule along the characteristic scales with the "
            "smallest radius of the line of sight, which is 0 there; move the point off "
            "the centre"
        )


def _de_rule(n, lo, hi):
    """Nodes ``exp(pi/2 sinh(s))`` and weights of the trapezoid rule in ``s`` on [lo, hi].

    ``lo, hi`` of any (broadcast) shape; the nodes on a new last axis of length n.
    """
    t = np.linspace(0, 1, int(n))
    step = (hi - lo)[..., None]
    s = lo[..., None] + step * t
    w = np.full(int(n), 1.0 / (int(n) - 1))
    w[[0, -1]] *= 0.5
    nodes = np.exp(0.5 * np.pi * np.sinh(s))
    return nodes, nodes * 0.5 * np.pi * np.cosh(s) * step * w


def _mass_terms(xp, pot, mbh, n_u, r_group, r_max):
    """Chandrasekhar's sums (and a point mass) as Gaussians in ``R^2, z^2``: (B, M) each.

    Returns ``a, b, amp, amp_rz``: ``F_z = sum amp exp(-a R^2 - b z^2)`` and
    ``F_R - F_z = sum amp_rz exp(...)``, for lines of sight that stay beyond
    ``r_group`` (pc). The mass Gaussians take the double-exponential rule in ``u``,
    ``u = exp(pi/2 sinh(s))`` with ``n_u`` trapezoid nodes, up to ``s = _S_MAX``
    and from where ``exp(-r_group^2 / (2 sigma^2 (1 + u)))`` (a bound of every
    term there) is ``exp(-CUTOFF)``, or ``u = exp(-32)``. A black hole, ``G M / r^3
    = G M (2 / sqrt(pi)) int t^(1/2) exp(-t r^2) dt``, the trapezoid rule in
    ``log t`` from ``_T_MIN / r_max^2`` (``r_max`` (B,) the light's reach; below,
    the integral is ``(t r^2)^1.5`` of the whole) to ``CUTOFF / r_group^2``, with
    ``a = b = t``.
    """
    dens, sigma, q = (xp.numpy(v) for v in pot)  # (B, K)
    r_group = np.asarray(r_group, dtype=float).reshape(-1, 1)  # (B, 1) in pc
    u_lo = np.maximum(r_group**2 / (2 * CUTOFF * sigma**2) - 1, _U_MIN)
    s_lo = np.arcsinh(2 / np.pi * np.log(u_lo))
    u_np, du_np = _de_rule(n_u, s_lo, np.full_like(s_lo, _S_MAX))  # (B, K, S)
    u, du = xp.asarray(u_np), xp.asarray(du_np)
    dens, sigma, q = (v[..., None] for v in pot)  # (B, K, 1)
    u1, qu = 1 + u, q * q + u
    two_s2 = 2 * sigma * sigma
    a, b = 1 / (two_s2 * u1) + 0 * qu, 1 / (two_s2 * qu)
    amp = (2 * np.pi * G_JAMPY) * dens * q * du / (u1 * qu * xp.sqrt(qu))
    amp_rz = amp * (q * q - 1) / u1
    n_gal = amp.shape[0]
    out = [v.reshape(n_gal, -1) for v in (a, b, amp, amp_rz)]
    if np.any(xp.numpy(mbh) > 0):
        # Uniform in log t: for every r the integrand t^1.5 exp(-t r^2) is a bump of
        # width ~1 there, for which the trapezoid rule converges as exp(-2 pi^2 / step).
        log_lo, log_hi = np.log(_T_MIN / r_max**2), np.log(CUTOFF / r_group[:, 0] ** 2)
        log_t = log_lo[:, None] + (log_hi - log_lo)[:, None] * np.linspace(0, 1, n_u)
        w = np.full(n_u, 1.0 / (n_u - 1))
        w[[0, -1]] *= 0.5
        t_np = np.exp(log_t)  # (B, S) in pc^-2
        dt_np = t_np * (log_hi - log_lo)[:, None] * w
        t, dt = xp.asarray(t_np), xp.asarray(dt_np)
        amp_bh = (G_JAMPY * 2 / np.sqrt(np.pi)) * mbh[:, None] * xp.sqrt(t) * dt
        out = [xp.concat([o, v], 1) for o, v in zip(out, (t, t, amp_bh, 0 * t), strict=True)]
    return out


def _sky_terms(xp, lum, beta, mass, inc_rad, lam_rule):
    """The terms of ``Sigma <V_los^2>`` on the sky, for one block of characteristic nodes.

    Returns ``coef_exp`` (B, 2, M) of ``a, g`` and ``coef_poly`` (B, M, 5) of
    ``c0, cx, cy, cxx, cxy``: ``Sigma <V_los^2>(x, y) = sum (c0 + cx x^2 + cy y^2
    + cxx x^4 + cxy x^2 y^2) exp(-a x^2 - g y^2)`` (``docs/physics.rst``).
    """
    lam, w_lam = lam_rule  # (B, J, N)
    dens, sigma, q = (v[:, :, None, None] for v in lum)  # (B, J, 1, 1)
    b_j = beta[:, :, None, None]
    big_a, big_b = 1 / (2 * q * q * sigma * sigma), 1 / (2 * sigma * sigma)
    a_m, b_m, amp, amp_rz = (v[:, None, :, None] for v in mass)  # (B, 1, M, 1)
    lam_b = lam[:, :, None, :]  # (B, J, 1, N)
    lam_2b = lam_b ** (2 * b_j)
    si = xp.sin(inc_rad)[:, None, None, None]
    ci = xp.cos(inc_rad)[:, None, None, None]
    si2, ci2 = si * si, ci * ci
    # Along the characteristic (lambda = r1 / r): exponent -mu r^2 - kappa R^2.
    mu = (big_a + b_m) * lam_b * lam_b
    kappa = (big_b + a_m - big_a - b_m) * lam_2b
    p_c, m_z = mu + kappa, mu  # coefficients of R^2 and z^2
    s2 = p_c * si2 + m_z * ci2
    eta = si2 * ci2 * (p_c - m_z) ** 2 / (s2 * s2)
    g = p_c * m_z / s2
    base = (w_lam[:, :, None, :] * lam_2b * lam_b) * dens * amp * xp.sqrt(np.pi / s2)
    one_b = 1 - b_j
    k4 = -2 * kappa * one_b * si2
    c0 = base / (2 * s2)
    cx = base * (one_b + k4 / (2 * s2))
    cy = base * (one_b + eta)
    cxx = base * k4
    cxy = base * k4 * (1 + eta)
    n_gal = lam.shape[0]
    coef_exp = xp.stack([p_c + 0 * g, g], 1).reshape(n_gal, 2, -1)
    return coef_exp, xp.stack([c0, cx, cy, cxx, cxy], -1).reshape(n_gal, -1, 5)


def _potential_terms(xp, lum, mass, inc_rad):
    """The terms of ``n_phi^2 nu tan(theta) dPhi/dtheta`` (C20 eq. 51), as :func:`_sky_terms`."""
    dens, sigma, q = (v[:, :, None] for v in lum)  # (B, J, 1)
    a_m, b_m, _, amp_rz = (v[:, None, :] for v in mass)
    si = xp.sin(inc_rad)[:, None, None]
    ci = xp.cos(inc_rad)[:, None, None]
    p_t = 1 / (2 * sigma * sigma) + a_m
    m_t = 1 / (2 * q * q * sigma * sigma) + b_m
    s2 = p_t * si * si + m_t * ci * ci
    g = p_t * m_t / s2
    cx = si * si * dens * amp_rz * xp.sqrt(np.pi / s2)
    zero = 0 * cx
    n_gal = cx.shape[0]
    coef_exp = xp.stack([p_t + 0 * g, g], 1).reshape(n_gal, 2, -1)
    coef_poly = xp.stack([zero, cx, zero, zero, zero], -1).reshape(n_gal, -1, 5)
    return coef_exp, coef_poly


def _convolve(xp, coef_exp, coef_poly, psf):
    """The terms convolved with a circular MGE PSF ``(sigma (B, C), weight (C,))``: C times more.

    A term ``x^(2m) exp(-a x^2)`` convolved with a Gaussian of variance ``s^2`` is
    ``exp(-a x^2 / e) / sqrt(e)`` times the ``2m``-th moment of a Gaussian of mean
    ``x / e`` and variance ``s^2 / e``, ``e = 1 + 2 a s^2``: the same monomials
    (``docs/physics.rst``). In y likewise.
    """
    s2, w = (psf[0] * psf[0])[:, None, :], psf[1]  # (B, 1, C)
    a, g = coef_exp[:, 0, :, None], coef_exp[:, 1, :, None]  # (B, M, 1)
    c0, cx, cy, cxx, cxy = (coef_poly[:, :, k, None] for k in range(5))
    ex, ey = 1 + 2 * a * s2, 1 + 2 * g * s2
    vx, vy = s2 / ex, s2 / ey
    ex2, ey2 = ex * ex, ey * ey
    norm = w / xp.sqrt(ex * ey)
    poly = (
        xp.stack(
            [
                c0 + cx * vx + cy * vy + 3 * cxx * vx * vx + cxy * vx * vy,
                (cx + 6 * cxx * vx + cxy * vy) / ex2,
                (cy + cxy * vx) / ey2,
                cxx / (ex2 * ex2),
                cxy / (ex2 * ey2),
            ],
            -1,
        )
        * norm[..., None]
    )
    n_gal = coef_exp.shape[0]
    return (
        xp.stack([a / ex, g / ey], 1).reshape(n_gal, 2, -1),
        poly.reshape(n_gal, -1, 5),
    )


def _sum_sky_terms(xp, x2, y2, coef_exp, coef_poly):
    """``sum_m poly_m(x, y) exp(-a_m x^2 - g_m y^2)`` at points ``x2, y2`` (B, P)."""
    xy = xp.stack([x2, y2], -1)  # (B, P, 2)
    s = xp.exp_overwrite(xy @ -coef_exp) @ coef_poly  # (B, P, 5); negating M, not P x M
    return s[..., 0] + x2 * s[..., 1] + y2 * s[..., 2] + x2 * (x2 * s[..., 3] + y2 * s[..., 4])


def _surface_moments(xp, m, n_nodes, psf_opts, n_jobs):
    """``Sigma <V_los^2>`` and ``Sigma`` at the points, convolved and averaged; (B, P) each."""
    sigmapsf, normpsf, pixsize, pixang, pixel_nodes = psf_opts
    pc = arcsec_to_pc(m["distance"])[:, None]
    lum, pot, inc_rad = _deproject(xp, m, pc)
    n_gal, n_pts = m["x"].shape
    x, y, sub_weights = m["x"], m["y"], None
    if pixsize > 0:  # the mean over the spaxel: a 2-D Gauss-Legendre rule of sub-points
        dx, dy, sub_weights = spaxel_points(pixsize, pixang, pixel_nodes)
        sub_weights = xp.asarray(sub_weights)
        x = (x[..., None] + xp.asarray(dx)).reshape(n_gal, -1)
        y = (y[..., None] + xp.asarray(dy)).reshape(n_gal, -1)
    x, y = x * pc, y * pc
    psf = (xp.asarray(sigmapsf) * pc, xp.asarray(normpsf)) if sigmapsf.max() > 0 else None
    mu = mge_surf(xp, x, y, m["surf_lum"], m["sigma_lum"] * pc, m["qobs_lum"], psf)
    check_light(xp, _spaxel_mean(mu, sub_weights), m)
    x2, y2 = x * x, y * y
    # Radius groups in arcsec, so that a model's value does not depend on its distance
    # or on the other points of the call.
    pc_np = xp.numpy(pc)  # (B, 1)
    radius = np.hypot(xp.numpy(x), xp.numpy(y)) / pc_np
    psf_arcsec = None if psf is None else sigmapsf[sigmapsf > 0]
    sigma_max = xp.numpy(m["sigma_lum"]).max()
    r_group, group = radius_groups(_inner_radius(radius, psf_arcsec, sigma_max), _RUNGS)
    # Work items: a radius group's points, split in n_jobs parts for the threads (NumPy
    # releases the GIL in its loops); each part makes its group's terms again, a small
    # fraction of summing them.
    n_jobs = 1 if n_jobs is None or xp.name != "numpy" else int(n_jobs)
    items = []
    for k, r_k in enumerate(r_group):
        members = np.flatnonzero(group == k)
        parts = min(n_jobs, max(1, members.size // 8))
        items += [(r_k, idx) for idx in np.array_split(members, parts)]

    def item_moments(item):
        r_k, idx = item
        x2_k, y2_k = x2[:, xp.index(idx)], y2[:, xp.index(idx)]
        return _group_moments(xp, x2_k, y2_k, r_k * pc_np[:, 0], lum, pot, m, inc_rad, psf, n_nodes)

    if n_jobs > 1:
        with ThreadPoolExecutor(n_jobs) as pool:
            total = list(pool.map(item_moments, items))
    else:
        total = [item_moments(item) for item in items]
    order = np.argsort(np.concatenate([idx for _, idx in items]))
    total = xp.concat(total, 1)[:, xp.index(order)]
    return tuple(_spaxel_mean(v, sub_weights) for v in (total, mu))


def _inner_radius(radius, sigmapsf, sigma_max):
    """The smallest radius (arcsec) the lines of sight of each point reach, batch-wide: (Q,).

    The point's own without a PSF; with one, less ``_REACH`` of its widest sigma
    (beyond, the PSF weighs below exp(-18)), and at least 1e-3 of its narrowest
    sigma (lines of sight closer to the centre weigh below 1e-6 of the kernel).
    """
    inner = radius.min(0)
    if sigmapsf is not None:
        inner = np.maximum(inner - _REACH * sigmapsf.max(), 1e-3 * sigmapsf.min())
    return np.maximum(inner, 1e-9 * sigma_max)  # a spaxel's sub-point at the very centre


def _group_moments(xp, x2, y2, r_group, lum, pot, m, inc_rad, psf, n_nodes):
    """``Sigma <V_los^2>`` at points (B, Q_g) whose lines of sight stay beyond ``r_group`` (B,).

    The rule along the characteristic spans ``lambda - 1`` from ``_D_MIN`` to
    ``_D_MAX`` widest sigmas over ``r_group``, and a black hole's rule is centred on
    the geometric mean of the two scales.
    """
    sigma_max = xp.numpy(lum[1]).max(1)
    mass = _mass_terms(xp, pot, m["mbh"], n_nodes, r_group, _D_MAX * sigma_max + r_group)
    # Along the characteristic R1^2 + z1^2 / q^2 grows at least as fast as r1^2 (for any
    # beta < 1 and q <= 1), so nu_j falls at least as exp(-(r1^2 - r^2) / (2 sigma_j^2)):
    # below exp(-CUTOFF) of its start beyond lambda^2 = 1 + 2 CUTOFF sigma_j^2 / r^2.
    sigma_j = xp.numpy(lum[1])
    span = np.sqrt(1 + 2 * CUTOFF * sigma_j**2 / r_group[:, None] ** 2) - 1
    lam_rule = _lambda_rule(xp, n_nodes, span)
    n_gal, n_pts = x2.shape
    n_terms = lum[0].shape[1] * mass[0].shape[1] * (1 if psf is None else psf[1].shape[0])
    chunk = max(1, _BLOCK // (n_pts * n_terms * n_gal))

    # A term below exp(-_PRUNE) at the group's smallest radius is dropped: each term is a
    # share of a positive integral, at most its value at the centre, which no model
    # makes exp(_PRUNE) = 1e26 times its value at the group.
    r2_lo = xp.numpy(x2 + y2).min(1, keepdims=True)  # (B, 1)

    def add(total, coef_exp, coef_poly):
        if psf is not None:
            coef_exp, coef_poly = _convolve(xp, coef_exp, coef_poly, psf)
        exponent = np.minimum(*(xp.numpy(coef_exp[:, i]) for i in (0, 1))) * r2_lo
        keep = xp.index(np.flatnonzero(np.any(exponent < _PRUNE, 0)))
        coef_exp, coef_poly = coef_exp[:, :, keep], coef_poly[:, keep]
        return total + _sum_sky_terms(xp, x2, y2, coef_exp, coef_poly)

    total = add(0, *_potential_terms(xp, lum, mass, inc_rad))
    for i in range(0, n_nodes, chunk):
        block = tuple(v[..., i : i + chunk] for v in lam_rule)
        total = add(total, *_sky_terms(xp, lum, m["beta"], mass, inc_rad, block))
    return total


def _lambda_rule(xp, n_nodes, span):
    """Nodes ``lambda`` and weights (B, J, n) of the rule along each Gaussian's characteristic.

    ``lambda - 1 = exp(pi/2 sinh(s))``, Gauss-Legendre in ``s``, from ``_D_MIN``
    times the smaller of 1 and ``span`` to ``span`` (B, J): the integrand's scales
    near ``lambda = 1`` (a black hole's, a flat disk's) are fractions of 1.
    """
    lam_m1, w_lam = exp_sinh_rule(n_nodes, _D_MIN * np.minimum(span, 1), span)
    return xp.asarray(1 + lam_m1), xp.asarray(w_lam)


def _spaxel_mean(values, sub_weights):
    """The mean over each spaxel's sub-points of ``values`` (B, P * n_sub): (B, P).

    ``sub_weights`` (n_sub,) are the spaxel rule's weights; None: no spaxels.
    """
    if sub_weights is None:
        return values
    return (values.reshape(values.shape[0], -1, sub_weights.shape[0]) * sub_weights).sum(-1)
