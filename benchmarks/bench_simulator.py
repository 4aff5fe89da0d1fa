"""Speed of the exact JAM engine versus a plain jampy call, measured in the same run.

"Plain" is what a jampy user runs without sklearn_jam: jampy's own Sersic MGE fit
(``sersic_mge(n, 20, 2)``) and ``jam_axi_proj`` with its defaults, for every galaxy
(``sklearn_jam.jam.plain_jampy_vrms``). sklearn_jam's full simulation of one
galaxy is its deterministic MGE (``sersic_mge``) and the exact engine on the 200
grid points (``sersic_vrms``). Also printed: batched throughput on one core, with
``JamSimulator(n_jobs=2)``, and on a GPU when torch sees one.

Usage: python benchmarks/bench_simulator.py [--n-samples 8] [--n-batch 512]
"""

import argparse
import time

import numpy as np
from threadpoolctl import threadpool_limits

from sklearn_jam import JamSimulator, sample_prior
from sklearn_jam.grid import PolarGrid
from sklearn_jam.jam import plain_jampy_vrms, sersic_vrms


def seconds(fn, repeat=1):
    t0 = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - t0) / repeat


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-samples", type=int, default=8, help="galaxies timed one by one")
    parser.add_argument("--n-batch", type=int, default=512, help="galaxies of the batched runs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    grid = PolarGrid()
    params = sample_prior(args.n_samples, random_state=args.seed)
    many = sample_prior(args.n_batch, random_state=args.seed + 1)
    # "Per core": both sides run with one BLAS thread.
    with threadpool_limits(1):
        t_plain = np.mean(
            [seconds(lambda p=p: plain_jampy_vrms(*p, grid.x, grid.y)) for p in params]
        )
        t_engine = np.mean(
            [seconds(lambda p=p: sersic_vrms(*p, grid.x, grid.y), 3) for p in params]
        )
        t_batch = seconds(lambda: sersic_vrms(*many.T, grid.x, grid.y)) / len(many)
    sim = JamSimulator(n_jobs=2, batch_size=64)
    sim.transform(many[:128])  # start the workers
    rate = len(many) / seconds(lambda: sim.transform(many))

    print(f"one galaxy, full simulation (MGE + JAM at 200 points), 1 core, {len(params)} galaxies:")
    print(f"  plain jampy call (sersic_mge fit + jam_axi_proj defaults) {t_plain * 1e3:8.1f} ms")
    print(f"  sklearn_jam engine (sersic_mge + sersic_vrms)             {t_engine * 1e3:8.1f} ms")
    print(f"  ratio                                                     {t_plain / t_engine:8.1f}x")
    print(
        f"batched, {len(many)} galaxies in one call, 1 core: {t_batch * 1e3:.1f} ms per galaxy "
        f"({1 / t_batch:.0f} galaxies/s)"
    )
    print(f"JamSimulator(n_jobs=2): {rate:.0f} galaxies/s")
    try:
        import torch
    except ImportError:  # pragma: no cover
        return
    if torch.cuda.is_available():
        cols = [torch.as_tensor(c, device="cuda") for c in many.T]
        xy = [torch.as_tensor(v, device="cuda") for v in (grid.x, grid.y)]
        sersic_vrms(*cols, *xy)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        sersic_vrms(*cols, *xy)
        torch.cuda.synchronize()
        print(
            f"GPU ({torch.cuda.get_device_name()}): "
            f"{len(many) / (time.perf_counter() - t0):.0f} galaxies/s"
        )
    print("paper: 1.08 s per galaxy per core")


if __name__ == "__main__":
    main()
