"""The spherically aligned model with an anisotropy that varies with the polar angle (and r).

With ``beta = beta(theta)`` (jampy 9's Bayesian examples take eq. 37 of Cappellari
2026, :class:`~sklearn_jam.jam.anisotropy.CylindricalLikeBeta`) the characteristics
of the Jeans equations are no longer the power laws ``R ∝ r^beta`` that make
:func:`~sklearn_jam.jam.jam_axi_sph`'s line-of-sight integral analytic, so this
module integrates the solution numerically, with fixed rules, at every point of
every line of sight.

The solution (``docs/physics.rst``)
-----------------------------------
With ``w = log(sin theta)`` a characteristic obeys ``dw / d log r = -(1 - beta)``,
so it is one curve for every starting radius, shifted in ``log r``: with
``T(w) = int_w^0 dw' / (1 - beta)`` (tabulated once per ``beta`` by
:class:`Characteristic`), the characteristic through ``(r0, w0)`` reaches ``w`` at
``r = r0 exp(T(w) - T(w0))``. Along it the integrating factor of ``P = nu
sigma_r^2`` is ``(1 - beta) R^2``, so with ``rho = r / r0``

    P(r0, theta0) = r0^2 / ((1 - beta0) sin^2 theta0)
                    int_1^inf (1 - beta) sin^2 theta nu F_z rho^3 d rho,

``F_z = Phi_z / z`` Chandrasekhar's sum of the mass Gaussians (and ``G M / r^3``
for a black hole, a point mass as in jampy 9). Its radial derivative at fixed
``theta`` is the same integral of the integrand's ``r d/dr`` (analytic: every
factor is a Gaussian), so the radial Jeans equation gives

    nu <v_phi^2> = r dP/dr + (1 + beta0) P + r nu Phi_r

with no numerical difference, and the line of sight takes ``nu <v_los^2> = n_r^2 P
+ n_theta^2 (1 - beta0) P + n_phi^2 nu <v_phi^2>``.

With ``beta(r, theta)`` varying with ``r`` (jampy's logistic form) the curve from every
starting radius differs: :class:`MeridionalCharacteristic` integrates it, and the factor
``exp(J)``, ``dJ / d log r = (d beta / d log r) / (1 - beta)``, by Runge-Kutta through the
rule's nodes, and ``r dP/dr`` gains the curve's change with its start, a central
difference of the integral at two nearby starts.

The rules: the line of sight ``z' = s sinh(t)`` by the trapezoid rule in ``t``
(``s`` the smaller of the point's radius and the flattest Gaussian's minor
sigma); the characteristic ``rho - 1 = exp(pi/2 sinh(v))`` by Gauss-Legendre in
``v``, from ``1e-9`` to where the widest luminous Gaussian has fallen by
``exp(-36)``; Chandrasekhar's ``u`` and the black hole's rule as the analytic
engine (:func:`sklearn_jam.jam.spherical._mass_terms`). NumPy only, one galaxy at a
time.

With a PSF (and spaxels) ``V^2`` is computed on a polar sky grid
(:func:`sky_grid`), interpolated (:class:`SkyInterpolant`: a cosine series in
angle, a quintic spline in ``log R``) and convolved by :func:`convolved_moments`:
each PSF Gaussian times each luminous Gaussian is a Gaussian in the sky with an
analytic integral, over which ``V^2`` is averaged by Gauss-Hermite, or, near the
centre where ``V^2`` has a cusp, by a polar rule about the centre.
"""

import functools

import numpy as np
from numpy.polynomial import chebyshev
from scipy.integrate import solve_ivp
from scipy.interpolate import BSpline, CubicSpline, make_interp_spline

from ._quadrature import CUTOFF, exp_sinh_rule, gauss_legendre
from .anisotropy import _per_point

__all__ = [
    "Characteristic",
    "MeridionalCharacteristic",
    "intrinsic_moments",
    "angular_surface_moments",
    "sky_grid",
    "SkyInterpolant",
    "los_points",
    "meridional_grid",
    "MeridionalInterpolant",
    "ForceInterpolant",
    "per_unit_light",
    "projected_moments",
    "convolved_moments",
    "ANGULAR_N_NODES",
    "GRID_PER_EFOLD",
    "GRID_N_ANGLES",
    "GH_NODES",
    "MERIDIONAL_PER_EFOLD",
    "MERIDIONAL_MIN_ANGLES",
    "MERIDIONAL_ANGLES_PER_Q",
]

#: Nodes of the rule along the characteristic and of the line of sight, and of
#: Chandrasekhar's ``u``, when ``n_nodes=None``.
ANGULAR_N_NODES = 64
#: ``w = log(sin theta)`` is tabulated down to here; beyond, ``beta`` is its value on
#: the axis to ``O(sin^2 theta) = e^-28``.
_W_MIN = -14.0
#: The characteristic starts ``_D_MIN`` (relative) beyond the point.
_D_MIN = 1e-9
#: Elements of the (nodes x terms) arrays of one block of points (as the analytic
#: engine's: 2 MB stays in cache).
_BLOCK = 1 << 18
#: Largest Runge-Kutta step in ``log r`` along the characteristic of a ``beta(r, theta)``
#: (0.02 gave the same V_rms to 1e-10 on the reference models, at 2.5 times the cost).
_RK4_STEP = 0.05
#: Step in ``log r`` of the central difference ``d beta / d log r``.
_BETA_STEP = 1e-4
_EXP_BETA_STEP = float(np.exp(_BETA_STEP))
#: Step in ``log r`` of the start of the curve, for the shape's share of ``r dP/dr``.
_SHAPE_STEP = 1e-3


def _theta_of_w(w):
    """The polar angle (radians) of ``w = log(sin theta)``, ``sin theta`` capped at 1."""
    return np.arcsin(np.minimum(np.exp(w), 1.0))


class Characteristic:
    """The characteristics of ``beta(theta)``: ``T(w)`` and its inverse, tabulated.

    ``T(w) = int_w^0 dw' / (1 - beta(arcsin(e^w')))`` is the ``log r`` a
    characteristic travels from the equator to ``w = log(sin theta)``; it is the
    solution of ``dw / dT = -(1 - beta)`` from ``w = 0`` (DOP853 at ``rtol=1e-13``),
    tabulated on 4,000 points and interpolated by cubic splines, and continued
    linearly below ``_W_MIN``.

    Parameters
    ----------
    beta : callable
        ``beta(theta)``, theta in radians (an ndarray), even about the equator and
        below 1 everywhere.
    """

    def __init__(self, beta):
        self._user_beta = beta
        theta = np.linspace(0, np.pi / 2, 2001)
        values = self.beta(theta)
        if not np.all(np.isfinite(values)) or values.max() >= 1:
            raise ValueError(
                f"beta(theta) must return finite values below 1 for theta in [0, pi/2]; "
                f"{beta!r} gives {values.min():.3g} to {values.max():.3g}"
            )
        mirrored = self.beta(np.pi - theta)
        if np.max(np.abs(mirrored - values)) > 1e-10:
            raise ValueError(
                f"beta(theta) must be even about the equator, beta(pi - theta) = beta(theta), "
                f"as an axisymmetric model's anisotropy is; {beta!r} differs by up to "
                f"{np.max(np.abs(mirrored - values)):.3g}"
            )
        self.slope_axis = 1 - float(values[0])  # -dw/dT on the axis
        t_max = -_W_MIN / (1 - values.max()) + 1  # dw/dT is at most -(1 - max beta)

        def slope(_t, w):
            return -(1 - self.beta(_theta_of_w(w)))

        def reach(_t, w):
            return w[0] - _W_MIN

        reach.terminal = True
        sol = solve_ivp(
            slope, (0.0, t_max), [0.0], method="DOP853", rtol=1e-13, atol=1e-13,
            dense_output=True, events=reach,
        )  # fmt: skip
        t_end = float(sol.t[-1])
        t_grid = np.linspace(0, t_end, 4000)
        w_grid = sol.sol(t_grid)[0]
        self.t_end, self.w_end = t_end, float(w_grid[-1])
        self._w_of_t = CubicSpline(t_grid, w_grid)
        self._t_of_w = CubicSpline(w_grid[::-1], t_grid[::-1])

    #: ``beta`` does not depend on ``r``: the curve from every radius is one, shifted.
    varies_with_r = False

    def beta(self, theta, r=None):
        """The user's ``beta`` at ``theta``, as floats of ``theta``'s shape (a constant too).

        ``r`` is taken for the interface of :class:`MeridionalCharacteristic` and unused.
        """
        theta = np.asarray(theta, dtype=float)
        return _per_point(self._user_beta(theta), theta.shape, self._user_beta, "beta(theta)")

    def t_of_w(self, w):
        """``T(w)``; linear below the table (the axis's ``beta``)."""
        w = np.asarray(w, dtype=float)
        inside = self._t_of_w(np.maximum(w, self.w_end))
        return np.where(w < self.w_end, self.t_end + (self.w_end - w) / self.slope_axis, inside)

    def w_of_t(self, t):
        """The inverse, ``w(T)``."""
        t = np.asarray(t, dtype=float)
        inside = self._w_of_t(np.minimum(t, self.t_end))
        return np.where(t > self.t_end, self.w_end - (t - self.t_end) * self.slope_axis, inside)

    def along(self, r0, w0, rho):
        """``w`` and the integrating factor's ratio at ``r0 rho`` on the curve from ``(r0, w0)``.

        Parameters
        ----------
        r0, w0 : ndarray of shape (n,)
            The starting radius (pc) and ``log(sin theta)``.
        rho : ndarray of shape (n, N)
            ``r / r0`` at the rule's nodes.

        Returns
        -------
        w, factor : ndarray of shape (n, N)
            ``log(sin theta)`` there and ``(1 - beta) sin^2 theta / ((1 - beta0)
            sin^2 theta0)`` (the factor ``(1 - beta) R^2 / ((1 - beta0) R0^2)`` over
            ``rho^2``).
        """
        w = self.w_of_t(self.t_of_w(w0)[:, None] + np.log(rho))
        theta = np.arcsin(np.exp(w))
        beta0 = self.beta(np.arcsin(np.exp(w0)))
        return w, (1 - self.beta(theta)) * np.exp(2 * (w - w0[:, None])) / (1 - beta0[:, None])


class MeridionalCharacteristic:
    """The characteristics of a ``beta(r, theta)`` that varies with ``r``: one per point.

    With ``s = log r`` the curve through ``(s0, w0)`` obeys ``dw/ds = -(1 - beta)``, a
    different curve from every starting radius, and the integrating factor of ``P``
    along it is ``(1 - beta) R^2 exp(J)``, ``dJ/ds = (d beta / d log r) / (1 - beta)``
    at fixed ``theta`` (``docs/physics.rst``). Both are integrated by the classical
    Runge-Kutta rule, through the nodes of the characteristic's rule, in steps of at
    most ``_RK4_STEP`` in ``log r``; ``d beta / d log r`` is a central difference of
    ``beta`` (step ``_BETA_STEP``). Jampy 9's ``dbeta/dtheta`` is not needed.

    Parameters
    ----------
    beta : MeridionalBeta
        ``beta(r, theta)``, ``r`` in pc, below 1 and even about the equator.
    """

    varies_with_r = True

    def __init__(self, beta):
        self._user_beta = beta
        r = np.geomspace(1e-4, 1e8, 49)[:, None]
        theta = np.linspace(0, np.pi / 2, 201)[None]
        values = self.beta(theta, r)
        if not np.all(np.isfinite(values)) or values.max() >= 1:
            raise ValueError(
                f"beta(r, theta) must return finite values below 1 for r in 1e-4..1e8 pc and "
                f"theta in [0, pi/2]; {beta!r} gives {values.min():.3g} to {values.max():.3g}"
            )
        mirrored = self.beta(np.pi - theta, r)
        if np.max(np.abs(mirrored - values)) > 1e-10:
            raise ValueError(
                f"beta(r, theta) must be even about the equator, beta(r, pi - theta) = "
                f"beta(r, theta), as an axisymmetric model's anisotropy is; {beta!r} differs "
                f"by up to {np.max(np.abs(mirrored - values)):.3g}"
            )

    def beta(self, theta, r):
        """The user's ``beta`` at ``(r, theta)`` (pc, radians), broadcast."""
        return self._user_beta(r, theta)

    def _slopes(self, s, w):
        """``dw/ds`` and ``dJ/ds`` at ``log r = s`` and ``w`` (arrays of one shape)."""
        theta = _theta_of_w(w)
        r = np.exp(s)
        one_minus = 1 - self.beta(theta, r)
        d_beta = self.beta(theta, r * _EXP_BETA_STEP) - self.beta(theta, r / _EXP_BETA_STEP)
        return -one_minus, d_beta / (2 * _BETA_STEP * one_minus)

    def along(self, r0, w0, rho, shift=0.0):
        """As :meth:`Characteristic.along`, the curve from ``(r0 e^shift, w0)``.

        ``shift`` (in ``log r``) gives the curve's shape from a nearby start, at the same
        ``rho``: the shape's share of ``r dP/dr`` (:func:`intrinsic_moments`).
        """
        sigma = np.log(rho)  # (n, N), increasing along the last axis
        s0 = np.log(r0) + shift
        w, j, at = np.array(w0, dtype=float), np.zeros_like(s0), np.zeros_like(s0)
        w_out, j_out = np.empty_like(sigma), np.empty_like(sigma)
        for k in range(sigma.shape[1]):
            steps = max(1, int(np.ceil(np.max(sigma[:, k] - at) / _RK4_STEP)))
            h = (sigma[:, k] - at) / steps
            for _ in range(steps):
                s = s0 + at
                k1 = self._slopes(s, w)
                k2 = self._slopes(s + h / 2, w + h / 2 * k1[0])
                k3 = self._slopes(s + h / 2, w + h / 2 * k2[0])
                k4 = self._slopes(s + h, w + h * k3[0])
                w = w + h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0])
                j = j + h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1])
                at = at + h
            at = sigma[:, k].copy()
            w_out[:, k], j_out[:, k] = w, j
        r_start = np.exp(s0)
        one_minus = 1 - self.beta(_theta_of_w(w_out), r_start[:, None] * rho)
        one_minus0 = 1 - self.beta(_theta_of_w(w0), r_start)
        factor = one_minus * np.exp(2 * (w_out - w0[:, None]) + j_out) / one_minus0[:, None]
        return w_out, factor


def _char_rule(n_nodes, span):
    """Nodes ``rho`` and weights (n, N) along the characteristic: ``rho - 1 = exp(pi/2 sinh v)``."""
    rho_m1, weights = exp_sinh_rule(n_nodes, _D_MIN * np.minimum(span, 1), span)
    return 1 + rho_m1, weights


def _light(big_r2, z2, lum):
    """``nu`` and ``r dnu/dr`` at fixed theta, summed over the luminous Gaussians."""
    dens, sigma, q = lum
    m2 = (big_r2[..., None] + z2[..., None] / q**2) / sigma**2  # each Gaussian's (m / sigma)^2
    e = np.exp(-0.5 * m2) * dens
    return e.sum(-1), -(e * m2).sum(-1)


def _forces(big_r2, z2, mass):
    """``F_z``, ``F_R - F_z`` and ``r dF_z/dr`` (fixed theta) from the Gaussian terms.

    As matrix products over the terms (the exponentials are the cost; one array of
    them, overwritten in place).
    """
    a, b, amp, amp_rz = mass
    expo = np.stack([big_r2, z2], -1) @ -np.stack([a, b])  # (..., M)
    e = np.exp(expo)
    f_z, f_rz = np.moveaxis(e @ np.stack([amp, amp_rz], -1), -1, 0)
    r_df_z = np.multiply(expo, e, out=expo) @ (2 * amp)
    return f_z, f_rz, r_df_z


def intrinsic_moments(big_r, z, lum, mass, char, n_nodes, curves=None):
    """``P = nu sigma_r^2``, ``nu <v_phi^2>`` and ``beta`` at intrinsic points (n,).

    Parameters
    ----------
    big_r, z : ndarray of shape (n,)
        Cylindrical radius and height in pc, not both 0.
    lum : tuple of ndarray of shape (n_lum,)
        Deprojected luminous Gaussians: density (Lsun/pc^3), sigma (pc), q.
    mass : tuple of ndarray of shape (n_terms,) or ForceInterpolant
        The force terms of :func:`sklearn_jam.jam.spherical._mass_terms` (one galaxy),
        or a :class:`ForceInterpolant` of them that reaches the characteristics' ends.
    char : Characteristic or MeridionalCharacteristic
    n_nodes : int
        Gauss-Legendre nodes along the characteristic.
    curves : ndarray of shape (3, 2, n, N), optional
        A :class:`MeridionalCharacteristic`'s curves from the points (:func:`_curves`),
        made here once for all the points' blocks when not given.

    Returns
    -------
    p, nu_v2phi, beta0 : ndarray of shape (n,)
        In Lsun/pc^3 (km/s)^2, and ``beta`` at the points.
    """
    forces = mass if callable(mass) else functools.partial(_forces, mass=mass)
    n_terms = (mass.n_terms if callable(mass) else mass[0].shape[-1]) + lum[0].shape[-1]
    rows = max(1, _BLOCK // (n_nodes * n_terms))
    if curves is None and char.varies_with_r:  # one Runge-Kutta loop for all the points
        curves = _curves(big_r, z, lum, char, n_nodes)
    if big_r.shape[0] > rows:  # blocks of points, so that the terms' arrays stay in cache
        parts = [
            intrinsic_moments(
                big_r[i : i + rows], z[i : i + rows], lum, mass, char, n_nodes,
                None if curves is None else curves[:, :, i : i + rows],
            )
            for i in range(0, big_r.shape[0], rows)
        ]  # fmt: skip
        return tuple(np.concatenate(v) for v in zip(*parts, strict=True))
    r0 = np.hypot(big_r, z)
    sin0 = np.maximum(big_r / r0, 1e-300)
    rho, w_rho = _rule_at(r0, lum, n_nodes)
    weight = rho**3 * w_rho * r0[:, None] ** 2
    w, factor = char.along(r0, np.log(sin0), rho) if curves is None else curves[0]
    p, r_dp = _p_along(r0, rho, weight, w, factor, lum, forces)
    if char.varies_with_r:  # the curve's shape changes with its start: by a difference
        shifted = [_p_along(r0, rho, weight, *c, lum, forces, True)[0] for c in curves[1:]]
        r_dp = r_dp + (shifted[0] - shifted[1]) / (2 * _SHAPE_STEP)
    beta0 = char.beta(np.arcsin(sin0), r0)
    # r nu dPhi/dr = nu (R^2 F_R + z^2 F_z)
    nu0, _ = _light(big_r**2, z**2, lum)
    f_z0, f_rz0, _ = forces(big_r**2, z**2)
    nu_r_dphi = nu0 * (big_r**2 * f_rz0 + r0**2 * f_z0)
    return p, r_dp + (1 + beta0) * p + nu_r_dphi, beta0


def _rule_at(r0, lum, n_nodes):
    """The characteristic's rule from radii ``r0`` (n,): ``rho`` and weights (n, N)."""
    span = np.sqrt(1 + 2 * CUTOFF * lum[1].max() ** 2 / r0**2) - 1
    return _char_rule(n_nodes, span)


def _curves(big_r, z, lum, char, n_nodes):
    """The curves of a :class:`MeridionalCharacteristic` from the points and from starts
    ``_SHAPE_STEP`` out and in: ``w`` and the factor, shape (3, 2, n, N)."""
    r0 = np.hypot(big_r, z)
    w0 = np.log(np.maximum(big_r / r0, 1e-300))
    rho, _ = _rule_at(r0, lum, n_nodes)
    return np.array([char.along(r0, w0, rho, shift) for shift in (0.0, _SHAPE_STEP, -_SHAPE_STEP)])


def _p_along(r0, rho, weight, w, factor, lum, forces, p_only=False):
    """``P`` and ``r dP/dr`` (the curve's shape held) from the curve's ``w`` and factor.

    ``weight`` (n, N) is the rule's ``rho^3 w_rho r0^2``; the analytic ``r d/dr`` of
    ``nu F_z`` at the nodes gives ``r dP/dr`` where the curve is a shifted copy of
    itself (``beta(theta)``).
    """
    r = r0[:, None] * rho
    sin2 = np.exp(2 * w)
    big_r2, z2 = r * r * sin2, r * r * (1 - sin2)
    nu, r_dnu = _light(big_r2, z2, lum)
    f_z, _, r_df_z = forces(big_r2, z2)
    weight = factor * weight
    p = (weight * nu * f_z).sum(-1)
    if p_only:
        return p, None
    return p, 2 * p + (weight * (r_dnu * f_z + nu * r_df_z)).sum(-1)


def angular_surface_moments(x, y, lum, inc_rad, moments, n_nodes):
    """``Sigma <V_los^2>`` at sky points (pc) of one galaxy, by the line-of-sight rule.

    Parameters
    ----------
    x, y : ndarray of shape (n_points,)
        Sky positions in pc, x along the major axis; not (0, 0).
    lum : tuple of ndarray of shape (n_lum,)
        As :func:`intrinsic_moments`.
    inc_rad : float
        Inclination in radians.
    moments : callable
        ``moments(big_r, z) -> (p, nu_v2phi, beta0)`` at intrinsic points (n,) in pc,
        as :func:`intrinsic_moments` returns them (or a :class:`MeridionalInterpolant`).
    n_nodes : int
        Gauss-Legendre nodes of each piece of the line of sight.

    Returns
    -------
    sb_v2 : ndarray of shape (n_points,)
        In Lsun/pc^2 (km/s)^2.
    """
    big_x, big_y, z, weight = los_points(x, y, lum, inc_rad, n_nodes)
    big_r = np.hypot(big_x, big_y)
    p, nu_v2phi, beta0 = (v.reshape(z.shape) for v in moments(big_r.ravel(), z.ravel()))
    n_r2, n_th2, n_ph2 = _los_directions(big_x, big_y, z, inc_rad)
    v2 = (n_r2 + n_th2 * (1 - beta0)) * p + n_ph2 * nu_v2phi
    return (v2 * weight).sum(-1)


def _los_directions(big_x, big_y, z, inc_rad):
    """The squared components ``n_r^2, n_theta^2, n_phi^2`` of the line of sight at points.

    The line of sight is ``(0, sin i, cos i)`` in the galaxy's Cartesian coordinates;
    on the axis (``R = 0``) ``phi`` is taken as 0.
    """
    si, ci = np.sin(inc_rad), np.cos(inc_rad)
    big_r = np.hypot(big_x, big_y)
    r = np.hypot(big_r, z)
    sin_th, cos_th = big_r / r, z / r
    safe = np.maximum(big_r, 1e-300)
    cos_ph, sin_ph = np.where(big_r > 0, big_x / safe, 1.0), np.where(big_r > 0, big_y / safe, 0.0)
    n_r = si * sin_th * sin_ph + ci * cos_th
    n_th = si * cos_th * sin_ph - ci * sin_th
    n_ph = si * cos_ph
    return n_r**2, n_th**2, n_ph**2


def _summed_basis(design, weighted, n_groups):
    """``sum over the rows of each group of D[row, i] W[row, :]``: (n_groups, n_r * width).

    ``design`` (a CSR matrix (n_rows, n_r), :meth:`SkyInterpolant.design`) and
    ``weighted`` (n_rows, width) hold ``n_groups`` consecutive groups of equal size
    (the nodes of one line of sight, or of one Gauss-Hermite mean): each row's spline
    columns are moved to its own group's, and one sparse product sums them.
    """
    from scipy.sparse import csr_matrix

    n_rows, n_r = design.shape
    group = np.repeat(np.arange(n_groups), n_rows // n_groups)
    cols = design.indices + np.repeat(group, np.diff(design.indptr)) * n_r
    spread = csr_matrix((design.data, cols, design.indptr), (n_rows, n_groups * n_r))
    return (spread.T @ weighted).reshape(n_groups, n_r * weighted.shape[1])


def los_points(x, y, lum, inc_rad, n_nodes):
    """The intrinsic points (pc) and weights (P, 4 n) of the line-of-sight rule at sky points.

    Returns ``big_x, big_y, z, weight``: the galaxy's Cartesian coordinates (``z``
    its axis) of the nodes of :func:`_los_rule` along each line of sight (C20 eq.
    29: the line of sight is ``z'``), and their weights in ``z'``.
    """
    si, ci = np.sin(inc_rad), np.cos(inc_rad)
    zs, weight = _los_rule(x, y, lum, si, ci, n_nodes)  # (P, L)
    big_x = np.broadcast_to(x[:, None], zs.shape)
    big_y = zs * si + y[:, None] * ci
    z = zs * ci - y[:, None] * si
    return big_x, big_y, z, weight


def _los_rule(x, y, lum, si, ci, n_nodes):
    """Nodes ``z'`` and weights (P, 4 n) of the line-of-sight rule at sky points (pc).

    The integrand has two places of its own scale: the line of sight's closest
    approach to the centre (``z' = 0``, the point's radius or the flattest
    Gaussian's thickness), and the flattest Gaussian's crossing (``z'_c``, where its
    density along the line of sight peaks, with that Gaussian's width along it:
    near ``y tan(i)`` and ``q sigma / cos(i)`` for a thin disk). The line is cut at
    both and half-way between, and each of the four pieces takes ``n`` Gauss-Legendre
    nodes in ``t`` with ``z' = centre +- scale sinh(t)`` from its nearer place.
    """
    _, sigma, q = lum
    radius = np.hypot(x, y)
    k = int(np.argmin(q))
    q2 = q[k] ** 2
    width = sigma[k] / np.sqrt(si**2 + ci**2 / q2)  # the flattest Gaussian along the line
    crossing = y * si * ci * (1 / q2 - 1) / (si**2 + ci**2 / q2)
    scale_a = np.maximum(np.minimum(radius, width), 1e-3 * np.min(sigma))
    # a crossing within a few widths of the centre is one place with the smaller scale
    scale_b = np.where(np.abs(crossing) < 3 * width, scale_a, width)
    far = np.sqrt(2 * CUTOFF) * sigma.max() + radius  # beyond, every Gaussian is below e^-36
    a, b = np.minimum(0.0, crossing), np.maximum(0.0, crossing)
    s_a = np.where(crossing < 0, scale_b, scale_a)
    s_b = np.where(crossing < 0, scale_a, scale_b)
    middle = 0.5 * (a + b)
    nodes, weights = gauss_legendre(n_nodes)
    pieces = []
    # (centre, scale, direction, length): outward from a and from b, and each to the middle
    for centre, scale, sign, length in (
        (a, s_a, -1, far),
        (a, s_a, 1, middle - a),
        (b, s_b, -1, b - middle),
        (b, s_b, 1, far),
    ):
        t_hi = np.arcsinh(length / scale)[:, None]
        t = t_hi * nodes
        pieces.append(
            (centre[:, None] + sign * scale[:, None] * np.sinh(t),
             scale[:, None] * np.cosh(t) * t_hi * weights)
        )  # fmt: skip
    return tuple(np.concatenate(v, 1) for v in zip(*pieces, strict=True))


# -- the PSF and spaxels: a polar sky grid of V^2 and product rules ------------------

#: The sky grid's radii per e-fold (a quintic spline in log R: within 4e-6 of the engine
#: between its radii, a cubic one 7e-5).
GRID_PER_EFOLD = 8
#: ... and its angles over a quadrant (a cosine series in 2 phi, exact at them: 9 left
#: 8.5e-5 three sigmas out on the minor axis of an edge-on q = 0.3 Gaussian under a PSF,
#: 13 leave 6.6e-7; but a q = 0.3 Gaussian at 76 deg with a black hole under a 0.5" PSF,
#: 1.6-4.6" out, took 25: with 16 ``GH_NODES``, 13 angles left 2.8e-5, 25 leave 1e-6 of
#: the closed-form convolution, itself 1.7e-9 from a 24^2 Gauss-Hermite integral).
GRID_N_ANGLES = 25
#: Gauss-Hermite points per axis of each (PSF Gaussian x luminous Gaussian) product
#: whose mean is at least ``_NEAR`` of its sigmas from the centre; nearer, where
#: ``V^2`` has its cusp (``r^(-2 beta)``, a black hole's ``-log r``), a polar rule about
#: the centre. On that case 10 left 1.7e-5 (with 49 angles), 16 leave 1e-6.
GH_NODES = 16
#: The polar rule: within ``_NEAR`` sigmas of the centre, ``_POLAR_RADII`` nodes uniform
#: in ``log R`` (a Gaussian 8 sigmas out is 0.125 wide there: 1.5 nodes per width or
#: more) and ``_POLAR_ANGLES`` in angle; ``_POLAR_ITEMS`` means at a time.
_NEAR, _POLAR_RADII, _POLAR_ANGLES, _POLAR_ITEMS = 8.0, 160, 96, 128
#: A (PSF Gaussian x luminous Gaussian) product weighing below this fraction of a point's
#: convolved light is left out of its ``V^2`` (the outer points of a wide MGE skip its
#: nucleus: on jampy's dark-halo set-up a third of the products).
_NEGLIGIBLE = 1e-17
#: Points per block of :func:`convolved_moments`' Gauss-Hermite matrix (points x the
#: sky interpolant's coefficients, ~8 MB a block).
_HERMITE_POINTS = 384


def sky_grid(r_lo, r_hi):
    """The polar grid of the sky in a quadrant: radii (n_r,), angles (n_phi,) and points.

    Parameters
    ----------
    r_lo, r_hi : float
        Its innermost and outermost radii (any unit).

    Returns
    -------
    radii, angles : ndarray
        ``GRID_PER_EFOLD`` radii per e-fold, ``GRID_N_ANGLES`` angles from 0 to pi/2.
    x, y : ndarray of shape (n_r * n_phi,)
        The grid's points, radius-major.
    """
    n_r = max(4, int(np.ceil(GRID_PER_EFOLD * np.log(r_hi / r_lo))) + 1)
    radii = np.exp(np.linspace(np.log(r_lo), np.log(r_hi), n_r))
    angles = np.linspace(0, np.pi / 2, GRID_N_ANGLES)
    return radii, angles, *_polar_points(radii, angles)


def _polar_points(radii, angles, stretch=1.0):
    """The points (n_r * n_angles,) of a polar grid, radius-major: ``r cos(a), r sin(a)``.

    With ``stretch`` < 1 the angles are those of the points ``(x, y / stretch)``, so the
    points' own angles ``arctan(stretch tan a)`` crowd towards ``y = 0``.
    """
    if stretch != 1:
        angles = np.arctan2(stretch * np.sin(angles), np.cos(angles))
    return (radii[:, None] * np.cos(angles)).ravel(), (radii[:, None] * np.sin(angles)).ravel()


def _cos_2psi(x, y, r2, stretch):
    """``cos 2a`` (raveled) of the grid angle ``a`` of points (x, y), as :func:`_polar_points`.

    ``r2`` is the points' raveled ``x^2 + y^2``, which the callers already have.
    """
    if stretch != 1:
        y = y / stretch
        r2 = (x * x + y * y).ravel()
    return ((x * x - y * y).ravel() / r2).clip(-1, 1)


class SkyInterpolant:
    """``V^2(x, y)`` from its values on :func:`sky_grid`, mirror-symmetric in x and y.

    A cosine series in ``2 phi`` through the grid's angles (a DCT-I) and a quintic
    spline in ``log R`` of each coefficient; inside the innermost radius the value
    continues linearly in ``log R`` (flat without a black hole, whose ``V^2`` grows as
    ``-log R`` there).

    Parameters
    ----------
    radii, angles : ndarray
        The grid's.
    values : ndarray of shape (n_r, n_phi) or (n_r, n_phi, n_fields)
        ``V^2`` on it (or several fields at once).
    stretch : float, default=1.0
        The grid's (:func:`meridional_grid`): the series is in the angle of ``(x, y /
        stretch)``.
    """

    def __init__(self, radii, angles, values, stretch=1.0):
        from scipy.fft import dct

        n_phi = angles.size
        coef = dct(values, type=1, axis=1) / (n_phi - 1)
        coef[:, [0, -1]] *= 0.5
        self._log_r = np.log(radii)
        self._spline = make_interp_spline(self._log_r, coef, k=5, axis=0)
        self._slope = self._spline(self._log_r[0], 1)
        self._n_phi = n_phi
        self._stretch = float(stretch)

    @property
    def coefficients(self):
        """The spline coefficients (n_r, n_phi, ...) of the cosine series' coefficients."""
        return self._spline.c

    def design(self, x, y):
        """The interpolant's linear map at points (n,): ``values = sum D[n, i] T[n, m] c[i, m]``.

        Returns ``D`` (a sparse CSR matrix (n, n_r) of the spline's basis, with the
        linear continuation inside the innermost radius and the last piece's polynomial
        beyond the outermost, as :meth:`__call__`) and ``T`` (n, n_phi), the cosines
        ``cos(2 m phi)``; ``c`` is :attr:`coefficients`.
        """
        from scipy.sparse import csr_matrix

        r2 = (x * x + y * y).ravel()
        log_r = 0.5 * np.log(r2)
        t, k = self._spline.t, self._spline.k
        design = BSpline.design_matrix(np.maximum(log_r, self._log_r[0]), t, k, extrapolate=True)
        below = np.flatnonzero(log_r < self._log_r[0])
        if below.size:  # + (log r - log r_0) B'(log r_0): the continuation's slope
            slope = BSpline(t, np.eye(t.size - k - 1), k)(self._log_r[0], 1)
            cols = np.flatnonzero(slope)
            step = log_r[below] - self._log_r[0]
            extra = csr_matrix(
                (
                    (step[:, None] * slope[cols]).ravel(),
                    (below.repeat(cols.size), np.tile(cols, below.size)),
                ),
                shape=design.shape,
            )
            design = (design + extra).tocsr()
        return design, chebyshev.chebvander(_cos_2psi(x, y, r2, self._stretch), self._n_phi - 1)

    def __call__(self, x, y):
        """The values at points of any (common) shape (and the fields on a last axis)."""
        r2 = (x * x + y * y).ravel()
        log_r = 0.5 * np.log(r2)
        inside = np.maximum(log_r, self._log_r[0])
        coef = self._spline(inside)  # (n, n_phi, ...)
        below = np.flatnonzero(log_r < self._log_r[0])
        step = (log_r[below] - self._log_r[0]).reshape((-1,) + (1,) * (coef.ndim - 1))
        coef[below] += step * self._slope
        # cos(2 m phi) = T_m(cos 2 phi), cos 2 phi = (x^2 - y^2) / r^2: a recurrence, no cosines
        cosines = chebyshev.chebvander(_cos_2psi(x, y, r2, self._stretch), self._n_phi - 1)
        values = np.einsum("nm...,nm->n...", coef, cosines)
        return values.reshape(x.shape + values.shape[1:])


# -- the intrinsic moments on a polar grid of the meridional plane ---------------------

#: The meridional grid's radii per e-fold (a quintic spline in ``log r`` of
#: ``sigma_r^2`` and ``v_phi^2``: on M32 16 leave 1e-7 of ``sigma_r^2`` between the
#: radii, 8 leave 1.3e-5; on a q_intr = 0.1 disk with a black hole 16 leave 1.2e-5).
MERIDIONAL_PER_EFOLD = 16
#: ... and its angles over a quadrant, at least ``MERIDIONAL_MIN_ANGLES`` and one per
#: ``q_min / MERIDIONAL_ANGLES_PER_Q`` of polar angle near the equator (``q_min`` the
#: flattest intrinsic axial ratio, whose Gaussian makes ``sigma^2`` vary over that angle
#: there: on a q_intr = 0.1 disk 49 uniform angles left 1.3e-4, 97 leave 1.2e-5); for
#: a flat galaxy the angles crowd towards the equator (``_meridional_angles``).
MERIDIONAL_MIN_ANGLES, MERIDIONAL_ANGLES_PER_Q = 25, 6.0


def meridional_grid(r_lo, r_hi, q_min):
    """The polar grid of the meridional plane in a quadrant: radii, angles and points.

    Parameters
    ----------
    r_lo, r_hi : float
        Its innermost and outermost radii (pc).
    q_min : float
        The flattest intrinsic axial ratio of the luminous and mass Gaussians.

    Returns
    -------
    radii, angles : ndarray
        ``MERIDIONAL_PER_EFOLD`` radii per e-fold, and angles from the equator (0) to
        the axis (pi/2), ``4 k + 1`` of them (see :data:`MERIDIONAL_MIN_ANGLES`),
        uniform in the angle of ``(R, z / stretch)``.
    stretch : float
        1, or below 1 for a flat galaxy (``_meridional_angles``): the points' polar
        angles ``arctan(stretch tan a)`` crowd towards the equator, where its
        flattest Gaussian makes the moments vary fastest. The interpolants of the
        grid take it (:class:`SkyInterpolant`).
    big_r, z : ndarray of shape (n_r * n_angles,)
        The grid's points (pc), radius-major.
    """
    n_r = max(6, int(np.ceil(MERIDIONAL_PER_EFOLD * np.log(r_hi / r_lo))) + 1)
    radii = np.exp(np.linspace(np.log(r_lo), np.log(r_hi), n_r))
    stretch, wanted = _meridional_angles(q_min)
    angles = np.linspace(0, np.pi / 2, 4 * int(np.ceil((wanted - 1) / 4)) + 1)
    return radii, angles, stretch, *_polar_points(radii, angles, stretch)


def _meridional_angles(q_min):
    """The meridional grid's stretch and (least) number of angles for ``q_min``.

    The equator wants one angle per ``q_min / MERIDIONAL_ANGLES_PER_Q`` of polar angle
    (``n_flat`` over the quadrant), the rest of the quadrant ``MERIDIONAL_MIN_ANGLES``.
    Angles uniform in ``arctan(tan(a) / stretch)`` are ``stretch`` times closer at the
    equator and ``1 / stretch`` times farther apart at the axis, so ``n`` of them meet
    both where ``n stretch = n_min`` and ``n / stretch = n_flat``: ``n = sqrt(n_min
    n_flat)``, which is ``n_min`` (no stretch) where the equator asks no more.
    """
    n_flat = MERIDIONAL_ANGLES_PER_Q * (np.pi / 2) / q_min
    if n_flat <= MERIDIONAL_MIN_ANGLES:
        return 1.0, MERIDIONAL_MIN_ANGLES
    return np.sqrt(MERIDIONAL_MIN_ANGLES / n_flat), np.sqrt(MERIDIONAL_MIN_ANGLES * n_flat)


class MeridionalInterpolant:
    """The intrinsic moments anywhere from their values on :func:`meridional_grid`.

    ``sigma_r^2 = P / nu`` and ``v_phi^2 = nu <v_phi^2> / nu`` (smooth where ``P`` and
    ``nu`` fall by decades) are interpolated as :class:`SkyInterpolant` does, in
    ``(log r, polar angle)``, and multiplied by the exact ``nu``. Where ``nu`` has
    underflowed on the grid they take the value of the next radius in.

    Parameters
    ----------
    radii, angles : ndarray
        The grid's.
    p, nu_v2phi : ndarray of shape (n_r * n_angles,)
        :func:`intrinsic_moments` at the grid's points.
    lum : tuple of ndarray of shape (n_lum,)
        The deprojected luminous Gaussians (as :func:`intrinsic_moments`).
    char : Characteristic
    """

    def __init__(self, radii, angles, p, nu_v2phi, lum, char, stretch=1.0):
        fields = per_unit_light(radii, angles, np.stack([p, nu_v2phi], -1), lum, stretch)
        self._fields = SkyInterpolant(radii, angles, fields, stretch)
        self._lum, self._char = lum, char

    def __call__(self, big_r, z):
        """``P``, ``nu <v_phi^2>`` and ``beta`` at intrinsic points (n,) in pc."""
        nu, _ = _light(big_r**2, z**2, self._lum)
        fields = self._fields(big_r, z)
        beta0 = self._char.beta(np.arctan2(np.abs(big_r), np.abs(z)), np.hypot(big_r, z))
        return nu * fields[:, 0], nu * fields[:, 1], beta0


class ForceInterpolant:
    """The forces of :func:`_forces` anywhere inside a polar grid, from exact values at its points.

    ``r^3`` times each of ``F_z``, ``F_R - F_z`` and ``r dF_z/dr`` of the mass Gaussians
    is smooth in ``(log r, polar angle)`` (``r^3`` in a core, constant beyond the mass)
    and is interpolated as :class:`SkyInterpolant` does, exact at the grid's points; a
    black hole's are added in closed form (``F_z = G M / r^3``, ``F_R = F_z``, ``r
    dF_z/dr = -3 F_z``). It stands for a galaxy's force terms in
    :func:`intrinsic_moments`, so that the characteristics of every anisotropy read one
    table of the potential.

    Parameters
    ----------
    radii, angles : ndarray
        The grid's (:func:`meridional_grid`), reaching the characteristics' last nodes.
    f_z, f_rz, r_df_z : ndarray of shape (n_r * n_angles,)
        The mass Gaussians' exact forces at its points (radius-major), as :func:`_forces`
        returns them.
    gm_bh : float, default=0.0
        ``G M_BH`` of the black hole, in the forces' units times pc^3.
    """

    def __init__(self, radii, angles, f_z, f_rz, r_df_z, gm_bh=0.0, stretch=1.0):
        big_r, z = _polar_points(radii, angles, stretch)
        r3 = (big_r**2 + z**2) ** 1.5
        values = (np.stack([f_z, f_rz, r_df_z], -1) * r3[:, None]).reshape(
            radii.size, angles.size, 3
        )
        self._fields = SkyInterpolant(radii, angles, values, stretch)
        self._gm_bh = float(gm_bh)
        #: What a point costs, in the force terms' units (sizes :func:`intrinsic_moments`'s blocks).
        self.n_terms = 3 * angles.size

    def __call__(self, big_r2, z2):
        """``F_z``, ``F_R - F_z`` and ``r dF_z/dr`` at points given by ``R^2, z^2`` (any shape)."""
        r3 = (big_r2 + z2) ** 1.5
        values = self._fields(np.sqrt(big_r2), np.sqrt(z2))
        f_bh = self._gm_bh  # r^3 F_z of the point mass
        return (values[..., 0] + f_bh) / r3, values[..., 1] / r3, (values[..., 2] - 3 * f_bh) / r3


def per_unit_light(radii, angles, moments, lum, stretch=1.0):
    """Moments on :func:`meridional_grid` divided by ``nu``: (n_r, n_angles, ...).

    Where ``nu`` has underflowed (below 1e-280 of its peak) they take the value of the
    next radius in, so that the interpolants stay smooth.

    Parameters
    ----------
    radii, angles : ndarray
        The grid's.
    moments : ndarray of shape (n_r * n_angles, ...)
        Luminosity-weighted moments at its points (radius-major), e.g. ``P``.
    lum : tuple of ndarray of shape (n_lum,)
        The deprojected luminous Gaussians.
    """
    big_r, z = _polar_points(radii, angles, stretch)
    nu, _ = _light(big_r**2, z**2, lum)
    extra = (1,) * (moments.ndim - 1)
    good = (nu > 1e-280 * nu.max()).reshape((radii.size, angles.size) + extra)
    fields = moments / np.where(nu > 0, nu, 1.0).reshape((-1,) + extra)
    fields = fields.reshape((radii.size, angles.size) + moments.shape[1:])
    for i in range(1, radii.size):  # underflowed: the next radius in
        fields[i] = np.where(good[i], fields[i], fields[i - 1])
    return fields


def projected_moments(x, y, lum, inc_rad, fields, n_nodes):
    """``Sigma <V_los^2>`` at sky points (pc) of galaxies that share their light and inclination.

    Each galaxy's ``sigma_r^2``, ``sigma_theta^2`` and ``v_phi^2`` are interpolated from
    a meridional grid (as :class:`MeridionalInterpolant`: a :class:`SkyInterpolant` in
    ``(log r, polar angle)``, times the exact ``nu``) along the line-of-sight rule of
    :func:`angular_surface_moments`. That integral is linear in the interpolants'
    coefficients, and its matrix depends only on the light, the inclination and the
    points: it is made once, a block of points at a time, and applied to every galaxy.

    Parameters
    ----------
    x, y : ndarray of shape (n_points,)
        Sky positions in pc, x along the major axis; not (0, 0).
    lum : tuple of ndarray of shape (n_lum,)
        The deprojected luminous Gaussians (as :func:`intrinsic_moments`).
    inc_rad : float
        Inclination in radians.
    fields : SkyInterpolant
        Of values (n_r, n_angles, 3, n_gal): ``sigma_r^2``, ``sigma_theta^2 = (1 -
        beta) sigma_r^2`` and ``v_phi^2`` ((km/s)^2) of each galaxy on the grid.
    n_nodes : int
        Gauss-Legendre nodes of each piece of the line of sight.

    Returns
    -------
    sb_v2 : ndarray of shape (n_points, n_gal)
        In Lsun/pc^2 (km/s)^2.
    """
    coef = fields.coefficients  # (n_r, n_phi, 3, n_gal)
    _, n_phi, _, n_gal = coef.shape
    per_point = coef.transpose(0, 2, 1, 3).reshape(-1, n_gal)  # (n_r * 3 * n_phi, n_gal)
    block = max(1, _BLOCK // (4 * n_nodes * 3 * n_phi))
    out = np.empty((x.size, n_gal))
    for start in range(0, x.size, block):
        part = slice(start, start + block)
        big_x, big_y, z, weight = los_points(x[part], y[part], lum, inc_rad, n_nodes)
        big_r = np.hypot(big_x, big_y)
        nu, _ = _light(big_r**2, z**2, lum)
        directions = np.stack(_los_directions(big_x, big_y, z, inc_rad), -1)  # (b, L, 3)
        g = (weight * nu)[..., None] * directions
        design, cosines = fields.design(big_r.ravel(), z.ravel())
        gt = (g.reshape(-1, 3, 1) * cosines[:, None, :]).reshape(-1, 3 * n_phi)
        out[part] = _summed_basis(design, gt, big_r.shape[0]) @ per_point
    return out


def convolved_moments(v2, x, y, surf, sigma, qobs, sigmapsf, normpsf, r_lo):
    """``K * (Sigma V^2)`` and ``K * Sigma`` at sky points, ``K`` a circular MGE PSF.

    ``Sigma V^2 = sum_j Sigma_j V^2``, and a PSF Gaussian times a luminous Gaussian
    ``Sigma_j`` is a Gaussian in the sky whose integral is the analytic ``(K_g *
    Sigma_j)(x, y)``; ``V^2`` is averaged over that Gaussian, so a Gaussian far
    narrower than the PSF (a nucleus) is taken at its own scale. Away from the centre
    ``V^2`` is smooth over it (a ``GH_NODES``-squared Gauss-Hermite rule); near it,
    where ``V^2`` has a cusp, the average is a polar trapezoid rule about the centre,
    uniform in ``log R`` from ``r_lo`` (exponentially convergent: the integrand
    vanishes at both ends) and in the angle.

    Parameters
    ----------
    v2 : SkyInterpolant
        ``V^2(x, y)`` in (km/s)^2; or several fields at once, on a last axis of its
        values.
    x, y : ndarray of shape (n,)
        Sky points (arcsec).
    surf, sigma, qobs : ndarray of shape (n_lum,)
        The luminous MGE (Lsun/pc^2, arcsec).
    sigmapsf, normpsf : ndarray of shape (n_psf,)
        The PSF's Gaussians (arcsec) and weights (summing to 1).
    r_lo : float
        The polar rule's innermost radius (arcsec; the grid's).

    Returns
    -------
    sb_v2 : ndarray of shape (n,) or (n, n_fields)
        In Lsun/pc^2 (km/s)^2.
    sb : ndarray of shape (n,)
        In Lsun/pc^2.
    """
    coef = v2.coefficients  # (n_r, n_phi, ...): V^2 is linear in them
    fields = coef.shape[2:]  # () or (n_fields,)
    per_point = coef.reshape(coef.shape[0] * coef.shape[1], -1)
    products = [
        (w_g, s_g * s_g, surf_j, sig_j**2, (q_j * sig_j) ** 2)
        for s_g, w_g in zip(sigmapsf, normpsf, strict=True)
        for surf_j, sig_j, q_j in zip(surf, sigma, qobs, strict=True)
    ]
    weights = [
        w_g * surf_j * np.sqrt(var_x * var_y / ((s2 + var_x) * (s2 + var_y)))
        * np.exp(-0.5 * x * x / (s2 + var_x) - 0.5 * y * y / (s2 + var_y))
        for w_g, s2, surf_j, var_x, var_y in products
    ]  # fmt: skip
    sb = np.sum(weights, 0)
    sb_v2 = np.zeros((x.size, per_point.shape[1]))
    far = []  # (points, weights, means, variances) of the Gauss-Hermite averages
    for (_, s2, _, var_x, var_y), weight in zip(products, weights, strict=True):
        # a product that weighs below 1e-17 of the point's light is left out
        kept = np.flatnonzero(weight > _NEGLIGIBLE * sb)
        px, py = 1 / (1 / s2 + 1 / var_x), 1 / (1 / s2 + 1 / var_y)  # the product's
        mx, my = px * x[kept] / s2, py * y[kept] / s2
        near = mx * mx / px + my * my / py < _NEAR**2
        if near.any():
            mean_v2 = _polar_mean(v2, mx[near], my[near], px, py, r_lo).reshape(near.sum(), -1)
            sb_v2[kept[near]] += weight[kept[near], None] * mean_v2
        if not near.all():
            far.append((kept[~near], weight[kept[~near]], mx[~near], my[~near], px, py))
    # Gauss-Hermite means are linear in the interpolant's coefficients: each block of
    # points sums every product's matrix of them, then applies it to every field once
    for start in range(0, x.size, _HERMITE_POINTS):
        stop = min(start + _HERMITE_POINTS, x.size)
        matrix = np.zeros((stop - start, per_point.shape[0]))
        for idx, weight, mx, my, px, py in far:
            sel = slice(*np.searchsorted(idx, [start, stop]))
            if sel.start < sel.stop:
                means = _hermite_matrix(v2, mx[sel], my[sel], px, py)
                matrix[idx[sel] - start] += weight[sel, None] * means
        sb_v2[start:stop] += matrix @ per_point
    return sb_v2.reshape(x.shape + fields), sb


def _hermite_matrix(v2, mx, my, px, py):
    """The means of ``V^2`` over Gaussians of means ``(mx, my)`` (n,), variances ``px, py``.

    As the linear map (n, n_r * n_phi) of ``v2``'s :attr:`SkyInterpolant.coefficients`:
    a ``GH_NODES``-squared Gauss-Hermite rule, whose nodes' spline basis and cosines
    (:meth:`SkyInterpolant.design`) are summed per mean.
    """
    zeta, w_gh = np.polynomial.hermite_e.hermegauss(GH_NODES)
    w_ab = (np.outer(w_gh, w_gh) / (2 * np.pi)).ravel()
    gx = mx[:, None, None] + np.sqrt(px) * zeta[:, None]
    gy = my[:, None, None] + np.sqrt(py) * zeta[None, :]
    gx, gy = np.broadcast_arrays(gx, gy)
    design, cosines = v2.design(gx.ravel(), gy.ravel())
    weighted = cosines * np.tile(w_ab, mx.size)[:, None]  # (n * GH_NODES^2, n_phi)
    return _summed_basis(design, weighted, mx.size)


def _polar_mean(v2, mx, my, px, py, r_lo):
    """As :func:`_hermite_mean`, by the trapezoid rule in ``(log R, phi)`` about the centre.

    One set of nodes serves every mean of the call (the Gaussians share their
    variances): ``V^2`` is interpolated there once, and each mean is its density's
    weighted sum, in blocks of ``_POLAR_ITEMS`` means (at least one).
    """
    reach = np.hypot(mx, my).max() + 7 * np.sqrt(max(px, py))  # beyond, below e^-24
    log_r = np.linspace(np.log(r_lo), np.log(reach), _POLAR_RADII)
    phi = np.linspace(0, 2 * np.pi, _POLAR_ANGLES, endpoint=False)
    radius = np.exp(log_r)[:, None]
    gx, gy = (radius * np.cos(phi)).ravel(), (radius * np.sin(phi)).ravel()
    step = (log_r[1] - log_r[0]) * (2 * np.pi / _POLAR_ANGLES)
    values = v2(gx, gy)  # (n_nodes,) or (n_nodes, n_fields)
    area = (radius**2 * step).repeat(_POLAR_ANGLES, 1).ravel()
    weighted = values.reshape(gx.size, -1) * area[:, None]
    norm = 1 / (2 * np.pi * np.sqrt(px * py))
    out = np.empty((mx.size, weighted.shape[1]))
    for i in range(0, mx.size, _POLAR_ITEMS):
        bx, by = mx[i : i + _POLAR_ITEMS, None], my[i : i + _POLAR_ITEMS, None]
        density = np.exp(-0.5 * (gx - bx) ** 2 / px - 0.5 * (gy - by) ** 2 / py)
        out[i : i + _POLAR_ITEMS] = norm * (density @ weighted)
    return out.reshape(mx.shape + values.shape[1:])
