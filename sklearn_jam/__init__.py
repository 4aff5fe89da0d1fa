"""sklearn_jam: exact batched JAM, a scikit-learn compatible simulator and neural-network emulator.

Subpackages
-----------
jam
    The exact engines (:func:`jam_axi_cyl`, :func:`jam_axi_sph`), MGE recipes, mass
    models, units, the truths and the jampy cross-checks.
emulator
    :class:`JamEmulatorRegressor`, its networks, preprocessing, feature layout,
    model cards and the pretrained model.
cli
    The ``sklearn-jam`` command, a module per job.
utils
    Estimator checks on valid galaxies, timing and text helpers.
"""

# First, before the heavy imports: importing _owner ends a worker of a run that was
# killed while this worker was still starting.
from . import _owner  # noqa: F401
from ._version import SPEC_VERSION, __version__
from .emulator import JamEmulatorRegressor, load_pretrained, pretrained_card
from .exceptions import SimulationFailureWarning
from .grid import PolarGrid
from .io import dataset_status, load_dataset, simulate_to_store
from .jam import (
    CylindricalLikeBeta,
    LogisticBeta,
    arcsec_to_pc,
    jam_axi_cyl,
    jam_axi_sph,
    sersic_mge,
    sersic_vrms,
)
from .kinematics import JamKinematics
from .likelihood import JamLikelihood
from .photometry import sersic_images
from .priors import PARAM_NAMES, PRIOR_BOUNDS, check_params, physical_violations, sample_prior
from .simulator import JamSimulator

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
    "jam_axi_sph",
    "CylindricalLikeBeta",
    "LogisticBeta",
    "sersic_vrms",
    "sersic_mge",
    "arcsec_to_pc",
    "load_pretrained",
    "pretrained_card",
    "PolarGrid",
    "SimulationFailureWarning",
    "check_params",
    "dataset_status",
    "load_dataset",
    "physical_violations",
    "sample_prior",
    "sersic_images",
    "simulate_to_store",
]
