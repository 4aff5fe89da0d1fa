"""Seconds per galaxy of the package's JAM simulator versus a plain direct jampy call.

Both compute the same maps for the same random galaxies. "Plain" is how a jampy user
would do it: fit the Sersic MGE with ``sersic_mge`` and call ``jam_axi_proj`` for every
galaxy. The simulator caches the MGE per n_ser, which pays off when the photometry is
fixed (an MCMC over q_m, beta_z, inc), shown as the second comparison.

Usage: python benchmarks/bench_simulator.py [--n-samples 8] [--n-parallel 24]
"""

import argparse
import contextlib
import io
import time

import numpy as np
from jampy.axi.jam_axi_sersic import sersic_mge

from sklearn_jam import JamSimulator, sample_prior
from sklearn_jam._jam import jam_vrms
from sklearn_jam._jam import sersic_mge as cached_mge
from sklearn_jam.priors import physical_mask


def plain_jampy(params, x, y):
    """One galaxy the plain way: a fresh MGE fit, then jam_axi_proj (SPEC section 3 units)."""
    with contextlib.redirect_stdout(io.StringIO()):
        mge = sersic_mge(params[0], 20, 2, False, True)
    return jam_vrms(*params, x, y, mge=mge)


def per_galaxy(fn, params):
    t0 = time.perf_counter()
    out = [fn(p) for p in params]
    return (time.perf_counter() - t0) / len(params), np.array(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=8)
    parser.add_argument("--n-parallel", type=int, default=24)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    sim = JamSimulator(n_jobs=1)
    grid = sim.grid
    params = sample_prior(args.n_samples, random_state=args.seed)

    cached_mge.cache_clear()
    t_sim, v_sim = per_galaxy(lambda p: sim.transform(p[None])[0], params)
    t_plain, v_plain = per_galaxy(lambda p: plain_jampy(p, grid.x, grid.y), params)
    assert np.allclose(v_sim, v_plain, rtol=1e-10), "simulator and plain jampy disagree"

    # Fixed photometry (n_ser, r_ser, q_l), varying dynamics: the MCMC case.
    mcmc = np.repeat(params[:1], args.n_samples, axis=0)
    mcmc[:, 3:6] = sample_prior(args.n_samples, random_state=args.seed + 1)[:, 3:6]
    mcmc = mcmc[physical_mask(mcmc)]
    cached_mge.cache_clear()
    t_sim_mcmc, _ = per_galaxy(lambda p: sim.transform(p[None])[0], mcmc)
    t_plain_mcmc, _ = per_galaxy(lambda p: plain_jampy(p, grid.x, grid.y), mcmc)

    par = JamSimulator(n_jobs=2, batch_size=4)
    many = sample_prior(args.n_parallel, random_state=args.seed + 2)
    cached_mge.cache_clear()
    t0 = time.perf_counter()
    par.transform(many)
    rate = args.n_parallel / (time.perf_counter() - t0)

    print(f"random galaxies ({len(params)}), seconds per sample per core:")
    print(f"  sklearn_jam simulator   {t_sim:.3f} s")
    print(f"  plain jampy call        {t_plain:.3f} s")
    print(f"  ratio plain / simulator {t_plain / t_sim:.2f}x")
    print(f"fixed photometry, varying q_m, beta_z, inc ({len(mcmc)}), seconds per sample:")
    print(f"  sklearn_jam simulator   {t_sim_mcmc:.3f} s")
    print(f"  plain jampy call        {t_plain_mcmc:.3f} s")
    print(f"  ratio plain / simulator {t_plain_mcmc / t_sim_mcmc:.2f}x")
    print(f"parallel, --n-jobs 2: {rate:.2f} samples/s ({args.n_parallel} galaxies)")
    print("paper: 1.08 s per sample per core (10,000 in 3 h on one core)")


if __name__ == "__main__":
    main()
