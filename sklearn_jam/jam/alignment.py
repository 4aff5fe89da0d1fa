"""The alignment of the velocity ellipsoid, ``align='cyl' | 'sph'``: its engine.

Cylindrical (:func:`~sklearn_jam.jam.jam_axi_cyl`, jampy 8's default) or
spherical (:func:`~sklearn_jam.jam.jam_axi_sph`, jampy 9's); both take the same
arguments, with ``beta`` the anisotropy of the alignment (``beta_z = 1 -
sigma_z^2 / sigma_R^2`` or ``beta_r = 1 - sigma_theta^2 / sigma_r^2``).
"""

from .cylindrical import jam_axi_cyl
from .spherical import jam_axi_sph

__all__ = ["ENGINES", "ALIGNMENTS", "engine"]

#: The engine of each alignment.
ENGINES = {"cyl": jam_axi_cyl, "sph": jam_axi_sph}

#: The alignments, as the estimators' ``align`` takes them.
ALIGNMENTS = tuple(ENGINES)


def engine(align):
    """The engine of ``align`` ('cyl' or 'sph'); a ValueError naming it otherwise."""
    if align not in ENGINES:
        raise ValueError(f"align={align!r} must be one of {ALIGNMENTS}")
    return ENGINES[align]
