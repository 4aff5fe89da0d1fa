"""Save a fitted emulator and load it back, in a script.

``save_emulator`` writes a file that holds no code (parameters, statistics and weights),
to share; ``joblib`` pickles the whole object, for one's own use only: a pickle can run
any code while it is loaded.

Run: python examples/persistence.py [--out model.npz]
"""

import argparse
import tempfile
from pathlib import Path

import joblib
import numpy as np

from sklearn_jam import JamEmulatorRegressor, JamSimulator
from sklearn_jam.emulator import load_emulator, save_emulator

parser = argparse.ArgumentParser(
    description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
)
parser.add_argument("--out", default=None, help="model file (default: a temporary file)")
parser.add_argument("--n-samples", type=int, default=24, help="galaxies to train on")
args = parser.parse_args()

data = JamSimulator(n_jobs=2, random_state=2).make_dataset(args.n_samples)
est = JamEmulatorRegressor(max_epochs=5, random_state=0).fit(data.X, data.y)

folder = Path(tempfile.mkdtemp())
out = Path(args.out or folder / "jam_emulator.npz")
save_emulator(est, out)
loaded = load_emulator(out)  # nothing in the file runs; also on a CPU-only machine
assert np.array_equal(loaded.predict(data.X), est.predict(data.X))
print(f"saved to {out} ({out.stat().st_size / 1e6:.2f} MB); predictions identical after loading")

own = folder / "jam_emulator.joblib"  # a pickle: only for files you made yourself
joblib.dump(est, own)
assert np.array_equal(joblib.load(own).predict(data.X), est.predict(data.X))
