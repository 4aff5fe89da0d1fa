"""``JamSimulator(align='sph')`` maps against jampy 9 on the same galaxies, in the same run.

For ``--n-samples`` galaxies of the paper's prior (the Sersic family), each on the 200
points of the default polar grid, unconvolved, one thread:

- sklearn_jam: ``JamSimulator(align='sph', anisotropy=...).transform`` of one galaxy
  (its deterministic MGE and the engine), seconds per map, and its error against the
  engine's line-of-sight rule at the points at ``--reference-nodes`` (itself within
  6.7e-7 of the adaptive-quadrature truth on the hard cases, ``docs/physics.rst``);
- the same engine by that rule at its default nodes (the route of every unconvolved
  ``beta(theta)`` call before 0.3.5);
- jampy 9's ``jam_axi_proj`` at its defaults (in a subprocess of ``--jampy9-python``) on
  the same MGE, with eq. (37)'s ``beta_fun`` of ``ratio = sqrt(1 - beta_z)`` or the
  constant ``beta_r``: seconds per call and its error against the same reference;
- the simulator at fewer engine nodes (``--nodes``).

Usage: python benchmarks/bench_simulator_sph.py --jampy9-python PY [--n-samples 6]
       [--anisotropy eq37]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from sklearn_jam import JamSimulator
from sklearn_jam.jam import jam_axi_sph, sersic_mge, spherical, vrms_unit
from sklearn_jam.jam.alignment import engine_beta
from sklearn_jam.utils import format_table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_angular import _line_of_sight_rule  # noqa: E402
from bench_spherical import run_jampy9  # noqa: E402

NO_PSF = dict(sigmapsf=np.array([0.0]), normpsf=np.array([1.0]), pixsize=0.0)


def engine_model(row, anisotropy, distance):
    """``jam_axi_sph``'s keywords (without the points) for one galaxy of the family."""
    n_ser, r_ser, q_l, q_m, beta, inc = row
    surf, sigma_re = sersic_mge(n_ser)
    sigma, ones = sigma_re * r_ser, np.ones_like(surf)
    return dict(
        surf_lum=surf, sigma_lum=sigma, qobs_lum=q_l * ones,
        surf_pot=surf, sigma_pot=sigma, qobs_pot=q_m * ones,
        inc=float(inc), beta=engine_beta(anisotropy, float(beta), ones),
        distance=distance, mbh=0.0,
    )  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jampy9-python", help="a Python >= 3.12 with jampy 9 installed")
    parser.add_argument("--n-samples", type=int, default=6)
    parser.add_argument("--anisotropy", choices=["eq37", "constant"], default="eq37")
    parser.add_argument("--reference-nodes", type=int, default=96)
    parser.add_argument("--nodes", type=int, nargs="*", default=[32, 24], help="fewer nodes")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    sim = JamSimulator(align="sph", anisotropy=args.anisotropy)
    fewer = {
        n: JamSimulator(align="sph", anisotropy=args.anisotropy, n_nodes=n) for n in args.nodes
    }
    params = sim.sample_params(args.n_samples, random_state=args.seed)
    x, y = sim.grid.x, sim.grid.y
    times = {"sim": [], **{n: [] for n in fewer}, "rule": [], "jampy": []}
    errors = {k: [] for k in times}
    with threadpool_limits(1):
        for row in params:
            model = engine_model(row, args.anisotropy, sim.distance)
            unit = vrms_unit(model["surf_pot"], model["sigma_pot"], row[3], row[1], sim.distance)
            with _line_of_sight_rule():
                ref = jam_axi_sph(**model, x=x, y=y, n_nodes=args.reference_nodes) / unit
                t0 = time.perf_counter()
                rule = jam_axi_sph(**model, x=x, y=y) / unit
                times["rule"].append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            maps = sim.transform(row[None])[0]
            times["sim"].append(time.perf_counter() - t0)
            errors["sim"].append(np.max(np.abs(maps / ref - 1)))
            for n, other in fewer.items():
                t0 = time.perf_counter()
                maps = other.transform(row[None])[0]
                times[n].append(time.perf_counter() - t0)
                errors[n].append(np.max(np.abs(maps / ref - 1)))
            errors["rule"].append(np.max(np.abs(rule / ref - 1)))
            if args.jampy9_python:
                plain = {**model, "beta": float(row[4])}
                ratio = np.sqrt(1 - row[4]) if args.anisotropy == "eq37" else np.nan
                res = run_jampy9(args.jampy9_python, plain, NO_PSF, x, y, ratio, ["defaults"])
                res = res["defaults"]
                if "failed" in res:
                    print(f"jampy 9 failed on {row}: {res['failed']}")
                    continue
                times["jampy"].append(res["seconds"])
                errors["jampy"].append(np.max(np.abs(np.asarray(res["vrms"]) / unit / ref - 1)))
    labels = {
        "sim": f"JamSimulator(align='sph', anisotropy={args.anisotropy!r})",
        **{n: f"the same, n_nodes={n}" for n in fewer},
        "rule": "the engine by the line-of-sight rule at the points",
        "jampy": "jampy 9 defaults (its own call only)",
    }
    rows = [
        [labels[k], f"{1e3 * np.median(times[k]):.0f} ({1e3 * min(times[k]):.0f}-"
         f"{1e3 * max(times[k]):.0f})", f"{max(errors[k]):.1e} ({np.median(errors[k]):.1e})"]
        for k in labels if times[k]
    ]  # fmt: skip
    print(f"{len(params)} galaxies of the prior, {x.size} points, unconvolved, one thread; "
          f"MERIDIONAL_MIN_POINTS = {spherical.MERIDIONAL_MIN_POINTS}")  # fmt: skip
    header = ["model", "ms per map: median (range)", "max |err| (median)"]
    print(format_table(rows, header))


if __name__ == "__main__":
    main()
