"""Fixtures of every test: seeded generators, the hypothesis profile, the reference."""

import os
import random
from pathlib import Path

import numpy as np
import pytest
from _helpers import REFERENCE
from hypothesis import settings

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True)
settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _seed():
    """Seed every generator the tests touch, so runs are repeatable."""
    random.seed(0)
    np.random.seed(0)  # noqa: NPY002 -- seeds legacy callers too
    try:
        import torch

        torch.manual_seed(0)
    except ImportError:  # pragma: no cover
        pass
    yield


@pytest.fixture(scope="session")
def reference():
    path = Path(os.environ.get("SKLEARN_JAM_REFERENCE", REFERENCE))
    if not path.exists():
        pytest.fail(f"reference file {path} is missing")
    with np.load(path) as data:
        return {k: data[k] for k in data.files}
