"""One galaxy's exact cylindrical model at fixed bins, tabulated in the inclination.

For a galaxy whose light (the MGE), PSF, spaxels and bins are fixed, as in a fit of
observed kinematics, the cylindrically aligned model is exactly linear in
everything but the inclination:

``V_rms^2 = sum_c w_c (iso_c(i) + (b - 1) aniso_c(i))``

over mass components ``c`` (any MGEs and a black hole), with ``b = 1 / (1 -
beta_z)`` one anisotropy for all Gaussians. The Jeans equations are linear in the
potential, the cylindrical solution is linear in ``b`` (``sigma_R^2 = b
sigma_z^2``), and the PSF and spaxel means are linear too
(``docs/general_family.rst`` derives it). So the mass-to-light ratio, a halo's
Gaussians' weights, the black-hole mass and ``beta_z`` enter through exact
weights, and only ``iso_c`` and ``aniso_c`` need the engine.

:func:`tabulate_cyl` computes them with :func:`~sklearn_jam.jam.jam_axi_cyl` at
Chebyshev nodes in ``s = sqrt(q_flat^2 - cos^2 i)`` (``q_flat`` the flattest
observed axial ratio: ``s`` is the flattest Gaussian's intrinsic axial ratio times
``sin i``, in which every Gaussian's deprojection is smooth up to the inclination
limit); :class:`InclinationTable` then interpolates them, so a batch of models
costs a matrix product. :class:`~sklearn_jam.JamKinematics` uses it with
``engine='tabulated'``.

The spherically aligned model (:func:`~sklearn_jam.jam.jam_axi_sph`) is linear in
the mass components too, but not in its anisotropy: ``beta`` enters the
characteristics themselves. :func:`tabulate_sph` therefore tabulates each
component's V_rms^2 on a product of Chebyshev nodes, in ``s`` and in the anisotropy
(a constant ``beta``, or the equatorial ``ratio`` of jampy 9's eq. 37,
:class:`~sklearn_jam.jam.anisotropy.CylindricalLikeBeta`; the series in the
anisotropy is in ``log(sigma_theta / sigma_r)``, :func:`anisotropy_variable`), as many
in each as its accuracy needs (nested sets, refined until their estimated error meets
:data:`TABLE_RTOL`), and :class:`AnisotropyTable` interpolates them:

``V_rms^2 = sum_c w_c f_c(i, a)``.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from numpy.polynomial import chebyshev
from sklearn.exceptions import ConvergenceWarning

from ._base import namespace, vrms_from_moments
from ._convolution import check_psf
from .anisotropy import ConstantBeta, CylindricalLikeBeta
from .constants import arcsec_to_pc
from .cylindrical import jam_axi_cyl
from .spherical import vrms2_sph

__all__ = [
    "InclinationTable",
    "AnisotropyTable",
    "tabulate_cyl",
    "tabulate_sph",
    "TABLE_ANISOTROPIES",
    "component_units",
    "inclination_nodes",
    "anisotropy_nodes",
    "anisotropy_variable",
    "table_from_probes",
    "anisotropy_factor",
    "BETA_PROBE",
    "DEFAULT_N_INC",
    "DEFAULT_N_ANI",
    "TABLE_N_NODES",
    "TABLE_N_NODES_ANGULAR",
    "TABLE_METHODS",
    "ADAPTIVE_N_INC",
    "ADAPTIVE_N_ANI",
    "TABLE_RTOL",
]

#: Chebyshev nodes in the inclination by default: over 256 models of each of jampy's
#: examples' priors 24 interpolate within 8.4e-7 of the engine, 16 within 7e-5 (the
#: worst near the inclination limit; ``benchmarks/bench_tabulated.py``).
DEFAULT_N_INC = 24

#: The engine's quadrature nodes for a table: every model of a fit is read from it,
#: and on jampy's black-hole example (a 0.04" PSF, 0.05" spaxels) the engine's
#: 24 nodes of a black hole leave 1.5e-4, 32 leave 3e-6 and 48 leave 1e-8.
TABLE_N_NODES = 48

#: The anisotropy at which each component's ``aniso`` part is read (b = 1/2). It is
#: negative because b < 1 keeps every component's V_rms^2 positive wherever it is at
#: b = 1: ``v_phi^2 = b X + (circular part >= 0)`` stays >= 0 when X < 0, whereas
#: b > 1 can make a black hole's (alone) negative, which the engine reports as NaN.
BETA_PROBE = -1.0

#: Chebyshev nodes in the anisotropy of a spherically aligned table by default: over beta
#: -0.5..0.6 on a q = 0.3 galaxy with a black hole and a PSF, 6 nodes left 4.5e-5 and 10
#: left 3.3e-7; on M32 with a black hole over ratio_th 0.5-1.5, 12 leave 2.6e-8
#: (``tests/test_kinematics.py``).
DEFAULT_N_ANI = 12

#: The angular engine's nodes (:mod:`~sklearn_jam.jam.angular`) for a table: every model of
#: a fit is read from it, and on jampy's dark-halo set-up with eq. (37), its PSF and
#: spaxels, 32 nodes left 8.1e-5 of 64 at ratio 0.52 (48 leave 3.5e-7); with a black
#: hole under a PSF 32 left 1.1e-4 of 96 and 48 leave 1.8e-7.
TABLE_N_NODES_ANGULAR = 48

#: The nested sizes of an adaptive spherically aligned table (``n_inc`` or ``n_ani`` None):
#: Chebyshev points of the second kind, each size's points among the next's, so a
#: refinement computes only the new nodes. It starts at the second size of each.
ADAPTIVE_N_INC = (5, 9, 17, 33)
ADAPTIVE_N_ANI = (3, 5, 9, 17)

#: An adaptive table is refined until, in each variable, its estimated error is within
#: ``TABLE_RTOL`` of each bin's largest component V_rms^2: the sets of every other and
#: every fourth node miss the nodes between by ``e1`` and ``e2``, and geometric
#: convergence makes the table's own error about ``e1 (e1 / e2)^2``, taken ten times.
TABLE_RTOL = 1e-5

#: How a spherically aligned table is computed: ``'analytic'``, the constant-beta engine
#: at the bins (its cost grows with them); ``'angular'``, the engine of curved
#: characteristics on its sky grid, then the PSF and spaxels (the same cost for any
#: number of bins; eq. 37 is computed so always).
TABLE_METHODS = ("analytic", "angular")

#: The anisotropy variable of each kind of spherically aligned table: ``'beta'``, one
#: ``beta = 1 - sigma_theta^2 / sigma_r^2`` for every Gaussian; ``'ratio'``, one
#: ``sigma_theta / sigma_r`` (the same model, in the variable whose Chebyshev series
#: converges faster: the model is singular at beta = 1, i.e. ratio = 0, which lies
#: farther outside a range of ratio than of beta; over ratio 0.5-1.5 twelve nodes in beta
#: left 1.5e-5 near a black hole); ``'ratio_eq37'``, ``sigma_theta / sigma_r`` on the
#: equator of jampy 9's eq. (37).
TABLE_ANISOTROPIES = ("beta", "ratio", "ratio_eq37")


def anisotropy_factor(beta_z):
    """``b - 1 = 1 / (1 - beta_z) - 1``, the coefficient of the ``aniso`` maps.

    Parameters
    ----------
    beta_z : float or array-like
        ``1 - sigma_z^2 / sigma_R^2``, below 1.

    Returns
    -------
    b_minus_1 : ndarray
        ``sigma_R^2 / sigma_z^2 - 1``.
    """
    beta_z = np.asarray(beta_z, dtype=float)
    return 1 / (1 - beta_z) - 1


class _Table:
    """What both tables share: the components' axis of ``coef``, and V_rms from V_rms^2."""

    @property
    def n_components(self):
        """Number of mass components (the black hole included)."""
        return self.coef.shape[2]

    def _inc_basis(self, inc, weights):
        """The Chebyshev basis (n, n_inc) of inclinations, checked, and the weights (n, n_comp)."""
        inc = _check_inside(inc, self.inc_range, "inc", " deg")
        weights = np.asarray(weights, dtype=float).reshape(inc.size, self.n_components)
        t_inc = np.clip(_inc_variable(inc, self.q_flat, self.inc_range), -1, 1)
        return chebyshev.chebvander(t_inc, self.coef.shape[0] - 1), weights

    def vrms(self, inc, weights, anisotropy):
        """V_rms (km/s) at the bins: the root of :meth:`vrms2`, NaN where that is < 0.

        Takes the arguments of :meth:`vrms2`; warns as the engine
        (:class:`~sklearn_jam.exceptions.UnphysicalModelWarning`) where the
        anisotropy is unphysical.

        Returns
        -------
        vrms : ndarray of shape (n_models, n_bins)
        """
        v2 = self.vrms2(inc, weights, anisotropy)
        return vrms_from_moments(namespace(()), v2, np.ones_like(v2))


@dataclass(frozen=True)
class InclinationTable(_Table):
    """Chebyshev coefficients, in the inclination, of each component's V_rms^2 at the bins.

    Made by :func:`tabulate_cyl`; the attributes are read-only.

    Attributes
    ----------
    coef : ndarray of shape (n_inc, 2, n_components, n_bins)
        Chebyshev coefficients (in ``t``, ``s`` mapped to [-1, 1]) of ``iso`` (index
        0) and ``aniso`` (index 1) of each component, in (km/s)^2 per unit weight.
    q_flat : float
        The flattest observed axial ratio, which defines ``s``.
    inc_range : tuple of float
        Inclinations (degrees) the table covers; outside it :meth:`vrms2` refuses.
    """

    coef: np.ndarray
    q_flat: float
    inc_range: tuple

    def vrms2(self, inc, weights, b_minus_1):
        """V_rms^2 (km/s)^2 at the bins of models, one matrix product for the batch.

        Parameters
        ----------
        inc : array-like of shape (n_models,)
            Inclinations in degrees, inside :attr:`inc_range`.
        weights : array-like of shape (n_models, n_components)
            Each component's weight (its mass over the unit the table was made with).
        b_minus_1 : array-like of shape (n_models,)
            ``1 / (1 - beta_z) - 1`` (:func:`anisotropy_factor`).

        Returns
        -------
        vrms2 : ndarray of shape (n_models, n_bins)
            Negative where the anisotropy is unphysical there (as the engine's NaN).
        """
        basis, weights = self._inc_basis(inc, weights)
        n = basis.shape[0]
        b_minus_1 = np.asarray(b_minus_1, dtype=float).reshape(n)
        factors = np.stack([weights, weights * b_minus_1[:, None]], 1)  # (n, 2, n_comp)
        design = basis[:, :, None, None] * factors[:, None]  # (n, n_inc, 2, n_comp)
        n_bins = self.coef.shape[-1]
        return design.reshape(n, -1) @ self.coef.reshape(-1, n_bins)


@dataclass(frozen=True)
class AnisotropyTable(_Table):
    """Chebyshev coefficients, in the inclination and the anisotropy, of each component's V_rms^2.

    The spherically aligned model's table, made by :func:`tabulate_sph`; the
    attributes are read-only.

    Attributes
    ----------
    coef : ndarray of shape (n_inc, n_ani, n_components, n_bins)
        Chebyshev coefficients (in ``s`` and in the anisotropy, each mapped to [-1, 1])
        of each component's V_rms^2, in (km/s)^2 per unit weight.
    q_flat : float
        The flattest observed axial ratio, which defines ``s``.
    inc_range : tuple of float
        Inclinations (degrees) the table covers.
    ani_range : tuple of float
        Anisotropies it covers, of the kind ``anisotropy``.
    anisotropy : {'beta', 'ratio', 'ratio_eq37'}
        What the anisotropy variable is (:data:`TABLE_ANISOTROPIES`).
    error_estimate : float
        Of an adaptive table (:func:`tabulate_sph` with ``n_inc`` or ``n_ani`` None):
        its estimated error relative to each bin's largest component V_rms^2, from
        the coarser sets of nodes (:data:`TABLE_RTOL`); NaN for fixed nodes.
    ani_variable : {'log', 'linear'}
        The Chebyshev variable of the anisotropy: ``log(sigma_theta / sigma_r)``
        (:func:`anisotropy_variable`, the tables of 0.3.5 on), or the anisotropy
        itself (those pickled before, which keep it).
    """

    coef: np.ndarray
    q_flat: float
    inc_range: tuple
    ani_range: tuple
    anisotropy: str
    error_estimate: float = float("nan")
    ani_variable: str = "linear"

    def vrms2(self, inc, weights, ani):
        """V_rms^2 (km/s)^2 at the bins of models, one matrix product for the batch.

        Parameters
        ----------
        inc : array-like of shape (n_models,)
            Inclinations in degrees, inside :attr:`inc_range`.
        weights : array-like of shape (n_models, n_components)
            Each component's weight (its mass over the unit the table was made with).
        ani : array-like of shape (n_models,)
            The anisotropy (``beta``, ``ratio`` or eq. 37's ``ratio``), inside :attr:`ani_range`.

        Returns
        -------
        vrms2 : ndarray of shape (n_models, n_bins)
            Negative where the anisotropy is unphysical there (as the engine's NaN).
        """
        basis_inc, weights = self._inc_basis(inc, weights)  # (n, n_inc), (n, n_comp)
        n = basis_inc.shape[0]
        ani = _check_inside(ani, self.ani_range, self.anisotropy, "").reshape(n)
        _, n_ani, _, n_bins = self.coef.shape
        t_ani = np.clip(self._ani_chebyshev(ani), -1, 1)
        basis_ani = chebyshev.chebvander(t_ani, n_ani - 1)  # (n, n_ani)
        design = basis_inc[:, :, None, None] * basis_ani[:, None, :, None] * weights[:, None, None]
        return design.reshape(n, -1) @ self.coef.reshape(-1, n_bins)

    def _ani_chebyshev(self, ani):
        """The Chebyshev variable in [-1, 1] of anisotropies ``ani`` (n,)."""
        if self.ani_variable == "linear":
            return _linear_variable(ani, self.ani_range)
        bounds = tuple(anisotropy_variable(v, self.anisotropy) for v in self.ani_range)
        return _linear_variable(anisotropy_variable(ani, self.anisotropy), bounds)


def anisotropy_variable(ani, anisotropy="beta"):
    """``log(sigma_theta / sigma_r)`` of anisotropies: the variable of a table's series.

    V_rms^2 is singular where ``sigma_theta / sigma_r`` reaches 0 (``beta = 1``); in
    its logarithm that point is at infinity, and the Chebyshev series converges
    faster than in the anisotropy itself. Measured on jampy's dark-halo set-up with
    eq. (37) over ratio 0.5-1.0 at one inclination (60 and 44.6 deg), 6, 8 and 10 nodes
    in ``log(ratio)`` left 1-2.1e-5, 2.8-8.7e-7 and 0.6-3.1e-8, in ``ratio`` 1-2.3e-4,
    0.6-1.5e-5 and 3-4.2e-7.

    Parameters
    ----------
    ani : float or array-like
        ``beta`` (below 1) or a ``ratio`` (above 0), as ``anisotropy`` says.
    anisotropy : {'beta', 'ratio', 'ratio_eq37'}, default='beta'
        :data:`TABLE_ANISOTROPIES`.

    Returns
    -------
    variable : ndarray
        ``log(ratio)``, or ``log(1 - beta) / 2``.
    """
    ani = np.asarray(ani, dtype=float)
    return 0.5 * np.log1p(-ani) if anisotropy == "beta" else np.log(ani)


def _anisotropy_of_variable(variable, anisotropy):
    """The inverse of :func:`anisotropy_variable`."""
    variable = np.asarray(variable, dtype=float)
    return -np.expm1(2 * variable) if anisotropy == "beta" else np.exp(variable)


def _check_inside(values, bounds, name, unit):
    """``values`` as a 1-D float array, refused (naming the first) outside ``bounds``."""
    values = np.atleast_1d(np.asarray(values, dtype=float))
    low, high = bounds
    bad = ~((values >= low - 1e-9) & (values <= high + 1e-9))
    if np.any(bad):
        raise ValueError(
            f"{name}={values[bad][0]:.6g}{unit} is outside the table's range "
            f"[{low:.6g}, {high:.6g}]"
        )
    return values


def _linear_variable(values, bounds):
    """``values`` mapped linearly from ``bounds`` to [-1, 1] (0 where the range is one value)."""
    low, high = bounds
    values = np.asarray(values, dtype=float)
    if high == low:  # one value, one node
        return np.zeros_like(values)
    return (2 * values - low - high) / (high - low)


def _inc_variable(inc, q_flat, inc_range):
    """The Chebyshev variable of inclinations ``inc`` (degrees): ``s`` mapped to [-1, 1]."""
    s_range = tuple(float(_s_of_inc(v, q_flat)) for v in inc_range)
    return _linear_variable(_s_of_inc(inc, q_flat), s_range)


def _s_of_inc(inc, q_flat):
    """``sqrt(q_flat^2 - cos^2 i)``, the table's smooth variable (0 at the projection limit)."""
    cos_inc = np.cos(np.radians(np.asarray(inc, dtype=float)))
    return np.sqrt(np.clip(q_flat**2 - cos_inc**2, 0, None))


def _inc_of_s(s, q_flat):
    """The inverse of :func:`_s_of_inc`, in degrees."""
    return np.degrees(np.arccos(np.sqrt(q_flat**2 - np.asarray(s, dtype=float) ** 2)))


def _component_calls(lum, components, black_hole, unit_mass, pc):
    """The engine's mass MGE and black-hole mass for each component, at unit weight.

    Every component is scaled to ``unit_mass`` (the light's total) so that all the
    maps have similar magnitudes.
    """
    calls = []
    for surf, sigma, qobs in components:
        surf, sigma, qobs = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (surf, sigma, qobs))
        mass = (2 * np.pi * surf * qobs * (sigma * pc) ** 2).sum()
        if not mass > 0:
            raise ValueError("every mass component must have a positive total mass")
        calls.append(((surf * (unit_mass / mass), sigma, qobs), 0.0))
    if black_hole:  # no Gaussian mass, only the black hole's
        calls.append(((0 * lum[0][:1], lum[1][:1], lum[2][:1]), unit_mass))
    return calls


def tabulate_cyl(
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
    n_nodes=None,
    n_jobs=None,
):
    """Tabulate one galaxy's cylindrical model at fixed bins in the inclination, exactly.

    Calls :func:`~sklearn_jam.jam.jam_axi_cyl` ``2 n_inc`` times per component,
    in batches, at the Chebyshev nodes of ``inc_range``.

    Parameters
    ----------
    lum : tuple of array-like of shape (n_lum,)
        ``(surf, sigma, qobs)`` of the luminous MGE (Lsun/pc^2, arcsec, -).
    components : sequence of tuples of array-like
        ``(surf, sigma, qobs)`` of each mass component's MGE (Msun/pc^2, arcsec,
        -). Only its shape matters: the table holds it scaled to the total mass
        of :func:`component_units`.
    x, y : array-like of shape (n_bins,)
        Bin positions in arcsec.
    distance : float
        Distance in Mpc.
    inc_range : tuple of float
        ``(low, high)`` inclinations in degrees; ``low`` above the limit of the
        flattest Gaussian.
    black_hole : bool, default=False
        Add the black hole (a round Gaussian of ``rbh`` in the mass, as the
        engine) as the last component.
    rbh : float, default=0.01
        Its dispersion in arcsec.
    sigmapsf, normpsf, pixsize, pixang
        The PSF and spaxels, as :func:`~sklearn_jam.jam.jam_axi_cyl`.
    n_inc : int, default=24
        Chebyshev nodes in the inclination.
    n_nodes : int or None, default=None
        The engine's quadrature nodes, the same at every node (so that the
        table is as smooth in ``i`` as the model); None: :data:`TABLE_N_NODES`.
    n_jobs : int, default=None
        Threads of the engine.

    Returns
    -------
    table : InclinationTable
        Per unit weight: component ``c`` of total mass ``L`` (the light's total,
        ``component_units``), so a model's weight of ``c`` is its mass over ``L``.
    """
    lum = tuple(np.asarray(v, dtype=float) for v in lum)
    x, y = (np.asarray(v, dtype=float).ravel() for v in (x, y))
    q_flat = float(min(np.min(lum[2]), *(np.min(c[2]) for c in components)))
    inc, nodes = inclination_nodes(q_flat, inc_range, n_inc)
    n_inc = nodes.size
    low, high = (float(v) for v in inc_range)
    unit = component_units(lum, distance)
    calls = _component_calls(lum, components, black_hole, unit, arcsec_to_pc(distance))
    n_nodes = TABLE_N_NODES if n_nodes is None else int(n_nodes)
    # Every component takes the whole model's spaxel rule, so the split is exact (the
    # engine's own choice takes more points with a black hole).
    pixel_nodes = check_psf(sigmapsf, normpsf, pixsize, pixang, None, black_hole=black_hole)[4]
    v2 = np.empty((2, n_inc, len(calls), x.size))  # beta_z = 0 and the probe
    for c, (pot, mbh) in enumerate(calls):
        batch = 2 * n_inc
        beta = np.repeat([0.0, BETA_PROBE], n_inc)[:, None] * np.ones(lum[0].size)
        v2[:, :, c] = (
            jam_axi_cyl(
                *(np.broadcast_to(v, (batch, v.size)) for v in lum),
                *(np.broadcast_to(v, (batch, v.size)) for v in pot),
                np.tile(inc, 2),
                beta,
                x,
                y,
                distance=distance,
                mbh=np.full(batch, mbh),
                rbh=rbh,
                sigmapsf=sigmapsf,
                normpsf=normpsf,
                pixsize=pixsize,
                pixang=pixang,
                n_nodes=n_nodes,
                pixel_nodes=pixel_nodes,
                n_jobs=n_jobs,
            )
            ** 2
        ).reshape(2, n_inc, x.size)
    return table_from_probes(v2[0], v2[1], nodes, q_flat, (low, high))


def tabulate_sph(
    lum,
    components,
    x,
    y,
    *,
    distance,
    inc_range,
    ani_range,
    anisotropy="beta",
    black_hole=False,
    sigmapsf=0.0,
    normpsf=1.0,
    pixsize=0.0,
    pixang=0.0,
    n_inc=DEFAULT_N_INC,
    n_ani=DEFAULT_N_ANI,
    n_nodes=None,
    method=None,
    rtol=TABLE_RTOL,
    n_jobs=None,
):
    """Tabulate one galaxy's spherically aligned model at fixed bins in (inclination, anisotropy).

    Calls :func:`~sklearn_jam.jam.jam_axi_sph` at the product of Chebyshev nodes of
    ``inc_range`` (in ``s``, as :func:`tabulate_cyl`) and of ``ani_range``, for each
    component: with ``method='angular'`` one call per inclination, every component and
    anisotropy sharing the PSF's convolution. With ``n_inc`` or ``n_ani`` None the
    nodes in that variable are chosen by the accuracy they reach: nested sizes
    (:data:`ADAPTIVE_N_INC`, :data:`ADAPTIVE_N_ANI`) are tried in turn until the
    table's estimated error meets ``rtol``, and only the new nodes of each size are
    computed.

    Parameters
    ----------
    lum, components, x, y, distance, inc_range
        As :func:`tabulate_cyl`.
    ani_range : tuple of float
        ``(low, high)`` of the anisotropy: ``beta`` below 1, or a ``ratio`` above 0.
    anisotropy : {'beta', 'ratio', 'ratio_eq37'}, default='beta'
        ``'beta'``: one constant ``beta = 1 - sigma_theta^2 / sigma_r^2`` for every
        Gaussian (the analytic engine); ``'ratio'``: the same, tabulated in
        ``sigma_theta / sigma_r``. ``'ratio_eq37'``: jampy 9's eq. (37),
        ``beta(theta) = 1 - ratio^(-2 cos 2 theta)``
        (:class:`~sklearn_jam.jam.anisotropy.CylindricalLikeBeta`, the angular engine).
    black_hole : bool, default=False
        Add the black hole (a point mass, as the engine) as the last component.
    sigmapsf, normpsf, pixsize, pixang
        The PSF and spaxels, as :func:`~sklearn_jam.jam.jam_axi_sph`.
    n_inc : int or None, default=24
        Chebyshev nodes (of the first kind) in the inclination; None: adaptive, the
        first of :data:`ADAPTIVE_N_INC` (after the first) that meets ``rtol``.
    n_ani : int or None, default=12
        The same in the anisotropy (:data:`ADAPTIVE_N_ANI`). One node where
        ``ani_range`` (or ``inc_range``) is one value.
    n_nodes : int or None, default=None
        The engine's quadrature nodes, the same at every node. None: the analytic
        engine's own choice (one per component, from the whole batch of nodes), or
        :data:`TABLE_N_NODES_ANGULAR` for the angular one.
    method : {'analytic', 'angular'} or None, default=None
        :data:`TABLE_METHODS`. None: ``'angular'`` for ``'ratio_eq37'``, and for a
        constant beta with a PSF and ``n_nodes=None``; ``'analytic'`` otherwise (an
        explicit ``n_nodes`` of a constant beta is the analytic engine's). With a PSF
        the two agree to a few 1e-6 (the sky grid's interpolation and product rules).
    rtol : float, default=TABLE_RTOL
        Of the adaptive nodes: the table's estimated error in each variable, relative to
        each bin's largest component V_rms^2 (:data:`TABLE_RTOL`). Where the largest
        size does not meet it, a :class:`~sklearn.exceptions.ConvergenceWarning` names
        the estimate.
    n_jobs : int, default=None
        Threads of the engine.

    Returns
    -------
    table : AnisotropyTable
        Per unit weight, as :func:`tabulate_cyl`; its ``error_estimate`` is the
        adaptive nodes' last estimate.
    """
    if anisotropy not in TABLE_ANISOTROPIES:
        raise ValueError(f"anisotropy={anisotropy!r} must be one of {TABLE_ANISOTROPIES}")
    if not (np.isfinite(rtol) and rtol > 0):
        raise ValueError(f"rtol={rtol!r} must be a positive number")
    lum = tuple(np.asarray(v, dtype=float) for v in lum)
    x, y = (np.asarray(v, dtype=float).ravel() for v in (x, y))
    q_flat = float(min(np.min(lum[2]), *(np.min(c[2]) for c in components)))
    inc_levels = _levels(lambda n, kind: inclination_nodes(q_flat, inc_range, n, kind), n_inc,
                         ADAPTIVE_N_INC)  # fmt: skip
    ani_levels = _levels(lambda n, kind: anisotropy_nodes(ani_range, anisotropy, n, kind), n_ani,
                         ADAPTIVE_N_ANI)  # fmt: skip
    unit = component_units(lum, distance)
    calls = _component_calls(lum, components, black_hole, unit, arcsec_to_pc(distance))
    method = _table_method(method, anisotropy, sigmapsf, n_nodes)
    if method == "angular" and n_nodes is None:
        n_nodes = TABLE_N_NODES_ANGULAR
    pixel_nodes = check_psf(sigmapsf, normpsf, pixsize, pixang, None, black_hole=black_hole)[4]
    options = dict(
        distance=distance,
        sigmapsf=sigmapsf,
        normpsf=normpsf,
        pixsize=pixsize,
        pixang=pixang,
        n_nodes=n_nodes,
        pixel_nodes=pixel_nodes,
        n_jobs=n_jobs,
    )
    compute = _angular_nodes if method == "angular" else _analytic_nodes
    values = _NodeValues(lambda pairs: compute(lum, calls, pairs, anisotropy, x, y, options))
    v2, inc_nodes, ani_nodes, error = _refined(values, inc_levels, ani_levels, rtol)
    coef = _chebyshev_coefficients(ani_nodes, _chebyshev_coefficients(inc_nodes, v2), axis=1)
    low, high = (float(v) for v in inc_range)
    ani_range = tuple(map(float, ani_range))
    return AnisotropyTable(coef, q_flat, (low, high), ani_range, anisotropy, error, "log")


def _levels(nodes, n, sizes):
    """The node sets ``[(values, variable), ...]`` a table may take, coarsest first.

    One set, of ``n`` points of the first kind, for an int ``n``; for None, the nested
    ``sizes`` of points of the second kind (one set where the range is one value).
    """
    if n is not None:
        return [nodes(n, "first")]
    levels = [nodes(size, "second") for size in sizes]
    return levels[:1] if levels[0][0].size == 1 else levels


class _NodeValues:
    """Each component's V_rms^2 (n_comp, n_bins) at (inclination, anisotropy) nodes, each once.

    ``compute(pairs)`` returns them for a list of ``(inc, ani)`` pairs; :meth:`grid`
    asks it only for the pairs not yet computed.
    """

    def __init__(self, compute):
        self._compute = compute
        self._done = {}

    def grid(self, inc, ani):
        """V_rms^2 (n_inc, n_ani, n_comp, n_bins) on the product of ``inc`` and ``ani``."""
        keys = [[(round(float(i), 12), round(float(a), 12)) for a in ani] for i in inc]
        missing = list(dict.fromkeys(k for row in keys for k in row if k not in self._done))
        if missing:
            self._done.update(zip(missing, self._compute(missing), strict=True))
        return np.array([[self._done[k] for k in row] for row in keys])


def _refined(values, inc_levels, ani_levels, rtol):
    """V_rms^2 at the nodes, refined in each variable until :func:`_estimate` <= ``rtol``.

    Returns the values (n_inc, n_ani, n_comp, n_bins), both Chebyshev variables and
    the error estimate (NaN where both sets of nodes are fixed).
    """
    i, j = min(1, len(inc_levels) - 1), min(1, len(ani_levels) - 1)
    while True:
        (inc, t_inc), (ani, t_ani) = inc_levels[i], ani_levels[j]
        v2 = values.grid(inc, ani)
        errors = [_estimate(v2, t_inc, 0, i), _estimate(v2, t_ani, 1, j)]
        grow_inc = errors[0] > rtol and i + 1 < len(inc_levels)
        grow_ani = errors[1] > rtol and j + 1 < len(ani_levels)
        if not (grow_inc or grow_ani):
            break
        i, j = i + grow_inc, j + grow_ani
    error = np.nan if np.all(np.isnan(errors)) else float(np.nanmax(errors))
    if error > rtol:
        warnings.warn(
            f"the table's nodes ({inc.size} x {ani.size}, the most it takes) leave an error "
            f"estimate of {error:.2g} > rtol={rtol:g}: narrow the ranges, or accept it",
            ConvergenceWarning,
            stacklevel=3,
        )
    return v2, t_inc, t_ani, error


def _estimate(v2, nodes, axis, level):
    """The error of the interpolant on ``nodes`` (the ``level``-th nested set) along ``axis``.

    The sets one and two sizes coarser (every other node, and every fourth) miss the
    nodes between by ``e1`` and ``e2`` (:func:`_level_error`). The series converges
    geometrically and each size doubles the nodes, so this set's error is about ``e1
    (e1 / e2)^2``; that extrapolation fell short of the measured error by up to 5 times
    before the convergence is geometric, so the estimate is ten times it, and at most
    ``e1``. At the second set, ``e1``; NaN for the first. Relative to each bin's
    largest ``abs(V_rms^2)`` of any component at any node.
    """
    if level == 0:
        return np.nan
    scale = np.abs(v2).max((0, 1, 2))  # (n_bins,)
    e1 = _level_error(v2, nodes, axis, scale)
    if level == 1:
        return e1
    e2 = _level_error(np.take(v2, np.arange(0, nodes.size, 2), axis), nodes[::2], axis, scale)
    return min(e1, 10 * e1 * (e1 / e2) ** 2) if e2 > 0 else e1


def _level_error(v2, nodes, axis, scale):
    """How far the interpolant on every other node is from the nodes between, along ``axis``.

    ``nodes`` are points of the second kind (the coarser set is ``nodes[::2]``); relative
    to ``scale`` (n_bins,).
    """
    moved = np.moveaxis(v2, axis, 0)
    coarse = _chebyshev_coefficients(nodes[::2], moved[::2])
    between = np.tensordot(chebyshev.chebvander(nodes[1::2], nodes[::2].size - 1), coarse, 1)
    return float(np.max(np.abs(between - moved[1::2]) / np.where(scale > 0, scale, np.inf)))


def _angular_nodes(lum, calls, pairs, anisotropy, x, y, options):
    """V_rms^2 at ``(inc, ani)`` pairs, one angular engine call per inclination."""
    by_inc = {}
    for inc, ani in pairs:
        by_inc.setdefault(inc, []).append(ani)
    done = {}
    for inc, anis in by_inc.items():
        functions = [_beta_function(a, anisotropy) for a in anis]
        v2 = _sph_fields(lum, calls, inc, functions, x, y, options)
        v2 = v2.reshape(len(calls), len(anis), x.size)
        done.update({(inc, a): v2[:, k] for k, a in enumerate(anis)})
    return [done[p] for p in pairs]


def _analytic_nodes(lum, calls, pairs, anisotropy, x, y, options):
    """V_rms^2 at ``(inc, ani)`` pairs, one analytic engine batch per component."""
    inc = np.array([p[0] for p in pairs])
    beta = _beta_of(np.array([p[1] for p in pairs]), anisotropy)[:, None] * np.ones(lum[0].size)
    v2 = np.stack([_sph_call(lum, pot, mbh, inc, beta, x, y, options) for pot, mbh in calls], 1)
    return list(v2)


def _beta_function(ani, anisotropy):
    """The ``beta(theta)`` of a table's anisotropy value: eq. (37)'s, or its constant."""
    if anisotropy == "ratio_eq37":
        return CylindricalLikeBeta(float(ani))
    return ConstantBeta(float(_beta_of(ani, anisotropy)))


def _beta_of(ani, anisotropy):
    """The constant ``beta`` of a table's anisotropy variable (``'beta'`` or ``'ratio'``)."""
    return ani if anisotropy == "beta" else 1 - np.asarray(ani) ** 2


def _sph_call(lum, pot, mbh, inc, beta, x, y, options):
    """Signed V_rms^2 of a batch of inclinations (n,), one mass component (:func:`vrms2_sph`)."""
    n = np.size(inc)
    return vrms2_sph(
        *(np.broadcast_to(v, (n, v.size)) for v in lum),
        *(np.broadcast_to(v, (n, v.size)) for v in pot),
        inc,
        beta,
        x,
        y,
        mbh=np.full(n, mbh),
        **options,
    )


def _sph_fields(lum, calls, inc, functions, x, y, options):
    """Signed V_rms^2 (n_comp * n_fun, n_bins) of every component and beta(theta), at ``inc``.

    One batch, which shares the light, inclination and bins, hence the convolution; the
    components' MGEs are padded to one length with massless Gaussians.
    """
    size = max(pot[0].size for pot, _ in calls)
    padded = [_padded(pot, size) for pot, _ in calls]
    pots = [pot for pot in padded for _ in functions]
    n = len(pots)
    return vrms2_sph(
        *(np.broadcast_to(v, (n, v.size)) for v in lum),
        *(np.stack([pot[k] for pot in pots]) for k in range(3)),
        float(inc),
        list(functions) * len(calls),
        x,
        y,
        mbh=np.array([mbh for _, mbh in calls for _ in functions]),
        **options,
    )


def _padded(mge, size):
    """``(surf, sigma, qobs)`` with massless copies of its last Gaussian up to ``size``."""
    surf, sigma, qobs = mge
    extra = size - surf.size
    return (
        np.concatenate([surf, np.zeros(extra)]),
        np.concatenate([sigma, np.full(extra, sigma[-1])]),
        np.concatenate([qobs, np.full(extra, qobs[-1])]),
    )


def _table_method(method, anisotropy, sigmapsf, n_nodes):
    """The method of :func:`tabulate_sph` (:data:`TABLE_METHODS`), checked."""
    if method is None:
        if anisotropy == "ratio_eq37":
            return "angular"
        # explicit nodes of a constant beta are the analytic engine's (the angular one
        # needs more: 16 nodes near a black hole are 5% off)
        has_psf = np.max(np.atleast_1d(np.asarray(sigmapsf, dtype=float))) > 0
        return "angular" if has_psf and n_nodes is None else "analytic"
    if method not in TABLE_METHODS:
        raise ValueError(f"method={method!r} must be one of {TABLE_METHODS} or None")
    if method == "analytic" and anisotropy == "ratio_eq37":
        raise ValueError(
            "method='analytic' takes a constant beta; anisotropy='ratio_eq37' (a function "
            "of theta) needs method='angular'"
        )
    return method


def anisotropy_nodes(ani_range, anisotropy="beta", n_ani=DEFAULT_N_ANI, points="first"):
    """The Chebyshev nodes of a spherically aligned table over ``ani_range``.

    Parameters
    ----------
    ani_range : tuple of float
        ``(low, high)``: ``beta`` below 1 or a ``ratio`` above 0.
    anisotropy : {'beta', 'ratio', 'ratio_eq37'}, default='beta'
    n_ani : int, default=12
        Nodes; one for a fixed anisotropy (``low == high``).
    points : {'first', 'second'}, default='first'
        Chebyshev points of the first kind, or of the second (the ends included:
        the points of ``n`` are among those of ``2 n - 1``).

    Returns
    -------
    ani : ndarray of shape (n_ani,)
        The nodes' anisotropies: Chebyshev points in :func:`anisotropy_variable`,
        ``log(sigma_theta / sigma_r)``.
    nodes : ndarray of shape (n_ani,)
        Their Chebyshev variable in [-1, 1], descending.
    """
    low, high = (float(v) for v in ani_range)
    valid = high < 1 if anisotropy == "beta" else low > 0  # the range does not fall
    if not (np.isfinite(low) and np.isfinite(high) and low <= high and valid):
        rule = "beta must stay below 1" if anisotropy == "beta" else "the ratio must stay above 0"
        raise ValueError(f"ani_range=({low}, {high}) must be finite, must not fall, and {rule}")
    nodes = _chebyshev_points(1 if low == high else n_ani, points)
    u_low, u_high = anisotropy_variable([low, high], anisotropy)
    ani = _anisotropy_of_variable(
        0.5 * (u_low + u_high) + 0.5 * (u_high - u_low) * nodes, anisotropy
    )
    ani[nodes == 1], ani[nodes == -1] = high, low  # the ends exactly (points of the second kind)
    return (np.full(1, low) if low == high else ani), nodes


def table_from_probes(iso, probe, nodes, q_flat, inc_range):
    """The table of V_rms^2 at ``beta_z = 0`` and at :data:`BETA_PROBE` at the nodes.

    Parameters
    ----------
    iso, probe : ndarray of shape (n_inc, n_components, n_bins)
        Each component's V_rms^2 ((km/s)^2 per unit weight) at ``beta_z = 0`` and
        at the probe, at the inclinations of :func:`inclination_nodes`.
    nodes : ndarray of shape (n_inc,)
        Their Chebyshev variable.
    q_flat : float
    inc_range : tuple of float

    Returns
    -------
    table : InclinationTable
    """
    values = np.stack([iso, (probe - iso) / float(anisotropy_factor(BETA_PROBE))], 1)
    low, high = (float(v) for v in inc_range)
    return InclinationTable(_chebyshev_coefficients(nodes, values), q_flat, (low, high))


def inclination_nodes(q_flat, inc_range, n_inc=DEFAULT_N_INC, points="first"):
    """The Chebyshev nodes of a table in ``s = sqrt(q_flat^2 - cos^2 i)`` over ``inc_range``.

    Parameters
    ----------
    q_flat : float
        The flattest observed axial ratio.
    inc_range : tuple of float
        ``(low, high)`` inclinations in degrees, above the limit of ``q_flat``.
    n_inc : int, default=24
        Nodes; one for a fixed inclination (``low == high``).
    points : {'first', 'second'}, default='first'
        As :func:`anisotropy_nodes`.

    Returns
    -------
    inc : ndarray of shape (n_inc,)
        The nodes' inclinations in degrees.
    nodes : ndarray of shape (n_inc,)
        Their Chebyshev variable in [-1, 1], descending.
    """
    low, high = (float(v) for v in inc_range)
    s_lo, s_hi = (float(_s_of_inc(v, q_flat)) for v in (low, high))
    if not (0 < s_lo <= s_hi and high <= 90):
        raise ValueError(
            f"inc_range=({low}, {high}) must not fall, must stay above the inclination limit "
            f"{np.degrees(np.arccos(q_flat)):.4g} deg of the flattest Gaussian (q={q_flat:.4g}) "
            "and at or below 90 deg"
        )
    nodes = _chebyshev_points(1 if s_lo == s_hi else n_inc, points)  # fixed: one node
    inc = _inc_of_s(0.5 * (s_lo + s_hi) + 0.5 * (s_hi - s_lo) * nodes, q_flat)
    return np.clip(inc, low, high), nodes  # clipped: rounding at the ends


def _chebyshev_coefficients(nodes, values, axis=0):
    """The coefficients, along ``axis``, of the Chebyshev interpolant of ``values`` at ``nodes``."""
    moved = np.moveaxis(values, axis, 0)
    coef = chebyshev.chebfit(nodes, moved.reshape(len(nodes), -1), len(nodes) - 1)
    return np.moveaxis(coef.reshape(moved.shape), 0, axis)


def _chebyshev_points(n, points="first"):
    """The ``n`` Chebyshev points of the first or second kind in [-1, 1], descending."""
    n = int(n)
    if points == "first":
        return np.cos(np.pi * (np.arange(n) + 0.5) / n)
    if points != "second":
        raise ValueError(f"points={points!r} must be 'first' or 'second'")
    return np.zeros(1) if n == 1 else np.cos(np.pi * np.arange(n) / (n - 1))


def component_units(lum, distance):
    """The mass (Msun) of unit weight in a table: the light's total, in Lsun.

    Parameters
    ----------
    lum : tuple of array-like
        ``(surf, sigma, qobs)`` of the luminous MGE.
    distance : float
        Distance in Mpc.

    Returns
    -------
    unit : float
    """
    surf, sigma, qobs = (np.asarray(v, dtype=float) for v in lum)
    return float((2 * np.pi * surf * qobs * (sigma * arcsec_to_pc(distance)) ** 2).sum())
