"""Real-galaxy models: sklearn_jam's engine vs jampy, on jampy's own Bayesian examples.

For each of jampy's ``jam_dark_halo_bayes_example.py`` and
``jam_black_hole_bayes_example.py`` set-ups (M32's MGE, the example's PSF,
spaxels, bins and starting parameters), and the dark halo's with its spaxels
turned by ``pixang=30`` (as an IFU at another position angle), in the same run:

- V_rms of sklearn_jam vs ``jam_axi_proj`` with its defaults, given the same
  mass MGE (max and median relative difference);
- seconds per model: one jampy call, and sklearn_jam's batched call over
  ``--n-walkers`` walkers divided by their number, on one thread (one BLAS thread
  for both) and with ``n_jobs=2`` threads (jampy cannot split one call);
- both against the brute-force reference of ``tests/data/psf_reference.npz``
  (direct 2-D integration of the unconvolved model against the PSF x spaxel
  kernel): the engine's and jampy's grid-and-FFT convolution's errors.

Usage: python benchmarks/bench_kinematics.py [--n-walkers 32] [--repeat 5]
"""

import argparse
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from sklearn_jam import JamKinematics
from sklearn_jam.datasets import load_jampy_example
from sklearn_jam.jam import jam_axi_cyl
from sklearn_jam.jam.crosscheck import compare_with_jampy
from sklearn_jam.utils import format_table

REFERENCE = Path(__file__).resolve().parents[1] / "tests/data/psf_reference.npz"

# The examples' models at their starting parameters (their p0).
SETUPS = {
    "dark_halo": (
        dict(mass_model="gnfw", fixed={"gamma": -1.0, "rbreak_kpc": 20.0}),
        {"q_min": 0.55, "ratio": 0.9, "f_dm": 0.15, "lg_ml": np.log10(1.4)},
    ),
    "black_hole": (
        dict(mass_model="light", black_hole=True),
        {"q_min": 0.4, "ratio": 0.9, "lg_mbh": np.log10(2.5e6), "lg_ml": np.log10(1.4)},
    ),
}


def reference_errors():
    """Max relative error of the engine and of jampy against the brute-force reference."""
    ref = np.load(REFERENCE)
    rows = []
    for name in ref["cases"]:
        model = {k: ref[f"{name}_model_{k}"] for k in ("surf_lum", "sigma_lum", "qobs_lum")}
        model |= {
            k: ref[f"{name}_model_{k}"] for k in ("surf_pot", "sigma_pot", "qobs_pot", "beta")
        }
        scalars = {k: float(ref[f"{name}_model_{k}"]) for k in ("inc", "distance", "mbh")}
        psf = {k: ref[f"{name}_psf_{k}"] for k in ("sigmapsf", "normpsf")}
        psf |= {k: float(ref[f"{name}_psf_{k}"]) for k in ("pixsize", "pixang")}
        truth = ref[f"{name}_vrms"]
        ours = jam_axi_cyl(**model, **scalars, **psf, x=ref[f"{name}_x"], y=ref[f"{name}_y"])
        jampy = ref.get(f"{name}_jampy")
        rows.append(
            [
                name,
                len(truth),
                f"{np.max(np.abs(ours / truth - 1)):.1e}",
                "-" if jampy is None else f"{np.max(np.abs(jampy / truth - 1)):.1e}",
                "-" if jampy is None else f"{np.median(np.abs(jampy / truth - 1)):.1e}",
            ]
        )
    return format_table(
        rows, ["case", "bins", "sklearn_jam max", "jampy FFT max", "jampy FFT median"]
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-walkers", type=int, default=32, help="models per batched call")
    parser.add_argument("--repeat", type=int, default=5, help="timings; the best is kept")
    args = parser.parse_args()

    rows = []
    with threadpool_limits(1):
        # the two examples, and the dark halo's spaxels turned by 30 degrees
        for name, pixang in (("dark_halo", 0.0), ("black_hole", 0.0), ("dark_halo", 30.0)):
            options, start = SETUPS[name]
            data = load_jampy_example(name)
            observing = {**data.observing, "pixang": pixang}
            fit = JamKinematics(*data.mge, data.distance, **observing, **options)
            cmp = compare_with_jampy(fit, start, data.X, args.n_walkers, args.repeat)
            fit.set_params(n_jobs=2)
            two = compare_with_jampy(fit, start, data.X, args.n_walkers, args.repeat)
            rows.append(
                [
                    name + (f", pixang {pixang:g}" if pixang else ""),
                    len(data.X),
                    f"{cmp['max_rel_diff']:.1e}",
                    f"{cmp['median_rel_diff']:.1e}",
                    f"{cmp['jampy_seconds'] * 1e3:.0f}",
                    f"{cmp['sklearn_jam_seconds'] * 1e3:.1f}",
                    f"{cmp['speedup']:.1f}x",
                    f"{two['sklearn_jam_seconds'] * 1e3:.1f}",
                    f"{cmp['jampy_seconds'] / two['sklearn_jam_seconds']:.1f}x",
                ]
            )
        print(
            format_table(
                rows,
                [
                    "example",
                    "bins",
                    "max |diff|",
                    "median |diff|",
                    "jampy ms/model",
                    f"sklearn_jam ms/model ({args.n_walkers} per call)",
                    "speed-up",
                    "2 threads ms/model",
                    "speed-up",
                ],
            )
        )
        print("\nAgainst the brute-force PSF x spaxel reference (relative error of V_rms):")
        print(reference_errors())


if __name__ == "__main__":
    main()
