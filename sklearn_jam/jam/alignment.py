"""The alignment of the velocity ellipsoid, ``align='cyl' | 'sph'``: its engine.

Cylindrical (:func:`~sklearn_jam.jam.jam_axi_cyl`, jampy 8's default) or
spherical (:func:`~sklearn_jam.jam.jam_axi_sph`, jampy 9's); both take the same
arguments, with ``beta`` the anisotropy of the alignment (``beta_z = 1 -
sigma_z^2 / sigma_R^2`` or ``beta_r = 1 - sigma_theta^2 / sigma_r^2``).

The simulator's families (:class:`~sklearn_jam.JamSimulator`) give each galaxy one
anisotropy value; :data:`ANISOTROPIES` says how the engine takes it
(:func:`engine_beta`) and :func:`anisotropy_column` how its column is named.
"""

import math

from .anisotropy import CylindricalLikeBeta
from .cylindrical import jam_axi_cyl
from .spherical import jam_axi_sph

__all__ = [
    "ENGINES",
    "ALIGNMENTS",
    "ANISOTROPIES",
    "engine",
    "anisotropy_column",
    "engine_beta",
]

#: The engine of each alignment.
ENGINES = {"cyl": jam_axi_cyl, "sph": jam_axi_sph}

#: The alignments, as the estimators' ``align`` takes them.
ALIGNMENTS = tuple(ENGINES)


def engine(align):
    """The engine of ``align`` ('cyl' or 'sph'); a ValueError naming it otherwise."""
    if align not in ENGINES:
        raise ValueError(f"align={align!r} must be one of {ALIGNMENTS}")
    return ENGINES[align]


#: How a family's one anisotropy value per galaxy enters the engine:
#:
#: - ``'constant'``: the same ``beta`` for every luminous Gaussian, ``beta_z`` of the
#:   cylindrical alignment or ``beta_r`` of the spherical one;
#: - ``'eq37'`` (``align='sph'`` only): jampy 9's eq. (37),
#:   :class:`~sklearn_jam.jam.anisotropy.CylindricalLikeBeta` with ``ratio = sqrt(1 -
#:   beta_z)``, the spherically aligned model that mimics the cylindrically aligned one of
#:   that ``beta_z`` (as jampy 9's examples do). Its ``beta(theta)`` is ``beta_z`` on the
#:   equator; the column keeps the name ``beta_z``, with its prior and its physical rule.
ANISOTROPIES = ("constant", "eq37")


def anisotropy_column(align, anisotropy="constant"):
    """The name of a family's anisotropy column: ``'beta_z'`` or ``'beta_r'``.

    Parameters
    ----------
    align : {'cyl', 'sph'}
    anisotropy : {'constant', 'eq37'}, default='constant'
        :data:`ANISOTROPIES`; ``'eq37'`` needs ``align='sph'``.

    Returns
    -------
    name : str
        ``'beta_r'`` for a constant spherically aligned anisotropy, ``'beta_z'``
        otherwise.

    Raises
    ------
    ValueError
        For an unknown alignment or anisotropy, or ``'eq37'`` with ``align='cyl'``.
    """
    engine(align)  # refuses an unknown alignment
    if anisotropy not in ANISOTROPIES:
        raise ValueError(f"anisotropy={anisotropy!r} must be one of {ANISOTROPIES}")
    if anisotropy == "eq37" and align != "sph":
        raise ValueError(
            "anisotropy='eq37' is jampy 9's beta(theta) of the spherically aligned model: it "
            f"needs align='sph', got align={align!r}"
        )
    return "beta_r" if align == "sph" and anisotropy == "constant" else "beta_z"


def engine_beta(anisotropy, beta, ones):
    """The ``beta`` argument of the engine for galaxies' anisotropy values.

    Parameters
    ----------
    anisotropy : {'constant', 'eq37'}
        :data:`ANISOTROPIES`.
    beta : float, ndarray or torch.Tensor of shape (n_galaxies,)
        Each galaxy's value (``beta_z`` or ``beta_r``, dimensionless).
    ones : ndarray or torch.Tensor of shape (n_gauss,) or (n_galaxies, n_gauss)
        Ones, one per luminous Gaussian (in the engine's namespace).

    Returns
    -------
    beta : array of ``ones``' shape, CylindricalLikeBeta or list of them
        The constant of every Gaussian, or eq. (37) with ``ratio = sqrt(1 - beta_z)``:
        one, or one per galaxy (NumPy only, as the engine of ``beta(theta)``).
    """
    if anisotropy == "constant":
        return beta[..., None] * ones if ones.ndim > 1 else beta * ones
    if anisotropy != "eq37":
        raise ValueError(f"anisotropy={anisotropy!r} must be one of {ANISOTROPIES}")
    if ones.ndim == 1:
        return CylindricalLikeBeta(math.sqrt(1.0 - float(beta)))
    return [CylindricalLikeBeta(math.sqrt(1.0 - float(b))) for b in beta]
