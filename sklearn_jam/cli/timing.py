"""``sklearn-jam benchmark``: JAM and an emulator timed on this machine, in the same run."""

import time

import numpy as np

from ..emulator.features import N_SCALARS, split_features
from ..jam import plain_jampy_vrms
from ..jam.crosscheck import require_jampy8
from ..simulator import JamSimulator
from ..utils import best_time, format_table
from ._base import add_command

__all__ = ["PAPER", "time_jam", "time_engine", "time_models"]

#: Figures of the paper (Simon et al.), for the comparison tables.
PAPER = {
    "fraction_within_2pct": 0.90,
    "full_model_s": 1e-3,
    "mlp_only_s": 0.3e-3,
    "jam_s_per_sample_core": 1.08,
}


def time_jam(params, n_jam=2, grid=None):
    """Mean seconds of a plain jampy call (:func:`plain_jampy_vrms`) over ``n_jam`` galaxies."""
    if not 1 <= int(n_jam) <= len(params):
        raise ValueError(f"n_jam={n_jam} must be between 1 and the {len(params)} galaxies given")
    grid = grid or JamSimulator().grid
    jam_times = []
    for p in params[:n_jam]:
        t0 = time.perf_counter()
        plain_jampy_vrms(*p, grid.x, grid.y)
        jam_times.append(time.perf_counter() - t0)
    return float(np.mean(jam_times))


def time_engine(params, n_galaxies=3, sim=None):
    """Seconds per galaxy of this package's exact engine (MGE and JAM), one galaxy per call.

    The best of three runs over ``n_galaxies`` galaxies, divided by their number:
    the yardstick where jampy 8 is not installed (jampy 9 has no cylindrical model).
    """
    sim = sim or JamSimulator()
    sim.transform(params[:1])  # compiled kernels and caches warm
    rows = params[: max(1, min(int(n_galaxies), len(params)))]
    return best_time(lambda: [sim.transform(p[None]) for p in rows], repeat=3) / len(rows)


def time_models(est, params, n_jam=2, n_single=200, batch=1000, sim=None, jam_seconds=None):
    """Seconds per model: direct JAM call, full emulator, MLP-only, and batched emulator.

    ``jam_seconds`` (from :func:`time_jam`) reuses one JAM timing for several models,
    so that all their speed-ups divide the same number.
    """
    sim = sim or JamSimulator()
    X = sim.features(params[:batch])
    while len(X) < batch:  # repeat rows if fewer galaxies were given
        X = np.vstack([X, X])[:batch]
    if jam_seconds is None:
        jam_seconds = time_jam(params, n_jam, sim.grid)
    x1 = X[:1]
    feats = est.encode_images(split_features(x1)[1])
    scal = x1[:, :N_SCALARS]
    est.predict(x1)  # warm up
    full = best_time(lambda: est.predict(x1), repeat=5, number=n_single // 5 or 1)
    # The fast path is short: the best of many repeats keeps other processes out of the figure.
    fast = best_time(lambda: est.predict_from_features(feats, scal), repeat=25, number=n_single)
    batched = best_time(lambda: est.predict(X), repeat=3) / len(X)
    jam = jam_seconds
    return {
        "jam_direct_s": jam,
        "emulator_full_single_s": full,
        "emulator_mlp_only_single_s": fast,
        "emulator_full_batched_s": batched,
        "speedup_full_single": jam / full,
        "speedup_mlp_only": jam / fast,
        "speedup_batched": jam / batched,
    }


def run(args):
    """Time jampy, the exact engine's yardstick, and the emulator; print the table."""
    from ..emulator import load_pretrained
    from ..emulator.persistence import load_model
    from ..priors import sample_prior

    if args.n_jam < 1:  # before loading anything: each call is about a second
        raise ValueError(f"--n-jam {args.n_jam} must be at least 1 (jampy calls to time)")
    est = load_model(args.model, args.trust_model) if args.model else load_pretrained()
    require_jampy8("sklearn-jam benchmark (its yardstick is a jampy 8 call)")  # before timing
    sp = time_models(est, sample_prior(1000, random_state=args.seed), n_jam=args.n_jam)
    print(format_table([[k, f"{v:.3g}"] for k, v in sp.items()], ["quantity", "value"]))
    return 0


def add_parser(subparsers):
    """Add ``benchmark`` and its options."""
    p = add_command(subparsers, "benchmark", "time JAM and an emulator on this machine", run)
    p.add_argument(
        "--model", default=None, help="model file, .npz (None: the pretrained default model)"
    )
    p.add_argument(
        "--trust-model",
        action="store_true",
        help="also open a joblib model file, a pickle that can run any code: only your own",
    )
    p.add_argument("--n-jam", type=int, default=3, help="direct JAM calls to time")
    p.add_argument("--seed", type=int, default=0, help="seed of the galaxies timed")
