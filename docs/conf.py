"""Sphinx configuration of the sklearn_jam documentation."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "docs" / "_ext"))

import sklearn_jam  # noqa: E402

project = "sklearn_jam"
author = "sklearn_jam developers"
release = sklearn_jam.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx.ext.mathjax",
    "cli_help",
]
autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_validation_checks = set()
autodoc_default_options = {
    "members": True,
    # scikit-learn's metadata-routing helpers and inherited methods document themselves there.
    "exclude-members": "set_fit_request,set_predict_request,set_score_request,"
    "set_transform_request,set_output,score,fit_transform",
}
exclude_patterns = ["_build"]
templates_path = ["_templates"]
html_theme = "pydata_sphinx_theme"
html_static_path = ["_static"]
# Code blocks and tables as wide as the window: commands and tables are not cut off.
html_css_files = ["custom.css"]
html_theme_options = {"secondary_sidebar_items": ["page-toc"], "navigation_with_keys": False}
# The pages are one level deep: no left sidebar, so the article (and its code) gets the width.
html_sidebars = {"**": []}
nitpicky = False


def _grid_figure(app):
    """Draw the polar grid for the user guide (committed; drawn again only when missing)."""
    target = Path(app.srcdir) / "_static" / "grid.png"
    if target.exists():
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from sklearn_jam import PolarGrid

    grid = PolarGrid()
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    t = np.linspace(0, np.pi / 2, 50)
    for r in grid.rad:
        ax.plot(r * np.cos(t), r * np.sin(t), color="0.85", lw=0.5)
    ax.plot(grid.x, grid.y, ".", ms=4)
    ax.set_xlabel("x along the major axis [arcsec]")
    ax.set_ylabel("y along the projected symmetry axis [arcsec]")
    ax.set_aspect("equal")
    ax.set_title("20 radii x 10 angles; index = i_r * 10 + i_theta", fontsize=9)
    fig.tight_layout()
    fig.savefig(target, dpi=90, metadata={"Software": None})
    plt.close(fig)


def setup(app):
    app.connect("builder-inited", _grid_figure)
