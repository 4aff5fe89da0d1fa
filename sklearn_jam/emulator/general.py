"""The general emulator: any galaxy's cylindrical JAM model from a network, as a table.

A fit of observed kinematics (:class:`~sklearn_jam.JamKinematics`) holds the light
(an MGE), the PSF, the spaxels and the bins fixed; its model is then linear in every
mass component's weight and in ``b - 1 = 1/(1 - beta_z) - 1``, and only the
inclination enters non-linearly (:mod:`sklearn_jam.jam.tabulated`). The tabulated
engine computes the components' maps with the exact engine; this emulator predicts
them with a network, from the MGE's profile alone:

1. the MGE is scaled to ``r_e = 1`` and unit light, and described by its surface
   brightness at :data:`FEATURE_RADII` on the major and minor axes
   (:func:`photometry_features`);
2. a :class:`~sklearn_jam.JamEmulatorRegressor` (tabular) maps those, ``cos(inc)``,
   one circular PSF Gaussian's sigma and one round mass Gaussian's sigma to the
   V_rms^2 of two unit-mass components (:data:`EMULATED_COMPONENTS`: the stars
   and that Gaussian), each at ``beta_z = 0`` and at the probe, on a polar grid
   (:func:`grid_axes`) out to 2.75 r_e (the targets of :func:`unit_targets`);
3. the grid maps are interpolated to every sub-point of every spaxel (a cosine
   series in angle, a cubic spline in ``asinh(r / 0.01 r_e)``), weighted there by
   the MGE's surface brightness convolved with that PSF Gaussian (exact), summed
   over the spaxel's rule and over the PSF's Gaussians: a PSF of several Gaussians
   and any spaxels are then exact given the network's maps;
4. this is done at the Chebyshev nodes of an
   :class:`~sklearn_jam.jam.tabulated.InclinationTable`, which then serves every
   model of the fit as the tabulated engine's does.

A halo enters as its MGE's round Gaussians (each one row of the network), so any
spherical halo the table's basis holds is emulated, with its weights exact; the
black hole is, as in the exact engine, a round Gaussian of ``rbh`` in the mass,
so it is one more such row.
"""

import warnings
from functools import lru_cache

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.spatial import cKDTree

from ..exceptions import OutsidePriorWarning
from ..general import (
    GENERAL_PARAM_NAMES,
    GENERAL_PRIOR_BOUNDS,
    LG_SIGMA_MASS_RANGE,
    UNIT_COMPONENTS,
    general_mge,
)
from ..jam._convolution import check_psf, mge_surf, spaxel_points
from ..jam.mass import mge_half_light_radius
from ..jam.projection import intrinsic_axis_ratio
from ..jam.sersic import vrms_unit
from ..jam.tabulated import DEFAULT_N_INC, inclination_nodes, table_from_probes
from .baseline import spherical_baseline
from .persistence import read_regressor_archive, save_regressor_archive
from .pretrained import load_shipped, shipped_header

__all__ = [
    "GeneralEmulator",
    "FEATURE_RADII",
    "GRID_SHAPE",
    "MAX_BIN_RADIUS",
    "grid_axes",
    "grid_points",
    "grid_interpolation",
    "polar_interpolation",
    "polar_factors",
    "check_pixel_rule",
    "normalised_mge",
    "photometry_features",
    "general_features",
    "local_axis_ratio",
    "enclosed_mass_fraction",
    "unit_targets",
    "training_data",
    "mge_training_data",
    "maps_from_targets",
    "grid_baseline",
    "DESIGNS",
    "save_general_emulator",
    "load_general_emulator",
    "load_general_pretrained",
    "general_pretrained_card",
    "GENERAL_PRETRAINED_FILE",
    "GENERAL_PRETRAINED_SHA256",
    "EMULATED_COMPONENTS",
    "PSF_RANGE",
    "PIXSIZE_RANGE",
    "REFUSE_OUTSIDE",
    "MAX_PIXEL_NODES",
    "NEIGHBOUR_QUANTILE",
]

#: Radius (r_e) where the grid's spacing turns from linear to logarithmic: the PSF floor.
GRID_R0 = 0.001
#: Outermost grid radius (r_e): the bins' 2.5 r_e plus half the largest spaxel's diagonal.
GRID_R_MAX = 2.75
#: Radii and angles of the polar grid over one quadrant.
GRID_SHAPE = (40, 10)
#: The bins' largest distance from the centre (r_e) the emulator takes.
MAX_BIN_RADIUS = 2.5
#: Radii (r_e) at which the MGE's surface brightness describes it to the network.
FEATURE_RADII = np.geomspace(0.01, 4.0, 12)
#: The training domain of the observation: PSF Gaussians' and spaxels' sizes in r_e.
PSF_RANGE = (0.001, 0.3)
PIXSIZE_RANGE = GENERAL_PRIOR_BOUNDS["pixsize"]
#: Most points per spaxel side of the emulator's 2-D spaxel rule (the engine's rule,
#: 2.5 per PSF sigma across the spaxel): spaxels up to 6.4 PSF sigmas.
MAX_PIXEL_NODES = 16
#: Photometry outside the training box of a feature by more than this fraction of the
#: box's width is refused; less than that warns.
REFUSE_OUTSIDE = 0.05
#: Photometry farther from the training set than this quantile of the training
#: galaxies' own nearest-neighbour distances warns.
NEIGHBOUR_QUANTILE = 0.99

_FILE_HEADER = "__sklearn_jam_general__"

#: The network's designs: ``'spherical'`` (0.3.6) takes the intrinsic axial ratio
#: at :data:`FEATURE_RADII` as inputs too (:func:`general_features`) and predicts
#: the maps as ratios to the galaxy's round isotropic twin
#: (:mod:`~sklearn_jam.emulator.baseline`); ``'enclosed_mass'`` (0.3.5) the maps,
#: the Gaussian's over its mass inside r_e (:func:`unit_targets`).
DESIGNS = ("spherical", "enclosed_mass")

#: The components the network emulates, from :data:`~sklearn_jam.general.UNIT_COMPONENTS`.
EMULATED_COMPONENTS = UNIT_COMPONENTS[:2]

#: The shipped general emulator (``scripts/make_general_emulator.py``) and its card.
GENERAL_PRETRAINED_FILE = "jam_emulator_general.npz"
#: SHA-256 of the shipped file: a changed file is refused before it is read.
GENERAL_PRETRAINED_SHA256 = "275845ec44f5f674be1faf5887ee88bc5bf39edd1b6d4443c65955441ff19dc8"


# -- the grid -------------------------------------------------------------------------


def grid_axes():
    """Radii (r_e) and angles (rad, 0 on the major axis) of the emulator's polar grid.

    Returns
    -------
    rad : ndarray of shape (40,)
        ``0.001 sinh(s)`` r_e, uniform in ``s`` from 0 to 2.75 r_e.
    ang : ndarray of shape (10,)
        Uniform from 0 to pi/2.
    """
    n_rad, n_ang = GRID_SHAPE
    rad = GRID_R0 * np.sinh(np.linspace(0, np.arcsinh(GRID_R_MAX / GRID_R0), n_rad))
    ang = np.radians(np.linspace(0, 90, n_ang))
    return rad, ang


def grid_points():
    """The grid's points ``x, y`` (r_e), each of shape (400,), radius-major."""
    rad, ang = grid_axes()
    r, a = np.meshgrid(rad, ang, indexing="ij")
    return (r * np.cos(a)).ravel(), (r * np.sin(a)).ravel()


def grid_interpolation(x, y):
    """The matrix that interpolates grid maps to points: ``maps @ W.T`` is the maps there.

    A cosine series of even modes in the angle (the maps' four-fold symmetry;
    exact at the grid's angles) times a cubic spline in ``asinh(r / r0)`` with
    zero slope at the centre (V_rms^2 is even through it).

    Parameters
    ----------
    x, y : array-like of shape (n_points,)
        Points in r_e, anywhere within :data:`GRID_R_MAX`.

    Returns
    -------
    W : ndarray of shape (n_points, 400)
    """
    x, y = (np.abs(np.asarray(v, dtype=float).ravel()) for v in (x, y))
    return polar_interpolation(np.hypot(x, y), np.arctan2(y, x), *grid_axes(), GRID_R0)


def polar_interpolation(r, theta, rad, ang, r0):
    """:func:`grid_interpolation` on any polar grid of maps even in both axes.

    Parameters
    ----------
    r, theta : ndarray of shape (n_points,)
        The points' radii (the grid's unit) and angles (rad) in the first quadrant.
    rad, ang : ndarray of shape (n_rad,) and (n_ang,)
        The grid's radii, from 0, and its angles, uniform from 0 to pi/2.
    r0 : float
        Where the spline's variable ``asinh(r / r0)`` turns from linear to logarithmic.

    Returns
    -------
    W : ndarray of shape (n_points, n_rad * n_ang), radius-major
    """
    in_radius, in_angle = polar_factors(r, theta, rad, ang, r0)
    return (in_radius[:, :, None] * in_angle[:, None, :]).reshape(r.size, -1)


def polar_factors(r, theta, rad, ang, r0):
    """The two factors of :func:`polar_interpolation`: ``W = in_radius (x) in_angle``.

    Parameters
    ----------
    r, theta : ndarray of shape (...)
        As :func:`polar_interpolation`, of any shape.
    rad, ang, r0
        As :func:`polar_interpolation`.

    Returns
    -------
    in_radius : ndarray of shape (..., n_rad)
        The cubic spline's weights of the grid's radii.
    in_angle : ndarray of shape (..., n_ang)
        The cosine series' weights of the grid's angles.
    """
    modes = 2 * np.arange(ang.size)
    to_coef = np.linalg.inv(np.cos(modes[None, :] * ang[:, None]))  # (mode, angle)
    in_angle = np.cos(modes * theta[..., None]) @ to_coef
    spline = _radial_spline(tuple(rad), float(r0))
    return spline(np.arcsinh(r / r0)), in_angle


@lru_cache(maxsize=8)
def _radial_spline(rad, r0):
    """The spline of :func:`polar_factors` of a grid's radii (a tuple), made once per grid."""
    rad = np.array(rad)
    eye = np.eye(rad.size)
    zero = np.zeros(rad.size)
    return CubicSpline(np.arcsinh(rad / r0), eye, bc_type=((1, zero), "not-a-knot"))


# -- features and targets -------------------------------------------------------------


def normalised_mge(surf, sigma, qobs):
    """An MGE scaled to unit light and a circularised half-light radius of 1.

    Parameters
    ----------
    surf : array-like of shape (n_gauss,)
        Peak surface brightness (any unit).
    sigma : array-like of shape (n_gauss,)
        Dispersions (any angular unit).
    qobs : array-like of shape (n_gauss,)
        Observed axial ratios.

    Returns
    -------
    (surf, sigma, qobs) : tuple of ndarray of shape (n_gauss,)
        With ``2 pi sum(surf sigma^2 qobs) = 1`` and ``sigma`` in units of ``r_e``.
    r_e : float
        The half-light radius in the unit of the input ``sigma``
        (:func:`~sklearn_jam.jam.mass.mge_half_light_radius`).
    """
    surf, sigma, qobs = (np.asarray(v, dtype=float) for v in (surf, sigma, qobs))
    r_e = mge_half_light_radius(surf, sigma, qobs)
    light = 2 * np.pi * np.sum(surf * (sigma / r_e) ** 2 * qobs)
    return (surf / light, sigma / r_e, qobs), r_e


def photometry_features(surf, sigma, qobs):
    """log10 of normalised MGEs' surface brightness at :data:`FEATURE_RADII` on both axes.

    Parameters
    ----------
    surf, sigma, qobs : array-like of shape (n_galaxies, n_gauss)
        MGEs with unit light and ``r_e = 1`` (:func:`normalised_mge`).

    Returns
    -------
    features : ndarray of shape (n_galaxies, 24)
        Major axis (12 radii), then minor axis.
    """
    surf, sigma, qobs = (np.atleast_2d(np.asarray(v, dtype=float)) for v in (surf, sigma, qobs))
    out = []
    for x, y in ((FEATURE_RADII, 0 * FEATURE_RADII), (0 * FEATURE_RADII, FEATURE_RADII)):
        arg = (x[:, None] ** 2 + (y[:, None] / qobs[:, None, :]) ** 2) / sigma[:, None, :] ** 2
        out.append(np.log10((surf[:, None, :] * np.exp(-0.5 * arg)).sum(-1)))
    return np.concatenate(out, 1)


def local_axis_ratio(surf, sigma, qobs):
    """The MGE's light-weighted observed axial ratio at :data:`FEATURE_RADII` on the major axis.

    Parameters
    ----------
    surf, sigma, qobs : array-like of shape (n_galaxies, n_gauss)
        MGEs with unit light and ``r_e = 1`` (:func:`normalised_mge`).

    Returns
    -------
    q_local : ndarray of shape (n_galaxies, 12)
        ``sum_j w_j q_j / sum_j w_j`` with ``w_j`` each Gaussian's surface
        brightness there.
    """
    surf, sigma, qobs = (np.atleast_2d(np.asarray(v, dtype=float)) for v in (surf, sigma, qobs))
    w = surf[:, None, :] * np.exp(-0.5 * (FEATURE_RADII[None, :, None] / sigma[:, None, :]) ** 2)
    return (w * qobs[:, None, :]).sum(-1) / w.sum(-1)


def general_features(photometry, inc, sigma_psf, lg_sigma_mass, q_local=None):
    """The network's input rows: photometry, ``cos(inc)``, the PSF sigma, the mass Gaussian's.

    Parameters
    ----------
    photometry : array-like of shape (n, 24)
        :func:`photometry_features`.
    inc : array-like of shape (n,)
        Inclinations in degrees.
    sigma_psf : array-like of shape (n,)
        One circular PSF Gaussian's sigma in r_e.
    lg_sigma_mass : array-like of shape (n,)
        log10 of the round mass Gaussian's sigma in r_e.
    q_local : array-like of shape (n, 12), default=None
        :func:`local_axis_ratio` (design ``'spherical'``): the intrinsic axial
        ratio ``sqrt(q^2 - cos^2 inc) / sin(inc)`` there is appended, on which
        the maps depend steeply near the inclination limit and which a network
        hardly builds from the raw inputs.

    Returns
    -------
    X : ndarray of shape (n, 27) or (n, 39)
    """
    columns = [np.cos(np.radians(inc)), sigma_psf, lg_sigma_mass]
    columns = [np.asarray(v, dtype=float).reshape(-1, 1) for v in columns]
    if q_local is not None:
        inc = np.asarray(inc, dtype=float).reshape(-1, 1)
        with np.errstate(divide="ignore", invalid="ignore"):  # face on: round, q_intr = 1
            q_intr = intrinsic_axis_ratio(np.atleast_2d(q_local), inc)
        columns.append(np.where(np.sin(np.radians(inc)) > 1e-9, q_intr, 1.0))
    return np.concatenate([np.atleast_2d(photometry), *columns], 1)


def enclosed_mass_fraction(lg_sigma_mass):
    """The fraction of a round Gaussian's mass inside the sphere of ``r_e``.

    ``erf(u) - 2 u exp(-u^2) / sqrt(pi)`` with ``u = 1 / (sqrt(2) sigma)``: the
    scale of its V_rms^2 at the bins, which the targets are divided by so that a
    wide Gaussian's tiny maps are of order one.

    Parameters
    ----------
    lg_sigma_mass : array-like
        log10 of its sigma in r_e.

    Returns
    -------
    fraction : ndarray
    """
    from scipy.special import erf

    u = 1 / (np.sqrt(2) * 10 ** np.asarray(lg_sigma_mass, dtype=float))
    return erf(u) - 2 * u * np.exp(-(u**2)) / np.sqrt(np.pi)


def grid_baseline(mge, lg_sigma_mass, sigma_psf):
    """The baseline of the targets: round isotropic twins' V_rms^2 at the grid's radii.

    :func:`~sklearn_jam.emulator.baseline.spherical_baseline` of the stars and of
    round Gaussians of mass, at the radii of :func:`grid_axes` (the same at every
    angle).

    Parameters
    ----------
    mge : tuple of ndarray of shape (n, n_gauss)
        Normalised MGEs (:func:`normalised_mge`).
    lg_sigma_mass : array-like of shape (n, n_mass)
        log10 of the mass Gaussians' sigmas in r_e.
    sigma_psf : array-like of shape (n,)
        The PSF Gaussian's sigma in r_e.

    Returns
    -------
    baseline : ndarray of shape (n, 1 + n_mass, 40)
        In ``G M_* / r_e``.
    """
    rad, _ = grid_axes()
    lg_sigma_mass = np.asarray(lg_sigma_mass, dtype=float).reshape(len(np.atleast_2d(mge[0])), -1)
    return spherical_baseline(*mge, 10**lg_sigma_mass, sigma_psf, rad)


def _divisor(lg_sigma_mass, baseline):
    """What the maps of the stars and the Gaussian (n, 2, 2, 400) are divided by."""
    if baseline is None:  # design 'enclosed_mass': the Gaussian's mass inside r_e
        ones = np.ones(np.shape(lg_sigma_mass))
        scale = np.stack([ones, enclosed_mass_fraction(lg_sigma_mass)], 1)
        return scale[:, :, None, None]
    n_ang = GRID_SHAPE[1]
    baseline = np.asarray(baseline, dtype=float)[:, : len(EMULATED_COMPONENTS)]
    per_point = np.repeat(baseline[:, :, :, None], n_ang, axis=3).reshape(*baseline.shape[:2], -1)
    return per_point[:, :, None, :]  # the same at beta_z = 0 and at the probe


def unit_targets(maps, lg_sigma_mass, baseline=None):
    """Targets of the network from :func:`~sklearn_jam.general.general_unit_maps`.

    The stars' and the Gaussian's maps (a black hole is emulated as a Gaussian of
    its ``rbh``, as the exact engine takes it), as ratios to what
    :data:`DESIGNS` names.

    Parameters
    ----------
    maps : array-like of shape (n, 3, 2, 400)
    lg_sigma_mass : array-like of shape (n,)
    baseline : array-like of shape (n, 2, 40), default=None
        :func:`grid_baseline` of the stars and the Gaussian: the targets are
        the maps' ratios to it (``'spherical'``). None divides the Gaussian's
        maps by :func:`enclosed_mass_fraction` (``'enclosed_mass'``, the
        targets of emulators made before 0.3.6).

    Returns
    -------
    y : ndarray of shape (n, 1600)
        Positive.
    """
    maps = np.array(maps, dtype=float)[:, : len(EMULATED_COMPONENTS)]
    return (maps / _divisor(lg_sigma_mass, baseline)).reshape(len(maps), -1)


def maps_from_targets(y, lg_sigma_mass, baseline=None):
    """The inverse of :func:`unit_targets`: (n, 2, 2, 400) maps of the stars and the Gaussian."""
    maps = np.array(y, dtype=float).reshape(len(y), len(EMULATED_COMPONENTS), 2, -1)
    return maps * _divisor(lg_sigma_mass, baseline)


def training_data(params, lg_sigma_mass, maps, design="spherical", baseline=None):
    """The regressor's inputs and targets from galaxies of :mod:`sklearn_jam.general`.

    Parameters
    ----------
    params : array-like of shape (n, 15)
        Columns of :data:`~sklearn_jam.general.GENERAL_PARAM_NAMES`.
    lg_sigma_mass : array-like of shape (n,)
    maps : array-like of shape (n, 3, 2, 400)
        :func:`~sklearn_jam.general.general_unit_maps` at :func:`grid_points`.
    design : {'spherical', 'enclosed_mass'}, default='spherical'
        One of :data:`DESIGNS`.
    baseline : array-like of shape (n, 2, 40), default=None
        :func:`grid_baseline` of these galaxies, if already computed
        (``design='spherical'``; about 10 ms a galaxy).

    Returns
    -------
    X : ndarray of shape (n, 39), or (n, 27) with design ``'enclosed_mass'``
        :func:`general_features`.
    y : ndarray of shape (n, 1600)
        :func:`unit_targets`.
    """
    params = np.asarray(params, dtype=float)
    col = {name: i for i, name in enumerate(GENERAL_PARAM_NAMES)}
    return mge_training_data(
        general_mge(params),
        params[:, col["inc"]],
        params[:, col["sigma_psf"]],
        lg_sigma_mass,
        maps,
        design,
        baseline,
    )


def mge_training_data(mge, inc, sigma_psf, lg_sigma_mass, maps, design="spherical", baseline=None):
    """:func:`training_data` of galaxies given by their MGEs (of any photometric family).

    Parameters
    ----------
    mge : tuple of ndarray of shape (n, n_gauss)
        Normalised MGEs (:func:`normalised_mge`).
    inc : array-like of shape (n,)
        Inclinations (deg).
    sigma_psf : array-like of shape (n,)
        The PSF Gaussian's sigma in r_e.
    lg_sigma_mass, maps, design, baseline
        As :func:`training_data`; ``maps`` from
        :func:`~sklearn_jam.general.unit_maps_of_mge`.

    Returns
    -------
    X, y : ndarray
        As :func:`training_data`.
    """
    _check_design(design)
    photometry = photometry_features(*mge)
    q_local = local_axis_ratio(*mge) if design == "spherical" else None
    X = general_features(photometry, inc, sigma_psf, lg_sigma_mass, q_local)
    if design == "spherical" and baseline is None:
        baseline = grid_baseline(mge, lg_sigma_mass, sigma_psf)
    return X, unit_targets(maps, lg_sigma_mass, baseline if design == "spherical" else None)


def _check_design(design):
    if design not in DESIGNS:
        raise ValueError(f"design={design!r} is not one of {DESIGNS}")


# -- the emulator ---------------------------------------------------------------------


class GeneralEmulator:
    """A fitted network of the general family and what it needs to serve a fit.

    Made by :meth:`from_regressor` after training, or read by
    :func:`load_general_emulator`; :meth:`table` makes the inclination table of a
    galaxy, which :class:`~sklearn_jam.JamKinematics` (``engine='emulator'``)
    evaluates as the tabulated engine's.

    Parameters
    ----------
    regressor : JamEmulatorRegressor
        Fitted in the tabular mode on :func:`general_features` and
        :func:`unit_targets`.
    photometry_sample : ndarray of shape (n_sample, 24)
        Training galaxies' :func:`photometry_features` (the reference of the
        warning for photometry unlike the training set).
    neighbour_distance : float
        :data:`NEIGHBOUR_QUANTILE` of those galaxies' distances to their nearest
        neighbour among the others, in standardised features.
    info : dict, default=None
        What the model card says of it (data, training, accuracy).
    design : {'spherical', 'enclosed_mass'}, default='spherical'
        The network's inputs and targets (:data:`DESIGNS`).
    """

    def __init__(
        self, regressor, photometry_sample, neighbour_distance, info=None, design="spherical"
    ):
        _check_design(design)
        self.regressor = regressor
        self.photometry_sample = np.asarray(photometry_sample, dtype=float)
        self.neighbour_distance = float(neighbour_distance)
        self.info = dict(info or {})
        self.design = design

    @classmethod
    def from_regressor(
        cls, regressor, X_train, n_sample=2000, info=None, random_state=0, design="spherical"
    ):
        """Wrap a fitted regressor; keep a sample of its training photometry.

        Parameters
        ----------
        regressor : JamEmulatorRegressor
        X_train : ndarray of shape (n, 27)
            Its training inputs (:func:`general_features`).
        n_sample : int, default=2000
            Training galaxies kept for the nearest-neighbour warning.
        info : dict, default=None
        random_state : int, default=0
        design : {'spherical', 'enclosed_mass'}, default='spherical'
            Those of the regressor's training (:func:`training_data`).

        Returns
        -------
        emulator : GeneralEmulator
        """
        photometry = np.unique(np.asarray(X_train)[:, : 2 * FEATURE_RADII.size], axis=0)
        rng = np.random.default_rng(random_state)
        keep = rng.permutation(len(photometry))[:n_sample]
        sample = photometry[keep]
        scale = regressor.scalar_scale_[: sample.shape[1]]
        # Each galaxy's nearest other one (the first neighbour is itself).
        nearest = cKDTree(sample / scale).query(sample / scale, k=2)[0][:, 1]
        threshold = np.quantile(nearest, NEIGHBOUR_QUANTILE)
        return cls(regressor, sample, threshold, info, design)

    # -- the network's domain ----------------------------------------------------------

    def _photometry_box(self):
        low, high = self.regressor.scalar_box_
        n = 2 * FEATURE_RADII.size
        return low[:n], high[:n]

    def check_photometry(self, photometry):
        """Refuse photometry outside the training box; warn if unlike every training galaxy.

        Parameters
        ----------
        photometry : ndarray of shape (24,)
            :func:`photometry_features` of one galaxy.

        Returns
        -------
        distance : float
            To the nearest training galaxy, in standardised features.

        Raises
        ------
        ValueError
            Naming the feature, its value and the training range, when it is outside
            that range by more than :data:`REFUSE_OUTSIDE` of its width.
        """
        low, high = self._photometry_box()
        span = high - low
        outside = np.maximum(low - photometry, photometry - high) / span  # > 0: outside
        j = int(np.argmax(outside))
        axis = "major" if j < FEATURE_RADII.size else "minor"
        where = (
            f"the MGE's log10 surface brightness at {FEATURE_RADII[j % FEATURE_RADII.size]:.3g} "
            f"r_e on the {axis} axis is {photometry[j]:.4g} (unit light, r_e = 1), outside the "
            f"general emulator's training range [{low[j]:.4g}, {high[j]:.4g}]"
        )
        if outside[j] > REFUSE_OUTSIDE:
            raise ValueError(
                f"{where} by {outside[j]:.0%} of its width (more than {REFUSE_OUTSIDE:.0%}): use "
                "engine='tabulated' (exact) for this galaxy"
            )
        if outside[j] > 0:
            warnings.warn(
                f"{where} by {outside[j]:.1%} of its width: the emulator extrapolates",
                OutsidePriorWarning,
                stacklevel=3,
            )
        scale = self.regressor.scalar_scale_[: photometry.size]
        dist = np.sqrt((((self.photometry_sample - photometry) / scale) ** 2).sum(1)).min()
        if dist > self.neighbour_distance:
            warnings.warn(
                f"the MGE's profile is {dist:.3g} (standardised) from the nearest of the "
                f"general emulator's training galaxies, farther than {NEIGHBOUR_QUANTILE:.0%} "
                f"of them are from each other ({self.neighbour_distance:.3g}): its maps may be "
                "less accurate than its card says; check with model_vrms(engine='exact') or "
                "fit(reweight=True)",
                OutsidePriorWarning,
                stacklevel=3,
            )
        return float(dist)

    @staticmethod
    def _check_range(name, values, rng, unit="r_e", log=False, edges=("low", "high")):
        """Refuse values outside ``rng``; warn near ``edges`` (2% of the span, log if ``log``)."""
        values = np.atleast_1d(values)
        low, high = rng
        slack = 1e-9 * max(abs(low), abs(high))
        bad = values[(values < low - slack) | (values > high + slack)]
        if bad.size:
            raise ValueError(
                f"{name}={bad[0]:.4g} {unit} is outside the general emulator's domain "
                f"[{low:.4g}, {high:.4g}] {unit}: use engine='tabulated' (exact)"
            )
        f = np.log if log else (lambda v: v)
        margin = 0.02 * (f(high) - f(low))
        near = np.zeros(values.shape, bool)
        if "low" in edges:
            near |= f(values) < f(low) + margin
        if "high" in edges:
            near |= f(values) > f(high) - margin
        if np.any(near):
            warnings.warn(
                f"{name}={values[near][0]:.4g} {unit} is within 2% of the edge of the general "
                f"emulator's domain [{low:.4g}, {high:.4g}] {unit}, where it is least accurate",
                OutsidePriorWarning,
                stacklevel=4,
            )

    # -- prediction --------------------------------------------------------------------

    def unit_maps(self, photometry, inc, sigma_psf, lg_sigma_mass, mge=None):
        """The network's maps of rows (n, 2, 2, 400): V_rms^2 in ``G M_* / r_e``.

        Of the stars and of the round mass Gaussian (both of the stellar mass),
        at ``beta_z = 0`` and at the probe.

        Parameters
        ----------
        photometry : ndarray of shape (24,) or (n, 24)
        inc, sigma_psf, lg_sigma_mass : array-like of shape (n,)
            As :func:`general_features`.
        mge : tuple of ndarray of shape (n_gauss,), default=None
            The galaxy's normalised MGE (:func:`normalised_mge`), whose
            :func:`photometry_features` ``photometry`` is: the inputs and
            the targets' baseline of design ``'spherical'`` need it.

        Returns
        -------
        maps : ndarray of shape (n, 2, 2, 400)
        """
        n = np.size(inc)
        photometry = np.broadcast_to(photometry, (n, 2 * FEATURE_RADII.size))
        # Beyond the trained range a Gaussian's maps, over its mass inside r_e, no longer
        # change: a narrower one is seen through the PSF floor only by its mass, a wider
        # one is a harmonic potential at the bins (corrections (2.5 / 10^2.5)^2 < 1e-4).
        spherical = self.design == "spherical"
        if spherical and mge is None:
            raise ValueError(
                "this emulator's inputs and maps are of the galaxy's MGE: pass its normalised "
                "MGE as mge"
            )
        q_local = (
            np.broadcast_to(local_axis_ratio(*mge), (n, FEATURE_RADII.size)) if spherical else None
        )
        X = general_features(
            photometry, inc, sigma_psf, np.clip(lg_sigma_mass, *LG_SIGMA_MASS_RANGE), q_local
        )
        with warnings.catch_warnings():
            # The domain was checked by name before (table); the box of the raw
            # inputs would warn for every row of a galaxy at its edge.
            warnings.simplefilter("ignore", OutsidePriorWarning)
            y = self.regressor.predict(X)
        baseline = _rows_baseline(mge, sigma_psf, lg_sigma_mass, n) if spherical else None
        return maps_from_targets(y, lg_sigma_mass, baseline)

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
        n_inc=DEFAULT_N_INC,
        **_engine_options,
    ):
        """The emulated inclination table of one galaxy at fixed bins.

        Takes the arguments of :func:`~sklearn_jam.jam.tabulated.tabulate_cyl`
        (its engine options are not used) and gives a table of the same form.
        The first mass component must be the light itself (mass follows light);
        the others round single Gaussians (a halo's basis). The black hole is, as
        in the exact engine, a round Gaussian of ``rbh`` (arcsec) in the mass.

        Raises
        ------
        ValueError
            For a component the emulator does not model, and for an
            observation or bins outside its domain (naming the value).

        Returns
        -------
        table : InclinationTable
        """
        lum = tuple(np.asarray(v, dtype=float) for v in lum)
        (surf_n, sigma_n, qobs_n), r_e = normalised_mge(*lum)
        photometry = photometry_features(surf_n, sigma_n, qobs_n)[0]
        lg_sigma = self._halo_sigmas(lum, components, r_e)
        lg_rbh = np.log10(rbh / r_e) if black_hole else None
        sigmapsf, normpsf, pixsize, pixang, pixel_nodes = check_psf(
            sigmapsf, normpsf, pixsize, pixang, None, black_hole=black_hole
        )
        self._check_range("PSF sigma", sigmapsf / r_e, PSF_RANGE, log=True)
        check_pixel_rule(pixsize, sigmapsf, pixel_nodes, "general emulator")
        # Small spaxels (or none) are no edge: the emulator applies them itself.
        self._check_range("spaxel side", pixsize / r_e, PIXSIZE_RANGE, edges=("high",))
        x, y = (np.asarray(v, dtype=float).ravel() / r_e for v in (x, y))
        radius = np.hypot(x, y)
        if radius.max() > MAX_BIN_RADIUS:
            j = int(radius.argmax())
            raise ValueError(
                f"the bin at ({x[j] * r_e:.4g}, {y[j] * r_e:.4g}) arcsec is {radius[j]:.4g} r_e "
                f"from the centre (r_e = {r_e:.4g} arcsec), beyond the general emulator's "
                f"{MAX_BIN_RADIUS} r_e: use engine='tabulated' (exact)"
            )
        self.check_photometry(photometry)
        q_flat = float(np.min(lum[2]))  # the components after the stars are round
        inc, nodes = inclination_nodes(q_flat, inc_range, n_inc)
        xs, ys, weights_sub = _sub_points(x, y, pixsize / r_e, pixang, pixel_nodes)
        W = grid_interpolation(xs, ys)
        numerator = 0.0
        denominator = 0.0
        for s_k, n_k in zip(sigmapsf / r_e, normpsf, strict=True):
            surf_k = _convolved_surface(xs, ys, (surf_n, sigma_n, qobs_n), s_k)  # (n_bins, n_sub)
            # Each bin's surface-brightness-weighted spaxel mean of the interpolated grid,
            # as one operator on the grid (n_bins, n_grid): the sub-points summed first.
            weighted = (surf_k * weights_sub).reshape(-1, 1) * W
            to_bins = weighted.reshape(*surf_k.shape, -1).sum(1)
            maps = self._psf_maps(
                photometry, inc, s_k, lg_sigma, lg_rbh, (surf_n, sigma_n, qobs_n)
            )  # (n_inc, C, 2, G)
            numerator = numerator + n_k * (maps @ to_bins.T)
            denominator = denominator + n_k * (surf_k * weights_sub).sum(-1)
        v2 = numerator / denominator  # (n_inc, C, 2, n_bins), units G M_* / r_e
        unit2 = float(vrms_unit(lum[0] * lum[2], lum[1], 1.0, r_e, distance)) ** 2
        return table_from_probes(v2[:, :, 0] * unit2, v2[:, :, 1] * unit2, nodes, q_flat, inc_range)

    def _halo_sigmas(self, lum, components, r_e):
        """log10 sigma (r_e) of the round Gaussians after the stars; refuse anything else."""
        components = [
            tuple(np.atleast_1d(np.asarray(v, dtype=float)) for v in c) for c in components
        ]
        if not components or not all(
            a.shape == b.shape and np.allclose(a / a.max(), b / b.max(), rtol=1e-12)
            for a, b in zip(components[0], lum, strict=True)
        ):
            raise ValueError(
                "the general emulator's first mass component is the light itself (mass "
                "follows light, any mass-to-light ratio); got another MGE"
            )
        lg_sigma = []
        for surf, sigma, qobs in components[1:]:
            if surf.size != 1 or qobs[0] != 1:
                raise ValueError(
                    "the general emulator takes, besides the stars, round single Gaussians of "
                    f"mass (a halo's MGE, one at a time); got {surf.size} Gaussians with "
                    f"qobs={qobs.tolist()}"
                )
            lg_sigma.append(np.log10(sigma[0] / r_e))
        return np.array(lg_sigma)

    def _psf_maps(self, photometry, inc, sigma_psf, lg_sigma, lg_rbh, mge):
        """(n_inc, n_components, 2, 400): the stars, each halo Gaussian, the black hole.

        One network row per mass Gaussian (the black hole's of ``10**lg_rbh`` r_e
        last) at every inclination; each row predicts the stars too, the first serve.
        """
        n_inc = inc.size
        rows_sigma = np.concatenate([lg_sigma, [] if lg_rbh is None else [lg_rbh]])
        with_gaussians = rows_sigma.size > 0
        rows_sigma = rows_sigma if with_gaussians else np.zeros(1)
        inc_rows = np.repeat(inc, rows_sigma.size)
        sigma_rows = np.tile(rows_sigma, n_inc)
        maps = self.unit_maps(
            photometry, inc_rows, np.full(inc_rows.size, sigma_psf), sigma_rows, mge=mge
        )
        maps = maps.reshape(n_inc, rows_sigma.size, *maps.shape[1:])
        parts = [maps[:, :1, 0]]  # the stars
        if with_gaussians:
            parts.append(maps[:, :, 1])  # each halo Gaussian, then the black hole
        return np.concatenate(parts, 1)


def _rows_baseline(mge, sigma_psf, lg_sigma_mass, n):
    """:func:`grid_baseline` (n, 2, 40) of one galaxy's rows, once per PSF and mass Gaussian.

    The mass Gaussian's own sigma, not the network's clipped one: the baseline is
    exact physics at any sigma.
    """
    sigma_psf = np.broadcast_to(np.asarray(sigma_psf, dtype=float), (n,))
    lg_sigma_mass = np.broadcast_to(np.asarray(lg_sigma_mass, dtype=float), (n,))
    mge = tuple(np.asarray(v, dtype=float)[None] for v in mge)
    out = np.empty((n, len(EMULATED_COMPONENTS), GRID_SHAPE[0]))
    for s_psf in np.unique(sigma_psf):
        rows = np.flatnonzero(sigma_psf == s_psf)
        lg, where = np.unique(lg_sigma_mass[rows], return_inverse=True)
        base = grid_baseline(mge, lg[None], np.array([s_psf]))[0]  # (1 + n_lg, 40)
        out[rows, 0] = base[0]
        out[rows, 1] = base[1:][where]
    return out


def check_pixel_rule(pixsize, sigmapsf, pixel_nodes, who):
    """Refuse spaxels whose 2-D rule needs more than :data:`MAX_PIXEL_NODES` points a side.

    Parameters
    ----------
    pixsize : float
        Spaxel side (arcsec).
    sigmapsf : ndarray
        The PSF's sigmas (arcsec).
    pixel_nodes : int
        The engine's rule's points per side (:func:`~sklearn_jam.jam._convolution.check_psf`).
    who : str
        The emulator, for the message.
    """
    if pixsize > 0 and pixel_nodes > MAX_PIXEL_NODES:
        raise ValueError(
            f"a spaxel of {pixsize:.4g} arcsec is {pixsize / sigmapsf.min():.3g} times the "
            f"narrowest PSF sigma ({sigmapsf.min():.4g} arcsec): its 2-D rule would need "
            f"{pixel_nodes} x {pixel_nodes} points, more than the {who}'s "
            f"{MAX_PIXEL_NODES} x {MAX_PIXEL_NODES} (spaxels up to "
            f"{MAX_PIXEL_NODES / 2.5:.3g} PSF sigmas): use engine='tabulated' (exact)"
        )


def _sub_points(x, y, pixsize, pixang, pixel_nodes):
    """Every spaxel's sub-points (n_bins, n_sub) in r_e and the rule's weights (n_sub,)."""
    if pixsize == 0:
        return x[:, None], y[:, None], np.ones(1)
    dx, dy, w = spaxel_points(pixsize, pixang, pixel_nodes)
    return x[:, None] + dx, y[:, None] + dy, w


def _convolved_surface(xs, ys, mge, sigma_psf):
    """The MGE's surface brightness convolved with one PSF Gaussian at points (n, n_sub)."""
    surf, sigma, qobs = (v[None] for v in mge)
    psf = (np.array([[sigma_psf]]), np.ones(1))
    flat = mge_surf(np, xs.reshape(1, -1), ys.reshape(1, -1), surf, sigma, qobs, psf=psf)
    return flat.reshape(xs.shape)


# -- files ----------------------------------------------------------------------------


def save_general_emulator(emulator, path):
    """Write a :class:`GeneralEmulator` to an ``.npz`` file that holds no code.

    Parameters
    ----------
    emulator : GeneralEmulator
    path : str or path-like
    """
    header = {
        "format": "sklearn_jam.general_emulator",
        "grid_shape": list(GRID_SHAPE),
        "grid_r_max": GRID_R_MAX,
        "feature_radii": FEATURE_RADII.tolist(),
        "neighbour_distance": emulator.neighbour_distance,
        "design": emulator.design,
        "info": emulator.info,
    }
    arrays = {"general/photometry_sample": emulator.photometry_sample}
    save_regressor_archive(path, _FILE_HEADER, header, emulator.regressor, arrays)


def load_general_emulator(path, device="cpu"):
    """Read a :func:`save_general_emulator` file without running anything in it.

    Parameters
    ----------
    path : str or path-like
    device : str, default='cpu'

    Returns
    -------
    emulator : GeneralEmulator

    Raises
    ------
    ValueError
        If the file is not such a file, or was made for another grid.
    """

    def check_header(header):
        same = (
            header.get("grid_shape") == list(GRID_SHAPE)
            and header.get("grid_r_max") == GRID_R_MAX
            and np.allclose(header.get("feature_radii", []), FEATURE_RADII)
        )
        if not same:
            raise ValueError(
                f"{path} was made for another grid or features (sklearn_jam "
                f"{header.get('package_version')}); this version's are {GRID_SHAPE} to "
                f"{GRID_R_MAX} r_e"
            )

    header, regressor, arrays = read_regressor_archive(
        path, _FILE_HEADER, "general emulator", check_header, device
    )
    return GeneralEmulator(
        regressor,
        arrays["general/photometry_sample"],
        header["neighbour_distance"],
        header.get("info"),
        # Files of 0.3.5 and before hold no "design": theirs were the mass-scaled maps.
        header.get("design", "enclosed_mass"),
    )


def general_pretrained_card():
    """The card of the shipped general emulator (its data, domain, accuracy, training)."""
    header = shipped_header(GENERAL_PRETRAINED_FILE, _FILE_HEADER, "general emulator")
    return None if header is None else header["info"]


def load_general_pretrained(device="cpu"):
    """The general emulator shipped in the package (``JamKinematics(emulator='general')``).

    Parameters
    ----------
    device : str, default='cpu'

    Returns
    -------
    emulator : GeneralEmulator

    Raises
    ------
    ValueError
        If the shipped file's SHA-256 is not the released one.
    """
    return load_shipped(
        GENERAL_PRETRAINED_FILE, GENERAL_PRETRAINED_SHA256, load_general_emulator, device
    )
