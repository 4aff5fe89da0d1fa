"""Checks that hold for every estimator of the package."""

import warnings

import numpy as np
import pytest
from conftest import TINY, toy_vrms
from sklearn.utils._param_validation import InvalidParameterError, generate_invalid_param_val
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_jam import JamEmulatorRegressor, JamSimulator
from sklearn_jam.emulator import OutsidePriorWarning

ESTIMATORS = [JamEmulatorRegressor(**TINY), JamSimulator(vrms_func=toy_vrms)]


# scikit-learn's generated checks feed random arrays of any width. Neither estimator can
# take them: the emulator needs 3 scalar columns then a square image (3 + side**2
# columns) and positive targets; the simulator needs (n, 6) galaxy parameters inside the
# physical domain. The checks below meet the (intended) ValueError; everything else of
# the contract runs. One table, each entry with its reason.
_EMULATOR_LAYOUT = "X must be 3 scalar columns followed by a square image (3 + side**2 columns)"
_GALAXY_PARAMS = "random X is not a valid (n, 6) array of galaxy parameters"
EXPECTED_FAILED_CHECKS = {
    "JamEmulatorRegressor": {
        name: _EMULATOR_LAYOUT
        for name in [
            "check_estimators_dtypes",
            "check_fit_score_takes_y",
            "check_estimators_fit_returns_self",
            "check_dtype_object",
            "check_pipeline_consistency",
            "check_estimators_overwrite_params",
            "check_estimators_pickle",
            "check_f_contiguous_array_estimator",
            "check_dict_unchanged",
            "check_dont_overwrite_parameters",
            "check_fit_idempotent",
            "check_fit_check_is_fitted",
            "check_n_features_in",
            "check_fit2d_predict1d",
            "check_methods_subset_invariance",
            "check_methods_sample_order_invariance",
            "check_fit2d_1sample",
            "check_fit2d_1feature",
            "check_regressors_train",
            "check_regressor_data_not_an_array",
            "check_regressors_no_decision_function",
            "check_supervised_y_2d",
            "check_regressors_int",
            "check_estimators_nan_inf",
            "check_readonly_memmap_input",
            "check_n_features_in_after_fitting",
            "check_regressor_multioutput",
            "check_sample_weight_equivalence_on_dense_data",
            "check_sample_weights_not_an_array",
            "check_sample_weights_list",
            "check_sample_weights_shape",
            "check_sample_weights_not_overwritten",
            "check_fit_non_negative",
            "check_positive_only_tag_during_fit",
        ]
    },
    "JamSimulator": {
        name: _GALAXY_PARAMS
        for name in [
            "check_estimators_dtypes",
            "check_dtype_object",
            "check_fit_score_takes_y",
            "check_estimators_fit_returns_self",
            "check_pipeline_consistency",
            "check_estimators_overwrite_params",
            "check_estimators_pickle",
            "check_fit2d_predict1d",
            "check_methods_subset_invariance",
            "check_fit2d_1sample",
            "check_fit2d_1feature",
            "check_dict_unchanged",
            "check_dont_overwrite_parameters",
            "check_fit_idempotent",
            "check_fit_check_is_fitted",
            "check_n_features_in",
            "check_transformer_general",
            "check_transformer_preserve_dtypes",
            "check_methods_sample_order_invariance",
            "check_transformer_data_not_an_array",
            "check_transformers_unfitted_stateless",
            "check_readonly_memmap_input",
            "check_n_features_in_after_fitting",
            "check_f_contiguous_array_estimator",
            "check_positive_only_tag_during_fit",
            "check_estimators_nan_inf",
            "check_get_feature_names_out_error",
            "check_set_output_transform",
            "check_global_output_transform_pandas",
            "check_global_set_output_transform_polars",
            "check_set_output_transform_pandas",
            "check_set_output_transform_polars",
        ]
    },
}


@parametrize_with_checks(
    ESTIMATORS, expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS[type(est).__name__]
)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OutsidePriorWarning)
        check(estimator)


def _valid_data(est):
    if isinstance(est, JamSimulator):
        return (None,)
    rng = np.random.default_rng(0)
    return rng.uniform(0.5, 1.0, (4, 3 + 16)), rng.uniform(0.5, 1.0, (4, 5))


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_every_bad_parameter_is_named_at_the_start_of_fit(estimator):
    """As scikit-learn's own check_param_validation: every parameter has constraints, and a
    value outside them is refused by fit, naming the parameter, before the data is used."""
    params = estimator.get_params(deep=False)
    assert set(estimator._parameter_constraints) == set(params)
    for name, constraints in estimator._parameter_constraints.items():
        for constraint in constraints:
            try:
                bad = generate_invalid_param_val(constraint)
            except NotImplementedError:
                continue
            est = estimator.__class__(**{**params, name: bad})
            with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
                est.fit(*_valid_data(est))


def test_tuple_parameters_hold_positive_integers():
    X, y = _valid_data(JamEmulatorRegressor())
    with pytest.raises(ValueError, match=r"hidden_layer_sizes must be a tuple of integers >= 1"):
        JamEmulatorRegressor(**{**TINY, "hidden_layer_sizes": (16, 0)}).fit(X, y)
    with pytest.raises(ValueError, match=r"pool_after indexes the convolutions \(0 to 0\)"):
        JamEmulatorRegressor(**{**TINY, "pool_after": (1,)}).fit(X, y)
