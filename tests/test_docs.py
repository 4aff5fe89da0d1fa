"""docs/api.rst lists every public name of every public module."""

import importlib
import inspect
import re
from pathlib import Path

import pytest

import sklearn_jam

API = Path(__file__).resolve().parents[1] / "docs" / "api.rst"

#: Modules whose __all__ is public API (the deprecated aliases of 0.3 are not).
PUBLIC_MODULES = [
    "sklearn_jam",
    "sklearn_jam.cli",
    "sklearn_jam.cli.demo",
    "sklearn_jam.cli.evaluate",
    "sklearn_jam.cli.fit",
    "sklearn_jam.cli.timing",
    "sklearn_jam.cli.train",
    "sklearn_jam.datasets",
    "sklearn_jam.diagnostics",
    "sklearn_jam.emulator",
    "sklearn_jam.emulator.cards",
    "sklearn_jam.emulator.features",
    "sklearn_jam.emulator.general",
    "sklearn_jam.emulator.persistence",
    "sklearn_jam.emulator.pretrained",
    "sklearn_jam.exceptions",
    "sklearn_jam.general",
    "sklearn_jam.grid",
    "sklearn_jam.importance",
    "sklearn_jam.io",
    "sklearn_jam.observing",
    "sklearn_jam.jam",
    "sklearn_jam.jam.constants",
    "sklearn_jam.jam.crosscheck",
    "sklearn_jam.jam.cylindrical",
    "sklearn_jam.jam.mass",
    "sklearn_jam.jam.mge",
    "sklearn_jam.jam.projection",
    "sklearn_jam.jam.sersic",
    "sklearn_jam.jam.tabulated",
    "sklearn_jam.kinematics",
    "sklearn_jam.likelihood",
    "sklearn_jam.metrics",
    "sklearn_jam.photometry",
    "sklearn_jam.plotting",
    "sklearn_jam.priors",
    "sklearn_jam.simulator",
    "sklearn_jam.utils",
    "sklearn_jam.utils.estimator_checks",
]


def _documented():
    """The objects and the names the API page documents (autosummary rows and autodata)."""
    text = API.read_text()
    targets = re.findall(r"^   ([A-Za-z_][\w.]*)$", text, flags=re.M)
    targets += [t.removeprefix("sklearn_jam.") for t in re.findall(r"autodata:: (\S+)", text)]
    objects, names = [], set()
    for target in targets:
        obj = sklearn_jam
        for part in target.split("."):
            obj = (
                getattr(obj, part)
                if hasattr(obj, part)
                else importlib.import_module(f"{obj.__name__}.{part}")
            )
        objects.append(obj)
        names.add(target.rsplit(".", 1)[-1])
    return objects, names


def test_every_documented_name_exists():
    _documented()  # raises AttributeError or ImportError naming the missing one


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_name_is_documented(module_name):
    objects, names = _documented()
    module = importlib.import_module(module_name)
    missing = []
    for name in module.__all__:
        obj = getattr(module, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            if not any(obj is o for o in objects):
                missing.append(name)
        elif name not in names:  # constants: by name
            missing.append(name)
    assert not missing, f"{module_name}: {missing} are public but not in docs/api.rst"
