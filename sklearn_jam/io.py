"""Chunked on-disk datasets that survive interruption (zarr).

A dataset is a zarr group directory::

    DIR/zarr.json          group metadata; attrs hold the settings, seed, versions
    DIR/params/            (n, 6) float64, the galaxy parameters (written first)
    DIR/images/            (n, npix, npix) float32 unit-sum images
    DIR/vrms/              (n, n_rad * n_ang) float64 dimensionless maps (NaN: failed)
    DIR/rad/, DIR/ang/     the polar grid (arcsec, radians)
    DIR/_progress/chunk_NNNNNN.json   written atomically once a chunk is on disk;
                                      lists the galaxies of the chunk that failed

Each chunk of ``chunk_size`` galaxies is an independent file per array, and a
chunk counts as done only when its progress file exists, so a run killed at any
moment (even by SIGKILL) resumes by recomputing only the unfinished chunks.
Parameters are drawn once from the seed and stored before any JAM call, so the
resumed dataset is identical to an uninterrupted one.
"""

import json
import os
import warnings
from pathlib import Path

import numpy as np
import zarr
from sklearn.utils import Bunch

from ._version import SPEC_VERSION, __version__
from .grid import PolarGrid
from .priors import PARAM_NAMES, check_params

__all__ = ["simulate_to_store", "load_dataset", "dataset_status"]

_FORMAT = "sklearn_jam.dataset"
_PROGRESS = "_progress"


def _progress_file(path, i_chunk):
    return Path(path) / _PROGRESS / f"chunk_{i_chunk:06d}.json"


def _atomic_write_json(target, obj):
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    with open(tmp, "w") as fh:
        json.dump(obj, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)


def _check_spec(attrs, path):
    """Refuse a dataset of another spec version, saying why."""
    found = attrs.get("spec_version")
    if found != SPEC_VERSION:
        raise ValueError(
            f"dataset {str(path)!r} follows spec v{found}, this sklearn_jam follows spec "
            f"v{SPEC_VERSION}: v1 maps came from jampy's interp=False path, 0.15% (median) "
            "and up to 1.8% from the exact JAM of v2 (docs/physics.rst); simulate it again "
            "into a new directory"
        )


def _expected_attrs(simulator, n_samples, seed, chunk_size):
    return {
        "format": _FORMAT,
        "spec_version": SPEC_VERSION,
        "n_samples": int(n_samples),
        "seed": seed,
        "chunk_size": int(chunk_size),
        "settings": simulator.settings(),
        "param_names": list(PARAM_NAMES),
    }


def _create_store(path, simulator, params, seed, chunk_size):
    grid, n = simulator.grid, len(params)
    npix = simulator.npix
    root = zarr.open_group(str(path), mode="w")
    root.create_array("params", shape=(n, 6), chunks=(chunk_size, 6), dtype="f8")
    root.create_array(
        "images", shape=(n, npix, npix), chunks=(chunk_size, npix, npix), dtype="f4", fill_value=0
    )
    root.create_array(
        "vrms",
        shape=(n, grid.size),
        chunks=(chunk_size, grid.size),
        dtype="f8",
        fill_value=np.nan,
    )
    root.create_array("rad", data=grid.rad)
    root.create_array("ang", data=grid.ang)
    root["params"][:] = params
    (Path(path) / _PROGRESS).mkdir(exist_ok=True)
    # Attributes last: a store without them is an unfinished creation and is rebuilt.
    root.attrs.update(
        {
            **_expected_attrs(simulator, n, seed, chunk_size),
            "package_version": __version__,
            "columns": {"params": list(PARAM_NAMES), "vrms": "grid index i_r * n_ang + i_theta"},
        }
    )
    return root


def _open_or_create(path, simulator, n_samples, seed, chunk_size):
    path = Path(path)
    expected = _expected_attrs(simulator, n_samples, seed, chunk_size)
    if path.exists() and any(path.iterdir()):
        if not (path / "zarr.json").exists():
            raise ValueError(
                f"output path {str(path)!r} exists, is not empty and holds no sklearn_jam "
                "dataset; choose an empty or new directory"
            )
        root = zarr.open_group(str(path), mode="r+")
        attrs = dict(root.attrs)
        if attrs.get("format") == _FORMAT:
            _check_spec(attrs, path)
            for key, value in expected.items():
                if attrs.get(key) != value:
                    raise ValueError(
                        f"output path {str(path)!r} holds a dataset made with other settings: "
                        f"{key}={attrs.get(key)!r} there, {value!r} requested; "
                        "use another --out or the same settings to resume"
                    )
            return root, np.asarray(root["params"][:])
        if attrs:
            raise ValueError(f"output path {str(path)!r} holds a zarr store that is not a dataset")
    params = simulator.sample_params(n_samples, random_state=seed)
    return _create_store(path, simulator, params, seed, chunk_size), params


def dataset_status(path):
    """Progress of a dataset directory.

    Parameters
    ----------
    path : str or path-like
        Dataset directory.

    Returns
    -------
    status : dict
        ``n_samples``, ``n_chunks``, ``chunks_done``, ``failures`` (dict of
        global row index -> error message), ``complete`` (bool).
    """
    return _progress(path)[0]


def _progress(path):
    """:func:`dataset_status` and the rows of the finished chunks, from one scan."""
    root = zarr.open_group(str(path), mode="r")
    attrs = dict(root.attrs)
    if attrs.get("format") != _FORMAT:
        raise ValueError(f"{str(path)!r} is not an sklearn_jam dataset")
    _check_spec(attrs, path)
    n, size = attrs["n_samples"], attrs["chunk_size"]
    n_chunks = -(-n // size)
    done, failures = [], {}
    for i in range(n_chunks):
        f = _progress_file(path, i)
        if f.exists():
            done.append(np.arange(i * size, min((i + 1) * size, n)))
            failures.update({int(k): v for k, v in json.loads(f.read_text())["failures"].items()})
    status = {
        "n_samples": n,
        "n_chunks": n_chunks,
        "chunks_done": len(done),
        "failures": dict(sorted(failures.items())),
        "complete": len(done) == n_chunks,
    }
    return status, np.concatenate(done) if done else np.empty(0, dtype=int)


def simulate_to_store(simulator, n_samples, path, seed=0, chunk_size=None):
    """Simulate a dataset into a chunked, resumable zarr store.

    Calling it again with the same arguments after an interruption finishes
    the missing chunks only; the result equals an uninterrupted run.

    Parameters
    ----------
    simulator : JamSimulator
        Its settings, ``n_jobs`` and ``verbose`` are used.
    n_samples : int
        Number of galaxies drawn from the prior with ``seed``.
    path : str or path-like
        Output directory (created; an existing dataset with the same settings
        is resumed, one with other settings is refused).
    seed : int, default=0
        Seed of the parameter draws.
    chunk_size : int or None, default=None
        Galaxies per stored chunk; defaults to ``simulator.batch_size``.

    Returns
    -------
    status : dict
        As :func:`dataset_status`; failed galaxies are listed with their error.
    """
    simulator._check_settings()
    if int(n_samples) != n_samples or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    if seed is None or int(seed) != seed:
        raise ValueError(f"seed must be an integer so that a run can resume, got {seed!r}")
    chunk_size = int(chunk_size or simulator.batch_size)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    root, params = _open_or_create(path, simulator, int(n_samples), int(seed), chunk_size)
    n_chunks = -(-len(params) // chunk_size)
    todo = [
        slice(i * chunk_size, min((i + 1) * chunk_size, len(params)))
        for i in range(n_chunks)
        if not _progress_file(path, i).exists()
    ]
    images, vrms = root["images"], root["vrms"]
    for sl, v, img, errors in simulator._run_batches(params, todo, with_images=True):
        images[sl] = img
        vrms[sl] = v
        failures = {str(sl.start + i): e for i, e in errors.items()}
        _atomic_write_json(_progress_file(path, sl.start // chunk_size), {"failures": failures})
    status = dataset_status(path)
    if status["failures"]:
        warnings.warn(
            f"{len(status['failures'])} of {status['n_samples']} galaxies failed; their errors "
            f"are stored in {str(path)!r} and listed by dataset_status()",
            stacklevel=2,
        )
    return status


class _LazyFeatures:
    """Emulator features assembled on access from the on-disk parameters and images."""

    def __init__(self, params, images, rows):
        self._params, self._images, self._rows = params, images, rows
        npix = images.shape[1]
        self.shape = (len(rows), 3 + npix * npix)
        self.ndim = 2
        self.dtype = np.dtype(float)

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, key):
        rows = self._rows[key]
        scalar = np.ndim(rows) == 0
        rows = np.atleast_1d(rows)
        imgs = self._images.get_orthogonal_selection((rows, slice(None), slice(None)))
        out = np.hstack([self._params[rows][:, 3:6], imgs.reshape(len(rows), -1).astype(float)])
        return out[0] if scalar else out

    def __array__(self, dtype=None, copy=None):
        out = self[:]
        return out if dtype is None else out.astype(dtype)


def load_dataset(path, lazy=False, allow_partial=False):
    """Read a dataset written by :func:`simulate_to_store`.

    Parameters
    ----------
    path : str or path-like
        Dataset directory.
    lazy : bool, default=False
        Return ``images`` and ``y`` as zarr arrays and ``X`` as a lazy row
        accessor, read from disk on indexing, instead of loading everything.
    allow_partial : bool, default=False
        Load the finished chunks of an unfinished dataset (with a warning),
        e.g. to start training while the simulation goes on.

    Returns
    -------
    data : sklearn.utils.Bunch
        The same fields as :meth:`JamSimulator.make_dataset`: ``X``, ``y``,
        ``params``, ``images``, ``grid``, ``feature_names``, ``target_names``,
        ``param_names``, ``failures``, plus ``attrs`` (settings and versions).
        Failed galaxies are left out of the arrays and listed in ``failures``.

    Raises
    ------
    ValueError
        If the directory is not a dataset, or the dataset is unfinished.
    """
    from .simulator import JamSimulator

    path = Path(path)
    if not (path / "zarr.json").exists():
        raise ValueError(f"{str(path)!r} holds no sklearn_jam dataset (no zarr.json)")
    status, done = _progress(path)
    if not status["complete"] and not allow_partial:
        raise ValueError(
            f"dataset {str(path)!r} is unfinished: {status['chunks_done']} of "
            f"{status['n_chunks']} chunks done; run the same simulate command again to resume"
        )
    root = zarr.open_group(str(path), mode="r")
    attrs = dict(root.attrs)
    settings = attrs["settings"]
    params_all = np.asarray(root["params"][:])
    bad = np.array(sorted(status["failures"]), dtype=int)
    if not status["complete"]:
        warnings.warn(
            f"dataset {str(path)!r} is unfinished: loading the {status['chunks_done']} of "
            f"{status['n_chunks']} chunks that are done ({done.size} galaxies)",
            stacklevel=2,
        )
    keep = np.setdiff1d(done, bad)
    failures = [(params_all[i], status["failures"][i]) for i in bad]
    if failures:
        warnings.warn(
            f"{len(failures)} of {len(params_all)} galaxies of {str(path)!r} failed and are "
            f"left out (first: row {bad[0]}: {failures[0][1]}); see the 'failures' field",
            stacklevel=2,
        )
    params = params_all[keep]
    grid = PolarGrid(**settings["grid"])
    sim = JamSimulator(**settings["grid"], **settings["image"], distance=settings["distance"])
    if lazy:
        images, y = root["images"], root["vrms"]
        X = _LazyFeatures(params_all, images, keep)
        if len(keep) != len(params_all):
            images = _RowView(images, keep)
            y = _RowView(y, keep)
    else:
        images = np.asarray(root["images"][:])[keep]
        y = np.asarray(root["vrms"][:])[keep]
        X = sim.features_from_images(params, images)
    check_params(params, check_bounds=False)
    return Bunch(
        X=X,
        y=y,
        params=params,
        images=images,
        grid=grid,
        feature_names=sim.feature_names(),
        target_names=grid.feature_names(),
        param_names=np.array(PARAM_NAMES, dtype=object),
        failures=failures,
        attrs=attrs,
    )


class _RowView:
    """Rows ``keep`` of an on-disk array, read on indexing."""

    def __init__(self, array, keep):
        self._array, self._keep = array, keep
        self.shape = (len(keep),) + tuple(array.shape[1:])

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, key):
        rows = np.atleast_1d(self._keep[key])
        sel = (rows,) + (slice(None),) * (len(self.shape) - 1)
        out = self._array.get_orthogonal_selection(sel)
        return out[0] if np.ndim(self._keep[key]) == 0 else out

    def __array__(self, dtype=None, copy=None):
        out = self[:]
        return out if dtype is None else out.astype(dtype)
