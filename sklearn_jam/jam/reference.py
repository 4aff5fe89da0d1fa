"""The spherically aligned JAM model by adaptive quadrature: the spherical engine's truth.

:func:`quad_vrms_sph` computes the line-of-sight V_rms of an axisymmetric Jeans
model whose velocity ellipsoid is aligned with spherical coordinates, from the
Jeans equations themselves, point by point, with scipy's adaptive quadrature.
Nothing of :func:`~sklearn_jam.jam.jam_axi_sph` is used: the derivation below
eliminates ``<v_phi^2>`` differently and the numbers come from other rules.

The derivation (``docs/physics.rst``)
-------------------------------------
With ``P = nu sigma_r^2`` and ``sigma_theta^2 = (1 - beta) sigma_r^2`` (``beta``
constant for a luminous Gaussian; the equations are linear in ``nu``, so each
Gaussian is solved on its own in the whole potential), the two Jeans equations

    d(P)/dr + [2 P - nu sigma_theta^2 - nu <v_phi^2>] / r = -nu dPhi/dr
    d(nu sigma_theta^2)/dtheta + (nu sigma_theta^2 - nu <v_phi^2>) cot(theta) = -nu dPhi/dtheta

give, eliminating ``<v_phi^2>``, one first-order equation

    dP/dr - (1 - beta) tan(theta) / r dP/dtheta + 2 beta P / r
        = -nu (dPhi/dr - tan(theta) dPhi/dtheta / r),

whose characteristics are the curves ``r^(1 - beta) sin(theta) = const``. Along
one, from the point ``(r0, theta0)`` to infinity where ``P`` vanishes,

    P(r0, theta0) = int_r0^inf (r / r0)^(2 beta) nu r Phi_z / z dr,

because ``dPhi/dr - tan(theta) dPhi/dtheta / r = r Phi_z / z`` for any axisymmetric
potential (``Phi_R = R F_R``, ``Phi_z = z F_z``). On the curve ``R = R0 (r / r0)^beta``.
With ``beta = beta(theta)`` (a callable, such as jampy 9's eq. 37) the equation gains
``tan(theta) dbeta/dtheta P / r`` on its left, the characteristic obeys
``d log(sin theta) / d log r = -(1 - beta)`` (followed by DOP853), and the integrating
factor ``(r / r0)^(2 beta)`` becomes ``(1 - beta) R^2 / ((1 - beta0) R0^2)``. With
``beta(r, theta)`` varying with ``r`` (jampy's logistic form) the curve depends on
``r0`` too, and the factor gains ``exp(int d beta / d log r / (1 - beta) d log r)``
along it.
``<v_phi^2>`` then follows from the radial equation,

    nu <v_phi^2> = r dP/dr + (1 + beta) P + r nu Phi_r,

with ``dP/dr`` at fixed ``theta`` by a five-point central difference of the
integral (step ``2e-3 r``, smaller where ``P`` is steeper; truncation and
round-off below 1e-8 of ``P``).
The line-of-sight second moment is the integral along the line of sight of

    nu <v_los^2> = n_r^2 P + n_theta^2 (1 - beta) P + n_phi^2 nu <v_phi^2>,

``n`` the line of sight's direction in the spherical basis at each point.

The potential's derivatives are Chandrasekhar's integrals of the mass Gaussians,
``F_R = 2 pi G rho q int_0^inf e(u) / ((1 + u)^2 sqrt(q^2 + u)) du`` and
``F_z = 2 pi G rho q int_0^inf e(u) / ((1 + u) (q^2 + u)^1.5) du`` with
``e = exp(-R^2 / (2 sigma^2 (1 + u)) - z^2 / (2 sigma^2 (q^2 + u)))``, done by the
double-exponential rule in ``log u`` (converged to machine precision: the tests
compare it with QUADPACK), and the black hole is a point mass, ``F = G M / r^3``,
as in jampy 9.
"""

import warnings

import numpy as np

from .anisotropy import MeridionalBeta, angular_beta
from .constants import G_JAMPY, arcsec_to_pc
from .projection import deproject_gaussians

__all__ = ["quad_vrms_sph", "mge_forces", "quad_moments_sph"]

#: Nodes of the double-exponential rule of the force integrals: u = exp(pi/2 sinh(s)).
_S_MAX, _S_STEP = 4.5, 0.05
#: Relative step of the five-point difference of dP/dr.
_DIFF_STEP = 2e-3
#: Step in ``log r`` of the five-point difference of a ``beta(r, theta)``.
_BETA_STEP = 1e-3


def mge_forces(big_r, z, dens_pot, sigma_pot, q_pot, mbh=0.0):
    """``F_R = Phi_R / R`` and ``F_z = Phi_z / z`` of a mass MGE and a point mass.

    Parameters
    ----------
    big_r, z : ndarray
        Cylindrical radius and height in pc (broadcast together).
    dens_pot, sigma_pot, q_pot : ndarray of shape (n_pot,)
        Central density (Msun/pc^3), dispersion (pc) and intrinsic axial ratio.
    mbh : float, default=0
        Point mass at the centre, Msun.

    Returns
    -------
    f_r, f_z : ndarray
        In (km/s)^2 / pc^2, the shape of ``big_r * z``.
    """
    s = np.arange(-_S_MAX, _S_MAX + _S_STEP / 2, _S_STEP)
    u = np.exp(0.5 * np.pi * np.sinh(s))
    du = u * 0.5 * np.pi * np.cosh(s) * _S_STEP
    r2 = (np.asarray(big_r, dtype=float) ** 2)[..., None, None]
    z2 = (np.asarray(z, dtype=float) ** 2)[..., None, None]
    q2 = (q_pot**2)[:, None]
    two_s2 = 2 * (sigma_pot**2)[:, None]
    e = np.exp(-r2 / (two_s2 * (1 + u)) - z2 / (two_s2 * (q2 + u)))
    amp = (2 * np.pi * G_JAMPY * dens_pot * q_pot)[:, None] * du
    f_r = (amp * e / ((1 + u) ** 2 * np.sqrt(q2 + u))).sum((-2, -1))
    f_z = (amp * e / ((1 + u) * (q2 + u) ** 1.5)).sum((-2, -1))
    if mbh > 0:
        r3 = (r2 + z2)[..., 0, 0] ** 1.5
        f_r, f_z = f_r + G_JAMPY * mbh / r3, f_z + G_JAMPY * mbh / r3
    return f_r, f_z


def _density(big_r, z, dens, sigma, q):
    """Luminosity density of each Gaussian, shape ``big_r.shape + (n,)``."""
    big_r, z = np.asarray(big_r)[..., None], np.asarray(z)[..., None]
    return dens * np.exp(-(big_r**2 + (z / q) ** 2) / (2 * sigma**2))


def _characteristic(sin0, beta, tau_max, r0=None):
    """``sin(theta)`` along the characteristic through a point, as a function of ``log(r / r0)``.

    The characteristic of the eliminated Jeans equation obeys ``d log(sin theta) /
    d log r = -(1 - beta(theta))``. A constant ``beta`` (one per luminous Gaussian,
    shape (J,)) integrates it to ``sin theta = sin0 (r / r0)^(beta - 1)``; a callable
    ``beta(theta)`` is integrated by DOP853 at ``rtol=1e-13`` (it is smooth in
    ``w = log(sin theta)``: ``beta`` is even about the equator). Returns a function of
    ``tau`` (any shape) giving ``sin theta`` of shape ``tau.shape + (J,)``, or ``(1,)``
    for a callable (one characteristic for every Gaussian).

    A :class:`~sklearn_jam.jam.anisotropy.MeridionalBeta` (``beta(r, theta)``, radius
    ``r0`` in pc) makes the curve depend on ``r0``, and its integrating factor gains
    ``exp(J)``, ``J = int d beta / d log r / (1 - beta) d log r`` along the curve
    (``docs/physics.rst``), integrated with it; ``d beta / d log r`` is a five-point
    difference of ``beta`` (step 1e-3 in ``log r``: below 1e-12 of ``beta``'s scale).
    The function then returns ``(sin theta, exp(J))``.
    """
    if not callable(beta):
        return lambda tau: sin0 * np.exp((beta - 1) * np.asarray(tau)[..., None])
    from scipy.integrate import solve_ivp

    w0 = np.log(max(sin0, 1e-200))  # on the axis the characteristic is the axis
    if isinstance(beta, MeridionalBeta):
        stencil = np.array([-2, -1, 1, 2]) * _BETA_STEP
        coef = np.array([1, -8, 8, -1]) / (12 * _BETA_STEP)

        def slope(tau, state):
            theta = np.arcsin(min(np.exp(state[0]), 1.0))
            b = float(beta(r0 * np.exp(tau), theta))
            d_b = coef @ beta(r0 * np.exp(tau + stencil), np.full(4, theta))
            return [-(1 - b), float(d_b) / (1 - b)]

        sol = solve_ivp(
            slope, (0.0, tau_max), [w0, 0.0], method="DOP853", rtol=1e-13, atol=1e-13,
            dense_output=True,
        )  # fmt: skip

        def along(tau):
            w, j = sol.sol(np.ravel(tau))
            shape = np.shape(tau) + (1,)
            return np.exp(w).reshape(shape), np.exp(j).reshape(shape)

        return along

    def slope(_tau, w):
        return -(1 - beta(np.arcsin(np.minimum(np.exp(w), 1.0))))

    sol = solve_ivp(
        slope, (0.0, tau_max), [w0], method="DOP853", rtol=1e-13, atol=1e-13, dense_output=True
    )
    return lambda tau: np.exp(sol.sol(np.ravel(tau))[0]).reshape(np.shape(tau) + (1,))


def _p_integral(r0, sin0, lum, beta, pot, mbh, r_max, epsrel, epsabs):
    """``P = nu sigma_r^2`` of each luminous Gaussian along the characteristics, by quad_vec.

    ``r0`` (n,) radii, all at the polar angle of sine ``sin0``; ``beta`` (J,) or a
    callable of the polar angle. Along the characteristic ``P`` obeys
    ``dP/dr + (2 beta + tan(theta) dbeta/dtheta) P / r = -nu r Phi_z / z``, whose
    integrating factor is ``(1 - beta) R^2`` (``docs/physics.rst``), so

        P(r0) = int_r0^inf (1 - beta) R^2 nu r F_z dr / ((1 - beta0) R0^2),

    ``(r / r0)^(2 beta)`` for a constant ``beta``. Returns (n, J). The integral runs
    over ``t = log(r - r0)``, which resolves the scales near ``r0`` (a flat
    Gaussian's, a black hole's) as well as far out.
    """
    from scipy.integrate import quad_vec

    if isinstance(beta, MeridionalBeta) and r0.size > 1:  # a characteristic per radius
        return np.concatenate(
            [_p_integral(r0[i : i + 1], sin0, lum, beta, pot, mbh, r_max, epsrel, epsabs)
             for i in range(r0.size)]
        )  # fmt: skip
    dens, sigma, q = lum
    tau_max = np.log(r_max / r0.min()) + 1.0
    if isinstance(beta, MeridionalBeta):
        along = _characteristic(sin0, beta, tau_max, float(r0[0]))
        theta0 = np.arcsin(min(sin0, 1.0))

        def beta_of(r, s):
            return beta(r, _polar_angle(s))

        one_minus_beta0 = 1 - float(beta(r0[0], theta0))
    else:
        sin_along = _characteristic(sin0, beta, tau_max)

        def along(tau):
            return sin_along(tau), 1.0

        beta_of = (lambda r, s: beta(_polar_angle(s))) if callable(beta) else None
        one_minus_beta0 = 1 - beta_of(None, np.array([sin0]))[0] if beta_of else 1.0

    def integrand(t):
        r = r0[:, None] + np.exp(t)  # (n, 1)
        ratio = r / r0[:, None]
        sin_th, exp_j = along(np.log(ratio[:, 0]))  # (n, J) or (n, 1)
        big_r = r * sin_th
        z = r * np.sqrt(np.clip(1 - sin_th * sin_th, 0, None))
        if beta_of:  # (1 - beta) R^2 e^J / ((1 - beta0) R0^2), not dividing by R0 (0 on the axis)
            along2 = (ratio * sin_th / max(sin0, 1e-200)) ** 2
            factor = along2 * (1 - beta_of(r, sin_th)) * exp_j / one_minus_beta0
        else:
            factor = ratio ** (2 * beta)
        nu = dens * np.exp(-(big_r**2 + (z / q) ** 2) / (2 * sigma**2))
        _, f_z = mge_forces(big_r, z, *pot, mbh)
        return factor * nu * r * f_z * np.exp(t)

    t_lo = np.log(1e-12 * r0.min())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a truth that did not converge is no truth
        total, _ = quad_vec(
            integrand, t_lo, np.log(r_max), epsabs=epsabs, epsrel=epsrel, limit=4000
        )
    return total


def quad_moments_sph(big_r, z, lum, beta, pot, mbh=0.0, epsrel=1e-12, epsabs=0.0):
    """``nu sigma_r^2`` and ``nu <v_phi^2>`` of each luminous Gaussian at one point.

    Parameters
    ----------
    big_r, z : float
        The point in pc, ``(big_r, z) != (0, 0)``.
    lum : tuple of ndarray of shape (n_lum,)
        ``(dens, sigma, q)``: central density (Lsun/pc^3), sigma (pc), intrinsic q.
    beta : ndarray of shape (n_lum,) or callable
        ``1 - sigma_theta^2 / sigma_r^2`` of each Gaussian, or a function of the
        polar angle ``theta`` (radians, an array) giving ``beta`` for all of them.
    pot : tuple of ndarray of shape (n_pot,)
        The mass Gaussians, as ``lum`` (Msun/pc^3).
    mbh : float, default=0
        Point mass in Msun.
    epsrel : float, default=1e-12
        Relative tolerance of the characteristic integral.
    epsabs : float, default=0
        Its absolute tolerance (Lsun/pc^3 (km/s)^2): where the light has all but
        vanished (far along a line of sight) a relative tolerance alone makes
        QUADPACK chase round-off.

    Returns
    -------
    nu_sig2r, nu_v2phi : ndarray of shape (n_lum,)
        In Lsun/pc^3 (km/s)^2.
    """
    r0 = np.hypot(big_r, z)
    sin0 = big_r / r0
    nu = _density(big_r, z, *lum)
    # The step follows P's logarithmic slope at fixed theta, about each Gaussian's,
    # (R^2 + z^2 / q^2) / sigma^2 (light-weighted), so that step * slope <= 3 _DIFF_STEP:
    # far out a steep P and the r nu dPhi/dr it nearly cancels would make a fixed step's
    # truncation error show (1.6e-4 of V_rms 10 sigma out on a flat model's minor axis).
    slope = np.sum(nu * (big_r**2 + (z / lum[2]) ** 2) / lum[1] ** 2) / max(nu.sum(), 1e-300)
    step = _DIFF_STEP / max(1.0, slope / 3)
    stencil = np.array([-2, -1, 1, 2, 0]) * step
    r_max = r0 + 12 * np.max(lum[1])  # every Gaussian is below exp(-72) of its peak beyond
    p = _p_integral(r0 * (1 + stencil), sin0, lum, beta, pot, mbh, r_max, epsrel, epsabs)
    dp_dr = (p[0] - 8 * p[1] + 8 * p[2] - p[3]) / (12 * step * r0)
    f_r, f_z = mge_forces(big_r, z, *pot, mbh)
    phi_r = (big_r**2 * f_r + z**2 * f_z) / r0
    beta0 = _beta_at(beta, sin0, len(lum[0]), r0)
    return p[4], r0 * dp_dr + (1 + beta0) * p[4] + r0 * nu * phi_r


def _polar_angle(sin_th):
    """The polar angle (radians) of ``sin theta``, capped at 1 (round-off above it)."""
    return np.arcsin(np.minimum(sin_th, 1.0))


def _beta_at(beta, sin_th, n_lum, r=None):
    """``beta`` of each luminous Gaussian at a polar angle of sine ``sin_th``: (n_lum,).

    ``r`` (pc) for a :class:`~sklearn_jam.jam.anisotropy.MeridionalBeta`."""
    theta = _polar_angle(np.atleast_1d(sin_th))
    if isinstance(beta, MeridionalBeta):
        return np.full(n_lum, float(np.ravel(beta(r, theta))[0]))
    if callable(beta):
        return np.full(n_lum, float(np.ravel(beta(theta))[0]))
    return beta


def quad_vrms_sph(
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
    epsrel=1e-9,
):
    """V_rms of the spherically aligned model by adaptive quadrature, point by point.

    The line-of-sight integral of ``nu <v_los^2>`` (module docstring) with
    QUADPACK, each value of its integrand from :func:`quad_moments_sph`;
    divided by the MGE's surface brightness. One galaxy; seconds per point.

    Parameters
    ----------
    surf_lum, sigma_lum, qobs_lum : array-like of shape (n_lum,)
        Luminous MGE: Lsun/pc^2, arcsec, observed axial ratio.
    surf_pot, sigma_pot, qobs_pot : array-like of shape (n_pot,)
        Mass MGE: Msun/pc^2, arcsec, observed axial ratio.
    inc : float
        Inclination in degrees.
    beta : float, array-like of shape (n_lum,) or callable
        ``1 - sigma_theta^2 / sigma_r^2`` of each luminous Gaussian, or a function
        ``beta(theta)`` of the polar angle (radians, an array; even about the
        equator), such as jampy 9's eq. (37) of Cappellari (2026), for all of them,
        or jampy 9's ``beta(r, theta)`` (``r`` in pc), which may vary with ``r``
        (:class:`~sklearn_jam.jam.anisotropy.LogisticBeta`).
    x, y : array-like of shape (n_points,)
        Sky positions in arcsec (x along the major axis), not (0, 0).
    distance : float
        Mpc.
    mbh : float, default=0
        Black-hole mass in Msun, a point mass in the potential (as jampy 9).
    epsrel : float, default=1e-9
        Relative tolerance of the line-of-sight integral (the inner integrals
        are done 1000 times tighter).

    Returns
    -------
    vrms : ndarray of shape (n_points,)
        In km/s; a QUADPACK warning is raised as an error.
    """
    from scipy.integrate import quad

    pc = arcsec_to_pc(distance)
    inc_rad = np.radians(inc)
    cs_inc = np.cos(inc_rad), np.sin(inc_rad)
    surf_lum, sigma_lum, qobs_lum = (
        np.asarray(v, dtype=float) for v in (surf_lum, sigma_lum, qobs_lum)
    )
    lum = deproject_gaussians(surf_lum, sigma_lum * pc, qobs_lum, *cs_inc)
    surf_pot, sigma_pot, qobs_pot = (
        np.asarray(v, dtype=float) for v in (surf_pot, sigma_pot, qobs_pot)
    )
    pot = deproject_gaussians(surf_pot, sigma_pot * pc, qobs_pot, *cs_inc)
    if not callable(beta):
        beta = np.asarray(beta, dtype=float) * np.ones_like(surf_lum)
    else:
        beta = angular_beta(beta)  # beta(theta), or a MeridionalBeta of beta(r, theta)
    si, ci = np.sin(inc_rad), np.cos(inc_rad)
    out = []
    for xp_arc, yp_arc in zip(np.atleast_1d(x), np.atleast_1d(y), strict=True):
        xs, ys = xp_arc * pc, yp_arc * pc

        def integrand(t, xs=xs, ys=ys, scale=None, epsabs=0.0):
            zs = scale * np.sinh(t)
            big_x, big_y = xs, zs * si + ys * ci  # C20 eq. (29): the line of sight is z'
            z = zs * ci - ys * si
            big_r = np.hypot(big_x, big_y)
            r = np.hypot(big_r, z)
            nu_sig2r, nu_v2phi = quad_moments_sph(
                big_r, z, lum, beta, pot, mbh, 1e-3 * epsrel, epsabs
            )
            sin_th, cos_th = big_r / r, z / r
            cos_ph, sin_ph = (big_x / big_r, big_y / big_r) if big_r > 0 else (1.0, 0.0)
            n_r = si * sin_th * sin_ph + ci * cos_th  # the line of sight (0, sin i, cos i)
            n_th = si * cos_th * sin_ph - ci * sin_th
            n_ph = si * cos_ph
            beta_here = _beta_at(beta, sin_th, len(surf_lum), r)
            v2 = (n_r**2 + n_th**2 * (1 - beta_here)) * nu_sig2r + n_ph**2 * nu_v2phi
            return v2.sum() * scale * np.cosh(t)

        scale = max(min(np.hypot(xs, ys), np.min(lum[1] * lum[2])), 1e-3 * np.min(lum[1]))
        t_max = np.arcsinh(12 * np.max(lum[1]) / scale)
        # The inner integrals' absolute tolerance: 1e-3 epsrel of P where the line of
        # sight passes closest to the centre (it changes V_rms by < epsrel / 2).
        big_r_c, z_c = np.hypot(xs, ys * ci), -ys * si
        p_scale = quad_moments_sph(big_r_c, z_c, lum, beta, pot, mbh, 1e-3 * epsrel)[0].sum()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            total, _ = quad(
                integrand,
                -t_max,
                t_max,
                args=(xs, ys, scale, 1e-3 * epsrel * p_scale),
                epsabs=0,
                epsrel=epsrel,
                limit=400,
            )
        mu = np.sum(surf_lum * np.exp(-0.5 * (xp_arc**2 + (yp_arc / qobs_lum) ** 2) / sigma_lum**2))
        out.append(np.sqrt(total / mu))
    return np.array(out)
