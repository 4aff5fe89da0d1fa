"""sklearn_jam: a scikit-learn compatible JAM simulator and neural-network emulator."""

from ._version import SPEC_VERSION, __version__
from .emulator import JamEmulatorRegressor
from .grid import PolarGrid
from .io import load_dataset, simulate_to_store
from .jam import jam_axi_cyl, sersic_vrms
from .kinematics import JamKinematics
from .likelihood import JamLikelihood
from .mge import sersic_mge
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
    "JamKinematics",
    "jam_axi_cyl",
    "sersic_vrms",
    "sersic_mge",
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
