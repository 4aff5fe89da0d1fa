"""Where models pickled by sklearn_jam 0.2 find their networks (moved to :mod:`.emulator._network`).

A pickle names the module of each class it holds; the shipped pretrained model
and users' 0.2 files name this one, so it stays, silently (it is private).
"""

from .emulator._network import _EpochBar, _JamNet, _print_table_row, _TabularNet  # noqa: F401
