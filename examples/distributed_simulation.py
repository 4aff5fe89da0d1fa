"""Simulate on a dask cluster: joblib sends the JAM calls to the workers.

A ``LocalCluster`` stands in for a real one; with a cluster elsewhere, pass its
address to ``Client``. Run: python examples/distributed_simulation.py [--n-samples 8]
"""

import argparse

from distributed import Client, LocalCluster
from joblib import parallel_config

from sklearn_jam import JamSimulator

parser = argparse.ArgumentParser(
    description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
)
parser.add_argument("--n-samples", type=int, default=8, help="galaxies to simulate")
parser.add_argument("--workers", type=int, default=2, help="dask workers of the LocalCluster")
args = parser.parse_args()

if __name__ == "__main__":
    with LocalCluster(
        n_workers=args.workers, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        with Client(cluster) as client:
            print(client)
            sim = JamSimulator(n_jobs=-1, batch_size=2, random_state=0, verbose=1)
            with parallel_config(backend="dask"):
                data = sim.make_dataset(args.n_samples)
    print(f"simulated {len(data.y)} galaxies on the cluster: y {data.y.shape}")
