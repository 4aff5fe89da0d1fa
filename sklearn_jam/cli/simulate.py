"""``sklearn-jam simulate``: a resumable JAM dataset on disk."""

import os
import sys

from joblib import parallel_config

from .._owner import OWNER_ENV, exit_with
from ..jam.alignment import ANISOTROPIES
from ._base import add_command

__all__ = []


def run(args):
    """Simulate ``args.n_samples`` galaxies into ``args.out``; 1 when every galaxy failed."""
    from ..io import simulate_to_store
    from ..simulator import JamSimulator

    sim = JamSimulator(
        n_jobs=args.n_jobs,
        batch_size=args.chunk_size,
        verbose=1,
        align=args.align,
        anisotropy=args.anisotropy,
        n_nodes=args.nodes,
    )
    # Every worker watches this process from its start, so that none outlives a SIGKILL:
    # the pool's initializer watches it, and a worker still starting when the run is
    # killed finds the owner's pid in its environment (read when it imports sklearn_jam).
    os.environ[OWNER_ENV] = str(os.getpid())
    with parallel_config(backend="loky", initializer=exit_with, initargs=(os.getpid(),)):
        status = simulate_to_store(
            sim, args.n_samples, args.out, seed=args.seed, chunk_size=args.chunk_size
        )
    n_fail = len(status["failures"])
    print(
        f"{status['n_samples']} galaxies in {args.out}: {status['n_samples'] - n_fail} done, "
        f"{n_fail} failed"
    )
    for row, err in list(status["failures"].items())[:20]:
        print(f"  failed row {row}: {err}")
    if n_fail == status["n_samples"]:
        print(f"sklearn-jam simulate: error: every galaxy failed in {args.out}", file=sys.stderr)
        return 1
    return 0


def add_parser(subparsers):
    """Add ``simulate`` and its options."""
    p = add_command(subparsers, "simulate", "simulate a resumable JAM dataset on disk", run)
    p.add_argument(
        "--n-samples", type=int, required=True, help="number of galaxies drawn from the prior"
    )
    p.add_argument(
        "--out",
        required=True,
        help="dataset directory: created, or resumed when it holds a dataset with the same "
        "settings; any other non-empty directory is refused and left untouched",
    )
    p.add_argument("--n-jobs", type=int, default=1, help="parallel worker processes")
    p.add_argument(
        "--align",
        choices=["cyl", "sph"],
        default="cyl",
        help="velocity ellipsoid aligned with cylindrical (the paper's family) or spherical "
        "coordinates (column beta_r in place of beta_z; about 1 s per galaxy)",
    )
    p.add_argument(
        "--anisotropy",
        choices=list(ANISOTROPIES),
        default="constant",
        help="the anisotropy column's form: constant for every Gaussian, or, with --align sph, "
        "jampy 9's eq. (37) mimicking the cylindrically aligned model of that beta_z (the "
        "column stays beta_z; about 0.2-1 s per galaxy)",
    )
    p.add_argument(
        "--nodes",
        type=int,
        default=None,
        help="quadrature nodes of the engine, its accuracy/speed knob (default: the engine's "
        "choice)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the prior draws")
    p.add_argument(
        "--chunk-size",
        type=int,
        default=250,
        help="galaxies per stored chunk and per engine call; a rerun resumes only with the "
        "same --n-samples, --seed and --chunk-size",
    )
