import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sklearn_jam.grid import PolarGrid

GRID = PolarGrid()


def test_spec_grid():
    np.testing.assert_allclose(GRID.rad, np.geomspace(0.5, 25, 20))
    np.testing.assert_allclose(np.degrees(GRID.ang), np.linspace(0, 90, 10))
    # index = i_r * 10 + i_theta
    assert GRID.x[3 * 10 + 0] == pytest.approx(GRID.rad[3])
    assert GRID.y[3 * 10 + 9] == pytest.approx(GRID.rad[3])
    assert GRID.feature_names()[13] == "vrms_r01_t03"


def test_matches_reference_grid(reference):
    np.testing.assert_allclose(GRID.rad, reference["rad"])
    np.testing.assert_allclose(GRID.ang, reference["ang"])


@given(st.lists(st.floats(-5, 5), min_size=200, max_size=200))
def test_exact_at_nodes(vals):
    vals = np.array(vals)
    np.testing.assert_allclose(GRID.interpolate(vals, GRID.x, GRID.y), vals, atol=1e-12)


@given(st.integers(0, 2**32 - 1))
def test_quadrant_symmetry(seed):
    rng = np.random.default_rng(seed)
    vals = rng.normal(size=(3, 200))
    r = np.exp(rng.uniform(np.log(0.5), np.log(25), 50))
    t = rng.uniform(0, np.pi / 2, 50)
    x, y = r * np.cos(t), r * np.sin(t)
    ref = GRID.interpolate(vals, x, y)
    assert ref.shape == (3, 50)
    for sx, sy in [(-1, 1), (1, -1), (-1, -1)]:
        np.testing.assert_allclose(GRID.interpolate(vals, sx * x, sy * y), ref)


def test_linear_in_log_r_and_theta():
    # A map linear in (log r, theta) is reproduced exactly between the nodes.
    r, t = np.meshgrid(GRID.rad, GRID.ang, indexing="ij")
    vals = (2 * np.log(r) + 3 * t).ravel()
    x, y = 3.3 * np.cos(0.7), 3.3 * np.sin(0.7)
    assert GRID.interpolate(vals, [x], [y])[0] == pytest.approx(2 * np.log(3.3) + 3 * 0.7)


@given(st.lists(st.floats(-1e3, 1e3), min_size=400, max_size=400))
def test_reshape_round_trip(vals):
    flat = np.array(vals).reshape(2, 200)
    np.testing.assert_array_equal(GRID.to_flat(GRID.to_maps(flat)), flat)


def test_out_of_range():
    with pytest.raises(ValueError, match="outside the grid radii"):
        GRID.interpolate(np.ones(200), [0.1], [0.0])
    assert GRID.interpolate(np.arange(200.0), [30.0], [0.0], out_of_range="clip")[0] == 190.0
    with pytest.raises(ValueError, match="200 grid points"):
        GRID.interpolate(np.ones(10), [1.0], [1.0])
