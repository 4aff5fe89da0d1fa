import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest

from sklearn_jam import JamSimulator, sample_prior
from sklearn_jam.plotting import plot_error_histograms, plot_maps, sky_map


@pytest.fixture(scope="module")
def maps():
    params = sample_prior(3, random_state=0)
    sim = JamSimulator()
    y = sim.transform(params)
    y_pred = y * (1 + 0.003 * np.random.default_rng(0).standard_normal(y.shape))
    return params, sim.images(params), y, y_pred


def _colorbar_labels(fig):
    return [ax.get_ylabel() for ax in fig.axes if ax.get_label() == "<colorbar>"]


def test_figure2_explains_itself(maps):
    params, images, y, y_pred = maps
    fig = plot_maps(images, y, y_pred, params=params, labels=["worst map", "a", "b"], title="T")
    panels = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert len(panels) == 12
    for ax in panels:
        assert ax.get_xlabel() == "x [arcsec]" and ax.get_ylabel().endswith("y [arcsec]")
    labels = _colorbar_labels(fig)
    assert len(labels) == 12 and all(labels)
    assert sum("sqrt" in lab for lab in labels) == 6 and labels.count("E [%]") == 3
    first = panels[0].get_title()
    for name in ("worst map", "$n$", "$r_e$", "$q_l$", "$q_m$", "beta_z", "$i$"):
        assert name in first
    assert fig._suptitle.get_text() == "T"
    # Each residual panel on its own symmetric scale, its largest |E|: a small error is not
    # blank beside the worst map (issue 21).
    err = np.abs((y_pred - y) / y) * 100
    for k, ax in enumerate(panels[9:]):
        low, high = ax.images[0].get_clim()
        assert low == -high and high == pytest.approx(err[k].max(), rel=1e-6)
    plt.close(fig)


def test_figure3_shows_the_tails(maps):
    _, _, y, y_pred = maps
    fig = plot_error_histograms(y, y_pred, title="T")
    for ax in fig.axes:
        assert ax.get_yscale() == "log" and ax.get_xlabel() and ax.get_ylabel()
        assert ax.get_title()
    plt.close(fig)


def test_sky_map_mirrors_the_quadrant(maps):
    _, _, y, _ = maps
    img, extent = sky_map(y[0], n_pix=41)
    np.testing.assert_allclose(img, img[::-1, ::-1], equal_nan=True)
    np.testing.assert_allclose(img, img[:, ::-1], equal_nan=True)
    assert extent[1] == pytest.approx(25 / np.sqrt(2))


def test_posterior_and_kinematics_figures_label_their_parameters():
    from sklearn_jam import JamKinematics
    from sklearn_jam.datasets import M32_MGE
    from sklearn_jam.plotting import plot_kinematics_fit, plot_posterior

    grid = np.linspace(-4, 4, 4)
    X = np.array([(x, y) for x in grid for y in grid])
    fit = JamKinematics(*M32_MGE, 0.7, sigmapsf=0.5, pixsize=0.5, n_walkers=6, n_steps=4)
    vrms = fit.model_vrms({"q_min": 0.45, "ratio": 0.9, "lg_ml": 0.2}, X)[0]
    fit.fit(X, vrms, 0.02 * vrms)
    fig = plot_posterior(fit)
    labels = {ax.get_xlabel() for ax in fig.axes}
    assert {r"$q_{\rm min}$", r"$\sigma_z/\sigma_R$", r"$\lg(M/L)$"} <= labels
    plt.close(fig)
    fig = plot_kinematics_fit(fit, X, vrms)
    # plotbin draws each colorbar in an inset axes of its map
    text = " ".join(c.get_ylabel() for ax in fig.axes for c in ax.child_axes)
    assert "Data" in text and "Model" in text and "Data $-$ model" in text
    plt.close(fig)
