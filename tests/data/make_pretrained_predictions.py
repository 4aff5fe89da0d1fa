"""Write pretrained_predictions.npz: the pretrained model's maps for 8 fixed galaxies.

Run again only when the pretrained model is retrained (scripts/train_pretrained.py);
tests/test_pretrained.py checks that refactoring leaves these predictions unchanged.
"""

from pathlib import Path

import numpy as np

from sklearn_jam import JamSimulator, load_pretrained, sample_prior

params = sample_prior(8, random_state=123)
X = JamSimulator().features(params)
est = load_pretrained()
features = est.encode_images(X[:, 3:])
np.savez_compressed(
    Path(__file__).with_name("pretrained_predictions.npz"),
    params=params,
    predict=est.predict(X),
    fast=est.predict_from_features(features, X[:, :3]),
)
