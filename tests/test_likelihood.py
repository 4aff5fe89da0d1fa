import numpy as np
import pytest
from _helpers import TINY, toy_vrms

from sklearn_jam import JamEmulatorRegressor, JamLikelihood, JamSimulator


@pytest.fixture(scope="module")
def emulator():
    sim = JamSimulator(vrms_func=toy_vrms, image_side=16, pixel_scale=3.2, random_state=0)
    data = sim.make_dataset(150)
    est = JamEmulatorRegressor(**{**TINY, "hidden_layer_sizes": (32,), "max_epochs": 20})
    return est.fit(data.X, data.y)


@pytest.fixture(scope="module")
def mock(emulator):
    rng = np.random.default_rng(1)
    r = np.exp(rng.uniform(np.log(0.6), np.log(20), 60))
    t = rng.uniform(0, 2 * np.pi, 60)  # bins in all four quadrants
    x, y = r * np.cos(t), r * np.sin(t)
    truth = np.array([0.8, 0.1, 70.0])
    like = JamLikelihood(emulator, x, y, np.ones(60), np.ones(60), sersic=(3.0, 10.0, 0.8))
    v = 200.0 * like.model(truth)[0]
    err = np.full(60, 2.0)
    return x, y, v + rng.normal(0, 2.0, 60), err, truth


def test_recovers_scale_and_prefers_truth(emulator, mock):
    x, y, v, err, truth = mock
    like = JamLikelihood(emulator, x, y, v, err, sersic=(3.0, 10.0, 0.8))
    assert like.best_scale(truth)[0] == pytest.approx(200.0, rel=0.01)
    far = [0.95, -0.3, 56.0]
    ll = like(np.array([truth, far]))
    assert ll[0] > ll[1]
    # Profiling equals the explicit scale at its best value.
    s = like.best_scale(truth)[0]
    assert like([[*truth, s]])[0] == pytest.approx(ll[0])
    assert like([[*truth, 1.1 * s]])[0] < ll[0]


def test_marginalised_adds_the_gaussian_width(emulator, mock):
    x, y, v, err, truth = mock
    prof = JamLikelihood(emulator, x, y, v, err, sersic=(3.0, 10.0, 0.8))
    marg = JamLikelihood(emulator, x, y, v, err, sersic=(3.0, 10.0, 0.8), scale="marginalize")
    m = prof.model(truth)[0]
    a = (m * m / err**2).sum()
    assert marg(truth)[0] == pytest.approx(prof(truth)[0] + 0.5 * np.log(2 * np.pi / a))


def test_quadrant_symmetry_and_vectorisation(emulator, mock):
    x, y, v, err, truth = mock
    a = JamLikelihood(emulator, x, y, v, err, sersic=(3.0, 10.0, 0.8))
    b = JamLikelihood(emulator, -x, -y, v, err, sersic=(3.0, 10.0, 0.8))
    thetas = np.array([truth, [0.7, 0.0, 80.0], [0.9, -0.2, 65.0]])
    np.testing.assert_allclose(a(thetas), b(thetas))
    np.testing.assert_allclose(a(thetas), [a(t)[0] for t in thetas])


def test_log_prob_applies_prior(emulator, mock):
    x, y, v, err, truth = mock
    like = JamLikelihood(emulator, x, y, v, err, sersic=(3.0, 10.0, 0.8))
    lp = like.log_prob(np.array([truth, [0.8, 0.39, 60.0], [0.5, 0.0, 70.0]]))
    assert np.isfinite(lp[0]) and np.isneginf(lp[1]) and np.isneginf(lp[2])


def test_errors(emulator, mock):
    x, y, v, err, _ = mock
    with pytest.raises(ValueError, match="exactly one of image"):
        JamLikelihood(emulator, x, y, v, err)
    with pytest.raises(ValueError, match="same length"):
        JamLikelihood(emulator, x, y, v[:-1], err, sersic=(3.0, 10.0, 0.8))
    with pytest.raises(ValueError, match="outside the grid radii"):
        JamLikelihood(emulator, [40.0], [0.0], [1.0], [1.0], sersic=(3.0, 10.0, 0.8))


def test_bad_data_and_options_are_refused(emulator, mock):
    x, y, v, err, _ = mock
    sersic = (3.0, 10.0, 0.8)
    bad_err = err.copy()
    bad_err[3] = np.inf
    with pytest.raises(ValueError, match=r"vrms_err\[3\] = inf"):
        JamLikelihood(emulator, x, y, v, bad_err, sersic=sersic)
    bad_v = v.copy()
    bad_v[5] = -10.0
    with pytest.raises(ValueError, match=r"vrms\[5\] = -10.0"):
        JamLikelihood(emulator, x, y, bad_v, err, sersic=sersic)
    with pytest.raises(ValueError, match="out_of_range must be 'raise' or 'clip', got 'nearest'"):
        JamLikelihood(emulator, x, y, v, err, sersic=sersic, out_of_range="nearest")
    like = JamLikelihood(emulator, x, y, v, err, sersic=sersic)
    for method in (like, like.model, like.log_prior, like.log_prob):
        with pytest.raises(ValueError, match=r"3 or 4 columns .* got shape \(1, 2\)"):
            method([[0.8, 0.1]])


def test_image_in_counts_and_the_beta_rule_without_q_l(emulator, mock):
    from sklearn_jam.photometry import ImageNormalizationWarning, sersic_images

    x, y, v, err, truth = mock
    side = emulator.image_side_
    image = sersic_images([3.0], [10.0], [0.8], image_side=side, pixel_scale=51.2 / side)[0]
    reference = JamLikelihood(emulator, x, y, v, err, image=image)
    with pytest.warns(ImageNormalizationWarning, match="sums to 5000"):
        counts = JamLikelihood(emulator, x, y, v, err, image=5000.0 * image)
    np.testing.assert_allclose(counts(truth), reference(truth))
    # q_l is measured on the image, so the beta_z rule of the physical domain applies.
    assert reference.q_l == pytest.approx(0.8, abs=0.02)
    assert np.isneginf(reference.log_prior([0.8, 0.39, 60.0]))[0]
