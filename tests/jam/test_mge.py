"""The deterministic Sersic MGE recipe of SPEC v2 section 3."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import gammaincinv

from sklearn_jam.jam.mge import SERSIC_MGE_N_RANGE, sersic_mge

RADII = np.geomspace(1e-2, 10, 2000)


def profile_error(n_ser):
    surf, sigma = sersic_mge(n_ser)
    model = np.exp(-0.5 * (RADII[:, None] / sigma) ** 2) @ surf
    exact = np.exp(-gammaincinv(2 * n_ser, 0.5) * (RADII ** (1 / n_ser) - 1))
    return np.abs(model / exact - 1).max()


@given(st.floats(2, 4))
def test_within_2e_3_of_the_sersic_profile_over_the_prior(n_ser):
    assert profile_error(n_ser) < 2e-3


def test_positive_sorted_and_smooth_in_n():
    n = np.linspace(2, 4, 2001)
    surf, sigma = sersic_mge(n)
    assert np.all(surf > 0) and np.all(np.diff(sigma, axis=1) > 0)
    # A polynomial in n: second differences are tiny, with no jump anywhere.
    for v in (np.log(surf), np.log(sigma)):
        assert np.abs(np.diff(v, 2, axis=0)).max() < 1e-5


def test_outside_range_is_refused():
    lo, hi = SERSIC_MGE_N_RANGE
    with pytest.raises(ValueError, match=r"n_ser=.* outside the range"):
        sersic_mge(hi + 0.1)
    with pytest.raises(ValueError, match="outside the range"):
        sersic_mge(np.nan)


SCRIPT = (
    "import json, sys, numpy as np; from sklearn_jam.jam.mge import sersic_mge; "
    "s, g = sersic_mge(np.linspace(2, 4, 41)); "
    "print(json.dumps([s.tobytes().hex(), g.tobytes().hex()]))"
)


@pytest.mark.slow
def test_bitwise_identical_across_threads_and_kernels():
    """Same bits with 1 or 2 threads and other OpenBLAS core types, in fresh processes."""
    outputs = set()
    for env in (
        {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
        {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2"},
        {"OPENBLAS_CORETYPE": "Haswell"},
        {"OPENBLAS_CORETYPE": "Sandybridge"},
        {"OPENBLAS_CORETYPE": "Prescott"},
    ):
        run = subprocess.run(
            [sys.executable, "-c", SCRIPT],
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.add(tuple(json.loads(run.stdout)))
    assert len(outputs) == 1
    here = sersic_mge(np.linspace(2, 4, 41))
    assert outputs.pop() == (here[0].tobytes().hex(), here[1].tobytes().hex())


@given(st.floats(1, 1.5))
def test_the_exponential_segment_is_as_accurate(n_ser):
    assert profile_error(n_ser) < 5e-4


def test_the_two_segments_meet_at_1_5():
    below, above = sersic_mge(np.nextafter(1.5, 0)), sersic_mge(1.5)
    for v, w in zip(below, above, strict=True):
        np.testing.assert_allclose(v, w, rtol=1e-6)
    assert SERSIC_MGE_N_RANGE == (1.0, 6.0)
    with pytest.raises(ValueError, match="outside the range"):
        sersic_mge(0.99)
