"""Deprecated: moved to :mod:`sklearn_jam.emulator.features` in 0.3 (removed in 0.5)."""

from ._compat import moved_module

__getattr__, __dir__ = moved_module(__name__, "sklearn_jam.emulator.features")
