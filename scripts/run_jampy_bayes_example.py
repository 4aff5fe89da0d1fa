"""Run one of jampy's own Bayesian examples unchanged and keep its results.

jampy ships ``jam_dark_halo_bayes_example.py`` and
``jam_black_hole_bayes_example.py`` (AdaMet, 1000 steps). This script runs the
installed copy as it is (``runpy``), times it, saves its final figure and writes
the median and 16-84% interval of every parameter to JSON, for the side-by-side
comparison in ``docs/real_galaxies.rst``. It needs ``pip install adamet``.

Usage::

    python scripts/run_jampy_bayes_example.py dark_halo docs/_static/jampy_examples
    python scripts/run_jampy_bayes_example.py black_hole docs/_static/jampy_examples
"""

import argparse
import json
import runpy
import time
from importlib import resources
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("example", choices=["dark_halo", "black_hole"])
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args()
    args.out_dir.mkdir(parents=True, exist_ok=True)
    path = resources.files("jampy") / f"examples/jam_{args.example}_bayes_example.py"
    t0 = time.perf_counter()
    namespace = runpy.run_path(str(path), run_name="__main__")
    seconds = time.perf_counter() - t0
    plt.gcf().savefig(args.out_dir / f"jampy_{args.example}.png", dpi=90, bbox_inches="tight")
    pars = np.asarray(namespace["pars"])
    lnprob = np.asarray(namespace["lnprob"])
    p16, p50, p84 = np.percentile(pars, [15.86, 50, 84.14], axis=0)
    result = {
        "example": f"jam_{args.example}_bayes_example.py",
        "sampler": "adamet, nstep=1000 (the example's own settings)",
        "seconds": seconds,
        "n_calls": int(len(lnprob)),
        "labels": list(namespace["labels"]),
        "best_fit": pars[np.argmax(lnprob)].tolist(),
        "median": p50.tolist(),
        "p16": p16.tolist(),
        "p84": p84.tolist(),
    }
    (args.out_dir / f"jampy_{args.example}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
