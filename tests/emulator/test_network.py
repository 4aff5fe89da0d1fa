"""The emulator's torch networks and their NumPy activations (the MCMC fast path)."""

import numpy as np
import pytest
import torch

from sklearn_jam.emulator._network import (
    _ACTIVATIONS,
    _NUMPY_ACTIVATIONS,
    _activation,
    _JamNet,
    _TabularNet,
)


@pytest.mark.parametrize("name", sorted(_ACTIVATIONS))
def test_numpy_activation_equals_torch(name):
    x = np.linspace(-6, 6, 101, dtype=np.float32)
    expected = _activation(name, 0.01)(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(_NUMPY_ACTIVATIONS[name](x, 0.01), expected, rtol=2e-6, atol=1e-6)


def test_jam_net_is_the_cnn_then_the_mlp():
    net = _JamNet(3, 8, (4, 6), 3, 1, (0,), 5, (16,), 20, "silu", 0.01)
    X = torch.randn(7, 3 + 64)
    out = net(X)
    assert out.shape == (7, 20)
    features = net.encode(X[:, 3:])
    assert features.shape == (7, 5)
    torch.testing.assert_close(net.head(X[:, :3], features), out)


def test_tabular_net_shape():
    assert _TabularNet(6, (8, 8), 200, "relu", 0.01)(torch.randn(4, 6)).shape == (4, 200)
