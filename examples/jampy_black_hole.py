"""jampy's black-hole example (``jam_black_hole_bayes_example.py``), fitted with sklearn_jam.

The same mock data (read from jampy with importlib.resources), MGE of M32, a
two-Gaussian PSF (sigma 0.04" and 0.4", weights 0.7 and 0.3), 0.05" spaxels, and
the same model: mass follows light plus a black hole, free q_min,
sigma_z/sigma_R, M_BH and lg(M/L), with the example's flat priors (M_BH is sampled
here as lg M_BH over the same range). It prints, side by side with jampy:

1. the model V_rms at the example's starting parameters (the same inputs given
   to jampy's ``jam_axi_proj``, so the difference is the engines');
2. the time per model, jampy one call at a time vs sklearn_jam's batch of walkers;
3. the posterior (median and 16-84%) with the example's own sampler and settings
   (AdaMet, 1000 steps, its proposal dispersions and seed, the whole chain kept),
   here and in jampy's own run (``docs/_static/jampy_examples/jampy_black_hole.json``,
   made by ``scripts/run_jampy_bayes_example.py black_hole``); ``--sampler emcee``
   samples with emcee instead (24 walkers x 250 steps, each step one batched call),

and saves the corner plot and the data-versus-model maps.

``--align sph`` fits jampy 9's version of the example instead: the spherically aligned
model with its eq. (37) anisotropy (``anisotropy='ratio_eq37'``, sigma_theta / sigma_r
on the equator, the same prior 0.5-1.5), a point-mass black hole of M_BH itself
(jampy 9's ``mbh`` with ``ml=1``: bh0 = 2.2e6 Msun, the prior bh0/1.3-bh0*1.3) and
the example's seed, against jampy 9's own run (``docs/_static/jampy9_examples``).
``--table-nodes N_INC N_ANI`` sets the table's Chebyshev nodes with ``--engine
tabulated``.

Run: python examples/jampy_black_hole.py [--quick] [--sampler {adamet,emcee}] [--out DIR]
     [--align {cyl,sph}] [--engine {exact,tabulated}] [--table-nodes 12 6] [--n-jobs 2]
"""

import argparse

import matplotlib

matplotlib.use("Agg")
import numpy as np
from _jampy_example import compare_with_jampy8, jampy_reference_posterior

from sklearn_jam import JamKinematics
from sklearn_jam.cli.fit import posterior_table, save_fit_report
from sklearn_jam.datasets import load_jampy_example

parser = argparse.ArgumentParser(
    description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
)
parser.add_argument("--quick", action="store_true", help="a short chain (for tests)")
parser.add_argument(
    "--sampler",
    choices=["adamet", "emcee"],
    default="adamet",
    help="adamet: the example's own sampler and settings; emcee: batched walkers",
)
parser.add_argument("--out", default="jampy_black_hole", help="output directory")
parser.add_argument(
    "--engine",
    choices=["exact", "tabulated"],
    default="exact",
    help="tabulated: the exact engine tabulated at the bins once, then ~0.05 ms per model",
)
parser.add_argument(
    "--reweight", action="store_true", help="weigh a tabulated posterior by the exact engine"
)
parser.add_argument(
    "--align", choices=["cyl", "sph"], default="cyl", help="sph: jampy 9's example (eq. 37)"
)
parser.add_argument("--table-nodes", type=int, nargs=2, default=None, help="n_inc n_ani")
parser.add_argument("--n-jobs", type=int, default=None, help="threads of the engine")
args = parser.parse_args()
# the anisotropy parameter: jampy 8's sigma_z / sigma_R, or jampy 9's eq. (37) ratio
ratio = "ratio" if args.align == "cyl" else "ratio_eq37"

if args.sampler == "adamet":  # as the example calls it: adamet(..., nstep=1000, seed=3)
    sampling = dict(
        sampler="adamet",
        n_steps=20 if args.quick else 1000,
        burn=0.0,  # the example's percentiles use the whole chain
        # the example's sigpar (its bh0 * 0.1 in M_BH is 0.043 dex in lg M_BH)
        step_sigma={"q_min": 0.1, ratio: 0.05, "lg_mbh": 0.1 / np.log(10), "lg_ml": 0.01},
    )
else:
    sampling = dict(n_walkers=8 if args.quick else 24, n_steps=5 if args.quick else 250)

data = load_jampy_example("black_hole")
lg_ml0, bh0 = np.log10(1.4), (2.5e6 if args.align == "cyl" else 2.2e6)  # jampy 8's, 9's
start = {"q_min": 0.4, ratio: 0.9, "lg_mbh": np.log10(bh0), "lg_ml": lg_ml0}  # the example's p0
fit = JamKinematics(
    *data.mge,
    data.distance,
    **data.observing,  # the PSF and spaxels
    mass_model="light",
    black_hole=True,
    bounds={  # the example's priors
        "q_min": (0.051, data.qobs_lum.min()),
        ratio: (0.5, 1.5),
        "lg_mbh": (np.log10(bh0 / 1.3), np.log10(bh0 * 1.3)),
        "lg_ml": (lg_ml0 - 0.04, lg_ml0 + 0.04),
    },
    p0=start,
    **sampling,
    random_state=3,
    progress=not args.quick,
    engine=args.engine,
    **(dict(align="sph", anisotropy="ratio_eq37") if args.align == "sph" else {}),
    table_nodes=args.table_nodes,
    n_jobs=args.n_jobs,
)

# 1-2. Model and speed against jampy 8, same inputs, same run (the cylindrical model).
cmp = compare_with_jampy8(fit, start, data.X, args)

# 3. The posterior (the example's errors are used as they are).
fit.fit(data.X, data.vrms, data.erms, reweight=args.reweight)
print(
    f"{fit.n_calls_} models in {fit.fit_seconds_:.0f} s (acceptance {fit.acceptance_fraction_:.2f})"
)
# jampy's own run, in the example's parameter order
jampy = jampy_reference_posterior(
    "jampy_black_hole", args.align, ["q_min", ratio, "lg_mbh", "lg_ml"]
)
print(posterior_table(fit, jampy, transforms={"lg_mbh": np.log10}))

comparison = {k: v for k, v in cmp.items() if not k.startswith("vrms")}
# the corner plot in jampy's order and over its ranges (the priors), as its figure
save_fit_report(
    fit,
    data.X,
    data.vrms,
    args.out,
    vrms_err=data.erms,
    corner=dict(order=["q_min", ratio, "lg_mbh", "lg_ml"], ranges="bounds"),
    jampy_comparison=comparison or None,
)
print(f"the chain, tables, corner.png and maps.png written to {args.out}/")
