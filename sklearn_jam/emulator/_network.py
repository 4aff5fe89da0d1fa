"""The emulator's torch networks, their activations in torch and NumPy, and the
training progress callbacks (skorch)."""

import re
import sys

import numpy as np
import torch
from scipy.special import erf as _erf
from skorch.callbacks import Callback
from torch import nn
from tqdm.auto import tqdm

_ACTIVATIONS = {
    "leaky_relu": None,  # built with negative_slope
    "relu": nn.ReLU,
    "silu": nn.SiLU,
    "gelu": nn.GELU,
    "tanh": nn.Tanh,
    "elu": nn.ELU,
}


def _np_silu(x, _):
    return x / (1 + np.exp(-x))


_NUMPY_ACTIVATIONS = {
    "leaky_relu": lambda x, slope: np.where(x >= 0, x, x * np.float32(slope)),
    "relu": lambda x, _: np.maximum(x, 0),
    "silu": _np_silu,
    "gelu": lambda x, _: 0.5 * x * (1 + _erf(x / np.sqrt(np.float32(2)))),
    "tanh": lambda x, _: np.tanh(x),
    "elu": lambda x, _: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
}


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _print_table_row(text):
    """skorch's table, without its colour codes unless printing to a terminal."""
    print(text if sys.stdout.isatty() else _ANSI.sub("", text))


class _EpochBar(Callback):
    """One progress bar over the epochs, with the latest losses (``verbose=1``)."""

    def on_train_begin(self, net, **kwargs):
        self.bar_ = tqdm(total=net.max_epochs, unit="epoch", desc="training")

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        losses = {k: f"{row[k]:.3g}" for k in ("train_loss", "valid_loss") if k in row}
        self.bar_.set_postfix(losses, refresh=False)
        self.bar_.update()

    def on_train_end(self, net, **kwargs):
        self.bar_.close()
        del self.bar_  # a tqdm bar cannot be pickled with the model


def _activation(name, negative_slope):
    if name not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {name!r}")
    if name == "leaky_relu":
        return nn.LeakyReLU(negative_slope)
    return _ACTIVATIONS[name]()


def _mlp(sizes, n_outputs, activation, negative_slope):
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [nn.Linear(n_in, n_out), _activation(activation, negative_slope)]
    layers.append(nn.Linear(sizes[-1], n_outputs))
    return nn.Sequential(*layers)


class _TabularNet(nn.Module):
    """The MLP alone, on scalar inputs (``image_side=None``)."""

    def __init__(self, n_inputs, hidden_layer_sizes, n_outputs, activation, negative_slope):
        super().__init__()
        self.mlp = _mlp([n_inputs, *hidden_layer_sizes], n_outputs, activation, negative_slope)

    def forward(self, X):
        return self.mlp(X)


class _JamNet(nn.Module):
    """CNN on the image -> feature vector, concatenated with the scalars, -> MLP."""

    def __init__(
        self,
        n_scalars,
        image_side,
        conv_channels,
        conv_kernel_size,
        conv_stride,
        pool_after,
        n_image_features,
        hidden_layer_sizes,
        n_outputs,
        activation,
        negative_slope,
    ):
        super().__init__()
        self.n_scalars = n_scalars
        self.image_side = image_side
        layers, in_ch = [], 1
        for i, ch in enumerate(conv_channels):
            pad = (conv_kernel_size - conv_stride + 1) // 2 if conv_kernel_size > conv_stride else 0
            layers += [
                nn.Conv2d(in_ch, ch, conv_kernel_size, stride=conv_stride, padding=pad),
                _activation(activation, negative_slope),
            ]
            if i in pool_after:
                layers.append(nn.MaxPool2d(2))
            in_ch = ch
        layers.append(nn.Flatten())
        conv = nn.Sequential(*layers)
        with torch.no_grad():
            n_flat = conv(torch.zeros(1, 1, image_side, image_side)).shape[1]
        self.cnn = nn.Sequential(conv, nn.Linear(n_flat, n_image_features))
        sizes = [n_scalars + n_image_features, *hidden_layer_sizes]
        self.mlp = _mlp(sizes, n_outputs, activation, negative_slope)

    def encode(self, images):
        return self.cnn(images.reshape(-1, 1, self.image_side, self.image_side))

    def head(self, scalars, features):
        return self.mlp(torch.cat([scalars, features], dim=1))

    def forward(self, X):
        return self.head(X[:, : self.n_scalars], self.encode(X[:, self.n_scalars :]))
