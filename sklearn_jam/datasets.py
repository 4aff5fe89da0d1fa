"""Observed-kinematics datasets: the mock data of jampy's own Bayesian examples."""

from importlib import resources

import numpy as np
from sklearn.utils import Bunch

__all__ = ["load_jampy_example", "M32_MGE", "AXI_PROJ_EXAMPLE_MGE", "JAMPY_MGES"]

#: MGE of M32 (Cappellari et al. 2006, Table B1), used by jampy's examples:
#: peak surface brightness (Lsun/pc^2), sigma (arcsec), observed axial ratio.
M32_MGE = (
    10
    ** np.array(
        [6.187, 5.774, 5.766, 5.613, 5.311, 4.774, 4.359, 4.087, 3.682, 3.316, 2.744, 1.618]
    ),
    10
    ** np.array(
        [-1.762, -1.143, -0.839, -0.438, -0.104, 0.232, 0.560, 0.835, 1.160, 1.414, 1.703, 2.249]
    ),
    np.array([0.790, 0.741, 0.786, 0.757, 0.720, 0.724, 0.725, 0.743, 0.751, 0.838, 0.835, 0.720]),
)

#: The MGE of jampy's ``jam_axi_proj_example.py`` (10 Gaussians of q' = 0.57 to 525",
#: at the Virgo distance of 16.5 Mpc in that example).
AXI_PROJ_EXAMPLE_MGE = (
    np.array([39483.0, 37158.0, 30646.0, 17759.0, 5955.1, 1203.5, 174.36, 21.105, 2.3599, 0.25493]),
    np.array([0.153, 0.515, 1.58, 4.22, 10.0, 22.4, 48.8, 105.0, 227.0, 525.0]),
    np.full(10, 0.57),
)

#: The MGEs of jampy's examples by name (``sklearn-jam fit --mge m32``): M32's, of its
#: Bayesian examples, and that of ``jam_axi_proj_example.py``.
JAMPY_MGES = {"m32": M32_MGE, "axi_proj_example": AXI_PROJ_EXAMPLE_MGE}

# The observing set-up of each example, as its script writes it.
_SETUPS = {
    "dark_halo": dict(sigmapsf=np.array([4 / 2.355]), normpsf=np.array([1.0]), pixsize=2.0),
    "black_hole": dict(sigmapsf=np.array([0.04, 0.4]), normpsf=np.array([0.7, 0.3]), pixsize=0.05),
}


def load_jampy_example(name):
    """The mock kinematics of jampy's ``jam_<name>_bayes_example.py``, read from jampy.

    The files ship with jampy (``jampy/examples/jam_mock_kinematics_<name>.txt``)
    and are read with ``importlib.resources``, as jampy's scripts do.

    Parameters
    ----------
    name : {'dark_halo', 'black_hole'}
        Which example.

    Returns
    -------
    data : Bunch
        ``X`` (n_bins, 2) bin positions in arcsec; ``vrms``, ``erms`` in km/s
        (the file's errors, not yet inflated as the examples do); ``flux``;
        ``surf_lum``, ``sigma_lum``, ``qobs_lum`` (M32's MGE) and ``mge``,
        their tuple; ``distance`` (0.7 Mpc); ``sigmapsf``, ``normpsf`` and
        ``pixsize`` (arcsec) of the example, and ``observing``, their dict (the
        keyword arguments of :class:`~sklearn_jam.JamKinematics`).
    """
    if name not in _SETUPS:
        raise ValueError(f"name={name!r} must be one of {sorted(_SETUPS)}")
    path = resources.files("jampy") / f"examples/jam_mock_kinematics_{name}.txt"
    with path.open() as f:
        xbin, ybin, vrms, erms, flux = np.loadtxt(f).T
    surf, sigma, qobs = (v.copy() for v in M32_MGE)
    setup = _SETUPS[name]
    observing = dict(
        sigmapsf=setup["sigmapsf"].copy(),
        normpsf=setup["normpsf"].copy(),
        pixsize=float(setup["pixsize"]),
    )
    return Bunch(
        X=np.column_stack([xbin, ybin]),
        vrms=vrms,
        erms=erms,
        flux=flux,
        surf_lum=surf,
        sigma_lum=sigma,
        qobs_lum=qobs,
        mge=(surf, sigma, qobs),
        distance=0.7,
        observing=observing,
        **observing,
    )
