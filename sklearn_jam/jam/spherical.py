"""V_rms of axisymmetric JAM models with a spherically aligned velocity ellipsoid.

The quantity is the line-of-sight second moment of the model of Cappellari (2020,
MNRAS 494, 4819; C20), whose velocity ellipsoid is aligned with spherical
coordinates ``(r, theta, phi)``, with ``beta = 1 - sigma_theta^2 / sigma_r^2``
constant for each luminous Gaussian (jampy 8's ``align='sph'``; jampy 9's
default alignment). The black hole is a point mass in the potential, as in jampy
9 (the cylindrical engine, as jampy 8, takes a round Gaussian of ``rbh``).

How it is computed
------------------
At every point of the line of sight the intrinsic moments are C20's solution
(eqs. 50-54): a double integral, along the characteristic of the Jeans equations
from the point to infinity (``r_1 = r + d``, ``d`` log-spaced) and over
Chandrasekhar's ``u`` of each mass Gaussian (``u = exp(pi/2 sinh(s))``, the
double-exponential rule). The line of sight is integrated with Gauss-Legendre
nodes in ``t``, ``z' = z_c + s_0 sinh(t)``: dense where the density along it
peaks (``z_c``) on the scale of the point's radius or of the flattest light, and
logarithmic beyond. All three rules have fixed node counts, so a whole batch of
galaxies is one array expression, in NumPy or in torch on any device and
differentiable by autograd. :func:`sklearn_jam.jam.reference.quad_vrms_sph` is
the truth it is measured against (``docs/physics.rst``).

The batched form of the arguments is described in :mod:`sklearn_jam.jam`.
"""

import numpy as np

from ._base import (
    check_arguments,
    check_light,
    prepare_arguments,
    to_batch,
    vrms_from_moments,
)
from ._convolution import mge_surf
from ._quadrature import gauss_legendre
from .constants import G_JAMPY, arcsec_to_pc

__all__ = ["jam_axi_sph", "DEFAULT_N_LOS", "DEFAULT_N_RAD", "DEFAULT_N_U"]

#: Gauss-Legendre nodes along the line of sight, along the characteristic, and
#: trapezoid nodes of the double-exponential rule in Chandrasekhar's ``u``.
DEFAULT_N_LOS, DEFAULT_N_RAD, DEFAULT_N_U = 64, 48, 64
#: The ``u`` rule spans ``s`` in [-_S_MAX, _S_MAX]: ``u`` from exp(-32) to exp(32), as jampy.
_S_MAX = 3.7
#: The characteristic starts ``_D_MIN * r`` beyond the point and ends ``_D_MAX`` widest
#: luminous sigmas beyond it; the line of sight reaches ``_Z_MAX`` of them.
_D_MIN, _D_MAX, _Z_MAX = 1e-9, 8.0, 10.0
#: Elements of the (points x nodes along the characteristic, mass Gaussians x u nodes) work
#: array: 2 MB, which stays in cache (measured 5x faster than 16 MB).
_BLOCK = 1 << 18


def _deproject(xp, m, pc):
    """Luminous and mass Gaussians in pc, deprojected (eqs. 12-14 of C08); inclination (rad)."""
    inc_rad = m["inc"] * (np.pi / 180)
    ci, si = xp.cos(inc_rad)[:, None], xp.sin(inc_rad)[:, None]

    def deproject(surf, sigma, qobs):
        q_intr = xp.sqrt(qobs * qobs - ci * ci) / si
        return surf * qobs / (sigma * q_intr * np.sqrt(2 * np.pi)), sigma, q_intr

    lum = deproject(m["surf_lum"], m["sigma_lum"] * pc, m["qobs_lum"])
    pot = deproject(m["surf_pot"], m["sigma_pot"] * pc, m["qobs_pot"])
    return lum, pot, inc_rad


def _force_terms(xp, pot, n_u):
    """Chandrasekhar's integrals of the mass MGE as sums of Gaussians in ``R^2`` and ``z^2``.

    The double-exponential rule ``u = exp(pi/2 sinh(s))``, ``s`` in [-_S_MAX,
    _S_MAX] with ``n_u`` trapezoid nodes, turns each Gaussian's integral into
    ``n_u`` terms ``exp(-a R^2 - b z^2)``, ``a = 1 / (2 sigma^2 (1 + u))``,
    ``b = 1 / (2 sigma^2 (q^2 + u))``. Returns ``coef`` (B, 2, M) of ``a, b``
    and ``weights`` (B, M, 3) of the terms of ``F_z = Phi_z / z``, of ``D / R^2``
    (``D = R^2 dF_z/d(R^2)`` at fixed ``r``, the mass's term of C20 eq. 53,
    whose factor is ``b - a``) and of ``F_R - F_z`` (C20 eq. 51 over ``R^2``),
    in (km/s)^2 / pc^2 (and per pc^2); ``M = n_pot * n_u``.
    """
    s, step = np.linspace(-_S_MAX, _S_MAX, int(n_u), retstep=True)
    u_np = np.exp(0.5 * np.pi * np.sinh(s))
    u, du = xp.asarray(u_np), xp.asarray(u_np * 0.5 * np.pi * np.cosh(s) * step)
    dens, sigma, q = (v[..., None] for v in pot)  # (B, K, 1)
    u1, qu = 1 + u, q * q + u
    two_s2 = 2 * sigma * sigma
    a, b = 1 / (two_s2 * u1), 1 / (two_s2 * qu)
    amp = (2 * np.pi * G_JAMPY) * dens * q * du / (u1 * qu * xp.sqrt(qu))  # (B, K, S)
    n_gal = amp.shape[0]
    coef = -xp.stack([a + 0 * b, b], 1).reshape(n_gal, 2, -1)  # negated: exp(xz @ coef)
    weights = xp.stack([amp, (b - a) * amp, amp * (q * q - 1) / u1], -1).reshape(n_gal, -1, 3)
    return coef, weights


def _forces(xp, big_r2, z2, terms):
    """``F_z``, ``D / R^2`` and ``F_R - F_z`` at points ``big_r2, z2`` (B, ...), of their shape."""
    coef, weights = terms
    shape = big_r2.shape
    xz = xp.stack([big_r2.reshape(shape[0], -1), z2.reshape(shape[0], -1)], -1)  # (B, n, 2)
    sums = xp.exp_overwrite(xz @ coef) @ weights  # (B, n, 3)
    return tuple(sums[..., k].reshape(shape) for k in range(3))


def _moments(xp, big_r2, z2, lum, pot, beta, mbh, rules):
    """The intrinsic second moments of each luminous Gaussian, per unit of its density.

    At meridional points ``big_r2, z2`` (B, n) in pc^2, by C20's solution
    (eqs. 50-54); ``lum`` (dens, sigma, q) and ``beta`` (B, J); ``pot`` (B, K);
    ``mbh`` (B,). Galaxies whose Gaussians share one ``beta`` share one
    characteristic per point; otherwise each Gaussian follows its own.

    Returns ``sig2r`` (B, n, J), ``sigma_r^2`` of each Gaussian; ``v2phi`` (B, n,
    J), its ``<v_phi^2>`` less the potential's term, in (km/s)^2; and ``f_rz``
    (B, n), ``F_R - F_z`` in (km/s/pc)^2, whose ``R^2`` times is that term,
    ``tan(theta) dPhi/dtheta`` (C20 eq. 51), the same for every Gaussian.
    Each Gaussian's density along the characteristic enters relative to its
    value at the point, so nothing underflows far from it.
    """
    d_nodes, d_weights, terms = rules
    r = xp.sqrt(big_r2 + z2)  # (B, n)
    # Offsets along the characteristic, d = r exp(pi/2 sinh(s)) (the double-exponential
    # rule, as for u): from 1e-9 r, below which the integrand is its value at r, to
    # _D_MAX widest sigmas, beyond which the light is below exp(-32) of its value at r.
    sigma_max = xp.asarray(xp.numpy(lum[1]).max(1)[:, None])  # (B, 1): a range, not a variable
    s_lo = np.arcsinh(2 / np.pi * np.log(_D_MIN))
    s_hi = xp.arcsinh((2 / np.pi) * xp.log(_D_MAX * sigma_max / r))
    step = (s_hi - s_lo)[..., None]
    s_d = s_lo + step * d_nodes  # (B, n, T)
    es = xp.exp(s_d)
    d = r[..., None] * xp.exp((0.25 * np.pi) * (es - 1 / es))
    w_d = d * (0.25 * np.pi) * (es + 1 / es) * step * d_weights
    r1 = r[..., None] + d
    ratio = r1 / r[..., None]

    beta_np = xp.numpy(beta)
    shared = bool(np.all(beta_np == beta_np[:, :1]))
    groups = [slice(None)] if shared else [slice(j, j + 1) for j in range(beta_np.shape[1])]
    sig2r, v2phi = [], []
    for grp in groups:
        b = beta[:, grp][:, 0][:, None, None]  # (B, 1, 1): this characteristic's beta
        fun = ratio ** (2 * b)  # (r1 / r)^(2 beta)
        big_r1_2 = big_r2[..., None] * fun  # R1^2 on the characteristic
        z1_2 = r1 * r1 - big_r1_2
        f_z, f_d, _ = _forces(xp, big_r1_2, z1_2, terms)
        f_d = f_d * big_r1_2
        f_z = f_z + (G_JAMPY * mbh)[:, None, None] / (r1 * r1 * r1)
        _, sigma, q = (v[:, grp][:, None, None, :] for v in lum)  # (B, 1, 1, j)
        q2s2 = 2 * q * q * sigma * sigma
        e2 = 1 - q * q
        bb = e2 * big_r1_2[..., None] / q2s2
        # nu_j(R1, z1) / nu_j(R, z): exponents -(r^2 - e^2 R^2) / (2 q^2 sigma^2)
        d_r2 = ((r * r)[..., None] - r1 * r1)[..., None]  # (B, n, T, 1)
        d_big_r2 = (big_r1_2 - big_r2[..., None])[..., None]
        rel = xp.exp((d_r2 + e2 * d_big_r2) / q2s2)
        base = (fun * r1 * w_d)[..., None] * rel  # (B, n, T, j)
        sig2r.append((base * f_z[..., None]).sum(2))  # (B, n, j)
        one_b = 1 - beta[:, grp][:, None, :]
        v2phi.append((base * ((1 + 2 * bb) * f_z[..., None] + 2 * f_d[..., None])).sum(2) * one_b)
    _, _, f_rz = _forces(xp, big_r2, z2, terms)
    return xp.concat(sig2r, -1), xp.concat(v2phi, -1), f_rz


def _los_nodes(xp, x, y, lum, inc_rad, los_rule):
    """Nodes ``z'`` (B, P, L) of the line-of-sight rule and their weights ``dz'``.

    ``z' = z_c + s_0 sinh(t)``, ``t`` Gauss-Legendre in [-t_max, t_max]: ``z_c``
    is where the density of the Gaussian brightest along this line of sight
    peaks, ``s_0`` the smaller of the point's radius and that Gaussian's width
    along the line of sight.
    """
    nodes, weights = los_rule
    _, sigma, q = lum
    ci, si = xp.cos(inc_rad)[:, None, None], xp.sin(inc_rad)[:, None, None]
    q2 = q[:, None, :] * q[:, None, :]
    s2 = sigma[:, None, :] * sigma[:, None, :]
    # The density of Gaussian j along the line of sight is a Gaussian in z' of
    # width s2 / (si^2 + ci^2 / q2) centred at y' si ci (1 / q2 - 1) / (si^2 + ci^2 / q2).
    k = si * si + ci * ci / q2
    z_peak = y[..., None] * si * ci * (1 / q2 - 1) / k  # (B, P, J)
    width = xp.sqrt(s2 / k) + 0 * z_peak  # (B, P, J)
    # Brightest along the line: its peak density times its width (its share of the light).
    brightness = xp.numpy(lum[0][:, None, :] * width) * np.exp(
        -0.5 * xp.numpy(x[..., None] ** 2 / s2 + (y[..., None] * si) ** 2 / (s2 * q2 * k))
    )
    pick = xp.index(np.argmax(brightness, -1)[..., None])
    take = (
        (lambda a: np.take_along_axis(a, pick, -1)[..., 0])
        if xp.name == "numpy"
        else (lambda a: a.gather(-1, pick.expand(a.shape[:-1] + (1,)))[..., 0])
    )
    z_c, w_c = take(z_peak), take(width)
    s0 = xp.minimum(xp.sqrt(x * x + y * y), w_c) + 1e-9 * w_c
    z_max = xp.asarray(_Z_MAX * xp.numpy(sigma).max(1)[:, None])  # (B, 1)
    t_max = xp.arcsinh(z_max / s0)[..., None]  # (B, P, 1)
    t = t_max * (2 * nodes - 1)
    et = xp.exp(t)
    zs = z_c[..., None] + s0[..., None] * 0.5 * (et - 1 / et)
    dzs = s0[..., None] * 0.5 * (et + 1 / et) * (2 * t_max) * weights
    return zs, dzs


def jam_axi_sph(
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
    n_los=None,
    n_rad=None,
    n_u=None,
):
    """V_rms of a JAM model with a spherically aligned velocity ellipsoid.

    The line-of-sight second moment ``sqrt(<V_los^2>)`` of the spherically
    aligned solution of Cappellari (2020), ``moment='zz'`` of jampy, with
    jampy's ``G = 0.004301 (km/s)^2 pc / Msun``, at the points themselves. NumPy
    arrays in give NumPy arrays out; torch tensors in give tensors out on their
    device, differentiable by autograd. See the module docstring for the method
    and :mod:`sklearn_jam.jam` for the batched form.

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
        Anisotropy ``1 - sigma_theta^2 / sigma_r^2`` of each luminous Gaussian.
    x, y : array-like of shape (n_points,) or (n_galaxies, n_points)
        Sky positions in arcsec, x along the projected major axis; not (0, 0).
    distance : float or array-like of shape (n_galaxies,)
        Distance in Mpc.
    mbh : float or array-like of shape (n_galaxies,), default=0
        Black-hole mass in Msun: a point mass in the potential (jampy 9).
    n_los, n_rad, n_u : int, default=None
        Nodes along the line of sight, along the characteristic and in ``u``;
        None: ``DEFAULT_N_LOS``, ``DEFAULT_N_RAD``, ``DEFAULT_N_U`` (64, 48, 64).
        The cost is proportional to their product.

    Returns
    -------
    vrms : ndarray or torch.Tensor of shape (n_points,) or (n_galaxies, n_points)
        V_rms in km/s.

    Raises
    ------
    ValueError
        As :func:`~sklearn_jam.jam.jam_axi_cyl`: mismatched lengths or batch
        sizes, an empty MGE, bad values, an axial ratio too flat for the
        inclination, a point where the light is 0; and a point at (0, 0).

    Warns
    -----
    UnphysicalModelWarning
        Where ``V_rms^2 < 0``; V_rms is NaN there.
    """
    xp, m, batched = prepare_arguments(
        dict(
            surf_lum=surf_lum,
            sigma_lum=sigma_lum,
            qobs_lum=qobs_lum,
            beta=beta,
            surf_pot=surf_pot,
            sigma_pot=sigma_pot,
            qobs_pot=qobs_pot,
            x=x,
            y=y,
            inc=inc,
            distance=distance,
            mbh=mbh,
            rbh=0.01,  # unused: the black hole is a point mass
        )
    )
    counts = {}
    for name, value, default in (
        ("n_los", n_los, DEFAULT_N_LOS),
        ("n_rad", n_rad, DEFAULT_N_RAD),
        ("n_u", n_u, DEFAULT_N_U),
    ):
        if value is not None and (int(value) != value or value < 2):
            raise ValueError(f"{name} must be an integer >= 2 or None, got {value!r}")
        counts[name] = default if value is None else int(value)
    n_gal = check_arguments(xp, m, None)
    m = to_batch(xp, m, n_gal)
    centre = (xp.numpy(m["x"]) == 0) & (xp.numpy(m["y"]) == 0)
    if np.any(centre):
        g, p = (int(i) for i in np.argwhere(centre)[0])
        raise ValueError(
            f"point {p} of galaxy {g} is at (0, 0): the spherically aligned V_rms is "
            "computed at the points, and its line of sight through the centre has no finite "
            "radius; move it (a spaxel centre is never exactly there after the PSF)"
        )
    sb_mu2, mu = _surface_moments(xp, m, counts)
    vrms = vrms_from_moments(xp, sb_mu2, mu)
    return vrms if batched else vrms[0]


def _surface_moments(xp, m, counts):
    """``Sigma <V_los^2>`` and ``Sigma`` at the points, (B, P) each."""
    pc = arcsec_to_pc(m["distance"])[:, None]
    lum, pot, inc_rad = _deproject(xp, m, pc)
    x, y = m["x"] * pc, m["y"] * pc
    mu = mge_surf(xp, x, y, m["surf_lum"], m["sigma_lum"] * pc, m["qobs_lum"])
    check_light(xp, mu, m)
    los_rule = tuple(xp.asarray(v) for v in gauss_legendre(counts["n_los"]))
    d_rule = tuple(xp.asarray(v) for v in gauss_legendre(counts["n_rad"]))
    rules = (*d_rule, _force_terms(xp, pot, counts["n_u"]))
    zs, dzs = _los_nodes(xp, x, y, lum, inc_rad, los_rule)  # (B, P, L)
    ci, si = xp.cos(inc_rad)[:, None, None], xp.sin(inc_rad)[:, None, None]
    big_x = x[..., None] + 0 * zs
    big_y = zs * si + y[..., None] * ci  # C20 eq. (29): the line of sight is z'
    z = zs * ci - y[..., None] * si
    big_r2 = big_x * big_x + big_y * big_y
    beta = m["beta"]
    args = (lum, pot, beta, m["mbh"], rules)
    sig2r, v2phi, f_rz = _direct(xp, big_r2, z * z, args, counts)
    return _project(xp, big_x, big_y, z, si, ci, lum, beta, sig2r, v2phi, big_r2 * f_rz, dzs), mu


def _chunked_moments(xp, big_r2, z2, args, counts):
    """:func:`_moments` at points (B, n), in chunks that keep its work arrays small."""
    n_gal = big_r2.shape[0]
    per_point = counts["n_rad"] * args[1][0].shape[1] * counts["n_u"] * max(1, n_gal)
    chunk = max(1, _BLOCK // per_point)
    parts = [
        _moments(xp, big_r2[:, i : i + chunk], z2[:, i : i + chunk], *args)
        for i in range(0, big_r2.shape[1], chunk)
    ]
    return tuple(xp.concat([p[k] for p in parts], 1) for k in range(3))


def _direct(xp, big_r2, z2, args, counts):
    """The moments at every line-of-sight node (B, P, L): C20's solution there."""
    shape = big_r2.shape
    flat = (v.reshape(shape[0], -1) for v in (big_r2, z2))
    sig2r, v2phi, f_rz = _chunked_moments(xp, *flat, args, counts)
    return sig2r.reshape(shape + (-1,)), v2phi.reshape(shape + (-1,)), f_rz.reshape(shape)


def _project(xp, big_x, big_y, z, si, ci, lum, beta, sig2r, v2phi, v2phi_pot, dzs):
    """``Sigma <V_los^2>`` (B, P): the moments along the lines of sight, weighted and summed.

    ``big_x, big_y, z`` (B, P, L) the nodes in intrinsic coordinates (pc),
    ``dzs`` their weights; ``sig2r, v2phi`` (B, P, L, J) and ``v2phi_pot`` (B, P,
    L) as :func:`_moments` returns them.
    """
    big_r2 = big_x * big_x + big_y * big_y
    r2 = big_r2 + z * z
    # The line of sight (0, sin i, cos i) in the spherical basis (C20 eqs. 16-17).
    # n_phi = sin(i) cos(phi) is 0 on the minor axis, where R may vanish too.
    n_r2 = ((si * big_y + ci * z) ** 2 / r2)[..., None]
    n_ph2 = (si * si * big_x * big_x / (big_r2 + 1e-300))[..., None]
    one_b = (1 - beta)[:, None, None, :]
    v2_los = (n_r2 + (1 - n_r2 - n_ph2) * one_b) * sig2r + n_ph2 * (v2phi + v2phi_pot[..., None])
    dens, sigma, q = (v[:, None, None, :] for v in lum)
    nu = dens * xp.exp(-(big_r2[..., None] + (z * z)[..., None] / (q * q)) / (2 * sigma * sigma))
    return ((nu * v2_los).sum(-1) * dzs).sum(-1)
