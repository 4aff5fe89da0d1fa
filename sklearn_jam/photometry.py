"""Mock photometry: 64 x 64 Sersic images (SPEC section 2)."""

import numpy as np
from scipy.special import gammainccinv

__all__ = ["sersic_b", "sersic_images", "pixel_coordinates"]


def sersic_b(n_ser):
    """Exact Sersic ``b_n`` such that ``r_ser`` encloses half the light.

    Parameters
    ----------
    n_ser : array-like
        Sersic index, dimensionless.

    Returns
    -------
    b_n : ndarray
        ``gammainccinv(2 n_ser, 0.5)``.
    """
    return gammainccinv(2.0 * np.asarray(n_ser, dtype=float), 0.5)


def pixel_coordinates(npix=64, pixel_scale=0.8):
    """Sky coordinates of the pixel centres along one image axis.

    Parameters
    ----------
    npix : int, default=64
        Pixels per side.
    pixel_scale : float, default=0.8
        Arcsec per pixel.

    Returns
    -------
    coords : ndarray of shape (npix,)
        Arcsec; the galaxy centre lies between the central pixels.
    """
    return (np.arange(npix) - (npix - 1) / 2.0) * pixel_scale


def sersic_images(n_ser, r_ser, q_l, npix=64, pixel_scale=0.8, oversample=5, dtype=np.float64):
    """Render unit-sum Sersic images, averaged over a sub-pixel grid.

    The major axis runs along x (columns), the projected symmetry axis along y
    (rows); the centre lies between the four central pixels. The surface
    brightness is ``exp(-b_n (R_ell / r_ser)**(1/n_ser))`` with
    ``R_ell = sqrt(x**2 + (y / q_l)**2)``.

    Parameters
    ----------
    n_ser : array-like of shape (n,)
        Sersic index, dimensionless.
    r_ser : array-like of shape (n,)
        Sersic (half-light) radius in arcsec.
    q_l : array-like of shape (n,)
        Observed axial ratio of the light, dimensionless.
    npix : int, default=64
        Pixels per side (even, so the centre falls between pixels).
    pixel_scale : float, default=0.8
        Arcsec per pixel.
    oversample : int, default=5
        Sub-pixels per pixel side; at least 5 so that the n=4 cusp is right.
    dtype : numpy dtype, default=float64
        Dtype of the returned images.

    Returns
    -------
    images : ndarray of shape (n, npix, npix)
        Each image sums to one; ``images[k, row, col]`` with row = y.
    """
    n_ser, r_ser, q_l = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (n_ser, r_ser, q_l))
    if not (n_ser.shape == r_ser.shape == q_l.shape) or n_ser.ndim != 1:
        raise ValueError(
            f"n_ser, r_ser and q_l must be 1-D of equal length, got shapes "
            f"{n_ser.shape}, {r_ser.shape}, {q_l.shape}"
        )
    if npix % 2 or npix < 2:
        raise ValueError(f"npix must be a positive even number, got {npix}")
    if oversample < 1:
        raise ValueError(f"oversample must be >= 1, got {oversample}")
    for name, a in (("r_ser", r_ser), ("q_l", q_l), ("n_ser", n_ser)):
        if not np.all(np.isfinite(a) & (a > 0)):
            raise ValueError(f"{name} must be finite and > 0, got {a[~(np.isfinite(a) & (a > 0))]}")

    # The image is symmetric under x -> -x and y -> -y: render one quadrant and mirror it,
    # which is 4x cheaper and makes the symmetry exact.
    half = npix // 2
    sub = (np.arange(half * oversample) + 0.5) / oversample * pixel_scale  # sub-pixel centres >= 0
    x2 = sub[None, None, :] ** 2
    y2 = sub[None, :, None] ** 2
    b_n = sersic_b(n_ser)[:, None, None]
    r_ell = np.sqrt(x2 + y2 / q_l[:, None, None] ** 2) / r_ser[:, None, None]
    surf = np.exp(-b_n * r_ell ** (1.0 / n_ser[:, None, None]))
    quad = surf.reshape(-1, half, oversample, half, oversample).mean(axis=(2, 4))
    top = np.concatenate([quad[:, :, ::-1], quad], axis=2)  # mirror in x
    img = np.concatenate([top[:, ::-1, :], top], axis=1)  # mirror in y
    img /= img.sum(axis=(1, 2), keepdims=True)
    return img.astype(dtype, copy=False)
