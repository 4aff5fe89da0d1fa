"""The feature layout (scalars, then the raveled image) and the model cards."""

import json

import numpy as np
import pytest

from sklearn_jam import PRIOR_BOUNDS, sample_prior
from sklearn_jam.emulator.cards import card_path, read_card, write_card
from sklearn_jam.emulator.features import (
    FEATURE_SCALARS,
    N_SCALARS,
    features_from_images,
    scalar_prior_box,
    split_features,
)
from sklearn_jam.priors import PARAM_NAMES


def test_layout_round_trip():
    params = sample_prior(5, random_state=0)
    images = np.random.default_rng(0).random((5, 6, 6))
    X = features_from_images(params, images)
    assert X.shape == (5, N_SCALARS + 36)
    scalars, pixels = split_features(X)
    columns = [PARAM_NAMES.index(name) for name in FEATURE_SCALARS]
    np.testing.assert_array_equal(scalars, params[:, columns])
    np.testing.assert_array_equal(pixels.reshape(5, 6, 6), images)
    np.testing.assert_array_equal(features_from_images(params, images.reshape(5, -1)), X)


def test_scalar_prior_box_is_table_1():
    low, high = scalar_prior_box()
    assert N_SCALARS == len(FEATURE_SCALARS) == len(low) == len(high)
    for name, lo, hi in zip(FEATURE_SCALARS, low, high, strict=True):
        assert (lo, hi) == PRIOR_BOUNDS[name]


def test_card_round_trip(tmp_path):
    model = tmp_path / "m.joblib"
    assert card_path(model) == tmp_path / "m.card.json"
    assert read_card(model) is None
    card = write_card(model, {"n_train": np.int64(8), "seconds": np.float32(1.5), "t": (1, 2)})
    assert card["package_version"] and card["spec_version"] == "2"
    assert read_card(model) == json.loads(card_path(model).read_text())
    assert read_card(model)["n_train"] == 8 and read_card(model)["t"] == [1, 2]


def test_card_refuses_what_json_cannot_hold(tmp_path):
    with pytest.raises(TypeError):
        write_card(tmp_path / "m.joblib", {"bad": object()})
