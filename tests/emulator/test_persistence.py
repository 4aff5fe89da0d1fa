"""The model file without code: a round trip that predicts bitwise, and what it refuses."""

import json

import numpy as np
import pytest
from _helpers import TINY

from sklearn_jam import JamEmulatorRegressor, JamSimulator
from sklearn_jam.emulator import load_emulator, save_emulator
from sklearn_jam.emulator.persistence import is_emulator_file, load_model
from sklearn_jam.exceptions import IncompatibleModelError


@pytest.fixture(scope="module")
def fitted_pair():
    from _helpers import toy_vrms

    sim = JamSimulator(vrms_func=toy_vrms, image_side=16, pixel_scale=3.2)
    data = sim.make_dataset(40, random_state=0)
    return JamEmulatorRegressor(**TINY).fit(data.X, data.y), data


@pytest.mark.parametrize("options", [{}, {"image_side": None}, {"physical_features": False}])
def test_round_trip_predicts_bitwise(tmp_path, fitted_pair, options):
    _, data = fitted_pair
    X = data.params if options.get("image_side", "auto") is None else data.X
    est = JamEmulatorRegressor(**TINY, **options).fit(X, data.y)
    save_emulator(est, tmp_path / "m.npz")
    assert is_emulator_file(tmp_path / "m.npz")
    loaded = load_emulator(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.predict(X), est.predict(X))
    assert loaded.get_params() == est.get_params() and loaded.history_ == est.history_
    with np.load(tmp_path / "m.npz", allow_pickle=False) as archive:  # plain arrays only
        assert all(archive[k].dtype != object for k in archive.files)


def test_files_that_are_not_models_are_refused(tmp_path, fitted_pair):
    np.savez(tmp_path / "other.npz", a=np.ones(3))
    with pytest.raises(ValueError, match="not an sklearn_jam model file"):
        load_emulator(tmp_path / "other.npz")
    (tmp_path / "m.joblib").write_bytes(b"\x80\x04\x95")
    with pytest.raises(ValueError, match="is not a model file without code"):
        load_model(tmp_path / "m.joblib")
    est, _ = fitted_pair
    save_emulator(est, tmp_path / "m.npz")
    assert load_model(tmp_path / "m.npz").n_outputs_ == est.n_outputs_


def test_incompatible_versions_are_refused(tmp_path, fitted_pair):
    est, _ = fitted_pair
    save_emulator(est, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as archive:
        arrays = {k: archive[k] for k in archive.files}
    header = json.loads(bytes(arrays["__sklearn_jam__"]).decode())
    header["spec_version"] = "1"
    arrays["__sklearn_jam__"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    np.savez(tmp_path / "v1.npz", **arrays)
    with pytest.raises(IncompatibleModelError, match="spec v1 model"):
        load_emulator(tmp_path / "v1.npz")
