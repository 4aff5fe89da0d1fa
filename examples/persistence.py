"""Save a fitted emulator with joblib and load it back, in a script.

Run: python examples/persistence.py [--out model.joblib]
"""

import argparse
import tempfile
from pathlib import Path

import joblib
import numpy as np

from sklearn_jam import JamEmulatorRegressor, JamSimulator

parser = argparse.ArgumentParser()
parser.add_argument("--out", default=None, help="model file (default: a temporary file)")
parser.add_argument("--n-samples", type=int, default=24)
args = parser.parse_args()

data = JamSimulator(n_jobs=2, random_state=2).make_dataset(args.n_samples)
est = JamEmulatorRegressor(max_epochs=5, random_state=0).fit(data.X, data.y)

out = Path(args.out or Path(tempfile.mkdtemp()) / "jam_emulator.joblib")
joblib.dump(est, out)
loaded = joblib.load(out)  # also works on a CPU-only machine for a model trained on CUDA
assert np.array_equal(loaded.predict(data.X), est.predict(data.X))
print(f"saved to {out} ({out.stat().st_size / 1e6:.2f} MB); predictions identical after loading")
