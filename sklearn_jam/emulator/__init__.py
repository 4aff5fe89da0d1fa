"""The emulator: the CNN + MLP of Simon et al., a scikit-learn estimator wrapped with skorch.

Modules
-------
_estimator
    :class:`JamEmulatorRegressor`: fit, predict, score, the MCMC fast path, persistence.
_network, _preprocessing
    Its torch networks and training callbacks; its image and scalar transforms.
features
    The feature layout (the scalars, then the raveled image) and the scalars' prior box.
persistence
    A model file that holds no code (:func:`save_emulator`, :func:`load_emulator`).
pretrained
    The shipped model and its card (:func:`load_pretrained`, :func:`pretrained_card`).
pairs, general, tables
    The emulators of ``JamKinematics(engine='emulator')``: the pair kernel, the
    profile network, and either by name or file (:func:`tables.load_table_emulator`).
baseline, cards
    The profile network's round isotropic baseline; model cards beside model files.
"""

from ..exceptions import IncompatibleModelError, OutsidePriorWarning
from ._estimator import JamEmulatorRegressor

# Models pickled before the networks had a module of their own name these here.
from ._network import _EpochBar, _JamNet, _print_table_row, _TabularNet  # noqa: F401
from ._preprocessing import PHYSICAL_FEATURE_NAMES
from .persistence import load_emulator, save_emulator
from .pretrained import load_pretrained, pretrained_card

__all__ = [
    "JamEmulatorRegressor",
    "IncompatibleModelError",
    "OutsidePriorWarning",
    "PHYSICAL_FEATURE_NAMES",
    "load_pretrained",
    "pretrained_card",
    "save_emulator",
    "load_emulator",
]
