"""``JamKinematics(engine='tabulated')`` against the exact engine and jampy, on jampy's examples.

For jampy's dark-halo example (its NFW halo fixed, and with gamma and the break
radius free) and its black-hole example (M32's MGE, the example's PSF, spaxels,
bins and priors), in the same run:

- the time to tabulate the galaxy (``encode``);
- accuracy at ``--n-models`` random models inside the priors (those with
  V_rms^2 > 0 at every bin), against the exact engine at 96 quadrature nodes
  (converged to 1e-8 on these set-ups): the tabulated engine, the exact engine
  at its defaults and jampy 8's ``jam_axi_proj`` with its defaults (at the
  example's starting point);
- seconds per model on one thread: one jampy call, the exact engine and the
  table over a batch of ``--n-walkers`` walkers, divided by their number;
- the example's fit with both engines, with its own sampler (AdaMet, its
  settings, ``--n-steps`` steps) and with emcee (24 walkers x ``--n-steps / 4``
  steps, every step one batched call, as ``examples/jampy_dark_halo.py
  --sampler emcee``): wall time (the table's encoding included) and every
  posterior median's difference in units of the exact posterior's sigma; and the
  tabulated fit reweighted by the exact engine (``fit(..., reweight=True)``): its
  wall time, the weights' effective sample size and Pareto k, and its medians.

The halo's MGE cache is cleared before every timed call: walkers of a real step
have different halos.

Usage: python benchmarks/bench_tabulated.py [--n-models 256] [--n-walkers 32]
       [--n-steps 1000] [--repeat 3] [--setups NAME ...]
"""

import argparse
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from sklearn_jam import JamKinematics
from sklearn_jam.datasets import load_jampy_example
from sklearn_jam.exceptions import ChainConvergenceWarning, UnphysicalModelWarning
from sklearn_jam.jam.crosscheck import compare_with_jampy
from sklearn_jam.kinematics import _halo_mge
from sklearn_jam.utils import best_time, format_table

LG_ML0 = np.log10(1.4)

# The examples' models, priors, starts and AdaMet proposals (their sigpar).
SETUPS = {
    "dark_halo (NFW fixed)": dict(
        data="dark_halo",
        model=dict(mass_model="gnfw", fixed={"gamma": -1.0, "rbreak_kpc": 20.0}),
        bounds={"ratio": (0.5, 1.0), "f_dm": (0.0, 0.5), "lg_ml": (LG_ML0 - 0.2, LG_ML0 + 0.2)},
        p0={"q_min": 0.55, "ratio": 0.9, "f_dm": 0.15, "lg_ml": LG_ML0},
        step={"q_min": 0.15, "ratio": 0.15, "f_dm": 0.05, "lg_ml": 0.05},
    ),
    "dark_halo (gamma, r_break free)": dict(
        data="dark_halo",
        model=dict(mass_model="gnfw"),
        bounds={
            "ratio": (0.5, 1.0),
            "f_dm": (0.0, 0.5),
            "lg_ml": (LG_ML0 - 0.2, LG_ML0 + 0.2),
            "gamma": (-1.6, 0.0),
            "rbreak_kpc": (5.0, 50.0),
        },
        p0={"q_min": 0.55, "ratio": 0.9, "f_dm": 0.15, "lg_ml": LG_ML0, "gamma": -1.0},
        step={"q_min": 0.15, "ratio": 0.15, "f_dm": 0.05, "lg_ml": 0.05, "gamma": 0.2},
    ),
    "black_hole": dict(
        data="black_hole",
        model=dict(mass_model="light", black_hole=True),
        bounds={"ratio": (0.5, 1.0), "lg_mbh": (5.0, 8.0), "lg_ml": (LG_ML0 - 0.2, LG_ML0 + 0.2)},
        p0={"q_min": 0.4, "ratio": 0.9, "lg_mbh": np.log10(2.5e6), "lg_ml": LG_ML0},
        step={"q_min": 0.15, "ratio": 0.15, "lg_mbh": 0.1, "lg_ml": 0.05},
    ),
}


def estimator(setup, data, **kwargs):
    """The example's JamKinematics (by default AdaMet with its proposal; its priors and start)."""
    bounds = {"q_min": (0.051, data.qobs_lum.min())} | setup["bounds"]
    options = dict(sampler="adamet", burn=0.0) | kwargs
    if options["sampler"] == "adamet":
        options.setdefault("step_sigma", setup["step"])
    return JamKinematics(
        *data.mge,
        data.distance,
        **data.observing,
        **setup["model"],
        bounds=bounds,
        p0=setup["p0"],
        random_state=2,
        progress=False,
        **options,
    )


def random_models(fit, n, seed=0):
    """``n`` models drawn uniformly inside the priors, as a dict of (n,) arrays."""
    setup = fit._setup()
    rng = np.random.default_rng(seed)
    theta = rng.uniform(setup["low"], setup["high"], (n, len(setup["free"])))
    return dict(zip(setup["free"], theta.T, strict=True))


def accuracy(setup, data, n_models):
    """Per-model max relative errors against the engine at 96 nodes, and the encoding time."""
    exact, truth_fit = estimator(setup, data), estimator(setup, data, n_nodes=96)
    tabulated = estimator(setup, data, engine="tabulated")
    params = random_models(exact, n_models)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnphysicalModelWarning)
        truth = truth_fit.model_vrms(params, data.X)
        t0 = time.perf_counter()
        table = tabulated.model_vrms({k: v[:1] for k, v in params.items()}, data.X)
        encode = time.perf_counter() - t0
        del table
        errors = {
            "tabulated": tabulated.model_vrms(params, data.X),
            "exact (defaults)": exact.model_vrms(params, data.X),
        }
    physical = ~np.isnan(truth).any(1)
    errors = {k: np.abs(v[physical] / truth[physical] - 1).max(1) for k, v in errors.items()}
    return errors, int(physical.sum()), encode, params, tabulated, exact


def speed(data, exact, tabulated, params, n_walkers, repeat):
    """Seconds per model of one jampy call, and of the engines over a batch of walkers."""
    setup = exact._setup()
    start = {k: 0.5 * (setup["bounds"][k][0] + setup["bounds"][k][1]) for k in setup["free"]}
    start |= exact.p0
    cmp = compare_with_jampy(exact, start, data.X, n_batch=n_walkers, repeat=repeat)
    batch = {k: v[:n_walkers] for k, v in params.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnphysicalModelWarning)
        t_exact, t_tab = (
            best_time(lambda fit=fit: uncached(fit, batch, data.X), repeat) / n_walkers
            for fit in (exact, tabulated)
        )
    truth = estimator_truth_at(exact, start, data)
    jampy_error = float(np.abs(cmp["vrms_jampy"] / truth - 1).max())
    return cmp["jampy_seconds"], t_exact, t_tab, jampy_error


def uncached(fit, params, X):
    """``fit.model_vrms`` with the halo's MGE computed afresh for every model."""
    _halo_mge.cache_clear()
    return fit.model_vrms(params, X)


def estimator_truth_at(exact, start, data):
    """The engine at 96 nodes at one model (jampy's accuracy is measured against it)."""
    truth = exact.set_params(n_nodes=96).model_vrms(start, data.X)[0]
    exact.set_params(n_nodes=None)
    return truth


def fits(setup, data, n_steps):
    """The example's fit with both engines and both samplers: wall time, posterior summaries."""
    erms = data.erms * (2 * data.vrms.size) ** 0.25  # the example's systematic-error recipe
    samplers = {
        f"AdaMet, {n_steps} steps": dict(n_steps=n_steps),
        f"emcee, 24 walkers x {n_steps // 4} steps": dict(
            sampler="emcee", n_walkers=24, n_steps=n_steps // 4, burn=0.5
        ),
    }
    out = {}
    for label, sampling in samplers.items():
        for run in ("exact", "tabulated", "reweighted"):
            engine = "exact" if run == "exact" else "tabulated"
            fit = estimator(setup, data, engine=engine, **sampling)
            _halo_mge.cache_clear()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ChainConvergenceWarning)
                warnings.simplefilter("ignore", UnphysicalModelWarning)
                t0 = time.perf_counter()
                fit.fit(data.X, data.vrms, erms, reweight=run == "reweighted")
                seconds = time.perf_counter() - t0
            out[label, run] = (seconds, fit.encode_seconds_, fit.n_calls_, fit.summary_)
            if run == "reweighted":
                out[label, "weights"] = (fit.reweight_ess_ / len(fit.samples_), fit.pareto_k_)
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-models", type=int, default=256)
    parser.add_argument("--n-walkers", type=int, default=32)
    parser.add_argument("--n-steps", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--setups", nargs="+", choices=list(SETUPS), default=list(SETUPS))
    args = parser.parse_args()

    for name in args.setups:
        setup = SETUPS[name]
        data = load_jampy_example(setup["data"])
        with threadpool_limits(1):
            errors, n_physical, encode, params, tabulated, exact = accuracy(
                setup, data, args.n_models
            )
            t_jampy, t_exact, t_tab, jampy_error = speed(
                data, exact, tabulated, params, args.n_walkers, args.repeat
            )
            fit = fits(setup, data, args.n_steps)
        print(f"\n## {name}: {data.X.shape[0]} bins, encode {encode:.2f} s (one thread)\n")
        rows = [[k, f"{np.max(v):.1e}", f"{np.median(v):.1e}"] for k, v in errors.items()]
        print(f"max relative error per model, {n_physical} models, vs the engine at 96 nodes")
        print(format_table(rows, ["engine", "max", "median"]))
        print(f"jampy 8 (defaults) at the example's start: {jampy_error:.1e}\n")
        rows = [
            ["jampy 8, one call", f"{t_jampy * 1e3:.1f}", "1"],
            [
                f"exact, batch of {args.n_walkers}",
                f"{t_exact * 1e3:.2f}",
                f"{t_jampy / t_exact:.0f}",
            ],
            [
                f"tabulated, batch of {args.n_walkers}",
                f"{t_tab * 1e3:.3f}",
                f"{t_jampy / t_tab:.0f}",
            ],
        ]
        print(format_table(rows, ["", "ms per model", "x jampy"]))
        for label in dict.fromkeys(k[0] for k in fit):
            (t_ex, _, n_calls, s_ex), (t_tb, enc, _, s_tb), (t_rw, _, _, s_rw) = (
                fit[label, e] for e in ("exact", "tabulated", "reweighted")
            )
            ess, pareto_k = fit[label, "weights"]
            print(
                f"\n{label} ({n_calls} models): exact {t_ex:.1f} s, tabulated {t_tb:.2f} s "
                f"(encode {enc:.2f} s included): {t_ex / t_tb:.0f}x; reweighted by the exact "
                f"engine {t_rw:.1f} s ({t_ex / t_rw:.1f}x; ESS {ess:.3f} of the samples, "
                f"Pareto k {pareto_k:.2f})"
            )
            rows = []
            for key, exact_summary in s_ex.items():
                p16, p50, p84 = exact_summary[:3]
                shift = (s_tb[key][1] - p50) / (0.5 * (p84 - p16))
                shift_rw = (s_rw[key][1] - p50) / (0.5 * (p84 - p16))
                rows.append(
                    [
                        key,
                        f"{p16:.4g}",
                        f"{p50:.4g}",
                        f"{p84:.4g}",
                        f"{s_tb[key][1]:.4g}",
                        f"{shift:+.3f}",
                        f"{s_rw[key][1]:.4g}",
                        f"{shift_rw:+.3f}",
                    ]
                )
            headers = [
                "parameter",
                "exact p16",
                "median",
                "p84",
                "tabulated median",
                "shift (sigma)",
                "reweighted median",
                "shift (sigma)",
            ]
            print(format_table(rows, headers))


if __name__ == "__main__":
    main()
