"""Bayesian fits of observed kinematics: a seeded mock, the estimator contract, bad input."""

import json
import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
)

from sklearn_jam import JamKinematics
from sklearn_jam.cli import main
from sklearn_jam.cli.fit import FIT_FILES
from sklearn_jam.datasets import M32_MGE
from sklearn_jam.exceptions import UnphysicalModelWarning
from sklearn_jam.kinematics import BinsOutsideMgeWarning

SURF, SIGMA, QOBS = M32_MGE
PSF = dict(sigmapsf=0.6, pixsize=0.8)
TRUTH = {"q_min": 0.45, "ratio": 0.9, "lg_ml": 0.2}


def mock(n_side=7, noise=0.02, seed=0):
    """V_rms of M32 with mass following light, made by the engine, with 2% noise."""
    grid = np.linspace(-6, 6, n_side)
    X = np.array([(x, y) for x in grid for y in grid])
    model = JamKinematics(SURF, SIGMA, QOBS, 0.7, **PSF).model_vrms(TRUTH, X)[0]
    rng = np.random.default_rng(seed)
    err = noise * model
    return X, model + err * rng.standard_normal(len(model)), err


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sampler", "n_samples"),
    [
        (dict(n_walkers=12, n_steps=300), 12 * 150),
        # AdaMet as jampy's examples run it: one chain, kept whole
        (dict(sampler="adamet", n_steps=1500, burn=0.0, step_sigma={"lg_ml": 0.02}), 1500),
    ],
    ids=["emcee", "adamet"],
)
def test_mock_fit_recovers_the_inputs_within_two_sigma(sampler, n_samples):
    X, vrms, err = mock()
    # started off the truth, as after a least-squares fit
    start = {"q_min": 0.5, "ratio": 0.95, "lg_ml": 0.15}
    fit = JamKinematics(SURF, SIGMA, QOBS, 0.7, **PSF, p0=start, random_state=1, **sampler)
    fit.fit(X, vrms, err)
    assert fit.param_names_ == ["q_min", "ratio", "lg_ml"]
    assert fit.samples_.shape == (n_samples, 3) and np.all(np.isfinite(fit.log_prob_))
    for name, truth in TRUTH.items():
        p16, p50, p84 = fit.summary_[name]
        assert abs(p50 - truth) < 2 * (p84 - p16) / 2 + 1e-3, (name, fit.summary_[name])
    assert 0.1 < fit.acceptance_fraction_ < 0.9
    pred = fit.predict(X)
    assert pred.shape == (len(X),)
    chi2 = np.sum(((vrms - pred) / err) ** 2)
    assert chi2 < 2 * len(X)


@pytest.mark.parametrize(
    "sampler",
    [dict(n_walkers=6, n_steps=3), dict(sampler="adamet", n_steps=8)],
    ids=["emcee", "adamet"],
)
def test_fit_is_reproducible_and_follows_the_estimator_contract(sampler):
    X, vrms, err = mock(n_side=3)
    params = dict(random_state=0, fixed={"q_min": 0.45}, **sampler)
    a = JamKinematics(SURF, SIGMA, QOBS, 0.7, **PSF, **params).fit(X, vrms, err)
    b = clone(a).fit(X, vrms, err)
    np.testing.assert_array_equal(a.samples_, b.samples_)
    assert a.best_params_["q_min"] == 0.45 and a.n_calls_ > 0
    name = "JamKinematics"
    check_parameters_default_constructible(name, JamKinematics())
    check_no_attributes_set_in_init(name, JamKinematics())
    check_get_params_invariance(name, JamKinematics(SURF, SIGMA, QOBS, 0.7))


def test_model_vrms_batches_rows_as_one_by_one():
    X, _, _ = mock(n_side=3)
    fit = JamKinematics(
        SURF, SIGMA, QOBS, 0.7, **PSF, mass_model="gnfw", black_hole=True,
        fixed={"gamma": -1.0, "rbreak_kpc": 20.0},
    )  # fmt: skip
    rows = {
        "q_min": [0.4, 0.5],
        "ratio": [0.9, 1.1],
        "lg_ml": 0.1,
        "f_dm": [0.1, 0.3],
        "lg_mbh": 6.4,
    }
    batched = fit.model_vrms(rows, X)
    for i in range(2):
        one = {k: np.atleast_1d(v)[min(i, np.size(v) - 1)] for k, v in rows.items()}
        np.testing.assert_allclose(batched[i], fit.model_vrms(one, X)[0], rtol=1e-12)
    with pytest.raises(ValueError, match=r"missing parameters \['lg_mbh'\]"):
        fit.model_vrms({k: v for k, v in rows.items() if k != "lg_mbh"}, X)


def test_more_dark_matter_and_a_black_hole_raise_vrms():
    X = np.array([[0.05, 0.0], [2.0, 1.0], [8.0, 3.0]])
    fit = JamKinematics(
        SURF, SIGMA, QOBS, 0.7, mass_model="gnfw", black_hole=True,
        fixed={"gamma": -1.0, "rbreak_kpc": 20.0},
    )  # fmt: skip
    base = {"q_min": 0.45, "ratio": 0.9, "lg_ml": 0.1, "f_dm": 0.1, "lg_mbh": 5.0}
    low = fit.model_vrms(base, X)[0]
    assert np.all(fit.model_vrms({**base, "f_dm": 0.4}, X)[0] > low)
    gain = fit.model_vrms({**base, "lg_mbh": 7.0}, X)[0] / low
    assert gain[0] > 2 and gain[0] > gain[1] > gain[2] > 1


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (lambda X, v, e: (X, v[:-1], e), r"\(X: 9\), V_rms \(y: 8\) and errors \(vrms_err: 9\)"),
        (
            lambda X, v, e: (X, v, np.where(np.arange(9) == 4, 0.0, e)),
            r"vrms_err\[4\]=0.0 must be finite and > 0",
        ),
        (lambda X, v, e: (X, v, -e), r"vrms_err\[0\]=.* must be finite and > 0"),
        (
            lambda X, v, e: (X, np.where(np.arange(9) == 2, np.nan, v), e),
            r"y\[2\]=nan must be finite",
        ),
        (lambda X, v, e: (X[:, :1], v, e), r"X must have shape \(n_bins, 2\)"),
        (lambda X, v, e: (X, v, None), "errors vrms_err"),
    ],
)
def test_bad_data_is_refused_naming_it(data, match):
    X, vrms, err = mock(n_side=3)
    fit = JamKinematics(SURF, SIGMA, QOBS, 0.7, **PSF, n_walkers=6, n_steps=2)
    with pytest.raises(ValueError, match=match):
        fit.fit(*data(X, vrms, err))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        (dict(normpsf=0.8), "sums to 0.8"),
        (
            dict(fixed={"q_min": 0.9}),
            r"fixed q_min=0.9: the MGE \(flattest qobs=0.72\) can be deprojected only",
        ),
        (dict(inclination="inc", fixed={"inc": 30.0}), "deprojected only for inc in"),
        (dict(bounds={"q_min": (0.8, 0.9)}), r"bounds\['q_min'\]=\(0.8, 0.9\) lie outside that"),
        (
            dict(bounds={"ratio": (1.0, 0.5)}),
            r"bounds\['ratio'\]=\(1.0, 0.5\) must be finite with low",
        ),
        (dict(fixed={"f_dm": 0.1}), r"unknown parameter 'f_dm'; this model has"),
        (dict(mass_model="nfw"), "'mass_model' parameter of JamKinematics must be a str among"),
        (dict(n_walkers=4), "n_walkers=4 must be at least twice the 3 free parameters"),
        (dict(p0={"ratio": 3.0}), r"p0\['ratio'\]=3.0 is outside its bounds"),
        (dict(sampler="metropolis"), "'sampler' parameter of JamKinematics must be a str among"),
        (
            dict(sampler="adamet", step_sigma={"f_dm": 0.1}),
            r"step_sigma: 'f_dm' is not a free parameter \['q_min', 'ratio', 'lg_ml'\]",
        ),
        (
            dict(sampler="adamet", step_sigma={"ratio": -0.1}),
            r"step_sigma\['ratio'\]=-0.1 must be finite and > 0",
        ),
    ],
)
def test_bad_model_is_refused_naming_it(params, match):
    X, vrms, err = mock(n_side=3)
    fit = JamKinematics(SURF, SIGMA, QOBS, 0.7, **{**PSF, "n_walkers": 6, "n_steps": 2, **params})
    with pytest.raises(ValueError, match=match):
        fit.fit(X, vrms, err)


def test_bins_beyond_the_mge_warn():
    X, vrms, err = mock(n_side=3)
    X = X.copy()
    X[0] = (900.0, 0.0)
    fit = JamKinematics(SURF, SIGMA, QOBS, 0.7, **PSF, n_walkers=6, n_steps=1)
    with pytest.warns(BinsOutsideMgeWarning, match="1 of 9 bins lie beyond 3 sigma"):
        fit.fit(X, vrms, err)


@pytest.mark.slow
def test_cli_fit_writes_posterior_and_figures(tmp_path, capsys):
    X, vrms, err = mock(n_side=4)
    np.savetxt(tmp_path / "mge.txt", np.column_stack(M32_MGE))
    np.savetxt(tmp_path / "bins.txt", np.column_stack([X, vrms, err]))
    out = tmp_path / "fit"
    argv = ["fit", "--mge", str(tmp_path / "mge.txt"), "--kinematics", str(tmp_path / "bins.txt")]
    argv += ["--distance", "0.7", "--sigmapsf", "0.6", "--pixsize", "0.8", "--out", str(out)]
    argv += ["--walkers", "8", "--steps", "6", "--fix", "ratio=0.9", "--bounds", "lg_ml=0,0.4"]
    assert main(argv) == 0
    printed = capsys.readouterr()
    assert "tau (steps)" in printed.out and "R-hat" in printed.out and "ESS bulk" in printed.out
    warning = [line for line in printed.err.splitlines() if "warning:" in line]
    assert len(warning) == 1 and "may not be converged" in warning[0]
    assert "Traceback" not in printed.err and "ChainConvergenceWarning" not in printed.err
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["parameters"]) == {"q_min", "lg_ml"}
    assert summary["best_fit"]["ratio"] == 0.9
    assert 0 <= summary["parameters"]["lg_ml"]["median"] <= 0.4
    assert {"tau", "r_hat", "ess_bulk"} <= set(summary["parameters"]["lg_ml"])
    assert summary["convergence_problems"]
    with np.load(out / "samples.npz") as samples:
        assert samples["samples"].shape == (8 * 3, 2)
        assert samples["chain"].shape == (6, 8, 2) and samples["chain_log_prob"].shape == (6, 8)
        assert int(samples["n_burn"]) == 3
        kept = samples["samples"]
    assert (out / "corner.png").stat().st_size > 0 and (out / "maps.png").stat().st_size > 0
    from astropy.table import Table

    assert list(Table.read(out / "summary.ecsv")["parameter"]) == ["q_min", "lg_ml"]
    assert len(Table.read(out / "posterior.fits", hdu="SAMPLES")) == 8 * 3
    np.testing.assert_array_equal(Table.read(out / "samples.ecsv")["lg_ml"], kept[:, 1])

    # AdaMet: one chain of --steps, the proposal's dispersions from --step-sigma
    argv += ["--sampler", "adamet", "--steps", "10", "--burn", "0", "--step-sigma", "lg_ml=0.05"]
    argv += ["--overwrite"]  # the same --out: the earlier fit is replaced whole
    assert main(argv) == 0
    with np.load(out / "samples.npz") as samples:
        assert samples["samples"].shape == (10, 2)
    sampler = json.loads((out / "summary.json").read_text())["sampler"]
    assert sampler == {"name": "adamet", "n_steps": 10, "burn": 0.0, "step_sigma": {"lg_ml": 0.05}}

    # the tabulated engine: the same command, the engine recorded
    assert main([*argv, "--engine", "tabulated"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["engine"] == "tabulated" and summary["encode_seconds"] > 0
    assert summary["reweighting"] is None
    # ... reweighted by the exact engine: the weights beside the samples
    assert main([*argv, "--engine", "tabulated", "--reweight"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["reweighting"]) == {"ess", "pareto_k", "seconds"}
    with np.load(out / "samples.npz") as samples:
        assert samples["sample_weight"].sum() == pytest.approx(1.0)
    assert "weight" in Table.read(out / "samples.ecsv").colnames
    # the shipped pair emulator (the default), reweighted by the exact engine
    assert main([*argv, "--engine", "emulator", "--reweight"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["engine"] == "emulator" and summary["emulator"] == "pairs"
    assert summary["encode_seconds"] > 0 and set(summary["reweighting"]) >= {"ess", "pareto_k"}
    # ... and the shipped profile network, by name
    assert main([*argv, "--engine", "emulator", "--emulator", "general"]) == 0
    assert json.loads((out / "summary.json").read_text())["emulator"] == "general"


def test_cli_fit_reports_bad_files(tmp_path, capsys):
    (tmp_path / "mge.txt").write_text("1 2\n")
    argv = ["fit", "--mge", str(tmp_path / "mge.txt"), "--kinematics", str(tmp_path / "none.txt")]
    assert main([*argv, "--distance", "10", "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err
    assert "the MGE file" in err and "needs 3 columns, found 2" in err


def test_the_centre_is_a_bin_without_a_psf_too():
    X, vrms, err = mock(n_side=3)  # the grid holds (0, 0)
    fit = JamKinematics(SURF, SIGMA, QOBS, 0.7, n_walkers=6, n_steps=2, random_state=0)
    assert np.all(np.isfinite(fit.fit(X, vrms, err).predict(X)))


def test_renamed_arguments_warn_and_still_work():
    """fit(yerr=) is vrms_err now; device='cpu' means NumPy until 0.5, device=None from now."""
    X, vrms, err = mock(n_side=3, seed=1)
    kw = dict(n_walkers=6, n_steps=2, random_state=0)
    base = JamKinematics(SURF, SIGMA, QOBS, 0.7, **PSF, **kw).fit(X, vrms, err)
    with pytest.warns(FutureWarning, match="renamed vrms_err"):
        old = JamKinematics(SURF, SIGMA, QOBS, 0.7, **PSF, **kw).fit(X, vrms, yerr=err)
    with pytest.warns(FutureWarning, match="device='cpu' runs the engine in NumPy"):
        cpu = JamKinematics(SURF, SIGMA, QOBS, 0.7, **PSF, **kw, device="cpu").fit(X, vrms, err)
    np.testing.assert_array_equal(old.samples_, base.samples_)
    np.testing.assert_array_equal(cpu.samples_, base.samples_)


def test_walkers_with_an_unphysical_anisotropy_get_zero_posterior():
    """V_rms^2 < 0 somewhere (a NaN model) is -inf, as outside the bounds; no warning leaks."""
    X, vrms, err = mock(n_side=3)
    fit = JamKinematics(
        SURF, SIGMA, QOBS, 0.7, **PSF, anisotropy="beta_z", bounds={"beta_z": (-1, 0.999)}
    )
    setup, fit.n_calls_ = fit._setup(), 0
    theta = np.array([[0.4, 0.0, 0.1], [0.4, 0.95, 0.1]])  # q_min, beta_z, lg_ml
    with pytest.warns(UnphysicalModelWarning, match=r"V_rms\^2 < 0 .* first at galaxy 1"):
        model = fit.model_vrms(dict(zip(setup["free"], theta.T, strict=True)), X)
    assert np.isfinite(model[0]).all() and np.isnan(model[1]).any()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        logp = fit._log_prob(setup, theta, X[:, 0], X[:, 1], vrms, err)
    assert np.isfinite(logp[0]) and logp[1] == -np.inf


def test_inclination_and_beta_z_parametrisations_agree():
    """(q_min, ratio) and (inc, beta_z) are the same models in other coordinates."""
    from sklearn_jam.jam import inc_from_qmin

    X, _, _ = mock(n_side=3)
    base = JamKinematics(SURF, SIGMA, QOBS, 0.7, **PSF)
    other = JamKinematics(SURF, SIGMA, QOBS, 0.7, **PSF, inclination="inc", anisotropy="beta_z")
    q_min, ratio = np.array([0.3, 0.6]), np.array([0.8, 1.2])
    expected = base.model_vrms({"q_min": q_min, "ratio": ratio, "lg_ml": 0.2}, X)
    inc = inc_from_qmin(q_min, QOBS.min())
    got = other.model_vrms({"inc": inc, "beta_z": 1 - ratio**2, "lg_ml": 0.2}, X)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    X, vrms, err = mock(n_side=3, seed=2)
    other.set_params(n_walkers=6, n_steps=2, random_state=0).fit(X, vrms, err)
    assert other.param_names_ == ["inc", "beta_z", "lg_ml"]
    low = np.degrees(np.arccos(QOBS.min()))
    assert np.all(other.samples_[:, 0] > low) and np.all(other.samples_[:, 0] <= 90)


def test_torch_device_gives_the_numpy_models():
    """device='cpu:0' runs the torch path (as on a GPU) and agrees with NumPy's kernel."""
    X, _, _ = mock(n_side=4)
    numpy_fit = JamKinematics(SURF, SIGMA, QOBS, 0.7, **PSF, black_hole=True)
    torch_fit = clone(numpy_fit).set_params(device="cpu:0")
    params = {**TRUTH, "lg_mbh": np.array([6.0, 6.5])}
    np.testing.assert_allclose(
        torch_fit.model_vrms(params, X), numpy_fit.model_vrms(params, X), rtol=1e-6
    )


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"fixed": {"lg_ml": np.nan}}, r"fixed lg_ml=nan must be finite"),
        ({"fixed": {"ratio": 0.0}}, r"fixed ratio=0.0 must be > 0"),
        ({"fixed": {"ratio": -1.0}}, r"fixed ratio=-1.0 must be > 0"),
        ({"fixed": {"ratio": (1.0, 2.0)}}, r"fixed ratio=\(1.0, 2.0\) must be one number"),
        ({"mass_model": "gnfw", "fixed": {"f_dm": 1.0}}, r"fixed f_dm=1.0 must be in \[0, 1\)"),
        ({"mass_model": "gnfw", "fixed": {"rbreak_kpc": 0.0}}, r"rbreak_kpc=0.0 must be > 0 kpc"),
        (
            {"mass_model": "gnfw", "bounds": {"gamma": (-3.0, 2.0)}, "p0": {"gamma": -0.01}},
            r"bounds\['gamma'\]=\(-3.0, 2.0\): gamma must be in \[-3, 0\]",
        ),
        ({"p0": {"lgml": 0.3}}, r"p0: unknown parameter 'lgml'"),
        ({"fixed": {"lg_ml": 0.1}, "p0": {"lg_ml": 0.3}}, r"p0\['lg_ml'\] is given for a fixed"),
        ({"surf_lum": 0 * SURF}, "surf_lum is 0 everywhere"),
        ({"qobs_lum": np.ones_like(QOBS)}, "every qobs_lum is 1"),
    ],
)
def test_bad_options_are_refused_before_sampling(options, match):
    X, vrms, err = mock(n_side=3)
    mge = {"surf_lum": SURF, "sigma_lum": SIGMA, "qobs_lum": QOBS}
    mge.update({k: options.pop(k) for k in list(options) if k in mge})
    fit = JamKinematics(**mge, distance=0.7, **PSF, **options, n_walkers=8, n_steps=10**6)
    with pytest.raises(ValueError, match=match):
        fit.fit(X, vrms, err)  # a million steps: raised before the first one


def test_bad_bins_are_refused_before_sampling():
    X, vrms, err = mock(n_side=3)
    fit = JamKinematics(SURF, SIGMA, QOBS, 0.7, **PSF, n_walkers=8, n_steps=10**6)
    with pytest.raises(ValueError, match=r"y\[2\]=-5.0 must be finite and >= 0"):
        fit.fit(X, np.where(np.arange(9) == 2, -5.0, vrms), err)
    with pytest.raises(ValueError, match="underflows to 0"):
        fit.fit(1000 * X, vrms, err)


def test_cli_refuses_a_pair_as_a_fixed_value(tmp_path, capsys):
    X, vrms, err = mock(n_side=3)
    np.savetxt(tmp_path / "mge.txt", np.column_stack([SURF, SIGMA, QOBS]))
    np.savetxt(tmp_path / "bins.txt", np.column_stack([X, vrms, err]))
    argv = ["fit", "--mge", str(tmp_path / "mge.txt"), "--kinematics", str(tmp_path / "bins.txt")]
    argv += ["--distance", "0.7", "--out", str(tmp_path / "o"), "--fix", "ratio=1,2"]
    assert main(argv) == 1
    assert "fixed ratio=(1.0, 2.0) must be one number" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def _fit_files(tmp_path):
    X, vrms, err = mock(n_side=3)
    np.savetxt(tmp_path / "mge.txt", np.column_stack([SURF, SIGMA, QOBS]))
    np.savetxt(tmp_path / "bins.txt", np.column_stack([X, vrms, err]))
    argv = ["fit", "--mge", str(tmp_path / "mge.txt"), "--kinematics", str(tmp_path / "bins.txt")]
    return argv + ["--distance", "0.7", "--sigmapsf", "0.6", "--walkers", "8", "--steps", "4"]


@pytest.mark.parametrize(
    ("existing", "match"),
    [("file", "is a file; give a folder"), ("folder", r"is not empty \(notes.txt\)")],
)
def test_fit_output_is_checked_before_sampling(tmp_path, capsys, monkeypatch, existing, match):
    out = tmp_path / "out"
    if existing == "file":
        out.write_text("mine")
    else:
        out.mkdir()
        (out / "notes.txt").write_text("mine")

    def no_sampling(*args, **kwargs):
        raise AssertionError("sampled before the output was checked")

    monkeypatch.setattr(JamKinematics, "fit", no_sampling)
    assert main([*_fit_files(tmp_path), "--out", str(out)]) == 1
    assert re.search(match, capsys.readouterr().err)
    if existing == "folder":  # --overwrite replaces a fit's files only
        assert main([*_fit_files(tmp_path), "--out", str(out), "--overwrite"]) == 1
        assert "holds files a fit does not write (notes.txt)" in capsys.readouterr().err
        assert (out / "notes.txt").read_text() == "mine"


def test_fit_files_are_one_set(tmp_path, capsys, monkeypatch):
    """--overwrite replaces an earlier fit whole; a failure while writing leaves nothing."""
    import sklearn_jam.plotting as plotting

    out = tmp_path / "out"
    assert main([*_fit_files(tmp_path), "--out", str(out)]) == 0
    first = (out / "samples.npz").read_bytes()
    assert sorted(p.name for p in out.iterdir()) == sorted(FIT_FILES)
    assert main([*_fit_files(tmp_path), "--out", str(out)]) == 1  # no silent overwrite
    assert "--overwrite" in capsys.readouterr().err

    def broken(*args, **kwargs):
        raise RuntimeError("the figure could not be drawn")

    monkeypatch.setattr(plotting, "plot_kinematics_fit", broken)
    argv = [*_fit_files(tmp_path), "--seed", "1", "--out", str(out), "--overwrite"]
    assert main(argv) == 1
    assert (out / "samples.npz").read_bytes() == first  # the earlier fit, whole
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bins.txt", "mge.txt", "out"]
    fresh = tmp_path / "fresh"
    assert main([*_fit_files(tmp_path), "--out", str(fresh)]) == 1
    assert not fresh.exists()


def test_an_error_in_the_likelihood_is_one_line(tmp_path, capfd, monkeypatch):
    calls = []
    real = JamKinematics._log_prob

    def failing(self, *args):
        calls.append(1)
        if len(calls) == 3:
            raise FloatingPointError("the model is not finite at {'lg_ml': 0.2}")
        return real(self, *args)

    monkeypatch.setattr(JamKinematics, "_log_prob", failing)
    assert main([*_fit_files(tmp_path), "--out", str(tmp_path / "out")]) == 1
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err and "emcee" not in out + err
    assert "FloatingPointError: the model is not finite at {'lg_ml': 0.2}" in err
    assert len(calls) == 3  # stopped at the failing step


def test_an_interrupted_fit_does_not_promise_to_resume(tmp_path, capsys, monkeypatch):
    import sklearn_jam.cli.fit as fit_module

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(fit_module, "fit_kinematics", interrupted)
    assert main([*_fit_files(tmp_path), "--out", str(tmp_path / "out")]) == 130
    err = capsys.readouterr().err
    assert "nothing was written (a fit does not resume" in err and "resume\n" not in err


def test_the_chain_is_kept_whole_and_diagnosed():
    """Issue 21: chain_ as emcee's get_chain(), summary_ with tau, R-hat and ESS, and a warning
    for a chain far too short; the same chain through arviz and astropy tables."""
    import arviz

    from sklearn_jam.exceptions import ChainConvergenceWarning

    X, vrms, err = mock(n_side=3)
    est = JamKinematics(SURF, SIGMA, QOBS, 0.7, n_walkers=8, n_steps=40, random_state=0)
    with pytest.warns(ChainConvergenceWarning, match="fewer than 50 autocorrelation times"):
        est.fit(X, vrms, err)
    assert est.chain_.shape == (40, 8, 3) and est.chain_log_prob_.shape == (40, 8)
    assert est.n_burn_ == 20
    np.testing.assert_array_equal(est.samples_, est.chain_[20:].reshape(-1, 3))
    np.testing.assert_array_equal(est.log_prob_, est.chain_log_prob_[20:].ravel())
    for i, name in enumerate(est.param_names_):
        s = est.summary_[name]
        np.testing.assert_allclose(s[:3], np.percentile(est.samples_[:, i], [15.87, 50, 84.13]))
        assert s.tau > 0 and s.r_hat > 0 and s.ess_bulk > 0
    assert est.diagnostics_["problems"]

    idata = est.to_inference_data(include_burn=True)
    np.testing.assert_array_equal(idata["posterior"]["lg_ml"].values, est.chain_[20:, :, 2].T)
    warmup = idata["warmup_posterior"]["q_min"].values
    np.testing.assert_array_equal(warmup, est.chain_[:20, :, 0].T)
    np.testing.assert_array_equal(idata["sample_stats"]["lp"].values, est.chain_log_prob_[20:].T)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        r_hat = arviz.rhat(idata)["ratio"].item()
    assert r_hat == pytest.approx(est.summary_["ratio"].r_hat)


def test_tables_round_trip_through_ecsv_and_fits(tmp_path):
    from astropy.table import Table

    X, vrms, err = mock(n_side=3)
    params = dict(fixed={"q_min": 0.45}, n_walkers=6, n_steps=10, random_state=0)
    est = JamKinematics(SURF, SIGMA, QOBS, 0.7, inclination="q_min", **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, vrms, err)
    for table, name in ((est.samples_table(), "samples"), (est.summary_table(), "summary")):
        for ext in ("ecsv", "fits"):
            path = tmp_path / f"{name}.{ext}"
            if ext == "fits":
                table.meta.pop("problems", None)
            table.write(path)
            back = Table.read(path)
            assert back.colnames == table.colnames
            for col in table.colnames:
                assert list(back[col]) == list(table[col]), (name, ext, col)
            meta = {key.lower(): value for key, value in back.meta.items()}  # FITS: upper case
            assert meta["n_burn"] == est.n_burn_ == 5 and meta["sampler"] == "emcee"
    samples = Table.read(tmp_path / "samples.fits")
    np.testing.assert_array_equal(samples["ratio"], est.samples_[:, 0])
    assert list(samples["walker"][:7]) == [0, 1, 2, 3, 4, 5, 0]


def test_score_is_the_chi2_log_likelihood_of_the_best_fit():
    X, vrms, err = mock(n_side=3)
    est = JamKinematics(SURF, SIGMA, QOBS, 0.7, n_walkers=6, n_steps=6, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X, vrms, err)
    chi2 = np.sum(((vrms - est.predict(X)) / err) ** 2)
    assert est.score(X, vrms, err) == pytest.approx(-0.5 * chi2, rel=1e-12)
    assert est.score(X, vrms, err) == pytest.approx(est.log_prob_.max(), rel=1e-12)
    with pytest.raises(TypeError):
        est.score(X, vrms, sample_weight=err)  # not scikit-learn's weighted R^2


def test_quantities_are_accepted_and_wrong_units_refused():
    import astropy.units as u

    X = np.array([[1.0, 0.5], [3.0, -2.0]])
    plain = JamKinematics(SURF, SIGMA, QOBS, 0.7, sigmapsf=0.6, pixsize=0.8)
    same = JamKinematics(
        SURF * u.solLum / u.pc**2,
        (SIGMA / 60) * u.arcmin,
        QOBS,
        700 * u.kpc,
        sigmapsf=600 * u.mas,
        pixsize=0.8 * u.arcsec,
        pixang=0 * u.rad,
    )
    np.testing.assert_allclose(same.model_vrms(TRUTH, X), plain.model_vrms(TRUTH, X), rtol=1e-12)
    bad = JamKinematics(SURF, SIGMA * u.pc, QOBS, 0.7)
    with pytest.raises(ValueError, match=r"sigma_lum in pc must be in units convertible to arcsec"):
        bad.model_vrms(TRUTH, X)
    with pytest.raises(ValueError, match="distance in km / s must be in units convertible to Mpc"):
        JamKinematics(SURF, SIGMA, QOBS, 0.7 * u.km / u.s).model_vrms(TRUTH, X)


def test_jampy_black_hole_convention_scales_mbh_with_ml():
    """bh_convention='jampy': lg_mbh is jampy's mbh with ml=10**lg_ml, M_BH = 10**(lg_mbh+lg_ml)."""
    X = np.array([[0.2, 0.1], [1.0, 0.5]])
    theta = dict(TRUTH, lg_mbh=6.5)
    jampy_like = JamKinematics(SURF, SIGMA, QOBS, 0.7, black_hole=True, bh_convention="jampy")
    absolute = JamKinematics(SURF, SIGMA, QOBS, 0.7, black_hole=True)
    shifted = dict(theta, lg_mbh=6.5 + TRUTH["lg_ml"])
    np.testing.assert_allclose(
        jampy_like.model_vrms(theta, X), absolute.model_vrms(shifted, X), rtol=1e-12
    )
    mbh = jampy_like.dynamical_inputs(theta)["mbh"][0]
    assert mbh == pytest.approx(10 ** (6.5 + TRUTH["lg_ml"]))


def test_progress_is_shown_on_a_terminal_by_default(monkeypatch):
    import io
    import sys

    est = JamKinematics()
    assert est.progress == "auto"

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert est._show_progress() is False
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert est._show_progress() is True
    assert JamKinematics(progress=False)._show_progress() is False


def test_cli_fit_takes_jampys_mge_by_name(tmp_path, capsys):
    from sklearn_jam.cli.fit import read_mge

    np.testing.assert_array_equal(read_mge("m32"), np.column_stack(M32_MGE))
    argv = _fit_files(tmp_path)
    argv[argv.index("--mge") + 1] = "M32"
    assert main([*argv, "--out", str(tmp_path / "o")]) == 0
    assert main([*argv[:2], "nosuch", *argv[3:], "--out", str(tmp_path / "p")]) == 1
    assert "nor one of jampy's MGEs ['axi_proj_example', 'm32']" in capsys.readouterr().err
    # the MGE of jampy's jam_axi_proj_example.py, as that script writes it
    assert read_mge("axi_proj_example")[:, 1].tolist()[-1] == 525.0


def test_model_vrms_refuses_what_cannot_be_deprojected_and_only_that():
    X = np.array([[1.0, 1.0]])
    theta = {"ratio": 0.9, "lg_ml": 0.1}
    with pytest.raises(ValueError, match=r"q_min=0.8: the MGE \(flattest qobs=0.72\) can be dep"):
        JamKinematics(SURF, SIGMA, QOBS, 0.7).model_vrms({**theta, "q_min": 0.8}, X)
    by_inc = JamKinematics(SURF, SIGMA, QOBS, 0.7, inclination="inc", bounds={"inc": (80, 90)})
    with pytest.raises(ValueError, match=r"inc=20.0: .* only for inc in \(44.01, 90\]"):
        by_inc.model_vrms({**theta, "inc": 20.0}, X)
    assert np.isfinite(by_inc.model_vrms({**theta, "inc": 60.0}, X)).all()  # outside the prior


# -- the spherically aligned model ------------------------------------------------------

SPH_TRUTH = {"q_min": 0.45, "ratio_th": 0.9, "lg_ml": 0.2}


def test_align_sph_runs_the_spherical_engine_with_its_anisotropy():
    from sklearn_jam.jam import jam_axi_sph

    X = np.array([[0.5, 0.3], [-2.0, 1.5], [3.0, -2.5]])
    fit = JamKinematics(SURF, SIGMA, QOBS, 0.7, **PSF, align="sph", n_nodes=16)
    dyn = fit.dynamical_inputs(SPH_TRUTH)
    np.testing.assert_allclose(dyn["beta"], 1 - 0.9**2)
    args = (SURF, SIGMA, QOBS, dyn["surf_pot"], dyn["sigma_pot"], dyn["qobs_pot"], dyn["inc"])
    direct = jam_axi_sph(*args, dyn["beta"], X[:, 0], X[:, 1], distance=0.7, n_nodes=16, **PSF)
    np.testing.assert_allclose(fit.model_vrms(SPH_TRUTH, X), direct, rtol=1e-13)
    # the same parameters in the other alignment are another model (M32: a few percent)
    cyl = JamKinematics(SURF, SIGMA, QOBS, 0.7, **PSF).model_vrms(TRUTH, X)
    assert np.max(np.abs(cyl / direct - 1)) > 1e-3
    beta = JamKinematics(SURF, SIGMA, QOBS, 0.7, **PSF, align="sph", anisotropy="beta", n_nodes=16)
    params = {"q_min": 0.45, "beta_r": 1 - 0.9**2, "lg_ml": 0.2}
    np.testing.assert_allclose(beta.model_vrms(params, X), direct, rtol=1e-13)


def test_align_sph_fit_names_and_records_its_alignment():
    X, vrms, err = mock(n_side=3, seed=2)
    X = X + 0.25  # off the centre: no PSF below
    kw = dict(n_walkers=6, n_steps=8, burn=0.0, random_state=0, n_nodes=12, align="sph")
    fit = JamKinematics(SURF, SIGMA, QOBS, 0.7, anisotropy="beta", **kw).fit(X, vrms, err)
    assert fit.param_names_ == ["q_min", "beta_r", "lg_ml"]
    assert np.all(np.isfinite(fit.predict(X)))
    assert fit.summary_table().meta["align"] == "sph"
    idata = fit.to_inference_data()
    for group in ("posterior", "sample_stats"):  # arviz 0.x and 1 alike
        assert idata[group].attrs["align"] == "sph" and idata[group].attrs["sampler"] == "emcee"


@pytest.mark.parametrize(
    ("options", "bins", "match"),
    [
        (dict(anisotropy="beta_z"), None, "with align='sph' sample anisotropy='beta'"),
        (dict(pixsize=0.8), None, r"pixsize=0.8 without a PSF"),
        ({}, [[0.0, 0.0], [1.0, 1.0]], r"point 0 of galaxy 0 is at \(0, 0\)"),
    ],
    ids=["beta_z", "spaxels-without-psf", "centre-without-psf"],
)
def test_align_sph_refuses_before_sampling(monkeypatch, options, bins, match):
    def no_model(*args, **kwargs):
        raise AssertionError("a model was computed before the input was checked")

    monkeypatch.setattr(JamKinematics, "_log_prob", no_model)
    X = np.array(bins if bins is not None else [[1.0, 0.5], [2.0, 1.0]])
    fit = JamKinematics(SURF, SIGMA, QOBS, 0.7, align="sph", n_walkers=6, **options)
    with pytest.raises(ValueError, match=match):
        fit.fit(X, [50.0, 60.0], [2.0, 2.0])


def test_tabulated_sph_is_the_exact_spherical_model_in_its_anisotropy():
    X = np.array([[0.5, 0.3], [-2.0, 1.5], [3.0, -2.5]])
    kw = dict(align="sph", black_hole=True, fixed={"q_min": 0.45}, n_nodes=16, **PSF)
    params = {"ratio_th": [0.55, 0.9, 1.4], "lg_ml": [0.1, 0.2, 0.3], "lg_mbh": [6.0, 6.5, 7.0]}
    exact = JamKinematics(SURF, SIGMA, QOBS, 0.7, **kw).model_vrms(params, X)
    tabulated = JamKinematics(SURF, SIGMA, QOBS, 0.7, engine="tabulated", **kw)
    # in ratio_th, the sampled variable: 2.6e-8 measured (in beta_r 12 nodes left 1.5e-5)
    np.testing.assert_allclose(tabulated.model_vrms(params, X), exact, rtol=1e-6)
    assert tabulated._table_cache[1].ani_range == (0.5, 1.5)  # ratio_th, the sampled variable
    coarse = JamKinematics(SURF, SIGMA, QOBS, 0.7, engine="tabulated", table_nodes=(3, 5), **kw)
    coarse.model_vrms(params, X)
    assert coarse._table_cache[1].coef.shape == (1, 5, 2, 3)  # q_min fixed: one inclination
    with pytest.raises(ValueError, match=re.escape("table_nodes=(3, 0) must be two integers")):
        JamKinematics(SURF, SIGMA, QOBS, 0.7, table_nodes=(3, 0), **kw).model_vrms(params, X)


def test_ratio_eq37_is_jampy9s_beta_theta_exactly_and_tabulated():
    from sklearn_jam.jam import CylindricalLikeBeta, jam_axi_sph

    X = np.array([[0.5, 0.3], [-2.0, 1.5], [3.0, -2.5]])
    kw = dict(align="sph", anisotropy="ratio_eq37", n_nodes=16)
    bounds = {"ratio_eq37": (0.8, 1.0)}
    fit = JamKinematics(SURF, SIGMA, QOBS, 0.7, bounds=bounds, **kw)
    params = {"q_min": [0.45, 0.3], "ratio_eq37": [0.85, 0.95], "lg_ml": [0.2, 0.1]}
    ours = fit.model_vrms(params, X)
    dyn = fit.dynamical_inputs(params)
    assert [b.ratio for b in dyn["beta"]] == [0.85, 0.95]
    for k, ratio in enumerate(params["ratio_eq37"]):
        args = (SURF, SIGMA, QOBS, dyn["surf_pot"][k], dyn["sigma_pot"][k], dyn["qobs_pot"][k])
        direct = jam_axi_sph(
            *args, dyn["inc"][k], CylindricalLikeBeta(ratio), X[:, 0], X[:, 1], distance=0.7,
            n_nodes=16,
        )  # fmt: skip
        np.testing.assert_allclose(ours[k], direct, rtol=1e-13)
    tabulated = JamKinematics(
        SURF, SIGMA, QOBS, 0.7, bounds=bounds, fixed={"q_min": 0.45}, engine="tabulated", **kw
    )
    fixed = {"ratio_eq37": [0.85, 0.93], "lg_ml": [0.2, 0.1]}
    np.testing.assert_allclose(
        tabulated.model_vrms(fixed, X), fit.model_vrms({**fixed, "q_min": 0.45}, X), rtol=1e-5
    )


def test_cli_fit_takes_the_alignment(tmp_path, capsys):
    out = tmp_path / "out"
    argv = [*_fit_files(tmp_path), "--align", "sph", "--nodes", "12", "--out", str(out)]
    assert main(argv) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["model"]["align"] == "sph"
    assert "ratio_th" in summary["parameters"]


@pytest.mark.slow
def test_cli_fit_takes_jampy9s_eq37_anisotropy(tmp_path, capsys):
    out = tmp_path / "out"
    argv = [*_fit_files(tmp_path), "--align", "sph", "--anisotropy", "ratio_eq37"]
    assert main([*argv, "--nodes", "12", "--out", str(out)]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["model"]["align"] == "sph"
    assert "ratio_eq37" in summary["parameters"] and "ratio_th" not in summary["parameters"]
    capsys.readouterr()
    cyl = [*_fit_files(tmp_path), "--anisotropy", "ratio_eq37", "--out", str(tmp_path / "cyl")]
    assert main(cyl) == 1
    assert "ratio_eq37" in capsys.readouterr().err


TABULATED_PARAMS = {
    "q_min": [0.06, 0.3, 0.6],  # the first near the inclination limit
    "ratio": [0.8, 1.1, 0.95],
    "lg_ml": [0.1, 0.3, 0.2],
    "f_dm": [0.2, 0.5, 0.05],
    "gamma": [-1.2, -0.3, -1.6],
    "rbreak_kpc": [5.0, 40.0, 2.0],
    "lg_mbh": [6.0, 7.5, 5.0],
}


@pytest.mark.slow
def test_tabulated_engine_is_the_exact_model_with_a_halo_and_a_black_hole():
    X = mock(n_side=4)[0]
    kw = dict(mass_model="gnfw", black_hole=True, n_nodes=48, **PSF)
    exact = JamKinematics(SURF, SIGMA, QOBS, 0.7, **kw)
    tabulated = JamKinematics(SURF, SIGMA, QOBS, 0.7, engine="tabulated", **kw)
    truth = exact.model_vrms(TABULATED_PARAMS, X)
    np.testing.assert_allclose(tabulated.model_vrms(TABULATED_PARAMS, X), truth, rtol=1e-6)
    # either estimator computes either engine on request
    np.testing.assert_allclose(
        exact.model_vrms(TABULATED_PARAMS, X, engine="tabulated"), truth, rtol=1e-6
    )
    np.testing.assert_array_equal(tabulated.model_vrms(TABULATED_PARAMS, X, engine="exact"), truth)


def test_tabulated_fit_follows_the_exact_chain_and_predicts_exactly():
    X, vrms, err = mock(n_side=3)
    params = dict(random_state=0, n_walkers=6, n_steps=4, n_nodes=48, **PSF)
    exact = JamKinematics(SURF, SIGMA, QOBS, 0.7, **params).fit(X, vrms, err)
    tabulated = JamKinematics(SURF, SIGMA, QOBS, 0.7, engine="tabulated", **params)
    tabulated.fit(X, vrms, err)
    assert tabulated.table_.inc_range[1] == 90.0 and tabulated.encode_seconds_ > 0
    assert exact.encode_seconds_ == 0 and not hasattr(exact, "table_")
    # models within 1e-5: every accept/reject decision of the seeded chain is the same
    np.testing.assert_allclose(tabulated.chain_, exact.chain_, rtol=1e-9)
    np.testing.assert_allclose(tabulated.chain_log_prob_, exact.chain_log_prob_, rtol=1e-4)
    best = {k: np.array([v]) for k, v in tabulated.best_params_.items()}
    np.testing.assert_array_equal(
        tabulated.predict(X), tabulated.model_vrms(best, X, engine="exact")[0]
    )


def test_reweighted_tabulated_fit_is_the_exact_posterior():
    """Each sample's exact log-posterior computed afresh, the weights and the summaries."""
    X, vrms, err = mock(n_side=3)
    params = dict(random_state=0, n_walkers=6, n_steps=12, burn=0.5, n_nodes=48, **PSF)
    fit = JamKinematics(SURF, SIGMA, QOBS, 0.7, engine="tabulated", **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a 12-step chain is not converged
        exact = JamKinematics(SURF, SIGMA, QOBS, 0.7, **params).fit(X, vrms, err)
        fit.fit(X, vrms, err, reweight=True)
    samples = dict(zip(fit.param_names_, fit.samples_.T, strict=True))
    chi2 = (((vrms - fit.model_vrms(samples, X, engine="exact")) / err) ** 2).sum(1)
    np.testing.assert_allclose(fit.exact_log_prob_, -0.5 * chi2, rtol=1e-12)
    assert fit.sample_weight_.sum() == pytest.approx(1.0) and fit.pareto_k_ < 0.7
    # the table is within 1e-5 of the engine: the weights are nearly equal ...
    assert fit.reweight_ess_ > 0.99 * len(fit.samples_) and fit.reweight_seconds_ > 0
    # ... and the reweighted percentiles are the exact chain's (the same seeded chain;
    # weighted percentiles interpolate as numpy's method='hazen')
    levels = [15.87, 50, 84.13]
    expected = np.percentile(exact.samples_, levels, axis=0, method="hazen")
    for i, name in enumerate(fit.param_names_):
        np.testing.assert_allclose(fit.summary_[name], expected[:, i], rtol=1e-5)
    assert fit.best_params_ == pytest.approx(exact.best_params_, rel=1e-9)
    table = fit.samples_table()
    np.testing.assert_array_equal(table["weight"], fit.sample_weight_)
    # a refit without reweighting keeps no weights
    fit.set_params(n_steps=4).fit(X, vrms, err)
    assert not hasattr(fit, "sample_weight_") and "weight" not in fit.samples_table().colnames


@pytest.mark.parametrize(
    "options, reweight, message",
    [
        ({}, True, "with engine='exact' the posterior is already exact"),
        ({"engine": "tabulated"}, "yes", "reweight='yes' must be True or False"),
    ],
)
def test_reweighting_is_refused_where_it_means_nothing(options, reweight, message):
    X, vrms, err = mock(n_side=3)
    fit = JamKinematics(SURF, SIGMA, QOBS, 0.7, n_walkers=6, n_steps=2, **options)
    with pytest.raises(ValueError, match=re.escape(message)):
        fit.fit(X, vrms, err, reweight=reweight)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(engine="emulator", align="sph"), "engine='emulator' emulates the cylindrical"),
        (dict(device="cuda"), "tabulates the model in NumPy, got device='cuda'"),
        (
            dict(engine="exact", align="sph", anisotropy="ratio_eq37", device="cuda"),
            "anisotropy='ratio_eq37' (a beta(theta)) is computed in NumPy",
        ),
        (dict(anisotropy="ratio_eq37"), "anisotropy='ratio_eq37' is jampy 9's eq. (37)"),
    ],
)
def test_tabulated_engine_refuses_what_it_cannot_tabulate(options, message):
    X, vrms, err = mock(n_side=3)
    fit = JamKinematics(SURF, SIGMA, QOBS, 0.7, **{"engine": "tabulated", **PSF, **options})
    with pytest.raises(ValueError, match=re.escape(message)):
        fit.fit(X, vrms, err)
    with pytest.raises(ValueError, match=re.escape("engine='fast' must be 'exact'")):
        JamKinematics(SURF, SIGMA, QOBS, 0.7).model_vrms(TRUTH, X, engine="fast")
