import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sklearn_jam.priors import (
    PARAM_NAMES,
    PRIOR_BOUNDS,
    check_params,
    intrinsic_axis_ratio,
    param_names,
    physical_mask,
    physical_violations,
    sample_prior,
)

GOOD = [3.0, 10.0, 0.8, 0.8, 0.0, 70.0]


def param_rows(pad=0.0):
    """Parameter rows drawn in the prior box widened by ``pad`` of its width on each side."""
    return st.tuples(
        *(
            st.floats(lo - pad * (hi - lo), hi + pad * (hi - lo))
            for lo, hi in (PRIOR_BOUNDS[name] for name in PARAM_NAMES)
        )
    )


@given(n=st.integers(0, 300), seed=st.integers(0, 2**31 - 1))
def test_sampler_in_box_and_domain(n, seed):
    p = sample_prior(n, random_state=seed)
    assert p.shape == (n, 6)
    for j, name in enumerate(PARAM_NAMES):
        lo, hi = PRIOR_BOUNDS[name]
        assert np.all((p[:, j] >= lo) & (p[:, j] <= hi))
    assert all(not v for v in physical_violations(p))
    assert physical_mask(p).all()


def test_sampler_reproducible_and_acceptance_rate():
    a = sample_prior(500, random_state=1)
    np.testing.assert_array_equal(a, sample_prior(500, random_state=1))
    assert not np.array_equal(a, sample_prior(500, random_state=2))
    rng = np.random.default_rng(0)
    lo = np.array([PRIOR_BOUNDS[k][0] for k in PARAM_NAMES])
    hi = np.array([PRIOR_BOUNDS[k][1] for k in PARAM_NAMES])
    rate = physical_mask(lo + (hi - lo) * rng.uniform(size=(20000, 6))).mean()
    assert 0.66 < rate < 0.76  # SPEC: about 71% of uniform draws pass


def test_intrinsic_axis_ratio():
    assert intrinsic_axis_ratio(0.7, 90.0) == pytest.approx(0.7)
    assert np.isnan(intrinsic_axis_ratio(0.5, 53.13))  # q < cos(inc): no deprojection
    assert intrinsic_axis_ratio(1.0, 60.0) == pytest.approx(1.0)


@given(param_rows())
def test_mask_agrees_with_violations(row):
    assert physical_mask([row])[0] == (not physical_violations([row])[0])


@given(param_rows(pad=0.2), st.booleans())
def test_check_params_rejects_exactly_the_rows_with_violations(row, check_bounds):
    # check_params clears valid rows with the vectorised masks; it must agree with the rules.
    violations = physical_violations([row], check_bounds)[0]
    if violations:
        with pytest.raises(ValueError, match="row 0: "):
            check_params(row, check_bounds=check_bounds)
    else:
        np.testing.assert_array_equal(check_params(row, check_bounds=check_bounds), [row])


def test_violation_messages_name_value_and_rule():
    bad = np.array([GOOD, GOOD, GOOD, GOOD])
    bad[1, 4] = 0.39  # beta_z above 0.7 eps_intr for a round galaxy
    bad[1, 2] = 0.99
    bad[2, 3] = 0.601  # q_m = 0.601 at inc 53.14: q_intr below 0.05
    bad[2, 5] = 53.14
    bad[3, 0] = 5.0  # outside the prior box
    v = physical_violations(bad)
    assert v[0] == []
    assert "beta_z=0.39" in v[1][0] and "eps_intr" in v[1][0]
    assert "q_m=0.601" in v[2][0] and "0.05" in v[2][0]
    assert "n_ser=5" in v[3][0] and "prior box" in v[3][0]
    assert physical_violations(bad[3:], check_bounds=False) == [[]]


@pytest.mark.parametrize(
    "params, match",
    [
        ([[np.nan, 10, 0.8, 0.8, 0, 70]], "n_ser=nan is not finite"),
        ([[3, 10, 0.8, 0.8, 0]], "columns"),
        ([[3, 10, 0.8, 0.8, 0.5, 70]], r"row 0: beta_z=0.5 is outside the prior box"),
        (np.empty((0, 6)), "0 rows"),
        ([["a", "b", "c", "d", "e", "f"]], "numeric"),
    ],
)
def test_check_params_errors(params, match):
    with pytest.raises(ValueError, match=match):
        check_params(params)


def test_check_params_reports_row_numbers():
    p = np.array([GOOD] * 8)
    p[5, 1] = 40.0
    with pytest.raises(ValueError, match=r"(?s)1 of 8 .*row 5: r_ser=40"):
        check_params(p)
    np.testing.assert_array_equal(check_params(GOOD), [GOOD])


@pytest.mark.parametrize(
    ("align", "anisotropy", "column"),
    [("cyl", "constant", "beta_z"), ("sph", "constant", "beta_r"), ("sph", "eq37", "beta_z")],
)
def test_the_anisotropy_column_is_named_by_alignment_and_form(align, anisotropy, column):
    names = param_names(align, anisotropy)
    assert names[4] == column and names[:4] + names[5:] == PARAM_NAMES[:4] + PARAM_NAMES[5:]
    bad = [3.0, 10.0, 0.8, 0.8, 0.5, 80.0]  # the anisotropy outside the prior box
    with pytest.raises(ValueError, match=f"{column}=0.5 is outside the prior box"):
        check_params(bad, align=align, anisotropy=anisotropy)


def test_eq37_needs_the_spherical_alignment_and_unknown_forms_are_refused():
    with pytest.raises(ValueError, match="anisotropy='eq37' .* needs align='sph'"):
        param_names("cyl", "eq37")
    with pytest.raises(ValueError, match="anisotropy='logistic' must be one of"):
        param_names("sph", "logistic")
