"""The PSF and the spaxels: their checks and the rules that convolve and average a model.

Every term of a JAM model's surface-brightness-weighted second moment is a
Gaussian times a quadratic in x, ``(f0 + f1 x^2) exp(-(a x^2 + g y^2))``. Its
convolution with a circular Gaussian PSF is again such a term (closed form), its
mean over an aligned square spaxel is analytic without a PSF (erfc) and a short
symmetric Gauss-Legendre rule with one (the terms are then at least as wide as the
PSF), and a turned spaxel is a 2-D Gauss-Legendre rule of sub-points
(``docs/real_galaxies.rst`` derives them and measures them against a brute-force
2-D integral). The surface brightness goes through the same rules, so that their
errors cancel in the ratio.
"""

import functools

import numpy as np

from ._kernels import pixel_mean_f32, point_sum_f32
from ._quadrature import pixel_rule

__all__ = ["check_psf", "compiled_sum", "pixel_mean", "box_means", "mge_surf", "spaxel_points"]

#: Gauss-Legendre points per spaxel side with a PSF: at least this many, and 4.5
#: per PSF sigma per half side (relative error of V_rms < 1e-6 at 3, side / sigma ~ 1.2).
_MIN_PIXEL_NODES = 3
_PIXEL_NODES_PER_SIGMA = 5.0
#: ... and at least this many with a black hole, whose convolved terms are as narrow as
#: the PSF itself: 3 points were 7.6e-6 off (4: 1.4e-8) on M32 near the inclination
#: limit with a 1.6e8 Msun black hole under jampy's dark-halo PSF and 2" spaxels.
_BLACK_HOLE_MIN_PIXEL_NODES = 4


def check_psf(sigmapsf, normpsf, pixsize, pixang, pixel_nodes, *, black_hole=False):
    """The PSF and spaxel as NumPy values, refused with the rule they break.

    With ``pixel_nodes=None`` the spaxel rule's points per side follow the PSF (and
    ``black_hole``, whether any galaxy of the call has one).
    """
    sigmapsf = np.atleast_1d(np.asarray(sigmapsf, dtype=float))
    normpsf = np.atleast_1d(np.asarray(normpsf, dtype=float))
    if sigmapsf.ndim != 1 or sigmapsf.shape != normpsf.shape:
        raise ValueError(
            f"sigmapsf and normpsf must be 1-D of one length, got shapes {sigmapsf.shape} "
            f"and {normpsf.shape}"
        )
    if not np.all(np.isfinite(sigmapsf) & (sigmapsf >= 0)):
        raise ValueError(f"sigmapsf={sigmapsf.tolist()} must be finite and >= 0 arcsec")
    if not np.all(np.isfinite(normpsf) & (normpsf > 0)):
        raise ValueError(f"normpsf={normpsf.tolist()} must be finite and > 0")
    if abs(normpsf.sum() - 1) > 0.005:
        raise ValueError(
            f"normpsf={normpsf.tolist()} sums to {normpsf.sum():.6g}; the PSF must be "
            "normalised (sum 1 to within 0.005, as jampy)"
        )
    if not (np.isfinite(pixsize) and pixsize >= 0):
        raise ValueError(f"pixsize={pixsize!r} must be finite and >= 0 arcsec")
    if not np.isfinite(pixang):
        raise ValueError(f"pixang={pixang!r} must be finite (degrees)")
    if pixel_nodes is None:
        s_min = sigmapsf[sigmapsf > 0].min() if np.any(sigmapsf > 0) else 0.0
        turned = pixsize > 0 and pixang % 90 != 0
        if turned and s_min == 0:
            # Without a PSF the model can be sharp within a spaxel (a black hole):
            # no fixed 2-D rule over a turned square is accurate (12 x 12 points are
            # 4-8% off), and the aligned square's exact means do not apply.
            raise ValueError(
                f"pixang={pixang!r}: a spaxel turned by other than a multiple of 90 deg is "
                "averaged by a 2-D rule that needs a PSF (sigmapsf > 0); give the PSF, or "
                "pixel_nodes (points per side) to accept the rule's error"
            )
        fewest = _BLACK_HOLE_MIN_PIXEL_NODES if black_hole else _MIN_PIXEL_NODES
        pixel_nodes = fewest
        if s_min > 0:
            pixel_nodes = max(fewest, int(np.ceil(_PIXEL_NODES_PER_SIGMA * 0.5 * pixsize / s_min)))
    elif int(pixel_nodes) != pixel_nodes or pixel_nodes < 1:
        raise ValueError(f"pixel_nodes must be an integer >= 1 or None, got {pixel_nodes!r}")
    return sigmapsf, normpsf / normpsf.sum(), float(pixsize), float(pixang), int(pixel_nodes)


def spaxel_points(pixsize, pixang, pixel_nodes):
    """Offsets and weights of the 2-D rule over a spaxel turned by ``pixang``.

    Parameters
    ----------
    pixsize : float
        Spaxel side in arcsec.
    pixang : float
        Its angle to the x axis in degrees (jampy's kernel is the spaxel turned by
        ``-pixang``).
    pixel_nodes : int
        Gauss-Legendre points per side.

    Returns
    -------
    dx, dy : ndarray of shape (pixel_nodes**2,)
        Offsets of the sub-points from the spaxel's centre in arcsec.
    weights : ndarray of shape (pixel_nodes**2,)
        Their weights, summing to 1.
    """
    tau, w_tau = pixel_rule(pixel_nodes)
    xi, eta = (m.ravel() * (0.5 * pixsize) for m in np.meshgrid(tau, tau))
    ang = np.radians(pixang)
    dx = xi * np.cos(ang) + eta * np.sin(ang)
    dy = -xi * np.sin(ang) + eta * np.cos(ang)
    return dx, dy, np.outer(w_tau, w_tau).ravel()


def compiled_sum(x, y, a, g, f0, f1, half_pixel, pixel_nodes):
    """The sum over terms by the kernels of :mod:`sklearn_jam.jam._kernels` (NumPy, (B, P)).

    Spaxel means (``half_pixel`` of shape (B,)) or values at the points
    (``None``), in single precision with the coefficients ``f0, f1`` (B, M)
    scaled to order one; ``a, g`` (B, M).
    """
    scale = np.abs(f0).max(-1, keepdims=True) + np.abs(f1).max(-1, keepdims=True) * (x * x).max(
        -1, keepdims=True
    )  # (B, 1)
    scale = np.where(scale > 0, scale, 1.0)
    f32 = functools.partial(np.ascontiguousarray, dtype=np.float32)
    args = [f32(v) for v in (x, y, a, g, f0 / scale, f1 / scale)]
    out = np.empty(x.shape)
    if half_pixel is None:
        point_sum_f32(*args, out)
    else:
        tau, w_tau = pixel_rule(pixel_nodes)
        pixel_mean_f32(*args, f32(half_pixel), f32(tau), f32(w_tau), out)
    return out * scale


def pixel_mean(xp, x, y, a, g, f0, f1, half, psf, pixel_nodes):
    """Spaxel mean of ``sum (f0 + f1 x^2) exp(-(a x^2 + g y^2))`` over the terms (last axis)."""
    if psf is None:  # the terms may be narrower than the spaxel: exact
        mean_x, mean_x2 = box_means(xp, x, a, half)
        mean_y, _ = box_means(xp, y, g, half)
        return ((f0 * mean_x + f1 * mean_x2) * mean_y).sum(-1)
    # With a PSF the terms are at least as wide as it: Gauss-Legendre in x and in y
    # separately, as the compiled kernel. Every exponent is <= 0, so nothing
    # overflows and far bins give 0, never inf * 0.
    mean_x = mean_y = 0
    for t, w in zip(*pixel_rule(pixel_nodes), strict=True):
        tx, ty = x + half * t, y + half * t
        mean_x = mean_x + w * (f0 + f1 * (tx * tx)) * xp.exp(-a * (tx * tx))
        mean_y = mean_y + w * xp.exp(-g * (ty * ty))
    return (mean_x * mean_y).sum(-1)


def box_means(xp, x, a, half):
    """Means of ``exp(-a t^2)`` and ``t^2 exp(-a t^2)`` over ``|t - x| < half``, analytic.

    With ``x >= 0`` (the integrands are even), ``erfc(lo) - erfc(hi)`` never
    cancels: both are small on the far side of the peak, and ``lo < 0 < hi``
    otherwise.
    """
    x = abs(x)
    lo, hi = x - half, x + half
    sqrt_a = xp.sqrt(a)
    diff = xp.erfc(sqrt_a * lo) - xp.erfc(sqrt_a * hi)
    integral = (0.5 * np.sqrt(np.pi)) * diff / sqrt_a
    # int t^2 exp(-a t^2) dt = (int exp(-a t^2) dt - [t exp(-a t^2)]) / (2 a), by parts
    edges = hi * xp.exp(-a * hi * hi) - lo * xp.exp(-a * lo * lo)
    integral2 = (integral - edges) / (2 * a)
    width = 2 * half
    return integral / width, integral2 / width


def mge_surf(xp, x, y, surf, sigma, qobs, psf=None, half_pixel=None, pixel_nodes=None):
    """Surface density of an MGE at the points (pc), convolved as the second moment; (B, P)."""
    s2x = (sigma * sigma)[:, None, :]
    s2y = s2x * (qobs * qobs)[:, None, :]
    amp = surf[:, None, :]
    if psf is not None:  # eqs. (4)-(5) of Cappellari (2002)
        s2_psf, w_psf = (psf[0] * psf[0])[:, None, None, :], psf[1]
        amp = amp[..., None] * w_psf * xp.sqrt(s2x * s2y)[..., None]
        s2x, s2y = s2x[..., None] + s2_psf, s2y[..., None] + s2_psf
        amp = amp / xp.sqrt(s2x * s2y)
    shape = (x.shape[0], x.shape[1]) + (1,) * (s2x.ndim - 2)
    x, y = x.reshape(shape), y.reshape(shape)
    if half_pixel is not None:
        half = half_pixel.reshape((-1,) + (1,) * (len(shape) - 1))
        if psf is None:
            gauss = box_means(xp, x, 0.5 / s2x, half)[0] * box_means(xp, y, 0.5 / s2y, half)[0]
        else:  # the same rule as the second moment, so that their errors cancel
            mean_x = mean_y = 0
            for tau, w_tau in zip(*pixel_rule(pixel_nodes), strict=True):
                tx, ty = x + half * tau, y + half * tau
                mean_x = mean_x + w_tau * xp.exp(-0.5 * tx * tx / s2x)
                mean_y = mean_y + w_tau * xp.exp(-0.5 * ty * ty / s2y)
            gauss = mean_x * mean_y
    else:
        gauss = xp.exp(-0.5 * (x * x / s2x + y * y / s2y))
    return (amp * gauss).reshape(x.shape[0], x.shape[1], -1).sum(-1)
