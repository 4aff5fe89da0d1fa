"""``sklearn-jam evaluate``: an emulator's metrics and Figures 2 and 3 on a dataset."""

import json
from pathlib import Path

import numpy as np

from ..emulator.cards import card_path, read_card
from ..emulator.features import N_SCALARS
from ..emulator.persistence import load_model
from ..io import load_dataset
from ..metrics import accuracy_summary
from ..utils import jsonable
from ._base import add_command

__all__ = ["METRICS_UNITS", "write_report", "evaluate"]


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

    from ..metrics import max_relative_error
    from ..plotting import plot_error_histograms, plot_maps

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    y_pred = est.predict(X)
    metrics = {**accuracy_summary(y, y_pred), **(extra or {})}
    report = {"model": model, "data": data, "metrics": metrics, "units": METRICS_UNITS}
    (out_dir / "metrics.json").write_text(json.dumps(jsonable(report), indent=1))
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
        scalars=X[show, :N_SCALARS],
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


def _check_settings(settings, card, data):
    """Refuse a dataset whose maps or images are not what the model was trained on.

    The settings of the model's training data are in its card (``sklearn-jam
    train``); a model without them (the pretrained one, or one trained in Python)
    was trained on the spec's defaults (:class:`~sklearn_jam.JamSimulator`).
    """
    from ..simulator import JamSimulator

    trained = (card or {}).get("data_settings") or JamSimulator().settings()
    # settings and cards written before the spherical alignment describe cylindrical
    # maps, and before eq. (37) constant anisotropies
    for key, default in (("align", "cyl"), ("anisotropy", "constant")):
        value, trained_value = settings.get(key, default), trained.get(key, default)
        if value != trained_value:
            raise ValueError(
                f"the dataset {data} holds maps of {key}={value!r} but the model was trained "
                f"on {key}={trained_value!r}: its predictions are not these maps; evaluate it "
                f"on a dataset of its own {key}"
            )
    for group in ("grid", "image"):
        for key, value in settings[group].items():
            if trained[group].get(key) != value:
                raise ValueError(
                    f"the dataset {data} has {key}={value!r} but the model was trained on maps "
                    f"with {key}={trained[group].get(key)!r}: its predictions are not these "
                    "maps; evaluate it on a dataset of its own settings"
                )


def evaluate(model, data, out_dir, split="all", trust_pickle=False):
    """Evaluate a saved emulator on a dataset directory; write metrics and figures.

    ``model`` is a file without code (:func:`~sklearn_jam.emulator.save_emulator`), or a
    joblib pickle with ``trust_pickle=True`` (only for one's own files: a pickle can
    run any code while it is read).
    """
    est = load_model(model, trust_pickle=trust_pickle)
    ds = load_dataset(data)
    _check_settings(ds.attrs["settings"], read_card(model), data)
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


def run(args):
    """Evaluate ``args.model`` on ``args.data``; print the metrics."""
    metrics = evaluate(
        args.model, args.data, args.out, split=args.split, trust_pickle=args.trust_model
    )
    print(json.dumps(metrics, indent=1))
    print(f"metrics.json, figure2.png and figure3.png written to {args.out}")
    return 0


def add_parser(subparsers):
    """Add ``evaluate`` and its options."""
    p = add_command(
        subparsers, "evaluate", "metrics and Figures 2 and 3 of a model on a dataset", run
    )
    p.add_argument("--model", required=True, help="model file (.npz written by train)")
    p.add_argument(
        "--trust-model",
        action="store_true",
        help="also open a joblib model file, a pickle that can run any code: only your own",
    )
    p.add_argument("--data", required=True, help="dataset directory made by 'simulate'")
    p.add_argument("--out", required=True, help="report directory")
    p.add_argument(
        "--split",
        choices=["all", "test"],
        default="all",
        help="'test': only the maps the model was not trained on",
    )
