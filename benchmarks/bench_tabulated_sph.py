"""``JamKinematics(align='sph', engine='tabulated')`` against the exact engine and jampy 9.

On jampy's dark-halo example (M32's MGE, its PSF, 2" spaxels, the NFW halo fixed,
the example's priors), with every ``--every``-th bin, one thread:

- the time to tabulate the galaxy in the inclination and the anisotropy
  (:func:`~sklearn_jam.jam.tabulated.tabulate_sph`, ``encode``);
- the table against the exact engine at ``--n-models`` random models inside the
  priors (max relative error per model);
- milliseconds per model: the table over a batch of ``--n-walkers`` walkers, the
  exact engine (one model), and one jampy 9 call at its defaults (in a subprocess
  of ``--jampy9-python``) at the example's start, with jampy 9's difference from
  the exact engine there beside its time.

``--anisotropy ratio``: a constant ``sigma_theta / sigma_r`` (the analytic engine);
``--anisotropy ratio_eq37``: jampy 9's eq. (37), as its Bayesian examples (the
angular engine, about 20 s a table node on all bins).

Usage: python benchmarks/bench_tabulated_sph.py --jampy9-python PY [--every 8]
       [--anisotropy ratio] [--n-models 32] [--n-walkers 32] [--table-nodes 24 12]
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from sklearn_jam.datasets import load_jampy_example
from sklearn_jam.exceptions import UnphysicalModelWarning
from sklearn_jam.utils import best_time, format_table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_spherical import run_jampy9  # noqa: E402
from bench_tabulated import SETUPS, estimator, random_models  # noqa: E402

#: The anisotropy parameter of each ``--anisotropy``, over the example's prior.
PARAMETER = {"ratio": "ratio_th", "ratio_eq37": "ratio_eq37"}


def sph_estimator(data, anisotropy, **kwargs):
    """The dark-halo example's estimator, spherically aligned, with its priors and start."""
    setup = SETUPS["dark_halo (NFW fixed)"]
    key = PARAMETER[anisotropy]
    rename = {"ratio": key}
    setup = {
        **setup,
        "bounds": {rename.get(k, k): v for k, v in setup["bounds"].items()},
        "p0": {rename.get(k, k): v for k, v in setup["p0"].items()},
        "step": {rename.get(k, k): v for k, v in setup["step"].items()},
    }
    return estimator(setup, data, align="sph", anisotropy=anisotropy, **kwargs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jampy9-python", help="a Python >= 3.12 with jampy 9 installed")
    parser.add_argument("--anisotropy", choices=list(PARAMETER), default="ratio")
    parser.add_argument("--every", type=int, default=8, help="take every n-th bin")
    parser.add_argument("--n-models", type=int, default=32)
    parser.add_argument("--n-walkers", type=int, default=32)
    parser.add_argument(
        "--table-nodes", type=int, nargs=2, default=None, help="n_inc n_ani (default: 24 12)"
    )
    args = parser.parse_args()
    data = load_jampy_example("dark_halo")
    X = data.X[:: args.every]
    exact = sph_estimator(data, args.anisotropy)
    tabulated = sph_estimator(
        data, args.anisotropy, engine="tabulated", table_nodes=args.table_nodes
    )
    params = random_models(exact, max(args.n_models, args.n_walkers))
    start = exact.p0
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", UnphysicalModelWarning)
        t0 = time.perf_counter()
        tabulated.model_vrms({k: v[:1] for k, v in params.items()}, X)
        encode = time.perf_counter() - t0
        batch = {k: v[: args.n_walkers] for k, v in params.items()}
        t_table = best_time(lambda: tabulated.model_vrms(batch, X), 5) / args.n_walkers
        some = {k: v[: args.n_models] for k, v in params.items()}
        t0 = time.perf_counter()
        truth = exact.model_vrms(some, X)
        t_exact = (time.perf_counter() - t0) / args.n_models
        errors = np.abs(tabulated.model_vrms(some, X) / truth - 1).max(1)
        start_exact = exact.model_vrms(start, X)[0]
    physical = np.isfinite(errors)
    print(f"dark halo (NFW fixed), align='sph', anisotropy={args.anisotropy!r}, {len(X)} bins")
    n_inc, n_ani = tabulated._table_cache[1].coef.shape[:2]
    print(f"encode (table of the exact engine, {n_inc} x {n_ani} nodes): {encode:.1f} s, 1 thread")
    print(
        f"table vs exact at {physical.sum()} models in the priors: max {errors[physical].max():.1e}"
        f", median {np.median(errors[physical]):.1e}"
    )
    rows = [
        [f"table, batch of {args.n_walkers}", f"{t_table * 1e3:.3f}", "", ""],
        ["exact engine, one model", f"{t_exact * 1e3:.0f}", "", ""],
    ]
    if args.jampy9_python:
        dyn = {k: v[0] for k, v in exact.dynamical_inputs(start).items()}
        model = dict(
            surf_lum=data.mge[0], sigma_lum=data.mge[1], qobs_lum=data.mge[2],
            surf_pot=dyn["surf_pot"], sigma_pot=dyn["sigma_pot"], qobs_pot=dyn["qobs_pot"],
            inc=float(dyn["inc"]), beta=np.nan if args.anisotropy == "ratio_eq37" else float(
                dyn["beta"][0]), distance=data.distance, mbh=0.0,
        )  # fmt: skip
        psf = dict(sigmapsf=np.atleast_1d(data.observing["sigmapsf"]),
                   normpsf=np.atleast_1d(data.observing.get("normpsf", 1.0)),
                   pixsize=float(data.observing["pixsize"]))  # fmt: skip
        ratio = start["ratio_eq37"] if args.anisotropy == "ratio_eq37" else np.nan
        j9 = run_jampy9(args.jampy9_python, model, psf, X[:, 0], X[:, 1], ratio, ["defaults"])
        j9 = j9["defaults"]
        diff = np.abs(np.asarray(j9["vrms"]) / start_exact - 1).max()
        rows.append(
            ["jampy 9 defaults, one call", f"{j9['seconds'] * 1e3:.0f}", f"{diff:.1e}",
             f"{j9['seconds'] / t_table:.0f}"]
        )  # fmt: skip
    print(format_table(rows, ["", "ms per model", "vs exact (start)", "x the table"]))


if __name__ == "__main__":
    main()
