"""Figures 2 and 3 of the paper, with matplotlib."""

import numpy as np

from .grid import PolarGrid
from .metrics import max_relative_error, relative_error

__all__ = [
    "sky_map",
    "plot_maps",
    "plot_error_histograms",
    "plot_posterior",
    "plot_kinematics_fit",
    "format_interval",
]


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


#: The unit of the maps (SPEC section 3): V_rms in units of sqrt(G M_tot / r_ser).
VRMS_UNIT_LABEL = r"$V_{\rm rms}\,/\,\sqrt{G M / r_{\rm ser}}$"


def _galaxy_title(params, scalars, k, label):
    if params is not None:
        n_ser, r_ser, q_l, q_m, beta_z, inc = np.asarray(params)[k]
        text = (
            f'$n$={n_ser:.2f} $r_e$={r_ser:.1f}" $q_l$={q_l:.2f}\n'
            f"$q_m$={q_m:.2f} $\\beta_z$={beta_z:.2f} $i$={inc:.1f}°"
        )
    elif scalars is not None:
        q_m, beta_z, inc = np.asarray(scalars)[k]
        text = f"$q_m$={q_m:.2f} $\\beta_z$={beta_z:.2f} $i$={inc:.1f}°"
    else:
        text = f"galaxy {k}"
    return f"{label}\n{text}" if label else text


def plot_maps(
    images,
    y_true,
    y_pred,
    scalars=None,
    params=None,
    labels=None,
    title=None,
    grid=None,
    pixel_scale=0.8,
    fig=None,
):
    """Figure 2: image, true map, predicted map and residual for a few galaxies.

    Rows: the mock image (log10 of each pixel's fraction of the light, over the
    whole image), the JAM and emulated V_rms maps (in units of
    ``sqrt(G M / r_ser)``, mirrored from the grid's quadrant over the largest
    square inside the grid), and ``E = (emulator - JAM) / JAM`` in percent, each
    residual panel on a symmetric scale of its own largest ``|E|`` (its colour
    bar says which), so that a small error is not blank beside the worst map.
    Axes are sky coordinates in arcsec, x along the major axis.

    Parameters
    ----------
    images : array-like of shape (n, npix, npix)
        Mock photometry.
    y_true, y_pred : array-like of shape (n, n_rad * n_ang)
        True (JAM) and emulated V_rms maps.
    scalars : array-like of shape (n, 3), optional
        ``q_m, beta_z, inc [deg]`` for the titles, when ``params`` is not given.
    params : array-like of shape (n, 6), optional
        All galaxy parameters (``n_ser, r_ser [arcsec], q_l, q_m, beta_z, inc
        [deg]``) for the titles.
    labels : list of str, optional
        A first title line per galaxy, e.g. ``'worst map'``.
    title : str, optional
        Figure title, e.g. the model and the test set.
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
    fig = fig or plt.figure(figsize=(2.9 * n + 0.6, 11.5))
    axes = fig.subplots(4, n, squeeze=False)
    half_img = images.shape[-1] * pixel_scale / 2
    err = relative_error(y_true, y_pred) * 100
    # each column its own scale: one shared with the worst map leaves the others blank
    err_lims = np.maximum(np.nanmax(np.abs(err), axis=1), 1e-3)
    for k in range(n):
        ax = axes[0, k]
        with np.errstate(divide="ignore"):
            log_img = np.log10(images[k])
        im = ax.imshow(
            log_img, origin="lower", cmap="gray", extent=(-half_img, half_img, -half_img, half_img)
        )
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04).set_label(
            "log10 light fraction", fontsize=7
        )
        ax.set_title(_galaxy_title(params, scalars, k, labels[k] if labels else None), fontsize=8)
        vmin, vmax = np.nanmin(y_true[k]), np.nanmax(y_true[k])
        for row, vals, cmap, lim, unit in (
            (1, y_true[k], "viridis", (vmin, vmax), VRMS_UNIT_LABEL),
            (2, y_pred[k], "viridis", (vmin, vmax), VRMS_UNIT_LABEL),
            (3, err[k], "RdBu_r", (-err_lims[k], err_lims[k]), "E [%]"),
        ):
            img, ext = sky_map(vals, grid)
            im = axes[row, k].imshow(
                img, origin="lower", extent=ext, cmap=cmap, vmin=lim[0], vmax=lim[1]
            )
            fig.colorbar(im, ax=axes[row, k], fraction=0.046, pad=0.04).set_label(unit, fontsize=7)
    row_names = [
        f'image, {2 * half_img:.1f}" field',
        "JAM",
        "emulator",
        "E = (emulator - JAM) / JAM",
    ]
    for row, name in enumerate(row_names):
        for k in range(n):
            ax = axes[row, k]
            ax.set_xlabel("x [arcsec]", fontsize=7)
            ax.set_ylabel(f"{name}\ny [arcsec]" if k == 0 else "y [arcsec]", fontsize=7)
            ax.tick_params(labelsize=6)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_error_histograms(y_true, y_pred, title=None, fig=None):
    """Figure 3: histogram of E over all points, and of the per-map max ``|E|``.

    Both y-axes are logarithmic, so that the tails (the maps a user must worry
    about) show beside the peak.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n, n_points)
    title : str, optional
        Figure title, e.g. the model and the test set.
    fig : matplotlib Figure, optional

    Returns
    -------
    fig : matplotlib Figure
    """
    import matplotlib.pyplot as plt

    e = relative_error(y_true, y_pred).ravel() * 100
    emax = max_relative_error(y_true, y_pred, aggregate=None) * 100
    fig = fig or plt.figure(figsize=(10, 4.3))
    ax1, ax2 = fig.subplots(1, 2)
    # Ranges follow the errors, so that a good emulator's histogram is not one bin;
    # the 1% and 2% marks show where they fall inside.
    lim = max(1.05 * np.abs(e).max(), 0.05)
    ax1.hist(e, bins=100, range=(-lim, lim), color="C0")
    ax1.set_xlabel("E = (emulator - JAM) / JAM  [%]")
    ax1.set_ylabel("grid points")
    ax1.set_title(
        f"all {e.size:,} grid points: median |E| = {np.median(np.abs(e)):.3f}%", fontsize=9
    )
    ax2.hist(emax, bins=60, range=(0, max(1.05 * emax.max(), 0.05)), color="C1")
    ax2.set_xlabel("max |E| per map  [%]")
    ax2.set_ylabel("maps")
    for ax in (ax1, ax2):
        ax.set_yscale("log")
        for mark in (1, 2):
            for sign in (1, -1) if ax is ax1 else (1,):
                if sign * mark < ax.get_xlim()[1] and sign * mark > ax.get_xlim()[0]:
                    ax.axvline(sign * mark, color="k", ls="--", lw=0.8)
    ax2.set_title(
        f"{len(emax):,} maps: {np.mean(emax < 1) * 100:.2f}% < 1%, "
        f"{np.mean(emax < 2) * 100:.2f}% < 2%",
        fontsize=9,
    )
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_posterior(fit, truths=None, fig=None, *, order=None, ranges=None):
    """Corner plot of a fitted :class:`~sklearn_jam.JamKinematics` posterior.

    Parameters
    ----------
    fit : JamKinematics
        A fitted estimator.
    truths : dict, optional
        ``{name: value}`` drawn as lines (a mock's inputs).
    fig : matplotlib.figure.Figure, optional
        Figure to draw in.
    order : list of str, optional
        The free parameters in the order to show them (default: the fit's);
        for a figure beside another code's, such as jampy's examples.
    ranges : 'bounds' or list of (low, high), optional
        Axis ranges per shown parameter; 'bounds' uses the fit's prior bounds,
        as AdaMet's and jampy's figures do. Default: corner's, from the samples.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The ``corner`` figure, each parameter titled with its median and 16-84%
        range, the three numbers to one precision (:func:`format_interval`).
    """
    import corner

    from .kinematics import LABELS

    names = list(fit.param_names_ if order is None else order)
    if sorted(names) != sorted(fit.param_names_):
        raise ValueError(f"order={order!r} must list the free parameters {fit.param_names_}")
    columns = [fit.param_names_.index(n) for n in names]
    if isinstance(ranges, str):
        if ranges != "bounds":
            raise ValueError(f"ranges={ranges!r} must be 'bounds' or a list of (low, high)")
        ranges = [tuple(fit._setup_["bounds"][n]) for n in names]
    lines = None if truths is None else [truths.get(n) for n in names]
    labels = [LABELS.get(n, n) for n in names]
    fig = corner.corner(
        fit.samples_[:, columns],
        weights=getattr(fit, "sample_weight_", None),  # a reweighted fit: exact JAM's posterior
        labels=labels,
        truths=lines,
        range=ranges,
        quantiles=[0.1587, 0.5, 0.8413],
        fig=fig,
    )
    diagonal = np.asarray(fig.axes).reshape(len(names), len(names)).diagonal()
    for ax, label, name in zip(diagonal, labels, names, strict=True):
        ax.set_title(f"{label} = {format_interval(*fit.summary_[name][:3], tex=True)}", fontsize=9)
    return fig


def format_interval(p16, median, p84, tex=False):
    """``median +up -down`` with all three to the decimals of the smaller error's 2 digits.

    Parameters
    ----------
    p16, median, p84 : float
        The 16th, 50th and 84th percentiles.
    tex : bool, default=False
        Matplotlib mathtext (superscript and subscript) instead of plain text.

    Returns
    -------
    text : str
        For example ``0.379 +0.110 -0.062``.
    """
    up, down = p84 - median, median - p16
    err = min(e for e in (up, down, abs(median) or 1.0) if e > 0) if max(up, down) > 0 else 0
    decimals = int(np.clip(1 - np.floor(np.log10(err)), 0, 8)) if err > 0 else 3
    m, u, d = (f"{v:.{decimals}f}" for v in (median, up, down))
    return f"${m}^{{+{u}}}_{{-{d}}}$" if tex else f"{m} +{u} -{d}"


def plot_kinematics_fit(fit, X, y, fig=None, *, vrms_err=None):
    """Observed and best-fit V_rms maps and their residuals, side by side.

    Parameters
    ----------
    fit : JamKinematics
        A fitted estimator.
    X : array-like of shape (n_bins, 2)
        Bin positions in arcsec.
    y : array-like of shape (n_bins,)
        Observed V_rms in km/s.
    fig : matplotlib.figure.Figure, optional
        Figure to draw in (a new one by default).
    vrms_err : array-like of shape (n_bins,), optional
        The V_rms errors in km/s: the residuals are then shown in units of
        them, ``(data - model) / error`` from -3 to 3 (what the fit's chi^2
        sums); without them, in km/s.

    Returns
    -------
    fig : matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from plotbin.plot_velfield import plot_velfield

    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    model = fit.predict(X)
    fig = plt.figure(figsize=(12, 4)) if fig is None else fig
    vmin, vmax = np.percentile(np.concatenate([y, model]), [0.5, 99.5])
    resid = y - model
    lim, resid_label = np.percentile(np.abs(resid), 99), r"Data $-$ model (km/s)"
    if vrms_err is not None:
        resid, lim = resid / np.asarray(vrms_err, dtype=float), 3.0
        resid_label = r"(Data $-$ model) / error"
    panels = (
        (y, r"Data $V_{\rm rms}$ (km/s)", vmin, vmax),
        (model, r"Model $V_{\rm rms}$ (km/s)", vmin, vmax),
        (resid, resid_label, -lim, lim),
    )
    for k, (values, label, lo, hi) in enumerate(panels):
        ax = fig.add_subplot(1, 3, k + 1)
        plot_velfield(X[:, 0], X[:, 1], values, vmin=lo, vmax=hi, colorbar=True, label=label, ax=ax)
        ax.set_xlabel("arcsec")
        if k == 0:
            ax.set_ylabel("arcsec")
    fig.tight_layout()
    return fig
