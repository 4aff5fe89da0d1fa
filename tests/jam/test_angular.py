"""The spherically aligned model with ``beta(theta)`` (:mod:`sklearn_jam.jam.angular`).

The engine integrates the Jeans solution along curved characteristics with fixed rules;
its truths are the adaptive-quadrature solution of :mod:`sklearn_jam.jam.reference`
(vendored: ``sph_reference_eq37.npz`` for jampy 9's eq. (37), ``sph_reference.npz``
with its constant anisotropy given as a function), the analytic engine where the
anisotropy is constant, and, under Python 3.12 with jampy 9, jampy 9 at converged
settings where its line of sight is long enough.
"""

import pickle

import numpy as np
import pytest
import torch
from _helpers import DATA, JAMPY9_CONVERGED, MGE_ARGS, jampy9_inner_points

from sklearn_jam.jam import jam_axi_sph, spherical
from sklearn_jam.jam._base import check_arguments, prepare_arguments, to_batch
from sklearn_jam.jam.angular import (
    Characteristic,
    MeridionalInterpolant,
    SkyInterpolant,
    angular_surface_moments,
    intrinsic_moments,
    meridional_grid,
    per_unit_light,
    projected_moments,
    sky_grid,
)
from sklearn_jam.jam.anisotropy import ConstantBeta, CylindricalLikeBeta
from sklearn_jam.jam.constants import arcsec_to_pc
from sklearn_jam.jam.crosscheck import jampy_major_version
from sklearn_jam.jam.sersic import sersic_mge

EQ37_REFERENCE = DATA / "sph_reference_eq37.npz"
SPH_REFERENCE = DATA / "sph_reference.npz"


def _model(ref, i, beta):
    """The engine's arguments for model ``i`` of a reference file, with ``beta``."""
    args = [ref[k][i] for k in MGE_ARGS] + [ref["inc"][i], beta, ref["x"][i], ref["y"][i]]
    return args, dict(distance=ref["distance"][i], mbh=ref["mbh"][i])


def _constant(value):
    """A constant anisotropy as a function of theta (module level: it pickles)."""
    return lambda theta: value + 0 * theta


@pytest.mark.slow
@pytest.mark.parametrize("index", range(6))
def test_engine_matches_the_eq37_truth_at_its_defaults(index):
    """Six hard models (a black hole, a q = 0.2 disk with a halo, near the inclination
    limit, face-on, edge-on with ratio > 1) with jampy 9's eq. (37): within 1e-5."""
    ref = np.load(EQ37_REFERENCE)
    args, kw = _model(ref, index, CylindricalLikeBeta(ref["ratio"][index]))
    vrms = jam_axi_sph(*args, **kw)
    truth = ref["vrms"][index]
    assert np.max(np.abs(vrms / truth - 1)) < 1e-5, ref["kind"][index]


@pytest.mark.slow
@pytest.mark.parametrize("index", range(6))
def test_unconvolved_meridional_grid_route_matches_the_eq37_truth(index, monkeypatch):
    """The six hard models' points through the meridional grid's moments, the route of
    ``MERIDIONAL_MIN_POINTS`` points or more without a PSF (forced here for six):
    within 1e-5 (6.7e-7 measured, as the line-of-sight rule)."""
    monkeypatch.setattr(spherical, "MERIDIONAL_MIN_POINTS", 1)
    ref = np.load(EQ37_REFERENCE)
    args, kw = _model(ref, index, CylindricalLikeBeta(ref["ratio"][index]))
    vrms = jam_axi_sph(*args, **kw)
    assert np.max(np.abs(vrms / ref["vrms"][index] - 1)) < 1e-5, ref["kind"][index]


def test_many_unconvolved_points_take_the_meridional_grid_within_the_rules_accuracy():
    """48 points on isophotes to 3 r_e of an exponential q = 0.2 disk at 79 deg with eq. (37): the
    meridional grid's moments meet the line-of-sight rule at the points to 2e-6 (5.7e-7
    measured at these 32 nodes, 3.5e-9 at the default 64); a
    point at the centre, or fewer points, keep the rule."""
    surf, sigma = sersic_mge(np.array([1.0]))
    surf, sigma, qobs = surf[0], 5 * sigma[0], np.full(surf[0].size, 0.2)
    radius, angle = np.geomspace(0.3, 15, 48), np.linspace(0, np.pi / 2, 48)
    x, y = radius * np.cos(angle), 0.2 * radius * np.sin(angle)  # on the isophotes
    args = (surf, sigma, qobs, surf, sigma, qobs, 79.0, CylindricalLikeBeta(0.7), x, y)
    kw = dict(distance=10.0, n_nodes=32)
    grid = jam_axi_sph(*args, **kw)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(spherical, "MERIDIONAL_MIN_POINTS", x.size + 1)
        rule = jam_axi_sph(*args, **kw)
    assert np.max(np.abs(grid / rule - 1)) < 2e-6
    assert not np.array_equal(grid, rule)  # the two routes were taken
    assert spherical._many_points(x[None], y[None])
    assert not spherical._many_points(np.append(x, 0.0)[None], np.append(y, 0.0)[None])
    assert not spherical._many_points(x[None, :31], y[None, :31])


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["typical", "black_hole", "near_limit", "edge_on_tangential"])
def test_constant_beta_as_a_function_matches_the_constant_beta_truth(kind):
    """The curved-characteristic engine given a constant: the analytic model's truth."""
    ref = np.load(SPH_REFERENCE)
    i = [str(k) for k in ref["kind"]].index(kind)
    args, kw = _model(ref, i, _constant(float(ref["beta"][i][0])))
    assert np.max(np.abs(jam_axi_sph(*args, **kw) / ref["vrms"][i] - 1)) < 1e-5


def test_isotropic_eq37_is_the_analytic_isotropic_model():
    """ratio = 1 is beta = 0 everywhere: the analytic engine's model, to its accuracy."""
    surf, sigma, qobs = np.array([2e4, 3e3]), np.array([0.8, 5.0]), np.array([0.85, 0.4])
    x, y = np.array([0.1, 1.0, 3.0, 0.0]), np.array([0.05, 0.7, 0.0, 2.0])
    args = (surf, sigma, qobs, 3 * surf, sigma, qobs, 70.0)
    got = jam_axi_sph(*args, CylindricalLikeBeta(1.0), x, y, distance=15.0, mbh=1e7)
    want = jam_axi_sph(*args, 0.0, x, y, distance=15.0, mbh=1e7)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_jampy_style_beta_function_is_taken_as_a_function_of_theta():
    """jampy 9's ``beta(r, theta) -> (beta, dbeta/dtheta)`` gives the same model."""
    beta = CylindricalLikeBeta(0.75)
    surf, sigma, qobs = np.array([1e4]), np.array([2.0]), np.array([0.6])
    x, y = np.array([0.5, 1.5]), np.array([0.3, 1.0])
    args = (surf, sigma, qobs, 2 * surf, sigma, qobs, 60.0)
    want = jam_axi_sph(*args, beta, x, y, distance=10.0)
    np.testing.assert_array_equal(jam_axi_sph(*args, beta.jampy, x, y, distance=10.0), want)


def test_threads_and_batches_give_the_same_values():
    """``n_jobs`` threads share the points; a batch of galaxies is each galaxy alone."""
    surf, sigma, qobs = np.array([2e4, 3e3]), np.array([0.8, 5.0]), np.array([0.85, 0.6])
    x, y = np.geomspace(0.1, 8, 9), np.linspace(0.05, 3, 9)
    args = (surf, sigma, qobs, 3 * surf, sigma, qobs)
    beta = CylindricalLikeBeta(0.8)
    alone = [jam_axi_sph(*args, inc, beta, x, y, distance=12.0, n_nodes=24) for inc in (60, 80)]
    threads = jam_axi_sph(*args, 60.0, beta, x, y, distance=12.0, n_nodes=24, n_jobs=2)
    np.testing.assert_array_equal(threads, alone[0])
    batch = jam_axi_sph(*args, np.array([60.0, 80.0]), beta, x, y, distance=12.0, n_nodes=24)
    np.testing.assert_array_equal(batch, np.array(alone))


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["typical", "black_hole", "near_limit", "flat_disk_halo"])
def test_convolved_constant_beta_as_a_function_is_the_analytic_convolved_model(kind):
    """A two-Gaussian PSF and 0.2" spaxels: the grid, its interpolant and the product rules
    against the analytic engine's closed-form convolution (itself held to a brute-force
    2-D integral), with the same constant beta; within 1e-5 (6.6e-7 to 4.6e-6 measured;
    the flat disk and the model near the limit on stretched meridional grids)."""
    ref = np.load(SPH_REFERENCE)
    i = [str(k) for k in ref["kind"]].index(kind)
    beta = float(ref["beta"][i][0])
    psf = dict(sigmapsf=[0.1, 0.5], normpsf=[0.6, 0.4], pixsize=0.2)
    args, kw = _model(ref, i, _constant(beta))
    got = jam_axi_sph(*args, **kw, **psf)
    args[7] = beta
    np.testing.assert_allclose(got, jam_axi_sph(*args, **kw, **psf), rtol=1e-5)


def test_spaxels_without_a_psf_are_the_mean_of_their_sub_points():
    """An explicit ``pixel_nodes`` and no PSF: the analytic engine's rule, the same beta."""
    surf, sigma, qobs = np.array([1e4, 2e3]), np.array([0.7, 3.0]), np.array([0.8, 0.6])
    args = (surf, sigma, qobs, 2 * surf, sigma, qobs, 60.0)
    x, y = np.array([0.3, 1.5]), np.array([0.1, 1.0])
    spaxel = dict(pixsize=0.4, pixel_nodes=3, distance=10.0)
    got = jam_axi_sph(*args, _constant(0.1), x, y, n_nodes=48, **spaxel)
    np.testing.assert_allclose(got, jam_axi_sph(*args, 0.1, x, y, **spaxel), rtol=1e-5)


def test_tiny_psf_tends_to_the_unconvolved_model():
    surf, sigma, qobs = np.array([1e4, 2e3]), np.array([0.7, 3.0]), np.array([0.8, 0.6])
    args = (surf, sigma, qobs, 2 * surf, sigma, qobs, 60.0, CylindricalLikeBeta(0.8))
    x, y = np.array([0.3, 1.5, 0.0]), np.array([0.1, 1.0, 2.0])
    points = jam_axi_sph(*args, x, y, distance=10.0, n_nodes=16)
    tiny = jam_axi_sph(*args, x, y, distance=10.0, n_nodes=16, sigmapsf=1e-4)
    np.testing.assert_allclose(tiny, points, rtol=2e-5)


def test_torch_with_a_beta_function_is_refused():
    surf = torch.tensor([1e4], dtype=torch.float64)
    one = torch.tensor([1.0], dtype=torch.float64)
    with pytest.raises(TypeError, match="NumPy only"):
        jam_axi_sph(
            surf, 2 * one, 0.6 * one, 2 * surf, 2 * one, 0.6 * one, 60.0,
            CylindricalLikeBeta(0.8), one, 0.5 * one, distance=10.0,
        )  # fmt: skip


def test_unphysical_beta_function_is_refused_naming_it():
    with pytest.raises(ValueError, match="below 1"):
        Characteristic(lambda theta: 1.2 + 0 * theta)


def test_beta_function_returning_a_constant_is_taken():
    """``lambda theta: 0.2`` (a float, not an array) is the constant 0.2."""
    surf, sigma, qobs = np.array([1e4]), np.array([2.0]), np.array([0.6])
    args = (surf, sigma, qobs, 2 * surf, sigma, qobs, 60.0)
    x, y = np.array([0.5, 1.5]), np.array([0.3, 1.0])
    got = jam_axi_sph(*args, lambda theta: 0.2, x, y, distance=10.0, n_nodes=24)
    want = jam_axi_sph(*args, _constant(0.2), x, y, distance=10.0, n_nodes=24)
    np.testing.assert_array_equal(got, want)


def test_beta_function_of_the_wrong_shape_is_refused():
    with pytest.raises(ValueError, match=r"beta\(theta\) must return one value per point"):
        Characteristic(lambda theta: np.zeros(3))


def test_beta_function_not_symmetric_about_the_equator_is_refused():
    with pytest.raises(ValueError, match="even about the equator"):
        Characteristic(lambda theta: 0.1 * np.cos(theta))


def test_characteristic_table_inverts_itself():
    char = Characteristic(CylindricalLikeBeta(0.6))
    w = np.array([-20.0, -13.9, -5.0, -0.3, -1e-6])
    np.testing.assert_allclose(char.w_of_t(char.t_of_w(w)), w, rtol=1e-9, atol=1e-11)


def test_one_beta_function_per_galaxy_is_each_galaxys_own_call():
    """A batch of one galaxy's mass components and anisotropies under a PSF shares one
    convolution; each galaxy's values are those of its own call."""
    surf, sigma, qobs = np.array([1e4, 2e3]), np.array([0.7, 3.0]), np.array([0.8, 0.6])
    pots = [(2 * surf, sigma, qobs), (surf, 2 * sigma, qobs)]
    betas = [CylindricalLikeBeta(0.8), ConstantBeta(0.2)]
    x, y = np.array([0.3, 1.5]), np.array([0.1, 1.0])
    kw = dict(distance=10.0, n_nodes=16, sigmapsf=0.4, pixsize=0.3)
    lum = [np.tile(v, (2, 1)) for v in (surf, sigma, qobs)]
    pot = [np.stack([p[k] for p in pots]) for k in range(3)]
    batch = jam_axi_sph(*lum, *pot, 60.0, betas, x, y, **kw)
    for g in range(2):
        alone = jam_axi_sph(surf, sigma, qobs, *pots[g], 60.0, betas[g], x, y, **kw)
        np.testing.assert_allclose(batch[g], alone, rtol=1e-13)


def test_beta_functions_not_one_per_galaxy_are_refused():
    surf, sigma, qobs = np.array([1e4]), np.array([2.0]), np.array([0.6])
    lum = [np.tile(v, (3, 1)) for v in (surf, sigma, qobs)]
    x, y = np.array([0.5]), np.array([0.3])
    with pytest.raises(ValueError, match="2 functions of theta for 3 galaxies"):
        jam_axi_sph(*lum, *lum, 60.0, [ConstantBeta(0.1)] * 2, x, y, distance=10.0)
    with pytest.raises(ValueError, match="mixes functions of theta and constants"):
        jam_axi_sph(*lum, *lum, 60.0, [ConstantBeta(0.1), 0.2, 0.3], x, y, distance=10.0)


def _deprojected_m32_like(inc=60.0):
    """M32-like light and mass, deprojected at ``inc``: ``(xp, lum, pot, pc)``."""
    from sklearn_jam.jam import spherical

    surf, sigma, qobs = (
        np.array([1e5, 1e4, 1e3]),
        np.array([0.1, 1.0, 8.0]),
        np.array([0.9, 0.7, 0.6]),
    )
    args = dict(
        surf_lum=surf, sigma_lum=sigma, qobs_lum=qobs, beta=0.0, surf_pot=surf, sigma_pot=sigma,
        qobs_pot=qobs, x=np.ones(1), y=np.ones(1), inc=inc, distance=1.0, mbh=1e6, rbh=0.01,
    )  # fmt: skip
    xp, m, _ = prepare_arguments(args)
    m = to_batch(xp, m, check_arguments(xp, m, None))
    pc = float(arcsec_to_pc(1.0))
    lum, pot, _ = spherical._deproject(xp, m, np.array([[pc]]))
    return xp, *(tuple(v[0] for v in part) for part in (lum, pot)), pc


def _direct_moments(xp, big_r, z, lum, pot, mbh, pc, char, n_nodes, n_u=160):
    """``P`` and ``nu <v_phi^2>`` at the points with force terms at every node (no table).

    By radius groups, whose smallest radius cuts the ``u`` rule, with ``n_u`` nodes in
    it and in the black hole's rule (160: 1e-12 of ``G M / r^3``; 64 leave 6e-5).
    """
    from sklearn_jam.jam import spherical
    from sklearn_jam.jam._quadrature import radius_groups

    p, nu_v2phi = np.empty_like(big_r), np.empty_like(big_r)
    r_group, group = radius_groups(np.hypot(big_r, z) / pc, 2)
    for k, r_k in enumerate(r_group):
        r_k = np.array([r_k * pc])
        reach = spherical._D_MAX * lum[1].max() + r_k
        terms = spherical._mass_terms(xp, tuple(v[None] for v in pot), np.array([mbh]), n_u,
                                      r_k, reach)  # fmt: skip
        idx = group == k
        p[idx], nu_v2phi[idx] = intrinsic_moments(
            big_r[idx], z[idx], lum, tuple(v[0] for v in terms), char, n_nodes
        )[:2]
    return p, nu_v2phi


def test_meridional_grid_interpolates_the_intrinsic_moments():
    """The moments on the meridional grid, interpolated, against the direct computation
    between its nodes (M32-like light, a black hole): within 1e-5 of ``P`` where the
    light is not negligible."""
    from sklearn_jam.jam import spherical

    xp, lum, pot, pc = _deprojected_m32_like()
    char = Characteristic(CylindricalLikeBeta(0.8))
    radii, angles, stretch, big_r, z = meridional_grid(1e-3 * pc, 60 * pc, min(lum[2]))
    forces = spherical._grid_forces(xp, radii[0], radii[-1], min(lum[2]), lum, pot, 1e6, pc, 64)
    grid = spherical._grid_moments(xp, big_r, z, lum, forces, char, 64, 1)
    interp = MeridionalInterpolant(radii, angles, *grid, lum, char, stretch)
    rng = np.random.default_rng(1)
    r, angle = np.exp(rng.uniform(np.log(2e-3), np.log(20), 60)) * pc, rng.uniform(0, np.pi / 2, 60)
    big_r, z = r * np.cos(angle), r * np.sin(angle)
    p, nu_v2phi = _direct_moments(xp, big_r, z, lum, pot, 1e6, pc, char, 64)
    p_i, nu_v2phi_i, beta0 = interp(big_r, z)
    np.testing.assert_allclose(p_i, p, rtol=1e-5)
    np.testing.assert_allclose(nu_v2phi_i, nu_v2phi, rtol=1e-5)
    np.testing.assert_allclose(beta0, CylindricalLikeBeta(0.8)(np.arctan2(big_r, z)))


def test_force_table_is_the_exact_forces_between_its_points():
    """:class:`ForceInterpolant` (the mass Gaussians tabulated, the black hole in closed
    form) against the exact force terms at points between its nodes, where the light
    reaches: within 1e-7 of ``F_z``; a black hole alone is ``G M / r^3`` exactly."""
    from sklearn_jam.jam import spherical
    from sklearn_jam.jam.angular import _forces
    from sklearn_jam.jam.constants import G_JAMPY

    xp, lum, pot, pc = _deprojected_m32_like()
    table = spherical._grid_forces(xp, 1e-3 * pc, 40 * pc, min(lum[2]), lum, pot, 1e6, pc, 64)
    rng = np.random.default_rng(2)
    r, angle = np.exp(rng.uniform(np.log(2e-3), np.log(60), 80)) * pc, rng.uniform(0, np.pi / 2, 80)
    big_r2, z2 = (r * np.cos(angle)) ** 2, (r * np.sin(angle)) ** 2
    for k in range(r.size):  # each point with the terms cut at its own radius
        cut = np.array([r[k]])
        terms = spherical._mass_terms(xp, tuple(v[None] for v in pot), np.array([1e6]), 160,
                                      cut, spherical._D_MAX * lum[1].max() + cut)  # fmt: skip
        exact = _forces(big_r2[k : k + 1], z2[k : k + 1], tuple(v[0] for v in terms))
        ours = table(big_r2[k : k + 1], z2[k : k + 1])
        for e, o in zip(exact, ours, strict=True):
            np.testing.assert_allclose(o, e, rtol=0, atol=1e-7 * abs(exact[0][0]))
    zero = (0 * pot[0], pot[1], pot[2])
    alone = spherical._grid_forces(xp, 1e-3 * pc, 40 * pc, min(lum[2]), lum, zero, 1e6, pc, 64)
    f_z, f_rz, r_df_z = alone(big_r2, z2)
    np.testing.assert_allclose(f_z, G_JAMPY * 1e6 / r**3, rtol=1e-12)
    np.testing.assert_allclose(r_df_z, -3 * f_z, rtol=1e-12)
    np.testing.assert_allclose(f_rz, 0, atol=1e-12 * f_z.max())


def test_projected_moments_are_each_galaxys_line_of_sight_rule():
    """One matrix for galaxies sharing light and inclination (two anisotropies, two
    masses) gives each one's line-of-sight integral of its interpolated moments, as the
    per-galaxy rule (:class:`MeridionalInterpolant` in :func:`angular_surface_moments`)."""

    xp, lum, pot, pc = _deprojected_m32_like(inc=70.0)
    inc_rad = np.radians(70.0)
    radii, angles, stretch, big_r, z = meridional_grid(1e-2 * pc, 80 * pc, min(lum[2]))
    theta = np.arctan2(big_r, z)
    rng = np.random.default_rng(4)
    x, y = rng.uniform(0.02, 6, (2, 40)) * pc
    per_galaxy, moments = [], []
    for ratio, mbh, scale in ((0.8, 1e6, 1.0), (1.3, 0.0, 0.3)):
        char = Characteristic(CylindricalLikeBeta(ratio))
        pot_k = (pot[0] * scale, *pot[1:])
        p, nu_v2phi = _direct_moments(xp, big_r, z, lum, pot_k, mbh, pc, char, 32)
        interp = MeridionalInterpolant(radii, angles, p, nu_v2phi, lum, char, stretch)
        per_galaxy.append(angular_surface_moments(x, y, lum, inc_rad, interp, 32))
        moments.append(np.stack([p, (1 - char.beta(theta)) * p, nu_v2phi], -1))
    fields = SkyInterpolant(
        radii, angles, per_unit_light(radii, angles, np.stack(moments, -1), lum, stretch), stretch
    )
    both = projected_moments(x, y, lum, inc_rad, fields, 32)
    assert both.shape == (40, 2)
    np.testing.assert_allclose(both, np.stack(per_galaxy, -1), rtol=1e-9)


def test_sky_interpolant_design_is_the_interpolant():
    """Its linear map (the spline's sparse basis times the cosines) gives its values,
    inside the innermost radius (the linear continuation) and beyond the outermost too."""
    radii, angles, x, y = sky_grid(0.01, 10.0)
    fields = np.stack([np.exp(-0.1 * (x**2 + 2 * y**2)), np.log(1 + 1 / (x**2 + y**2))], -1)
    interp = SkyInterpolant(radii, angles, fields.reshape(radii.size, angles.size, 2))
    px, py = np.array([0.3, 2.0, 5.0, 1e-3, -4e-3, 11.0]), np.array([0.2, -1.0, 0.005, 2e-3, 0, 2])
    design, cosines = interp.design(px, py)
    assert design.shape == (6, radii.size) and cosines.shape == (6, angles.size)
    values = np.einsum("ni,nm,imf->nf", design.toarray(), cosines, interp.coefficients)
    np.testing.assert_allclose(values, interp(px, py), rtol=1e-12)


def _flat_and_round_dispersion(big_r, z, q=0.06):
    """A light-weighted ``sigma^2`` of a q = 0.06 Gaussian and a round one (1 to 2, smooth
    in r): it changes over ~q of polar angle near the equator, slowly elsewhere."""
    flat = np.exp(-0.5 * (big_r**2 + z**2 / q**2))
    round_ = 0.3 * np.exp(-2.0 * (big_r**2 + z**2))
    return (flat + 2 * round_) / (flat + round_) + 0.2 * big_r**2 / (1 + big_r**2 + z**2)


def test_stretched_meridional_grid_resolves_a_flat_gaussian_with_fewer_angles():
    """For q_min = 0.06 the grid's angles crowd towards the equator: its 65 angles
    interpolate a flat Gaussian's light-weighted dispersion within 1e-5 (3.5e-6
    measured), where 65 uniform angles leave 2e-3; both are exact at their points."""
    from sklearn_jam.jam.angular import _polar_points

    radii, angles, stretch, big_r, z = meridional_grid(0.1, 3.0, 0.06)
    assert angles.size == 65 and 0.39 < stretch < 0.41
    assert np.all(np.diff(np.arctan2(z, big_r)[: angles.size]) > 0)  # latitudes, in order
    rng = np.random.default_rng(5)
    r, a = np.exp(rng.uniform(np.log(0.2), np.log(1.5), 2000)), rng.uniform(0, np.pi / 2, 2000)
    px, py = r * np.cos(a), r * np.sin(a)
    errors = {}
    for s in (stretch, 1.0):
        gx, gy = _polar_points(radii, angles, s)
        values = _flat_and_round_dispersion(gx, gy)
        interp = SkyInterpolant(radii, angles, values.reshape(radii.size, -1), s)
        np.testing.assert_allclose(interp(gx, gy), values, rtol=1e-12)
        errors[s] = np.abs(interp(px, py) / _flat_and_round_dispersion(px, py) - 1).max()
    assert errors[stretch] < 1e-5 < 1e-4 < errors[1.0]


@pytest.mark.parametrize("q_min", [0.02, 0.06, 0.1, 0.2, 0.3, 0.376, 0.378, 0.6, 1.0])
def test_meridional_angles_meet_the_equator_and_the_axis(q_min):
    """``n / stretch`` angles' worth at the equator (one per q_min / 6), ``n stretch`` at
    the axis (25); no stretch where the equator asks no more than 25 (q_min > 0.377)."""
    from sklearn_jam.jam.angular import (
        MERIDIONAL_ANGLES_PER_Q,
        MERIDIONAL_MIN_ANGLES,
        _meridional_angles,
    )

    stretch, n = _meridional_angles(q_min)
    n_flat = MERIDIONAL_ANGLES_PER_Q * (np.pi / 2) / q_min
    assert n / stretch >= min(n_flat, MERIDIONAL_MIN_ANGLES) * (1 - 1e-12)
    assert n * stretch >= MERIDIONAL_MIN_ANGLES * (1 - 1e-12)
    assert (stretch == 1.0) == (n_flat <= MERIDIONAL_MIN_ANGLES)
    assert n <= max(n_flat, MERIDIONAL_MIN_ANGLES)


def test_sky_interpolant_of_several_fields_is_each_fields_own():
    radii, angles, x, y = sky_grid(0.01, 10.0)
    fields = np.stack([np.exp(-0.1 * (x**2 + 2 * y**2)), 1 / (1 + x**2 + y**2)], -1)
    both = SkyInterpolant(radii, angles, fields.reshape(radii.size, angles.size, 2))
    px, py = np.array([0.3, 2.0, 5.0]), np.array([0.2, 1.0, 0.005])
    for k in range(2):
        one = SkyInterpolant(radii, angles, fields[:, k].reshape(radii.size, -1))
        np.testing.assert_allclose(both(px, py)[:, k], one(px, py), rtol=1e-14)


class TestConstantBeta:
    def test_is_its_constant_everywhere_and_pickles(self):
        beta = ConstantBeta(0.3)
        np.testing.assert_array_equal(beta(np.linspace(0, np.pi, 5)), np.full(5, 0.3))
        assert pickle.loads(pickle.dumps(beta)) == beta and repr(beta) == "ConstantBeta(beta=0.3)"

    @pytest.mark.parametrize("value", [1.0, 2.0, np.nan])
    def test_bad_beta_is_refused_naming_it(self, value):
        with pytest.raises(ValueError, match="beta="):
            ConstantBeta(value)


class TestCylindricalLikeBeta:
    def test_values_on_the_axis_and_the_equator(self):
        beta = CylindricalLikeBeta(0.8)
        np.testing.assert_allclose(beta(np.array([0.0, np.pi / 2])), [1 - 0.8**-2, 1 - 0.8**2])

    def test_derivative_is_the_finite_difference(self):
        beta, theta, h = CylindricalLikeBeta(0.7), np.linspace(0.1, 1.5, 6), 1e-6
        numeric = (beta(theta + h) - beta(theta - h)) / (2 * h)
        np.testing.assert_allclose(beta.derivative(theta), numeric, rtol=1e-7)

    def test_torch_and_numpy_agree(self):
        beta, theta = CylindricalLikeBeta(1.3), np.linspace(0, np.pi, 7)
        np.testing.assert_allclose(beta(torch.tensor(theta)).numpy(), beta(theta), rtol=1e-14)

    def test_pickles_and_compares(self):
        beta = CylindricalLikeBeta(0.9)
        assert pickle.loads(pickle.dumps(beta)) == beta
        assert beta != CylindricalLikeBeta(0.8)
        assert repr(beta) == "CylindricalLikeBeta(ratio=0.9)"

    @pytest.mark.parametrize("ratio", [0.0, -0.5, np.inf, np.nan])
    def test_bad_ratio_is_refused_naming_it(self, ratio):
        with pytest.raises(ValueError, match="ratio="):
            CylindricalLikeBeta(ratio)


@pytest.mark.slow
@pytest.mark.skipif(jampy_major_version() != 9, reason="jampy 9's spherically aligned solver")
@pytest.mark.parametrize("kind", ["face_on_disk_eq37", "near_limit_eq37"])
def test_jampy9_converged_with_eq37_the_truth_and_the_engine_agree(kind):
    """jampy 9.0.2 with its examples' ``beta_fun``, where its line of sight is long enough.

    As for a constant beta (``test_spherical.py``), jampy 9 ends every line of sight at
    the widest luminous sigma, so the check takes the points within 0.35 of it.
    """
    from jampy.axi.jam_axi_proj import jam_axi_proj

    ref = np.load(EQ37_REFERENCE)
    i = [str(k) for k in ref["kind"]].index(kind)
    lum, pot, inner, args = jampy9_inner_points(ref, i)
    beta = CylindricalLikeBeta(ref["ratio"][i])
    jampy9 = jam_axi_proj(*args, beta=beta.jampy, plot=False, quiet=True, **JAMPY9_CONVERGED)
    np.testing.assert_allclose(jampy9.model, ref["vrms"][i][inner], rtol=1e-5)
    engine = jam_axi_sph(*lum, *pot, ref["inc"][i], beta, *args[-2:], distance=args[4])
    np.testing.assert_allclose(engine, jampy9.model, rtol=1e-5)
