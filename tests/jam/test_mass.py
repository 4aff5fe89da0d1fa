"""Mass-model helpers against jampy's, the gNFW MGE, and the inclination."""

import jampy as jam
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate

from sklearn_jam.datasets import M32_MGE
from sklearn_jam.jam.mass import (
    dark_matter_scale,
    gnfw_density,
    gnfw_mge,
    inc_from_qmin,
    mge_half_light_radius,
    mge_radial_mass,
    qmin_from_inc,
)

SURF, SIGMA, QOBS = M32_MGE


def test_half_light_radius_matches_jampy_and_holds_half_the_light():
    reff = mge_half_light_radius(SURF, SIGMA, QOBS)
    # jampy interpolates the growth curve linearly on 50 radii: 0.34% away here
    assert reff == pytest.approx(jam.mge.half_light_radius(SURF, SIGMA, QOBS)[0], rel=5e-3)
    sigma_c = SIGMA * np.sqrt(QOBS)
    lum = SURF * sigma_c**2
    inside = (1 - np.exp(-0.5 * (reff / sigma_c) ** 2)) @ lum
    assert inside == pytest.approx(0.5 * lum.sum(), rel=1e-12)


@pytest.mark.parametrize("radius", [0.05, 1.0, 30.0, 500.0])
@pytest.mark.parametrize("inc", [50.0, 70.0, 90.0])
def test_radial_mass_matches_jampy(radius, inc):
    ours = mge_radial_mass(SURF, SIGMA, QOBS, inc, radius, 0.7)
    assert ours == pytest.approx(
        jam.mge.radial_mass(SURF, SIGMA, QOBS, inc, radius, 0.7), rel=1e-12
    )


def test_radial_mass_of_round_gaussians_is_exact():
    """jampy clips q_intr to 0.999 (a 7e-4 error); here the spherical limit is exact."""
    surf, sigma, radius, distance = np.array([100.0, 10.0]), np.array([1.0, 10.0]), 3.0, 5.0
    pc = distance * np.pi / 0.648
    rho0 = surf / (np.sqrt(2 * np.pi) * sigma * pc)  # central density of each Gaussian

    def mass(r_pc):
        rho = (rho0 * np.exp(-0.5 * (r_pc / (sigma * pc)) ** 2)).sum()
        return 4 * np.pi * r_pc**2 * rho

    expected = integrate.quad(mass, 0, radius * pc, epsrel=1e-13)[0]
    got = mge_radial_mass(surf, sigma, np.ones(2), 60.0, radius, distance)
    assert got == pytest.approx(expected, rel=1e-10)
    assert jam.mge.radial_mass(surf, sigma, np.ones(2), 60.0, radius, distance) == pytest.approx(
        expected, rel=2e-3
    )


@given(st.floats(-1.6, 0.0), st.floats(5.0, 5000.0))
def test_gnfw_mge_fits_the_density(gamma, rbreak):
    surf, sigma, qobs = gnfw_mge(gamma, rbreak, r_min=0.1, r_max=10 * rbreak)
    assert np.all(surf >= 0) and np.all(qobs == 1)
    r = np.geomspace(0.2, 5 * rbreak, 200)
    dens = surf / (np.sqrt(2 * np.pi) * sigma)
    mge = (dens * np.exp(-0.5 * (r[:, None] / sigma) ** 2)).sum(1)
    assert np.max(np.abs(mge / gnfw_density(r, gamma, rbreak) - 1)) < 0.05


def test_gnfw_mge_is_deterministic():
    first = gnfw_mge(-1.0, 100.0)
    for _ in range(3):
        for a, b in zip(first, gnfw_mge(-1.0, 100.0), strict=True):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((0.5, 10.0), r"gamma=0.5 must be in \[-3, 0\]"),
        ((-1.0, -2.0), "rbreak=-2.0 must be finite and > 0"),
        ((-1.0, 10.0, 5.0, 1.0), "need 0 < r_min < r_max"),
    ],
)
def test_gnfw_mge_refuses_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        gnfw_mge(*args)


@given(st.floats(0.06, 0.7))
def test_qmin_and_inclination_round_trip(q_min):
    qobs_min = QOBS.min()
    inc = inc_from_qmin(q_min, qobs_min)
    assert np.degrees(np.arccos(qobs_min)) < inc <= 90
    assert qmin_from_inc(inc, qobs_min) == pytest.approx(q_min, rel=1e-10)


@given(st.floats(0.0, 0.9))
def test_dark_matter_scale_gives_the_fraction(f_dm):
    halo = gnfw_mge(-1.0, 500.0, r_min=0.02)
    inc, reff = 60.0, mge_half_light_radius(SURF, SIGMA, QOBS)
    scale = dark_matter_scale(f_dm, M32_MGE, halo, inc, reff, 0.7)
    dark = scale * mge_radial_mass(*halo, inc, reff, 0.7)
    stars = mge_radial_mass(SURF, SIGMA, QOBS, inc, reff, 0.7)
    assert dark / (stars + dark) == pytest.approx(f_dm, abs=1e-12)
