"""The pretrained default emulator shipped with the package.

It is shipped in the format that holds no code (:mod:`sklearn_jam.emulator.persistence`),
and its SHA-256 is checked before it is read, so a changed file is refused.
"""

import hashlib
import json
from importlib import resources

import numpy as np

from .persistence import archive_header, load_emulator

__all__ = [
    "load_pretrained",
    "pretrained_card",
    "PRETRAINED_FILE",
    "PRETRAINED_CARD",
    "PRETRAINED_SHA256",
    "check_shipped",
    "load_shipped",
    "shipped_header",
]

PRETRAINED_FILE = "jam_emulator_default.npz"
PRETRAINED_CARD = "jam_emulator_default.json"
#: SHA-256 of the shipped file (``scripts/train_pretrained.py`` prints it for a new one).
PRETRAINED_SHA256 = "75bea36e971b9675e2e4e19e14c3e132e3bc4a6fe396b2d7ee3f39a386355670"


def _data_path(name):
    return resources.files("sklearn_jam") / "data" / name


def check_shipped(path, sha256):
    """Refuse a shipped model file whose SHA-256 is not the released one, before it is read.

    Parameters
    ----------
    path : Traversable or path-like
        The file in the package's data.
    sha256 : str
        The released file's SHA-256 (hex).

    Raises
    ------
    ValueError
        Naming the file and both digests.
    """
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != sha256:
        raise ValueError(
            f"the shipped model {path} is not the file this sklearn_jam was released with "
            f"(SHA-256 {digest}, not the released {sha256}); reinstall sklearn_jam"
        )


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

    Raises
    ------
    ValueError
        If the shipped file's SHA-256 is not the released one.
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
    return load_shipped(PRETRAINED_FILE, PRETRAINED_SHA256, load_emulator)


def load_shipped(name, sha256, loader, device="cpu"):
    """A model file shipped in the package's data, refused if changed, read by ``loader``.

    Parameters
    ----------
    name : str
        The file's name in ``sklearn_jam/data``.
    sha256 : str
        Its released SHA-256.
    loader : callable
        ``loader(path, device=device)``, reading it without running code.
    device : str, default='cpu'
    """
    path = _data_path(name)
    check_shipped(path, sha256)
    with resources.as_file(path) as local:
        return loader(local, device=device)


def shipped_header(name, key, what):
    """The JSON header of a shipped archive (its card is its ``'info'``), or None."""
    path = _data_path(name)
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as data:
        return archive_header(data, key, path, what)
