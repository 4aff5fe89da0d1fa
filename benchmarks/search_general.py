"""Measure the design choices of the general emulator (issue 19) on the general family.

Usage:
    python benchmarks/search_general.py make --n 8000 --seed 1 --out train.npz [--n-jobs 2]
    python benchmarks/search_general.py interp --data test.npz [--n-galaxies 16]
    python benchmarks/search_general.py train --train train.npz --test test.npz
        [--design components|direct] [--seconds 600] [--width 512] [--depth 4]

``make`` draws galaxies of :mod:`sklearn_jam.general` and computes, with the exact
engine, each mass component's V_rms^2 split by the anisotropy factor
(:func:`~sklearn_jam.general.general_basis`) on an output grid of ``--n-rad`` radii
(``r = 0.01 sinh(s) r_e``, uniform in ``s`` from the centre to 2.5 r_e: linear inside
the PSF floor, logarithmic outside) and ``--n-ang`` angles over the quadrant, PSF
and spaxels applied at every grid point.

``interp`` measures what interpolating those grid maps to bins anywhere inside
2.5 r_e costs in accuracy (a cosine series in angle, a cubic spline in ``s``),
against the exact engine at the bins.

``train`` fits a plain MLP (torch, cosine learning-rate schedule over
``--seconds``) and prints the accuracy figures of the issue on the test galaxies:
``components`` emulates the six component maps (log of each ``iso``,
``aniso / iso``) from the MGE's profile, ``cos(inc)``, the PSF, the spaxel and the
halo's shape, and recombines them with the exact weights (``beta_z``, ``f_dm`` and
``M_BH`` enter only there); ``direct`` emulates log V_rms from the same inputs
plus ``beta_z, f_dm, lg_mbh``. Both see the galaxy only through its MGE.
"""

import argparse
import time

import numpy as np
from joblib import Parallel, delayed

from sklearn_jam.general import (
    GENERAL_PARAM_NAMES,
    combine_basis,
    general_basis,
    general_mge,
    general_weights,
    sample_general,
)

COL = {name: i for i, name in enumerate(GENERAL_PARAM_NAMES)}
R0 = 0.01  # r_e: the PSF floor, where the radial spacing turns from linear to logarithmic
R_MAX = 2.5
#: Radii (r_e) at which the MGE's surface brightness is given to the network.
R_FEATURES = np.geomspace(0.01, 4.0, 12)


def output_grid(n_rad, n_ang):
    """Radii (r_e), angles (rad) and the flattened points of the output grid."""
    rad = R0 * np.sinh(np.linspace(0, np.arcsinh(R_MAX / R0), n_rad))
    ang = np.radians(np.linspace(0, 90, n_ang))
    r, a = np.meshgrid(rad, ang, indexing="ij")
    return rad, ang, (r * np.cos(a)).ravel(), (r * np.sin(a)).ravel()


def make(args):
    rad, ang, x, y = output_grid(args.n_rad, args.n_ang)
    params = sample_general(args.n, args.seed)
    start = time.perf_counter()
    chunks = np.array_split(params, max(1, args.n // 50))
    parts = Parallel(n_jobs=args.n_jobs)(delayed(general_basis)(c, x, y) for c in chunks)
    seconds = time.perf_counter() - start
    iso, aniso = (np.concatenate([p[i] for p in parts]) for i in (0, 1))
    np.savez(args.out, params=params, iso=iso, aniso=aniso, rad=rad, ang=ang, x=x, y=y)
    print(
        f"{args.n} galaxies x {x.size} points in {seconds:.0f} s on {args.n_jobs} jobs "
        f"({seconds * args.n_jobs / args.n * 1e3:.0f} ms per galaxy per core)"
    )


def grid_to_bins(maps, rad, ang, r_bins, t_bins):
    """Grid maps (n_galaxies, n_rad * n_ang) at polar bins: cosine series in angle, spline in s."""
    from scipy.interpolate import CubicSpline

    modes = 2 * np.arange(ang.size)
    to_coef = np.linalg.inv(np.cos(modes[None, :] * ang[:, None]))
    coef = maps.reshape(len(maps), rad.size, ang.size) @ to_coef.T
    coef = coef.transpose(1, 0, 2)  # (n_rad, n_galaxies, n_modes)
    # V_rms^2 is even in r through the centre: zero slope there.
    zero = np.zeros(coef.shape[1:])
    spline = CubicSpline(np.arcsinh(rad / R0), coef, bc_type=((1, zero), "not-a-knot"))
    at_r = spline(np.arcsinh(r_bins / R0))  # (n_bins, n_galaxies, n_modes)
    return (at_r * np.cos(modes * t_bins[:, None])[:, None, :]).sum(-1).T


def interp(args):
    data = np.load(args.data)
    params, rad, ang = data["params"][: args.n_galaxies], data["rad"], data["ang"]
    iso, aniso = data["iso"][: args.n_galaxies], data["aniso"][: args.n_galaxies]
    rng = np.random.default_rng(0)
    r_bins = R_MAX * np.sqrt(rng.uniform(size=args.n_bins))  # uniform over the disk
    t_bins = rng.uniform(0, 2 * np.pi, args.n_bins)
    x, y = r_bins * np.cos(t_bins), r_bins * np.sin(t_bins)
    weights, b_minus_1 = general_weights(params)
    exact = combine_basis(*general_basis(params, x, y), weights, b_minus_1)
    folded = np.arctan2(np.abs(y), np.abs(x))  # the maps' four-fold symmetry
    at_bins = [
        np.stack([grid_to_bins(m[:, c], rad, ang, r_bins, folded) for c in range(3)], 1)
        for m in (iso, aniso)
    ]
    err = np.abs(combine_basis(*at_bins, weights, b_minus_1) / exact - 1)
    print(
        f"grid {rad.size} x {ang.size} -> {args.n_bins} random bins, {len(params)} galaxies: "
        f"max |E| {err.max():.2e}, median {np.median(err):.2e}, "
        f"maps with max |E| < 1e-3: {np.mean(err.max(1) < 1e-3):.3f}"
    )


def photometry(params):
    """log10 of the MGE's surface brightness on the major and minor axes at R_FEATURES."""
    surf, sigma, qobs = general_mge(params)
    out = []
    for angle in (0.0, np.pi / 2):
        x, y = R_FEATURES * np.cos(angle), R_FEATURES * np.sin(angle)
        arg = (x[:, None] ** 2 + (y[:, None] / qobs[:, None, :]) ** 2) / sigma[:, None, :] ** 2
        out.append(np.log10((surf[:, None, :] * np.exp(-0.5 * arg)).sum(-1)))
    return np.concatenate(out, 1)


def features(params, design):
    names = ["sigma_psf", "pixsize", "gamma", "lg_rbreak"]
    if design == "direct":
        names += ["beta_z", "f_dm", "lg_mbh"]
    cos_inc = np.cos(np.radians(params[:, [COL["inc"]]]))
    return np.concatenate([photometry(params), cos_inc, params[:, [COL[n] for n in names]]], 1)


def targets(data, design):
    """The network's targets and what the accuracy is measured on."""
    params, iso, aniso = data["params"], data["iso"], data["aniso"]
    weights, b_minus_1 = general_weights(params)
    vrms = combine_basis(iso, aniso, weights, b_minus_1)
    if design == "direct":
        return np.log(vrms), vrms, weights, b_minus_1
    n = len(params)
    y = np.concatenate([np.log(iso).reshape(n, -1), (aniso / iso).reshape(n, -1)], 1)
    return y, vrms, weights, b_minus_1


def from_targets(pred, weights, b_minus_1, design, n_points):
    if design == "direct":
        return np.exp(pred)
    n = len(pred)
    iso = np.exp(pred[:, : 3 * n_points]).reshape(n, 3, n_points)
    aniso = pred[:, 3 * n_points :].reshape(n, 3, n_points) * iso
    return combine_basis(iso, aniso, weights, b_minus_1)


def train(args):
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    test_data = np.load(args.test)
    train_data = {
        key: np.concatenate([np.load(path)[key] for path in args.train])
        for key in ("params", "iso", "aniso")
    }
    x_train, x_test = (features(d["params"], args.design) for d in (train_data, test_data))
    y_train = targets(train_data, args.design)[0]
    _, vrms_test, weights, b_minus_1 = targets(test_data, args.design)
    x_mean, x_std = x_train.mean(0), x_train.std(0) + 1e-12
    y_mean, y_std = y_train.mean(0), y_train.std(0) + 1e-12

    def tensor(a):
        return torch.tensor(a, dtype=torch.float32)

    xt, yt = tensor((x_train - x_mean) / x_std), tensor((y_train - y_mean) / y_std)
    layers, width_in = [], xt.shape[1]
    for _ in range(args.depth):
        layers += [torch.nn.Linear(width_in, args.width), torch.nn.SiLU()]
        width_in = args.width
    net = torch.nn.Sequential(*layers, torch.nn.Linear(width_in, yt.shape[1]))
    opt = torch.optim.Adam(net.parameters(), lr=args.lr)
    start, epochs = time.perf_counter(), 0
    while (elapsed := time.perf_counter() - start) < args.seconds:
        for group in opt.param_groups:  # cosine annealing over the time budget
            group["lr"] = args.lr * 0.5 * (1 + np.cos(np.pi * elapsed / args.seconds)) + 1e-6
        order = torch.randperm(len(xt))
        for i in range(0, len(xt), args.batch_size):
            rows = order[i : i + args.batch_size]
            loss = torch.nn.functional.mse_loss(net(xt[rows]), yt[rows])
            opt.zero_grad()
            loss.backward()
            opt.step()
        epochs += 1
    with torch.no_grad():
        pred = net(tensor((x_test - x_mean) / x_std)).double().numpy() * y_std + y_mean
    vrms = from_targets(pred, weights, b_minus_1, args.design, vrms_test.shape[1])
    err = np.abs(vrms / vrms_test - 1)
    worst = np.nanmax(err, 1)
    if args.save:
        np.savez(args.save, params=test_data["params"], emulated=vrms, exact=vrms_test)
    print(
        f"{args.design}: {len(xt)} train / {len(err)} test galaxies, width {args.width} x "
        f"{args.depth}, {epochs} epochs in {args.seconds:.0f} s on {args.threads} threads: "
        f"maps with max |E| < 1%: {np.mean(worst < 0.01):.4f}, < 2%: {np.mean(worst < 0.02):.4f}; "
        f"median |E| {np.nanmedian(err):.2e}; 99th percentile of max |E| "
        f"{np.nanpercentile(worst, 99):.2e}; "
        f"non-finite maps {np.mean(~np.isfinite(vrms).all(1)):.4f}"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("make")
    p.add_argument("--n", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--n-jobs", type=int, default=2)
    p.add_argument("--n-rad", type=int, default=22)
    p.add_argument("--n-ang", type=int, default=6)
    p = sub.add_parser("interp")
    p.add_argument("--data", required=True)
    p.add_argument("--n-galaxies", type=int, default=16)
    p.add_argument("--n-bins", type=int, default=60)
    p = sub.add_parser("train")
    p.add_argument("--train", required=True, nargs="+", help="one or more files of make")
    p.add_argument("--test", required=True)
    p.add_argument("--design", choices=("components", "direct"), default="components")
    p.add_argument("--seconds", type=float, default=600)
    p.add_argument("--width", type=int, default=512)
    p.add_argument("--depth", type=int, default=4)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--save", help="write the test galaxies' emulated and exact maps here (npz)")
    args = parser.parse_args()
    {"make": make, "interp": interp, "train": train}[args.command](args)


if __name__ == "__main__":
    main()
