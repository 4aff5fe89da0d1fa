"""Checks that hold for every estimator of the package."""

import warnings

import numpy as np
import pytest
from _helpers import TINY, toy_vrms
from sklearn.utils._param_validation import InvalidParameterError, generate_invalid_param_val
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_jam import JamEmulatorRegressor, JamKinematics, JamSimulator
from sklearn_jam.datasets import M32_MGE
from sklearn_jam.emulator import OutsidePriorWarning
from sklearn_jam.utils import jam_estimator_checks

#: The tabular mode learns fast enough for check_regressors_train with these settings.
TABULAR = JamEmulatorRegressor(
    image_side=None,
    hidden_layer_sizes=(32,),
    max_epochs=30,
    batch_size=32,
    lr=1e-2,
    random_state=0,
)
ESTIMATORS = [JamEmulatorRegressor(**TINY), TABULAR, JamSimulator(vrms_func=toy_vrms)]


# scikit-learn's generated checks feed random arrays of any width. Neither estimator can
# take them: the emulator needs 3 scalar columns then a square image (3 + side**2
# columns) and positive targets; the simulator needs (n, 6) galaxy parameters inside the
# physical domain. The checks below meet the (intended) ValueError; everything else of
# the contract runs. One table, each entry with its reason.
_EMULATOR_LAYOUT = "X must be 3 scalar columns followed by a square image (3 + side**2 columns)"
_GALAXY_PARAMS = "random X is not a valid (n, 6) array of galaxy parameters"
EXPECTED_FAILED_CHECKS = {
    "tabular": {
        # make_regression's targets are negative; V_rms is learned in log space.
        "check_regressor_multioutput": "y must be positive (V_rms is learned in log space)",
    },
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


def _table_key(est):
    return "tabular" if getattr(est, "image_side", "auto") is None else type(est).__name__


@parametrize_with_checks(
    ESTIMATORS, expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS[_table_key(est)]
)
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", OutsidePriorWarning)
        check(estimator)


def _valid_data(est):
    if isinstance(est, JamSimulator):
        return (None,)
    if isinstance(est, JamKinematics):  # bins (x, y), V_rms and errors
        X = np.array([[1.0, 0.5], [2.0, -1.0], [-3.0, 2.0]])
        return X, np.full(3, 60.0), np.full(3, 3.0)
    rng = np.random.default_rng(0)
    return rng.uniform(0.5, 1.0, (4, 3 + 16)), rng.uniform(0.5, 1.0, (4, 5))


#: JamKinematics needs an MGE and positions (n_bins, 2): scikit-learn's random-array
#: checks cannot fit it; its contract is checked here and in tests/test_kinematics.py.
KINEMATICS = JamKinematics(*M32_MGE, 0.7, sigmapsf=0.5, n_walkers=6, n_steps=1)


@pytest.mark.parametrize("estimator", [*ESTIMATORS, KINEMATICS], ids=lambda e: type(e).__name__)
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


@pytest.fixture(scope="module")
def galaxies():
    sim = JamSimulator(vrms_func=toy_vrms, image_side=16, pixel_scale=3.2)
    data = sim.make_dataset(12, random_state=0)
    return data


JAM_ESTIMATORS = {
    "emulator": JamEmulatorRegressor(**TINY),
    "tabular": TABULAR,
    "simulator": JamSimulator(vrms_func=toy_vrms),
}


@pytest.mark.parametrize("kind", JAM_ESTIMATORS)
@pytest.mark.parametrize("name", [name for name, _ in jam_estimator_checks(TABULAR)])
def test_jam_estimator_checks(kind, name, galaxies):
    """The invariants scikit-learn's random-array checks cannot run here, on valid galaxies."""
    X = {"emulator": galaxies.X, "tabular": galaxies.params, "simulator": galaxies.params}[kind]
    y = None if kind == "simulator" else galaxies.y
    check = dict(jam_estimator_checks(JAM_ESTIMATORS[kind]))[name]
    check(X, y)
