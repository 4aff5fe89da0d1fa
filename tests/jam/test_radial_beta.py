"""The spherically aligned model with an anisotropy that varies with the radius.

jampy's logistic form (:class:`~sklearn_jam.jam.anisotropy.LogisticBeta`: jampy 8's
``logistic=True``, jampy 9's documented ``beta_fun``) and any ``beta(r, theta)``
(:class:`~sklearn_jam.jam.anisotropy.MeridionalBeta`), integrated along a curve from
every point (:class:`~sklearn_jam.jam.angular.MeridionalCharacteristic`). The truths:
the closed form of the logistic's characteristic (jampy 8's), the angular Jeans
equation by differences, the adaptive-quadrature solution
(:func:`~sklearn_jam.jam.reference.quad_vrms_sph`, vendored in
``sph_reference_radial.npz``), the analytic engine where the variation vanishes, and
jampy 8.1's and jampy 9's own solutions where they are installed.
"""

import pickle
import sys

import numpy as np
import pytest
from _helpers import DATA, JAMPY9_CONVERGED, MGE_ARGS, jampy9_inner_points

from sklearn_jam.jam import jam_axi_sph, spherical
from sklearn_jam.jam.angular import Characteristic, MeridionalCharacteristic, intrinsic_moments
from sklearn_jam.jam.anisotropy import (
    CylindricalLikeBeta,
    LogisticBeta,
    MeridionalBeta,
    angular_beta,
)
from sklearn_jam.jam.crosscheck import jampy_major_version
from sklearn_jam.jam.reference import _characteristic, mge_forces, quad_moments_sph

RADIAL_REFERENCE = DATA / "sph_reference_radial.npz"
LUM = (np.array([10.0, 3.0, 0.5]), np.array([30.0, 200.0, 800.0]), np.array([0.9, 0.3, 0.6]))
POT = (np.array([20.0, 2.0, 1.0]), np.array([20.0, 300.0, 1500.0]), np.array([0.8, 0.2, 0.95]))


class MixedBeta:
    """``beta(r, theta)``: the mean of a logistic in ``r`` and eq. (37) in ``theta``."""

    def __init__(self, logistic, ratio):
        self.logistic, self.eq37 = logistic, CylindricalLikeBeta(ratio)

    def __call__(self, r, theta):
        return 0.5 * (self.logistic(r, theta) + self.eq37(theta))


def _reference_beta(ref, i):
    """The ``beta(r, theta)`` of model ``i``, read back from its columns as
    ``scripts/make_sph_reference.py``'s ``RadialBeta`` wrote them."""
    logistic = LogisticBeta(*(float(ref[k][i]) for k in ("r_a", "beta_0", "beta_inf", "alpha")))
    ratio = float(ref["ratio"][i])
    return logistic if np.isnan(ratio) else MixedBeta(logistic, ratio)


def _model(ref, i):
    args = [ref[k][i] for k in MGE_ARGS] + [ref["inc"][i], _reference_beta(ref, i)]
    return args + [ref["x"][i], ref["y"][i]], dict(distance=ref["distance"][i], mbh=ref["mbh"][i])


class TestLogisticBeta:
    def test_values_and_limits(self):
        beta = LogisticBeta(100.0, -0.2, 0.4, 2.0)
        r = np.array([1e-3, 100.0, 1e7])
        np.testing.assert_allclose(beta(r, np.zeros(3)), [-0.2, 0.1, 0.4], atol=1e-9)

    def test_jampy_forms(self):
        beta = LogisticBeta(48.48, 0.1, 0.5, 2.0)
        value, slope = beta.jampy(np.array([10.0, 80.0]), np.array([0.3, 1.2]))
        np.testing.assert_array_equal(value, beta(np.array([10.0, 80.0]), 0))
        np.testing.assert_array_equal(slope, 0)
        np.testing.assert_allclose(beta.jampy8(48.48), [1.0, 0.1, 0.5, 2.0])

    def test_pickles_and_compares(self):
        beta = LogisticBeta(100.0, 0.0, 0.3, 2.0)
        assert pickle.loads(pickle.dumps(beta)) == beta
        assert repr(beta) == "LogisticBeta(r_a=100.0, beta_0=0.0, beta_inf=0.3, alpha=2.0)"

    @pytest.mark.parametrize(
        ("args", "name"),
        [((0.0, 0, 0, 1), "r_a"), ((1, 1.0, 0, 1), "beta_0"), ((1, 0, 2.0, 1), "beta_inf"),
         ((1, 0, 0, -1.0), "alpha"), ((np.nan, 0, 0, 1), "r_a")],
    )  # fmt: skip
    def test_bad_values_are_refused_naming_them(self, args, name):
        with pytest.raises(ValueError, match=f"{name}="):
            LogisticBeta(*args)


def test_beta_varying_with_radius_is_taken_as_a_function_of_r_and_theta():
    """A jampy 9 ``beta(r, theta)`` that varies with ``r`` becomes a MeridionalBeta; one
    that does not stays a function of theta."""
    beta = LogisticBeta(100.0, 0.0, 0.3, 2.0)
    radial = angular_beta(beta.jampy)
    assert isinstance(radial, MeridionalBeta)
    r, theta = np.array([10.0, 1e3]), np.array([0.2, 1.0])
    np.testing.assert_array_equal(radial(r, theta), beta(r, theta))
    assert not isinstance(angular_beta(CylindricalLikeBeta(0.8).jampy), MeridionalBeta)


def test_truth_characteristic_of_the_logistic_is_jampy8s_closed_form():
    """For ``beta(r)``, ``R^2 = R0^2 f`` and the integrating factor is ``f``, with
    ``f = (r/r0)^(2 beta_0) ((1 + (r/r_a)^alpha) / (1 + (r0/r_a)^alpha))^(2 (beta_inf -
    beta_0) / alpha)`` (jampy 8's ``integrand_sph``): the truth's curve and its factor
    ``(1 - beta) R^2 exp(J)`` to 1e-11."""
    beta = LogisticBeta(50.0, -0.2, 0.4, 2.5)
    r0, sin0 = 20.0, 0.6
    tau = np.linspace(0, 5, 11)
    sin_th, exp_j = (v[:, 0] for v in _characteristic(sin0, MeridionalBeta(beta), 6.0, r0)(tau))
    r = r0 * np.exp(tau)
    power = 2 * (beta.beta_inf - beta.beta_0) / beta.alpha
    f = (
        np.exp(2 * beta.beta_0 * tau)
        * ((1 + (r / beta.r_a) ** beta.alpha) / (1 + (r0 / beta.r_a) ** beta.alpha)) ** power
    )
    big_r2 = (r * sin_th) ** 2
    np.testing.assert_allclose(big_r2 / (r0 * sin0) ** 2, f, rtol=1e-11)
    factor = (1 - beta(r, 0)) * big_r2 * exp_j / ((1 - beta(r0, 0)) * (r0 * sin0) ** 2)
    np.testing.assert_allclose(factor, f, rtol=1e-11)


@pytest.mark.slow
@pytest.mark.parametrize(("big_r", "z"), [(60.0, 25.0), (400.0, 40.0), (15.0, 120.0)])
def test_truth_moments_with_beta_of_r_and_theta_satisfy_the_angular_jeans_equation(big_r, z):
    """The truth takes the radial equation; the angular one then holds by differences
    (1e-10 to 6e-9 of its terms measured), with beta varying in both r and theta."""
    beta = MeridionalBeta(MixedBeta(LogisticBeta(150.0, -0.3, 0.4, 2.0), 0.7))
    r, theta = np.hypot(big_r, z), np.arctan2(big_r, z)
    step = 2e-3
    side = theta + step * np.array([-2, -1, 1, 2])
    p_side = [quad_moments_sph(r * np.sin(t), r * np.cos(t), LUM, beta, POT)[0].sum() for t in side]
    d_sig2th = np.array([1, -8, 8, -1]) @ ((1 - beta(r, side)) * p_side) / (12 * step)
    p, v2phi = (v.sum() for v in quad_moments_sph(big_r, z, LUM, beta, POT))
    f_r, f_z = mge_forces(big_r, z, *POT)
    nu = np.sum(LUM[0] * np.exp(-(big_r**2 + (z / LUM[2]) ** 2) / (2 * LUM[1] ** 2)))
    sig2th = (1 - beta(r, theta)) * p
    terms = np.array([d_sig2th, (sig2th - v2phi) / np.tan(theta), nu * big_r * z * (f_r - f_z)])
    assert abs(terms.sum()) < 1e-7 * np.abs(terms).max()


@pytest.mark.slow
def test_engine_moments_match_the_truth_at_intrinsic_points():
    """``P`` and ``nu <v_phi^2>`` of the curve from every point (the shape's share of
    ``r dP/dr`` by a difference), against the truth, with 96 nodes: within 1e-7 (4.2e-8
    measured; the default 64 leave 1.7e-6 at 3 pc, as for a beta(theta))."""
    beta = MeridionalBeta(MixedBeta(LogisticBeta(150.0, -0.3, 0.4, 2.0), 0.7))
    big_r, z = np.array([60.0, 400.0, 15.0, 3.0]), np.array([25.0, 40.0, 120.0, 0.5])
    from sklearn_jam.jam import spherical
    from sklearn_jam.jam._base import namespace

    xp = namespace(np.ones(1))
    cut = np.array([3.0])
    terms = spherical._mass_terms(xp, tuple(v[None] for v in POT), np.zeros(1), 96, cut,
                                  spherical._D_MAX * LUM[1].max() + cut)  # fmt: skip
    char = MeridionalCharacteristic(beta)
    p, nu_v2phi, beta0 = intrinsic_moments(big_r, z, LUM, tuple(v[0] for v in terms), char, 96)
    truth = np.array([[v.sum() for v in quad_moments_sph(R, h, LUM, beta, POT)]
                      for R, h in zip(big_r, z, strict=True)])  # fmt: skip
    np.testing.assert_allclose(p, truth[:, 0], rtol=1e-7)
    np.testing.assert_allclose(nu_v2phi, truth[:, 1], rtol=1e-7)
    np.testing.assert_allclose(beta0, beta(np.hypot(big_r, z), np.arctan2(big_r, z)))


def test_logistic_without_a_variation_is_the_constant_beta_model():
    """``beta_0 = beta_inf`` is a constant: the analytic engine's model, to its accuracy."""
    surf, sigma, qobs = np.array([2e4, 3e3]), np.array([0.8, 5.0]), np.array([0.85, 0.4])
    x, y = np.array([0.1, 1.0, 3.0, 0.0]), np.array([0.05, 0.7, 0.0, 2.0])
    args = (surf, sigma, qobs, 3 * surf, sigma, qobs, 70.0)
    got = jam_axi_sph(*args, LogisticBeta(100.0, 0.2, 0.2, 2.0), x, y, distance=15.0)
    want = jam_axi_sph(*args, 0.2, x, y, distance=15.0)
    np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("index", range(4))
def test_engine_matches_the_radial_truth_at_its_defaults(index):
    """Four hard models with a logistic beta(r) (a black hole inside its transition, near
    the inclination limit) and one with beta(r, theta) (a q = 0.2 disk with a halo):
    within 1e-5 of the vendored adaptive-quadrature truth."""
    ref = np.load(RADIAL_REFERENCE)
    args, kw = _model(ref, index)
    vrms = jam_axi_sph(*args, **kw)
    assert np.max(np.abs(vrms / ref["vrms"][index] - 1)) < 1e-5, ref["kind"][index]


@pytest.mark.slow
@pytest.mark.parametrize("index", range(4))
def test_unconvolved_meridional_grid_route_matches_the_radial_truth(index, monkeypatch):
    """The four models' points through the meridional grid's moments (a curve per grid
    point), the route of ``MERIDIONAL_MIN_POINTS`` points or more without a PSF (forced
    here for four): within 1e-5 of the truth."""
    monkeypatch.setattr(spherical, "MERIDIONAL_MIN_POINTS", 1)
    ref = np.load(RADIAL_REFERENCE)
    args, kw = _model(ref, index)
    vrms = jam_axi_sph(*args, **kw)
    assert np.max(np.abs(vrms / ref["vrms"][index] - 1)) < 1e-5, ref["kind"][index]


@pytest.mark.slow
def test_convolved_radial_path_is_the_analytic_convolved_model_where_beta_barely_varies():
    """A two-Gaussian PSF and 0.2" spaxels through the meridional grid with a curve per
    point: a logistic varying by 1e-7 is the constant's analytic convolved model."""
    surf, sigma, qobs = np.array([3e4, 5e3]), np.array([0.5, 2.5]), np.array([0.75, 0.7])
    args = (surf, sigma, qobs, 3 * surf, sigma, qobs, 60.0)
    x, y = np.array([0.1, 1.0, 3.0]), np.array([0.05, 0.8, 0.0])
    psf = dict(sigmapsf=[0.1, 0.5], normpsf=[0.6, 0.4], pixsize=0.2, distance=10.0)
    beta = LogisticBeta(100.0, 0.2, 0.2 + 1e-7, 2.0)
    assert isinstance(angular_beta(beta), MeridionalBeta)
    got = jam_axi_sph(*args, beta, x, y, **psf)
    np.testing.assert_allclose(got, jam_axi_sph(*args, 0.2, x, y, **psf), rtol=1e-5)


def test_meridional_characteristic_refuses_beta_of_one_or_above_naming_it():
    with pytest.raises(ValueError, match="below 1 for r in"):
        MeridionalCharacteristic(MeridionalBeta(lambda r, theta: 1.5 * r / (r + 100.0)))


def test_meridional_characteristic_refuses_beta_not_even_about_the_equator():
    with pytest.raises(ValueError, match="even about the equator"):
        MeridionalCharacteristic(MeridionalBeta(lambda r, theta: 0.1 * np.cos(theta) * r / (r + 1)))


def test_meridional_beta_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match="one value per point"):
        MeridionalBeta(lambda r, theta: np.zeros(3))(np.ones(4), np.ones(4))


def test_a_curve_per_point_is_the_shifted_curve_where_beta_does_not_vary_with_r():
    """The Runge-Kutta curve of a beta(theta) given as a MeridionalBeta is the tabulated
    one's (``w`` and the factor, to 1e-6; 1.5e-7 measured at the default step, 1.4e-8 at
    0.02)."""
    eq37 = CylindricalLikeBeta(0.7)
    tabulated = Characteristic(eq37)
    per_point = MeridionalCharacteristic(MeridionalBeta(lambda r, theta: eq37(theta) + 0 * r))
    r0, w0 = np.array([3.0, 40.0]), np.log(np.array([0.9, 0.2]))
    rho = 1 + np.geomspace(1e-6, 200, 30)[None].repeat(2, 0)
    for got, want in zip(per_point.along(r0, w0, rho), tabulated.along(r0, w0, rho), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-6)


@pytest.mark.skipif(jampy_major_version() != 8, reason="jampy 8.1's intrinsic logistic solution")
@pytest.mark.parametrize(("big_r", "z"), [(100.0, 20.0), (10.0, 1.0), (200.0, 200.0)])
def test_truth_moments_match_jampy8s_logistic(big_r, z):
    """jampy 8.1's ``logistic=True`` (its 2-D quadrature of C20's solution with the
    logistic's closed form), to its accuracy."""
    from jampy.axi.jam_axi_intr import intrinsic_moments_sph

    beta = LogisticBeta(150.0, -0.3, 0.4, 2.0)
    p, v = quad_moments_sph(big_r, z, LUM, MeridionalBeta(beta), POT)
    nu = np.sum(LUM[0] * np.exp(-(big_r**2 + (z / LUM[2]) ** 2) / (2 * LUM[1] ** 2)))
    logistic = beta.jampy8(1.0)  # r_a in pc already: jampy's intrinsic routine takes pc
    sig2r, _, _, v2phi, _ = intrinsic_moments_sph(
        big_r, z, *LUM, *POT, 0.0, logistic, np.array([1.0, 0, 0, 1]), True, 1e-12
    )
    assert p.sum() / nu == pytest.approx(sig2r, rel=1e-5)
    assert v.sum() / nu == pytest.approx(v2phi, rel=1e-5)


@pytest.mark.slow
@pytest.mark.skipif(jampy_major_version() != 9, reason="jampy 9's spherically aligned solver")
@pytest.mark.skipif(sys.version_info < (3, 12), reason="jampy 9 needs Python >= 3.12")
def test_jampy9_converged_with_a_logistic_the_truth_and_the_engine_agree():
    """jampy 9.0.2 with its documented logistic ``beta_fun``, near the inclination limit,
    where its line of sight is long enough (6.6e-6 measured; on the typical model jampy 9
    is 1e-3 off with a constant beta as with the logistic, ``docs/physics.rst``)."""
    from jampy.axi.jam_axi_proj import jam_axi_proj

    ref = np.load(RADIAL_REFERENCE)
    i = [str(k) for k in ref["kind"]].index("near_limit_radial")
    lum, pot, inner, args = jampy9_inner_points(ref, i)
    beta = _reference_beta(ref, i)
    jampy9 = jam_axi_proj(*args, beta=beta.jampy, plot=False, quiet=True, **JAMPY9_CONVERGED)
    np.testing.assert_allclose(jampy9.model, ref["vrms"][i][inner], rtol=1e-5)
    engine = jam_axi_sph(*lum, *pot, ref["inc"][i], beta, *args[-2:], distance=args[4])
    np.testing.assert_allclose(engine, ref["vrms"][i][inner], rtol=1e-5)
