"""The pair emulator: the kernel's invariance, its sums against the exact engine, files, domain.

The sums (several PSF Gaussians, turned spaxels, units, any mass MGE, the black
hole) are checked with the network replaced by the exact kernel at the pair grid,
against the exact engine at the bins; a tiny trained network checks the estimator's
paths (behaviour, not accuracy).
"""

import re
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sklearn_jam import JamEmulatorRegressor, JamKinematics
from sklearn_jam.emulator import OutsidePriorWarning
from sklearn_jam.emulator import pairs as pe
from sklearn_jam.emulator.pairs import (
    PairEmulator,
    load_pair_emulator,
    maps_from_pair_targets,
    pair_axes,
    pair_features,
    pair_maps,
    pair_targets,
    sample_pairs,
    save_pair_emulator,
    simulate_pairs,
)
from sklearn_jam.emulator.tables import load_table_emulator
from sklearn_jam.jam import arcsec_to_pc, inc_from_qmin
from sklearn_jam.jam.constants import G_JAMPY
from sklearn_jam.jam.cylindrical import vrms2_cyl
from sklearn_jam.jam.projection import observed_axis_ratio
from sklearn_jam.jam.tabulated import BETA_PROBE, component_units, tabulate_cyl

# A small galaxy (arcsec): a nucleus, a flat disk, a round envelope; a two-Gaussian PSF.
LUM = (np.array([3e4, 8e3, 1e3]), np.array([0.3, 1.5, 6.0]), np.array([0.8, 0.35, 0.7]))
DISTANCE = 5.0
PSF = dict(sigmapsf=np.array([0.2, 0.8]), normpsf=np.array([0.6, 0.4]), pixsize=0.3, pixang=25.0)
RNG = np.random.default_rng(3)
_R, _T = 9.0 * np.sqrt(RNG.uniform(size=14)), RNG.uniform(0, 2 * np.pi, 14)
X, Y = _R * np.cos(_T), _R * np.sin(_T)
# A flattened dark MGE of two Gaussians and one round halo Gaussian.
DARK = (np.array([50.0, 20.0]), np.array([4.0, 15.0]), np.array([0.6, 0.9]))
HALO = (np.ones(1), np.array([30.0]), np.ones(1))


class ExactKernel(PairEmulator):
    """The pair emulator's sums with its network replaced by the exact kernel."""

    def __init__(self):
        super().__init__(None)

    def kernel(self, pairs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return np.array([pair_maps(*p) for p in pairs])


def _one_pair(inc, q_lum, q_mass, lg_s, lg_p, sigma_j):
    """A pair's exact V^2 at its own grid, for a luminous Gaussian of ``sigma_j`` arcsec."""
    q_j, q_k = observed_axis_ratio(q_lum, inc), observed_axis_ratio(q_mass, inc)
    s, p = 10.0**lg_s * sigma_j, 10.0**lg_p * sigma_j
    rad, ang = pair_axes()
    rr, aa = np.meshgrid(rad, ang, indexing="ij")
    sx, sy = pe.convolved_sigmas(sigma_j, q_j, p)
    x, y = (rr * np.cos(aa) * sx).ravel(), (rr * np.sin(aa) * sy).ravel()
    lum = (np.array([7.0]), np.array([sigma_j]), np.array([q_j]))
    pot = (np.array([3.0]), np.array([s]), np.array([q_k]))
    v2 = vrms2_cyl(*lum, *pot, inc, np.zeros(1), x, y, distance=DISTANCE, sigmapsf=p)
    pc = arcsec_to_pc(DISTANCE)
    m_k = 2 * np.pi * 3.0 * q_k * (s * pc) ** 2
    return v2 / (G_JAMPY * m_k / (sigma_j * pc) * pe.kernel_scale(lg_s))


# -- the kernel -----------------------------------------------------------------------


@pytest.mark.slow
@given(
    inc=st.floats(50.0, 90.0),
    q_lum=st.floats(0.3, 1.0),
    q_mass=st.floats(0.3, 1.0),
    lg_s=st.floats(-2.0, 2.0),
    lg_p=st.floats(-3.0, 1.0),
    sigma_j=st.floats(0.05, 50.0),
)
def test_the_kernel_depends_on_five_numbers_only(inc, q_lum, q_mass, lg_s, lg_p, sigma_j):
    """Any luminous Gaussian's size, light and mass: the same kernel (to the engine's 1e-6)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        want = pair_maps(inc, q_lum, q_mass, lg_s, lg_p)[0]
        got = _one_pair(inc, q_lum, q_mass, lg_s, lg_p, sigma_j)
    # Within 6 convolved sigmas (light above 1.5e-8 of the peak): beyond, the engine's
    # PSF rule is itself less accurate than 1e-6 and the light is negligible.
    inner = np.repeat(pair_axes()[0] <= 6.0, pe.PAIR_GRID_SHAPE[1])
    np.testing.assert_allclose(got[inner], want[inner], rtol=1e-6, atol=1e-9 * np.abs(want).max())


def test_targets_round_trip_through_the_sign_changes():
    maps = np.array([[[-0.3, -1e-5, 0.0, 2e-4, 1.5, 40.0]]]).repeat(2, 1)
    y = pair_targets(maps)
    assert np.all(y > 0)  # the regressor learns their log
    np.testing.assert_allclose(maps_from_pair_targets(y).reshape(maps.shape), maps, atol=1e-15)


def test_sample_pairs_covers_the_domain():
    pairs = sample_pairs(4000, 0)
    inc, q_lum, q_mass, lg_s, lg_p = pairs.T
    assert 0 <= inc.min() and inc.max() <= 90
    assert pe.Q_INTR_RANGE[0] <= q_lum.min() and q_lum.max() <= 1
    assert np.mean(q_mass == 1.0) == pytest.approx(pe.ROUND_MASS_FRACTION, abs=0.03)
    assert pe.LG_S_RANGE[0] <= lg_s.min() and lg_s.max() <= pe.LG_S_RANGE[1]
    assert pe.LG_P_RANGE[0] <= lg_p.min() and lg_p.max() <= pe.LG_P_RANGE[1]
    features = pair_features(pairs)
    assert features.shape == (4000, 7)
    np.testing.assert_allclose(features[:, 0], np.cos(np.radians(inc)))


@pytest.mark.slow
def test_simulate_pairs_is_the_exact_kernel_in_parallel():
    pairs, maps = simulate_pairs(6, random_state=4, n_jobs=2, chunk=4)
    np.testing.assert_array_equal(pairs, sample_pairs(6, 4))
    assert maps.shape == (6, 2, np.prod(pe.PAIR_GRID_SHAPE))
    np.testing.assert_array_equal(maps[5], pair_maps(*pairs[5]))


# -- the sums -------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("inc_range", [(74.0, 74.0), (72.0, 88.0)])
def test_sums_of_exact_kernels_are_the_exact_engine(inc_range):
    """PSF linearity, spaxel rule, units, mass MGEs, black hole: only the grid is left."""
    emulator = ExactKernel()
    components = [LUM, DARK, HALO]
    common = dict(distance=DISTANCE, inc_range=inc_range, black_hole=True, rbh=0.05, **PSF)
    n_inc = 3  # the same nodes on both sides: the interpolation in inc is not tested here
    emulated = emulator.table(LUM, components, X, Y, n_inc=n_inc, **common)
    exact = tabulate_cyl(LUM, components, X, Y, n_inc=n_inc, **common)
    inc = np.linspace(*inc_range, 3)
    weights = np.array([[2.0, 0.5, 1.0, 0.01], [1.0, 1.0, 0.0, 0.0], [3.0, 0.0, 2.0, 0.003]])
    b_minus_1 = np.array([0.3, -0.2, 0.0])
    got = emulated.vrms(inc, weights, b_minus_1)
    want = exact.vrms(inc, weights, b_minus_1)
    np.testing.assert_allclose(got, want, rtol=1e-3)


def test_unit_maps_of_exact_kernels_are_vrms2_cyl():
    emulator = ExactKernel()
    mass = (2 * LUM[0], LUM[1], LUM[2])
    x, y = X[:5], Y[:5]
    got = emulator.unit_maps(LUM, mass, 80.0, x, y, distance=DISTANCE, sigmapsf=0.4)
    want = [
        vrms2_cyl(*LUM, *mass, 80.0, np.full(3, b), x, y, distance=DISTANCE, sigmapsf=0.4)
        for b in (0.0, BETA_PROBE)
    ]
    np.testing.assert_allclose(got, want, rtol=2e-3)


def _inc_of(q_obs, q_intr):
    """The inclination (deg) at which a Gaussian of ``q_obs`` is intrinsically ``q_intr``."""
    return float(inc_from_qmin(q_intr, q_obs))


def test_too_flat_a_gaussian_is_refused_and_the_edge_warns():
    emulator = ExactKernel()
    low = _inc_of(0.35, 0.045)  # LUM's disk, flatter than any deprojection
    with pytest.raises(ValueError, match=re.escape("flatter than the pair emulator's domain")):
        emulator.table(LUM, [LUM], X, Y, distance=DISTANCE, inc_range=(low, 89.0))
    with pytest.warns(OutsidePriorWarning, match="of the pair emulator's edge"):
        emulator._check_flattening(LUM, [LUM], _inc_of(0.35, 0.0502))
    with warnings.catch_warnings():
        warnings.simplefilter("error", OutsidePriorWarning)
        emulator._check_flattening(LUM, [LUM], _inc_of(0.35, 0.051))  # JamKinematics' bound
    with pytest.raises(ValueError, match="its 2-D rule would need"):
        emulator.table(
            LUM, [LUM], X, Y, distance=DISTANCE, inc_range=(80.0, 89.0), sigmapsf=0.1, pixsize=2.0
        )


# -- a tiny trained emulator -----------------------------------------------------------


@pytest.fixture(scope="module")
def tiny():
    """A pair emulator trained for a few epochs on 40 pairs."""
    pairs, maps = simulate_pairs(40, random_state=0)
    reg = JamEmulatorRegressor(
        image_side=None,
        hidden_layer_sizes=(16,),
        max_epochs=3,
        validation_fraction=None,
        random_state=0,
    ).fit(pair_features(pairs), pair_targets(maps))
    return PairEmulator(reg, info={"what": "test"})


def test_file_round_trip_and_refusals(tiny, tmp_path):
    path = tmp_path / "pairs.npz"
    save_pair_emulator(tiny, path)
    back = load_table_emulator(path)
    assert isinstance(back, PairEmulator) and back.info == {"what": "test"}
    pairs = sample_pairs(5, 1)
    np.testing.assert_array_equal(back.kernel(pairs), tiny.kernel(pairs))
    assert back.kernel(pairs).shape == (5, 2, np.prod(pe.PAIR_GRID_SHAPE))
    # Another grid's file is refused, naming this version's.
    import json

    with np.load(path) as data:
        arrays = {k: data[k] for k in data.files}
    header = json.loads(bytes(arrays[pe._FILE_HEADER]).decode())
    header["grid_shape"] = [40, 10]
    arrays[pe._FILE_HEADER] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    other = tmp_path / "other.npz"
    np.savez(other, **arrays)
    with pytest.raises(ValueError, match=re.escape("made for another pair grid")):
        load_pair_emulator(other)
    np.savez(other, a=np.ones(2))
    with pytest.raises(ValueError, match="not a pair emulator file"):
        load_pair_emulator(other)
    with pytest.raises(ValueError, match="neither one of the shipped emulators"):
        load_table_emulator(tmp_path / "missing.npz")


def _kinematics(emulator, **kwargs):
    return JamKinematics(
        *LUM,
        distance=DISTANCE,
        sigmapsf=0.5,
        pixsize=0.4,
        mass_model="gnfw",
        black_hole=True,
        inclination="inc",
        engine="emulator",
        emulator=emulator,
        fixed={"gamma": -1.0, "rbreak_kpc": 2.0},
        **kwargs,
    )


@pytest.mark.slow
def test_kinematics_with_the_pair_emulator_behaves(tiny):
    est = _kinematics(tiny, bounds={"inc": (75.0, 89.0)})
    params = {
        "inc": np.array([78.0, 85.0]),
        "ratio": np.array([0.9, 1.0]),
        "f_dm": 0.2,
        "lg_ml": np.array([0.0, np.log10(2.0)]),
        "lg_mbh": 7.0,
    }
    emulated = est.model_vrms(params, np.column_stack([X, Y]))
    exact = est.model_vrms(params, np.column_stack([X, Y]), engine="exact")
    assert emulated.shape == exact.shape == (2, X.size)
    assert np.all(np.isfinite(exact))
    # The weights stay exact: four times every mass (the black hole's is absolute) doubles V.
    doubled = dict(params, lg_ml=params["lg_ml"] + np.log10(4.0), lg_mbh=7.0 + np.log10(4.0))
    np.testing.assert_allclose(
        est.model_vrms(doubled, np.column_stack([X, Y])), 2 * emulated, rtol=1e-10
    )


@pytest.mark.slow
def test_reweighting_the_pair_emulator_gives_the_exact_posterior(tiny):
    Xb = np.column_stack([X, Y])
    truth = {"inc": 80.0, "ratio": 0.95, "f_dm": 0.2, "lg_ml": 0.0, "lg_mbh": 7.0}
    est = _kinematics(
        tiny,
        n_walkers=12,
        n_steps=10,
        random_state=0,
        progress=False,
        bounds={"inc": (75.0, 89.0), "f_dm": (0.0, 0.6), "lg_mbh": (5.0, 8.0)},
    )
    vrms = est.model_vrms(truth, Xb, engine="exact")[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(Xb, vrms, 0.05 * vrms, reweight=True)
    assert est.sample_weight_.sum() == pytest.approx(1.0)
    exact = est._log_prob(est._setup_, est.samples_, X, Y, vrms, 0.05 * vrms, engine="exact")
    np.testing.assert_allclose(est.exact_log_prob_, exact, rtol=1e-10)


def test_component_units_scale_out(tiny):
    """A table is per unit weight: the galaxy's light scales out of it."""
    common = dict(distance=DISTANCE, inc_range=(80.0, 80.0), sigmapsf=0.5, n_inc=1)
    bright = (10 * LUM[0], LUM[1], LUM[2])
    one = tiny.table(LUM, [LUM], X, Y, **common).vrms2([80.0], [[1.0]], [0.0])
    ten = tiny.table(bright, [bright], X, Y, **common).vrms2([80.0], [[1.0]], [0.0])
    np.testing.assert_allclose(ten, 10 * one, rtol=1e-9)
    assert component_units(bright, DISTANCE) == pytest.approx(10 * component_units(LUM, DISTANCE))


# -- the shipped model -----------------------------------------------------------------


def test_shipped_pair_model_is_refused_when_changed(monkeypatch):
    monkeypatch.setattr(pe, "PAIRS_PRETRAINED_SHA256", "0" * 64)
    with pytest.raises(ValueError, match="not the released"):
        pe.load_pairs_pretrained()
