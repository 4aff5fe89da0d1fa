"""The emulators that make a galaxy's inclination table, by name or by file.

:class:`~sklearn_jam.JamKinematics` (``engine='emulator'``) takes either design:
the pair kernel (:mod:`~sklearn_jam.emulator.pairs`) or the profile network
(:mod:`~sklearn_jam.emulator.general`). Both files hold no code; which one a file
is, its header says.
"""

import os

from .general import load_general_emulator, load_general_pretrained
from .pairs import is_pair_emulator_file, load_pair_emulator, load_pairs_pretrained

__all__ = ["SHIPPED_TABLE_EMULATORS", "load_table_emulator"]

#: The shipped emulators of ``engine='emulator'``, by name.
SHIPPED_TABLE_EMULATORS = {"pairs": load_pairs_pretrained, "general": load_general_pretrained}


def load_table_emulator(emulator, device="cpu"):
    """A shipped emulator by name, or one read from a file without running code.

    Parameters
    ----------
    emulator : str or path-like
        A name of :data:`SHIPPED_TABLE_EMULATORS`, or a file of
        :func:`~sklearn_jam.emulator.pairs.save_pair_emulator` or
        :func:`~sklearn_jam.emulator.general.save_general_emulator`.
    device : str, default='cpu'

    Returns
    -------
    emulator : PairEmulator or GeneralEmulator

    Raises
    ------
    ValueError
        If ``emulator`` is neither a name nor such a file.
    """
    if isinstance(emulator, str) and emulator in SHIPPED_TABLE_EMULATORS:
        return SHIPPED_TABLE_EMULATORS[emulator](device=device)
    if not os.path.isfile(emulator):
        raise ValueError(
            f"emulator={emulator!r} is neither one of the shipped emulators "
            f"{sorted(SHIPPED_TABLE_EMULATORS)} nor an emulator file "
            "(scripts/make_pair_emulator.py, scripts/make_general_emulator.py)"
        )
    if is_pair_emulator_file(emulator):
        return load_pair_emulator(emulator, device=device)
    return load_general_emulator(emulator, device=device)
