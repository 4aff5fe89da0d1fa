"""Mock photometry: 64 x 64 Sersic images (SPEC section 2)."""

import warnings

import numpy as np
from scipy.special import gammainccinv

from .exceptions import ImageNormalizationWarning

__all__ = [
    "sersic_b",
    "sersic_images",
    "pixel_coordinates",
    "fold_quadrant",
    "isophote_axis_ratio",
    "check_images",
    "check_images_with_moments",
    "quadrant_axis_ratio",
    "image_moments",
    "ImageNormalizationWarning",
]


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


def _renamed_side(image_side, npix):
    """``image_side``, or the deprecated ``npix`` (renamed in 0.3) with a FutureWarning."""
    if npix is None:
        return image_side
    warnings.warn(
        "npix was renamed image_side in 0.3, as the emulator's (npix is removed in 0.5)",
        FutureWarning,
        stacklevel=3,
    )
    return npix


def pixel_coordinates(image_side=64, pixel_scale=0.8, *, npix=None):
    """Sky coordinates of the pixel centres along one image axis.

    Parameters
    ----------
    image_side : int, default=64
        Pixels per side.
    npix : int, optional
        Deprecated in 0.3 (removed in 0.5): the old name of ``image_side``.
    pixel_scale : float, default=0.8
        Arcsec per pixel.

    Returns
    -------
    coords : ndarray of shape (image_side,)
        Arcsec; the galaxy centre lies between the central pixels.
    """
    image_side = _renamed_side(image_side, npix)
    return (np.arange(image_side) - (image_side - 1) / 2.0) * pixel_scale


def sersic_images(
    n_ser, r_ser, q_l, image_side=64, pixel_scale=0.8, oversample=5, dtype=np.float64, *, npix=None
):
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
    image_side : int, default=64
        Pixels per side (even, so the centre falls between pixels).
    pixel_scale : float, default=0.8
        Arcsec per pixel.
    oversample : int, default=5
        Sub-pixels per pixel side; at least 5 so that the n=4 cusp is right.
    dtype : numpy dtype, default=float64
        Dtype of the returned images.
    npix : int, optional
        Deprecated in 0.3 (removed in 0.5): the old name of ``image_side``.

    Returns
    -------
    images : ndarray of shape (n, image_side, image_side)
        Each image sums to one; ``images[k, row, col]`` with row = y.
    """
    n_ser, r_ser, q_l = (np.atleast_1d(np.asarray(a, dtype=float)) for a in (n_ser, r_ser, q_l))
    if not (n_ser.shape == r_ser.shape == q_l.shape) or n_ser.ndim != 1:
        raise ValueError(
            f"n_ser, r_ser and q_l must be 1-D of equal length, got shapes "
            f"{n_ser.shape}, {r_ser.shape}, {q_l.shape}"
        )
    image_side = _renamed_side(image_side, npix)
    if image_side % 2 or image_side < 2:
        raise ValueError(f"image_side must be a positive even number, got {image_side}")
    if oversample < 1:
        raise ValueError(f"oversample must be >= 1, got {oversample}")
    for name, a in (("r_ser", r_ser), ("q_l", q_l), ("n_ser", n_ser)):
        if not np.all(np.isfinite(a) & (a > 0)):
            raise ValueError(f"{name} must be finite and > 0, got {a[~(np.isfinite(a) & (a > 0))]}")

    # The image is symmetric under x -> -x and y -> -y: render one quadrant and mirror it,
    # which is 4x cheaper and makes the symmetry exact.
    half = image_side // 2
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


def fold_quadrant(images):
    """Mean of the four mirrored quadrants of square images.

    Parameters
    ----------
    images : ndarray of shape (n, side, side)
        Images centred between the four central pixels (``side`` even).

    Returns
    -------
    quadrant : ndarray of shape (n, side // 2, side // 2)
        ``quadrant[k, j, i]`` lies at pixel centre ``(x, y) = (i + 1/2, j + 1/2)``
        pixels from the galaxy centre.
    """
    h = images.shape[-1] // 2
    quarter = images.dtype.type(0.25)
    return (
        images[:, h:, h:]
        + images[:, h:, :h][:, :, ::-1]
        + images[:, :h, h:][:, ::-1, :]
        + images[:, :h, :h][:, ::-1, ::-1]
    ) * quarter


#: Cap of the measured axis ratio: noise, or a major axis along y, can give any value.
_MAX_AXIS_RATIO = 1.5


def quadrant_axis_ratio(log_quadrant):
    """Axis ratio of the isophote through the outermost-but-two major-axis pixel.

    ``log_quadrant`` is the log of a folded quadrant (n, h, h). The level of
    the major-axis pixel ``k = h - 3`` (row 0) is found on the minor axis
    (column 0) by inverse quadratic interpolation, and the ellipse through both
    points gives ``q``. Both points sample the profile the same way over their
    pixels, so to first order in the pixel size the pixel averaging cancels.
    """
    log_quadrant = np.asarray(log_quadrant, dtype=np.float64)
    n, h = len(log_quadrant), log_quadrant.shape[-1]
    if h < 3:
        raise ValueError(f"images must be at least 6 pixels on a side, got {2 * h}")
    major, minor = log_quadrant[:, 0, :], log_quadrant[:, :, 0]
    k = max(h - 3, 1)
    level = major[:, k]
    # minor[j] >= level > minor[j + 1] on a falling profile; three points around it.
    j = np.clip((minor > level[:, None]).sum(axis=1) - 1, 0, h - 2)
    j0 = np.clip(j - 1, 0, h - 3)
    rows = np.arange(n)[:, None]
    v = minor[rows, j0[:, None] + np.arange(3)]
    y = (j0[:, None] + np.arange(3) + 0.5).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Lagrange form of y(v) through the three points, evaluated at the level.
        y_b = 0.0
        for i in range(3):
            num, den = y[:, i], 1.0
            for m in range(3):
                if m != i:
                    num = num * (level - v[:, m])
                    den = den * (v[:, i] - v[:, m])
            y_b = y_b + num / den
    # Flat or noisy profiles (not Sersic-like) give no crossing: fall back to a round isophote.
    y_b = np.clip(np.nan_to_num(y_b, nan=k + 0.5), 0.5, h - 0.5)
    x_a = k + 0.5
    return np.minimum(np.sqrt((y_b**2 - 0.25) / (x_a**2 - 0.25)), _MAX_AXIS_RATIO)


def isophote_axis_ratio(images):
    """Observed axis ratio of centred, symmetric galaxy images.

    Measured on the isophote through the major-axis pixel three pixels inside
    the image edge (x along the major axis). On the Sersic images of
    :func:`sersic_images` with ``q_l`` in [0.6, 1] it recovers ``q_l`` to
    about 1e-4.

    Parameters
    ----------
    images : array-like of shape (n, side, side)
        Positive images, ``side`` even and at least 6, major axis along x.

    Returns
    -------
    q : ndarray of shape (n,)
        Axis ratio (minor / major), dimensionless: in [0, 1] for galaxies
        elongated along x; images that are not (noise, a major axis along y)
        give values capped at 1.5.
    """
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 3 or images.shape[1] != images.shape[2] or images.shape[1] % 2:
        raise ValueError(
            f"images must have shape (n, side, side) with side even, got {images.shape}"
        )
    return quadrant_axis_ratio(np.log(np.maximum(fold_quadrant(images), 1e-300)))


#: Images whose sum differs from 1 by more than this are normalised, with a warning.
IMAGE_SUM_TOL = 1e-3
#: Largest distance of the light-weighted centre from the image centre, in pixels.
IMAGE_CENTRE_TOL = 0.1


def image_moments(images):
    """Centre and second moments of images, in pixels.

    Parameters
    ----------
    images : ndarray of shape (n, side, side)
        Non-negative images (any normalisation); ``images[k, row, col]`` with
        row = y, col = x.

    Returns
    -------
    moments : ndarray of shape (n, 4)
        ``x_c, y_c`` (light-weighted centre, pixels from the image centre) and
        ``I_xx, I_yy`` (light-weighted variances along x and y, pixels**2).
    """
    images = np.asarray(images, dtype=np.float64)
    return _moments(images.sum(axis=1), images.sum(axis=2))


def _moments(along_x, along_y):
    """:func:`image_moments` from the light per column and per row."""
    c = np.arange(along_x.shape[1]) - (along_x.shape[1] - 1) / 2.0
    total = along_x.sum(axis=1)[:, None]
    along_x, along_y = along_x / total, along_y / total
    x_c, y_c = along_x @ c, along_y @ c
    return np.column_stack([x_c, y_c, along_x @ c**2 - x_c**2, along_y @ c**2 - y_c**2])


def check_images(images, sum_tol=IMAGE_SUM_TOL, centre_tol=IMAGE_CENTRE_TOL):
    """Check images against the emulator's contract (SPEC section 4).

    The contract: finite, non-negative, of unit sum (surface brightness per
    pixel as a fraction of the total, not counts), centred between the four
    central pixels, with the major axis along x (columns). An image whose only
    fault is its sum is divided by it, with an :class:`ImageNormalizationWarning`;
    every other fault is an error naming the image and the rule.

    Parameters
    ----------
    images : array-like of shape (n, side, side)
        The images.
    sum_tol : float, default=1e-3
        Largest accepted ``|sum - 1|`` before normalising.
    centre_tol : float, default=0.1
        Largest accepted distance of the light-weighted centre from the image
        centre, in pixels.

    Returns
    -------
    images : ndarray of shape (n, side, side)
        The images, normalised where needed (float64; the input when nothing
        was changed and it was float64 already).

    Raises
    ------
    ValueError
        For non-finite, negative or all-zero images, off-centre images, and
        images elongated along y.
    """
    return check_images_with_moments(images, sum_tol, centre_tol)[0]


def check_images_with_moments(images, sum_tol=IMAGE_SUM_TOL, centre_tol=IMAGE_CENTRE_TOL):
    """:func:`check_images`, and the images' moments (as :func:`image_moments`)."""
    images = np.asarray(images, dtype=np.float64)
    if images.ndim != 3 or images.shape[1] != images.shape[2]:
        raise ValueError(f"images must have shape (n, side, side), got {images.shape}")
    if len(images) == 0:
        return images, np.empty((0, 4))
    # Three passes over the pixels: the minimum and the light per column and per row.
    # NaN and infinities show in the minimum or the sums.
    lowest = images.min(axis=(1, 2))
    along_x, along_y = images.sum(axis=1), images.sum(axis=2)
    sums = along_x.sum(axis=1)
    finite = np.isfinite(sums) & ~np.isnan(lowest)
    if not finite.all():
        i = int(np.flatnonzero(~finite)[0])
        raise ValueError(f"images must be finite: image {i} holds NaN or infinity")
    if np.any(lowest < 0):
        i = int(np.flatnonzero(lowest < 0)[0])
        row, col = np.unravel_index(np.argmin(images[i]), images.shape[1:])
        raise ValueError(
            f"images must be non-negative (surface brightness): image {i} has "
            f"{images[i, row, col]:.3g} at pixel (row {row}, col {col}); subtract the sky "
            "before, not to below zero"
        )
    if np.any(sums <= 0):
        raise ValueError(f"image {int(np.flatnonzero(sums <= 0)[0])} is all zero")
    moments = _moments(along_x, along_y)
    x_c, y_c, i_xx, i_yy = moments.T
    shifted = np.hypot(x_c, y_c) > centre_tol
    if shifted.any():
        i = int(np.flatnonzero(shifted)[0])
        raise ValueError(
            f"images must be centred between the four central pixels: the light-weighted "
            f"centre of image {i} is at (x, y) = ({x_c[i]:.2f}, {y_c[i]:.2f}) pixels from the "
            f"image centre (tolerance {centre_tol} pixel)"
        )
    along_y_axis = i_yy > i_xx * (1 + 1e-3)
    if along_y_axis.any():
        i = int(np.flatnonzero(along_y_axis)[0])
        raise ValueError(
            f"images must have the major axis along x (columns): image {i} is elongated along "
            f"y (I_yy / I_xx = {i_yy[i] / i_xx[i]:.4f}); transpose it (image.T)"
        )
    off = np.abs(sums - 1) > sum_tol
    if off.any():
        i = int(np.flatnonzero(off)[0])
        warnings.warn(
            f"{int(off.sum())} of {len(images)} images do not sum to 1 (e.g. image {i} sums "
            f"to {sums[i]:.6g}); they were divided by their sums: the emulator takes each "
            "pixel's fraction of the total light, not counts or flux",
            ImageNormalizationWarning,
            stacklevel=3,
        )
        images = images / sums[:, None, None]
    return images, moments
