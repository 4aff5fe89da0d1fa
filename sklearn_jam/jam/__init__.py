"""Exact, batched and differentiable JAM.

The engines compute the line-of-sight V_rms of axisymmetric Jeans anisotropic
models (Cappellari 2008), batched over galaxies, in NumPy or in torch on any device
and differentiable by autograd, with the PSF and spaxels computed without a grid.

Modules
-------
cylindrical
    :func:`jam_axi_cyl`, the cylindrically aligned model (jampy 8's analytic solution).
spherical
    :func:`jam_axi_sph`, the spherically aligned model (Cappellari 2020; jampy 9's alignment).
anisotropy, angular
    ``beta(theta)``, such as jampy 9's eq. (37) (:class:`CylindricalLikeBeta`), or
    ``beta(r, theta)``, such as jampy's logistic form (:class:`LogisticBeta`), and the
    spherically aligned model with it, along curved characteristics.
alignment
    The engine of each alignment (``align='cyl' | 'sph'``).
sersic
    The dimensionless maps of the Sersic training family (:func:`sersic_vrms`).
mge, mass
    The deterministic Sersic MGE; mass models of real galaxies (gNFW halo, enclosed mass).
projection, constants
    Deprojection of oblate Gaussians; units and constants (one home each).
crosscheck
    jampy itself, for cross-checks and the speed yardstick.
reference
    The spherically aligned model by adaptive quadrature of the Jeans equations: its truth.

Batched form
------------
Every argument may carry a leading batch axis of length ``n_galaxies``:
``surf_lum, sigma_lum, qobs_lum, beta`` of shape ``(n_galaxies, n_lum)``,
``surf_pot, sigma_pot, qobs_pot`` of shape ``(n_galaxies, n_pot)``, ``x, y`` of
shape ``(n_galaxies, n_points)``, and ``inc, distance, mbh`` of shape
``(n_galaxies,)``. Unbatched arguments are shared by every galaxy (for example
one set of points). MGEs of different lengths are padded with zero-weight
Gaussians (``surf = 0`` and any valid ``sigma`` and ``q``). The result has shape
``(n_galaxies, n_points)``, or ``(n_points,)`` when no argument is batched.
"""

from ._base import check_device
from ._quadrature import DEFAULT_N_NODES
from .alignment import ENGINES
from .anisotropy import ConstantBeta, CylindricalLikeBeta, LogisticBeta
from .constants import DEFAULT_DISTANCE_MPC, G_JAMPY, MIN_Q_INTR, arcsec_to_pc
from .crosscheck import jampy_mge_vrms, jampy_sersic_vrms, plain_jampy_vrms
from .cylindrical import jam_axi_cyl
from .mge import sersic_mge
from .projection import inc_from_qmin, intrinsic_axis_ratio, qmin_from_inc
from .sersic import scaled_mge_vrms, sersic_vrms, vrms_unit
from .spherical import jam_axi_sph

__all__ = [
    "jam_axi_cyl",
    "jam_axi_sph",
    "ENGINES",
    "CylindricalLikeBeta",
    "LogisticBeta",
    "ConstantBeta",
    "sersic_vrms",
    "scaled_mge_vrms",
    "vrms_unit",
    "sersic_mge",
    "jampy_mge_vrms",
    "jampy_sersic_vrms",
    "plain_jampy_vrms",
    "arcsec_to_pc",
    "intrinsic_axis_ratio",
    "inc_from_qmin",
    "qmin_from_inc",
    "check_device",
    "G_JAMPY",
    "DEFAULT_N_NODES",
    "DEFAULT_DISTANCE_MPC",
    "MIN_Q_INTR",
]
