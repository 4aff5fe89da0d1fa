"""Build the pretrained pair emulator (issue 19): its training pairs, the network, its card.

Usage:
    python scripts/make_pair_emulator.py make --n 80000 --seed 1 --out DIR [--n-jobs 2]
    python scripts/make_pair_emulator.py train --data DIR [DIR ...] --out MODEL.npz
        [--epochs 40] [--hidden 512 512 512 512]
    python scripts/make_pair_emulator.py ship --model MODEL.npz --accuracy BENCH.json
        --out sklearn_jam/data/jam_emulator_pairs.npz

``make`` draws pairs of one luminous and one mass Gaussian
(:func:`sklearn_jam.emulator.pairs.sample_pairs`) and computes their exact kernels
(:func:`~sklearn_jam.emulator.pairs.pair_maps`: the exact engine at its defaults
on the pair grid, at ``beta_z = 0`` and at the probe), in chunk files of
:data:`CHUNK` pairs so that an interrupted run resumes where it stopped. ``train``
fits a :class:`~sklearn_jam.JamEmulatorRegressor` (tabular) on them
(:func:`~sklearn_jam.emulator.pairs.pair_features`,
:func:`~sklearn_jam.emulator.pairs.pair_targets`), measures it on a held-out random
tenth, and writes the model and its card. ``ship`` adds the figures of
``benchmarks/bench_general_emulator.py --json`` to the card and prints the SHA-256
that :data:`sklearn_jam.emulator.pairs.PAIRS_PRETRAINED_SHA256` must hold.
"""

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np

# The chunk writer and ``ship`` are the general emulator's script's (this folder).
from make_general_emulator import save_chunk, ship_model

CHUNK = 4000


def make(args):
    from sklearn_jam.emulator.pairs import simulate_pairs

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    seeds = np.random.default_rng(args.seed).integers(2**31, size=-(-args.n // CHUNK))
    start, n_done = time.perf_counter(), 0
    for i, seed in enumerate(seeds):
        path = out / f"chunk_{i:05d}.npz"
        if path.exists():
            continue
        n = min(CHUNK, args.n - i * CHUNK)
        pairs, maps = simulate_pairs(n, int(seed), n_jobs=args.n_jobs)
        save_chunk(path, pairs=pairs, maps=maps)
        n_done += n
    seconds = time.perf_counter() - start
    print(
        f"{n_done} pairs in {seconds:.0f} s on {args.n_jobs} jobs "
        f"({seconds * args.n_jobs / max(n_done, 1) * 1e3:.2f} ms per pair per core)"
    )


def load_data(sources):
    """Features and targets of every chunk under the directories (or ``.npz`` files) given.

    Returns
    -------
    X : ndarray of shape (n, 7)
    y : ndarray of shape (n, 960)
    """
    from sklearn_jam.emulator.pairs import pair_features, pair_targets

    files = []
    for source in map(Path, sources):
        files += sorted(source.glob("chunk_?????.npz")) if source.is_dir() else [source]
    if not files:
        raise SystemExit(f"no chunk files under {sources}")
    X, y, n_bad = [], [], 0
    for f in files:
        with np.load(f) as part:
            pairs, maps = part["pairs"], part["maps"]
        # The rare pair the engine refused (simulate_pairs) is NaN: left out.
        good = np.isfinite(maps).all(axis=(1, 2))
        n_bad += int(np.sum(~good))
        X.append(pair_features(pairs[good]))
        y.append(pair_targets(maps[good]))
    if n_bad:
        print(f"left out {n_bad} pairs with non-finite maps")
    return np.concatenate(X), np.concatenate(y)


def train(args):
    import torch

    from sklearn_jam import JamEmulatorRegressor
    from sklearn_jam.emulator.pairs import PairEmulator, maps_from_pair_targets, save_pair_emulator

    torch.set_num_threads(args.threads)
    X, y = load_data(args.data)
    order = np.random.default_rng(0).permutation(len(X))
    n_test = int(round(args.test_fraction * len(X)))
    test, fit_rows = order[-n_test:], order[:-n_test]
    X_test, y_test = X[test], y[test]
    X, y = X[fit_rows], y[fit_rows]  # one copy of the targets in memory, not two
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
    reg.fit(X, y)
    del y
    seconds = time.perf_counter() - start
    true, pred = (maps_from_pair_targets(v) for v in (y_test, reg.predict(X_test)))
    # The kernel's sign changes carry little light: judge it where it is not near zero.
    large = np.abs(true) > 0.05
    err = np.abs(pred / true - 1)[large]
    metrics = {
        "held_out_pairs": n_test,
        "kernel_median_err": float(np.median(err)),
        "kernel_p99_err": float(np.percentile(err, 99)),
    }
    print(json.dumps(metrics, indent=1))
    info = {
        "training_pairs": len(fit_rows),
        "data": f"{len(fit_rows) + n_test} pairs (make seeds {args.seeds}), exact engine at "
        "its defaults on the 48 x 10 pair grid, beta_z = 0 and the probe",
        "hidden_layer_sizes": list(args.hidden),
        "epochs": args.epochs,
        "training_seconds": round(seconds),
        "hardware": f"{platform.processor() or platform.machine()}, {args.threads} threads",
        "command": "python scripts/make_pair_emulator.py make ...; ... train "
        + " ".join(
            f"--{k.replace('_', '-')} {v}"
            for k, v in vars(args).items()
            if k in ("epochs", "lr", "batch_size")
        ),
        **metrics,
    }
    save_pair_emulator(PairEmulator(reg, info), args.out)
    print(f"trained in {seconds:.0f} s; wrote {args.out}")


def ship(args):
    """Write the shipped model: the trained one with the benchmark's figures in its card."""
    from sklearn_jam.emulator.pairs import load_pair_emulator, save_pair_emulator

    ship_model(args, load_pair_emulator, save_pair_emulator, "PAIRS_PRETRAINED_SHA256")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("make")
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--n-jobs", type=int, default=2)
    p = sub.add_parser("train")
    p.add_argument("--data", nargs="+", required=True, help="make's directories or .npz files")
    p.add_argument("--out", required=True)
    p.add_argument("--seeds", default="1", help="the make seeds, for the card")
    p.add_argument("--hidden", type=int, nargs="+", default=[512, 512, 512, 512])
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--test-fraction", type=float, default=0.1)
    p = sub.add_parser("ship")
    p.add_argument("--model", required=True, help="train's output")
    p.add_argument("--accuracy", required=True, help="bench_general_emulator.py --json output")
    p.add_argument("--benchmark-args", nargs="*", default=[], help="how the benchmark ran")
    p.add_argument("--out", required=True)
    args = parser.parse_args()
    {"make": make, "train": train, "ship": ship}[args.command](args)


if __name__ == "__main__":
    main()
