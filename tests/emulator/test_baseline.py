"""The general emulator's baseline: the round isotropic twin against independent truths.

Unconvolved, the 1-D Jeans solution by QUADPACK
(:func:`~sklearn_jam.jam.crosscheck.spherical_isotropic_vrms`); with a PSF, the
exact cylindrical engine for a round isotropic galaxy (where JAM is that
solution), whose PSF is analytic. The baseline's rule is not converged (it need
only be smooth): it leaves up to 4.1e-3 here and is held to 6e-3.
"""

import numpy as np
import pytest

from sklearn_jam.emulator.baseline import BASELINE_RADII, _convolved, spherical_baseline
from sklearn_jam.emulator.general import grid_axes
from sklearn_jam.general import (
    GENERAL_PARAM_NAMES,
    R_E_ARCSEC,
    _engine_units,
    _stellar_mass,
    _unit,
    general_mge,
    general_unit_maps,
)
from sklearn_jam.jam.constants import DEFAULT_DISTANCE_MPC, arcsec_to_pc
from sklearn_jam.jam.crosscheck import spherical_isotropic_vrms

TOLERANCE = 6e-3


def _round_galaxy(n_bulge=4.0, f_nuc=0.03, sigma_psf=0.05):
    """A round galaxy of the general family: a Sersic bulge and a nucleus."""
    values = dict(
        n_bulge=n_bulge, q_bulge=1.0, f_disk=0.0, lg_rdisk=0.0, q_disk=0.9, f_nuc=f_nuc,
        lg_rnuc=-2.0, inc=60.0, beta_z=0.0, f_dm=0.0, gamma=-1.0, lg_rbreak=1.0, lg_mbh=-3.0,
        sigma_psf=sigma_psf, pixsize=0.0,
    )  # fmt: skip
    return np.array([[values[name] for name in GENERAL_PARAM_NAMES]])


def test_gaussian_convolved_as_in_closed_form():
    s, s_psf = 0.2, 0.05
    radius = np.array([0.0, 0.01, 0.1, 0.3, 0.6])
    profile = np.exp(-0.5 * (BASELINE_RADII / s) ** 2)[None, None]
    got = _convolved(np.maximum(profile, 1e-300), radius, np.array([s_psf]))[0, 0]
    truth = s**2 / (s**2 + s_psf**2) * np.exp(-0.5 * radius**2 / (s**2 + s_psf**2))
    np.testing.assert_allclose(got, truth, rtol=1e-3)


@pytest.mark.parametrize("qobs", [1.0, 0.6])
def test_unconvolved_is_the_1d_jeans_solution_of_the_circularised_galaxy(qobs):
    rng = np.random.default_rng(4)
    surf = rng.uniform(0.1, 1, 5) * np.geomspace(30, 0.01, 5)
    sigma = np.geomspace(0.02, 4.0, 5)
    q = np.full(5, qobs)
    light = 2 * np.pi * np.sum(surf * sigma**2 * q)
    surf = surf / light  # unit light
    radius = np.array([0.02, 0.1, 0.5, 1.0, 2.5])
    got = spherical_baseline(surf, sigma, q, [[0.3, 30.0]], [1e-5], radius)[0]
    # The truth in the engine's units, of the circularised Gaussians (same light).
    round_lum = _engine_units(surf, sigma * np.sqrt(q), np.ones(5))
    unit2 = _unit(round_lum) ** 2
    pc = arcsec_to_pc(DEFAULT_DISTANCE_MPC)
    m_star = _stellar_mass(*round_lum)
    r_arcsec = radius * R_E_ARCSEC
    common = dict(distance=DEFAULT_DISTANCE_MPC, epsrel=1e-10)
    stars = spherical_isotropic_vrms(*round_lum[:2], *round_lum[:2], r_arcsec, **common)
    np.testing.assert_allclose(got[0], stars**2 / unit2, rtol=TOLERANCE)
    for k, s_m in enumerate((0.3, 30.0)):
        sigma_m = s_m * R_E_ARCSEC
        mass = (np.array([m_star / (2 * np.pi * (sigma_m * pc) ** 2)]), np.array([sigma_m]))
        truth = spherical_isotropic_vrms(*round_lum[:2], *mass, r_arcsec, **common)
        np.testing.assert_allclose(got[1 + k], truth**2 / unit2, rtol=TOLERANCE)


@pytest.mark.parametrize("sigma_psf", [0.001, 0.05, 0.3])
@pytest.mark.parametrize("lg_sigma_mass", [-3.5, 0.5])
def test_convolved_is_the_exact_engine_of_a_round_isotropic_galaxy(sigma_psf, lg_sigma_mass):
    """A nucleus and a black-hole-like Gaussian far narrower than the PSF, or a wide one."""
    params = _round_galaxy(sigma_psf=sigma_psf)
    rad, _ = grid_axes()
    got = spherical_baseline(*general_mge(params), [[10**lg_sigma_mass]], [sigma_psf], rad)[0]
    x, y = rad * np.cos(0.3), rad * np.sin(0.3)  # round: any angle
    exact = general_unit_maps(params, np.array([lg_sigma_mass]), x, y)[0, :2, 0]
    np.testing.assert_allclose(got, exact, rtol=TOLERANCE)


def test_rows_are_independent_and_shapes():
    params = np.concatenate([_round_galaxy(), _round_galaxy(n_bulge=1.5, sigma_psf=0.2)])
    rad, _ = grid_axes()
    mge = general_mge(params)
    both = spherical_baseline(*mge, [[0.1, 1.0], [0.1, 1.0]], [0.05, 0.2], rad)
    assert both.shape == (2, 3, 40) and np.all(both > 0)
    second = spherical_baseline(*(v[1:] for v in mge), [[1.0]], [0.2], rad)
    np.testing.assert_allclose(both[1, [0, 2]], second[0], rtol=1e-12)
