"""The spherically aligned engine against jampy 9, on jampy's dark-halo and black-hole set-ups.

For each set-up (M32's MGE with a fixed round halo, or with a black hole; the bins,
PSF and spaxels of jampy's ``jam_dark_halo_bayes_example.py`` and
``jam_black_hole_bayes_example.py``; a constant ``beta = 1 - 0.9^2``), in one run:

- ``jam_axi_sph`` at its defaults: seconds per model for one call, and for a batch of
  ``--n-walkers`` models divided by their number (one thread);
- the same at ``n_nodes=128``, the converged reference of the comparison (within
  1e-6 of the adaptive-quadrature truth where that was measured, ``docs/physics.rst``);
- the same at fewer nodes (``--sweep``), best of ``--repeat`` calls each, and the ratio to jampy 9's
  defaults at the fewest nodes that are no less accurate than those;
- jampy 9's ``jam_axi_proj`` with its defaults and two finer settings, each called in
  a subprocess of ``--jampy9-python`` (jampy 9 needs Python >= 3.12; it needs only
  NumPy and jampy there): its seconds per call and its error.

Usage::

    python benchmarks/bench_spherical.py --jampy9-python /path/to/py312/bin/python
"""

import argparse
import functools
import json
import subprocess
import sys
import tempfile
from importlib import resources
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from sklearn_jam.jam import jam_axi_sph
from sklearn_jam.utils import best_time, format_table

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from make_psf_reference import HALO, QOBS, SIGMA, SURF, inc_from_qmin  # noqa: E402

BETA = 1 - 0.9**2

#: jampy 9's settings: its defaults, and two refinements (the finest as the issue measured).
JAMPY9_SETTINGS = {
    "defaults": {},
    "nang=30, nlos=150, nrad=100": dict(nang=30, nlos=150, nrad=100),
    "nang=60, nlos=300, nrad=200": dict(nang=60, nlos=300, nrad=200),
}

JAMPY9 = """
import faulthandler, json, sys, time
faulthandler.enable()
import numpy as np
from jampy.axi.jam_axi_proj import jam_axi_proj
d = np.load(sys.argv[1])
kw, repeat = json.loads(sys.argv[2]), int(sys.argv[3])
args = (d["lum"], d["pot"], float(d["inc"]), float(d["mbh"]), float(d["distance"]),
        d["x"], d["y"])
ratio = float(d["ratio"])  # eq. (37) of Cappellari (2026), as jampy 9's examples write it
beta = (lambda r, th: (1 - ratio**(-2*np.cos(2*th)),
                       -4*np.log(ratio)*ratio**(-2*np.cos(2*th))*np.sin(2*th))
        ) if np.isfinite(ratio) else float(d["beta"])
rab, beta0, betainf, alpha = d["logistic"]  # jampy 9's documented logistic beta_fun (r in pc)
if np.isfinite(rab):
    beta = lambda r, th: (beta0 + (betainf - beta0)/(1 + (rab/r)**alpha), np.zeros_like(r))
opts = dict(beta=beta, sigmapsf=d["sigmapsf"], normpsf=d["normpsf"],
            pixsize=float(d["pixsize"]), plot=False, quiet=True, **kw)
if repeat > 1:
    jam_axi_proj(*args, **opts)  # warm up
best = np.inf
for _ in range(repeat):
    t0 = time.perf_counter()
    model = jam_axi_proj(*args, **opts).model
    best = min(best, time.perf_counter() - t0)
print(json.dumps(dict(seconds=best, vrms=model.tolist())))
"""


def setups():
    """(name, model kwargs, psf kwargs, x, y) of the two set-ups."""
    examples = resources.files("jampy") / "examples"
    out = []
    for name, pot, inc, mbh, psf in (
        (
            "dark_halo",
            (np.append(1.4 * SURF, HALO[0]), np.append(SIGMA, HALO[1]), np.append(QOBS, HALO[2])),
            inc_from_qmin(0.55),
            0.0,
            dict(sigmapsf=np.array([4 / 2.355]), normpsf=np.array([1.0]), pixsize=2.0),
        ),
        (
            "black_hole",
            (1.4 * SURF, SIGMA, QOBS),
            inc_from_qmin(0.4),
            2.5e6,
            dict(sigmapsf=np.array([0.04, 0.4]), normpsf=np.array([0.7, 0.3]), pixsize=0.05),
        ),
    ):
        x, y = np.loadtxt(examples / f"jam_mock_kinematics_{name}.txt").T[:2]
        model = dict(
            surf_lum=SURF, sigma_lum=SIGMA, qobs_lum=QOBS, surf_pot=pot[0], sigma_pot=pot[1],
            qobs_pot=pot[2], inc=float(inc), beta=BETA, distance=0.7, mbh=mbh,
        )  # fmt: skip
        out.append((name, model, psf, x, y))
    return out


def run_jampy9(python, model, psf, x, y, ratio=np.nan, settings=None, logistic=None):
    """jampy 9 at each of ``settings``, each in its own process: {label: result}.

    ``ratio`` (finite): eq. (37)'s ``beta(theta)`` instead of the model's constant ``beta``.
    ``logistic``: ``(r_a in pc, beta_0, beta_inf, alpha)`` of jampy 9's logistic
    ``beta_fun`` instead (:class:`~sklearn_jam.jam.anisotropy.LogisticBeta`).
    ``settings``: labels of :data:`JAMPY9_SETTINGS` (None: all).

    A call that crashes (jampy 9.0.2 at the finest settings on the black-hole set-up
    dies in ``numpy.linalg.solve``) is reported with its exit status.
    """
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "inputs.npz"
        np.savez(
            path,
            lum=np.array([model[k] for k in ("surf_lum", "sigma_lum", "qobs_lum")]),
            pot=np.array([model[k] for k in ("surf_pot", "sigma_pot", "qobs_pot")]),
            inc=model["inc"], mbh=model["mbh"], distance=model["distance"], beta=model["beta"],
            ratio=ratio, x=x, y=y, **psf,
            logistic=np.full(4, np.nan) if logistic is None else np.asarray(logistic, float),
        )  # fmt: skip
        for label, kw in JAMPY9_SETTINGS.items():
            if settings is not None and label not in settings:
                continue
            repeat = 3 if label == "defaults" else 1
            command = [python, "-c", JAMPY9, str(path), json.dumps(kw), str(repeat)]
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode == 0:
                out[label] = json.loads(done.stdout.strip().splitlines()[-1])
            else:
                out[label] = dict(failed=f"exit {done.returncode}: {done.stderr.splitlines()[:1]}")
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jampy9-python", help="a Python >= 3.12 with jampy 9 installed")
    parser.add_argument("--n-walkers", type=int, default=32, help="models per batched call")
    parser.add_argument("--repeat", type=int, default=3, help="timings; the best is kept")
    parser.add_argument(
        "--sweep",
        type=int,
        nargs="*",
        default=[12, 16, 24, 32, 48],
        help="node counts timed (best of --repeat calls) besides the defaults",
    )
    args = parser.parse_args(argv)
    rows = []
    with threadpool_limits(1):
        for name, model, psf, x, y in setups():
            ref = jam_axi_sph(**model, **psf, x=x, y=y, n_nodes=128)
            vrms = jam_axi_sph(**model, **psf, x=x, y=y)
            one = best_time(functools.partial(jam_axi_sph, **model, **psf, x=x, y=y), args.repeat)
            batch = {
                k: np.repeat(np.atleast_1d(v)[None], args.n_walkers, 0)
                if k in ("surf_lum", "sigma_lum", "qobs_lum", "surf_pot", "sigma_pot", "qobs_pot")
                else np.full(args.n_walkers, v)
                for k, v in model.items()
            }
            batch["beta"] = np.full((args.n_walkers, len(SURF)), model["beta"])
            batch["inc"] = batch["inc"] + np.linspace(0, 1, args.n_walkers)  # walkers differ
            per_walker = (
                best_time(functools.partial(jam_axi_sph, **batch, **psf, x=x, y=y), args.repeat)
                / args.n_walkers
            )
            err = np.max(np.abs(vrms / ref - 1))
            rows.append([name, "sklearn_jam sph, defaults", f"{1e3 * one:.0f}",
                         f"{1e3 * per_walker:.0f}", f"{err:.1e}"])  # fmt: skip
            # fewer nodes: the engine's speed at the accuracy of jampy 9's defaults
            coarse = {}
            for n_nodes in args.sweep:
                call = functools.partial(jam_axi_sph, **model, **psf, x=x, y=y, n_nodes=n_nodes)
                coarse[n_nodes] = (
                    best_time(call, args.repeat),
                    float(np.max(np.abs(call() / ref - 1))),
                )
                rows.append([name, f"sklearn_jam sph, n_nodes={n_nodes}",
                             f"{1e3 * coarse[n_nodes][0]:.0f}", "",
                             f"{coarse[n_nodes][1]:.1e}"])  # fmt: skip
            if args.jampy9_python:
                j9 = run_jampy9(args.jampy9_python, model, psf, x, y)
                for label, res in j9.items():
                    if "failed" in res:
                        rows.append([name, f"jampy 9, {label}", res["failed"], "", ""])
                        continue
                    err9 = np.max(np.abs(np.asarray(res["vrms"]) / ref - 1))
                    rows.append([name, f"jampy 9, {label}", f"{1e3 * res['seconds']:.0f}", "",
                                 f"{err9:.1e}"])  # fmt: skip
                ratio = j9["defaults"]["seconds"] / per_walker
                rows.append([name, "jampy 9 defaults / batched sph", f"{ratio:.3g}x", "", ""])
                err9 = np.max(np.abs(np.asarray(j9["defaults"]["vrms"]) / ref - 1))
                matched = [n for n in sorted(coarse) if coarse[n][1] <= err9]
                if matched:
                    ratio = j9["defaults"]["seconds"] / coarse[matched[0]][0]
                    label = f"jampy 9 defaults / sph n_nodes={matched[0]} (no less accurate)"
                    rows.append([name, label, f"{ratio:.3g}x", "", ""])
    header = ["set-up", "model", "ms per call", "ms per model (batched)", "max |err| vs 128 nodes"]
    print(format_table(rows, header))


if __name__ == "__main__":
    main()
