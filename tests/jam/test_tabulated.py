"""The inclination table against the engine it tabulates, its one-node case and its refusals."""

import re

import numpy as np
import pytest

from sklearn_jam.jam import arcsec_to_pc, inc_from_qmin, jam_axi_cyl
from sklearn_jam.jam.tabulated import (
    DEFAULT_N_INC,
    anisotropy_factor,
    component_units,
    tabulate_cyl,
)

# A small galaxy with a flat Gaussian (q = 0.3): the table's range reaches close
# to its inclination limit, where the deprojection changes fastest.
LUM = (np.array([3e4, 8e3, 1e3]), np.array([0.3, 1.5, 6.0]), np.array([0.8, 0.3, 0.7]))
HALO = [(np.ones(1), np.array([s]), np.ones(1)) for s in (2.0, 20.0)]
DISTANCE = 5.0
PSF = dict(sigmapsf=np.array([0.3, 1.0]), normpsf=np.array([0.7, 0.3]), pixsize=0.4)
RNG = np.random.default_rng(3)
X, Y = RNG.uniform(-5, 5, (2, 12))
INC_LOW = float(inc_from_qmin(0.06, 0.3))  # the flattest Gaussian at q_intr = 0.06


def engine(inc, ml, halo_mass, mbh, beta_z, n_nodes=48):
    """The engine's V_rms of the whole model: stars at ``ml``, the halo, the black hole."""
    unit = component_units(LUM, DISTANCE)
    pc = arcsec_to_pc(DISTANCE)
    halo_surf = [
        m * unit / (2 * np.pi * (s[0] * pc) ** 2)
        for m, (_, s, _) in zip(halo_mass, HALO, strict=True)
    ]
    return jam_axi_cyl(
        *LUM,
        np.r_[LUM[0] * ml, halo_surf],
        np.r_[LUM[1], [s[0] for _, s, _ in HALO]],
        np.r_[LUM[2], 1.0, 1.0],
        inc,
        np.full(3, beta_z),
        X,
        Y,
        distance=DISTANCE,
        mbh=mbh * unit,
        **PSF,
        n_nodes=n_nodes,
    )


def test_table_matches_the_whole_model_across_inclinations_and_weights():
    table = tabulate_cyl(
        LUM,
        [LUM, *HALO],
        X,
        Y,
        distance=DISTANCE,
        inc_range=(INC_LOW, 90.0),
        black_hole=True,
        **PSF,
    )
    assert table.coef.shape == (DEFAULT_N_INC, 2, 4, X.size)
    inc = np.r_[INC_LOW, INC_LOW + 0.3, RNG.uniform(INC_LOW, 90, 3), 90.0]
    ml, beta_z = RNG.uniform(0.5, 3, inc.size), RNG.uniform(-0.6, 0.4, inc.size)
    halo_mass, mbh = RNG.uniform(0, 2, (inc.size, 2)), 10 ** RNG.uniform(-4, -2, inc.size)
    weights = np.column_stack([ml, halo_mass, mbh])
    ours = table.vrms(inc, weights, anisotropy_factor(beta_z))
    truth = np.array([engine(*args) for args in zip(inc, ml, halo_mass, mbh, beta_z, strict=True)])
    np.testing.assert_allclose(ours, truth, rtol=1e-6)


def test_a_fixed_inclination_is_one_node_and_exact_there():
    table = tabulate_cyl(LUM, [LUM], X, Y, distance=DISTANCE, inc_range=(80.0, 80.0), **PSF)
    assert table.coef.shape[0] == 1
    ours = table.vrms([80.0], [[1.5]], anisotropy_factor([0.2]))[0]
    np.testing.assert_allclose(
        ours, engine(80.0, 1.5, [0, 0], 0.0, 0.2), rtol=1e-7
    )  # the split (iso + (b - 1) aniso) rounds


def test_inclinations_outside_the_table_and_impossible_ranges_are_refused():
    table = tabulate_cyl(LUM, [LUM], X, Y, distance=DISTANCE, inc_range=(75.0, 85.0), n_inc=4)
    with pytest.raises(ValueError, match=re.escape("inc=88 deg is outside the table's range")):
        table.vrms2([80.0, 88.0], [[1.0], [1.0]], [0.0, 0.0])
    limit = np.degrees(np.arccos(0.3))
    with pytest.raises(ValueError, match=f"limit {limit:.4g} deg of the flattest Gaussian"):
        tabulate_cyl(LUM, [LUM], X, Y, distance=DISTANCE, inc_range=(limit - 1, 90.0))
    with pytest.raises(ValueError, match="must not fall"):
        tabulate_cyl(LUM, [LUM], X, Y, distance=DISTANCE, inc_range=(85.0, 75.0))
    with pytest.raises(ValueError, match="positive total mass"):
        tabulate_cyl(
            LUM,
            [(np.zeros(1), np.ones(1), np.ones(1))],
            X,
            Y,
            distance=DISTANCE,
            inc_range=(75.0, 85.0),
        )
