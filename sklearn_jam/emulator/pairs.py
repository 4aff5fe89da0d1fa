"""The pair emulator: any galaxy's cylindrical JAM model as a sum over Gaussian pairs.

In the cylindrically aligned model with one ``beta_z``, ``Sigma <V_los^2>`` is linear
in the tracer's density for a fixed potential and linear in the potential for a
fixed tracer (Cappellari 2008, eqs. 8-9 and 28), and the PSF and the spaxels are
linear maps of it. Any galaxy's model is therefore, exactly,

    V^2 = sum_jk [S_j * K] V^2_jk / sum_j [S_j * K],

over pairs of one luminous Gaussian ``j`` (surface brightness ``S_j``, PSF Gaussian
``K``) and one mass Gaussian ``k``, with ``V^2_jk`` the signed model of tracer ``j``
in the potential of ``k`` alone (:func:`~sklearn_jam.jam.cylindrical.vrms2_cyl`).
In units of ``sigma_j`` and ``G M_k / sigma_j``, ``V^2_jk`` depends on five numbers
(:data:`PAIR_PARAM_NAMES`): the inclination, both intrinsic axial ratios,
``log10 sigma_k / sigma_j`` and ``log10 sigma_psf / sigma_j``. A
:class:`~sklearn_jam.JamEmulatorRegressor` (tabular) learns that one kernel on a polar
grid of the convolved luminous Gaussian's own elliptical radius
(:func:`pair_axes`), at ``beta_z = 0`` and at the probe; every MGE (from mgefit,
with any number of Gaussians, nuclei and disks), every mass model made of MGEs and
the black hole are sums of its values. Nothing about a galaxy's photometry is
learned, so no photometry lies outside its training set: only each Gaussian's
intrinsic flattening has a domain (:data:`Q_INTR_RANGE`).

:class:`PairEmulator` makes a galaxy's inclination table
(:class:`~sklearn_jam.jam.tabulated.InclinationTable`) from those sums as
:func:`~sklearn_jam.jam.tabulated.tabulate_cyl` does from the exact engine, for
:class:`~sklearn_jam.JamKinematics` (``engine='emulator'``, ``emulator='pairs'``).
"""

import warnings

import numpy as np
from joblib import Parallel, delayed

from ..exceptions import OutsidePriorWarning
from ..jam._convolution import check_psf
from ..jam.constants import G_JAMPY, MIN_Q_INTR, PC_PER_ARCSEC_MPC, arcsec_to_pc
from ..jam.cylindrical import vrms2_cyl
from ..jam.mass import black_hole_surface
from ..jam.projection import intrinsic_axis_ratio, observed_axis_ratio
from ..jam.tabulated import (
    BETA_PROBE,
    _component_calls,
    component_units,
    inclination_nodes,
    table_from_probes,
)
from .general import _sub_points, check_pixel_rule, polar_factors
from .persistence import is_archive, read_regressor_archive, save_regressor_archive
from .pretrained import load_shipped, shipped_header

__all__ = [
    "PairEmulator",
    "PAIR_PARAM_NAMES",
    "PAIR_GRID_SHAPE",
    "PAIR_R0",
    "PAIR_R_MAX",
    "LG_S_RANGE",
    "LG_P_RANGE",
    "Q_INTR_RANGE",
    "TARGET_TAU",
    "ROUND_MASS_FRACTION",
    "PAIR_N_INC",
    "EDGE_FRACTION",
    "PAIRS_PRETRAINED_FILE",
    "PAIRS_PRETRAINED_SHA256",
    "pair_axes",
    "pair_maps",
    "sample_pairs",
    "simulate_pairs",
    "pair_features",
    "pair_targets",
    "maps_from_pair_targets",
    "kernel_scale",
    "convolved_sigmas",
    "save_pair_emulator",
    "load_pair_emulator",
    "is_pair_emulator_file",
    "load_pairs_pretrained",
    "pairs_pretrained_card",
]

#: A pair's parameters: inclination (deg), the luminous and the mass Gaussian's
#: intrinsic axial ratios, log10 sigma_k / sigma_j and log10 sigma_psf / sigma_j.
PAIR_PARAM_NAMES = ("inc", "q_lum", "q_mass", "lg_s", "lg_p")
#: The pair grid: radii by angles.
PAIR_GRID_SHAPE = (48, 10)
#: The grid's elliptical radii, in the convolved luminous Gaussian's sigmas:
#: ``PAIR_R0 sinh(u)`` from 0 to :data:`PAIR_R_MAX`, where its light is ``exp(-32)``.
PAIR_R0, PAIR_R_MAX = 1e-4, 8.0
#: The trained ``log10 sigma_k / sigma_j``: beyond it the kernel's shape no longer
#: changes (a narrower mass is a point mass, a wider one a harmonic potential whose
#: scale :func:`kernel_scale` keeps), so the sums clip it.
LG_S_RANGE = (-4.0, 3.0)
#: The trained ``log10 sigma_psf / sigma_j``: below it the PSF is no longer seen,
#: above it the luminous Gaussian is a point source whose light-weighted mean is
#: all the PSF shows; clipped as :data:`LG_S_RANGE`.
LG_P_RANGE = (-4.5, 2.0)
#: The trained intrinsic axial ratios of the Gaussians: every deprojectable one
#: (:data:`~sklearn_jam.jam.constants.MIN_Q_INTR` to 1).
Q_INTR_RANGE = (MIN_Q_INTR, 1.0)
#: A Gaussian less than this fraction above the flattest trained ratio warns.
EDGE_FRACTION = 0.01
#: Chebyshev nodes of its tables in the inclination (``table``'s default): on jampy's
#: dark-halo and black-hole examples over the whole deprojectable range, 2e-5 from the
#: converged table (32 nodes), a fiftieth of the kernel's own error, at half the
#: network calls of the exact tables' :data:`~sklearn_jam.jam.tabulated.DEFAULT_N_INC`.
PAIR_N_INC = 12
#: The asinh target's linear scale (in ``G M_k / sigma_j`` over :func:`kernel_scale`):
#: logarithmic where the kernel is large, linear through its sign changes.
TARGET_TAU = 1e-3
#: Fraction of pairs in :func:`sample_pairs` whose mass Gaussian is round (halos, the
#: black hole).
ROUND_MASS_FRACTION = 0.3

_FILE_HEADER = "__sklearn_jam_pairs__"
#: The shipped pair emulator (``scripts/make_pair_emulator.py``).
PAIRS_PRETRAINED_FILE = "jam_emulator_pairs.npz"
#: SHA-256 of the shipped file: a changed file is refused before it is read.
PAIRS_PRETRAINED_SHA256 = "71509e02be3b219466642568462b421060b1386cde79b48227cae01920e32aa0"

#: The distance (Mpc) at which one arcsec is one pc: a pair's sigma_j = 1 is 1 pc.
_UNIT_DISTANCE = 1 / PC_PER_ARCSEC_MPC


# -- the kernel -----------------------------------------------------------------------


def pair_axes():
    """Radii and angles of the pair grid.

    Returns
    -------
    rad : ndarray of shape (48,)
        Elliptical radii in the convolved luminous Gaussian's sigmas.
    ang : ndarray of shape (10,)
        Angles (rad) from the major axis, uniform over 0 to pi/2.
    """
    n_rad, n_ang = PAIR_GRID_SHAPE
    rad = PAIR_R0 * np.sinh(np.linspace(0, np.arcsinh(PAIR_R_MAX / PAIR_R0), n_rad))
    return rad, np.radians(np.linspace(0, 90, n_ang))


def convolved_sigmas(sigma, qobs, sigma_psf):
    """A luminous Gaussian's sigmas along x and y after one round PSF Gaussian."""
    return np.hypot(sigma, sigma_psf), np.hypot(qobs * sigma, sigma_psf)


def kernel_scale(lg_s):
    """The kernel's scale (``G M_k / sigma_j``): Keplerian below ``s = 1``, harmonic above.

    Parameters
    ----------
    lg_s : array-like
        ``log10 sigma_k / sigma_j``.
    """
    return 1 / (1 + 10 ** (2 * np.asarray(lg_s, dtype=float))) ** 1.5


def pair_maps(inc, q_lum, q_mass, lg_s, lg_p):
    """The exact kernel of one pair at the pair grid, at ``beta_z = 0`` and the probe.

    Parameters
    ----------
    inc, q_lum, q_mass, lg_s, lg_p : float
        :data:`PAIR_PARAM_NAMES`.

    Returns
    -------
    maps : ndarray of shape (2, 480)
        ``V^2_jk`` in ``G M_k / sigma_j`` over :func:`kernel_scale`, radius-major.
    """
    s, p = 10.0**lg_s, 10.0**lg_p
    q_j, q_k = observed_axis_ratio(q_lum, inc), observed_axis_ratio(q_mass, inc)
    rad, ang = pair_axes()
    rr, aa = np.meshgrid(rad, ang, indexing="ij")
    sx, sy = convolved_sigmas(1.0, q_j, p)
    x, y = (rr * np.cos(aa) * sx).ravel(), (rr * np.sin(aa) * sy).ravel()
    lum = (np.array([1 / (2 * np.pi * q_j)]), np.ones(1), np.array([q_j]))
    pot = (np.array([1 / (2 * np.pi * s**2 * q_k)]), np.array([s]), np.array([q_k]))
    maps = [
        vrms2_cyl(*lum, *pot, inc, np.array([beta]), x, y, distance=_UNIT_DISTANCE, sigmapsf=p)
        for beta in (0.0, BETA_PROBE)
    ]
    return np.array(maps) / (G_JAMPY * kernel_scale(lg_s))


def sample_pairs(n, random_state=None):
    """Random pairs of the kernel's domain, (n, 5) columns :data:`PAIR_PARAM_NAMES`.

    ``cos i`` uniform over 0-1, intrinsic ratios uniform over :data:`Q_INTR_RANGE`
    (the mass Gaussian round in :data:`ROUND_MASS_FRACTION` of them), ``lg_s`` and
    ``lg_p`` uniform over :data:`LG_S_RANGE` and :data:`LG_P_RANGE`.

    Parameters
    ----------
    n : int
    random_state : int, Generator or None

    Returns
    -------
    pairs : ndarray of shape (n, 5)
    """
    rng = np.random.default_rng(random_state)
    inc = np.degrees(np.arccos(rng.uniform(0, 1, n)))
    q_lum = rng.uniform(*Q_INTR_RANGE, n)
    round_mass = rng.uniform(size=n) < ROUND_MASS_FRACTION
    q_mass = np.where(round_mass, 1.0, rng.uniform(*Q_INTR_RANGE, n))
    return np.column_stack(
        [inc, q_lum, q_mass, rng.uniform(*LG_S_RANGE, n), rng.uniform(*LG_P_RANGE, n)]
    )


def _pair_chunk(pairs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the engine's notes on near-edge inclinations
        return np.array([_pair_maps_or_nan(row) for row in pairs])


def _pair_maps_or_nan(row):
    """:func:`pair_maps`, NaN for a pair within rounding of the deprojection's limit.

    Near face-on, a Gaussian drawn at ``q_intr`` a few 1e-10 above the limit is
    refused by the engine after the round trip through its observed ratio.
    """
    try:
        return pair_maps(*row)
    except ValueError:
        return np.full((2, int(np.prod(PAIR_GRID_SHAPE))), np.nan)


def simulate_pairs(n, random_state=None, n_jobs=None, chunk=500):
    """Draw pairs (:func:`sample_pairs`) and compute their exact kernels (:func:`pair_maps`).

    Parameters
    ----------
    n : int
    random_state : int or None
    n_jobs : int or None
        joblib workers (``parallel_config`` chooses the backend).
    chunk : int, default=500
        Pairs per task.

    Returns
    -------
    pairs : ndarray of shape (n, 5)
    maps : ndarray of shape (n, 2, 480)
        NaN for the rare pair the engine refuses (:func:`_pair_maps_or_nan`); the
        training leaves those out.
    """
    pairs = sample_pairs(n, random_state)
    parts = Parallel(n_jobs=n_jobs)(
        delayed(_pair_chunk)(pairs[i : i + chunk]) for i in range(0, n, chunk)
    )
    return pairs, np.concatenate(parts)


def pair_features(pairs):
    """The network's inputs (n, 7): ``cos i``, both intrinsic and both observed ratios, lg_s, lg_p.

    Parameters
    ----------
    pairs : array-like of shape (n, 5)
        Columns :data:`PAIR_PARAM_NAMES`.
    """
    inc, q_lum, q_mass, lg_s, lg_p = np.asarray(pairs, dtype=float).T
    return np.column_stack(
        [
            np.cos(np.radians(inc)),
            q_lum,
            q_mass,
            lg_s,
            lg_p,
            observed_axis_ratio(q_lum, inc),
            observed_axis_ratio(q_mass, inc),
        ]
    )


def pair_targets(maps):
    """:class:`~sklearn_jam.JamEmulatorRegressor` targets (n, 960) of kernel maps (n, 2, 480).

    The regressor learns the log of positive targets: ``exp(asinh(V^2 / tau))``
    makes it learn ``asinh(V^2 / tau)`` (:data:`TARGET_TAU`).
    """
    maps = np.asarray(maps, dtype=float)
    return np.exp(np.arcsinh(maps.reshape(len(maps), -1) / TARGET_TAU))


def maps_from_pair_targets(y):
    """Kernel maps (n, 2, 480) of :func:`pair_targets` ``y`` (n, 960)."""
    y = np.asarray(y, dtype=float)
    return (TARGET_TAU * np.sinh(np.log(y))).reshape(len(y), 2, -1)


# -- the emulator ---------------------------------------------------------------------


class PairEmulator:
    """A fitted pair kernel and the sums that make a galaxy's table of it.

    Parameters
    ----------
    regressor : JamEmulatorRegressor
        Fitted in the tabular mode on :func:`pair_features` and :func:`pair_targets`.
    info : dict, default=None
        What the model card says of it (data, training, accuracy).
    """

    def __init__(self, regressor, info=None):
        self.regressor = regressor
        self.info = dict(info or {})

    def kernel(self, pairs):
        """The kernel of pairs (n, 5), :func:`pair_maps`'s (n, 2, 480) as the network has them."""
        with warnings.catch_warnings():
            # The sums clip every pair into the trained box first (_pairs).
            warnings.simplefilter("ignore", OutsidePriorWarning)
            y = self.regressor.predict(pair_features(pairs))
        return maps_from_pair_targets(y)

    def unit_maps(self, lum, mass, inc, x, y, *, distance, sigmapsf=0.0):
        """The emulated V_rms^2 of a tracer in a potential at points, with one PSF Gaussian.

        :func:`~sklearn_jam.jam.cylindrical.vrms2_cyl` of the same arguments (no
        spaxels), for comparison with the exact engine.

        Parameters
        ----------
        lum, mass : tuple of ndarray of shape (n_gauss,)
            ``(surf, sigma, qobs)`` of the tracer (Lsun/pc^2) and of the mass
            (Msun/pc^2), sigmas in arcsec.
        inc : float
            Degrees.
        x, y : ndarray of shape (n_points,)
            Arcsec.
        distance : float
            Mpc.
        sigmapsf : float, default=0
            The PSF Gaussian's sigma (arcsec).

        Returns
        -------
        v2 : ndarray of shape (2, n_points)
            At ``beta_z = 0`` and at :data:`~sklearn_jam.jam.tabulated.BETA_PROBE`,
            in (km/s)^2.
        """
        lum = tuple(np.atleast_1d(np.asarray(v, dtype=float)) for v in lum)
        mass = tuple(np.atleast_1d(np.asarray(v, dtype=float)) for v in mass)
        x, y = (np.asarray(v, dtype=float).ravel() for v in (x, y))
        inc_nodes = np.atleast_1d(float(inc))
        self._check_flattening(lum, [mass], inc_nodes[0])
        pc = arcsec_to_pc(distance)
        numerator, surface = self._sums(
            lum, [mass], inc_nodes, x[:, None], y[:, None], np.ones(1), sigmapsf, 1.0, pc
        )
        return numerator[0, 0] / surface

    def table(
        self,
        lum,
        components,
        x,
        y,
        *,
        distance,
        inc_range,
        black_hole=False,
        rbh=0.01,
        sigmapsf=0.0,
        normpsf=1.0,
        pixsize=0.0,
        pixang=0.0,
        n_inc=PAIR_N_INC,
        **_engine_options,
    ):
        """The emulated inclination table of one galaxy at fixed bins.

        Takes the arguments of :func:`~sklearn_jam.jam.tabulated.tabulate_cyl` (its
        engine options are not used) and gives a table of the same form: each mass
        component any MGE, the black hole (a round Gaussian of ``rbh`` arcsec, as the
        exact engine's) last.

        Raises
        ------
        ValueError
            For a Gaussian that does not deproject at the lowest inclination, or
            spaxels whose rule needs too many points.

        Returns
        -------
        table : InclinationTable
        """
        lum = tuple(np.atleast_1d(np.asarray(v, dtype=float)) for v in lum)
        x, y = (np.asarray(v, dtype=float).ravel() for v in (x, y))
        unit = component_units(lum, distance)
        pc = arcsec_to_pc(distance)
        masses = [pot for pot, _ in _component_calls(lum, components, False, unit, pc)]
        if black_hole:
            masses.append(
                (
                    np.array([black_hole_surface(unit, rbh * pc)]),
                    np.array([float(rbh)]),
                    np.ones(1),
                )
            )
        sigmapsf, normpsf, pixsize, pixang, pixel_nodes = check_psf(
            sigmapsf, normpsf, pixsize, pixang, None, black_hole=black_hole
        )
        check_pixel_rule(pixsize, sigmapsf, pixel_nodes, "pair emulator")
        q_flat = float(min(np.min(lum[2]), *(np.min(m[2]) for m in masses)))
        self._check_flattening(lum, masses, float(inc_range[0]))
        inc, nodes = inclination_nodes(q_flat, inc_range, n_inc)
        xs, ys, weights_sub = _sub_points(x, y, pixsize, pixang, pixel_nodes)
        numerator, surface = self._sums(
            lum, masses, inc, xs, ys, weights_sub, sigmapsf, normpsf, pc
        )
        v2 = numerator / surface  # (n_inc, n_components, 2, n_bins), (km/s)^2
        return table_from_probes(v2[:, :, 0], v2[:, :, 1], nodes, q_flat, inc_range)

    @staticmethod
    def _check_flattening(lum, masses, inc_low):
        """Refuse a Gaussian too flat to deproject at the lowest inclination; warn at the edge."""
        low = Q_INTR_RANGE[0]
        for name, mge in [("luminous", lum)] + [("mass", m) for m in masses]:
            q_intr = np.nan_to_num(intrinsic_axis_ratio(mge[2], inc_low), nan=0.0)
            j = int(q_intr.argmin())
            where = (
                f"the {name} Gaussian of qobs={mge[2][j]:.4g} is intrinsically "
                f"q={q_intr[j]:.4g} at inc={inc_low:.4g} deg, the lowest of the range"
            )
            if q_intr[j] < low * (1 - 1e-9):
                raise ValueError(
                    f"{where}: flatter than the pair emulator's domain (q >= {low}, the "
                    "deprojection's limit): raise the inclination's lower bound"
                )
            if q_intr[j] < low * (1 + EDGE_FRACTION):
                warnings.warn(
                    f"{where}: within {EDGE_FRACTION:.0%} of the pair emulator's edge "
                    f"(q >= {low}), where it is least accurate",
                    OutsidePriorWarning,
                    stacklevel=4,
                )

    def _pairs(self, lum_j, mass_k, inc, sigma_psf):
        """The clipped pairs (n_inc, n_j, n_k, 5) of luminous and mass Gaussians."""
        n_inc, n_j, n_k = inc.size, lum_j[1].size, mass_k[1].size
        shape = (n_inc, n_j, n_k)
        # Deprojectable, as checked before (_check_flattening).
        q_lum = np.clip(intrinsic_axis_ratio(lum_j[2], inc[:, None]), *Q_INTR_RANGE)
        q_mass = np.clip(intrinsic_axis_ratio(mass_k[2], inc[:, None]), *Q_INTR_RANGE)
        lg_s = np.log10(mass_k[1][None, :] / lum_j[1][:, None])
        lg_p = np.log10(np.maximum(sigma_psf, 1e-300) / lum_j[1])
        columns = [
            np.broadcast_to(inc[:, None, None], shape),
            np.broadcast_to(q_lum[:, :, None], shape),
            np.broadcast_to(q_mass[:, None, :], shape),
            np.broadcast_to(np.clip(lg_s, *LG_S_RANGE)[None], shape),
            np.broadcast_to(np.clip(lg_p, *LG_P_RANGE)[None, :, None], shape),
        ]
        return np.stack(columns, -1), lg_s

    def _component_kernels(self, lum, masses, inc, sigma_psf, pc):
        """Each component's kernel summed over its Gaussians: (n_inc, n_j, n_components, 2, G).

        In (km/s)^2 per luminous Gaussian; every pair of every component in one
        network call.
        """
        sigma_j = lum[1]
        pairs, scales = [], []
        for surf_k, sigma_k, qobs_k in masses:
            p, lg_s = self._pairs(lum, (surf_k, sigma_k, qobs_k), inc, sigma_psf)
            m_k = 2 * np.pi * surf_k * qobs_k * (sigma_k * pc) ** 2  # Msun
            pairs.append(p.reshape(-1, 5))
            scales.append(G_JAMPY * m_k[None, :] / (sigma_j[:, None] * pc) * kernel_scale(lg_s))
        kernels = self.kernel(np.concatenate(pairs))
        n_inc, n_j = inc.size, sigma_j.size
        parts = np.split(kernels, np.cumsum([len(p) for p in pairs])[:-1])
        return np.stack(
            [
                np.einsum("ijkbg,jk->ijbg", k.reshape(n_inc, n_j, -1, *k.shape[1:]), scale)
                for k, scale in zip(parts, scales, strict=True)
            ],
            2,
        )

    def _sums(self, lum, masses, inc, xs, ys, weights_sub, sigmapsf, normpsf, pc):
        """Light-weighted sums over pairs at the bins' sub-points.

        Returns the numerator (n_inc, n_components, 2, n_bins) in (km/s)^2 times the
        surface (n_bins) it is divided by.
        """
        surf, sigma, qobs = lum
        light = 2 * np.pi * surf * qobs * sigma**2  # per unit pc^2 / arcsec^2: a ratio
        n_bins = xs.shape[0]
        numerator = np.zeros((inc.size, len(masses), 2, n_bins))
        surface = np.zeros(n_bins)
        rad, ang = pair_axes()
        for s_psf, n_psf in zip(np.atleast_1d(sigmapsf), np.atleast_1d(normpsf), strict=True):
            kernels = self._component_kernels(lum, masses, inc, s_psf, pc)
            for j in range(sigma.size):
                sx, sy = convolved_sigmas(sigma[j], qobs[j], s_psf)
                u, v = np.abs(xs) / sx, np.abs(ys) / sy
                radius = np.hypot(u, v)
                s_j = light[j] / (2 * np.pi * sx * sy) * np.exp(-0.5 * radius**2) * weights_sub
                # Farther out than the grid, its light is below exp(-32) of its peak.
                s_j = np.where(radius <= PAIR_R_MAX, s_j, 0.0)
                in_radius, in_angle = polar_factors(
                    np.minimum(radius, PAIR_R_MAX), np.arctan2(v, u), rad, ang, PAIR_R0
                )
                # Each bin's light-weighted spaxel sum of the interpolation, (n_bins, G):
                # the sub-points summed in one batched product, W never formed.
                to_bins = np.matmul((s_j[..., None] * in_radius).swapaxes(1, 2), in_angle)
                to_bins = to_bins.reshape(n_bins, -1)
                numerator += n_psf * (kernels[:, j] @ to_bins.T)
                surface += n_psf * s_j.sum(-1)
        return numerator, surface


# -- files ----------------------------------------------------------------------------


def save_pair_emulator(emulator, path):
    """Write a :class:`PairEmulator` to an ``.npz`` file that holds no code.

    Parameters
    ----------
    emulator : PairEmulator
    path : str or path-like
    """
    header = {
        "format": "sklearn_jam.pair_emulator",
        "grid_shape": list(PAIR_GRID_SHAPE),
        "grid_r0": PAIR_R0,
        "grid_r_max": PAIR_R_MAX,
        "target_tau": TARGET_TAU,
        "info": emulator.info,
    }
    save_regressor_archive(path, _FILE_HEADER, header, emulator.regressor)


def is_pair_emulator_file(path):
    """Whether ``path`` is a :func:`save_pair_emulator` file (read without running code)."""
    return is_archive(path, _FILE_HEADER)


def load_pair_emulator(path, device="cpu"):
    """Read a :func:`save_pair_emulator` file without running anything in it.

    Parameters
    ----------
    path : str or path-like
    device : str, default='cpu'

    Returns
    -------
    emulator : PairEmulator

    Raises
    ------
    ValueError
        If the file is not such a file, or was made for another grid or target.
    """

    def check_header(header):
        same = (
            header.get("grid_shape") == list(PAIR_GRID_SHAPE)
            and header.get("grid_r0") == PAIR_R0
            and header.get("grid_r_max") == PAIR_R_MAX
            and header.get("target_tau") == TARGET_TAU
        )
        if not same:
            raise ValueError(
                f"{path} was made for another pair grid or target (sklearn_jam "
                f"{header.get('package_version')}); this version's grid is {PAIR_GRID_SHAPE} "
                f"to {PAIR_R_MAX} sigmas, tau {TARGET_TAU}"
            )

    header, regressor, _ = read_regressor_archive(
        path, _FILE_HEADER, "pair emulator", check_header, device
    )
    return PairEmulator(regressor, header.get("info"))


def pairs_pretrained_card():
    """The card of the shipped pair emulator (its data, domain, accuracy, training)."""
    header = shipped_header(PAIRS_PRETRAINED_FILE, _FILE_HEADER, "pair emulator")
    return None if header is None else header["info"]


def load_pairs_pretrained(device="cpu"):
    """The pair emulator shipped in the package (``JamKinematics(emulator='pairs')``).

    Parameters
    ----------
    device : str, default='cpu'

    Returns
    -------
    emulator : PairEmulator

    Raises
    ------
    ValueError
        If the shipped file's SHA-256 is not the released one.
    """
    return load_shipped(PAIRS_PRETRAINED_FILE, PAIRS_PRETRAINED_SHA256, load_pair_emulator, device)
