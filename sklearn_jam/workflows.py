"""Deprecated: the command line's jobs moved to :mod:`sklearn_jam.cli` in 0.3 (removed in 0.5).

Each name now lives in the module of its job (``sklearn_jam.cli.train``,
``.evaluate``, ``.timing``, ``.demo``, ``.fit``), the model cards in
:mod:`sklearn_jam.emulator.cards`, the jampy calls in :mod:`sklearn_jam.jam`, and
the text helpers in :mod:`sklearn_jam.utils`.
"""

from ._compat import moved_names

_HOMES = {
    "make_estimator": "sklearn_jam.cli.train",
    "split_rows": "sklearn_jam.cli.train",
    "train": "sklearn_jam.cli.train",
    "METRICS_UNITS": "sklearn_jam.cli.evaluate",
    "write_report": "sklearn_jam.cli.evaluate",
    "evaluate": "sklearn_jam.cli.evaluate",
    "PAPER": "sklearn_jam.cli.timing",
    "time_jam": "sklearn_jam.cli.timing",
    "time_models": "sklearn_jam.cli.timing",
    "demo": "sklearn_jam.cli.demo",
    "format_summary": "sklearn_jam.cli.demo",
    "read_table": "sklearn_jam.cli.fit",
    "fit_kinematics": "sklearn_jam.cli.fit",
    "save_fit_report": "sklearn_jam.cli.fit",
    "posterior_table": "sklearn_jam.cli.fit",
    "card_path": "sklearn_jam.emulator.cards",
    "write_card": "sklearn_jam.emulator.cards",
    "read_card": "sklearn_jam.emulator.cards",
    "plain_jampy_vrms": "sklearn_jam.jam",
    "compare_with_jampy": "sklearn_jam.jam.crosscheck",
    "format_table": "sklearn_jam.utils",
}

__getattr__, __dir__ = moved_names(__name__, _HOMES)
