"""Chunked on-disk datasets that survive interruption (zarr).

A dataset is a zarr group directory::

    DIR/zarr.json          group metadata; attrs hold the settings, seed, versions
    DIR/params/            (n, 6) float64, the galaxy parameters (written first)
    DIR/images/            (n, side, side) float32 unit-sum images
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

import contextlib
import errno
import json
import os
import shutil
import warnings
import zlib
from pathlib import Path

import filelock
import numpy as np
import zarr
from sklearn.base import clone
from zarr.codecs import Crc32cCodec, ZstdCodec

from ._version import SPEC_VERSION, __version__
from .emulator.features import features_from_images
from .priors import check_params

__all__ = ["simulate_to_store", "load_dataset", "dataset_status"]

_FORMAT = "sklearn_jam.dataset"
_PROGRESS = "_progress"
_LOCK = ".sklearn_jam.lock"
_CREATING = ".sklearn_jam.creating"
#: Everything a store consists of: the only entries the package ever deletes.
_OWN_ENTRIES = ("zarr.json", "params", "images", "vrms", "rad", "ang", _PROGRESS, _CREATING)
#: zstd, then a CRC-32C checksum per chunk, so that damaged chunks are detected on reading.
_COMPRESSORS = (ZstdCodec(level=0), Crc32cCodec())


def _progress_file(path, i_chunk):
    return Path(path) / _PROGRESS / f"chunk_{i_chunk:06d}.json"


def _atomic_write_json(target, obj):
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    with open(tmp, "w") as fh:
        json.dump(obj, fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, target)


def _params_crc(params):
    """CRC-32 of the parameters as stored (float64)."""
    return zlib.crc32(np.ascontiguousarray(params, dtype=np.float64).tobytes())


def _read_params(root):
    """The stored parameters, or ``(None, reason)`` when they are missing or damaged."""
    try:
        params = np.asarray(root["params"][:])
    except Exception as exc:  # noqa: BLE001 -- any decoding error means damaged parameters
        return None, f"unreadable ({type(exc).__name__}: {' '.join(str(exc).split())})"
    expected = dict(root.attrs).get("params_crc32")
    if expected is not None and _params_crc(params) != expected:
        return None, "checksum mismatch (a chunk missing or altered)"
    return params, None


def _read_record(path):
    """A chunk's progress record, or ``(None, reason)`` when its file is damaged."""
    try:
        record = json.loads(path.read_text())
        if not isinstance(record, dict) or not isinstance(record.get("failures"), dict):
            raise ValueError("not a progress record")
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return None, f"unreadable progress file {path.name} ({type(exc).__name__})"
    return record, None


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


def _stored_attrs(attrs):
    """A store's attributes with what older stores leave implicit made explicit.

    Stores written before the spherical alignment (0.3 and earlier) hold
    cylindrically aligned maps and no ``align`` in their settings.
    """
    attrs = dict(attrs)
    if "settings" in attrs:
        attrs["settings"] = {"align": "cyl", **attrs["settings"]}
    return attrs


def _expected_attrs(simulator, n_samples, seed, chunk_size):
    return {
        "format": _FORMAT,
        "spec_version": SPEC_VERSION,
        "n_samples": int(n_samples),
        "seed": seed,
        "chunk_size": int(chunk_size),
        "settings": simulator.settings(),
        "param_names": list(simulator._param_names()),
    }


#: The arrays of a store.
_ARRAYS = ("params", "images", "vrms", "rad", "ang")


def _create_array(root, name, simulator, n, chunk_size):
    """Create (or replace, empty) one array of a store of ``n`` galaxies."""
    grid, side = simulator.grid, simulator._side()
    kw = {"compressors": _COMPRESSORS, "overwrite": True}
    if name in ("rad", "ang"):
        root.create_array(name, data=getattr(grid, name), **kw)
        return
    spec = {
        "params": dict(shape=(n, 6), dtype="f8"),
        "images": dict(shape=(n, side, side), dtype="f4", fill_value=0),
        "vrms": dict(shape=(n, grid.size), dtype="f8", fill_value=np.nan),
    }[name]
    root.create_array(name, chunks=(chunk_size, *spec["shape"][1:]), **spec, **kw)


def _write_params(path, root, params):
    """Store the parameters, flushed to disk, with the checksum that later protects them."""
    root["params"][:] = params
    _fsync(*(Path(path) / "params").rglob("*"), Path(path) / "params")
    root.attrs["params_crc32"] = _params_crc(params)


def _create_store(path, simulator, params, seed, chunk_size):
    """Write a new store into ``path`` (which holds at most the lock file).

    A marker file is present while the store is being created, so an interrupted
    creation is recognised as the package's own and only its entries are rebuilt.
    """
    n = len(params)
    marker = Path(path) / _CREATING
    marker.touch()
    root = zarr.open_group(str(path), mode="a")
    for name in _ARRAYS:
        _create_array(root, name, simulator, n, chunk_size)
    _write_params(path, root, params)
    (Path(path) / _PROGRESS).mkdir(exist_ok=True)
    root.attrs.update(
        {
            **_expected_attrs(simulator, n, seed, chunk_size),
            "package_version": __version__,
            "columns": {
                "params": list(simulator._param_names()),
                "vrms": "grid index i_r * n_ang + i_theta",
            },
        }
    )
    _fsync(*Path(path).glob("*.json"), path)
    marker.unlink()
    return root


def _remove_own_entries(path):
    """Delete what an interrupted creation of ours left, and nothing else."""
    for name in _OWN_ENTRIES:
        entry = Path(path) / name
        if entry.is_dir():
            shutil.rmtree(entry)
        elif entry.exists():
            entry.unlink()


def _fsync(*paths):
    """Flush files and directory entries to disk (directories: POSIX only)."""
    for p in paths:
        if os.name == "nt" and Path(p).is_dir():
            continue
        fd = os.open(p, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@contextlib.contextmanager
def _store_lock(path):
    """Hold the store's lock file, or refuse at once if another process holds it.

    The lock is an OS file lock (:mod:`filelock`), released by the OS when its
    holder dies, so a killed run never leaves a stale lock behind.
    """
    lock = filelock.FileLock(str(Path(path) / _LOCK), timeout=0)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise ValueError(
            f"another process is writing to the dataset {str(path)!r} (it holds "
            f"{str(Path(path) / _LOCK)!r}); wait for it to finish, then run the same "
            "command again to resume"
        ) from None
    try:
        yield
    finally:
        lock.release()


def _prepare_dir(path):
    """Make ``path`` a directory, refusing one that holds something that is not a dataset."""
    if path.exists() and not path.is_dir():
        raise ValueError(f"output path {str(path)!r} is a file, not a directory")
    if path.is_dir():
        names = sorted({p.name for p in path.iterdir()} - {_LOCK})
        ours = (path / "zarr.json").exists() or (path / _CREATING).exists()
        if names and not ours:
            raise ValueError(
                f"output path {str(path)!r} exists, is not empty and holds no sklearn_jam "
                f"dataset (it holds {names[:3]}); nothing was written; choose an empty or "
                "new directory"
            )
    path.mkdir(parents=True, exist_ok=True)


def _open_or_create(path, simulator, n_samples, seed, chunk_size):
    """The store at ``path`` (resumed, after checking its settings) or a new one.

    Called with the store's lock held.
    """
    path = Path(path)
    expected = _expected_attrs(simulator, n_samples, seed, chunk_size)
    if (path / _CREATING).exists():
        _remove_own_entries(path)
    if (path / "zarr.json").exists():
        root = zarr.open_group(str(path), mode="r+")
        attrs = dict(root.attrs)
        if attrs.get("format") != _FORMAT:
            raise ValueError(
                f"output path {str(path)!r} holds a zarr store that is not an sklearn_jam "
                "dataset; nothing was written; choose another directory"
            )
        _check_spec(attrs, path)
        attrs = _stored_attrs(attrs)
        for key, value in expected.items():
            if attrs.get(key) != value:
                raise ValueError(
                    f"output path {str(path)!r} holds a dataset made with other settings: "
                    f"{key}={attrs.get(key)!r} there, {value!r} requested; "
                    "use another --out or the same settings to resume"
                )
        _repair_arrays(path, root, simulator, n_samples, chunk_size)
        return root, _repair_params(path, root, simulator, n_samples, seed, chunk_size)
    params = simulator.sample_params(n_samples, random_state=seed)
    return _create_store(path, simulator, params, seed, chunk_size), params


def _repair_arrays(path, root, simulator, n_samples, chunk_size):
    """Recreate an array whose metadata is gone; its chunks are then recomputed."""
    for name in ("images", "vrms", "rad", "ang"):
        if (Path(path) / name / "zarr.json").exists():
            continue
        warnings.warn(
            f"dataset {str(path)!r}: the array {name!r} has no metadata ({name}/zarr.json is "
            "missing); it is recreated"
            + (" and every chunk recomputed" if name in ("images", "vrms") else ""),
            stacklevel=4,
        )
        _create_array(root, name, simulator, n_samples, chunk_size)
        if name in ("images", "vrms"):
            for f in (Path(path) / _PROGRESS).glob("chunk_*.json"):
                f.unlink()


def _repair_params(path, root, simulator, n_samples, seed, chunk_size):
    """The stored parameters, rebuilt from the seed when they are missing or damaged.

    They are drawn from the seed, so they can always be drawn again; the draw is
    checked against the checksum stored at creation (a NumPy that draws differently
    cannot rebuild them, and says so).
    """
    stored, reason = None, "missing (params/zarr.json)"
    if (Path(path) / "params" / "zarr.json").exists():
        stored, reason = _read_params(root)
    expected = dict(root.attrs).get("params_crc32")
    if stored is not None and expected is not None:
        return stored
    drawn = simulator.sample_params(n_samples, random_state=seed)
    if stored is not None:  # a store of 0.2, without a checksum: the draw is the truth
        if _params_crc(stored) == _params_crc(drawn):
            root.attrs["params_crc32"] = _params_crc(stored)
            return stored
        reason = "different from the draws of its seed"
    if expected is not None and _params_crc(drawn) != expected:
        raise ValueError(
            f"dataset {str(path)!r}: its parameters are {reason} and cannot be rebuilt: the "
            "draws of its seed differ from those it was made with (another NumPy?); "
            "simulate it again into a new directory"
        )
    warnings.warn(
        f"dataset {str(path)!r}: the parameters are {reason}; rebuilt from the seed",
        stacklevel=4,
    )
    _create_array(root, "params", simulator, n_samples, chunk_size)
    _write_params(path, root, drawn)
    return drawn


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
    status, records, broken = _progress(path)
    return status


def _progress(path):
    """:func:`dataset_status`, the finished chunks' indices and their progress records."""
    root = zarr.open_group(str(path), mode="r")
    attrs = dict(root.attrs)
    if attrs.get("format") != _FORMAT:
        raise ValueError(f"{str(path)!r} is not an sklearn_jam dataset")
    _check_spec(attrs, path)
    n, size = attrs["n_samples"], attrs["chunk_size"]
    n_chunks = -(-n // size)
    records, broken = {}, {}
    for i in range(n_chunks):
        f = _progress_file(path, i)
        if f.exists():
            records[i], reason = _read_record(f)
            if reason:
                broken[i] = reason
                del records[i]
    failures = {int(k): v for rec in records.values() for k, v in rec["failures"].items()}
    status = {
        "n_samples": n,
        "n_chunks": n_chunks,
        "chunks_done": len(records),
        "failures": dict(sorted(failures.items())),
        "complete": len(records) == n_chunks,
    }
    return status, records, broken


def _chunk_rows(i_chunk, chunk_size, n):
    return slice(i_chunk * chunk_size, min((i_chunk + 1) * chunk_size, n))


def _checksums(images, vrms):
    """CRC-32 of a chunk's arrays as written (float32 images, float64 maps)."""
    return {
        "images": zlib.crc32(np.ascontiguousarray(images, dtype=np.float32).tobytes()),
        "vrms": zlib.crc32(np.ascontiguousarray(vrms, dtype=np.float64).tobytes()),
    }


def _chunk_files(path, root, i_chunk):
    """The files of chunk ``i_chunk`` of the ``images`` and ``vrms`` arrays."""
    files = {}
    for name in ("images", "vrms"):
        coords = (i_chunk,) + (0,) * (root[name].ndim - 1)
        files[name] = Path(path) / name / root[name].metadata.encode_chunk_key(coords)
    return files


def _damaged_chunks(path, root, records, read=True):
    """``{chunk index: reason}`` for finished chunks whose data is missing or changed.

    Each progress record holds the CRC-32 of its chunk's arrays; a chunk is read
    back and compared (with ``read=False`` only the presence of its files is
    checked). Records of stores written before checksums were kept are checked
    for content instead: finite, positive maps and unit-sum images.
    """
    n, size = root["vrms"].shape[0], dict(root.attrs)["chunk_size"]
    damaged = {}
    for i, record in records.items():
        missing = [
            f"{name}/{f.relative_to(Path(path) / name)}"
            for name, f in _chunk_files(path, root, i).items()
            if not f.exists()
        ]
        if missing:
            damaged[i] = f"missing file {', '.join(missing)}"
            continue
        if not read:
            continue
        sl = _chunk_rows(i, size, n)
        try:
            images, vrms = root["images"][sl], root["vrms"][sl]
        except Exception as exc:  # noqa: BLE001 -- any decoding error means a damaged chunk
            damaged[i] = f"unreadable ({type(exc).__name__}: {exc})"
            continue
        if "crc32" in record:
            changed = [k for k, v in _checksums(images, vrms).items() if v != record["crc32"][k]]
            if changed:
                damaged[i] = f"checksum mismatch in {', '.join(changed)}"
            continue
        ok = np.ones(len(vrms), dtype=bool)
        ok[[int(k) - sl.start for k in record["failures"]]] = False
        good_maps = np.all(np.isfinite(vrms[ok]) & (vrms[ok] > 0))
        sums = images[ok].reshape(int(ok.sum()), -1).sum(axis=1, dtype=float)
        if not (good_maps and np.all(np.abs(sums - 1) < 1e-3)):
            damaged[i] = "content check failed (non-finite maps or images not of unit sum)"
    return damaged


def _describe_damage(damaged, size, n):
    return "; ".join(
        f"chunk {i} (rows {_chunk_rows(i, size, n).start}-{_chunk_rows(i, size, n).stop - 1}): "
        f"{reason}"
        for i, reason in sorted(damaged.items())
    )


@contextlib.contextmanager
def _disk_full_is_resumable(path):
    """A full disk named, with what to do: every finished chunk is kept, the run resumes."""
    try:
        yield
    except OSError as exc:
        if exc.errno != errno.ENOSPC:
            raise
        raise OSError(
            exc.errno,
            f"no space left on the device of {str(path)!r}: the finished chunks are kept; free "
            "some space and run the same command again to resume",
        ) from None


def simulate_to_store(simulator, n_samples, path, seed=0, chunk_size=None):
    """Simulate a dataset into a chunked, resumable zarr store.

    Calling it again with the same arguments after an interruption finishes
    the missing chunks only, and recomputes chunks found damaged (a missing
    file, a checksum mismatch); the result equals an uninterrupted run. One
    process at a time writes to a store: a second one is refused at once.

    Parameters
    ----------
    simulator : JamSimulator
        Its settings, ``n_jobs`` and ``verbose`` are used.
    n_samples : int
        Number of galaxies drawn from the prior with ``seed``.
    path : str or path-like
        Output directory: created, or resumed when it holds a dataset with the
        same settings. A dataset with other settings, a file, or a non-empty
        directory that holds no dataset is refused and left untouched.
    seed : int, default=0
        Seed of the parameter draws.
    chunk_size : int or None, default=None
        Galaxies per stored chunk; defaults to ``simulator.batch_size``.

    Returns
    -------
    status : dict
        As :func:`dataset_status`; failed galaxies are listed with their error.

    Raises
    ------
    ValueError
        For the refusals above, or when another process holds the store.
    """
    clone(simulator).fit()  # validates the settings, leaving the caller's object as it is
    if simulator.family != "sersic":
        raise ValueError(
            f"the store holds the Sersic family's images and maps; family={simulator.family!r} "
            "has no images: use JamSimulator.make_dataset, or the general emulator's resumable "
            "chunks (scripts/make_general_emulator.py make)"
        )
    if int(n_samples) != n_samples or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}")
    if seed is None or int(seed) != seed:
        raise ValueError(f"seed must be an integer so that a run can resume, got {seed!r}")
    chunk_size = int(chunk_size or simulator.batch_size)
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    path = Path(path)
    _prepare_dir(path)
    with _store_lock(path), _disk_full_is_resumable(path):
        root, params = _open_or_create(path, simulator, int(n_samples), int(seed), chunk_size)
        (path / _PROGRESS).mkdir(exist_ok=True)  # a deleted progress folder: all recomputed
        _, records, broken = _progress(path)
        damaged = {**_damaged_chunks(path, root, records), **broken}
        if damaged:
            warnings.warn(
                f"dataset {str(path)!r}: recomputing damaged chunks: "
                + _describe_damage(damaged, chunk_size, len(params)),
                stacklevel=2,
            )
            for i in damaged:
                _progress_file(path, i).unlink()
        n_chunks = -(-len(params) // chunk_size)
        todo = [
            _chunk_rows(i, chunk_size, len(params))
            for i in range(n_chunks)
            if not _progress_file(path, i).exists()
        ]
        # Every finished chunk is a file, even one of fill values only (all galaxies failed),
        # so that a missing file always means damage.
        images, vrms = (
            root[k].with_config({"write_empty_chunks": True}) for k in ("images", "vrms")
        )
        for sl, v, img, errors in simulator.simulate_batches(params, todo, with_images=True):
            i_chunk = sl.start // chunk_size
            img, v = np.asarray(img, dtype=np.float32), np.asarray(v, dtype=np.float64)
            images[sl] = img
            vrms[sl] = v
            # The chunk's data reaches the disk before the record that declares it done.
            for f in _chunk_files(path, root, i_chunk).values():
                _fsync(f, f.parent)
            record = {
                "failures": {str(sl.start + i): e for i, e in errors.items()},
                "crc32": _checksums(img, v),
            }
            _atomic_write_json(_progress_file(path, i_chunk), record)
    status = dataset_status(path)
    if status["failures"]:
        warnings.warn(
            f"{len(status['failures'])} of {status['n_samples']} galaxies failed; their errors "
            f"are stored in {str(path)!r} and listed by dataset_status()",
            stacklevel=2,
        )
    return status


class _ChunkVerifier:
    """Checks each chunk of a lazily loaded dataset against its checksum, once, on first read."""

    def __init__(self, path, root, records):
        self._path, self._root, self._records = path, root, records
        self._size = dict(root.attrs)["chunk_size"]
        self._checked = set()

    def __call__(self, rows):
        n = self._root["vrms"].shape[0]
        for i in np.unique(np.asarray(rows) // self._size).tolist():
            if i in self._checked:
                continue
            damaged = _damaged_chunks(self._path, self._root, {i: self._records[i]})
            if damaged:
                raise ValueError(
                    f"dataset {str(self._path)!r} changed since it was loaded: "
                    f"{_describe_damage(damaged, self._size, n)}; run the same simulate "
                    "command again to recompute it"
                )
            self._checked.add(i)


class _LazyFeatures:
    """Emulator features assembled on access from the on-disk parameters and images."""

    def __init__(self, params, images, rows, verify):
        self._params, self._images, self._rows, self._verify = params, images, rows, verify
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
        self._verify(rows)
        imgs = self._images.get_orthogonal_selection((rows, slice(None), slice(None)))
        out = features_from_images(self._params[rows], imgs)
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
    status, records, broken = _progress(path)
    missing = [n for n in ("params", "images", "vrms") if not (path / n / "zarr.json").exists()]
    if missing:
        raise ValueError(
            f"dataset {str(path)!r} has lost the metadata of {missing} ({missing[0]}/zarr.json "
            "is missing); run the same simulate command again to repair it"
        )
    root = zarr.open_group(str(path), mode="r")
    attrs = dict(root.attrs)
    size, n = attrs["chunk_size"], attrs["n_samples"]
    params_all, reason = _read_params(root)
    if reason:
        raise ValueError(
            f"dataset {str(path)!r}: its parameters (params/) are {reason}; run the same "
            "simulate command again to rebuild them from the seed"
        )
    damaged = {**_damaged_chunks(path, root, records, read=not lazy), **broken}
    if damaged:
        msg = (
            f"dataset {str(path)!r} has damaged chunks: {_describe_damage(damaged, size, n)}; "
            "run the same simulate command again to recompute them"
        )
        if not allow_partial:
            raise ValueError(msg)
        warnings.warn(msg + "; loading the other chunks", stacklevel=2)
        records = {i: r for i, r in records.items() if i not in damaged}
    if not status["complete"] and not allow_partial:
        raise ValueError(
            f"dataset {str(path)!r} is unfinished: {status['chunks_done']} of "
            f"{status['n_chunks']} chunks done; run the same simulate command again to resume"
        )
    done = np.array(
        [r for i in sorted(records) for r in range(*_chunk_rows(i, size, n).indices(n))],
        dtype=int,
    )
    settings = _stored_attrs(attrs)["settings"]
    bad = np.array(sorted(status["failures"]), dtype=int)
    bad = bad[np.isin(bad, done)]
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
    if keep.size == 0:
        raise ValueError(
            f"dataset {str(path)!r} holds no simulated galaxy: {bad.size} of the {done.size} "
            "galaxies of its finished chunks failed"
            + (f" (first: row {bad[0]}: {failures[0][1]})" if failures else "")
        )
    params = params_all[keep]
    image = {k: v for k, v in settings["image"].items() if k != "npix"}
    sim = JamSimulator(
        **settings["grid"],
        **image,
        image_side=settings["image"]["npix"],
        distance=settings["distance"],
        align=settings["align"],
        anisotropy=settings.get("anisotropy", "constant"),
    )
    if lazy:  # every chunk is checked against its checksum when it is first read
        verify = _ChunkVerifier(path, root, records)
        X = _LazyFeatures(params_all, root["images"], keep, verify)
        images = _RowView(root["images"], keep, verify)
        y = _RowView(root["vrms"], keep, verify)
    else:
        images = np.asarray(root["images"][:])[keep]
        y = np.asarray(root["vrms"][:])[keep]
        X = sim.features_from_images(params, images)
    check_params(params, check_bounds=False, align=sim.align, anisotropy=sim.anisotropy)
    return sim.dataset_bunch(X, y, params, images, failures, attrs=_stored_attrs(attrs))


class _RowView:
    """Rows ``keep`` of an on-disk array, read on indexing."""

    def __init__(self, array, keep, verify):
        self._array, self._keep, self._verify = array, keep, verify
        self.shape = (len(keep),) + tuple(array.shape[1:])

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, key):
        rows = np.atleast_1d(self._keep[key])
        self._verify(rows)
        sel = (rows,) + (slice(None),) * (len(self.shape) - 1)
        out = self._array.get_orthogonal_selection(sel)
        return out[0] if np.ndim(self._keep[key]) == 0 else out

    def __array__(self, dtype=None, copy=None):
        out = self[:]
        return out if dtype is None else out.astype(dtype)
