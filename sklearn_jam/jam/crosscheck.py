"""jampy itself, called as a user would: the cross-checks and the speed yardstick.

These functions need jampy 8 (``jam_axi_proj`` with ``align='cyl'``) and are
imported by the tests, the benchmarks and the simulator's ``backend='jampy'``;
nothing else in the package imports jampy.
"""

import numpy as np

from ..utils import best_time
from .constants import DEFAULT_DISTANCE_MPC, arcsec_to_pc
from .mge import sersic_mge
from .projection import deproject_gaussians
from .sersic import vrms_unit

__all__ = [
    "jampy_major_version",
    "require_jampy8",
    "jampy_mge_vrms",
    "jampy_sersic_vrms",
    "plain_jampy_vrms",
    "compare_with_jampy",
    "quad_vrms_cyl",
    "spherical_isotropic_vrms",
]


def jampy_major_version():
    """The installed jampy's major version (8 or 9), or None without jampy."""
    from importlib import metadata

    try:
        return int(metadata.version("jampy").split(".")[0])
    except metadata.PackageNotFoundError:
        return None


def require_jampy8(what):
    """jampy 8's ``jampy.axi.jam_axi_proj`` module, or an ImportError naming ``what``.

    jampy 9 (Python >= 3.12) replaced the cylindrically aligned analytic solution,
    which every cylindrical cross-check here calls, with a spherically aligned
    spectral solver: those checks need jampy 8.
    """
    major = jampy_major_version()
    if major is None:
        raise ImportError(f"{what} calls jampy, which is not installed: pip install 'jampy<9'")
    if major >= 9:
        raise ImportError(
            f"{what} calls jampy 8's cylindrically aligned jam_axi_proj(align='cyl'), which "
            f"jampy {major} dropped; install jampy 8 (pip install 'jampy>=8.1,<9', Python "
            "3.10-3.11) for the cylindrical cross-checks"
        )
    import importlib

    return importlib.import_module("jampy.axi.jam_axi_proj")


def jampy_mge_vrms(surf, sigma, q_l, q_m, beta_z, inc, x, y, distance, **kwargs):
    """jampy 8's ``jam_axi_proj`` for one MGE as both light and mass, cylindrical, moment zz.

    Parameters
    ----------
    surf : ndarray of shape (n_gauss,)
        Peak surface densities (any unit; the same MGE for light and mass).
    sigma : ndarray of shape (n_gauss,)
        Dispersions in arcsec.
    q_l, q_m, beta_z, inc : float
        Axial ratios of light and mass, anisotropy, inclination in degrees.
    x, y : array-like of shape (n_points,)
        Sky positions in arcsec.
    distance : float
        Distance in Mpc.
    **kwargs
        Further ``jam_axi_proj`` options (default: jampy's defaults).

    Returns
    -------
    vrms : ndarray of shape (n_points,)
        V_rms in km/s for a mass-to-light ratio of 1.
    """
    jam_axi_proj = require_jampy8("jampy_mge_vrms").jam_axi_proj

    ones = np.ones_like(surf)
    return jam_axi_proj(
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
        plot=False,
        quiet=True,
        **kwargs,
    ).model


def jampy_sersic_vrms(n_ser, r_ser, q_l, q_m, beta_z, inc, x, y, *, distance=DEFAULT_DISTANCE_MPC):
    """The map of :func:`sersic_vrms` computed by jampy 8 itself, for cross-checks.

    Calls ``jam_axi_proj(..., align='cyl', moment='zz')`` with its default
    analytic line-of-sight integral on the same MGE, with ``nrad * nang`` above
    the number of points so that jampy evaluates the points themselves rather
    than interpolating. One galaxy at a time; about a second per map.

    Parameters
    ----------
    n_ser, r_ser, q_l, q_m, beta_z, inc : float
        As :func:`sersic_vrms` (``r_ser`` in arcsec, ``inc`` in degrees).
    x, y : array-like of shape (n_points,)
        Sky positions in arcsec.
    distance : float, default=10
        Distance in Mpc.

    Returns
    -------
    vrms : ndarray of shape (n_points,)
        Dimensionless V_rms.
    """
    surf, sigma_re = sersic_mge(float(n_ser))
    sigma = sigma_re * r_ser
    x = np.asarray(x, dtype=float)
    nang = 10
    # jampy's analytic path, its own grid made to hold every point (nrad * nang >= n).
    model = jampy_mge_vrms(
        surf, sigma, q_l, q_m, beta_z, inc, x, y, distance, nang=nang, nrad=x.size // nang + 1
    )
    return np.asarray(model) / vrms_unit(surf, sigma, q_m, r_ser, distance)


def plain_jampy_vrms(n_ser, r_ser, q_l, q_m, beta_z, inc, x, y):
    """What a jampy user runs without sklearn_jam, the yardstick of every speed ratio.

    jampy's own Sersic MGE fit (``jampy.axi.jam_axi_sersic.sersic_mge``), then
    ``jam_axi_proj`` with its defaults, at 10 Mpc.

    Parameters
    ----------
    n_ser, r_ser, q_l, q_m, beta_z, inc : float
        As :func:`~sklearn_jam.jam.sersic_vrms` (``r_ser`` in arcsec, ``inc`` in degrees).
    x, y : array-like of shape (n_points,)
        Sky positions in arcsec.

    Returns
    -------
    vrms : ndarray of shape (n_points,)
        V_rms in km/s for a mass-to-light ratio of 1.
    """
    require_jampy8("jampy_sersic_vrms")  # its JAM call needs jampy 8
    from jampy.axi.jam_axi_sersic import sersic_mge as jampy_sersic_mge

    # quiet=True keeps it silent; no redirect of sys.stdout, which is process-global.
    surf, sigma = jampy_sersic_mge(float(n_ser), 20, 2, False, True)
    return jampy_mge_vrms(surf, sigma * r_ser, q_l, q_m, beta_z, inc, x, y, DEFAULT_DISTANCE_MPC)


def compare_with_jampy(fit, params, X, n_batch=32, repeat=3):
    """The model of :class:`~sklearn_jam.JamKinematics` and jampy's, same inputs, same run.

    jampy's ``jam_axi_proj`` gets the very mass MGE, inclination, anisotropy,
    black hole, PSF and spaxels of the model at ``params`` (its defaults
    otherwise, as a jampy user calls it), so the differences are the engines'.

    Parameters
    ----------
    fit : JamKinematics
        The model (fitted or not).
    params : dict
        One value per parameter (fixed ones may be left out).
    X : array-like of shape (n_bins, 2)
        Bin positions in arcsec.
    n_batch : int, default=32
        Models per engine call for sklearn_jam's time (walkers of one step).
    repeat : int, default=3
        Timings; the best is kept.

    Returns
    -------
    result : dict
        ``max_rel_diff``, ``median_rel_diff`` of V_rms; ``jampy_seconds`` and
        ``sklearn_jam_seconds`` per model; ``speedup`` their ratio; ``n_batch``;
        ``vrms_sklearn_jam`` and ``vrms_jampy`` (km/s).
    """
    jam_axi_proj = require_jampy8("compare_with_jampy").jam_axi_proj

    X = np.asarray(X, dtype=float)
    dyn = {k: v[0] for k, v in fit.dynamical_inputs(params).items()}

    def jampy_model():
        return jam_axi_proj(
            np.asarray(fit.surf_lum, dtype=float),
            np.asarray(fit.sigma_lum, dtype=float),
            np.asarray(fit.qobs_lum, dtype=float),
            dyn["surf_pot"],
            dyn["sigma_pot"],
            dyn["qobs_pot"],
            dyn["inc"],
            dyn["mbh"],
            fit.distance,
            X[:, 0],
            X[:, 1],
            beta=dyn["beta"],
            align="cyl",
            plot=False,
            quiet=True,
            sigmapsf=fit.sigmapsf,
            normpsf=fit.normpsf,
            pixsize=fit.pixsize,
            pixang=fit.pixang,
        ).model

    ours = fit.model_vrms(params, X)[0]
    theirs = jampy_model()
    rel = np.abs(ours / theirs - 1)
    batch = {k: np.full(n_batch, float(np.ravel(v)[0])) for k, v in params.items()}
    t_jampy = best_time(jampy_model, repeat)
    t_ours = best_time(lambda: fit.model_vrms(batch, X), repeat) / n_batch
    return {
        "max_rel_diff": float(rel.max()),
        "median_rel_diff": float(np.median(rel)),
        "jampy_seconds": t_jampy,
        "sklearn_jam_seconds": t_ours,
        "speedup": t_jampy / t_ours,
        "n_batch": n_batch,
        "vrms_sklearn_jam": ours,
        "vrms_jampy": theirs,
    }


def quad_vrms_cyl(
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
    epsrel=1e-12,
):
    """V_rms of the cylindrically aligned model by adaptive quadrature: the engine's truth.

    jampy 8's own integrand of eq. (28) of Cappellari (2008)
    (``jampy.axi.jam_axi_proj.integrand_cyl_los``) integrated over ``u`` in
    [0, 1] with scipy's adaptive QUADPACK, point by point, to ``epsrel``, with
    the interval split where the integrand changes scale (``u = sigma_k / r``
    for every mass Gaussian, and the poles' scale ``1 / sqrt(-c)``), so that no
    narrow feature is missed. Nothing of :func:`~sklearn_jam.jam.jam_axi_cyl`
    is used; one galaxy, some milliseconds to a second per point.

    Parameters
    ----------
    surf_lum, sigma_lum, qobs_lum : array-like of shape (n_lum,)
        Luminous MGE: Lsun/pc^2, arcsec, observed axial ratio.
    surf_pot, sigma_pot, qobs_pot : array-like of shape (n_pot,)
        Mass MGE: Msun/pc^2, arcsec, observed axial ratio.
    inc : float
        Inclination in degrees.
    beta : array-like of shape (n_lum,)
        ``1 - sigma_z^2 / sigma_R^2`` of each luminous Gaussian.
    x, y : array-like of shape (n_points,)
        Sky positions in arcsec, not (0, 0).
    distance : float
        Distance in Mpc.
    mbh : float, default=0
        Black-hole mass in Msun, a round Gaussian of dispersion ``rbh`` (arcsec)
        in the mass, as jampy 8 and the engine.
    rbh : float, default=0.01
        Its dispersion in arcsec.
    epsrel : float, default=1e-12
        Relative tolerance of each integral.

    Returns
    -------
    vrms : ndarray of shape (n_points,)
        V_rms in km/s; NaN where ``V_rms^2 < 0``. A QUADPACK warning (an integral
        that did not reach ``epsrel``) is raised as an error.
    """
    import warnings

    from scipy.integrate import quad

    integrand_cyl_los = require_jampy8("quad_vrms_cyl").integrand_cyl_los

    pc = arcsec_to_pc(distance)
    lum = [np.asarray(v, dtype=float) for v in (surf_lum, sigma_lum, qobs_lum)]
    pot = [np.asarray(v, dtype=float) for v in (surf_pot, sigma_pot, qobs_pot)]
    if mbh > 0:
        pot = [
            np.append(mbh / (2 * np.pi * (rbh * pc) ** 2), pot[0]),
            np.append(rbh, pot[1]),
            np.append(1.0, pot[2]),
        ]
    inc_rad = np.radians(inc)
    beta = np.asarray(beta, dtype=float) * np.ones_like(lum[0])

    cs_inc = np.cos(inc_rad), np.sin(inc_rad)
    dens_lum, sig_lum, q_lum = deproject_gaussians(lum[0], lum[1] * pc, lum[2], *cs_inc)
    dens_pot, sig_pot, q_pot = deproject_gaussians(pot[0], pot[1] * pc, pot[2], *cs_inc)
    s2q2 = (sig_lum[:, None] * q_lum[:, None]) ** 2
    c = (1 - q_pot**2)[None, :] - s2q2 / sig_pot[None, :] ** 2
    pole = 1 / np.sqrt(-c[c < 0])  # u_c of the near poles at +-i u_c
    out = []
    for xj, yj in zip(np.atleast_1d(x) * pc, np.atleast_1d(y) * pc, strict=True):
        r = max(np.hypot(xj, yj), 1e-300)  # the centre: no Gaussian scale in u
        scales = np.concatenate([sig_pot / r, pole, 6 * sig_pot / r])
        points = np.unique(scales[(scales > 1e-9) & (scales < 1)])

        def integrand(u, xj=xj, yj=yj):
            args = (dens_lum, sig_lum, q_lum, dens_pot, sig_pot, q_pot, xj, yj, inc_rad, beta)
            return float(integrand_cyl_los(np.atleast_1d(u), *args, "zz")[0])

        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a truth that did not converge is no truth
            total, _ = quad(
                integrand,
                0,
                1,
                points=points if len(points) else None,
                epsabs=0,
                epsrel=epsrel,
                limit=2000,
            )
        out.append(total)
    x, y = np.atleast_1d(x)[:, None], np.atleast_1d(y)[:, None]
    mu = (lum[0] * np.exp(-0.5 * ((x / lum[1]) ** 2 + (y / (lum[1] * lum[2])) ** 2))).sum(-1)
    with np.errstate(invalid="ignore"):  # V_rms^2 < 0 (an unphysical beta) gives NaN
        return np.sqrt(np.asarray(out) / mu)


def spherical_isotropic_vrms(
    surf_lum, sigma_lum, surf_pot, sigma_pot, radius, *, distance, mbh=0.0, rbh=0.01, epsrel=1e-12
):
    """V_rms of a spherical isotropic model from the 1-D Jeans solution: the shared limit.

    For round Gaussians (q = 1) and isotropy, every alignment of the velocity
    ellipsoid (cylindrical or spherical) is the same model, whose projected
    second moment is one integral (Binney & Mamon 1982, in the isotropic case)::

        Sigma(R) V_rms^2(R) = 2 G int_R^inf nu(r) M(r) sqrt(r^2 - R^2) / r^2 dr,

    with ``nu`` the luminosity density, ``M(r)`` the enclosed mass of the round
    mass MGE (each Gaussian's mass times ``erf(h / sqrt(2)) - sqrt(2/pi) h
    exp(-h^2 / 2)``, ``h = r / sigma``) plus a
    black hole as a Gaussian of dispersion ``rbh``, as the engines take it. It
    uses nothing of the JAM solutions, so it checks them where they must agree.

    Parameters
    ----------
    surf_lum, sigma_lum : array-like of shape (n_lum,)
        Round luminous MGE: Lsun/pc^2 and arcsec.
    surf_pot, sigma_pot : array-like of shape (n_pot,)
        Round mass MGE: Msun/pc^2 and arcsec.
    radius : array-like of shape (n_points,)
        Projected radii in arcsec (> 0).
    distance : float
        Mpc.
    mbh : float, default=0
        Black-hole mass in Msun.
    rbh : float, default=0.01
        Its dispersion in arcsec.
    epsrel : float, default=1e-12
        Relative tolerance of the integral (QUADPACK).

    Returns
    -------
    vrms : ndarray of shape (n_points,)
        In km/s.
    """
    import warnings

    from scipy.integrate import quad
    from scipy.special import erf

    from .constants import G_JAMPY

    pc = arcsec_to_pc(distance)
    surf_l, sig_l = np.asarray(surf_lum, dtype=float), np.asarray(sigma_lum, dtype=float) * pc
    surf_p, sig_p = np.asarray(surf_pot, dtype=float), np.asarray(sigma_pot, dtype=float) * pc
    mass_p = 2 * np.pi * surf_p * sig_p**2  # total mass of each round Gaussian
    if mbh > 0:
        mass_p, sig_p = np.append(mass_p, mbh), np.append(sig_p, rbh * pc)
    dens_l = surf_l / (np.sqrt(2 * np.pi) * sig_l)  # central luminosity density

    def nu(r):
        return np.sum(dens_l * np.exp(-0.5 * (r / sig_l) ** 2))

    def enclosed(r):
        h = r / sig_p
        return np.sum(mass_p * (erf(h / np.sqrt(2)) - np.sqrt(2 / np.pi) * h * np.exp(-0.5 * h**2)))

    out = []
    for big_r in np.atleast_1d(np.asarray(radius, dtype=float)) * pc:
        # r = R cosh(t) takes the sqrt singularity and the infinite range away
        def integrand(t, big_r=big_r):
            r = big_r * np.cosh(t)
            return nu(r) * enclosed(r) * (big_r * np.sinh(t)) ** 2 / r**2

        t_max = np.arccosh(max(40 * sig_l.max() / big_r, 2.0))
        scales = np.arccosh(np.clip(np.concatenate([sig_l, sig_p]) / big_r, 1, None))
        points = np.unique(scales[(scales > 0) & (scales < t_max)])
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a truth that did not converge is no truth
            total, _ = quad(integrand, 0, t_max, points=points, epsabs=0, epsrel=epsrel, limit=500)
        surface = np.sum(surf_l * np.exp(-0.5 * (big_r / sig_l) ** 2))
        out.append(np.sqrt(2 * G_JAMPY * total / surface))
    return np.array(out)
