"""Measure a pair-kernel design of the general emulator (issue 19) on real galaxies' MGEs.

Usage:
    python benchmarks/search_pairs.py make --n 80000 --seed 1 --out pairs1.npz [--n-jobs 2]
    python benchmarks/search_pairs.py train --data pairs1.npz [...] --out net.pt
        [--epochs 40] [--width 512]
    python benchmarks/search_pairs.py evaluate --net net.pt [--n-models 6]

Why pairs. In the cylindrically aligned model with one ``beta_z``, ``Sigma <V_los^2>``
is linear in the tracer's density for a fixed potential and linear in the potential
for a fixed tracer (Cappellari 2008, eqs. 8-9 and 28), and the PSF and spaxels are
linear maps of it. So any galaxy's model is, exactly,

    V^2 = sum_jk [S_j * K] V^2_jk / sum_j [S_j * K],

over pairs of one luminous Gaussian ``j`` (surface brightness ``S_j``, PSF ``K``) and
one mass Gaussian ``k``, with ``V^2_jk`` the signed model of tracer ``j`` in the
potential of ``k`` alone (:func:`~sklearn_jam.jam.cylindrical.vrms2_cyl`; it may be
negative far out, where a tracer is rounder than a wider, flatter potential allows).
In units of ``sigma_j`` and ``G M_k / sigma_j``, ``V^2_jk`` depends on five numbers
only: the inclination, both intrinsic axial ratios, ``sigma_k / sigma_j`` and
``sigma_psf / sigma_j``. A network of those five inputs learns one universal kernel,
and every MGE (from mgefit, with any number of Gaussians, truncated, with nuclei and
disks) is a sum of its values: nothing about the galaxy's photometry is learned, so
nothing about it lies outside the training set.

``make`` draws pairs (``cos i`` uniform, intrinsic ratios uniform over 0.055-1 with a
round mass Gaussian in 30% of them, ``log10 sigma_k / sigma_j`` uniform over -4..3,
``log10 sigma_psf / sigma_j`` over -4.5..2) and computes ``V^2_jk`` at ``beta_z = 0``
and at the probe ``beta_z = -1`` with the exact engine on a polar grid of the
convolved luminous Gaussian's own elliptical radius (48 radii ``1e-4 sinh(s)`` to 8,
10 angles).

``train`` fits a plain MLP (torch, one-cycle schedule) to ``asinh(V^2 / (tau v0))``,
``v0 = G / (1 + (sigma_k/sigma_j)^2)^(3/2)``, ``tau = 1e-3``: logarithmic where the
kernel is large, linear through its sign changes.

``evaluate`` sums the kernel over the pairs of jampy's two example MGEs and the three
MGEs fitted with mgefit to its images (as ``bench_general_emulator.py``), for the
stars (mass follows light) and for one round mass Gaussian, at random inclinations,
PSFs (0.001-0.3 r_e) and Gaussian widths, on the shipped emulator's polar grid
within 2.5 r_e, against the exact engine; the shipped general emulator's maps
(:meth:`~sklearn_jam.emulator.general.GeneralEmulator.unit_maps`) beside it.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed

from sklearn_jam.emulator.general import polar_interpolation
from sklearn_jam.jam.constants import G_JAMPY, PC_PER_ARCSEC_MPC
from sklearn_jam.jam.cylindrical import vrms2_cyl
from sklearn_jam.jam.projection import intrinsic_axis_ratio
from sklearn_jam.jam.tabulated import BETA_PROBE

DISTANCE = 1 / PC_PER_ARCSEC_MPC  # Mpc, where 1 arcsec is 1 pc: sigma_j = 1 pc
N_RAD, N_ANG = 48, 10
M0, M_MAX = 1e-4, 8.0  # the grid's elliptical radii, in the convolved Gaussian's sigmas
LG_S = (-4.0, 3.0)  # log10 sigma_k / sigma_j
LG_P = (-4.5, 2.0)  # log10 sigma_psf / sigma_j
Q_MIN = 0.055
TAU = 1e-3
N_INPUTS = 7


def pair_axes():
    """Elliptical radii (convolved sigmas) and angles (rad) of the pair grid."""
    m = M0 * np.sinh(np.linspace(0, np.arcsinh(M_MAX / M0), N_RAD))
    return m, np.radians(np.linspace(0, 90, N_ANG))


def observed_ratio(q_intr, inc):
    """Observed axial ratio of a Gaussian of intrinsic ratio ``q_intr`` at ``inc`` degrees."""
    i = np.radians(inc)
    return np.sqrt((q_intr * np.sin(i)) ** 2 + np.cos(i) ** 2)


def convolved_sigmas(sigma, qobs, sigma_psf):
    """The luminous Gaussian's sigmas along x and y after the PSF."""
    return np.hypot(sigma, sigma_psf), np.hypot(qobs * sigma, sigma_psf)


def v0(s):
    """The kernel's scale in G M_k / sigma_j: Keplerian below s = 1, harmonic above."""
    return 1 / (1 + s**2) ** 1.5


def pair_maps(inc, q_lum, q_mass, lg_s, lg_p):
    """Exact ``V^2_jk / (G v0)`` at the pair grid, at beta_z = 0 and the probe: (2, 480)."""
    s, p = 10**lg_s, 10**lg_p
    q_j, q_k = observed_ratio(q_lum, inc), observed_ratio(q_mass, inc)
    m, a = pair_axes()
    mm, aa = np.meshgrid(m, a, indexing="ij")
    sx, sy = convolved_sigmas(1.0, q_j, p)
    x, y = (mm * np.cos(aa) * sx).ravel(), (mm * np.sin(aa) * sy).ravel()
    lum = (np.array([1 / (2 * np.pi * q_j)]), np.ones(1), np.array([q_j]))
    pot = (np.array([1 / (2 * np.pi * s**2 * q_k)]), np.array([s]), np.array([q_k]))
    return np.array(
        [
            vrms2_cyl(*lum, *pot, inc, np.array([beta]), x, y, distance=DISTANCE, sigmapsf=p)
            for beta in (0.0, BETA_PROBE)
        ]
    ) / (G_JAMPY * v0(s))


def sample_pairs(n, rng):
    """Pairs ``(inc, q_lum, q_mass, lg_s, lg_p)`` of ``make``, (n, 5)."""
    inc = np.degrees(np.arccos(rng.uniform(0, 1, n)))
    q_lum = rng.uniform(Q_MIN, 1, n)
    q_mass = np.where(rng.uniform(size=n) < 0.3, 1.0, rng.uniform(Q_MIN, 1, n))
    return np.column_stack([inc, q_lum, q_mass, rng.uniform(*LG_S, n), rng.uniform(*LG_P, n)])


def features(pairs):
    """The network's inputs: cos i, both intrinsic and both observed ratios, lg_s, lg_p."""
    inc, q_lum, q_mass, lg_s, lg_p = pairs.T
    return np.column_stack(
        [
            np.cos(np.radians(inc)),
            q_lum,
            q_mass,
            lg_s,
            lg_p,
            observed_ratio(q_lum, inc),
            observed_ratio(q_mass, inc),
        ]
    )


def _make_chunk(pairs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.array([pair_maps(*row) for row in pairs])


def make(args):
    pairs = sample_pairs(args.n, np.random.default_rng(args.seed))
    start = time.perf_counter()
    parts = Parallel(n_jobs=args.n_jobs)(
        delayed(_make_chunk)(pairs[i : i + 500]) for i in range(0, args.n, 500)
    )
    print(f"{args.n} pairs in {time.perf_counter() - start:.0f} s on {args.n_jobs} jobs")
    np.savez(args.out, pairs=pairs, maps=np.concatenate(parts))


def _mlp(width, n_out):
    import torch

    layers, width_in = [], N_INPUTS
    for _ in range(4):
        layers += [torch.nn.Linear(width_in, width), torch.nn.SiLU()]
        width_in = width
    return torch.nn.Sequential(*layers, torch.nn.Linear(width_in, n_out))


def train(args):
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    pairs = np.concatenate([np.load(f)["pairs"] for f in args.data])
    maps = np.concatenate([np.load(f)["maps"] for f in args.data]).reshape(len(pairs), -1)
    x, t = features(pairs), np.arcsinh(maps / TAU)
    n_test = len(x) // 10
    stats = dict(
        x_mean=x[:-n_test].mean(0),
        x_std=x[:-n_test].std(0),
        t_mean=t[:-n_test].mean(0),
        t_std=t[:-n_test].std(0) + 1e-6,
    )
    xt = torch.tensor((x - stats["x_mean"]) / stats["x_std"], dtype=torch.float32)
    tt = torch.tensor((t - stats["t_mean"]) / stats["t_std"], dtype=torch.float32)
    net = _mlp(args.width, t.shape[1])
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    steps = args.epochs * ((len(x) - n_test - 1) // args.batch_size + 1)
    schedule = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2 * args.lr, total_steps=steps)
    start = time.perf_counter()
    for _ in range(args.epochs):
        order = torch.randperm(len(x) - n_test)
        for i in range(0, len(order), args.batch_size):
            rows = order[i : i + args.batch_size]
            loss = torch.nn.functional.mse_loss(net(xt[rows]), tt[rows])
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        pred = np.sinh(net(xt[-n_test:]).numpy() * stats["t_std"] + stats["t_mean"]) * TAU
    true = maps[-n_test:]
    large = np.abs(true) > 0.05  # the kernel's sign changes are weighed by little light
    err = np.abs(pred / true - 1)[large]
    print(
        f"{len(x) - n_test} train / {n_test} held-out pairs, {args.epochs} epochs in "
        f"{seconds:.0f} s on {args.threads} threads: held-out kernel median |E| "
        f"{np.median(err):.2e}, 99th percentile {np.percentile(err, 99):.2e}"
    )
    torch.save(dict(state=net.state_dict(), width=args.width, **stats), args.out)


class PairKernel:
    """A trained kernel (``train``'s file): ``V^2_jk`` of any pair, and sums over an MGE."""

    def __init__(self, path):
        import torch

        saved = torch.load(path, weights_only=False)
        self.stats = {k: saved[k] for k in ("x_mean", "x_std", "t_mean", "t_std")}
        self.net = _mlp(saved["width"], saved["t_mean"].size)
        self.net.load_state_dict(saved["state"])
        self.net.eval()

    def maps(self, pairs):
        """``V^2_jk / (G v0)`` at the pair grid, (n, 2, 480)."""
        import torch

        x = (features(pairs) - self.stats["x_mean"]) / self.stats["x_std"]
        with torch.no_grad():
            t = self.net(torch.tensor(x, dtype=torch.float32)).numpy()
        return (np.sinh(t * self.stats["t_std"] + self.stats["t_mean"]) * TAU).reshape(
            len(pairs), 2, -1
        )

    def galaxy(self, mge, inc, sigma_psf, x, y, mass):
        """V^2 (G M_* / r_e) of a unit-light MGE at (x, y) r_e, at beta_z = 0 and the probe.

        ``mass`` is ``'stars'`` (mass follows light) or log10 of a round Gaussian's sigma.
        """
        surf, sigma, qobs = mge
        light = 2 * np.pi * surf * sigma**2 * qobs
        q_lum = intrinsic_axis_ratio(qobs, inc)
        if mass == "stars":
            m_k, sigma_k, q_k = light, sigma, q_lum
        else:
            m_k, sigma_k, q_k = np.ones(1), np.array([10.0**mass]), np.ones(1)
        j, k = (v.ravel() for v in np.meshgrid(np.arange(light.size), np.arange(m_k.size)))
        s = sigma_k[k] / sigma[j]
        # Beyond the trained ratios the kernel's shape no longer changes: a narrower mass
        # is a point mass, a wider one a harmonic potential whose scale v0 keeps.
        pairs = np.column_stack(
            [
                np.full(j.size, inc),
                q_lum[j],
                q_k[k],
                np.clip(np.log10(s), *LG_S),
                np.clip(np.log10(sigma_psf / sigma[j]), *LG_P),
            ]
        )
        kernel = self.maps(pairs) * (m_k[k] / sigma[j] * v0(s))[:, None, None]
        total, surface = np.zeros((2, x.size)), np.zeros(x.size)
        for lum in range(light.size):
            sx, sy = convolved_sigmas(sigma[lum], qobs[lum], sigma_psf)
            xs, ys = np.abs(x) / sx, np.abs(y) / sy
            radius = np.hypot(xs, ys)
            s_lum = light[lum] / (2 * np.pi * sx * sy) * np.exp(-0.5 * radius**2)
            surface += s_lum
            weights = (
                polar_interpolation(np.minimum(radius, M_MAX), np.arctan2(ys, xs), *pair_axes(), M0)
                * (radius <= M_MAX)[:, None]
            )
            total += s_lum * np.einsum("pg,cbg->bp", weights, kernel[j == lum])
        return total / surface


def evaluate(args):
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_general_emulator import mgefit_mges

    from sklearn_jam.datasets import JAMPY_MGES
    from sklearn_jam.emulator.general import (
        grid_points,
        load_general_pretrained,
        normalised_mge,
        photometry_features,
    )
    from sklearn_jam.general import unit_maps_of_mge
    from sklearn_jam.jam import MIN_Q_INTR, inc_from_qmin

    kernel, shipped = PairKernel(args.net), load_general_pretrained()
    mges = {f"{k} (jampy)": v for k, v in JAMPY_MGES.items()} | mgefit_mges()
    x, y = grid_points()
    inside = np.hypot(x, y) <= 2.5
    rng = np.random.default_rng(5)
    print(
        f"max |E| of V^2 over {args.n_models} random models each, grid points within 2.5 r_e: "
        "worst (median of models); stars and one mass Gaussian, beta_z = 0 and the probe"
    )
    for name, mge in mges.items():
        mge = normalised_mge(*(np.asarray(v, dtype=float) for v in mge))[0]
        inc_low = float(inc_from_qmin(MIN_Q_INTR * 1.01, mge[2].min()))
        photometry = photometry_features(*mge)
        errors = []
        for _ in range(args.n_models):
            inc, lg = rng.uniform(inc_low, 90), rng.uniform(-3.5, 2.5)
            sigma_psf = 10 ** rng.uniform(-3, np.log10(0.3))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                exact = unit_maps_of_mge(mge, inc, sigma_psf, 0.0, lg, x, y)[:2]
                old = shipped.unit_maps(photometry, [inc], [sigma_psf], [lg], mge=mge)[0]
            new = np.stack([kernel.galaxy(mge, inc, sigma_psf, x, y, m) for m in ("stars", lg)])
            errors.append([np.abs(v / exact - 1)[..., inside].max(axis=(1, 2)) for v in (new, old)])
        e = np.array(errors)  # (model, design, component)
        print(
            f"{name:24s} pairs: stars {e[:, 0, 0].max():.2e} ({np.median(e[:, 0, 0]):.2e}), "
            f"Gaussian {e[:, 0, 1].max():.2e} ({np.median(e[:, 0, 1]):.2e}) | shipped: "
            f"stars {e[:, 1, 0].max():.2e} ({np.median(e[:, 1, 0]):.2e}), Gaussian "
            f"{e[:, 1, 1].max():.2e} ({np.median(e[:, 1, 1]):.2e})",
            flush=True,
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("make")
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--n-jobs", type=int, default=2)
    p = sub.add_parser("train")
    p.add_argument("--data", nargs="+", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--threads", type=int, default=2)
    p = sub.add_parser("evaluate")
    p.add_argument("--net", required=True)
    p.add_argument("--n-models", type=int, default=6)
    args = parser.parse_args()
    {"make": make, "train": train, "evaluate": evaluate}[args.command](args)


if __name__ == "__main__":
    main()
