"""Timing for the benchmarks and the command line: the best of repeated runs."""

import time

import numpy as np

__all__ = ["best_time"]


def best_time(fn, repeat=5, number=1):
    """Seconds per call of ``fn``: the best of ``repeat`` runs of ``number`` calls each.

    The best, not the mean, keeps other processes of a shared machine out of the figure.

    Parameters
    ----------
    fn : callable
        Called with no arguments.
    repeat : int, default=5
        Runs timed.
    number : int, default=1
        Calls per run.

    Returns
    -------
    seconds : float
        Seconds per call.
    """
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best
