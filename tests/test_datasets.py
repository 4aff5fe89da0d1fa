"""jampy's example data, read from the installed jampy."""

import numpy as np
import pytest

from sklearn_jam.datasets import load_jampy_example


@pytest.mark.parametrize("name", ["dark_halo", "black_hole"])
def test_load_jampy_example(name):
    data = load_jampy_example(name)
    n = len(data.vrms)
    assert data.X.shape == (n, 2) and data.erms.shape == (n,) and n > 100
    assert np.all(data.erms > 0) and data.surf_lum.shape == (12,)
    assert np.isclose(data.normpsf.sum(), 1) and data.pixsize > 0 and data.distance == 0.7
    data.surf_lum[0] = -1  # a copy: the next call is unchanged
    assert load_jampy_example(name).surf_lum[0] > 0


def test_unknown_example_is_refused():
    with pytest.raises(ValueError, match="name='halo' must be one of"):
        load_jampy_example("halo")
