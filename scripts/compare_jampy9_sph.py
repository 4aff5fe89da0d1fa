"""jampy 9's spherically aligned V_rms against the vendored truth, at its defaults and converged.

Runs where jampy 9 is installed (Python >= 3.12); it needs only jampy and NumPy, not
sklearn_jam, so it runs in a bare environment::

    python scripts/compare_jampy9_sph.py tests/data/sph_reference.npz

For every model of the reference with one ``beta`` for all its Gaussians (jampy 9 takes
one anisotropy field, not one per Gaussian), or with eq. (37)'s ``beta(theta)`` (the
column ``ratio`` of ``tests/data/sph_reference_eq37.npz``, passed to jampy 9 as its
Bayesian examples write it), it calls ``jampy.axi.jam_axi_proj`` with its
default ``nang, nlos, nrad`` and with ``nang=60, nlos=300, nrad=200``, and prints each
call's time and its largest relative difference from the truth (adaptive quadrature of
the Jeans equations, ``sklearn_jam.jam.reference``).
"""

import sys
import time

import numpy as np
from jampy.axi.jam_axi_proj import jam_axi_proj

CONVERGED = dict(nang=60, nlos=300, nrad=200)


def _eq37(ratio):
    """Eq. (37) of Cappellari (2026) as jampy 9's examples write it: (beta, dbeta/dtheta)."""

    def beta_fun(r, th):
        beta = 1 - ratio ** (-2 * np.cos(2 * th))
        beta_dtheta = -4 * np.log(ratio) * ratio ** (-2 * np.cos(2 * th)) * np.sin(2 * th)
        return beta, beta_dtheta

    return beta_fun


def main(path):
    ref = np.load(path)
    print(f"{'model':22s} {'settings':10s} {'time (s)':>9s} {'max |rel. diff.|':>17s}")
    for i, kind in enumerate(ref["kind"]):
        n = int(np.sum(ref["surf_lum"][i] > 0))
        beta = ref["beta"][i][:n]
        ratio = float(ref["ratio"][i]) if "ratio" in ref.files else np.nan
        if np.isfinite(ratio):
            beta = [_eq37(ratio)]
        elif np.ptp(beta) > 0:
            print(f"{kind:22s} skipped: one beta per Gaussian, which jampy 9 does not take")
            continue
        lum = np.array([ref[k][i][:n] for k in ("surf_lum", "sigma_lum", "qobs_lum")])
        keep = ref["surf_pot"][i] > 0
        pot = np.array([ref[k][i][keep] for k in ("surf_pot", "sigma_pot", "qobs_pot")])
        for label, kw in (("defaults", {}), ("converged", CONVERGED)):
            t0 = time.perf_counter()
            out = jam_axi_proj(
                lum, pot, ref["inc"][i], ref["mbh"][i], ref["distance"][i], ref["x"][i],
                ref["y"][i], beta=beta[0], plot=False, quiet=True, **kw,
            )  # fmt: skip
            seconds = time.perf_counter() - t0
            diff = np.max(np.abs(out.model / ref["vrms"][i] - 1))
            print(f"{kind:22s} {label:10s} {seconds:9.3f} {diff:17.2e}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/sph_reference.npz")
