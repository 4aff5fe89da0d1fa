"""Anisotropy that varies with the polar angle, for the spherically aligned model.

jampy 9 takes ``beta = 1 - sigma_theta^2 / sigma_r^2`` as a function
``beta(r, theta)``. Its Bayesian examples use eq. (37) of Cappellari (2026, MNRAS
549, stag420), which makes a spherically aligned ellipsoid mimic a cylindrically
aligned one: with ``ratio`` the ratio ``sigma_z / sigma_R`` of the cylindrical
model, ``sigma_theta / sigma_r`` is ``ratio`` on the equator (where ``theta`` is
``z``'s direction) and ``1 / ratio`` on the axis (where ``theta`` is ``R``'s):

    beta(theta) = 1 - ratio^(-2 cos(2 theta)).

:class:`CylindricalLikeBeta` is that function, as an object that pickles (joblib,
dask) and works on NumPy arrays and torch tensors alike.
"""

import inspect
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["CylindricalLikeBeta", "ConstantBeta", "angular_beta"]

#: Radii (pc) at which a jampy-style ``beta(r, theta)`` is checked not to vary with ``r``.
_PROBE_RADII = (1e-2, 1.0, 1e2, 1e4)


@dataclass(unsafe_hash=True)
class CylindricalLikeBeta:
    """``beta(theta) = 1 - ratio^(-2 cos 2 theta)``: eq. (37) of Cappellari (2026).

    Parameters
    ----------
    ratio : float
        ``sigma_theta / sigma_r`` on the equator, the ``sigma_z / sigma_R`` of the
        cylindrically aligned model it mimics; positive (1 is isotropic).

    Examples
    --------
    >>> import numpy as np
    >>> beta = CylindricalLikeBeta(0.8)
    >>> np.round(beta(np.array([0.0, np.pi / 2])), 4)  # the axis, the equator
    array([-0.5625,  0.36  ])
    """

    ratio: float

    def __post_init__(self):
        ratio = float(self.ratio)
        if not (ratio > 0 and math.isfinite(ratio)):
            raise ValueError(f"ratio={ratio!r} must be a positive finite sigma_theta / sigma_r")
        self.ratio = ratio

    def __call__(self, theta):
        """``beta`` at the polar angles ``theta`` (radians; ndarray or torch.Tensor)."""
        cos_theta = theta.cos() if hasattr(theta, "cos") else np.cos(theta)  # torch or NumPy
        return 1 - self.ratio ** (-2 * (2 * cos_theta**2 - 1))

    def derivative(self, theta):
        """``d beta / d theta`` (the second value jampy 9's ``beta(r, theta)`` returns)."""
        one_minus_beta = 1 - self(theta)
        sin_2theta = 2 * np.sin(theta) * np.cos(theta)
        return -4 * math.log(self.ratio) * one_minus_beta * sin_2theta

    def jampy(self, r, theta):
        """jampy 9's form, ``beta(r, theta) -> (beta, dbeta/dtheta)``, for ``jam.axi.proj``."""
        return self(theta), self.derivative(theta)


@dataclass(unsafe_hash=True)
class ConstantBeta:
    """A constant ``beta = 1 - sigma_theta^2 / sigma_r^2`` as a function of theta.

    For the engine of curved characteristics (:mod:`~sklearn_jam.jam.angular`), whose
    sky grid serves any number of points (:func:`~sklearn_jam.jam.tabulated.tabulate_sph`
    takes it so); it pickles, as :class:`CylindricalLikeBeta`.

    Parameters
    ----------
    beta : float
        Below 1.
    """

    beta: float

    def __post_init__(self):
        beta = float(self.beta)
        if not (beta < 1 and math.isfinite(beta)):
            raise ValueError(f"beta={beta!r} must be finite and below 1")
        self.beta = beta

    def __call__(self, theta):
        """``beta`` at the polar angles ``theta`` (radians)."""
        return self.beta + 0 * theta


def angular_beta(beta):
    """``beta`` as a function of the polar angle alone, from either form a user has.

    Parameters
    ----------
    beta : callable
        ``beta(theta)`` (as :class:`CylindricalLikeBeta`), or jampy 9's
        ``beta(r, theta)`` returning ``beta`` or ``(beta, dbeta/dtheta)``, which must
        then not depend on ``r``.

    Returns
    -------
    beta_of_theta : callable
        ``theta -> beta`` on ndarrays.

    Raises
    ------
    ValueError
        If a ``beta(r, theta)`` varies with ``r``: a radial variation makes every
        characteristic a different curve, which the engine does not take.
    """
    if _required_arguments(beta) < 2:
        return beta

    def of_theta(theta, r=1.0):
        value = beta(np.full_like(np.asarray(theta, dtype=float), r), theta)
        return value[0] if isinstance(value, tuple) else value

    theta = np.linspace(0, np.pi / 2, 7)
    values = np.array([of_theta(theta, r) for r in _PROBE_RADII], dtype=float)
    if np.ptp(values, axis=0).max() > 1e-12:
        raise ValueError(
            f"beta={beta!r} varies with r (from {values.min():.4g} to {values.max():.4g} "
            f"at theta = 0..pi/2 and r = {_PROBE_RADII} pc): the engine takes beta as a "
            "function of the polar angle theta only (such as jampy 9's eq. (37), "
            "CylindricalLikeBeta); give one beta per luminous Gaussian for a radial variation"
        )
    return of_theta


def _required_arguments(function):
    """Positional arguments without a default (a builtin or ufunc: 1)."""
    try:
        params = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return 1
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(p.kind in positional and p.default is inspect.Parameter.empty for p in params)
