"""The compiled kernels: their exponential, their sums, and the engine that uses them."""

import numpy as np
import pytest
import torch
from _helpers import psf_case
from hypothesis import given
from hypothesis import strategies as st

from sklearn_jam.jam import jam_axi_cyl
from sklearn_jam.jam._kernels import _exp32, pixel_mean_f32, point_sum_f32
from sklearn_jam.jam._quadrature import pixel_rule


@given(st.floats(-87.0, 0.0, width=32))
def test_exp32_matches_exp_in_single_precision(x):
    got = _exp32(np.float32(x))
    assert abs(got / np.exp(np.float64(x)) - 1) < 3e-7


def test_exp32_underflows_to_zero_and_keeps_nan():
    assert _exp32(np.float32(-87.5)) == 0
    assert _exp32(np.float32(-1e30)) == 0
    assert np.isnan(_exp32(np.float32(np.nan)))


def random_terms(rng, n_gal=3, n_points=7, n_terms=41):
    """Points and terms of the shapes the engine passes, float32, as it scales them."""
    x, y = rng.uniform(-20, 20, (2, n_gal, n_points))
    a, g = rng.uniform(1e-3, 0.5, (2, n_gal, n_terms))
    f0 = rng.uniform(0, 1, (n_gal, n_terms))
    f1 = rng.uniform(-1e-3, 1e-3, (n_gal, n_terms))  # f1 takes either sign
    half = rng.uniform(0.1, 2.0, n_gal)
    return [np.ascontiguousarray(v, dtype=np.float32) for v in (x, y, a, g, f0, f1, half)]


@pytest.mark.parametrize("n_nodes", [1, 3, 4, 9])
def test_pixel_mean_equals_the_rule_in_double_precision(n_nodes):
    x, y, a, g, f0, f1, half = random_terms(np.random.default_rng(n_nodes))
    tau, w_tau = pixel_rule(n_nodes)
    got = np.full(x.shape, np.nan)
    pixel_mean_f32(x, y, a, g, f0, f1, half, *(v.astype(np.float32) for v in (tau, w_tau)), got)

    # the same sums written out, in double precision
    x, y, a, g, f0, f1, half = (v.astype(np.float64) for v in (x, y, a, g, f0, f1, half))
    t = x[..., None, None] + half[:, None, None, None] * tau  # (B, P, 1, N)
    s = y[..., None, None] + half[:, None, None, None] * tau
    a, g, f0, f1 = (v[:, None, :, None] for v in (a, g, f0, f1))  # (B, 1, M, 1)
    mean_x = ((f0 + f1 * t * t) * np.exp(-a * t * t)) @ w_tau
    mean_y = np.exp(-g * s * s) @ w_tau
    np.testing.assert_allclose(got, (mean_x * mean_y).sum(-1), rtol=2e-6)


def test_point_sum_equals_the_sum_in_double_precision():
    x, y, a, g, f0, f1, _ = random_terms(np.random.default_rng(1))
    got = np.full(x.shape, np.nan)
    point_sum_f32(x, y, a, g, f0, f1, got)
    x, y, a, g, f0, f1 = (v.astype(np.float64) for v in (x, y, a, g, f0, f1))
    x2, y2 = x[..., None] ** 2, y[..., None] ** 2
    a, g, f0, f1 = (v[:, None, :] for v in (a, g, f0, f1))
    expected = ((f0 + f1 * x2) * np.exp(-(a * x2 + g * y2))).sum(-1)
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_kernels_propagate_nan():
    x, y, a, g, f0, f1, half = random_terms(np.random.default_rng(0))
    f0[1, 5] = np.nan
    means, values = np.zeros(x.shape), np.zeros(x.shape)
    tau, w_tau = (v.astype(np.float32) for v in pixel_rule(3))
    pixel_mean_f32(x, y, a, g, f0, f1, half, tau, w_tau, means)
    point_sum_f32(x, y, a, g, f0, f1, values)
    for got in (means, values):
        assert np.all(np.isnan(got[1])) and np.all(np.isfinite(got[[0, 2]]))


@pytest.mark.parametrize(
    ("name", "pixsize"),
    [
        ("dark_halo", None),
        ("black_hole", None),
        ("dark_halo", 8.0),  # half side 2.4 PSF sigmas
        ("black_hole_psf_only", None),  # point_sum_f32
        ("dark_halo_pixang30", None),  # point_sum_f32 at the rotated spaxels' points
    ],
)
def test_compiled_engine_equals_the_double_precision_path(name, pixsize):
    """NumPy in (the single-precision kernel) and torch in (double precision) agree."""
    model, psf, x, y, _ = psf_case(name)
    psf["pixsize"] = pixsize or psf["pixsize"]
    expected = jam_axi_cyl(
        **{k: torch.tensor(np.asarray(v, dtype=float)) for k, v in model.items()},
        **psf,
        x=torch.tensor(x),
        y=torch.tensor(y),
    ).numpy()
    np.testing.assert_allclose(jam_axi_cyl(**model, **psf, x=x, y=y), expected, rtol=1e-6)


def test_threads_give_the_same_models():
    model, psf, x, y, _ = psf_case("dark_halo")
    batch = {k: np.stack([v, v]) for k, v in model.items()}  # two galaxies
    batch["distance"] = batch["distance"] * [1.0, 1.2]
    one = jam_axi_cyl(**batch, **psf, x=x, y=y)
    two = jam_axi_cyl(**batch, **psf, x=x, y=y, n_jobs=2)
    np.testing.assert_array_equal(two, one)
