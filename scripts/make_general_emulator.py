"""Build the pretrained general emulator (issue 19): its training data, the network, its card.

Usage:
    python scripts/make_general_emulator.py make --n 12000 --seed 1 --out DIR [--n-jobs 2]
        [--photometry family|smooth]
    python scripts/make_general_emulator.py train --data DIR [DIR ...] --out MODEL.npz
        [--epochs 500] [--hidden 512 512 512 512] [--design spherical]
    python scripts/make_general_emulator.py ship --model MODEL.npz --accuracy BENCH.json
        --out sklearn_jam/data/jam_emulator_general.npz

``make`` draws galaxies of the general family (:func:`sklearn_jam.general.sample_general`;
``--photometry smooth``: :func:`sklearn_jam.general.sample_smooth_mges`,
spaxels off: the emulator applies them itself), one round mass Gaussian of
log-uniform sigma each, and computes with the exact engine
(:func:`sklearn_jam.general.general_unit_maps`) the V_rms^2 of the stars, of that
Gaussian and of a black hole on the emulator's polar grid
(:data:`sklearn_jam.emulator.general.GRID`), in chunk files of 100 galaxies so that
an interrupted run resumes where it stopped. ``train`` fits a
:class:`~sklearn_jam.JamEmulatorRegressor` (tabular) on them, evaluates it on the
held-out random 10%, and writes the model and its card. ``ship`` adds the figures of
``benchmarks/bench_general_emulator.py --json`` to the card and prints the SHA-256
that :data:`sklearn_jam.emulator.general.GENERAL_PRETRAINED_SHA256` must hold.

The shipped model (0.3.6): ``make --n 14000 --seed 1 --out d1``, ``make --n 14000
--seed 2 --out d2`` (7 min each on 2 cores), ``make --n 14000 --seed 3 --out s1
--photometry smooth`` (3 min), ``train --data d1 d2 s1 --epochs 500 --seeds "1, 2
(family), 3 (smooth)" --photometry-note "28,000 bulge + disk + nucleus of
sklearn_jam.general and 14,000 sample_smooth_mges"`` (37 minutes on 2 CPU threads).
"""

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

from sklearn_jam.emulator.general import PSF_RANGE
from sklearn_jam.general import (
    GENERAL_PARAM_NAMES,
    LG_SIGMA_MASS_RANGE,
    general_mge,
    general_unit_maps,
    sample_general,
    sample_smooth_mges,
    unit_maps_of_mge,
)

CHUNK = 100


def _chunk(params, lg_sigma_mass, path):
    from sklearn_jam.emulator.general import grid_baseline, grid_points

    x, y = grid_points()
    maps = general_unit_maps(params, lg_sigma_mass, x, y)
    # The targets' baseline (design 'spherical'), kept so that train need not redo it.
    mge = general_mge(params)
    sigma_psf = params[:, GENERAL_PARAM_NAMES.index("sigma_psf")]
    baseline = grid_baseline(mge, lg_sigma_mass, sigma_psf)
    save_chunk(path, params=params, lg_sigma_mass=lg_sigma_mass, maps=maps, baseline=baseline)


def save_chunk(path, **arrays):
    """Write a chunk's arrays; a chunk is there whole or not at all (resume skips it)."""
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.rename(path)


def _smooth_chunk(mge, inc, sigma_psf, lg_sigma_mass, path):
    from sklearn_jam.emulator.general import grid_baseline, grid_points

    x, y = grid_points()
    maps = np.stack(
        [
            unit_maps_of_mge(m, i, s, 0.0, lg, x, y)
            for *m, i, s, lg in zip(*mge, inc, sigma_psf, lg_sigma_mass, strict=True)
        ]
    )
    baseline = grid_baseline(mge, lg_sigma_mass, sigma_psf)
    surf, sigma, qobs = mge
    save_chunk(
        path,
        surf=surf,
        sigma=sigma,
        qobs=qobs,
        inc=inc,
        sigma_psf=sigma_psf,
        lg_sigma_mass=lg_sigma_mass,
        maps=maps,
        baseline=baseline,
    )


def make(args):
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(args.seed)
    seed = rng.integers(2**31)
    # The PSF log-uniform over the emulator's wider range (down to 0.001 r_e: jampy's
    # black-hole example resolves 0.0014 r_e), not the family's uniform 0.01-0.3.
    psf_low, psf_high = PSF_RANGE
    sigma_psf = np.exp(rng.uniform(np.log(psf_low), np.log(psf_high), size=args.n))
    lg_sigma_mass = rng.uniform(*LG_SIGMA_MASS_RANGE, size=args.n)
    todo = [
        (i, out / f"chunk_{i:05d}.npz")
        for i in range(0, args.n, CHUNK)
        if not (out / f"chunk_{i:05d}.npz").exists()
    ]
    if args.photometry == "family":
        params = sample_general(args.n, seed)
        params[:, GENERAL_PARAM_NAMES.index("pixsize")] = 0.0
        params[:, GENERAL_PARAM_NAMES.index("sigma_psf")] = sigma_psf
        jobs = (
            delayed(_chunk)(params[i : i + CHUNK], lg_sigma_mass[i : i + CHUNK], path)
            for i, path in todo
        )
    else:
        mge, inc = sample_smooth_mges(args.n, seed)
        jobs = (
            delayed(_smooth_chunk)(
                tuple(v[i : i + CHUNK] for v in mge),
                inc[i : i + CHUNK],
                sigma_psf[i : i + CHUNK],
                lg_sigma_mass[i : i + CHUNK],
                path,
            )
            for i, path in todo
        )
    start = time.perf_counter()
    Parallel(n_jobs=args.n_jobs, verbose=5)(jobs)
    seconds = time.perf_counter() - start
    n_done = sum(min(CHUNK, args.n - i) for i, _ in todo)
    print(
        f"{n_done} galaxies in {seconds:.0f} s on {args.n_jobs} jobs "
        f"({seconds * args.n_jobs / max(n_done, 1) * 1e3:.0f} ms per galaxy per core)"
    )


def load_data(dirs, design):
    """The regressor's inputs and targets from every chunk under ``dirs``, in order.

    Chunks of the family (``params``) and of smooth MGEs (``surf``, ...) may mix;
    chunks made before 0.3.6 have no baselines, which are then computed.

    Returns
    -------
    X, y : ndarray
        :func:`~sklearn_jam.emulator.general.mge_training_data`.
    """
    from sklearn_jam.emulator.general import mge_training_data, training_data

    files = sorted(f for d in dirs for f in Path(d).glob("chunk_?????.npz"))
    if not files:
        raise SystemExit(f"no chunk files under {dirs}")
    X, y = [], []
    for f in files:
        with np.load(f) as part:
            baseline = part["baseline"] if "baseline" in part.files else None
            if "params" in part.files:
                args = (part["params"], part["lg_sigma_mass"], part["maps"])
                Xc, yc = training_data(*args, design=design, baseline=baseline)
            else:
                mge = tuple(part[k] for k in ("surf", "sigma", "qobs"))
                args = (part["inc"], part["sigma_psf"], part["lg_sigma_mass"], part["maps"])
                Xc, yc = mge_training_data(mge, *args, design=design, baseline=baseline)
        X.append(Xc)
        y.append(yc)
    return np.concatenate(X), np.concatenate(y)


def train(args):
    import torch

    from sklearn_jam import JamEmulatorRegressor
    from sklearn_jam.emulator.general import GeneralEmulator, save_general_emulator

    torch.set_num_threads(args.threads)
    X, y = load_data(args.data, args.design)
    # The held-out rows are a random tenth: the chunks of several makes come in order.
    order = np.random.default_rng(0).permutation(len(X))
    X, y = X[order], y[order]
    n_test = int(round(args.test_fraction * len(X)))
    X_train, y_train, X_test, y_test = X[:-n_test], y[:-n_test], X[-n_test:], y[-n_test:]
    reg = JamEmulatorRegressor(
        image_side=None,
        hidden_layer_sizes=tuple(args.hidden),
        activation="silu",
        lr=args.lr,
        batch_size=args.batch_size,
        max_epochs=args.epochs,
        validation_fraction=None,
        random_state=0,
        verbose=1,
    )
    start = time.perf_counter()
    reg.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    err = np.abs(reg.predict(X_test) / y_test - 1)
    worst = err.max(1)
    metrics = {
        "held_out_rows": n_test,
        "unit_maps_max_err_below_1pct": float(np.mean(worst < 0.01)),
        "unit_maps_median_err": float(np.median(err)),
        "unit_maps_p99_max_err": float(np.quantile(worst, 0.99)),
    }
    print(json.dumps(metrics, indent=1))
    info = {
        "training_rows": len(X_train),
        "design": args.design,
        "data": f"{len(X)} galaxies (seeds {args.seeds}: {args.photometry_note}), "
        "one round mass Gaussian each, PSF log-uniform 0.001-0.3 r_e, no spaxels; exact "
        "engine at its defaults on the 40 x 10 grid",
        "hidden_layer_sizes": list(args.hidden),
        "epochs": args.epochs,
        "training_seconds": round(seconds),
        "hardware": f"{platform.processor() or platform.machine()}, {args.threads} threads",
        "command": "python scripts/make_general_emulator.py make ...; ... train "
        + " ".join(
            f"--{k.replace('_', '-')} {v}"
            for k, v in vars(args).items()
            if k in ("epochs", "lr", "batch_size", "design")
        ),
        **metrics,
    }
    emulator = GeneralEmulator.from_regressor(reg, X_train, info=info, design=args.design)
    save_general_emulator(emulator, args.out)
    print(f"trained in {seconds:.0f} s; wrote {args.out}")


def ship(args):
    """Write the shipped model: the trained one with the benchmark's figures in its card."""
    from sklearn_jam.emulator.general import load_general_emulator, save_general_emulator

    ship_model(args, load_general_emulator, save_general_emulator, "GENERAL_PRETRAINED_SHA256")


def ship_model(args, load, save, constant):
    """``ship`` of an emulator whose files ``load`` reads and ``save`` writes.

    Adds the figures of ``bench_general_emulator.py --json`` (``args.accuracy``) and
    how it ran to the card, writes ``args.out`` and prints the SHA-256 that the
    package's ``constant`` must hold.
    """
    import hashlib

    emulator = load(args.model)
    with open(args.accuracy) as fh:
        emulator.info["benchmark"] = json.load(fh)
    emulator.info["benchmark_command"] = "python benchmarks/bench_general_emulator.py " + (
        " ".join(args.benchmark_args)
    )
    save(emulator, args.out)
    digest = hashlib.sha256(Path(args.out).read_bytes()).hexdigest()
    print(f"wrote {args.out}: SHA-256 {digest} ({constant})")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("make")
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument(
        "--photometry",
        default="family",
        choices=("family", "smooth"),
        help="bulge + disk + nucleus of sklearn_jam.general, or sample_smooth_mges",
    )
    p = sub.add_parser("train")
    p.add_argument("--data", nargs="+", required=True, help="directories of make's chunks")
    p.add_argument("--out", required=True)
    p.add_argument("--seeds", default="1, 2", help="the make seeds, for the card")
    p.add_argument(
        "--photometry-note",
        default="bulge + disk + nucleus of sklearn_jam.general",
        help="what photometry the makes drew, for the card",
    )
    p.add_argument("--hidden", type=int, nargs="+", default=[512, 512, 512, 512])
    p.add_argument("--epochs", type=int, default=300)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--test-fraction", type=float, default=0.1)
    p.add_argument("--design", default="spherical", choices=("spherical", "enclosed_mass"))
    p = sub.add_parser("ship")
    p.add_argument("--model", required=True, help="train's output")
    p.add_argument("--accuracy", required=True, help="bench_general_emulator.py --json output")
    p.add_argument("--benchmark-args", nargs="*", default=[], help="how the benchmark ran")
    p.add_argument("--out", required=True)
    args = parser.parse_args()
    {"make": make, "train": train, "ship": ship}[args.command](args)


if __name__ == "__main__":
    main()
