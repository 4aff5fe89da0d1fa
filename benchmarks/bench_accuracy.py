"""Accuracy of the default emulator: train on 8,000 simulated galaxies, test on 2,000.

Usage:
    python benchmarks/bench_accuracy.py --data DIR            # an existing dataset
    python benchmarks/bench_accuracy.py --simulate 10000 --data DIR --n-jobs 2

Reports on the held-out maps the fraction with max |E| < 1% and < 2%, the median and
99th percentile of |E|, and the training time, beside the paper and the targets.
"""

import argparse
import json
import time

import joblib
import torch

from sklearn_jam import JamSimulator, load_dataset, simulate_to_store
from sklearn_jam.cli.train import make_estimator, split_rows
from sklearn_jam.emulator.cards import write_card
from sklearn_jam.metrics import accuracy_summary

TARGETS = {
    "fraction_within_1pct": (">=", 0.99),
    "median_abs_E": ("<=", 5e-4),
    "p99_abs_E": ("<=", 5e-3),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="dataset directory")
    parser.add_argument("--simulate", type=int, default=0, help="simulate this many first")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--n-train", type=int, default=None, help="default: 8000 of 10000")
    parser.add_argument("--config", default="small")
    parser.add_argument("--max-epochs", type=int, default=None)
    parser.add_argument(
        "--allow-partial",
        action="store_true",
        help="use the finished chunks of an unfinished dataset",
    )
    parser.add_argument("--n-test", type=int, default=None, help="default: all maps after n_train")
    parser.add_argument("--save-model", default=None, help="joblib file for the trained model")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()

    if args.simulate:
        sim = JamSimulator(n_jobs=args.n_jobs, batch_size=50, verbose=1)
        simulate_to_store(sim, args.simulate, args.data, seed=args.seed, chunk_size=50)
    ds = load_dataset(args.data, allow_partial=args.allow_partial)
    n_train = split_rows(len(ds.y), args.n_train)
    test = slice(n_train, None if args.n_test is None else n_train + args.n_test)
    est = make_estimator(args.config, max_epochs=args.max_epochs, random_state=0, verbose=0)
    t0 = time.perf_counter()
    est.fit(ds.X[:n_train], ds.y[:n_train])
    train_s = time.perf_counter() - t0
    res = accuracy_summary(ds.y[test], est.predict(ds.X[test]))
    if args.save_model:
        joblib.dump(est, args.save_model)
        write_card(
            args.save_model,
            {
                "data": str(args.data),
                "n_train": n_train,
                "seed": args.seed,
                "train_seconds": train_s,
                "test_rows": [test.start, test.stop],
            },
        )
    res.update(
        train_seconds=train_s,
        n_train=n_train,
        torch_threads=torch.get_num_threads(),
        n_parameters=sum(p.numel() for p in est.module_.parameters()),
        config=est.get_params(),
    )
    print(
        f"trained on {n_train} maps in {train_s / 60:.1f} min "
        f"({res['n_parameters'] / 1e6:.3f}M parameters, {res['torch_threads']} threads); "
        f"tested on {res['n_maps']} maps"
    )
    print(f"  maps with max|E| < 1%: {res['fraction_within_1pct'] * 100:.2f}%")
    print(f"  maps with max|E| < 2%: {res['fraction_within_2pct'] * 100:.2f}%   (paper: 90%)")
    print(f"  median |E|:            {res['median_abs_E'] * 100:.4f}%")
    print(f"  99th percentile |E|:   {res['p99_abs_E'] * 100:.4f}%")
    for key, (op, target) in TARGETS.items():
        ok = res[key] >= target if op == ">=" else res[key] <= target
        print(f"  target {key} {op} {target}: {'met' if ok else 'NOT met'}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(
                {k: v for k, v in res.items() if k != "config"} | {"config": str(res["config"])},
                fh,
                indent=1,
            )


if __name__ == "__main__":
    main()
