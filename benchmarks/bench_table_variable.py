"""The spherically aligned table's anisotropy variable: Chebyshev series in the ratio or its log.

On jampy's dark-halo example (M32's MGE, its PSF and 2" spaxels, the NFW halo fixed,
every ``--every``-th bin) with jampy 9's eq. (37) over the example's prior (ratio
0.5-1.0), at each ``--inc``: every component's V_rms^2 from the engine (the table's
own, :data:`~sklearn_jam.jam.tabulated.TABLE_N_NODES_ANGULAR` nodes) at Chebyshev nodes
in ``ratio`` and in ``log(ratio)`` (:func:`~sklearn_jam.jam.tabulated.anisotropy_variable`),
and the series' largest error at six random ratios, relative to each bin's largest
component V_rms^2 (as the table's own estimate). One engine call per inclination
computes every ratio, one thread.

Usage: python benchmarks/bench_table_variable.py [--inc 60 44.6] [--nodes 6 8 10]
"""

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
from numpy.polynomial import chebyshev
from threadpoolctl import threadpool_limits

from sklearn_jam.datasets import load_jampy_example
from sklearn_jam.jam import tabulated
from sklearn_jam.jam._convolution import check_psf
from sklearn_jam.jam.constants import arcsec_to_pc
from sklearn_jam.utils import format_table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tabulated_sph import sph_estimator  # noqa: E402

#: The example's prior on eq. (37)'s ratio.
RATIO_RANGE = (0.5, 1.0)


class _Captured(Exception):
    """Raised by :func:`table_inputs`'s stand-in once it holds the table's inputs."""


def table_inputs(every):
    """What :func:`~sklearn_jam.jam.tabulated.tabulate_sph` gets for the example's table."""
    import sklearn_jam.kinematics as kinematics

    data = load_jampy_example("dark_halo")
    captured = {}

    def capture(lum, components, x, y, **options):
        captured.update(lum=lum, components=components, x=x, y=y, options=options)
        raise _Captured

    fit = sph_estimator(data, "ratio_eq37", engine="tabulated")
    saved, kinematics.tabulate_sph = kinematics.tabulate_sph, capture
    try:
        fit.model_vrms(fit.p0, data.X[::every])
    except _Captured:
        pass
    finally:
        kinematics.tabulate_sph = saved
    return captured


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inc", type=float, nargs="+", default=[60.0, 44.6])
    parser.add_argument("--nodes", type=int, nargs="+", default=[6, 8, 10])
    parser.add_argument("--every", type=int, default=4, help="take every n-th bin")
    args = parser.parse_args()
    got = table_inputs(args.every)
    lum = tuple(np.asarray(v, dtype=float) for v in got["lum"])
    opts = got["options"]
    unit = tabulated.component_units(lum, opts["distance"])
    pc = arcsec_to_pc(opts["distance"])
    calls = tabulated._component_calls(lum, got["components"], False, unit, pc)
    psf = (opts["sigmapsf"], opts["normpsf"], opts["pixsize"], opts["pixang"])
    options = dict(
        distance=opts["distance"], sigmapsf=psf[0], normpsf=psf[1], pixsize=psf[2],
        pixang=psf[3], n_nodes=tabulated.TABLE_N_NODES_ANGULAR,
        pixel_nodes=check_psf(*psf, None, black_hole=False)[4], n_jobs=None,
    )  # fmt: skip
    x, y = (np.asarray(v, dtype=float).ravel() for v in (got["x"], got["y"]))
    low, high = RATIO_RANGE
    test = np.sort(np.random.default_rng(0).uniform(low, high, 6))
    maps = {
        "ratio": (lambda r: r, lambda u: u),
        "log(ratio)": (np.log, np.exp),
    }
    rows = []
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for inc in args.inc:
            sets = {}
            for n in args.nodes:
                t = np.cos(np.pi * (np.arange(n) + 0.5) / n)
                for name, (to_u, from_u) in maps.items():
                    u_low, u_high = to_u(low), to_u(high)
                    sets[name, n] = from_u(0.5 * (u_low + u_high) + 0.5 * (u_high - u_low) * t)
            ratios = np.unique(np.concatenate([test, *sets.values()]))
            pairs = [(inc, float(r)) for r in ratios]
            values = tabulated._angular_nodes(lum, calls, pairs, "ratio_eq37", x, y, options)
            at = dict(zip(ratios.tolist(), values, strict=True))
            truth = np.array([at[r] for r in test.tolist()])  # (n_test, n_comp, n_bins)
            scale = np.abs(truth).max((0, 1))
            for n in args.nodes:
                row = [f"{inc:g}", n]
                for name, (to_u, _) in maps.items():
                    u_low, u_high = to_u(low), to_u(high)
                    nodes = sets[name, n]
                    t_nodes = (2 * to_u(nodes) - u_low - u_high) / (u_high - u_low)
                    t_test = (2 * to_u(test) - u_low - u_high) / (u_high - u_low)
                    v = np.array([at[r] for r in nodes.tolist()]).reshape(n, -1)
                    coef = chebyshev.chebfit(t_nodes, v, n - 1)
                    pred = (chebyshev.chebvander(t_test, n - 1) @ coef).reshape(truth.shape)
                    row.append(f"{np.max(np.abs(pred - truth) / scale):.1e}")
                rows.append(row)
    print(f"jampy's dark-halo set-up with eq. (37), ratio {low}-{high}, {x.size} bins")
    print(format_table(rows, ["inc (deg)", "nodes", *(f"series in {k}" for k in maps)]))


if __name__ == "__main__":
    main()
