"""The emulator's preprocessing: physical features, the one-galaxy fast path, image checks."""

import numpy as np
import pytest
from _helpers import TINY

from sklearn_jam import JamEmulatorRegressor, JamSimulator, sample_prior
from sklearn_jam.emulator._preprocessing import PHYSICAL_FEATURE_NAMES, _prior_images
from sklearn_jam.jam import intrinsic_axis_ratio


def test_prior_images_cover_the_box_at_any_side():
    images = _prior_images(16)
    assert images.shape == (27, 256)
    np.testing.assert_allclose(images.sum(1), 1, rtol=1e-6)


def test_physical_features_are_the_formulas_and_one_row_equals_many():
    est = JamEmulatorRegressor(**TINY)
    params = sample_prior(6, random_state=1)
    scalars = params[:, [3, 4, 5]]
    q_image = params[:, 2]
    many = est._physical(scalars, q_image)
    assert many.shape == (6, len(PHYSICAL_FEATURE_NAMES))
    np.testing.assert_allclose(many[:, 1], np.cos(np.radians(params[:, 5])))
    np.testing.assert_allclose(many[:, 2], intrinsic_axis_ratio(params[:, 2], params[:, 5]))
    np.testing.assert_allclose(many[:, 3], intrinsic_axis_ratio(params[:, 3], params[:, 5]))
    for i in range(6):  # the MCMC path (Python floats) gives the same numbers
        np.testing.assert_allclose(est._physical(scalars[i : i + 1], q_image[i : i + 1]), many[[i]])


def test_image_side_is_checked_against_the_layout():
    est = JamEmulatorRegressor(**TINY)
    assert est._image_side(3 + 64 * 64) == 64
    with pytest.raises(ValueError, match=r"3 \+ side\*\*2 columns; got 10 columns"):
        est._image_side(10)


def test_fitted_model_images_are_checked():
    sim = JamSimulator(image_side=16, pixel_scale=3.2, vrms_func=None)
    data = sim.make_dataset(4, random_state=0)
    est = JamEmulatorRegressor(**TINY).fit(data.X, data.y)
    bad = data.X.copy()
    bad[0, 3] = -1.0
    with pytest.raises(ValueError, match="negative"):
        est.predict(bad)
