import warnings

import numpy as np
import pytest
from _helpers import failing_vrms, requires_jampy8, toy_vrms
from joblib import parallel_config
from sklearn.pipeline import make_pipeline

from sklearn_jam import JamSimulator, SimulationFailureWarning, sample_prior
from sklearn_jam.grid import PolarGrid
from sklearn_jam.jam import sersic_vrms


def test_reproduces_reference_maps(reference):
    """The engine on the reference's own MGEs gives its exact maps (SPEC section 5)."""
    from sklearn_jam.jam import scaled_mge_vrms

    params, surf = reference["sersic_params"], np.nan_to_num(reference["sersic_mge_surf"])
    sigma_re = np.where(surf > 0, reference["sersic_mge_sigma"], 1.0)  # zero-weight padding
    rad, ang = np.meshgrid(reference["rad"], reference["ang"], indexing="ij")
    x, y = (rad * np.cos(ang)).ravel(), (rad * np.sin(ang)).ravel()
    n_ser, r_ser, q_l, q_m, beta_z, inc = params.T
    vrms = scaled_mge_vrms(surf, sigma_re, r_ser, q_l, q_m, beta_z, inc, x, y, distance=10.0)
    np.testing.assert_allclose(vrms, reference["sersic_y"], rtol=1e-6)


@requires_jampy8
@pytest.mark.slow
def test_simulator_equals_jampy_analytic_path():
    """The default engine and ``backend='jampy'`` (jam_axi_proj itself) agree."""
    params = sample_prior(3, random_state=8)
    ours = JamSimulator().transform(params)
    theirs = JamSimulator(backend="jampy").transform(params)
    np.testing.assert_allclose(ours, theirs, rtol=1e-6)


@pytest.mark.slow
def test_distance_invariance():
    grid = PolarGrid()
    p = sample_prior(1, random_state=3)[0]
    a = sersic_vrms(*p, grid.x, grid.y, distance=10.0)
    b = sersic_vrms(*p, grid.x, grid.y, distance=35.0)
    np.testing.assert_allclose(a, b, rtol=1e-6)


def test_transform_shapes_and_names():
    sim = JamSimulator(vrms_func=toy_vrms)
    p = sample_prior(5, random_state=0)
    out = sim.fit(p).transform(p)
    assert out.shape == (5, 200)
    assert sim.get_feature_names_out()[0] == "vrms_r00_t00"
    np.testing.assert_array_equal(
        make_pipeline(JamSimulator(vrms_func=toy_vrms)).fit_transform(p), out
    )


def test_features_layout():
    sim = JamSimulator()
    p = sample_prior(3, random_state=1)
    X = sim.features(p)
    assert X.shape == (3, 3 + 64 * 64)
    np.testing.assert_array_equal(X[:, :3], p[:, 3:6])
    np.testing.assert_allclose(X[:, 3:].reshape(3, 64, 64), sim.images(p))
    assert list(sim.feature_names()[:4]) == ["q_m", "beta_z", "inc", "pix_00_00"]


def test_make_dataset_bunch():
    sim = JamSimulator(vrms_func=toy_vrms, random_state=0)
    data = sim.make_dataset(6)
    assert data.X.shape == (6, 4099) and data.y.shape == (6, 200)
    assert data.images.shape == (6, 64, 64) and data.params.shape == (6, 6)
    assert data.failures == []
    np.testing.assert_array_equal(data.params, sample_prior(6, random_state=0))
    np.testing.assert_array_equal(data.y, sim.transform(data.params))


def test_failures_are_reported_not_fatal():
    p = sample_prior(12, random_state=4)
    sim = JamSimulator(vrms_func=failing_vrms, batch_size=5)
    with pytest.warns(SimulationFailureWarning, match=r"JAM failed for \d+ of 12 .*deliberate"):
        out = sim.transform(p)
    bad = p[:, 4] < 0
    assert np.isnan(out[bad]).all() and np.isfinite(out[~bad]).all()
    with pytest.raises(RuntimeError, match="deliberate failure"):
        JamSimulator(vrms_func=failing_vrms, on_error="raise").transform(p)
    with pytest.warns(SimulationFailureWarning, match="left out"):
        data = JamSimulator(vrms_func=failing_vrms, random_state=4).make_dataset(12)
    assert len(data.y) + len(data.failures) == 12 and len(data.failures) == bad.sum()


@pytest.mark.parametrize(
    "params, match",
    [
        ([[3, 10, 0.8, 0.8, 0.0, np.nan]], "NaN"),
        ([[3, 10, 0.8, 0.8, 0.0]], "6 features|columns"),
        ([[3, 10, 0.8, 0.8, 0.39, 89]], r"row 0: beta_z=0.39"),
    ],
)
def test_bad_input(params, match):
    with pytest.raises(ValueError, match=match):
        JamSimulator(vrms_func=toy_vrms).transform(params)


def test_bad_settings():
    with pytest.raises(ValueError, match="on_error"):
        JamSimulator(on_error="ignore").fit()
    with pytest.raises(ValueError, match="r_min < r_max"):
        JamSimulator(r_min=30).fit()


def test_parallel_equals_serial():
    p = sample_prior(10, random_state=5)
    serial = JamSimulator(vrms_func=toy_vrms).transform(p)
    parallel = JamSimulator(vrms_func=toy_vrms, n_jobs=2, batch_size=3).transform(p)
    np.testing.assert_array_equal(serial, parallel)


@pytest.mark.slow
def test_dask_cluster_equals_serial():
    distributed = pytest.importorskip("distributed")
    p = sample_prior(4, random_state=6)
    serial = JamSimulator(batch_size=2).transform(p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with (
            distributed.LocalCluster(
                n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
            ) as cluster,
            distributed.Client(cluster),
        ):
            with parallel_config(backend="dask"):
                on_dask = JamSimulator(batch_size=2, n_jobs=-1).transform(p)
    np.testing.assert_allclose(on_dask, serial, rtol=1e-12)


def test_the_centre_is_the_limit_of_points_close_to_it():
    """(0, 0) has a finite V_rms (the MGE is cored): the limit of points approaching it."""
    p = sample_prior(1, random_state=8)[0]
    r = np.array([0.0, 1e-6, 1e-4])
    vrms = sersic_vrms(*p, r, 0 * r)
    assert np.all(np.isfinite(vrms))
    np.testing.assert_allclose(vrms[1:], vrms[0], rtol=1e-6)


def test_refused_first_call_does_not_fix_the_input_width():
    sim = JamSimulator(vrms_func=toy_vrms)
    with pytest.raises(ValueError):
        sim.transform([[3, 10, 0.8, 0.8, 0.0]])  # 5 columns
    assert not hasattr(sim, "n_features_in_")
    assert sim.transform(sample_prior(2, random_state=0)).shape == (2, 200)
    assert sim.n_features_in_ == 6


def test_environment_errors_are_not_galaxy_failures(monkeypatch):
    from _helpers import flaky_env_vrms

    monkeypatch.setenv("SKLEARN_JAM_TEST_BROKEN", "1")
    with pytest.raises(ImportError, match="deliberately broken"):
        JamSimulator(vrms_func=flaky_env_vrms).transform(sample_prior(3, random_state=0))


@requires_jampy8
@pytest.mark.slow
def test_threads_leave_stdout_alone():
    """Nothing redirects the process-global sys.stdout (threading backends share it)."""
    import sys

    from sklearn_jam.jam import plain_jampy_vrms

    before = sys.stdout
    grid = PolarGrid()
    p = sample_prior(4, random_state=8)
    with parallel_config(backend="threading", n_jobs=2):
        JamSimulator(backend="jampy", batch_size=1, n_jobs=2).transform(p[:2])
        from joblib import Parallel, delayed

        Parallel()(delayed(plain_jampy_vrms)(*row, grid.x, grid.y) for row in p[2:])
    assert sys.stdout is before


# -- the spherically aligned family --------------------------------------------------------


def _direct_sph_map(sim, row, beta):
    """One Sersic galaxy's map by :func:`jam_axi_sph` itself on the simulator's grid;
    ``beta(value, ones)`` makes its anisotropy argument from the fifth column."""
    from sklearn_jam.jam import jam_axi_sph, sersic_mge, vrms_unit

    n_ser, r_ser, q_l, q_m, value, inc = row
    surf, sigma_re = sersic_mge(n_ser)
    sigma, ones = sigma_re * r_ser, np.ones_like(surf)
    vrms = jam_axi_sph(
        surf, sigma, q_l * ones, surf, sigma, q_m * ones, inc, beta(value, ones), sim.grid.x,
        sim.grid.y, distance=sim.distance, n_nodes=sim.n_nodes,
    )  # fmt: skip
    return vrms / vrms_unit(surf, sigma, q_m, r_ser, sim.distance)


def test_align_sph_maps_are_the_spherical_engine_and_named_beta_r():
    sim = JamSimulator(n_rad=3, n_ang=2, align="sph", n_nodes=16)
    params = sim.sample_params(2, random_state=4)
    maps = sim.transform(params)
    direct = _direct_sph_map(sim, params[1], lambda beta_r, ones: beta_r * ones)
    np.testing.assert_allclose(maps[1], direct, rtol=1e-12)
    cyl = JamSimulator(n_rad=3, n_ang=2).transform(params)
    assert np.max(np.abs(cyl / maps - 1)) > 1e-3  # another model
    assert sim.settings()["align"] == "sph" and JamSimulator().settings()["align"] == "cyl"
    data = sim.make_dataset(1, random_state=0)
    assert list(data.param_names) == ["n_ser", "r_ser", "q_l", "q_m", "beta_r", "inc"]
    assert list(data.feature_names[:3]) == ["q_m", "beta_r", "inc"]


def test_align_sph_refuses_jampy_and_names_its_column():
    with pytest.raises(ValueError, match="backend='jampy' computes jampy 8's cylindrically"):
        JamSimulator(backend="jampy", align="sph").fit()
    bad = np.array([[3.0, 10.0, 0.8, 0.8, 0.5, 80.0]])  # outside the prior box
    with pytest.raises(ValueError, match=r"beta_r=0.5 is outside the prior box"):
        JamSimulator(align="sph").transform(bad)


def test_eq37_maps_are_jampy9s_beta_theta_and_keep_the_beta_z_column():
    """``anisotropy='eq37'``: the engine of beta(theta) with eq. (37) of ratio sqrt(1 - beta_z),
    the column still beta_z; another model than the constant beta_r of that value."""
    from sklearn_jam.jam import CylindricalLikeBeta

    sim = JamSimulator(n_rad=3, n_ang=2, align="sph", anisotropy="eq37", n_nodes=16)
    params = sim.sample_params(2, random_state=4)
    maps = sim.transform(params)
    eq37 = lambda beta_z, ones: CylindricalLikeBeta(np.sqrt(1 - beta_z))  # noqa: E731
    np.testing.assert_allclose(maps[1], _direct_sph_map(sim, params[1], eq37), rtol=1e-12)
    constant = JamSimulator(n_rad=3, n_ang=2, align="sph", n_nodes=16).transform(params)
    assert np.max(np.abs(constant / maps - 1)) > 1e-3  # beta(theta) is not beta_r = beta_z
    assert sim.settings()["anisotropy"] == "eq37"
    assert "anisotropy" not in JamSimulator(align="sph").settings()  # older stores resume
    data = sim.make_dataset(1, random_state=0)
    assert list(data.param_names) == ["n_ser", "r_ser", "q_l", "q_m", "beta_z", "inc"]
    assert list(data.feature_names[:3]) == ["q_m", "beta_z", "inc"]


def test_isotropic_eq37_maps_are_the_constant_beta_engines():
    """beta_z = 0 is ratio 1, beta = 0 everywhere: the analytic spherically aligned
    engine's map (an independent computation), to 1e-6."""
    params = np.array([[3.0, 8.0, 0.7, 0.65, 0.0, 75.0]])
    eq37 = JamSimulator(n_rad=4, n_ang=3, align="sph", anisotropy="eq37").transform(params)
    constant = JamSimulator(n_rad=4, n_ang=3, align="sph").transform(params)
    np.testing.assert_allclose(eq37, constant, rtol=1e-6)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (dict(anisotropy="eq37"), "anisotropy='eq37' is jampy 9's .* needs align='sph'"),
        (dict(align="sph", anisotropy="eq37", device="cpu"), "runs the engine of beta.theta."),
        (dict(align="sph", anisotropy="eq37", vrms_func=np.hypot), "vrms_func=None"),
        (dict(anisotropy="logistic"), "anisotropy"),
    ],
)
def test_eq37_settings_it_cannot_run_are_refused_before_any_work(settings, message):
    with pytest.raises(ValueError, match=message):
        JamSimulator(**settings).fit()


def test_eq37_rows_are_checked_by_the_beta_z_rule():
    bad = np.array([[3.0, 10.0, 0.8, 0.8, 0.5, 80.0]])  # outside the prior box
    with pytest.raises(ValueError, match=r"beta_z=0.5 is outside the prior box"):
        JamSimulator(align="sph", anisotropy="eq37").transform(bad)


# -- the general family -----------------------------------------------------------------


def test_general_family_maps_are_the_general_engine_on_an_r_e_grid(tmp_path):
    from sklearn_jam import simulate_to_store
    from sklearn_jam.general import GENERAL_PARAM_NAMES, general_vrms

    sim = JamSimulator(family="general", n_rad=6, n_ang=3, random_state=4)
    data = sim.make_dataset(3)
    assert data.X.shape == (3, len(GENERAL_PARAM_NAMES)) and data.images is None
    np.testing.assert_array_equal(data.X, data.params)
    assert list(data.param_names) == list(GENERAL_PARAM_NAMES)
    assert sim.grid.r_max == 2.5  # units of r_e
    # An independent call of the family's exact maps at the grid's points.
    np.testing.assert_allclose(
        data.y, general_vrms(data.params, sim.grid.x, sim.grid.y), rtol=1e-12
    )
    np.testing.assert_allclose(sim.transform(data.params), data.y, rtol=1e-12)
    assert sim.settings()["family"] == "general"
    bad = data.params[:1].copy()
    bad[0, GENERAL_PARAM_NAMES.index("f_dm")] = 0.9
    with pytest.raises(ValueError, match=r"f_dm=0\.9 is outside the prior box \[0, 0\.7\]"):
        sim.transform(bad)
    with pytest.raises(ValueError, match="family='general' has no images"):
        sim.images(data.params)
    with pytest.raises(ValueError, match="the store holds the Sersic family's images"):
        simulate_to_store(sim, 4, tmp_path / "store")
    with pytest.raises(ValueError, match="family='general' runs the exact engine in NumPy"):
        JamSimulator(family="general", backend="jampy").fit()
