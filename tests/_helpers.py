"""What the tests share besides fixtures: tiny settings, reference files and toy models.

Imported as ``_helpers`` (pytest puts this folder on ``sys.path`` for its conftest);
the toy functions are module-level so that worker processes can unpickle them.
"""

import os
from pathlib import Path

import numpy as np
import pytest

from sklearn_jam.jam.crosscheck import jampy_major_version

DATA = Path(__file__).resolve().parent / "data"

#: Tests that call jampy 8's cylindrically aligned jam_axi_proj (or its integrand): jampy 9
#: (Python >= 3.12) dropped it, so there they are skipped, saying so.
requires_jampy8 = pytest.mark.skipif(
    jampy_major_version() != 8,
    reason=f"calls jampy 8's cylindrical jam_axi_proj(align='cyl'); jampy "
    f"{jampy_major_version()} is installed, which dropped it",
)

#: A JamEmulatorRegressor small enough to fit in a second on tiny data.
TINY = dict(
    conv_channels=(4,),
    hidden_layer_sizes=(16,),
    n_image_features=4,
    batch_size=32,
    max_epochs=3,
    random_state=0,
)

#: Exact JAM values of SPEC v2 section 5 (docs/spec.rst), vendored from the spec's reference.
REFERENCE = DATA / "jam_exact_reference.npz"

#: Brute-force PSF x spaxel reference of scripts/make_psf_reference.py.
PSF_REFERENCE = DATA / "psf_reference.npz"

#: Hard cases of the engine with their adaptive-quadrature truth
#: (scripts/make_engine_reference.py).
HARD_REFERENCE = DATA / "engine_hard_reference.npz"

PSF_KEYS = ("sigmapsf", "normpsf", "pixsize", "pixang")
MODEL_KEYS = ("surf_lum", "sigma_lum", "qobs_lum", "surf_pot", "sigma_pot", "qobs_pot")
MODEL_KEYS += ("inc", "beta", "distance", "mbh")


def psf_case(name):
    """(model kwargs, psf kwargs, x, y, brute-force V_rms) of a case of the PSF reference."""
    with np.load(PSF_REFERENCE) as ref:
        model = {k: ref[f"{name}_model_{k}"] for k in MODEL_KEYS}
        psf = {k: ref[f"{name}_psf_{k}"] for k in PSF_KEYS}
        x, y, truth = ref[f"{name}_x"], ref[f"{name}_y"], ref[f"{name}_vrms"]
    for k in ("inc", "distance", "mbh"):
        model[k] = float(model[k])
    for k in ("pixsize", "pixang"):
        psf[k] = float(psf[k])
    return model, psf, x, y, truth


def toy_vrms(n_ser, r_ser, q_l, q_m, beta_z, inc, x, y, distance=10.0):
    """A cheap smooth stand-in for JAM with the right symmetries, for API tests."""
    r = np.hypot(x, y) / r_ser
    return (
        (0.4 + 0.05 * n_ser)
        * (1 + r) ** -0.2
        * (1 + 0.1 * beta_z)
        * (1 + 0.05 * np.sin(np.radians(inc)) * q_m)
        * (1 + 0.02 * q_l * x / (np.hypot(x, y) + 1))
    )


def failing_vrms(n_ser, r_ser, q_l, q_m, beta_z, inc, x, y, distance=10.0):
    """Fails for galaxies with beta_z < 0, to test failure handling."""
    if beta_z < 0:
        raise ValueError(f"deliberate failure for beta_z={beta_z:.3f}")
    return toy_vrms(n_ser, r_ser, q_l, q_m, beta_z, inc, x, y, distance)


def flaky_env_vrms(n_ser, r_ser, q_l, q_m, beta_z, inc, x, y, distance=10.0):
    """Fails as a broken installation would while SKLEARN_JAM_TEST_BROKEN is set."""
    if os.environ.get("SKLEARN_JAM_TEST_BROKEN"):
        raise ImportError("deliberately broken installation")
    return toy_vrms(n_ser, r_ser, q_l, q_m, beta_z, inc, x, y, distance)


#: jampy 9's settings at which its solution has converged (to 2.5e-5 on M32, issue 20).
JAMPY9_CONVERGED = dict(nang=60, nlos=300, nrad=200)

#: The engines' MGE arguments, as the spherical reference files store them.
MGE_ARGS = ("surf_lum", "sigma_lum", "qobs_lum", "surf_pot", "sigma_pot", "qobs_pot")


def jampy9_inner_points(ref, i):
    """Model ``i`` of a spherical reference file where jampy 9's line of sight is long enough.

    jampy 9 ends every line of sight at the widest luminous sigma (``docs/physics.rst``),
    so the cross-checks take the points within 0.35 of it (at least 3). Returns
    ``(lum, pot, inner, args)``: the (3, n) MGEs, the points' mask, and jam_axi_proj's
    positional arguments at those points.
    """
    n_lum, keep = int(np.sum(ref["surf_lum"][i] > 0)), ref["surf_pot"][i] > 0
    lum = np.array([ref[k][i][:n_lum] for k in MGE_ARGS[:3]])
    pot = np.array([ref[k][i][keep] for k in MGE_ARGS[3:]])
    x, y = ref["x"][i], ref["y"][i]
    inner = np.hypot(x, y) < 0.35 * lum[1].max()
    assert inner.sum() >= 3
    args = (lum, pot, ref["inc"][i], ref["mbh"][i], ref["distance"][i], x[inner], y[inner])
    return lum, pot, inner, args
