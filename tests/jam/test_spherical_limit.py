"""The round isotropic limit: the cylindrical engine against the 1-D spherical Jeans solution.

For round Gaussians and isotropy every alignment of the velocity ellipsoid is one model, whose
projected second moment is a single integral (Binney & Mamon 1982). That truth
(:func:`~sklearn_jam.jam.crosscheck.spherical_isotropic_vrms`) shares nothing with JAM's
solution, so the engine must meet it at any inclination, with a dark halo and a black hole.
"""

import numpy as np
import pytest

from sklearn_jam.datasets import M32_MGE
from sklearn_jam.jam import jam_axi_cyl
from sklearn_jam.jam.crosscheck import spherical_isotropic_vrms

SURF, SIGMA, _ = M32_MGE
#: Stars with M/L 1.5 plus a round halo of three wide Gaussians (Msun/pc^2, arcsec).
SURF_POT = np.concatenate([1.5 * SURF, [30.0, 10.0, 3.0]])
SIGMA_POT = np.concatenate([SIGMA, [20.0, 60.0, 150.0]])
RADII = np.array([0.02, 0.1, 0.5, 1.0, 3.0, 10.0, 30.0, 100.0])  # arcsec: 0.1 to 500 sigma_min


@pytest.mark.parametrize("mbh", [0.0, 3e6])
@pytest.mark.parametrize(("inc", "angle"), [(90.0, 0.0), (60.0, 0.7), (35.0, 1.3), (5.0, 0.4)])
def test_round_isotropic_model_is_the_spherical_jeans_solution(inc, angle, mbh):
    truth = spherical_isotropic_vrms(SURF, SIGMA, SURF_POT, SIGMA_POT, RADII, distance=0.7, mbh=mbh)
    vrms = jam_axi_cyl(
        SURF, SIGMA, np.ones_like(SURF), SURF_POT, SIGMA_POT, np.ones_like(SURF_POT), inc,
        np.zeros_like(SURF), RADII * np.cos(angle), RADII * np.sin(angle), distance=0.7, mbh=mbh,
    )  # fmt: skip
    np.testing.assert_allclose(np.ravel(vrms), truth, rtol=1e-7)


def test_the_spherical_truth_scales_as_it_must():
    """sqrt(M/L) scaling of V_rms, and a black hole that raises it most near the centre."""
    base = spherical_isotropic_vrms(SURF, SIGMA, SURF, SIGMA, RADII, distance=0.7)
    np.testing.assert_allclose(
        spherical_isotropic_vrms(SURF, SIGMA, 4 * SURF, SIGMA, RADII, distance=0.7),
        2 * base,
        rtol=1e-10,
    )
    with_bh = spherical_isotropic_vrms(SURF, SIGMA, SURF, SIGMA, RADII, distance=0.7, mbh=3e6)
    gain = with_bh / base
    assert np.all(gain > 1) and np.all(np.diff(gain) < 0)
