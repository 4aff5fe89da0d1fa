"""Bayesian JAM fits of observed kinematics of real galaxies.

:class:`JamKinematics` takes what a dynamicist has: the MGE of the galaxy's
photometry (from ``mgefit``), the PSF as a sum of circular Gaussians and the
spaxel size (as jampy's ``sigmapsf``, ``normpsf``, ``pixsize``, ``pixang``), and
a mass model; :meth:`JamKinematics.fit` takes the bins (x, y), their V_rms and
errors and samples the posterior with emcee, every walker of a step in one
batched call of the exact engine (:func:`sklearn_jam.jam.jam_axi_cyl`), or with
AdaMet, the adaptive Metropolis sampler of jampy's examples (``sampler='adamet'``).

Mass models (``mass_model``), with flat priors inside ``bounds``:

- ``'light'``: mass follows light. ``q_min`` (intrinsic axial ratio of the
  flattest MGE Gaussian; or ``inc`` in degrees with ``inclination='inc'``),
  the anisotropy (below), ``lg_ml`` (log10 of the mass-to-light ratio in the
  MGE's band).
- ``'gnfw'``: stars plus a spherical gNFW halo (:func:`~sklearn_jam.mass.gnfw_mge`):
  adds ``f_dm`` (dark-matter fraction inside a sphere of the half-light
  radius), ``gamma`` (inner slope, -1 for NFW) and ``rbreak_kpc`` (break radius
  in kpc). As in jampy's example, ``lg_ml`` scales stars and halo together.
- ``black_hole=True`` adds ``lg_mbh`` to either: log10 of the black-hole mass
  in Msun (``bh_convention='absolute'``, the default), or jampy's convention
  (``bh_convention='jampy'``): log10 of jampy's ``mbh`` argument when jampy is
  called with ``ml=10**lg_ml``, which scales the black hole with the stars, so
  that M_BH = 10**(lg_mbh + lg_ml) Msun. jampy's own Bayesian example passes
  ``ml=1`` and multiplies only ``surf_pot``: its ``mbh`` is absolute, as here.

The anisotropy, one value for all Gaussians, depends on the alignment of the
velocity ellipsoid (``align``): cylindrical (:func:`~sklearn_jam.jam.jam_axi_cyl`,
jampy 8's default) samples ``ratio`` = sigma_z / sigma_R, or ``beta_z`` = 1 -
(sigma_z / sigma_R)^2 with ``anisotropy='beta'``; spherical
(:func:`~sklearn_jam.jam.jam_axi_sph`, jampy 9's) samples ``ratio_th`` =
sigma_theta / sigma_r, or ``beta_r`` = 1 - (sigma_theta / sigma_r)^2, or, with
``anisotropy='ratio_eq37'``, ``ratio_eq37``: the anisotropy of jampy 9's eq. (37)
and Bayesian examples, ``beta(theta) = 1 - ratio_eq37^(-2 cos 2 theta)``
(:class:`~sklearn_jam.jam.anisotropy.CylindricalLikeBeta`, sigma_theta / sigma_r
on the equator). With the spherical alignment the black hole is a point mass
(jampy 9), and an exact model costs seconds rather than milliseconds
(``docs/physics.rst``): ``engine='tabulated'`` tabulates it first.

Any parameter can be held fixed with ``fixed={'gamma': -1.0}``.

Distances, sizes and the PSF may be astropy Quantities (``distance=0.7 * u.Mpc``,
``sigma_lum`` in any angle, ``surf_lum`` in any surface brightness convertible to
Lsun/pc^2); plain numbers are in the units below. After a fit the chain is kept
whole (``chain_``, as emcee's ``get_chain()``), its convergence is measured
(:mod:`sklearn_jam.diagnostics`: autocorrelation time, R-hat, bulk ESS, stuck
walkers) and a :class:`~sklearn_jam.exceptions.ChainConvergenceWarning` says
when the posterior cannot be trusted yet.
"""

import functools
import os
import sys
import time
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .diagnostics import ParameterSummary, chain_diagnostics, warn_if_unconverged
from .exceptions import BinsOutsideMgeWarning, ChainConvergenceWarning, UnphysicalModelWarning
from .importance import MAX_PARETO_K, importance_weights, weighted_percentile
from .jam import ENGINES, MIN_Q_INTR, arcsec_to_pc, check_device, inc_from_qmin
from .jam._base import namespace, refuse_first_bad
from .jam._convolution import check_psf, mge_surf
from .jam.anisotropy import CylindricalLikeBeta
from .jam.mass import dark_matter_scale, gnfw_mge, mge_half_light_radius
from .jam.spherical import check_observation_sph
from .jam.tabulated import (
    DEFAULT_N_ANI,
    DEFAULT_N_INC,
    anisotropy_factor,
    component_units,
    tabulate_cyl,
    tabulate_sph,
)
from .utils import strip_unit

__all__ = ["JamKinematics", "MASS_MODELS", "BinsOutsideMgeWarning"]

#: Parameters of each mass model (before the inclination/anisotropy choice and the black hole).
#: The engines that tabulate one galaxy at its bins before sampling (NumPy).
FAST_ENGINES = ("tabulated", "emulator")

MASS_MODELS = {
    "light": ("q_min", "ratio", "lg_ml"),
    "gnfw": ("q_min", "ratio", "lg_ml", "f_dm", "gamma", "rbreak_kpc"),
}

#: The anisotropy parameter of each ``(align, anisotropy)``.
ANISOTROPY_PARAMETERS = {
    ("cyl", "ratio"): "ratio",
    ("cyl", "beta"): "beta_z",
    ("sph", "ratio"): "ratio_th",
    ("sph", "beta"): "beta_r",
    ("sph", "ratio_eq37"): "ratio_eq37",
}

#: The variable of a spherically aligned table of each anisotropy parameter
#: (:data:`~sklearn_jam.jam.tabulated.TABLE_ANISOTROPIES`).
_TABLE_KIND = {"ratio_th": "ratio", "beta_r": "beta", "ratio_eq37": "ratio_eq37"}

#: Default flat-prior bounds; ``q_min`` and ``inc`` are limited further by the MGE.
DEFAULT_BOUNDS = {
    "q_min": (MIN_Q_INTR + 0.001, 1.0),
    "inc": (0.0, 90.0),
    "ratio": (0.5, 1.5),
    "beta_z": (-1.0, 0.75),
    "ratio_th": (0.5, 1.5),
    "beta_r": (-1.0, 0.75),
    "ratio_eq37": (0.5, 1.5),
    "lg_ml": (-1.0, 1.5),
    "f_dm": (0.0, 0.9),
    "gamma": (-1.6, 0.0),
    "rbreak_kpc": (2.0, 100.0),
    "lg_mbh": (4.0, 11.0),
}

#: What each parameter can physically be (bounds, fixed values and starts are held to it).
PHYSICAL_RANGE = {
    "ratio": (lambda v: v > 0, "> 0 (sigma_z / sigma_R)"),
    "beta_z": (lambda v: v < 1, "< 1"),
    "ratio_th": (lambda v: v > 0, "> 0 (sigma_theta / sigma_r)"),
    "beta_r": (lambda v: v < 1, "< 1"),
    "ratio_eq37": (lambda v: v > 0, "> 0 (sigma_theta / sigma_r on the equator)"),
    "lg_ml": (lambda v: np.isfinite(v), "finite"),
    "f_dm": (lambda v: 0 <= v < 1, "in [0, 1)"),
    "gamma": (lambda v: -3 <= v <= 0, "in [-3, 0] (the halo's inner slope)"),
    "rbreak_kpc": (lambda v: v > 0, "> 0 kpc"),
    "lg_mbh": (lambda v: np.isfinite(v), "finite"),
}

#: Units of the parameters that have one (astropy unit strings, for tables).
PARAMETER_UNITS = {"inc": "deg", "rbreak_kpc": "kpc"}

#: Labels of the parameters in figures.
LABELS = {
    "q_min": r"$q_{\rm min}$",
    "inc": r"$i$ (deg)",
    "ratio": r"$\sigma_z/\sigma_R$",
    "beta_z": r"$\beta_z$",
    "ratio_th": r"$\sigma_\theta/\sigma_r$",
    "beta_r": r"$\beta_r$",
    "ratio_eq37": r"$\sigma_\theta/\sigma_r$ (eq. 37)",
    "lg_ml": r"$\lg(M/L)$",
    "f_dm": r"$f_{\rm DM}(r_{\rm e})$",
    "gamma": r"$\gamma$",
    "rbreak_kpc": r"$r_{\rm break}$ (kpc)",
    "lg_mbh": r"$\lg M_{\rm BH}$",
}


@functools.lru_cache(maxsize=1024)
def _halo_mge(gamma, rbreak, r_min, r_max, sigma_max=None):
    """The gNFW MGE, cached: walkers share it when gamma and rbreak are fixed."""
    return gnfw_mge(gamma, rbreak, r_min=r_min, r_max=r_max, sigma_max=sigma_max)


def _prior_range(setup, key):
    """``(low, high)`` of parameter ``key``: its bounds, or its fixed value twice."""
    return (setup["fixed"][key],) * 2 if key in setup["fixed"] else setup["bounds"][key]


def _rows(dyn):
    """The engine's inputs of each model of :meth:`JamKinematics._dynamics`, one at a time.

    ``beta`` is a list of functions of theta, one per model: each row takes its own.
    """
    for k, beta in enumerate(dyn["beta"]):
        yield {**{key: v[k : k + 1] for key, v in dyn.items() if key != "beta"}, "beta": beta}


class JamKinematics(RegressorMixin, BaseEstimator):
    """Posterior of a JAM mass model given observed V_rms, sampled with emcee or AdaMet.

    ``X`` holds the bin positions ``(x, y)`` in arcsec (x along the projected
    major axis), ``y`` the observed V_rms in km/s and ``vrms_err`` its 1-sigma
    errors. The log-likelihood is ``-chi^2 / 2``; priors are flat within
    ``bounds``. After :meth:`fit`, :meth:`predict` gives the V_rms of the most
    probable model at any positions.

    Parameters
    ----------
    surf_lum : array-like of shape (n_gauss,)
        Peak surface brightness of the MGE in Lsun/pc^2 (or a Quantity).
    sigma_lum : array-like of shape (n_gauss,)
        Dispersions of the MGE in arcsec (or an angle Quantity).
    qobs_lum : array-like of shape (n_gauss,)
        Observed axial ratios of the MGE.
    distance : float
        Distance in Mpc (or a length Quantity).
    sigmapsf : float or array-like of shape (n_psf,), default=0
        PSF Gaussians' dispersions in arcsec (or an angle Quantity).
    normpsf : float or array-like of shape (n_psf,), default=1
        Their weights (sum 1).
    pixsize : float, default=0
        Spaxel side in arcsec (or an angle Quantity).
    pixang : float, default=0
        Spaxel angle in degrees (jampy's convention; or an angle Quantity).
    mass_model : {'light', 'gnfw'}, default='light'
        See the module docstring.
    black_hole : bool, default=False
        Add a black hole, parameter ``lg_mbh``.
    bh_convention : {'absolute', 'jampy'}, default='absolute'
        What ``lg_mbh`` means: log10 of the black-hole mass in Msun, or of
        jampy's ``mbh`` scaled by the mass-to-light ratio (M_BH = 10**(lg_mbh +
        lg_ml) Msun, as jampy with ``ml=10**lg_ml``). See the module docstring.
    inclination : {'q_min', 'inc'}, default='q_min'
        Sample the intrinsic axial ratio of the flattest Gaussian (jampy's
        recommendation) or the inclination in degrees.
    anisotropy : {'ratio', 'beta', 'beta_z', 'ratio_eq37'}, default='ratio'
        Sample the ratio of the velocity ellipsoid's axes, ``sigma_z / sigma_R``
        (``ratio``) or ``sigma_theta / sigma_r`` (``ratio_th``, with
        ``align='sph'``), or ``beta``: ``beta_z = 1 - (sigma_z / sigma_R)^2``
        or ``beta_r = 1 - (sigma_theta / sigma_r)^2`` (one value for all
        Gaussians). ``'beta_z'`` is ``'beta'`` of the cylindrical alignment.
        ``'ratio_eq37'`` (``align='sph'``): jampy 9's eq. (37), ``beta(theta) = 1 -
        ratio_eq37^(-2 cos 2 theta)``, the spherically aligned approximation of a
        cylindrical ellipsoid of ``sigma_z / sigma_R = ratio_eq37`` that jampy 9's
        Bayesian examples fit (NumPy).
    align : {'cyl', 'sph'}, default='cyl'
        Alignment of the velocity ellipsoid: cylindrical (jampy 8's default,
        :func:`~sklearn_jam.jam.jam_axi_cyl`) or spherical (jampy 9's,
        :func:`~sklearn_jam.jam.jam_axi_sph`, whose black hole is a point mass;
        it needs a PSF with spaxels, and no bin at (0, 0) without a PSF).
    engine : {'exact', 'tabulated', 'emulator'}, default='exact'
        'exact': every model is an engine call. 'tabulated' (NumPy): :meth:`fit`
        first tabulates the exact engine at the bins
        (:func:`~sklearn_jam.jam.tabulated.tabulate_cyl`, about a second), for
        the stars, the halo (each Gaussian of it when its shape is free) and the
        black hole, in the inclination; every model is then a matrix product on
        that table, within 1e-6 of the engine (``docs/real_galaxies.rst``) and
        about 0.02 ms per model (0.3 ms with a free halo shape, whose MGE is
        refitted per model). With ``align='sph'`` the table is in the
        inclination and the anisotropy
        (:func:`~sklearn_jam.jam.tabulated.tabulate_sph`: with a PSF about 0.4 s
        per component and node on the engine's sky grid on one thread, whatever the
        number of bins: minutes at the default 24 x 12 nodes, quoted in
        ``docs/real_galaxies.rst``).
        'emulator' (cylindrical only, NumPy): the same table made by an emulator
        (``emulator``) in a fraction of the time, as accurate as its card says
        (``fit(reweight=True)`` makes the posterior exact); it refuses a galaxy,
        PSF or bins outside its domain, naming the value, and warns near its edge.
        :meth:`predict` stays exact.
    emulator : str, path-like, PairEmulator or GeneralEmulator, default='pairs'
        The network of ``engine='emulator'``: 'pairs' (the shipped pair kernel,
        :mod:`sklearn_jam.emulator.pairs`: any MGE of light and of mass, summed
        over its Gaussian pairs), 'general' (the shipped profile network,
        :mod:`sklearn_jam.emulator.general`), a file of either
        (:func:`~sklearn_jam.emulator.tables.load_table_emulator`, read without
        running code) or such an object.
    table_nodes : tuple of int or None, default=None
        ``(n_inc, n_ani)``: Chebyshev nodes of ``engine='tabulated'`` in the
        inclination and (``align='sph'``) in the anisotropy; None:
        :data:`~sklearn_jam.jam.tabulated.DEFAULT_N_INC` and
        :data:`~sklearn_jam.jam.tabulated.DEFAULT_N_ANI` (24 and 12), and with
        ``engine='emulator'`` the emulator's own (the pair emulator's
        :data:`~sklearn_jam.emulator.pairs.PAIR_N_INC`, 12). Fewer nodes make the
        table faster to build and less exact.
    bounds : dict, default=None
        ``{name: (low, high)}`` overriding :data:`DEFAULT_BOUNDS`.
    fixed : dict, default=None
        ``{name: value}`` of parameters held fixed.
    p0 : dict, default=None
        Starting values of free parameters (default: the middle of the bounds).
    sampler : {'emcee', 'adamet'}, default='emcee'
        'emcee': an ensemble of ``n_walkers`` walkers, every step's walkers in
        one batched engine call. 'adamet': Cappellari's adaptive Metropolis
        (the sampler of jampy's examples), one model per step, starting at
        ``p0`` with proposal dispersions ``step_sigma``.
    step_sigma : dict, default=None
        ``{name: sigma}`` of AdaMet's initial proposal (a crude guess of each
        parameter's uncertainty); parameters left out get a tenth of their
        bounds' width. Only for ``sampler='adamet'``.
    n_walkers : int, default=32
        emcee walkers (at least twice the free parameters); unused by AdaMet.
    n_steps : int, default=1000
        Steps per walker (emcee) or of the chain (AdaMet).
    burn : float, default=0.5
        Fraction of the steps discarded as burn-in (jampy's examples keep the
        whole AdaMet chain: ``burn=0``).
    n_nodes : int or None, default=None
        Quadrature nodes of the engine (:func:`~sklearn_jam.jam.jam_axi_cyl`,
        :func:`~sklearn_jam.jam.jam_axi_sph`); None: the engine's choice per
        model (cylindrical 16-24, more with a PSF on a flat Gaussian or a black
        hole; spherical 48, 64 near the inclination limit, 80 with a black hole).
    device : str or None, default=None
        None runs the engine in NumPy (its spaxel rule compiled), as
        :class:`~sklearn_jam.JamSimulator`; a torch device runs it in torch
        there ('cuda'; 'cpu:0' for torch on the CPU, in double precision
        throughout). ``'cpu'`` still means NumPy in 0.3, with a
        ``FutureWarning``: from 0.5 it will mean torch on the CPU.
    n_jobs : int, default=None
        Threads sharing the walkers of an engine call on CPU (None means 1).
    random_state : int, default=None
        Seed of the walkers' start and of emcee's moves, or AdaMet's seed.
    progress : bool or 'auto', default='auto'
        Show emcee's tqdm progress bar, or AdaMet's progress lines; 'auto'
        shows them when standard error is a terminal (as the command line).

    Attributes
    ----------
    param_names_ : list of str
        The free parameters, the columns of ``samples_``.
    chain_ : ndarray of shape (n_steps, n_walkers, n_free)
        The whole chain, burn-in included, as emcee's ``get_chain()`` (AdaMet:
        one walker).
    chain_log_prob_ : ndarray of shape (n_steps, n_walkers)
        Its log-posterior, as emcee's ``get_log_prob()``.
    n_burn_ : int
        Steps of ``chain_`` discarded as burn-in.
    samples_ : ndarray of shape (n_samples, n_free)
        Posterior samples after burn-in (``chain_[n_burn_:]`` with the walkers
        flattened).
    log_prob_ : ndarray of shape (n_samples,)
        Their log-posterior.
    best_params_ : dict
        All parameters (free and fixed) at the highest posterior sample.
    summary_ : dict
        ``{name: ParameterSummary}`` of every free parameter: the tuple
        ``(p16, median, p84)`` with attributes ``tau`` (emcee's autocorrelation
        time in steps), ``r_hat`` and ``ess_bulk`` (arviz's)
        (:class:`~sklearn_jam.diagnostics.ParameterSummary`).
    diagnostics_ : dict
        The chain's diagnostics (:func:`~sklearn_jam.diagnostics.chain_diagnostics`)
        and ``problems``, the sentences of the convergence warning (empty when
        none).
    acceptance_fraction_ : float
        Fraction of accepted moves (emcee: the mean over walkers).
    reff_ : float
        Half-light radius of the MGE in arcsec (defines ``f_dm``).
    n_calls_ : int
        Models computed during the fit.
    table_ : InclinationTable
        With ``engine='tabulated'`` or ``'emulator'``: the table at the bins
        (:class:`~sklearn_jam.jam.tabulated.InclinationTable`).
    encode_seconds_ : float
        Wall time of making ``table_`` (0 with ``engine='exact'``), not in
        ``fit_seconds_``.
    fit_seconds_ : float
        Wall time of the sampling.
    sample_weight_ : ndarray of shape (n_samples,)
        With ``fit(..., reweight=True)``: the importance weight of each sample
        (summing to 1), which makes the samples the exact engine's posterior;
        ``summary_``, ``best_params_``, the tables and the corner plot use them.
    exact_log_prob_ : ndarray of shape (n_samples,)
        With ``reweight=True``: the exact engine's log-posterior of each sample.
    reweight_ess_ : float
        With ``reweight=True``: the weights' effective sample size (Kish's).
    pareto_k_ : float
        With ``reweight=True``: PSIS's Pareto shape of the weights; above
        :data:`~sklearn_jam.importance.MAX_PARETO_K` (0.7) the weights are not
        trustworthy, and :meth:`fit` warns.
    reweight_seconds_ : float
        With ``reweight=True``: wall time of the exact models, not in
        ``fit_seconds_``.
    """

    _parameter_constraints = {
        "surf_lum": ["array-like", None],
        "sigma_lum": ["array-like", None],
        "qobs_lum": ["array-like", None],
        "distance": [Interval(Real, 0, None, closed="neither"), HasMethods(["to_value"]), None],
        "sigmapsf": [Interval(Real, 0, None, closed="left"), "array-like"],
        "normpsf": [Interval(Real, 0, None, closed="neither"), "array-like"],
        "pixsize": [Interval(Real, 0, None, closed="left"), HasMethods(["to_value"])],
        "pixang": [Real, HasMethods(["to_value"])],
        "mass_model": [StrOptions(set(MASS_MODELS))],
        "black_hole": ["boolean"],
        "bh_convention": [StrOptions({"absolute", "jampy"})],
        "inclination": [StrOptions({"q_min", "inc"})],
        "anisotropy": [StrOptions({"ratio", "beta", "beta_z", "ratio_eq37"})],
        "align": [StrOptions({"cyl", "sph"})],
        "engine": [StrOptions({"exact", "tabulated", "emulator"})],
        "emulator": [str, os.PathLike, HasMethods(["table", "unit_maps"])],
        "table_nodes": [tuple, list, None],
        "bounds": [dict, None],
        "fixed": [dict, None],
        "p0": [dict, None],
        "sampler": [StrOptions({"emcee", "adamet"})],
        "step_sigma": [dict, None],
        "n_walkers": [Interval(Integral, 2, None, closed="left")],
        "n_steps": [Interval(Integral, 1, None, closed="left")],
        "burn": [Interval(Real, 0, 1, closed="left")],
        "n_nodes": [Interval(Integral, 2, None, closed="left"), None],
        "device": [str, None],
        "n_jobs": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
        "progress": ["boolean", StrOptions({"auto"})],
    }

    def __init__(
        self,
        surf_lum=None,
        sigma_lum=None,
        qobs_lum=None,
        distance=None,
        *,
        sigmapsf=0.0,
        normpsf=1.0,
        pixsize=0.0,
        pixang=0.0,
        mass_model="light",
        black_hole=False,
        bh_convention="absolute",
        inclination="q_min",
        anisotropy="ratio",
        align="cyl",
        engine="exact",
        emulator="pairs",
        table_nodes=None,
        bounds=None,
        fixed=None,
        p0=None,
        sampler="emcee",
        step_sigma=None,
        n_walkers=32,
        n_steps=1000,
        burn=0.5,
        n_nodes=None,
        device=None,
        n_jobs=None,
        random_state=None,
        progress="auto",
    ):
        self.surf_lum = surf_lum
        self.sigma_lum = sigma_lum
        self.qobs_lum = qobs_lum
        self.distance = distance
        self.sigmapsf = sigmapsf
        self.normpsf = normpsf
        self.pixsize = pixsize
        self.pixang = pixang
        self.mass_model = mass_model
        self.black_hole = black_hole
        self.bh_convention = bh_convention
        self.inclination = inclination
        self.anisotropy = anisotropy
        self.align = align
        self.engine = engine
        self.emulator = emulator
        self.table_nodes = table_nodes
        self.bounds = bounds
        self.fixed = fixed
        self.p0 = p0
        self.sampler = sampler
        self.step_sigma = step_sigma
        self.n_walkers = n_walkers
        self.n_steps = n_steps
        self.burn = burn
        self.n_nodes = n_nodes
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.progress = progress

    # -- the model ---------------------------------------------------------------

    def _setup(self):
        """Validate the constructor's arguments; return everything the model needs."""
        if any(v is None for v in (self.surf_lum, self.sigma_lum, self.qobs_lum, self.distance)):
            raise ValueError("surf_lum, sigma_lum, qobs_lum and distance are required")
        mge = [
            np.asarray(strip_unit(value, unit, name), dtype=float)
            for value, unit, name in (
                (self.surf_lum, "solLum / pc2", "surf_lum"),
                (self.sigma_lum, "arcsec", "sigma_lum"),
                (self.qobs_lum, "", "qobs_lum"),
            )
        ]
        if not (mge[0].ndim == 1 and mge[0].shape == mge[1].shape == mge[2].shape):
            raise ValueError(
                "surf_lum, sigma_lum and qobs_lum must be 1-D of one length, got shapes "
                f"{[v.shape for v in mge]}"
            )
        refuse_first_bad(
            (
                ("surf_lum", mge[0], np.isfinite(mge[0]) & (mge[0] >= 0), "finite and >= 0"),
                ("sigma_lum", mge[1], np.isfinite(mge[1]) & (mge[1] > 0), "finite and > 0 arcsec"),
                ("qobs_lum", mge[2], (mge[2] > 0) & (mge[2] <= 1), "in (0, 1]"),
            )
        )
        # model_vrms and dynamical_inputs run without fit: validate the options here too
        self._validate_params()
        distance = float(strip_unit(self.distance, "Mpc", "distance"))
        if not (np.isfinite(distance) and distance > 0):
            raise ValueError(f"distance={self.distance!r} must be finite and > 0 Mpc")
        psf = check_psf(
            strip_unit(self.sigmapsf, "arcsec", "sigmapsf"),
            self.normpsf,
            strip_unit(self.pixsize, "arcsec", "pixsize"),
            strip_unit(self.pixang, "deg", "pixang"),
            None,
        )[:4]

        if self.align == "sph":  # spaxels need a PSF: refused before any bins are seen
            check_observation_sph(psf[0], psf[2])
        self._check_fast_engine(self.engine)
        self._table_nodes()  # checked before any table is made
        if self._angular() and self._torch_device() is not None:
            raise ValueError(
                f"anisotropy='ratio_eq37' (a beta(theta)) is computed in NumPy, got "
                f"device={self.device!r}: use device=None"
            )
        names = list(MASS_MODELS[self.mass_model])
        names[0], names[1] = self.inclination, self._anisotropy_parameter()
        if self.black_hole:
            names.append("lg_mbh")
        if not np.any(mge[0] > 0):
            raise ValueError("surf_lum is 0 everywhere: the MGE has no light to fit")
        if self.inclination == "q_min" and mge[2].min() == 1:
            raise ValueError(
                "every qobs_lum is 1 (a round MGE), which no q_min can deproject: sample the "
                "inclination itself (inclination='inc', --inclination inc)"
            )
        fixed = dict(self.fixed or {})
        bounds = dict(DEFAULT_BOUNDS)
        for where, keys in (("fixed", fixed), ("bounds", self.bounds or {}), ("p0", self.p0 or {})):
            for key in keys:
                if key not in names:
                    raise ValueError(f"{where}: unknown parameter {key!r}; this model has {names}")
        for key in self.p0 or {}:
            if key in fixed:
                raise ValueError(
                    f"p0[{key!r}] is given for a fixed parameter ({key}={fixed[key]!r}): a fixed "
                    "parameter has no start; drop one of them"
                )
        for key, value in fixed.items():
            if not isinstance(value, Real) or isinstance(value, bool):
                raise ValueError(f"fixed {key}={value!r} must be one number")
            rule = PHYSICAL_RANGE.get(key)
            if not np.isfinite(value) or (rule and not rule[0](value)):
                raise ValueError(f"fixed {key}={value!r} must be {rule[1] if rule else 'finite'}")
        bounds.update(self.bounds or {})
        for name in names:
            low, high = (float(v) for v in bounds[name])
            if not (np.isfinite(low) and np.isfinite(high) and low < high):
                raise ValueError(f"bounds[{name!r}]=({low}, {high}) must be finite with low < high")
            rule = PHYSICAL_RANGE.get(name)
            if rule and not (rule[0](low) and rule[0](high)):
                raise ValueError(f"bounds[{name!r}]=({low}, {high}): {name} must be {rule[1]}")
            bounds[name] = (low, high)
        # The MGE cannot be deprojected where a Gaussian's intrinsic q < MIN_Q_INTR.
        key, q_lowest = self.inclination, float(mge[2].min())
        if key == "q_min":
            limit = (MIN_Q_INTR, q_lowest)
        else:  # the inclination at which the flattest Gaussian has q_intr = MIN_Q_INTR
            limit = (float(inc_from_qmin(MIN_Q_INTR, q_lowest)), 90.0)
        rule = (
            f"the MGE (flattest qobs={q_lowest:.4g}) can be deprojected only for {key} in "
            f"({limit[0]:.4g}, {limit[1]:.4g}]"
        )
        low, high = bounds[key]
        if key in fixed:
            if not (limit[0] < fixed[key] <= limit[1]):
                raise ValueError(f"fixed {key}={fixed[key]!r}: {rule}")
        elif high <= limit[0] + 1e-3 or low >= limit[1]:
            raise ValueError(f"bounds[{key!r}]=({low}, {high}) lie outside that range: {rule}")
        bounds[key] = (max(low, limit[0] + 1e-3), min(high, limit[1]))
        free = [n for n in names if n not in fixed]
        if not free:
            raise ValueError("every parameter is fixed; nothing to fit")
        low, high = (np.array([bounds[n][i] for n in free]) for i in (0, 1))
        return dict(
            mge=mge,
            deprojectable=(limit, rule),
            distance=distance,
            psf=psf,
            names=names,
            free=free,
            fixed=fixed,
            bounds=bounds,
            low=low,
            high=high,
        )

    def _check_fast_engine(self, engine):
        """Refuse a fast engine for what it does not tabulate: torch; the emulator's sph."""
        if engine not in FAST_ENGINES:
            return
        if self._torch_device() is not None:
            raise ValueError(
                f"engine={engine!r} tabulates the model in NumPy, got device={self.device!r}: "
                "use device=None, or engine='exact'"
            )
        if engine == "emulator" and self.align != "cyl":
            raise ValueError(
                f"engine='emulator' emulates the cylindrical model, got align={self.align!r}: "
                "use engine='tabulated' (the exact spherical model tabulated) or align='cyl'"
            )

    def _anisotropy_parameter(self):
        """The name of the sampled anisotropy parameter (:data:`ANISOTROPY_PARAMETERS`)."""
        if self.anisotropy == "ratio_eq37" and self.align != "sph":
            raise ValueError(
                "anisotropy='ratio_eq37' is jampy 9's eq. (37), a beta(theta) of the spherically "
                "aligned model: use align='sph', or anisotropy='ratio' (sigma_z / sigma_R) with "
                "align='cyl'"
            )
        if self.anisotropy == "beta_z" and self.align == "sph":
            raise ValueError(
                "anisotropy='beta_z' is the cylindrical alignment's beta_z = 1 - (sigma_z / "
                "sigma_R)^2; with align='sph' sample anisotropy='beta' (beta_r = 1 - "
                "(sigma_theta / sigma_r)^2) or 'ratio' (sigma_theta / sigma_r)"
            )
        kind = "beta" if self.anisotropy == "beta_z" else self.anisotropy
        return ANISOTROPY_PARAMETERS[self.align, kind]

    def _full(self, setup, theta):
        """All parameters, dict of (n,) arrays, from rows of free parameters."""
        theta = np.atleast_2d(np.asarray(theta, dtype=float))
        n = theta.shape[0]
        params = {name: theta[:, i] for i, name in enumerate(setup["free"])}
        for name, value in setup["fixed"].items():
            params[name] = np.full(n, float(value))
        return params

    def _dynamics(self, setup, params):
        """The engine's inputs (jampy's too) for models ``params`` (dict of (n,) arrays).

        Returns a dict of ``surf_pot, sigma_pot, qobs_pot`` (n, n_pot),
        ``inc`` (n,) in degrees, ``beta`` (n, n_lum) and ``mbh`` (n,) in Msun.
        """
        surf, sigma, qobs = setup["mge"]
        n = len(next(iter(params.values())))
        inc = self._inc(setup, params)
        beta_ani = self._beta(params)
        ml = 10 ** params["lg_ml"]
        ones = np.ones((n, 1))
        if self.mass_model == "gnfw":
            halo = self._halo(setup, params, inc)
            surf_pot = np.concatenate([surf * ones, halo[0]], 1) * ml[:, None]
            sigma_pot = np.concatenate([sigma * ones, halo[1]], 1)
            qobs_pot = np.concatenate([qobs * ones, halo[2]], 1)
        else:
            surf_pot = surf * ones * ml[:, None]
            sigma_pot, qobs_pot = sigma * ones, qobs * ones
        return dict(
            surf_pot=surf_pot,
            sigma_pot=sigma_pot,
            qobs_pot=qobs_pot,
            inc=np.asarray(inc, dtype=float),
            beta=beta_ani if self._angular() else beta_ani[:, None] * np.ones_like(surf),
            mbh=self._mbh(params),
        )

    def _angular(self):
        """Whether the anisotropy is a function of the polar angle (jampy 9's eq. 37)."""
        return self.anisotropy == "ratio_eq37"

    def _beta(self, params):
        """The anisotropy of models: beta_z (cylindrical) or beta_r (spherical), (n,) each.

        With ``anisotropy='ratio_eq37'`` a list of n
        :class:`~sklearn_jam.jam.anisotropy.CylindricalLikeBeta`.
        """
        if self._angular():
            return [CylindricalLikeBeta(float(r)) for r in params["ratio_eq37"]]
        ratio, beta = (ANISOTROPY_PARAMETERS[self.align, k] for k in ("ratio", "beta"))
        return params[beta] if beta in params else 1 - params[ratio] ** 2

    def _mbh(self, params):
        """Black-hole mass (n,) in Msun: 0 without one; jampy's ml= scales its mbh (docstring)."""
        n = len(next(iter(params.values())))
        if "lg_mbh" not in params:
            return np.zeros(n)
        ml = 10 ** params["lg_ml"]
        return 10 ** params["lg_mbh"] * (ml if self.bh_convention == "jampy" else 1.0)

    def _halo(self, setup, params, inc, fixed_sigmas=False):
        """The halo's MGE of each model at its ``f_dm`` (M/L = 1): (surf, sigma, qobs), (n, n_halo).

        ``fixed_sigmas`` keeps the widest Gaussian at 10 sigma of the widest luminous
        one whatever the break radius, so that every model has the same Gaussians
        (the tabulated engine's basis); otherwise, as jampy's range, the fit stops at
        10 break radii when that is nearer.
        """
        surf, sigma, qobs = setup["mge"]
        pc = arcsec_to_pc(setup["distance"])
        # The halo's MGE covers the stars' radii: mass beyond 10 sigma of the
        # widest Gaussian does not move the stars (a spherical shell exerts no
        # force inside), and a tighter range fits better with as many Gaussians
        # (V_rms 4e-5 from an 80-Gaussian halo on jampy's dark-halo example; 5e-4
        # over jampy's range, to 10 break radii).
        r_outer = 10 * float(sigma.max())
        halos = [
            _halo_mge(
                float(gamma),
                float(rbreak) * 1e3 / pc,
                float(sigma.min()),
                min(10 * float(rbreak) * 1e3 / pc, r_outer),
                r_outer if fixed_sigmas else None,
            )
            for gamma, rbreak in zip(params["gamma"], params["rbreak_kpc"], strict=True)
        ]
        halo = tuple(np.stack(v) for v in zip(*halos, strict=True))  # (n, n_halo) each
        scale = dark_matter_scale(
            params["f_dm"], (surf, sigma, qobs), halo, inc, self.reff_, setup["distance"]
        )
        return scale[:, None] * halo[0], halo[1], halo[2]

    def _model(self, setup, params, x, y, engine=None):
        """V_rms (n, n_bins) of the models ``params`` (dict of (n,) arrays) at (x, y).

        ``engine`` ('exact', 'tabulated' or 'emulator') overrides the estimator's.
        """
        if (engine or self.engine) in FAST_ENGINES:
            return self._tabulated_model(setup, params, x, y, engine or self.engine)
        dyn = self._dynamics(setup, params)
        if self._angular():  # a function of theta is one per call: a call per model
            return np.concatenate([self._engine_call(setup, row, x, y) for row in _rows(dyn)])
        return self._engine_call(setup, dyn, x, y)

    def _engine_call(self, setup, dyn, x, y):
        """V_rms (n, n_bins) of the engine's inputs ``dyn`` (:meth:`_dynamics`) at (x, y)."""
        args = (*setup["mge"], dyn["surf_pot"], dyn["sigma_pot"], dyn["qobs_pot"], dyn["inc"])
        args += (dyn["beta"], x, y, dyn["mbh"])
        if self._torch_device() is not None:
            import torch

            args = tuple(
                torch.as_tensor(np.asarray(a, dtype=float), device=self.device) for a in args
            )
        vrms = ENGINES[self.align](*args[:-1], mbh=args[-1], **self._engine_options(setup))
        vrms = vrms if isinstance(vrms, np.ndarray) else vrms.detach().cpu().numpy()
        return vrms.reshape(len(dyn["inc"]), -1)

    def _engine_options(self, setup):
        """The keyword arguments every engine call of this estimator shares."""
        sigmapsf, normpsf, pixsize, pixang = setup["psf"]
        return dict(
            distance=setup["distance"],
            sigmapsf=sigmapsf,
            normpsf=normpsf,
            pixsize=pixsize,
            pixang=pixang,
            n_nodes=self.n_nodes,
            n_jobs=self.n_jobs,
        )

    def _inc(self, setup, params):
        """Inclinations (n,) in degrees of models, sampled as ``inc`` or as ``q_min``."""
        if "inc" in params:
            return np.asarray(params["inc"], dtype=float)
        return inc_from_qmin(params["q_min"], setup["mge"][2].min())

    def _inc_range(self, setup):
        """The inclinations (degrees) the bounds (or the fixed value) allow: the table's range."""
        key = self.inclination
        return tuple(
            float(self._inc(setup, {key: np.array([v])})[0]) for v in _prior_range(setup, key)
        )

    def _table(self, setup, x, y, engine="tabulated"):
        """The table of this galaxy at the bins (x, y), made once per bins.

        Components: the stars (the MGE), the halo (one component when its shape is
        fixed, else every Gaussian of its fixed basis, :meth:`_halo` with
        ``fixed_sigmas``) and the black hole; computed by the exact engine
        (``engine='tabulated'``; in the inclination, and in the anisotropy with
        ``align='sph'``) or by the general emulator.
        """
        key = (engine, x.tobytes(), y.tobytes(), self._inc_range(setup))
        key += (self._ani_range(setup), self._table_nodes())
        cache = getattr(self, "_table_cache", None)
        if cache is not None and cache[0] == key:
            return cache[1]
        components = [setup["mge"]]
        if self.mass_model == "gnfw" and self._halo_as_one(setup, engine):
            fixed = {k: [setup["fixed"][k]] for k in ("gamma", "rbreak_kpc")}
            halo = self._halo(setup, fixed | {"f_dm": [0.5]}, [90.0], fixed_sigmas=True)
            components.append(tuple(v[0] for v in halo))
        elif self.mass_model == "gnfw":
            # The basis's shape does not depend on the halo's parameters: any halo will do.
            basis = self._halo(
                setup,
                dict(gamma=[-1.0], rbreak_kpc=[20.0], f_dm=[0.5]),
                [90.0],
                fixed_sigmas=True,
            )
            components += [(np.ones(1), np.array([s]), np.ones(1)) for s in basis[1][0]]
        options = dict(inc_range=self._inc_range(setup), black_hole=self.black_hole)
        n_inc, n_ani = self._table_nodes()
        if engine != "emulator" or self.table_nodes is not None:
            options["n_inc"] = n_inc  # an emulator's own default otherwise
        if engine == "emulator":
            make = self._table_emulator().table
        elif self.align == "cyl":
            make = tabulate_cyl
        else:
            make = tabulate_sph
            kind = _TABLE_KIND[self._anisotropy_parameter()]
            options |= dict(ani_range=self._ani_range(setup), anisotropy=kind, n_ani=n_ani)
        table = make(setup["mge"], components, x, y, **options, **self._engine_options(setup))
        self._table_cache = (key, table)
        return table

    def _table_nodes(self):
        """``(n_inc, n_ani)`` of ``table_nodes``, checked."""
        if self.table_nodes is None:
            return DEFAULT_N_INC, DEFAULT_N_ANI
        nodes = tuple(self.table_nodes)
        if not (len(nodes) == 2 and all(isinstance(n, Integral) and n >= 1 for n in nodes)):
            raise ValueError(
                f"table_nodes={self.table_nodes!r} must be two integers >= 1: (n_inc, n_ani)"
            )
        return nodes

    def _halo_as_one(self, setup, engine):
        """Whether the halo is one table component: its slope and break radius both fixed.

        The exact engine's table only: the general emulator takes a halo one round
        Gaussian at a time.
        """
        return engine == "tabulated" and all(k in setup["fixed"] for k in ("gamma", "rbreak_kpc"))

    def _ani_range(self, setup):
        """The sampled anisotropy's range, a spherically aligned table's (None for 'cyl')."""
        if self.align != "sph":
            return None
        return tuple(float(v) for v in _prior_range(setup, self._anisotropy_parameter()))

    def _table_emulator(self):
        """The emulator (``PairEmulator`` or ``GeneralEmulator``) of ``emulator``, loaded once."""
        from .emulator.tables import load_table_emulator

        cached = getattr(self, "_emulator_cache", None)
        if cached is not None and cached[0] is self.emulator:
            return cached[1]
        if isinstance(self.emulator, (str, os.PathLike)):
            model = load_table_emulator(self.emulator)
        else:
            model = self.emulator
        self._emulator_cache = (self.emulator, model)
        return model

    def _tabulated_model(self, setup, params, x, y, engine="tabulated"):
        """V_rms (n, n_bins) from the table: the models' exact weights on it."""
        table = self._table(setup, x, y, engine)
        inc = self._inc(setup, params)
        ml = 10 ** params["lg_ml"]
        unit = component_units(setup["mge"], setup["distance"])
        weights = [ml[:, None]]
        if self.mass_model == "gnfw":
            surf, sigma, _ = self._halo(setup, params, inc, fixed_sigmas=True)
            mass = 2 * np.pi * surf * (sigma * arcsec_to_pc(setup["distance"])) ** 2
            if self._halo_as_one(setup, engine):  # one component: the whole halo
                mass = mass.sum(1, keepdims=True)
            weights.append(ml[:, None] * mass / unit)
        if self.black_hole:
            weights.append(self._mbh(params)[:, None] / unit)
        weights = np.concatenate(weights, 1)
        if self.align == "cyl":
            return table.vrms(inc, weights, anisotropy_factor(self._beta(params)))
        return table.vrms(inc, weights, params[self._anisotropy_parameter()])

    def _log_prob(self, setup, theta, x, y, vrms, vrms_err, engine=None):
        """Log-posterior of rows of free parameters: -inf outside the bounds.

        ``engine`` overrides the estimator's (as :meth:`_model`).
        """
        theta = np.atleast_2d(theta)
        low, high = setup["low"], setup["high"]
        inside = np.all((theta > low) & (theta < high), axis=1)
        out = np.full(theta.shape[0], -np.inf)
        if np.any(inside):
            with warnings.catch_warnings():
                # V_rms^2 < 0 (an anisotropy the model cannot have there) is NaN: such a
                # walker has zero posterior, as outside the bounds.
                warnings.simplefilter("ignore", UnphysicalModelWarning)
                model = self._model(setup, self._full(setup, theta[inside]), x, y, engine)
            if np.any(np.isinf(model)):
                bad = theta[inside][np.any(np.isinf(model), axis=1)][0]
                where = dict(zip(setup["free"], bad.tolist(), strict=True))
                raise FloatingPointError(f"the model is not finite at {where}")
            chi2 = (((vrms - model) / vrms_err) ** 2).sum(1)
            out[inside] = np.where(np.isnan(chi2), -np.inf, -0.5 * chi2)
        self.n_calls_ += int(inside.sum())
        return out

    # -- data ----------------------------------------------------------------------

    def _torch_device(self):
        """The torch device the engine runs on, or None for NumPy."""
        return None if self.device in (None, "cpu") else self.device

    @staticmethod
    def _check_data(X, y, vrms_err):
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(
                f"X must have shape (n_bins, 2) holding (x, y) in arcsec, got {X.shape}"
            )
        if y is None or vrms_err is None:
            raise ValueError("fit needs the observed V_rms y and its errors vrms_err")
        y, vrms_err = (np.asarray(v, dtype=float).ravel() for v in (y, vrms_err))
        if not (len(X) == len(y) == len(vrms_err)):
            raise ValueError(
                f"the bins (X: {len(X)}), V_rms (y: {len(y)}) and errors (vrms_err: "
                f"{len(vrms_err)}) must have the same length"
            )
        refuse_first_bad(
            (
                ("X", X, np.isfinite(X).all(1), "finite"),
                ("y", y, np.isfinite(y) & (y >= 0), "finite and >= 0 km/s (a V_rms)"),
                (
                    "vrms_err",
                    vrms_err,
                    np.isfinite(vrms_err) & (vrms_err > 0),
                    "finite and > 0 km/s",
                ),
            ),
            where=" (bin {})",
        )
        return X, y, vrms_err

    def _check_extent(self, setup, X):
        """Refuse bins where the light underflows; warn beyond 3 sigma of the widest Gaussian."""
        surf, sigma, qobs = setup["mge"]
        sigmapsf, normpsf = setup["psf"][:2]
        psf = (sigmapsf[None], normpsf) if sigmapsf.max() > 0 else None
        # The engine's own surface brightness (in arcsec: its zeros do not depend on units).
        light = mge_surf(
            namespace(()),
            X[None, :, 0],
            X[None, :, 1],
            *(v[None] for v in (surf, sigma, qobs)),
            psf,
        )
        dark = np.flatnonzero(~(light[0] > 0))
        if dark.size:
            i = int(dark[0])
            raise ValueError(
                f"bin {i} at (x, y) = ({X[i, 0]:.6g}, {X[i, 1]:.6g}) arcsec is so far beyond the "
                f"MGE (widest sigma {sigma.max():.4g} arcsec) that its light underflows to 0: "
                "V_rms is undefined there; check the units of X and of sigma_lum"
            )
        widest = int(np.argmax(sigma))
        radius = np.hypot(X[:, 0], X[:, 1] / qobs[widest])
        outside = radius > 3 * sigma[widest]
        if np.any(outside):
            warnings.warn(
                f"{outside.sum()} of {len(X)} bins lie beyond 3 sigma of the MGE's widest "
                f"Gaussian ({3 * sigma[widest]:.4g} arcsec; the farthest at elliptical radius "
                f"{radius.max():.4g}): the model extrapolates the light there",
                BinsOutsideMgeWarning,
                stacklevel=3,
            )

    # -- estimator API -----------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, vrms_err=None, *, yerr=None, reweight=False):
        """Sample the posterior of the mass model given the bins' V_rms.

        Parameters
        ----------
        X : array-like of shape (n_bins, 2)
            Bin positions (x, y) in arcsec.
        y : array-like of shape (n_bins,)
            Observed V_rms in km/s.
        vrms_err : array-like of shape (n_bins,)
            Its 1-sigma errors in km/s, > 0 (jampy's ``erms``).
        yerr : array-like of shape (n_bins,), optional
            Deprecated in 0.3 (removed in 0.5): the same as ``vrms_err``.
        reweight : bool, default=False
            With a fast ``engine`` ('tabulated', 'emulator'): after sampling, compute every
            distinct kept sample with the exact engine and weigh the samples by
            the ratio of the two posteriors (Pareto smoothed,
            :func:`~sklearn_jam.importance.importance_weights`), so the
            summaries are exact JAM's posterior; sets ``sample_weight_``,
            ``reweight_ess_`` and ``pareto_k_``.

        Returns
        -------
        self : JamKinematics
        """
        if yerr is not None:
            warnings.warn(
                "fit(..., yerr=) was renamed vrms_err in 0.3 (yerr is removed in 0.5)",
                FutureWarning,
                stacklevel=2,
            )
            vrms_err = yerr if vrms_err is None else vrms_err
        if self.device == "cpu":
            warnings.warn(
                "device='cpu' runs the engine in NumPy in 0.3 and will mean torch on the CPU "
                "in 0.5; use device=None for NumPy (the default) or 'cpu:0' for torch",
                FutureWarning,
                stacklevel=2,
            )
        setup = self._setup()
        if not isinstance(reweight, (bool, np.bool_)):
            raise ValueError(f"reweight={reweight!r} must be True or False")
        if reweight and self.engine == "exact":
            raise ValueError(
                "reweight=True weighs a fast engine's posterior by the exact engine's; with "
                "engine='exact' the posterior is already exact: use engine='tabulated' or "
                "'emulator', or reweight=False"
            )
        X, y, vrms_err = self._check_data(X, y, vrms_err)
        self._check_extent(setup, X)
        if self.align == "sph":
            check_observation_sph(setup["psf"][0], setup["psf"][2], x=X[:, 0], y=X[:, 1])
        if self._torch_device() is not None:
            check_device(self.device)
        n_free = len(setup["free"])
        if self.sampler == "emcee" and int(self.n_walkers) < 2 * n_free:
            raise ValueError(
                f"n_walkers={self.n_walkers!r} must be at least twice the {n_free} free parameters"
            )
        for name, sigma in (self.step_sigma or {}).items():
            if name not in setup["free"]:
                raise ValueError(f"step_sigma: {name!r} is not a free parameter {setup['free']}")
            if not (np.isfinite(sigma) and sigma > 0):
                raise ValueError(f"step_sigma[{name!r}]={sigma!r} must be finite and > 0")
        self.reff_ = mge_half_light_radius(*setup["mge"])
        self.param_names_ = list(setup["free"])
        self.n_calls_ = 0

        low, high = setup["low"], setup["high"]
        start = 0.5 * (low + high)
        for i, name in enumerate(setup["free"]):
            if self.p0 and name in self.p0:
                start[i] = self.p0[name]
                if not (low[i] < start[i] < high[i]):
                    raise ValueError(
                        f"p0[{name!r}]={float(start[i])} is outside its bounds "
                        f"({float(low[i]):.4g}, {float(high[i]):.4g})"
                    )
        x_bins, y_bins = X[:, 0], X[:, 1]
        self.encode_seconds_ = 0.0
        if self.engine in FAST_ENGINES:
            t0 = time.perf_counter()
            self.table_ = self._table(setup, x_bins, y_bins, self.engine)
            self.encode_seconds_ = time.perf_counter() - t0

        def log_prob(theta):
            return self._log_prob(setup, theta, x_bins, y_bins, y, vrms_err)

        run = self._run_emcee if self.sampler == "emcee" else self._run_adamet
        t0 = time.perf_counter()
        chain, chain_log_prob, self.acceptance_fraction_ = run(log_prob, start, low, high)
        self.fit_seconds_ = time.perf_counter() - t0
        # (n_steps, n_walkers, n_free) as emcee's get_chain(); AdaMet's one chain is one walker
        self.chain_ = chain.reshape(int(self.n_steps), -1, n_free)
        self.chain_log_prob_ = chain_log_prob.reshape(int(self.n_steps), -1)
        self.n_burn_ = int(self.burn * int(self.n_steps))
        self.samples_ = self.chain_[self.n_burn_ :].reshape(-1, n_free)
        self.log_prob_ = self.chain_log_prob_[self.n_burn_ :].reshape(-1)
        for name in (
            "sample_weight_",
            "exact_log_prob_",
            "reweight_ess_",
            "pareto_k_",
            "reweight_seconds_",
        ):
            self.__dict__.pop(name, None)  # a refit without reweighting keeps none
        self.diagnostics_ = self._diagnose()
        best = self.samples_[np.argmax(self.log_prob_)]
        if reweight:

            def log_prob_exact(theta):
                return self._log_prob(setup, theta, x_bins, y_bins, y, vrms_err, engine="exact")

            best = self._reweight(log_prob_exact)
        self.best_params_ = {k: float(v[0]) for k, v in self._full(setup, best).items()}
        self._summarise()
        self._setup_ = setup
        return self

    def _reweight(self, log_prob_exact):
        """Importance weights of the kept samples by the exact posterior; its best sample.

        ``log_prob_exact`` maps rows of free parameters to the exact log-posterior;
        each distinct sample (AdaMet repeats a rejected step's) is computed once,
        in batches of ``n_walkers``.
        """
        t0 = time.perf_counter()
        n_calls = self.n_calls_
        distinct, inverse = np.unique(self.samples_, axis=0, return_inverse=True)
        batch = int(self.n_walkers)
        exact = np.concatenate(
            [log_prob_exact(distinct[i : i + batch]) for i in range(0, len(distinct), batch)]
        )
        self.n_calls_ = n_calls  # the sampler's models only
        self.exact_log_prob_ = exact[inverse.reshape(-1)]
        # PSIS takes the chain's relative efficiency: its mean bulk ESS per sample
        ess = self.diagnostics_["ess_bulk"]
        reff = np.nanmean(ess) / len(self.samples_) if np.any(np.isfinite(ess)) else 1.0
        reff = float(np.clip(reff, 1e-3, 1.0))
        self.sample_weight_, self.reweight_ess_, self.pareto_k_ = importance_weights(
            self.exact_log_prob_, self.log_prob_, reff=reff
        )
        self.reweight_seconds_ = time.perf_counter() - t0
        if not self.pareto_k_ < MAX_PARETO_K:
            warnings.warn(
                f"the exact reweighting is not trustworthy: Pareto k_hat={self.pareto_k_:.2f} "
                f"exceeds {MAX_PARETO_K} (effective sample size {self.reweight_ess_:.0f} of "
                f"{len(self.samples_)} samples): engine={self.engine!r}'s posterior is too far "
                "from the exact one; fit with engine='exact'",
                ChainConvergenceWarning,
                stacklevel=3,
            )
        return self.samples_[np.argmax(self.exact_log_prob_)]

    def _diagnose(self):
        """The kept chain's diagnostics (:func:`chain_diagnostics`); warn if it is not converged."""
        kept = self.chain_[self.n_burn_ :]
        n_steps, n_walkers, n_free = kept.shape
        if n_steps < 4:  # the same keys, nothing measured
            unknown = np.full(n_free, np.nan)
            diag = dict(tau=unknown, r_hat=unknown, ess_bulk=unknown, stuck_walkers=[])
            diag |= dict(n_steps=n_steps, n_walkers=n_walkers)
            diag["problems"] = [f"{n_steps} kept steps are too few to diagnose the chain"]
            return diag
        diag = chain_diagnostics(kept, self.chain_log_prob_[self.n_burn_ :])
        advice = (
            f" (n_steps={self.n_steps}, burn={self.burn}): run longer, or start closer to "
            "the posterior (p0)"
        )
        diag["problems"] = warn_if_unconverged(diag, self.param_names_, advice=advice, stacklevel=4)
        return diag

    def _summarise(self):
        """``summary_``: the percentiles of the kept samples (weighted, if reweighted)."""
        levels = [15.87, 50, 84.13]
        if hasattr(self, "sample_weight_"):
            p16, p50, p84 = weighted_percentile(self.samples_, self.sample_weight_, levels)
        else:
            p16, p50, p84 = np.percentile(self.samples_, levels, axis=0)
        diag = self.diagnostics_
        self.summary_ = {
            name: ParameterSummary(
                p16[i],
                p50[i],
                p84[i],
                tau=diag["tau"][i],
                r_hat=diag["r_hat"][i],
                ess_bulk=diag["ess_bulk"][i],
            )
            for i, name in enumerate(self.param_names_)
        }

    def _show_progress(self):
        """``progress`` resolved: 'auto' shows progress when stderr is a terminal."""
        if self.progress == "auto":
            return bool(getattr(sys.stderr, "isatty", lambda: False)())
        return bool(self.progress)

    def _seed(self):
        """An int or None from ``random_state`` (AdaMet and emcee's start take a seed)."""
        seed = self.random_state
        if isinstance(seed, np.random.RandomState):
            seed = int(seed.randint(2**31))
        return seed

    def _run_emcee(self, log_prob, start, low, high):
        """emcee from a small ball about ``start``: chain (n_steps, n_walkers, n_free), ..."""
        import emcee

        rng = np.random.default_rng(self._seed())
        n_walkers, n_free = int(self.n_walkers), len(start)
        ball = start + 0.02 * (high - low) * rng.standard_normal((n_walkers, n_free))
        ball = np.clip(ball, low + 1e-6 * (high - low), high - 1e-6 * (high - low))
        # emcee prints a full traceback for an error in the log-probability before it
        # re-raises; the error is kept here instead, the run stopped at that step, and
        # the error raised outside emcee (the command line shows it on one line).
        failures = []

        def guarded(theta):
            if not failures:
                try:
                    return log_prob(theta)
                except Exception as exc:  # noqa: BLE001 -- re-raised below, as it was
                    failures.append(exc)
            return np.full(len(theta), -np.inf)

        sampler = emcee.EnsembleSampler(n_walkers, n_free, guarded, vectorize=True)
        sampler.random_state = np.random.RandomState(rng.integers(2**31)).get_state()
        for _ in sampler.sample(ball, iterations=int(self.n_steps), progress=self._show_progress()):
            if failures:
                raise failures[0]
        acceptance = float(np.mean(sampler.acceptance_fraction))
        return sampler.get_chain(), sampler.get_log_prob(), acceptance

    def _run_adamet(self, log_prob, start, low, high):
        """AdaMet from ``start``, as jampy's examples call it: chain (n_steps, n_free), ..."""
        from adamet.adamet import adamet

        sigma = [
            (self.step_sigma or {}).get(name, 0.1 * (hi - lo))
            for name, lo, hi in zip(self.param_names_, low, high, strict=True)
        ]
        chain, chain_log_prob = adamet(
            lambda theta: float(log_prob(theta)[0]),
            start,
            np.asarray(sigma, dtype=float),
            (low, high),
            int(self.n_steps),
            plot=False,
            quiet=not self._show_progress(),
            nprint=max(1, int(self.n_steps) // 10),
            seed=self._seed(),
        )
        moved = np.any(np.diff(chain, axis=0) != 0, axis=1)
        return chain, chain_log_prob, float(moved.mean()) if moved.size else 0.0

    def score(self, X, y, vrms_err):
        """Log-likelihood ``-chi^2 / 2`` of the best-fit model given V_rms and errors.

        The likelihood the fit samples (flat priors add nothing inside the
        bounds), at :attr:`best_params_`: higher is better, as for any
        scikit-learn score, and ``-2 * score`` is the chi^2 a dynamicist quotes.
        It replaces scikit-learn's R^2, which weighs bins by ``sample_weight``
        rather than by their errors.

        Parameters
        ----------
        X : array-like of shape (n_bins, 2)
            Bin positions (x, y) in arcsec.
        y : array-like of shape (n_bins,)
            Observed V_rms in km/s.
        vrms_err : array-like of shape (n_bins,)
            Its 1-sigma errors in km/s, > 0.

        Returns
        -------
        log_likelihood : float
            ``-0.5 * sum(((y - model) / vrms_err)**2)``.
        """
        check_is_fitted(self, "best_params_")
        X, y, vrms_err = self._check_data(X, y, vrms_err)
        chi2 = np.sum(((y - self.predict(X)) / vrms_err) ** 2)
        return float(-0.5 * chi2)

    def to_inference_data(self, include_burn=False):
        """The chain as an arviz ``InferenceData`` (walkers as chains).

        Parameters
        ----------
        include_burn : bool, default=False
            Also keep the burn-in steps, as arviz's warm-up groups.

        Returns
        -------
        idata : arviz.InferenceData or xarray.DataTree
            ``posterior`` (one variable per free parameter, dims ``chain`` x
            ``draw``) and ``sample_stats.lp`` (the log-posterior), after burn-in
            (arviz 1, on Python >= 3.12, returns its DataTree of the same groups).
            Every group's ``attrs`` hold ``sampler``, ``n_burn`` and ``align``.
        """
        from .diagnostics import _arviz

        check_is_fitted(self, "chain_")

        def groups(steps):
            posterior = {
                name: np.swapaxes(self.chain_[steps, :, i], 0, 1)
                for i, name in enumerate(self.param_names_)
            }
            return posterior, {"lp": self.chain_log_prob_[steps].T}

        posterior, stats = groups(slice(self.n_burn_, None))
        data = {"posterior": posterior, "sample_stats": stats}
        if include_burn:
            warm_posterior, warm_stats = groups(slice(0, self.n_burn_))
            data |= {"warmup_posterior": warm_posterior, "warmup_sample_stats": warm_stats}
        # the sampler's name is its library's: emcee or adamet
        attrs = {"sampler": self.sampler, "n_burn": self.n_burn_, "inference_library": self.sampler}
        attrs["align"] = self.align
        az = _arviz()
        if int(az.__version__.split(".")[0]) >= 1:  # arviz 1 (Python >= 3.12): groups in a dict
            # and the attributes per group (0.x gives every group the same)
            group_attrs = {group: attrs for group in data}
            return az.from_dict(data, attrs=group_attrs, save_warmup=include_burn)
        idata = az.from_dict(**data, attrs=attrs, save_warmup=include_burn)  # idata.attrs
        for group in idata.groups():
            idata[group].attrs.update(attrs)
        return idata

    def samples_table(self):
        """The kept samples as an astropy Table: a column per parameter, then ``log_prob``.

        Columns ``walker`` and ``step`` (of :attr:`chain_`) locate each row; the
        inclination carries ``deg`` and the break radius ``kpc``; the meta holds
        the sampler's settings.
        """
        from astropy.table import Table

        check_is_fitted(self, "chain_")
        n_steps, n_walkers = self.chain_log_prob_[self.n_burn_ :].shape
        table = Table(meta=self._table_meta())
        for i, name in enumerate(self.param_names_):
            table[name] = self.samples_[:, i]
            table[name].unit = PARAMETER_UNITS.get(name)
        table["log_prob"] = self.log_prob_
        if hasattr(self, "sample_weight_"):
            table["exact_log_prob"] = self.exact_log_prob_
            table["weight"] = self.sample_weight_
        table["step"] = np.repeat(np.arange(self.n_burn_, self.n_burn_ + n_steps), n_walkers)
        table["walker"] = np.tile(np.arange(n_walkers), n_steps)
        return table

    def summary_table(self):
        """One row per free parameter: percentiles, best fit and the chain's diagnostics.

        Columns ``parameter``, ``p16``, ``median``, ``p84``, ``best_fit``, ``tau``
        (steps), ``r_hat``, ``ess_bulk``; an astropy Table (``.write`` to ECSV or
        FITS).
        """
        from astropy.table import Table

        check_is_fitted(self, "summary_")
        rows = [
            {
                "parameter": name,
                **self.summary_[name].as_dict(),
                "best_fit": self.best_params_[name],
            }
            for name in self.param_names_
        ]
        names = ("parameter", "p16", "median", "p84", "best_fit", "tau", "r_hat", "ess_bulk")
        table = Table(rows=[[row[k] for k in names] for row in rows], names=names)
        table.meta = self._table_meta() | {"problems": list(self.diagnostics_["problems"])}
        return table

    def _table_meta(self):
        # keys of at most 8 characters: FITS headers take them as they are
        meta = {"sampler": self.sampler, "n_steps": int(self.n_steps), "n_burn": self.n_burn_}
        meta |= {"model": self.mass_model, "align": self.align, "bh": bool(self.black_hole)}
        if self.black_hole:
            meta["bh_conv"] = self.bh_convention
        return meta

    def predict(self, X):
        """V_rms in km/s of the most probable model at the positions ``X`` (arcsec)."""
        check_is_fitted(self, "best_params_")
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != 2:
            raise ValueError(
                f"X must have shape (n_bins, 2) holding (x, y) in arcsec, got {X.shape}"
            )
        params = {k: np.array([v]) for k, v in self.best_params_.items()}
        # one model: the exact engine costs milliseconds, a table for new bins a second
        return self._model(self._setup_, params, X[:, 0], X[:, 1], engine="exact")[0]

    def _complete(self, params):
        """``(setup, params)`` with every parameter as an (n,) array; fixed ones filled in."""
        setup = self._setup()
        if self.mass_model == "gnfw" and not hasattr(self, "reff_"):
            self.reff_ = mge_half_light_radius(*setup["mge"])
        params = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in params.items()}
        n = max(len(v) for v in params.values())
        full = {k: np.full(n, float(v)) for k, v in setup["fixed"].items()}
        full.update({k: np.broadcast_to(v, (n,)) for k, v in params.items()})
        missing = [k for k in setup["names"] if k not in full]
        if missing:
            raise ValueError(f"missing parameters {missing}")
        key, ((low, high), rule) = self.inclination, setup["deprojectable"]
        bad = np.flatnonzero(~((full[key] > low) & (full[key] <= high)))
        if bad.size:
            raise ValueError(f"{key}={float(full[key][bad[0]])!r}: {rule}")
        return setup, full

    def dynamical_inputs(self, params):
        """The JAM inputs of models: for jampy's ``jam_axi_proj`` or for cross-checks.

        Parameters
        ----------
        params : dict
            ``{name: value or array of shape (n,)}`` (fixed ones may be left out).

        Returns
        -------
        inputs : dict
            ``surf_pot`` (Msun/pc^2), ``sigma_pot`` (arcsec), ``qobs_pot`` of
            shape (n, n_pot); ``inc`` (n,) in degrees; ``beta`` (n, n_lum), or
            with ``anisotropy='ratio_eq37'`` a list of n
            :class:`~sklearn_jam.jam.anisotropy.CylindricalLikeBeta`; ``mbh`` (n,)
            in Msun.
        """
        setup, full = self._complete(params)
        return self._dynamics(setup, full)

    def model_vrms(self, params, X, *, engine=None):
        """V_rms (km/s) of any models at ``X``, all rows in one engine call.

        Parameters
        ----------
        params : dict
            ``{name: value or array of shape (n,)}`` for every parameter of the
            model (fixed ones may be left out).
        X : array-like of shape (n_bins, 2)
            Bin positions in arcsec.
        engine : {'exact', 'tabulated', 'emulator'} or None, default=None
            The estimator's ``engine`` if None; 'tabulated' and 'emulator' tabulate the bins
            first (once per ``X``), so both engines can be compared on one call.

        Returns
        -------
        vrms : ndarray of shape (n, n_bins)
        """
        if engine not in (None, "exact", *FAST_ENGINES):
            raise ValueError(f"engine={engine!r} must be 'exact', 'tabulated', 'emulator' or None")
        setup, full = self._complete(params)
        X = np.asarray(X, dtype=float)
        self._check_fast_engine(engine or self.engine)
        return self._model(setup, full, X[:, 0], X[:, 1], engine=engine)
