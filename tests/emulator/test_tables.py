"""The shipped emulators of ``engine='emulator'``: by name, by file, with their cards."""

import numpy as np
import pytest

from sklearn_jam import JamKinematics
from sklearn_jam.datasets import M32_MGE
from sklearn_jam.emulator.general import GeneralEmulator, general_pretrained_card
from sklearn_jam.emulator.pairs import PairEmulator, pairs_pretrained_card
from sklearn_jam.emulator.tables import SHIPPED_TABLE_EMULATORS, load_table_emulator

CARDS = {"pairs": pairs_pretrained_card, "general": general_pretrained_card}


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, kind, rtol", [("pairs", PairEmulator, 0.01), ("general", GeneralEmulator, 0.05)]
)
def test_shipped_model_loads_and_predicts_m32(name, kind, rtol):
    emulator = load_table_emulator(name)
    assert isinstance(emulator, kind)
    card = CARDS[name]()
    assert card == emulator.info
    assert {"data", "training_seconds", "hardware", "command", "benchmark"} <= set(card)
    # jampy's M32 with a halo and a black hole: the emulated fit's model near the exact one.
    est = JamKinematics(
        *M32_MGE,
        distance=0.7,
        sigmapsf=1.7,
        pixsize=2.0,
        mass_model="gnfw",
        black_hole=True,
        engine="emulator",
        emulator=name,
        fixed={"gamma": -1.0, "rbreak_kpc": 20.0},
    )
    X = np.random.default_rng(2).uniform(-40, 40, (30, 2))
    params = {
        "q_min": [0.3, 0.6],
        "ratio": [0.85, 1.0],
        "f_dm": [0.1, 0.4],
        "lg_ml": 0.1,
        "lg_mbh": 6.4,
    }
    emulated = est.model_vrms(params, X)
    exact = est.model_vrms(params, X, engine="exact")
    assert np.all(np.abs(emulated / exact - 1) < rtol)


def test_the_default_emulator_is_the_pair_kernel():
    assert JamKinematics(*M32_MGE, distance=0.7).emulator == "pairs"
    assert set(SHIPPED_TABLE_EMULATORS) == {"pairs", "general"}
