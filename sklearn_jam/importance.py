"""Importance reweighting of a posterior sampled with a fast model, by the exact one.

A chain sampled with an approximate log-posterior ``log q`` (the tabulated or an
emulated engine) is a sample of the exact posterior ``log p`` once each sample
carries the weight ``w ~ exp(log p - log q)``. The raw ratios of a short chain are
noisy in their tail, so :func:`importance_weights` smooths them with Pareto
smoothed importance sampling (PSIS, Vehtari et al. 2024; :func:`arviz.psislw`),
whose shape estimate ``k_hat`` also says whether the weights can be trusted:
below ``MAX_PARETO_K`` (0.7) the reweighted estimates converge, above it the
fast posterior is too far from the exact one and the exact engine must sample it.
The weights' effective sample size is Kish's ``1 / sum(w^2)`` (normalised ``w``).
:func:`weighted_percentile` then gives the weighted percentiles.
"""

import numpy as np

from .diagnostics import _arviz

__all__ = ["MAX_PARETO_K", "importance_weights", "weighted_percentile"]

#: Largest Pareto shape ``k_hat`` of trustworthy importance weights (Vehtari et al. 2024).
MAX_PARETO_K = 0.7


def importance_weights(log_target, log_proposal, *, reff=1.0):
    """Normalised PSIS weights of samples drawn from ``proposal`` for ``target``.

    Parameters
    ----------
    log_target : array-like of shape (n_samples,)
        Log-posterior of each sample under the exact model (up to a constant).
    log_proposal : array-like of shape (n_samples,)
        Log-posterior of each sample under the model that drew them.
    reff : float, default=1.0
        The samples' relative efficiency (effective sample size over their number,
        in (0, 1]) for a Markov chain, as :func:`arviz.psislw` takes it.

    Returns
    -------
    weights : ndarray of shape (n_samples,)
        Non-negative, summing to one; zero where either log-posterior is ``-inf``.
    ess : float
        Kish's effective sample size ``1 / sum(weights**2)``.
    pareto_k : float
        PSIS's shape estimate of the weights' tail: trust the weights below
        ``MAX_PARETO_K``.
    """
    log_target = np.asarray(log_target, dtype=float)
    log_proposal = np.asarray(log_proposal, dtype=float)
    if log_target.shape != log_proposal.shape or log_target.ndim != 1:
        raise ValueError(
            f"log_target and log_proposal must be 1-D of one length, got shapes "
            f"{log_target.shape} and {log_proposal.shape}"
        )
    if not 0 < reff <= 1:
        raise ValueError(f"reff={reff!r} must be in (0, 1]")
    if np.any(np.isnan(log_target) | np.isnan(log_proposal)) or np.any(
        np.isposinf(log_target) | np.isposinf(log_proposal)
    ):
        raise ValueError("log_target and log_proposal must be finite or -inf, not NaN or +inf")
    log_ratio = log_target - np.where(np.isfinite(log_proposal), log_proposal, 0.0)
    finite = np.isfinite(log_target) & np.isfinite(log_proposal)
    if not np.any(finite):
        raise ValueError("log_target is -inf at every sample: no sample is in the exact posterior")
    log_w = np.full(log_ratio.shape, -np.inf)
    smoothed, pareto_k = _arviz().psislw(log_ratio[finite] - log_ratio[finite].max(), reff=reff)
    log_w[finite] = smoothed
    weights = np.exp(log_w - log_w[finite].max())
    weights /= weights.sum()
    return weights, float(1.0 / np.sum(weights**2)), float(pareto_k)


def weighted_percentile(values, weights, q):
    """Percentiles of weighted samples, per column.

    The weighted empirical distribution function, interpolated linearly between
    the samples' midpoints (with equal weights, ``numpy.percentile``'s
    ``method='hazen'``).

    Parameters
    ----------
    values : array-like of shape (n_samples,) or (n_samples, n_columns)
    weights : array-like of shape (n_samples,)
        Non-negative, not all zero.
    q : array-like of float
        Percentiles in [0, 100].

    Returns
    -------
    percentiles : ndarray of shape (len(q),) or (len(q), n_columns)
    """
    values, weights = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    if weights.ndim != 1 or values.shape[0] != weights.size:
        raise ValueError(
            f"weights must be 1-D with one weight per sample, got shape {weights.shape} for "
            f"{values.shape[0]} samples"
        )
    if np.any(weights < 0) or not weights.sum() > 0:
        raise ValueError("weights must be non-negative and not all zero")
    column = values.ndim == 1
    values = values[:, None] if column else values
    keep = weights > 0
    values, weights = values[keep], weights[keep] / weights[keep].sum()
    q = np.asarray(q, dtype=float) / 100
    out = np.empty((q.size, values.shape[1]))
    for j in range(values.shape[1]):
        order = np.argsort(values[:, j], kind="stable")
        cdf = np.cumsum(weights[order]) - 0.5 * weights[order]
        out[:, j] = np.interp(q, cdf, values[order, j])
    return out[:, 0] if column else out
