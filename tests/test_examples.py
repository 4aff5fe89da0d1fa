"""The examples run as scripts, in their quick settings."""

import subprocess
import sys
from pathlib import Path

import pytest
from _helpers import requires_jampy8

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

QUICK = {
    "quickstart.py": ["--n-samples", "12", "--max-epochs", "3"],
    "grid_search_architectures.py": ["--n-samples", "12", "--max-epochs", "2"],
    "persistence.py": ["--n-samples", "6"],
    "distributed_simulation.py": ["--n-samples", "4"],
    "fit_mock_galaxy.py": ["--steps", "20", "--walkers", "8", "--train-if-missing", "12"],
    "jampy_dark_halo.py": ["--quick", "--out", "out"],
    "jampy_black_hole.py": ["--quick", "--out", "out"],
    "ngc4342_from_image.py": ["--steps", "12", "--walkers", "8", "--out", "out"],
}


def test_every_example_is_covered():
    scripts = [p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")]  # not helpers
    assert sorted(scripts) == sorted(QUICK)


@pytest.mark.slow
@pytest.mark.parametrize(
    "name",
    # jampy's two examples compare with jampy 8's cylindrical jam_axi_proj
    [
        pytest.param(n, marks=requires_jampy8) if n.startswith("jampy_") else n
        for n in sorted(QUICK)
    ],
)
def test_example_runs(name, tmp_path):
    args = QUICK[name]
    if name == "fit_mock_galaxy.py":
        args = [*args, "--out", str(tmp_path / "corner.png")]
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    if name == "fit_mock_galaxy.py":
        assert "likelihood calls" in proc.stdout and (tmp_path / "corner.png").exists()
    if name == "ngc4342_from_image.py":
        assert "MGE: 12 Gaussians" in proc.stdout and "may not be converged" in proc.stdout
        files = {"corner.png", "maps.png", "image.png", "summary.ecsv", "posterior.fits"}
        assert files <= {p.name for p in (tmp_path / "out").iterdir()}
    if name.startswith("jampy_"):
        assert (
            "sklearn_jam vs jam_axi_proj" in proc.stdout and "jampy example (AdaMet)" in proc.stdout
        )
        assert (tmp_path / "out" / "maps.png").exists() and (
            tmp_path / "out" / "corner.png"
        ).exists()


@pytest.mark.parametrize("name", sorted(QUICK))
def test_every_example_explains_itself_in_help(name):
    """``--help`` of each example has its docstring's first paragraph and a help per option."""
    import ast

    tree = ast.parse((EXAMPLES / name).read_text())
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)]
    parsers = [c for c in calls if getattr(c.func, "attr", None) == "ArgumentParser"]
    assert parsers and any(k.arg == "description" for k in parsers[0].keywords), name
    options = [c for c in calls if getattr(c.func, "attr", None) == "add_argument"]
    bare = [ast.unparse(c.args[0]) for c in options if not any(k.arg == "help" for k in c.keywords)]
    assert options and not bare, f"{name}: options without help {bare}"
