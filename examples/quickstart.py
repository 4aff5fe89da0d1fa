"""Quickstart: simulate JAM maps, fit the emulator, predict and score.

Run: python examples/quickstart.py [--n-samples 40] [--max-epochs 30]
"""

import argparse

from sklearn_jam import JamEmulatorRegressor, JamSimulator
from sklearn_jam.metrics import accuracy_summary, get_jam_scorer

parser = argparse.ArgumentParser(
    description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
)
parser.add_argument("--n-samples", type=int, default=40, help="galaxies to simulate")
parser.add_argument("--max-epochs", type=int, default=30, help="training epochs")
args = parser.parse_args()

# 1. Simulate: parameters from the prior -> images and V_rms maps (real jampy calls).
sim = JamSimulator(n_jobs=2, random_state=0, verbose=1)
data = sim.make_dataset(args.n_samples)
print(f"X {data.X.shape} (q_m, beta_z, inc + 64x64 image), y {data.y.shape} (20 x 10 grid)")

# 2. Fit the emulator on 80% of the galaxies.
n_train = int(0.8 * len(data.y))
est = JamEmulatorRegressor(max_epochs=args.max_epochs, random_state=0)
est.fit(data.X[:n_train], data.y[:n_train])

# 3. Predict and score on the rest.
pred = est.predict(data.X[n_train:])
# R^2 over all map values (scikit-learn's score): with the few maps and epochs of this
# quick run it can be negative; the relative errors below are what the paper measures.
print(
    "R^2 (scikit-learn's score; a tiny training set, so it may be < 0):",
    round(est.score(data.X[n_train:], data.y[n_train:]), 4),
)
scorer = get_jam_scorer("neg_median_abs_relative_error")
print("median |E|:", -scorer(est, data.X[n_train:], data.y[n_train:]))
print(accuracy_summary(data.y[n_train:], pred))
