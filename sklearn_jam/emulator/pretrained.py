"""The pretrained default emulator shipped with the package."""

import json
from importlib import resources

import joblib

__all__ = ["load_pretrained", "pretrained_card", "PRETRAINED_FILE", "PRETRAINED_CARD"]

PRETRAINED_FILE = "jam_emulator_default.joblib"
PRETRAINED_CARD = "jam_emulator_default.json"


def _data_path(name):
    return resources.files("sklearn_jam") / "data" / name


def pretrained_card():
    """The model card of the pretrained emulator (training set, versions, metrics), or None."""
    path = _data_path(PRETRAINED_CARD)
    return json.loads(path.read_text()) if path.is_file() else None


def load_pretrained(missing="raise"):
    """The fitted default :class:`~sklearn_jam.JamEmulatorRegressor` shipped in the package.

    It warns (:class:`~sklearn_jam.emulator.OutsidePriorWarning`) when asked to
    predict for ``q_m, beta_z, inc`` outside the Table 1 prior box.

    Parameters
    ----------
    missing : {'raise', 'none'}, default='raise'
        What to do when this installation ships no pretrained model (it is made
        by ``scripts/train_pretrained.py``).

    Returns
    -------
    estimator : JamEmulatorRegressor or None
    """
    if missing not in ("raise", "none"):
        raise ValueError(f"missing must be 'raise' or 'none', got {missing!r}")
    path = _data_path(PRETRAINED_FILE)
    if not path.is_file():
        if missing == "none":
            return None
        raise FileNotFoundError(
            f"no pretrained model at {path}; create it with `python scripts/train_pretrained.py`"
        )
    with resources.as_file(path) as p:
        return joblib.load(p)
