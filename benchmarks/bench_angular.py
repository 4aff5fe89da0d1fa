"""jam_axi_sph with jampy 9's eq. (37) anisotropy against jampy 9, on jampy's two set-ups.

jampy 9's Bayesian examples take ``beta(theta) = 1 - ratio^(-2 cos 2 theta)`` (eq. 37 of
Cappellari 2026) with ``ratio = 0.9`` at their start. The engine of a ``beta(theta)``
(:mod:`sklearn_jam.jam.angular`) is compared first unconvolved, at the bins of jampy's
dark-halo and black-hole examples (M32's MGE, the same mass models as
``bench_spherical.py``), every ``--every``-th bin:

- ``jam_axi_sph`` at ``n_nodes`` 32, 48 and its default 64: seconds per call (one
  thread) and the error against its line-of-sight rule at the points at
  ``--reference-nodes`` (within 6.7e-7 of the adaptive-quadrature truth on the hard
  cases, ``docs/physics.rst``). With 32 bins or more
  (:data:`~sklearn_jam.jam.spherical.MERIDIONAL_MIN_POINTS`) the engine takes its
  moments from the meridional grid; the line-of-sight rule at the points (the route of
  fewer bins, and of every unconvolved call before 0.3.5) is timed beside it at 64 nodes;
- jampy 9's ``jam_axi_proj`` with the same ``beta_fun`` at its defaults and two finer
  settings (``bench_spherical.JAMPY9_SETTINGS``), each in a subprocess of
  ``--jampy9-python``: seconds per call and error.

With ``--psf``: the examples as observed, every bin with their PSF and spaxels, the
engine at ``--psf-nodes`` against jampy 9's three settings (the engine's convolution is
within 1e-5 of the analytic engine's where ``beta`` is constant, ``tests/jam``).

With ``--logistic R_A BETA_0 BETA_INF ALPHA`` (``R_A`` in arcsec) the anisotropy is
jampy's logistic ``beta(r)`` (:class:`~sklearn_jam.jam.anisotropy.LogisticBeta`, a curve
from every point), in both the engine and jampy 9's documented ``beta_fun``.

Usage::

    python benchmarks/bench_angular.py --jampy9-python /path/to/py312/bin/python
"""

import argparse
import contextlib
import functools
import sys
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from sklearn_jam.jam import CylindricalLikeBeta, jam_axi_sph, spherical
from sklearn_jam.jam.anisotropy import LogisticBeta
from sklearn_jam.jam.constants import arcsec_to_pc
from sklearn_jam.utils import best_time, format_table

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_spherical import run_jampy9, setups  # noqa: E402

#: sigma_theta / sigma_r on the equator at the start of jampy 9's examples.
RATIO = 0.9
NO_PSF = dict(sigmapsf=np.array([0.0]), normpsf=np.array([1.0]), pixsize=0.0)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jampy9-python", help="a Python >= 3.12 with jampy 9 installed")
    parser.add_argument("--every", type=int, default=4, help="take every n-th bin")
    parser.add_argument("--reference-nodes", type=int, default=96)
    parser.add_argument("--nodes", type=int, nargs="*", default=[32, 48, 64])
    parser.add_argument("--psf", action="store_true", help="the observed models instead")
    parser.add_argument("--psf-nodes", type=int, default=48)
    parser.add_argument(
        "--logistic",
        type=float,
        nargs=4,
        metavar=("R_A", "B0", "BINF", "ALPHA"),
        help="jampy's logistic beta(r) instead of eq. (37); R_A in arcsec",
    )
    args = parser.parse_args(argv)
    if args.psf:
        return observed(args)
    rows = []
    with threadpool_limits(1):
        for name, model, _, x, y in setups():
            x, y = x[:: args.every], y[:: args.every]
            beta, jampy_beta = _anisotropy(args.logistic, model["distance"])
            model = {**model, "beta": beta}
            with _line_of_sight_rule():
                ref = jam_axi_sph(**model, x=x, y=y, n_nodes=args.reference_nodes)
            runs = [
                (n, f"sklearn_jam, n_nodes={n}" + (" (default)" if n == 64 else ""), False)
                for n in args.nodes
            ] + [(64, "sklearn_jam, 64, rule at the points", True)]
            for n_nodes, label, rule in runs:
                call = functools.partial(jam_axi_sph, **model, x=x, y=y, n_nodes=n_nodes)
                with _line_of_sight_rule() if rule else contextlib.nullcontext():
                    seconds = best_time(call, 1)
                    err = np.max(np.abs(call() / ref - 1))
                rows.append([name, len(x), label, f"{1e3 * seconds:.0f}", f"{err:.1e}"])
            if args.jampy9_python:
                plain = {**model, "beta": 1 - RATIO**2}  # replaced by ratio's beta_fun
                for label, res in run_jampy9(
                    args.jampy9_python, plain, NO_PSF, x, y, **jampy_beta
                ).items():
                    if "failed" in res:
                        rows.append([name, len(x), f"jampy 9, {label}", res["failed"], ""])
                        continue
                    err9 = np.max(np.abs(np.asarray(res["vrms"]) / ref - 1))
                    rows.append([name, len(x), f"jampy 9, {label}",
                                 f"{1e3 * res['seconds']:.0f}", f"{err9:.1e}"])  # fmt: skip
    error = f"max |err| vs the rule at {args.reference_nodes} nodes"
    header = ["set-up", "bins", "model", "ms per call", error]
    print(format_table(rows, header))


@contextlib.contextmanager
def _line_of_sight_rule():
    """Unconvolved calls by the line-of-sight rule at the points, whatever their number."""
    saved = spherical.MERIDIONAL_MIN_POINTS
    spherical.MERIDIONAL_MIN_POINTS = np.inf
    try:
        yield
    finally:
        spherical.MERIDIONAL_MIN_POINTS = saved


def _anisotropy(logistic, distance):
    """The engine's ``beta`` and :func:`run_jampy9`'s keywords for it (``--logistic``)."""
    if logistic is None:
        return CylindricalLikeBeta(RATIO), dict(ratio=RATIO)
    r_a, beta_0, beta_inf, alpha = logistic
    beta = LogisticBeta(r_a * float(arcsec_to_pc(distance)), beta_0, beta_inf, alpha)
    return beta, dict(logistic=(beta.r_a, beta_0, beta_inf, alpha))


def observed(args):
    """The examples' models with their PSF and spaxels at every bin (``--psf``)."""
    rows = []
    with threadpool_limits(1):
        for name, model, psf, x, y in setups():
            beta, jampy_beta = _anisotropy(args.logistic, model["distance"])
            model = {**model, "beta": beta}
            call = functools.partial(jam_axi_sph, **model, **psf, x=x, y=y, n_nodes=args.psf_nodes)
            seconds = best_time(call, 1)
            ours = call()
            rows.append([name, len(x), f"sklearn_jam, n_nodes={args.psf_nodes}",
                         f"{1e3 * seconds:.0f}", ""])  # fmt: skip
            if args.jampy9_python:
                plain = {**model, "beta": 1 - RATIO**2}  # replaced by ratio's beta_fun
                results = run_jampy9(args.jampy9_python, plain, psf, x, y, **jampy_beta)
                for label, res in results.items():
                    if "failed" in res:
                        rows.append([name, len(x), f"jampy 9, {label}", res["failed"], ""])
                        continue
                    diff = np.abs(np.asarray(res["vrms"]) / ours - 1)
                    rows.append([name, len(x), f"jampy 9, {label}", f"{1e3 * res['seconds']:.0f}",
                                 f"{diff.max():.1e} (median {np.median(diff):.1e})"])  # fmt: skip
    header = ["set-up", "bins", "model", "ms per call", "max |diff| from sklearn_jam"]
    print(format_table(rows, header))


if __name__ == "__main__":
    main()
