"""The warnings and errors that sklearn_jam raises, in one place (as :mod:`sklearn.exceptions`).

Each is also importable from the module that raises it.
"""

__all__ = [
    "BinsOutsideMgeWarning",
    "ChainConvergenceWarning",
    "ImageNormalizationWarning",
    "IncompatibleModelError",
    "OutsidePriorWarning",
    "SimulationFailureWarning",
    "UnphysicalModelWarning",
]


class BinsOutsideMgeWarning(UserWarning):
    """Kinematic bins lie where the MGE has no light: the model extrapolates it."""


class ChainConvergenceWarning(UserWarning):
    """An MCMC chain is too short, not mixed (R-hat), or has walkers stuck apart from the rest."""


class ImageNormalizationWarning(UserWarning):
    """Images that did not sum to one were divided by their sums."""


class IncompatibleModelError(ValueError):
    """A model file was written by an incompatible version of sklearn_jam."""


class OutsidePriorWarning(UserWarning):
    """Prediction asked for galaxies outside the prior box the model was trained on."""


class SimulationFailureWarning(UserWarning):
    """Some galaxies of a batch could not be simulated; they are reported, not dropped silently."""


class UnphysicalModelWarning(UserWarning):
    """A JAM model has V_rms^2 < 0 somewhere (its anisotropy makes <v_phi^2> < 0): NaN there."""
