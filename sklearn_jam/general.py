"""The general galaxy family: bulge, disk, nucleus, dark halo, black hole, PSF and spaxels.

The family of the general emulator (issue 19). Its light is an MGE of up to three
components -- a Sersic bulge (:func:`~sklearn_jam.jam.mge.sersic_mge`, ``n`` 1-6),
an exponential disk (the same recipe at ``n = 1``) and a compact nucleus (one
Gaussian) -- each with its own size, flattening and light fraction; its mass is the
stars (mass follows light) plus a spherical gNFW halo
(:func:`~sklearn_jam.jam.mass.gnfw_mge`) and a black hole; it is observed with a
circular Gaussian PSF and square spaxels. Everything is in units of the galaxy's
circularised projected half-light radius ``r_e`` (of all its light) and of its
stellar mass, so the maps are dimensionless (``V_rms / sqrt(G M_* / r_e)``) and
neither distance nor M/L enters.

The columns, in this order everywhere (:data:`GENERAL_PARAM_NAMES`):

=============  ============================================================  ==============
``n_bulge``    Sersic index of the bulge                                     1 .. 6
``q_bulge``    observed axial ratio of the bulge (and of the nucleus)        0.5 .. 1
``f_disk``     fraction of the light in the disk                             0 .. 0.8
``lg_rdisk``   log10 of the disk's half-light radius over the bulge's        -0.3 .. 0.7
``q_disk``     observed axial ratio of the disk                              0.2 .. 0.9
``f_nuc``      fraction of the light in the nucleus                          0 .. 0.05
``lg_rnuc``    log10 of the nucleus's sigma over the bulge's r_e             -2.5 .. -1.3
``inc``        inclination (deg); deprojectable: every q_intr >= 0.05        .. 90
``beta_z``     anisotropy, constant (``beta_r`` with ``align='sph'``)        -0.5 .. 0.5
``f_dm``       dark-matter fraction inside the sphere of r_e                 0 .. 0.7
``gamma``      inner logarithmic slope of the gNFW halo                      -1.6 .. 0
``lg_rbreak``  log10 of the halo's break radius in r_e                       lg 2 .. lg 50
``lg_mbh``     log10 of M_BH / M_*                                           -5 .. -2
``sigma_psf``  PSF dispersion in r_e                                         0.001 .. 0.3
``pixsize``    spaxel side in r_e (0: points)                                0 .. 0.2
=============  ============================================================  ==============

The anisotropy rule of Wang, Cappellari & Peng (2021), ``beta_z <= 0.7 eps_intr``,
derived for one component, is applied with ``eps_intr`` the light-weighted mean
intrinsic ellipticity of the components, so that it is the same rule as
:mod:`sklearn_jam.priors` for a galaxy of one component. The PSF has a floor of
0.001 r_e (jampy's black-hole example resolves 0.0014 r_e of M32): without one,
a black hole's unconvolved V_rms diverges at the centre, and no observation
resolves it.
"""

import numpy as np
from sklearn.utils import check_random_state

from .jam._convolution import check_psf
from .jam.alignment import anisotropy_column, engine, engine_beta
from .jam.constants import DEFAULT_DISTANCE_MPC, MIN_Q_INTR, arcsec_to_pc
from .jam.mass import dark_matter_scale, gnfw_mge, mge_radial_mass
from .jam.mge import sersic_mge
from .jam.projection import inc_from_qmin, intrinsic_axis_ratio
from .jam.sersic import vrms_unit
from .jam.tabulated import BETA_PROBE, anisotropy_factor
from .priors import BETA_EPS_SLOPE, _as_2d, _n_samples

__all__ = [
    "GENERAL_PARAM_NAMES",
    "GENERAL_PRIOR_BOUNDS",
    "R_E_ARCSEC",
    "general_param_names",
    "general_mge",
    "general_violations",
    "check_general_params",
    "sample_general",
    "sample_smooth_mges",
    "SMOOTH_MGE_SIZE",
    "SMOOTH_SIGMA_RANGE",
    "SMOOTH_CORRELATION_DEX",
    "general_vrms",
    "GENERAL_COMPONENTS",
    "general_basis",
    "general_weights",
    "combine_basis",
    "LG_SIGMA_MASS_RANGE",
    "UNIT_COMPONENTS",
    "general_unit_maps",
    "unit_maps_of_mge",
]

#: Column names of the general family (cylindrical alignment), in order.
GENERAL_PARAM_NAMES = (
    "n_bulge",
    "q_bulge",
    "f_disk",
    "lg_rdisk",
    "q_disk",
    "f_nuc",
    "lg_rnuc",
    "inc",
    "beta_z",
    "f_dm",
    "gamma",
    "lg_rbreak",
    "lg_mbh",
    "sigma_psf",
    "pixsize",
)

#: Uniform prior bounds of each column; ``inc`` is limited further by the deprojection.
GENERAL_PRIOR_BOUNDS = {
    "n_bulge": (1.0, 6.0),
    "q_bulge": (0.5, 1.0),
    "f_disk": (0.0, 0.8),
    "lg_rdisk": (-0.3, 0.7),
    "q_disk": (0.2, 0.9),
    "f_nuc": (0.0, 0.05),
    "lg_rnuc": (-2.5, -1.3),
    "inc": (0.0, 90.0),
    "beta_z": (-0.5, 0.5),
    "beta_r": (-0.5, 0.5),
    "f_dm": (0.0, 0.7),
    "gamma": (-1.6, 0.0),
    "lg_rbreak": (float(np.log10(2.0)), float(np.log10(50.0))),
    "lg_mbh": (-5.0, -2.0),
    "sigma_psf": (0.001, 0.3),
    "pixsize": (0.0, 0.2),
}

#: The half-light radius, in arcsec, at which the engine runs (at ``DEFAULT_DISTANCE_MPC``).
#: The maps do not depend on it; it keeps the engine's black-hole Gaussian
#: (``rbh = 0.01"``) 1e-4 of ``r_e``, ten times inside the PSF floor.
R_E_ARCSEC = 100.0

_COLUMN = {name: i for i, name in enumerate(GENERAL_PARAM_NAMES)}


def general_param_names(align="cyl", anisotropy="constant"):
    """The columns of the general family of an alignment (``beta_r`` for 'sph').

    Parameters
    ----------
    align : {'cyl', 'sph'}, default='cyl'
    anisotropy : {'constant', 'eq37'}, default='constant'
        :data:`~sklearn_jam.jam.alignment.ANISOTROPIES` (eq. 37 keeps ``beta_z``).

    Returns
    -------
    names : tuple of str
    """
    column = anisotropy_column(align, anisotropy)  # refuses an unknown alignment
    return tuple(column if n == "beta_z" else n for n in GENERAL_PARAM_NAMES)


def _columns(params):
    """A dict of the (n,) columns of a parameter array."""
    return {name: params[:, i] for name, i in _COLUMN.items()}


def general_mge(params):
    """The light MGE of galaxies of the family, with ``r_e = 1`` and total light 1.

    Parameters
    ----------
    params : array-like of shape (n_galaxies, 15)
        Columns of :data:`GENERAL_PARAM_NAMES` (only the photometric ones are read).

    Returns
    -------
    surf : ndarray of shape (n_galaxies, 29)
        Peak surface brightness of each Gaussian, so that ``2 pi sum(surf sigma^2
        qobs) = 1``: bulge (14), disk (14), nucleus (1).
    sigma : ndarray of shape (n_galaxies, 29)
        Dispersions in units of the circularised half-light radius of all the light.
    qobs : ndarray of shape (n_galaxies, 29)
        Observed axial ratios.
    """
    p = _columns(_as_2d(params))
    n = len(p["n_bulge"])
    f_bulge = 1.0 - p["f_disk"] - p["f_nuc"]
    parts = []
    for fraction, n_ser, scale, q in (
        (f_bulge, p["n_bulge"], np.ones(n), p["q_bulge"]),
        (p["f_disk"], np.ones(n), 10 ** p["lg_rdisk"], p["q_disk"]),
    ):
        surf, sigma = sersic_mge(n_ser)
        parts.append(_normalised(surf, sigma * scale[:, None], q[:, None] + 0 * surf, fraction))
    nucleus = np.ones((n, 1))
    parts.append(
        _normalised(nucleus, 10 ** p["lg_rnuc"][:, None], p["q_bulge"][:, None], p["f_nuc"])
    )
    surf, sigma, qobs = (np.concatenate(v, axis=1) for v in zip(*parts, strict=True))
    r_e = _half_light_radius(surf, sigma, qobs)
    return surf * r_e[:, None] ** 2, sigma / r_e[:, None], qobs


def _normalised(surf, sigma, qobs, fraction):
    """A component's Gaussians scaled to hold ``fraction`` of unit light."""
    total = 2 * np.pi * (surf * sigma**2 * qobs).sum(1)
    return surf * (fraction / total)[:, None], sigma, qobs


def _half_light_radius(surf, sigma, qobs, n_iter=60):
    """Circularised half-light radii of MGEs, shape (n,), by bisection in log radius.

    The definition of :func:`~sklearn_jam.jam.mass.mge_half_light_radius`
    (Gaussians circularised at constant light), vectorised over galaxies.
    """
    sigma_c = sigma * np.sqrt(qobs)
    light = surf * sigma_c**2
    half = 0.5 * light.sum(1)
    lo = np.log(sigma_c.min(1) * 1e-3)
    hi = np.log(sigma_c.max(1) * 1e3)
    for _ in range(n_iter):  # 2^-60 of the bracket: below rounding
        mid = 0.5 * (lo + hi)
        inside = ((1 - np.exp(-0.5 * (np.exp(mid)[:, None] / sigma_c) ** 2)) * light).sum(1)
        lo, hi = np.where(inside < half, mid, lo), np.where(inside < half, hi, mid)
    return np.exp(0.5 * (lo + hi))


def _component_q_intr(p):
    """Intrinsic axial ratios (n, 2) of bulge and disk at ``inc`` (NaN: not deprojectable)."""
    return np.stack(
        [intrinsic_axis_ratio(p["q_bulge"], p["inc"]), intrinsic_axis_ratio(p["q_disk"], p["inc"])],
        axis=1,
    )


def _eps_intr(p, q_intr):
    """Light-weighted mean intrinsic ellipticity (the nucleus shares the bulge's shape)."""
    f_disk = p["f_disk"]
    return 1.0 - ((1 - f_disk) * q_intr[:, 0] + f_disk * q_intr[:, 1])


def general_violations(params, align="cyl", anisotropy="constant"):
    """For each row, the rules of the family it breaks (empty when valid).

    Parameters
    ----------
    params : array-like of shape (n_samples, 15)
        Columns of :func:`general_param_names`.
    align : {'cyl', 'sph'}, default='cyl'
    anisotropy : {'constant', 'eq37'}, default='constant'

    Returns
    -------
    violations : list of list of str
        Each message names the value and the rule.
    """
    names = general_param_names(align, anisotropy)
    params = _as_2d(params)
    if params.ndim != 2 or params.shape[1] != len(names):
        raise ValueError(
            f"params must have shape (n_samples, {len(names)}) with columns {', '.join(names)}; "
            f"got shape {params.shape}"
        )
    p = _columns(params)
    with np.errstate(invalid="ignore"):
        q_intr = _component_q_intr(p)
        eps = _eps_intr(p, q_intr)
    out = []
    for i, row in enumerate(params):
        msgs = []
        for j, name in enumerate(names):
            lo, hi = GENERAL_PRIOR_BOUNDS[name]
            if not np.isfinite(row[j]):
                msgs.append(f"{name}={row[j]} is not finite")
            elif not lo <= row[j] <= hi:
                msgs.append(f"{name}={row[j]:.6g} is outside the prior box [{lo:.6g}, {hi:.6g}]")
        if not msgs:
            for k, part in enumerate(("q_bulge", "q_disk")):
                if not q_intr[i, k] >= MIN_Q_INTR:  # NaN too: q below cos(inc)
                    msgs.append(
                        f"q_intr({part}={p[part][i]:.6g}, inc={p['inc'][i]:.6g}) = "
                        f"{q_intr[i, k]:.4g} is below {MIN_Q_INTR} (JAM cannot deproject)"
                    )
        if not msgs and row[_COLUMN["beta_z"]] > BETA_EPS_SLOPE * eps[i]:
            msgs.append(
                f"{names[_COLUMN['beta_z']]}={row[_COLUMN['beta_z']]:.6g} > {BETA_EPS_SLOPE} * "
                f"eps_intr = {BETA_EPS_SLOPE * eps[i]:.4g} (light-weighted; non-physical Jeans "
                "solution, Wang, Cappellari & Peng 2021)"
            )
        out.append(msgs)
    return out


def check_general_params(params, align="cyl", max_reported=5, anisotropy="constant"):
    """Validate rows of the general family; return them as a float (n, 15) array.

    Raises
    ------
    ValueError
        Naming the row, the value and the rule for each bad row.
    """
    arr = np.asarray(params)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        raise ValueError(f"params must be numeric, got dtype {arr.dtype}")
    arr = _as_2d(arr.astype(float))
    violations = general_violations(arr, align, anisotropy)
    if arr.shape[0] == 0:
        raise ValueError("params has 0 rows; at least one galaxy is required")
    bad = [(i, v) for i, v in enumerate(violations) if v]
    if bad:
        lines = [f"  row {i}: " + "; ".join(v) for i, v in bad[:max_reported]]
        more = f"\n  ... and {len(bad) - max_reported} more rows" if len(bad) > max_reported else ""
        raise ValueError(
            f"{len(bad)} of {arr.shape[0]} rows are outside the general family "
            "(sklearn_jam.general):\n" + "\n".join(lines) + more
        )
    return arr


def sample_general(n_samples, random_state=None):
    """Draw galaxies of the general family: uniform in its box, inside its domain.

    The inclination is drawn uniformly between the lowest that deprojects the
    flatter of bulge and disk (every intrinsic q at least
    :data:`~sklearn_jam.jam.constants.MIN_Q_INTR`) and 90 deg; rows breaking the
    anisotropy rule are redrawn (rejection, not clipping).

    Parameters
    ----------
    n_samples : int
    random_state : int, RandomState instance or None

    Returns
    -------
    params : ndarray of shape (n_samples, 15)
        Columns of :data:`GENERAL_PARAM_NAMES` (the anisotropy column is
        ``beta_r`` for the spherical family: same box, same rule).
    """
    n_samples, rng = _n_samples(n_samples), check_random_state(random_state)
    lo = np.array([GENERAL_PRIOR_BOUNDS[n][0] for n in GENERAL_PARAM_NAMES])
    hi = np.array([GENERAL_PRIOR_BOUNDS[n][1] for n in GENERAL_PARAM_NAMES])
    accepted, n_have = [], 0
    while n_have < n_samples:
        n_draw = max(16, 2 * (n_samples - n_have))
        draws = lo + (hi - lo) * rng.uniform(size=(n_draw, lo.size))
        q_flat = np.minimum(draws[:, _COLUMN["q_bulge"]], draws[:, _COLUMN["q_disk"]])
        # A margin over the limit keeps rounding from landing on q_intr < MIN_Q_INTR.
        inc_lo = inc_from_qmin(MIN_Q_INTR * (1 + 1e-9), q_flat)
        draws[:, _COLUMN["inc"]] = inc_lo + (90.0 - inc_lo) * rng.uniform(size=n_draw)
        ok = np.array([not v for v in general_violations(draws)])
        accepted.append(draws[ok])
        n_have += int(ok.sum())
    return np.concatenate(accepted)[:n_samples] if n_samples else np.empty((0, lo.size))


#: Gaussians of each MGE of :func:`sample_smooth_mges`.
SMOOTH_MGE_SIZE = 16
#: Correlation length (dex in sigma) of the random departures of :func:`sample_smooth_mges`.
SMOOTH_CORRELATION_DEX = 0.3
#: The range (r_e) every sigma of :func:`sample_smooth_mges` falls in.
SMOOTH_SIGMA_RANGE = (10**-3.5, 30.0)


def sample_smooth_mges(n_samples, random_state=None):
    """Draw MGEs of smooth random profiles and flattenings: photometry beyond bulge + disk.

    Real galaxies' MGEs (truncated outskirts, bright or faint nuclei, flattening
    that changes with radius, q below 0.2) are not all bulge + disk + nucleus. These
    are drawn to cover them, for the general emulator's training data
    (``scripts/make_general_emulator.py make --photometry smooth``):

    - :data:`SMOOTH_MGE_SIZE` Gaussians log-spaced in sigma over 2.3-4.4 dex,
      all within :data:`SMOOTH_SIGMA_RANGE` of ``r_e`` (others are redrawn);
    - log peak surface brightness a Sersic-like ``-b (sigma / s)^(1/n)`` (``n``
      1-8) plus a Gaussian random function of ``log sigma`` (amplitude 0-1 in
      ``ln``, correlation length :data:`SMOOTH_CORRELATION_DEX`), with an outer
      taper in 30% of them;
    - ``q`` going from an inner to an outer value (each 0.15-1) around a random
      radius, over 0.1-0.5 dex;
    - the inclination uniform between the deprojection limit (every ``q_intr``
      at least :data:`~sklearn_jam.jam.constants.MIN_Q_INTR`) and 90 deg.

    Parameters
    ----------
    n_samples : int
    random_state : int, RandomState instance or None

    Returns
    -------
    (surf, sigma, qobs) : tuple of ndarray of shape (n_samples, 16)
        Unit light, ``sigma`` in units of the circularised half-light radius.
    inc : ndarray of shape (n_samples,)
        Degrees.
    """
    n_samples, rng = _n_samples(n_samples), check_random_state(random_state)
    parts, n_have = [], 0
    while n_have < n_samples:
        mge, inc = _draw_smooth_mges(max(16, 2 * (n_samples - n_have)), rng)
        # Gaussians far outside the emulator's radii (its features, its baseline) make
        # r_e meaningless for the rest: such draws are redrawn.
        ok = (mge[1].min(1) >= SMOOTH_SIGMA_RANGE[0]) & (mge[1].max(1) <= SMOOTH_SIGMA_RANGE[1])
        parts.append((*(v[ok] for v in mge), inc[ok]))
        n_have += int(ok.sum())
    surf, sigma, qobs, inc = (np.concatenate(v)[:n_samples] for v in zip(*parts, strict=True))
    return (surf, sigma, qobs), inc


def _draw_smooth_mges(n, rng):
    """One batch of :func:`sample_smooth_mges` before the sigma range is imposed."""
    lg_lo = rng.uniform(-2.7, -1.7, (n, 1))
    lg_sigma = lg_lo + rng.uniform(2.3, 4.4, (n, 1)) * np.linspace(0, 1, SMOOTH_MGE_SIZE)
    log_surf = _smooth_profile(lg_lo, lg_sigma, rng)
    qobs = _smooth_flattening(lg_lo, lg_sigma, rng)
    surf = np.exp(log_surf - log_surf.max(1, keepdims=True))
    surf, sigma, qobs = _normalised(surf, 10.0**lg_sigma, qobs, np.ones(n))
    r_e = _half_light_radius(surf, sigma, qobs)
    mge = (surf * r_e[:, None] ** 2, sigma / r_e[:, None], qobs)
    inc_lo = inc_from_qmin(MIN_Q_INTR * (1 + 1e-9), qobs.min(1))
    inc = inc_lo + (90.0 - inc_lo) * rng.uniform(size=n)
    return mge, inc


def _smooth_profile(lg_lo, lg_sigma, rng):
    """ln of the Gaussians' peak surface brightness (n, n_gauss), up to a constant.

    A Sersic-like ``-b (sigma / s)^(1/n)`` (``b`` of ``n = 4``: the scale ``s``
    is random anyway), a Gaussian process in ``log sigma`` on top, and an outer
    taper in 30% of the MGEs.
    """
    n = len(lg_lo)
    n_ser = rng.uniform(1.0, 8.0, (n, 1))
    lg_s = rng.uniform(-1.0, 0.5, (n, 1))
    log_surf = -7.67 * (10.0 ** (lg_sigma - lg_s)) ** (1 / n_ser)
    distance = (lg_sigma[:, :, None] - lg_sigma[:, None, :]) / SMOOTH_CORRELATION_DEX
    cov = np.exp(-0.5 * distance**2) + 1e-9 * np.eye(SMOOTH_MGE_SIZE)  # jitter: cholesky
    normal = rng.standard_normal((n, SMOOTH_MGE_SIZE))
    wiggle = np.einsum("nij,nj->ni", np.linalg.cholesky(cov), normal)
    log_surf = log_surf + rng.uniform(0, 1, (n, 1)) * wiggle
    taper = rng.uniform(size=(n, 1)) < 0.3
    lg_cut = lg_lo + rng.uniform(1.5, 4.0, (n, 1))
    return log_surf - np.where(taper, (10.0 ** (lg_sigma - lg_cut)) ** 2, 0.0)


def _smooth_flattening(lg_lo, lg_sigma, rng):
    """Observed axial ratios (n, n_gauss): a logistic step from an inner to an outer q."""
    n = len(lg_lo)
    q_in, q_out = rng.uniform(0.15, 1.0, (2, n, 1))
    lg_mid = lg_lo + rng.uniform(0.5, 3.5, (n, 1))
    width = rng.uniform(0.1, 0.5, (n, 1))
    return q_in + (q_out - q_in) / (1 + np.exp(-(lg_sigma - lg_mid) / width))


def _engine_galaxies(params):
    """Per galaxy: the luminous MGE and the mass model in the engine's units (arcsec, Msun).

    The galaxy runs at ``r_e = R_E_ARCSEC`` and ``DEFAULT_DISTANCE_MPC`` with a
    stellar mass of 1e10 Msun (M/L = 1), so that jampy's units stay ordinary.
    """
    surf, sigma, qobs = _engine_units(*general_mge(params))
    for row, lum in zip(params, zip(surf, sigma, qobs, strict=True), strict=True):
        p = dict(zip(GENERAL_PARAM_NAMES, row, strict=True))
        yield p, lum, _mass_model(p, *lum)


def _engine_units(surf, sigma, qobs):
    """An MGE of unit light and ``r_e = 1`` in the engine's units: Lsun/pc^2 (1e10 Lsun), arcsec."""
    pc = arcsec_to_pc(DEFAULT_DISTANCE_MPC)
    return surf * 1e10 / (pc * R_E_ARCSEC) ** 2, sigma * R_E_ARCSEC, qobs


def _stellar_mass(surf, sigma, qobs):
    """Total mass (Msun, M/L = 1) of an MGE in the engine's units."""
    pc = arcsec_to_pc(DEFAULT_DISTANCE_MPC)
    return 2 * np.pi * np.sum(surf * (sigma * pc) ** 2 * qobs)


def _black_hole_only(lum):
    """A mass MGE of zero weight: the potential of the black hole alone."""
    return 0 * lum[0][:1], lum[1][:1], lum[2][:1]


def _probe_maps(lum, parts, p, x, y, n_nodes):
    """V_rms^2 (``G M_* / r_e``) of each ``(pot, mbh)`` part at beta_z = 0 and the probe.

    Every part takes the whole model's spaxel rule (a black hole's), so that the
    parts add up exactly: the engine's own choice would differ between them.

    Returns
    -------
    v2 : ndarray of shape (n_parts, 2, n_points)
    """
    psf = (p["sigma_psf"] * R_E_ARCSEC, 1.0, p["pixsize"] * R_E_ARCSEC, 0.0, None)
    pixel_nodes = check_psf(*psf, black_hole=True)[4]
    unit2 = _unit(lum) ** 2
    out = np.empty((len(parts), 2, x.size))
    for c, (pot, mbh) in enumerate(parts):
        for k, beta in enumerate((0.0, BETA_PROBE)):
            vrms = _engine_call("cyl", lum, pot, mbh, p, beta, x, y, n_nodes, pixel_nodes)
            out[c, k] = vrms**2 / unit2
    return out


def _engine_call(
    align, lum, pot, mbh, p, beta, x, y, n_nodes, pixel_nodes=None, anisotropy="constant"
):
    """The engine's V_rms (km/s) of one galaxy of the family at ``(x, y)`` arcsec."""
    return engine(align)(
        *lum,
        *pot,
        p["inc"],
        engine_beta(anisotropy, beta, np.ones(lum[0].size)),
        x,
        y,
        distance=DEFAULT_DISTANCE_MPC,
        mbh=mbh,
        sigmapsf=p["sigma_psf"] * R_E_ARCSEC,
        pixsize=p["pixsize"] * R_E_ARCSEC,
        n_nodes=n_nodes,
        pixel_nodes=pixel_nodes,
    )


def _unit(lum):
    """``sqrt(G M_* / r_e)`` in km/s of a galaxy in the engine's units."""
    surf, sigma, qobs = lum
    return vrms_unit(surf * qobs, sigma, 1.0, R_E_ARCSEC, DEFAULT_DISTANCE_MPC)


def general_vrms(params, x, y, *, align="cyl", anisotropy="constant", n_nodes=None):
    """Exact dimensionless V_rms of galaxies of the family at sky positions, with PSF and spaxels.

    One engine call per galaxy (each has its own PSF and spaxel), the mass its
    stars (M/L = 1), its gNFW halo scaled to ``f_dm`` inside the sphere of
    ``r_e``, and its black hole of ``10**lg_mbh`` times the stellar mass.

    Parameters
    ----------
    params : array-like of shape (n_galaxies, 15)
        Columns of :func:`general_param_names`, validated here.
    x, y : array-like of shape (n_points,)
        Sky positions in units of ``r_e`` (x along the projected major axis).
    align : {'cyl', 'sph'}, default='cyl'
    anisotropy : {'constant', 'eq37'}, default='constant'
        :data:`~sklearn_jam.jam.alignment.ANISOTROPIES`: the constant ``beta_z`` (or
        ``beta_r``), or with ``align='sph'`` jampy 9's eq. (37) of ``ratio = sqrt(1 -
        beta_z)``.
    n_nodes : int or None, default=None
        The engine's quadrature nodes (its default when None).

    Returns
    -------
    vrms : ndarray of shape (n_galaxies, n_points)
        ``V_rms / sqrt(G M_* / r_e)``.
    """
    params = check_general_params(params, align, anisotropy=anisotropy)
    beta = params[:, _COLUMN["beta_z"]]
    x, y = (np.asarray(v, dtype=float) * R_E_ARCSEC for v in (x, y))
    out = np.empty((len(params), x.size))
    for i, (p, lum, mass) in enumerate(_engine_galaxies(params)):
        vrms = _engine_call(
            align, lum, mass["pot"], mass["mbh"], p, beta[i], x, y, n_nodes,
            anisotropy=anisotropy,
        )  # fmt: skip
        out[i] = vrms / _unit(lum)
    return out


#: The mass components of the family, in the order of :func:`general_basis`.
GENERAL_COMPONENTS = ("stars", "halo", "black_hole")


def general_basis(params, x, y, *, n_nodes=None):
    """The exact cylindrical V_rms^2 of each mass component, split by its anisotropy factor.

    JAM's second moment is linear in the potential (the Jeans equations are),
    and with a constant ``beta_z`` the cylindrical model's is linear in ``b = 1 /
    (1 - beta_z)`` (``sigma_R^2 = b sigma_z^2``; ``v_phi^2`` is ``b`` times a term
    of ``sigma_z^2`` plus the circular part); convolution and spaxel means are
    linear too. So for every galaxy, exactly,

    ``V_rms^2 = sum_c w_c (iso_c + (b - 1) aniso_c)``

    over the components ``c`` of :data:`GENERAL_COMPONENTS`, with the weights of
    :func:`general_weights`: the stars (M/L = 1), the halo normalised to the stellar
    mass inside the sphere of ``r_e``, and a black hole of the whole stellar mass.
    Only the maps depend on the MGE, ``inc``, the halo's shape, the PSF and the
    spaxel; ``beta_z``, ``f_dm`` and ``M_BH`` enter through the weights.

    Parameters
    ----------
    params : array-like of shape (n_galaxies, 15)
        Columns of :data:`GENERAL_PARAM_NAMES` (cylindrical; ``beta_z``,
        ``f_dm`` and ``lg_mbh`` are not read).
    x, y : array-like of shape (n_points,)
        Sky positions in units of ``r_e``.
    n_nodes : int or None, default=None
        The engine's quadrature nodes.

    Returns
    -------
    iso : ndarray of shape (n_galaxies, 3, n_points)
        Each component's V_rms^2 at ``beta_z = 0``, in units of ``G M_* / r_e``.
    aniso : ndarray of shape (n_galaxies, 3, n_points)
        Its part proportional to ``b - 1`` (any sign), same units.
    """
    params = check_general_params(params, "cyl")
    x, y = (np.asarray(v, dtype=float) * R_E_ARCSEC for v in (x, y))
    iso = np.empty((len(params), len(GENERAL_COMPONENTS), x.size))
    aniso = np.empty_like(iso)
    for i, (p, lum, mass) in enumerate(_engine_galaxies(params)):
        n_lum = lum[0].size
        parts = (
            (tuple(v[:n_lum] for v in mass["pot"]), 0.0),
            (mass["halo_unit"], 0.0),
            (_black_hole_only(lum), mass["m_star"]),
        )
        v2 = _probe_maps(lum, parts, p, x, y, n_nodes)
        iso[i] = v2[:, 0]
        aniso[i] = (v2[:, 1] - v2[:, 0]) / float(anisotropy_factor(BETA_PROBE))
    return iso, aniso


def general_weights(params):
    """The weights of :func:`general_basis` and the anisotropy factor ``b - 1``.

    Parameters
    ----------
    params : array-like of shape (n_galaxies, 15)

    Returns
    -------
    weights : ndarray of shape (n_galaxies, 3)
        1 for the stars; the halo's mass inside the sphere of ``r_e`` over the
        stellar mass, ``f_dm / (1 - f_dm) M_*(< r_e) / M_*``; ``M_BH / M_*``.
    b_minus_1 : ndarray of shape (n_galaxies,)
        ``1 / (1 - beta_z) - 1``.
    """
    params = check_general_params(params, "cyl")
    weights = np.empty((len(params), len(GENERAL_COMPONENTS)))
    for i, (p, _, mass) in enumerate(_engine_galaxies(params)):
        weights[i] = 1.0, mass["halo_weight"], 10 ** p["lg_mbh"]
    beta = params[:, _COLUMN["beta_z"]]
    return weights, anisotropy_factor(beta)


def combine_basis(iso, aniso, weights, b_minus_1):
    """Dimensionless V_rms from the component maps: ``sqrt(sum_c w_c (iso_c + (b-1) aniso_c))``.

    Parameters
    ----------
    iso, aniso : array-like of shape (n_galaxies, 3, n_points)
    weights : array-like of shape (n_galaxies, 3)
    b_minus_1 : array-like of shape (n_galaxies,)

    Returns
    -------
    vrms : ndarray of shape (n_galaxies, n_points)
        NaN where the sum is negative (no physical model there).
    """
    v2 = np.einsum("nc,ncp->np", weights, iso + b_minus_1[:, None, None] * aniso)
    with np.errstate(invalid="ignore"):
        return np.sqrt(v2)


def _mass_model(p, surf, sigma, qobs):
    """The potential's MGE (stars and halo), the black hole and the halo's weight."""
    m_star = _stellar_mass(surf, sigma, qobs)
    rbreak = 10 ** p["lg_rbreak"] * R_E_ARCSEC
    # The halo MGE covers the stars' radii (as JamKinematics): beyond 10 sigma of the
    # widest Gaussian a spherical shell exerts no force on the stars.
    r_max = min(10 * rbreak, 10 * sigma.max())
    halo = gnfw_mge(p["gamma"], rbreak, r_min=sigma.min(), r_max=r_max)
    # The halo normalised to hold M_* inside the sphere of r_e, then scaled to f_dm.
    norm = m_star / mge_radial_mass(*halo, 90.0, R_E_ARCSEC, DEFAULT_DISTANCE_MPC)
    halo = (halo[0] * norm, *halo[1:])
    scale = dark_matter_scale(
        p["f_dm"], (surf, sigma, qobs), halo, p["inc"], R_E_ARCSEC, DEFAULT_DISTANCE_MPC
    )
    pot = (
        np.concatenate([surf, scale * halo[0]]),
        np.concatenate([sigma, halo[1]]),
        np.concatenate([qobs, halo[2]]),
    )
    return {
        "pot": pot,
        "mbh": 10 ** p["lg_mbh"] * m_star,
        "m_star": m_star,
        "halo_unit": halo,
        "halo_weight": scale,
    }


#: Range of log10 of a round mass Gaussian's sigma (units of ``r_e``) in
#: :func:`general_unit_maps`: from well inside the PSF floor (a point mass there)
#: to far outside the bins (a harmonic potential there), so that any halo's MGE
#: (JamKinematics fits it from the light's narrowest sigma to 10 times its widest)
#: is a sum of them.
LG_SIGMA_MASS_RANGE = (-3.5, 2.5)

#: The mass components of :func:`general_unit_maps`, in order.
UNIT_COMPONENTS = ("stars", "gaussian", "black_hole")


def general_unit_maps(params, lg_sigma_mass, x, y, *, n_nodes=None):
    """Exact cylindrical V_rms^2 of unit-mass components of galaxies, at two anisotropies.

    The building blocks of every mass model of a galaxy (linear in the potential):
    its stars (mass follows light), one round Gaussian of mass (a halo is a sum of
    them) and a black hole, each of the stellar mass ``M_*``, at ``beta_z = 0`` and
    at :data:`~sklearn_jam.jam.tabulated.BETA_PROBE`, so that, with ``b = 1 /
    (1 - beta_z)``, a model of weights ``w_c`` is ``sum_c w_c (iso_c + (b - 1)
    aniso_c)`` with ``aniso_c = (probe_c - iso_c) / (b_probe - 1)``. All maps are
    positive (the probe keeps a black hole's V_rms^2 positive). The PSF and
    spaxel are the galaxy's (``sigma_psf``, ``pixsize``); ``beta_z``, ``f_dm``,
    ``gamma``, ``lg_rbreak`` and ``lg_mbh`` are not read.

    Parameters
    ----------
    params : array-like of shape (n_galaxies, 15)
        Columns of :data:`GENERAL_PARAM_NAMES`, validated here.
    lg_sigma_mass : array-like of shape (n_galaxies,)
        log10 of the round mass Gaussian's sigma in ``r_e``, within
        :data:`LG_SIGMA_MASS_RANGE`.
    x, y : array-like of shape (n_points,)
        Sky positions in units of ``r_e``.
    n_nodes : int or None, default=None
        The engine's quadrature nodes (its choice when None: the black hole's).

    Returns
    -------
    maps : ndarray of shape (n_galaxies, 3, 2, n_points)
        V_rms^2 in units of ``G M_* / r_e`` of each component of
        :data:`UNIT_COMPONENTS` at ``beta_z = 0`` (index 0) and at the probe (1).
    """
    params = check_general_params(params, "cyl")
    lg_sigma_mass = np.asarray(lg_sigma_mass, dtype=float).reshape(-1)
    low, high = LG_SIGMA_MASS_RANGE
    if lg_sigma_mass.shape != (len(params),):
        raise ValueError(
            f"lg_sigma_mass must have one value per galaxy ({len(params)}), "
            f"got shape {lg_sigma_mass.shape}"
        )
    bad = ~((lg_sigma_mass >= low) & (lg_sigma_mass <= high))
    if np.any(bad):
        raise ValueError(
            f"lg_sigma_mass={lg_sigma_mass[bad][0]!r} is outside [{low}, {high}] "
            "(LG_SIGMA_MASS_RANGE)"
        )
    col = _COLUMN
    out = np.empty((len(params), len(UNIT_COMPONENTS), 2, np.size(x)))
    for i, mge in enumerate(zip(*general_mge(params), strict=True)):
        p = params[i]
        out[i] = unit_maps_of_mge(
            mge,
            p[col["inc"]],
            p[col["sigma_psf"]],
            p[col["pixsize"]],
            lg_sigma_mass[i],
            x,
            y,
            n_nodes=n_nodes,
        )
    return out


def unit_maps_of_mge(mge, inc, sigma_psf, pixsize, lg_sigma_mass, x, y, *, n_nodes=None):
    """:func:`general_unit_maps` of one galaxy given by any MGE of unit light and ``r_e = 1``.

    Parameters
    ----------
    mge : tuple of array-like of shape (n_gauss,)
        ``(surf, sigma, qobs)`` with ``2 pi sum(surf sigma^2 qobs) = 1`` and
        ``sigma`` in units of ``r_e``.
    inc : float
        Inclination in degrees.
    sigma_psf, pixsize : float
        The PSF Gaussian's sigma and the spaxel's side, in ``r_e``.
    lg_sigma_mass : float
        log10 of the round mass Gaussian's sigma in ``r_e``.
    x, y : array-like of shape (n_points,)
        Sky positions in ``r_e``.
    n_nodes : int or None, default=None

    Returns
    -------
    maps : ndarray of shape (3, 2, n_points)
        V_rms^2 in ``G M_* / r_e`` of the stars, the Gaussian and the black hole
        (each of the stellar mass) at ``beta_z = 0`` and at the probe.
    """
    x, y = (np.asarray(v, dtype=float).ravel() * R_E_ARCSEC for v in (x, y))
    pc = arcsec_to_pc(DEFAULT_DISTANCE_MPC)
    lum = _engine_units(*(np.asarray(v, dtype=float) for v in mge))
    m_star = _stellar_mass(*lum)
    sigma_m = 10**lg_sigma_mass * R_E_ARCSEC
    gaussian = np.array([m_star / (2 * np.pi * (sigma_m * pc) ** 2)])
    parts = (  # the order of UNIT_COMPONENTS
        (lum, 0.0),
        ((gaussian, np.array([sigma_m]), np.ones(1)), 0.0),
        (_black_hole_only(lum), m_star),
    )
    p = {"inc": inc, "sigma_psf": sigma_psf, "pixsize": pixsize}
    return _probe_maps(lum, parts, p, x, y, n_nodes)
