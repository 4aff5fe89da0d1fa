"""Exact, batched and differentiable JAM: V_rms of axisymmetric cylindrically aligned models.

The quantity is that of jampy 8's ``jam_axi_proj(..., align='cyl', moment='zz')``
with its analytic line-of-sight integral: eq. (28) of Cappellari (2008, MNRAS 390,
71), a single integral over ``u`` in [0, 1] of a double sum over (luminous, mass)
Gaussian pairs, evaluated at the points themselves (SPEC section 3). Here that
integral is done with fixed Gauss-Legendre nodes after a change of variables per
point and mass Gaussian, so a whole map, and a whole batch of galaxies, is one
array expression: in NumPy, or in torch on any device and differentiable by
autograd. ``docs/physics.rst`` derives the change of variables and measures its
error.

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

PSF and spaxels
---------------
With ``sigmapsf``/``normpsf`` and ``pixsize``/``pixang`` (jampy's arguments) the
result is what the bins observe, the second moment convolved with the PSF and
averaged over the spaxel, computed without a grid: every term of eq. (28) is a
Gaussian times a quadratic in x, whose convolution with a Gaussian is analytic and
whose spaxel mean is analytic or a short Gauss-Legendre rule
(``docs/real_galaxies.rst`` derives it and measures it against a brute-force 2-D
integral).
"""

import functools
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from scipy import special

from ._kernels import pixel_mean_f32, point_sum_f32
from .mass import inc_from_qmin

__all__ = [
    "jam_axi_cyl",
    "sersic_vrms",
    "jampy_sersic_vrms",
    "jampy_mge_vrms",
    "scaled_mge_vrms",
    "vrms_unit",
    "arcsec_to_pc",
    "G_JAMPY",
    "DEFAULT_N_NODES",
    "DEFAULT_DISTANCE_MPC",
    "MIN_Q_INTR",
]

#: Gravitational constant in (km/s)^2 pc / Msun, the value of jampy's integrand.
G_JAMPY = 0.004301

#: Default number of Gauss-Legendre nodes (max relative error ~3e-8 on the reference).
DEFAULT_N_NODES = 16

#: Distance in Mpc of the Sersic maps of SPEC section 3; the dimensionless maps do not depend on it.
DEFAULT_DISTANCE_MPC = 10.0

#: Gauss-Legendre points per spaxel side with a PSF: at least this many, and 4.5
#: per PSF sigma per half side (relative error of V_rms < 1e-6 at 3, side / sigma ~ 1.2).
_MIN_PIXEL_NODES = 3
_PIXEL_NODES_PER_SIGMA = 4.5
#: ... and without a PSF, for spaxels rotated by other than a multiple of 90 deg.
_PIXEL_NODES_NO_PSF = 12

#: JAM cannot deproject a Gaussian flatter than this intrinsic axial ratio (as jampy).
MIN_Q_INTR = 0.05

#: The integrand is cut where its Gaussian factor in ``u`` falls below ``exp(-_CUTOFF)``.
_CUTOFF = 36.0

#: Elements of the (points, lum, pot, nodes) work array per block: NumPy stays in cache.
_BLOCK_NUMPY = 1 << 16
#: Radius groups per octave of the change of variables, without and with convolution.
_RUNGS, _RUNGS_CONVOLVED = 8, 1
#: Largest exponent of the spaxel rule's growing factors (double precision).
_EXP_MAX = 700.0
#: The radius (pc) of points whose kernel reaches the centre: no cutoff in ``u``.
_TINY_RADIUS = 1e-100
_BLOCK_TORCH = {"cpu": 1 << 20, "cuda": 1 << 25}


def arcsec_to_pc(distance_mpc):
    """Parsec per arcsec at a distance in Mpc (the factor jampy uses)."""
    return distance_mpc * np.pi / 0.648


# -- array namespace: NumPy arrays or torch tensors -----------------------------------


class _Numpy:
    name = "numpy"
    exp, sqrt, sin, cos, arcsin, arcsinh = np.exp, np.sqrt, np.sin, np.cos, np.arcsin, np.arcsinh
    erfc = staticmethod(special.erfc)

    @staticmethod
    def asarray(a, like=None):
        return np.asarray(a, dtype=np.float64)

    @staticmethod
    def minimum(a, b):
        return np.minimum(a, b)

    @staticmethod
    def clip_min(a, lo):
        return np.maximum(a, lo)

    @staticmethod
    def where(cond, a, b):
        return np.where(cond, a, b)

    @staticmethod
    def stack(parts, axis):
        return np.stack(parts, axis=axis)

    @staticmethod
    def concat(parts, axis):
        return np.concatenate(parts, axis=axis)

    @staticmethod
    def numpy(a):
        return a

    @staticmethod
    def block(device):
        return _BLOCK_NUMPY


class _Torch:
    name = "torch"

    def __init__(self, torch, device):
        self.torch, self.device = torch, device
        t = torch
        self.exp, self.sqrt, self.sin, self.cos = t.exp, t.sqrt, t.sin, t.cos
        self.arcsin, self.arcsinh = t.arcsin, t.arcsinh
        self.erfc = t.special.erfc

    def asarray(self, a, like=None):
        return self.torch.as_tensor(a, dtype=self.torch.float64, device=self.device)

    def minimum(self, a, b):
        return self.torch.minimum(a, self.asarray(b))

    def clip_min(self, a, lo):
        return self.torch.clamp(a, min=lo)

    def where(self, cond, a, b):
        return self.torch.where(cond, a, self.asarray(b))

    def stack(self, parts, axis):
        return self.torch.stack(parts, dim=axis)

    def concat(self, parts, axis):
        return self.torch.cat(parts, dim=axis)

    @staticmethod
    def numpy(a):
        return a.detach().cpu().numpy()

    def block(self, device):
        return _BLOCK_TORCH.get(self.torch.device(device).type, _BLOCK_TORCH["cuda"])


def _namespace(values):
    """Torch if any input is a tensor (on that tensor's device), else NumPy."""
    for v in values:
        if type(v).__module__.startswith("torch"):
            import torch

            return _Torch(torch, v.device)
    return _Numpy()


def check_device(device):
    """Refuse a torch device this machine cannot use, naming it (torch is imported here)."""
    import torch

    try:
        torch.empty(0, device=device)
    except (AssertionError, RuntimeError, TypeError, ValueError) as exc:
        raise ValueError(f"device={device!r} is not usable by torch here: {exc}") from None
    return device


@functools.cache
def _gauss_legendre(n_nodes):
    """Nodes and weights of ``n_nodes``-point Gauss-Legendre quadrature on [0, 1]."""
    t, w = np.polynomial.legendre.leggauss(int(n_nodes))
    return 0.5 * (t + 1), 0.5 * w


# -- checks ------------------------------------------------------------------------------


def _refuse_first_bad(checks, where=""):
    """Raise for the first element breaking its rule: ``checks`` of (name, values, ok, rule).

    ``ok`` has the shape of ``values`` or of its leading axes (one flag per row);
    the message names the element (or row) by its index and gives its value, and
    ``where`` is formatted with that index (``" (bin {})"``).
    """
    for name, values, ok, rule in checks:
        ok = np.asarray(ok)
        if not np.all(ok):
            idx = tuple(int(i) for i in np.argwhere(~ok)[0])
            label = f"[{', '.join(map(str, idx))}]" if idx else ""
            value = np.asarray(values)[idx].tolist()
            raise ValueError(f"{name}{label}={value} must be {rule}{where.format(*idx)}")


def _check_inputs(lum, pot, beta, inc, x, y, distance, mbh, rbh, n_nodes, convolved=False):
    """Clear errors naming the offending value (run on NumPy copies; autograd unaffected)."""
    surf_lum, sigma_lum, qobs_lum = lum
    surf_pot, sigma_pot, qobs_pot = pot
    if not (surf_lum.shape[-1] == sigma_lum.shape[-1] == qobs_lum.shape[-1] == beta.shape[-1]):
        raise ValueError(
            "the luminous MGE and beta must have the same length, got surf_lum "
            f"{surf_lum.shape[-1]}, sigma_lum {sigma_lum.shape[-1]}, qobs_lum "
            f"{qobs_lum.shape[-1]}, beta {beta.shape[-1]}"
        )
    if not (surf_pot.shape[-1] == sigma_pot.shape[-1] == qobs_pot.shape[-1]):
        raise ValueError(
            "the mass MGE arrays must have the same length, got surf_pot "
            f"{surf_pot.shape[-1]}, sigma_pot {sigma_pot.shape[-1]}, qobs_pot {qobs_pot.shape[-1]}"
        )
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    if int(n_nodes) != n_nodes or n_nodes < 2:
        raise ValueError(f"n_nodes must be an integer >= 2, got {n_nodes!r}")
    _refuse_first_bad(
        (
            ("surf_lum", surf_lum, np.isfinite(surf_lum) & (surf_lum >= 0), "finite and >= 0"),
            ("surf_pot", surf_pot, np.isfinite(surf_pot) & (surf_pot >= 0), "finite and >= 0"),
            ("sigma_lum", sigma_lum, np.isfinite(sigma_lum) & (sigma_lum > 0), "finite and > 0"),
            ("sigma_pot", sigma_pot, np.isfinite(sigma_pot) & (sigma_pot > 0), "finite and > 0"),
            ("qobs_lum", qobs_lum, (qobs_lum > 0) & (qobs_lum <= 1), "in (0, 1]"),
            ("qobs_pot", qobs_pot, (qobs_pot > 0) & (qobs_pot <= 1), "in (0, 1]"),
            ("beta", beta, np.isfinite(beta) & (beta < 1), "finite and < 1"),
            ("inc", inc, (inc > 0) & (inc <= 90), "in (0, 90] degrees"),
            ("x", x, np.isfinite(x), "finite"),
            ("y", y, np.isfinite(y), "finite"),
            ("distance", distance, np.isfinite(distance) & (distance > 0), "finite and > 0 Mpc"),
            ("mbh", mbh, np.isfinite(mbh) & (mbh >= 0), "finite and >= 0 Msun"),
            ("rbh", rbh, np.isfinite(rbh) & (rbh > 0), "finite and > 0 arcsec"),
        )
    )
    if not convolved and np.any((x == 0) & (y == 0)):
        raise ValueError(
            "the point (x, y) = (0, 0) is singular for JAM without a PSF or spaxel; leave it out"
        )
    inc_rad = np.radians(inc)[..., None]
    q_min = np.hypot(np.cos(inc_rad), MIN_Q_INTR * np.sin(inc_rad))
    for name, q in (("qobs_lum", qobs_lum), ("qobs_pot", qobs_pot)):
        low = np.broadcast_to(q < q_min, np.broadcast_shapes(q.shape, q_min.shape))
        if np.any(low):
            idx = tuple(np.argwhere(low)[0])
            q_bad = np.broadcast_to(q, low.shape)[idx]
            inc_bad = np.broadcast_to(np.degrees(inc_rad), low.shape)[idx]
            i_min = inc_from_qmin(MIN_Q_INTR, q_bad)
            galaxy = f"galaxy {idx[0]}, " if len(idx) > 1 else ""
            raise ValueError(
                f"{name}: {galaxy}Gaussian {idx[-1]} with q={q_bad:.6g} is too flat for "
                f"inc={inc_bad:.6g} deg (its intrinsic axial ratio would be below "
                f"{MIN_Q_INTR}); the lowest inclination it allows is {i_min:.4f} deg"
            )


# -- the integral ---------------------------------------------------------------------


def _radius_groups(r, rungs_per_octave=8):
    """Group points by radius on a ladder of step 2**(1/rungs), each group's radius <= its points'.

    The change of variables depends on a point only through its radius, and is
    exact for any radius: a group radius at most the point's keeps the cutoff on
    the safe side, so all points of a group share the coefficients.
    """
    rung = np.floor(rungs_per_octave * np.log2(r))
    keys, inverse = np.unique(rung, return_inverse=True)
    radius = np.array([r[inverse == g].min() for g in range(len(keys))])
    return radius, inverse.reshape(r.shape)


def _surf_v2los(
    xp, x, y, r_group, group, inc, lum, pot, beta, nodes, weights, psf, half_pixel, pixel_rule
):
    """``Sigma <V_los^2>`` (eq. 28 of C08) of one block of galaxies, in (km/s)^2 Lsun/pc^2.

    Shapes: ``x, y`` (B, P) in pc; ``r_group`` (B, G) in pc and ``group`` (P,)
    the group of each point; ``inc`` (B,) in radians; ``lum`` = (dens, sigma,
    q_intr) and ``beta`` (B, J); ``pot`` = (dens, sigma, q_intr) (B, K). With
    ``psf = (sigma, weight)`` of shapes (B, C) in pc and (C,) the result is
    convolved with that circular MGE PSF, and with ``half_pixel`` of shape (B,)
    in pc averaged over the square aperture of side ``2 * half_pixel`` aligned
    with x and y (``None`` for neither): analytic without PSF; with a PSF, whose
    terms are wider than it, by ``pixel_rule = (n, compiled)``: n Gauss-Legendre
    points per side, separately in x and y. ``compiled`` (NumPy with a PSF)
    sums over the terms with the single-precision kernels of
    :mod:`sklearn_jam._kernels`, else in the array namespace in double precision.
    """
    # Coefficients per (galaxy, radius group, lum j, pot k, node): (B, G, J, K, N).
    dens_lum, sigma_lum, q_lum = (v[:, None, :, None, None] for v in lum)
    dens_pot, sigma_pot, q_pot = (v[:, None, None, :, None] for v in pot)
    kani = 1 / (1 - beta[:, None, :, None, None])  # (sigma_R / sigma_z)**2
    ci = xp.cos(inc)[:, None, None, None, None]
    si = xp.sin(inc)[:, None, None, None, None]
    ci2, si2 = ci * ci, si * si
    r2 = (r_group * r_group)[:, :, None, None, None]

    s2_lum = sigma_lum * sigma_lum
    q2_lum = q_lum * q_lum
    s2q2_lum = s2_lum * q2_lum
    s2_pot = sigma_pot * sigma_pot
    e2_pot = 1 - q_pot * q_pot
    c = e2_pot - s2q2_lum / s2_pot  # eq. (22) of C08

    # Change of variables u = U(t), t the Gauss-Legendre node on [0, 1]:
    # 1. the factor exp(-u^2 r^2 / (2 sigma_pot^2)) of the integrand confines it to
    #    u < u_max; beyond, it is below exp(-_CUTOFF) of its peak.
    # 2. 1 / (1 - c u^2) with c << 0 (a mass Gaussian much narrower than a luminous
    #    one: a black hole, a halo's core) has poles at u = +-i/sqrt(-c), close to
    #    the interval: u = u_c sinh(tau) spaces the nodes logarithmically above u_c.
    # 3. 1 / sqrt(1 - e2_pot u^2) has a branch point just above u = 1 when the mass
    #    Gaussian is flat: u = sin(phi) / e_pot moves it away from the interval.
    u_max = xp.sqrt(xp.minimum(2 * _CUTOFF * s2_pot / r2, 1.0))  # (B, G, 1, K, 1)
    rho = xp.sqrt(xp.clip_min(-c * u_max * u_max, 1e-6))  # u_max / u_c
    tau_max = xp.arcsinh(rho)
    e2_pot_map = e2_pot + 1e-12  # keeps the map regular for round Gaussians
    e_pot = xp.sqrt(e2_pot_map)
    phi_max = xp.arcsin(e_pot * u_max)
    exp_tau = xp.exp(tau_max * nodes)
    inv_exp_tau = 1 / exp_tau
    two_rho = 2 * rho
    v = (exp_tau - inv_exp_tau) / two_rho  # sinh(tau) / rho, from 0 to 1
    dv_dt = (tau_max / two_rho) * (exp_tau + inv_exp_tau)
    sin_phi = xp.sin(phi_max * v)
    u2 = sin_phi * sin_phi / e2_pot_map
    e2u2 = e2_pot * u2
    one_e2u2 = 1 - e2u2
    # cos(phi) = sqrt(1 - sin(phi)^2), phi in [0, pi/2)
    du_dt = xp.sqrt(1 - sin_phi * sin_phi) * (phi_max / e_pot) * dv_dt

    a = 0.5 / s2_lum + 0.5 * u2 / s2_pot  # eq. (29)
    b = 0.5 * (1 - q2_lum) / s2q2_lum + 0.5 * e2u2 * u2 / (s2_pot * one_e2u2)  # eq. (30)
    e = a + b * ci2
    d = 1 - kani * q2_lum - ((1 - kani) * c + e2_pot * kani) * u2  # eq. (23)
    # The integrand is weight * (f0 + f1 x^2) * exp(-(a x^2 + g y^2)), eq. (28) for z'.
    g = a * (a + b) / e
    weight = (
        (weights * du_dt)
        * u2
        * (dens_lum * q_pot * dens_pot)
        / ((1 - c * u2) * xp.sqrt(one_e2u2 * e))
    )
    f0 = s2q2_lum * (ci2 + kani * si2) * weight
    f1 = si2 * d * weight
    if psf is not None:
        # Each term convolved with each PSF Gaussian is a term of the same form:
        # (f0 + f1 x^2) exp(-a x^2) * N(sigma_psf) = (f0' + f1' x^2) exp(-a' x^2).
        s2_psf, w_psf = (psf[0] * psf[0])[:, None, None, None, None, :], psf[1]
        a, g, f0, f1 = (t[..., None] for t in (a, g, f0, f1))
        ex, ey = 1 + 2 * a * s2_psf, 1 + 2 * g * s2_psf
        norm = w_psf / xp.sqrt(ex * ey)
        f0 = (f0 + f1 * s2_psf / ex) * norm
        f1 = f1 / (ex * ex) * norm
        a, g = a / ex, g / ey

    n_gal, n_grp = r_group.shape
    coef_exp = xp.stack([a, g], 2).reshape(n_gal, n_grp, 2, -1)  # (B, G, 2, M)
    coef_sum = xp.stack([f0, f1], -1).reshape(n_gal, n_grp, -1, 2)  # (B, G, M, 2)
    n_nodes, compiled = pixel_rule
    out, order = [], []
    for k in range(n_grp):
        idx = np.flatnonzero(group == k)
        order.append(idx)
        xk, yk = x[:, idx], y[:, idx]
        if compiled:
            a_k, g_k = coef_exp[:, k, 0], coef_exp[:, k, 1]
            f0k, f1k = coef_sum[:, k, :, 0], coef_sum[:, k, :, 1]
            out.append(_compiled_sum(xk, yk, a_k, g_k, f0k, f1k, half_pixel, n_nodes))
        elif half_pixel is not None:  # mean over the aperture, in x and in y separately
            half = half_pixel[:, None, None]
            a_k, g_k = coef_exp[:, k, None, 0], coef_exp[:, k, None, 1]
            f0k, f1k = coef_sum[:, k, None, :, 0], coef_sum[:, k, None, :, 1]
            # Chunks of points keep the (points x terms) temporaries in cache.
            chunk = max(1, _BLOCK_NUMPY // (a_k.shape[0] * a_k.shape[-1]))
            parts = []
            for c in range(0, len(idx), chunk):
                xc, yc = xk[:, c : c + chunk, None], yk[:, c : c + chunk, None]
                parts.append(_pixel_mean(xp, xc, yc, a_k, g_k, f0k, f1k, half, psf, n_nodes))
            out.append(xp.concat(parts, 1))
        else:
            xy = xp.stack([xk * xk, yk * yk], -1)  # (B, Pg, 2)
            expo = xp.exp(-(xy @ coef_exp[:, k]))  # (B, Pg, M)
            s = expo @ coef_sum[:, k]  # (B, Pg, 2)
            out.append(s[..., 0] + xk * xk * s[..., 1])
    inverse = np.argsort(np.concatenate(order))
    return 4 * np.pi**1.5 * G_JAMPY * xp.concat(out, 1)[:, inverse]


def _compiled_sum(x, y, a, g, f0, f1, half_pixel, pixel_nodes):
    """The sum over terms by the kernels of :mod:`sklearn_jam._kernels` (NumPy, (B, P)).

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
        tau, w_tau = _pixel_rule(pixel_nodes)
        pixel_mean_f32(*args, f32(half_pixel), f32(tau), f32(w_tau), out)
    return out * scale


def _pixel_mean(xp, x, y, a, g, f0, f1, half, psf, pixel_nodes):
    """Spaxel mean of ``sum (f0 + f1 x^2) exp(-(a x^2 + g y^2))`` over the terms (last axis)."""
    if psf is None:  # the terms may be narrower than the spaxel: exact
        mean_x, mean_x2 = _box_means(xp, x, a, half)
        mean_y, _ = _box_means(xp, y, g, half)
        return ((f0 * mean_x + f1 * mean_x2) * mean_y).sum(-1)
    # With a PSF the terms are at least as wide as it: Gauss-Legendre in x and in
    # y, its points in symmetric pairs t = x +- d. In x, each point's
    # exp(-a t^2 - g y^2) is one exponential of a bounded argument; in y,
    # exp(-g (y +- d)^2) = exp(-g y^2) exp(-g d^2) exp(+-2 g d y) shares the first
    # factor with x, so a pair costs one more exponential, capped at exp(_EXP_MAX)
    # (where the cap bites, exp(-g y^2) is 0 and so is the product).
    arg = -(a * (x * x) + g * (y * y))
    tau, w_tau = _pixel_rule(pixel_nodes)
    upper = len(tau) // 2 + len(tau) % 2  # the points t > 0
    mean_x = mean_y = 0
    if len(tau) % 2:  # the middle point, t = x
        w_mid = float(w_tau[len(tau) // 2])
        mean_x, mean_y = w_mid * (f0 + f1 * (x * x)) * xp.exp(arg), w_mid
    for t, w in zip(tau[upper:].tolist(), w_tau[upper:].tolist(), strict=True):
        d = half * t
        shift_x = 2 * d * a * x  # a (x + d)^2 = a x^2 + shift_x + a d^2
        decay_x = w * xp.exp(-a * d * d)
        mean_x = mean_x + decay_x * (
            (f0 + f1 * ((x + d) * (x + d))) * xp.exp(arg - shift_x)
            + (f0 + f1 * ((x - d) * (x - d))) * xp.exp(arg + shift_x)
        )
        grow_y = xp.exp(xp.minimum(2 * d * g * y, _EXP_MAX))
        mean_y = mean_y + w * xp.exp(-g * d * d) * (grow_y + 1 / grow_y)
    return (mean_x * mean_y).sum(-1)


def _pixel_rule(n):
    """Gauss-Legendre points on [-1, 1] and weights summing to 1 (across a spaxel)."""
    t, w = _gauss_legendre(n)
    return 2 * t - 1, w


def _box_means(xp, x, a, half):
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


def _mge_surf(xp, x, y, surf, sigma, qobs, psf=None, half_pixel=None, pixel_nodes=None):
    """Surface density of an MGE at the points (pc), convolved as :func:`_surf_v2los`; (B, P)."""
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
            gauss = _box_means(xp, x, 0.5 / s2x, half)[0] * _box_means(xp, y, 0.5 / s2y, half)[0]
        else:  # the same rule as the second moment, so that their errors cancel
            mean_x = mean_y = 0
            for tau, w_tau in zip(*_pixel_rule(pixel_nodes), strict=True):
                tx, ty = x + half * tau, y + half * tau
                mean_x = mean_x + w_tau * xp.exp(-0.5 * tx * tx / s2x)
                mean_y = mean_y + w_tau * xp.exp(-0.5 * ty * ty / s2y)
            gauss = mean_x * mean_y
    else:
        gauss = xp.exp(-0.5 * (x * x / s2x + y * y / s2y))
    return (amp * gauss).reshape(x.shape[0], x.shape[1], -1).sum(-1)


def jam_axi_cyl(
    surf_lum,
    sigma_lum,
    qobs_lum,
    surf_pot,
    sigma_pot,
    qobs_pot,
    inc,
    beta,
    x,
    y,
    *,
    distance,
    mbh=0.0,
    rbh=0.01,
    sigmapsf=0.0,
    normpsf=1.0,
    pixsize=0.0,
    pixang=0.0,
    n_nodes=DEFAULT_N_NODES,
    pixel_nodes=None,
    n_jobs=None,
):
    """V_rms of a JAM model with a cylindrically aligned velocity ellipsoid, exactly.

    The line-of-sight second moment ``sqrt(<V_los^2>)`` of jampy 8's
    ``jam_axi_proj(..., align='cyl', moment='zz')`` with its analytic
    line-of-sight integral (eq. 28 of Cappellari 2008), with jampy's
    ``G = 0.004301 (km/s)^2 pc / Msun``. Without PSF and pixel it is evaluated
    at the points themselves. With them it is the observed quantity
    ``sqrt(K * (Sigma <V^2>) / K * Sigma)``, ``K`` the PSF convolved with the
    square spaxel (eq. A3 of C08), computed analytically (no grid, no FFT):
    every term of eq. (28) is a Gaussian times a quadratic in ``x``, whose
    convolution with a Gaussian and mean over a spaxel have closed forms
    (``docs/real_galaxies.rst``). NumPy arrays in give NumPy arrays out; torch
    tensors in give tensors out on their device, differentiable by autograd with
    respect to every array input. See the module docstring for the batched form.

    Parameters
    ----------
    surf_lum : array-like of shape (n_lum,) or (n_galaxies, n_lum)
        Peak surface brightness of the luminous Gaussians in Lsun/pc^2.
    sigma_lum : array-like, same shape as ``surf_lum``
        Dispersion of the luminous Gaussians in arcsec.
    qobs_lum : array-like, same shape as ``surf_lum``
        Observed axial ratio of the luminous Gaussians.
    surf_pot, sigma_pot, qobs_pot : array-like of shape (n_pot,) or (n_galaxies, n_pot)
        The same for the mass Gaussians; ``surf_pot`` in Msun/pc^2.
    inc : float or array-like of shape (n_galaxies,)
        Inclination in degrees (90 = edge-on).
    beta : float or array-like, same shape as ``surf_lum``
        Anisotropy ``1 - sigma_z^2 / sigma_R^2`` of each luminous Gaussian.
    x, y : array-like of shape (n_points,) or (n_galaxies, n_points)
        Sky positions in arcsec, x along the projected major axis; any quadrant.
    distance : float or array-like of shape (n_galaxies,)
        Distance in Mpc.
    mbh : float or array-like of shape (n_galaxies,), default=0
        Black-hole mass in Msun, added as jampy does: a round Gaussian of
        dispersion ``rbh`` in the mass MGE only.
    rbh : float, default=0.01
        Dispersion of the black hole's Gaussian in arcsec.
    sigmapsf : float or array-like of shape (n_psf,), default=0
        Dispersions of the circular Gaussians of the PSF in arcsec (FWHM / 2.355).
    normpsf : float or array-like of shape (n_psf,), default=1
        Their weights, summing to 1 (to 0.005, as jampy; normalised here).
    pixsize : float, default=0
        Side of the square spaxels in arcsec (0: no spaxel average).
    pixang : float, default=0
        Angle of the spaxels with respect to the x axis in degrees, as jampy
        (its kernel grid rotated counter-clockwise by ``pixang``). Multiples of
        90 are exact; other angles average ``pixel_nodes**2`` points over the
        rotated spaxel.
    n_nodes : int, default=16
        Gauss-Legendre nodes of the ``u`` integral: the accuracy/speed knob. The
        cost grows linearly with it; the relative error of V_rms on the
        reference models is ~1e-4 at 8 nodes, ~1e-7 at 14, ~3e-8 at 16
        (``docs/physics.rst``).
    pixel_nodes : int, default=None
        Gauss-Legendre points per spaxel side, with a PSF or a rotated spaxel
        (an aligned spaxel without PSF is integrated exactly). None: at least
        3 and 4.5 per smallest PSF sigma per half side; 12 for a rotated spaxel
        without PSF, which is then approximate. With 3, V_rms is within 1e-6 of
        the brute-force reference (``docs/real_galaxies.rst``).
    n_jobs : int, default=None
        Threads sharing the galaxies of a batch (NumPy only; None means 1).

    Returns
    -------
    vrms : ndarray or torch.Tensor of shape (n_points,) or (n_galaxies, n_points)
        V_rms in km/s.

    Raises
    ------
    ValueError
        Mismatched lengths; negative or non-finite ``surf``/``sigma``;
        ``beta >= 1``; an axial ratio too flat for the inclination (naming the
        Gaussian and the lowest inclination it allows); the point (0, 0)
        without PSF or spaxel; a PSF whose weights do not sum to 1.
    """
    inputs = (surf_lum, sigma_lum, qobs_lum, surf_pot, sigma_pot, qobs_pot, inc, beta, x, y)
    inputs += (distance, mbh, rbh)
    xp = _namespace(inputs)
    arrays = [xp.asarray(v) for v in inputs]
    surf_lum, sigma_lum, qobs_lum, surf_pot, sigma_pot, qobs_pot = arrays[:6]
    inc, beta, x, y, distance, mbh, rbh = arrays[6:]
    batched = (
        max(v.ndim for v in (surf_lum, sigma_lum, qobs_lum, surf_pot, sigma_pot, qobs_pot, x, y))
        > 1
        or max(v.ndim for v in (inc, distance, mbh)) > 0
        or beta.ndim > 1
    )
    if beta.ndim == 0:
        beta = beta + 0 * sigma_lum
    sigmapsf, normpsf, pixsize, pixang, pixel_nodes = _check_psf(
        sigmapsf, normpsf, pixsize, pixang, pixel_nodes
    )
    convolved = sigmapsf.max() > 0 or pixsize > 0
    _check_inputs(
        tuple(xp.numpy(v) for v in (surf_lum, sigma_lum, qobs_lum)),
        tuple(xp.numpy(v) for v in (surf_pot, sigma_pot, qobs_pot)),
        *(xp.numpy(v) for v in (beta, inc, x, y, distance, mbh, rbh)),
        n_nodes,
        convolved,
    )

    # Everything to (B, ...) with one batch size.
    n_gal = 1
    for v in (surf_lum, sigma_lum, qobs_lum, beta, surf_pot, sigma_pot, qobs_pot, x, y):
        n_gal = max(n_gal, v.shape[0] if v.ndim == 2 else 1)
    for v in (inc, distance, mbh):
        n_gal = max(n_gal, v.shape[0] if v.ndim == 1 else 1)

    def rows(v):
        v = v[None] if v.ndim == 1 else v
        return v if v.shape[0] == n_gal else v + 0 * xp.asarray(np.zeros((n_gal, 1)))

    def scalars(v):
        v = v.reshape(-1)
        return v if v.shape[0] == n_gal else v + 0 * xp.asarray(np.zeros(n_gal))

    surf_lum, sigma_lum, qobs_lum, beta = map(rows, (surf_lum, sigma_lum, qobs_lum, beta))
    surf_pot, sigma_pot, qobs_pot, x, y = map(rows, (surf_pot, sigma_pot, qobs_pot, x, y))
    inc, distance, mbh = map(scalars, (inc, distance, mbh))

    # A rotated spaxel: its mean over Gauss-Legendre points, each convolved with the PSF.
    half_pixel = 0.5 * pixsize if pixsize > 0 and pixang % 90 == 0 else 0.0
    n_sub = 1
    # The change of variables needs the smallest radius a point's kernel reaches
    # (module docstring of _surf_v2los): the point's own without convolution; less
    # the spaxel's half diagonal (turned or not) and the PSF's reach with it.
    radius = np.hypot(xp.numpy(x), xp.numpy(y))
    if pixsize > 0 and half_pixel == 0:
        tau, w_tau = _pixel_rule(pixel_nodes)
        xi, eta = (m.ravel() * (0.5 * pixsize) for m in np.meshgrid(tau, tau))
        sub_weights = np.outer(w_tau, w_tau).ravel()
        ang = np.radians(pixang)  # jampy's kernel is the spaxel rotated by -pixang
        dx = xi * np.cos(ang) + eta * np.sin(ang)
        dy = -xi * np.sin(ang) + eta * np.cos(ang)
        n_sub = dx.size
        x = (x[..., None] + xp.asarray(dx)).reshape(n_gal, -1)
        y = (y[..., None] + xp.asarray(dy)).reshape(n_gal, -1)
        radius = np.repeat(radius, n_sub, axis=-1)  # a spaxel's points share its radius

    pc = (distance * (np.pi / 0.648))[:, None]
    sigma_lum_pc, sigma_pot_pc = sigma_lum * pc, sigma_pot * pc
    if np.any(xp.numpy(mbh) > 0):  # a Gaussian of the black hole's mass, in the mass only
        sigma_bh = rbh * pc
        surf_pot = xp.concat([mbh[:, None] / (2 * np.pi * sigma_bh * sigma_bh), surf_pot], 1)
        sigma_pot_pc = xp.concat([sigma_bh, sigma_pot_pc], 1)
        qobs_pot = xp.concat([1 + 0 * sigma_bh, qobs_pot], 1)
    inc_rad = inc * (np.pi / 180)
    ci, si = xp.cos(inc_rad)[:, None], xp.sin(inc_rad)[:, None]

    def deproject(surf, sigma, qobs):  # eqs. (12)-(14) of C08
        q_intr = xp.sqrt(qobs * qobs - ci * ci) / si
        return surf * qobs / (sigma * q_intr * np.sqrt(2 * np.pi)), sigma, q_intr

    lum = deproject(surf_lum, sigma_lum_pc, qobs_lum)
    pot = deproject(surf_pot, sigma_pot_pc, qobs_pot)
    x_pc, y_pc = x * pc, y * pc
    psf = (xp.asarray(sigmapsf) * pc, xp.asarray(normpsf)) if sigmapsf.max() > 0 else None
    half_pc = half_pixel * pc[:, 0] if half_pixel > 0 else None
    # The compiled sums of a convolved model (NumPy only) work in single precision,
    # which needs the light at every point well above its range: within 8 sigma of
    # the widest luminous Gaussian (exp(-32) of its peak). Without a PSF (terms
    # sharper than any spaxel) the sums stay in double precision.
    compiled = (
        xp.name == "numpy"
        and psf is not None
        and bool(np.all(np.hypot(xp.numpy(x), xp.numpy(y)) < 8 * xp.numpy(sigma_lum).max()))
    )

    t, w = _gauss_legendre(n_nodes)
    nodes, weights = xp.asarray(t), xp.asarray(w)
    x_np, y_np = xp.numpy(x), xp.numpy(y)
    if convolved:
        reach = np.clip(radius - 0.5 * pixsize * np.sqrt(2), 0, None) ** 2
        radius = np.sqrt(np.clip(reach - 2 * _CUTOFF * sigmapsf.max() ** 2, 0, None))
        radius = np.maximum(radius, _TINY_RADIUS)  # u_max = 1: no cutoff
    # Points shared by all galaxies are grouped once; otherwise galaxy by galaxy.
    shared = bool(np.all(x_np == x_np[:1]) and np.all(y_np == y_np[:1]))
    per_group = lum[0].shape[1] * pot[0].shape[1] * len(t) * len(sigmapsf)
    # Convolved terms are smooth in u: a coarse ladder costs nothing in accuracy
    # (measured against the brute-force reference) and computes 8x fewer coefficients.
    rungs = _RUNGS_CONVOLVED if convolved else _RUNGS
    n_jobs = 1 if n_jobs is None or xp.name != "numpy" else int(n_jobs)
    if shared:
        r_group, group = _radius_groups(radius[0], rungs)
        step = max(1, xp.block(getattr(xp, "device", None)) // (per_group * len(r_group)))
        step = min(step, -(-n_gal // n_jobs))  # a block for every thread at least
        blocks = [(slice(g, g + step), r_group, group) for g in range(0, n_gal, step)]
    else:
        blocks = [(slice(g, g + 1), *_radius_groups(radius[g], rungs)) for g in range(n_gal)]

    def block_moment(block):
        gs, r_group, group = block
        return _surf_v2los(
            xp,
            x_pc[gs],
            y_pc[gs],
            xp.asarray(r_group) * pc[gs],
            group,
            inc_rad[gs],
            tuple(v[gs] for v in lum),
            tuple(v[gs] for v in pot),
            beta[gs],
            nodes,
            weights,
            None if psf is None else (psf[0][gs], psf[1]),
            None if half_pc is None else half_pc[gs],
            (pixel_nodes, compiled),
        )

    if n_jobs > 1:  # NumPy releases the GIL in its loops: threads share the blocks
        with ThreadPoolExecutor(n_jobs) as pool:
            out = list(pool.map(block_moment, blocks))
    else:
        out = [block_moment(b) for b in blocks]
    sb_mu2 = xp.concat(out, 0)
    mu = _mge_surf(xp, x_pc, y_pc, surf_lum, sigma_lum_pc, qobs_lum, psf, half_pc, pixel_nodes)
    if n_sub > 1:
        sub_weights = xp.asarray(sub_weights)
        sb_mu2 = (sb_mu2.reshape(n_gal, -1, n_sub) * sub_weights).sum(-1)
        mu = (mu.reshape(n_gal, -1, n_sub) * sub_weights).sum(-1)
    vrms = xp.sqrt(xp.clip_min(sb_mu2 / mu, 0.0))  # clip rounding errors, as jampy
    return vrms if batched else vrms[0]


def _check_psf(sigmapsf, normpsf, pixsize, pixang, pixel_nodes):
    """The PSF and spaxel as NumPy values, refused with the rule they break."""
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
        pixel_nodes = _PIXEL_NODES_NO_PSF
        if s_min > 0:
            pixel_nodes = max(
                _MIN_PIXEL_NODES, int(np.ceil(_PIXEL_NODES_PER_SIGMA * 0.5 * pixsize / s_min))
            )
    elif int(pixel_nodes) != pixel_nodes or pixel_nodes < 1:
        raise ValueError(f"pixel_nodes must be an integer >= 1 or None, got {pixel_nodes!r}")
    return sigmapsf, normpsf / normpsf.sum(), float(pixsize), float(pixang), int(pixel_nodes)


def sersic_vrms(
    n_ser,
    r_ser,
    q_l,
    q_m,
    beta_z,
    inc,
    x,
    y,
    *,
    distance=DEFAULT_DISTANCE_MPC,
    n_nodes=DEFAULT_N_NODES,
):
    """Dimensionless V_rms maps of Sersic galaxies (SPEC section 3), batched.

    Light and mass share the MGE of :func:`~sklearn_jam.sersic_mge` (sigmas
    scaled by ``r_ser``) with axial ratios ``q_l`` and ``q_m``; constant
    ``beta_z``; no black hole, no PSF; distance 10 Mpc. The result is
    ``V_rms / sqrt(G M_tot / r_ser_pc)`` with ``M_tot`` the mass MGE's total
    and the same ``G`` as the dynamics, so it depends on neither.

    Parameters
    ----------
    n_ser, r_ser, q_l, q_m, beta_z, inc : float or array-like of shape (n_galaxies,)
        Sersic index, Sersic radius in arcsec, observed axial ratios of light
        and mass, anisotropy, inclination in degrees. NumPy or torch.
    x, y : array-like of shape (n_points,)
        Sky positions in arcsec.
    distance : float, default=10
        Distance in Mpc at which the dynamics run (the result does not depend on it).
    n_nodes : int, default=16
        See :func:`jam_axi_cyl`.

    Returns
    -------
    vrms : ndarray or torch.Tensor of shape (n_galaxies, n_points), or (n_points,)
        Dimensionless V_rms.
    """
    from .mge import sersic_mge

    xp = _namespace((n_ser, r_ser, q_l, q_m, beta_z, inc, x, y))
    batched = np.ndim(xp.numpy(xp.asarray(inc))) > 0 or np.ndim(xp.numpy(xp.asarray(n_ser))) > 0
    n_ser, r_ser, q_l, q_m, beta_z, inc = (
        xp.asarray(v).reshape(-1) for v in (n_ser, r_ser, q_l, q_m, beta_z, inc)
    )
    surf, sigma_re = (xp.asarray(v) for v in sersic_mge(xp.numpy(n_ser)))
    vrms = scaled_mge_vrms(
        surf, sigma_re, r_ser, q_l, q_m, beta_z, inc, x, y, distance=distance, n_nodes=n_nodes
    )
    return vrms if batched else vrms[0]


def scaled_mge_vrms(
    surf,
    sigma_re,
    r_ser,
    q_l,
    q_m,
    beta_z,
    inc,
    x,
    y,
    *,
    distance=DEFAULT_DISTANCE_MPC,
    n_nodes=DEFAULT_N_NODES,
):
    """Dimensionless V_rms of galaxies whose light and mass share one MGE shape.

    The MGE is given at ``r_e = 1`` and scaled by ``r_ser``; light and mass
    take the axial ratios ``q_l`` and ``q_m``; constant ``beta_z``; no black
    hole, no PSF. :func:`sersic_vrms` is this with the Sersic MGE of
    :func:`~sklearn_jam.sersic_mge`.

    Parameters
    ----------
    surf : array-like of shape (n_galaxies, n_gauss)
        Peak surface densities (any unit; zero pads a shorter MGE).
    sigma_re : array-like of shape (n_galaxies, n_gauss)
        Dispersions in units of ``r_ser``.
    r_ser, q_l, q_m, beta_z, inc : array-like of shape (n_galaxies,)
        Radius in arcsec, observed axial ratios, anisotropy, inclination in degrees.
    x, y : array-like of shape (n_points,)
        Sky positions in arcsec.
    distance : float, default=10
        Distance in Mpc (the result does not depend on it).
    n_nodes : int, default=16
        See :func:`jam_axi_cyl`.

    Returns
    -------
    vrms : ndarray or torch.Tensor of shape (n_galaxies, n_points)
        ``V_rms / vrms_unit(...)``, dimensionless.
    """
    sigma = sigma_re * r_ser[:, None]
    ones = 1 + 0 * surf
    vrms = jam_axi_cyl(
        surf,
        sigma,
        q_l[:, None] * ones,
        surf,
        sigma,
        q_m[:, None] * ones,
        inc,
        beta_z[:, None] * ones,
        x,
        y,
        distance=distance,
        n_nodes=n_nodes,
    )
    return vrms / vrms_unit(surf, sigma, q_m, r_ser, distance)[:, None]


def vrms_unit(surf, sigma, q_m, r_ser, distance):
    """``sqrt(G M_tot / r_ser)`` in km/s, the unit of the dimensionless maps.

    Parameters
    ----------
    surf : array-like of shape (..., n_gauss)
        Peak surface densities of the mass MGE in Msun/pc^2.
    sigma : array-like of shape (..., n_gauss)
        Its dispersions in arcsec.
    q_m : float or array-like of shape (...)
        Its observed axial ratio.
    r_ser : float or array-like of shape (...)
        Sersic radius in arcsec.
    distance : float
        Distance in Mpc.

    Returns
    -------
    unit : ndarray or torch.Tensor of shape (...)
        km/s, with jampy's ``G`` and ``M_tot`` the MGE's total mass.
    """
    xp = _namespace((surf, sigma, q_m, r_ser))
    pc = arcsec_to_pc(distance)
    m_tot = (2 * np.pi * surf * (sigma * pc) ** 2 * xp.asarray(q_m)[..., None]).sum(-1)
    return xp.sqrt(G_JAMPY * m_tot / (r_ser * pc))


def jampy_mge_vrms(surf, sigma, q_l, q_m, beta_z, inc, x, y, distance, **kwargs):
    """jampy 8's ``jam_axi_proj`` for one MGE as both light and mass, cylindrical, moment zz.

    Parameters
    ----------
    surf : ndarray of shape (n_gauss,)
        Peak surface densities (any unit; the same MGE for light and mass).
    sigma : ndarray of shape (n_gauss,)
        Dispersions in arcsec.
    q_l, q_m, beta_z, inc : float
        Axial ratios of light and mass, anisotropy, inclination in degrees.
    x, y : array-like of shape (n_points,)
        Sky positions in arcsec.
    distance : float
        Distance in Mpc.
    **kwargs
        Further ``jam_axi_proj`` options (default: jampy's defaults).

    Returns
    -------
    vrms : ndarray of shape (n_points,)
        V_rms in km/s for a mass-to-light ratio of 1.
    """
    from jampy.axi.jam_axi_proj import jam_axi_proj

    ones = np.ones_like(surf)
    return jam_axi_proj(
        surf,
        sigma,
        q_l * ones,
        surf,
        sigma,
        q_m * ones,
        inc,
        0.0,
        distance,
        np.asarray(x, dtype=float),
        np.asarray(y, dtype=float),
        align="cyl",
        beta=beta_z * ones,
        moment="zz",
        plot=False,
        quiet=True,
        **kwargs,
    ).model


def jampy_sersic_vrms(n_ser, r_ser, q_l, q_m, beta_z, inc, x, y, *, distance=DEFAULT_DISTANCE_MPC):
    """The map of :func:`sersic_vrms` computed by jampy 8 itself, for cross-checks.

    Calls ``jam_axi_proj(..., align='cyl', moment='zz')`` with its default
    analytic line-of-sight integral on the same MGE, with ``nrad * nang`` above
    the number of points so that jampy evaluates the points themselves rather
    than interpolating. One galaxy at a time; about a second per map.

    Parameters
    ----------
    n_ser, r_ser, q_l, q_m, beta_z, inc : float
        As :func:`sersic_vrms` (``r_ser`` in arcsec, ``inc`` in degrees).
    x, y : array-like of shape (n_points,)
        Sky positions in arcsec.
    distance : float, default=10
        Distance in Mpc.

    Returns
    -------
    vrms : ndarray of shape (n_points,)
        Dimensionless V_rms.
    """
    from .mge import sersic_mge

    surf, sigma_re = sersic_mge(float(n_ser))
    sigma = sigma_re * r_ser
    x = np.asarray(x, dtype=float)
    nang = 10
    # jampy's analytic path, its own grid made to hold every point (nrad * nang >= n).
    model = jampy_mge_vrms(
        surf, sigma, q_l, q_m, beta_z, inc, x, y, distance, nang=nang, nrad=x.size // nang + 1
    )
    return np.asarray(model) / vrms_unit(surf, sigma, q_m, r_ser, distance)
