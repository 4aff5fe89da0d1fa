"""The tabular mode (MLP on the six galaxy parameters) against the image mode, same data.

Both emulators train on the first ``--n-train`` maps of a dataset for the same number
of epochs and are measured on its last ``--n-test`` maps (unseen by both): accuracy,
training time and time per prediction. The tabular mode needs parametric photometry
(``n_ser, r_ser, q_l``); the image mode takes an image.

Usage: python benchmarks/bench_tabular.py --data DIR [--n-train 5000] [--n-test 5000]
       [--max-epochs 60]
"""

import argparse
import time
import warnings

import numpy as np

from sklearn_jam import JamEmulatorRegressor, load_dataset
from sklearn_jam.emulator import OutsidePriorWarning
from sklearn_jam.metrics import accuracy_summary
from sklearn_jam.utils import best_time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="dataset directory")
    parser.add_argument("--n-train", type=int, default=5000)
    parser.add_argument("--n-test", type=int, default=5000)
    parser.add_argument("--max-epochs", type=int, default=60)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    # Test galaxies just outside the training range of a column warn; that is not news here.
    warnings.simplefilter("ignore", OutsidePriorWarning)

    ds = load_dataset(args.data, lazy=True)
    n = len(ds.params)
    train, test = slice(0, args.n_train), slice(n - args.n_test, n)
    y_train, y_test = np.asarray(ds.y[train]), np.asarray(ds.y[test])
    inputs = {
        "image mode (scalars + 64x64 image)": (np.asarray(ds.X[train]), np.asarray(ds.X[test])),
        "tabular mode (6 galaxy parameters)": (ds.params[train], ds.params[test]),
    }
    print(f"{args.n_train} training maps, {args.max_epochs} epochs, {args.n_test} unseen test maps")
    header = f"{'mode':38s} {'train':>8s} {'<1%':>8s} {'<2%':>8s} {'median':>9s} {'p99':>8s}"
    print(header + f" {'1 galaxy':>10s} {'per galaxy, 1000':>17s}")
    for name, (X_train, X_test) in inputs.items():
        tabular = X_train.shape[1] == 6
        est = JamEmulatorRegressor(
            image_side=None if tabular else "auto",
            max_epochs=args.max_epochs,
            random_state=args.seed,
            device="cpu",
        )
        t0 = time.perf_counter()
        est.fit(X_train, y_train)
        train_s = time.perf_counter() - t0
        m = accuracy_summary(y_test, est.predict(X_test))
        one = best_time(lambda est=est, X=X_test: est.predict(X[:1]), number=100)
        batch = best_time(lambda est=est, X=X_test: est.predict(X[:1000]), number=3) / 1000
        print(
            f"{name:38s} {train_s:7.0f}s {m['fraction_within_1pct']:8.2%} "
            f"{m['fraction_within_2pct']:8.2%} {m['median_abs_E']:9.4%} {m['p99_abs_E']:8.3%} "
            f"{one * 1e3:8.3f}ms {batch * 1e3:15.4f}ms"
        )


if __name__ == "__main__":
    main()
