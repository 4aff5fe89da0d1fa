"""Model cards: how, on what and by which versions an emulator file was trained.

A card is a JSON file beside the model (``model.npz`` -> ``model.card.json``),
written by ``sklearn-jam train`` and the training scripts, read by ``evaluate
--split test`` and shipped with the pretrained model.
"""

import json
from pathlib import Path

from .._version import SPEC_VERSION, __version__
from ..utils import jsonable

__all__ = ["card_path", "write_card", "read_card"]


def card_path(model):
    """The provenance card beside a model file: ``model.npz`` -> ``model.card.json``."""
    return Path(model).with_suffix(".card.json")


def write_card(model, info):
    """Write a model's provenance card, adding the package and spec versions; return it.

    Parameters
    ----------
    model : path
        The model file the card describes.
    info : dict
        JSON-serialisable entries (NumPy scalars are converted).

    Returns
    -------
    card : dict
    """
    card = {**info, "package_version": __version__, "spec_version": SPEC_VERSION}
    card_path(model).write_text(json.dumps(jsonable(card), indent=1) + "\n")
    return card


def read_card(model):
    """A model's provenance card, or None when it has none."""
    path = card_path(model)
    return json.loads(path.read_text()) if path.is_file() else None
