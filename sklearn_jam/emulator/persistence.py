"""A model file that holds no code: the emulator's parameters, statistics and weights.

A joblib (pickle) file can run any code when it is loaded, so it is only for one's
own files. :func:`save_emulator` writes a NumPy ``.npz`` archive instead: the
estimator's parameters and scalar state as JSON text, its fitted statistics and the
network's weights as plain arrays. :func:`load_emulator` reads it with
``allow_pickle=False`` and rebuilds the estimator from its parameters, so nothing in
the file is ever executed. Predictions are bitwise those of the saved estimator.
"""

import json

import numpy as np
import torch

from .._version import SPEC_VERSION, __version__
from ..exceptions import IncompatibleModelError
from ..utils import jsonable
from ._estimator import _READABLE_VERSIONS, JamEmulatorRegressor, _resolve_device

__all__ = [
    "save_emulator",
    "load_emulator",
    "load_model",
    "is_emulator_file",
    "emulator_arrays",
    "emulator_from_arrays",
    "save_regressor_archive",
    "read_regressor_archive",
    "archive_header",
    "is_archive",
]

#: Fitted attributes stored as arrays, and those stored in the JSON header.
_ARRAYS = (
    "image_mean_",
    "image_scale_",
    "image_range_",
    "physical_mean_",
    "physical_scale_",
    "scalar_mean_",
    "scalar_scale_",
    "target_mean_",
    "target_scale_",
)
_HEADER = "__sklearn_jam__"
#: Estimator parameters that are tuples (JSON has lists only).
_TUPLES = ("conv_channels", "pool_after", "hidden_layer_sizes")


def emulator_arrays(est):
    """The arrays of a :func:`save_emulator` file of a fitted estimator (header included).

    Parameters
    ----------
    est : JamEmulatorRegressor

    Returns
    -------
    arrays : dict of str to ndarray
        Plain arrays, the header a JSON text as ``uint8``.
    """
    state = vars(est)
    header = {
        "format": "sklearn_jam.emulator",
        "package_version": __version__,
        "spec_version": SPEC_VERSION,
        "params": jsonable(est.get_params()),
        "n_features_in_": int(est.n_features_in_),
        "n_outputs_": int(est.n_outputs_),
        "image_side_": est.image_side_,
        "single_output": bool(est._single_output),
        "history_": jsonable(est.history_),
    }
    arrays = {f"attr/{k}": np.asarray(state[k]) for k in _ARRAYS if k in state}
    arrays["attr/scalar_box_"] = np.stack(est.scalar_box_)
    for key, value in est.net_.module_.state_dict().items():
        arrays[f"net/{key}"] = value.detach().cpu().numpy()
    arrays[_HEADER] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    return arrays


def save_emulator(est, path):
    """Write a fitted :class:`~sklearn_jam.JamEmulatorRegressor` to a file that holds no code.

    Parameters
    ----------
    est : JamEmulatorRegressor
        A fitted estimator.
    path : str or path-like
        The ``.npz`` file to write.
    """
    arrays = emulator_arrays(est)
    with open(path, "wb") as fh:  # np.savez would append .npz to a path without it
        np.savez_compressed(fh, **arrays)


def is_emulator_file(path):
    """True if ``path`` is a file written by :func:`save_emulator` (read without pickle)."""
    return is_archive(path, _HEADER)


def load_emulator(path, device="cpu"):
    """Read a :func:`save_emulator` file; nothing in it runs.

    Parameters
    ----------
    path : str or path-like
        The ``.npz`` file.
    device : str, default='cpu'
        Torch device the rebuilt network runs on ('auto': a GPU where there is one);
        the estimator's ``device`` parameter stays as saved (used by a refit).

    Returns
    -------
    est : JamEmulatorRegressor
        The fitted estimator, predicting bitwise as the one saved.

    Raises
    ------
    ValueError
        If the file is not such a file (a pickle is refused, never loaded).
    IncompatibleModelError
        If it was written under another spec or an incompatible version.
    """
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ValueError(
            f"{path} is not an sklearn_jam model file (.npz written by save_emulator): {exc}; "
            "a joblib file is a pickle, which can run code when loaded: open it with "
            "joblib.load only if you made it yourself"
        ) from None
    with data:
        if _HEADER not in data.files:
            raise ValueError(f"{path} is an .npz archive but not an sklearn_jam model file")
        arrays = {k: data[k] for k in data.files}
    return emulator_from_arrays(arrays, path, device=device)


def emulator_from_arrays(arrays, path, device="cpu"):
    """The estimator of :func:`emulator_arrays`' arrays (read from ``path``, for messages).

    Parameters
    ----------
    arrays : dict of str to ndarray
    path : str or path-like
        Where they were read, named in errors.
    device : str, default='cpu'

    Returns
    -------
    est : JamEmulatorRegressor
    """
    header = json.loads(bytes(arrays[_HEADER]).decode())
    _check_versions(header, path)
    params = dict(header["params"])
    for key in _TUPLES:
        if params.get(key) is not None:
            params[key] = tuple(params[key])
    est = JamEmulatorRegressor(**params)  # its parameters as saved, its device as asked
    est.n_features_in_ = header["n_features_in_"]
    est.n_outputs_ = header["n_outputs_"]
    est.image_side_ = header["image_side_"]
    est._single_output = header["single_output"]
    est.history_ = header["history_"]
    for key, value in arrays.items():
        if key.startswith("attr/"):
            setattr(est, key[5:], value)
    est.scalar_box_ = tuple(est.scalar_box_)
    est.device_ = _resolve_device(device)
    est.net_ = est._build_net(est.n_outputs_).initialize()
    weights = {k[4:]: torch.from_numpy(v) for k, v in arrays.items() if k.startswith("net/")}
    est.net_.module_.load_state_dict(weights)
    return est


def _check_versions(header, path):
    spec, saved = header.get("spec_version"), header.get("package_version", "")
    if spec != SPEC_VERSION:
        raise IncompatibleModelError(
            f"{path} holds a spec v{spec} model; this sklearn_jam follows spec v{SPEC_VERSION}"
        )
    if ".".join(saved.split(".")[:2]) not in _READABLE_VERSIONS:
        raise IncompatibleModelError(
            f"{path} was saved by sklearn_jam {saved}; the installed {__version__} reads "
            f"models of {', '.join(_READABLE_VERSIONS)}"
        )


# -- archives of a tabular regressor and what serves it (the table emulators) ---------

_PREFIX = "regressor/"


def save_regressor_archive(path, key, header, regressor, arrays=None):
    """Write a fitted tabular regressor with a JSON header and arrays: a file without code.

    Parameters
    ----------
    path : str or path-like
    key : str
        The archive entry of the header, which names the file's kind.
    header : dict
        JSON-able; the package and spec versions are added.
    regressor : JamEmulatorRegressor
    arrays : dict of str to ndarray, default=None
        More plain arrays.
    """
    header = {"package_version": __version__, "spec_version": SPEC_VERSION, **header}
    out = {f"{_PREFIX}{k}": v for k, v in emulator_arrays(regressor).items()}
    out |= dict(arrays or {})
    out[key] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **out)


def archive_header(data, key, path, what):
    """The JSON header of an open archive, refused if it is not of this kind."""
    if key not in data.files:
        raise ValueError(f"{path} is an .npz archive but not a {what} file")
    return json.loads(bytes(data[key]).decode())


def is_archive(path, key):
    """Whether ``path`` is an archive of :func:`save_regressor_archive` with this ``key``."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return key in data.files
    except (OSError, ValueError):
        return False


def read_regressor_archive(path, key, what, check_header, device="cpu"):
    """Read a :func:`save_regressor_archive` file without running anything in it.

    Parameters
    ----------
    path : str or path-like
    key : str
    what : str
        The kind of file, for messages.
    check_header : callable
        Raises ``ValueError`` for a header this version cannot serve, before the
        network is built.
    device : str, default='cpu'

    Returns
    -------
    header : dict
    regressor : JamEmulatorRegressor
        Fitted, tabular.
    arrays : dict of str to ndarray
        The archive's other arrays.
    """
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} is not a {what} file (.npz): {exc}") from None
    with data:
        header = archive_header(data, key, path, what)
        arrays = {k: data[k] for k in data.files if k != key}
    check_header(header)
    regressor = emulator_from_arrays(
        {k[len(_PREFIX) :]: v for k, v in arrays.items() if k.startswith(_PREFIX)}, path, device
    )
    if regressor.image_side_ is not None:
        raise ValueError(f"{path} does not hold a tabular JamEmulatorRegressor")
    return header, regressor, {k: v for k, v in arrays.items() if not k.startswith(_PREFIX)}


def load_model(path, trust_pickle=False, device="cpu"):
    """A model file as the command line opens it: without code, or a pickle if trusted.

    Parameters
    ----------
    path : str or path-like
        A :func:`save_emulator` file, or a joblib file.
    trust_pickle : bool, default=False
        Also open a joblib (pickle) file, which can run any code while it is read:
        only for files one made oneself.
    device : str, default='cpu'
        As :func:`load_emulator`.

    Returns
    -------
    est : JamEmulatorRegressor
    """
    if is_emulator_file(path):
        return load_emulator(path, device=device)
    if not trust_pickle:
        raise ValueError(
            f"{path} is not a model file without code (.npz from save_emulator or "
            "'sklearn-jam train --out MODEL.npz'); a joblib file is a pickle, which can run any "
            "code when loaded: open it only if you made it yourself (--trust-model)"
        )
    import joblib

    return joblib.load(path)
