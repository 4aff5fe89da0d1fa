"""The emulator's feature layout and the prior box of its scalars (SPEC section 4).

``X`` has ``3 + side**2`` columns: the scalars ``q_m, beta_z, inc [deg]`` (columns
3 to 5 of the galaxy parameters), then the image raveled in C order. This module is
the one place that knows it.
"""

import numpy as np

from ..priors import PARAM_NAMES, PRIOR_BOUNDS

__all__ = [
    "FEATURE_SCALARS",
    "N_SCALARS",
    "features_from_images",
    "scalar_prior_box",
    "split_features",
]

#: The scalar columns of the emulator's features, before the raveled image.
FEATURE_SCALARS = ("q_m", "beta_z", "inc")
N_SCALARS = len(FEATURE_SCALARS)
#: Where the scalars sit among the six galaxy parameters.
_SCALAR_PARAMS = [PARAM_NAMES.index(name) for name in FEATURE_SCALARS]


def features_from_images(params, images):
    """Emulator features from galaxy parameters and their images.

    Parameters
    ----------
    params : array-like of shape (n, 6)
        ``n_ser, r_ser [arcsec], q_l, q_m, beta_z, inc [deg]``.
    images : array-like of shape (n, side, side) or (n, side * side)
        Their unit-sum images.

    Returns
    -------
    X : ndarray of shape (n, 3 + side**2)
        ``q_m, beta_z, inc`` then the image raveled in C order (float64).
    """
    params = np.asarray(params, dtype=float)
    images = np.asarray(images)
    pixels = images.reshape(len(images), int(np.prod(images.shape[1:])))
    return np.hstack([params[:, _SCALAR_PARAMS], pixels.astype(float)])


def split_features(X):
    """``(scalars, pixels)`` of feature rows: the first 3 columns and the rest."""
    return X[:, :N_SCALARS], X[:, N_SCALARS:]


def scalar_prior_box():
    """The Table 1 prior box of the scalars: ``(low, high)`` arrays of ``q_m, beta_z, inc``."""
    return tuple(np.array([PRIOR_BOUNDS[k][i] for k in FEATURE_SCALARS]) for i in (0, 1))
