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

An anisotropy that varies with the radius, such as jampy's logistic form
(:class:`LogisticBeta`: jampy 8's ``logistic=True``, jampy 9's example ``beta_fun``),
or with both ``r`` and ``theta``, is taken as a :class:`MeridionalBeta`: its
characteristics are then a different curve from every starting radius
(:class:`~sklearn_jam.jam.angular.MeridionalCharacteristic`).
"""

import inspect
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["CylindricalLikeBeta", "ConstantBeta", "LogisticBeta", "MeridionalBeta", "angular_beta"]

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


@dataclass(unsafe_hash=True)
class LogisticBeta:
    """``beta(r) = beta_0 + (beta_inf - beta_0) / (1 + (r_a / r)^alpha)``: jampy's logistic form.

    The anisotropy of the whole model varies as a logistic function of ``log r``, the
    spherical radius, as jampy 8's ``logistic=True`` with ``align='sph'`` and jampy 9's
    documented ``beta_fun``; it does not depend on ``theta``.

    Parameters
    ----------
    r_a : float
        Transition radius in pc (jampy 9's functions take ``r`` in pc).
    beta_0 : float
        ``beta`` at the centre, below 1.
    beta_inf : float
        ``beta`` at large radii, below 1.
    alpha : float
        Sharpness of the transition in ``log r``, positive.

    Examples
    --------
    >>> import numpy as np
    >>> beta = LogisticBeta(100.0, 0.0, 0.5, 2.0)
    >>> beta(np.array([10.0, 100.0, 1e3]), np.zeros(3)).round(4)
    array([0.005, 0.25 , 0.495])
    """

    r_a: float
    beta_0: float
    beta_inf: float
    alpha: float

    def __post_init__(self):
        self.r_a, self.beta_0, self.beta_inf, self.alpha = (
            float(v) for v in (self.r_a, self.beta_0, self.beta_inf, self.alpha)
        )
        if not (self.r_a > 0 and math.isfinite(self.r_a)):
            raise ValueError(f"r_a={self.r_a!r} must be a positive finite radius in pc")
        if not (self.alpha > 0 and math.isfinite(self.alpha)):
            raise ValueError(f"alpha={self.alpha!r} must be positive and finite")
        for name in ("beta_0", "beta_inf"):
            value = getattr(self, name)
            if not (value < 1 and math.isfinite(value)):
                raise ValueError(f"{name}={value!r} must be finite and below 1")

    def __call__(self, r, theta):
        """``beta`` at spherical radii ``r`` (pc) and polar angles ``theta`` (radians)."""
        r = np.asarray(r, dtype=float)
        beta = self.beta_0 + (self.beta_inf - self.beta_0) / (1 + (self.r_a / r) ** self.alpha)
        return beta + 0 * np.asarray(theta, dtype=float)

    def jampy(self, r, theta):
        """jampy 9's form, ``beta(r, theta) -> (beta, dbeta/dtheta)``, for ``jam.axi.proj``."""
        beta = self(r, theta)
        return beta, 0 * beta

    def jampy8(self, pc):
        """jampy 8's ``beta`` for ``logistic=True``: ``[r_a, beta_0, beta_inf, alpha]``,
        ``r_a`` in arcsec for ``pc`` parsecs per arcsec."""
        return np.array([self.r_a / pc, self.beta_0, self.beta_inf, self.alpha])


class MeridionalBeta:
    """A user's ``beta(r, theta)`` that varies with ``r``, as ``beta`` values alone.

    Wraps jampy 9's form (``beta(r, theta)`` returning ``beta`` or ``(beta,
    dbeta/dtheta)``, ``r`` in pc, ``theta`` in radians, vectorised) so that the engine
    and the truth call one thing; equal (and hashed) as the function it wraps.

    Parameters
    ----------
    function : callable
        ``beta(r, theta)``.
    """

    def __init__(self, function):
        self.function = function

    def __call__(self, r, theta):
        r, theta = np.broadcast_arrays(np.asarray(r, dtype=float), np.asarray(theta, dtype=float))
        value = self.function(r, theta)
        value = value[0] if isinstance(value, tuple) else value
        return _per_point(value, theta.shape, self.function, "beta(r, theta)")

    def __eq__(self, other):
        return isinstance(other, MeridionalBeta) and other.function == self.function

    def __hash__(self):
        return hash(self.function)

    def __repr__(self):
        return f"MeridionalBeta({self.function!r})"


def _per_point(values, shape, function, form):
    """A user's ``beta`` values as floats of the points' ``shape``, or an error naming it."""
    values = np.asarray(values, dtype=float)
    try:
        return np.broadcast_to(values, shape)
    except ValueError:
        raise ValueError(
            f"{form} must return one value per point; {function!r} gives shape "
            f"{values.shape} for points of shape {shape}"
        ) from None


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
    beta_of_theta : callable or MeridionalBeta
        ``theta -> beta`` on ndarrays; a :class:`MeridionalBeta` if a ``beta(r,
        theta)`` varies with ``r`` (a radial variation makes every characteristic a
        different curve: :class:`~sklearn_jam.jam.angular.MeridionalCharacteristic`).
    """
    if isinstance(beta, MeridionalBeta) or _required_arguments(beta) < 2:
        return beta

    def of_theta(theta, r=1.0):
        value = beta(np.full_like(np.asarray(theta, dtype=float), r), theta)
        return value[0] if isinstance(value, tuple) else value

    theta = np.linspace(0, np.pi / 2, 7)
    values = np.array([of_theta(theta, r) for r in _PROBE_RADII], dtype=float)
    if np.ptp(values, axis=0).max() > 1e-12:
        return MeridionalBeta(beta)
    return of_theta


def _required_arguments(function):
    """Positional arguments without a default (a builtin or ufunc: 1)."""
    try:
        params = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return 1
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return sum(p.kind in positional and p.default is inspect.Parameter.empty for p in params)
