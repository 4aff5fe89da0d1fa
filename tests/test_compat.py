"""Names that moved in 0.3: the old modules warn and give the very same objects."""

import importlib

import pytest

import sklearn_jam

MOVED = [
    ("sklearn_jam.mge", "sersic_mge", "sklearn_jam.jam.mge"),
    ("sklearn_jam.mass", "gnfw_mge", "sklearn_jam.jam.mass"),
    ("sklearn_jam.features", "split_features", "sklearn_jam.emulator.features"),
    ("sklearn_jam.pretrained", "load_pretrained", "sklearn_jam.emulator.pretrained"),
    ("sklearn_jam.workflows", "make_estimator", "sklearn_jam.cli.train"),
    ("sklearn_jam.workflows", "plain_jampy_vrms", "sklearn_jam.jam"),
    ("sklearn_jam.workflows", "write_card", "sklearn_jam.emulator.cards"),
]


@pytest.mark.parametrize(("old", "name", "new"), MOVED)
def test_moved_names_warn_and_forward(old, name, new):
    module = importlib.import_module(old)
    with pytest.warns(FutureWarning, match=rf"moved to {new} in sklearn_jam 0\.3"):
        value = getattr(module, name)
    assert value is getattr(importlib.import_module(new), name)


def test_unknown_names_are_attribute_errors():
    import sklearn_jam.mge as mge
    import sklearn_jam.workflows as workflows

    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        mge.nothing  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        workflows.nothing  # noqa: B018


def test_0_2_pickles_load_and_predict_as_the_shipped_model():
    """The 0.2 pickle of the pretrained model (it names sklearn_jam._network and
    sklearn_jam.emulator) loads, and predicts bitwise as the file without code now shipped."""
    import joblib
    import numpy as np
    from _helpers import DATA

    import sklearn_jam._network as old_network
    from sklearn_jam.emulator import _JamNet

    assert old_network._JamNet is _JamNet
    old = joblib.load(DATA / "pretrained_0.2.joblib")
    assert old.net_.module_.__class__ is _JamNet
    X = sklearn_jam.JamSimulator().features(sklearn_jam.sample_prior(20, random_state=0))
    np.testing.assert_array_equal(old.predict(X), sklearn_jam.load_pretrained().predict(X))


def test_npix_is_image_side_with_a_warning():
    import numpy as np
    from _helpers import toy_vrms

    from sklearn_jam import JamSimulator, sersic_images

    with pytest.warns(FutureWarning, match="npix was renamed image_side"):
        old = sersic_images([3.0], [5.0], [0.8], npix=16, pixel_scale=3.2)
    np.testing.assert_array_equal(old, sersic_images([3.0], [5.0], [0.8], 16, pixel_scale=3.2))
    kw = {"pixel_scale": 3.2, "vrms_func": toy_vrms}
    new = JamSimulator(image_side=16, **kw).make_dataset(2, random_state=0)
    with pytest.warns(FutureWarning, match=r"JamSimulator\(npix=\) was renamed image_side"):
        old = JamSimulator(npix=16, **kw).make_dataset(2, random_state=0)
    np.testing.assert_array_equal(old.X, new.X)
    assert new.images.shape == (2, 16, 16)
