"""Brute-force PSF + spaxel reference for ``jam_axi_cyl(..., sigmapsf, pixsize)``.

The observed V_rms at a bin is ``sqrt(K * (Sigma <V^2>) / K * Sigma)``, ``K`` the
PSF convolved with the square spaxel (eq. A3 of Cappellari 2008). Here both
convolutions are direct 2-D integrals: the unconvolved model (``jam_axi_cyl``
without PSF at 32 nodes, itself exact to ~3e-8 on the hardest models,
``docs/physics.rst``) times the kernel in closed form (erf differences of the
spaxel, eq. A6 of C08), on a polar grid about the galaxy centre (which makes the
central cusp integrable), composite
Gauss-Legendre in radius (geometric panels near the centre, then panels of about a
PSF sigma) and in angle, for each PSF Gaussian on its own. Run twice at two
resolutions; the reference is the finer and their difference its error bound.

It also stores jampy's own grid-and-FFT result for the same inputs (its defaults),
for ``docs/real_galaxies.rst``. About 20 minutes on 2 cores.

Usage (all cases, or one case updated in the file)::

    python scripts/make_psf_reference.py tests/data/psf_reference.npz [CASE]
"""

import sys
import time
from importlib import resources

import numpy as np
from scipy import special

from sklearn_jam.jam import jam_axi_cyl

# M32's MGE (Cappellari et al. 2006, Table B1), as in jampy's examples.
SURF = 10 ** np.array(
    [6.187, 5.774, 5.766, 5.613, 5.311, 4.774, 4.359, 4.087, 3.682, 3.316, 2.744, 1.618]
)
SIGMA = 10 ** np.array(
    [-1.762, -1.143, -0.839, -0.438, -0.104, 0.232, 0.560, 0.835, 1.160, 1.414, 1.703, 2.249]
)
QOBS = np.array(
    [0.790, 0.741, 0.786, 0.757, 0.720, 0.724, 0.725, 0.743, 0.751, 0.838, 0.835, 0.720]
)
# A fixed round halo (three Gaussians, Msun/pc^2, arcsec), so the reference needs no halo code.
HALO = (np.array([30.0, 12.0, 3.0]), np.array([20.0, 60.0, 200.0]), np.ones(3))


def inc_from_qmin(q):
    qmin = QOBS.min()
    return np.degrees(np.arctan2(np.sqrt(1 - qmin**2), np.sqrt(qmin**2 - q**2)))


def bins(name, rows):
    path = resources.files("jampy") / f"examples/jam_mock_kinematics_{name}.txt"
    x, y = np.loadtxt(path).T[:2]
    return x[rows], y[rows]


def cases():
    """(name, model kwargs, x, y) of each reference set."""
    halo_pot = (np.append(1.4 * SURF, HALO[0]), np.append(SIGMA, HALO[1]), np.append(QOBS, HALO[2]))
    dark = dict(
        surf_lum=SURF,
        sigma_lum=SIGMA,
        qobs_lum=QOBS,
        surf_pot=halo_pot[0],
        sigma_pot=halo_pot[1],
        qobs_pot=halo_pot[2],
        inc=inc_from_qmin(0.55),
        beta=np.full(12, 1 - 0.9**2),
        distance=0.7,
        mbh=0.0,
    )
    black = dict(
        surf_lum=SURF,
        sigma_lum=SIGMA,
        qobs_lum=QOBS,
        surf_pot=1.4 * SURF,
        sigma_pot=SIGMA,
        qobs_pot=QOBS,
        inc=inc_from_qmin(0.4),
        beta=np.full(12, 1 - 0.9**2),
        distance=0.7,
        mbh=2.5e6,
    )
    x_dh, y_dh = bins("dark_halo", [0, 7, 40, 170])
    x_bh, y_bh = bins("black_hole", [0, 3, 60, 170])
    psf_dh = dict(sigmapsf=[4 / 2.355], normpsf=[1.0], pixsize=2.0, pixang=0.0)
    psf_bh = dict(sigmapsf=[0.04, 0.4], normpsf=[0.7, 0.3], pixsize=0.05, pixang=0.0)
    # Light narrower than the PSF and spaxels 40 PSF sigmas wide: the spaxel rule gave
    # NaN at y < 0 before 0.3 (issue 18).
    narrow_surf, narrow_q = np.array([1e5, 1e4, 2e3, 1e2]), np.array([0.8, 0.7, 0.8, 0.9])
    narrow_sigma = np.array([0.03, 0.3, 2.0, 10.0])
    narrow = dict(
        surf_lum=narrow_surf,
        sigma_lum=narrow_sigma,
        qobs_lum=narrow_q,
        surf_pot=narrow_surf,
        sigma_pot=narrow_sigma,
        qobs_pot=narrow_q,
        inc=60.0,
        beta=np.full(4, 0.1),
        distance=10.0,
        mbh=0.0,
    )
    psf_narrow = dict(sigmapsf=[0.05], normpsf=[1.0], pixsize=2.0, pixang=0.0)
    x_narrow, y_narrow = np.array([5.0, 5.0, 0.0, 0.0]), np.array([9.0, -9.0, 6.0, -6.0])
    # A black hole seen through a PSF near the inclination limit (intrinsic q 0.06): the
    # engine's 24 nodes were 4e-4 off there (session 13), at the bins ~1.2" out.
    near_limit = dict(
        black,
        surf_pot=10**0.339 * SURF,
        inc=inc_from_qmin(0.06),
        beta=np.full(12, 1 - 0.93**2),
        mbh=10 ** (7.87 + 0.339),
    )
    x_nl, y_nl = bins("black_hole", [0, 60, 166, 173])
    return [
        ("narrow_light_large_spaxels", narrow, psf_narrow, x_narrow, y_narrow),
        ("dark_halo", dark, psf_dh, x_dh, y_dh),
        ("black_hole", black, psf_bh, x_bh, y_bh),
        ("dark_halo_pixang30", dark, dict(psf_dh, pixang=30.0), x_dh[:3], y_dh[:3]),
        ("black_hole_psf_only", black, dict(psf_bh, pixsize=0.0), x_bh[:3], y_bh[:3]),
        ("black_hole_near_limit", near_limit, psf_bh, x_nl, y_nl),
        ("black_hole_near_limit_wide_psf", near_limit, psf_dh, x_dh, y_dh),
    ]


def unconvolved(model, x, y):
    """(Sigma <V^2>, Sigma) of the model at sky points (arcsec), no PSF."""
    m = {k: v for k, v in model.items() if k not in ("beta", "inc")}
    args = [
        m.pop(k) for k in ("surf_lum", "sigma_lum", "qobs_lum", "surf_pot", "sigma_pot", "qobs_pot")
    ]
    vrms = jam_axi_cyl(*args, model["inc"], model["beta"], x, y, n_nodes=32, **m)
    surf_lum, sigma, qobs = (model[k] for k in ("surf_lum", "sigma_lum", "qobs_lum"))
    surf = surf_lum * np.exp(-0.5 * (x[:, None] ** 2 + (y[:, None] / qobs) ** 2) / sigma**2)
    surf = surf.sum(1)
    return vrms**2 * surf, surf


def kernel(dx, dy, s, pixsize, pixang):
    """One PSF Gaussian convolved with the spaxel at offsets (dx, dy), eq. (A6) of C08."""
    if pixsize == 0:
        return np.exp(-0.5 * (dx**2 + dy**2) / s**2) / (2 * np.pi * s**2)
    ang = np.radians(pixang)  # jampy rotates its kernel grid counter-clockwise by pixang
    xi = dx * np.cos(ang) - dy * np.sin(ang)
    eta = dx * np.sin(ang) + dy * np.cos(ang)
    h, sq = pixsize / 2, np.sqrt(2) * s
    return (
        (special.erf((h - xi) / sq) + special.erf((h + xi) / sq))
        * (special.erf((h - eta) / sq) + special.erf((h + eta) / sq))
        / (4 * pixsize**2)
    )


def panels(lo, hi, width, n):
    """Composite Gauss-Legendre nodes and weights of n points per panel."""
    edges = np.linspace(lo, hi, max(1, int(np.ceil((hi - lo) / width))) + 1)
    t, w = np.polynomial.legendre.leggauss(n)
    mid, half = 0.5 * (edges[1:] + edges[:-1]), 0.5 * np.diff(edges)
    return (mid[:, None] + half[:, None] * t).ravel(), (half[:, None] * w).ravel()


def radial_nodes(lo, hi, s, res, n=8):
    """Geometric panels (ratio 1.25) from 1e-6 arcsec, then panels of s / (3 res)."""
    edges = [lo]
    if lo < 1e-6:
        edges = [0.0, 1e-6]
    while edges[-1] < hi:
        e = edges[-1]
        edges.append(min(hi, e + min(0.25 * e / res, s / (3 * res)) if e > 0 else 1e-6))
    t, w = np.polynomial.legendre.leggauss(n)
    edges = np.array(edges)
    mid, half = 0.5 * (edges[1:] + edges[:-1]), 0.5 * np.diff(edges)
    return (mid[:, None] + half[:, None] * t).ravel(), (half[:, None] * w).ravel()


def brute_force(model, psf, xb, yb, res):
    """Observed V_rms at one bin by direct 2-D integration, at resolution factor res."""
    num = den = 0.0
    reach_pix = psf["pixsize"] / np.sqrt(2)
    for s, weight in zip(psf["sigmapsf"], psf["normpsf"], strict=True):
        reach = reach_pix + 9 * s  # the kernel is below exp(-40) beyond
        rb, phib = np.hypot(xb, yb), np.arctan2(yb, xb)
        r, wr = radial_nodes(max(0.0, rb - reach), rb + reach, s, res)
        if rb > reach:
            dphi = np.arcsin(reach / rb)
            phi, wphi = panels(phib - dphi, phib + dphi, s / (3 * res * (rb + reach)), 8)
        else:
            width = min(np.pi / 16, s / (3 * res * (rb + reach))) / 1.0
            phi, wphi = panels(-np.pi, np.pi, width, 8)
        rr, pp = np.meshgrid(r, phi, indexing="ij")
        x, y = rr * np.cos(pp), rr * np.sin(pp)
        k = kernel(xb - x, yb - y, s, psf["pixsize"], psf["pixang"]) * (wr[:, None] * rr) * wphi
        keep = k > 1e-18 * k.max()
        f_v2, f_s = unconvolved(model, x[keep], y[keep])
        num += weight * (k[keep] @ f_v2)
        den += weight * (k[keep] @ f_s)
    return np.sqrt(num / den)


def jampy_fft(model, psf, x, y):
    from jampy.axi.jam_axi_proj import jam_axi_proj

    m = model
    return jam_axi_proj(
        m["surf_lum"],
        m["sigma_lum"],
        m["qobs_lum"],
        m["surf_pot"],
        m["sigma_pot"],
        m["qobs_pot"],
        m["inc"],
        m["mbh"],
        m["distance"],
        x,
        y,
        beta=m["beta"],
        align="cyl",
        plot=False,
        quiet=True,
        **psf,
    ).model


def main(out, only=None):
    """Write every case to ``out``; with ``only``, compute that case and update ``out``."""
    data = {}
    if only is not None:
        with np.load(out) as old:
            data = {k: old[k] for k in old.files if not k.startswith(f"{only}_")}
    for name, model, psf, x, y in cases():
        if only is not None and name != only:
            continue
        t0 = time.perf_counter()
        coarse = np.array([brute_force(model, psf, a, b, 0.35) for a, b in zip(x, y, strict=True)])
        fine = np.array([brute_force(model, psf, a, b, 0.5) for a, b in zip(x, y, strict=True)])
        print(
            f"{name}: {time.perf_counter() - t0:.0f} s, resolution change "
            f"{np.max(np.abs(fine / coarse - 1)):.2e}"
        )
        data[f"{name}_x"], data[f"{name}_y"], data[f"{name}_vrms"] = x, y, fine
        data[f"{name}_error_bound"] = np.abs(fine - coarse)
        if psf["pixsize"] > 0:  # jampy convolves only with both a PSF and a spaxel
            data[f"{name}_jampy"] = jampy_fft(model, psf, x, y)
        for key, value in model.items():
            data[f"{name}_model_{key}"] = np.asarray(value, dtype=float)
        for key, value in psf.items():
            data[f"{name}_psf_{key}"] = np.asarray(value, dtype=float)
    data["cases"] = np.array([name for name, *_ in cases()])
    np.savez_compressed(out, **data)


if __name__ == "__main__":
    main(*sys.argv[1:3])
