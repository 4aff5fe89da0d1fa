"""From an image and an IFU to jampy's units: an mgefit MGE in Lsun/pc^2, bins on the major axis.

mgefit's ``fit_sectors`` returns ``m.sol``: per Gaussian the total counts, the
dispersion in pixels and the observed axial ratio. JAM wants the peak surface
brightness in Lsun/pc^2 and the dispersion in arcsec (Cappellari 2002, Sec. 3;
the mgefit documentation):

- peak counts per pixel ``C0 = counts / (2 pi sigma_pix^2 q)``;
- surface brightness ``mu = zeropoint + 5 lg(scale) + 2.5 lg(exptime) - 2.5 lg(C0)
  - extinction`` in mag/arcsec^2, for a zero point that turns counts per second
  into magnitudes;
- ``I = (64800 / pi)^2 10^(0.4 (M_sun - mu))`` in Lsun/pc^2, with ``M_sun`` the
  Sun's absolute magnitude in the same band and system; ``(64800 / pi)^2`` is
  the area of 1 pc^2 seen from 10 pc, in arcsec^2 (10 pc is where absolute
  and apparent magnitudes agree), so ``I`` does not depend on the distance;
- ``sigma = sigma_pix * scale`` in arcsec.

Kinematic bins are given on the sky; JAM's x is the projected major axis.
:func:`rotate_bins` turns them by the position angle of the major axis (from
north through east, as mgefit's ``find_galaxy`` gives it in ``f.pa``).
"""

import numpy as np
from sklearn.utils import Bunch

__all__ = ["ARCSEC2_PER_PC2_AT_10PC", "mge_from_mgefit", "surface_brightness", "rotate_bins"]

#: Area of 1 pc^2 seen from 10 pc, in arcsec^2: (648000 / pi / 10)^2.
ARCSEC2_PER_PC2_AT_10PC = (64800 / np.pi) ** 2


def surface_brightness(
    counts_per_pixel, *, scale, zeropoint, solar_mag, exptime=1.0, extinction=0.0
):
    """Surface brightness in Lsun/pc^2 of a peak counts-per-pixel value.

    Parameters
    ----------
    counts_per_pixel : float or array-like
        Counts per pixel (> 0).
    scale : float
        Pixel side in arcsec.
    zeropoint : float
        Magnitude of 1 count per second in the image's band and system.
    solar_mag : float
        Absolute magnitude of the Sun in that band and system.
    exptime : float, default=1
        Exposure time in s (1 for images in counts per second).
    extinction : float, default=0
        Galactic extinction in the band, in mag.

    Returns
    -------
    surf : float or ndarray
        In Lsun/pc^2.
    """
    counts = np.asarray(counts_per_pixel, dtype=float)
    mu = zeropoint + 5 * np.log10(scale) + 2.5 * np.log10(exptime) - 2.5 * np.log10(counts)
    mu = mu - extinction
    return ARCSEC2_PER_PC2_AT_10PC * 10 ** (0.4 * (solar_mag - mu))


def mge_from_mgefit(sol, *, scale, zeropoint, solar_mag, exptime=1.0, extinction=0.0):
    """The MGE of an mgefit fit in jampy's units: Lsun/pc^2, arcsec, axial ratio.

    Parameters
    ----------
    sol : array-like of shape (3, n_gauss), or an mgefit result
        ``m.sol`` of ``mgefit.fit_sectors`` (or ``m`` itself): total counts,
        sigma in pixels and observed axial ratio of each Gaussian.
    scale : float
        Pixel side in arcsec.
    zeropoint : float
        Magnitude of 1 count per second in the image's band and system (for
        HST images, for example, ``-2.5 lg(PHOTFLAM) - 5 lg(PHOTPLAM) - 2.408``
        in AB).
    solar_mag : float
        Absolute magnitude of the Sun in the same band and system (Willmer
        2018 tabulates them).
    exptime : float, default=1
        Exposure time in s of an image in counts (1 for counts per second).
    extinction : float, default=0
        Galactic extinction in the band, in mag.

    Returns
    -------
    mge : Bunch
        ``surf_lum`` (Lsun/pc^2), ``sigma_lum`` (arcsec), ``qobs_lum``, each of
        shape (n_gauss,); ``mge``, their tuple (the first arguments of
        :class:`~sklearn_jam.JamKinematics`); ``apparent_mag``, the total
        magnitude of the MGE.

    Notes
    -----
    The distance is not needed: a surface brightness does not depend on it.
    It enters the model through ``distance`` of the JAM call, which turns
    arcsec into pc.
    """
    sol = np.asarray(getattr(sol, "sol", sol), dtype=float)
    if sol.ndim != 2 or sol.shape[0] != 3:
        raise ValueError(
            f"sol must be mgefit's m.sol of shape (3, n_gauss) (counts, sigma in pixels, q), "
            f"got shape {sol.shape}"
        )
    counts, sigma_pix, qobs = sol
    for name, value, rule in (
        ("counts", counts, counts > 0),
        ("sigma", sigma_pix, sigma_pix > 0),
        ("q", qobs, (qobs > 0) & (qobs <= 1)),
    ):
        bad = np.flatnonzero(~(np.isfinite(value) & rule))
        if bad.size:
            raise ValueError(
                f"sol: Gaussian {bad[0]} has {name}={float(value[bad[0]])!r}; mgefit's counts and "
                "sigma must be > 0 and q in (0, 1]"
            )
    for name, value in (("scale", scale), ("exptime", exptime)):
        if not (np.isfinite(value) and value > 0):
            raise ValueError(f"{name}={value!r} must be finite and > 0")
    peak = counts / (2 * np.pi * sigma_pix**2 * qobs)
    kw = dict(scale=scale, zeropoint=zeropoint, solar_mag=solar_mag, exptime=exptime)
    surf = surface_brightness(peak, extinction=extinction, **kw)
    sigma = sigma_pix * scale
    total = zeropoint - 2.5 * np.log10(counts.sum() / exptime) - extinction
    return Bunch(
        surf_lum=surf,
        sigma_lum=sigma,
        qobs_lum=qobs.copy(),
        mge=(surf, sigma, qobs.copy()),
        apparent_mag=float(total),
    )


def rotate_bins(x, y, pa, *, x_axis="west"):
    """Bin positions turned so that x runs along the galaxy's projected major axis.

    Parameters
    ----------
    x, y : array-like of shape (n_bins,)
        Positions on the sky in arcsec relative to the galaxy's centre, +y to
        the north.
    pa : float
        Position angle of the major axis in degrees, from north through east
        (mgefit's ``find_galaxy(...).pa`` for an image with north up).
    x_axis : {'west', 'east'}, default='west'
        Where +x points: 'west' for coordinates as an image is shown, north up
        and east left (x = -dRA cos(dec)); 'east' for x = +dRA cos(dec).

    Returns
    -------
    x_major, y_minor : ndarray of shape (n_bins,)
        Along the major and the minor axis, in arcsec: JAM's x and y.
    """
    if x_axis not in ("west", "east"):
        raise ValueError(f"x_axis={x_axis!r} must be 'west' or 'east'")
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    # The major axis' angle counterclockwise from +x: north is +90 deg, and east lies
    # counterclockwise of north when +x is west, clockwise of it when +x is east.
    angle = np.radians(90.0 + pa if x_axis == "west" else 90.0 - pa)
    return x * np.cos(angle) + y * np.sin(angle), -x * np.sin(angle) + y * np.cos(angle)
