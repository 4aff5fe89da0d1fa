"""Convergence diagnostics of MCMC chains: autocorrelation time, R-hat, ESS, stuck walkers.

A posterior is trusted only when its chain says so. :func:`chain_diagnostics`
measures, per parameter of a chain of shape ``(n_steps, n_walkers, n_params)``
(emcee's ``get_chain()``, after burn-in):

- ``tau``: emcee's integrated autocorrelation time in steps
  (:func:`emcee.autocorr.integrated_time`), estimated from all walkers;
- ``r_hat`` and ``ess_bulk``: arviz's rank-normalised split R-hat and bulk
  effective sample size, the walkers taken as chains (:func:`arviz.rhat`,
  :func:`arviz.ess`);

and the walkers whose mean log-probability lies far below the others'
(walkers stuck apart from the rest, which percentiles of the pooled samples
hide). :func:`convergence_problems` turns these into sentences, against the
thresholds below, and :func:`warn_if_unconverged` warns with them.
"""

import logging
import warnings

import numpy as np

from .exceptions import ChainConvergenceWarning

__all__ = [
    "MIN_STEPS_PER_TAU",
    "MAX_R_HAT",
    "STUCK_LOG_PROB",
    "ParameterSummary",
    "chain_diagnostics",
    "convergence_problems",
    "convergence_message",
    "warn_if_unconverged",
]

#: Kept steps per autocorrelation time below which a chain is too short (emcee's advice).
MIN_STEPS_PER_TAU = 50
#: Largest R-hat of a converged chain (Vehtari et al. 2021).
MAX_R_HAT = 1.01
#: A walker whose mean log-probability is this far below the walkers' median is stuck
#: (a model worse by Delta chi^2 = 10 is no sample of the same posterior).
STUCK_LOG_PROB = 5.0


class ParameterSummary(tuple):
    """``(p16, median, p84)`` of one parameter, with its chain's diagnostics.

    A tuple of the three percentiles (so ``p16, p50, p84 = summary`` works),
    whose attributes ``tau``, ``r_hat`` and ``ess_bulk`` are the diagnostics of
    :func:`chain_diagnostics` for this parameter.
    """

    def __new__(cls, p16, median, p84, *, tau, r_hat, ess_bulk):
        self = super().__new__(cls, (float(p16), float(median), float(p84)))
        self.tau, self.r_hat, self.ess_bulk = float(tau), float(r_hat), float(ess_bulk)
        return self

    p16 = property(lambda self: self[0], doc="16th percentile")
    median = property(lambda self: self[1], doc="median")
    p84 = property(lambda self: self[2], doc="84th percentile")

    def as_dict(self):
        """The percentiles and diagnostics as a dict (for JSON and tables)."""
        keys = ("p16", "median", "p84", "tau", "r_hat", "ess_bulk")
        return {key: getattr(self, key) for key in keys}

    def __repr__(self):
        return (
            f"ParameterSummary(p16={self.p16:.6g}, median={self.median:.6g}, "
            f"p84={self.p84:.6g}, tau={self.tau:.3g}, r_hat={self.r_hat:.4g}, "
            f"ess_bulk={self.ess_bulk:.4g})"
        )


def chain_diagnostics(chain, log_prob):
    """Autocorrelation time, R-hat, bulk ESS and stuck walkers of a chain.

    Parameters
    ----------
    chain : array-like of shape (n_steps, n_walkers, n_params)
        Samples after burn-in, as emcee's ``get_chain(discard=...)``; one
        walker for a single chain such as AdaMet's.
    log_prob : array-like of shape (n_steps, n_walkers)
        Their log-probabilities.

    Returns
    -------
    diagnostics : dict
        ``tau``, ``r_hat``, ``ess_bulk``: ndarrays of shape (n_params,) (NaN,
        NaN and 0 for a parameter that never moved);
        ``n_steps``, ``n_walkers``: ints; ``stuck_walkers``: list of the
        indices of walkers stuck apart from the rest.
    """
    chain = np.asarray(chain, dtype=float)
    log_prob = np.asarray(log_prob, dtype=float)
    if chain.ndim != 3 or log_prob.shape != chain.shape[:2]:
        raise ValueError(
            "chain must have shape (n_steps, n_walkers, n_params) and log_prob (n_steps, "
            f"n_walkers), got {chain.shape} and {log_prob.shape}"
        )
    n_steps, n_walkers, n_params = chain.shape
    if n_steps < 4:
        raise ValueError(f"a chain of {n_steps} kept steps is too short to diagnose (need >= 4)")
    tau, r_hat, ess_bulk = np.full(n_params, np.nan), np.empty(n_params), np.empty(n_params)
    az = _arviz()
    # arviz logs a warning for one chain (AdaMet's), which split R-hat handles as two
    # halves; its logger is its own Logger instance, not one of logging.getLogger's.
    arviz_log = getattr(az, "_log", None) or logging.getLogger("arviz")
    level = arviz_log.level
    arviz_log.setLevel(logging.ERROR)
    try:
        _per_parameter(az, chain, tau, r_hat, ess_bulk)
    finally:
        arviz_log.setLevel(level)
    return {
        "tau": tau,
        "r_hat": r_hat,
        "ess_bulk": ess_bulk,
        "n_steps": n_steps,
        "n_walkers": n_walkers,
        "stuck_walkers": _stuck_walkers(log_prob),
    }


def _per_parameter(az, chain, tau, r_hat, ess_bulk):
    """Fill ``tau``, ``r_hat`` and ``ess_bulk`` (n_params,) from ``chain``."""
    import emcee

    for i in range(chain.shape[2]):
        draws = chain[:, :, i].T  # (chains, draws), arviz's order
        if np.ptp(draws) == 0:  # a parameter that never moved: nothing was sampled
            r_hat[i], ess_bulk[i] = np.nan, 0.0
            continue
        # tol=0: the estimate whatever the length, judged by convergence_problems
        tau[i] = emcee.autocorr.integrated_time(chain[:, :, i : i + 1], c=5, tol=0, quiet=True)[0]
        r_hat[i] = float(az.rhat(draws))
        ess_bulk[i] = float(az.ess(draws, method="bulk"))


def _stuck_walkers(log_prob):
    """Walkers whose mean log-probability is far below the median walker's."""
    if log_prob.shape[1] < 3:
        return []
    finite = np.where(np.isfinite(log_prob), log_prob, np.nan)
    mean = np.nanmean(finite, axis=0)
    mean = np.where(np.isfinite(mean), mean, -np.inf)
    centre = np.median(mean)
    spread = 1.4826 * np.median(np.abs(mean[np.isfinite(mean)] - centre))
    gap = max(STUCK_LOG_PROB, 5 * spread)
    return np.flatnonzero(mean < centre - gap).tolist()


def convergence_problems(diagnostics, names):
    """Sentences naming what makes a chain untrustworthy; empty when none.

    Parameters
    ----------
    diagnostics : dict
        From :func:`chain_diagnostics`.
    names : list of str
        The parameters, in the chain's order.

    Returns
    -------
    problems : list of str
    """
    problems = []
    n_steps, tau = diagnostics["n_steps"], diagnostics["tau"]
    frozen = [name for name, t in zip(names, tau, strict=True) if np.isnan(t)]
    if frozen:
        problems.append(f"the chain never moved in {', '.join(frozen)}")
    short = [
        f"{name} (tau={t:.3g})"
        for name, t in zip(names, tau, strict=True)
        if n_steps < MIN_STEPS_PER_TAU * t
    ]
    if short:
        problems.append(
            f"the chain keeps {n_steps} steps, fewer than {MIN_STEPS_PER_TAU} autocorrelation "
            f"times of {', '.join(short)}"
        )
    high = [
        f"{name} ({r:.3g})"
        for name, r in zip(names, diagnostics["r_hat"], strict=True)
        if np.isfinite(r) and r > MAX_R_HAT
    ]
    if high:
        problems.append(f"R-hat exceeds {MAX_R_HAT} for {', '.join(high)}")
    stuck = diagnostics["stuck_walkers"]
    if stuck:
        problems.append(
            f"{len(stuck)} of {diagnostics['n_walkers']} walkers are stuck apart from the rest "
            f"(mean log-probability more than {STUCK_LOG_PROB:g} below the others'; walkers "
            f"{stuck[:10]})"
        )
    return problems


def warn_if_unconverged(diagnostics, names, *, advice="", stacklevel=2):
    """Warn with :class:`~sklearn_jam.exceptions.ChainConvergenceWarning` if any problem.

    Returns the problems (:func:`convergence_problems`).
    """
    problems = convergence_problems(diagnostics, names)
    if problems:
        warnings.warn(
            convergence_message(problems, advice),
            ChainConvergenceWarning,
            stacklevel=stacklevel + 1,
        )
    return problems


def convergence_message(problems, advice=""):
    """The one sentence that says a chain is not to be trusted, and why.

    Parameters
    ----------
    problems : list of str
        From :func:`convergence_problems`.
    advice : str, default=''
        Appended as it is (what to do about it).

    Returns
    -------
    message : str
    """
    return "the posterior may not be converged: " + "; ".join(problems) + advice


def _arviz():
    """arviz, imported without its notice of a coming refactor."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz

    return arviz
