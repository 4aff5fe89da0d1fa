"""Convergence diagnostics: real emcee chains that have and have not converged, stuck walkers."""

import warnings

import emcee
import numpy as np
import pytest

from sklearn_jam.diagnostics import (
    MAX_R_HAT,
    MIN_STEPS_PER_TAU,
    ParameterSummary,
    chain_diagnostics,
    convergence_problems,
    warn_if_unconverged,
)
from sklearn_jam.exceptions import ChainConvergenceWarning

NAMES = ["a", "b"]
SIGMA = np.array([0.01, 2.0])


def gaussian_chain(n_steps, start_scale, seed=0, n_walkers=16):
    """emcee on a 2-D Gaussian of dispersions SIGMA, started in a ball of ``start_scale``."""

    def log_prob(theta):
        return -0.5 * np.sum((theta / SIGMA) ** 2, axis=1)

    rng = np.random.default_rng(seed)
    sampler = emcee.EnsembleSampler(n_walkers, 2, log_prob, vectorize=True)
    sampler.random_state = np.random.RandomState(seed).get_state()
    sampler.run_mcmc(start_scale * rng.standard_normal((n_walkers, 2)), n_steps)
    return sampler.get_chain(), sampler.get_log_prob()


@pytest.fixture(scope="module")
def converged():
    """A long chain started at the peak: converged by every measure."""
    chain, log_prob = gaussian_chain(12000, start_scale=1e-3)
    return chain[2000:], log_prob[2000:]


def test_a_converged_chain_has_no_problem(converged):
    kept, lp = converged
    diag = chain_diagnostics(kept, lp)
    assert np.all(diag["tau"] * MIN_STEPS_PER_TAU < len(kept)), diag
    assert np.all(diag["r_hat"] < MAX_R_HAT) and np.all(diag["ess_bulk"] > 1000), diag
    # emcee's own estimate agrees
    np.testing.assert_allclose(diag["tau"], emcee.autocorr.integrated_time(kept), rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ChainConvergenceWarning)
        assert warn_if_unconverged(diag, NAMES) == []


def test_a_short_chain_from_far_away_warns_naming_each_problem():
    chain, log_prob = gaussian_chain(300, start_scale=5.0)
    diag = chain_diagnostics(chain[150:], log_prob[150:])
    with pytest.warns(ChainConvergenceWarning, match="may not be converged") as record:
        problems = warn_if_unconverged(diag, NAMES, advice=" (run longer)")
    text = str(record[0].message)
    assert "fewer than 50 autocorrelation times of a (tau=" in text
    assert f"R-hat exceeds {MAX_R_HAT}" in text and text.endswith("(run longer)")
    assert problems == convergence_problems(diag, NAMES) and len(problems) >= 2


def test_walkers_stuck_apart_are_found(converged):
    chain, log_prob = (v.copy() for v in converged)
    # three walkers stuck in a worse mode (Delta chi^2 = 40), as on a secondary optimum
    chain[:, [3, 7, 11], 0] = 0.2 + 1e-4 * chain[:, [3, 7, 11], 0]
    log_prob[:, [3, 7, 11]] -= 20
    diag = chain_diagnostics(chain, log_prob)
    assert diag["stuck_walkers"] == [3, 7, 11]
    assert any("3 of 16 walkers are stuck" in p for p in convergence_problems(diag, NAMES))


def test_a_frozen_parameter_is_a_problem_not_an_error():
    chain, log_prob = gaussian_chain(400, start_scale=1e-3)
    chain[:, :, 1] = 0.5
    diag = chain_diagnostics(chain, log_prob)
    assert np.isnan(diag["tau"][1]) and diag["ess_bulk"][1] == 0
    assert "the chain never moved in b" in convergence_problems(diag, NAMES)


@pytest.mark.parametrize(
    ("shape", "lp_shape", "match"),
    [((10, 4), (10, 4), "n_steps, n_walkers, n_params"), ((3, 4, 2), (3, 4), "too short")],
)
def test_bad_chains_are_refused(shape, lp_shape, match):
    with pytest.raises(ValueError, match=match):
        chain_diagnostics(np.zeros(shape), np.zeros(lp_shape))


def test_parameter_summary_unpacks_as_the_percentiles():
    s = ParameterSummary(1.0, 2.0, 3.5, tau=12.0, r_hat=1.002, ess_bulk=800.0)
    p16, p50, p84 = s
    assert (p16, p50, p84) == (s.p16, s.median, s.p84) == (1.0, 2.0, 3.5)
    assert s.as_dict() == dict(p16=1.0, median=2.0, p84=3.5, tau=12.0, r_hat=1.002, ess_bulk=800.0)
    assert "r_hat=1.002" in repr(s)
