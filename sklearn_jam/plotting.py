"""Figures 2 and 3 of the paper, with matplotlib."""

import numpy as np

from .grid import PolarGrid
from .metrics import max_relative_error, relative_error

__all__ = ["sky_map", "plot_maps", "plot_error_histograms"]


def sky_map(values, grid=None, n_pix=101, extent=None):
    """Draw a quadrant map on the whole sky by mirroring, on a Cartesian grid.

    Parameters
    ----------
    values : array-like of shape (n_rad * n_ang,)
        One map on ``grid``.
    grid : PolarGrid, optional
        Defaults to the SPEC grid.
    n_pix : int, default=101
        Pixels per side of the drawn map.
    extent : float, optional
        Half-size of the field in arcsec; defaults to ``grid.r_max / sqrt(2)``
        so that the whole square lies inside the grid.

    Returns
    -------
    image : ndarray of shape (n_pix, n_pix)
        NaN inside ``grid.r_min``.
    extent : tuple of float
        ``(xmin, xmax, ymin, ymax)`` in arcsec, for ``imshow``.
    """
    grid = PolarGrid() if grid is None else grid
    half = grid.r_max / np.sqrt(2) if extent is None else float(extent)
    xs = np.linspace(-half, half, n_pix)
    xx, yy = np.meshgrid(xs, xs)
    r = np.hypot(xx, yy).ravel()
    img = grid.interpolate(values, xx.ravel(), yy.ravel(), out_of_range="clip")
    img = np.where((r < grid.r_min) | (r > grid.r_max), np.nan, img)
    return img.reshape(n_pix, n_pix), (-half, half, -half, half)


def plot_maps(images, y_true, y_pred, scalars=None, grid=None, pixel_scale=0.8, fig=None):
    """Figure 2: image, true map, predicted map and residual for a few galaxies.

    Parameters
    ----------
    images : array-like of shape (n, npix, npix)
        Mock photometry.
    y_true, y_pred : array-like of shape (n, n_rad * n_ang)
        True (JAM) and emulated V_rms maps.
    scalars : array-like of shape (n, 3), optional
        ``q_m, beta_z, inc`` for the titles.
    grid : PolarGrid, optional
    pixel_scale : float, default=0.8
        Arcsec per image pixel.
    fig : matplotlib Figure, optional

    Returns
    -------
    fig : matplotlib Figure
    """
    import matplotlib.pyplot as plt

    images, y_true, y_pred = np.asarray(images), np.asarray(y_true), np.asarray(y_pred)
    n = len(images)
    fig = fig or plt.figure(figsize=(2.6 * n, 10))
    axes = fig.subplots(4, n, squeeze=False)
    half_img = images.shape[-1] * pixel_scale / 2
    err = relative_error(y_true, y_pred) * 100
    for k in range(n):
        ax = axes[0, k]
        ax.imshow(
            np.log10(images[k]),
            origin="lower",
            cmap="gray",
            extent=(-half_img, half_img, -half_img, half_img),
        )
        title = f"galaxy {k}"
        if scalars is not None:
            q_m, beta_z, inc = np.asarray(scalars)[k]
            title = f"$\\beta_z$={beta_z:.2f}, i={inc:.0f}°"
        ax.set_title(title, fontsize=9)
        vmin, vmax = np.nanmin(y_true[k]), np.nanmax(y_true[k])
        for row, vals, cmap, lim in (
            (1, y_true[k], "viridis", (vmin, vmax)),
            (2, y_pred[k], "viridis", (vmin, vmax)),
            (3, err[k], "RdBu_r", (-np.abs(err[k]).max(), np.abs(err[k]).max())),
        ):
            img, ext = sky_map(vals, grid)
            im = axes[row, k].imshow(
                img, origin="lower", extent=ext, cmap=cmap, vmin=lim[0], vmax=lim[1]
            )
            fig.colorbar(im, ax=axes[row, k], fraction=0.046, pad=0.04)
    for row, label in enumerate(["image (log)", "JAM V_rms", "emulator V_rms", "E (%)"]):
        axes[row, 0].set_ylabel(label)
    for ax in axes.ravel():
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    return fig


def plot_error_histograms(y_true, y_pred, fig=None):
    """Figure 3: histogram of E over all points, and of the per-map max ``|E|``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n, n_points)
    fig : matplotlib Figure, optional

    Returns
    -------
    fig : matplotlib Figure
    """
    import matplotlib.pyplot as plt

    e = relative_error(y_true, y_pred).ravel() * 100
    emax = max_relative_error(y_true, y_pred, aggregate=None) * 100
    fig = fig or plt.figure(figsize=(10, 4))
    ax1, ax2 = fig.subplots(1, 2)
    lim = max(2.5, np.percentile(np.abs(e), 99.9))
    ax1.hist(e, bins=100, range=(-lim, lim), color="C0")
    ax1.set_xlabel("E = (model - truth) / truth  [%]")
    ax1.set_ylabel("grid points")
    ax2.hist(emax, bins=60, range=(0, max(3.0, emax.max())), color="C1")
    ax2.set_xlabel("max |E| per map  [%]")
    ax2.set_ylabel("maps")
    for ax in (ax1, ax2):
        for mark in (1, 2):
            ax.axvline(mark, color="k", ls="--", lw=0.8)
            if ax is ax1:
                ax.axvline(-mark, color="k", ls="--", lw=0.8)
    ax2.set_title(
        f"{np.mean(emax < 1) * 100:.1f}% of maps < 1%, {np.mean(emax < 2) * 100:.1f}% < 2%",
        fontsize=9,
    )
    fig.tight_layout()
    return fig
