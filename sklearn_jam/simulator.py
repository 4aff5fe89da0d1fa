"""``JamSimulator``: galaxy parameters -> mock images and JAM V_rms maps."""

import functools
import os
import warnings
from numbers import Integral, Real

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import Bunch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import validate_data
from tqdm.auto import tqdm

from ._owner import exit_with
from ._version import SPEC_VERSION
from .emulator.features import FEATURE_SCALARS, features_from_images
from .exceptions import SimulationFailureWarning
from .general import check_general_params, general_param_names, general_vrms, sample_general
from .grid import PolarGrid
from .jam import (
    DEFAULT_DISTANCE_MPC,
    check_device,
    jampy_sersic_vrms,
    sersic_vrms,
)
from .jam.alignment import ANISOTROPIES, anisotropy_column
from .jam.crosscheck import require_jampy8
from .photometry import sersic_images
from .priors import PARAM_NAMES, check_params, param_names, sample_prior

__all__ = [
    "JamSimulator",
    "SimulationFailureWarning",
    "FEATURE_SCALARS",
    "GALAXY_ERRORS",
    "GRID_RANGES",
]


#: Exceptions by which JAM refuses a galaxy (its inputs or its numbers): recorded as that
#: galaxy's failure. Anything else (ImportError, MemoryError, OSError, an interrupted
#: worker, ...) is a failure of the environment: it stops the run and is never recorded,
#: so the next run retries those galaxies.
GALAXY_ERRORS = (ValueError, ArithmeticError, AssertionError, np.linalg.LinAlgError)


#: The default output grid of each family: (r_min, r_max) in arcsec for the Sersic
#: family (SPEC v2), in units of r_e for the general one (its bins reach 2.5 r_e).
GRID_RANGES = {"sersic": (0.5, 25.0), "general": (0.05, 2.5)}


def _engine_vrms(
    params, grid, distance, n_nodes, device, align, family="sersic", anisotropy="constant"
):
    """Dimensionless maps of a batch from the exact engine, in NumPy or torch on ``device``."""
    if family == "general":  # one engine call per galaxy (each its own PSF), in r_e units
        return general_vrms(
            params, grid.x, grid.y, align=align, anisotropy=anisotropy, n_nodes=n_nodes
        )
    columns = [params[:, i] for i in range(6)]
    x, y = grid.x, grid.y
    if device is not None:
        import torch

        columns = [torch.as_tensor(c, dtype=torch.float64, device=device) for c in columns]
        x, y = (torch.as_tensor(v, dtype=torch.float64, device=device) for v in (x, y))
    vrms = sersic_vrms(
        *columns, x, y, distance=distance, n_nodes=n_nodes, align=align, anisotropy=anisotropy
    )
    return vrms if device is None else vrms.cpu().numpy()


def _simulate_batch(params, grid, distance, vrms_func, with_images, image_kw, engine_kw):
    """Worker: V_rms maps (and images) for a batch; failed galaxies are returned, not raised.

    The engine runs the whole batch as one array expression; if that fails, each
    galaxy is retried alone so that only the ones at fault are reported.
    """
    vrms = np.full((len(params), grid.size), np.nan)
    errors = {}
    if vrms_func is None:
        try:
            vrms[:] = _engine_vrms(params, grid, distance, **engine_kw)
            rows = ()
        except ValueError:
            rows = range(len(params))
        func = functools.partial(_engine_vrms, grid=grid, distance=distance, **engine_kw)
        calls = ((i, lambda i=i: func(params[i : i + 1])[0]) for i in rows)
    else:
        calls = (
            (i, lambda row=row: vrms_func(*row, grid.x, grid.y, distance=distance))
            for i, row in enumerate(params)
        )
    for i, call in calls:
        try:
            vrms[i] = call()
        except GALAXY_ERRORS as exc:  # a galaxy JAM refuses must not kill the batch
            errors[i] = f"{type(exc).__name__}: {exc}"
    bad = ~np.all(np.isfinite(vrms) & (vrms > 0), axis=1)
    for i in np.flatnonzero(bad):
        errors.setdefault(
            int(i), "FloatingPointError: JAM returned a non-finite or non-positive map"
        )
        vrms[i] = np.nan
    images = None
    if with_images:
        images = sersic_images(params[:, 0], params[:, 1], params[:, 2], **image_kw)
    return vrms, images, errors


def _simulate_slice(sl, params, owner, *args):
    exit_with(owner)
    return (sl, *_simulate_batch(params, *args))


class JamSimulator(TransformerMixin, BaseEstimator):
    """Turn galaxy parameters into JAM V_rms maps and mock Sersic images.

    ``transform`` maps an ``(n, 6)`` array of parameters
    (``n_ser, r_ser [arcsec], q_l, q_m, beta_z, inc [deg]``) to the
    ``(n, n_rad * n_ang)`` dimensionless V_rms maps on the polar grid of
    SPEC section 3. With ``align='sph'`` the velocity ellipsoid is
    spherically aligned and the fifth column is ``beta_r``
    (:func:`~sklearn_jam.priors.param_names`); with ``anisotropy='eq37'`` as well, the
    anisotropy is jampy 9's eq. (37) and the column stays ``beta_z``. With ``family='general'`` the
    galaxies are those of :mod:`sklearn_jam.general` (bulge, disk, nucleus, gNFW
    halo, black hole, PSF and spaxels; 15 columns), the grid is in units of
    ``r_e`` and the maps are ``V_rms / sqrt(G M_* / r_e)``. Work runs through
    :class:`joblib.Parallel` with no
    backend fixed, so ``joblib.parallel_config(backend="dask")`` sends it to a
    dask cluster.

    Parameters
    ----------
    r_min, r_max : float or None, default=None
        Radial range of the polar grid: arcsec for the Sersic family (None: 0.5
        and 25, SPEC v2), ``r_e`` for the general one (None: 0.05 and 2.5).
    n_rad, n_ang : int, default=20, 10
        Radii and angles of the polar grid.
    image_side : int, default=64
        Image side in pixels (the emulator's ``image_side``).
    pixel_scale : float, default=0.8
        Arcsec per pixel.
    oversample : int, default=5
        Sub-pixels per pixel side when rendering images.
    distance : float, default=10
        Distance in Mpc at which JAM runs (the maps do not depend on it).
    check_bounds : bool, default=True
        Reject parameters outside the Table 1 prior box, not only outside the
        physical domain.
    on_error : {'warn', 'raise'}, default='warn'
        What ``transform`` does when a JAM call fails: give that row NaN and
        warn with the row and the error, or raise.
    backend : {'engine', 'jampy'}, default='engine'
        ``'engine'``: the exact batched JAM of :func:`sklearn_jam.jam.sersic_vrms`
        (SPEC v2), all galaxies of a task in one array expression.
        ``'jampy'``: jampy 8's ``jam_axi_proj`` with its analytic line-of-sight
        integral at the points (the same quantity, ~100x slower), for
        cross-checks.
    device : str or None, default=None
        Run the engine with torch on this device (``'cpu'``, ``'cuda'``,
        ``'cuda:1'``); None runs it in NumPy. A GPU pays off for large
        ``batch_size``.
    n_nodes : int or None, default=None
        Quadrature nodes of the engine (its accuracy/speed knob; see
        :func:`sklearn_jam.jam.jam_axi_cyl`). None: the engine's choice per
        galaxy, 16, or 24 for a galaxy near the inclination limit.
    vrms_func : callable or None, default=None
        ``f(n_ser, r_ser, q_l, q_m, beta_z, inc, x, y, distance=...)``
        returning the dimensionless map at ``(x, y)``, used instead of
        ``backend`` when given. A cheap function can be injected for tests.
        It refuses a galaxy by raising one of :data:`GALAXY_ERRORS` (e.g.
        ``ValueError``); any other exception stops the run.
    n_jobs : int or None, default=None
        Parallel jobs (joblib semantics).
    batch_size : int, default=64
        Galaxies per parallel task (and per engine call).
    random_state : int, RandomState instance or None, default=None
        Seed of :meth:`sample_params` and :meth:`make_dataset`.
    verbose : int, default=0
        Show a progress bar when > 0.
    align : {'cyl', 'sph'}, default='cyl'
        Alignment of the velocity ellipsoid: cylindrical (the paper's family,
        SPEC v2) or spherical (:func:`~sklearn_jam.jam.jam_axi_sph`, about 1 s
        per galaxy at 64 nodes; ``n_nodes=24`` was 8x faster and 5e-8 from it
        on one galaxy of the family measured). Recorded in :meth:`settings`, so in every
        dataset and model card. ``backend='jampy'`` takes only 'cyl'.
    anisotropy : {'constant', 'eq37'}, default='constant'
        How the anisotropy column enters
        (:data:`~sklearn_jam.jam.alignment.ANISOTROPIES`): the same ``beta_z`` (or
        ``beta_r``) for every Gaussian, or, with ``align='sph'``, jampy 9's eq. (37),
        ``beta(theta) = 1 - ratio^(-2 cos 2 theta)`` with ``ratio = sqrt(1 - beta_z)``:
        the spherically aligned model that jampy 9 recommends in place of the
        cylindrically aligned one of that ``beta_z``. Computed by the engine of
        ``beta(theta)`` in NumPy (``device=None``), about 0.2 s per Sersic galaxy on
        the default grid (0.1 s with ``n_nodes=24``, 2.5e-4 from it). Recorded in
        :meth:`settings` when not 'constant'.
    family : {'sersic', 'general'}, default='sersic'
        The galaxies: the paper's Sersic family (SPEC v2; images and the CNN's
        features) or the general family of :mod:`sklearn_jam.general`, whose
        features are its parameters (for :class:`~sklearn_jam.JamEmulatorRegressor`
        with ``image_side=None``). The general family runs the engine in NumPy,
        one call per galaxy, and has no images or on-disk store yet
        (``scripts/make_general_emulator.py`` makes the general emulator's
        resumable training chunks).

    Attributes
    ----------
    n_features_in_ : int
        Always 6 after ``fit``.
    feature_names_in_ : ndarray of str
        Set when ``fit`` saw a DataFrame.

    Examples
    --------
    >>> from sklearn_jam import JamSimulator
    >>> sim = JamSimulator(random_state=0)
    >>> params = sim.sample_params(2)
    >>> sim.transform(params).shape  # doctest: +SKIP
    (2, 200)
    """

    # Checked by fit, transform and make_dataset before any work (scikit-learn's machinery).
    _parameter_constraints = {
        "r_min": [Interval(Real, 0, None, closed="neither"), None],
        "r_max": [Interval(Real, 0, None, closed="neither"), None],
        "n_rad": [Interval(Integral, 2, None, closed="left")],
        "n_ang": [Interval(Integral, 2, None, closed="left")],
        "image_side": [Interval(Integral, 2, None, closed="left")],
        "npix": [Interval(Integral, 2, None, closed="left"), StrOptions({"deprecated"})],
        "pixel_scale": [Interval(Real, 0, None, closed="neither")],
        "oversample": [Interval(Integral, 1, None, closed="left")],
        "distance": [Interval(Real, 0, np.inf, closed="neither")],
        "check_bounds": ["boolean"],
        "on_error": [StrOptions({"warn", "raise"})],
        "backend": [StrOptions({"engine", "jampy"})],
        "device": [str, None],
        "n_nodes": [Interval(Integral, 2, None, closed="left"), None],
        "vrms_func": [callable, None],
        "n_jobs": [Integral, None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "align": [StrOptions({"cyl", "sph"})],
        "anisotropy": [StrOptions(set(ANISOTROPIES))],
        "family": [StrOptions(set(GRID_RANGES))],
    }

    def __init__(
        self,
        r_min=None,
        r_max=None,
        n_rad=20,
        n_ang=10,
        image_side=64,
        pixel_scale=0.8,
        oversample=5,
        distance=DEFAULT_DISTANCE_MPC,
        check_bounds=True,
        on_error="warn",
        backend="engine",
        device=None,
        n_nodes=None,
        vrms_func=None,
        n_jobs=None,
        batch_size=64,
        random_state=None,
        verbose=0,
        align="cyl",
        family="sersic",
        npix="deprecated",
        anisotropy="constant",
    ):
        self.r_min = r_min
        self.r_max = r_max
        self.n_rad = n_rad
        self.n_ang = n_ang
        self.image_side = image_side
        self.pixel_scale = pixel_scale
        self.oversample = oversample
        self.distance = distance
        self.check_bounds = check_bounds
        self.on_error = on_error
        self.backend = backend
        self.device = device
        self.n_nodes = n_nodes
        self.vrms_func = vrms_func
        self.n_jobs = n_jobs
        self.batch_size = batch_size
        self.random_state = random_state
        self.verbose = verbose
        self.align = align
        self.family = family
        self.npix = npix
        self.anisotropy = anisotropy

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        tags.target_tags.required = False
        tags.input_tags.allow_nan = False
        return tags

    # -- configuration -------------------------------------------------------------

    @property
    def grid(self):
        """The :class:`~sklearn_jam.PolarGrid` of the output maps (``r_e`` for 'general')."""
        r_min, r_max = GRID_RANGES[self.family]
        r_min = r_min if self.r_min is None else self.r_min
        r_max = r_max if self.r_max is None else self.r_max
        return PolarGrid(r_min, r_max, self.n_rad, self.n_ang)

    def _side(self):
        """The image side in pixels: ``image_side``, or the deprecated ``npix`` if set."""
        return self.image_side if self.npix == "deprecated" else self.npix

    def _image_kw(self):
        return {
            "image_side": self._side(),
            "pixel_scale": self.pixel_scale,
            "oversample": self.oversample,
        }

    def settings(self):
        """Everything that determines the output for given parameters (stored with datasets)."""
        return {
            "grid": self.grid.get_params(),
            # The stored key stays "npix" (spec v2's data layout): old stores resume.
            "image": {
                "npix": self._side(),
                "pixel_scale": self.pixel_scale,
                "oversample": self.oversample,
            },
            "distance": float(self.distance),
            "model": self._model_name(),
            "align": self.align,
            **({"anisotropy": self.anisotropy} if self.anisotropy != "constant" else {}),
            **({"family": "general"} if self.family == "general" else {}),
            "spec_version": SPEC_VERSION,
        }

    def _model_name(self):
        if self.vrms_func is not None:
            return getattr(self.vrms_func, "__qualname__", repr(self.vrms_func))
        if self.backend == "engine":
            return "engine" if self.n_nodes is None else f"engine(n_nodes={int(self.n_nodes)})"
        return "jampy"

    def _check_settings(self):
        self._validate_params()  # the _parameter_constraints above
        if self.n_jobs == 0:  # joblib refuses it, but only once the work has started
            raise ValueError(
                "n_jobs=0 runs nothing: give a number of worker processes >= 1, -1 for every "
                "core (joblib's convention), or None"
            )
        if self.npix != "deprecated":
            warnings.warn(
                "JamSimulator(npix=) was renamed image_side in 0.3, as the emulator's (npix is "
                "removed in 0.5)",
                FutureWarning,
                stacklevel=3,
            )
        if self.device is not None:
            check_device(self.device)
        if self.family == "general" and (
            self.backend != "engine" or self.device is not None or self.vrms_func is not None
        ):
            raise ValueError(
                "family='general' runs the exact engine in NumPy (backend='engine', device=None, "
                f"vrms_func=None); got backend={self.backend!r}, device={self.device!r}, "
                f"vrms_func={self.vrms_func!r}"
            )
        if self.backend == "jampy" and self.vrms_func is None and self.align != "cyl":
            raise ValueError(
                f"backend='jampy' computes jampy 8's cylindrically aligned model; align="
                f"{self.align!r} needs backend='engine'"
            )
        anisotropy_column(self.align, self.anisotropy)  # eq. (37) needs align='sph'
        if self.anisotropy == "eq37" and (self.device is not None or self.vrms_func is not None):
            raise ValueError(
                "anisotropy='eq37' runs the engine of beta(theta), in NumPy: it takes "
                f"device=None and vrms_func=None; got device={self.device!r}, "
                f"vrms_func={self.vrms_func!r}"
            )
        self.grid  # noqa: B018 -- validates the grid settings

    def _validate_galaxies(self, X, reset):
        X = validate_data(self, X, reset=reset, dtype=np.float64, ensure_all_finite=True)
        return self._checked(X)

    def _checked(self, params):
        """Galaxy parameters checked for this simulator's family, alignment and anisotropy."""
        kw = dict(align=self.align, anisotropy=self.anisotropy)
        if self.family == "general":
            return check_general_params(params, **kw)
        return check_params(params, check_bounds=self.check_bounds, **kw)

    def _param_names(self):
        """The columns of the galaxies of this simulator's family and alignment."""
        if self.family == "general":
            return general_param_names(self.align, self.anisotropy)
        return param_names(self.align, self.anisotropy)

    # -- scikit-learn API ------------------------------------------------------------

    def fit(self, X=None, y=None):
        """Validate the settings; the simulator learns nothing.

        Parameters
        ----------
        X : array-like of shape (n_samples, 6), optional
            Galaxy parameters; only their shape is recorded.
        y : None
            Ignored.

        Returns
        -------
        self : JamSimulator
        """
        self._check_settings()
        if X is not None:
            self._validate_galaxies(X, reset=True)
        else:
            self.n_features_in_ = len(self._param_names())
        return self

    def transform(self, X):
        """Simulate the V_rms maps of the galaxies in ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, 6) or (n_samples, 15)
            ``n_ser, r_ser [arcsec], q_l, q_m, beta_z, inc [deg]``; with
            ``family='general'`` the columns of
            :func:`~sklearn_jam.general.general_param_names`.

        Returns
        -------
        vrms : ndarray of shape (n_samples, n_rad * n_ang)
            ``V_rms / sqrt(G M_tot / r_ser_pc)`` (``V_rms / sqrt(G M_* / r_e)``
            for the general family), dimensionless; NaN rows for failed galaxies
            when ``on_error='warn'``.
        """
        self._check_settings()
        first = not hasattr(self, "n_features_in_")
        try:
            params = self._validate_galaxies(X, reset=first)
        except ValueError:
            if first:  # a refused first call must not fix the expected input width
                for attr in ("n_features_in_", "feature_names_in_"):
                    self.__dict__.pop(attr, None)
            raise
        vrms, _, errors = self._run(params, with_images=False)
        self._report(errors, params)
        return vrms

    def get_feature_names_out(self, input_features=None):
        """Names of the output grid points, ``vrms_r{i_r}_t{i_theta}``."""
        return self.grid.feature_names()

    # -- data generation -------------------------------------------------------------

    def sample_params(self, n_samples, random_state=None):
        """Draw parameters from the Table 1 prior inside the physical domain.

        Parameters
        ----------
        n_samples : int
            Number of galaxies.
        random_state : int, RandomState instance or None, default=None
            Overrides the estimator's ``random_state``.

        Returns
        -------
        params : ndarray of shape (n_samples, 6)
        """
        rs = self.random_state if random_state is None else random_state
        if self.family == "general":
            return sample_general(n_samples, random_state=rs)
        return sample_prior(n_samples, random_state=rs)

    def images(self, params):
        """Unit-sum mock Sersic images of shape ``(n, image_side, image_side)`` (float32)."""
        if self.family == "general":
            return self._render(params)  # refuses, naming why
        return self._render(self._checked(params))

    def _render(self, params):
        """Images of already validated parameters."""
        if self.family == "general":
            raise ValueError(
                "family='general' has no images: its photometry is the MGE of its parameters "
                "(sklearn_jam.general.general_mge), and its features are the parameters"
            )
        return sersic_images(
            params[:, 0], params[:, 1], params[:, 2], dtype=np.float32, **self._image_kw()
        )

    @staticmethod
    def features_from_images(params, images):
        """Emulator features of SPEC section 4 from parameters and rendered images.

        Parameters
        ----------
        params : ndarray of shape (n, 6)
            Galaxy parameters.
        images : ndarray of shape (n, image_side, image_side)
            Their images.

        Returns
        -------
        X : ndarray of shape (n, 3 + image_side**2)
            Columns ``q_m, beta_z, inc`` (``beta_r`` for ``align='sph'``) then the
            image raveled in C order.
        """
        return features_from_images(params, images)

    def features(self, params):
        """The emulator's ``X`` for the given parameters (SPEC section 4; 'general': themselves).

        Parameters
        ----------
        params : array-like of shape (n, 6)

        Returns
        -------
        X : ndarray of shape (n, 3 + image_side**2)
            Columns ``q_m, beta_z, inc [deg]`` (``beta_r`` for ``align='sph'``),
            then the image raveled in C order.
        """
        params = self._checked(params)
        if self.family == "general":
            return params
        return self.features_from_images(params, self._render(params))

    def feature_names(self):
        """Names of the columns of :meth:`features`."""
        if self.family == "general":
            return np.array(self._param_names(), dtype=object)
        pix = [f"pix_{i:02d}_{j:02d}" for i in range(self._side()) for j in range(self._side())]
        names = self._param_names()  # beta_r in place of beta_z for align='sph'
        scalars = [names[PARAM_NAMES.index(name)] for name in FEATURE_SCALARS]
        return np.array(scalars + pix, dtype=object)

    def make_dataset(self, n_samples, random_state=None):
        """Draw galaxies from the prior and simulate them, like ``sklearn.datasets``.

        Parameters
        ----------
        n_samples : int
            Number of galaxies drawn.
        random_state : int, RandomState instance or None, default=None
            Overrides the estimator's ``random_state``.

        Returns
        -------
        data : sklearn.utils.Bunch
            ``X`` (n, 3 + image_side**2) features, ``y`` (n, n_rad * n_ang) V_rms maps,
            ``params`` (n, 6), ``images`` (n, image_side, image_side) float32, ``grid``
            (:class:`PolarGrid`), ``feature_names``, ``target_names`` and
            ``failures`` (list of ``(params_row, error)`` of galaxies whose JAM
            call failed; they are left out of the arrays, with a warning).
        """
        self._check_settings()
        params = self.sample_params(n_samples, random_state)
        general = self.family == "general"
        vrms, images, errors = self._run(params, with_images=not general)
        return self._bunch(params, images, vrms, errors)

    def _bunch(self, params, images, vrms, errors):
        failures = [(params[i].copy(), errors[i]) for i in sorted(errors)]
        if failures:
            warnings.warn(
                f"{len(failures)} of {len(params)} galaxies failed and were left out: "
                + "; ".join(f"params={np.round(p, 4).tolist()}: {e}" for p, e in failures[:3]),
                SimulationFailureWarning,
                stacklevel=3,
            )
        keep = np.ones(len(params), dtype=bool)
        keep[list(errors)] = False
        params, vrms = params[keep], vrms[keep]
        if images is None:  # the general family: its features are its parameters
            X = params
        else:
            images = images[keep]
            X = self.features_from_images(params, images)
        return self.dataset_bunch(X, vrms, params, images, failures)

    def dataset_bunch(self, X, y, params, images, failures, **extra):
        """A dataset as :meth:`make_dataset` and :func:`~sklearn_jam.load_dataset` return it.

        Parameters
        ----------
        X, y, params, images : array-like
            Features, V_rms maps, galaxy parameters and images (rows aligned).
        failures : list or dict
            The galaxies that failed, with their errors.
        **extra
            More entries (``attrs`` of a store).

        Returns
        -------
        data : sklearn.utils.Bunch
            ``X, y, params, images, grid, feature_names, target_names,
            param_names, failures`` and ``extra``.
        """
        return Bunch(
            X=X,
            y=y,
            params=params,
            images=images,
            grid=self.grid,
            feature_names=self.feature_names(),
            target_names=self.grid.feature_names(),
            param_names=np.array(self._param_names(), dtype=object),
            failures=failures,
            **extra,
        )

    # -- execution -------------------------------------------------------------------

    def _batches(self, n):
        size = int(self.batch_size)
        return [slice(i, min(i + size, n)) for i in range(0, n, size)]

    def simulate_batches(self, params, batches, with_images=True):
        """Simulate batches of galaxies in parallel, yielding each as soon as it is done.

        The building block of :func:`sklearn_jam.simulate_to_store` (and of
        ``transform``): call ``fit()`` first to validate the settings.

        Parameters
        ----------
        params : ndarray of shape (n, 6)
            Validated galaxy parameters (see :func:`sklearn_jam.check_params`).
        batches : list of slice
            Rows of ``params``, one parallel task each.
        with_images : bool, default=True
            Render the images too.

        Yields
        ------
        batch : slice
            The rows done, in any order.
        vrms : ndarray of shape (n_batch, n_rad * n_ang)
            Their maps (NaN rows for failed galaxies).
        images : ndarray of shape (n_batch, image_side, image_side) or None
            Their float32 images.
        errors : dict
            Row within the batch -> error message, for galaxies JAM refused.
        """
        vrms_func = self.vrms_func
        if vrms_func is None and self.backend == "jampy":
            require_jampy8("JamSimulator(backend='jampy')")  # before any work starts
            vrms_func = jampy_sersic_vrms
        engine_kw = {
            "n_nodes": self.n_nodes,
            "device": self.device,
            "align": self.align,
            "family": self.family,
            "anisotropy": self.anisotropy,
        }
        grid, kw = self.grid, {**self._image_kw(), "dtype": np.float32}
        parallel = Parallel(n_jobs=self.n_jobs, return_as="generator_unordered")
        tasks = (
            delayed(_simulate_slice)(
                sl,
                params[sl],
                os.getpid(),
                grid,
                self.distance,
                vrms_func,
                with_images,
                kw,
                engine_kw,
            )
            for sl in batches
        )
        total = sum(sl.stop - sl.start for sl in batches)
        with tqdm(total=total, disable=not self.verbose, unit="galaxy", desc="JAM") as bar:
            with warnings.catch_warnings():
                # When the consumer stops (an error, a full disk), joblib warns that the
                # tasks in flight were cancelled: they were meant to be; the error says why.
                warnings.filterwarnings("ignore", "[0-9]+ tasks which were still being processed")
                for result in parallel(tasks):
                    bar.update(result[0].stop - result[0].start)
                    yield result

    def _run(self, params, with_images):
        n = len(params)
        vrms = np.full((n, self.grid.size), np.nan)
        side = self._side()
        images = np.empty((n, side, side), np.float32) if with_images else None
        errors = {}
        for sl, v, img, err in self.simulate_batches(params, self._batches(n), with_images):
            vrms[sl] = v
            if with_images:
                images[sl] = img
            errors.update({sl.start + i: e for i, e in err.items()})
        return vrms, images, errors

    def _report(self, errors, params):
        if not errors:
            return
        rows = sorted(errors)
        msg = (
            f"JAM failed for {len(rows)} of {len(params)} galaxies (rows {rows[:10]}"
            f"{' ...' if len(rows) > 10 else ''}); first: row {rows[0]} "
            f"params={np.round(params[rows[0]], 4).tolist()}: {errors[rows[0]]}"
        )
        if self.on_error == "raise":
            raise RuntimeError(msg)
        warnings.warn(msg + "; those rows are NaN", SimulationFailureWarning, stacklevel=3)
