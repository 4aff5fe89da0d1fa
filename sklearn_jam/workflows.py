"""The jobs behind the command line (train, evaluate, time, demo), for scripts and
benchmarks too: the public seam between them and the package."""

import json
import os
import time
from pathlib import Path

import joblib
import numpy as np

from ._version import SPEC_VERSION, __version__
from .emulator import JamEmulatorRegressor
from .features import split_features
from .io import load_dataset, simulate_to_store
from .jam import jampy_mge_vrms
from .metrics import accuracy_summary
from .simulator import JamSimulator

#: Figures of the paper (Simon et al.), for the comparison tables.
PAPER = {
    "fraction_within_2pct": 0.90,
    "full_model_s": 1e-3,
    "mlp_only_s": 0.3e-3,
    "jam_s_per_sample_core": 1.08,
}


def make_estimator(config="small", **overrides):
    """The emulator for a configuration name ('small', 'paper') or a JSON file of parameters."""
    if config in (None, "small", "default"):
        est = JamEmulatorRegressor()
    elif config == "paper":
        est = JamEmulatorRegressor.paper()
    else:
        path = Path(config)
        if not path.is_file():
            raise ValueError(f"--config must be 'small', 'paper' or a JSON file; got {config!r}")
        params = json.loads(path.read_text())
        if not isinstance(params, dict):
            raise ValueError(f"{config!r} must hold a JSON object of parameters")
        unknown = sorted(set(params) - set(JamEmulatorRegressor().get_params()))
        if unknown:
            raise ValueError(
                f"{config!r} has unknown parameters {unknown}; JamEmulatorRegressor takes "
                f"{sorted(JamEmulatorRegressor().get_params())}"
            )
        for key in ("conv_channels", "pool_after", "hidden_layer_sizes"):
            if key in params:
                params[key] = tuple(params[key])
        est = JamEmulatorRegressor(**params)
    return est.set_params(**{k: v for k, v in overrides.items() if v is not None})


def split_rows(n, n_train=None):
    """The paper's 8000 / 2000 split for 10,000 maps, 80 / 20 otherwise."""
    if n_train is None:
        n_train = 8000 if n >= 10000 else int(round(0.8 * n))
    if not 1 <= n_train < n:
        raise ValueError(f"n_train must be between 1 and {n - 1} for {n} maps, got {n_train}")
    return n_train


def card_path(model):
    """The provenance card beside a model file: ``model.joblib`` -> ``model.card.json``."""
    return Path(model).with_suffix(".card.json")


def write_card(model, info):
    """Write a model's provenance card (how, on what and by which versions it was trained)."""
    card = {**info, "package_version": __version__, "spec_version": SPEC_VERSION}
    card_path(model).write_text(json.dumps(_jsonable(card), indent=1) + "\n")
    return card


def read_card(model):
    """A model's provenance card, or None when it has none."""
    path = card_path(model)
    return json.loads(path.read_text()) if path.is_file() else None


def train(
    data, out, config="small", max_epochs=None, device=None, n_train=None, verbose=1, random_state=0
):
    """Train an emulator on a dataset directory; save it, its history and its card.

    Returns the estimator, the history file and the card (:func:`write_card`).
    """
    ds = load_dataset(data)
    n_train = split_rows(len(ds.y), n_train)
    est = make_estimator(
        config, max_epochs=max_epochs, device=device, verbose=verbose, random_state=random_state
    )
    t0 = time.perf_counter()
    est.fit(ds.X[:n_train], ds.y[:n_train])
    info = {
        "data": str(Path(data).resolve()),
        "n_train": n_train,
        "n_samples": len(ds.y),
        "train_seconds": time.perf_counter() - t0,
        "config": str(config),
        "params": est.get_params(),
    }
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Write beside the target, then rename: an existing model is replaced whole or not at all.
    tmp = out.with_name(f".{out.name}.tmp{os.getpid()}")
    try:
        joblib.dump(est, tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    history = out.with_suffix(".history.json")
    history.write_text(json.dumps(_jsonable(est.history_), indent=1))
    return est, history, write_card(out, info)


def _jsonable(obj):
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


#: What the numbers of ``metrics.json`` mean.
METRICS_UNITS = {
    "n_maps": "number of test maps",
    "fraction_within_1pct": "fraction (0 to 1) of maps with max |E| < 1%",
    "fraction_within_2pct": "fraction (0 to 1) of maps with max |E| < 2%",
    "median_abs_E": "median of |E| over all grid points, as a fraction (1e-4 = 0.01%)",
    "p99_abs_E": "99th percentile of |E| over all grid points, as a fraction",
    "mean_max_abs_E": "mean over maps of max |E|, as a fraction",
}


def write_report(
    est, X, y, images, out_dir, n_show=5, seed=0, extra=None, params=None, model="", data=""
):
    """``metrics.json`` and Figures 2 and 3 for an emulator on (X, y).

    Figure 2 shows the worst map (largest max ``|E|``) and ``n_show - 1`` random
    ones; ``model`` and ``data`` describe the emulator and the test set in the
    titles and in ``metrics.json``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .metrics import max_relative_error
    from .plotting import plot_error_histograms, plot_maps

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    y_pred = est.predict(X)
    metrics = {**accuracy_summary(y, y_pred), **(extra or {})}
    report = {"model": model, "data": data, "metrics": metrics, "units": METRICS_UNITS}
    (out_dir / "metrics.json").write_text(json.dumps(_jsonable(report), indent=1))
    worst = int(np.argmax(max_relative_error(y, y_pred, aggregate=None)))
    others = np.delete(np.arange(len(y)), worst)
    rng = np.random.default_rng(seed)
    show = [worst, *rng.choice(others, size=min(n_show - 1, len(others)), replace=False)]
    labels = ["worst map"] + ["random map"] * (len(show) - 1)
    title = " on ".join(t for t in (model, data) if t)
    fig = plot_maps(
        images[show],
        y[show],
        y_pred[show],
        scalars=X[show, :3],
        params=None if params is None else np.asarray(params)[show],
        labels=labels,
        title=title or None,
    )
    fig.savefig(out_dir / "figure2.png", dpi=90)
    plt.close(fig)
    fig = plot_error_histograms(y, y_pred, title=title or None)
    fig.savefig(out_dir / "figure3.png", dpi=90)
    plt.close(fig)
    return metrics


def evaluate(model, data, out_dir, split="all"):
    """Evaluate a saved emulator on a dataset directory; write metrics and figures."""
    est = joblib.load(model)
    ds = load_dataset(data)
    rows = np.arange(len(ds.y))
    if split == "test":
        info = read_card(model)
        if not info or Path(info["data"]) != Path(data).resolve():
            raise ValueError(
                f"--split test needs the model's card ({card_path(model).name}, written by "
                "'sklearn-jam train') to say it was trained on this dataset"
            )
        rows = rows[info["n_train"] :]
    elif split != "all":
        raise ValueError(f"split must be 'all' or 'test', got {split!r}")
    return write_report(
        est,
        ds.X[rows],
        ds.y[rows],
        ds.images[rows],
        out_dir,
        params=ds.params[rows],
        model=f"emulator {Path(model).name}",
        data=f"{len(rows)} {'unseen ' if split == 'test' else ''}maps of {Path(data).name}",
    )


def _best_time(fn, repeat=5, number=1):
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def plain_jampy_vrms(n_ser, r_ser, q_l, q_m, beta_z, inc, x, y):
    """What a jampy user runs without sklearn_jam: jampy's own Sersic MGE fit, then
    ``jam_axi_proj`` with its defaults (the yardstick of every speed ratio)."""
    from jampy.axi.jam_axi_sersic import sersic_mge

    # quiet=True keeps it silent; no redirect of sys.stdout, which is process-global.
    surf, sigma = sersic_mge(float(n_ser), 20, 2, False, True)
    return jampy_mge_vrms(surf, sigma * r_ser, q_l, q_m, beta_z, inc, x, y, 10.0)


def time_jam(params, n_jam=2, grid=None):
    """Mean seconds of a plain jampy call (:func:`plain_jampy_vrms`) over ``n_jam`` galaxies."""
    grid = grid or JamSimulator().grid
    jam_times = []
    for p in params[:n_jam]:
        t0 = time.perf_counter()
        plain_jampy_vrms(*p, grid.x, grid.y)
        jam_times.append(time.perf_counter() - t0)
    return float(np.mean(jam_times))


def time_models(est, params, n_jam=2, n_single=200, batch=1000, sim=None, jam_seconds=None):
    """Seconds per model: direct JAM call, full emulator, MLP-only, and batched emulator.

    ``jam_seconds`` (from :func:`time_jam`) reuses one JAM timing for several models,
    so that all their speed-ups divide the same number.
    """
    sim = sim or JamSimulator()
    X = sim.features(params[:batch])
    while len(X) < batch:  # repeat rows if fewer galaxies were given
        X = np.vstack([X, X])[:batch]
    if jam_seconds is None:
        jam_seconds = time_jam(params, n_jam, sim.grid)
    x1 = X[:1]
    feats = est.encode_images(split_features(x1)[1])
    scal = x1[:, :3]
    est.predict(x1)  # warm up
    full = _best_time(lambda: est.predict(x1), repeat=5, number=n_single // 5 or 1)
    # The fast path is short: the best of many repeats keeps other processes out of the figure.
    fast = _best_time(lambda: est.predict_from_features(feats, scal), repeat=25, number=n_single)
    batched = _best_time(lambda: est.predict(X), repeat=3) / len(X)
    jam = jam_seconds
    return {
        "jam_direct_s": jam,
        "emulator_full_single_s": full,
        "emulator_mlp_only_single_s": fast,
        "emulator_full_batched_s": batched,
        "speedup_full_single": jam / full,
        "speedup_mlp_only": jam / fast,
        "speedup_batched": jam / batched,
    }


def format_table(rows, headers):
    """A plain-text table: a header row, a rule, then the rows, in aligned columns."""
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(
        [line.format(*headers), line.format(*["-" * w for w in widths])]
        + [line.format(*map(str, r)) for r in rows]
    )


def demo(out="sklearn-jam-demo", quick=False, n_jobs=2, seed=0, verbose=1):
    """Simulate, train, evaluate and time; write everything into ``out``; return the summary."""
    from . import pretrained

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    n_train, n_test = (24, 8) if quick else (400, 100)
    max_epochs = 5 if quick else 200
    # Small batches, so that the progress bar moves often.
    sim = JamSimulator(n_jobs=n_jobs, batch_size=8 if quick else 10, verbose=verbose)
    say = print if verbose else (lambda *a, **k: None)

    say(f"[1/4] simulating {n_train} training and {n_test} test galaxies with JAM")
    t0 = time.perf_counter()
    simulate_to_store(sim, n_train, out / "train_data", seed=seed)
    simulate_to_store(sim, n_test, out / "test_data", seed=seed + 1)
    sim_seconds = time.perf_counter() - t0
    train_ds, test_ds = load_dataset(out / "train_data"), load_dataset(out / "test_data")

    say(
        f"[2/4] training a deliberately small demo emulator ({n_train} maps, {max_epochs} "
        "epochs); the pretrained model (sklearn_jam.load_pretrained(), 55,000 maps) is the "
        "one to use"
    )
    est = make_estimator("small", max_epochs=max_epochs, verbose=verbose, random_state=seed)
    t0 = time.perf_counter()
    est.fit(train_ds.X, train_ds.y)
    train_seconds = time.perf_counter() - t0
    joblib.dump(est, out / "model.joblib")

    say("[3/4] evaluating on the held-out galaxies")
    test_set = f"{len(test_ds.y)} held-out galaxies (seed {seed + 1})"
    report_kw = {"params": test_ds.params, "data": test_set}
    results = {
        "demo": write_report(
            est,
            test_ds.X,
            test_ds.y,
            test_ds.images,
            out / "report",
            model=f"demo emulator ({n_train} maps, {max_epochs} epochs)",
            **report_kw,
        )
    }
    pre = pretrained.load_pretrained(missing="none")
    if pre is not None:
        results["pretrained"] = write_report(
            pre,
            test_ds.X,
            test_ds.y,
            test_ds.images,
            out / "report_pretrained",
            model="pretrained emulator",
            **report_kw,
        )

    say("[4/4] timing JAM and the emulators")
    jam_seconds = time_jam(test_ds.params, n_jam=1 if quick else 3)
    speed = {"demo": time_models(est, test_ds.params, jam_seconds=jam_seconds)}
    if pre is not None:
        speed["pretrained"] = time_models(pre, test_ds.params, jam_seconds=jam_seconds)
    summary = {
        "package_version": __version__,
        "spec_version": SPEC_VERSION,
        "n_train": len(train_ds.y),
        "n_test": len(test_ds.y),
        "simulation_seconds": sim_seconds,
        "train_seconds": train_seconds,
        "accuracy": results,
        "speed": speed,
        "paper": PAPER,
    }
    summary["units"] = {
        "simulation_seconds": "s, wall clock",
        "train_seconds": "s, wall clock",
        "accuracy": METRICS_UNITS,
        "speed": "s per call; speedup_* = jam_direct_s / that time",
    }
    (out / "summary.json").write_text(json.dumps(_jsonable(summary), indent=1))
    text = format_summary(summary)
    (out / "speed_table.txt").write_text(text + "\n")
    (out / "README.txt").write_text(_DEMO_README.format(n_train=n_train, n_test=n_test))
    say(text)
    return summary


_DEMO_README = """What `sklearn-jam demo` wrote here
=================================

train_data/, test_data/   the simulated datasets ({n_train} and {n_test} galaxies): zarr
                          stores read by sklearn_jam.load_dataset()
model.joblib              the demo emulator, deliberately small; load with joblib.load()
report/                   the demo emulator on the test galaxies:
  metrics.json            accuracy (fractions, explained in its "units")
  figure2.png             image, JAM map, emulated map and error for the worst map and
                          random ones (maps in units of sqrt(G M / r_ser))
  figure3.png             histograms of the error E over all points and of max |E| per map
report_pretrained/        the same for the pretrained emulator (sklearn_jam.load_pretrained())
summary.json              everything the demo measured, with units
speed_table.txt           the printed tables: accuracy and time per model against one
                          direct JAM call timed in this run
"""


def format_summary(summary):
    """The demo's summary table, beside the paper's figures."""
    names = {
        "demo": f"demo emulator (deliberately small: {summary['n_train']} maps)",
        "pretrained": "pretrained emulator (the one to use)",
    }
    rows = []
    for name, acc in summary["accuracy"].items():
        rows.append(
            [
                names.get(name, f"{name} emulator"),
                f"{acc['fraction_within_1pct'] * 100:.1f}%",
                f"{acc['fraction_within_2pct'] * 100:.1f}%",
                f"{acc['median_abs_E'] * 100:.3f}%",
            ]
        )
    rows.append(["paper (Simon et al.)", "'vast majority'", "90%", "-"])
    acc_table = format_table(rows, ["model", "maps max|E|<1%", "maps max|E|<2%", "median |E|"])
    rows = []
    for name, sp in summary["speed"].items():
        rows.append(
            [
                f"{name} emulator, full, 1 galaxy",
                f"{sp['emulator_full_single_s'] * 1e3:.3f}",
                f"{sp['speedup_full_single']:.0f}x",
            ]
        )
        rows.append(
            [
                f"{name} emulator, MLP only, 1 galaxy",
                f"{sp['emulator_mlp_only_single_s'] * 1e3:.4f}",
                f"{sp['speedup_mlp_only']:.0f}x",
            ]
        )
        rows.append(
            [
                f"{name} emulator, batches of 1000",
                f"{sp['emulator_full_batched_s'] * 1e3:.4f}",
                f"{sp['speedup_batched']:.0f}x",
            ]
        )
    jam = next(iter(summary["speed"].values()))["jam_direct_s"]  # the same for every model
    rows.append(["direct JAM call (MGE fit + jam_axi_proj), this run", f"{jam * 1e3:.0f}", "1x"])
    rows.append(["paper: full model", "1", "-"])
    rows.append(["paper: MLP only", "0.3", "-"])
    speed_table = format_table(rows, ["per-model time", "ms", "vs JAM"])
    return (
        f"Accuracy on {summary['n_test']} held-out galaxies "
        f"(trained on {summary['n_train']}):\n{acc_table}\n\n{speed_table}"
    )


def read_table(path, n_columns, what):
    """A whitespace table of at least ``n_columns`` numeric columns, refused clearly."""
    try:
        table = np.atleast_2d(np.loadtxt(path, dtype=float))
    except (OSError, ValueError) as exc:
        raise ValueError(f"cannot read the {what} file {path}: {exc}") from None
    if table.shape[1] < n_columns:
        raise ValueError(
            f"the {what} file {path} needs {n_columns} columns, found {table.shape[1]}"
        )
    return table


def fit_kinematics(mge_file, kinematics_file, out_dir, *, distance, **options):
    """``sklearn-jam fit``: posterior of a mass model given an MGE and binned V_rms.

    Parameters
    ----------
    mge_file : path
        Columns: peak surface brightness (Lsun/pc^2), sigma (arcsec), axial ratio.
    kinematics_file : path
        Columns: x, y (arcsec), V_rms, its error (km/s); more columns are ignored
        (jampy's mock files fit as they are).
    out_dir : path
        Receives ``samples.npz``, ``summary.json``, ``corner.png`` and ``maps.png``.
    distance : float
        Distance in Mpc.
    **options
        Parameters of :class:`~sklearn_jam.JamKinematics`.

    Returns
    -------
    fit : JamKinematics
        The fitted estimator.
    """
    import matplotlib

    matplotlib.use("Agg")

    from .kinematics import JamKinematics

    mge = read_table(mge_file, 3, "MGE")
    bins = read_table(kinematics_file, 4, "kinematics")
    fit = JamKinematics(*mge[:, :3].T, distance, **options)
    X, vrms, err = bins[:, :2], bins[:, 2], bins[:, 3]
    fit.fit(X, vrms, err)
    save_fit_report(fit, X, vrms, out_dir, options=_jsonable(options))
    return fit


def save_fit_report(fit, X, vrms, out_dir, **extra):
    """Write a fitted :class:`~sklearn_jam.JamKinematics` to ``out_dir``.

    ``samples.npz`` (samples, log-posterior, parameter names), ``summary.json``
    (percentiles, best fit, chi^2, acceptance, timing and ``extra``), and the
    figures ``corner.png`` (:func:`~sklearn_jam.plotting.plot_posterior`) and
    ``maps.png`` (:func:`~sklearn_jam.plotting.plot_kinematics_fit`).

    Parameters
    ----------
    fit : JamKinematics
        A fitted estimator.
    X : array-like of shape (n_bins, 2)
        Bin positions in arcsec.
    vrms : array-like of shape (n_bins,)
        Observed V_rms in km/s.
    out_dir : path
        Created if missing.
    **extra
        More JSON-serialisable entries of ``summary.json``.
    """
    import matplotlib.pyplot as plt

    from .plotting import plot_kinematics_fit, plot_posterior

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    np.savez(
        out / "samples.npz",
        samples=fit.samples_,
        log_prob=fit.log_prob_,
        names=np.array(fit.param_names_),
    )
    summary = {
        "parameters": {
            k: dict(zip(("p16", "median", "p84"), v, strict=True)) for k, v in fit.summary_.items()
        },
        "best_fit": fit.best_params_,
        "chi2_best": float(-2 * fit.log_prob_.max()),
        "n_bins": len(X),
        "sampler": _jsonable(
            {"name": fit.sampler, "n_steps": fit.n_steps, "burn": fit.burn}
            | ({"n_walkers": fit.n_walkers} if fit.sampler == "emcee" else {})
            | ({"step_sigma": fit.step_sigma} if fit.sampler == "adamet" else {})
        ),
        "acceptance_fraction": fit.acceptance_fraction_,
        "n_calls": fit.n_calls_,
        "fit_seconds": fit.fit_seconds_,
        "reff_arcsec": fit.reff_,
        "sklearn_jam_version": __version__,
        **_jsonable(extra),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    for name, fig in (("corner", plot_posterior(fit)), ("maps", plot_kinematics_fit(fit, X, vrms))):
        fig.savefig(out / f"{name}.png", dpi=80)
        plt.close(fig)


def compare_with_jampy(fit, params, X, n_batch=32, repeat=3):
    """The model of :class:`~sklearn_jam.JamKinematics` and jampy's, same inputs, same run.

    jampy's ``jam_axi_proj`` gets the very mass MGE, inclination, anisotropy,
    black hole, PSF and spaxels of the model at ``params`` (its defaults
    otherwise, as a jampy user calls it), so the differences are the engines'.

    Parameters
    ----------
    fit : JamKinematics
        The model (fitted or not).
    params : dict
        One value per parameter (fixed ones may be left out).
    X : array-like of shape (n_bins, 2)
        Bin positions in arcsec.
    n_batch : int, default=32
        Models per engine call for sklearn_jam's time (walkers of one step).
    repeat : int, default=3
        Timings; the best is kept.

    Returns
    -------
    result : dict
        ``max_rel_diff``, ``median_rel_diff`` of V_rms; ``jampy_seconds`` and
        ``sklearn_jam_seconds`` per model; ``speedup`` their ratio; ``n_batch``;
        ``vrms_sklearn_jam`` and ``vrms_jampy`` (km/s).
    """
    from jampy.axi.jam_axi_proj import jam_axi_proj

    X = np.asarray(X, dtype=float)
    dyn = {k: v[0] for k, v in fit.dynamical_inputs(params).items()}

    def jampy_model():
        return jam_axi_proj(
            np.asarray(fit.surf_lum, dtype=float),
            np.asarray(fit.sigma_lum, dtype=float),
            np.asarray(fit.qobs_lum, dtype=float),
            dyn["surf_pot"],
            dyn["sigma_pot"],
            dyn["qobs_pot"],
            dyn["inc"],
            dyn["mbh"],
            fit.distance,
            X[:, 0],
            X[:, 1],
            beta=dyn["beta"],
            align="cyl",
            plot=False,
            quiet=True,
            sigmapsf=fit.sigmapsf,
            normpsf=fit.normpsf,
            pixsize=fit.pixsize,
            pixang=fit.pixang,
        ).model

    ours = fit.model_vrms(params, X)[0]
    theirs = jampy_model()
    rel = np.abs(ours / theirs - 1)
    batch = {k: np.full(n_batch, float(np.ravel(v)[0])) for k, v in params.items()}
    t_jampy = _best_time(jampy_model, repeat)
    t_ours = _best_time(lambda: fit.model_vrms(batch, X), repeat) / n_batch
    return {
        "max_rel_diff": float(rel.max()),
        "median_rel_diff": float(np.median(rel)),
        "jampy_seconds": t_jampy,
        "sklearn_jam_seconds": t_ours,
        "speedup": t_jampy / t_ours,
        "n_batch": n_batch,
        "vrms_sklearn_jam": ours,
        "vrms_jampy": theirs,
    }


def read_jampy_posterior(path, names):
    """``{name: (p16, median, p84)}`` from ``scripts/run_jampy_bayes_example.py``'s JSON.

    Parameters
    ----------
    path : path
        The JSON file; a missing file gives ``{}``.
    names : list of str
        sklearn_jam's names of the example's parameters, in the example's order.
    """
    path = Path(path)
    if not path.exists():
        return {}
    ref = json.loads(path.read_text())
    return {name: (ref["p16"][i], ref["median"][i], ref["p84"][i]) for i, name in enumerate(names)}


def format_comparison(result):
    """Two lines of text for a :func:`compare_with_jampy` result."""
    return (
        f"V_rms at the starting point, sklearn_jam vs jam_axi_proj: max |diff| "
        f"{result['max_rel_diff']:.2e}, median {result['median_rel_diff']:.2e} (relative)\n"
        f"time per model: jampy {result['jampy_seconds'] * 1e3:.0f} ms, sklearn_jam "
        f"{result['sklearn_jam_seconds'] * 1e3:.1f} ms in batches of {result['n_batch']}: "
        f"{result['speedup']:.1f}x"
    )


def posterior_table(fit, other=None, transforms=None):
    """Median and 16-84% of each parameter of a fit, beside another posterior.

    Parameters
    ----------
    fit : JamKinematics
        A fitted estimator.
    other : dict, optional
        ``{name: (p16, median, p84)}`` of the same parameters (for example,
        jampy's example), shown in a second column where present.
    transforms : dict, optional
        ``{name: function}`` applied to ``other``'s values first (monotonic, such
        as ``np.log10`` for a black-hole mass sampled linearly).

    Returns
    -------
    table : str
        A plain-text table (:func:`format_table`).
    """
    other, transforms = other or {}, transforms or {}

    def cell(p16, p50, p84):
        return f"{p50:.4g} (-{p50 - p16:.2g} / +{p84 - p50:.2g})"

    rows = []
    for name, values in fit.summary_.items():
        row = [name, cell(*values)]
        if name in other:
            f = transforms.get(name, lambda v: v)
            row.append(cell(*(float(f(v)) for v in other[name])))
        elif other:
            row.append("-")
        rows.append(row)
    sampler = {"emcee": "emcee", "adamet": "AdaMet"}[fit.sampler]
    headers = ["parameter", f"sklearn_jam ({sampler})"]
    headers += ["jampy example (AdaMet)"] if other else []
    return format_table(rows, headers)
