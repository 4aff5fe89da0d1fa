"""The general emulator: grid, features, its table against the exact engine, files, domain.

The assembly (PSF of several Gaussians, turned spaxels, units, the halo's and the
black hole's weights) is checked with the network replaced by the exact engine at
the grid, against the exact engine at the bins; a tiny trained network checks the
estimator's paths (behaviour, not accuracy).
"""

import re
import warnings

import numpy as np
import pytest
from scipy import integrate

from sklearn_jam import JamEmulatorRegressor, JamKinematics
from sklearn_jam.emulator import OutsidePriorWarning, load_emulator, save_emulator
from sklearn_jam.emulator import general as gen
from sklearn_jam.emulator.general import (
    GeneralEmulator,
    enclosed_mass_fraction,
    grid_axes,
    grid_interpolation,
    grid_points,
    load_general_emulator,
    maps_from_targets,
    normalised_mge,
    save_general_emulator,
    training_data,
    unit_targets,
)
from sklearn_jam.general import (
    GENERAL_PARAM_NAMES,
    general_unit_maps,
    sample_general,
    unit_maps_of_mge,
)
from sklearn_jam.jam import arcsec_to_pc
from sklearn_jam.jam.tabulated import component_units, tabulate_cyl

# A small galaxy (arcsec) with a flattened Gaussian, a two-Gaussian PSF and turned spaxels.
LUM = (np.array([3e4, 8e3, 1e3]), np.array([0.3, 1.5, 6.0]), np.array([0.8, 0.5, 0.7]))
DISTANCE = 5.0
PSF = dict(sigmapsf=np.array([0.2, 0.8]), normpsf=np.array([0.6, 0.4]), pixsize=0.3, pixang=25.0)
R_E = normalised_mge(*LUM)[1]
RNG = np.random.default_rng(3)
_R, _T = 2.4 * R_E * np.sqrt(RNG.uniform(size=14)), RNG.uniform(0, 2 * np.pi, 14)
X, Y = _R * np.cos(_T), _R * np.sin(_T)
HALO = [(np.ones(1), np.array([s]), np.ones(1)) for s in (0.8, 30.0)]
TRAIN_SEED = 0


class ExactUnitMaps(GeneralEmulator):
    """The emulator's assembly with its network replaced by the exact engine on the grid."""

    def __init__(self, mge):
        super().__init__(None, np.zeros((1, 24)), np.inf)
        self.mge = mge

    def check_photometry(self, photometry):
        return 0.0

    def unit_maps(self, photometry, inc, sigma_psf, lg_sigma_mass, mge=None):
        x, y = grid_points()
        return np.stack(
            [
                unit_maps_of_mge(self.mge, i, s, 0.0, lg, x, y)[:2]  # stars, Gaussian
                for i, s, lg in zip(inc, sigma_psf, lg_sigma_mass, strict=True)
            ]
        )


# -- grid and features ----------------------------------------------------------------


def test_grid_interpolation_is_exact_at_the_grid_and_close_between():
    x, y = grid_points()
    W = grid_interpolation(x, y)
    # The grid's first radius is the centre, one point at every angle.
    off_centre = np.hypot(x, y) > 0
    np.testing.assert_allclose(W[off_centre], np.eye(x.size)[off_centre], atol=1e-10)
    np.testing.assert_allclose(W[~off_centre][:, ~off_centre].sum(1), 1.0, atol=1e-12)
    # Mirrored points are the same point of the quadrant.
    np.testing.assert_allclose(grid_interpolation(-x, -y), W, atol=1e-10)

    def smooth(px, py):  # even in x and y, as the maps
        return np.exp(-(px**2 + 2 * py**2)) + 0.3 / (1 + px**2 + py**2)

    r = 2.5 * np.sqrt(RNG.uniform(size=200))
    t = RNG.uniform(0, 2 * np.pi, 200)
    px, py = r * np.cos(t), r * np.sin(t)
    err = np.abs(grid_interpolation(px, py) @ smooth(x, y) - smooth(px, py))
    assert err.max() < 1e-3


def test_grid_reaches_past_the_bins():
    rad, ang = grid_axes()
    assert rad[0] == 0 and rad[-1] == pytest.approx(gen.GRID_R_MAX)
    assert gen.GRID_R_MAX > gen.MAX_BIN_RADIUS + np.sqrt(2) / 2 * gen.PIXSIZE_RANGE[1]
    assert ang[0] == 0 and ang[-1] == pytest.approx(np.pi / 2)


def test_normalised_mge_has_unit_light_and_half_of_it_inside_r_e():
    (surf, sigma, qobs), r_e = normalised_mge(*LUM)
    assert 2 * np.pi * np.sum(surf * sigma**2 * qobs) == pytest.approx(1, rel=1e-12)
    # Circularised at constant light, the light inside R = 1 (independently, in closed form)
    light = 2 * np.pi * surf * sigma**2 * qobs
    inside = np.sum(light * (1 - np.exp(-0.5 / (sigma**2 * qobs))))
    assert inside == pytest.approx(0.5, rel=1e-10)
    np.testing.assert_allclose(sigma * r_e, LUM[1])


def test_enclosed_mass_fraction_against_quadrature():
    for lg in (-2.0, -0.3, 0.0, 0.7, 2.0):
        s = 10**lg

        def shell(r, s=s):
            return 4 * np.pi * r**2 * np.exp(-0.5 * (r / s) ** 2) / (2 * np.pi * s**2) ** 1.5

        truth = integrate.quad(shell, 0, 1, epsabs=0, epsrel=1e-12)[0]
        assert enclosed_mass_fraction(lg) == pytest.approx(truth, rel=1e-9, abs=1e-15)


def test_targets_round_trip():
    maps = RNG.uniform(0.1, 2, (4, 3, 2, 400))
    lg = np.array([-3.0, -1.0, 0.5, 2.4])
    baseline = RNG.uniform(0.1, 2, (4, 2, 40))
    for base in (None, baseline):
        y = unit_targets(maps, lg, base)
        assert y.shape == (4, 1600) and np.all(y > 0)
        # The black hole's maps are not emulated: it is a Gaussian of rbh.
        np.testing.assert_allclose(maps_from_targets(y, lg, base), maps[:, :2], rtol=1e-14)
    # The baseline is a function of the radius: the same at every angle and both betas.
    ratio = unit_targets(maps, lg, baseline).reshape(4, 2, 2, 40, 10)
    np.testing.assert_allclose(
        ratio * baseline[:, :, None, :, None], maps[:, :2].reshape(4, 2, 2, 40, 10), rtol=1e-14
    )


def test_training_data_of_both_designs():
    params = sample_general(3, 5)
    params[:, GENERAL_PARAM_NAMES.index("pixsize")] = 0.0
    lg = np.array([-3.0, 0.0, 2.0])
    maps = RNG.uniform(0.1, 2, (3, 3, 2, 400))
    X_old, y_old = training_data(params, lg, maps, design="enclosed_mass")
    X_new, y_new = training_data(params, lg, maps)
    assert X_old.shape == (3, 27) and X_new.shape == (3, 39)
    np.testing.assert_array_equal(X_new[:, :27], X_old)
    mge = gen.general_mge(params)
    baseline = gen.grid_baseline(mge, lg, params[:, GENERAL_PARAM_NAMES.index("sigma_psf")])
    np.testing.assert_allclose(y_new, unit_targets(maps, lg, baseline), rtol=1e-12)
    with pytest.raises(ValueError, match=r"design='cnn' is not one of"):
        training_data(params, lg, maps, design="cnn")


def test_intrinsic_axis_ratio_features():
    # One flattening everywhere: the local ratio is it, and the intrinsic one is the
    # deprojection's, 1 face on.
    surf, sigma = np.array([[1.0, 0.2, 0.01]]), np.array([[0.1, 1.0, 5.0]])
    qobs = np.full((1, 3), 0.6)
    q_local = gen.local_axis_ratio(surf, sigma, qobs)
    np.testing.assert_allclose(q_local, 0.6, rtol=1e-14)
    inc = np.array([90.0, 60.0, 0.0])
    X = gen.general_features(np.zeros((3, 24)), inc, np.full(3, 0.1), np.zeros(3), q_local)
    q_intr = X[:, 27:]
    np.testing.assert_allclose(q_intr[0], 0.6)
    np.testing.assert_allclose(q_intr[1], np.sqrt(0.36 - 0.25) / np.sin(np.radians(60)))
    np.testing.assert_array_equal(q_intr[2], 1.0)
    # Two Gaussians: the inner one's ratio inside, the outer one's outside.
    q2 = gen.local_axis_ratio([[1.0, 1e-3]], [[0.02, 3.0]], [[0.9, 0.3]])[0]
    assert q2[0] == pytest.approx(0.9, abs=0.01) and q2[-1] == pytest.approx(0.3, abs=1e-6)


# -- the assembly against the exact engine --------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("inc_range", [(72.0, 72.0), (62.0, 85.0)])
def test_assembly_with_exact_maps_is_the_exact_engine(inc_range):
    """PSF linearity, spaxel rule, units and weights: only the grid's interpolation is left."""
    (surf, sigma, qobs), _ = normalised_mge(*LUM)
    emulator = ExactUnitMaps((surf, sigma, qobs))
    components = [LUM, *HALO]
    common = dict(distance=DISTANCE, inc_range=inc_range, black_hole=True, **PSF)
    n_inc = 5  # the same nodes on both sides: the interpolation in inc is not tested here
    emulated = emulator.table(LUM, components, X, Y, n_inc=n_inc, **common)
    exact = tabulate_cyl(LUM, components, X, Y, n_inc=n_inc, **common)
    unit = component_units(LUM, DISTANCE)
    pc = arcsec_to_pc(DISTANCE)
    halo_mass = np.array([2 * np.pi * (s[0] * pc) ** 2 for _, s, _ in HALO])
    inc = np.linspace(*inc_range, 3)
    weights = np.column_stack(
        [np.full(3, 2.0), np.outer([1.0, 0.5, 2.0], halo_mass / unit * 1e3), [0.01, 0.0, 0.003]]
    )
    b_minus_1 = np.array([0.3, -0.2, 0.0])
    got = emulated.vrms(inc, weights, b_minus_1)
    want = exact.vrms(inc, weights, b_minus_1)
    np.testing.assert_allclose(got, want, rtol=2e-3)


# -- a tiny trained emulator -----------------------------------------------------------


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A general emulator trained for a few epochs on 24 galaxies of the family."""
    params = sample_general(24, TRAIN_SEED)
    params[:, GENERAL_PARAM_NAMES.index("pixsize")] = 0.0
    lg = np.random.default_rng(1).uniform(-3.5, 2.5, 24)
    maps = general_unit_maps(params, lg, *grid_points())
    X_train, y_train = training_data(params, lg, maps)
    reg = JamEmulatorRegressor(
        image_side=None,
        hidden_layer_sizes=(16,),
        max_epochs=3,
        validation_fraction=None,
        random_state=0,
    ).fit(X_train, y_train)
    return GeneralEmulator.from_regressor(reg, X_train, info={"what": "test"})


def _galaxy_from_family():
    """The tiny emulator's first training galaxy in arcsec (r_e = 20"), inside its narrow box."""
    params = sample_general(24, TRAIN_SEED)[:1]
    surf, sigma, qobs = (v[0] for v in gen.general_mge(params))
    lum = (surf * 1e4, sigma * 20.0, qobs)  # r_e = 20"
    return lum, params[0]


def kinematics(emulator, lum, **kwargs):
    return JamKinematics(
        *lum,
        distance=10.0,
        sigmapsf=1.0,
        pixsize=0.5,
        mass_model="gnfw",
        black_hole=True,
        inclination="inc",
        engine="emulator",
        emulator=emulator,
        fixed={"gamma": -1.0, "rbreak_kpc": 20.0},
        **kwargs,
    )


@pytest.mark.slow
def test_file_round_trip_and_refusals(tiny, tmp_path):
    path = tmp_path / "general.npz"
    save_general_emulator(tiny, path)
    back = load_general_emulator(path)
    mge = normalised_mge(*_galaxy_from_family()[0])[0]
    photometry = gen.photometry_features(*mge)[0]
    args = (np.full(3, 70.0), np.full(3, 0.05), np.array([-2.0, 0.0, 1.0]))
    np.testing.assert_array_equal(
        back.unit_maps(photometry, *args, mge=mge), tiny.unit_maps(photometry, *args, mge=mge)
    )
    assert back.design == tiny.design == "spherical"
    with pytest.raises(ValueError, match="pass its normalised MGE as mge"):
        back.unit_maps(photometry, *args)
    assert back.info == {"what": "test"}
    assert back.neighbour_distance == tiny.neighbour_distance
    # A plain emulator file is not a general one, and a general file is no plain one.
    plain = tmp_path / "plain.npz"
    save_emulator(tiny.regressor, plain)
    with pytest.raises(ValueError, match="not a general emulator file"):
        load_general_emulator(plain)
    with pytest.raises(ValueError, match="not an sklearn_jam model file"):
        load_emulator(path)


def test_files_of_0_3_5_are_read_with_their_design(tiny, tmp_path):
    """A file without a design (0.3.5 and before) held the mass-scaled maps."""
    import json

    path = tmp_path / "general.npz"
    save_general_emulator(tiny, path)
    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    header = json.loads(bytes(arrays[gen._FILE_HEADER]).decode())
    del header["design"]
    arrays[gen._FILE_HEADER] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    old = tmp_path / "old.npz"
    np.savez(old, **arrays)
    assert load_general_emulator(old).design == "enclosed_mass"
    assert load_general_emulator(path).design == "spherical"


@pytest.mark.slow
def test_kinematics_emulator_engine_behaves(tiny):
    lum, _ = _galaxy_from_family()
    est = kinematics(tiny, lum)
    rng = np.random.default_rng(0)
    X = rng.uniform(-30, 30, (20, 2))
    params = {
        "inc": np.array([70.0, 85.0]),
        "ratio": np.array([0.9, 1.0]),
        "f_dm": 0.2,
        "lg_ml": np.array([0.0, np.log10(2.0)]),
        "lg_mbh": 7.0,
    }
    emulated = est.model_vrms(params, X)
    exact = est.model_vrms(params, X, engine="exact")
    assert emulated.shape == exact.shape == (2, 20)
    assert np.all(np.isfinite(emulated) & (emulated > 0))
    # The weights stay exact: four times every mass (the black hole's is absolute) doubles V.
    doubled = dict(params, lg_ml=params["lg_ml"] + np.log10(4.0), lg_mbh=7.0 + np.log10(4.0))
    np.testing.assert_allclose(est.model_vrms(doubled, X), 2 * emulated, rtol=1e-10)


@pytest.mark.slow
def test_reweighting_the_emulator_gives_the_exact_posterior(tiny):
    lum, _ = _galaxy_from_family()
    X = np.random.default_rng(1).uniform(-30, 30, (16, 2))
    truth = {"inc": 70.0, "ratio": 0.95, "f_dm": 0.2, "lg_ml": 0.0, "lg_mbh": 7.0}
    est = kinematics(
        tiny,
        lum,
        n_walkers=12,
        n_steps=12,
        random_state=0,
        progress=False,
        bounds={"inc": (66.0, 89.0), "f_dm": (0.0, 0.6), "lg_mbh": (5.0, 8.0)},
    )
    vrms = est.model_vrms(truth, X, engine="exact")[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, vrms, 0.05 * vrms, reweight=True)
    assert est.sample_weight_.sum() == pytest.approx(1.0)
    exact = est._log_prob(
        est._setup_, est.samples_, X[:, 0], X[:, 1], vrms, 0.05 * vrms, engine="exact"
    )
    np.testing.assert_allclose(est.exact_log_prob_, exact, rtol=1e-10)
    assert est.encode_seconds_ > 0


@pytest.mark.slow
def test_domain_refusals_and_warnings(tiny):
    lum, _ = _galaxy_from_family()
    r_e = normalised_mge(*lum)[1]
    table = dict(distance=10.0, inc_range=(70.0, 70.0), black_hole=True)
    components = [lum, (np.ones(1), np.array([5.0]), np.ones(1))]
    with pytest.raises(ValueError, match=re.escape("beyond the general emulator's 2.5 r_e")):
        tiny.table(lum, components, [2.6 * r_e], [0.0], sigmapsf=1.0, **table)
    with pytest.raises(ValueError, match=r"PSF sigma=0\.4 r_e is outside"):
        tiny.table(lum, components, [r_e], [0.0], sigmapsf=0.4 * r_e, **table)
    with pytest.raises(ValueError, match="round single Gaussians"):
        tiny.table(
            lum,
            [lum, (np.ones(1), np.array([5.0]), np.array([0.5]))],
            [r_e],
            [0.0],
            sigmapsf=1.0,
            **table,
        )
    with pytest.raises(ValueError, match="first mass component is the light itself"):
        tiny.table(lum, components[1:], [r_e], [0.0], sigmapsf=1.0, **table)
    # A single round Gaussian falls far faster than any Sersic profile of the family.
    blob = (np.ones(1), np.array([r_e]), np.ones(1))
    with pytest.raises(ValueError, match="outside the general emulator's training range"):
        tiny.table(blob, [blob], [r_e], [0.0], sigmapsf=1.0, **table)
    with pytest.warns(OutsidePriorWarning, match="within 2% of the edge"):
        tiny.table(lum, components, [r_e], [0.0], sigmapsf=0.295 * r_e, **table)
    strict = GeneralEmulator(tiny.regressor, tiny.photometry_sample, 0.0)
    with pytest.warns(OutsidePriorWarning, match="nearest of the general emulator's training"):
        strict.table(lum, components, [r_e], [0.0], sigmapsf=1.0, **table)
    with warnings.catch_warnings():
        warnings.simplefilter("error", OutsidePriorWarning)
        lenient = GeneralEmulator(tiny.regressor, tiny.photometry_sample, np.inf)
        lenient.table(lum, components, [r_e], [0.0], sigmapsf=1.0, **table)


def test_kinematics_refuses_the_emulator_where_it_cannot_serve():
    est = JamKinematics(
        *LUM, distance=DISTANCE, engine="emulator", align="sph", sigmapsf=0.5, pixsize=0.3
    )
    with pytest.raises(ValueError, match="engine='emulator' emulates the cylindrical model"):
        est.model_vrms({"q_min": 0.3, "ratio_th": 0.9, "lg_ml": 0.0}, np.ones((1, 2)))
    est = JamKinematics(*LUM, distance=DISTANCE, engine="emulator", emulator="no/such/file.npz")
    with pytest.raises(ValueError, match="neither one of the shipped emulators"):
        est.model_vrms({"q_min": 0.3, "ratio": 0.9, "lg_ml": 0.0}, np.ones((1, 2)))


# -- the shipped model -----------------------------------------------------------------


def test_shipped_general_model_is_refused_when_changed(monkeypatch):
    from sklearn_jam.emulator.general import load_general_pretrained

    monkeypatch.setattr(gen, "GENERAL_PRETRAINED_SHA256", "0" * 64)
    with pytest.raises(ValueError, match="not the released"):
        load_general_pretrained()
