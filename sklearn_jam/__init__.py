"""sklearn_jam: a scikit-learn compatible JAM simulator and neural-network emulator."""

from ._version import SPEC_VERSION, __version__
from .emulator import JamEmulatorRegressor
from .grid import PolarGrid
from .io import load_dataset, simulate_to_store
from .likelihood import JamLikelihood
from .photometry import sersic_images
from .pretrained import load_pretrained
from .priors import PARAM_NAMES, PRIOR_BOUNDS, check_params, physical_violations, sample_prior
from .simulator import JamSimulator, SimulationFailureWarning

__all__ = [
    "__version__",
    "SPEC_VERSION",
    "PARAM_NAMES",
    "PRIOR_BOUNDS",
    "JamSimulator",
    "JamEmulatorRegressor",
    "JamLikelihood",
    "load_pretrained",
    "PolarGrid",
    "SimulationFailureWarning",
    "check_params",
    "load_dataset",
    "physical_violations",
    "sample_prior",
    "sersic_images",
    "simulate_to_store",
]
