"""Units and physical constants of the JAM engine, in jampy's conventions.

Every module of the package takes these from here: the gravitational constant of
jampy's integrand, the arcsec-to-parsec factor, the flattest Gaussian JAM can
deproject and the distance of the dimensionless Sersic maps (SPEC section 3).
"""

import numpy as np

__all__ = ["G_JAMPY", "DEFAULT_DISTANCE_MPC", "MIN_Q_INTR", "PC_PER_ARCSEC_MPC", "arcsec_to_pc"]

#: Gravitational constant in (km/s)^2 pc / Msun, the value of jampy's integrand.
G_JAMPY = 0.004301

#: Distance in Mpc of the Sersic maps of SPEC section 3; the dimensionless maps do not depend on it.
DEFAULT_DISTANCE_MPC = 10.0

#: JAM cannot deproject a Gaussian flatter than this intrinsic axial ratio (as jampy).
MIN_Q_INTR = 0.05

#: Parsec per arcsec at 1 Mpc: 1e6 pc * (pi / 648000) rad per arcsec, jampy's factor.
PC_PER_ARCSEC_MPC = np.pi / 0.648


def arcsec_to_pc(distance_mpc):
    """Parsec per arcsec at a distance.

    Parameters
    ----------
    distance_mpc : float, ndarray or torch.Tensor
        Distance in Mpc.

    Returns
    -------
    pc_per_arcsec : same type as ``distance_mpc``
        Parsec per arcsec (the factor jampy uses).
    """
    return distance_mpc * PC_PER_ARCSEC_MPC
