"""Hard cases of the spherically aligned engine, with their truth from adaptive quadrature.

Models where a fixed quadrature is most at risk: near the inclination limit, a flat
disk (intrinsic q = 0.2) seen near edge-on and near face-on, a black hole with points
far inside its sphere of influence, a compact mass Gaussian, a wide halo, and
anisotropy that differs between Gaussians (each then follows its own
characteristic). The truth of every point is
:func:`sklearn_jam.jam.reference.quad_vrms_sph` (the Jeans equations solved along
their characteristics and projected, all with QUADPACK) at ``epsrel=1e-9``, checked
against a second run at 1e-7 (the difference is stored as the truth's error bound).
Nothing of the engine is used. About 20 minutes on one core.

With ``--eq37`` it writes the models of jampy 9's Bayesian examples' anisotropy
instead: ``beta(theta) = 1 - ratio^(-2 cos 2 theta)`` (eq. 37 of Cappellari 2026,
:class:`~sklearn_jam.jam.anisotropy.CylindricalLikeBeta`), on six of the same
galaxies, with the ratio stored in the column ``ratio``.

With ``--radial`` it writes models whose anisotropy varies with the radius: jampy's
logistic form (:class:`~sklearn_jam.jam.anisotropy.LogisticBeta`, its columns ``r_a``
in pc, ``beta_0``, ``beta_inf``, ``alpha``) and, where ``ratio`` is given, the mean of
that and eq. (37), a ``beta(r, theta)`` (:class:`RadialBeta`), on four of the galaxies
at four points each (about 40 minutes).

Usage::

    python scripts/make_sph_reference.py tests/data/sph_reference.npz
    python scripts/make_sph_reference.py --eq37 tests/data/sph_reference_eq37.npz
    python scripts/make_sph_reference.py --radial tests/data/sph_reference_radial.npz
"""

import sys
import time

import numpy as np

from sklearn_jam.jam.anisotropy import CylindricalLikeBeta, LogisticBeta
from sklearn_jam.jam.constants import arcsec_to_pc
from sklearn_jam.jam.reference import quad_vrms_sph

#: Luminous and mass Gaussians per model, at most (models are padded to these).
N_LUM, N_POT = 3, 4
DISTANCE = 10.0


def _qobs(q_intr, inc):
    """Observed axial ratio of a Gaussian of intrinsic ``q_intr`` at ``inc`` degrees."""
    i = np.radians(inc)
    return float(np.sqrt((q_intr * np.sin(i)) ** 2 + np.cos(i) ** 2))


def _points(r_min, r_max, n=6):
    """Points on the major axis, the minor axis and between, from r_min to r_max (arcsec)."""
    radius = np.geomspace(r_min, r_max, n)
    angle = np.radians([0, 90, 30, 60, 15, 75][:n])
    return radius * np.cos(angle), radius * np.sin(angle)


def _mass_follows_light(light, ml=3.0):
    """The mass MGE of ``light`` (the ``*_lum`` arguments) at mass-to-light ratio ``ml``."""
    return dict(
        surf_pot=ml * light["surf_lum"], sigma_pot=light["sigma_lum"], qobs_pot=light["qobs_lum"]
    )


def models():
    """The reference's models: ``(kind, keyword arguments of the engine)``."""
    typical = dict(
        surf_lum=np.array([3e4, 5e3, 8e2]),
        sigma_lum=np.array([0.5, 2.5, 10.0]),
        qobs_lum=np.array([0.75, 0.7, 0.65]),
    )
    mass_follows = _mass_follows_light(typical)
    out = []
    x, y = _points(0.05, 20.0)
    out.append(("typical", dict(**typical, **mass_follows, inc=60.0, beta=0.2, x=x, y=y)))
    x, y = _points(0.02, 5.0)
    out.append(
        (
            "black_hole",
            dict(**typical, **mass_follows, inc=55.0, beta=0.1, x=x, y=y, mbh=3e8),
        )
    )
    inc = 70.0
    disk = dict(
        surf_lum=np.array([2e4, 3e3]),
        sigma_lum=np.array([1.0, 6.0]),
        qobs_lum=np.array([0.9, _qobs(0.2, inc)]),
    )
    halo = dict(
        surf_pot=np.append(2.5 * disk["surf_lum"], 50.0),
        sigma_pot=np.append(disk["sigma_lum"], 40.0),
        qobs_pot=np.append(disk["qobs_lum"], 0.95),
    )
    x, y = _points(0.05, 15.0)
    out.append(("flat_disk_halo", dict(**disk, **halo, inc=inc, beta=[0.1, -0.2], x=x, y=y)))
    inc = 12.0
    face = dict(
        surf_lum=np.array([2e4, 3e3]),
        sigma_lum=np.array([1.0, 6.0]),
        qobs_lum=np.array([_qobs(0.8, inc), _qobs(0.2, inc)]),
    )
    x, y = _points(0.05, 15.0)
    out.append(
        ("face_on_disk", dict(**face, **_mass_follows_light(face), inc=inc, beta=0.1, x=x, y=y))
    )
    inc = 50.0
    q_flat = _qobs(0.06, inc)
    limit = dict(
        surf_lum=np.array([1e4, 2e3]),
        sigma_lum=np.array([1.0, 5.0]),
        qobs_lum=np.array([0.8, q_flat]),
    )
    x, y = _points(0.05, 12.0)
    out.append(
        ("near_limit", dict(**limit, **_mass_follows_light(limit), inc=inc, beta=0.3, x=x, y=y))
    )
    x, y = _points(0.01, 10.0)
    out.append(
        (
            "narrow_mass",
            dict(
                **typical,
                surf_pot=np.append(2e6, mass_follows["surf_pot"]),
                sigma_pot=np.append(0.03, typical["sigma_lum"]),
                qobs_pot=np.append(0.95, typical["qobs_lum"]),
                inc=75.0,
                beta=[0.2, 0.0, -0.1],
                x=x,
                y=y,
            ),
        )
    )
    edge = dict(surf_lum=np.array([1e4]), sigma_lum=np.array([3.0]), qobs_lum=np.array([0.3]))
    x, y = _points(0.1, 9.0)
    out.append(
        (
            "edge_on_tangential",
            dict(
                **edge,
                surf_pot=3 * edge["surf_lum"],
                sigma_pot=edge["sigma_lum"],
                qobs_pot=edge["qobs_lum"],
                inc=90.0,
                beta=-0.3,
                x=x,
                y=y,
            ),
        )
    )
    return out


#: The eq. (37) models: a galaxy of :func:`models` and its ``sigma_theta / sigma_r`` on
#: the equator (ratio > 1 is tangential there, radial on the axis).
EQ37_RATIOS = {
    "typical": 0.8,
    "black_hole": 0.9,
    "flat_disk_halo": 0.6,
    "face_on_disk": 0.7,
    "near_limit": 0.85,
    "edge_on_tangential": 1.2,
}


def models_eq37():
    """The eq. (37) models: ``(kind, keyword arguments)`` with ``ratio`` in place of ``beta``."""
    out = []
    for kind, m in models():
        if kind in EQ37_RATIOS:
            m = {k: v for k, v in m.items() if k != "beta"}
            out.append((f"{kind}_eq37", {**m, "ratio": EQ37_RATIOS[kind]}))
    return out


#: The radial models: a galaxy of :func:`models`, its logistic anisotropy (r_a in
#: arcsec, beta_0, beta_inf, alpha) and, for a beta(r, theta), an eq. (37) ratio.
RADIAL = {
    "typical": ((2.0, -0.2, 0.4, 2.0), np.nan),
    "black_hole": ((0.3, 0.3, -0.3, 3.0), np.nan),
    "near_limit": ((1.5, 0.0, 0.4, 1.5), np.nan),
    "flat_disk_halo": ((3.0, -0.3, 0.3, 2.0), 0.7),
}


class RadialBeta:
    """``beta(r, theta)``: a :class:`LogisticBeta`, or its mean with eq. (37) of ``ratio``."""

    def __init__(self, r_a, beta_0, beta_inf, alpha, ratio=np.nan):
        self.logistic = LogisticBeta(r_a, beta_0, beta_inf, alpha)
        self.eq37 = None if np.isnan(ratio) else CylindricalLikeBeta(ratio)

    def __call__(self, r, theta):
        beta = self.logistic(r, theta)
        return beta if self.eq37 is None else 0.5 * (beta + self.eq37(theta))


def models_radial():
    """The radial models: ``(kind, keyword arguments)`` with the logistic's columns."""
    out = []
    for kind, m in models():
        if kind in RADIAL:
            (r_a, beta_0, beta_inf, alpha), ratio = RADIAL[kind]
            m = {k: v for k, v in m.items() if k != "beta"}
            m["x"], m["y"] = m["x"][[0, 2, 3, 5]], m["y"][[0, 2, 3, 5]]
            logistic = dict(r_a=r_a * arcsec_to_pc(DISTANCE), beta_0=beta_0,
                            beta_inf=beta_inf, alpha=alpha)  # fmt: skip
            out.append((f"{kind}_radial", {**m, **logistic, "ratio": ratio}))
    return out


def pad(values, n, fill):
    out = np.full(n, fill, dtype=float)
    values = np.atleast_1d(values)
    out[: len(values)] = values
    return out


def main(path, kind_of="constant"):
    t0 = time.perf_counter()
    rows = []
    made = {"constant": models, "eq37": models_eq37, "radial": models_radial}[kind_of]()
    for kind, m in made:
        m = {"mbh": 0.0, "ratio": np.nan, "beta": 0.0, **m}
        m["beta"] = np.broadcast_to(np.asarray(m["beta"], dtype=float), m["sigma_lum"].shape)
        if kind_of == "radial":
            beta = RadialBeta(*(m[k] for k in ("r_a", "beta_0", "beta_inf", "alpha", "ratio")))
        else:
            beta = CylindricalLikeBeta(m["ratio"]) if kind_of == "eq37" else m["beta"]
        args = [m[k] for k in ("surf_lum", "sigma_lum", "qobs_lum", "surf_pot", "sigma_pot")]
        args += [m["qobs_pot"], m["inc"], beta, m["x"], m["y"]]
        truth = quad_vrms_sph(*args, distance=DISTANCE, mbh=m["mbh"], epsrel=1e-9)
        check = quad_vrms_sph(*args, distance=DISTANCE, mbh=m["mbh"], epsrel=1e-7)
        rows.append((kind, m, truth, np.abs(check / truth - 1)))
        print(f"{kind}: {time.perf_counter() - t0:.0f} s", flush=True)
    out = {"kind": np.array([r[0] for r in rows])}
    for key, n, fill in (
        ("surf_lum", N_LUM, 0.0),
        ("sigma_lum", N_LUM, 1.0),
        ("qobs_lum", N_LUM, 1.0),
        ("beta", N_LUM, 0.0),
        ("surf_pot", N_POT, 0.0),
        ("sigma_pot", N_POT, 1.0),
        ("qobs_pot", N_POT, 1.0),
    ):
        out[key] = np.array([pad(m[key], n, fill) for _, m, _, _ in rows])
    scalars = ["inc", "mbh", "ratio"]
    if kind_of == "radial":
        scalars += ["r_a", "beta_0", "beta_inf", "alpha"]
    for key in scalars:
        out[key] = np.array([float(m[key]) for _, m, _, _ in rows])
    out["distance"] = np.full(len(rows), DISTANCE)
    for key in ("x", "y"):
        out[key] = np.array([m[key] for _, m, _, _ in rows])
    out["vrms"] = np.array([r[2] for r in rows])
    out["vrms_error_bound"] = np.array([r[3] for r in rows])
    np.savez_compressed(path, **out)
    print(f"wrote {path}: {len(rows)} models in {time.perf_counter() - t0:.0f} s")
    print(f"largest difference between the 1e-9 and 1e-7 runs: {out['vrms_error_bound'].max():.1e}")


if __name__ == "__main__":
    flags = {"--eq37": "eq37", "--radial": "radial"}
    kind_of = next((flags[a] for a in sys.argv[1:] if a in flags), "constant")
    paths = [a for a in sys.argv[1:] if a not in flags]
    suffix = {"constant": "", "eq37": "_eq37", "radial": "_radial"}[kind_of]
    main(paths[0] if paths else f"tests/data/sph_reference{suffix}.npz", kind_of)
