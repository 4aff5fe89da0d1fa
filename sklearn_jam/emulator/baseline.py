"""The general emulator's physical baseline: the isotropic spherical Jeans model, with its PSF.

The general emulator (:mod:`sklearn_jam.emulator.general`) predicts the V_rms^2
maps of a galaxy's unit-mass components (its stars, and a round Gaussian of mass)
as the ratio to this baseline, which it computes itself: the same light and mass
made round (each Gaussian circularised at constant light, ``sigma sqrt(q)``) and
isotropic, where JAM of either alignment is the 1-D Jeans solution (Binney &
Mamon 1982)::

    Sigma(R) V_rms^2(R) = 2 G int_R^inf nu(r) M(r) sqrt(r^2 - R^2) / r^2 dr,

both sides then convolved with the PSF Gaussian. It carries what is hardest to
learn across the domain -- the radial profile of the light and the mass, from a
black hole's Keplerian centre to a wide Gaussian's harmonic core, seen through
PSFs from 0.001 to 0.3 r_e -- exactly for any MGE, so the network learns only
what flattening, inclination and anisotropy do to it: a ratio of order one,
exactly one for a round isotropic galaxy.

The numerics need only be smooth and the same in training and in use (the
emulator's targets are defined through them), not converged: the integral is a
product-integration rule, exact for ``nu M / r^2`` linear between the nodes of
:data:`BASELINE_RADII` (a smooth bias of +1e-3 to +4e-3); the PSF a trapezoid rule
in the radius (:data:`PSF_STEPS_PER_SIGMA`) over a log-log linear interpolation.
The truth of this limit, to 1e-12, is
:func:`sklearn_jam.jam.crosscheck.spherical_isotropic_vrms`.
"""

import numpy as np
from scipy.special import erf, i0e

__all__ = ["BASELINE_RADII", "PSF_STEPS_PER_SIGMA", "circularised", "spherical_baseline"]

#: Radii (r_e) of the 1-D solution: log-spaced, from below the narrowest mass
#: Gaussian (10^-3.5 r_e) seen through the narrowest PSF (0.001 r_e) to beyond the
#: grid (2.75 r_e) by six of the widest PSF's sigmas, and on to where the light ends.
BASELINE_RADII = np.geomspace(1e-6, 400.0, 640)
#: Points per PSF sigma of the convolution's uniform grid.
PSF_STEPS_PER_SIGMA = 3


def circularised(surf, sigma, qobs):
    """Round Gaussians of the same light and peak surface brightness: ``sigma sqrt(q)``.

    Parameters
    ----------
    surf, sigma, qobs : ndarray of shape (n, n_gauss)
        Peak surface brightness, dispersion and observed axial ratio.

    Returns
    -------
    surf, sigma_round : ndarray of shape (n, n_gauss)
    """
    return surf, sigma * np.sqrt(qobs)


def _enclosed(mass, sigma, r):
    """Mass (n, n_r) inside spheres of radius ``r`` of round Gaussians (n, n_gauss) of ``mass``."""
    h = r[None, :, None] / sigma[:, None]
    part = erf(h / np.sqrt(2)) - np.sqrt(2 / np.pi) * h * np.exp(-0.5 * h**2)
    return np.einsum("ng,nrg->nr", mass, part)


def _abel_matrix(r):
    """``K @ g = 2 int_{r_i}^{r_max} g(r) sqrt(r^2 - r_i^2) dr`` for ``g`` linear between nodes.

    The integral of each segment is closed form, so the rule has no trouble with
    the square root at ``r = r_i``.
    """
    big_r = r[:, None]
    lo, hi = r[None, :-1], r[None, 1:]

    def moments(t):
        s = np.sqrt(np.maximum(t**2 - big_r**2, 0.0))
        # int sqrt(t^2 - R^2) dt and int t sqrt(t^2 - R^2) dt, from R
        with np.errstate(divide="ignore", invalid="ignore"):
            log_term = np.where(t > big_r, np.log((t + s) / big_r), 0.0)
        return 0.5 * (t * s - big_r**2 * log_term), s**3 / 3

    (m0_lo, m1_lo), (m0_hi, m1_hi) = moments(np.maximum(lo, big_r)), moments(np.maximum(hi, big_r))
    m0, m1 = m0_hi - m0_lo, m1_hi - m1_lo  # (n_R, n_seg); zero for segments inside R
    width = hi - lo
    # g(t) = g_lo (hi - t) / width + g_hi (t - lo) / width on each segment
    to_lo = (hi * m0 - m1) / width
    to_hi = (m1 - lo * m0) / width
    K = np.zeros((r.size, r.size))
    K[:, :-1] += to_lo
    K[:, 1:] += to_hi
    return 2 * K


_ABEL = _abel_matrix(BASELINE_RADII)


def _convolved(profiles, radius, sigma_psf):
    """Round profiles (n, m, n_r) on :data:`BASELINE_RADII` convolved with a Gaussian.

    The ``m`` profiles of row ``n`` share its PSF sigma ``sigma_psf[n]``. The
    convolution of a round profile is one integral over the radius ``s``::

        (f * G)(R) = int_0^inf f(s) (s / sigma^2) exp(-(R - s)^2 / (2 sigma^2))
                     I0e(R s / sigma^2) ds,

    taken by the trapezoid rule on the union of :data:`BASELINE_RADII` (which
    resolves the profile: a nucleus or a black hole far narrower than the PSF)
    and, within 8 sigma of each radius, steps of a third of the PSF's sigma (which
    resolve the kernel), the profile read by linear interpolation of its
    logarithm in ``log r``.

    Returns
    -------
    convolved : ndarray of shape (n, m, n_radius)
    """
    log_r = np.log(BASELINE_RADII)
    out = np.empty((*profiles.shape[:2], radius.size))
    for n, (log_p, s_psf) in enumerate(zip(np.log(profiles), sigma_psf, strict=True)):
        # The kernel of each radius lives within 8 sigma of it; the log grid alone
        # resolves it inside ~10 sigma of the centre.
        reach = radius.max() + 8 * s_psf
        near = np.arange(-8.0, 8.0 + 1e-9, 1 / PSF_STEPS_PER_SIGMA) * s_psf
        s = np.union1d(
            BASELINE_RADII[BASELINE_RADII < reach],
            np.clip((radius[:, None] + near).ravel(), 0.0, None),
        )
        # Interpolation weights in log r, shared by the row's profiles.
        pos = (np.log(np.maximum(s, BASELINE_RADII[0])) - log_r[0]) / (log_r[1] - log_r[0])
        pos = np.clip(pos, 0, log_r.size - 1)
        i = np.minimum(pos.astype(int), log_r.size - 2)
        frac = pos - i
        values = np.exp((1 - frac) * log_p[:, i] + frac * log_p[:, i + 1])  # (m, n_s)
        z = radius[:, None] * s[None, :] / s_psf**2
        kernel = (s / s_psf**2) * np.exp(-0.5 * ((radius[:, None] - s) / s_psf) ** 2) * i0e(z)
        trapezoid = np.diff(s, prepend=s[0]) / 2 + np.diff(s, append=s[-1]) / 2
        out[n] = values @ (kernel * trapezoid).T
    return out


def spherical_baseline(surf, sigma, qobs, mass_sigma, sigma_psf, radius):
    """V_rms^2 of the round isotropic twins of galaxies, in their own mass and in round Gaussians.

    Parameters
    ----------
    surf, sigma, qobs : array-like of shape (n, n_gauss)
        Light MGEs of unit light with ``r_e = 1`` (``sigma`` in r_e).
    mass_sigma : array-like of shape (n, n_mass)
        Sigmas (r_e) of round Gaussians of unit mass (the stellar mass), each a
        potential of its own.
    sigma_psf : array-like of shape (n,)
        The PSF Gaussian's sigma in r_e (> 0).
    radius : array-like of shape (n_radius,)
        Projected radii in r_e.

    Returns
    -------
    v2 : ndarray of shape (n, 1 + n_mass, n_radius)
        V_rms^2 in ``G M_* / r_e`` of the stars (mass follows light, of unit
        mass), then in each Gaussian, PSF-convolved: the surface-brightness
        weighted mean of ``V_rms^2`` over the PSF, as the engine's maps are.
    """
    light = (np.atleast_2d(np.asarray(v, dtype=float)) for v in (surf, sigma, qobs))
    surf, sigma_round = circularised(*light)
    mass_sigma = np.asarray(mass_sigma, dtype=float).reshape(len(surf), -1)
    sigma_psf = np.asarray(sigma_psf, dtype=float).reshape(-1)
    radius = np.asarray(radius, dtype=float).ravel()
    r = BASELINE_RADII
    gaussians = np.exp(-0.5 * (r[None, :, None] / sigma_round[:, None]) ** 2)  # (n, n_r, n_gauss)
    peak = surf / (np.sqrt(2 * np.pi) * sigma_round)
    nu = np.einsum("ng,nrg->nr", peak, gaussians)
    surface = np.einsum("ng,nrg->nr", surf, gaussians)
    stars = _enclosed(2 * np.pi * surf * sigma_round**2, sigma_round, r)  # unit mass per light
    halo = np.stack([_enclosed(np.ones((len(surf), 1)), s[:, None], r) for s in mass_sigma.T], 1)
    mass = np.concatenate([stars[:, None], halo], 1)  # (n, 1 + n_mass, n_r)
    pressure = (nu[:, None] * mass / r**2) @ _ABEL.T  # Sigma V_rms^2 on BASELINE_RADII
    floor = 1e-300  # far beyond the light the profiles underflow; the log needs them > 0
    profiles = np.maximum(np.concatenate([surface[:, None], pressure], 1), floor)
    convolved = _convolved(profiles, radius, sigma_psf)
    return convolved[:, 1:] / convolved[:, :1]
