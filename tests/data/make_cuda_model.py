"""Write ``cuda_model.joblib``: a tiny emulator fitted on a CUDA GPU, for the CPU-load test.

Run on a machine with a GPU, from the repository root::

    python tests/data/make_cuda_model.py

It stores the model and its predictions on the test's toy data, made on the GPU.
"""

import pathlib
import sys

import joblib
import numpy as np
import torch

sys.path.insert(0, str(pathlib.Path(__file__).parents[1]))
from conftest import TINY  # noqa: E402
from test_emulator import toy_data  # noqa: E402

from sklearn_jam import JamEmulatorRegressor  # noqa: E402

if not torch.cuda.is_available():
    sys.exit("needs a CUDA GPU")
X, y = toy_data()
est = JamEmulatorRegressor(**{**TINY, "device": "cuda"}).fit(X, y)
assert est.device_ == "cuda" and next(est.module_.parameters()).is_cuda
here = pathlib.Path(__file__).parent
joblib.dump(est, here / "cuda_model.joblib")
np.save(here / "cuda_model_predictions.npy", est.predict(X))
print("written", here / "cuda_model.joblib", torch.cuda.get_device_name(0))
