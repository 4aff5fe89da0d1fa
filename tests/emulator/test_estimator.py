import warnings

import joblib
import numpy as np
import pytest
import torch
from _helpers import DATA, TINY
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import sklearn_jam.emulator._estimator as estimator_module
from sklearn_jam import JamEmulatorRegressor
from sklearn_jam.emulator import IncompatibleModelError, OutsidePriorWarning
from sklearn_jam.metrics import get_jam_scorer, neg_median_abs_relative_error_scorer
from sklearn_jam.photometry import sersic_images
from sklearn_jam.priors import intrinsic_axis_ratio, sample_prior


def toy_data(n=120, image_side=16, seed=0):
    """Small images and a smooth positive target that depends on image and scalars."""
    p = sample_prior(n, random_state=seed)
    images = sersic_images(
        p[:, 0], p[:, 1], p[:, 2], image_side=image_side, pixel_scale=51.2 / image_side
    )
    X = np.hstack([p[:, 3:6], images.reshape(n, -1)])
    t = np.linspace(0, 1, 12)[None, :]
    y = (
        0.3
        + 0.05 * p[:, [0]] * t
        + 0.1 * p[:, [4]]
        + 0.02 * p[:, [1]] / 20 * (1 - t)
        + 0.05 * np.sin(np.radians(p[:, [5]]))
    )
    return X, y


@pytest.fixture(scope="module")
def data():
    return toy_data()


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return JamEmulatorRegressor(**{**TINY, "max_epochs": 60}).fit(X, y)


def test_fit_predict_score(data, fitted):
    X, y = data
    pred = fitted.predict(X)
    assert pred.shape == y.shape and pred.dtype == np.float64
    assert fitted.n_features_in_ == X.shape[1] and fitted.image_side_ == 16
    assert fitted.score(X, y) > 0.5
    untrained = JamEmulatorRegressor(**{**TINY, "max_epochs": 1}).fit(X, y)
    assert neg_median_abs_relative_error_scorer(
        fitted, X, y
    ) > neg_median_abs_relative_error_scorer(untrained, X, y)
    assert len(fitted.history_) == 60 and "valid_loss" in fitted.history_[-1]


def test_seeded_fit_is_reproducible(data):
    X, y = data
    a = JamEmulatorRegressor(**TINY).fit(X, y).predict(X)
    b = JamEmulatorRegressor(**TINY).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)


def test_fast_path_equals_predict(data, fitted):
    X, _ = data
    feats = fitted.encode_images(X[:10, 3:].reshape(10, 16, 16))
    assert feats.shape == (10, 4) and feats.dtype == np.float32
    np.testing.assert_allclose(
        fitted.predict_from_features(feats, X[:10, :3]), fitted.predict(X[:10]), rtol=2e-6
    )
    # One photometry, many (q_m, beta_z, inc): the MCMC use.
    many = fitted.predict_from_features(feats[0], X[:5, :3])
    np.testing.assert_allclose(many[0], fitted.predict(X[:1])[0], rtol=2e-6)


@pytest.mark.parametrize(
    "options",
    [dict(physical_features=False), dict(fold_quadrant=False, lr_schedule="plateau")],
)
def test_fast_path_equals_predict_in_other_configurations(data, options):
    X, y = data
    est = JamEmulatorRegressor(**{**TINY, **options}).fit(X, y)
    feats = est.encode_images(X[:10, 3:])
    assert feats.shape == (10, TINY["n_image_features"])
    np.testing.assert_allclose(
        est.predict_from_features(feats, X[:10, :3]), est.predict(X[:10]), rtol=2e-6
    )


def test_physical_features_are_the_intrinsic_axis_ratios(data, fitted):
    X, _ = data
    params = sample_prior(120, random_state=0)  # the galaxies of toy_data
    q_image = fitted.encode_images(X[:, 3:])[:, -1]
    # The 16-pixel toy images give a coarse q_l, but it follows the true one.
    assert np.corrcoef(q_image, params[:, 2])[0, 1] > 0.95
    phys = fitted._physical(X[:, :3], params[:, 2])
    np.testing.assert_allclose(phys[:, 1], np.cos(np.radians(params[:, 5])))
    np.testing.assert_allclose(phys[:, 2], intrinsic_axis_ratio(params[:, 2], params[:, 5]))
    np.testing.assert_allclose(phys[:, 3], intrinsic_axis_ratio(params[:, 3], params[:, 5]))


def test_pipeline_cross_val_and_grid_search(data):
    X, y = data
    pipe = make_pipeline(FunctionTransformer(), JamEmulatorRegressor(**TINY))
    scores = cross_val_score(
        pipe, X, y, cv=KFold(2), scoring=get_jam_scorer("neg_median_abs_relative_error")
    )
    assert scores.shape == (2,) and np.all(scores < 0)
    grid = GridSearchCV(
        JamEmulatorRegressor(**TINY),
        {"hidden_layer_sizes": [(8,), (16, 16)], "conv_channels": [(4,), (2, 4)]},
        scoring=neg_median_abs_relative_error_scorer,
        cv=KFold(2),
    ).fit(X, y)
    assert grid.best_params_["hidden_layer_sizes"] in [(8,), (16, 16)]
    counts = {
        (h, c): sum(
            p.numel()
            for p in JamEmulatorRegressor(
                **{**TINY, "hidden_layer_sizes": h, "conv_channels": c, "max_epochs": 1}
            )
            .fit(X, y)
            .module_.parameters()
        )
        for h in [(8,), (16, 16)]
        for c in [(4,), (2, 4)]
    }
    assert len(set(counts.values())) == 4  # every grid point is a different network


def test_persistence_round_trip(tmp_path, data, fitted):
    X, _ = data
    joblib.dump(fitted, tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib")
    np.testing.assert_array_equal(loaded.predict(X), fitted.predict(X))


def test_cuda_model_loads_on_cpu(tmp_path, data, monkeypatch):
    X, y = data
    est = JamEmulatorRegressor(**TINY).fit(X, y)
    expected = est.predict(X)
    est.net_.device = "cuda"  # as if trained on a GPU
    joblib.dump(est, tmp_path / "gpu.joblib")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # skorch's DeviceWarning about the fallback
        loaded = joblib.load(tmp_path / "gpu.joblib")
    assert loaded.device_ == "cpu"
    np.testing.assert_array_equal(loaded.predict(X), expected)


def test_spec_v1_model_file_is_refused():
    # A real spec-v1 file: tests/data/cuda_model.joblib, fitted on an H200 by
    # sklearn_jam 0.1.0 (tests/data/make_cuda_model.py). v1 models are refused, saying why.
    with pytest.raises(IncompatibleModelError, match=r"spec v1 conventions.*retrain the model"):
        joblib.load(DATA / "cuda_model.joblib")


def test_incompatible_version_is_refused(tmp_path, fitted, monkeypatch):
    with monkeypatch.context() as m:  # a file from a future release
        m.setattr(estimator_module, "__version__", "9.9.0")
        joblib.dump(fitted, tmp_path / "m.joblib")
    with pytest.raises(
        IncompatibleModelError,
        match=r"saved by sklearn_jam 9\.9\.0.*installed sklearn_jam 0\.3\.\d+ \(it reads models "
        r"of 0\.2, 0\.3\)",
    ):
        joblib.load(tmp_path / "m.joblib")


def test_clear_errors(data, fitted):
    X, y = data
    with pytest.raises(ValueError, match="X has 258 features.*expecting 259"):
        fitted.predict(X[:, :-1])
    bad = X.copy()
    bad[0, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fitted.predict(bad)
    with pytest.raises(ValueError, match=r"shape \(n, 16, 16\)"):
        fitted.encode_images(np.ones((2, 8, 8)))
    with pytest.raises(ValueError, match="square image"):
        JamEmulatorRegressor(**TINY).fit(X[:, :-2], y)
    with pytest.raises(ValueError, match=r"y must be positive.*y\[0, 0\]"):
        JamEmulatorRegressor(**TINY).fit(X, -y)
    with pytest.raises(ValueError, match="activation"):
        JamEmulatorRegressor(**{**TINY, "activation": "sigmoidal"}).fit(X, y)


def test_outside_prior_warns(data, fitted):
    X, _ = data
    far = X[:2].copy()
    far[:, 2] = 20.0  # inclination far below the prior
    with pytest.warns(OutsidePriorWarning, match="outside"):
        fitted.predict(far)


@pytest.mark.slow
def test_paper_configuration():
    est = JamEmulatorRegressor.paper(max_epochs=1)
    assert est.hidden_layer_sizes == (4096,) * 6 and est.conv_channels == (128,) * 4
    assert est.lr_factor == pytest.approx(10 ** (-1 / 8)) and est.batch_size == 50
    X, y = toy_data(n=4, image_side=64)
    est.fit(X, y)
    linear = [m for m in est.module_.mlp if isinstance(m, torch.nn.Linear)]
    assert len(linear) == 7 and linear[0].in_features == 67 and linear[-1].out_features == 12
    n_mlp = sum(p.numel() for p in est.module_.mlp.parameters())
    assert 84e6 < n_mlp < 86e6  # the paper's 85M-parameter MLP


def test_image_contract_in_predict(data, fitted):
    """Images in counts are normalised with a warning; other faults are refused, naming them."""
    from sklearn_jam.photometry import ImageNormalizationWarning

    X = data[0][:4]
    expected = fitted.predict(X)
    counts = X.copy()
    counts[:, 3:] *= 1000.0
    with pytest.warns(ImageNormalizationWarning, match="image 0 sums to 1000"):
        np.testing.assert_allclose(fitted.predict(counts), expected, rtol=1e-6)
    assert counts[0, 3:].sum() == pytest.approx(1000.0)  # the caller's array is left alone
    side = fitted.image_side_

    def with_image(row, image):
        out = X[row : row + 1].copy()
        out[0, 3:] = image.ravel()
        return out

    image = X[1, 3:].reshape(side, side)
    if not np.allclose(image, image.T):  # a round galaxy cannot be transposed wrongly
        with pytest.raises(ValueError, match="image 0 is elongated along y.*transpose"):
            fitted.predict(with_image(1, image.T))
    with pytest.raises(ValueError, match="light-weighted centre of image 0"):
        fitted.predict(with_image(1, np.roll(image, 2, axis=1)))
    negative = image.copy()
    negative[0, 0] = -1e-3
    with pytest.raises(ValueError, match=r"non-negative.*-0.001 at pixel \(row 0, col 0\)"):
        fitted.predict(with_image(1, negative))
    with pytest.raises(ValueError, match="image 0 is all zero"):
        fitted.encode_images(np.zeros((1, side, side)))
    with pytest.raises(ValueError, match="non-negative"):
        fitted.encode_images(negative[None])


def test_images_unlike_the_training_set_warn(fitted):
    side = fitted.image_side_
    # A point source: far smaller than any training galaxy.
    point = np.zeros((side, side))
    point[side // 2 - 1 : side // 2 + 1, side // 2 - 1 : side // 2 + 1] = 0.25
    X = np.hstack([[[0.8, 0.1, 70.0]], point.reshape(1, -1)])
    with pytest.warns(OutsidePriorWarning, match="range of shapes the emulator was trained on"):
        fitted.predict(X)
    assert fitted.image_range_.shape == (2, 2)


def test_predict_from_features_checks(data, fitted):
    from sklearn.exceptions import NotFittedError

    feats = fitted.encode_images(data[0][:1, 3:])
    with pytest.raises(NotFittedError):
        JamEmulatorRegressor().predict_from_features(feats, [0.8, 0.1, 70.0])
    with pytest.raises(ValueError, match="scalars must be finite: row 1"):
        fitted.predict_from_features(feats, [[0.8, 0.1, 70.0], [0.8, np.nan, 70.0]])
    with pytest.warns(OutsidePriorWarning, match="outside the box"):
        fitted.predict_from_features(feats, [0.8, 0.6, 89.0])
    X_bad = data[0][:2].copy()
    for scalars, match in (
        ([0.8, 0.1, 200.0], r"inc\[0\]=200.0 must be in \(0, 90\] degrees"),
        ([1.5, 0.1, 70.0], r"q_m\[0\]=1.5 must be in \(0, 1\]"),
        ([0.8, 1.0, 70.0], r"beta_z\[0\]=1.0 must be < 1"),
    ):
        with pytest.raises(ValueError, match=match):
            fitted.predict_from_features(feats, scalars)
        X_bad[0, :3] = scalars
        with pytest.raises(ValueError, match=match):  # predict refuses them alike
            fitted.predict(X_bad)
    with pytest.raises(ValueError, match="features must be finite: row 0"):
        fitted.predict_from_features(np.full_like(feats, np.inf), [0.8, 0.1, 70.0])
    with pytest.raises(ValueError, match="features has 2 rows and scalars 3"):
        fitted.predict_from_features(np.vstack([feats, feats]), [[0.8, 0.1, 70.0]] * 3)


def test_bad_device_is_refused_before_training(data):
    with pytest.raises(ValueError, match="device='tpu' is not usable"):
        JamEmulatorRegressor(**{**TINY, "device": "tpu"}).fit(*data)


def test_fit_lets_skorch_warnings_through(data, monkeypatch):
    """fit used to silence every UserWarning from skorch; a user must see them."""
    from skorch import NeuralNetRegressor

    def warn_like_skorch(self, net, **kwargs):
        warnings.warn_explicit(
            "a warning of skorch's", UserWarning, "skorch/net.py", 1, module="skorch.net"
        )

    monkeypatch.setattr(NeuralNetRegressor, "on_train_begin", warn_like_skorch)
    with pytest.warns(UserWarning, match="a warning of skorch's"):
        JamEmulatorRegressor(**{**TINY, "max_epochs": 1}).fit(*data)


def test_tabular_mode(tmp_path):
    """image_side=None: the MLP alone on scalar columns, e.g. the six galaxy parameters."""
    p = sample_prior(200, random_state=3)
    y = 0.3 + 0.05 * p[:, [0]] * np.linspace(0, 1, 12)[None, :] + 0.1 * p[:, [4]]
    est = JamEmulatorRegressor(
        image_side=None, hidden_layer_sizes=(32,), max_epochs=40, lr=1e-2, random_state=0
    ).fit(p[:150], y[:150])
    assert est.image_side_ is None and est.n_features_in_ == 6
    assert est.score(p[150:], y[150:]) > 0.8
    with pytest.raises(ValueError, match="tabular mode"):
        est.encode_images(np.ones((1, 16, 16)))
    with pytest.raises(ValueError, match="tabular mode"):
        est.predict_from_features(np.ones((1, 4)), [0.8, 0.1, 70.0])
    path = tmp_path / "tab.joblib"
    joblib.dump(est, path)
    np.testing.assert_array_equal(joblib.load(path).predict(p[150:]), est.predict(p[150:]))
    flat_8x8 = np.hstack([p[:, 3:6], np.full((len(p), 64), 1 / 64)])
    with pytest.raises(ValueError, match="image_side=16 needs 3 \\+ 256 columns, X has 67"):
        JamEmulatorRegressor(**{**TINY, "image_side": 16}).fit(flat_8x8, y)
