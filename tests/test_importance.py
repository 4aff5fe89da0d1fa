"""Importance reweighting: weights that turn samples of one posterior into another's."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from sklearn_jam.importance import MAX_PARETO_K, importance_weights, weighted_percentile


def test_weights_turn_a_proposal_into_the_target():
    """Samples of N(0, 1) weighed for N(0.3, 0.8^2): the target's mean and quantiles."""
    rng = np.random.default_rng(1)
    samples = rng.standard_normal(20_000)
    target = stats.norm(0.3, 0.8)
    weights, ess, pareto_k = importance_weights(target.logpdf(samples), stats.norm.logpdf(samples))
    assert weights.sum() == pytest.approx(1.0) and np.all(weights >= 0)
    assert pareto_k < MAX_PARETO_K
    # Kish's ESS of these weights is n / E_q[(p/q)^2], for N(mu, s^2) against N(0, 1)
    # exp(mu^2 / (2 - s^2)) / (s sqrt(2 - s^2)): 0.873 n
    mu, s = 0.3, 0.8
    ratio2 = np.exp(mu**2 / (2 - s**2)) / (s * np.sqrt(2 - s**2))
    assert ess == pytest.approx(len(samples) / ratio2, rel=0.03)
    assert np.sum(weights * samples) == pytest.approx(0.3, abs=0.02)
    p16, p50, p84 = weighted_percentile(samples, weights, [15.87, 50, 84.13])
    np.testing.assert_allclose([p16, p50, p84], target.ppf([0.1587, 0.5, 0.8413]), atol=0.03)


def test_a_target_far_from_the_proposal_is_flagged():
    samples = np.random.default_rng(2).standard_normal(4000)
    far = stats.norm(3.0, 0.3)
    _, ess, pareto_k = importance_weights(far.logpdf(samples), stats.norm.logpdf(samples))
    assert pareto_k > MAX_PARETO_K and ess < 0.02 * len(samples)


def test_samples_outside_the_target_get_no_weight():
    log_q = np.zeros(4)
    weights, ess, _ = importance_weights(np.array([0.0, -np.inf, 0.0, 0.0]), log_q)
    assert weights[1] == 0 and weights[[0, 2, 3]] == pytest.approx(1 / 3)
    assert ess == pytest.approx(3.0)


@pytest.mark.parametrize(
    "log_target, log_proposal, match",
    [
        (np.zeros(3), np.zeros(4), "1-D of one length"),
        (np.array([0.0, np.nan]), np.zeros(2), "not NaN"),
        (np.full(2, -np.inf), np.zeros(2), "no sample is in the exact posterior"),
    ],
)
def test_bad_log_posteriors_are_refused(log_target, log_proposal, match):
    with pytest.raises(ValueError, match=match):
        importance_weights(log_target, log_proposal)


def test_bad_reff_is_refused():
    with pytest.raises(ValueError, match=r"reff=1.5 must be in \(0, 1\]"):
        importance_weights(np.zeros(3), np.zeros(3), reff=1.5)


@settings(max_examples=30, deadline=None)
@given(
    values=st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=40),
    q=st.floats(0, 100),
)
def test_equal_weights_are_numpys_hazen_percentile(values, q):
    values = np.asarray(values)
    expected = np.percentile(values, q, method="hazen")
    got = weighted_percentile(values, np.ones(values.size), [q])[0]
    assert got == pytest.approx(expected, rel=1e-12, abs=1e-9)


def test_weighted_percentile_by_column_and_refusals():
    values = np.array([[0.0, 10.0], [1.0, 20.0], [2.0, 30.0]])
    # all the weight on the last sample: every percentile is its value
    np.testing.assert_array_equal(
        weighted_percentile(values, [0.0, 0.0, 1.0], [5, 50, 95]), [[2.0, 30.0]] * 3
    )
    with pytest.raises(ValueError, match="one weight per sample"):
        weighted_percentile(values, [1.0, 1.0], [50])
    with pytest.raises(ValueError, match="non-negative and not all zero"):
        weighted_percentile(values, [0.0, 0.0, 0.0], [50])
