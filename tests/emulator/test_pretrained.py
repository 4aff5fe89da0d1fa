import warnings

import numpy as np
import pytest
from _helpers import DATA

from sklearn_jam import JamEmulatorRegressor, JamSimulator, load_pretrained, sample_prior
from sklearn_jam.emulator import OutsidePriorWarning, pretrained_card


def test_shipped_model_loads_and_predicts():
    est = load_pretrained()
    assert isinstance(est, JamEmulatorRegressor) and est.n_outputs_ == 200
    card = pretrained_card()
    assert card["spec_version"] == "2" and card["test_set"]["n_maps"] >= 1000
    X = JamSimulator().features(sample_prior(3, random_state=0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", OutsidePriorWarning)  # inside the prior: no warning
        vrms = est.predict(X)
    assert vrms.shape == (3, 200) and np.all((vrms > 0.05) & (vrms < 2))


def test_shipped_model_warns_outside_prior():
    est = load_pretrained()
    X = JamSimulator().features(sample_prior(1, random_state=1))
    X[0, 1] = 0.6  # beta_z beyond the Table 1 box [-0.4, 0.4]
    with pytest.warns(OutsidePriorWarning, match="outside the box"):
        est.predict(X)


def test_missing_option_is_checked():
    with pytest.raises(ValueError, match="missing must be 'raise' or 'none', got 'bogus'"):
        load_pretrained(missing="bogus")


def test_predictions_unchanged_by_refactoring():
    """The shipped model's maps for 8 fixed galaxies, as recorded when it was trained
    (tests/data/make_pretrained_predictions.py); equal to float32 rounding on any CPU,
    bitwise on the machine that recorded them."""

    ref = np.load(DATA / "pretrained_predictions.npz")
    est = load_pretrained()
    X = JamSimulator().features(ref["params"])
    np.testing.assert_allclose(est.predict(X), ref["predict"], rtol=1e-6)
    features = est.encode_images(X[:, 3:])
    np.testing.assert_allclose(
        est.predict_from_features(features, X[:, :3]), ref["fast"], rtol=1e-6
    )
